//! Origins (`https://app.example.com`): parsing them, checking the lists admins type, and
//! merging the operator's configured list with an environment's own.

use app::error::FieldError;

/// The operator's list (from the configuration) and an environment's own, as one
/// space-separated source list.
pub fn merged(configured: &[String], own: &str) -> String {
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
pub fn parse(item: &str) -> Option<String> {
    url::Url::parse(item)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o == item.trim_end_matches('/'))
}

/// Checks a list of origins typed by an admin (one per line, or separated by spaces or commas)
/// and returns it normalized, space-separated.
pub fn check_list(field: &str, text: &str) -> std::result::Result<String, FieldError> {
    let problem = |code: &str, message: String| FieldError { field: field.into(), code: code.into(), message };
    let mut out: Vec<String> = Vec::new();
    for item in text.split([',', ' ', '\n', '\r', '\t']).filter(|s| !s.is_empty()) {
        let origin = parse(item).ok_or_else(|| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_lists_are_checked_and_normalized() {
        assert_eq!(
            check_list("f", "https://app.example.com\nhttp://localhost:5173/, https://app.example.com").unwrap(),
            "https://app.example.com http://localhost:5173"
        );
        assert!(check_list("f", "https://app.example.com/path").is_err());
        assert!(check_list("f", "javascript:alert(1)").is_err());
        assert!(check_list("f", "*").is_err());
        assert_eq!(check_list("f", "").unwrap(), "");
    }

    #[test]
    fn configured_and_own_origins_merge_without_repeats() {
        let configured = vec!["https://a.example".to_string()];
        assert_eq!(merged(&configured, "https://b.example https://a.example"), "https://a.example https://b.example");
        assert_eq!(merged(&[], ""), "");
    }
}
