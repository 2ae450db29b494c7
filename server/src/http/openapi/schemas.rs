//! The shapes of the API's JSON for the OpenAPI document, where the handlers build their bodies
//! key by key (`serde_json::json!`, or a strict reader that names each unknown key) instead of
//! through one Rust type. These types are read by `utoipa` only: nothing serializes them. The
//! integration test `openapi` checks every response it gets against them, so a field added to
//! a handler's JSON and not here fails it. Types that do cross the wire (errors, the token
//! endpoint's union, configuration fields, request bodies read with serde) are documented from
//! themselves in `app` and beside their handlers.
#![allow(dead_code)]

use app::error::AppError;
use app::methods::{BasicLabels, ConfigField, KeyPlacement, Verification};
use app::model::{InactiveReason, ResponsePaths};
use std::collections::BTreeMap;
use utoipa::{ToResponse, ToSchema};

/// One provider of the caller's environment (`docs/workos-api.md` §4.1).
#[derive(ToSchema)]
pub struct DataIntegration {
    /// Always `data_integration`.
    object: String,
    /// `prov_…`, stable.
    id: String,
    /// The provider slug used in every path.
    slug: String,
    /// Display name (Plumb's addition).
    name: String,
    /// The catalog slug of a built-in provider, `custom` otherwise.
    integration_type: String,
    /// `user` or `organization`.
    ownership: String,
    /// Whether an owner may hold several connections (Plumb's extension).
    multiple_connections: bool,
    description: Option<String>,
    /// Disabled providers accept no new connections; existing ones keep working.
    enabled: bool,
    /// `valid` when usable client credentials are present, else `invalid`.
    state: String,
    /// The scopes requested at authorization, in order.
    scopes: Vec<String>,
    /// Plumb's one callback URL, `{PLUMB_PUBLIC_URL}/oauth/callback`.
    redirect_uri: String,
    /// `oauth`, `api_key`, `client_credentials` (Basic credentials are listed as `api_key`).
    auth_methods: Vec<String>,
    credentials: IntegrationCredentials,
    /// The first tenant's connection, in the answer to a create or update that sent `api_key`.
    installation: Option<Installation>,
    /// The non-secret values pinned on the provider.
    config: BTreeMap<String, String>,
    /// The provider's configuration fields (Plumb's extension).
    config_fields: Vec<ConfigField>,
    /// A custom provider's settings; `null` for catalog providers.
    custom_provider: Option<CustomProvider>,
    /// ISO 8601.
    created_at: String,
    /// ISO 8601.
    updated_at: String,
    /// On `/organization?organization_id=` only: the organization it is seen by.
    organization_id: Option<String>,
    /// On `/organization?organization_id=` only: that organization's own settings, or `null`.
    organization_settings: Option<OrganizationSettings>,
}

/// A DataIntegration's `credentials`.
#[derive(ToSchema)]
pub struct IntegrationCredentials {
    /// `custom` (the admin's own OAuth app) or `shared` (the instance's shared app).
    r#type: String,
    client_id: Option<String>,
    /// The stored secret's last four characters, or `null`.
    redacted_client_secret: Option<String>,
}

/// The first tenant's connection made by a create or update with `api_key`.
#[derive(ToSchema)]
pub struct Installation {
    id: String,
    connection_role: String,
    account_identifier: Option<String>,
    account_display_name: Option<String>,
    user_id: Option<String>,
    organization_id: Option<String>,
    api_key_last_4: Option<String>,
}

/// An organization's own settings for a provider (`docs/workos-api.md` §5.2).
#[derive(ToSchema)]
pub struct OrganizationSettings {
    enabled: Option<bool>,
    /// `null`: the provider's scopes.
    scopes: Option<Vec<String>>,
    /// The organization's own OAuth app, or `null`.
    credentials: Option<IntegrationCredentials>,
    config: BTreeMap<String, String>,
    updated_at: String,
}

