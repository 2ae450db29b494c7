//! `/_widgets/…`: the API the official WorkOS widgets call from the application's pages
//! (`<Pipes/>` and `<PipesAdmin/>` of `@workos-inc/widgets` 1.18; `shared` reference
//! `workos-pipes-api-12.md` §7), so an application moving from WorkOS keeps its UI and changes
//! only the API host.
//!
//! Every request carries a widget token (`Authorization: Bearer`): it names the viewer, their
//! organization, the environment and the permissions, and is checked like every widget action
//! ([`crate::widget_api`]). Browsers reach it across origins, so every path answers CORS
//! (preflight included, and on errors, or the widgets would see a network failure instead of
//! the status) for the origins an environment lists in its widget API origins; the request is
//! then held to its own token's environment's list. An invalid or expired token is 403 here,
//! not 401: the widgets fetch a fresh token on 403 only, and tell an expired one by its `exp`.

use super::data_integrations::{boolean, object, string, strings};
use super::error::ApiError;
use super::extract::ApiJson;
use super::provider_access::config_values;
use super::state::AppState;
use super::widgets_json as shapes;
use crate::credentials::CredentialInput;
use crate::error::Error;
use crate::organizations::OrganizationChange;
use crate::providers::Ownership;
use crate::widget_tokens::Claims;
use app::methods::AuthMethod;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

/// The headers the widgets send (`x-elevated-access-token` by other widgets of the package).
const ALLOWED_HEADERS: &str =
    "authorization, content-type, workos-widgets-version, workos-widgets-type, x-elevated-access-token";

/// How long a browser may reuse a preflight's answer (Chromium caps it at two hours).
const MAX_AGE_SECS: &str = "7200";

/// The routes, with CORS around every one of them and a catch-all so that an unknown path gets
/// its 404 with CORS headers too.
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/_widgets/settings", get(settings))
        .route("/_widgets/UserManagement/organizations", get(organizations))
        .route("/_widgets/DataIntegrations/mine", get(mine))
        .route("/_widgets/DataIntegrations/shared-connections", get(shared_connections))
        .route("/_widgets/DataIntegrations/configurations", get(configurations))
        .route("/_widgets/DataIntegrations/organization", get(organization_integrations))
        .route("/_widgets/DataIntegrations/installations/{installation_id}", delete(disconnect))
        .route(
            "/_widgets/DataIntegrations/organization/installations/{installation_id}",
            delete(disconnect_organization),
        )
        .route("/_widgets/DataIntegrations/{slug}/authorize", post(authorize))
        .route("/_widgets/DataIntegrations/{slug}/api-key", put(api_key))
        .route("/_widgets/DataIntegrations/{slug}/client-credentials", put(client_credentials))
        .route("/_widgets/DataIntegrations/{slug}/configuration", put(configure))
        .route("/_widgets/DataIntegrations/{slug}/organization/configuration", put(configure_organization))
        .route("/_widgets/DataIntegrations/{slug}/organization/authorize", post(authorize_organization))
        .route("/_widgets/DataIntegrations/{slug}/organization/api-key", put(organization_api_key))
        .route(
            "/_widgets/DataIntegrations/{slug}/organization/client-credentials",
            put(organization_client_credentials),
        )
        .route("/_widgets/{*rest}", any(unknown))
        // Set here, under the layer, so that CORS wraps it: a preflight (OPTIONS) reaches the
        // layer through it, and a 405 carries the headers too. (The outer router's own only
        // replaces a route's default one, which would not be wrapped.)
        .method_not_allowed_fallback(super::pages::method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), cors))
}

/// A failure on these paths: our `{code, message}` body, except that a bad or expired widget
/// token is 403 (see the module's comment).
pub struct WidgetError(Error);

impl From<Error> for WidgetError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl IntoResponse for WidgetError {
    fn into_response(self) -> Response {
        let token_refused = matches!(self.0, Error::InvalidWidgetToken(_));
        let mut response = ApiError::from(self.0).into_response();
        if token_refused {
            *response.status_mut() = StatusCode::FORBIDDEN;
            response.headers_mut().remove(header::WWW_AUTHENTICATE);
        }
        response
    }
}

