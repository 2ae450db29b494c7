//! Environments on both databases: a sandbox key and a production key see only their own
//! environment's providers, connections, events and webhook endpoints (the same slug can exist
//! in both); widget tokens and the dashboard are scoped the same way; each environment's
//! return-to origins and widget framing apply to it alone. Every refusal leaves the other
//! environment's rows as they were.

use crate::support::{Backend, FakeProvider, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    a_key_never_reaches_another_environment,
    the_dashboard_and_settings_follow_the_environment,
    more_environments_can_be_added,
);

async fn call(app: &TestApp, key: &str, method: Method, path: &str, body: Option<Value>) -> Reply {
    let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
    app.send(
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .unwrap(),
    )
    .await
}

fn custom(slug: &str, name: &str, provider: &FakeProvider) -> Value {
    json!({
        "provider": slug,
        "enabled": true,
        "credentials": {"type": "custom", "client_id": "cid", "client_secret": "secret"},
        "custom_provider": {
            "name": name,
            "authorization_url": format!("{}/authorize", provider.url),
            "token_url": format!("{}/token", provider.url),
        }
    })
}

/// The top bar's switcher form, posted with the session's CSRF field.
async fn switch(app: &TestApp, admin: &crate::support::AdminSession, fields: &[(&str, &str)]) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().copied())
        .append_pair("csrf_token", &admin.csrf)
        .finish();
    app.send(
        Request::post("/dashboard/switch-environment")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &admin.cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn production_key(app: &TestApp) -> String {
    server::api_keys::create(app.plumb.store(), "production", "prod", server::time::now_ms()).await.unwrap().secret
}

async fn a_key_never_reaches_another_environment(backend: Backend) {
    let app = TestApp::new(backend).await;
    let sandbox = app.api_key.clone();
    let live = production_key(&app).await;
    assert!(live.starts_with("sk_live_") && sandbox.starts_with("sk_test_"));
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, json!({"access_token": "at-sandbox", "expires_in": 3600}));
    app.connect("acme", "user_1", "code").await;
    let hook = call(
        &app,
        &sandbox,
        Method::POST,
        "/webhook_endpoints",
        Some(json!({"endpoint_url": "http://127.0.0.1:9/s", "events": ["pipes.connected_account.connected"]})),
    )
    .await;
    let hook_id = hook.json()["id"].as_str().unwrap().to_string();

    // Production sees none of it.
    assert_eq!(call(&app, &live, Method::GET, "/data-integrations", None).await.json()["data"], json!([]));
    assert_eq!(call(&app, &live, Method::GET, "/data-integrations/acme", None).await.status, StatusCode::NOT_FOUND);
    let token = call(
        &app,
        &live,
        Method::POST,
        "/data-integrations/acme/token",
        Some(json!({"user_id": "user_1", "organization_id": "org_1"})),
    )
    .await;
    assert_eq!(token.status, StatusCode::NOT_FOUND, "{}", token.body);
    assert!(!token.body.contains("at-sandbox"));
    assert_eq!(call(&app, &live, Method::GET, "/events", None).await.json()["data"], json!([]));
    assert_eq!(call(&app, &sandbox, Method::GET, "/events", None).await.json()["data"].as_array().unwrap().len(), 1);
    assert_eq!(call(&app, &live, Method::GET, "/webhook_endpoints", None).await.json()["data"], json!([]));
    let path = format!("/webhook_endpoints/{hook_id}");
    assert_eq!(
        call(&app, &live, Method::PATCH, &path, Some(json!({"status": "disabled"}))).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(call(&app, &live, Method::DELETE, &path, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        call(&app, &sandbox, Method::GET, "/webhook_endpoints", None).await.json()["data"][0]["status"],
        "enabled"
    );
    let revoke =
        server::api_keys::revoke(app.plumb.store(), Some(&server::store::SANDBOX.into()), "key_other_env", 1).await;
    assert!(revoke.is_err());

    // The same slug in production is another provider, with its own connections.
    let created =
        call(&app, &live, Method::POST, "/data-integrations", Some(custom("acme", "Acme Live", &provider))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let live_token = call(
        &app,
        &live,
        Method::POST,
        "/data-integrations/acme/token",
        Some(json!({"user_id": "user_1", "organization_id": "org_1"})),
    )
    .await;
    assert_eq!(live_token.json(), json!({"active": false, "error": "not_installed"}));
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-sandbox");

    // A production widget token lists production's providers, and its disconnect cannot touch
    // the sandbox connection of the same user and slug.
    let widget = call(
        &app,
        &live,
        Method::POST,
        "/widgets/token",
        Some(json!({"user_id": "user_1", "organization_id": "org_1"})),
    )
    .await;
    let widget_token = widget.json()["token"].as_str().unwrap().to_string();
    let form =
        |pairs: &[(&str, &str)]| url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    let listed = app
        .send(
            Request::post("/api/widget")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form(&[("token", &widget_token)])))
                .unwrap(),
        )
        .await;
    let listed = listed.json();
    let names: Vec<&str> =
        listed["providers"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Acme Live"]);
    let disconnected = app
        .send(
            Request::post("/api/widget/disconnect")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form(&[("token", &widget_token), ("provider", "acme")])))
                .unwrap(),
        )
        .await;
    assert_eq!(disconnected.status, StatusCode::OK, "{}", disconnected.body);
    assert_eq!(app.token("acme", "user_1").await.json()["active"], true, "the sandbox connection is untouched");

    // An endpoint created with a production key is production's: listed there, not in sandbox.
    let live_hook = call(
        &app,
        &live,
        Method::POST,
        "/webhook_endpoints",
        Some(json!({"endpoint_url": "http://127.0.0.1:9/l", "events": ["pipes.connected_account.connected"]})),
    )
    .await;
    let listed = call(&app, &live, Method::GET, "/webhook_endpoints", None).await.json();
    assert_eq!(listed["data"][0]["id"], live_hook.json()["id"]);
    let sandbox_hooks = call(&app, &sandbox, Method::GET, "/webhook_endpoints", None).await.json();
    assert_eq!(sandbox_hooks["data"].as_array().unwrap().len(), 1, "{sandbox_hooks}");

    // A sandbox event is delivered to sandbox endpoints only.
    provider.answer(200, json!({"access_token": "at-2", "expires_in": 3600}));
    app.connect("acme", "user_2", "code").await;
    assert!(app.plumb.store().recent_deliveries(&"env_production".into(), 10).await.unwrap().is_empty());
    let sandbox_deliveries = app.plumb.store().recent_deliveries(&server::store::SANDBOX.into(), 10).await.unwrap();
    assert_eq!(sandbox_deliveries.len(), 1, "one delivery, to the sandbox endpoint");
    assert_eq!(sandbox_deliveries[0].endpoint_id, hook_id);
    app.finish().await;
}

