//! `${config.key}` placeholders in a provider's URLs, parameters and headers, filled from a
//! connection's configuration. A value is encoded for where it lands: in a host it must be host
//! labels, in the port digits, in the path one percent-encoded segment, in the query one
//! percent-encoded component. So a value can change which tenant is addressed, never which
//! path, parameter or server beyond what the template allows; the caller then applies the
//! outbound-address rules to the URL that results.

use std::collections::BTreeMap;

/// Configuration values by key.
pub type Values = BTreeMap<String, String>;

const OPEN: &str = "${config.";

/// The longest key a placeholder can name.
pub const MAX_KEY: usize = app::methods::MAX_KEY;

/// Why a template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// A `${` that is not a well-formed `${config.key}`.
    Malformed(String),
    /// A placeholder whose key has no value.
    Missing(String),
    /// A value that cannot stand where its placeholder is.
    Invalid { key: String, reason: &'static str },
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(t) => write!(f, "{t:?} is not a well-formed ${{config.key}} placeholder"),
            Self::Missing(k) => write!(f, "no value for {k}"),
            Self::Invalid { key, reason } => write!(f, "the value of {key} {reason}"),
        }
    }
}

/// Whether `key` can be a configuration key: a lowercase letter, then lowercase letters,
/// digits and underscores (the rule the dashboard applies too).
pub fn is_valid_key(key: &str) -> bool {
    app::methods::is_valid_key(key)
}

/// A template cut into literal text and placeholders.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Key(&'a str),
}

fn pieces(template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(at) = rest.find("${") {
        if at > 0 {
            out.push(Piece::Text(&rest[..at]));
        }
        let tail = &rest[at..];
        let end = tail.find('}').ok_or_else(|| TemplateError::Malformed(tail.chars().take(40).collect()))?;
        let key = tail[..end]
            .strip_prefix(OPEN)
            .filter(|k| is_valid_key(k))
            .ok_or_else(|| TemplateError::Malformed(tail[..=end].to_string()))?;
        out.push(Piece::Key(key));
        rest = &tail[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// The keys a template names, in order, or why it is malformed.
pub fn keys(template: &str) -> Result<Vec<String>, TemplateError> {
    Ok(pieces(template)?
        .into_iter()
        .filter_map(|p| match p {
            Piece::Key(k) => Some(k.to_string()),
            Piece::Text(_) => None,
        })
        .collect())
}

/// Whether a template holds any placeholder.
pub fn has_placeholders(template: &str) -> bool {
    template.contains("${")
}

/// Where in a URL a placeholder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    Scheme,
    Host,
    Port,
    Path,
    Query,
}

/// Fills a URL template. The scheme cannot be templated, and a placeholder in the authority
/// must be the host (or labels of it) or the port.
pub fn url(template: &str, values: &Values) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut position = Position::Scheme;
    let mut in_brackets = false;
    for piece in pieces(template)? {
        match piece {
            Piece::Text(text) => {
                for (i, c) in text.char_indices() {
                    position = advance(position, c, &text[i..], &mut in_brackets);
                }
                out.push_str(text);
            }
            Piece::Key(key) => {
                let value =
                    values.get(key).filter(|v| !v.is_empty()).ok_or_else(|| TemplateError::Missing(key.into()))?;
                let invalid = |reason| TemplateError::Invalid { key: key.into(), reason };
                match position {
                    // The whole origin, from a value such as Salesforce's captured
                    // `instance_url`: only at the very start, and only an origin.
                    Position::Scheme if out.is_empty() => {
                        out.push_str(&origin(value).map_err(invalid)?);
                        position = Position::Host;
                    }
                    Position::Scheme => return Err(invalid("cannot stand in the URL's scheme")),
                    Position::Host => {
                        check_host(value).map_err(invalid)?;
                        out.push_str(&value.to_ascii_lowercase());
                    }
                    Position::Port => {
                        if value.is_empty() || value.len() > 5 || !value.bytes().all(|b| b.is_ascii_digit()) {
                            return Err(invalid("must be a port number"));
                        }
                        match value.parse::<u32>() {
                            Ok(1..=65535) => out.push_str(value),
                            _ => return Err(invalid("must be a port number from 1 to 65535")),
                        }
                    }
                    Position::Path => out.extend(url::form_urlencoded::byte_serialize(value.as_bytes()).map(plus)),
                    Position::Query => out.extend(url::form_urlencoded::byte_serialize(value.as_bytes()).map(plus)),
                }
            }
        }
    }
    Ok(out)
}

/// `byte_serialize` writes a space as `+`, which means a space only in a query; `%20` is right
/// in both a path and a query.
fn plus(s: &str) -> &str {
    if s == "+" {
        "%20"
    } else {
        s
    }
}

/// The position after `c` (with `rest` the text from `c` on).
fn advance(position: Position, c: char, rest: &str, in_brackets: &mut bool) -> Position {
    match position {
        Position::Scheme if rest.starts_with("://") => Position::Scheme,
        Position::Scheme if c == '/' && rest.starts_with("//") => Position::Scheme,
        // The second slash of "://" ends the scheme part: the authority follows.
        Position::Scheme if c == '/' => Position::Host,
        Position::Host | Position::Port if c == '[' => {
            *in_brackets = true;
            position
        }
        Position::Host | Position::Port if c == ']' => {
            *in_brackets = false;
            position
        }
        Position::Host if c == ':' && !*in_brackets => Position::Port,
        Position::Host | Position::Port if c == '/' => Position::Path,
        Position::Host | Position::Port | Position::Path if c == '?' => Position::Query,
        // A fragment is never sent, and nothing is templated there.
        Position::Host | Position::Port | Position::Path | Position::Query if c == '#' => Position::Query,
        other => other,
    }
}

/// A value standing for a whole origin: `https://host[:port]` and nothing else.
fn origin(value: &str) -> Result<String, &'static str> {
    let url = url::Url::parse(value).map_err(|_| "must be an origin such as https://example.com")?;
    let bare = url.username().is_empty()
        && url.password().is_none()
        && matches!(url.path(), "" | "/")
        && url.query().is_none()
        && url.fragment().is_none()
        && matches!(url.scheme(), "https" | "http")
        && url.host().is_some();
    if !bare || value.trim_end_matches('/').contains(['?', '#', '@', '\\']) {
        return Err("must be an origin such as https://example.com, without a path");
    }
    Ok(url.origin().ascii_serialization())
}

