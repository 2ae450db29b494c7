//! Provider configuration: what an admin may store, checked field by field before anything is
//! written (`shared/reference/oauth-config.md`), and the stored form.

use app::error::FieldError;
use app::model::{AuthenticateVia, ProviderInput, ProviderView, ResponsePaths, TokenBodyType};

/// A provider as stored. `client_secret` is sealed (see [`crate::crypto`]). Catalog providers
/// carry their catalog entry's settings, refreshed from the catalog when loaded.
#[derive(Clone, sqlx::FromRow)]
pub struct Provider {
    pub id: String,
    pub environment_id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub icon_url: String,
    pub authorization_url: String,
    pub token_url: String,
    pub refresh_token_url: String,
    pub client_id: String,
    pub client_secret: Option<Vec<u8>>,
    pub client_secret_hint: String,
    #[sqlx(try_from = "String")]
    pub scopes: ScopeList,
    pub scope_separator: String,
    pub scope_parameter: String,
    pub scopes_required: i64,
    pub client_secret_required: i64,
    pub pkce_enabled: i64,
    pub authenticate_via: String,
    pub token_body_content_type: String,
    #[sqlx(try_from = "String")]
    pub authorization_parameters: Pairs,
    #[sqlx(try_from = "String")]
    pub token_request_headers: Pairs,
    #[sqlx(try_from = "String")]
    pub token_response_paths: Paths,
    pub catalog_slug: Option<String>,
    pub credentials_type: String,
    pub enabled: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider").field("id", &self.id).field("slug", &self.slug).finish_non_exhaustive()
    }
}

pub const CUSTOM_CREDENTIALS: &str = "custom";
pub const SHARED_CREDENTIALS: &str = "shared";

impl Provider {
    /// A provider with default settings, to be filled from a form, the API or the catalog.
    pub fn new(environment_id: &str, id: String, slug: String, now: i64) -> Self {
        Self {
            id,
            environment_id: environment_id.to_string(),
            slug,
            name: String::new(),
            description: String::new(),
            icon_url: String::new(),
            authorization_url: String::new(),
            token_url: String::new(),
            refresh_token_url: String::new(),
            client_id: String::new(),
            client_secret: None,
            client_secret_hint: String::new(),
            scopes: ScopeList::default(),
            scope_separator: " ".into(),
            scope_parameter: "scope".into(),
            scopes_required: 0,
            client_secret_required: 1,
            pkce_enabled: 1,
            authenticate_via: AuthenticateVia::RequestBody.as_str().into(),
            token_body_content_type: TokenBodyType::Form.content_type().into(),
            authorization_parameters: Pairs::default(),
            token_request_headers: Pairs::default(),
            token_response_paths: Paths::default(),
            catalog_slug: None,
            credentials_type: CUSTOM_CREDENTIALS.into(),
            enabled: 1,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn authenticate_via(&self) -> AuthenticateVia {
        AuthenticateVia::parse(&self.authenticate_via).unwrap_or_default()
    }

    pub fn token_body(&self) -> TokenBodyType {
        TokenBodyType::parse(&self.token_body_content_type).unwrap_or_default()
    }

    /// Where refreshes go: the refresh token URL when set, else the token URL.
    pub fn refresh_url(&self) -> &str {
        if self.refresh_token_url.is_empty() {
            &self.token_url
        } else {
            &self.refresh_token_url
        }
    }

    pub fn uses_shared_credentials(&self) -> bool {
        self.credentials_type == SHARED_CREDENTIALS
    }

    pub fn view(&self, connected_accounts: i64) -> ProviderView {
        ProviderView {
            id: self.id.clone(),
            slug: self.slug.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            icon_url: self.icon_url.clone(),
            icon: String::new(),
            authorization_url: self.authorization_url.clone(),
            token_url: self.token_url.clone(),
            refresh_token_url: self.refresh_token_url.clone(),
            client_id: if self.uses_shared_credentials() { String::new() } else { self.client_id.clone() },
            has_client_secret: self.client_secret.is_some(),
            scopes: self.scopes.0.clone(),
            scopes_required: self.scopes_required != 0,
            scope_separator: self.scope_separator.clone(),
            scope_parameter: self.scope_parameter.clone(),
            client_secret_required: self.client_secret_required != 0,
            pkce_enabled: self.pkce_enabled != 0,
            authenticate_via: self.authenticate_via(),
            token_body_content_type: self.token_body(),
            authorization_parameters: self.authorization_parameters.0.clone(),
            token_request_headers: self.token_request_headers.0.clone(),
            token_response: self.token_response_paths.0.clone(),
            catalog: self.catalog_slug.clone(),
            shared_credentials: self.uses_shared_credentials(),
            enabled: self.enabled != 0,
            connected_accounts,
            created_at: crate::time::iso(self.created_at),
            updated_at: crate::time::iso(self.updated_at),
        }
    }

    /// Copies validated settings onto this provider (everything but id, slug and credentials).
    pub fn apply(&mut self, v: &ValidProvider) {
        self.name = v.name.clone();
        self.description = v.description.clone();
        self.icon_url = v.icon_url.clone();
        self.authorization_url = v.authorization_url.clone();
        self.token_url = v.token_url.clone();
        self.refresh_token_url = v.refresh_token_url.clone();
        self.client_id = v.client_id.clone();
        self.scopes = ScopeList(v.scopes.clone());
        self.scope_separator = v.scope_separator.clone();
        self.scope_parameter = v.scope_parameter.clone();
        self.scopes_required = v.scopes_required as i64;
        self.client_secret_required = v.client_secret_required as i64;
        self.pkce_enabled = v.pkce_enabled as i64;
        self.authenticate_via = v.authenticate_via.as_str().into();
        self.token_body_content_type = v.token_body.content_type().into();
        self.authorization_parameters = Pairs(v.authorization_parameters.clone());
        self.token_request_headers = Pairs(v.token_request_headers.clone());
        self.token_response_paths = Paths(v.token_response.clone());
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

/// Ordered name/value pairs, stored as a JSON array of pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pairs(pub Vec<(String, String)>);

impl TryFrom<String> for Pairs {
    type Error = serde_json::Error;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text).map(Self)
    }
}

impl Pairs {
    pub fn to_db(&self) -> String {
        serde_json::to_string(&self.0).expect("pairs serialize")
    }
}

/// Token response paths, stored as a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paths(pub ResponsePaths);

impl TryFrom<String> for Paths {
    type Error = serde_json::Error;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text).map(Self)
    }
}

