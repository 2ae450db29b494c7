//! The document's operations on `/data-integrations…` (`docs/workos-api.md` §4, §5, §5.2,
//! §5.3). Each function only carries its `#[utoipa::path]`: the handlers are in the sibling
//! modules named in each comment, and several serve more than one documented operation (one
//! handler per method on both connected-account roots, POST and PUT on one handler), which an
//! attribute on the handler could not say. The integration test `openapi` ties each operation
//! to the router: every documented one must answer there, and every route must be documented.
#![allow(dead_code)]

use super::schemas::*;
use crate::http::connected_accounts::FinishBody;
use crate::http::tokens::TokenBody;
use app::model::AccessTokenResponse;

const TAG: &str = "Data integrations";
const TOKENS: &str = "Tokens and credentials";

/// List the environment's providers
///
/// Every provider, catalog and custom, sorted by creation; pages both ways.
// Handler: `data_integrations::list`.
#[utoipa::path(get, path = "/data-integrations", tag = TAG,
    params(
        ("limit" = Option<u8>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 10."),
        ("order" = Option<String>, Query, description = "`asc` or `desc` (default)."),
        ("before" = Option<String>, Query, description = "An id: the page before it."),
        ("after" = Option<String>, Query, description = "An id: the page after it. Not with `before`."),
        ("ownership" = Option<String>, Query, description = "`user` or `organization`; absent: both."),
    ),
    responses(
        (status = 200, description = "A page of DataIntegrations.", body = DataIntegrationList),
        (status = 401, response = Unauthorized),
        (status = 422, response = ValidationFailed),
    ))]
fn list_data_integrations() {}

/// Create a provider
///
/// Enables a catalog provider, or defines a custom one with `custom_provider`; with `api_key` also
/// installs the first tenant's credential.
// Handler: `data_integrations::create`.
#[utoipa::path(post, path = "/data-integrations", tag = TAG,
    request_body = DataIntegrationCreate,
    responses(
        (status = 201, description = "The new DataIntegration.", body = DataIntegration),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 503, response = ProviderUnavailable),
    ))]
fn create_data_integration() {}

/// Get a provider
// Handler: `data_integrations::get`.
#[utoipa::path(get, path = "/data-integrations/{slug}", tag = TAG,
    params(("slug" = String, Path, description = "The provider's slug.")),
    responses(
        (status = 200, description = "The DataIntegration.", body = DataIntegration),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
    ))]
fn get_data_integration() {}

/// Update a provider
///
/// Only the fields sent change.
// Handler: `data_integrations::update`.
#[utoipa::path(put, path = "/data-integrations/{slug}", tag = TAG,
    params(("slug" = String, Path, description = "The provider's slug.")),
    request_body = DataIntegrationUpdate,
    responses(
        (status = 200, description = "The DataIntegration.", body = DataIntegration),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 503, response = ProviderUnavailable),
    ))]
fn update_data_integration() {}

/// Delete a provider
///
/// Deletes the provider and every connected account of it, each with its `disconnected` event.
// Handler: `data_integrations::delete`.
#[utoipa::path(delete, path = "/data-integrations/{slug}", tag = TAG,
    params(("slug" = String, Path, description = "The provider's slug.")),
    responses(
        (status = 200, description = "What was deleted.", body = DataIntegrationDeleted),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
    ))]
fn delete_data_integration() {}

/// Start an authorization
///
/// A one-time link to Plumb's confirmation page, from which the person goes on to the provider
/// (`docs/workos-api.md` §4.4).
// Handler: `data_integrations::authorize`.
#[utoipa::path(post, path = "/data-integrations/{slug}/authorize", tag = TAG,
    params(("slug" = String, Path, description = "The provider's slug.")),
    request_body = AuthorizeRequest,
    responses(
        (status = 200, description = "The link.", body = AuthorizeResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn authorize_data_integration() {}

/// Finish a connection the backend holds the verifier for
///
/// After an authorization started with a `code_challenge`, within 90 seconds of the redirect to
/// `return_to`.
// Handler: `connected_accounts::finish`.
#[utoipa::path(post, path = "/data-integrations/finish", tag = TAG,
    request_body = FinishBody,
    responses(
        (status = 200, description = "The saved connection.", body = Finished),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 413, response = PayloadTooLarge),
    ))]
fn finish_connection() {}

const ORGANIZATION_ID: &str = "With it, that organization's own settings for the provider; \
     without, the environment's organization-owned provider.";

