//! The OpenAPI document (`/openapi.json`) against the router that serves the API:
//!
//! - every route the router serves is documented with exactly the methods it answers, or is
//!   listed below as browser-only;
//! - every documented operation answers on the real router, with an API key and fixtures, with
//!   a status the document lists for it (never 404, 405 or 500), and each JSON answer has the
//!   documented shape (no field the document does not name, every required one present);
//! - the document passes a real validator, `@apidevtools/swagger-parser` (installed by `make
//!   test`'s `deps-npm`); a missing `node` or package fails the test instead of skipping it;
//! - `/docs/api` renders every operation.

use crate::support::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Routes for browsers, not for API keys: they are pages, forms or images a browser loads, and
/// stay out of the document. A route in neither the document nor this list fails the test.
/// (Leptos's page routes and `/api/…` server functions are registered by `leptos_axum`, not by
/// `.route` calls, and are the dashboard's and the widget's own.)
const BROWSER_ONLY: &[(&str, &str)] = &[
    ("/icons/{provider_id}", "a provider's icon, for the dashboard and the widget"),
    ("/icons/catalog/{slug}", "a catalog entry's icon"),
    ("/oauth/authorize", "the widget's connect form (widget token)"),
    ("/widget/credentials", "the widget's credential form (widget token)"),
    ("/oauth/start/{link}", "the confirmation page an authorize link opens"),
    ("/oauth/done", "the page a flow without return_to ends on"),
    ("/oauth/callback", "the provider's redirect back"),
    ("/login", "the dashboard's sign-in form"),
    ("/logout", "the dashboard's sign-out form"),
    ("/invite/{token}", "an admin invitation's form"),
    ("/dashboard/switch-environment", "the dashboard's environment switch"),
    ("/pipes/redirecting", "the official WorkOS widgets' connect popup page"),
    ("/pipes/handoff", "that popup page's own request, same origin only"),
    ("/pipes/done", "the page that popup's flow ends on"),
    ("/_widgets/{*rest}", "the widget API's catch-all: any other path's 404, with CORS headers"),
    ("/widget", "the widget page"),
    ("/widget/version", "what a framed widget asks to tell when a connect in another tab finished (widget token)"),
    ("/docs/api", "this document, rendered for people"),
    ("/metrics", "Prometheus metrics, served on the metrics listener (PLUMB_METRICS_ADDR) only"),
];

/// Router paths whose wildcard the document spells as named segments (OpenAPI has no
/// wildcards).
const WILDCARDS: &[(&str, &str)] = &[("/relay/{*rest}", "/relay/{slug}/{path}")];

/// The methods probed on each route: a 405 means the route does not take it.
const PROBED: [Method; 5] = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];

on_both_backends!(every_documented_operation_answers_as_documented);