impl Paths {
    pub fn to_db(&self) -> String {
        serde_json::to_string(&self.0).expect("paths serialize")
    }
}

/// A provider's settings that passed every rule, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProvider {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub icon_url: String,
    pub authorization_url: String,
    pub token_url: String,
    pub refresh_token_url: String,
    pub client_id: String,
    /// `None`: none typed (on edit: keep the stored one).
    pub client_secret: Option<String>,
    pub scopes: Vec<String>,
    pub scopes_required: bool,
    pub scope_separator: String,
    pub scope_parameter: String,
    pub client_secret_required: bool,
    pub pkce_enabled: bool,
    pub authenticate_via: AuthenticateVia,
    pub token_body: TokenBodyType,
    pub authorization_parameters: Vec<(String, String)>,
    pub token_request_headers: Vec<(String, String)>,
    pub token_response: ResponsePaths,
}

/// Whether the form adds a provider or edits one (which keeps its slug, and may keep its
/// stored secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Create,
    Edit { has_stored_secret: bool },
}

/// Query parameters Plumb sets itself; an admin's extra parameters may not override them.
const RESERVED_PARAMETERS: [&str; 7] =
    ["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"];
/// Headers Plumb sets on token requests itself.
const RESERVED_HEADERS: [&str; 6] =
    ["authorization", "content-type", "content-length", "host", "accept", "transfer-encoding"];

