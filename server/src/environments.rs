//! Environments: sandbox and production each have their own providers, connected accounts, API
//! keys, webhook endpoints and events. An API key and a widget token belong to one environment
//! and reach nothing outside it; the dashboard shows one at a time. Each environment has the
//! browser-facing settings that differ between a test app and the real one: where authorization
//! links may return to, and who may frame the widget.

use crate::error::{Error, Result};
use crate::service::Plumb;
use crate::store::Environment;
use app::error::FieldError;

/// The operator's list (from the configuration) and an environment's own, as one
/// space-separated source list.
pub fn merged_origins(configured: &[String], own: &str) -> String {
    let mut all: Vec<&str> = configured.iter().map(String::as_str).collect();
    for o in own.split_whitespace() {
        if !all.contains(&o) {
            all.push(o);
        }
    }
    all.join(" ")
}

/// `item` as an origin (an http(s) scheme, a host and maybe a port, nothing else), or `None`.
/// Shared by the configuration's origin lists and the dashboard's.
pub fn parse_origin(item: &str) -> Option<String> {
    url::Url::parse(item)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o == item.trim_end_matches('/'))
}

/// Checks a list of origins typed by an admin (one per line, or separated by spaces or commas)
/// and returns it normalized, space-separated.
pub fn check_origins(field: &str, text: &str) -> std::result::Result<String, FieldError> {
    let problem = |code: &str, message: String| FieldError { field: field.into(), code: code.into(), message };
    let mut out: Vec<String> = Vec::new();
    for item in text.split([',', ' ', '\n', '\r', '\t']).filter(|s| !s.is_empty()) {
        let origin = parse_origin(item).ok_or_else(|| {
            problem("invalid_origin", format!("{item:?} is not an origin like https://app.example.com."))
        })?;
        if !out.contains(&origin) {
            out.push(origin);
        }
    }
    if out.len() > 50 {
        return Err(problem("too_many", "List at most 50 origins.".into()));
    }
    Ok(out.join(" "))
}

impl Plumb {
    pub async fn environment(&self, id: &str) -> Result<Environment> {
        self.store.environment(id).await?.ok_or_else(|| Error::NotFound(format!("No environment {id:?}.")))
    }

    pub async fn environments(&self) -> Result<Vec<Environment>> {
        self.store.environments().await
    }

    /// Adds an environment beyond sandbox and production (a staging copy, say). `live` makes its
    /// API keys `sk_live_` ones.
    pub async fn create_environment(&self, slug: &str, name: &str, live: bool) -> Result<Environment> {
        let slug = slug.trim();
        if !crate::providers::is_valid_slug(slug) {
            return Err(Error::field(
                "slug",
                "invalid",
                "Use lowercase letters, digits and single hyphens (like staging), at most 64 characters.",
            ));
        }
        let name = if name.trim().is_empty() { slug.to_string() } else { name.trim().to_string() };
        let env = Environment {
            id: format!("env_{}", slug.replace('-', "_")),
            slug: slug.to_string(),
            name,
            live: live as i64,
            return_to_origins: String::new(),
            frame_ancestors: String::new(),
            created_at: crate::time::now_ms(),
        };
        if !self.store.insert_environment(&env).await? {
            return Err(Error::Conflict(format!("An environment {slug:?} already exists.")));
        }
        Ok(env)
    }

    /// Saves an environment's return-to origins and widget frame ancestors.
    pub async fn update_environment_settings(
        &self,
        id: &str,
        return_to_origins: &str,
        frame_ancestors: &str,
    ) -> Result<Environment> {
        let (return_to, frames) = match (
            check_origins("return_to_origins", return_to_origins),
            check_origins("frame_ancestors", frame_ancestors),
        ) {
            (Ok(r), Ok(f)) => (r, f),
            (r, f) => return Err(Error::Validation(r.err().into_iter().chain(f.err()).collect())),
        };
        if !self.store.update_environment_settings(id, &return_to, &frames).await? {
            return Err(Error::NotFound(format!("No environment {id:?}.")));
        }
        self.environment(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_lists_are_checked_and_normalized() {
        assert_eq!(
            check_origins("f", "https://app.example.com\nhttp://localhost:5173/, https://app.example.com").unwrap(),
            "https://app.example.com http://localhost:5173"
        );
        assert!(check_origins("f", "https://app.example.com/path").is_err());
        assert!(check_origins("f", "javascript:alert(1)").is_err());
        assert!(check_origins("f", "*").is_err());
        assert_eq!(check_origins("f", "").unwrap(), "");
    }

    #[test]
    fn configured_and_own_origins_merge_without_repeats() {
        let configured = vec!["https://a.example".to_string()];
        assert_eq!(
            merged_origins(&configured, "https://b.example https://a.example"),
            "https://a.example https://b.example"
        );
        assert_eq!(merged_origins(&[], ""), "");
    }
}