async fn document(app: &TestApp) -> Value {
    let reply = app.get_with_key("/openapi.json", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    reply.json()
}

/// Every `(method, path)` the document has.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete", "head", "options", "trace"] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// The route paths of the router, read from the `.route("…", …)` calls in `server/src/http`.
///
/// Why read the source rather than keep one route table that `router()` and this test share:
/// axum cannot list a router's routes, and a table would have to carry each route's handlers
/// and methods in a shape of its own, rewriting `router()` around it; the methods it would
/// state could still disagree with the handlers it names. The source is what the router is
/// built from: every file is read (a route added in any module of `http` is seen), a call
/// whose path is not a string literal, or a `nest`, fails the test instead of hiding a route,
/// and the methods each route takes are asked of the real router (a 405 means not taken)
/// rather than read from the text.
fn router_paths() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut paths = BTreeSet::new();
    for file in rust_files(&dir) {
        let source = std::fs::read_to_string(&file).unwrap();
        let code: String = source.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        for forbidden in [".nest(", ".nest_service(", ".route_service("] {
            assert!(!code.contains(forbidden), "{}: {forbidden} hides routes from this test", file.display());
        }
        for (at, _) in code.match_indices(".route(") {
            let rest = code[at + ".route(".len()..].trim_start();
            let literal = rest
                .strip_prefix('"')
                .and_then(|r| r.split_once('"'))
                .map(|(path, _)| path.to_string())
                .unwrap_or_else(|| panic!("{}: a route whose path is not a string literal", file.display()));
            paths.insert(literal);
        }
    }
    assert!(paths.len() > 30, "found only {} routes: has router() moved?", paths.len());
    paths
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// A router path with each parameter filled in, for probing.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment {
            s if s.starts_with("{*") => "x/y".to_string(),
            s if s.starts_with('{') => "x".to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_documented_or_browser_only() {
    within_hang_limit(async {
        let app = TestApp::new(Backend::Sqlite).await;
        let doc = document(&app).await;
        let documented = documented(&doc);
        let documented_paths: BTreeSet<&str> = documented.iter().map(|(_, p)| p.as_str()).collect();
        let excluded: BTreeSet<&str> = BROWSER_ONLY.iter().map(|(p, _)| *p).collect();
        let mut problems = Vec::new();
        let mut routed = BTreeSet::new();
        for path in router_paths() {
            let doc_path = WILDCARDS.iter().find(|(r, _)| *r == path).map_or(path.as_str(), |(_, d)| d).to_string();
            if excluded.contains(path.as_str()) {
                if documented_paths.contains(doc_path.as_str()) {
                    problems.push(format!("{path} is both documented and listed as browser-only"));
                }
                continue;
            }
            for method in PROBED {
                let reply = app.call(method.clone(), &concrete(&path), json!({})).await;
                if reply.status == StatusCode::METHOD_NOT_ALLOWED {
                    continue;
                }
                routed.insert((method.to_string(), doc_path.clone()));
                if !documented.contains(&(method.to_string(), doc_path.clone())) {
                    problems.push(format!(
                        "{method} {path} answers {} but is not in /openapi.json: document it, or list it in BROWSER_ONLY",
                        reply.status
                    ));
                }
            }
        }
        for (method, path) in &documented {
            if !routed.contains(&(method.clone(), path.clone())) {
                problems.push(format!("{method} {path} is documented but the router does not take it"));
            }
        }
        for path in excluded {
            if !router_paths().contains(path) {
                problems.push(format!("{path} is listed as browser-only but is no longer routed"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        app.finish().await;
    })
    .await
}

/// One request of the walk through the API, for the operation `(method, template)`.
struct Case {
    method: Method,
    template: &'static str,
    path: String,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
}

fn case(method: Method, template: &'static str, path: &str, body: Option<Value>) -> Case {
    Case { method, template, path: path.to_string(), body, headers: Vec::new() }
}

/// A custom provider taking every method, with an API base URL nothing listens on.
fn provider(slug: &str, ownership: &str) -> Value {
    json!({
        "provider": slug,
        "ownership": ownership,
        "enabled": true,
        "scopes": ["read"],
        "auth_methods": ["oauth", "api_key", "client_credentials"],
        "credentials": {"type": "custom", "client_id": "cid", "client_secret": "a-long-client-secret-9876"},
        "custom_provider": {
            "name": "Acme",
            "authorization_url": "https://acme.example/authorize",
            "token_url": "http://127.0.0.1:9/token",
            "api_base_url": "http://127.0.0.1:9/api",
        }
    })
}

/// A widget API request with a widget token (`{installation}` and `{org_installation}` in its
/// path are the connections the walk's key installs made).
fn widget_case(method: Method, template: &'static str, path: &str, body: Option<Value>, token: &str) -> Case {
    let mut c = case(method, template, path, body);
    c.headers.push(("authorization", format!("Bearer {token}")));
    c
}

/// The widget API's operations, for a manager of `org_w` (`token`).
fn widget_walk(token: &str) -> Vec<Case> {
    use Method as M;
    let w = |method: Method, template: &'static str, path: &str, body: Option<Value>| {
        widget_case(method, template, path, body, token)
    };
    vec![
        w(M::GET, "/_widgets/settings", "/_widgets/settings", None),
        w(M::GET, "/_widgets/UserManagement/organizations", "/_widgets/UserManagement/organizations", None),
        w(M::GET, "/_widgets/DataIntegrations/mine", "/_widgets/DataIntegrations/mine", None),
        w(
            M::POST,
            "/_widgets/DataIntegrations/{slug}/authorize",
            "/_widgets/DataIntegrations/acme/authorize",
            Some(json!({"requireHandoff": true, "config": {}})),
        ),
        w(
            M::PUT,
            "/_widgets/DataIntegrations/{slug}/client-credentials",
            "/_widgets/DataIntegrations/acme/client-credentials",
            Some(json!({"client_id": "c", "client_secret": "s"})),
        ),
        w(
            M::PUT,
            "/_widgets/DataIntegrations/{slug}/api-key",
            "/_widgets/DataIntegrations/acme/api-key",
            Some(json!({"secret": "widget-key-1234"})),
        ),
        w(
            M::DELETE,
            "/_widgets/DataIntegrations/installations/{installation_id}",
            "/_widgets/DataIntegrations/installations/{installation}",
            None,
        ),
        w(M::GET, "/_widgets/DataIntegrations/configurations", "/_widgets/DataIntegrations/configurations", None),
        w(
            M::PUT,
            "/_widgets/DataIntegrations/{slug}/configuration",
            "/_widgets/DataIntegrations/acme/configuration",
            Some(json!({"enabled": true, "scopes": ["read"]})),
        ),
        w(M::GET, "/_widgets/DataIntegrations/organization", "/_widgets/DataIntegrations/organization", None),
        w(
            M::PUT,
            "/_widgets/DataIntegrations/{slug}/organization/configuration",
            "/_widgets/DataIntegrations/orgacme/organization/configuration",
            Some(json!({"enabled": true})),
        ),
        w(
            M::POST,
            "/_widgets/DataIntegrations/{slug}/organization/authorize",
            "/_widgets/DataIntegrations/orgacme/organization/authorize",
            Some(json!({"config": {}})),
        ),
        w(
            M::PUT,
            "/_widgets/DataIntegrations/{slug}/organization/client-credentials",
            "/_widgets/DataIntegrations/orgacme/organization/client-credentials",
            Some(json!({"client_id": "c", "client_secret": "s"})),
        ),
        w(
            M::PUT,
            "/_widgets/DataIntegrations/{slug}/organization/api-key",
            "/_widgets/DataIntegrations/orgacme/organization/api-key",
            Some(json!({"secret": "widget-org-key-1234"})),
        ),
        w(
            M::GET,
            "/_widgets/DataIntegrations/shared-connections",
            "/_widgets/DataIntegrations/shared-connections",
            None,
        ),
        w(
            M::DELETE,
            "/_widgets/DataIntegrations/organization/installations/{installation_id}",
            "/_widgets/DataIntegrations/organization/installations/{org_installation}",
            None,
        ),
    ]
}

/// Every documented operation, in an order where each finds what it needs: providers first,
/// deletions last.
fn walk(widget_token: &str) -> Vec<Case> {
    use Method as M;
    let user = "/user_management/users/user_1/connected_accounts/acme";
    let org = "/organizations/org_1/connected_accounts/orgacme";
    let mut cases = vec![
        case(M::GET, "/healthz", "/healthz", None),
        case(M::GET, "/readyz", "/readyz", None),
        case(M::GET, "/openapi.json", "/openapi.json", None),
        case(M::POST, "/data-integrations", "/data-integrations", Some(provider("acme", "user"))),
        case(M::POST, "/data-integrations", "/data-integrations", Some(provider("orgacme", "organization"))),
        case(M::GET, "/data-integrations", "/data-integrations?limit=5", None),
        case(M::GET, "/data-integrations/{slug}", "/data-integrations/acme", None),
        case(M::PUT, "/data-integrations/{slug}", "/data-integrations/acme", Some(json!({"description": "Acme"}))),
        case(
            M::POST,
            "/data-integrations/{slug}/authorize",
            "/data-integrations/acme/authorize",
            Some(json!({"user_id": "user_1"})),
        ),
        case(
            M::POST,
            "/data-integrations/finish",
            "/data-integrations/finish",
            Some(json!({"connect_code": "unknown", "code_verifier": "v".repeat(43)})),
        ),
        case(M::GET, "/data-integrations/{slug}/organization", "/data-integrations/orgacme/organization", None),
        case(
            M::PUT,
            "/data-integrations/{slug}/organization",
            "/data-integrations/orgacme/organization?organization_id=org_1",
            Some(json!({"enabled": true})),
        ),
        case(
            M::POST,
            "/user_management/users/{user_id}/connected_accounts/{slug}",
            user,
            Some(json!({"access_token": "imported-token", "refresh_token": "imported-refresh"})),
        ),
        case(M::GET, "/user_management/users/{user_id}/connected_accounts/{slug}", user, None),
        case(
            M::PUT,
            "/user_management/users/{user_id}/connected_accounts/{slug}",
            user,
            Some(json!({"account_display_name": "Work"})),
        ),
        case(
            M::POST,
            "/data-integrations/{slug}/token",
            "/data-integrations/acme/token",
            Some(json!({"user_id": "user_1"})),
        ),
        case(
            M::POST,
            "/data-integrations/{slug}/credentials",
            "/data-integrations/acme/credentials",
            Some(json!({"user_id": "user_1"})),
        ),
        case(
            M::POST,
            "/data-integrations/{slug}/api-key",
            "/data-integrations/acme/api-key",
            Some(json!({"user_id": "user_2", "secret": "key-1234567890", "connection_intent": "add"})),
        ),
        case(
            M::PUT,
            "/data-integrations/{slug}/api-key",
            "/data-integrations/acme/api-key",
            Some(json!({"user_id": "user_2", "secret": "key-0987654321"})),
        ),
        case(
            M::POST,
            "/data-integrations/{slug}/client-credentials",
            "/data-integrations/acme/client-credentials",
            Some(json!({"user_id": "user_3", "client_id": "c", "client_secret": "s", "connection_intent": "add"})),
        ),
        case(
            M::PUT,
            "/data-integrations/{slug}/client-credentials",
            "/data-integrations/acme/client-credentials",
            Some(json!({"user_id": "user_3", "client_id": "c", "client_secret": "s"})),
        ),
        case(
            M::GET,
            "/user_management/users/{user_id}/data_providers",
            "/user_management/users/user_1/data_providers?supports_multiple_connections=true",
            None,
        ),
        case(
            M::POST,
            "/organizations/{organization_id}/connected_accounts/{slug}",
            org,
            Some(json!({"user_id": "user_1", "access_token": "org-token"})),
        ),
        case(M::GET, "/organizations/{organization_id}/connected_accounts/{slug}", org, None),
        case(
            M::PUT,
            "/organizations/{organization_id}/connected_accounts/{slug}",
            org,
            Some(json!({"user_id": "user_1", "account_display_name": "Shared"})),
        ),
        case(M::GET, "/organizations/{organization_id}/data_providers", "/organizations/org_1/data_providers", None),
        case(M::POST, "/widgets/token", "/widgets/token", Some(json!({"user_id": "user_1"}))),
        case(M::GET, "/api_keys/current", "/api_keys/current", None),
        case(M::GET, "/events", "/events?limit=100", None),
        case(
            M::POST,
            "/webhook_endpoints",
            "/webhook_endpoints",
            Some(
                json!({"endpoint_url": "https://hooks.example/plumb", "events": ["pipes.account_connection.connected"]}),
            ),
        ),
        case(M::GET, "/webhook_endpoints", "/webhook_endpoints", None),
        case(M::PATCH, "/webhook_endpoints/{id}", "/webhook_endpoints/{id}", Some(json!({"status": "disabled"}))),
        case(M::DELETE, "/webhook_endpoints/{id}", "/webhook_endpoints/{id}", None),
    ];
    cases.extend(widget_walk(widget_token));
    for method in [M::GET, M::POST, M::PUT, M::PATCH, M::DELETE] {
        let mut path_form = case(method.clone(), "/relay/{slug}/{path}", "/relay/acme/v1/me", None);
        path_form.headers.push(("x-relay-user-id", "user_1".into()));
        let mut url_form = case(method, "/relay", "/relay", None);
        url_form.headers.push(("x-relay-user-id", "user_1".into()));
        url_form.headers.push(("x-relay-provider", "acme".into()));
        url_form.headers.push(("x-relay-url", "http://127.0.0.1:9/api/v1/me".into()));
        cases.extend([path_form, url_form]);
    }
    cases.extend([
        case(M::DELETE, "/user_management/users/{user_id}/connected_accounts/{slug}", user, None),
        case(M::DELETE, "/organizations/{organization_id}/connected_accounts/{slug}", org, None),
        case(
            M::DELETE,
            "/data-integrations/{slug}/organization",
            "/data-integrations/orgacme/organization?organization_id=org_1",
            None,
        ),
        case(M::DELETE, "/data-integrations/{slug}/organization", "/data-integrations/orgacme/organization", None),
        case(M::DELETE, "/data-integrations/{slug}", "/data-integrations/acme", None),
    ]);
    cases
}

async fn every_documented_operation_answers_as_documented(backend: Backend) {
    let app = TestApp::new(backend).await;
    let doc = document(&app).await;
    let minted = app
        .post_json(
            "/widgets/token",
            Some(&app.api_key),
            json!({"user_id": "user_w", "organization_id": "org_w", "scopes": ["widgets:pipes:manage"]}),
        )
        .await;
    let cases = walk(minted.json()["token"].as_str().unwrap());
    let walked: BTreeSet<(String, String)> =
        cases.iter().map(|c| (c.method.to_string(), c.template.to_string())).collect();
    assert_eq!(walked, documented(&doc), "the walk and the document name different operations");

    let mut problems = Vec::new();
    let mut webhook = String::new();
    let (mut installation, mut org_installation) = (String::new(), String::new());
    for c in cases {
        let path = c
            .path
            .replace("{id}", &webhook)
            .replace("{installation}", &installation)
            .replace("{org_installation}", &org_installation);
        let mut request = Request::builder().method(c.method.clone()).uri(&path);
        // The widget API's cases carry their own token.
        if !c.headers.iter().any(|(name, _)| *name == "authorization") {
            request = request.header(header::AUTHORIZATION, format!("Bearer {}", app.api_key));
        }
        for (name, value) in &c.headers {
            request = request.header(*name, value);
        }
        let body = match &c.body {
            Some(b) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        let reply = app.send(request.body(body).unwrap()).await;
        let operation = &doc["paths"][c.template][c.method.as_str().to_lowercase()];
        let label = format!("{} {path}", c.method);
        let responses = operation["responses"].as_object().unwrap();
        let status = reply.status.as_u16().to_string();
        if matches!(reply.status.as_u16(), 404 | 405 | 500) {
            problems.push(format!("{label}: {} {}", reply.status, reply.body));
            continue;
        }
        let Some(response) = responses.get(&status).or_else(|| responses.get("default")) else {
            problems.push(format!(
                "{label}: {} is not a documented status ({:?}): {}",
                reply.status,
                responses.keys().collect::<Vec<_>>(),
                reply.body
            ));
            continue;
        };
        let id = || reply.json()["id"].as_str().unwrap_or_default().to_string();
        match c.template {
            "/webhook_endpoints" if c.method == Method::POST => webhook = id(),
            "/_widgets/DataIntegrations/{slug}/api-key" => installation = id(),
            "/_widgets/DataIntegrations/{slug}/organization/api-key" => org_installation = id(),
            _ => {}
        }
        let response = match response["$ref"].as_str() {
            Some(r) => &doc["components"]["responses"][r.rsplit('/').next().unwrap()],
            None => response,
        };
        if let Some(schema) = response["content"]["application/json"].get("schema") {
            if c.template != "/openapi.json" {
                let mut errors = Vec::new();
                conforms(&doc, schema, &reply.json(), "body", &mut errors);
                problems.extend(errors.into_iter().map(|e| format!("{label} ({status}): {e}")));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    app.finish().await;
}

/// Whether `value` has the shape `schema` describes: the JSON types, every required property,
/// and (stricter than JSON Schema, to catch a field the document forgot) no property an object
/// schema does not name unless it allows additional ones.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        let Some(named) = doc["components"]["schemas"].get(name) else {
            return errors.push(format!("{at}: {reference} is not in the document"));
        };
        return conforms(doc, named, value, at, errors);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let fits = options.iter().any(|o| {
                let mut e = Vec::new();
                conforms(doc, o, value, at, &mut e);
                e.is_empty()
            });
            if !fits {
                errors.push(format!("{at}: {value} fits none of the {key} options"));
            }
            return;
        }
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            conforms(doc, s, value, at, errors);
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        if !values.contains(value) {
            errors.push(format!("{at}: {value} is not one of {values:?}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return,
    };
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let fits = types.contains(&kind) || (kind == "integer" && types.contains(&"number"));
    if !fits {
        errors.push(format!("{at}: {kind} where the document says {types:?}"));
        return;
    }
    match value {
        Value::Array(items) if schema.get("items").is_some() => {
            for (i, item) in items.iter().enumerate() {
                conforms(doc, &schema["items"], item, &format!("{at}[{i}]"), errors);
            }
        }
        Value::Object(map) => {
            let properties = schema["properties"].as_object();
            for required in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !map.contains_key(required) {
                    errors.push(format!("{at}: the required field {required} is missing"));
                }
            }
            for (key, item) in map {
                match (properties.and_then(|p| p.get(key)), &schema["additionalProperties"]) {
                    (Some(property), _) => conforms(doc, property, item, &format!("{at}.{key}"), errors),
                    (None, extra) if extra.is_object() => conforms(doc, extra, item, &format!("{at}.{key}"), errors),
                    (None, Value::Bool(true)) => {}
                    (None, _) if properties.is_none() => {}
                    (None, _) => errors.push(format!("{at}: the field {key} is not in the document")),
                }
            }
        }
        _ => {}
    }
}

#[test]
fn the_shape_check_sees_missing_extra_and_mistyped_fields() {
    let doc = json!({"components": {"schemas": {"A": {"type": "object", "required": ["a"],
        "properties": {"a": {"type": "string"}, "b": {"oneOf": [{"type": "null"}, {"type": "integer"}]}}}}}});
    let a = json!({"$ref": "#/components/schemas/A"});
    let check = |value: Value| {
        let mut errors = Vec::new();
        conforms(&doc, &a, &value, "body", &mut errors);
        errors
    };
    assert!(check(json!({"a": "x", "b": null})).is_empty());
    assert!(check(json!({"a": "x", "b": 3})).is_empty());
    assert_eq!(check(json!({"b": 3})), ["body: the required field a is missing"]);
    assert_eq!(check(json!({"a": "x", "c": 1})), ["body: the field c is not in the document"]);
    assert_eq!(check(json!({"a": 1})), ["body.a: integer where the document says [\"string\"]"]);
    assert_eq!(check(json!({"a": "x", "b": "y"})).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_valid_openapi_3_1() {
    within_hang_limit(async {
        let app = TestApp::new(Backend::Sqlite).await;
        let doc = document(&app).await;
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(doc["servers"][0]["url"], PUBLIC_URL);
        assert_eq!(doc["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
        let file = std::env::temp_dir().join(format!("plumb-openapi-{}.json", server::ids::random_token(8)));
        std::fs::write(&file, doc.to_string()).unwrap();
        let end2end = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end");
        let output = std::process::Command::new("node")
            .arg(end2end.join("support/validate-openapi.mjs"))
            .arg(&file)
            .current_dir(&end2end)
            .output()
            .unwrap_or_else(|e| {
                panic!("node is required to validate the OpenAPI document ({e}): `make deps` installs it")
            });
        let _ = std::fs::remove_file(&file);
        assert!(
            output.status.success(),
            "swagger-parser refused the document (run `make deps-npm` if the package is missing):\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        app.finish().await;
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_page_shows_every_operation() {
    within_hang_limit(async {
        let app = TestApp::new(Backend::Sqlite).await;
        let doc = document(&app).await;
        let reply = app.get_with_key("/docs/api", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.header("content-type"), Some("text/html; charset=utf-8"));
        assert!(!reply.body.contains("<script"), "the page works without JavaScript");
        let mut missing = Vec::new();
        for (method, path) in documented(&doc) {
            let heading = format!("<code>{method} {}</code>", path.replace('&', "&amp;"));
            if !reply.body.contains(&heading) {
                missing.push(heading);
            }
        }
        assert!(missing.is_empty(), "not on /docs/api: {missing:?}");
        assert!(reply.body.contains("id=\"schema-dataintegration\""), "schemas are listed");
        app.finish().await;
    })
    .await
}