type Answer = Result<Json<Value>, WidgetError>;

/// The widget token's claims, checked (signature, expiry, the key that minted it) and held to
/// the environment's widget API origins.
pub struct Viewer(pub Claims);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = WidgetError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && token.len() <= 4096)
            .map(|(_, token)| token.trim())
            .ok_or(Error::InvalidWidgetToken("Send the widget token: \"Authorization: Bearer <widget token>\"."))?;
        let claims = state.plumb.widget_session(token).await?;
        state.plumb.check_widget_origin(&claims, origin(&parts.headers)).await?;
        Ok(Self(claims))
    }
}

fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// CORS for the origins any environment lists; the request itself is then held to its token's
/// environment by [`Viewer`]. A preflight from any other origin is refused, and other answers
/// to it carry no `Access-Control-Allow-Origin`, so its page cannot read them.
async fn cors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let origin = origin(req.headers()).filter(|o| o.len() <= 512).map(str::to_owned);
    let allowed = match &origin {
        None => false,
        Some(o) => match state.plumb.any_widget_origin(o).await {
            Ok(allowed) => allowed,
            Err(e) => return ApiError::from(e).into_response(),
        },
    };
    let mut response = if req.method() == Method::OPTIONS {
        if origin.is_some() && !allowed {
            WidgetError(Error::Forbidden(
                "This origin may not call Plumb's widget API. Add it to an environment's widget API origins in \
                 Plumb's dashboard.",
            ))
            .into_response()
        } else {
            let mut ok = StatusCode::NO_CONTENT.into_response();
            let h = ok.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, DELETE"));
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOWED_HEADERS));
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE_SECS));
            h.insert(header::ALLOW, HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"));
            ok
        }
    } else {
        next.run(req).await
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(value) = origin.filter(|_| allowed).and_then(|o| HeaderValue::from_str(&o).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    response
}

async fn unknown(req: Request) -> WidgetError {
    WidgetError(Error::NotFound(format!("Nothing at {}.", req.uri().path())))
}

/// `GET /_widgets/settings`: where the connect popup opens (Plumb's own origin, which serves
/// the hand-off page) and the name the connect dialog gives the application, which Plumb does
/// not know (so the widgets' own wording).
async fn settings(State(state): State<AppState>, Viewer(_): Viewer) -> Answer {
    Ok(Json(json!({"object": "settings", "authkitOrigin": state.plumb.own_origin(), "teamName": "This application"})))
}

/// `GET /_widgets/UserManagement/organizations`: the viewer's organization (Plumb knows its id,
/// not its name).
async fn organizations(Viewer(claims): Viewer) -> Answer {
    let data: Vec<Value> = claims.org.iter().map(|org| json!({"id": org, "name": org, "current": true})).collect();
    Ok(Json(json!({ "data": data })))
}

fn urls(state: &AppState) -> (&str, String) {
    let config = state.plumb.config();
    (config.public_url.as_str(), config.redirect_uri())
}

/// `GET /_widgets/DataIntegrations/mine`: the providers each user connects for themselves,
/// those the organization has not turned off, and any the viewer is still connected to (to
/// disconnect it). Organization-owned ones are the shared connections.
async fn mine(State(state): State<AppState>, Viewer(claims): Viewer) -> Answer {
    let viewed = state.plumb.widget_providers(&claims, Ownership::User).await?;
    let data: Vec<Value> = viewed
        .iter()
        .filter(|v| v.effective.enabled || !v.accounts.is_empty())
        .map(|v| shapes::integration(v, urls(&state).0))
        .collect();
    Ok(Json(json!({ "data": data })))
}

/// `GET /_widgets/DataIntegrations/shared-connections`: the organization's connections, as
/// its members see them.
async fn shared_connections(State(state): State<AppState>, Viewer(claims): Viewer) -> Answer {
    let viewed = state.plumb.widget_providers(&claims, Ownership::Organization).await?;
    let data: Vec<Value> = viewed
        .iter()
        .filter(|v| !v.accounts.is_empty())
        .map(|v| shapes::shared_connection(v, urls(&state).0))
        .collect();
    Ok(Json(json!({ "data": data })))
}

/// `GET /_widgets/DataIntegrations/configurations` (managers): the per-user providers the
/// environment offers, as the organization has them configured.
async fn configurations(State(state): State<AppState>, Viewer(claims): Viewer) -> Answer {
    state.plumb.managed_organization(&claims)?;
    let viewed = state.plumb.widget_providers(&claims, Ownership::User).await?;
    let (public_url, redirect_uri) = urls(&state);
    let data: Vec<Value> =
        viewed.iter().filter(|v| v.root.enabled).map(|v| shapes::configuration(v, public_url, &redirect_uri)).collect();
    Ok(Json(json!({ "data": data })))
}

/// `GET /_widgets/DataIntegrations/organization` (managers): the organization-owned providers
/// with the organization's connection and settings.
async fn organization_integrations(State(state): State<AppState>, Viewer(claims): Viewer) -> Answer {
    state.plumb.managed_organization(&claims)?;
    let viewed = state.plumb.widget_providers(&claims, Ownership::Organization).await?;
    let (public_url, redirect_uri) = urls(&state);
    let data: Vec<Value> =
        viewed.iter().map(|v| shapes::organization_integration(v, public_url, &redirect_uri)).collect();
    Ok(Json(json!({ "data": data })))
}

/// The authorize answer: Plumb's hand-off page, and the two tokens only this widget learns.
async fn start(state: &AppState, claims: &Claims, slug: &str, organization_root: bool, body: Value) -> Answer {
    let allowed: &[&str] = if organization_root { &["config"] } else { &["requireHandoff", "config"] };
    let map = object(body, allowed, "")?;
    boolean(&map, "requireHandoff", "requireHandoff")?;
    let handoff = state.plumb.start_handoff(claims, slug, organization_root, config_values(&map)?).await?;
    Ok(Json(
        json!({"url": handoff.url, "redirectToken": handoff.redirect_token, "handoffToken": handoff.handoff_token}),
    ))
}

/// `POST /_widgets/DataIntegrations/{slug}/authorize` `{requireHandoff, config}`.
async fn authorize(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Viewer(claims): Viewer,
    ApiJson(body): ApiJson<Value>,
) -> Answer {
    start(&state, &claims, &slug, false, body).await
}

/// `POST /_widgets/DataIntegrations/{slug}/organization/authorize` `{config}` (managers).
async fn authorize_organization(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Viewer(claims): Viewer,
    ApiJson(body): ApiJson<Value>,
) -> Answer {
    state.plumb.managed_organization(&claims)?;
    start(&state, &claims, &slug, true, body).await
}

/// A key (`{secret}`) or client credentials (`{client_id, client_secret, config}`) from the
/// widget, stored as the viewer's or the organization's connection.
async fn install(state: &AppState, claims: &Claims, slug: &str, organization_root: bool, input: Input) -> Answer {
    let input = match input {
        Input::Key(body) => {
            let map = object(body, &["secret"], "")?;
            CredentialInput {
                method: Some(AuthMethod::ApiKey),
                api_key: string(&map, "secret", "secret")?,
                ..Default::default()
            }
        }
        Input::ClientCredentials(body) => {
            let map = object(body, &["client_id", "client_secret", "config"], "")?;
            CredentialInput {
                method: Some(AuthMethod::ClientCredentials),
                client_id: string(&map, "client_id", "client_id")?,
                client_secret: string(&map, "client_secret", "client_secret")?,
                config: config_values(&map)?,
                ..Default::default()
            }
        }
    };
    let connection = state.plumb.install_from_widget_api(claims, slug, organization_root, input).await?;
    Ok(Json(shapes::installation(&connection)))
}

enum Input {
    Key(Value),
    ClientCredentials(Value),
}

/// `PUT /_widgets/DataIntegrations/{slug}/api-key` `{secret}`.
async fn api_key(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Viewer(claims): Viewer,
    ApiJson(body): ApiJson<Value>,
) -> Answer {
    install(&state, &claims, &slug, false, Input::Key(body)).await
}

/// `PUT /_widgets/DataIntegrations/{slug}/organization/api-key` `{secret}` (managers).
async fn organization_api_key(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Viewer(claims): Viewer,
    ApiJson(body): ApiJson<Value>,
) -> Answer {
    install(&state, &claims, &slug, true, Input::Key(body)).await
}

/// `PUT /_widgets/DataIntegrations/{slug}/client-credentials`.
async fn client_credentials(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Viewer(claims): Viewer,
    ApiJson(body): ApiJson<Value>,
) -> Answer {
    install(&state, &claims, &slug, false, Input::ClientCredentials(body)).await
}

/// `PUT /_widgets/DataIntegrations/{slug}/organization/client-credentials` (managers).
async fn organization_client_credentials(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Viewer(claims): Viewer,
    ApiJson(body): ApiJson<Value>,
) -> Answer {
    install(&state, &claims, &slug, true, Input::ClientCredentials(body)).await
}

/// `DELETE /_widgets/DataIntegrations/installations/{id}` → `{"success": true}`.
async fn disconnect(State(state): State<AppState>, Path(id): Path<String>, Viewer(claims): Viewer) -> Answer {
    state.plumb.disconnect_from_widget(&claims, &id, false).await?;
    Ok(Json(json!({"success": true})))
}

/// `DELETE /_widgets/DataIntegrations/organization/installations/{id}` (managers).
async fn disconnect_organization(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Viewer(claims): Viewer,
) -> Answer {
    state.plumb.disconnect_from_widget(&claims, &id, true).await?;
    Ok(Json(json!({"success": true})))
}

/// `<PipesAdmin/>`' configuration body (`{enabled, scopes, client_id, client_secret, config}`)
/// as a change to the organization's settings.
fn change(body: Value) -> Result<OrganizationChange, Error> {
    let map = object(body, &["enabled", "scopes", "client_id", "client_secret", "config"], "")?;
    let scopes = match map.get("scopes") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(_) => Some(strings(&map, "scopes", "scopes")?),
    };
    if scopes.as_ref().and_then(|s| s.as_ref()).is_some_and(|s| s.len() > 100) {
        return Err(Error::field("scopes", "too_many", "Choose at most 100 scopes."));
    }
    Ok(OrganizationChange {
        enabled: boolean(&map, "enabled", "enabled")?,
        scopes,
        client_id: string(&map, "client_id", "client_id")?,
        client_secret: string(&map, "client_secret", "client_secret")?,
        config: if map.contains_key("config") { Some(config_values(&map)?) } else { None },
        remove_app: false,
    })
}

/// `PUT /_widgets/DataIntegrations/{slug}/configuration` (managers): the organization's
/// settings for a per-user provider.
async fn configure(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Viewer(claims): Viewer,
    ApiJson(body): ApiJson<Value>,
) -> Answer {
    state.plumb.managed_organization(&claims)?;
    let viewed = state.plumb.configure_from_widget(&claims, &slug, Ownership::User, change(body)?).await?;
    let (public_url, redirect_uri) = urls(&state);
    Ok(Json(shapes::configuration(&viewed, public_url, &redirect_uri)))
}

/// `PUT /_widgets/DataIntegrations/{slug}/organization/configuration` (managers): the
/// organization's settings for an organization-owned provider.
async fn configure_organization(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Viewer(claims): Viewer,
    ApiJson(body): ApiJson<Value>,
) -> Answer {
    state.plumb.managed_organization(&claims)?;
    let viewed = state.plumb.configure_from_widget(&claims, &slug, Ownership::Organization, change(body)?).await?;
    let (public_url, redirect_uri) = urls(&state);
    Ok(Json(shapes::organization_integration(&viewed, public_url, &redirect_uri)))
}
