//! Provider configuration: what an admin may store, checked field by field before anything is
//! written (`shared/reference/oauth-config.md`).

use app::error::FieldError;
use app::model::{NewProvider, ProviderView};

/// A provider as stored. `client_secret` is sealed (see [`crate::crypto`]).
#[derive(Clone, sqlx::FromRow)]
pub struct Provider {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub authorization_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Option<Vec<u8>>,
    #[sqlx(try_from = "String")]
    pub scopes: ScopeList,
    pub scope_separator: String,
    pub pkce_enabled: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider").field("id", &self.id).field("slug", &self.slug).finish_non_exhaustive()
    }
}

impl Provider {
    pub fn view(&self, connected_accounts: i64) -> ProviderView {
        ProviderView {
            id: self.id.clone(),
            slug: self.slug.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            authorization_url: self.authorization_url.clone(),
            token_url: self.token_url.clone(),
            client_id: self.client_id.clone(),
            has_client_secret: self.client_secret.is_some(),
            scopes: self.scopes.0.clone(),
            connected_accounts,
            created_at: crate::time::iso(self.created_at),
        }
    }
}

/// An ordered list of scopes, stored space-separated: RFC 6749 §3.3 scope tokens cannot contain
/// spaces, so the encoding is lossless.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeList(pub Vec<String>);

impl From<String> for ScopeList {
    fn from(text: String) -> Self {
        Self(text.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect())
    }
}

impl ScopeList {
    pub fn to_db(&self) -> String {
        self.0.join(" ")
    }
}

/// A provider whose fields passed every rule, not yet stored.
#[derive(Clone)]
pub struct ValidProvider {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub authorization_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub scopes: Vec<String>,
}

/// Checks every field and reports every problem at once, so the admin fixes them in one go.
pub fn validate(input: &NewProvider) -> Result<ValidProvider, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, code: &str, message: String| {
        errors.push(FieldError { field: field.into(), code: code.into(), message })
    };

    let name = input.name.trim();
    if name.is_empty() {
        fail("name", "required", "Enter a name.".into());
    } else if name.chars().count() > 80 {
        fail("name", "too_long", "Use at most 80 characters.".into());
    }

    let slug = input.slug.trim();
    if slug.is_empty() {
        fail("slug", "required", "Enter a slug.".into());
    } else if !is_valid_slug(slug) {
        fail(
            "slug",
            "invalid",
            "Use lowercase letters, digits and single hyphens (like acme-crm), at most 64 characters.".into(),
        );
    }

    let description = input.description.trim();
    if description.chars().count() > 500 {
        fail("description", "too_long", "Use at most 500 characters.".into());
    }

    for (field, label, value) in [
        ("authorization_url", "Authorization URL", &input.authorization_url),
        ("token_url", "Token URL", &input.token_url),
    ] {
        if let Err(message) = check_endpoint(label, value.trim()) {
            fail(field, "invalid_url", message);
        }
    }

    let client_id = input.client_id.trim();
    if client_id.is_empty() {
        fail("client_id", "required", "Enter the client ID of your OAuth app.".into());
    } else if client_id.len() > 255 {
        fail("client_id", "too_long", "Use at most 255 characters.".into());
    }

    let client_secret = input.client_secret.trim();
    if client_secret.len() > 2048 {
        fail("client_secret", "too_long", "Use at most 2048 characters.".into());
    }

    let scopes = match parse_scopes(&input.scopes) {
        Ok(s) => s,
        Err(bad) => {
            fail(
                "scopes",
                "invalid",
                format!(
                    "{bad:?} is not a valid scope: scopes cannot contain quotes, backslashes or control characters."
                ),
            );
            Vec::new()
        }
    };

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidProvider {
        slug: slug.to_string(),
        name: name.to_string(),
        description: description.to_string(),
        authorization_url: input.authorization_url.trim().to_string(),
        token_url: input.token_url.trim().to_string(),
        client_id: client_id.to_string(),
        client_secret: (!client_secret.is_empty()).then(|| client_secret.to_string()),
        scopes,
    })
}

