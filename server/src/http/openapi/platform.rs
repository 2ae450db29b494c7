//! The document's operations outside `/data-integrations` and the connected accounts: widget
//! tokens, the calling key, events, webhook endpoints (`docs/workos-api.md` §5, §6.4, §6.5),
//! and the unauthenticated checks operators use.
#![allow(dead_code)]

use super::schemas::*;
use crate::http::tokens::WidgetTokenBody;

const EVENTS: &str = "Events and webhooks";
/// Paths that take no API key (the document's security is left off them).
pub const OPERATIONS: &str = "Operations";

/// Create a widget token
///
/// A token for one user (and organization) of the key's environment, for Plumb's widget.
// Handler: `tokens::create_widget_token`.
#[utoipa::path(post, path = "/widgets/token", tag = "Widgets",
    request_body = WidgetTokenBody,
    responses(
        (status = 200, description = "The token.", body = WidgetToken),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn create_widget_token() {}

/// The calling API key
///
/// Plumb's own: which key a backend uses; a cheap credentials check.
// Handler: `api_keys::current`.
#[utoipa::path(get, path = "/api_keys/current", tag = "API keys",
    responses(
        (status = 200, description = "The key.", body = ApiKeyInfo),
        (status = 401, response = Unauthorized),
    ))]
fn current_api_key() {}

/// List events
///
/// The environment's event log, newest first by default; pages forward only.
// Handler: `events::list`.
#[utoipa::path(get, path = "/events", tag = EVENTS,
    params(
        ("events" = Option<String>, Query, description = "Comma-separated event names: `pipes.account_connection.*` and SDK 11's `pipes.connected_account.*`."),
        ("organization_id" = Option<String>, Query, description = "Only that organization's events."),
        ("range_start" = Option<String>, Query, description = "RFC 3339, inclusive."),
        ("range_end" = Option<String>, Query, description = "RFC 3339, exclusive."),
        ("limit" = Option<u8>, Query, minimum = 1, maximum = 100, description = "1 to 100, default 10."),
        ("after" = Option<String>, Query, description = "An event id: continue after it."),
        ("order" = Option<String>, Query, description = "`asc` or `desc` (default)."),
    ),
    responses(
        (status = 200, description = "A page of events.", body = EventList),
        (status = 401, response = Unauthorized),
        (status = 422, response = ValidationFailed),
    ))]
fn list_events() {}

/// List webhook endpoints
///
/// Every endpoint of the environment in one page.
// Handler: `webhook_endpoints::list`.
#[utoipa::path(get, path = "/webhook_endpoints", tag = EVENTS,
    responses(
        (status = 200, description = "Every endpoint.", body = WebhookEndpointList),
        (status = 401, response = Unauthorized),
    ))]
fn list_webhook_endpoints() {}

/// Create a webhook endpoint
///
/// The answer carries the signing `secret`, shown this once.
// Handler: `webhook_endpoints::create`.
#[utoipa::path(post, path = "/webhook_endpoints", tag = EVENTS,
    request_body = WebhookEndpointInput,
    responses(
        (status = 201, description = "The endpoint with its secret.", body = WebhookEndpoint),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn create_webhook_endpoint() {}

/// Update a webhook endpoint
// Handler: `webhook_endpoints::update`.
#[utoipa::path(patch, path = "/webhook_endpoints/{id}", tag = EVENTS,
    params(("id" = String, Path, description = "`we_…`.")),
    request_body = WebhookEndpointInput,
    responses(
        (status = 200, description = "The endpoint, without its secret.", body = WebhookEndpoint),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
    ))]
fn update_webhook_endpoint() {}

/// Delete a webhook endpoint
// Handler: `webhook_endpoints::delete`.
#[utoipa::path(delete, path = "/webhook_endpoints/{id}", tag = EVENTS,
    params(("id" = String, Path, description = "`we_…`.")),
    responses(
        (status = 200, description = "Deleted.", body = WebhookEndpointDeleted),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
    ))]
fn delete_webhook_endpoint() {}

/// Liveness
///
/// 200 whenever the process answers. No API key.
#[utoipa::path(get, path = "/healthz", tag = OPERATIONS,
    responses((status = 200, description = "`{\"status\": \"ok\"}`.", body = Health)))]
fn healthz() {}

/// Readiness
///
/// 200 when the database answers, has every migration this build needs, and a key is loaded; 503
/// with the reason otherwise. No API key.
// Handler: `pages::ready`.
#[utoipa::path(get, path = "/readyz", tag = OPERATIONS,
    responses(
        (status = 200, description = "`{\"status\": \"ready\"}`.", body = Health),
        (status = 503, description = "Not ready, and why.", body = Health),
    ))]
fn readyz() {}

/// This document
///
/// The OpenAPI 3.1 description of the API. No API key; a readable rendering is at
/// `/docs/api`.
#[utoipa::path(get, path = "/openapi.json", tag = OPERATIONS,
    responses((status = 200, description = "The document.", content_type = "application/json",
        body = serde_json::Value)))]
fn openapi_json() {}
