//! The holes an outside review showed on a running server, each with the test that would have
//! caught it: the first-run setup link after admins exist, sign-in as a denial-of-service lever
//! (per-address limits, an atomic per-account lock), and clients that hold connections open
//! (header and request timeouts, a connection limit), the last against a real listener; and
//! retention, which deletes what nothing else ever did.

use crate::support::{Backend, Listening, TestApp, ADMIN_PASSWORD, PUBLIC_URL};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use server::client_address::TrustedProxies;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

on_both_backends!(
    the_setup_link_stops_working_once_an_admin_exists,
    parallel_wrong_passwords_get_the_free_tries_and_no_more,
    one_address_cannot_sign_in_with_endless_emails,
    old_events_deliveries_and_flows_are_pruned,
    oversized_input_is_refused_at_once,
    responses_carrying_secrets_are_never_cached,
    every_error_has_a_json_body,
    a_connection_moved_to_another_owner_no_longer_opens,
    seals_are_counted_per_key_and_warned_about,
);

fn accept_invite(path: &str, email: &str) -> Request<Body> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("email", email), ("password", ADMIN_PASSWORD), ("confirm", ADMIN_PASSWORD)])
        .finish();
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

async fn the_setup_link_stops_working_once_an_admin_exists(backend: Backend) {
    let app = TestApp::new(backend).await;
    let link = app.plumb.setup_link_if_needed().await.unwrap().expect("no admin yet: a setup link");
    let path = link.strip_prefix(PUBLIC_URL).unwrap().to_string();

    // An admin made elsewhere (another instance, or the store directly), which removed nothing.
    let admin = server::store::AdminRecord {
        id: "admin_other".into(),
        email: "ada@example.com".into(),
        password_hash: server::passwords::hash_password(ADMIN_PASSWORD).unwrap(),
        created_at: 1,
        updated_at: 1,
    };
    app.plumb.store().insert_admin(&admin, None).await.unwrap();
    assert_eq!(app.count("admin_invites").await, 1);

    let used = app.send(accept_invite(&path, "mallory@example.com")).await;
    assert_eq!(used.status, StatusCode::SEE_OTHER);
    assert!(used.header("location").unwrap().contains("error=invite_invalid"), "{:?}", used.header("location"));
    assert!(used.header("set-cookie").is_none(), "no session");
    assert_eq!(app.count("admins").await, 1, "no admin was created");
    assert_eq!(app.count("admin_invites").await, 0, "the setup link was deleted");

    // A restart with admins present deletes a setup link left from before, and prints none.
    let stale = server::store::InviteRecord {
        token_hash: server::ids::sha256_hex("stale setup link"),
        email: String::new(),
        invited_by: None,
        created_at: 1,
        expires_at: i64::MAX,
    };
    app.plumb.store().insert_invite(&stale).await.unwrap();
    assert_eq!(app.plumb.setup_link_if_needed().await.unwrap(), None);
    assert_eq!(app.count("admin_invites").await, 0);

    // `plumb admin create` removes one too; an invitation naming an email survives it.
    app.plumb.store().insert_invite(&stale).await.unwrap();
    let named = app.plumb.invite_admin("admin_other", "grace@example.com").await.unwrap();
    app.plumb.create_admin("linus@example.com", ADMIN_PASSWORD).await.unwrap();
    assert_eq!(app.count("admin_invites").await, 1);
    let grace = app.send(accept_invite(named.strip_prefix(PUBLIC_URL).unwrap(), "ignored@example.com")).await;
    assert_eq!(grace.header("location"), Some("/dashboard"));
    assert_eq!(app.count("admins").await, 3);
    app.finish().await;
}

fn login_json(email: &str, password: &str) -> Request<Body> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("email", email), ("password", password)])
        .finish();
    Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body))
        .unwrap()
}

fn from_address(mut request: Request<Body>, peer: &str) -> Request<Body> {
    request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    request
}

