//! Types that cross the wire between the browser, backends and the server. Nothing here is
//! secret except [`AccessToken::access_token`], which only the token endpoint ever fills in.

use crate::methods::{AuthMethod, BasicLabels, ConfigField, ConfigFieldInput, KeyPlacement, Verification};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

mod admin;
mod tokens;
mod webhooks;

pub use admin::{
    AdminIdentity, AdminView, AdminsView, ApiKeyView, CreatedApiKey, EnvironmentView, EnvironmentsView, InvitePreview,
    SessionView, MIN_PASSWORD_CHARS,
};
pub use tokens::{AccessToken, AccessTokenRequest, AccessTokenResponse, InactiveReason};
pub use webhooks::{CreatedWebhook, DeliveryView, WebhookEndpointView, WebhookInput, WebhooksView};

/// How client credentials reach the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthenticateVia {
    /// `client_id` and `client_secret` in the request body.
    #[default]
    RequestBody,
    /// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`.
    BasicAuthHeader,
}

impl AuthenticateVia {
    pub const ALL: [Self; 2] = [Self::RequestBody, Self::BasicAuthHeader];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestBody => "request_body",
            Self::BasicAuthHeader => "basic_auth_header",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::RequestBody => "Request body",
            Self::BasicAuthHeader => "HTTP Basic header",
        }
    }
}

/// The encoding of token request bodies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenBodyType {
    #[default]
    #[serde(rename = "application/x-www-form-urlencoded")]
    Form,
    #[serde(rename = "application/json")]
    Json,
}

impl TokenBodyType {
    pub const ALL: [Self; 2] = [Self::Form, Self::Json];

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Form => "application/x-www-form-urlencoded",
            Self::Json => "application/json",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.content_type() == s)
    }
}

/// Where a provider puts the token fields in its token response, as dot-separated JSON paths
/// (Slack's user token is at `authed_user.access_token`). Empty means the standard top-level
/// name; a path that is absent in a response also falls back to the top-level name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResponsePaths {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: String,
    pub scope: String,
    /// Where the provider-side account id is: a path in the response (Slack's
    /// `authed_user.id`), or `id_token.<claim>` for a claim of the OpenID Connect ID token.
    /// Empty: the ID token's `sub` when the response has one.
    pub account_identifier: String,
}

impl ResponsePaths {
    pub fn is_standard(&self) -> bool {
        *self == Self::default()
    }
}

/// A provider as the dashboard shows it. The client secret never leaves the server: only whether
/// one is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderView {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Where the icon was fetched from; empty for an uploaded icon or none.
    pub icon_url: String,
    /// The icon as Plumb serves it (`/icons/{slug}?v=…`); empty when there is none.
    pub icon: String,
    pub authorization_url: String,
    pub token_url: String,
    /// Empty when refreshes go to the token URL.
    pub refresh_token_url: String,
    #[serde(default)]
    pub revocation_url: String,
    /// `user` or `organization`.
    #[serde(default)]
    pub ownership: String,
    #[serde(default)]
    pub multiple_connections: bool,
    pub client_id: String,
    pub has_client_secret: bool,
    pub scopes: Vec<String>,
    pub scopes_required: bool,
    pub scope_separator: String,
    pub scope_parameter: String,
    /// RFC 9207: the issuer named in `iss`, and whether the provider always sends it.
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub issuer_sends_iss: bool,
    pub client_secret_required: bool,
    pub pkce_enabled: bool,
    pub authenticate_via: AuthenticateVia,
    pub token_body_content_type: TokenBodyType,
    pub authorization_parameters: Vec<(String, String)>,
    pub token_request_headers: Vec<(String, String)>,
    pub token_response: ResponsePaths,
    /// How users connect and what that needs: methods, configuration fields, where a key goes,
    /// the verification request. Nothing in it is secret.
    #[serde(default)]
    pub access: crate::methods::Access,
    /// The values pinned for its non-secret configuration fields. Secret ones never leave the
    /// server: [`ProviderDetail::pinned_secret_keys`] says which have one.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// The catalog entry this provider was enabled from; `None` for custom providers.
    pub catalog: Option<String>,
    /// Whether it uses the operator's shared OAuth app instead of the admin's own.
    pub shared_credentials: bool,
    pub enabled: bool,
    pub connected_accounts: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    /// The callback URL the admin registers at the provider, character for character.
    pub redirect_uri: String,
    pub providers: Vec<ProviderView>,
}

