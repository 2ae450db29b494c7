//! The relay (issue 15) against a real upstream on a socket: the credential attached and the
//! caller's credentials, cookies and hop-by-hop headers dropped; bodies streamed both ways;
//! hosts outside the allow-list, redirects and loopback in production refused; a 401 renewed
//! once (single flight) and retried; a provider's Retry-After remembered per connection and
//! shared by processes on one database; size and time limits.

use crate::support::{Backend, FakeProvider, Reply, TestApp, PUBLIC_URL};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

/// What the upstream saw.
#[derive(Default)]
struct Upstream {
    hits: Mutex<HashMap<String, usize>>,
    /// Lets `/chunks` send its second chunk.
    release: tokio::sync::Notify,
}

impl Upstream {
    fn hit(&self, path: &str) {
        *self.hits.lock().unwrap().entry(path.into()).or_default() += 1;
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

fn header_map(headers: &HeaderMap) -> Value {
    headers.iter().map(|(k, v)| (k.as_str().to_string(), json!(v.to_str().unwrap_or("?")))).collect()
}

/// A provider's API on a loopback socket; `other` is where its redirect points.
async fn upstream(other: &str) -> (String, Arc<Upstream>) {
    let up = Arc::new(Upstream::default());
    let other = other.to_string();
    let (u1, u2, u3, u4, u5, u6, u7) =
        (up.clone(), up.clone(), up.clone(), up.clone(), up.clone(), up.clone(), up.clone());
    let app = axum::Router::new()
        .route(
            "/echo",
            any(move |method: Method, uri: axum::http::Uri, headers: HeaderMap| {
                u1.hit("/echo");
                async move {
                    axum::Json(
                        json!({"method": method.as_str(), "query": uri.query(), "headers": header_map(&headers)}),
                    )
                }
            }),
        )
        .route(
            "/protected",
            any(move |headers: HeaderMap, body: Bytes| {
                u2.hit("/protected");
                async move {
                    let good = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some("Bearer at-2");
                    match good {
                        true => axum::Json(json!({"ok": true, "body": String::from_utf8_lossy(&body)})).into_response(),
                        false => StatusCode::UNAUTHORIZED.into_response(),
                    }
                }
            }),
        )
        .route(
            "/always401",
            get(move || {
                u3.hit("/always401");
                async { StatusCode::UNAUTHORIZED }
            }),
        )
        .route(
            "/limited",
            get(move || {
                u4.hit("/limited");
                async { (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "2")], "slow down").into_response() }
            }),
        )
        .route(
            "/redirect",
            get(move || {
                let to = format!("{other}/stolen");
                async move { (StatusCode::FOUND, [(header::LOCATION, to)]).into_response() }
            }),
        )
        .route(
            "/chunks",
            get(move || {
                let up = u5.clone();
                let chunks = futures_util::stream::unfold(0u8, move |step| {
                    let up = up.clone();
                    async move {
                        match step {
                            0 => Some((Ok::<_, std::io::Error>(Bytes::from("first\n")), 1)),
                            1 => {
                                up.release.notified().await;
                                Some((Ok(Bytes::from("second\n")), 2))
                            }
                            _ => None,
                        }
                    }
                });
                async move { ([(header::CONTENT_TYPE, "text/event-stream")], Body::from_stream(chunks)) }
            }),
        )
        .route(
            "/upload",
            post(move |body: Body| {
                let up = u6.clone();
                async move {
                    // Counted only once the whole body arrived.
                    let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|_| StatusCode::BAD_REQUEST)?;
                    up.hit("/upload");
                    Ok::<_, StatusCode>(axum::Json(json!({"bytes": bytes.len()})))
                }
            }),
        )
        .route("/big", get(|| async { vec![b'x'; 5000] }))
        .route(
            "/big-chunked",
            get(|| async {
                let chunks =
                    futures_util::stream::iter((0..5).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'y'; 1000]))));
                Body::from_stream(chunks)
            }),
        )
        .route(
            "/slow",
            get(move || {
                u7.hit("/slow");
                async {
                    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                    "late"
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, up)
}

/// A custom OAuth provider `acme` on `fake`, its API at `api`, and user_1's connection to it
/// holding `at-1` (refresh token `rt-1`).
async fn connected(app: &TestApp, fake: &FakeProvider, api: &str) {
    app.add_provider("acme", fake).await;
    let reply =
        app.call(Method::PUT, "/data-integrations/acme", json!({"custom_provider": {"api_base_url": api}})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    fake.answer(200, json!({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3600}));
    let reply = app.connect("acme", "user_1", "c1").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
}

fn relay(app: &TestApp, method: Method, uri: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {}", app.api_key))
        .header("x-relay-user-id", "user_1")
        .header("x-relay-organization-id", "org_1")
}

async fn get_through(app: &TestApp, uri: &str) -> Reply {
    app.send(relay(app, Method::GET, uri).body(Body::empty()).unwrap()).await
}

async fn calls_carry_the_credential_and_nothing_of_the_caller(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    let (api, up) = upstream("http://127.0.0.1:9").await;
    connected(&app, &fake, &api).await;

    let reply = app
        .send(
            relay(&app, Method::GET, "/relay/acme/echo?q=a%20b&page=2")
                .header(header::COOKIE, "session=dashboard")
                .header(header::CONNECTION, "keep-alive, x-hop")
                .header("x-hop", "named by Connection")
                .header("keep-alive", "timeout=5")
                .header("proxy-authorization", "Basic c3B5")
                .header("x-forwarded-for", "10.1.2.3")
                .header("x-relay-connection-owner", "user")
                .header("x-custom", "kept")
                .header(header::ACCEPT, "application/json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let seen = reply.json();
    let headers = seen["headers"].as_object().unwrap();
    assert_eq!(headers["authorization"], "Bearer at-1", "the connection's token, not the caller's key");
    assert_eq!(headers["x-custom"], "kept");
    assert_eq!(headers["accept"], "application/json");
    for dropped in ["cookie", "x-hop", "keep-alive", "proxy-authorization", "x-forwarded-for", "x-relay-user-id"] {
        assert!(!headers.contains_key(dropped), "{dropped} reached the provider: {headers:?}");
    }
    assert!(!reply.body.contains(&app.api_key), "the caller's API key reached the provider");
    assert_eq!(seen["query"], "q=a%20b&page=2", "the query goes as the caller encoded it");
    assert_eq!(reply.header("x-relay-upstream-status"), Some("200"));
    assert!(reply.header("x-relay-connected-account-id").is_some_and(|id| id.starts_with("conn_")));

    // The absolute-URL form reaches the same host.
    let reply = app
        .send(
            relay(&app, Method::POST, "/relay")
                .header("x-relay-provider", "acme")
                .header("x-relay-url", format!("{api}/echo"))
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["method"], "POST");
    assert_eq!(up.hits("/echo"), 2);

    // An edit of the provider's hosts takes effect on the next call.
    let edit = json!({"custom_provider": {"api_hosts": ["api.acme.example"]}});
    assert_eq!(app.call(Method::PUT, "/data-integrations/acme", edit).await.status, StatusCode::OK);
    let refused = get_through(&app, "/relay/acme/echo").await;
    assert_eq!(refused.json()["code"], "relay_host_not_allowed", "{}", refused.body);
    assert_eq!(up.hits("/echo"), 2);

    // Calls are counted per connection, in the database once flushed.
    app.plumb.flush_relay_usage().await.unwrap();
    let id = reply.header("x-relay-connected-account-id").unwrap().to_string();
    let usage = app.plumb.store().relay_usage(&id.into()).await.unwrap().unwrap();
    assert_eq!((usage.counts.calls, usage.counts.status_2xx, usage.last_status), (2, 2, Some(200)));
    assert!(usage.counts.bytes_received > 0 && usage.counts.bytes_sent == 2, "{usage:?}");
    app.finish().await;
}

async fn hosts_redirects_and_addresses_are_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    let (elsewhere, other) = upstream("http://127.0.0.1:9").await;
    let (api, _) = upstream(&elsewhere).await;
    connected(&app, &fake, &api).await;

    // Another host (another port of this machine is another host) is refused before any call.
    let reply = app
        .send(
            relay(&app, Method::GET, "/relay")
                .header("x-relay-provider", "acme")
                .header("x-relay-url", format!("{elsewhere}/echo"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(reply.json()["code"], "relay_host_not_allowed");
    assert_eq!(other.hits("/echo"), 0);

    // A redirect is handed back, never followed with the credential.
    let reply = get_through(&app, "/relay/acme/redirect").await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert_eq!(reply.header("location"), Some(format!("{elsewhere}/stolen").as_str()));
    assert_eq!(other.hits("/stolen") + other.hits("/echo"), 0);

    // Not connected: the caller gets a link to send its user to.
    let reply = app
        .send(
            Request::get("/relay/acme/echo")
                .header(header::AUTHORIZATION, format!("Bearer {}", app.api_key))
                .header("x-relay-user-id", "user_2")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED, "{}", reply.body);
    let body = reply.json();
    assert_eq!(
        (body["code"].as_str(), body["reason"].as_str()),
        (Some("relay_authorization_required"), Some("not_installed"))
    );
    assert!(body["authorization_url"].as_str().unwrap().starts_with(&format!("{PUBLIC_URL}/oauth/start/")), "{body}");

    // No key, a wrong key: refused as on every API path.
    let reply = app.send(Request::get("/relay/acme/echo").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    app.finish().await;
}

/// In production mode the outbound rules hold even for a host the provider allows.
async fn loopback_is_refused_in_production(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.development_mode = false).await;
    let (api, up) = upstream("http://127.0.0.1:9").await;
    let port = url::Url::parse(&api).unwrap().port().unwrap();
    let reply = app
        .call(
            Method::POST,
            "/data-integrations",
            json!({
                "provider": "keyed",
                "enabled": true,
                "auth_methods": ["api_key"],
                "custom_provider": {
                    "name": "Keyed",
                    "api_base_url": "https://api.keyed.example",
                    "api_hosts": ["api.keyed.example", format!("127.0.0.1:{port}")],
                    "api_key_placement": {"header": "X-Api-Key", "format": "${api_key}", "query": ""},
                },
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let reply = app
        .call(
            Method::POST,
            "/data-integrations/keyed/api-key",
            json!({"user_id": "user_1", "organization_id": "org_1", "secret": "k-0123456789", "connection_intent": "add"}),
        )
        .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    for target in [format!("{api}/echo"), format!("https://127.0.0.1:{port}/echo")] {
        let reply = app
            .send(
                relay(&app, Method::GET, "/relay")
                    .header("x-relay-provider", "keyed")
                    .header("x-relay-url", &target)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{target}: {}", reply.body);
        assert_eq!(reply.json()["code"], "relay_address_not_allowed", "{}", reply.body);
    }
    assert_eq!(up.hits("/echo"), 0);
    app.finish().await;
}

async fn a_refused_token_is_renewed_once_and_the_call_retried(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    let (api, up) = upstream("http://127.0.0.1:9").await;
    connected(&app, &fake, &api).await;

    // Five callers meet the 401 at once; one refresh serves them all.
    fake.set_delay(200);
    fake.answer(200, json!({"access_token": "at-2", "refresh_token": "rt-2", "expires_in": 3600}));
    let calls = (0..5).map(|_| {
        let request = relay(&app, Method::PUT, "/relay/acme/protected").body(Body::from("payload")).unwrap();
        app.send(request)
    });
    for reply in futures_util::future::join_all(calls).await {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.json()["body"], "payload", "the body is sent again on the retry");
    }
    let refreshes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.get("grant_type").map(String::as_str) == Some("refresh_token"))
        .collect();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert!(up.hits("/protected") >= 6 && up.hits("/protected") <= 10, "{}", up.hits("/protected"));

    // A dead grant: the caller is told to send its user to reauthorize.
    fake.set_delay(0);
    fake.answer(400, json!({"error": "invalid_grant"}));
    let reply = get_through(&app, "/relay/acme/always401").await;
    assert_eq!(reply.status, StatusCode::PAYMENT_REQUIRED, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["reason"], "needs_reauthorization");
    assert!(body["authorization_url"].as_str().is_some_and(|u| u.contains("/oauth/start/")), "{body}");
    app.finish().await;
}

async fn a_providers_wait_is_remembered_across_processes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    let (api, up) = upstream("http://127.0.0.1:9").await;
    connected(&app, &fake, &api).await;

    let reply = get_through(&app, "/relay/acme/limited").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.header("x-relay-upstream-status"), Some("429"), "the provider's own answer");
    // A hundred more, here and in another process on the same database: answered at once.
    let sibling = server::http::router(app.sibling().await);
    for i in 0..100 {
        let request = relay(&app, Method::GET, "/relay/acme/limited").body(Body::empty()).unwrap();
        let response = match i % 2 {
            0 => app.router.clone().oneshot(request).await.unwrap(),
            _ => sibling.clone().oneshot(request).await.unwrap(),
        };
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.headers().get("x-relay-upstream-status").is_none(), "answered by Plumb");
        let wait: u64 = response.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
        assert!((1..=2).contains(&wait), "{wait}");
    }
    assert_eq!(up.hits("/limited"), 1, "the provider was called once");

    // A caller that may wait is queued until the wait passes, then calls.
    let reply = app
        .send(
            relay(&app, Method::GET, "/relay/acme/limited")
                .header("x-relay-max-wait", "5")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(reply.header("x-relay-upstream-status"), Some("429"), "{}", reply.body);
    assert_eq!(up.hits("/limited"), 2);
    app.plumb.flush_relay_usage().await.unwrap();
    let id = reply.header("x-relay-connected-account-id").unwrap().to_string();
    let usage = app.plumb.store().relay_usage(&id.into()).await.unwrap().unwrap();
    assert_eq!((usage.counts.status_4xx, usage.counts.held_back), (2, 50), "{usage:?}");
    app.finish().await;
}

async fn bodies_stream_both_ways(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    let (api, up) = upstream("http://127.0.0.1:9").await;
    connected(&app, &fake, &api).await;

    // The first chunk arrives while the provider still holds the second.
    let request = relay(&app, Method::GET, "/relay/acme/chunks").body(Body::empty()).unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(first, "first\n");
    up.release.notify_one();
    let rest = body.collect().await.unwrap().to_bytes();
    assert_eq!(rest, "second\n");

    // A 3 MB upload without a length goes through in pieces.
    let pieces = futures_util::stream::iter((0..48).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'z'; 65536]))));
    let reply =
        app.send(relay(&app, Method::POST, "/relay/acme/upload").body(Body::from_stream(pieces)).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["bytes"], 48 * 65536);
    app.finish().await;
}

async fn sizes_and_times_are_limited(backend: Backend) {
    let app = TestApp::with_config(backend, |c| {
        c.relay.max_request_bytes = 100_000;
        c.relay.max_response_bytes = 3000;
        c.relay.response_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let fake = FakeProvider::start().await;
    let (api, up) = upstream("http://127.0.0.1:9").await;
    connected(&app, &fake, &api).await;

    let declared = relay(&app, Method::POST, "/relay/acme/upload")
        .header(header::CONTENT_LENGTH, "200000")
        .body(Body::from(vec![b'a'; 200_000]))
        .unwrap();
    let reply = app.send(declared).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    assert_eq!(reply.json()["code"], "relay_request_too_large");
    let pieces = futures_util::stream::iter((0..4).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b'a'; 50_000]))));
    let reply =
        app.send(relay(&app, Method::POST, "/relay/acme/upload").body(Body::from_stream(pieces)).unwrap()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.body);
    assert_eq!(up.hits("/upload"), 0, "the cut-off body never made a whole request");

    let reply = get_through(&app, "/relay/acme/big").await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.body);
    assert_eq!(reply.json()["code"], "relay_response_too_large");
    // Without a length, the answer is cut off where it passes the limit.
    let request = relay(&app, Method::GET, "/relay/acme/big-chunked").body(Body::empty()).unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.into_body().collect().await.is_err(), "the body ends in an error, not silently short");

    let reply = get_through(&app, "/relay/acme/slow").await;
    assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT, "{}", reply.body);
    assert_eq!(reply.json()["code"], "relay_upstream_timeout");
    app.finish().await;
}

on_both_backends!(
    calls_carry_the_credential_and_nothing_of_the_caller,
    hosts_redirects_and_addresses_are_refused,
    loopback_is_refused_in_production,
    a_refused_token_is_renewed_once_and_the_call_retried,
    a_providers_wait_is_remembered_across_processes,
    bodies_stream_both_ways,
    sizes_and_times_are_limited,
);