/// A custom provider's settings (`docs/workos-api.md` §4.2). Every field is present in
/// responses; in create and update requests every field is optional (unset fields take their
/// defaults on create and keep their values on update).
#[derive(ToSchema)]
pub struct CustomProvider {
    /// Required on create.
    name: Option<String>,
    authorization_url: Option<String>,
    token_url: Option<String>,
    /// `null`: refreshes go to `token_url`.
    refresh_token_url: Option<String>,
    /// RFC 7009 revocation endpoint.
    revocation_url: Option<String>,
    /// Default `true` (S256).
    pkce_enabled: Option<bool>,
    /// `" "`, `","` or `"+"` (input also accepts `space`, `comma`, `plus`).
    request_scope_separator: Option<String>,
    scopes_required: Option<bool>,
    /// `false` for public clients.
    client_secret_required: Option<bool>,
    additional_authorization_parameters: Option<BTreeMap<String, String>>,
    /// `application/x-www-form-urlencoded` or `application/json`.
    token_body_content_type: Option<String>,
    /// `request_body` or `basic_auth_header`.
    authenticate_via: Option<String>,
    /// Plumb's extension: fetched, checked and served by Plumb.
    icon_url: Option<String>,
    /// Plumb's extension: the query parameter carrying the scopes (Slack: `user_scope`).
    scope_parameter: Option<String>,
    issuer: Option<String>,
    /// RFC 9207: the provider sends `iss` on its redirect.
    authorization_response_iss_parameter_supported: Option<bool>,
    /// Plumb's extension: extra headers on token requests.
    token_request_headers: Option<BTreeMap<String, String>>,
    /// Plumb's extension: dot paths into the token response; `""` is the standard field.
    token_response_paths: Option<ResponsePaths>,
    config_fields: Option<Vec<ConfigField>>,
    /// The provider's API root, which the relay's path form calls under.
    api_base_url: Option<String>,
    /// The hosts the relay may send the credential to.
    api_hosts: Option<Vec<String>>,
    api_key_placement: Option<KeyPlacement>,
    /// Where the relay puts an OAuth token, when not `Authorization: Bearer`.
    token_placement: Option<KeyPlacement>,
    basic: Option<BasicLabels>,
    verification: Option<Verification>,
    /// Values read from the token response (name → dot path), usable as `${config.name}`.
    captures: Option<BTreeMap<String, String>>,
    /// Headers every request to the provider's API carries.
    api_headers: Option<BTreeMap<String, String>>,
    /// Extra body parameters on every token request.
    token_parameters: Option<BTreeMap<String, String>>,
}

/// `credentials` in a create or update: strict.
#[derive(ToSchema)]
pub struct CredentialsInput {
    /// `custom` (default) or `shared` (catalog providers only).
    r#type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// `api_key` in a create or update: the first tenant's credential.
#[derive(ToSchema)]
pub struct FirstTenantKey {
    /// The API key, or with `username` the Basic password.
    secret: Option<String>,
    user_id: Option<String>,
    organization_id: Option<String>,
    /// Plumb's: the user name of Basic credentials.
    username: Option<String>,
}

/// The body of `POST /data-integrations`: strict.
#[derive(ToSchema)]
pub struct DataIntegrationCreate {
    /// A catalog slug, or with `custom_provider` a new slug.
    provider: String,
    /// `user` (default) or `organization`.
    ownership: Option<String>,
    multiple_connections: Option<bool>,
    description: Option<String>,
    /// Default `false`.
    enabled: Option<bool>,
    scopes: Option<Vec<String>>,
    /// `oauth`, `api_key`, `basic`, `client_credentials`; default `["oauth"]`.
    auth_methods: Option<Vec<String>>,
    /// Values to pin for the provider's configuration fields.
    config: Option<BTreeMap<String, String>>,
    credentials: Option<CredentialsInput>,
    api_key: Option<FirstTenantKey>,
    custom_provider: Option<CustomProvider>,
}

/// The body of `PUT /data-integrations/{slug}`: strict; only the fields sent change.
#[derive(ToSchema)]
pub struct DataIntegrationUpdate {
    description: Option<String>,
    enabled: Option<bool>,
    /// `null` resets to the catalog's defaults (none for a custom provider).
    scopes: Option<Vec<String>>,
    credentials: Option<CredentialsInput>,
    api_key: Option<FirstTenantKey>,
    custom_provider: Option<CustomProvider>,
    multiple_connections: Option<bool>,
}

/// An organization's own settings, with `?organization_id=`: strict.
#[derive(ToSchema)]
pub struct OrganizationSettingsInput {
    enabled: Option<bool>,
    /// `null`: the provider's.
    scopes: Option<Vec<String>>,
    /// The organization's own OAuth app (`type` `organization`); `null`: the environment's.
    credentials: Option<CredentialsInput>,
    config: Option<BTreeMap<String, String>>,
}

/// Without a query, the provider's update; with `?organization_id=`, that organization's
/// settings.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum OrganizationUpdate {
    Provider(Box<DataIntegrationUpdate>),
    Organization(OrganizationSettingsInput),
}

