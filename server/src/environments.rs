//! Environments: sandbox and production each have their own providers, connected accounts, API
//! keys, webhook endpoints and events. An API key and a widget token belong to one environment
//! and reach nothing outside it; the dashboard shows one at a time. Each environment has the
//! browser-facing settings that differ between a test app and the real one: where authorization
//! links may return to, who may frame the widget, and whose pages may call the widget API. And
//! how the widget looks.

use crate::error::{Error, Result};
use crate::ids::EnvironmentId;
use crate::origins;
use crate::plumb::Plumb;
use crate::store::Environment;
use crate::widget_theme::Theme;

impl Plumb {
    pub async fn environments(&self) -> Result<Vec<Environment>> {
        self.store.environments().await
    }

    /// The environment with this slug, if there is one.
    pub async fn environment_by_slug(&self, slug: &str) -> Result<Option<Environment>> {
        self.store.environment_by_slug(slug).await
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
            id: format!("env_{}", slug.replace('-', "_")).into(),
            slug: slug.to_string(),
            name,
            live,
            return_to_origins: String::new(),
            frame_ancestors: String::new(),
            widget_origins: String::new(),
            created_at: crate::time::now_ms(),
        };
        if !self.store.insert_environment(&env).await? {
            return Err(Error::Conflict(format!("An environment {slug:?} already exists.")));
        }
        Ok(env)
    }

    /// Saves an environment's return-to origins, widget frame ancestors and widget API origins.
    pub async fn update_environment_settings(
        &self,
        id: &EnvironmentId,
        return_to_origins: &str,
        frame_ancestors: &str,
        widget_origins: &str,
    ) -> Result<Environment> {
        let (return_to, frames, callers) = match (
            origins::check_list("return_to_origins", return_to_origins),
            origins::check_list("frame_ancestors", frame_ancestors),
            origins::check_list("widget_origins", widget_origins),
        ) {
            (Ok(r), Ok(f), Ok(w)) => (r, f, w),
            (r, f, w) => return Err(Error::Validation(r.err().into_iter().chain(f.err()).chain(w.err()).collect())),
        };
        if !self.store.update_environment_settings(id, &return_to, &frames, &callers).await? {
            return Err(Error::NotFound(format!("No environment {:?}.", id.as_str())));
        }
        self.environment(id).await
    }
}

impl Plumb {
    /// The environment's widget theme (empty when none was saved).
    pub async fn widget_theme(&self, id: &EnvironmentId) -> Result<Theme> {
        let Some(json) = self.store.widget_theme(id).await? else { return Ok(Theme::default()) };
        // Checked before it was saved; a row that no longer parses is treated as no theme
        // rather than breaking every widget of the environment.
        Ok(serde_json::from_str(&json).unwrap_or_else(|e| {
            tracing::warn!(environment = %id.as_str(), error = %e, "stored widget theme unreadable");
            Theme::default()
        }))
    }

    /// Checks and saves the environment's widget theme; widget tokens minted from now on carry it.
    pub async fn save_widget_theme(&self, id: &EnvironmentId, theme: Theme) -> Result<Theme> {
        let theme = theme.checked("theme")?;
        self.environment(id).await?;
        let json = serde_json::to_string(&theme).map_err(|e| Error::Internal(e.to_string()))?;
        self.store.save_widget_theme(id, &json, crate::time::now_ms()).await?;
        Ok(theme)
    }
}
