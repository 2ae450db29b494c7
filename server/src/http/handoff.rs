//! The pages of the official WorkOS widgets' connect popup ([`crate::handoff`]):
//! `GET /pipes/redirecting` (the popup's page, first empty, then with the link), its
//! `POST /pipes/handoff` (the tokens it received, checked, and the flow started in this
//! browser), and `GET /pipes/done` where the provider's redirect ends.
//!
//! Neither page sends `Cross-Origin-Opener-Policy`: the popup must keep its `opener` to receive
//! the tokens and answer. Their scripts are inline, allowed by hash alone.

use super::connect::{bind_browser, binding};
use super::error::ApiError;
use super::extract::ApiJson;
use super::responses::{from_other_site, page};
use super::state::AppState;
use crate::error::Error;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The popup's script. With no `link` it is the placeholder the widget opens before it knows
/// where to go. With one, it waits for the opener's `{handoffToken, redirectToken}`, hands them
/// to Plumb with the opener's origin, answers the opener with the redirect token (so it stops
/// posting) and goes on to the provider. Only the first well-formed message from the opener
/// counts.
const HANDOFF_SCRIPT: &str = r#"(function () {
  var link = new URLSearchParams(location.search).get("link");
  var status = document.getElementById("status");
  if (!link) return;
  if (!window.opener) {
    status.textContent = "Open this window from the application's Connect button.";
    return;
  }
  var started = false;
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (started || event.source !== window.opener || !data) return;
    if (typeof data.redirectToken !== "string" || typeof data.handoffToken !== "string") return;
    started = true;
    fetch("/pipes/handoff", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ link: link, redirectToken: data.redirectToken, handoffToken: data.handoffToken, origin: event.origin })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (!answer.ok) {
        status.textContent = answer.body.message || "Could not connect. Close this window and try again.";
        return;
      }
      window.opener.postMessage({ redirectToken: data.redirectToken }, event.origin);
      location.replace(answer.body.url);
    }).catch(function () {
      status.textContent = "Could not reach Plumb. Close this window and try again.";
    });
  });
})();"#;

/// Closes the popup once its account is connected: the widget's page gets the focus back and
/// refreshes its list.
const CLOSE_SCRIPT: &str = "window.close();";

/// A page in Plumb's layout with one inline script, which its Content-Security-Policy allows
/// by hash and nothing else: `connect-src 'self'` for the hand-off's request.
fn script_page(title: &str, body_html: &str, script: &str) -> Response {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
    let mut response = page(StatusCode::OK, title, &format!("{body_html}<script>{script}</script>"));
    let csp = format!(
        "default-src 'none'; script-src 'sha256-{hash}'; connect-src 'self'; style-src 'self'; img-src 'self' data:; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// `GET /pipes/redirecting`: the popup's page. Its URL carries the link, so it is sent to no
/// other origin (`Referrer-Policy: same-origin`, which every page has).
pub async fn redirecting() -> Response {
    script_page("Connecting", "<p id=\"status\" role=\"status\">Connecting your account…</p>", HANDOFF_SCRIPT)
}

/// What the popup's page sends: the link from its URL, the opener's two tokens and origin.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandoffBody {
    link: String,
    redirect_token: String,
    handoff_token: String,
    origin: String,
}

/// `POST /pipes/handoff`: only the popup's own page may send it (same origin). Answers the
/// provider URL to go to, and binds the flow to this browser with the usual cookie.
pub async fn handoff(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<HandoffBody>,
) -> Response {
    if from_other_site(&state, &headers) {
        return ApiError::from(Error::Forbidden("Only Plumb's own connect window may send this.")).into_response();
    }
    let binding = binding(&headers);
    let started =
        state.plumb.finish_handoff(&body.link, &body.redirect_token, &body.handoff_token, &body.origin, &binding).await;
    match started {
        Ok(url) => {
            let mut response = Json(serde_json::json!({ "url": url.as_str() })).into_response();
            bind_browser(&state, &mut response, &binding);
            response
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct DoneParams {
    error: Option<String>,
}

/// `GET /pipes/done`: where a flow the popup started ends. Connected, it closes itself; a
/// failure shows fixed text for its code (the query is anyone's to write).
pub async fn done(Query(params): Query<DoneParams>) -> Response {
    match params.error {
        None => script_page(
            "Connected",
            "<p role=\"status\">Your account is connected. You can close this window.</p>",
            CLOSE_SCRIPT,
        ),
        Some(code) => super::responses::html_page(
            StatusCode::OK,
            "Could not connect",
            &format!("Could not connect the account: {}", app::i18n::Locale::En.connect_failure(&code)),
        ),
    }
}
