//! The document's operations on connected accounts and data providers, on the user root
//! (`/user_management/users/{user_id}/…`) and the organization root
//! (`/organizations/{organization_id}/…`), `docs/workos-api.md` §5.1. One handler per method in
//! `connected_accounts` serves both roots; each root is its own operation here.
#![allow(dead_code)]

use super::schemas::*;

const TAG: &str = "Connected accounts";

const SELECT: &str = "Choosing a connection (every method): `connected_account_id`, \
     `account_display_name` (Plumb's) or `supports_multiple_connections`; with none, the \
     compatibility connection. Several matching is 409 `account_selection_required`.";

/// Get a user's connected account
// Handler: `connected_accounts::get`.
#[utoipa::path(get, path = "/user_management/users/{user_id}/connected_accounts/{slug}", tag = TAG,
    description = SELECT,
    params(
        ("user_id" = String, Path, description = "Your user's id."),
        ("slug" = String, Path, description = "The provider's slug."),
        ("organization_id" = Option<String>, Query, description = "The user's connection within this organization."),
        ("connected_account_id" = Option<String>, Query, description = "Exactly this connection."),
        ("account_display_name" = Option<String>, Query, description = "The one connection with this label."),
        ("supports_multiple_connections" = Option<bool>, Query, description = "Consider every connection."),
    ),
    responses(
        (status = 200, description = "The connected account.", body = ConnectedAccount),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = ValidationFailed),
    ))]
fn get_user_connected_account() {}

/// Import a user's connected account
///
/// Tokens from another system. Without `connection_intent` it creates only the compatibility
/// connection (409 when the owner has one: use PUT).
// Handler: `connected_accounts::import`.
#[utoipa::path(post, path = "/user_management/users/{user_id}/connected_accounts/{slug}", tag = TAG,
    params(
        ("user_id" = String, Path, description = "Your user's id."),
        ("slug" = String, Path, description = "The provider's slug."),
        ("organization_id" = Option<String>, Query, description = "The user's connection within this organization."),
    ),
    request_body = ConnectedAccountImport,
    responses(
        (status = 200, description = "The connected account.", body = ConnectedAccount),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn import_user_connected_account() {}

/// Update a user's connected account
///
/// Relabels it, and replaces its tokens when the body carries some. Query `connection_intent` may
/// only be `reauthorize`, with `connected_account_id`.
// Handler: `connected_accounts::update`.
#[utoipa::path(put, path = "/user_management/users/{user_id}/connected_accounts/{slug}", tag = TAG,
    description = SELECT,
    params(
        ("user_id" = String, Path, description = "Your user's id."),
        ("slug" = String, Path, description = "The provider's slug."),
        ("organization_id" = Option<String>, Query, description = "The user's connection within this organization."),
        ("connected_account_id" = Option<String>, Query, description = "Exactly this connection."),
        ("account_display_name" = Option<String>, Query, description = "The one connection with this label."),
        ("supports_multiple_connections" = Option<bool>, Query, description = "Consider every connection."),
        ("connection_intent" = Option<String>, Query, description = "`reauthorize` only."),
    ),
    request_body = ConnectedAccountImport,
    responses(
        (status = 200, description = "The connected account.", body = ConnectedAccount),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn update_user_connected_account() {}

/// Delete a user's connected account
///
/// Sends `disconnected`, then revokes the grant at the provider when it can.
// Handler: `connected_accounts::delete`.
#[utoipa::path(delete, path = "/user_management/users/{user_id}/connected_accounts/{slug}", tag = TAG,
    description = SELECT,
    params(
        ("user_id" = String, Path, description = "Your user's id."),
        ("slug" = String, Path, description = "The provider's slug."),
        ("organization_id" = Option<String>, Query, description = "The user's connection within this organization."),
        ("connected_account_id" = Option<String>, Query, description = "Exactly this connection."),
        ("account_display_name" = Option<String>, Query, description = "The one connection with this label."),
        ("supports_multiple_connections" = Option<bool>, Query, description = "Consider every connection."),
    ),
    responses(
        (status = 200, description = "Deleted, and what became of the revocation.", body = ConnectedAccountDeleted),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = ValidationFailed),
    ))]
fn delete_user_connected_account() {}

