//! The OpenAPI 3.1 document of every API-key endpoint (the WorkOS-compatible API and Plumb's
//! additions) and the operators' checks, served at `/openapi.json`, and its readable rendering
//! at `/docs/api`. Built once per router from the `utoipa` declarations in the child modules,
//! with this build's version and the configured public URL as its server.

mod accounts;
mod integrations;
mod platform;
mod reference;
mod relay;
mod schemas;
mod widgets;

use axum::body::Bytes;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, OnceLock};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Plumb API",
        description = "Plumb's backend API: the WorkOS Pipes-compatible endpoints an unmodified \
            `@workos-inc/node` SDK calls, and Plumb's additions (the relay, credentials for every \
            connection method, organization settings). Every operation outside *Operations* takes \
            `Authorization: Bearer <API key>`, and sees only that key's environment. Errors are \
            JSON `{code, message, errors?}` (`docs/workos-api.md` §2); besides the statuses listed, \
            any operation may answer 405 `method_not_allowed`, 408 `request_timeout` and 500 \
            `internal_error`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        integrations::list_data_integrations,
        integrations::create_data_integration,
        integrations::get_data_integration,
        integrations::update_data_integration,
        integrations::delete_data_integration,
        integrations::authorize_data_integration,
        integrations::finish_connection,
        integrations::get_organization_data_integration,
        integrations::update_organization_data_integration,
        integrations::delete_organization_data_integration,
        integrations::get_access_token,
        integrations::get_credential,
        integrations::create_api_key,
        integrations::update_api_key,
        integrations::create_client_credentials,
        integrations::update_client_credentials,
        accounts::get_user_connected_account,
        accounts::import_user_connected_account,
        accounts::update_user_connected_account,
        accounts::delete_user_connected_account,
        accounts::get_organization_connected_account,
        accounts::import_organization_connected_account,
        accounts::update_organization_connected_account,
        accounts::delete_organization_connected_account,
        accounts::list_user_data_providers,
        accounts::list_organization_data_providers,
        platform::create_widget_token,
        platform::current_api_key,
        platform::list_events,
        platform::list_webhook_endpoints,
        platform::create_webhook_endpoint,
        platform::update_webhook_endpoint,
        platform::delete_webhook_endpoint,
        relay::relay_path,
        relay::relay_url,
        widgets::widget_mine,
        widgets::widget_settings,
        widgets::widget_shared_connections,
        widgets::widget_organizations,
        widgets::widget_authorize,
        widgets::widget_api_key,
        widgets::widget_client_credentials,
        widgets::widget_disconnect,
        widgets::widget_configurations,
        widgets::widget_configure,
        widgets::widget_organization_integrations,
        widgets::widget_configure_organization,
        widgets::widget_authorize_organization,
        widgets::widget_organization_api_key,
        widgets::widget_organization_client_credentials,
        widgets::widget_disconnect_organization,
        platform::healthz,
        platform::readyz,
        platform::openapi_json,
    ),
    // The error responses' schema: utoipa collects the schemas operations name, not those
    // of reusable responses.
    components(schemas(app::error::AppError), responses(
        schemas::Unauthorized,
        schemas::BadRequest,
        schemas::NotFound,
        schemas::Conflict,
        schemas::PayloadTooLarge,
        schemas::ValidationFailed,
        schemas::ProviderError,
        schemas::ProviderUnavailable,
        widgets::Forbidden,
    )),
    tags(
        (name = "Data integrations", description = "Providers, authorizations and organization settings."),
        (name = "Tokens and credentials", description = "Fresh tokens, and connections made with API keys, Basic or client credentials."),
        (name = "Connected accounts", description = "A user's or an organization's connections."),
        (name = "Relay", description = "Calls to a provider's API with the connection's credential attached (`docs/relay.md`)."),
        (name = "Widgets", description = "Tokens for Plumb's connection widget."),
        (name = "Widget API", description = "What the official WorkOS widgets (`<Pipes/>`, `<PipesAdmin/>` of \
            `@workos-inc/widgets`) call from the application's pages: `Authorization: Bearer <widget token>` \
            instead of an API key, and CORS for the environment's widget API origins."),
        (name = "Events and webhooks", description = "The event log and where events are delivered."),
        (name = "API keys", description = "The calling key."),
        (name = "Operations", description = "Checks for operators and tools; no API key."),
    ),
)]
struct ApiDoc;

