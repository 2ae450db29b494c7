//! The document's `/_widgets/…` operations: the API the official WorkOS widgets call from the
//! application's pages (`http::widgets_api`), authenticated by a widget token instead of an API
//! key, with the shapes they read (`shared` reference `workos-pipes-api-12.md` §7.4). Their
//! casing is the widgets' own, camelCase for providers and snake_case for connections, which the
//! `serde` renames below give the document (nothing serializes these types).
#![allow(dead_code)]

use super::schemas::*;
use app::error::AppError;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::{ToResponse, ToSchema};

pub const TAG: &str = "Widget API";

/// The widget token is missing, invalid or expired, the page's origin is not one of the
/// environment's widget API origins, or the token lacks `widgets:pipes:manage` for a manager's
/// operation (`invalid_widget_token`, `forbidden`). 403 rather than 401: the widgets fetch a
/// fresh token on 403.
#[derive(ToResponse)]
pub struct Forbidden(AppError);

/// A configuration value pinned for the organization: the value, or `true` for a secret one,
/// whose value stays sealed.
#[derive(ToSchema, Serialize)]
#[serde(untagged)]
pub enum PinnedValue {
    Text(String),
    Sealed(bool),
}

/// A configuration field as the widgets take it; empty optional texts are left out.
#[derive(ToSchema, Serialize)]
pub struct WidgetConfigField {
    key: String,
    label: String,
    required: bool,
    /// `installation` (asked when connecting) or `integration` (set once).
    scope: String,
    secret: bool,
    order: i64,
    description: Option<String>,
    example: Option<String>,
    /// Anchored: the whole value must match.
    pattern: Option<String>,
    default: Option<String>,
}

/// A connection (`DataInstallation`).
#[derive(ToSchema, Serialize)]
pub struct WidgetInstallation {
    /// Always `connected_account`.
    object: String,
    id: String,
    /// `null` for an organization's connection.
    user_id: Option<String>,
    organization_id: Option<String>,
    scopes: Vec<String>,
    /// `oauth`, `api_key` (Basic credentials too) or `client_credentials`.
    auth_method: String,
    /// `connected` or `needs_reauthorization`.
    state: String,
    created_at: String,
    updated_at: String,
    /// The connection's non-secret configuration values.
    config: BTreeMap<String, String>,
    /// API keys: the key's last four characters.
    api_key_last_4: Option<String>,
    /// Client credentials: the client id and the secret's last four characters.
    client_id: Option<String>,
    client_secret_last_4: Option<String>,
}

/// A provider with the viewer's connections to it (`DataIntegrationWithConnections`).
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetIntegration {
    /// Always `data_integration`.
    object: String,
    id: String,
    name: String,
    description: Option<String>,
    slug: String,
    /// The catalog slug of a built-in provider, `custom` otherwise.
    integration_type: String,
    /// `userland_user` or `organization`.
    ownership: String,
    /// `organization` when the organization has its own OAuth app, else `custom` or `shared`.
    credentials_type: String,
    /// The scopes asked for, as the organization has them.
    scopes: Vec<String>,
    created_at: String,
    updated_at: String,
    /// The connection the widgets show: the compatibility one, else the oldest.
    installation: Option<WidgetInstallation>,
    /// Every connection of the owner, oldest first.
    #[serde(rename = "connected_accounts")]
    connected_accounts: Vec<WidgetInstallation>,
    config_fields: Vec<WidgetConfigField>,
    config: BTreeMap<String, PinnedValue>,
    /// `oauth`, `api_key`, `client_credentials`.
    auth_methods: Vec<String>,
    /// Plumb's copy of the provider's icon (shown by the widgets from an https origin only).
    icon_url: Option<String>,
}

/// `{data}` of the viewer's providers.
#[derive(ToSchema, Serialize)]
pub struct WidgetIntegrationList {
    data: Vec<WidgetIntegration>,
}

/// Whose OAuth app a provider uses for the organization. The casing is mixed in the widgets.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetCredentials {
    /// `organization` (its own app), `custom` or `shared` (the environment's).
    credentials_type: String,
    /// Whether a sign-in can work with it.
    has_credentials: bool,
    /// The organization's own app's client id.
    #[serde(rename = "client_id")]
    client_id: Option<String>,
    /// The last four characters of its secret.
    redacted_client_secret: Option<String>,
    /// Plumb's callback, to register with the provider.
    redirect_uri: String,
}