/// One provider with what its page needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderDetail {
    pub redirect_uri: String,
    pub provider: ProviderView,
    /// The catalog entry's scope descriptions, for catalog providers.
    pub catalog_scopes: Vec<CatalogScope>,
    /// The instance's shared OAuth app for this catalog provider, when one is registered.
    pub shared_app_name: Option<String>,
    /// The secret configuration fields that have a value pinned: their keys, never the values.
    #[serde(default)]
    pub pinned_secret_keys: Vec<String>,
}

/// What the admin typed into a provider form, unvalidated. Used to add a custom provider and to
/// edit any provider; on edit the slug is ignored and an empty client secret keeps the stored one.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderInput {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub icon_url: String,
    /// An uploaded icon as a `data:image/…;base64,…` URL, or empty.
    pub icon_upload: String,
    #[serde(default)]
    pub remove_icon: bool,
    pub authorization_url: String,
    pub token_url: String,
    pub refresh_token_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// Scopes as typed: separated by spaces, commas or new lines.
    pub scopes: String,
    /// Checkboxes: absent from a submitted form means unchecked, so these default to false
    /// when deserialized (unlike `Default`, which describes a new, typical provider).
    #[serde(default)]
    pub scopes_required: bool,
    pub scope_separator: String,
    pub scope_parameter: String,
    /// Filled by discovery (hidden fields): the issuer, and whether it always sends `iss`.
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub issuer_sends_iss: bool,
    #[serde(default)]
    pub client_secret_required: bool,
    #[serde(default)]
    pub pkce_enabled: bool,
    pub authenticate_via: String,
    pub token_body_content_type: String,
    /// `key=value`, one per line.
    pub authorization_parameters: String,
    /// `Name: value`, one per line.
    pub token_request_headers: String,
    pub access_token_path: String,
    pub refresh_token_path: String,
    pub expires_in_path: String,
    pub scope_path: String,
    /// Where the provider-side account id is (`id_token.sub` style paths too).
    #[serde(default)]
    pub account_identifier_path: String,
    /// RFC 7009 revocation endpoint; filled by discovery's `revocation_endpoint`.
    #[serde(default)]
    pub revocation_url: String,
    /// `user` or `organization` (empty: keep, or user for a new provider).
    #[serde(default)]
    pub ownership: String,
    /// A checkbox: absent means unchecked.
    #[serde(default)]
    pub multiple_connections: bool,
    /// Sent by the dashboard's form, which carries everything below (how users connect, the
    /// configuration fields, pinned values): a form without it keeps them as they are.
    #[serde(default)]
    pub connection_settings: bool,
    /// The methods, as checkboxes (absent means unchecked).
    #[serde(default)]
    pub method_oauth: bool,
    #[serde(default)]
    pub method_api_key: bool,
    #[serde(default)]
    pub method_basic: bool,
    #[serde(default)]
    pub method_client_credentials: bool,
    /// The configuration-field editor's rows, in order (`input[config_fields][n][key]`); blank
    /// rows declare nothing.
    #[serde(default)]
    pub config_fields: Vec<crate::methods::ConfigFieldInput>,
    pub api_base_url: String,
    /// The relay's allowed hosts, separated by spaces, commas or lines (empty: the API base
    /// URL's host).
    #[serde(default)]
    pub api_hosts: String,
    /// Where the relay puts an OAuth token: empty for `Authorization: Bearer`, `Header: value`
    /// with `${access_token}` in the value, or `?parameter` for a query parameter.
    #[serde(default)]
    pub token_placement: String,
    /// Where an API key goes: `header` (named `api_key_header`, its value `api_key_format`
    /// with `${api_key}`) or `query` (the parameter `api_key_query`).
    pub api_key_in: String,
    pub api_key_header: String,
    pub api_key_format: String,
    pub api_key_query: String,
    pub basic_username_label: String,
    pub basic_password_label: String,
    /// The request that checks a key or password; no URL, no check.
    pub verification_method: String,
    pub verification_url: String,
    /// HTTP statuses separated by commas or spaces (`200, 204`).
    pub verification_statuses: String,
    /// `name=path`, one per line: values read from token responses.
    pub captures: String,
    /// `Name: value`, one per line: headers on every call to the provider's API.
    pub api_headers: String,
    /// `name=value`, one per line: extra body parameters on every token request.
    pub token_parameters: String,
    /// Values to pin, by field key. Left empty, a non-secret field is unpinned and a secret
    /// one keeps its stored value.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Secret fields whose stored value is removed (checkboxes by key).
    #[serde(default)]
    pub clear_config: BTreeMap<String, bool>,
}

