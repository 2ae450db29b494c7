//! Changes to a provider's settings (`docs/provider-configuration.md` §2). A change names only
//! the fields it sets: the REST API builds one from the JSON it was sent, the dashboard from its
//! form ([`From<&ProviderInput>`]). It is laid over the provider as stored (or over a new
//! provider's defaults) as a [`Draft`], which [`crate::provider_rules::validate`] checks.

use crate::ids::{EnvironmentId, ProviderId};
use crate::providers::Provider;
use crate::templates::Values;
use app::error::FieldError;
use app::methods::{Access, AuthMethod, BasicLabels, FieldScope, KeyPlacement, Verification};
use app::model::{CatalogInput, ProviderInput, ResponsePaths};
use std::collections::BTreeMap;

/// What a change to a custom provider sets; `None` keeps what is there.
#[derive(Default)]
pub struct ProviderChange {
    /// Only when creating: the slug never changes.
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub icon_url: Option<String>,
    /// An uploaded icon as a `data:image/…;base64,…` URL (the dashboard's upload).
    pub icon_upload: Option<String>,
    pub remove_icon: bool,
    pub authorization_url: Option<String>,
    pub token_url: Option<String>,
    pub refresh_token_url: Option<String>,
    /// RFC 7009 revocation endpoint; empty: none.
    pub revocation_url: Option<String>,
    pub client_id: Option<String>,
    /// Empty or `None`: keep the stored secret.
    pub client_secret: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub scopes_required: Option<bool>,
    pub scope_separator: Option<String>,
    pub scope_parameter: Option<String>,
    pub issuer: Option<String>,
    pub issuer_sends_iss: Option<bool>,
    pub client_secret_required: Option<bool>,
    pub pkce_enabled: Option<bool>,
    pub authenticate_via: Option<String>,
    pub token_body_content_type: Option<String>,
    pub authorization_parameters: Option<Vec<(String, String)>>,
    pub token_request_headers: Option<Vec<(String, String)>>,
    pub access_token_path: Option<String>,
    pub refresh_token_path: Option<String>,
    pub expires_in_path: Option<String>,
    pub scope_path: Option<String>,
    pub account_identifier_path: Option<String>,
    /// Methods, configuration fields, key placement, verification and the rest
    /// (`app::methods::Access`); `None` keeps them.
    pub access: Option<Access>,
    /// Values pinned on the provider for its configuration fields. Non-secret ones not given
    /// are unpinned; a secret one not given keeps its stored value, and an empty one clears it.
    pub config: Option<Values>,
    /// Fields the sender could not express (a malformed line in one of the dashboard's text
    /// areas): reported with the problems validation finds.
    pub unreadable: Vec<FieldError>,
}

impl std::fmt::Debug for ProviderChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderChange").field("slug", &self.slug).field("name", &self.name).finish_non_exhaustive()
    }
}

