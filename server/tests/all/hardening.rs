//! The rules that keep Plumb from being turned against its users or its network, on both
//! databases: provider and webhook URLs (https only, loopback only in development mode, never
//! link-local or metadata addresses, checked again when calling), `return_to` allow-listing,
//! oversized and garbled provider answers, and the security headers of every kind of response.
//! Each refusal is checked for its clear error and for leaving the database as it was.

use crate::support::{Backend, FakeProvider, TestApp, PUBLIC_URL};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    provider_urls_must_be_https_and_never_link_local,
    webhook_urls_follow_the_same_rules,
    a_stored_loopback_provider_is_not_called_outside_development_mode,
    return_to_must_be_on_an_allowed_origin,
    oversized_and_garbled_token_responses_overwrite_nothing,
    every_response_carries_security_headers,
    expired_and_tampered_widget_tokens_change_nothing,
    readiness_follows_the_database,
);

fn custom(slug: &str, authorization_url: &str, token_url: &str) -> Value {
    json!({
        "provider": slug,
        "credentials": {"type": "custom", "client_id": "cid", "client_secret": "sec"},
        "custom_provider": {"name": "Acme", "authorization_url": authorization_url, "token_url": token_url},
    })
}

fn production(config: &mut server::config::Config) {
    config.development_mode = false;
}

async fn provider_urls_must_be_https_and_never_link_local(backend: Backend) {
    let app = TestApp::with_config(backend, production).await;
    for (authorize, token, field, says) in [
        ("https://idp.example/a", "http://127.0.0.1:9/token", "custom_provider.token_url", "development mode"),
        ("https://idp.example/a", "http://idp.example/token", "custom_provider.token_url", "https://"),
        ("https://idp.example/a", "https://169.254.169.254/latest", "custom_provider.token_url", "link-local"),
        ("https://[fe80::1]/a", "https://idp.example/t", "custom_provider.authorization_url", "link-local"),
        ("https://idp.example/a", "https://[fd00:ec2::254]/t", "custom_provider.token_url", "metadata"),
        ("https://localhost/a", "https://idp.example/t", "custom_provider.authorization_url", "development mode"),
    ] {
        let reply = app.call(Method::POST, "/data-integrations", custom("acme", authorize, token)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{token}: {}", reply.body);
        let error = &reply.json()["errors"][0];
        assert_eq!(error["field"], field, "{}", reply.body);
        assert!(error["message"].as_str().unwrap().contains(says), "{}", reply.body);
    }
    assert_eq!(app.count("providers").await, 0);

    // Auto-fill refuses to fetch such addresses at all.
    let admin = app.admin_session().await;
    let reply = app.admin_call(&admin, "providers/discover", &[("url", "https://169.254.169.254/")]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert!(reply.body.contains("link-local"), "{}", reply.body);
    app.finish().await;
}

async fn webhook_urls_follow_the_same_rules(backend: Backend) {
    let app = TestApp::with_config(backend, production).await;
    for url in ["http://127.0.0.1:9/hook", "https://169.254.169.254/hook", "http://hooks.example/x"] {
        let reply = app
            .call(
                Method::POST,
                "/webhook_endpoints",
                json!({"endpoint_url": url, "events": ["pipes.connected_account.connected"]}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], "endpoint_url");
    }
    assert_eq!(app.count("webhook_endpoints").await, 0);
    app.finish().await;
}

async fn a_stored_loopback_provider_is_not_called_outside_development_mode(backend: Backend) {
    // Connected while the operator ran in development mode...
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, json!({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3600}));
    assert_eq!(app.connect("acme", "user_1", "code-1").await.status, StatusCode::SEE_OTHER);
    let requests_before = provider.requests().len();

    // ...then restarted without it: the stored token URL is checked again before any call.
    let mut config = app.plumb.config().clone();
    config.development_mode = false;
    let store = server::store::Store::connect(&config.database_url).await.unwrap();
    let strict = server::plumb::Plumb::new(config, store, app.plumb.cipher().clone());
    let row = app.plumb.store().provider_by_slug(&"env_sandbox".into(), "acme").await.unwrap().unwrap();
    let before =
        app.plumb.store().connection(&row.id, &crate::support::owner("user_1", "org_1")).await.unwrap().unwrap();
    let id = before.id.clone();
    app.expire(&id).await;
    let expired = app.plumb.store().connection_by_id(&id).await.unwrap().unwrap();
    let err = strict
        .fetch_token(&"env_sandbox".into(), "acme", &crate::support::owner("user_1", "org_1"), &Default::default())
        .await
        .unwrap_err();
    let wire = app::error::AppError::from(err);
    assert_eq!(wire.code, "provider_unavailable", "{wire:?}");
    assert!(wire.message.contains("development mode"), "{}", wire.message);
    assert_eq!(provider.requests().len(), requests_before, "no request may leave Plumb");
    let after = app.plumb.store().connection_by_id(&id).await.unwrap().unwrap();
    assert_eq!(after.access_token, expired.access_token);
    assert_eq!(after.refresh_token, expired.refresh_token);
    assert_eq!(after.state, expired.state);
    strict.store().close().await;
    app.finish().await;
}

async fn return_to_must_be_on_an_allowed_origin(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    let authorize = |return_to: &str| json!({"user_id": "u1", "return_to": return_to});
    for attempt in [
        "https://evil.example/steal",
        "https://app.example.evil.example/x",
        "http://app.example/x",
        "https://app.example:444/x",
        "//evil.example/x",
        "https://user@app.example/x",
        "javascript:alert(1)",
    ] {
        let reply = app.call(Method::POST, "/data-integrations/acme/authorize", authorize(attempt)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{attempt}: {}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], "return_to", "{attempt}");
    }
    assert_eq!(app.count("authorization_links").await, 0);
    let bad = app.call(Method::POST, "/data-integrations/acme/authorize", authorize("https://evil.example/")).await;
    assert_eq!(bad.json()["errors"][0]["code"], "origin_not_allowed");
    assert!(bad.json()["errors"][0]["message"].as_str().unwrap().contains("PLUMB_RETURN_TO_ORIGINS"));

    for allowed in ["https://app.example/settings?tab=1", &format!("{PUBLIC_URL}/oauth/done")] {
        let reply = app.call(Method::POST, "/data-integrations/acme/authorize", authorize(allowed)).await;
        assert_eq!(reply.status, StatusCode::OK, "{allowed}: {}", reply.body);
    }
    assert_eq!(app.count("authorization_links").await, 2);
    app.finish().await;
}

