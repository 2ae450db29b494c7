//! Changes to a provider's settings (`docs/provider-configuration.md` §2). A change names only
//! the fields it sets: the REST API builds one from the JSON it was sent, the dashboard from its
//! form ([`From<&ProviderInput>`]). It is laid over the provider as stored (or over a new
//! provider's defaults) as a [`Draft`], which [`crate::provider_rules::validate`] checks.

use crate::ids::{EnvironmentId, ProviderId};
use crate::providers::Provider;
use crate::templates::Values;
use app::error::FieldError;
use app::methods::Access;
use app::model::{CatalogInput, ProviderInput, ResponsePaths};

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
            access: None,
            config: None,
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
            config: None,
        }
    }
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
