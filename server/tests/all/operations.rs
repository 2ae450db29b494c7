//! Running Plumb (issue 16): `Idempotency-Key`, metrics, request ids, the command line
//! (`--help`, completions, `config check`, `_FILE` secrets, `backup`), and a graceful shutdown
//! of the real binary under load.

use crate::support::{Backend, FakeProvider, TestApp, TestDb};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use std::process::{Command, Output};
use tower::ServiceExt;

on_both_backends!(
    a_retried_create_gets_the_first_answer,
    a_key_reused_for_another_request_is_refused,
    a_stale_or_abandoned_key_is_taken_over,
    kept_answers_are_sealed_and_failures_are_not_kept,
    metrics_count_fetches_and_refreshes_in_the_text_format,
    request_ids_are_answered_and_passed_through,
);

const PLUMB: &str = env!("CARGO_BIN_EXE_plumb");

fn tokens(access: &str, refresh: &str) -> serde_json::Value {
    json!({"access_token": access, "refresh_token": refresh, "token_type": "Bearer", "expires_in": 3600})
}

async fn post_with_key(app: &TestApp, path: &str, key: Option<&str>, body: serde_json::Value) -> crate::support::Reply {
    let mut request = Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {}", app.api_key))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    app.send(request.body(Body::from(body.to_string())).unwrap()).await
}

fn endpoint(url: &str) -> serde_json::Value {
    json!({"endpoint_url": url, "events": ["pipes.connected_account.connected"]})
}

async fn a_retried_create_gets_the_first_answer(backend: Backend) {
    let app = TestApp::new(backend).await;
    let before = app.count("webhook_endpoints").await;
    let first = post_with_key(&app, "/webhook_endpoints", Some("create-1"), endpoint("https://hooks.example/a")).await;
    assert!(first.status.is_success(), "{}", first.body);
    let again = post_with_key(&app, "/webhook_endpoints", Some("create-1"), endpoint("https://hooks.example/a")).await;
    assert_eq!((again.status, &again.body), (first.status, &first.body), "the retry is answered the first answer");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("content-type"), first.header("content-type"));
    assert_eq!(app.count("webhook_endpoints").await, before + 1, "one endpoint, not two");
    // Without the header, a retry is a second create: here a 409, the answer the SDK's retry
    // used to get after a lost response.
    let plain = post_with_key(&app, "/webhook_endpoints", None, endpoint("https://hooks.example/a")).await;
    assert_eq!(plain.status, StatusCode::CONFLICT, "{}", plain.body);
    // Another API key's same Idempotency-Key is another key.
    let other = server::api_keys::create(app.plumb.store(), "sandbox", "other", server::time::now_ms()).await.unwrap();
    let theirs = app
        .send(
            Request::post("/webhook_endpoints")
                .header(header::AUTHORIZATION, format!("Bearer {}", other.secret))
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", "create-1")
                .body(Body::from(endpoint("https://hooks.example/b").to_string()))
                .unwrap(),
        )
        .await;
    assert!(theirs.status.is_success() && theirs.header("idempotent-replayed").is_none(), "{}", theirs.body);
    assert_eq!(app.count("webhook_endpoints").await, before + 2);
    app.finish().await;
}