async fn the_dashboard_and_settings_follow_the_environment(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    let live = production_key(&app).await;
    let admin = app.admin_session().await;
    assert_eq!(app.admin_call(&admin, "dashboard", &[]).await.json()["providers"].as_array().unwrap().len(), 1);

    // Switch to production: a form post with the CSRF field, answered with a cookie.
    let switched = switch(&app, &admin, &[("environment", "production"), ("next", "/dashboard/webhooks")]).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER, "{}", switched.body);
    assert_eq!(switched.header("location"), Some("/dashboard/webhooks"));
    let env_cookie = switched.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    assert_eq!(env_cookie, "plumb_env=production");
    let in_production =
        crate::support::AdminSession { cookie: format!("{}; {env_cookie}", admin.cookie), csrf: admin.csrf.clone() };
    assert_eq!(app.admin_call(&in_production, "dashboard", &[]).await.json()["providers"], json!([]));
    let keys = app.admin_call(&in_production, "api-keys", &[]).await.json();
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert!(keys[0]["prefix"].as_str().unwrap().starts_with("sk_live_"));

    // Production's settings: checked, and applied to production only.
    let bad = app
        .admin_call(
            &in_production,
            "environments/settings",
            &[("return_to_origins", "https://app.example.com/path"), ("frame_ancestors", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["errors"][0]["field"], "return_to_origins");
    let saved = app
        .admin_call(
            &in_production,
            "environments/settings",
            &[("return_to_origins", "https://live.example.com"), ("frame_ancestors", "https://host.example.com")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    call(&app, &live, Method::POST, "/data-integrations", Some(custom("acme", "Acme Live", &provider))).await;
    let back = json!({"user_id": "u", "return_to": "https://live.example.com/back"});
    let path = "/data-integrations/acme/authorize";
    assert_eq!(call(&app, &live, Method::POST, path, Some(back.clone())).await.status, StatusCode::OK);
    let refused = call(&app, &app.api_key, Method::POST, path, Some(back)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "sandbox does not list it");
    assert!(refused.json()["errors"][0]["message"].as_str().unwrap().contains("Sandbox"));

    let widget = call(&app, &live, Method::POST, "/widgets/token", Some(json!({"user_id": "u"}))).await;
    let token = widget.json()["token"].as_str().unwrap().to_string();
    let page = app.send(Request::get(format!("/widget?token={token}")).body(Body::empty()).unwrap()).await;
    assert!(page.header("content-security-policy").unwrap().contains("frame-ancestors https://host.example.com"));
    let sandbox_widget = app.widget_token("u").await;
    let page = app.send(Request::get(format!("/widget?token={sandbox_widget}")).body(Body::empty()).unwrap()).await;
    assert!(page.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));

    // An unknown environment is refused and the cookie stays as it was.
    let unknown = switch(&app, &admin, &[("environment", "staging")]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.header("set-cookie").is_none());
    app.finish().await;
}

async fn more_environments_can_be_added(backend: Backend) {
    let app = TestApp::new(backend).await;
    let staging = app.plumb.create_environment("staging", "Staging", false).await.unwrap();
    assert!(matches!(
        app.plumb.create_environment("staging", "Again", false).await,
        Err(server::error::Error::Conflict(_))
    ));
    assert!(matches!(
        app.plumb.create_environment("Not A Slug", "", false).await,
        Err(server::error::Error::Validation(_))
    ));
    let key = server::api_keys::create(app.plumb.store(), "staging", "ci", 1).await.unwrap();
    assert_eq!(key.record.environment_id, staging.id);
    assert!(key.secret.starts_with("sk_test_"));
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    assert_eq!(call(&app, &key.secret, Method::GET, "/data-integrations", None).await.json()["data"], json!([]));
    let envs: Vec<String> = app.plumb.environments().await.unwrap().into_iter().map(|e| e.slug).collect();
    assert_eq!(envs, ["sandbox", "staging", "production"]);
    app.finish().await;
}