async fn parallel_wrong_passwords_get_the_free_tries_and_no_more(backend: Backend) {
    let app = std::sync::Arc::new(TestApp::new(backend).await);
    app.plumb.create_admin("ada@example.com", ADMIN_PASSWORD).await.unwrap();
    // Sixty guesses at once, the right password among them.
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..60 {
        let app = app.clone();
        let password = if i == 20 { ADMIN_PASSWORD } else { "wrong password!" };
        burst.spawn(async move { (i, app.send(login_json("ada@example.com", password)).await) });
    }
    let mut wrong_checked = 0;
    while let Some(done) = burst.join_next().await {
        let (i, reply) = done.unwrap();
        match reply.status {
            StatusCode::UNAUTHORIZED => wrong_checked += 1,
            StatusCode::TOO_MANY_REQUESTS => assert_eq!(reply.json()["code"], "too_many_attempts"),
            StatusCode::OK => assert_eq!(i, 20),
            other => panic!("{other}: {}", reply.body),
        }
    }
    // Five tries before the lock, the fifth answered with the lock itself: four plain refusals.
    assert!(wrong_checked <= 4, "{wrong_checked} wrong passwords were checked before the lock");
    // The right password may have been checked between the wrong ones, and a sign-in resets the
    // count (its owner is in); whichever order the burst ran in, the lock is at most the free
    // tries away.
    let mut after = app.send(login_json("ada@example.com", "wrong password!")).await;
    for _ in 0..5 {
        if after.status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.body);
        after = app.send(login_json("ada@example.com", "wrong password!")).await;
    }
    assert_eq!(after.status, StatusCode::TOO_MANY_REQUESTS, "the account locks within the free tries");
    std::sync::Arc::into_inner(app).unwrap().finish().await;
}

async fn one_address_cannot_sign_in_with_endless_emails(backend: Backend) {
    let app = TestApp::with_config(backend, |c| {
        c.sign_in_attempts_per_address = 3;
        c.trusted_proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
    })
    .await;
    for i in 0..3 {
        let reply = app.send(from_address(login_json(&format!("guess{i}@example.com"), "x"), "203.0.113.5:4000")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    }
    let limited = app.send(from_address(login_json("guess9@example.com", "x"), "203.0.113.5:4001")).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json()["code"], "too_many_attempts");
    assert!(limited.header("retry-after").is_some());
    assert_eq!(app.count("login_throttle").await, 3, "a refused attempt adds no row");

    // A forwarded address from an untrusted peer changes nothing ...
    let mut spoofed = from_address(login_json("guess10@example.com", "x"), "203.0.113.5:4002");
    spoofed.headers_mut().insert("x-forwarded-for", "198.51.100.77".parse().unwrap());
    assert_eq!(app.send(spoofed).await.status, StatusCode::TOO_MANY_REQUESTS);
    // ... while other addresses, and clients behind a trusted proxy, have their own count.
    let other = app.send(from_address(login_json("guess11@example.com", "x"), "203.0.113.6:4000")).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED);
    for i in 0..4 {
        let mut proxied = from_address(login_json(&format!("p{i}@example.com"), "x"), "10.1.2.3:5000");
        proxied.headers_mut().insert("x-forwarded-for", "198.51.100.8".parse().unwrap());
        let expected = if i < 3 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(app.send(proxied).await.status, expected, "proxied attempt {i}");
    }
    let behind_same_proxy = {
        let mut r = from_address(login_json("q@example.com", "x"), "10.1.2.3:5001");
        r.headers_mut().insert("x-forwarded-for", "198.51.100.9".parse().unwrap());
        app.send(r).await
    };
    assert_eq!(behind_same_proxy.status, StatusCode::UNAUTHORIZED, "the proxy itself is not limited");
    app.finish().await;
}

// --- the listener -------------------------------------------------------------------------

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: plumb.test\r\n\r\n";

/// Reads one response's head and its (small, length-delimited) body.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before a response: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
    }
}

