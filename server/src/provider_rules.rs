//! The rules a provider's settings must pass before anything is stored
//! (`docs/provider-configuration.md` §2): every field of a [`Draft`] is checked and every problem
//! reported at once, so the admin fixes them in one go.

use crate::outbound::Outbound;
use crate::provider_settings::Draft;
use crate::providers::{is_valid_slug, Provider, ScopeList};
use app::error::FieldError;
use app::methods::{Access, AuthMethod};
use app::model::{AuthenticateVia, ResponsePaths, TokenBodyType};

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
    pub revocation_url: String,
    pub client_id: String,
    /// `None`: none typed (on edit: keep the stored one).
    pub client_secret: Option<String>,
    pub scopes: Vec<String>,
    pub scopes_required: bool,
    pub scope_separator: String,
    pub scope_parameter: String,
    pub issuer: String,
    pub issuer_sends_iss: bool,
    pub client_secret_required: bool,
    pub pkce_enabled: bool,
    pub authenticate_via: AuthenticateVia,
    pub token_body: TokenBodyType,
    pub authorization_parameters: Vec<(String, String)>,
    pub token_request_headers: Vec<(String, String)>,
    pub token_response: ResponsePaths,
    pub access: Access,
}

impl ValidProvider {
    /// Copies these settings onto a provider (everything but id, slug and credentials' secret).
    pub fn apply_to(&self, p: &mut Provider) {
        p.name = self.name.clone();
        p.description = self.description.clone();
        p.icon_url = self.icon_url.clone();
        p.authorization_url = self.authorization_url.clone();
        p.token_url = self.token_url.clone();
        p.refresh_token_url = self.refresh_token_url.clone();
        p.revocation_url = self.revocation_url.clone();
        p.client_id = self.client_id.clone();
        p.scopes = ScopeList(self.scopes.clone());
        p.scope_separator = self.scope_separator.clone();
        p.scope_parameter = self.scope_parameter.clone();
        p.issuer = self.issuer.clone();
        p.issuer_sends_iss = self.issuer_sends_iss;
        p.scopes_required = self.scopes_required;
        p.client_secret_required = self.client_secret_required;
        p.pkce_enabled = self.pkce_enabled;
        p.authenticate_via = self.authenticate_via;
        p.token_body = self.token_body;
        p.authorization_parameters = self.authorization_parameters.clone();
        p.token_request_headers = self.token_request_headers.clone();
        p.token_response_paths = self.token_response.clone();
        p.access = self.access.clone();
    }
}

/// Whether the draft adds a provider or edits one (which keeps its slug, and may keep its
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

/// The fields in the order their problems are reported, which is the form's order (a field's
/// rows, `config_fields[2]`, rank as the field).
const FIELD_ORDER: &[&str] = &[
    "name",
    "slug",
    "description",
    "icon_url",
    "icon_upload",
    "auth_methods",
    "authorization_url",
    "token_url",
    "refresh_token_url",
    "api_base_url",
    "config_fields",
    "config",
    "client_id",
    "client_secret",
    "api_key",
    "basic",
    "verification.url",
    "verification.method",
    "verification.expected_statuses",
    "scopes",
    "scope_separator",
    "scope_parameter",
    "issuer",
    "authenticate_via",
    "token_body_content_type",
    "authorization_parameters",
    "token_request_headers",
    "api_headers",
    "token_parameters",
    "captures",
    "access_token_path",
    "refresh_token_path",
    "expires_in_path",
    "scope_path",
    "account_identifier_path",
    "revocation_url",
];

/// Slugs that would read as another endpoint where a slug stands in a path:
/// `/data-integrations/finish`, and the `/_widgets/DataIntegrations/…` paths of WorkOS's widgets
/// (`…/installations/{id}` against `…/{slug}/api-key`, and the like).
const RESERVED_SLUGS: [&str; 6] =
    ["finish", "mine", "organization", "configurations", "installations", "shared-connections"];