/// The dashboard's form sets every field; its text areas are read here.
impl From<&ProviderInput> for ProviderChange {
    fn from(input: &ProviderInput) -> Self {
        let mut unreadable = Vec::new();
        let mut pairs = |field: &str, text: &str, separator: char| match parse_pairs(text, separator) {
            Ok(pairs) => Some(pairs),
            Err(message) => {
                unreadable.push(FieldError { field: field.into(), code: "invalid".into(), message });
                None
            }
        };
        let authorization_parameters = pairs("authorization_parameters", &input.authorization_parameters, '=');
        let token_request_headers = pairs("token_request_headers", &input.token_request_headers, ':');
        let (access, config) = if input.connection_settings {
            let access = form_access(input, &mut unreadable);
            let config = form_pinned(&input.config, &input.clear_config, |key| {
                access.config_fields.iter().any(|f| f.key == key)
            });
            (Some(access), Some(config))
        } else {
            (None, None)
        };
        Self {
            slug: Some(input.slug.clone()),
            name: Some(input.name.clone()),
            description: Some(input.description.clone()),
            icon_url: Some(input.icon_url.clone()),
            icon_upload: Some(input.icon_upload.clone()),
            remove_icon: input.remove_icon,
            authorization_url: Some(input.authorization_url.clone()),
            token_url: Some(input.token_url.clone()),
            refresh_token_url: Some(input.refresh_token_url.clone()),
            client_id: Some(input.client_id.clone()),
            client_secret: Some(input.client_secret.clone()),
            scopes: Some(split_scopes(&input.scopes)),
            scopes_required: Some(input.scopes_required),
            scope_separator: Some(input.scope_separator.clone()),
            scope_parameter: Some(input.scope_parameter.clone()),
            issuer: Some(input.issuer.clone()),
            issuer_sends_iss: Some(input.issuer_sends_iss),
            client_secret_required: Some(input.client_secret_required),
            pkce_enabled: Some(input.pkce_enabled),
            authenticate_via: Some(input.authenticate_via.clone()),
            token_body_content_type: Some(input.token_body_content_type.clone()),
            authorization_parameters,
            token_request_headers,
            access_token_path: Some(input.access_token_path.clone()),
            refresh_token_path: Some(input.refresh_token_path.clone()),
            expires_in_path: Some(input.expires_in_path.clone()),
            scope_path: Some(input.scope_path.clone()),
            account_identifier_path: Some(input.account_identifier_path.clone()),
            revocation_url: Some(input.revocation_url.clone()),
            access,
            config,
            unreadable,
        }
    }
}

/// A provider's settings as they would be after a change, before any rule is checked.
#[derive(Debug, Clone)]
pub struct Draft {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub icon_url: String,
    pub icon_upload: String,
    pub remove_icon: bool,
    pub(crate) authorization_url: String,
    pub(crate) token_url: String,
    pub(crate) refresh_token_url: String,
    pub(crate) revocation_url: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) scopes_required: bool,
    pub(crate) scope_separator: String,
    pub(crate) scope_parameter: String,
    pub(crate) issuer: String,
    pub(crate) issuer_sends_iss: bool,
    pub(crate) client_secret_required: bool,
    pub(crate) pkce_enabled: bool,
    pub(crate) authenticate_via: String,
    pub(crate) token_body_content_type: String,
    pub(crate) authorization_parameters: Vec<(String, String)>,
    pub(crate) token_request_headers: Vec<(String, String)>,
    pub(crate) token_response: ResponsePaths,
    pub(crate) access: Access,
    pub(crate) unreadable: Vec<FieldError>,
}

impl Draft {
    /// A new provider's defaults ([`Provider::new`]'s: a confidential client with PKCE, scopes
    /// joined by spaces, credentials in a form-encoded body).
    pub fn new() -> Self {
        Self::of(&Provider::new(&EnvironmentId::default(), ProviderId::default(), String::new(), 0))
    }

    /// A stored provider's settings (never its secret, which an edit keeps unless it sets one).
    pub fn of(p: &Provider) -> Self {
        Self {
            slug: p.slug.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            icon_url: p.icon_url.clone(),
            icon_upload: String::new(),
            remove_icon: false,
            authorization_url: p.authorization_url.clone(),
            token_url: p.token_url.clone(),
            refresh_token_url: p.refresh_token_url.clone(),
            revocation_url: p.revocation_url.clone(),
            client_id: p.client_id.clone(),
            client_secret: String::new(),
            scopes: p.scopes.0.clone(),
            scopes_required: p.scopes_required,
            scope_separator: p.scope_separator.clone(),
            scope_parameter: p.scope_parameter.clone(),
            issuer: p.issuer.clone(),
            issuer_sends_iss: p.issuer_sends_iss,
            client_secret_required: p.client_secret_required,
            pkce_enabled: p.pkce_enabled,
            authenticate_via: p.authenticate_via.as_str().into(),
            token_body_content_type: p.token_body.content_type().into(),
            authorization_parameters: p.authorization_parameters.clone(),
            token_request_headers: p.token_request_headers.clone(),
            token_response: p.token_response_paths.clone(),
            access: p.access.clone(),
            unreadable: Vec::new(),
        }
    }