/// Waits (bounded) for the server to close the connection, whatever it sends first.
async fn closed_by_server(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut seen)).await;
    assert!(read.is_ok(), "the server kept the connection open: {}", String::from_utf8_lossy(&seen));
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_are_cut_off() {
    let server = Listening::start(Duration::from_secs(1), Duration::from_secs(2), 64).await;

    // Headers that never finish.
    let mut partial = TcpStream::connect(server.addr).await.unwrap();
    partial.write_all(b"GET /healthz HTTP/1.1\r\nHost: plumb.test\r\n").await.unwrap();
    closed_by_server(&mut partial).await;

    // A body that never finishes: 408, and the connection ends.
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(
        b"POST /login HTTP/1.1\r\nHost: plumb.test\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 1000\r\n\r\nemail=a%40b",
    )
    .await
    .unwrap();
    let answer = closed_by_server(&mut slow).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "a JSON body: {answer}");

    // A kept-alive connection that goes quiet after a request.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(HEALTH).await.unwrap();
    assert!(read_response(&mut idle).await.starts_with("HTTP/1.1 200"));
    closed_by_server(&mut idle).await;

    // Headers past 64 KiB are refused at once.
    let mut huge = TcpStream::connect(server.addr).await.unwrap();
    let filler = "a".repeat(70 * 1024);
    huge.write_all(format!("GET /healthz HTTP/1.1\r\nHost: plumb.test\r\nX-Filler: {filler}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let answer = closed_by_server(&mut huge).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");

    // Meanwhile, well-behaved clients were served.
    let mut fine = TcpStream::connect(server.addr).await.unwrap();
    fine.write_all(HEALTH).await.unwrap();
    assert!(read_response(&mut fine).await.starts_with("HTTP/1.1 200"));
    drop(fine);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_limit_wait_their_turn() {
    let server = Listening::start(Duration::from_secs(30), Duration::from_secs(30), 2).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = TcpStream::connect(server.addr).await.unwrap();
        c.write_all(HEALTH).await.unwrap();
        assert!(read_response(&mut c).await.starts_with("HTTP/1.1 200"));
        held.push(c);
    }
    // The third connects (the kernel's backlog takes it) but is not served while two are open.
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third.write_all(HEALTH).await.unwrap();
    let mut byte = [0u8; 1];
    let waited = tokio::time::timeout(Duration::from_millis(500), third.read(&mut byte)).await;
    assert!(waited.is_err(), "a third connection was served beyond the limit of two");
    drop(held.pop());
    let answer = tokio::time::timeout(Duration::from_secs(10), read_response(&mut third)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(held);
    drop(third);
    server.stop().await;
}

// --- retention ----------------------------------------------------------------------------

async fn old_events_deliveries_and_flows_are_pruned(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = crate::support::FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    let hook = app
        .post_json(
            "/webhook_endpoints",
            Some(&app.api_key),
            serde_json::json!({"endpoint_url": "http://127.0.0.1:9/hook", "events": ["pipes.connected_account.connected"]}),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.body);
    // Two connections: two events, each with a delivery.
    for user in ["user_1", "user_2"] {
        provider.answer(200, serde_json::json!({"access_token": "at"}));
        app.connect("acme", user, "c").await;
    }
    let pool = app.plumb.store().pool();
    let day = 24 * 3600 * 1000;
    let now = server::time::now_ms();
    // Both events are 31 days old; one delivery finished, the other is still being retried.
    sqlx::query("UPDATE events SET created_at = $1").bind(now - 31 * day).execute(pool).await.unwrap();
    let first: String =
        sqlx::query_scalar("SELECT id FROM webhook_deliveries ORDER BY id LIMIT 1").fetch_one(pool).await.unwrap();
    sqlx::query("UPDATE webhook_deliveries SET status = CASE WHEN id = $1 THEN 'delivered' ELSE 'pending' END")
        .bind(&first)
        .execute(pool)
        .await
        .unwrap();
    // A recent event stays whatever happens.
    provider.answer(200, serde_json::json!({"access_token": "at"}));
    app.connect("acme", "user_3", "c").await;
    // Sign-in failures: one old and unlocked, one old but still locked, one recent.
    for (email, updated, locked) in
        [("old@x", now - 2 * day, None), ("locked@x", now - 2 * day, Some(now + day)), ("new@x", now, None)]
    {
        sqlx::query("INSERT INTO login_throttle (email, failures, locked_until, updated_at) VALUES ($1, 3, $2, $3)")
            .bind(email)
            .bind(locked)
            .bind(updated)
            .execute(pool)
            .await
            .unwrap();
    }
    // An abandoned flow.
    app.start_connect("acme", "user_4").await;
    sqlx::query("UPDATE oauth_states SET expires_at = 1").execute(pool).await.unwrap();

    let pruned = app.plumb.housekeeping(now).await.unwrap();
    assert_eq!((pruned.events, pruned.deliveries, pruned.oauth_states, pruned.login_throttle), (1, 1, 1, 1));
    assert_eq!(app.count("events").await, 2, "the recent event and the one with a pending delivery");
    assert_eq!(app.count("webhook_deliveries").await, 2);
    assert_eq!(app.count("login_throttle").await, 2);
    assert_eq!(app.count("oauth_states").await, 0);
    // Nothing more to do.
    assert_eq!(app.plumb.housekeeping(now).await.unwrap(), server::housekeeping::Pruned::default());
    app.finish().await;
}

// --- input limits and caching --------------------------------------------------------------

async fn oversized_input_is_refused_at_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let key = app.api_key.clone();
    let send = |method: &str, path: &str, body: String, declare_length: bool| {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::CONTENT_TYPE, "application/json");
        if declare_length {
            request = request.header(header::CONTENT_LENGTH, body.len());
        }
        request.body(Body::from(body)).unwrap()
    };
    // A megabyte of scopes, declared or streamed: 413 before anything is parsed.
    let scopes: Vec<String> = (0..100_000).map(|i| format!("s{i}")).collect();
    let big = serde_json::json!({"provider": "google", "scopes": scopes}).to_string();
    for declared in [true, false] {
        let reply = app.send(send("POST", "/data-integrations", big.clone(), declared)).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
        assert_eq!(reply.json()["code"], "payload_too_large");
    }
    // Within the size limit but past the count and length limits: 422, quickly.
    let many: Vec<String> = (0..5_000).map(|i| format!("s{i}")).collect();
    let long_scope = "x".repeat(300);
    let long_id = "c".repeat(300);
    for (body, field) in [
        (serde_json::json!({"provider": "google", "scopes": many}), "scopes"),
        (serde_json::json!({"provider": "google", "scopes": [long_scope]}), "scopes"),
        (
            serde_json::json!({"provider": "google", "credentials": {"type": "custom", "client_id": long_id, "client_secret": "s"}}),
            "credentials.client_id",
        ),
    ] {
        let reply = app.send(send("POST", "/data-integrations", body.to_string(), true)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        let fields: Vec<String> = reply.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect();
        assert!(fields.contains(&field.to_string()), "{field}: {fields:?}");
    }
    assert_eq!(app.count("providers").await, 0, "nothing was stored");
    // A return_to past 2 KiB, and a sign-in with a megabyte of password (answered without hashing).
    let provider = crate::support::FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    let long_return = format!("https://app.example/{}", "r".repeat(3000));
    let body = serde_json::json!({"user_id": "u", "return_to": long_return}).to_string();
    let authorize = app.send(send("POST", "/data-integrations/acme/authorize", body, true)).await;
    assert_eq!(authorize.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", authorize.body);
    assert_eq!(authorize.json()["errors"][0]["field"], "return_to");
    let huge_password = "p".repeat(1 << 20);
    let sign_in = app.plumb.sign_in("ada@example.com", &huge_password, "tests", None).await;
    assert!(matches!(sign_in, Err(server::error::Error::SignInFailed)));
    assert_eq!(app.count("login_throttle").await, 0, "no failure was counted against an account");
    let cursor = "e".repeat(200);
    let events = app.get_with_key(&format!("/events?after={cursor}"), Some(&app.api_key)).await;
    assert_eq!(events.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.finish().await;
}

async fn responses_carrying_secrets_are_never_cached(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.public_url = "https://plumb.example".into()).await;
    let widget = app.post_json("/widgets/token", Some(&app.api_key), serde_json::json!({"user_id": "u"})).await;
    assert_eq!(widget.status, StatusCode::OK);
    let token = app.token("missing", "u").await;
    let page = app.send(Request::get("/login").body(Body::empty()).unwrap()).await;
    for reply in [&widget, &token, &page] {
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{}", reply.body);
        assert_eq!(reply.header("strict-transport-security"), Some("max-age=31536000"));
    }
    app.finish().await;
    // Over plain http there is no HSTS to send.
    let plain = TestApp::new(backend).await;
    let reply = plain.send(Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.header("strict-transport-security"), None);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    plain.finish().await;
}

// --- sealed values ---------------------------------------------------------------------------

async fn a_connection_moved_to_another_owner_no_longer_opens(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = crate::support::FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, serde_json::json!({"access_token": "at-alice", "expires_in": 3600}));
    app.connect("acme", "user_1", "c").await;
    // Someone with write access to the database hands user_1's connection to user_2.
    sqlx::query("UPDATE connections SET user_id = 'user_2'").execute(app.plumb.store().pool()).await.unwrap();
    let reply = app.token("acme", "user_2").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", reply.body);
    assert_eq!(reply.json()["code"], "stored_secret_unreadable");
    assert!(!reply.body.contains("at-alice"));
    // Put back, it opens again.
    sqlx::query("UPDATE connections SET user_id = 'user_1'").execute(app.plumb.store().pool()).await.unwrap();
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-alice");
    app.finish().await;
}

