//! The backend API on both databases: `POST /data-integrations/{slug}/token` in every state a
//! connection can be in, `POST /widgets/token`, and the JSON server function.

use crate::support::{Backend, FakeProvider, TestApp};
use axum::http::StatusCode;
use serde_json::json;
use server::ids::ConnectionId;

on_both_backends!(
    requests_without_a_valid_api_key_get_401_json,
    unknown_providers_are_404,
    before_connecting_the_token_is_not_installed,
    a_connected_user_gets_the_access_token,
    an_expiring_token_is_refreshed_first_and_rotation_is_kept,
    a_refresh_without_a_new_refresh_token_keeps_the_old_one,
    invalid_grant_marks_the_connection_for_reauthorization,
    an_unwell_provider_leaves_the_connection_alone,
    a_token_without_refresh_token_needs_reauthorization_once_expired,
    widget_tokens_need_a_user,
    malformed_bodies_get_a_json_400,
    the_server_function_answers_like_the_rest_path,
);

fn tokens(access: &str, refresh: Option<&str>, expires_in: u64) -> serde_json::Value {
    let mut body =
        json!({"access_token": access, "token_type": "Bearer", "expires_in": expires_in, "scope": "openid api:read"});
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    body
}

async fn connected(backend: Backend, first: serde_json::Value) -> (TestApp, FakeProvider) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, first);
    let reply = app.connect("acme", "user_1", "code-1").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert!(!reply.header("location").unwrap().contains("error="), "{:?}", reply.header("location"));
    app.obtained_long_ago().await;
    (app, provider)
}

async fn requests_without_a_valid_api_key_get_401_json(backend: Backend) {
    let app = TestApp::new(backend).await;
    let body = json!({"user_id": "u"});
    for key in [None, Some("sk_test_wrong"), Some("not-a-key")] {
        let reply = app.post_json("/data-integrations/acme/token", key, body.clone()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{key:?}");
        assert_eq!(reply.json()["code"], "unauthorized");
        assert!(reply.json()["message"].as_str().unwrap().len() > 10);
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    }
    let reply = app
        .send(
            axum::http::Request::post("/data-integrations/acme/token")
                .header("authorization", format!("Basic {}", app.api_key))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    app.finish().await;
}

async fn unknown_providers_are_404(backend: Backend) {
    let app = TestApp::new(backend).await;
    let reply = app.token("nope", "user_1").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["code"], "provider_not_found");
    app.finish().await;
}

async fn before_connecting_the_token_is_not_installed(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    let reply = app.token("acme", "user_1").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"active": false, "error": "not_installed"}));
    assert!(provider.requests().is_empty());
    app.finish().await;
}

async fn a_connected_user_gets_the_access_token(backend: Backend) {
    let (app, provider) = connected(backend, tokens("at-1", Some("rt-1"), 3600)).await;
    let reply = app.token("acme", "user_1").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["active"], true);
    assert_eq!(body["access_token"]["object"], "access_token");
    assert_eq!(body["access_token"]["access_token"], "at-1");
    assert_eq!(body["access_token"]["scopes"], json!(["openid", "api:read"]));
    assert_eq!(body["access_token"]["missing_scopes"], json!([]));
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(body["access_token"]["expires_at"].as_str().unwrap()).unwrap();
    let in_secs = expires_at.timestamp() - chrono::Utc::now().timestamp();
    assert!((3590..=3600).contains(&in_secs), "{in_secs}");
    // Only the code exchange reached the provider; another user has nothing.
    assert_eq!(provider.requests().len(), 1);
    assert_eq!(app.token("acme", "user_2").await.json(), json!({"active": false, "error": "not_installed"}));
    app.finish().await;
}