/// Lowercase ASCII letters and digits in groups joined by single hyphens, 1–64 characters.
pub fn is_valid_slug(slug: &str) -> bool {
    slug.len() <= 64
        && !slug.is_empty()
        && slug
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// Scopes as typed by an admin: separated by spaces, commas or new lines; duplicates dropped;
/// order kept. A scope is an RFC 6749 §3.3 `scope-token`.
pub fn parse_scopes(text: &str) -> Result<Vec<String>, String> {
    let mut scopes: Vec<String> = Vec::new();
    for token in text.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()) {
        let valid = token.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
        if !valid {
            return Err(token.to_string());
        }
        if !scopes.iter().any(|s| s == token) {
            scopes.push(token.to_string());
        }
    }
    Ok(scopes)
}

/// Provider endpoints are absolute https URLs; plain http is accepted only for loopback hosts,
/// where development and test providers run.
fn check_endpoint(label: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("Enter the {label}."));
    }
    let url = url::Url::parse(value).map_err(|_| format!("Enter the full {label}, starting with https://"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(format!("The {label} needs a host name.")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(format!("The {label} must use https:// (plain http is allowed only for localhost).")),
        _ => return Err(format!("The {label} must be an https:// URL.")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("The {label} must not contain a user name or password."));
    }
    if url.fragment().is_some() {
        return Err(format!("The {label} must not contain a #fragment."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NewProvider {
        NewProvider {
            name: "Acme".into(),
            slug: "acme-crm".into(),
            description: "Reads your deals".into(),
            authorization_url: "https://acme.example/oauth/authorize".into(),
            token_url: "https://acme.example/oauth/token".into(),
            client_id: "client-1".into(),
            client_secret: "s3cret".into(),
            scopes: "read, write\nread offline_access".into(),
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_provider_passes_and_scopes_are_normalised() {
        let p = validate(&input()).unwrap();
        assert_eq!(p.scopes, ["read", "write", "offline_access"]);
        assert_eq!(p.client_secret.as_deref(), Some("s3cret"));
    }

    #[test]
    fn slugs() {
        for good in ["github", "acme-crm", "a1", "x"] {
            assert!(is_valid_slug(good), "{good}");
        }
        for bad in ["", "Acme", "acme_crm", "-acme", "acme-", "a--b", "acmé", "a b", &"a".repeat(65)] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let bad = NewProvider {
            name: " ".into(),
            slug: "Not A Slug".into(),
            authorization_url: "not a url".into(),
            token_url: "http://example.com/token".into(),
            client_id: "".into(),
            scopes: "ok \"quoted\"".into(),
            ..input()
        };
        assert_eq!(
            fields(validate(&bad).err().unwrap()),
            ["name", "slug", "authorization_url", "token_url", "client_id", "scopes"]
        );
    }

    #[test]
    fn endpoints_must_be_https_except_on_loopback() {
        assert!(check_endpoint("Token URL", "https://a.example/t").is_ok());
        assert!(check_endpoint("Token URL", "http://127.0.0.1:9000/t").is_ok());
        assert!(check_endpoint("Token URL", "http://localhost/t").is_ok());
        assert!(check_endpoint("Token URL", "http://[::1]:8080/t").is_ok());
        assert!(check_endpoint("Token URL", "http://10.0.0.1/t").is_err());
        assert!(check_endpoint("Token URL", "ftp://a.example/t").is_err());
        assert!(check_endpoint("Token URL", "https://user:pw@a.example/t").is_err());
        assert!(check_endpoint("Token URL", "https://a.example/t#x").is_err());
        assert!(check_endpoint("Token URL", "/relative").is_err());
    }

    #[test]
    fn a_public_client_may_omit_the_secret() {
        let p = validate(&NewProvider { client_secret: "  ".into(), ..input() }).unwrap();
        assert!(p.client_secret.is_none());
    }
}