async fn seals_are_counted_per_key_and_warned_about(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = crate::support::FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    provider.answer(200, serde_json::json!({"access_token": "at", "refresh_token": "rt"}));
    app.connect("acme", "user_1", "c").await;
    let now = server::time::now_ms();
    assert!(app.plumb.housekeeping(now).await.unwrap().keys_to_rotate.is_empty());
    let key = app.plumb.cipher().key_id();
    let counted: i64 = sqlx::query_scalar("SELECT seals FROM key_seals WHERE key_id = $1")
        .bind(&key)
        .fetch_one(app.plumb.store().pool())
        .await
        .unwrap();
    assert!(counted >= 3, "the client secret and both tokens at least: {counted}");
    // Near the limit, the next pass says which key to rotate.
    sqlx::query("UPDATE key_seals SET seals = $1")
        .bind(server::crypto::SEAL_WARNING as i64)
        .execute(app.plumb.store().pool())
        .await
        .unwrap();
    provider.answer(200, serde_json::json!({"access_token": "at2"}));
    app.connect("acme", "user_2", "c").await;
    let pruned = app.plumb.housekeeping(now).await.unwrap();
    assert_eq!(pruned.keys_to_rotate.len(), 1);
    assert_eq!(pruned.keys_to_rotate[0].0, key);
    app.finish().await;
}

