//! The relay on the wire (`docs/relay.md`): `/relay/{slug}/{path}` calls a path under the
//! provider's API base URL, `/relay` the absolute URL in `X-Relay-Url`. The caller's API key
//! goes in `Authorization`; whose connection, in `X-Relay-*` headers. Plumb decides the call
//! ([`crate::relay`]), attaches the credential and streams both bodies.

use super::error::ApiError;
use super::extract::presented_key;
use super::relay_body::{Download, Sent, Upload};
use super::state::AppState;
use crate::relay::meter::Outcome;
use crate::relay::{Ask, Prepared, Refusal, Renewal, Target};
use crate::time::now_ms;
use app::model::InactiveReason;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// The body of a call that may be sent twice (after a 401 renewed the token) is kept in memory
/// up to this size; a larger one streams once.
const REPLAYABLE_BYTES: u64 = 1 << 20;

/// Request headers that never reach the provider: hop-by-hop headers (RFC 9110 §7.6.1), the
/// caller's own credentials and cookies, and what would tell the provider about the caller's
/// network. `X-Relay-*` and anything the `Connection` header names are dropped too.
const NOT_FORWARDED: [&str; 17] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "expect",
    "authorization",
    "cookie",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
];

/// Response headers that never reach the caller: hop-by-hop ones, and cookies (a provider's
/// session is a credential too).
const NOT_RETURNED: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "set-cookie",
    "set-cookie2",
];

pub async fn relay(State(state): State<AppState>, request: Request) -> Response {
    match call(&state, request).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// Plumb's own answer instead of the provider's.
struct Refused {
    status: StatusCode,
    body: serde_json::Value,
    retry_after: Option<u64>,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

fn refused(status: StatusCode, code: &str, message: impl Into<String>) -> Refused {
    Refused { status, body: json!({"code": code, "message": message.into()}), retry_after: None }
}

impl From<Refusal> for Refused {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::AuthorizationRequired { reason: InactiveReason::AccountSelectionRequired, message, .. } => {
                refused(StatusCode::CONFLICT, app::error::codes::ACCOUNT_SELECTION_REQUIRED, message)
            }
            Refusal::AuthorizationRequired { reason, message, authorization_url, connected_account_id } => Refused {
                status: StatusCode::PAYMENT_REQUIRED,
                body: json!({
                    "code": "relay_authorization_required",
                    "message": message,
                    "reason": reason,
                    "authorization_url": authorization_url,
                    "connected_account_id": connected_account_id,
                }),
                retry_after: None,
            },
            Refusal::HostNotAllowed { host, allowed } => Refused {
                status: StatusCode::FORBIDDEN,
                body: json!({
                    "code": "relay_host_not_allowed",
                    "message": format!(
                        "{host} is not one of the hosts this provider's credential may be sent to ({}).",
                        if allowed.is_empty() { "none is set".to_string() } else { allowed.join(", ") }
                    ),
                    "allowed_hosts": allowed,
                }),
                retry_after: None,
            },
            Refusal::AddressNotAllowed(why) => refused(StatusCode::FORBIDDEN, "relay_address_not_allowed", why),
            Refusal::BadTarget(why) => refused(StatusCode::BAD_REQUEST, "relay_invalid_target", why),
        }
    }
}

enum Failure {
    Api(ApiError),
    Refused(Refused),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<crate::error::Error> for Failure {
    fn from(e: crate::error::Error) -> Self {
        Self::Api(e.into())
    }
}

impl From<Refused> for Failure {
    fn from(r: Refused) -> Self {
        Self::Refused(r)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Self::Api(e) => e.into_response(),
            Self::Refused(r) => r.into_response(),
        }
    }
}

fn control(headers: &HeaderMap, name: &str) -> Result<Option<String>, Refused> {
    let Some(value) = headers.get(name) else { return Ok(None) };
    let text = value.to_str().map_err(|_| {
        refused(StatusCode::BAD_REQUEST, "relay_invalid_header", format!("{name} must be plain ASCII text."))
    })?;
    if text.len() > 2048 {
        return Err(refused(StatusCode::BAD_REQUEST, "relay_invalid_header", format!("{name} is too long.")));
    }
    Ok(Some(text.trim().to_string()).filter(|t| !t.is_empty()))
}

/// The slug and target from the path (`/relay/{slug}/{path}`, kept as the caller encoded it),
/// or from `X-Relay-Provider` and `X-Relay-Url` on `/relay`.
fn route(request: &Request) -> Result<(String, Target), Refused> {
    let headers = request.headers();
    let rest = request.uri().path().strip_prefix("/relay").unwrap_or_default();
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    if rest.is_empty() {
        let slug = control(headers, "x-relay-provider")?.ok_or_else(|| {
            refused(StatusCode::BAD_REQUEST, "relay_invalid_target", "Name the provider in X-Relay-Provider.")
        })?;
        let url = control(headers, "x-relay-url")?.ok_or_else(|| {
            refused(
                StatusCode::BAD_REQUEST,
                "relay_invalid_target",
                "Give the target in X-Relay-Url, or call /relay/{provider}/{path}.",
            )
        })?;
        return Ok((slug, Target::Url(url)));
    }
    let (slug, path) = rest.split_once('/').unwrap_or((rest, ""));
    let query = request.uri().query().map(str::to_string);
    Ok((slug.to_string(), Target::Path { path: path.to_string(), query }))
}