/// Get an organization-owned provider, or an organization's settings for it
// Handler: `organization_config::get`.
#[utoipa::path(get, path = "/data-integrations/{slug}/organization", tag = TAG,
    params(
        ("slug" = String, Path, description = "The provider's slug."),
        ("organization_id" = Option<String>, Query, description = ORGANIZATION_ID),
    ),
    responses(
        (status = 200, description = "The DataIntegration, as the organization sees it with `organization_id`.",
            body = DataIntegration),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = ValidationFailed),
    ))]
fn get_organization_data_integration() {}

/// Update an organization-owned provider, or an organization's settings for it
// Handler: `organization_config::update`.
#[utoipa::path(put, path = "/data-integrations/{slug}/organization", tag = TAG,
    params(
        ("slug" = String, Path, description = "The provider's slug."),
        ("organization_id" = Option<String>, Query, description = ORGANIZATION_ID),
    ),
    request_body = OrganizationUpdate,
    responses(
        (status = 200, description = "The DataIntegration, as the organization sees it with `organization_id`.",
            body = DataIntegration),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn update_organization_data_integration() {}

/// Delete an organization-owned provider, or an organization's settings for it
// Handler: `organization_config::delete`.
#[utoipa::path(delete, path = "/data-integrations/{slug}/organization", tag = TAG,
    params(
        ("slug" = String, Path, description = "The provider's slug."),
        ("organization_id" = Option<String>, Query, description = ORGANIZATION_ID),
    ),
    responses(
        (status = 200, description = "What was deleted.", body = OrganizationDeleted),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = ValidationFailed),
    ))]
fn delete_organization_data_integration() {}

/// Get a fresh access token
///
/// The owner's connection's token, refreshed first when due; for API-key and Basic
/// connections the stored value.
// Handler: `tokens::get_access_token`.
#[utoipa::path(post, path = "/data-integrations/{slug}/token", tag = TOKENS,
    params(("slug" = String, Path, description = "The provider's slug.")),
    request_body = TokenBody,
    responses(
        (status = 200, description = "`active` with the token, or why there is none.", body = AccessTokenResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 502, response = ProviderError),
        (status = 503, response = ProviderUnavailable),
    ))]
fn get_access_token() {}

/// Get a connection's credential
///
/// Any method's credential, with how to use it.
// Handler: `credentials::vend`.
#[utoipa::path(post, path = "/data-integrations/{slug}/credentials", tag = TOKENS,
    params(("slug" = String, Path, description = "The provider's slug.")),
    request_body = TokenBody,
    responses(
        (status = 200, description = "`active` with the credential, or why there is none.",
            body = CredentialResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 502, response = ProviderError),
        (status = 503, response = ProviderUnavailable),
    ))]
fn get_credential() {}

/// Add a connection with an API key or Basic credentials
///
/// Checked with the provider's verification request first, when it has one.
// Handler: `credentials::api_key`.
#[utoipa::path(post, path = "/data-integrations/{slug}/api-key", tag = TOKENS,
    params(("slug" = String, Path, description = "The provider's slug.")),
    request_body = ApiKeyInstall,
    responses(
        (status = 201, description = "The new connected account.", body = ConnectedAccount),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 503, response = ProviderUnavailable),
    ))]
fn create_api_key() {}

/// Replace a connection's API key or Basic credentials
///
/// The compatibility connection's, or with `reauthorize` and `connected_account_id` that one's.
// Handler: `credentials::api_key`.
#[utoipa::path(put, path = "/data-integrations/{slug}/api-key", tag = TOKENS,
    params(("slug" = String, Path, description = "The provider's slug.")),
    request_body = ApiKeyInstall,
    responses(
        (status = 200, description = "The connected account.", body = ConnectedAccount),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 503, response = ProviderUnavailable),
    ))]
fn update_api_key() {}

/// Add a connection with client credentials
///
/// Plumb requests a token with them before storing anything.
// Handler: `credentials::client_credentials`.
#[utoipa::path(post, path = "/data-integrations/{slug}/client-credentials", tag = TOKENS,
    params(("slug" = String, Path, description = "The provider's slug.")),
    request_body = ClientCredentialsInstall,
    responses(
        (status = 201, description = "The new connected account.", body = ConnectedAccount),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 503, response = ProviderUnavailable),
    ))]
fn create_client_credentials() {}

/// Replace a connection's client credentials
// Handler: `credentials::client_credentials`.
#[utoipa::path(put, path = "/data-integrations/{slug}/client-credentials", tag = TOKENS,
    params(("slug" = String, Path, description = "The provider's slug.")),
    request_body = ClientCredentialsInstall,
    responses(
        (status = 200, description = "The connected account.", body = ConnectedAccount),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 503, response = ProviderUnavailable),
    ))]
fn update_client_credentials() {}
