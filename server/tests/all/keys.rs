//! Encryption keys on both databases: rotation while fetches and refreshes run, retiring keys,
//! tampered and swapped ciphertexts, and a database file that is useless without its key.

use crate::support::{Backend, FakeProvider, TestApp};
use axum::http::{Method, StatusCode};
use serde_json::json;
use server::crypto::{self, Cipher, KeyMaterial, KeySource};
use server::ids::ConnectionId;
use server::keys;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

on_both_backends!(
    a_rotation_under_traffic_loses_no_token,
    retiring_refuses_the_current_key_and_keys_in_use,
    tampered_and_swapped_ciphertexts_are_refused_and_change_nothing,
);

mod sqlite_file {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_database_file_alone_reveals_no_token_or_secret() {
        super::the_database_file_alone_reveals_no_token_or_secret().await
    }
}

fn key_file() -> (std::path::PathBuf, Cipher) {
    let dir = std::env::temp_dir().join(format!("plumb-keyfile-{}", server::ids::random_token(8)));
    let path = dir.join("encryption.key");
    KeyMaterial::load_or_create(&path).unwrap();
    let cipher = file_cipher(&path);
    (path, cipher)
}

/// What another `plumb` process reading the same key file holds.
fn file_cipher(path: &std::path::Path) -> Cipher {
    Cipher::from_keys(crypto::read_key_file(path).unwrap(), KeySource::File(path.to_path_buf())).unwrap()
}

fn tokens(n: usize) -> serde_json::Value {
    json!({"access_token": format!("at-{n}"), "refresh_token": format!("rt-{n}"), "expires_in": 3600})
}

async fn connection_id(app: &TestApp, user: &str) -> ConnectionId {
    let provider = app.plumb.store().provider_by_slug(&"env_sandbox".into(), "acme").await.unwrap().unwrap();
    app.plumb.store().connection(&provider.id, &crate::support::owner(user, "org_1")).await.unwrap().unwrap().id
}