async fn every_error_has_a_json_body(backend: Backend) {
    let app = TestApp::new(backend).await;
    for (method, path, status, code) in [
        (Method::GET, "/data-integrations/finish", StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (Method::DELETE, "/widgets/token", StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (Method::POST, "/nowhere", StatusCode::NOT_FOUND, "not_found"),
        (Method::PATCH, "/favicon.svg", StatusCode::NOT_FOUND, "not_found"),
        (
            Method::PATCH,
            "/user_management/users/u/connected_accounts/acme",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        // A malformed escape in the query is read leniently, then answered in our format.
        (
            Method::GET,
            "/organizations/org_1/connected_accounts/acme?connected_account_id=%FF",
            StatusCode::NOT_FOUND,
            "provider_not_found",
        ),
        (
            Method::GET,
            "/user_management/users/u/data_providers?supports_multiple_connections=maybe",
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        // Issue 14's paths.
        (Method::GET, "/data-integrations/acme/credentials", StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (Method::DELETE, "/data-integrations/acme/api-key", StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (Method::POST, "/data-integrations/acme/api-key", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (Method::POST, "/data-integrations/acme/credentials", StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
    ] {
        let reply = app.call(method.clone(), path, serde_json::json!({})).await;
        assert_eq!(reply.status, status, "{method} {path}: {}", reply.body);
        assert_eq!(reply.json()["code"], code, "{method} {path}");
        assert!(reply.json()["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Over the body cap on a new path: 413 in our format, nothing stored.
    let huge = serde_json::json!({"access_token": "x".repeat(200 * 1024)});
    let reply = app.call(Method::POST, "/user_management/users/u/connected_accounts/acme", huge).await;
    assert_eq!(
        (reply.status, reply.json()["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
    );
    assert_eq!(app.count("connections").await, 0);
    let huge = serde_json::json!({"user_id": "u", "client_id": "c", "client_secret": "x".repeat(200 * 1024)});
    let reply = app.call(Method::PUT, "/data-integrations/acme/client-credentials", huge).await;
    assert_eq!(
        (reply.status, reply.json()["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
    );
    app.finish().await;
}
