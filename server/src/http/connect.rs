//! The browser side of the authorization flow: `POST /oauth/authorize` (the widget's Connect
//! button) and `GET /oauth/callback` (where the provider sends the user back).

use super::responses::{confirm_page, cookie, from_other_site, html_page, see_other, set_cookie};
use super::state::AppState;
use crate::accounts::Intent;
use crate::connect::CallbackParams;
use crate::error::Error;
use crate::ids;
use crate::templates::Values;
use app::error::AppError;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;

/// The cookie that binds a pending authorization to the browser that started it.
const BINDING_COOKIE: &str = "plumb_oauth_binding";

/// The most fields the widget's connect form sends: its own five and the provider's
/// configuration fields.
const MAX_FORM_FIELDS: usize = 5 + crate::config_fields::MAX_FIELDS;

/// `POST /oauth/authorize`: the widget's Connect button. Only Plumb's own widget page may send
/// it: a cross-site form posting the attacker's widget token would otherwise store the victim's
/// provider account under the attacker's user.
///
/// Fields: `token`, `provider`, `intent` (`add` for another account, `reauthorize` with
/// `account`; absent: the usual one), `label`, and `config.<key>` for each configuration value.
pub async fn authorize(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if from_other_site(&state, &headers) {
        return cross_site_refusal();
    }
    let binding = binding(&headers);
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let config: Values = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("config.")?.to_string(), v.clone())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let label = field("label").map(str::trim).filter(|l| !l.is_empty());
    let started = if fields.len() > MAX_FORM_FIELDS {
        Err(Error::field("config", "too_many", "The form has too many fields."))
    } else {
        match Intent::from_input(field("intent"), field("account"), label.map(Some)) {
            Ok(intent) => {
                let (token, provider) = (field("token").unwrap_or(""), field("provider").unwrap_or(""));
                state.plumb.start_authorization(token, provider, &binding, intent, &config).await
            }
            Err(e) => Err(e),
        }
    };
    redirect_to_provider(&state, started, &binding)
}

/// `GET /oauth/start/{link}`: a link from `POST /data-integrations/{slug}/authorize` opens a
/// page naming the provider and the application, with one button. Opening the link (or a
/// `HEAD` request, or a link scanner) starts and uses up nothing; the button's POST, checked to
/// come from this page, does.
pub async fn confirm_start(State(state): State<AppState>, Path(link): Path<String>) -> Response {
    match state.plumb.link_preview(&link).await {
        Ok(preview) => {
            let mut lines = vec![format!(
                "An application using Plumb ({} environment) asks you to connect your {} account.",
                preview.environment, preview.provider
            )];
            if let Some(host) = preview.returns_to {
                lines.push(format!("Afterwards you will go back to {host}."));
            }
            lines.push(format!(
                "Continue only if you started this from that application: you are about to sign in to {}.",
                preview.provider
            ));
            let action = format!("/oauth/start/{link}");
            confirm_page(
                &format!("Connect {}", preview.provider),
                &lines,
                &action,
                &format!("Continue to {}", preview.provider),
            )
        }
        Err(e) => error_page(e),
    }
}

/// `POST /oauth/start/{link}`: the confirmation page's button.
pub async fn start(State(state): State<AppState>, headers: HeaderMap, Path(link): Path<String>) -> Response {
    if from_other_site(&state, &headers) {
        return cross_site_refusal();
    }
    let binding = binding(&headers);
    let started = state.plumb.start_from_link(&link, &binding).await;
    let mut response = redirect_to_provider(&state, started, &binding);
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

fn cross_site_refusal() -> Response {
    html_page(
        StatusCode::FORBIDDEN,
        "Could not connect",
        "Connecting can only be started from Plumb's own pages. Go back to the application and try again.",
    )
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
    error: Option<String>,
}

/// Where an API-started authorization ends when the backend gave no `return_to`.
/// It shows fixed text only: the query is anyone's to write (see
/// [`app::error::connect_failure`]).
pub async fn done(Query(params): Query<DoneParams>) -> Response {
    match params.error {
        None => html_page(StatusCode::OK, "Connected", "Your account is connected. You can close this window."),
        Some(code) => html_page(
            StatusCode::OK,
            "Could not connect",
            &format!("Could not connect the account: {}", app::error::connect_failure(&code)),
        ),
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
