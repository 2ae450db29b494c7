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
    short_lived_tokens_refresh_once_for_a_crowd,
    a_hanging_provider_answers_the_sdk_within_seconds,
);

/// `n` concurrent token fetches for user_1; the distinct tokens they got (each must succeed).
async fn crowd(app: &std::sync::Arc<TestApp>, n: usize) -> HashSet<String> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let app = app.clone();
        tasks.push(tokio::spawn(async move { app.token("acme", "user_1").await }));
    }
    let mut seen = HashSet::new();
    for t in tasks {
        let reply = t.await.unwrap();
        assert_eq!(reply.status, axum::http::StatusCode::OK, "{}", reply.body);
        seen.insert(reply.json()["access_token"]["access_token"].as_str().unwrap().to_string());
    }
    seen
}

fn tokens(access: &str, refresh: &str, expires_in: u64) -> serde_json::Value {
    json!({"access_token": access, "refresh_token": refresh, "expires_in": expires_in, "token_type": "Bearer"})
}

async fn connected(backend: Backend) -> (TestApp, FakeProvider) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    // 10 s left of a token obtained long ago: inside the 60 s skew, so the next fetch must
    // refresh.
    provider.answer(200, tokens("at-1", "rt-1", 10));
    app.connect("acme", "user_1", "code").await;
    app.obtained_long_ago().await;
    (app, provider)
}

async fn two_hundred_concurrent_fetches_cause_one_refresh(backend: Backend) {
    let (app, provider) = connected(backend).await;
    provider.set_delay(300);
    provider.answer(200, tokens("at-2", "rt-2", 3600));
    let app = std::sync::Arc::new(app);
    let seen = crowd(&app, 200).await;
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
    let request =
        AccessTokenRequest { user_id: "user_1".into(), organization_id: Some("org_1".into()), ..Default::default() };
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

async fn short_lived_tokens_refresh_once_for_a_crowd(backend: Backend) {
    // Six-second tokens and the default 60-second skew.
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, tokens("at-1", "rt-1", 6));
    app.connect("acme", "user_1", "code").await;
    // Fetches right after connecting use the token just obtained.
    for _ in 0..3 {
        assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-1");
    }
    assert_eq!(provider.requests().len(), 1, "no refresh of a token obtained a moment ago");

    // It expires; two hundred fetches arrive at once and the new token is again a six-second one.
    let now = server::time::now_ms();
    sqlx::query("UPDATE connections SET expires_at = $1, updated_at = $2")
        .bind(now - 1)
        .bind(now - 7_000)
        .execute(app.plumb.store().pool())
        .await
        .unwrap();
    provider.set_delay(300);
    provider.answer(200, tokens("at-2", "rt-2", 6));
    let app = std::sync::Arc::new(app);
    let seen = crowd(&app, 200).await;
    assert_eq!(seen, HashSet::from(["at-2".to_string()]), "one token for everyone");
    let refreshes = provider.requests().iter().filter(|r| r["grant_type"] == "refresh_token").count();
    assert_eq!(refreshes, 1);
    std::sync::Arc::into_inner(app).unwrap().finish().await;
}

/// Runs the official Node SDK (end2end/node_modules) against `addr`: `getAccessToken` for
/// user_1, printing the outcome and how long it took.
fn sdk_get_access_token(addr: std::net::SocketAddr, api_key: &str) -> serde_json::Value {
    let script = format!(
        "import {{ WorkOS }} from '@workos-inc/node';\n\
         const sdk = new WorkOS('{api_key}', {{ apiHostname: '127.0.0.1', port: {port}, https: false }});\n\
         const started = Date.now();\n\
         try {{\n\
           const got = await sdk.pipes.getAccessToken({{ provider: 'acme', userId: 'user_1', organizationId: 'org_1' }});\n\
           console.log(JSON.stringify({{ got, ms: Date.now() - started }}));\n\
         }} catch (e) {{\n\
           console.log(JSON.stringify({{ status: e.status ?? null, error: String(e), ms: Date.now() - started }}));\n\
         }}\n",
        port = addr.port()
    );
    let end2end = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end");
    assert!(
        end2end.join("node_modules/@workos-inc/node").is_dir(),
        "the official SDK is not installed: run `make deps` (or `make test`)"
    );
    let out = std::process::Command::new("node")
        .args(["--input-type=module", "-e", &script])
        .current_dir(&end2end)
        .output()
        .expect("node runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stdout)))
}

async fn a_hanging_provider_answers_the_sdk_within_seconds(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, tokens("at-1", "rt-1", 3600));
    app.connect("acme", "user_1", "code").await;
    let id = app.plumb.store().connection_by_id(&connection_id(&app).await).await.unwrap().unwrap().id;
    app.expire(&id).await;
    // The token endpoint now accepts the connection and never answers (within the test).
    provider.set_delay(120_000);
    let api_key = app.api_key.clone();
    let server = crate::support::Listening::serve(app, Duration::from_secs(10), 64).await;
    let addr = server.addr;
    let outcome = tokio::task::spawn_blocking(move || sdk_get_access_token(addr, &api_key)).await.unwrap();
    let ms = outcome["ms"].as_u64().unwrap();
    assert!(ms < 10_000, "the SDK waited {ms} ms: {outcome}");
    assert_eq!(outcome["status"], 503, "{outcome}");
    let refreshes = provider.requests().iter().filter(|r| r["grant_type"] == "refresh_token").count();
    assert_eq!(refreshes, 1, "one request reached the hanging provider: {outcome}");
    server.stop().await;
}

async fn connection_id(app: &TestApp) -> server::ids::ConnectionId {
    let store = app.plumb.store();
    let p = store.provider_by_slug(&"env_sandbox".into(), "acme").await.unwrap().unwrap();
    store.connection(&p.id, &crate::support::owner("user_1", "org_1")).await.unwrap().unwrap().id
}