/// The name of the security scheme every API-key operation requires.
const API_KEY: &str = "api_key";

/// The widget API's instead: a widget token from `POST /widgets/token`.
const WIDGET_TOKEN: &str = "widget_token";

/// The document for a Plumb reached at `public_url`.
pub fn document(public_url: &str) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc.servers = Some(vec![Server::new(public_url.trim_end_matches('/'))]);
    relay::every_method(&mut doc);
    let scheme = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .description(Some("A Plumb API key: `sk_test_…` (sandbox) or `sk_live_…` (production)."))
        .build();
    doc.components.get_or_insert_with(Default::default).add_security_scheme(API_KEY, SecurityScheme::Http(scheme));
    let widget_scheme = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .description(Some("A widget token from `POST /widgets/token`: one user (and organization) of one environment."))
        .build();
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(WIDGET_TOKEN, SecurityScheme::Http(widget_scheme));
    // Every operation takes the key except the operators' checks: set per operation rather than
    // document-wide, so those need no override.
    let requirement = SecurityRequirement::new(API_KEY, Vec::<String>::new());
    let widget_requirement = SecurityRequirement::new(WIDGET_TOKEN, Vec::<String>::new());
    for (path, item) in doc.paths.paths.iter_mut() {
        let widget_api = path.starts_with("/_widgets/");
        if let Some(post) = item.post.as_mut() {
            // Idempotency-Key goes with an API key, which the widget API does not take.
            if !path.starts_with("/relay") && !widget_api && !super::idempotency::safe_to_repeat(path) {
                post.parameters.get_or_insert_with(Vec::new).push(idempotency_key());
            }
        }
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            let public = operation.tags.as_ref().is_some_and(|t| t.iter().any(|t| t == platform::OPERATIONS));
            if widget_api {
                operation.security = Some(vec![widget_requirement.clone()]);
            } else if !public {
                operation.security = Some(vec![requirement.clone()]);
            }
        }
    }
    doc
}

/// The `Idempotency-Key` header a POST that creates takes (README, "Operating Plumb").
fn idempotency_key() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Retries with the same key and request get the first answer (kept 24 hours, marked \
             `Idempotent-Replayed: true`); the key with another request is 422 \
             `idempotency_key_reused`, and while the first still runs 409 `idempotency_key_in_use`.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(255))))
        .build()
}

/// The document and its rendering for one router, each made on first request and kept.
#[derive(Clone)]
pub struct Document {
    public_url: Arc<str>,
    json: Arc<OnceLock<Bytes>>,
    html: Arc<OnceLock<String>>,
}

impl Document {
    pub fn new(public_url: &str) -> Self {
        Self { public_url: public_url.into(), json: Default::default(), html: Default::default() }
    }

    fn json(&self) -> &Bytes {
        self.json.get_or_init(|| {
            // A document made of our own types always serializes; an empty object would only
            // mean a bug in utoipa, which the integration test would catch.
            Bytes::from(document(&self.public_url).to_json().unwrap_or_else(|_| "{}".into()))
        })
    }

    /// `GET /openapi.json`.
    pub fn json_response(&self) -> Response {
        let mut response = self.json().clone().into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }

    /// `GET /docs/api`: the document as a plain HTML page.
    pub fn html_response(&self) -> Response {
        let html = self.html.get_or_init(|| {
            let value: serde_json::Value = serde_json::from_slice(self.json()).unwrap_or_default();
            reference::page(&value)
        });
        let mut response = html.clone().into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        response
    }
}
