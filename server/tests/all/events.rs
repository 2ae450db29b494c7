//! Events and webhooks on both databases: every state change writes its event with the
//! change, `GET /events` lists and filters them, and webhook deliveries are signed, retried
//! with backoff while the receiver is down, and given up on after the configured time.

use server::store::SANDBOX;

use crate::support::{Backend, FakeProvider, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(
    every_state_change_writes_its_event,
    events_are_filtered_and_paged,
    deliveries_are_signed_retried_and_delivered_when_the_receiver_is_back,
    deliveries_are_given_up_after_the_configured_time,
    webhook_endpoints_are_validated,
);

async fn call(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {}", app.api_key))
        .header(header::CONTENT_TYPE, "application/json");
    app.send(request.body(body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty)).unwrap()).await
}

/// A webhook receiver on a real socket that records what arrives and answers with the status
/// the test sets (200 by default).
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<(String, String)>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    async fn start() -> Self {
        let received: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(200));
        let (r, s) = (received.clone(), status.clone());
        let app = axum::Router::new().route(
            "/hooks",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let (r, s) = (r.clone(), s.clone());
                async move {
                    let status = s.load(Ordering::SeqCst);
                    if status == 200 {
                        let sig =
                            headers.get("workos-signature").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                        r.lock().unwrap().push((sig, body));
                    }
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, received, status }
    }

    fn received(&self) -> Vec<(String, String)> {
        self.received.lock().unwrap().clone()
    }
}

/// Checks a `WorkOS-Signature` header as the SDK does: `t=<ms>, v1=<hex HMAC(secret, "t.body")>`.
fn verify(secret: &str, header: &str, body: &str) -> bool {
    let mut parts = header.split(',').map(str::trim);
    let t = parts.next().and_then(|p| p.strip_prefix("t=")).unwrap_or("");
    let v1 = parts.next().and_then(|p| p.strip_prefix("v1=")).unwrap_or("");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let fresh = t.parse::<i64>().map(|t| (server::time::now_ms() - t).abs() < 180_000).unwrap_or(false);
    expected == v1 && fresh
}

async fn events_of(app: &TestApp, query: &str) -> Vec<Value> {
    let reply = call(app, Method::GET, &format!("/events?{query}"), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["data"].as_array().unwrap().clone()
}

async fn every_state_change_writes_its_event(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;

    provider.answer(200, json!({"access_token": "at", "refresh_token": "rt", "expires_in": 10, "scope": "openid"}));
    app.connect("acme", "user_1", "c").await;
    app.obtained_long_ago().await;
    provider.answer(400, json!({"error": "invalid_grant", "error_description": "revoked"}));
    assert_eq!(app.token("acme", "user_1").await.json()["error"], "needs_reauthorization");
    let started = app.start_connect("acme", "user_2").await;
    app.callback(&started, "error=access_denied&error_description=nope").await;
    provider.answer(200, json!({"access_token": "at2"}));
    app.connect("acme", "user_1", "c2").await;
    let token = app.widget_token("user_1").await;
    app.send(
        Request::post("/api/widget/disconnect")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}&provider=acme")))
            .unwrap(),
    )
    .await;

    let events = events_of(&app, "order=asc").await;
    let names: Vec<&str> = events.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "pipes.account_connection.connected",
            "pipes.account_connection.reauthorization_needed",
            "pipes.account_connection.connection_failed",
            "pipes.account_connection.connected",
            "pipes.account_connection.disconnected",
        ]
    );
    // SDK 11's names find the same events, and name them as asked.
    let legacy =
        events_of(&app, "order=asc&events=pipes.connected_account.connected,pipes.connected_account.disconnected")
            .await;
    let names: Vec<&str> = legacy.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "pipes.connected_account.connected",
            "pipes.connected_account.connected",
            "pipes.connected_account.disconnected"
        ]
    );
    assert_eq!(legacy[0]["id"], events[0]["id"]);
    let connected = &events[0]["data"];
    // SDK 12's additions.
    assert_eq!(connected["connection_role"], "compatibility");
    assert_eq!(connected["auth_method"], "oauth");
    assert_eq!(connected["established_by_user_id"], "user_1");
    assert_eq!(connected["object"], "connected_account");
    assert_eq!(connected["provider_slug"], "acme");
    assert_eq!(connected["user_id"], "user_1");
    assert_eq!(connected["organization_id"], "org_1");
    assert_eq!(connected["state"], "connected");
    assert_eq!(connected["scopes"], json!(["openid"]));
    assert_eq!(events[1]["data"]["state"], "needs_reauthorization");
    assert_eq!(events[1]["data"]["id"], connected["id"]);
    let failed = &events[2]["data"];
    assert_eq!(failed["object"], "connection_failed");
    assert_eq!(failed["user_id"], "user_2");
    assert_eq!(failed["error_code"], "access_denied");
    assert_eq!(failed["provider_error"], "access_denied");
    assert_eq!(failed["provider_error_description"], "nope");
    assert_eq!(events[4]["data"]["state"], "disconnected");
    for e in &events {
        assert_eq!(e["object"], "event");
        assert!(e["id"].as_str().unwrap().starts_with("event_"));
        assert!(chrono::DateTime::parse_from_rfc3339(e["created_at"].as_str().unwrap()).is_ok());
    }
    app.finish().await;
}