/// The answer to `DELETE /data-integrations/{slug}`.
#[derive(ToSchema)]
pub struct DataIntegrationDeleted {
    object: String,
    slug: String,
    deleted: bool,
    deleted_connected_accounts: u64,
}

/// The answer to deleting an organization's own settings.
#[derive(ToSchema)]
pub struct OrganizationSettingsDeleted {
    /// Always `organization_settings`.
    object: String,
    slug: String,
    organization_id: String,
    /// Whether it had any.
    deleted: bool,
}

/// Without a query, the provider deleted; with `?organization_id=`, the organization's settings.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum OrganizationDeleted {
    Provider(DataIntegrationDeleted),
    Organization(OrganizationSettingsDeleted),
}

/// Cursors of a page: object ids, or `null`.
#[derive(ToSchema)]
pub struct ListMetadata {
    before: Option<String>,
    after: Option<String>,
}

/// A page of DataIntegrations.
#[derive(ToSchema)]
pub struct DataIntegrationList {
    /// Always `list`.
    object: String,
    data: Vec<DataIntegration>,
    list_metadata: ListMetadata,
}

/// The body of `POST /data-integrations/{slug}/authorize`: strict.
#[derive(ToSchema)]
pub struct AuthorizeRequest {
    /// The person who authorizes.
    user_id: Option<String>,
    organization_id: Option<String>,
    /// An absolute URL on an allowed origin; required with `code_challenge`.
    return_to: Option<String>,
    /// `user` or `organization`.
    connection_owner: Option<String>,
    /// Values for the provider's installation fields.
    config: Option<BTreeMap<String, String>>,
    /// 43 base64url characters (S256): the connection is then finished by the backend.
    code_challenge: Option<String>,
    /// `S256` only.
    code_challenge_method: Option<String>,
    account_display_name: Option<String>,
    /// `add` or `reauthorize`.
    connection_intent: Option<String>,
    connected_account_id: Option<String>,
}

/// A one-time link to Plumb's confirmation page, valid for ten minutes.
#[derive(ToSchema)]
pub struct AuthorizeResponse {
    url: String,
    /// With a `code_challenge`: comes back to `return_to`.
    state: Option<String>,
    /// With a `code_challenge`: `finish_required`.
    completion: Option<String>,
}

/// A connected account (`docs/workos-api.md` §5.1).
#[derive(ToSchema)]
pub struct ConnectedAccount {
    /// Always `connected_account`.
    object: String,
    /// `conn_…`.
    id: String,
    /// `compatibility` (the one callers that do not choose get) or `standard`.
    connection_role: String,
    account_identifier: Option<String>,
    account_display_name: Option<String>,
    /// `null` for an organization's connection.
    user_id: Option<String>,
    organization_id: Option<String>,
    scopes: Vec<String>,
    /// `oauth`, `api_key` (Basic credentials too) or `client_credentials`.
    auth_method: String,
    api_key_last_4: Option<String>,
    /// Non-secret installation values.
    config: BTreeMap<String, String>,
    /// `connected` or `needs_reauthorization`.
    state: String,
    established_by_user_id: Option<String>,
    state_reason: Option<String>,
    created_at: String,
    updated_at: String,
    /// Client credentials only.
    client_id: Option<String>,
    /// Client credentials only.
    client_secret_last_4: Option<String>,
    /// Basic credentials only: `basic`.
    credential_scheme: Option<String>,
    /// Basic credentials only.
    username: Option<String>,
    /// On writes, when another of the owner's connections has the same label.
    warnings: Option<Vec<Warning>>,
    /// In data-provider rows only.
    userland_user_id: Option<String>,
}