async fn an_expiring_token_is_refreshed_first_and_rotation_is_kept(backend: Backend) {
    // 30 s left is inside the default 60 s skew: the first fetch refreshes.
    let (app, provider) = connected(backend, tokens("at-1", Some("rt-1"), 30)).await;
    provider.answer(200, tokens("at-2", Some("rt-2"), 3600));
    let body = app.token("acme", "user_1").await.json();
    assert_eq!(body["access_token"]["access_token"], "at-2");
    let refresh = &provider.requests()[1];
    assert_eq!(refresh["grant_type"], "refresh_token");
    assert_eq!(refresh["refresh_token"], "rt-1");
    assert_eq!(refresh["client_id"], "client-1");
    assert_eq!(refresh["client_secret"], "secret-1");

    // Fresh now: served without asking the provider.
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-2");
    assert_eq!(provider.requests().len(), 2);

    // The rotated refresh token is the one used next time.
    let conn = app.plumb.store().connection_by_id(&connection_id(&app).await).await.unwrap().unwrap();
    force_expiry(&app, &conn.id).await;
    provider.answer(200, tokens("at-3", Some("rt-3"), 3600));
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-3");
    assert_eq!(provider.requests()[2]["refresh_token"], "rt-2");
    app.finish().await;
}

async fn a_refresh_without_a_new_refresh_token_keeps_the_old_one(backend: Backend) {
    let (app, provider) = connected(backend, tokens("at-1", Some("rt-1"), 0)).await;
    provider.answer(200, json!({"access_token": "at-2", "expires_in": "0"}));
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-2");
    provider.answer(200, tokens("at-3", None, 3600));
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-3");
    let requests = provider.requests();
    assert_eq!(requests[1]["refresh_token"], "rt-1");
    assert_eq!(requests[2]["refresh_token"], "rt-1");
    app.finish().await;
}

async fn invalid_grant_marks_the_connection_for_reauthorization(backend: Backend) {
    let (app, provider) = connected(backend, tokens("at-1", Some("rt-1"), 10)).await;
    provider.answer(400, json!({"error": "invalid_grant", "error_description": "refresh token revoked"}));
    let reply = app.token("acme", "user_1").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"active": false, "error": "needs_reauthorization"}));
    // Stays broken without bothering the provider again, and the widget says so.
    assert_eq!(app.token("acme", "user_1").await.json()["error"], "needs_reauthorization");
    assert_eq!(provider.requests().len(), 2);
    let conn = app.plumb.store().connection_by_id(&connection_id(&app).await).await.unwrap().unwrap();
    assert_eq!(conn.state.as_str(), "needs_reauthorization");
    assert!(conn.last_error.unwrap().contains("refresh token revoked"));

    // Connecting again restores it, with the same connection id.
    provider.answer(200, tokens("at-9", Some("rt-9"), 3600));
    let reply = app.connect("acme", "user_1", "code-2").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let body = app.token("acme", "user_1").await.json();
    assert_eq!(body["access_token"]["access_token"], "at-9");
    assert_eq!(connection_id(&app).await, conn.id);
    app.finish().await;
}