/// A per-user provider as a manager's organization has it configured
/// (`DataIntegrationConfiguration`).
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetConfiguration {
    /// Always `data_integration_configuration`.
    object: String,
    id: String,
    name: String,
    description: Option<String>,
    slug: String,
    integration_type: String,
    ownership: String,
    /// Whether the organization's members may connect it.
    enabled: bool,
    /// The organization's scopes (the provider's unless it chose others).
    scopes: Vec<String>,
    /// The provider's scopes, as the developer set them.
    default_scopes: Vec<String>,
    available_scopes: Vec<String>,
    credentials: WidgetCredentials,
    auth_methods: Vec<String>,
    config_fields: Vec<WidgetConfigField>,
    config: BTreeMap<String, PinnedValue>,
    created_at: String,
    updated_at: String,
    icon_url: Option<String>,
}

/// `{data}` of the configurable providers.
#[derive(ToSchema, Serialize)]
pub struct WidgetConfigurationList {
    data: Vec<WidgetConfiguration>,
}

/// An organization-owned provider's settings for the organization.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetOrganizationConfiguration {
    /// Whether the organization has settings of its own.
    has_override: bool,
    /// Whether the developer has the provider enabled.
    root_enabled: bool,
    /// What the organization chose, if it did.
    override_enabled: Option<bool>,
    enabled: bool,
    /// `developer` or `organization` when disabled.
    disabled_source: Option<String>,
    scopes: Vec<String>,
    default_scopes: Vec<String>,
    available_scopes: Vec<String>,
    credentials: WidgetCredentials,
    /// Whether a sign-in can work.
    configured: bool,
    config_fields: Vec<WidgetConfigField>,
    config: BTreeMap<String, PinnedValue>,
}

/// What the manager may do with an organization-owned provider.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetCapabilities {
    can_configure: bool,
    can_connect: bool,
    can_update_credentials: bool,
    can_reauthorize: bool,
    can_disconnect: bool,
}

/// An organization-owned provider with the organization's connection
/// (`OrganizationDataIntegration`).
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetOrganizationIntegration {
    object: String,
    id: String,
    name: String,
    description: Option<String>,
    slug: String,
    integration_type: String,
    ownership: String,
    credentials_type: String,
    scopes: Vec<String>,
    created_at: String,
    updated_at: String,
    installation: Option<WidgetInstallation>,
    #[serde(rename = "connected_accounts")]
    connected_accounts: Vec<WidgetInstallation>,
    config_fields: Vec<WidgetConfigField>,
    config: BTreeMap<String, PinnedValue>,
    auth_methods: Vec<String>,
    icon_url: Option<String>,
    configuration: WidgetOrganizationConfiguration,
    capabilities: WidgetCapabilities,
}

/// `{data}` of the organization-owned providers.
#[derive(ToSchema, Serialize)]
pub struct WidgetOrganizationIntegrationList {
    data: Vec<WidgetOrganizationIntegration>,
}

/// An organization's connection as a member sees it.
#[derive(ToSchema, Serialize)]
pub struct WidgetSharedAccount {
    /// Always `connected_account`.
    object: String,
    id: String,
    state: String,
    /// `available` or `needs_admin_attention`.
    availability: String,
    created_at: String,
    updated_at: String,
}

/// An organization-owned provider the organization connected (`SharedDataConnection`).
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSharedConnection {
    object: String,
    id: String,
    name: String,
    description: Option<String>,
    slug: String,
    /// Always `organization`.
    ownership: String,
    #[serde(rename = "connected_accounts")]
    connected_accounts: Vec<WidgetSharedAccount>,
    icon_url: Option<String>,
}

/// `{data}` of the organization's connections.
#[derive(ToSchema, Serialize)]
pub struct WidgetSharedConnectionList {
    data: Vec<WidgetSharedConnection>,
}

/// What the widgets need to know of the server.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetSettings {
    /// Always `settings`.
    object: String,
    /// Plumb's origin, where the connect popup opens (`/pipes/redirecting`).
    authkit_origin: String,
    /// The application's name in the connect dialog; Plumb does not know it.
    team_name: String,
}

/// The viewer's organization.
#[derive(ToSchema, Serialize)]
pub struct WidgetOrganization {
    id: String,
    /// Plumb knows organizations by id only: the id.
    name: String,
    current: bool,
}

/// `{data}`: the viewer's organization, or none.
#[derive(ToSchema, Serialize)]
pub struct WidgetOrganizationList {
    data: Vec<WidgetOrganization>,
}