    /// This draft with `change` laid over it.
    pub fn with(mut self, change: ProviderChange) -> Self {
        fn set<T>(slot: &mut T, value: Option<T>) {
            if let Some(v) = value {
                *slot = v;
            }
        }
        set(&mut self.slug, change.slug);
        set(&mut self.name, change.name);
        set(&mut self.description, change.description);
        set(&mut self.icon_url, change.icon_url);
        set(&mut self.icon_upload, change.icon_upload);
        self.remove_icon = change.remove_icon;
        set(&mut self.authorization_url, change.authorization_url);
        set(&mut self.token_url, change.token_url);
        set(&mut self.refresh_token_url, change.refresh_token_url);
        set(&mut self.revocation_url, change.revocation_url);
        set(&mut self.client_id, change.client_id);
        set(&mut self.client_secret, change.client_secret);
        set(&mut self.scopes, change.scopes);
        set(&mut self.scopes_required, change.scopes_required);
        set(&mut self.scope_separator, change.scope_separator);
        set(&mut self.scope_parameter, change.scope_parameter);
        set(&mut self.issuer, change.issuer);
        set(&mut self.issuer_sends_iss, change.issuer_sends_iss);
        set(&mut self.client_secret_required, change.client_secret_required);
        set(&mut self.pkce_enabled, change.pkce_enabled);
        set(&mut self.authenticate_via, change.authenticate_via);
        set(&mut self.token_body_content_type, change.token_body_content_type);
        set(&mut self.authorization_parameters, change.authorization_parameters);
        set(&mut self.token_request_headers, change.token_request_headers);
        set(&mut self.token_response.access_token, change.access_token_path);
        set(&mut self.token_response.refresh_token, change.refresh_token_path);
        set(&mut self.token_response.expires_in, change.expires_in_path);
        set(&mut self.token_response.scope, change.scope_path);
        set(&mut self.token_response.account_identifier, change.account_identifier_path);
        set(&mut self.access, change.access);
        self.unreadable = change.unreadable;
        self
    }
}

impl Default for Draft {
    fn default() -> Self {
        Self::new()
    }
}

/// What a change to a catalog provider sets (its endpoints come from the catalog); `None` keeps
/// what is there.
#[derive(Default)]
pub struct CatalogChange {
    pub description: Option<String>,
    pub use_shared_credentials: Option<bool>,
    pub client_id: Option<String>,
    /// Empty or `None`: keep the stored secret.
    pub client_secret: Option<String>,
    /// `Some` of an empty list: the catalog entry's default scopes.
    pub scopes: Option<Vec<String>>,
    /// Values pinned for the entry's configuration fields (as [`ProviderChange::config`]).
    pub config: Option<Values>,
}

impl std::fmt::Debug for CatalogChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogChange").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

/// The dashboard's catalog form sets every field.
impl From<&CatalogInput> for CatalogChange {
    fn from(input: &CatalogInput) -> Self {
        Self {
            description: Some(input.description.clone()),
            use_shared_credentials: Some(input.use_shared_credentials),
            client_id: Some(input.client_id.clone()),
            client_secret: Some(input.client_secret.clone()),
            scopes: Some(split_scopes(&input.scopes)),
            // The form has an input per field of the entry; an entry without fields pins nothing.
            config: (!input.config.is_empty() || !input.clear_config.is_empty())
                .then(|| form_pinned(&input.config, &input.clear_config, |_| true)),
        }
    }
}