/// Something the caller may want to fix, though the request succeeded.
#[derive(ToSchema)]
pub struct Warning {
    code: String,
    message: String,
}

/// What became of the grant at the provider.
#[derive(ToSchema)]
pub struct Revocation {
    /// `revoked`, `failed` or `not_supported`.
    status: String,
    error: Option<String>,
}

/// The answer to deleting a connected account.
#[derive(ToSchema)]
pub struct ConnectedAccountDeleted {
    object: String,
    deleted: bool,
    revocation: Revocation,
}

/// A body importing or updating a connected account's tokens and labels: strict.
#[derive(ToSchema)]
pub struct ConnectedAccountImport {
    account_display_name: Option<String>,
    account_identifier: Option<String>,
    access_token: Option<String>,
    refresh_token: Option<String>,
    /// ISO 8601.
    expires_at: Option<String>,
    /// At most 100 scope tokens.
    scopes: Option<Vec<String>>,
    /// `connected` or `needs_reauthorization`.
    state: Option<String>,
    /// POST only: `add`.
    connection_intent: Option<String>,
    /// Organization root only, and required there: the acting member.
    user_id: Option<String>,
}

/// The answer to `POST /data-integrations/finish`.
#[derive(ToSchema)]
pub struct Finished {
    connected_account: ConnectedAccount,
}

/// A provider with the owner's connections (`docs/workos-api.md` §5.1).
#[derive(ToSchema)]
pub struct DataProvider {
    /// Always `data_provider`.
    object: String,
    id: String,
    name: String,
    slug: String,
    integration_type: String,
    credentials_type: String,
    description: Option<String>,
    scopes: Vec<String>,
    auth_methods: Vec<String>,
    /// `user` or `organization`.
    connection_owner: String,
    /// `userland_user` or `organization`.
    ownership: String,
    created_at: String,
    updated_at: String,
    /// The compatibility connection, or `null`.
    connected_account: Option<ConnectedAccount>,
    /// Every connection with `supports_multiple_connections=true`, else the compatibility one.
    connected_accounts: Vec<ConnectedAccount>,
}

/// Every data provider of an owner, unpaged.
#[derive(ToSchema)]
pub struct DataProviderList {
    object: String,
    data: Vec<DataProvider>,
}

/// A body installing an API key or Basic credentials: strict.
#[derive(ToSchema)]
pub struct ApiKeyInstall {
    user_id: Option<String>,
    organization_id: Option<String>,
    connection_owner: Option<String>,
    /// The key, or with `username` the Basic password.
    secret: Option<String>,
    /// Plumb's: the user name of Basic credentials.
    username: Option<String>,
    account_display_name: Option<String>,
    account_identifier: Option<String>,
    /// POST: `add` (required); PUT: `reauthorize` with `connected_account_id`, or absent.
    connection_intent: Option<String>,
    connected_account_id: Option<String>,
    config: Option<BTreeMap<String, String>>,
}

/// A body installing client credentials: strict.
#[derive(ToSchema)]
pub struct ClientCredentialsInstall {
    user_id: Option<String>,
    organization_id: Option<String>,
    connection_owner: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    account_display_name: Option<String>,
    account_identifier: Option<String>,
    /// POST: `add` (required); PUT: `reauthorize` with `connected_account_id`, or absent.
    connection_intent: Option<String>,
    connected_account_id: Option<String>,
    config: Option<BTreeMap<String, String>>,
}

/// A connection's credential, ready to use.
#[derive(ToSchema)]
pub struct Credential {
    /// Always `credential`.
    object: String,
    /// `oauth`, `api_key` (Basic credentials too) or `client_credentials`.
    auth_method: String,
    /// The token or key; for Basic credentials `base64(user:password)`.
    value: String,
    config: BTreeMap<String, String>,
    /// Tokens only.
    expires_at: Option<String>,
    /// Tokens only.
    scopes: Option<Vec<String>>,
    /// Tokens only.
    missing_scopes: Option<Vec<String>>,
    /// Tokens only: values captured from the token response.
    metadata: Option<BTreeMap<String, String>>,
    /// Basic credentials only: `basic`.
    credential_scheme: Option<String>,
    /// Basic credentials only.
    username: Option<String>,
}

