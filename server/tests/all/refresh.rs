//! Refresh under load and across processes, on both databases: single flight inside one
//! process and between several sharing the database, the background refresher, and leases left
//! behind by a process that died.

use crate::support::{Backend, FakeProvider, TestApp};
use app::model::AccessTokenRequest;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

on_both_backends!(
    two_hundred_concurrent_fetches_cause_one_refresh,
    three_processes_share_one_refresh,
    the_background_refresher_renews_before_anyone_asks,
    a_lease_left_by_a_dead_process_is_taken_over,
);

fn tokens(access: &str, refresh: &str, expires_in: u64) -> serde_json::Value {
    json!({"access_token": access, "refresh_token": refresh, "expires_in": expires_in, "token_type": "Bearer"})
}

async fn connected(backend: Backend) -> (TestApp, FakeProvider) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    // 10 s left: inside the 60 s skew, so the next fetch must refresh.
    provider.answer(200, tokens("at-1", "rt-1", 10));
    app.connect("acme", "user_1", "code").await;
    (app, provider)
}

async fn two_hundred_concurrent_fetches_cause_one_refresh(backend: Backend) {
    let (app, provider) = connected(backend).await;
    provider.set_delay(300);
    provider.answer(200, tokens("at-2", "rt-2", 3600));
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move { app.token("acme", "user_1").await }));
    }
    let mut seen = HashSet::new();
    for t in tasks {
        let reply = t.await.unwrap();
        assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.body);
        seen.insert(reply.json()["access_token"]["access_token"].as_str().unwrap().to_string());
    }
    assert_eq!(seen, HashSet::from(["at-2".to_string()]));
    let refreshes = provider.requests().iter().filter(|r| r["grant_type"] == "refresh_token").count();
    assert_eq!(refreshes, 1, "exactly one refresh reached the provider");
    std::sync::Arc::into_inner(app).unwrap().finish().await;
}

async fn three_processes_share_one_refresh(backend: Backend) {
    let (app, provider) = connected(backend).await;
    provider.set_delay(300);
    provider.answer(200, tokens("at-2", "rt-2", 3600));
    let processes = [app.plumb.clone(), app.sibling().await, app.sibling().await];
    let request = AccessTokenRequest { user_id: "user_1".into(), organization_id: Some("org_1".into()) };
    let key = server::api_keys::PresentedKey::new(&app.api_key).unwrap();
    let mut tasks = Vec::new();
    for i in 0..150 {
        let plumb = processes[i % 3].clone();
        let (request, key) = (request.clone(), key.clone());
        tasks.push(tokio::spawn(async move { plumb.get_access_token(&key, "acme", &request).await }));
    }
    let mut seen = HashSet::new();
    for t in tasks {
        let response = t.await.unwrap().expect("every fetch succeeds");
        seen.insert(response.access_token.expect("active").access_token);
    }
    assert_eq!(seen, HashSet::from(["at-2".to_string()]));
    let refreshes = provider.requests().iter().filter(|r| r["grant_type"] == "refresh_token").count();
    assert_eq!(refreshes, 1, "one refresh for all three processes");
    for p in &processes[1..] {
        p.store().close().await;
    }
    app.finish().await;
}

async fn the_background_refresher_renews_before_anyone_asks(backend: Backend) {
    let (app, provider) = connected(backend).await;
    provider.answer(200, tokens("at-2", "rt-2", 3600));
    let looked_at = app.plumb.refresh_expiring(Duration::from_secs(120)).await.unwrap();
    assert_eq!(looked_at, 1);
    assert_eq!(provider.requests().len(), 2);
    // The fetch is served without waiting on the provider.
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-2");
    assert_eq!(provider.requests().len(), 2);
    // Nothing left to do.
    assert_eq!(app.plumb.refresh_expiring(Duration::from_secs(120)).await.unwrap(), 0);
    app.finish().await;
}

async fn a_lease_left_by_a_dead_process_is_taken_over(backend: Backend) {
    let (app, provider) = connected(backend).await;
    let store = app.plumb.store();
    let p = store.provider_by_slug(&"env_sandbox".into(), "acme").await.unwrap().unwrap();
    let c = store.connection(&p.id, &crate::support::owner("user_1", "org_1")).await.unwrap().unwrap();
    let now = server::time::now_ms();
    // A process took the lease and died: nobody releases it until it expires.
    assert!(store.acquire_refresh_lease(&c.id, "dead-process", c.updated_at, now, now + 500).await.unwrap());
    provider.answer(200, tokens("at-2", "rt-2", 3600));
    let started = std::time::Instant::now();
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-2");
    assert!(started.elapsed() >= Duration::from_millis(300), "waited for the lease to expire");
    let c = store.connection_by_id(&c.id).await.unwrap().unwrap();
    assert_eq!(c.refresh_lease_owner, None);
    app.finish().await;
}