async fn oversized_and_garbled_token_responses_overwrite_nothing(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, json!({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3600}));
    app.connect("acme", "user_1", "code-1").await;
    let row = app.plumb.store().provider_by_slug(&"env_sandbox".into(), "acme").await.unwrap().unwrap();
    let id =
        app.plumb.store().connection(&row.id, &crate::support::owner("user_1", "org_1")).await.unwrap().unwrap().id;

    for answer in [
        json!({"access_token": "x".repeat(2 << 20), "expires_in": 3600}),
        json!("garbage"),
        json!({"access_token": 42}),
    ] {
        app.expire(&id).await;
        // Let the previous failure's backoff pass.
        sqlx::query("UPDATE connections SET retry_refresh_at = NULL, refresh_failures = 0")
            .execute(app.plumb.store().pool())
            .await
            .unwrap();
        let before = app.plumb.store().connection_by_id(&id).await.unwrap().unwrap();
        provider.answer(200, answer);
        let reply = app.token("acme", "user_1").await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.body);
        assert_eq!(reply.json()["code"], "provider_unavailable");
        let after = app.plumb.store().connection_by_id(&id).await.unwrap().unwrap();
        assert_eq!(after.access_token, before.access_token);
        assert_eq!(after.refresh_token, before.refresh_token);
        assert_eq!(after.expires_at, before.expires_at);
        assert_eq!(after.state.as_str(), "connected");
    }
    app.finish().await;
}

