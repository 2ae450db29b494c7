//! The HTTP layer: one router for the Leptos pages and server functions, the WorkOS-compatible
//! backend API, the OAuth pages and the static site. Handlers read what they need through
//! extractors ([`extract`]), call [`Plumb`] and map its errors once ([`error`]); none reads the
//! store. Tests build the whole router in-process with [`router`].

mod api_keys;
mod connect;
mod connected_accounts;
mod credentials;
mod dashboard_auth;
mod data_integrations;
mod error;
mod events;
mod extract;
mod handoff;
mod icons;
mod idempotency;
mod openapi;
mod organization_config;
mod pages;
mod provider_access;
mod relay;
mod relay_body;
mod request_id;
mod responses;
mod serve;
mod server_fns;
mod site;
mod site_cache;
mod state;
mod tokens;
mod webhook_endpoints;
mod widget_page;
mod widgets_api;
mod widgets_json;

pub use error::ApiError;
pub use serve::{raise_open_files_limit, serve, Limits};
pub use state::{leptos_options, AppState};

use crate::plumb::Plumb;
use app::service::SharedService;
use axum::extract::{Query, Request, State};
use axum::middleware;
use axum::routing::{any, get, patch, post};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::LeptosRoutes;
use std::sync::Arc;

pub fn router(plumb: Arc<Plumb>) -> Router {
    let leptos_options = leptos_options(&plumb);
    let service: SharedService = Arc::new(server_fns::ServerFns::new(plumb.clone()));
    let for_pages = plumb.clone();
    let manifest = site::Manifest::load(&plumb.config().site_root);
    let (dashboard, widget) = (manifest.bundle(app::OUTPUT_NAME), manifest.bundle(app::WIDGET_OUTPUT_NAME));
    let site = site::service(&plumb.config().site_root, any(pages::not_found));
    let api_doc = openapi::Document::new(&plumb.config().public_url);
    let state = AppState { plumb, leptos_options };
    let page_context = move || {
        provide_context(service.clone());
        pages::provide_page_context(&for_pages);
    };
    // The relay streams for as long as its own limits allow (`PLUMB_RELAY_*`), so it sits
    // outside the request timeout; it takes API keys only, so outside the dashboard's gate.
    let relay = Router::new()
        .route("/relay", any(relay::relay))
        .route("/relay/{*rest}", any(relay::relay))
        .with_state(state.clone());
    Router::new()
        .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
        .route("/readyz", get(pages::ready))
        // The API's OpenAPI document and its readable rendering (no API key: the API's shape is
        // no secret).
        .route(
            "/openapi.json",
            get({
                let doc = api_doc.clone();
                move || async move { doc.json_response() }
            }),
        )
        .route("/docs/api", get(move || async move { api_doc.html_response() }))
        .route("/widgets/token", post(tokens::create_widget_token))
        .route("/api_keys/current", get(api_keys::current))
        .route("/data-integrations", get(data_integrations::list).post(data_integrations::create))
        .route(
            "/data-integrations/{slug}",
            get(data_integrations::get).put(data_integrations::update).delete(data_integrations::delete),
        )
        .route("/data-integrations/{slug}/authorize", post(data_integrations::authorize))
        .route(
            "/data-integrations/{slug}/organization",
            get(organization_config::get).put(organization_config::update).delete(organization_config::delete),
        )
        // A literal beside `{slug}`: the router tries it first (a provider may not be called
        // "finish"; see provider_rules).
        .route("/data-integrations/finish", post(connected_accounts::finish))
        .route("/data-integrations/{slug}/token", post(tokens::get_access_token))
        .route("/data-integrations/{slug}/credentials", post(credentials::vend))
        .route("/data-integrations/{slug}/api-key", post(credentials::api_key).put(credentials::api_key))
        .route(
            "/data-integrations/{slug}/client-credentials",
            post(credentials::client_credentials).put(credentials::client_credentials),
        )
        // Connected accounts: one handler per method for the user and organization roots.
        .route("/user_management/users/{user_id}/connected_accounts/{slug}", connected_accounts::methods())
        .route("/organizations/{organization_id}/connected_accounts/{slug}", connected_accounts::methods())
        .route("/user_management/users/{user_id}/data_providers", get(connected_accounts::data_providers))
        .route("/organizations/{organization_id}/data_providers", get(connected_accounts::data_providers))
        .route("/events", get(events::list))
        .route("/webhook_endpoints", get(webhook_endpoints::list).post(webhook_endpoints::create))
        .route("/webhook_endpoints/{id}", patch(webhook_endpoints::update).delete(webhook_endpoints::delete))
        .route("/icons/{provider_id}", get(icons::icon))
        // One segment deeper than a provider's icon, so the two never compete for a path.
        .route("/icons/catalog/{slug}", get(icons::catalog_icon))
        .route("/oauth/authorize", post(connect::authorize))
        .route("/widget/credentials", post(connect::widget_credentials))
        .route("/oauth/start/{link}", get(connect::confirm_start).post(connect::start))
        .route("/oauth/done", get(connect::done))
        .route("/oauth/callback", get(connect::callback))
        // The official WorkOS widgets' connect popup, and their API (CORS on every path).
        .route("/pipes/redirecting", get(handoff::redirecting))
        .route("/pipes/handoff", post(handoff::handoff))
        .route("/pipes/done", get(handoff::done))
        .merge(widgets_api::routes(&state))
        .route("/login", post(dashboard_auth::sign_in))
        .route("/logout", post(dashboard_auth::sign_out))
        .route("/invite/{token}", post(dashboard_auth::accept_invite))
        .route("/dashboard/switch-environment", post(dashboard_auth::switch_environment))
        .leptos_routes_with_context(&state, pages::page_routes(), page_context.clone(), move || {
            app::shell(dashboard.clone())
        })
        // The widget is its own app with its own bundle and no router. Its server functions are
        // among those the call above registered (all of them), so only its pages are added here:
        // the data is loaded first, then the page rendered around it (widget_page).
        .route(
            "/widget",
            get(move |State(state): State<AppState>, Query(query): Query<widget_page::PageQuery>, request: Request| {
                let (page_context, bundle) = (page_context.clone(), widget.clone());
                async move {
                    let (data, chrome) = widget_page::load(&state.plumb, &query, request.headers()).await;
                    let render = leptos_axum::render_app_to_stream_with_context(
                        move || {
                            page_context();
                            provide_context(data.clone());
                            provide_context(chrome.clone());
                        },
                        move || app::widget_shell(bundle.clone()),
                    );
                    render(request).await
                }
            }),
        )
        .route("/widget/version", get(widget_page::version_of))
        .fallback_service(site)
        .method_not_allowed_fallback(pages::method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), dashboard_auth::gate))
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::replay))
        .layer(middleware::from_fn(pages::server_fn_status))
        .layer(middleware::from_fn_with_state(state.clone(), pages::security_headers))
        // Outermost: a request that takes too long, reading its body included, gets 408.
        .layer(middleware::from_fn_with_state(state.clone(), pages::request_timeout))
        .with_state(state)
        .merge(relay)
        .layer(middleware::from_fn(request_id::tag))
}

/// The metrics listener's only route (`PLUMB_METRICS_ADDR`).
pub fn metrics_router(plumb: Arc<Plumb>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || async move {
            let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
            ([(axum::http::header::CONTENT_TYPE, content_type)], plumb.metrics_text())
        }),
    )
}
