//! `Idempotency-Key` on the API's POSTs (see [`crate::idempotency`]): requests with an API key
//! and the header are answered from the kept first answer, or run and their answer kept.
//! Browser POSTs (no API key), the POSTs that create nothing ([`safe_to_repeat`]) and the relay
//! (whose `Idempotency-Key` is the provider's to read) pass through untouched.

use super::error::ApiError;
use super::extract::{presented_key, MAX_JSON_BYTES};
use super::state::AppState;
use crate::idempotency::{fingerprint, valid_key, Answer, Begin, MAX_ANSWER_BYTES};
use app::error::{codes, AppError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const HEADER: &str = "idempotency-key";

pub async fn replay(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !req.headers().contains_key(HEADER) || safe_to_repeat(req.uri().path()) {
        return next.run(req).await;
    }
    // Only API calls: the key scopes the stored answer. A bad or missing key is the handler's
    // to report, as without the header.
    let Ok(credential) = presented_key(req.headers()) else {
        return next.run(req).await;
    };
    let key = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !valid_key(key) {
        return error(
            codes::INVALID_REQUEST,
            "The Idempotency-Key header must be 1 to 255 visible ASCII characters.".into(),
        );
    }
    let key = key.to_string();
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_JSON_BYTES).await else {
        return error(codes::PAYLOAD_TOO_LARGE, format!("The request body is larger than {MAX_JSON_BYTES} bytes."));
    };
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let print = fingerprint(parts.method.as_str(), path, &bytes);
    let claim = match state.plumb.idempotency_begin(credential.hash(), &key, &print).await {
        Err(e) => return ApiError::from(e).into_response(),
        Ok(Begin::Replay(answer)) => return replayed(answer),
        Ok(Begin::Reused) => {
            return error(
                codes::IDEMPOTENCY_KEY_REUSED,
                "This Idempotency-Key was used for a different request; send a new key for a new request.".into(),
            )
        }
        Ok(Begin::InUse) => {
            let mut response = error(
                codes::IDEMPOTENCY_KEY_IN_USE,
                "The first request with this Idempotency-Key is still being answered; retry shortly.".into(),
            );
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        }
        Ok(Begin::Run(claim)) => claim,
    };
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let status = response.status();
    if status.is_server_error() {
        // A failure of ours: a retry should run again, not be told the failure again.
        release(&state, claim).await;
        return response;
    }
    let (parts, body) = response.into_parts();
    // The API's answers are small and bounded (a page of a list at most), so this reads them
    // whole; one past the keeping limit is passed on without being kept.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) if bytes.len() <= MAX_ANSWER_BYTES => bytes,
        Ok(bytes) => {
            release(&state, claim).await;
            return Response::from_parts(parts, Body::from(bytes));
        }
        Err(_) => {
            release(&state, claim).await;
            return error(codes::INTERNAL, "The answer could not be read.".into());
        }
    };
    let answer = Answer {
        status: status.as_u16(),
        content_type: parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned),
        body: bytes.to_vec(),
    };
    if let Err(e) = state.plumb.idempotency_keep(claim, &answer).await {
        tracing::warn!(error = %e, "could not keep an answer for its Idempotency-Key");
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn release(state: &AppState, claim: crate::idempotency::Claim) {
    if let Err(e) = state.plumb.idempotency_drop(claim).await {
        tracing::warn!(error = %e, "could not release an idempotency key");
    }
}

/// POSTs that create nothing, so a retry is answered afresh rather than from a kept answer:
/// fetching a token (a retry gets the current token, refreshed or not), vending a credential,
/// minting a widget token. The SDK sends a new key with every call, and these are the hot
/// path: keeping their answers would add two writes to every token fetch and keep copies of
/// credentials for a day, to replay an answer that a retry gets anyway.
pub(super) fn safe_to_repeat(path: &str) -> bool {
    path == "/widgets/token"
        || (path.starts_with("/data-integrations/") && (path.ends_with("/token") || path.ends_with("/credentials")))
}

fn replayed(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    if let Some(value) = answer.content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

fn error(code: &'static str, message: String) -> Response {
    ApiError::from(AppError::new(code, message)).into_response()
}