async fn a_key_reused_for_another_request_is_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let first = post_with_key(&app, "/webhook_endpoints", Some("k-2"), endpoint("https://hooks.example/a")).await;
    assert!(first.status.is_success(), "{}", first.body);
    let other = post_with_key(&app, "/webhook_endpoints", Some("k-2"), endpoint("https://hooks.example/b")).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", other.body);
    assert_eq!(other.json()["code"], "idempotency_key_reused");
    let endpoints = app.count("webhook_endpoints").await;
    let bad = post_with_key(&app, "/webhook_endpoints", Some("has space"), endpoint("https://hooks.example/c")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.json()["message"].as_str().unwrap().contains("Idempotency-Key"));
    // A request still running under the key: the retry is told to come back.
    let id = server::ids::sha256_hex(&format!(
        "{}\n{}",
        server::api_keys::PresentedKey::new(&app.api_key).unwrap().hash(),
        "running"
    ));
    let print = server::idempotency::fingerprint(
        "POST",
        "/webhook_endpoints",
        endpoint("https://hooks.example/d").to_string().as_bytes(),
    );
    let now = server::time::now_ms();
    assert!(app.plumb.store().claim_idempotency_key(&id, &print, now, 0, 0).await.unwrap());
    let busy = post_with_key(&app, "/webhook_endpoints", Some("running"), endpoint("https://hooks.example/d")).await;
    assert_eq!(busy.status, StatusCode::CONFLICT, "{}", busy.body);
    assert_eq!(busy.json()["code"], "idempotency_key_in_use");
    assert_eq!(busy.header("retry-after"), Some("1"));
    // Refused requests stored nothing, and the first answer is still the one kept.
    assert_eq!(app.count("webhook_endpoints").await, endpoints);
    let replay = post_with_key(&app, "/webhook_endpoints", Some("k-2"), endpoint("https://hooks.example/a")).await;
    assert_eq!(replay.body, first.body);
    app.finish().await;
}

/// A key past its 24 hours, or one whose first request never finished (its process died), is
/// claimed again in place; a live one is not.
async fn a_stale_or_abandoned_key_is_taken_over(backend: Backend) {
    let app = TestApp::new(backend).await;
    let store = app.plumb.store();
    let now = server::time::now_ms();
    assert!(store.claim_idempotency_key("k", "print-1", now - 10, now - 1000, now - 1000).await.unwrap());
    assert!(!store.claim_idempotency_key("k", "print-2", now, now - 1000, now - 1000).await.unwrap(), "live");
    assert!(store.claim_idempotency_key("k", "print-3", now, now - 1000, now).await.unwrap(), "abandoned");
    store.store_idempotency_answer("k", 201, Some("application/json"), b"sealed").await.unwrap();
    assert!(!store.claim_idempotency_key("k", "print-4", now + 1, now - 1000, now + 1).await.unwrap(), "answered");
    assert!(store.claim_idempotency_key("k", "print-5", now + 1, now + 1, now + 1).await.unwrap(), "expired");
    let stored = store.idempotency_answer("k").await.unwrap().unwrap();
    assert_eq!((stored.fingerprint.as_str(), stored.status, stored.body), ("print-5", None, None));
    assert_eq!(app.count("idempotency_keys").await, 1);
    app.finish().await;
}

async fn kept_answers_are_sealed_and_failures_are_not_kept(backend: Backend) {
    let app = TestApp::new(backend).await;
    // A webhook endpoint's creation answers its signing secret: the kept answer is sealed.
    let created = post_with_key(&app, "/webhook_endpoints", Some("hook-1"), endpoint("https://hooks.example/s")).await;
    let secret = created.json()["secret"].as_str().unwrap().to_string();
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT body FROM idempotency_keys").fetch_one(app.plumb.store().pool()).await.unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains(&secret), "the kept answer is in the clear");
    assert_eq!(
        post_with_key(&app, "/webhook_endpoints", Some("hook-1"), endpoint("https://hooks.example/s")).await.body,
        created.body
    );

    // A failure on Plumb's side (5xx: the provider is down while Plumb connects an account with
    // client credentials) is not kept: the retry runs again, and succeeds once it is back.
    let fake = FakeProvider::start().await;
    let provider = json!({
        "provider": "machine",
        "enabled": true,
        "auth_methods": ["client_credentials"],
        "custom_provider": {"name": "Machine", "token_url": format!("{}/token", fake.url)},
    });
    assert_eq!(app.call(Method::POST, "/data-integrations", provider).await.status, StatusCode::CREATED);
    let connect = json!({"user_id": "user_1", "client_id": "cid", "client_secret": "client-secret-98765",
                         "connection_intent": "add"});
    let path = "/data-integrations/machine/client-credentials";
    fake.answer(503, json!({"error": "temporarily_unavailable"}));
    let failed = post_with_key(&app, path, Some("cc-1"), connect.clone()).await;
    assert!(failed.status.is_server_error(), "{} {}", failed.status, failed.body);
    fake.answer(200, json!({"access_token": "cc-token", "expires_in": 3600, "token_type": "Bearer"}));
    let retried = post_with_key(&app, path, Some("cc-1"), connect.clone()).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.body);
    assert!(retried.header("idempotent-replayed").is_none());
    let again = post_with_key(&app, path, Some("cc-1"), connect).await;
    assert_eq!((again.status, again.header("idempotent-replayed")), (StatusCode::CREATED, Some("true")));
    assert_eq!(fake.requests().len(), 2, "the replay did not call the provider");

    // Token fetches are answered afresh whatever the key: nothing of them is kept.
    let keys = app.count("idempotency_keys").await;
    let fetched = post_with_key(&app, "/data-integrations/machine/token", Some("tok-1"), json!({"user_id": "user_1"}));
    assert_eq!(fetched.await.json()["access_token"]["access_token"], "cc-token");
    assert_eq!(app.count("idempotency_keys").await, keys);

    // Keys past their 24 hours go with the hourly retention pass.
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - 90000000")
        .execute(app.plumb.store().pool())
        .await
        .unwrap();
    let pruned = app.plumb.housekeeping(server::time::now_ms()).await.unwrap();
    assert_eq!(pruned.idempotency_keys, 2);
    assert_eq!(app.count("idempotency_keys").await, 0);
    app.finish().await;
}

