//! What every page and response gets on its way out: the dashboard's route list, the signed-in
//! admin and a Content-Security-Policy for each Leptos page, the status of server-function
//! errors, the security headers of every response, and the 404 in the caller's language.

use super::error::ApiError;
use super::responses::html_page;
use super::state::AppState;
use crate::plumb::Plumb;
use app::error::AppError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, AxumRouteListing};
use std::sync::OnceLock;

/// The dashboard's page routes, walked out of the app once per process. Walking them runs the app
/// with resource loading suppressed through a process-wide flag (leptos_server's
/// `SuppressResourceLoad`): a page rendering on another thread at that moment gets a resource
/// that never loads and a response that never ends. One walk, finished before any router exists,
/// keeps every later router (each integration test builds one) from doing that to the pages
/// already being served.
pub fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// Server functions answer every error with 500; give each the status its code maps to
/// ([`AppError::status`]), so backends see 401, 404 and 422 like on the REST paths.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "error body unreadable").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The context every page and server function renders in: the signed-in admin and the page's
/// Content-Security-Policy.
pub fn provide_page_context(plumb: &Plumb) {
    provide_admin_identity();
    page_security_policy(plumb);
}

/// The signed-in admin (the gate put the session in the request), for dashboard pages and
/// server functions.
fn provide_admin_identity() {
    use leptos::prelude::use_context;
    let Some(parts) = use_context::<axum::http::request::Parts>() else { return };
    let session = parts.extensions.get::<crate::admin_accounts::Session>().cloned();
    let environment = parts.extensions.get::<crate::store::Environment>().cloned();
    if let (Some(s), Some(env)) = (session, environment) {
        provide_context(app::model::AdminIdentity {
            session_id: s.id,
            admin_id: s.admin_id,
            email: s.email,
            csrf_token: s.csrf_token,
            environment_id: env.id.to_string(),
            environment_slug: env.slug,
            environment_name: env.name,
        });
    }
}

/// Who may frame a widget page: the origins its token names (its environment's and the
/// operator's, fixed when the token was minted), or nobody.
fn widget_frame_ancestors(plumb: &Plumb, parts: &axum::http::request::Parts) -> String {
    let token = parts.uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "token").map(|(_, v)| v.into_owned())
    });
    match token.and_then(|t| plumb.widget_claims(&t).ok()) {
        Some(claims) if !claims.fa.is_empty() => claims.fa,
        _ => "'none'".into(),
    }
}

/// The Content-Security-Policy of a Leptos page: scripts only from Plumb's origin plus the inline
/// hydration script carrying this response's nonce (Leptos adds it to every script it writes),
/// WebAssembly compilation for the hydrated bundle, stylesheets from Plumb plus the widget's
/// theme (a `<style>` with the nonce), and no framing except of the widget by the
/// origins the operator listed.
fn page_security_policy(plumb: &Plumb) {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let ancestors = match use_context::<axum::http::request::Parts>() {
        Some(parts) if parts.uri.path().starts_with("/widget") => widget_frame_ancestors(plumb, &parts),
        _ => "'none'".to_string(),
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors {ancestors}"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Headers every response carries. Responses that did not set their own Content-Security-Policy
/// (JSON, the small HTML pages of the OAuth flow, static files) get one that loads nothing but
/// Plumb's stylesheet and images and cannot be framed.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Nothing is cached unless its handler says so (the content-hashed site files and icons):
    // tokens, keys, secrets, invitation links, the widget's token and the dashboard's CSRF
    // token travel in responses, and a shared or browser cache must not keep them.
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    if state.plumb.config().is_https() {
        // Browsers that reached Plumb over https once never try plain http again.
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    // Widget URLs carry a token: never send them to another origin. The OAuth callback, whose
    // URL carries a code, sends no referrer at all.
    headers.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
    ));
    response
}

/// 405 as JSON, like every other error (the SDK parses every error body).
pub async fn method_not_allowed(req: Request) -> Response {
    let message = format!("{} is not a method of {}.", req.method(), req.uri().path());
    ApiError::from(AppError::new(app::error::codes::METHOD_NOT_ALLOWED, message)).into_response()
}

/// A request not answered within `PLUMB_REQUEST_TIMEOUT_SECONDS`, reading its body included:
/// 408 with a JSON body.
pub async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.plumb.config().request_timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::from(AppError::new(
            app::error::codes::REQUEST_TIMEOUT,
            "The request took too long (its body may have arrived too slowly). Send it again.",
        ))
        .into_response(),
    }
}

/// `/readyz`: 200 when this process can serve (database reachable and migrated, a key loaded),
/// 503 with the reason otherwise, for an orchestrator's readiness probe. `/healthz` says only
/// that the process lives.
pub async fn ready(State(state): State<AppState>) -> Response {
    match state.plumb.check_ready().await {
        Ok(()) => axum::Json(serde_json::json!({"status": "ready"})).into_response(),
        Err(why) => {
            tracing::warn!(reason = %why, "not ready");
            let body = serde_json::json!({"status": "not_ready", "code": "not_ready", "message": why});
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        }
    }
}

/// 404 in the caller's language: a page for browsers, JSON for everything else.
pub async fn not_found(req: Request) -> Response {
    let wants_html =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    if wants_html {
        return html_page(StatusCode::NOT_FOUND, "Page not found", "There is nothing at this address.");
    }
    ApiError::from(AppError::new(app::error::codes::NOT_FOUND, format!("Nothing at {}.", req.uri().path())))
        .into_response()
}
