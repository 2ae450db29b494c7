//! The HTTP layer: one router for the Leptos pages and server functions, the WorkOS-compatible
//! backend API, the OAuth endpoints and the static site. Tests build it in-process with
//! [`router`].

mod admin_auth;
mod api;
mod data_integrations;
mod error;
mod events;
mod oauth;
mod site;

pub use error::ApiError;

use crate::service::Plumb;
use app::error::AppError;
use app::service::SharedService;
use axum::body::Body;
use axum::extract::{FromRef, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::{Arc, OnceLock};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub plumb: Arc<Plumb>,
    pub leptos_options: LeptosOptions,
}

pub fn leptos_options(plumb: &Plumb) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(app::OUTPUT_NAME)
        .site_root(plumb.config().site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(plumb.config().addr)
        .build()
}

pub fn router(plumb: Arc<Plumb>) -> Router {
    let leptos_options = leptos_options(&plumb);
    let service: SharedService = plumb.clone();
    let for_policy = plumb.clone();
    let manifest = site::Manifest::load(&plumb.config().site_root);
    let (dashboard, widget) = (manifest.bundle(app::OUTPUT_NAME), manifest.bundle(app::WIDGET_OUTPUT_NAME));
    let site = site::service(&plumb.config().site_root, get(not_found));
    let state = AppState { plumb, leptos_options };
    let page_context = move || {
        provide_context(service.clone());
        provide_admin_identity();
        page_security_policy(&for_policy);
    };
    Router::new()
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/widgets/token", post(api::create_widget_token))
        .route("/api_keys/current", get(api::current_api_key))
        .route("/data-integrations", get(data_integrations::list).post(data_integrations::create))
        .route(
            "/data-integrations/{slug}",
            get(data_integrations::get).put(data_integrations::update).delete(data_integrations::delete),
        )
        .route("/data-integrations/{slug}/authorize", post(data_integrations::authorize))
        .route("/data-integrations/{slug}/token", post(api::get_access_token))
        .route("/events", get(events::list_events))
        .route("/webhook_endpoints", get(events::list_endpoints).post(events::create_endpoint))
        .route("/webhook_endpoints/{id}", axum::routing::patch(events::update_endpoint).delete(events::delete_endpoint))
        .route("/icons/{provider_id}", get(icon))
        .route("/oauth/authorize", post(oauth::authorize))
        .route("/oauth/start/{link}", get(oauth::start))
        .route("/oauth/done", get(oauth::done))
        .route("/oauth/callback", get(oauth::callback))
        .route("/login", post(admin_auth::sign_in))
        .route("/logout", post(admin_auth::sign_out))
        .route("/invite/{token}", post(admin_auth::accept_invite))
        .route("/dashboard/switch-environment", post(admin_auth::switch_environment))
        .leptos_routes_with_context(&state, page_routes(), page_context.clone(), move || app::shell(dashboard.clone()))
        // The widget is its own app with its own bundle and no router. Its server functions are
        // among those the call above registered (all of them), so only its page is added here.
        .route(
            "/widget",
            get(leptos_axum::render_app_to_stream_with_context(page_context, move || {
                app::widget_shell(widget.clone())
            })),
        )
        .fallback_service(site)
        .layer(middleware::from_fn_with_state(state.clone(), admin_auth::gate))
        .layer(middleware::from_fn(server_fn_status))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// The dashboard's page routes, walked out of the app once per process. Walking them runs the app
/// with resource loading suppressed through a process-wide flag (leptos_server's
/// `SuppressResourceLoad`): a page rendering on another thread at that moment gets a resource
/// that never loads and a response that never ends. One walk, finished before any router exists,
/// keeps every later router (each integration test builds one) from doing that to the pages
/// already being served.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// Server functions answer every error with 500; give each the status its code maps to
/// ([`AppError::status`]), so backends see 401, 404 and 422 like on the REST paths.
async fn server_fn_status(req: Request, next: Next) -> Response {
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

/// The signed-in admin (the gate put the session in the request), for dashboard pages and
/// server functions.
fn provide_admin_identity() {
    use leptos::prelude::use_context;
    let Some(parts) = use_context::<axum::http::request::Parts>() else { return };
    let session = parts.extensions.get::<crate::admins::Session>().cloned();
    let environment = parts.extensions.get::<crate::store::Environment>().cloned();
    if let (Some(s), Some(env)) = (session, environment) {
        provide_context(app::model::AdminIdentity {
            session_id: s.id,
            admin_id: s.admin_id,
            email: s.email,
            csrf_token: s.csrf_token,
            environment_id: env.id,
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
/// WebAssembly compilation for the hydrated bundle, and no framing except of the widget by the
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
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
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
async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Widget URLs carry a token: never send them to another origin. The OAuth callback, whose
    // URL carries a code, sends no referrer at all.
    headers.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
    ));
    response
}

/// A provider's icon. Icons are checked images, but an SVG is still markup: the sandbox policy
/// keeps it inert even when opened directly.
async fn icon(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::Path(provider_id): axum::extract::Path<String>,
) -> Response {
    match state.plumb.store().icon(&provider_id).await {
        Ok(Some((content_type, data))) => {
            let mut response = data.into_response();
            let headers = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
            );
            response
        }
        Ok(None) => {
            ApiError::from(AppError::new(app::error::codes::NOT_FOUND, format!("{provider_id:?} has no icon.")))
                .into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// 404 in the caller's language: a page for browsers, JSON for everything else.
async fn not_found(req: Request) -> Response {
    let wants_html =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    if wants_html {
        return oauth::html_page(StatusCode::NOT_FOUND, "Page not found", "There is nothing at this address.");
    }
    ApiError::from(AppError::new(app::error::codes::NOT_FOUND, format!("Nothing at {}.", req.uri().path())))
        .into_response()
}