/// Checks every field of a draft and reports every problem at once, so the admin fixes them in
/// one go.
pub fn validate(draft: &Draft, purpose: Purpose, rules: Outbound) -> Result<ValidProvider, Vec<FieldError>> {
    let mut errors = draft.unreadable.clone();
    let mut fail = |field: &str, code: &str, message: String| {
        errors.push(FieldError { field: field.into(), code: code.into(), message })
    };

    let name = draft.name.trim();
    if name.is_empty() {
        fail("name", "required", "Enter a name.".into());
    } else if name.chars().count() > 80 {
        fail("name", "too_long", "Use at most 80 characters.".into());
    }

    let slug = draft.slug.trim();
    if purpose == Purpose::Create {
        if slug.is_empty() {
            fail("slug", "required", "Enter a slug.".into());
        } else if RESERVED_SLUGS.contains(&slug) {
            fail("slug", "reserved", format!("{slug:?} is reserved: choose another slug."));
        } else if !is_valid_slug(slug) {
            fail(
                "slug",
                "invalid",
                "Use lowercase letters, digits and single hyphens (like acme-crm), at most 64 characters.".into(),
            );
        }
    }

    let description = draft.description.trim();
    if description.chars().count() > 500 {
        fail("description", "too_long", "Use at most 500 characters.".into());
    }

    let icon_url = draft.icon_url.trim();
    if !icon_url.is_empty() {
        if let Err(message) = rules.check_url("Icon", icon_url) {
            fail("icon_url", "invalid_url", message);
        }
    }

    let access = &draft.access;
    let oauth = access.supports(AuthMethod::Oauth);
    let grant = access.supports(AuthMethod::ClientCredentials);
    for e in crate::access_rules::check(draft, rules) {
        errors.push(e);
    }
    let mut fail = |field: &str, code: &str, message: String| {
        errors.push(FieldError { field: field.into(), code: code.into(), message })
    };
    for (field, label, value, required) in [
        ("authorization_url", "Authorization URL", &draft.authorization_url, oauth),
        ("token_url", "Token URL", &draft.token_url, oauth || grant),
        ("refresh_token_url", "Refresh token URL", &draft.refresh_token_url, false),
        ("revocation_url", "Revocation URL", &draft.revocation_url, false),
    ] {
        let value = value.trim();
        if value.is_empty() && !required {
            continue;
        }
        if let Err(message) = crate::access_rules::check_url_template(access, rules, label, value) {
            fail(field, "invalid_url", message);
        }
    }

    let client_id = draft.client_id.trim();
    if client_id.is_empty() && oauth {
        fail("client_id", "required", "Enter the client ID of your OAuth app.".into());
    } else if client_id.len() > 255 {
        fail("client_id", "too_long", "Use at most 255 characters.".into());
    }

    let client_secret = draft.client_secret.trim();
    let has_stored_secret = matches!(purpose, Purpose::Edit { has_stored_secret: true });
    if client_secret.len() > 2048 {
        fail("client_secret", "too_long", "Use at most 2048 characters.".into());
    } else if oauth && draft.client_secret_required && client_secret.is_empty() && !has_stored_secret {
        fail(
            "client_secret",
            "required",
            "Enter the client secret, or clear \"Client secret required\" for a public client that uses PKCE.".into(),
        );
    }

    let scopes = match check_scopes(&draft.scopes) {
        Ok(s) => {
            if draft.scopes_required && s.is_empty() {
                fail("scopes", "required", "This provider requires at least one scope.".into());
            }
            s
        }
        Err(message) => {
            fail("scopes", "invalid", message);
            Vec::new()
        }
    };

    let scope_separator = match draft.scope_separator.as_str() {
        "" | " " | "space" => " ",
        "," | "comma" => ",",
        "+" | "plus" => "+",
        _ => {
            fail("scope_separator", "invalid", "Choose a space, a comma or a plus sign.".into());
            " "
        }
    };

    let scope_parameter = match draft.scope_parameter.trim() {
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

    // RFC 9207's issuer: an https URL (as a check_url allows), compared character for character.
    let issuer = draft.issuer.trim();
    if !issuer.is_empty() {
        if let Err(message) = rules.check_url("Issuer", issuer) {
            fail("issuer", "invalid_url", message);
        }
    } else if draft.issuer_sends_iss {
        fail("issuer", "required", "Enter the issuer the provider names in its responses.".into());
    }

    let authenticate_via = AuthenticateVia::parse(draft.authenticate_via.trim()).unwrap_or_else(|| {
        fail("authenticate_via", "invalid", "Choose the request body or the HTTP Basic header.".into());
        AuthenticateVia::default()
    });
    let token_body = TokenBodyType::parse(draft.token_body_content_type.trim()).unwrap_or_else(|| {
        fail(
            "token_body_content_type",
            "invalid",
            "Choose application/x-www-form-urlencoded or application/json.".into(),
        );
        TokenBodyType::default()
    });
    if authenticate_via == AuthenticateVia::BasicAuthHeader && !draft.client_secret_required {
        fail(
            "authenticate_via",
            "invalid",
            "A public client has no secret to send in a Basic header: use the request body.".into(),
        );
    }

    let authorization_parameters = match check_pairs(&draft.authorization_parameters, "=") {
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

    let token_request_headers = match check_pairs(&draft.token_request_headers, ": ") {
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
        ("access_token_path", &draft.token_response.access_token, &mut token_response.access_token),
        ("refresh_token_path", &draft.token_response.refresh_token, &mut token_response.refresh_token),
        ("expires_in_path", &draft.token_response.expires_in, &mut token_response.expires_in),
        ("scope_path", &draft.token_response.scope, &mut token_response.scope),
        ("account_identifier_path", &draft.token_response.account_identifier, &mut token_response.account_identifier),
    ] {
        let value = value.trim();
        if value.is_empty() || (value.len() <= 256 && is_json_path(value)) {
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
        let rank = |e: &FieldError| {
            let field = e.field.split('[').next().unwrap_or(&e.field);
            FIELD_ORDER.iter().position(|f| *f == field).unwrap_or(FIELD_ORDER.len())
        };
        errors.sort_by_key(rank);
        // One problem per field, the first found: a line that could not be read says more than
        // the rule its stand-in value then breaks, and a field shows one message.
        let mut seen = std::collections::HashSet::new();
        errors.retain(|e| seen.insert(e.field.clone()));
        return Err(errors);
    }
    Ok(ValidProvider {
        slug: slug.to_string(),
        name: name.to_string(),
        description: description.to_string(),
        icon_url: icon_url.to_string(),
        authorization_url: draft.authorization_url.trim().to_string(),
        token_url: draft.token_url.trim().to_string(),
        refresh_token_url: draft.refresh_token_url.trim().to_string(),
        revocation_url: draft.revocation_url.trim().to_string(),
        client_id: client_id.to_string(),
        client_secret: (!client_secret.is_empty()).then(|| client_secret.to_string()),
        scopes,
        scopes_required: draft.scopes_required,
        scope_separator: scope_separator.to_string(),
        scope_parameter: scope_parameter.to_string(),
        issuer: issuer.to_string(),
        issuer_sends_iss: draft.issuer_sends_iss,
        client_secret_required: draft.client_secret_required,
        pkce_enabled: draft.pkce_enabled,
        authenticate_via,
        token_body,
        authorization_parameters,
        token_request_headers,
        token_response,
        access: draft.access.clone(),
    })
}

/// Scopes a provider may request at most, and the longest scope: real providers stay far below
/// both (Google's longest scope URL is under 100 characters).
pub const MAX_SCOPES: usize = 100;
pub const MAX_SCOPE_CHARS: usize = 256;

/// The scopes with duplicates dropped and order kept, or why they are refused: more than
/// [`MAX_SCOPES`], or one that is too long or not an RFC 6749 §3.3 `scope-token`. Linear in the
/// input, and it stops at the first problem.
pub fn check_scopes(scopes: &[String]) -> Result<Vec<String>, String> {
    if scopes.len() > MAX_SCOPES * 4 {
        return Err(format!("Request at most {MAX_SCOPES} scopes."));
    }
    let mut seen = std::collections::HashSet::with_capacity(scopes.len());
    let mut out: Vec<String> = Vec::new();
    for token in scopes {
        if token.len() > MAX_SCOPE_CHARS {
            return Err(format!("A scope has at most {MAX_SCOPE_CHARS} characters."));
        }
        let valid = !token.is_empty()
            && token.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
        if !valid {
            return Err(format!(
                "{token:?} is not a valid scope: scopes cannot contain quotes, backslashes or control characters."
            ));
        }
        if seen.insert(token.as_str()) {
            out.push(token.clone());
        }
    }
    if out.len() > MAX_SCOPES {
        return Err(format!("Request at most {MAX_SCOPES} scopes."));
    }
    Ok(out)
}

/// Name/value pairs with both sides trimmed, or why one is refused (shown as `name<sep>value`).
fn check_pairs(pairs: &[(String, String)], separator: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::with_capacity(pairs.len());
    for (name, value) in pairs {
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty()
            || name.len() > 128
            || value.len() > 1024
            || name.chars().chain(value.chars()).any(char::is_control)
        {
            return Err(format!("{:?} is not a valid entry.", format!("{name}{separator}{value}")));
        }
        out.push((name.to_string(), value.to_string()));
    }
    Ok(out)
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
    use crate::provider_settings::ProviderChange;
    use app::model::ProviderInput;

    const DEV: Outbound = Outbound { allow_loopback: true };

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

    /// The dashboard's path: its form as a change over a new provider's defaults.
    fn validate_form(
        input: &ProviderInput,
        purpose: Purpose,
        rules: Outbound,
    ) -> Result<ValidProvider, Vec<FieldError>> {
        validate(&Draft::new().with(ProviderChange::from(input)), purpose, rules)
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_provider_passes_and_scopes_are_normalised() {
        let p = validate_form(&input(), Purpose::Create, DEV).unwrap();
        assert_eq!(p.scopes, ["read", "write", "offline_access"]);
        assert_eq!(p.client_secret.as_deref(), Some("s3cret"));
        assert_eq!(p.scope_separator, " ");
        assert_eq!(p.scope_parameter, "scope");
        assert!(p.pkce_enabled && p.client_secret_required);
        assert_eq!(p.authenticate_via, AuthenticateVia::RequestBody);
        assert_eq!(p.token_body, TokenBodyType::Form);
    }

    #[test]
    fn slugs_that_read_as_other_endpoints_are_reserved() {
        for slug in ["finish", "installations", "shared-connections", "organization"] {
            let errors =
                validate_form(&ProviderInput { slug: slug.into(), ..input() }, Purpose::Create, DEV).unwrap_err();
            assert_eq!(errors.len(), 1, "{slug}");
            assert_eq!((errors[0].field.as_str(), errors[0].code.as_str()), ("slug", "reserved"), "{slug}");
        }
        // Only the whole slug: one that starts with a reserved word is an ordinary slug.
        assert!(
            validate_form(&ProviderInput { slug: "organization-crm".into(), ..input() }, Purpose::Create, DEV).is_ok()
        );
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
            fields(validate_form(&bad, Purpose::Create, DEV).err().unwrap()),
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
            fields(validate_form(&p, Purpose::Create, Outbound::default()).err().unwrap()),
            ["authorization_url", "token_url"]
        );
        p.authorization_url = "http://localhost:9000/authorize".into();
        assert!(validate_form(&p, Purpose::Create, DEV).is_ok());
    }

    #[test]
    fn a_public_client_needs_no_secret_but_a_confidential_one_does() {
        let missing = ProviderInput { client_secret: "  ".into(), ..input() };
        assert_eq!(fields(validate_form(&missing, Purpose::Create, DEV).err().unwrap()), ["client_secret"]);
        // Editing keeps the stored secret when none is typed.
        assert!(validate_form(&missing, Purpose::Edit { has_stored_secret: true }, DEV)
            .unwrap()
            .client_secret
            .is_none());
        let public = ProviderInput { client_secret_required: false, ..missing };
        assert!(validate_form(&public, Purpose::Create, DEV).unwrap().client_secret.is_none());
        let basic = ProviderInput { authenticate_via: "basic_auth_header".into(), ..public };
        assert_eq!(fields(validate_form(&basic, Purpose::Create, DEV).err().unwrap()), ["authenticate_via"]);
    }

    #[test]
    fn scopes_required_needs_a_scope() {
        let p = ProviderInput { scopes: "".into(), scopes_required: true, ..input() };
        assert_eq!(fields(validate_form(&p, Purpose::Create, DEV).err().unwrap()), ["scopes"]);
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
        let v = validate_form(&p, Purpose::Create, DEV).unwrap();
        assert_eq!(
            v.authorization_parameters,
            [("access_type".to_string(), "offline".to_string()), ("prompt".to_string(), "consent".to_string())]
        );
        assert_eq!(v.token_request_headers, [("Notion-Version".to_string(), "2022-06-28".to_string())]);
        assert_eq!(v.token_response.access_token, "authed_user.access_token");
        for reserved in ["state=x", "redirect_uri=x", "user_scope=x"] {
            let p = ProviderInput { authorization_parameters: reserved.into(), ..p.clone() };
            assert_eq!(
                fields(validate_form(&p, Purpose::Create, DEV).err().unwrap()),
                ["authorization_parameters"],
                "{reserved}"
            );
        }
        let p = ProviderInput { token_request_headers: "Authorization: Bearer x".into(), ..p };
        assert_eq!(fields(validate_form(&p, Purpose::Create, DEV).err().unwrap()), ["token_request_headers"]);
    }

    #[test]
    fn the_slug_is_not_checked_on_edit() {
        let p = ProviderInput { slug: "".into(), ..input() };
        assert!(validate_form(&p, Purpose::Edit { has_stored_secret: true }, DEV).is_ok());
    }

    #[test]
    fn a_change_keeps_every_field_it_does_not_name() {
        let mut stored = Provider::new(&"env_sandbox".into(), "prov_1".into(), "acme".into(), 1);
        stored.name = "Acme".into();
        stored.authorization_url = "https://acme.example/a".into();
        stored.token_url = "https://acme.example/t".into();
        stored.client_id = "cid".into();
        stored.scopes = ScopeList(vec!["read".into()]);
        stored.authorization_parameters = vec![("audience".into(), "api".into())];
        let change = ProviderChange { scope_separator: Some("+".into()), ..Default::default() };
        let v = validate(&Draft::of(&stored).with(change), Purpose::Edit { has_stored_secret: true }, DEV).unwrap();
        assert_eq!(v.scope_separator, "+");
        assert_eq!((v.name.as_str(), v.client_id.as_str()), ("Acme", "cid"));
        assert_eq!(v.scopes, ["read"]);
        assert_eq!(v.authorization_parameters, [("audience".to_string(), "api".to_string())]);
        assert!(v.client_secret.is_none(), "the stored secret is kept");
    }
}
