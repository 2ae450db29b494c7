//! The real `plumb serve` process, stopped with SIGTERM while clients keep calling and a
//! refresh is waiting on a slow provider: every request it accepted is answered, the refresh
//! finishes and settles its lease, the process exits 0. Its JSON logs and metrics listener are
//! checked on the way.

use crate::support::{Backend, FakeProvider, TestApp};
use axum::http::StatusCode;
use serde_json::json;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[derive(Default)]
struct Tally {
    ok: AtomicUsize,
    failed: AtomicUsize,
    refused_before_stop: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_answers_every_accepted_request_and_leaves_no_lease() {
    let key = server::crypto::KeyMaterial::generate();
    let key_text = key.to_base64();
    let app = TestApp::with_cipher(Backend::Sqlite, |_| {}, server::crypto::Cipher::from_key(key)).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, json!({"access_token": "a-1", "refresh_token": "r-1", "expires_in": 3600}));
    assert_eq!(app.connect("acme", "user_1", "code-1").await.status, StatusCode::SEE_OTHER);
    let id = server::ids::ConnectionId::from(
        sqlx::query_scalar::<_, String>("SELECT id FROM connections")
            .fetch_one(app.plumb.store().pool())
            .await
            .unwrap(),
    );

    let (port, metrics_port) = (free_port(), free_port());
    let base = format!("http://127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_plumb"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PLUMB_ADDR", format!("127.0.0.1:{port}"))
        .env("PLUMB_PUBLIC_URL", &base)
        .env("PLUMB_DATABASE_URL", &app.db.url)
        .env("PLUMB_ENCRYPTION_KEY", &key_text)
        .env("PLUMB_DEVELOPMENT_MODE", "1")
        .env("PLUMB_BACKGROUND_REFRESH_SECONDS", "0")
        .env("PLUMB_SITE_ROOT", std::env::temp_dir().join("plumb-no-site"))
        .env("PLUMB_METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
        .env("PLUMB_LOG_FORMAT", "json")
        .env("PLUMB_LOG", "info,server::http::request_id=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stderr).lines().map_while(Result::ok).collect::<Vec<String>>()
    });

    // A new connection per request: after the signal, a refused connection is a clean "not
    // accepted", never confused with a kept-alive connection closing under a request.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let ready = async {
        loop {
            if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
                if r.status() == 200 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), ready).await.expect("plumb serve becomes ready");

    let metrics = http.get(format!("http://127.0.0.1:{metrics_port}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics.text().await.unwrap().contains("plumb_refresh_waits_total"));
    let public_metrics = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(public_metrics.status(), 404, "metrics are not on the public listener");

    let tally = Arc::new(Tally::default());
    let signalled = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for n in 0..6 {
        let (http, tally, signalled) = (http.clone(), tally.clone(), signalled.clone());
        let (url, api_key) = (format!("{base}/data-integrations/acme/token"), app.api_key.clone());
        clients.push(tokio::spawn(async move {
            for i in 0.. {
                let sent = http
                    .post(&url)
                    .bearer_auth(&api_key)
                    .header("x-request-id", format!("load-{n}-{i}"))
                    .json(&json!({"user_id": "user_1", "organization_id": "org_1"}))
                    .send()
                    .await;
                // The whole answer counts: a body cut short is a failure too.
                let sent = match sent {
                    Ok(r) => {
                        let status = r.status();
                        r.text().await.map(|_| status)
                    }
                    Err(e) => Err(e),
                };
                match sent {
                    Ok(status) if status == 200 => {
                        tally.ok.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) if e.is_connect() => {
                        if !signalled.load(Ordering::SeqCst) {
                            tally.refused_before_stop.fetch_add(1, Ordering::SeqCst);
                        }
                        return;
                    }
                    Ok(status) => {
                        eprintln!("client {n}: HTTP {status}");
                        tally.failed.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => {
                        eprintln!("client {n}: {e:?}");
                        tally.failed.fetch_add(1, Ordering::SeqCst);
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    // Calls flow; then the token expires, and the refresh the next fetch starts takes 1.5 s:
    // the signal comes in the middle of it.
    let flowing = async {
        while tally.ok.load(Ordering::SeqCst) < 20 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), flowing).await.expect("the load runs");
    provider.set_delay(1500);
    provider.answer(200, json!({"access_token": "a-2", "refresh_token": "r-2", "expires_in": 3600}));
    app.expire(&id).await;
    let refreshing = async {
        while provider.requests().len() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), refreshing).await.expect("a refresh starts");
    tokio::time::sleep(Duration::from_millis(300)).await;
    signalled.store(true, Ordering::SeqCst);
    let pid = child.id() as i32;
    // SAFETY: sends a signal to the child this test started and still holds.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);

    let exited = async {
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let status = match tokio::time::timeout(Duration::from_secs(60), exited).await {
        Ok(status) => status,
        Err(_) => {
            let _ = child.kill();
            panic!("plumb serve did not exit within 60 s of SIGTERM");
        }
    };
    for client in clients {
        tokio::time::timeout(Duration::from_secs(30), client).await.expect("clients stop").unwrap();
    }
    assert!(status.success(), "plumb serve exited with {status}");
    assert_eq!(tally.failed.load(Ordering::SeqCst), 0, "requests failed during the shutdown");
    assert_eq!(tally.refused_before_stop.load(Ordering::SeqCst), 0);
    assert!(tally.ok.load(Ordering::SeqCst) >= 26, "the waiting fetches were answered");

    // The refresh finished and its lease is settled: nobody waits out a stale lease.
    let leases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM connections WHERE refresh_lease_owner IS NOT NULL")
        .fetch_one(app.plumb.store().pool())
        .await
        .unwrap();
    assert_eq!(leases, 0, "a refresh lease was left behind");
    let connection = app.plumb.store().connection_by_id(&id).await.unwrap().unwrap();
    assert!(connection.last_refreshed_at.is_some(), "the refresh in progress at the signal finished");
    let after = app.token("acme", "user_1").await;
    assert_eq!(after.json()["access_token"]["access_token"], "a-2", "{}", after.body);

    // JSON logs: every line an object; a request's lines carry its id.
    let lines = logs.join().unwrap();
    let parsed: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {l}")))
        .collect();
    let request_id = |l: &serde_json::Value| {
        let spans = l["spans"].as_array()?;
        spans.iter().find_map(|s| s["request_id"].as_str().map(str::to_owned))
    };
    assert!(
        parsed.iter().any(|l| request_id(l).as_deref() == Some("load-0-0")),
        "no log line carries the request id: {lines:#?}"
    );
    assert!(
        parsed
            .iter()
            .any(|l| l["message"] == "token refreshed" && request_id(l).is_some_and(|id| id.starts_with("load-"))),
        "the refresh's line carries its request's id: {lines:#?}"
    );
    assert!(parsed.iter().any(|l| l["message"] == "stopped"), "{lines:#?}");
    app.finish().await;
}