/// Get an organization's connected account
///
/// The provider must be organization-owned.
// Handler: `connected_accounts::get`.
#[utoipa::path(get, path = "/organizations/{organization_id}/connected_accounts/{slug}", tag = TAG,
    description = SELECT,
    params(
        ("organization_id" = String, Path, description = "Your organization's id."),
        ("slug" = String, Path, description = "The provider's slug."),
        ("connected_account_id" = Option<String>, Query, description = "Exactly this connection."),
        ("account_display_name" = Option<String>, Query, description = "The one connection with this label."),
        ("supports_multiple_connections" = Option<bool>, Query, description = "Consider every connection."),
    ),
    responses(
        (status = 200, description = "The connected account.", body = ConnectedAccount),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = ValidationFailed),
    ))]
fn get_organization_connected_account() {}

/// Import an organization's connected account
///
/// The body names the acting member in `user_id`.
// Handler: `connected_accounts::import`.
#[utoipa::path(post, path = "/organizations/{organization_id}/connected_accounts/{slug}", tag = TAG,
    params(
        ("organization_id" = String, Path, description = "Your organization's id."),
        ("slug" = String, Path, description = "The provider's slug."),
    ),
    request_body = ConnectedAccountImport,
    responses(
        (status = 200, description = "The connected account.", body = ConnectedAccount),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn import_organization_connected_account() {}

/// Update an organization's connected account
///
/// The body names the acting member in `user_id`.
// Handler: `connected_accounts::update`.
#[utoipa::path(put, path = "/organizations/{organization_id}/connected_accounts/{slug}", tag = TAG,
    description = SELECT,
    params(
        ("organization_id" = String, Path, description = "Your organization's id."),
        ("slug" = String, Path, description = "The provider's slug."),
        ("connected_account_id" = Option<String>, Query, description = "Exactly this connection."),
        ("account_display_name" = Option<String>, Query, description = "The one connection with this label."),
        ("supports_multiple_connections" = Option<bool>, Query, description = "Consider every connection."),
        ("connection_intent" = Option<String>, Query, description = "`reauthorize` only."),
    ),
    request_body = ConnectedAccountImport,
    responses(
        (status = 200, description = "The connected account.", body = ConnectedAccount),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn update_organization_connected_account() {}

/// Delete an organization's connected account
// Handler: `connected_accounts::delete`.
#[utoipa::path(delete, path = "/organizations/{organization_id}/connected_accounts/{slug}", tag = TAG,
    description = SELECT,
    params(
        ("organization_id" = String, Path, description = "Your organization's id."),
        ("slug" = String, Path, description = "The provider's slug."),
        ("connected_account_id" = Option<String>, Query, description = "Exactly this connection."),
        ("account_display_name" = Option<String>, Query, description = "The one connection with this label."),
        ("supports_multiple_connections" = Option<bool>, Query, description = "Consider every connection."),
    ),
    responses(
        (status = 200, description = "Deleted, and what became of the revocation.", body = ConnectedAccountDeleted),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = ValidationFailed),
    ))]
fn delete_organization_connected_account() {}

/// List a user's data providers
///
/// User-owned providers with the user's connections, and organization-owned ones with the
/// organization's.
// Handler: `connected_accounts::data_providers`.
#[utoipa::path(get, path = "/user_management/users/{user_id}/data_providers", tag = TAG,
    params(
        ("user_id" = String, Path, description = "Your user's id."),
        ("organization_id" = Option<String>, Query, description = "The user's organization."),
        ("supports_multiple_connections" = Option<bool>, Query, description = "List every connection."),
    ),
    responses(
        (status = 200, description = "Every provider with the owner's connections.", body = DataProviderList),
        (status = 401, response = Unauthorized),
        (status = 422, response = ValidationFailed),
    ))]
fn list_user_data_providers() {}

/// List an organization's data providers
///
/// Organization-owned providers only.
// Handler: `connected_accounts::data_providers`.
#[utoipa::path(get, path = "/organizations/{organization_id}/data_providers", tag = TAG,
    params(
        ("organization_id" = String, Path, description = "Your organization's id."),
        ("supports_multiple_connections" = Option<bool>, Query, description = "List every connection."),
    ),
    responses(
        (status = 200, description = "Every provider with the organization's connections.", body = DataProviderList),
        (status = 401, response = Unauthorized),
        (status = 422, response = ValidationFailed),
    ))]
fn list_organization_data_providers() {}