impl Default for ProviderInput {
    fn default() -> Self {
        Self {
            name: String::new(),
            slug: String::new(),
            description: String::new(),
            icon_url: String::new(),
            icon_upload: String::new(),
            remove_icon: false,
            authorization_url: String::new(),
            token_url: String::new(),
            refresh_token_url: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            scopes: String::new(),
            scopes_required: false,
            scope_separator: " ".into(),
            scope_parameter: "scope".into(),
            issuer: String::new(),
            issuer_sends_iss: false,
            client_secret_required: true,
            pkce_enabled: true,
            authenticate_via: AuthenticateVia::RequestBody.as_str().into(),
            token_body_content_type: TokenBodyType::Form.content_type().into(),
            authorization_parameters: String::new(),
            token_request_headers: String::new(),
            access_token_path: String::new(),
            refresh_token_path: String::new(),
            expires_in_path: String::new(),
            scope_path: String::new(),
            account_identifier_path: String::new(),
            revocation_url: String::new(),
            ownership: String::new(),
            multiple_connections: false,
            connection_settings: true,
            method_oauth: true,
            method_api_key: false,
            method_basic: false,
            method_client_credentials: false,
            config_fields: Vec::new(),
            api_base_url: String::new(),
            api_hosts: String::new(),
            token_placement: String::new(),
            api_key_in: "header".into(),
            api_key_header: KeyPlacement::default().header,
            api_key_format: KeyPlacement::default().format,
            api_key_query: String::new(),
            basic_username_label: BasicLabels::default().username_label,
            basic_password_label: BasicLabels::default().password_label,
            verification_method: "GET".into(),
            verification_url: String::new(),
            verification_statuses: "200".into(),
            captures: String::new(),
            api_headers: String::new(),
            token_parameters: String::new(),
            config: BTreeMap::new(),
            clear_config: BTreeMap::new(),
        }
    }
}

impl ProviderInput {
    /// The form as it would be filled for an existing provider (the secret stays empty).
    pub fn from_view(p: &ProviderView) -> Self {
        let lines = |pairs: &[(String, String)], sep: &str| {
            pairs.iter().map(|(k, v)| format!("{k}{sep}{v}")).collect::<Vec<_>>().join("\n")
        };
        Self {
            name: p.name.clone(),
            slug: p.slug.clone(),
            description: p.description.clone(),
            icon_url: p.icon_url.clone(),
            icon_upload: String::new(),
            remove_icon: false,
            authorization_url: p.authorization_url.clone(),
            token_url: p.token_url.clone(),
            refresh_token_url: p.refresh_token_url.clone(),
            client_id: p.client_id.clone(),
            client_secret: String::new(),
            scopes: p.scopes.join(" "),
            scopes_required: p.scopes_required,
            scope_separator: p.scope_separator.clone(),
            scope_parameter: p.scope_parameter.clone(),
            issuer: p.issuer.clone(),
            issuer_sends_iss: p.issuer_sends_iss,
            client_secret_required: p.client_secret_required,
            pkce_enabled: p.pkce_enabled,
            authenticate_via: p.authenticate_via.as_str().into(),
            token_body_content_type: p.token_body_content_type.content_type().into(),
            authorization_parameters: lines(&p.authorization_parameters, "="),
            token_request_headers: lines(&p.token_request_headers, ": "),
            access_token_path: p.token_response.access_token.clone(),
            refresh_token_path: p.token_response.refresh_token.clone(),
            expires_in_path: p.token_response.expires_in.clone(),
            scope_path: p.token_response.scope.clone(),
            account_identifier_path: p.token_response.account_identifier.clone(),
            revocation_url: p.revocation_url.clone(),
            ownership: p.ownership.clone(),
            multiple_connections: p.multiple_connections,
            ..Self::connection_settings_of(p)
        }
    }

