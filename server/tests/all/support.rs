//! Test harness shared by the integration suites: a fresh database per test (a SQLite file in a
//! temporary directory, or a new PostgreSQL database), Plumb's whole router driven in-process,
//! and a real HTTP server playing the provider's token endpoint, answering what each test tells
//! it to.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use http_body_util::BodyExt;
use server::config::Config;
use server::crypto::{Cipher, KeyMaterial};
use server::ids::ConnectionId;
use server::plumb::Plumb;
use server::provider_settings::ProviderChange;
use server::store::Store;
use sqlx::Connection;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each listed test function once per backend, as `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() {
                   $crate::support::within_hang_limit(super::$name($crate::support::Backend::Sqlite)).await
               } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() {
                   $crate::support::within_hang_limit(super::$name($crate::support::Backend::Postgres)).await
               } )*
        }
    };
}

/// Fails a test that has stopped making progress, naming it, instead of letting it hold the
/// whole suite until CI's limit (a hung page once did). Not a speed limit: the slowest test
/// binary finishes in under four seconds; this is about a hundred times that.
pub async fn within_hang_limit(test: impl std::future::Future<Output = ()>) {
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(300);
    if tokio::time::timeout(LIMIT, test).await.is_err() {
        panic!("no progress in {} s: the test hangs", LIMIT.as_secs());
    }
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        let suffix: String = server::ids::random_token(9).to_ascii_lowercase().replace(['-', '_'], "x");
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("plumb-test-{suffix}"));
                std::fs::create_dir_all(&dir).unwrap();
                TestDb { url: format!("sqlite://{}/plumb.db", dir.display()), cleanup: Cleanup::Dir(dir) }
            }
            Backend::Postgres => {
                // The suite never skips PostgreSQL: `make test` starts the server, and a test
                // run without one fails here, saying so.
                let admin_url = std::env::var("PLUMB_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("plumb_test_{suffix}");
                let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL is required for this test and is not reachable at {admin_url}: {e}. `make test` starts it.")
                });
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
                admin.close().await.unwrap();
                let mut url = url::Url::parse(&admin_url).unwrap();
                url.set_path(&name);
                TestDb { url: url.to_string(), cleanup: Cleanup::Postgres { admin_url, name } }
            }
        }
    }

    pub async fn drop_now(self) {
        match self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
            }
        }
    }
}

pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// A signed-in admin: the `Cookie` header value and the session's CSRF token.
pub struct AdminSession {
    pub cookie: String,
    pub csrf: String,
}

/// Plumb on a fresh database, driven through its router without a socket.
pub struct TestApp {
    pub plumb: Arc<Plumb>,
    pub router: axum::Router,
    pub db: TestDb,
    pub api_key: String,
}

pub const PUBLIC_URL: &str = "http://plumb.test";

/// A connection's owner: a user, in an organization unless `organization_id` is empty.
pub fn owner(user_id: &str, organization_id: &str) -> server::connections::Owner {
    server::connections::Owner::from_row(user_id.to_string(), organization_id.to_string())
}

impl TestApp {
    pub async fn new(backend: Backend) -> Self {
        Self::with_config(backend, |_| {}).await
    }

    pub async fn with_config(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::with_cipher(backend, adjust, Cipher::from_key(KeyMaterial::generate())).await
    }

    pub async fn with_cipher(backend: Backend, adjust: impl FnOnce(&mut Config), cipher: Cipher) -> Self {
        let db = TestDb::new(backend).await;
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.public_url = PUBLIC_URL.into();
        config.database_url = db.url.clone();
        config.site_root = std::env::temp_dir().join("plumb-no-site");
        // Fake providers and webhook receivers listen on loopback.
        config.development_mode = true;
        config.return_to_origins = vec!["https://app.example".into()];
        adjust(&mut config);
        let store = Store::connect(&config.database_url).await.unwrap();
        let plumb = Plumb::new(config, store, cipher);
        let api_key =
            server::api_keys::create(plumb.store(), "sandbox", "tests", server::time::now_ms()).await.unwrap().secret;
        let router = server::http::router(plumb.clone());
        TestApp { plumb, router, db, api_key }
    }

    /// Another Plumb process on the same database with the same key: it shares nothing in
    /// memory with this one, so only the database can coordinate them.
    pub async fn sibling(&self) -> Arc<Plumb> {
        let config = self.plumb.config().clone();
        let store = Store::connect(&config.database_url).await.unwrap();
        Plumb::new(config, store, self.plumb.cipher().clone())
    }

    /// Moves a connection's expiry into the past, as time passing would.
    pub async fn expire(&self, id: &ConnectionId) {
        let c = self.plumb.store().connection_by_id(id).await.unwrap().unwrap();
        update_tokens(
            self.plumb.store(),
            id,
            c.access_token.as_deref().unwrap(),
            c.refresh_token.as_deref(),
            Some(1),
            &c.scopes.to_db(),
            1,
        )
        .await;
    }

    /// Makes every connection's tokens look obtained an hour ago, so a token with seconds left is
    /// inside the refresh skew (which is bounded by a third of a token's lifetime, and never
    /// applies to a token obtained a moment ago).
    pub async fn obtained_long_ago(&self) {
        sqlx::query("UPDATE connections SET updated_at = updated_at - 3600000")
            .execute(self.plumb.store().pool())
            .await
            .unwrap();
    }

    /// Creates an admin (once) and signs in: the session cookie and its CSRF token.
    pub async fn admin_session(&self) -> AdminSession {
        let email = "admin@plumb.test";
        if self.plumb.store().admin_by_email(email).await.unwrap().is_none() {
            self.plumb.create_admin(email, ADMIN_PASSWORD).await.unwrap();
        }
        let (token, session) = self.plumb.sign_in(email, ADMIN_PASSWORD, "tests", None).await.unwrap();
        AdminSession { cookie: format!("plumb_session={token}"), csrf: session.csrf_token }
    }

    /// Calls a dashboard server function as a signed-in admin (form-encoded, like the browser).
    pub async fn admin_call(&self, session: &AdminSession, endpoint: &str, form: &[(&str, &str)]) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        self.send(
            Request::post(format!("/api/{endpoint}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, &session.cookie)
                .header("x-csrf-token", &session.csrf)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    pub async fn finish(self) {
        self.plumb.store().close().await;
        self.db.drop_now().await;
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// Rows in a table.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.plumb.store().pool())
            .await
            .unwrap()
    }

    /// A JSON request with this app's API key.
    pub async fn call(&self, method: Method, path: &str, body: serde_json::Value) -> Reply {
        self.send(
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {}", self.api_key))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    pub async fn post_json(&self, path: &str, api_key: Option<&str>, body: serde_json::Value) -> Reply {
        let mut request =
            Request::builder().method(Method::POST).uri(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(key) = api_key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        self.send(request.body(Body::from(body.to_string())).unwrap()).await
    }

    pub async fn get_with_key(&self, path: &str, api_key: Option<&str>) -> Reply {
        let mut request = Request::builder().method(Method::GET).uri(path);
        if let Some(key) = api_key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// `POST /data-integrations/{slug}/token` with this app's API key.
    pub async fn token(&self, slug: &str, user_id: &str) -> Reply {
        self.post_json(
            &format!("/data-integrations/{slug}/token"),
            Some(&self.api_key),
            serde_json::json!({"user_id": user_id, "organization_id": "org_1"}),
        )
        .await
    }

    pub async fn widget_token(&self, user_id: &str) -> String {
        let reply = self
            .post_json(
                "/widgets/token",
                Some(&self.api_key),
                serde_json::json!({"user_id": user_id, "organization_id": "org_1"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.json()["token"].as_str().unwrap().to_string()
    }

    /// Adds a provider whose token endpoint is `provider`.
    pub async fn add_provider(&self, slug: &str, provider: &FakeProvider) {
        self.plumb
            .create_custom_provider(
                &server::store::SANDBOX.into(),
                ProviderChange::from(&app::model::ProviderInput {
                    name: format!("Provider {slug}"),
                    slug: slug.into(),
                    description: "for tests".into(),
                    authorization_url: format!("{}/authorize", provider.url),
                    token_url: format!("{}/token", provider.url),
                    client_id: "client-1".into(),
                    client_secret: "secret-1".into(),
                    scopes: "openid api:read".into(),
                    ..Default::default()
                }),
            )
            .await
            .unwrap();
    }

    /// Runs the browser's part of connecting: Connect in the widget, then the provider's
    /// redirect back to the callback with `code`. Returns the callback's reply.
    pub async fn connect(&self, slug: &str, user_id: &str, code: &str) -> Reply {
        let started = self.start_connect(slug, user_id).await;
        self.callback(&started, &format!("code={code}")).await
    }

    pub async fn start_connect(&self, slug: &str, user_id: &str) -> Started {
        let token = self.widget_token(user_id).await;
        self.start_connect_with(&token, slug, &[]).await
    }

    /// Connect in the widget with this widget token and extra form fields (`intent`,
    /// `account`, `label`).
    pub async fn start_connect_with(&self, token: &str, slug: &str, extra: &[(&str, &str)]) -> Started {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .append_pair("provider", slug)
            .extend_pairs(extra)
            .finish();
        let reply = self
            .send(
                Request::post("/oauth/authorize")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    // As a browser sends it from the widget page.
                    .header(header::ORIGIN, PUBLIC_URL)
                    .header("sec-fetch-site", "same-origin")
                    .body(Body::from(form))
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let location = url::Url::parse(reply.header("location").unwrap()).unwrap();
        let query: HashMap<String, String> = location.query_pairs().into_owned().collect();
        let cookie = reply.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
        Started { authorize_url: location, query, cookie, widget_token: token.to_string() }
    }

    pub async fn callback(&self, started: &Started, extra_query: &str) -> Reply {
        self.callback_with_cookie(started, extra_query, Some(&started.cookie)).await
    }

    pub async fn callback_with_cookie(&self, started: &Started, extra_query: &str, cookie: Option<&str>) -> Reply {
        let uri = format!("/oauth/callback?state={}&{extra_query}", started.query["state"]);
        let mut request = Request::get(uri);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }
}

pub struct Started {
    pub authorize_url: url::Url,
    pub query: HashMap<String, String>,
    pub cookie: String,
    pub widget_token: String,
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A 1×1 PNG, served by the fake provider at `/icon.png`.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x02, 0x00, 0x00, 0x05, 0x00, 0x01, 0xE9, 0xFA, 0xDC, 0xD8, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A provider's token endpoint on a real socket. Each request takes the next programmed answer
/// (status and JSON body); with none left it answers 500 and the test sees the failure.
#[derive(Clone)]
pub struct FakeProvider {
    pub url: String,
    /// The status `/revoke` (RFC 7009) answers; 200 unless a test changes it.
    pub revoke_status: Arc<std::sync::atomic::AtomicU16>,
    /// The bodies `/revoke` received.
    pub revocations: Arc<Mutex<Vec<HashMap<String, String>>>>,
    answers: Arc<Mutex<VecDeque<(u16, serde_json::Value)>>>,
    requests: Arc<Mutex<Vec<HashMap<String, String>>>>,
    delay_ms: Arc<std::sync::atomic::AtomicU64>,
    /// The headers `/verify` (a credential check) received, one map per request.
    pub verifications: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

/// What `/verify` accepts: the key `good-key` in `X-Api-Key`, or Basic `ada:open sesame`.
pub const GOOD_KEY: &str = "good-key-0123456789";

impl FakeProvider {
    pub async fn start() -> Self {
        let answers: Arc<Mutex<VecDeque<(u16, serde_json::Value)>>> = Arc::default();
        let requests: Arc<Mutex<Vec<HashMap<String, String>>>> = Arc::default();
        let delay_ms: Arc<std::sync::atomic::AtomicU64> = Arc::default();
        let (a, r, d) = (answers.clone(), requests.clone(), delay_ms.clone());
        let revoke_status = Arc::new(std::sync::atomic::AtomicU16::new(200));
        let revocations: Arc<Mutex<Vec<HashMap<String, String>>>> = Arc::default();
        let (rs, rv) = (revoke_status.clone(), revocations.clone());
        let verifications: Arc<Mutex<Vec<HashMap<String, String>>>> = Arc::default();
        let vs = verifications.clone();
        let app = axum::Router::new()
            .route(
                "/verify",
                axum::routing::get(move |headers: axum::http::HeaderMap| {
                    let seen = vs.clone();
                    async move {
                        let map: HashMap<String, String> = headers
                            .iter()
                            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
                            .collect();
                        let basic = format!(
                            "Basic {}",
                            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "ada:open sesame")
                        );
                        let ok = map.get("x-api-key").map(String::as_str) == Some(GOOD_KEY)
                            || map.get("authorization") == Some(&basic);
                        seen.lock().unwrap().push(map);
                        if ok {
                            StatusCode::OK
                        } else {
                            StatusCode::UNAUTHORIZED
                        }
                    }
                }),
            )
            .route(
                "/revoke",
                post(move |body: String| {
                    let (status, seen) = (rs.clone(), rv.clone());
                    async move {
                        seen.lock().unwrap().push(url::form_urlencoded::parse(body.as_bytes()).into_owned().collect());
                        let status = status.load(std::sync::atomic::Ordering::SeqCst);
                        (StatusCode::from_u16(status).unwrap(), axum::Json(serde_json::json!({"error": "unavailable"})))
                            .into_response()
                    }
                }),
            )
            .route("/icon.png", axum::routing::get(|| async { ([(header::CONTENT_TYPE, "image/png")], PNG.to_vec()) }))
            .route(
                "/page.html",
                axum::routing::get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html>not an image</html>") }),
            )
            .route(
                "/token",
                post(move |body: String| {
                    let (answers, requests, delay) = (a.clone(), r.clone(), d.clone());
                    async move {
                        requests
                            .lock()
                            .unwrap()
                            .push(url::form_urlencoded::parse(body.as_bytes()).into_owned().collect());
                        let delay = delay.load(std::sync::atomic::Ordering::SeqCst);
                        if delay > 0 {
                            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                        }
                        let (status, json) = answers
                            .lock()
                            .unwrap()
                            .pop_front()
                            .unwrap_or((500, serde_json::json!({"error": "no answer programmed"})));
                        (StatusCode::from_u16(status).unwrap(), axum::Json(json)).into_response()
                    }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeProvider { url, revoke_status, revocations, answers, requests, delay_ms, verifications }
    }

    pub fn answer(&self, status: u16, body: serde_json::Value) {
        self.answers.lock().unwrap().push_back((status, body));
    }

    /// Makes every token request take this long, as a slow provider would.
    pub fn set_delay(&self, ms: u64) {
        self.delay_ms.store(ms, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn requests(&self) -> Vec<HashMap<String, String>> {
        self.requests.lock().unwrap().clone()
    }
}

/// Overwrites a connection's tokens without coordination, as only a test needs to (Plumb itself
/// changes them through a refresh lease).
pub async fn update_tokens(
    store: &Store,
    id: &ConnectionId,
    access_token: &[u8],
    refresh_token: Option<&[u8]>,
    expires_at: Option<i64>,
    scopes: &str,
    now: i64,
) {
    sqlx::query(
        "UPDATE connections SET state = 'connected', access_token = $1, refresh_token = $2, \
            expires_at = $3, scopes = $4, last_refreshed_at = $5, last_error = NULL, updated_at = $5 \
         WHERE id = $6",
    )
    .bind(access_token)
    .bind(refresh_token)
    .bind(expires_at)
    .bind(scopes)
    .bind(now)
    .bind(id.as_str())
    .execute(store.pool())
    .await
    .unwrap();
}

/// Ends a connection's refresh backoff, so the next fetch may refresh at once.
pub async fn reset_refresh_backoff(store: &Store, id: &ConnectionId) {
    sqlx::query("UPDATE connections SET retry_refresh_at = NULL WHERE id = $1")
        .bind(id.as_str())
        .execute(store.pool())
        .await
        .unwrap();
}

/// Plumb on a real loopback socket, served by [`server::http::serve`] as `plumb serve` does.
pub struct Listening {
    pub addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
    pub app: TestApp,
}

impl Listening {
    pub async fn start(header_timeout: Duration, request_timeout: Duration, max_connections: usize) -> Self {
        let app = TestApp::with_config(Backend::Sqlite, |c| c.request_timeout = request_timeout).await;
        Self::serve(app, header_timeout, max_connections).await
    }

    pub async fn serve(app: TestApp, header_timeout: Duration, max_connections: usize) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let limits = server::http::Limits { header_timeout, max_connections, drain_timeout: Duration::from_secs(5) };
        let server = tokio::spawn(server::http::serve(listener, app.router.clone(), limits, async {
            let _ = stopped.await;
        }));
        Listening { addr, stop: Some(stop), server, app }
    }

    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), self.server).await.expect("shuts down").unwrap();
        self.app.finish().await;
    }
}
