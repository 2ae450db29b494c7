//! The relay in the document (`docs/relay.md`): a proxy that takes any method, so each of its
//! two addressing forms is written once (as GET) and copied to the other methods the router
//! serves there, each copy with its own operation id.
#![allow(dead_code)]

use super::schemas::{NotFound, PayloadTooLarge, Unauthorized, ValidationFailed};
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::OpenApi;

const TAG: &str = "Relay";

/// The methods documented besides GET. The relay forwards any method (HEAD and OPTIONS too);
/// these are the ones an API is called with.
const OTHER_METHODS: [(HttpMethod, &str); 4] = [
    (HttpMethod::Post, "post"),
    (HttpMethod::Put, "put"),
    (HttpMethod::Patch, "patch"),
    (HttpMethod::Delete, "delete"),
];

const FORWARDED: &str = "The method, the query, your headers (without hop-by-hop headers, \
     `Authorization`, `Cookie`, `Forwarded`, `X-Forwarded-*` and every `X-Relay-*`) and the body \
     are forwarded with the connection's credential attached; the provider's status, headers \
     (without hop-by-hop headers and `Set-Cookie`) and body come back as they are, streamed. \
     Plumb's own answers are JSON `{code, message}` and carry no `X-Relay-Upstream-Status`: \
     400 `relay_invalid_target`/`relay_invalid_header`, 401, 402 \
     `relay_authorization_required`, 403 `relay_host_not_allowed`/`relay_address_not_allowed`, \
     404, 409 `account_selection_required`, 413 `relay_request_too_large`, 422, 429 \
     `relay_rate_limited`, 502 `relay_upstream_unreachable`/`relay_response_too_large`, 504 \
     `relay_upstream_timeout`.";

/// Call the provider's API at a path under its API base URL
///
/// `/relay/{slug}/{path}`: `{path}` is the rest of the URL path, slashes included, as you encoded
/// it.
// Handler: `relay::relay`.
#[utoipa::path(get, path = "/relay/{slug}/{path}", tag = TAG, description = FORWARDED,
    params(
        ("slug" = String, Path, description = "The provider's slug."),
        ("path" = String, Path, description = "A path under the provider's API base URL; may contain `/`."),
        ("X-Relay-User-Id" = Option<String>, Header, description = "The user whose connection is used."),
        ("X-Relay-Organization-Id" = Option<String>, Header, description = "Their organization; alone, the organization's own connection."),
        ("X-Relay-Connection-Owner" = Option<String>, Header, description = "`user` or `organization`."),
        ("X-Relay-Connected-Account-Id" = Option<String>, Header, description = "One connection among several."),
        ("X-Relay-Account-Display-Name" = Option<String>, Header, description = "Or the one with this label."),
        ("X-Relay-Max-Wait" = Option<f64>, Header, description = "Seconds to wait in line when the provider asked Plumb to wait; default 0."),
    ),
    responses(
        (status = "default", description = "The provider's answer, passed through.",
            headers(
                ("X-Relay-Upstream-Status" = u16, description = "The provider's status; absent on Plumb's own answers."),
                ("X-Relay-Connected-Account-Id" = String, description = "The connection the call was made with."),
                ("X-Relay-Token-Refreshed" = String, description = "`true` when the token was renewed and the call retried."),
            )),
        (status = 401, response = Unauthorized),
        (status = 402, description = "No usable connection: `relay_authorization_required`, with `reason` and `authorization_url`."),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 429, description = "`relay_rate_limited`: the provider's wait has not passed.",
            headers(("Retry-After" = u64, description = "Seconds left of the provider's wait."))),
    ))]
fn relay_path() {}

/// Call the provider's API at an absolute URL
///
/// `/relay` with `X-Relay-Provider` and `X-Relay-Url`; the URL's host must be one the provider
/// allows.
// Handler: `relay::relay`.
#[utoipa::path(get, path = "/relay", tag = TAG, description = FORWARDED,
    params(
        ("X-Relay-Provider" = String, Header, description = "The provider's slug."),
        ("X-Relay-Url" = String, Header, description = "The absolute target URL, on a host the provider allows."),
        ("X-Relay-User-Id" = Option<String>, Header, description = "The user whose connection is used."),
        ("X-Relay-Organization-Id" = Option<String>, Header, description = "Their organization; alone, the organization's own connection."),
        ("X-Relay-Connection-Owner" = Option<String>, Header, description = "`user` or `organization`."),
        ("X-Relay-Connected-Account-Id" = Option<String>, Header, description = "One connection among several."),
        ("X-Relay-Account-Display-Name" = Option<String>, Header, description = "Or the one with this label."),
        ("X-Relay-Max-Wait" = Option<f64>, Header, description = "Seconds to wait in line when the provider asked Plumb to wait; default 0."),
    ),
    responses(
        (status = "default", description = "The provider's answer, passed through.",
            headers(
                ("X-Relay-Upstream-Status" = u16, description = "The provider's status; absent on Plumb's own answers."),
                ("X-Relay-Connected-Account-Id" = String, description = "The connection the call was made with."),
                ("X-Relay-Token-Refreshed" = String, description = "`true` when the token was renewed and the call retried."),
            )),
        (status = 400, description = "`relay_invalid_target` or `relay_invalid_header`."),
        (status = 401, response = Unauthorized),
        (status = 402, description = "No usable connection: `relay_authorization_required`, with `reason` and `authorization_url`."),
        (status = 403, description = "`relay_host_not_allowed` or `relay_address_not_allowed`."),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = ValidationFailed),
        (status = 429, description = "`relay_rate_limited`: the provider's wait has not passed.",
            headers(("Retry-After" = u64, description = "Seconds left of the provider's wait."))),
    ))]
fn relay_url() {}

/// Copies each relay operation from GET to the other methods, with a body of any type.
pub fn every_method(doc: &mut OpenApi) {
    for path in ["/relay/{slug}/{path}", "/relay"] {
        let Some(item) = doc.paths.paths.get_mut(path) else { continue };
        let Some(get) = item.get.clone() else { continue };
        for (method, name) in OTHER_METHODS {
            let mut operation: Operation = get.clone();
            operation.operation_id = get.operation_id.as_ref().map(|id| format!("{id}_{name}"));
            operation.request_body = Some(
                utoipa::openapi::request_body::RequestBodyBuilder::new()
                    .description(Some("Forwarded to the provider as it is, streamed."))
                    .content("*/*", utoipa::openapi::ContentBuilder::new().build())
                    .build(),
            );
            match method {
                HttpMethod::Post => item.post = Some(operation),
                HttpMethod::Put => item.put = Some(operation),
                HttpMethod::Patch => item.patch = Some(operation),
                HttpMethod::Delete => item.delete = Some(operation),
                _ => {}
            }
        }
    }
}