/// Where the connect popup goes, and the tokens that bind it to this widget.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetAuthorization {
    /// Plumb's hand-off page with a one-time link.
    url: String,
    redirect_token: String,
    handoff_token: String,
}

/// `<Pipes/>`' authorize body.
#[derive(ToSchema, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetAuthorizeBody {
    /// Always handed off; accepted for the widgets' sake.
    require_handoff: Option<bool>,
    /// Values for the provider's installation fields.
    config: Option<BTreeMap<String, String>>,
}

/// `<PipesAdmin/>`' authorize body.
#[derive(ToSchema, Serialize)]
pub struct WidgetOrganizationAuthorizeBody {
    config: Option<BTreeMap<String, String>>,
}

/// An API key, trimmed.
#[derive(ToSchema, Serialize)]
pub struct WidgetApiKeyBody {
    secret: String,
}

/// Client credentials, and values for the provider's installation fields.
#[derive(ToSchema, Serialize)]
pub struct WidgetClientCredentialsBody {
    client_id: String,
    client_secret: String,
    config: Option<BTreeMap<String, String>>,
}

/// `<PipesAdmin/>`' configuration: only the fields sent change. `client_id` and `client_secret`
/// set the organization's own OAuth app; scopes equal to the provider's follow the provider's.
#[derive(ToSchema, Serialize)]
pub struct WidgetConfigurationBody {
    enabled: Option<bool>,
    scopes: Option<Vec<String>>,
    client_id: Option<String>,
    client_secret: Option<String>,
    /// The organization's values for the provider's non-secret integration fields.
    config: Option<BTreeMap<String, String>>,
}

/// A disconnect's answer.
#[derive(ToSchema, Serialize)]
pub struct WidgetDeleted {
    /// Always `true`.
    success: bool,
}

const SLUG: &str = "The provider's slug.";

/// The viewer's providers
///
/// The per-user providers their organization has not turned off, and any they are still
/// connected to, with their connections.
// Handler: `widgets_api::mine`.
#[utoipa::path(get, path = "/_widgets/DataIntegrations/mine", tag = TAG,
    responses(
        (status = 200, description = "The providers.", body = WidgetIntegrationList),
        (status = 403, response = Forbidden),
    ))]
fn widget_mine() {}

/// Settings for the widgets
// Handler: `widgets_api::settings`.
#[utoipa::path(get, path = "/_widgets/settings", tag = TAG,
    responses(
        (status = 200, description = "Where the connect popup opens.", body = WidgetSettings),
        (status = 403, response = Forbidden),
    ))]
fn widget_settings() {}

/// The organization's connections, for its members
// Handler: `widgets_api::shared_connections`.
#[utoipa::path(get, path = "/_widgets/DataIntegrations/shared-connections", tag = TAG,
    responses(
        (status = 200, description = "The organization-owned providers it connected.", body = WidgetSharedConnectionList),
        (status = 403, response = Forbidden),
    ))]
fn widget_shared_connections() {}

/// The viewer's organization
// Handler: `widgets_api::organizations`.
#[utoipa::path(get, path = "/_widgets/UserManagement/organizations", tag = TAG,
    responses(
        (status = 200, description = "The token's organization, if any.", body = WidgetOrganizationList),
        (status = 403, response = Forbidden),
    ))]
fn widget_organizations() {}

/// Connect a provider
///
/// Answers Plumb's hand-off page for the widgets' popup, and the tokens the popup must receive
/// from this widget before it goes on to the provider.
// Handler: `widgets_api::authorize`.
#[utoipa::path(post, path = "/_widgets/DataIntegrations/{slug}/authorize", tag = TAG,
    params(("slug" = String, Path, description = SLUG)),
    request_body = WidgetAuthorizeBody,
    responses(
        (status = 200, description = "The hand-off.", body = WidgetAuthorization),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn widget_authorize() {}

/// Connect with an API key
// Handler: `widgets_api::api_key`.
#[utoipa::path(put, path = "/_widgets/DataIntegrations/{slug}/api-key", tag = TAG,
    params(("slug" = String, Path, description = SLUG)),
    request_body = WidgetApiKeyBody,
    responses(
        (status = 200, description = "The connection.", body = WidgetInstallation),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 502, response = ProviderError),
        (status = 503, response = ProviderUnavailable),
    ))]
fn widget_api_key() {}