async fn call(state: &AppState, request: Request) -> Result<Response, Failure> {
    let key = presented_key(request.headers())?;
    let (slug, target) = route(&request)?;
    let headers = request.headers();
    let ask = Ask {
        user_id: control(headers, "x-relay-user-id")?,
        organization_id: control(headers, "x-relay-organization-id")?,
        connection_owner: control(headers, "x-relay-connection-owner")?,
        connected_account_id: control(headers, "x-relay-connected-account-id")?,
        account_display_name: control(headers, "x-relay-account-display-name")?,
    };
    let limits = state.plumb.config().relay;
    let max_wait = match control(headers, "x-relay-max-wait")? {
        None => Duration::ZERO,
        Some(v) => match v.parse::<f64>() {
            Ok(s) if s.is_finite() && s >= 0.0 => Duration::from_secs_f64(s.min(limits.max_wait.as_secs_f64())),
            _ => {
                return Err(refused(
                    StatusCode::BAD_REQUEST,
                    "relay_invalid_header",
                    "X-Relay-Max-Wait must be a number of seconds.",
                )
                .into())
            }
        },
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let prepared = match state.plumb.relay_prepare(&key, &slug, &ask, &target).await? {
        Ok(p) => p,
        Err(refusal) => return Err(Refused::from(refusal).into()),
    };
    if declared.is_some_and(|n| n > limits.max_request_bytes) {
        return Err(too_large(limits.max_request_bytes).into());
    }
    let connection = prepared.connection.id.clone();
    if let Some((until, status)) = prepared.hold {
        let left = until - now_ms();
        if left > 0 && Duration::from_millis(left as u64) > max_wait {
            state.plumb.record_relay_call(&connection, Outcome { held_back: true, ..Default::default() }, now_ms());
            let secs = (left as u64).div_ceil(1000);
            let mut r = refused(
                StatusCode::TOO_MANY_REQUESTS,
                "relay_rate_limited",
                format!(
                    "{} asked not to be called on this connection for {secs} more second(s) (HTTP {status}). \
                     Retry after that, or send X-Relay-Max-Wait to wait in line.",
                    prepared.resolved.name
                ),
            );
            r.retry_after = Some(secs);
            return Err(r.into());
        }
        if left > 0 {
            tokio::time::sleep(Duration::from_millis(left as u64)).await;
        }
    }
    let deadline = tokio::time::Instant::now() + limits.max_duration;
    let (parts, body) = request.into_parts();
    let forwarded = forwarded_headers(&parts.headers, &prepared);
    // What the body says of itself: hyper knows an empty body and a Content-Length.
    let known = HttpBody::size_hint(&body).exact();
    let no_body = HttpBody::is_end_stream(&body) || known == Some(0);
    let declared = declared.or(known);
    let idempotent =
        matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE);
    let sent = Arc::new(Sent::default());
    // A body small enough to send again is read first, so a 401 can be retried with it.
    let replayable = prepared.renewable() && idempotent && (no_body || declared.is_some_and(|n| n <= REPLAYABLE_BYTES));
    let (upload, replay) = if replayable {
        let bytes = axum::body::to_bytes(body, REPLAYABLE_BYTES as usize).await.map_err(|_| {
            refused(StatusCode::BAD_REQUEST, "relay_invalid_body", "The request body could not be read.")
        })?;
        sent.bytes.store(bytes.len() as u64, Ordering::Relaxed);
        (reqwest::Body::from(bytes.clone()), Some(bytes))
    } else {
        (reqwest::Body::wrap_stream(Upload::new(body, limits.max_request_bytes, sent.clone())), None)
    };
    let started = std::time::Instant::now();
    let mut response = send(state, &prepared, &parts.method, &forwarded, upload, &sent).await?;
    let mut renewed = false;
    let mut prepared = prepared;
    if response.status() == reqwest::StatusCode::UNAUTHORIZED && prepared.renewable() {
        match state.plumb.relay_renew(&prepared, &target).await? {
            Renewal::Renewed(next) => {
                renewed = true;
                if let Some(bytes) = replay {
                    tracing::info!(connection = %connection, "relayed call refused with 401: retried with a renewed token");
                    prepared = *next;
                    let forwarded = forwarded_headers(&parts.headers, &prepared);
                    response =
                        send(state, &prepared, &parts.method, &forwarded, reqwest::Body::from(bytes), &sent).await?;
                }
            }
            Renewal::Unchanged => {}
            Renewal::Refused(refusal) => {
                state.plumb.record_relay_call(
                    &connection,
                    Outcome { status: Some(401), ..Default::default() },
                    now_ms(),
                );
                return Err(Refused::from(refusal).into());
            }
        }
    }
    state.plumb.relay_answered(started.elapsed());
    let status = response.status();
    if matches!(status.as_u16(), 429 | 503) {
        if let Some(wait_ms) = retry_after_ms(response.headers()) {
            state.plumb.hold_relay(&prepared.connection, status.as_u16(), wait_ms).await?;
        }
    }
    if response.content_length().is_some_and(|n| n > limits.max_response_bytes) {
        let outcome = Outcome { status: Some(status.as_u16()), failed: true, ..Default::default() };
        state.plumb.record_relay_call(&connection, outcome, now_ms());
        return Err(refused(
            StatusCode::BAD_GATEWAY,
            "relay_response_too_large",
            format!("The provider's answer is larger than the relay's limit of {} bytes.", limits.max_response_bytes),
        )
        .into());
    }
    let mut out = Response::builder().status(status.as_u16());
    if let Some(h) = out.headers_mut() {
        for (name, value) in response.headers() {
            if !NOT_RETURNED.contains(&name.as_str()) {
                h.append(name.clone(), value.clone());
            }
        }
        h.insert("x-relay-upstream-status", HeaderValue::from(status.as_u16()));
        if let Ok(v) = HeaderValue::from_str(prepared.connection.id.as_str()) {
            h.insert("x-relay-connected-account-id", v);
        }
        if renewed {
            h.insert("x-relay-token-refreshed", HeaderValue::from_static("true"));
        }
    }
    let body = Download::new(response, limits.max_response_bytes, deadline, state.plumb.clone(), connection, sent);
    out.body(Body::from_stream(body))
        .map_err(|e| Failure::Api(crate::error::Error::Internal(format!("relay response: {e}")).into()))
}