async fn a_rotation_under_traffic_loses_no_token(backend: Backend) {
    let (path, server_cipher) = key_file();
    let app =
        TestApp::with_cipher(backend, |c| c.key_reload_interval = Duration::from_millis(200), server_cipher).await;
    let app = Arc::new(app);
    keys::spawn_key_watcher(app.plumb.cipher().clone(), Duration::from_millis(200));
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    let users: Vec<String> = (0..12).map(|i| format!("user_{i}")).collect();
    for (i, user) in users.iter().enumerate() {
        provider.answer(200, tokens(i));
        assert_eq!(app.connect("acme", user, "code").await.status, StatusCode::SEE_OTHER);
    }
    for n in 0..400 {
        provider.answer(200, tokens(1000 + n));
    }
    let old_key = app.plumb.cipher().key_id();

    // Traffic: every user's token fetched over and over, and some tokens expired so fetches
    // refresh them and write new ciphertexts while the rotation runs.
    let stop = Arc::new(AtomicBool::new(false));
    let fetched = Arc::new(AtomicUsize::new(0));
    // Refreshes are bounded by the answers programmed above.
    let refreshes = Arc::new(AtomicUsize::new(0));
    let mut traffic = Vec::new();
    for worker in 0..4 {
        let (app, users, stop, fetched, refreshes) =
            (app.clone(), users.clone(), stop.clone(), fetched.clone(), refreshes.clone());
        traffic.push(tokio::spawn(async move {
            let mut round = 0usize;
            while !stop.load(Ordering::SeqCst) {
                for (i, user) in users.iter().enumerate() {
                    if (i + round + worker).is_multiple_of(7) && refreshes.fetch_add(1, Ordering::SeqCst) < 300 {
                        app.expire(&connection_id(&app, user).await).await;
                    }
                    let reply = app.token("acme", user).await;
                    assert_eq!(reply.status, StatusCode::OK, "{user}: {}", reply.body);
                    assert_eq!(reply.json()["active"], true, "{user}: {}", reply.body);
                    fetched.fetch_add(1, Ordering::SeqCst);
                }
                round += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }

    // `plumb keys rotate`, as another process: its own cipher on the same key file.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let tool = file_cipher(&path);
    let store = server::store::Store::connect(&app.plumb.config().database_url).await.unwrap();
    let new_key = keys::add_key_to_file(&tool).unwrap();
    let done = keys::reencrypt(&store, &tool, Duration::from_millis(1000), Duration::from_secs(60)).await.unwrap();
    stop.store(true, Ordering::SeqCst);
    for t in traffic {
        t.await.unwrap();
    }
    assert!(fetched.load(Ordering::SeqCst) > 50, "traffic ran during the rotation");
    assert!(done.resealed > 0);
    assert_eq!(done.unreadable, 0);
    assert!(done.remaining.is_empty(), "{:?}", done.remaining);
    assert_eq!(app.plumb.cipher().key_id(), new_key, "the server picked up the new key");

    // Nothing uses the old key now: it can be retired, and every token still comes back.
    let usage = keys::usage(&store).await.unwrap();
    assert_eq!(usage.keys().collect::<Vec<_>>(), [&new_key]);
    keys::retire(&store, &tool, &old_key).await.unwrap();
    assert_eq!(crypto::read_key_file(&path).unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.plumb.cipher().key_ids(), std::slice::from_ref(&new_key));
    for user in &users {
        let reply = app.token("acme", user).await;
        assert_eq!(reply.json()["active"], true, "{user}: {}", reply.body);
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
    Arc::try_unwrap(app).ok().expect("traffic finished").finish().await;
}

async fn retiring_refuses_the_current_key_and_keys_in_use(backend: Backend) {
    let (path, cipher) = key_file();
    let app = TestApp::with_cipher(backend, |_| {}, cipher).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, tokens(1));
    app.connect("acme", "user_1", "code").await;
    let first = app.plumb.cipher().key_id();
    let err = keys::retire(app.plumb.store(), app.plumb.cipher(), &first).await.unwrap_err();
    assert!(err.to_string().contains("current key"), "{err}");

    let second = keys::add_key_to_file(app.plumb.cipher()).unwrap();
    let err = keys::retire(app.plumb.store(), app.plumb.cipher(), &first).await.unwrap_err();
    assert!(err.to_string().contains("still use"), "{err}");
    assert_eq!(crypto::read_key_file(&path).unwrap().len(), 2, "the key file is unchanged");
    let err = keys::retire(app.plumb.store(), app.plumb.cipher(), "k-unknown").await.unwrap_err();
    assert!(err.to_string().contains("No key"), "{err}");

    let pass = keys::reencrypt_pass(app.plumb.store(), app.plumb.cipher()).await.unwrap();
    assert_eq!(pass.resealed, 3, "access token, refresh token and client secret");
    keys::retire(app.plumb.store(), app.plumb.cipher(), &first).await.unwrap();
    assert_eq!(app.plumb.cipher().key_ids(), [second]);
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-1");
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
    app.finish().await;
}

async fn sealed(app: &TestApp, id: &ConnectionId) -> Vec<u8> {
    sqlx::query_scalar::<_, Vec<u8>>("SELECT access_token FROM connections WHERE id = $1")
        .bind(id.as_str())
        .fetch_one(app.plumb.store().pool())
        .await
        .unwrap()
}

async fn set_sealed(app: &TestApp, id: &ConnectionId, value: &[u8]) {
    sqlx::query("UPDATE connections SET access_token = $1 WHERE id = $2")
        .bind(value)
        .bind(id.as_str())
        .execute(app.plumb.store().pool())
        .await
        .unwrap();
}

async fn tampered_and_swapped_ciphertexts_are_refused_and_change_nothing(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, tokens(1));
    app.connect("acme", "user_1", "code").await;
    provider.answer(200, tokens(2));
    app.connect("acme", "user_2", "code").await;
    let (one, two) = (connection_id(&app, "user_1").await, connection_id(&app, "user_2").await);

    let original = sealed(&app, &one).await;
    let mut tampered = original.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let swapped = sealed(&app, &two).await;
    let foreign_key = Cipher::new("k-other", KeyMaterial::generate())
        .seal(b"at-x", &server::crypto::Aad::new("connections", one.as_str(), "access_token"));

    for (what, value) in
        [("tampered", tampered), ("swapped from user_2", swapped), ("sealed by another key", foreign_key)]
    {
        set_sealed(&app, &one, &value).await;
        let reply = app.token("acme", "user_1").await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{what}: {}", reply.body);
        assert_eq!(reply.json()["code"], "stored_secret_unreadable", "{what}");
        assert!(!reply.body.contains("at-2"), "{what}: user_2's token must not leak");
        assert_eq!(sealed(&app, &one).await, value, "{what}: nothing was rewritten");
        let c = app.plumb.store().connection_by_id(&one).await.unwrap().unwrap();
        assert_eq!(c.state.as_str(), "connected", "{what}");
    }
    // user_2 is untouched throughout.
    assert_eq!(app.token("acme", "user_2").await.json()["access_token"]["access_token"], "at-2");
    set_sealed(&app, &one, &original).await;
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-1");
    app.finish().await;
}

async fn the_database_file_alone_reveals_no_token_or_secret() {
    let app = TestApp::new(Backend::Sqlite).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(
        200,
        json!({"access_token": "gho_PLAINTEXT_ACCESS_1234", "refresh_token": "ghr_PLAINTEXT_REFRESH_5678", "expires_in": 3600}),
    );
    app.connect("acme", "user_1", "code").await;
    let hook = app
        .send(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/webhook_endpoints")
                .header("authorization", format!("Bearer {}", app.api_key))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    json!({"endpoint_url": "http://127.0.0.1:9/hook", "events": ["pipes.connected_account.connected"]})
                        .to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.body);
    let webhook_secret = hook.json()["secret"].as_str().unwrap().to_string();
    let db_path = app.db.url.strip_prefix("sqlite://").unwrap().to_string();
    app.plumb.store().close().await;
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(b) = std::fs::read(format!("{db_path}{suffix}")) {
            bytes.extend(b);
        }
    }
    assert!(bytes.len() > 4096);
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    // The provider's slug is stored in clear: proof the search looks at the right bytes.
    assert!(contains("acme"), "the file holds the rows");
    for secret in ["gho_PLAINTEXT_ACCESS_1234", "ghr_PLAINTEXT_REFRESH_5678", "secret-1", &app.api_key, &webhook_secret]
    {
        assert!(!contains(secret), "{secret} is readable in the database file");
    }
    app.db.drop_now().await;
}
