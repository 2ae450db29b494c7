//! The browser side of the authorization flow: `POST /oauth/authorize` (the widget's Connect
//! button) and `GET /oauth/callback` (where the provider sends the user back).

use super::responses::{cookie, html_page, see_other, set_cookie};
use super::state::AppState;
use crate::connect::CallbackParams;
use crate::error::Error;
use crate::ids;
use app::error::AppError;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;

/// The cookie that binds a pending authorization to the browser that started it.
const BINDING_COOKIE: &str = "plumb_oauth_binding";

#[derive(Deserialize)]
pub struct AuthorizeForm {
    token: Option<String>,
    provider: Option<String>,
}

pub async fn authorize(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<AuthorizeForm>) -> Response {
    let binding = binding(&headers);
    let started = state
        .plumb
        .start_authorization(form.token.as_deref().unwrap_or(""), form.provider.as_deref().unwrap_or(""), &binding)
        .await;
    redirect_to_provider(&state, started, &binding)
}

/// `GET /oauth/start/{link}`: a link from `POST /data-integrations/{slug}/authorize`.
pub async fn start(State(state): State<AppState>, headers: HeaderMap, Path(link): Path<String>) -> Response {
    let binding = binding(&headers);
    let started = state.plumb.start_from_link(&link, &binding).await;
    let mut response = redirect_to_provider(&state, started, &binding);
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// This browser's binding value: the one it already has, or a new one.
fn binding(headers: &HeaderMap) -> String {
    cookie(headers, BINDING_COOKIE)
        .filter(|v| v.len() == 43 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map(str::to_owned)
        .unwrap_or_else(|| ids::random_token(32))
}

fn redirect_to_provider(state: &AppState, started: Result<url::Url, Error>, binding: &str) -> Response {
    match started {
        Ok(url) => {
            let mut response = see_other(url.as_str());
            // SameSite=Lax: the cookie must come back on the provider's top-level redirect.
            set_cookie(state, &mut response, BINDING_COOKIE, binding, "/oauth", 3600);
            response
        }
        Err(e) => error_page(e),
    }
}

#[derive(Deserialize)]
pub struct DoneParams {
    provider: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Where an API-started authorization ends when the backend gave no `return_to`.
pub async fn done(Query(params): Query<DoneParams>) -> Response {
    let provider = params.provider.unwrap_or_else(|| "the provider".into());
    match params.error {
        None => html_page(StatusCode::OK, "Connected", "Your account is connected. You can close this window."),
        Some(code) => {
            let description = params.error_description.unwrap_or_default();
            html_page(
                StatusCode::OK,
                "Could not connect",
                &format!("Could not connect {provider}: {description} ({code})"),
            )
        }
    }
}

pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Response {
    let binding = cookie(&headers, BINDING_COOKIE);
    let mut response = match state.plumb.finish_authorization(params, binding).await {
        Ok(location) => see_other(&location),
        Err(e) => error_page(e),
    };
    // The URL carried an authorization code: do not let it leak to the next page's requests.
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

fn error_page(e: Error) -> Response {
    let wire = AppError::from(e);
    let status = StatusCode::from_u16(wire.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    html_page(status, "Could not connect", &wire.message)
}