/// Connect with client credentials
// Handler: `widgets_api::client_credentials`.
#[utoipa::path(put, path = "/_widgets/DataIntegrations/{slug}/client-credentials", tag = TAG,
    params(("slug" = String, Path, description = SLUG)),
    request_body = WidgetClientCredentialsBody,
    responses(
        (status = 200, description = "The connection.", body = WidgetInstallation),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 502, response = ProviderError),
        (status = 503, response = ProviderUnavailable),
    ))]
fn widget_client_credentials() {}

/// Disconnect one of the viewer's connections
///
/// Its grant is revoked at the provider when the provider can.
// Handler: `widgets_api::disconnect`.
#[utoipa::path(delete, path = "/_widgets/DataIntegrations/installations/{installation_id}", tag = TAG,
    params(("installation_id" = String, Path, description = "The connection's id.")),
    responses(
        (status = 200, description = "Disconnected.", body = WidgetDeleted),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
fn widget_disconnect() {}

/// The per-user providers, as the manager's organization has them
// Handler: `widgets_api::configurations`.
#[utoipa::path(get, path = "/_widgets/DataIntegrations/configurations", tag = TAG,
    responses(
        (status = 200, description = "The configurations.", body = WidgetConfigurationList),
        (status = 403, response = Forbidden),
    ))]
fn widget_configurations() {}

/// Configure a per-user provider for the organization
// Handler: `widgets_api::configure`.
#[utoipa::path(put, path = "/_widgets/DataIntegrations/{slug}/configuration", tag = TAG,
    params(("slug" = String, Path, description = SLUG)),
    request_body = WidgetConfigurationBody,
    responses(
        (status = 200, description = "The configuration.", body = WidgetConfiguration),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn widget_configure() {}

/// The organization-owned providers, for a manager
// Handler: `widgets_api::organization_integrations`.
#[utoipa::path(get, path = "/_widgets/DataIntegrations/organization", tag = TAG,
    responses(
        (status = 200, description = "The providers with the organization's connection.", body = WidgetOrganizationIntegrationList),
        (status = 403, response = Forbidden),
    ))]
fn widget_organization_integrations() {}

/// Configure an organization-owned provider for the organization
// Handler: `widgets_api::configure_organization`.
#[utoipa::path(put, path = "/_widgets/DataIntegrations/{slug}/organization/configuration", tag = TAG,
    params(("slug" = String, Path, description = SLUG)),
    request_body = WidgetConfigurationBody,
    responses(
        (status = 200, description = "The provider as the organization has it.", body = WidgetOrganizationIntegration),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn widget_configure_organization() {}

/// Connect the organization's account
// Handler: `widgets_api::authorize_organization`.
#[utoipa::path(post, path = "/_widgets/DataIntegrations/{slug}/organization/authorize", tag = TAG,
    params(("slug" = String, Path, description = SLUG)),
    request_body = WidgetOrganizationAuthorizeBody,
    responses(
        (status = 200, description = "The hand-off.", body = WidgetAuthorization),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn widget_authorize_organization() {}

/// Connect the organization with an API key
// Handler: `widgets_api::organization_api_key`.
#[utoipa::path(put, path = "/_widgets/DataIntegrations/{slug}/organization/api-key", tag = TAG,
    params(("slug" = String, Path, description = SLUG)),
    request_body = WidgetApiKeyBody,
    responses(
        (status = 200, description = "The connection.", body = WidgetInstallation),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 502, response = ProviderError),
        (status = 503, response = ProviderUnavailable),
    ))]
fn widget_organization_api_key() {}

/// Connect the organization with client credentials
// Handler: `widgets_api::organization_client_credentials`.
#[utoipa::path(put, path = "/_widgets/DataIntegrations/{slug}/organization/client-credentials", tag = TAG,
    params(("slug" = String, Path, description = SLUG)),
    request_body = WidgetClientCredentialsBody,
    responses(
        (status = 200, description = "The connection.", body = WidgetInstallation),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 502, response = ProviderError),
        (status = 503, response = ProviderUnavailable),
    ))]
fn widget_organization_client_credentials() {}

/// Disconnect the organization's connection
// Handler: `widgets_api::disconnect_organization`.
#[utoipa::path(delete, path = "/_widgets/DataIntegrations/organization/installations/{installation_id}", tag = TAG,
    params(("installation_id" = String, Path, description = "The connection's id.")),
    responses(
        (status = 200, description = "Disconnected.", body = WidgetDeleted),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
fn widget_disconnect_organization() {}