/// Sends one attempt; Plumb's refusal when the provider could not be reached in time.
async fn send(
    state: &AppState,
    prepared: &Prepared,
    method: &Method,
    headers: &HeaderMap,
    body: reqwest::Body,
    sent: &Sent,
) -> Result<reqwest::Response, Failure> {
    let limits = state.plumb.config().relay;
    let mut url = prepared.url.clone();
    if let Some((name, value)) = &prepared.credential.query {
        url.query_pairs_mut().append_pair(name, value);
    }
    let request = state.plumb.relay_client().request(method.clone(), url).headers(headers.clone()).body(body);
    let outcome = tokio::time::timeout(limits.response_timeout, request.send()).await;
    let connection = &prepared.connection.id;
    let failed =
        |sent: &Sent| Outcome { failed: true, bytes_sent: sent.bytes.load(Ordering::Relaxed), ..Default::default() };
    match outcome {
        Ok(Ok(response)) => Ok(response),
        Err(_) => {
            state.plumb.record_relay_call(connection, failed(sent), now_ms());
            Err(refused(
                StatusCode::GATEWAY_TIMEOUT,
                "relay_upstream_timeout",
                format!(
                    "{} did not answer within {} seconds.",
                    prepared.resolved.name,
                    limits.response_timeout.as_secs()
                ),
            )
            .into())
        }
        Ok(Err(_)) if sent.too_large.load(Ordering::Relaxed) => Err(too_large(limits.max_request_bytes).into()),
        Ok(Err(e)) => {
            state.plumb.record_relay_call(connection, failed(sent), now_ms());
            let why = crate::outbound::describe(&e);
            if why.starts_with("refused") {
                return Err(refused(StatusCode::FORBIDDEN, "relay_address_not_allowed", why).into());
            }
            Err(refused(
                StatusCode::BAD_GATEWAY,
                "relay_upstream_unreachable",
                format!("{} could not be reached ({why}).", prepared.resolved.name),
            )
            .into())
        }
    }
}

fn too_large(limit: u64) -> Refused {
    refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        "relay_request_too_large",
        format!("The request body is larger than the relay's limit of {limit} bytes."),
    )
}

/// The caller's headers as the provider gets them: filtered, then the provider's own headers and
/// the credential, which replace any the caller sent under the same names.
fn forwarded_headers(incoming: &HeaderMap, prepared: &Prepared) -> HeaderMap {
    let named_by_connection: Vec<String> = incoming
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .collect();
    let mut out = HeaderMap::with_capacity(incoming.len() + 2);
    for (name, value) in incoming {
        let n = name.as_str();
        if NOT_FORWARDED.contains(&n) || n.starts_with("x-relay-") || named_by_connection.iter().any(|c| c == n) {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    for (name, value) in prepared.api_headers.iter().chain(&prepared.credential.headers) {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            out.insert(name, value);
        }
    }
    out
}

/// `Retry-After` as milliseconds from now: seconds, or an HTTP date.
fn retry_after_ms(headers: &reqwest::header::HeaderMap) -> Option<i64> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(i64::try_from(secs).ok()?.saturating_mul(1000));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.timestamp_millis() - now_ms()).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after_ms(&h), Some(7000));
        let later = chrono::Utc::now() + chrono::Duration::seconds(30);
        h.insert(header::RETRY_AFTER, HeaderValue::from_str(&later.to_rfc2822()).unwrap());
        let ms = retry_after_ms(&h).unwrap();
        assert!((28_000..=30_000).contains(&ms), "{ms}");
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after_ms(&h), None);
    }
}