/// The dashboard form's connection settings as [`Access`]. What cannot be read (a malformed
/// line, a status that is not a number, a row with an unknown scope) is reported in
/// `unreadable` under the name the form shows it by, and left out.
fn form_access(input: &ProviderInput, unreadable: &mut Vec<FieldError>) -> Access {
    let mut bad = |field: &str, message: String| {
        unreadable.push(FieldError { field: field.into(), code: "invalid".into(), message });
    };
    let auth_methods = [
        (input.method_oauth, AuthMethod::Oauth),
        (input.method_api_key, AuthMethod::ApiKey),
        (input.method_basic, AuthMethod::Basic),
        (input.method_client_credentials, AuthMethod::ClientCredentials),
    ]
    .into_iter()
    .filter_map(|(on, method)| on.then_some(method))
    .collect();
    // Numbered like the server's other field errors (`config_fields[i]`), counting the rows
    // that declare something, which is how the editor finds the row again.
    let mut config_fields = Vec::new();
    for (i, row) in input.config_fields.iter().filter(|r| !r.is_blank()).enumerate() {
        let scope = row.scope().unwrap_or_else(|message| {
            bad(&format!("config_fields[{i}]"), message);
            FieldScope::default()
        });
        // Kept in place even when unreadable, so the rows after it keep their numbers.
        config_fields.push(row.to_field(scope, i as i64));
    }
    let api_key = if input.api_key_in.trim() == "query" {
        KeyPlacement { header: String::new(), format: String::new(), query: input.api_key_query.trim().into() }
    } else {
        KeyPlacement {
            header: input.api_key_header.trim().into(),
            format: input.api_key_format.trim().into(),
            query: String::new(),
        }
    };
    let label = |typed: &str, default: String| if typed.trim().is_empty() { default } else { typed.trim().into() };
    let basic = BasicLabels {
        username_label: label(&input.basic_username_label, BasicLabels::default().username_label),
        password_label: label(&input.basic_password_label, BasicLabels::default().password_label),
    };
    let url = input.verification_url.trim();
    let verification = if url.is_empty() {
        Verification::default()
    } else {
        let expected_statuses = parse_statuses(&input.verification_statuses).unwrap_or_else(|message| {
            bad("verification.expected_statuses", message);
            Vec::new()
        });
        Verification {
            method: input.verification_method.trim().to_ascii_uppercase(),
            url: url.into(),
            expected_statuses,
        }
    };
    let token_placement = token_placement(&input.token_placement).unwrap_or_else(|message| {
        bad("token_placement", message);
        None
    });
    let mut pairs = |field: &str, text: &str, separator: char| {
        parse_pairs(text, separator).unwrap_or_else(|message| {
            bad(field, message);
            Vec::new()
        })
    };
    Access {
        auth_methods,
        config_fields,
        api_base_url: input.api_base_url.trim().into(),
        api_hosts: input
            .api_hosts
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|h| !h.is_empty())
            .map(str::to_string)
            .collect(),
        api_key,
        token_placement,
        basic,
        verification,
        captures: pairs("captures", &input.captures, '='),
        api_headers: pairs("api_headers", &input.api_headers, ':'),
        token_parameters: pairs("token_parameters", &input.token_parameters, '='),
    }
}

/// The dashboard's one-line token placement: empty for a bearer token, `?name` for a query
/// parameter, `Header: value` otherwise.
fn token_placement(text: &str) -> Result<Option<KeyPlacement>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Some(query) = text.strip_prefix('?') {
        return Ok(Some(KeyPlacement { header: String::new(), format: String::new(), query: query.trim().into() }));
    }
    let (header, format) =
        text.split_once(':').ok_or("Write the token's place as Header: value with ${access_token}, or ?parameter.")?;
    Ok(Some(KeyPlacement { header: header.trim().into(), format: format.trim().into(), query: String::new() }))
}

/// The values a form pins: what was typed (trimmed), and an empty value for each field whose
/// stored value is to be removed. A field left empty is absent, which unpins a non-secret
/// field and keeps a secret one ([`crate::plumb::Plumb::pin_values`]). Keys of fields the form
/// no longer declares (`declared` says which are) are dropped.
fn form_pinned(
    typed: &BTreeMap<String, String>,
    clear: &BTreeMap<String, bool>,
    declared: impl Fn(&str) -> bool,
) -> Values {
    let mut values: Values = typed
        .iter()
        .filter(|(k, v)| declared(k) && !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect();
    for (key, _) in clear.iter().filter(|(k, on)| **on && declared(k)) {
        values.insert(key.clone(), String::new());
    }
    values
}

/// HTTP statuses as an admin types them: numbers separated by commas or spaces.
fn parse_statuses(text: &str) -> Result<Vec<u16>, String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<u16>().map_err(|_| format!("{t:?} is not an HTTP status: write numbers like 200, 204.")))
        .collect()
}

