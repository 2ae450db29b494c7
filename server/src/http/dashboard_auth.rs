//! Admin sign-in over HTTP: the gate in front of every dashboard page and admin server function
//! (a session cookie, and the session's CSRF token on every server function call and form), and
//! the plain HTML forms for signing in, signing out and accepting an invitation. Those forms post
//! to ordinary handlers that answer with redirects, so they work before any wasm has loaded.

use super::error::ApiError;
use super::extract::ClientAddress;
use super::responses::{cookie, from_other_site, html_page, see_other, set_cookie};
use super::state::AppState;
use crate::admin_accounts::{Session, SESSION_COOKIE};
use crate::error::Error;
use crate::store::{Environment, SANDBOX};
use app::error::{codes, AppError};
use axum::body::Body;
use axum::extract::{Form, Path, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Server functions anyone may call: the widget's (they check the widget token), the access
/// token's (it checks the API key) and the invitation page's (it needs the link's token). Every
/// other `/api/` function is the dashboard's.
const PUBLIC_FUNCTIONS: &[&str] =
    &["/api/widget", "/api/widget/disconnect", "/api/widget/rename", "/api/access-token", "/api/invite"];

/// The cookie naming the environment the dashboard shows (a preference, not a credential).
const ENVIRONMENT_COOKIE: &str = "plumb_env";

/// The header the hydrated dashboard sends its CSRF token in; forms send a `csrf_token` field.
pub const CSRF_HEADER: &str = "x-csrf-token";
const CSRF_FIELD: &str = "csrf_token";
/// Form bodies read to find the CSRF field; an uploaded icon (256 KiB as a data: URL) fits.
const MAX_FORM_BYTES: usize = 4 << 20;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Guarded {
    /// A dashboard page: without a session, go and sign in.
    Page,
    /// A dashboard server function or form: without a session 401; without the CSRF token 403.
    Action,
}

fn guarded(method: &Method, path: &str) -> Option<Guarded> {
    if path == "/dashboard" || path.starts_with("/dashboard/") {
        return Some(if method == Method::GET || method == Method::HEAD { Guarded::Page } else { Guarded::Action });
    }
    if (path.starts_with("/api/") && !PUBLIC_FUNCTIONS.contains(&path)) || path == "/logout" {
        return Some(Guarded::Action);
    }
    None
}

/// The widget's functions that change something. They authenticate with the widget token in
/// the body, and only the widget page (Plumb's own origin, framed or not) sends them: a form
/// posted from another site is refused before it is read.
const WIDGET_ACTIONS: &[&str] = &["/api/widget/disconnect", "/api/widget/rename"];

/// The gate. A request it lets through carries the [`Session`] in its extensions.
pub async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if WIDGET_ACTIONS.contains(&req.uri().path()) && from_other_site(&state, req.headers()) {
        return ApiError::from(Error::CsrfFailed).into_response();
    }
    let Some(kind) = guarded(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    let session = match cookie(req.headers(), SESSION_COOKIE) {
        Some(value) => match state.plumb.session(value).await {
            Ok(session) => session,
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => None,
    };
    let Some(session) = session else {
        return match kind {
            Guarded::Page => {
                let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/dashboard");
                let next = url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>();
                see_other(&format!("/login?next={next}"))
            }
            Guarded::Action => ApiError::from(AppError::new(
                codes::UNAUTHORIZED,
                "Sign in to the dashboard to do this. Your session may have expired or been revoked.",
            ))
            .into_response(),
        };
    };
    let environment = match current_environment(&state, req.headers()).await {
        Ok(env) => env,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut req = match kind {
        Guarded::Page => req,
        Guarded::Action => match check_csrf(req, &session).await {
            Ok(req) => req,
            Err(response) => return response,
        },
    };
    req.extensions_mut().insert(session);
    req.extensions_mut().insert(environment);
    next.run(req).await
}

/// The environment the dashboard shows: the one this browser switched to last, or sandbox.
async fn current_environment(state: &AppState, headers: &HeaderMap) -> Result<Environment, Error> {
    if let Some(slug) = cookie(headers, ENVIRONMENT_COOKIE) {
        if let Some(env) = state.plumb.environment_by_slug(slug).await? {
            return Ok(env);
        }
    }
    state.plumb.environment(&SANDBOX.into()).await
}

#[derive(Deserialize)]
pub struct SwitchForm {
    environment: Option<String>,
    next: Option<String>,
}

/// `POST /dashboard/switch-environment` (behind the gate): shows another environment from now on.
pub async fn switch_environment(State(state): State<AppState>, Form(form): Form<SwitchForm>) -> Response {
    let slug = form.environment.unwrap_or_default();
    match state.plumb.environment_by_slug(&slug).await {
        Ok(Some(env)) => {
            let mut response = see_other(&safe_next(form.next.as_deref()));
            set_cookie(&state, &mut response, ENVIRONMENT_COOKIE, &env.slug, "/", 365 * 24 * 3600);
            response
        }
        Ok(None) => {
            ApiError::from(Error::field("environment", "unknown", format!("No environment {slug:?}."))).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Accepts the request when it carries the session's CSRF token in the header, or in the
/// `csrf_token` field of a form body (read here and handed on unchanged).
async fn check_csrf(req: Request, session: &Session) -> Result<Request, Response> {
    let refuse = || ApiError::from(Error::CsrfFailed).into_response();
    if let Some(value) = req.headers().get(CSRF_HEADER) {
        return if crate::crypto::constant_time_eq(value.as_bytes(), session.csrf_token.as_bytes()) {
            Ok(req)
        } else {
            Err(refuse())
        };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refuse());
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| ApiError::from(AppError::new(codes::INVALID_REQUEST, "The form is too large.")).into_response())?;
    let token = url::form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned());
    match token {
        Some(t) if crate::crypto::constant_time_eq(t.as_bytes(), session.csrf_token.as_bytes()) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(refuse()),
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

/// `POST /login`. Browsers get redirects (to where they were going, or back to the form with an
/// error code); a client asking for JSON gets the status and error.
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    if let Some(refusal) = refuse_other_origin(&state, &headers) {
        return refusal;
    }
    let email = form.email.unwrap_or_default();
    let next = safe_next(form.next.as_deref());
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let wants_json =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"));
    match state.plumb.sign_in(&email, form.password.as_deref().unwrap_or(""), user_agent, client).await {
        Ok((token, _)) => {
            let mut response = if wants_json {
                axum::Json(serde_json::json!({"signed_in": true})).into_response()
            } else {
                see_other(&next)
            };
            set_session_cookie(&state, &mut response, &token);
            response
        }
        Err(e) if wants_json => ApiError::from(e).into_response(),
        Err(e) => {
            let retry_after = e.retry_after();
            let wire = AppError::from(e);
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.append_pair("error", &wire.code).append_pair("email", &email).append_pair("next", &next);
            if let Some(secs) = retry_after {
                query.append_pair("retry", &secs.to_string());
            }
            see_other(&format!("/login?{}", query.finish()))
        }
    }
}

/// `POST /logout` (behind the gate, so with the session's CSRF token).
pub async fn sign_out(State(state): State<AppState>, req: Request) -> Response {
    if let Some(session) = req.extensions().get::<Session>() {
        if let Err(e) = state.plumb.sign_out(session).await {
            return ApiError::from(e).into_response();
        }
    }
    let mut response = see_other("/login?signed_out=1");
    set_cookie(&state, &mut response, SESSION_COOKIE, "", "/", 0);
    response
}

#[derive(Deserialize)]
pub struct InviteForm {
    email: Option<String>,
    password: Option<String>,
    confirm: Option<String>,
}

/// `POST /invite/{token}`: creates the admin, signs them in and opens the dashboard; on a
/// problem, back to the form with the field and code.
pub async fn accept_invite(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Response {
    if let Some(refusal) = refuse_other_origin(&state, &headers) {
        return refusal;
    }
    let email = form.email.unwrap_or_default();
    let password = form.password.unwrap_or_default();
    let accepted =
        state.plumb.accept_invite(&token, &email, &password, form.confirm.as_deref().unwrap_or_default()).await;
    let back = |field: &str, code: &str| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("field", field).append_pair("error", code).append_pair("email", &email);
        see_other(&format!("/invite/{token}?{}", query.finish()))
    };
    match accepted {
        Ok(admin) => {
            let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
            // The password was just checked when it was chosen: open the session directly.
            match state.plumb.open_session(&admin, user_agent).await {
                Ok((cookie_value, _)) => {
                    let mut response = see_other("/dashboard");
                    set_session_cookie(&state, &mut response, &cookie_value);
                    response
                }
                Err(_) => see_other("/login"),
            }
        }
        Err(Error::Validation(errors)) => match errors.first() {
            Some(f) => back(&f.field, &f.code),
            None => back("", "invalid"),
        },
        Err(Error::InvalidState(_)) => back("", "invite_invalid"),
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn set_session_cookie(state: &AppState, response: &mut Response, token: &str) {
    set_cookie(state, response, SESSION_COOKIE, token, "/", state.plumb.config().session_ttl.as_secs());
}

/// Sign-in forms accept posts only from Plumb's own pages (login CSRF): browsers send `Origin`
/// on every POST; a request without one (curl, scripts) is not a browser being tricked.
fn refuse_other_origin(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    from_other_site(state, headers).then(|| {
        html_page(StatusCode::FORBIDDEN, "Sign-in refused", "This form can only be sent from Plumb's own pages.")
    })
}

/// Where to go after signing in: a dashboard path, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if (n == "/dashboard" || n.starts_with("/dashboard/") || n.starts_with("/dashboard?"))
                && !n.contains("//")
                && !n.contains('\\') =>
        {
            n.to_string()
        }
        _ => "/dashboard".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dashboard_paths_are_next_targets() {
        assert_eq!(safe_next(Some("/dashboard/webhooks")), "/dashboard/webhooks");
        assert_eq!(safe_next(Some("/dashboard?deleted=x")), "/dashboard?deleted=x");
        for evil in ["https://evil.example", "//evil.example", "/dashboard//evil.example", "/widget", "/\\evil"] {
            assert_eq!(safe_next(Some(evil)), "/dashboard", "{evil}");
        }
        assert_eq!(safe_next(None), "/dashboard");
    }

    #[test]
    fn the_gate_covers_the_dashboard_and_its_functions_only() {
        assert!(guarded(&Method::GET, "/dashboard") == Some(Guarded::Page));
        assert!(guarded(&Method::GET, "/dashboard/catalog/github") == Some(Guarded::Page));
        assert!(guarded(&Method::POST, "/api/providers/create") == Some(Guarded::Action));
        assert!(guarded(&Method::POST, "/logout") == Some(Guarded::Action));
        for open in ["/api/widget", "/api/widget/disconnect", "/api/access-token", "/widget", "/login", "/healthz"] {
            assert!(guarded(&Method::POST, open).is_none(), "{open}");
        }
        assert!(guarded(&Method::GET, "/dashboards").is_none());
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(crate::crypto::constant_time_eq(b"abc", b"abc"));
        assert!(!crate::crypto::constant_time_eq(b"abc", b"abd"));
        assert!(!crate::crypto::constant_time_eq(b"abc", b"abcd"));
    }
}