async fn events_are_filtered_and_paged(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    for user in ["a", "b", "c"] {
        provider.answer(200, json!({"access_token": "at"}));
        app.connect("acme", user, "code").await;
    }
    let started = app.start_connect("acme", "d").await;
    app.callback(&started, "error=access_denied").await;

    let connected = events_of(&app, "events=pipes.connected_account.connected&order=asc&limit=2").await;
    assert_eq!(connected.len(), 2);
    let page = call(&app, Method::GET, "/events?events=pipes.connected_account.connected&order=asc&limit=2", None)
        .await
        .json();
    let after = page["list_metadata"]["after"].as_str().unwrap().to_string();
    let rest =
        events_of(&app, &format!("events=pipes.connected_account.connected&order=asc&limit=2&after={after}")).await;
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["data"]["user_id"], "c");
    let both =
        events_of(&app, "events=pipes.connected_account.connected,pipes.connected_account.connection_failed").await;
    assert_eq!(both.len(), 4);
    assert_eq!(both[0]["event"], "pipes.connected_account.connection_failed", "newest first by default");
    assert_eq!(events_of(&app, "organization_id=org_other").await.len(), 0);
    assert_eq!(events_of(&app, "range_start=2099-01-01T00:00:00Z").await.len(), 0);
    let reply = call(&app, Method::GET, "/events?events=user.created", None).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["errors"][0]["field"], "events");
    app.finish().await;
}