async fn an_unwell_provider_leaves_the_connection_alone(backend: Backend) {
    // 30 s left: a failed refresh still serves the current token.
    let (app, provider) = connected(backend, tokens("at-1", Some("rt-1"), 30)).await;
    provider.answer(503, json!({"error": "temporarily_unavailable"}));
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-1");
    assert_eq!(provider.requests().len(), 2);
    // Backing off: the next fetch does not call the provider again.
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-1");
    assert_eq!(provider.requests().len(), 2);

    // Once expired, and still backing off, the answer is a retryable error; nothing changed.
    let id = connection_id(&app).await;
    force_expiry(&app, &id).await;
    let reply = app.token("acme", "user_1").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{}", reply.body);
    assert_eq!(reply.json()["code"], "provider_unavailable");
    assert!(reply.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(provider.requests().len(), 2);
    let conn = app.plumb.store().connection_by_id(&id).await.unwrap().unwrap();
    assert_eq!(conn.state.as_str(), "connected");

    // The backoff over, the provider is asked again; it fails again, and backs off longer.
    crate::support::reset_refresh_backoff(app.plumb.store(), &id).await;
    provider.answer(502, json!({}));
    let reply = app.token("acme", "user_1").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let after = app.plumb.store().connection_by_id(&id).await.unwrap().unwrap();
    assert_eq!(after.refresh_failures, 2);
    assert!(after.retry_refresh_at.unwrap() > server::time::now_ms());
    assert_eq!(after.refresh_lease_owner, None, "the lease is released");

    // A garbled success body overwrites nothing either.
    crate::support::reset_refresh_backoff(app.plumb.store(), &id).await;
    provider.answer(200, json!({"token_type": "bearer"}));
    assert_eq!(app.token("acme", "user_1").await.status, StatusCode::SERVICE_UNAVAILABLE);
    let after = app.plumb.store().connection_by_id(&id).await.unwrap().unwrap();
    assert_eq!(after.access_token, conn.access_token);
    assert_eq!(after.refresh_token, conn.refresh_token);

    // Recovered provider: the same refresh token still works, and the failures are forgotten.
    crate::support::reset_refresh_backoff(app.plumb.store(), &id).await;
    provider.answer(200, tokens("at-2", Some("rt-2"), 3600));
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-2");
    assert!(provider.requests()[1..].iter().all(|r| r["refresh_token"] == "rt-1"));
    let healed = app.plumb.store().connection_by_id(&id).await.unwrap().unwrap();
    assert_eq!((healed.refresh_failures, healed.retry_refresh_at), (0, None));
    app.finish().await;
}

async fn a_token_without_refresh_token_needs_reauthorization_once_expired(backend: Backend) {
    let (app, provider) = connected(backend, json!({"access_token": "at-1"})).await;
    // No expiry given: served as long as the provider accepts it.
    let body = app.token("acme", "user_1").await.json();
    assert_eq!(body["access_token"]["access_token"], "at-1");
    assert_eq!(body["access_token"]["expires_at"], serde_json::Value::Null);

    let id = connection_id(&app).await;
    force_expiry(&app, &id).await;
    assert_eq!(app.token("acme", "user_1").await.json(), json!({"active": false, "error": "needs_reauthorization"}));
    assert_eq!(provider.requests().len(), 1);
    app.finish().await;
}

async fn widget_tokens_need_a_user(backend: Backend) {
    let app = TestApp::new(backend).await;
    let reply = app.post_json("/widgets/token", Some(&app.api_key), json!({"organization_id": "org_1"})).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["errors"][0]["field"], "user_id");
    let reply = app.post_json("/widgets/token", Some("sk_test_nope"), json!({"user_id": "u"})).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let token = app.widget_token("user_1").await;
    assert_eq!(token.split('.').count(), 3);
    app.finish().await;
}

async fn malformed_bodies_get_a_json_400(backend: Backend) {
    let app = TestApp::new(backend).await;
    let reply = app
        .send(
            axum::http::Request::post("/data-integrations/acme/token")
                .header("authorization", format!("Bearer {}", app.api_key))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["code"], "invalid_request");
    let reply =
        app.post_json("/data-integrations/acme/token", Some(&app.api_key), json!({"organization_id": "o"})).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["errors"][0]["field"], "user_id");
    app.finish().await;
}

async fn the_server_function_answers_like_the_rest_path(backend: Backend) {
    let (app, _provider) = connected(backend, tokens("at-1", Some("rt-1"), 3600)).await;
    let body = json!({"provider": "acme", "user_id": "user_1", "organization_id": "org_1"});
    let reply = app.post_json("/api/access-token", Some(&app.api_key), body.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json(), app.token("acme", "user_1").await.json());

    let reply = app.post_json("/api/access-token", Some("sk_test_wrong"), body.clone()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["code"], "unauthorized");
    let reply = app.post_json("/api/access-token", Some(&app.api_key), json!({"user_id": "u"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.json()["code"], "invalid_request");
    app.finish().await;
}

async fn connection_id(app: &TestApp) -> ConnectionId {
    let provider = app.plumb.store().provider_by_slug(&"env_sandbox".into(), "acme").await.unwrap().unwrap();
    app.plumb.store().connection(&provider.id, &crate::support::owner("user_1", "org_1")).await.unwrap().unwrap().id
}

/// Moves a connection's expiry into the past, as time passing would.
async fn force_expiry(app: &TestApp, id: &ConnectionId) {
    let conn = app.plumb.store().connection_by_id(id).await.unwrap().unwrap();
    crate::support::update_tokens(
        app.plumb.store(),
        id,
        conn.access_token.as_deref().unwrap(),
        conn.refresh_token.as_deref(),
        Some(server::time::now_ms() - 1000),
        &conn.scopes.to_db(),
        server::time::now_ms(),
    )
    .await;
}
