//! The browser side of the authorization flow: `POST /oauth/authorize` (the widget's Connect
//! button) and `GET /oauth/callback` (where the provider sends the user back).

use super::AppState;
use crate::connect::CallbackParams;
use crate::error::Error;
use crate::ids;
use app::error::AppError;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
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
        Err(e) => error_page(&e),
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
        Err(e) => error_page(&e),
    };
    // The URL carried an authorization code: do not let it leak to the next page's requests.
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// Sets an HttpOnly, SameSite=Lax cookie, `Secure` when browsers reach Plumb over https. Every
/// cookie Plumb sets goes through here.
pub(crate) fn set_cookie(state: &AppState, response: &mut Response, name: &str, value: &str, path: &str, max_age: u64) {
    let secure = if state.plumb.config().is_https() { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
}

pub(crate) fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn error_page(e: &Error) -> Response {
    let wire = AppError::from(e);
    let status = StatusCode::from_u16(wire.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    html_page(status, "Could not connect", &wire.message)
}

/// A minimal page for errors a browser lands on outside the app.
pub fn html_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Plumb</title><link rel=\"stylesheet\" href=\"/pkg/plumb.css\"></head>\
         <body><main class=\"page narrow\"><h1>{title}</h1><p role=\"alert\">{message}</p></main></body></html>",
        title = escape(title),
        message = escape(message),
    );
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; plumb_oauth_binding=xyz; b=2"));
        assert_eq!(cookie(&h, BINDING_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
    }
}