    /// The connection settings part of [`Self::from_view`].
    fn connection_settings_of(p: &ProviderView) -> Self {
        let lines = |pairs: &[(String, String)], sep: &str| {
            pairs.iter().map(|(k, v)| format!("{k}{sep}{v}")).collect::<Vec<_>>().join("\n")
        };
        let a = &p.access;
        let mut fields: Vec<&ConfigField> = a.config_fields.iter().collect();
        fields.sort_by_key(|f| f.order);
        let verification = if a.verification.is_set() { a.verification.clone() } else { Self::default_verification() };
        Self {
            connection_settings: true,
            method_oauth: a.supports(AuthMethod::Oauth),
            method_api_key: a.supports(AuthMethod::ApiKey),
            method_basic: a.supports(AuthMethod::Basic),
            method_client_credentials: a.supports(AuthMethod::ClientCredentials),
            config_fields: fields.into_iter().map(ConfigFieldInput::from_field).collect(),
            api_base_url: a.api_base_url.clone(),
            api_hosts: a.api_hosts.join(" "),
            token_placement: match &a.token_placement {
                None => String::new(),
                Some(p) if !p.query.is_empty() => format!("?{}", p.query),
                Some(p) => format!("{}: {}", p.header, p.format),
            },
            api_key_in: if a.api_key.query.is_empty() { "header" } else { "query" }.into(),
            api_key_header: a.api_key.header.clone(),
            api_key_format: a.api_key.format.clone(),
            api_key_query: a.api_key.query.clone(),
            basic_username_label: a.basic.username_label.clone(),
            basic_password_label: a.basic.password_label.clone(),
            verification_method: verification.method,
            verification_url: verification.url,
            verification_statuses: verification
                .expected_statuses
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            captures: lines(&a.captures, "="),
            api_headers: lines(&a.api_headers, ": "),
            token_parameters: lines(&a.token_parameters, "="),
            config: p.config.clone(),
            ..Self::default()
        }
    }

    /// What the verification inputs start from when the provider has no verification request.
    fn default_verification() -> Verification {
        Verification { method: "GET".into(), url: String::new(), expected_statuses: vec![200] }
    }
}

impl fmt::Debug for ProviderInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderInput")
            .field("name", &self.name)
            .field("slug", &self.slug)
            .field("authorization_url", &self.authorization_url)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// A scope a catalog provider documents, with its one-line description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogScope {
    pub name: String,
    pub description: String,
}

/// A built-in provider as the dashboard's catalog shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntryView {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub docs_url: String,
    /// Where Plumb serves its logo (`/icons/catalog/{slug}?v=…`); empty when it has none.
    pub icon: String,
    /// The slug of its category (one of [`CatalogView::categories`]), and that category's name.
    pub category: String,
    pub category_label: String,
    /// How it can be connected; most entries only through OAuth.
    pub auth_methods: Vec<crate::methods::AuthMethod>,
    /// The values its URLs depend on: integration-scope ones the admin sets when enabling it,
    /// installation ones each user gives (unless the admin pins them).
    #[serde(default)]
    pub config_fields: Vec<ConfigField>,
    pub default_scopes: Vec<String>,
    pub scopes: Vec<CatalogScope>,
    /// Whether this Plumb instance has shared credentials for it, and the app's name.
    pub shared_app_name: Option<String>,
    /// Whether a provider was already enabled from this entry.
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogView {
    pub redirect_uri: String,
    pub entries: Vec<CatalogEntryView>,
    /// The categories that have entries, `(slug, label)`, in the order the page offers them.
    pub categories: Vec<(String, String)>,
}

