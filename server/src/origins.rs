//! Origins (`https://app.example.com`): parsing them, checking the lists admins type, and
//! merging the operator's configured list with an environment's own.

use app::error::FieldError;

/// The operator's list (from the configuration) and an environment's own, as one
/// space-separated source list.
///
/// Each origin is checked again on the way out: the list lands in a `frame-ancestors` header,
/// and a value stored before [`parse`] refused punctuation in hosts must not reach it.
pub fn merged(configured: &[String], own: &str) -> String {
    let mut all: Vec<&str> = Vec::new();
    for o in configured.iter().map(String::as_str).chain(own.split_whitespace()) {
        if !all.contains(&o) && parse(o).as_deref() == Some(o) {
            all.push(o);
        }
    }
    all.join(" ")
}

/// Whether `origin` is in the operator's list or the environment's own, as [`merged`] reads them.
pub fn listed(configured: &[String], own: &str, origin: &str) -> bool {
    merged(configured, own).split(' ').any(|o| o == origin)
}

/// `item` as an origin (an http(s) scheme, a host and maybe a port, nothing else), or `None`.
/// Shared by the configuration's origin lists and the dashboard's.
///
/// The host must be a DNS name (letters, digits, hyphens and dots) or an IP literal: the URL
/// standard lets `;`, `'` and `*` into host names, and an origin is copied into
/// `Content-Security-Policy`, where they would end or widen the directive.
pub fn parse(item: &str) -> Option<String> {
    let url = url::Url::parse(item).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    match url.host()? {
        url::Host::Domain(name) => {
            let label_ok =
                |l: &str| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if name.len() > 253 || !name.split('.').all(label_ok) {
                return None;
            }
        }
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => {}
    }
    let origin = url.origin().ascii_serialization();
    (origin == item.trim_end_matches('/')).then_some(origin)
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
        if out.len() > 50 {
            return Err(problem("too_many", "List at most 50 origins.".into()));
        }
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
        // Punctuation the URL standard allows in hosts would end or widen a CSP directive.
        for bad in ["https://a;script-src", "https://a'b.example", "https://*.example.com", "https://a_b.example"] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        assert_eq!(parse("http://[::1]:8080").as_deref(), Some("http://[::1]:8080"));
        assert_eq!(parse("https://xn--bcher-kva.example").as_deref(), Some("https://xn--bcher-kva.example"));
        assert_eq!(check_list("f", "").unwrap(), "");
    }

    #[test]
    fn configured_and_own_origins_merge_without_repeats() {
        let configured = vec!["https://a.example".to_string()];
        assert_eq!(merged(&configured, "https://b.example https://a.example"), "https://a.example https://b.example");
        assert_eq!(merged(&[], ""), "");
        assert_eq!(merged(&[], "https://a;b https://c.example"), "https://c.example", "stored bad values are dropped");
    }
}