/// Checks every field and reports every problem at once, so the admin fixes them in one go.
pub fn validate(
    input: &ProviderInput,
    purpose: Purpose,
    rules: crate::outbound::Outbound,
) -> Result<ValidProvider, Vec<FieldError>> {
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
    if purpose == Purpose::Create {
        if slug.is_empty() {
            fail("slug", "required", "Enter a slug.".into());
        } else if !is_valid_slug(slug) {
            fail(
                "slug",
                "invalid",
                "Use lowercase letters, digits and single hyphens (like acme-crm), at most 64 characters.".into(),
            );
        }
    }

    let description = input.description.trim();
    if description.chars().count() > 500 {
        fail("description", "too_long", "Use at most 500 characters.".into());
    }

    let icon_url = input.icon_url.trim();
    if !icon_url.is_empty() {
        if let Err(message) = rules.check_url("Icon", icon_url) {
            fail("icon_url", "invalid_url", message);
        }
    }

    for (field, label, value, required) in [
        ("authorization_url", "Authorization URL", &input.authorization_url, true),
        ("token_url", "Token URL", &input.token_url, true),
        ("refresh_token_url", "Refresh token URL", &input.refresh_token_url, false),
    ] {
        let value = value.trim();
        if value.is_empty() && !required {
            continue;
        }
        if let Err(message) = rules.check_url(label, value) {
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
    let has_stored_secret = matches!(purpose, Purpose::Edit { has_stored_secret: true });
    if client_secret.len() > 2048 {
        fail("client_secret", "too_long", "Use at most 2048 characters.".into());
    } else if input.client_secret_required && client_secret.is_empty() && !has_stored_secret {
        fail(
            "client_secret",
            "required",
            "Enter the client secret, or clear \"Client secret required\" for a public client that uses PKCE.".into(),
        );
    }

    let parsed_scopes = parse_scopes(&input.scopes);
    let scopes = match parsed_scopes.clone() {
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
    if input.scopes_required && scopes.is_empty() && parsed_scopes.is_ok() {
        fail("scopes", "required", "This provider requires at least one scope.".into());
    }

    let scope_separator = match input.scope_separator.as_str() {
        "" | " " | "space" => " ",
        "," | "comma" => ",",
        "+" | "plus" => "+",
        _ => {
            fail("scope_separator", "invalid", "Choose a space, a comma or a plus sign.".into());
            " "
        }
    };

    let scope_parameter = match input.scope_parameter.trim() {
        "" => "scope",
        p if is_token(p) && p.len() <= 64 => p,
        _ => {
            fail(
                "scope_parameter",
                "invalid",
                "Use letters, digits, '_', '-' or '.' (like scope or user_scope).".into(),
            );
            "scope"
        }
    };

    let authenticate_via = AuthenticateVia::parse(input.authenticate_via.trim()).unwrap_or_else(|| {
        fail("authenticate_via", "invalid", "Choose the request body or the HTTP Basic header.".into());
        AuthenticateVia::default()
    });
    let token_body = TokenBodyType::parse(input.token_body_content_type.trim()).unwrap_or_else(|| {
        fail(
            "token_body_content_type",
            "invalid",
            "Choose application/x-www-form-urlencoded or application/json.".into(),
        );
        TokenBodyType::default()
    });
    if authenticate_via == AuthenticateVia::BasicAuthHeader && !input.client_secret_required {
        fail(
            "authenticate_via",
            "invalid",
            "A public client has no secret to send in a Basic header: use the request body.".into(),
        );
    }

    let authorization_parameters = match parse_pairs(&input.authorization_parameters, '=') {
        Err(message) => {
            fail("authorization_parameters", "invalid", message);
            Vec::new()
        }
        Ok(pairs) => {
            if let Some((k, _)) =
                pairs.iter().find(|(k, _)| RESERVED_PARAMETERS.contains(&k.as_str()) || k.as_str() == scope_parameter)
            {
                fail("authorization_parameters", "reserved", format!("Plumb sets {k:?} itself; remove it."));
            } else if pairs.len() > 20 {
                fail("authorization_parameters", "too_many", "Use at most 20 parameters.".into());
            }
            pairs
        }
    };

    let token_request_headers = match parse_pairs(&input.token_request_headers, ':') {
        Err(message) => {
            fail("token_request_headers", "invalid", message);
            Vec::new()
        }
        Ok(pairs) => {
            if let Some((k, _)) = pairs.iter().find(|(k, _)| !is_header_name(k)) {
                fail("token_request_headers", "invalid", format!("{k:?} is not a valid header name."));
            } else if let Some((k, _)) =
                pairs.iter().find(|(k, _)| RESERVED_HEADERS.contains(&k.to_ascii_lowercase().as_str()))
            {
                fail("token_request_headers", "reserved", format!("Plumb sets {k:?} itself; remove it."));
            } else if pairs.len() > 10 {
                fail("token_request_headers", "too_many", "Use at most 10 headers.".into());
            }
            pairs
        }
    };

    let mut token_response = ResponsePaths::default();
    for (field, value, slot) in [
        ("access_token_path", &input.access_token_path, &mut token_response.access_token),
        ("refresh_token_path", &input.refresh_token_path, &mut token_response.refresh_token),
        ("expires_in_path", &input.expires_in_path, &mut token_response.expires_in),
        ("scope_path", &input.scope_path, &mut token_response.scope),
    ] {
        let value = value.trim();
        if value.is_empty() || is_json_path(value) {
            *slot = value.to_string();
        } else {
            errors.push(FieldError {
                field: field.into(),
                code: "invalid".into(),
                message: "Use field names joined by dots, like authed_user.access_token.".into(),
            });
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidProvider {
        slug: slug.to_string(),
        name: name.to_string(),
        description: description.to_string(),
        icon_url: icon_url.to_string(),
        authorization_url: input.authorization_url.trim().to_string(),
        token_url: input.token_url.trim().to_string(),
        refresh_token_url: input.refresh_token_url.trim().to_string(),
        client_id: client_id.to_string(),
        client_secret: (!client_secret.is_empty()).then(|| client_secret.to_string()),
        scopes,
        scopes_required: input.scopes_required,
        scope_separator: scope_separator.to_string(),
        scope_parameter: scope_parameter.to_string(),
        client_secret_required: input.client_secret_required,
        pkce_enabled: input.pkce_enabled,
        authenticate_via,
        token_body,
        authorization_parameters,
        token_request_headers,
        token_response,
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

/// `name<sep>value` lines; blank lines skipped.
pub fn parse_pairs(text: &str, separator: char) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(separator) else {
            return Err(format!("Write each entry as name{separator}value (line {line:?})."));
        };
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || name.len() > 128 || value.len() > 1024 || line.chars().any(char::is_control) {
            return Err(format!("{line:?} is not a valid entry."));
        }
        pairs.push((name.to_string(), value.to_string()));
    }
    Ok(pairs)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// RFC 9110 §5.1 field names.
fn is_header_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn is_json_path(s: &str) -> bool {
    s.len() <= 200
        && s.split('.')
            .all(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: crate::outbound::Outbound = crate::outbound::Outbound { allow_loopback: true };

    fn input() -> ProviderInput {
        ProviderInput {
            name: "Acme".into(),
            slug: "acme-crm".into(),
            description: "Reads your deals".into(),
            authorization_url: "https://acme.example/oauth/authorize".into(),
            token_url: "https://acme.example/oauth/token".into(),
            client_id: "client-1".into(),
            client_secret: "s3cret".into(),
            scopes: "read, write\nread offline_access".into(),
            ..Default::default()
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_provider_passes_and_scopes_are_normalised() {
        let p = validate(&input(), Purpose::Create, DEV).unwrap();
        assert_eq!(p.scopes, ["read", "write", "offline_access"]);
        assert_eq!(p.client_secret.as_deref(), Some("s3cret"));
        assert_eq!(p.scope_separator, " ");
        assert_eq!(p.scope_parameter, "scope");
        assert!(p.pkce_enabled && p.client_secret_required);
        assert_eq!(p.authenticate_via, AuthenticateVia::RequestBody);
        assert_eq!(p.token_body, TokenBodyType::Form);
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
        let bad = ProviderInput {
            name: " ".into(),
            slug: "Not A Slug".into(),
            authorization_url: "not a url".into(),
            token_url: "http://example.com/token".into(),
            refresh_token_url: "ftp://example.com/refresh".into(),
            icon_url: "javascript:alert(1)".into(),
            client_id: "".into(),
            scopes: "ok \"quoted\"".into(),
            scope_separator: ";".into(),
            scope_parameter: "sco pe".into(),
            authenticate_via: "carrier_pigeon".into(),
            token_body_content_type: "text/xml".into(),
            authorization_parameters: "no separator".into(),
            token_request_headers: "Bad Header: x".into(),
            access_token_path: "a..b".into(),
            ..input()
        };
        assert_eq!(
            fields(validate(&bad, Purpose::Create, DEV).err().unwrap()),
            [
                "name",
                "slug",
                "icon_url",
                "authorization_url",
                "token_url",
                "refresh_token_url",
                "client_id",
                "scopes",
                "scope_separator",
                "scope_parameter",
                "authenticate_via",
                "token_body_content_type",
                "authorization_parameters",
                "token_request_headers",
                "access_token_path"
            ]
        );
    }

    #[test]
    fn loopback_endpoints_need_development_mode() {
        let mut p = input();
        p.token_url = "http://127.0.0.1:9000/token".into();
        p.authorization_url = "https://169.254.169.254/authorize".into();
        assert_eq!(
            fields(validate(&p, Purpose::Create, crate::outbound::Outbound::default()).err().unwrap()),
            ["authorization_url", "token_url"]
        );
        p.authorization_url = "http://localhost:9000/authorize".into();
        assert!(validate(&p, Purpose::Create, DEV).is_ok());
    }

    #[test]
    fn a_public_client_needs_no_secret_but_a_confidential_one_does() {
        let missing = ProviderInput { client_secret: "  ".into(), ..input() };
        assert_eq!(fields(validate(&missing, Purpose::Create, DEV).err().unwrap()), ["client_secret"]);
        // Editing keeps the stored secret when none is typed.
        assert!(validate(&missing, Purpose::Edit { has_stored_secret: true }, DEV).unwrap().client_secret.is_none());
        let public = ProviderInput { client_secret_required: false, ..missing };
        assert!(validate(&public, Purpose::Create, DEV).unwrap().client_secret.is_none());
        let basic = ProviderInput { authenticate_via: "basic_auth_header".into(), ..public };
        assert_eq!(fields(validate(&basic, Purpose::Create, DEV).err().unwrap()), ["authenticate_via"]);
    }

    #[test]
    fn scopes_required_needs_a_scope() {
        let p = ProviderInput { scopes: "".into(), scopes_required: true, ..input() };
        assert_eq!(fields(validate(&p, Purpose::Create, DEV).err().unwrap()), ["scopes"]);
    }

    #[test]
    fn extra_parameters_and_headers_are_parsed_and_cannot_override_plumbs_own() {
        let p = ProviderInput {
            authorization_parameters: "access_type=offline\n\n prompt = consent ".into(),
            token_request_headers: "Notion-Version: 2022-06-28".into(),
            scope_separator: ",".into(),
            scope_parameter: "user_scope".into(),
            access_token_path: "authed_user.access_token".into(),
            ..input()
        };
        let v = validate(&p, Purpose::Create, DEV).unwrap();
        assert_eq!(
            v.authorization_parameters,
            [("access_type".to_string(), "offline".to_string()), ("prompt".to_string(), "consent".to_string())]
        );
        assert_eq!(v.token_request_headers, [("Notion-Version".to_string(), "2022-06-28".to_string())]);
        assert_eq!(v.token_response.access_token, "authed_user.access_token");
        for reserved in ["state=x", "redirect_uri=x", "user_scope=x"] {
            let p = ProviderInput { authorization_parameters: reserved.into(), ..p.clone() };
            assert_eq!(
                fields(validate(&p, Purpose::Create, DEV).err().unwrap()),
                ["authorization_parameters"],
                "{reserved}"
            );
        }
        let p = ProviderInput { token_request_headers: "Authorization: Bearer x".into(), ..p };
        assert_eq!(fields(validate(&p, Purpose::Create, DEV).err().unwrap()), ["token_request_headers"]);
    }

    #[test]
    fn the_slug_is_not_checked_on_edit() {
        let p = ProviderInput { slug: "".into(), ..input() };
        assert!(validate(&p, Purpose::Edit { has_stored_secret: true }, DEV).is_ok());
    }

    #[test]
    fn stored_json_columns_round_trip() {
        let pairs = Pairs(vec![("a".into(), "b c".into())]);
        assert_eq!(Pairs::try_from(pairs.to_db()).unwrap(), pairs);
        let paths = Paths(ResponsePaths { access_token: "x.y".into(), ..Default::default() });
        assert_eq!(Paths::try_from(paths.to_db()).unwrap(), paths);
        assert_eq!(Paths::try_from("{}".to_string()).unwrap(), Paths::default());
    }
}