/// `{"active": true, "credential"}` or `{"active": false, "error"}`.
#[derive(ToSchema)]
pub struct CredentialResponse {
    active: bool,
    credential: Option<Credential>,
    error: Option<InactiveReason>,
}

/// A widget token for one user.
#[derive(ToSchema)]
pub struct WidgetToken {
    /// Open the widget at `/widget?token=<token>`.
    token: String,
}

/// The calling API key.
#[derive(ToSchema)]
pub struct ApiKeyInfo {
    /// Always `api_key`.
    object: String,
    id: String,
    name: String,
    prefix: String,
    environment_id: String,
}

/// An event (`docs/workos-api.md` §6.2): the webhook body, and each `GET /events` item.
#[derive(ToSchema)]
pub struct Event {
    /// Always `event`.
    object: String,
    /// `event_` and a ULID.
    id: String,
    /// `pipes.account_connection.connected`, `.disconnected`, `.reauthorization_needed`,
    /// `.connection_failed` or `.add_failed` (or, when asked for, SDK 11's names).
    event: String,
    /// The connected account, or the failed connection.
    data: serde_json::Value,
    created_at: String,
}

/// A page of events; `before` is always `null`.
#[derive(ToSchema)]
pub struct EventList {
    object: String,
    data: Vec<Event>,
    list_metadata: ListMetadata,
}

/// Where events are delivered.
#[derive(ToSchema)]
pub struct WebhookEndpoint {
    /// Always `webhook_endpoint`.
    object: String,
    /// `we_…`.
    id: String,
    endpoint_url: String,
    /// `enabled` or `disabled`.
    status: String,
    events: Vec<String>,
    created_at: String,
    updated_at: String,
    /// The signing secret, in the answer to a create only.
    secret: Option<String>,
}

/// A webhook endpoint's fields: strict; on create `endpoint_url` and `events` are required.
#[derive(ToSchema)]
pub struct WebhookEndpointInput {
    endpoint_url: Option<String>,
    /// Event names, as `GET /events` takes them.
    events: Option<Vec<String>>,
    /// `enabled` (default) or `disabled`.
    status: Option<String>,
}

/// Every webhook endpoint of the environment, in one page.
#[derive(ToSchema)]
pub struct WebhookEndpointList {
    object: String,
    data: Vec<WebhookEndpoint>,
    list_metadata: ListMetadata,
}

/// The answer to deleting a webhook endpoint.
#[derive(ToSchema)]
pub struct WebhookEndpointDeleted {
    object: String,
    id: String,
    deleted: bool,
}

/// A health check's answer.
#[derive(ToSchema)]
pub struct Health {
    /// `ok`, `ready` or `not_ready`.
    status: String,
    /// `not_ready` when not ready.
    code: Option<String>,
    /// Why not ready.
    message: Option<String>,
}

/// No API key, or a malformed, unknown or revoked one (`unauthorized`).
#[derive(ToResponse)]
#[response(headers(("WWW-Authenticate" = String, description = "Always `Bearer`.")))]
pub struct Unauthorized(AppError);

/// The body is not JSON, or not what the path reads (`invalid_request`, `invalid_state`).
#[derive(ToResponse)]
pub struct BadRequest(AppError);

/// No such provider, connected account or object in the key's environment
/// (`provider_not_found`, `connected_account_not_found`, `not_found`,
/// `multiple_connections_unavailable`).
#[derive(ToResponse)]
pub struct NotFound(AppError);

/// The request conflicts with what is stored (`conflict`, `provider_disabled`,
/// `provider_not_configured`, `account_selection_required`).
#[derive(ToResponse)]
pub struct Conflict(AppError);

/// A JSON body over 128 KiB (`payload_too_large`).
#[derive(ToResponse)]
pub struct PayloadTooLarge(AppError);

/// A field or parameter breaks a rule (`validation_failed`, with `errors` naming each).
#[derive(ToResponse)]
pub struct ValidationFailed(AppError);

/// The provider refused a request Plumb made for the caller (`provider_error`).
#[derive(ToResponse)]
pub struct ProviderError(AppError);

/// The provider could not be reached or is failing (`provider_unavailable`).
#[derive(ToResponse)]
#[response(headers(("Retry-After" = u64, description = "Seconds, when known.")))]
pub struct ProviderUnavailable(AppError);
