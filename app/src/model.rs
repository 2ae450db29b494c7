//! Types that cross the wire between the browser, backends and the server. Nothing here is
//! secret except [`AccessToken::access_token`], which only the token endpoint ever fills in.

use serde::{Deserialize, Serialize};
use std::fmt;

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
        }
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

/// Enabling a catalog provider: only credentials, scopes and a description.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CatalogInput {
    pub catalog: String,
    pub description: String,
    pub use_shared_credentials: bool,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: String,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEndpointView {
    pub id: String,
    pub endpoint_url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    /// When a delivery to it was last given up on.
    pub last_failure_at: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: String,
    pub endpoint_id: String,
    pub event: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhooksView {
    pub endpoints: Vec<WebhookEndpointView>,
    pub deliveries: Vec<DeliveryView>,
}

/// A new endpoint with its signing secret, shown this once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    pub endpoint: WebhookEndpointView,
    pub secret: String,
}

impl fmt::Debug for CreatedWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedWebhook").field("endpoint", &self.endpoint).field("secret", &"[redacted]").finish()
    }
}

/// The dashboard's new-endpoint form: one checkbox per event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookInput {
    pub endpoint_url: String,
    pub connected: bool,
    pub disconnected: bool,
    pub reauthorization_needed: bool,
    pub connection_failed: bool,
}

impl WebhookInput {
    pub fn events(&self) -> Vec<String> {
        [
            (self.connected, "pipes.connected_account.connected"),
            (self.disconnected, "pipes.connected_account.disconnected"),
            (self.reauthorization_needed, "pipes.connected_account.reauthorization_needed"),
            (self.connection_failed, "pipes.connected_account.connection_failed"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name.to_string())
        .collect()
    }
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
}

/// The body of `POST /data-integrations/{slug}/token` (`docs/workos-api.md` §4.8).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccessTokenRequest {
    pub user_id: String,
    #[serde(default)]
    pub organization_id: Option<String>,
    /// `user` or `organization`; absent: the provider's ownership.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_owner: Option<String>,
    /// Exactly this connected account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_account_id: Option<String>,
    /// The one connected account with this label (a Plumb extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_display_name: Option<String>,
    /// Consider every connection of the owner, not only the compatibility one.
    #[serde(default)]
    pub supports_multiple_connections: bool,
}

/// Why no token can be handed out, with the WorkOS wire names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InactiveReason {
    NotInstalled,
    NeedsReauthorization,
    /// Several connected accounts match and the caller chose none (SDK 12's
    /// `supports_multiple_connections`).
    AccountSelectionRequired,
}

/// The WorkOS access-token union (`docs/workos-api.md` §4.3): either
/// `{"active": true, "access_token": {...}}` or `{"active": false, "error": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessTokenResponse {
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<AccessToken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<InactiveReason>,
}

impl AccessTokenResponse {
    pub fn active(token: AccessToken) -> Self {
        Self { active: true, access_token: Some(token), error: None }
    }

    pub fn inactive(reason: InactiveReason) -> Self {
        Self { active: false, access_token: None, error: Some(reason) }
    }
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessToken {
    /// Always `"access_token"`.
    pub object: String,
    pub access_token: String,
    /// ISO-8601, or `null` when the provider did not say when the token expires.
    pub expires_at: Option<String>,
    pub scopes: Vec<String>,
    pub missing_scopes: Vec<String>,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("access_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("missing_scopes", &self.missing_scopes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_union_has_the_workos_shapes() {
        let inactive = AccessTokenResponse::inactive(InactiveReason::NotInstalled);
        assert_eq!(
            serde_json::to_value(&inactive).unwrap(),
            serde_json::json!({"active": false, "error": "not_installed"})
        );
        let active = AccessTokenResponse::active(AccessToken {
            object: "access_token".into(),
            access_token: "at".into(),
            expires_at: None,
            scopes: vec!["a".into()],
            missing_scopes: vec![],
        });
        assert_eq!(
            serde_json::to_value(&active).unwrap(),
            serde_json::json!({"active": true, "access_token": {
                "object": "access_token", "access_token": "at", "expires_at": null,
                "scopes": ["a"], "missing_scopes": []}})
        );
    }

    #[test]
    fn debug_output_never_contains_secrets() {
        let p = ProviderInput { client_secret: "hunter2".into(), ..Default::default() };
        assert!(!format!("{p:?}").contains("hunter2"));
        let t = AccessToken {
            object: "access_token".into(),
            access_token: "sekrit".into(),
            expires_at: None,
            scopes: vec![],
            missing_scopes: vec![],
        };
        assert!(!format!("{t:?}").contains("sekrit"));
    }
}

/// The shortest admin password Plumb accepts; the invitation page says so before submitting.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The signed-in admin of a dashboard request. Provided by the server to pages and server
/// functions; never read from anything the browser sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminIdentity {
    pub session_id: String,
    pub admin_id: String,
    pub email: String,
    pub csrf_token: String,
    /// The environment the dashboard shows, and its slug and name.
    pub environment_id: String,
    pub environment_slug: String,
    pub environment_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminView {
    pub id: String,
    pub email: String,
    pub created_at: String,
    pub is_you: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: String,
    pub email: String,
    pub user_agent: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub is_current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminsView {
    pub admins: Vec<AdminView>,
    pub sessions: Vec<SessionView>,
}

/// What the invitation page needs: the email it was made for (empty: the new admin types it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    pub email: String,
}

/// An API key as the dashboard shows it: never the key, only its first characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A key just created: `secret` is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub key: ApiKeyView,
    pub secret: String,
}

/// An environment and its browser-facing settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentView {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// Production: API keys start with `sk_live_`.
    pub live: bool,
    pub return_to_origins: Vec<String>,
    pub frame_ancestors: Vec<String>,
}

/// The environment the dashboard shows, and every one it can switch to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentsView {
    pub current: EnvironmentView,
    pub all: Vec<EnvironmentView>,
}
