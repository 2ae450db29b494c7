//! The browser side of the authorization flow: `POST /oauth/authorize` (the widget's Connect
//! button) and `GET /oauth/callback` (where the provider sends the user back).

use super::responses::{confirm_page, cookie, from_other_site, html_page, see_other, set_cookie};
use super::state::AppState;
use crate::accounts::Intent;
use crate::connect::CallbackParams;
use crate::credentials::CredentialInput;
use crate::error::Error;
use crate::ids;
use crate::templates::Values;
use app::error::AppError;
use app::methods::AuthMethod;
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
    let config = form_config(&fields);
    let label = field("label").map(str::trim).filter(|l| !l.is_empty());
    let (token, provider) = (field("token").unwrap_or(""), field("provider").unwrap_or(""));
    let started = if fields.len() > MAX_FORM_FIELDS {
        Err(Error::field("config", "too_many", "The form has too many fields."))
    } else {
        match Intent::from_input(field("intent"), field("account"), label.map(Some)) {
            Ok(intent) => state.plumb.start_authorization(token, provider, &binding, intent, &config).await,
            Err(e) => Err(e),
        }
    };
    match started {
        // A value the person entered (or the provider's settings) is wrong: back to the form.
        Err(e @ (Error::Validation(_) | Error::ProviderDisabled(_) | Error::NotConfigured(_))) => {
            back_to_widget(token, provider, Some(e))
        }
        started => redirect_to_provider(&state, started, &binding),
    }
}

/// `POST /widget/credentials`: the widget's form for a method without a sign-in page (an API
/// key, Basic credentials, client credentials). Checked to come from Plumb's own widget page,
/// like Connect. Returns to the widget, with the failure's code (and the provider's HTTP status
/// when it refused the credential) in the query: the widget shows fixed text for it.
pub async fn widget_credentials(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if from_other_site(&state, &headers) {
        return cross_site_refusal();
    }
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let token = field("token").unwrap_or_default();
    let slug = field("provider").unwrap_or_default();
    let outcome = if fields.len() > MAX_FORM_FIELDS + 5 {
        Err(Error::field("config", "too_many", "The form has too many fields."))
    } else {
        let input = CredentialInput {
            method: field("method").as_deref().and_then(AuthMethod::parse),
            api_key: field("api_key"),
            username: field("username"),
            password: field("password"),
            client_id: field("client_id"),
            client_secret: field("client_secret"),
            config: form_config(&fields),
            account_identifier: None,
        };
        match Intent::from_input(field("intent").as_deref(), field("account").as_deref(), None) {
            Ok(intent) => state.plumb.install_from_widget(&token, &slug, intent, input).await,
            Err(e) => Err(e),
        }
    };
    back_to_widget(&token, &slug, outcome.err())
}

/// The `config.<key>` fields a widget form sent, blank ones left out.
fn form_config(fields: &[(String, String)]) -> Values {
    fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("config.")?.to_string(), v.clone())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
}

/// The widget again, saying why when something failed: only the error's code (and a refused
/// credential's HTTP status) go in the query, which anyone can write.
fn back_to_widget(token: &str, slug: &str, failure: Option<Error>) -> Response {
    let mut back = url::form_urlencoded::Serializer::new(String::from("/widget?"));
    back.append_pair("token", token);
    match failure {
        None => {}
        // Without a usable widget token there is no widget to return to.
        Some(e @ Error::InvalidWidgetToken(_)) => return error_page(e),
        Some(e) => {
            let wire = AppError::from(e);
            let code = wire.errors.first().map(|f| f.code.clone());
            back.append_pair("error", code.as_deref().unwrap_or(&wire.code));
            back.append_pair("provider", slug);
            if let Some(status) = crate::credentials::rejected_status(&wire.message) {
                back.append_pair("status", &status.to_string());
            }
        }
    }
    see_other(&back.finish())
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
pub(super) fn binding(headers: &HeaderMap) -> String {
    cookie(headers, BINDING_COOKIE)
        .filter(|v| v.len() == 43 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map(str::to_owned)
        .unwrap_or_else(|| ids::random_token(32))
}

fn redirect_to_provider(state: &AppState, started: Result<url::Url, Error>, binding: &str) -> Response {
    match started {
        Ok(url) => {
            let mut response = see_other(url.as_str());
            bind_browser(state, &mut response, binding);
            response
        }
        Err(e) => error_page(e),
    }
}

/// Sets the cookie that binds the flow just started to this browser. SameSite=Lax: it must come
/// back on the provider's top-level redirect to the callback.
pub(super) fn bind_browser(state: &AppState, response: &mut Response, binding: &str) {
    set_cookie(state, response, BINDING_COOKIE, binding, "/oauth", 3600);
}

#[derive(Deserialize)]
pub struct DoneParams {
    error: Option<String>,
}

/// Where an API-started authorization ends when the backend gave no `return_to`.
/// It shows fixed text only: the query is anyone's to write (see
/// [`app::i18n::Locale::connect_failure`]).
pub async fn done(Query(params): Query<DoneParams>) -> Response {
    match params.error {
        None => html_page(StatusCode::OK, "Connected", "Your account is connected. You can close this window."),
        Some(code) => html_page(
            StatusCode::OK,
            "Could not connect",
            &format!("Could not connect the account: {}", app::i18n::Locale::En.connect_failure(&code)),
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