async fn deliveries_are_signed_retried_and_delivered_when_the_receiver_is_back(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.webhook_retry_base = Duration::from_millis(20)).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    let receiver = Receiver::start().await;
    let reply = call(
        &app,
        Method::POST,
        "/webhook_endpoints",
        Some(json!({"endpoint_url": receiver.url, "events": ["pipes.connected_account.connected"]})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let secret = reply.json()["secret"].as_str().unwrap().to_string();

    receiver.status.store(503, Ordering::SeqCst);
    provider.answer(200, json!({"access_token": "at"}));
    app.connect("acme", "user_1", "c").await;
    // Not subscribed: nothing is queued for it.
    let started = app.start_connect("acme", "user_2").await;
    app.callback(&started, "error=access_denied").await;

    assert_eq!(app.plumb.deliver_due_webhooks().await.unwrap(), 1);
    let rows = app.plumb.store().recent_deliveries(&SANDBOX.into(), 10).await.unwrap();
    assert_eq!((rows[0].status.as_str(), rows[0].attempts, rows[0].last_status_code), ("pending", 1, Some(503)));
    assert!(receiver.received().is_empty());

    // The receiver comes back; retries (with backoff) get through.
    receiver.status.store(200, Ordering::SeqCst);
    for _ in 0..100 {
        app.plumb.deliver_due_webhooks().await.unwrap();
        if !receiver.received().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let (signature, body) = &received[0];
    assert!(verify(&secret, signature, body), "{signature}");
    assert!(!verify("wrong-secret", signature, body));
    let envelope: Value = serde_json::from_str(body).unwrap();
    assert_eq!(envelope["event"], "pipes.connected_account.connected");
    assert_eq!(envelope["data"]["user_id"], "user_1");
    assert_eq!(serde_json::to_string(&envelope).unwrap().len(), body.len(), "compact JSON");
    let rows = app.plumb.store().recent_deliveries(&SANDBOX.into(), 10).await.unwrap();
    assert_eq!((rows[0].status.as_str(), rows[0].last_status_code), ("delivered", Some(200)));
    assert!(rows[0].attempts >= 2);

    // Resending queues it once more.
    assert!(app.plumb.store().resend_delivery(&SANDBOX.into(), &rows[0].id, server::time::now_ms()).await.unwrap());
    app.plumb.deliver_due_webhooks().await.unwrap();
    assert_eq!(receiver.received().len(), 2);
    app.finish().await;
}

async fn deliveries_are_given_up_after_the_configured_time(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.webhook_give_up_after = Duration::ZERO).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    let receiver = Receiver::start().await;
    receiver.status.store(500, Ordering::SeqCst);
    call(
        &app,
        Method::POST,
        "/webhook_endpoints",
        Some(json!({"endpoint_url": receiver.url, "events": ["pipes.connected_account.connected"]})),
    )
    .await;
    // A disabled endpoint gets nothing.
    let other = Receiver::start().await;
    let reply = call(
        &app,
        Method::POST,
        "/webhook_endpoints",
        Some(json!({"endpoint_url": other.url, "events": ["pipes.connected_account.connected"]})),
    )
    .await;
    let id = reply.json()["id"].as_str().unwrap().to_string();
    call(&app, Method::PATCH, &format!("/webhook_endpoints/{id}"), Some(json!({"status": "disabled"}))).await;

    provider.answer(200, json!({"access_token": "at"}));
    app.connect("acme", "user_1", "c").await;
    assert_eq!(app.plumb.deliver_due_webhooks().await.unwrap(), 1);
    let rows = app.plumb.store().recent_deliveries(&SANDBOX.into(), 10).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status.as_str(), "failed");
    let endpoints = app.plumb.store().webhook_endpoints(&SANDBOX.into()).await.unwrap();
    assert!(endpoints.iter().find(|e| e.endpoint_url == receiver.url).unwrap().last_failure_at.is_some());
    assert_eq!(app.plumb.deliver_due_webhooks().await.unwrap(), 0);
    assert!(other.received().is_empty());
    app.finish().await;
}

async fn webhook_endpoints_are_validated(backend: Backend) {
    let app = TestApp::new(backend).await;
    for (body, field) in [
        (json!({"endpoint_url": "not a url", "events": ["pipes.connected_account.connected"]}), "endpoint_url"),
        (json!({"endpoint_url": "https://a.example/h", "events": ["user.created"]}), "events"),
        (json!({"endpoint_url": "https://a.example/h", "events": []}), "events"),
        (
            json!({"endpoint_url": "https://a.example/h", "events": ["pipes.connected_account.connected"], "colour": 1}),
            "colour",
        ),
    ] {
        let reply = call(&app, Method::POST, "/webhook_endpoints", Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], field);
    }
    let body = json!({"endpoint_url": "https://a.example/h", "events": ["pipes.connected_account.connected"]});
    let created = call(&app, Method::POST, "/webhook_endpoints", Some(body.clone())).await.json();
    assert_eq!(created["status"], "enabled");
    assert!(created["secret"].as_str().unwrap().len() >= 32);
    assert_eq!(call(&app, Method::POST, "/webhook_endpoints", Some(body)).await.status, StatusCode::CONFLICT);
    let list = call(&app, Method::GET, "/webhook_endpoints", None).await.json();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(list["data"][0].get("secret").is_none(), "the secret is shown once");
    let id = created["id"].as_str().unwrap();
    let patched = call(
        &app,
        Method::PATCH,
        &format!("/webhook_endpoints/{id}"),
        Some(json!({"status": "disabled", "events": ["pipes.connected_account.disconnected"]})),
    )
    .await
    .json();
    assert_eq!(patched["status"], "disabled");
    assert_eq!(patched["events"], json!(["pipes.connected_account.disconnected"]));
    assert_eq!(call(&app, Method::DELETE, &format!("/webhook_endpoints/{id}"), None).await.status, StatusCode::OK);
    assert_eq!(
        call(&app, Method::DELETE, &format!("/webhook_endpoints/{id}"), None).await.status,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}