/// Each sample line of the text format: `name{labels} value`.
fn samples(text: &str) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            assert!(
                line.starts_with("# HELP ") || line.starts_with("# TYPE ") || line == "# EOF",
                "unexpected comment {line:?}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {line:?}"));
        let name = series.split('{').next().unwrap();
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "bad metric name {name:?}");
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value in {line:?}"));
        out.push((series.to_string(), value));
    }
    out
}

fn sample(all: &[(String, f64)], series: &str) -> f64 {
    all.iter().find(|(s, _)| s == series).map(|(_, v)| *v).unwrap_or(0.0)
}

async fn scrape(app: &TestApp) -> Vec<(String, f64)> {
    let response = server::http::metrics_router(app.plumb.clone())
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(text.ends_with("# EOF\n"));
    samples(&text)
}

async fn metrics_count_fetches_and_refreshes_in_the_text_format(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, tokens("a-1", "r-1"));
    assert_eq!(app.connect("acme", "user_1", "code-1").await.status, StatusCode::SEE_OTHER);
    let before = scrape(&app).await;
    assert_eq!(app.token("acme", "user_1").await.status, StatusCode::OK);
    let id = server::ids::ConnectionId::from(
        sqlx::query_scalar::<_, String>("SELECT id FROM connections")
            .fetch_one(app.plumb.store().pool())
            .await
            .unwrap(),
    );
    app.expire(&id).await;
    provider.answer(200, tokens("a-2", "r-2"));
    assert_eq!(app.token("acme", "user_1").await.status, StatusCode::OK);
    assert_eq!(app.token("nope", "user_1").await.status, StatusCode::NOT_FOUND);
    let after = scrape(&app).await;
    let grew = |series: &str| sample(&after, series) - sample(&before, series);
    assert_eq!(grew("plumb_token_fetches_total{outcome=\"active\"}"), 2.0);
    assert_eq!(grew("plumb_token_fetches_total{outcome=\"provider_not_found\"}"), 1.0);
    assert_eq!(grew("plumb_token_fetch_seconds_count"), 3.0);
    assert_eq!(grew("plumb_refreshes_total{provider=\"acme\",outcome=\"refreshed\"}"), 1.0);
    assert!(sample(&after, "plumb_database_pool_connections{state=\"idle\"}") >= 1.0);
    for family in ["plumb_refresh_waits_total", "plumb_webhook_delivery_lag_seconds_count", "plumb_relay_seconds_count"]
    {
        assert!(after.iter().any(|(s, _)| s.starts_with(family)), "{family} is missing");
    }
    // Never on the public listener.
    let public = app.send(Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(public.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

async fn request_ids_are_answered_and_passed_through(backend: Backend) {
    let app = TestApp::new(backend).await;
    let get = |id: Option<&str>| {
        let mut request = Request::builder().method(Method::GET).uri("/api_keys/current");
        request = request.header(header::AUTHORIZATION, format!("Bearer {}", app.api_key));
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        request.body(Body::empty()).unwrap()
    };
    let passed = app.send(get(Some("trace-42.a"))).await;
    assert_eq!(passed.header("x-request-id"), Some("trace-42.a"));
    let (a, b) = (app.send(get(None)).await, app.send(get(None)).await);
    let (a, b) = (a.header("x-request-id").unwrap().to_string(), b.header("x-request-id").unwrap().to_string());
    assert!(a.starts_with("req_") && a != b, "{a} {b}");
    let unsafe_id = app.send(get(Some("evil id"))).await;
    assert!(unsafe_id.header("x-request-id").unwrap().starts_with("req_"));
    // Errors carry one too: the SDK copies it into the exception it throws.
    let refused = app.post_json("/data-integrations/acme/token", None, json!({})).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.header("x-request-id").is_some());
    app.finish().await;
}

// --- the command line ---------------------------------------------------------------------

fn plumb(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(PLUMB);
    command.args(args).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("runs plumb")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_command_has_help_and_bad_arguments_are_named() {
    let top = plumb(&["--help"], &[]);
    assert!(top.status.success());
    let help = text(&top.stdout);
    let commands = ["serve", "api-keys", "environments", "admin", "keys", "config", "backup", "completions"];
    for command in commands {
        assert!(help.contains(command), "--help does not list {command}: {help}");
        let own = plumb(&[command, "--help"], &[]);
        assert!(own.status.success(), "{command} --help: {}", text(&own.stderr));
        assert!(text(&own.stdout).contains("Usage: plumb"), "{command} --help");
    }
    for nested in [["api-keys", "create"], ["keys", "rotate"], ["config", "check"], ["admin", "invite"]] {
        let own = plumb(&[nested[0], nested[1], "--help"], &[]);
        assert!(own.status.success(), "{nested:?} --help");
    }
    let serve_help = text(&plumb(&["serve", "--help"], &[]).stdout);
    assert!(serve_help.contains("PLUMB_DATABASE_URL") && serve_help.contains("PLUMB_METRICS_ADDR"), "{serve_help}");
    let version = plumb(&["--version"], &[]);
    assert_eq!(text(&version.stdout).trim(), format!("plumb {}", env!("CARGO_PKG_VERSION")));
    let unknown = plumb(&["api-keys", "create", "--colour", "red"], &[]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("--colour"), "{}", text(&unknown.stderr));
    let missing = plumb(&["keys", "retire"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("<ID>"), "{}", text(&missing.stderr));
    let completions = plumb(&["completions", "bash"], &[]);
    assert!(completions.status.success());
    let script = text(&completions.stdout);
    assert!(script.contains("complete") && script.contains("api-keys") && script.contains("backup"), "{script}");
    let bad_shell = plumb(&["completions", "cmd.exe"], &[]);
    assert_eq!(bad_shell.status.code(), Some(2));
}

#[test]
fn config_check_redacts_secrets_reads_files_and_refuses_bad_values() {
    let dir = std::env::temp_dir().join(format!("plumb-config-check-{}", server::ids::random_token(6)));
    std::fs::create_dir_all(&dir).unwrap();
    let url_file = dir.join("database-url");
    std::fs::write(&url_file, "postgres://plumb:db-password-77@db.internal/plumb\n").unwrap();
    let key = server::crypto::KeyMaterial::generate().to_base64();
    let keys = format!("k1:{key}");
    let good = plumb(
        &["config", "check"],
        &[
            ("PLUMB_DATABASE_URL_FILE", url_file.to_str().unwrap()),
            ("PLUMB_ENCRYPTION_KEYS", &keys),
            ("PLUMB_ADDR", "0.0.0.0:8080"),
        ],
    );
    let out = text(&good.stdout);
    assert!(good.status.success(), "{out}{}", text(&good.stderr));
    assert!(!out.contains("db-password-77") && !out.contains(&key), "a secret was printed: {out}");
    assert!(out.contains("postgres://plumb:********@db.internal/plumb"), "{out}");
    assert!(out.contains(&format!("(from {})", url_file.display())), "{out}");
    assert!(out.contains("PLUMB_ADDR") && out.contains("0.0.0.0:8080"), "{out}");
    assert!(out.contains("PLUMB_REFRESH_SKEW_SECONDS") && out.contains("60 (default)"), "{out}");
    assert!(out.contains("current k1"), "{out}");
    for (name, value, named) in [
        ("PLUMB_ADDR", "nowhere", "PLUMB_ADDR"),
        ("PLUMB_LOG_FORMAT", "yaml", "PLUMB_LOG_FORMAT"),
        ("PLUMB_ENCRYPTION_KEYS_FILE", "/nonexistent/keys", "PLUMB_ENCRYPTION_KEYS_FILE"),
    ] {
        let bad = plumb(&["config", "check"], &[(name, value)]);
        assert_eq!(bad.status.code(), Some(1), "{name}={value}");
        assert!(text(&bad.stderr).contains(named), "{name}: {}", text(&bad.stderr));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// The README's configuration table is the code's (`config_vars`), row for row.
#[test]
fn the_readme_configuration_table_matches_the_code() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let table = server::config_vars::markdown_table();
    assert!(
        readme.contains(&table),
        "README.md's configuration table differs from server/src/config_vars.rs; it should read:\n\n{table}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_copies_a_running_database_that_restores_with_its_keys() {
    let app = TestApp::new(Backend::Sqlite).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, tokens("kept-access", "kept-refresh"));
    assert_eq!(app.connect("acme", "user_1", "code-1").await.status, StatusCode::SEE_OTHER);
    let dir = std::env::temp_dir().join(format!("plumb-backup-{}", server::ids::random_token(6)));
    std::fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("copy.db");
    // Writes go on while the copy is made: it is one moment's state, and readable.
    let writer = {
        let plumb = app.plumb.clone();
        tokio::spawn(async move {
            for i in 0..50 {
                plumb.create_environment(&format!("env-{i}"), "", false).await.unwrap();
            }
        })
    };
    let env = [("PLUMB_DATABASE_URL", app.db.url.as_str())];
    let made = tokio::task::spawn_blocking({
        let (copy, url) = (copy.clone(), app.db.url.clone());
        move || plumb(&["backup", copy.to_str().unwrap()], &[("PLUMB_DATABASE_URL", &url)])
    })
    .await
    .unwrap();
    writer.await.unwrap();
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert!(text(&made.stderr).contains("encryption keys"), "{}", text(&made.stderr));
    let again = plumb(&["backup", copy.to_str().unwrap()], &env);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("exists already"), "{}", text(&again.stderr));
    // Restored: the copy, with the same keys, serves the token it held.
    let copy_url = format!("sqlite://{}", copy.display());
    let restored = server::store::Store::connect(&copy_url).await.unwrap();
    let plumb = server::plumb::Plumb::new(app.plumb.config().clone(), restored, app.plumb.cipher().clone());
    let key = server::api_keys::PresentedKey::new(&app.api_key).unwrap();
    let request = app::model::AccessTokenRequest {
        user_id: "user_1".into(),
        organization_id: Some("org_1".into()),
        ..Default::default()
    };
    let answer = plumb.get_access_token(&key, "acme", &request).await.unwrap();
    assert_eq!(answer.access_token.unwrap().access_token, "kept-access");
    plumb.store().close().await;
    // Without its keys, the copy's tokens are unreadable: the README says to keep both.
    let stranger = server::crypto::Cipher::from_key(server::crypto::KeyMaterial::generate());
    let blind = server::plumb::Plumb::new(
        app.plumb.config().clone(),
        server::store::Store::connect(&copy_url).await.unwrap(),
        stranger,
    );
    assert!(blind.get_access_token(&key, "acme", &request).await.is_err());
    blind.store().close().await;
    std::fs::remove_dir_all(dir).unwrap();
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_of_postgres_points_to_pg_dump() {
    let db = TestDb::new(Backend::Postgres).await;
    server::store::Store::connect(&db.url).await.unwrap().close().await;
    let out = tokio::task::spawn_blocking({
        let url = db.url.clone();
        move || plumb(&["backup", "/tmp/never-written.db"], &[("PLUMB_DATABASE_URL", &url)])
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pg_dump"), "{}", text(&out.stderr));
    db.drop_now().await;
}