/// Enabling a catalog provider: a description, credentials and scopes (for OAuth entries), and
/// values for its configuration fields.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogInput {
    pub catalog: String,
    pub description: String,
    pub use_shared_credentials: bool,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: String,
    /// Values to pin, by field key, as [`ProviderInput::config`].
    pub config: BTreeMap<String, String>,
    /// Secret fields whose stored value is removed.
    pub clear_config: BTreeMap<String, bool>,
}

impl fmt::Debug for CatalogInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CatalogInput")
            .field("catalog", &self.catalog)
            .field("use_shared_credentials", &self.use_shared_credentials)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// The operator's OAuth app for one catalog provider, shared by every provider that opts in.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SharedCredentialsInput {
    pub catalog: String,
    pub app_name: String,
    pub client_id: String,
    pub client_secret: String,
}

impl fmt::Debug for SharedCredentialsInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedCredentialsInput")
            .field("catalog", &self.catalog)
            .field("app_name", &self.app_name)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

/// What authorization-server metadata (RFC 8414, OpenID Connect Discovery) says about a provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discovered {
    pub issuer: String,
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §3).
    #[serde(default)]
    pub iss_parameter_supported: bool,
    pub authorization_url: String,
    pub token_url: String,
    pub pkce_supported: bool,
    /// `None` when the metadata does not say which client authentication it accepts.
    pub authenticate_via: Option<AuthenticateVia>,
    pub scopes_supported: Vec<String>,
    /// RFC 7009 `revocation_endpoint`; empty when the metadata names none.
    #[serde(default)]
    pub revocation_url: String,
}

/// The state of one user's connection to one provider, with the WorkOS wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    Connected,
    NeedsReauthorization,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::NeedsReauthorization => "needs_reauthorization",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "connected" => Some(Self::Connected),
            "needs_reauthorization" => Some(Self::NeedsReauthorization),
            _ => None,
        }
    }
}

/// One connected account, as the dashboard lists them under a provider. No token ever.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub id: String,
    /// Empty for an organization's shared connection.
    pub user_id: String,
    pub organization_id: Option<String>,
    /// `user` or `organization`.
    pub owner: String,
    /// `compatibility` or `standard`.
    pub role: String,
    pub label: Option<String>,
    pub account_identifier: Option<String>,
    pub state: ConnectionState,
    pub scopes: Vec<String>,
    pub expires_at: Option<String>,
    pub last_refreshed_at: Option<String>,
    pub last_error: Option<String>,
    /// Failed refreshes in a row (the provider was unwell) and when the next may run.
    pub refresh_failures: i64,
    pub retry_refresh_at: Option<String>,
    pub created_at: String,
    /// How it was connected.
    #[serde(default)]
    pub auth_method: AuthMethod,
    /// Client credentials' client ID, or Basic credentials' user name.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The last four characters of its API key or client secret (empty for short ones), and
    /// never more.
    #[serde(default)]
    pub secret_hint: String,
    /// The calls relayed with it, when there were any.
    #[serde(default)]
    pub relay: Option<RelayUsageView>,
}

/// What the relay did with one connection (`docs/relay.md`, "Usage").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelayUsageView {
    pub calls: i64,
    pub status_2xx: i64,
    pub status_3xx: i64,
    pub status_4xx: i64,
    pub status_5xx: i64,
    /// Answered by Plumb while the provider's wait ran.
    pub held_back: i64,
    /// The provider could not be reached in time.
    pub failed: i64,
    pub bytes_sent: i64,
    pub bytes_received: i64,
    pub last_status: Option<i64>,
    pub last_call_at: Option<String>,
    /// A wait the provider asked for that has not passed, and the status that asked.
    pub waiting_until: Option<String>,
    pub waiting_status: Option<i64>,
}