async fn every_response_carries_security_headers(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.widget_frame_ancestors = vec!["https://app.example".into()]).await;
    let get = |path: &str| Request::get(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();

    let json = app.send(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(json.header("x-content-type-options"), Some("nosniff"));
    assert!(json.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));

    let callback = app.send(get("/oauth/callback?state=unknown&code=x")).await;
    assert_eq!(callback.status, StatusCode::BAD_REQUEST);
    assert_eq!(callback.header("referrer-policy"), Some("no-referrer"));
    assert!(callback.header("content-security-policy").unwrap().contains("default-src 'none'"));

    // Pages: scripts only with this response's nonce, and never framed...
    let admin = app.admin_session().await;
    let page = |path: &str| {
        Request::get(path)
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, &admin.cookie)
            .body(Body::empty())
            .unwrap()
    };
    let dashboard = app.send(page("/dashboard")).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    let csp = dashboard.header("content-security-policy").unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(nonce.len() >= 16);
    assert!(dashboard.body.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");
    let again = app.send(page("/dashboard")).await;
    assert!(!again.header("content-security-policy").unwrap().contains(nonce), "a nonce is used once");

    // ...except the widget, by the origins the operator listed.
    let token = app.widget_token("user_1").await;
    let widget = app.send(get(&format!("/widget?token={token}"))).await;
    let csp = widget.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors https://app.example"), "{csp}");
    assert_eq!(widget.header("referrer-policy"), Some("same-origin"));
    app.finish().await;
}

async fn expired_and_tampered_widget_tokens_change_nothing(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, json!({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3600}));
    app.connect("acme", "user_1", "code-1").await;
    let states_before = app.count("oauth_states").await;

    // Signed with the right key, but an hour past its expiry.
    let signer = server::widget_tokens::Signer::with_keys(app.plumb.cipher().derive_subkeys("widget-token"));
    let now = server::time::now_ms() / 1000;
    let subject = server::widget_tokens::Subject {
        user_id: "user_1",
        organization_id: Some("org_1"),
        environment_id: server::store::SANDBOX,
        frame_ancestors: "",
        key_id: "",
        permissions: &[],
        look: &server::widget_tokens::Look::default(),
    };
    let expired = signer.mint(&subject, now - 7200, 3600);
    let valid = app.widget_token("user_1").await;
    let tampered = format!("{}x", valid);
    for (what, token, says) in [("expired", &expired, "expired"), ("tampered", &tampered, "not valid")] {
        let body = format!("token={token}&provider=acme");
        let form = |path: &str| {
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body.clone()))
                .unwrap()
        };
        let reply = app.send(form("/api/widget/disconnect")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}: {}", reply.body);
        assert_eq!(reply.json()["code"], "invalid_widget_token");
        assert!(reply.json()["message"].as_str().unwrap().contains(says), "{what}: {}", reply.body);
        let page = app.send(form("/oauth/authorize")).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(page.body.contains(says), "{what}: a readable page: {}", page.body);
        let widget = app.send(Request::get(format!("/widget?token={token}")).body(Body::empty()).unwrap()).await;
        assert!(widget.body.contains(says), "{what}: the widget page says why");
    }
    assert_eq!(app.count("oauth_states").await, states_before, "no flow was started");
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-1");
    app.finish().await;
}

/// `/readyz` answers 200 while the database answers and is migrated, and 503 with the reason
/// once it does not; `/healthz` only says the process lives.
async fn readiness_follows_the_database(backend: Backend) {
    let app = TestApp::new(backend).await;
    let get = |path: &'static str| Request::get(path).body(Body::empty()).unwrap();
    let ready = app.send(get("/readyz")).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert_eq!(ready.json()["status"], "ready");
    // A database behind this build's migrations (an older Plumb migrated it) is not ready.
    let latest: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(app.plumb.store().pool())
        .await
        .unwrap();
    sqlx::query(&format!("DELETE FROM _sqlx_migrations WHERE version = {latest}"))
        .execute(app.plumb.store().pool())
        .await
        .unwrap();
    let behind = app.send(get("/readyz")).await;
    assert_eq!(behind.status, StatusCode::SERVICE_UNAVAILABLE, "{}", behind.body);
    assert!(behind.json()["message"].as_str().unwrap().contains("this build needs"), "{}", behind.body);
    app.plumb.store().close().await;
    let down = app.send(get("/readyz")).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE, "{}", down.body);
    assert!(down.json()["message"].as_str().unwrap().contains("does not answer"), "{}", down.body);
    assert_eq!(app.send(get("/healthz")).await.status, StatusCode::OK);
    app.finish().await;
}