/// Scopes as an admin types them: separated by spaces, commas or new lines.
pub fn split_scopes(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

/// `name<sep>value` lines, as the dashboard's text areas hold them; blank lines skipped. Only
/// the shape is read here: the rules for names and values are [`crate::provider_rules`]'s.
pub fn parse_pairs(text: &str, separator: char) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(separator) else {
            return Err(format!("Write each entry as name{separator}value (line {line:?})."));
        };
        pairs.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::Outbound;
    use crate::provider_rules::{validate, Purpose};
    use app::methods::ConfigFieldInput;

    fn map<V: Clone>(pairs: &[(&str, V)]) -> BTreeMap<String, V> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn row(key: &str, scope: &str) -> ConfigFieldInput {
        ConfigFieldInput { key: key.into(), label: key.to_uppercase(), scope: scope.into(), ..Default::default() }
    }

    /// An API-key provider as the dashboard's form sends it, with a blank row left in.
    fn key_provider() -> ProviderInput {
        ProviderInput {
            name: "Key Vault".into(),
            slug: "key-vault".into(),
            method_oauth: false,
            method_api_key: true,
            config_fields: vec![
                ConfigFieldInput {
                    required: true,
                    example: "acme".into(),
                    pattern: "[a-z]+".into(),
                    ..row("workspace", "integration")
                },
                ConfigFieldInput { scope: "installation".into(), ..Default::default() },
                ConfigFieldInput { secret: true, ..row("token", "installation") },
            ],
            api_key_header: "X-Api-Key".into(),
            api_key_format: "${api_key}".into(),
            api_base_url: "https://${config.workspace}.vault.example/v1".into(),
            verification_url: "https://${config.workspace}.vault.example/v1/me".into(),
            verification_statuses: "200, 204".into(),
            api_headers: "Vault-Version: 2".into(),
            config: map(&[("workspace", " acme ".to_string()), ("token", String::new())]),
            ..Default::default()
        }
    }

    #[test]
    fn the_forms_connection_settings_become_the_providers_access_and_pins() {
        let change = ProviderChange::from(&key_provider());
        assert!(change.unreadable.is_empty(), "{:?}", change.unreadable);
        let access = change.access.clone().unwrap();
        assert_eq!(access.auth_methods, [AuthMethod::ApiKey]);
        let fields: Vec<(&str, FieldScope, i64, bool)> =
            access.config_fields.iter().map(|f| (f.key.as_str(), f.scope, f.order, f.secret)).collect();
        assert_eq!(
            fields,
            [("workspace", FieldScope::Integration, 0, false), ("token", FieldScope::Installation, 1, true)]
        );
        assert_eq!(
            access.api_key,
            KeyPlacement { header: "X-Api-Key".into(), format: "${api_key}".into(), query: String::new() }
        );
        assert_eq!(
            (access.verification.method.as_str(), access.verification.expected_statuses.as_slice()),
            ("GET", &[200, 204][..])
        );
        assert_eq!(access.api_headers, [("Vault-Version".to_string(), "2".to_string())]);
        // The secret left empty is absent, so its stored value is kept.
        assert_eq!(change.config, Some(map(&[("workspace", "acme".to_string())])));

        // A key provider needs no authorization URL or client ID; the templates are checked with
        // the fields' examples.
        let valid = validate(&Draft::new().with(change), Purpose::Create, Outbound::development()).unwrap();
        assert_eq!(valid.access, access);
    }

    #[test]
    fn unreadable_rows_and_lines_are_reported_beside_their_inputs() {
        let input = ProviderInput {
            config_fields: vec![
                ConfigFieldInput::default(),
                row("workspace", "integration"),
                row("shop", "everywhere"),
            ],
            verification_statuses: "200, ok".into(),
            captures: "instance_url".into(),
            token_parameters: "audience".into(),
            ..key_provider()
        };
        let change = ProviderChange::from(&input);
        let fields: Vec<&str> = change.unreadable.iter().map(|e| e.field.as_str()).collect();
        // The blank row does not count: the odd row is the second that declares something.
        assert_eq!(fields, ["config_fields[1]", "verification.expected_statuses", "captures", "token_parameters"]);
        assert!(change.unreadable[0].message.contains("shop"), "{:?}", change.unreadable[0]);
        let errors = validate(&Draft::new().with(change), Purpose::Create, Outbound::development()).unwrap_err();
        let reported: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        // In the form's order, one per field: the empty status list the unreadable line left is
        // not reported again.
        assert_eq!(
            reported,
            ["config_fields[1]", "verification.expected_statuses", "token_parameters", "captures"],
            "{errors:?}"
        );
    }

    #[test]
    fn problems_the_rules_find_name_the_forms_inputs() {
        let check = |input: ProviderInput| {
            let errors =
                validate(&Draft::new().with(ProviderChange::from(&input)), Purpose::Create, Outbound::development())
                    .unwrap_err();
            errors.into_iter().map(|e| e.field).collect::<Vec<_>>()
        };
        let bad_key = ProviderInput {
            config_fields: vec![row("workspace", "integration"), row("Bad Key", "installation")],
            ..key_provider()
        };
        assert_eq!(check(bad_key), ["config_fields[1]"]);
        let undeclared = ProviderInput { api_base_url: "https://${config.nope}.example".into(), ..key_provider() };
        assert_eq!(check(undeclared)[0], "api_base_url");
        let none = ProviderInput { method_api_key: false, ..key_provider() };
        let errors =
            validate(&Draft::new().with(ProviderChange::from(&none)), Purpose::Create, Outbound::development())
                .unwrap_err();
        assert_eq!(errors[0].field, "auth_methods", "no method ticked: {errors:?}");
        let query = ProviderInput { api_key_in: "query".into(), api_key_query: String::new(), ..key_provider() };
        let errors =
            validate(&Draft::new().with(ProviderChange::from(&query)), Purpose::Create, Outbound::development())
                .unwrap_err();
        assert_eq!(errors[0].field, "api_key", "{errors:?}");
    }

    #[test]
    fn the_key_may_go_in_the_query_and_unverified_keys_need_no_statuses() {
        let input = ProviderInput {
            api_key_in: "query".into(),
            api_key_query: " key ".into(),
            verification_url: String::new(),
            verification_statuses: "not read".into(),
            ..key_provider()
        };
        let change = ProviderChange::from(&input);
        assert!(change.unreadable.is_empty(), "{:?}", change.unreadable);
        let access = change.access.unwrap();
        assert_eq!(access.api_key, KeyPlacement { header: String::new(), format: String::new(), query: "key".into() });
        assert!(!access.verification.is_set());
    }

    #[test]
    fn a_stored_secret_is_removed_only_when_asked_and_undeclared_values_go() {
        let input = ProviderInput {
            clear_config: map(&[("token", true), ("gone", true)]),
            config: map(&[("workspace", "acme".to_string()), ("gone", "x".to_string())]),
            ..key_provider()
        };
        let change = ProviderChange::from(&input);
        assert_eq!(change.config, Some(map(&[("token", String::new()), ("workspace", "acme".to_string())])));
    }

    #[test]
    fn a_form_without_the_connection_settings_keeps_them() {
        let input = ProviderInput { connection_settings: false, ..key_provider() };
        let change = ProviderChange::from(&input);
        assert!(change.access.is_none() && change.config.is_none());
    }

    #[test]
    fn the_catalog_form_pins_what_it_shows() {
        let input = CatalogInput {
            catalog: "datadog".into(),
            config: map(&[("site", " datadoghq.eu ".to_string()), ("other", String::new())]),
            ..Default::default()
        };
        assert_eq!(CatalogChange::from(&input).config, Some(map(&[("site", "datadoghq.eu".to_string())])));
        // Every value emptied: still a change, which unpins them.
        let emptied = CatalogInput { config: map(&[("site", String::new())]), ..input.clone() };
        assert_eq!(CatalogChange::from(&emptied).config, Some(Values::new()));
        let none = CatalogInput { config: BTreeMap::new(), ..input };
        assert_eq!(CatalogChange::from(&none).config, None);
    }
}