/// A host value: dot-separated labels of letters, digits and hyphens, none starting or ending
/// with a hyphen. No `@`, `:`, `/` or anything else that would change what the URL addresses.
fn check_host(value: &str) -> Result<(), &'static str> {
    if value.len() > 253 {
        return Err("is too long for a host name");
    }
    for label in value.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err("must be a host name (labels of 1 to 63 letters, digits and hyphens)");
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err("must be a host name: only letters, digits, hyphens and dots");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("must be a host name: a label cannot start or end with a hyphen");
        }
    }
    Ok(())
}

/// Fills a template whose result is not a URL (a parameter value the request builder encodes,
/// a header value). Values with control characters are refused: in a header they would start
/// another header.
pub fn text(template: &str, values: &Values) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 16);
    for piece in pieces(template)? {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Key(key) => {
                let value =
                    values.get(key).filter(|v| !v.is_empty()).ok_or_else(|| TemplateError::Missing(key.into()))?;
                if value.chars().any(char::is_control) {
                    return Err(TemplateError::Invalid { key: key.into(), reason: "cannot hold control characters" });
                }
                out.push_str(value);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn keys_are_listed_and_malformed_placeholders_named() {
        assert_eq!(
            keys("https://${config.shop}.myshopify.com/a/${config.api_version}").unwrap(),
            ["shop", "api_version"]
        );
        assert!(keys("https://example.com/plain").unwrap().is_empty());
        for bad in [
            "https://${shop}.x",
            "https://${config.Shop}.x",
            "https://${config.}.x",
            "https://${config.a",
            "${env.HOME}",
        ] {
            assert!(matches!(keys(bad), Err(TemplateError::Malformed(_))), "{bad}");
        }
    }

    #[test]
    fn host_values_must_be_host_labels() {
        let t = "https://${config.subdomain}.zendesk.com/oauth/authorizations/new";
        assert_eq!(
            url(t, &values(&[("subdomain", "Acme-1")])).unwrap(),
            "https://acme-1.zendesk.com/oauth/authorizations/new"
        );
        for bad in [
            "evil.com/x?",
            "a@evil.com",
            "a:1",
            "a/b",
            "-a",
            "a-",
            "a..b",
            "169.254.169.254#",
            "a b",
            "ä",
            "a%2fb",
            &"a".repeat(64),
        ] {
            assert!(matches!(url(t, &values(&[("subdomain", bad)])), Err(TemplateError::Invalid { .. })), "{bad:?}");
        }
        // A whole host is allowed (self-hosted GitLab); the outbound rules judge the address.
        let t = "https://${config.host}/oauth/token";
        assert_eq!(url(t, &values(&[("host", "gitlab.acme.io")])).unwrap(), "https://gitlab.acme.io/oauth/token");
        assert_eq!(url(t, &values(&[("host", "169.254.169.254")])).unwrap(), "https://169.254.169.254/oauth/token");
    }

    #[test]
    fn ports_are_numbers() {
        let t = "http://127.0.0.1:${config.port}/auth";
        assert_eq!(url(t, &values(&[("port", "4100")])).unwrap(), "http://127.0.0.1:4100/auth");
        for bad in ["0", "65536", "80/x", "8a", "", "123456"] {
            assert!(url(t, &values(&[("port", bad)])).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn path_and_query_values_are_one_encoded_component() {
        let t = "https://${config.host}/realms/${config.realm}/auth?tenant=${config.tenant}";
        let v = values(&[("host", "sso.acme.io"), ("realm", "a/../b c"), ("tenant", "x&y=z#")]);
        assert_eq!(url(t, &v).unwrap(), "https://sso.acme.io/realms/a%2F..%2Fb%20c/auth?tenant=x%26y%3Dz%23");
    }

    #[test]
    fn the_scheme_cannot_be_templated_and_values_are_required() {
        assert!(matches!(
            url("${config.scheme}://x.io", &values(&[("scheme", "https")])),
            Err(TemplateError::Invalid { .. })
        ));
        assert!(url("https://x.io/${config.a}", &values(&[("a", "https://y.io")]))
            .unwrap()
            .ends_with("https%3A%2F%2Fy.io"));
        assert_eq!(url("https://${config.a}.io", &values(&[])), Err(TemplateError::Missing("a".into())));
        assert_eq!(url("https://${config.a}.io", &values(&[("a", "")])), Err(TemplateError::Missing("a".into())));
    }

    #[test]
    fn a_leading_placeholder_may_be_a_whole_origin() {
        let t = "${config.instance_url}/services/data";
        let v = |u: &str| values(&[("instance_url", u)]);
        assert_eq!(url(t, &v("https://na1.salesforce.com")).unwrap(), "https://na1.salesforce.com/services/data");
        assert_eq!(
            url(t, &v("https://Acme.my.salesforce.com/")).unwrap(),
            "https://acme.my.salesforce.com/services/data"
        );
        for bad in ["https://a.io/x", "https://u@a.io", "https://a.io?x", "ftp://a.io", "a.io", "javascript:alert(1)"] {
            assert!(url(t, &v(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn ipv6_hosts_keep_their_colons_in_the_host() {
        let t = "http://[::1]:${config.port}/x/${config.p}";
        assert_eq!(url(t, &values(&[("port", "80"), ("p", "q")])).unwrap(), "http://[::1]:80/x/q");
    }

    #[test]
    fn text_values_refuse_control_characters() {
        assert_eq!(text("Bearer ${config.k}", &values(&[("k", "abc")])).unwrap(), "Bearer abc");
        assert!(text("${config.k}", &values(&[("k", "a\r\nX-Evil: 1")])).is_err());
        assert_eq!(text("no placeholders", &values(&[])).unwrap(), "no placeholders");
    }
}