/// What became of revoking a deleted connection's grant at its provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevocationView {
    pub connection_id: String,
    pub user_id: String,
    pub organization_id: String,
    /// `revoked` or `failed`.
    pub status: String,
    pub error: Option<String>,
    pub created_at: String,
}

/// A provider's connected accounts and its recent revocations, for the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionsView {
    pub connections: Vec<ConnectionView>,
    pub revocations: Vec<RevocationView>,
}

/// One provider as the end user sees it in the widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetProvider {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Empty when the provider has no icon.
    pub icon_url: String,
    /// The state the row shows: needs reauthorization when any account does, else connected
    /// when any is; `None` when nothing is connected.
    pub state: Option<ConnectionState>,
    /// The owner's accounts, oldest first (the organization's, for a shared provider).
    pub accounts: Vec<WidgetAccount>,
    /// Whether another account may be added.
    pub multiple: bool,
    /// Connected once for the whole organization.
    pub shared: bool,
    /// Whether this viewer may connect, rename and disconnect (always for their own accounts;
    /// for a shared provider only a manager).
    pub can_manage: bool,
    /// How it is connected: OAuth through the provider's page, or a form here.
    pub methods: Vec<crate::methods::AuthMethod>,
    /// The configuration fields to ask for when connecting (those not pinned), in order.
    pub fields: Vec<crate::methods::ConfigField>,
    /// What Basic credentials' two halves are called.
    pub basic: crate::methods::BasicLabels,
}

/// One connected account as the widget lists it: nothing secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetAccount {
    pub id: String,
    /// The label, else the provider-side account, else empty.
    pub name: String,
    /// The label alone (what Rename starts from).
    pub label: String,
    pub state: ConnectionState,
    /// `YYYY-MM-DD`.
    pub connected_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetView {
    pub user_id: String,
    pub organization_id: Option<String>,
    pub providers: Vec<WidgetProvider>,
    /// The widget's text in the language chosen for this viewer (see [`crate::i18n`]).
    pub words: crate::i18n::Words,
    /// Why the last connection failed, in that language, when the page was opened after one.
    pub notice: Option<String>,
    /// The origins allowed to frame the widget: the only ones it tells about itself
    /// (`postMessage`).
    pub hosts: Vec<String>,
    /// The widget token the page's forms send back (empty in `load_widget`'s answer: the
    /// caller has it).
    #[serde(default)]
    pub token: String,
    /// A digest of what the list shows (`GET /widget/version` answers the current one), so a
    /// framed widget can tell when a connect finished in another tab.
    #[serde(default)]
    pub version: String,
}

/// An environment's widget look as the dashboard edits it: each value as typed, empty when unset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetThemeView {
    #[serde(default)]
    pub accent: String,
    #[serde(default)]
    pub radius: String,
    #[serde(default)]
    pub font: String,
    /// `light`, `dark` or `auto`.
    #[serde(default)]
    pub scheme: String,
}

/// A connection that failed: the OAuth callback's error code, the provider it names (shown
/// only when it is one the widget lists) and the provider's HTTP status when it refused a
/// credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectFailure {
    pub code: String,
    pub provider: String,
    pub status: Option<u16>,
}

/// What the widget page's document says outside the hydrated app: its language, title and
/// look, chosen by the server from the widget token and the request. Rendered on the server only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetChrome {
    pub lang: &'static str,
    pub title: String,
    /// `light`, `dark` or `auto`.
    pub scheme: &'static str,
    /// Custom properties applying the theme; checked values only (see server/src/widget_theme.rs).
    pub css: String,
}

impl Default for WidgetChrome {
    fn default() -> Self {
        Self { lang: "en", title: "Connections".into(), scheme: "light", css: String::new() }
    }
}

#[cfg(test)]
mod tests;
