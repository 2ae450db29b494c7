//! Issue 14 through the API and the widget's forms: configuration fields filling templated
//! URLs (and the outbound-address rules applied after filling them), API keys and Basic
//! credentials checked by a verification request before they are stored, and client
//! credentials whose token Plumb obtains once however many ask, and renews after expiry.

use crate::support::{Backend, FakeProvider, Reply, TestApp, GOOD_KEY, PUBLIC_URL};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

async fn create(app: &TestApp, body: Value) -> Reply {
    app.call(Method::POST, "/data-integrations", body).await
}

/// A custom provider on the fake whose authorization and token URLs take the port from a
/// configuration field each user fills in.
async fn templated_provider(app: &TestApp) {
    let reply = create(
        app,
        json!({
            "provider": "tenant",
            "enabled": true,
            "credentials": {"type": "custom", "client_id": "client-1", "client_secret": "secret-1"},
            "custom_provider": {
                "name": "Tenant",
                "authorization_url": "http://127.0.0.1:${config.port}/authorize",
                "token_url": "http://127.0.0.1:${config.port}/token",
                "config_fields": [{
                    "key": "port", "label": "Port", "required": true, "scope": "installation",
                    "pattern": "[0-9]{2,5}", "example": "8080", "description": "The tenant's port."
                }],
            },
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json()["custom_provider"]["config_fields"][0]["key"], "port");
}

async fn templated_urls_are_filled_per_connection(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    templated_provider(&app).await;
    let port = url::Url::parse(&fake.url).unwrap().port().unwrap().to_string();

    // A value that breaks the pattern goes back to the widget with the reason; nothing starts.
    let widget = app.widget_token("user_1").await;
    let reply = widget_post(&app, "/oauth/authorize", &widget, &[("provider", "tenant"), ("config.port", "80x")]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let back = reply.header("location").unwrap();
    assert!(back.starts_with("/widget?") && back.contains("error=pattern_mismatch"), "{back}");
    assert_eq!(app.count("oauth_states").await, 0);

    let started = app.start_connect_with(&widget, "tenant", &[("config.port", &port)]).await;
    assert_eq!(started.authorize_url.as_str().split('?').next().unwrap(), format!("{}/authorize", fake.url));
    fake.answer(200, json!({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3600}));
    // RFC 9207's iss names the filled origin, which is this flow's provider.
    let iss: String = url::form_urlencoded::byte_serialize(fake.url.as_bytes()).collect();
    let reply = app.callback(&started, &format!("code=c1&iss={iss}")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert!(!reply.header("location").unwrap().contains("error="), "{:?}", reply.header("location"));
    assert_eq!(fake.requests()[0]["code"], "c1", "the exchange went to the filled token URL");

    // The widget token is for user_1 in org_1.
    let path = "/user_management/users/user_1/connected_accounts/tenant?organization_id=org_1";
    let account = app.call(Method::GET, path, Value::Null).await;
    assert_eq!(account.json()["config"], json!({"port": port}), "{}", account.body);

    // The refresh goes to the same filled URL.
    let id: String = account.json()["id"].as_str().unwrap().into();
    app.expire(&id.clone().into()).await;
    fake.answer(200, json!({"access_token": "at-2", "expires_in": 3600}));
    let token = app.token("tenant", "user_1").await;
    assert_eq!(token.json()["access_token"]["access_token"], "at-2", "{}", token.body);
    assert_eq!(fake.requests()[1]["refresh_token"], "rt-1");
    app.finish().await;
}

async fn an_organization_pins_its_own_values(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    templated_provider(&app).await;
    let port = url::Url::parse(&fake.url).unwrap().port().unwrap().to_string();
    // org_1 pins the port: its members are not asked, and their flows use it.
    let path = "/data-integrations/tenant/organization?organization_id=org_1";
    let reply = app.call(Method::PUT, path, json!({"config": {"port": port}})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["organization_settings"]["config"], json!({"port": port}));
    let reply = app.call(Method::PUT, path, json!({"config": {"port": "not a port"}})).await;
    assert!(reply.body.contains("pattern_mismatch"), "{}", reply.body);
    let widget = app.widget_token("user_1").await;
    let started = app.start_connect_with(&widget, "tenant", &[]).await;
    assert_eq!(started.authorize_url.as_str().split('?').next().unwrap(), format!("{}/authorize", fake.url));
    // Giving a pinned value is refused; outside org_1 the port is required.
    let reply =
        widget_post(&app, "/oauth/authorize", &widget, &[("provider", "tenant"), ("config.port", "8080")]).await;
    assert!(reply.header("location").unwrap().contains("error=not_accepted"), "{:?}", reply.header("location"));
    let reply = app.call(Method::POST, "/data-integrations/tenant/authorize", json!({"user_id": "user_2"})).await;
    assert!(reply.body.contains("\"required\""), "{}", reply.body);
    app.finish().await;
}

async fn filled_urls_must_pass_the_outbound_rules(backend: Backend) {
    // Production mode: no loopback, and never link-local or metadata addresses.
    let app = TestApp::with_config(backend, |c| c.development_mode = false).await;
    let reply = create(
        &app,
        json!({
            "provider": "tenant",
            "enabled": true,
            "credentials": {"type": "custom", "client_id": "client-1", "client_secret": "secret-1"},
            "custom_provider": {
                "name": "Tenant",
                "authorization_url": "https://${config.host}/authorize",
                "token_url": "https://${config.host}/token",
                "config_fields": [{
                    "key": "host", "label": "Host", "required": true,
                    "pattern": "[a-z0-9.-]+", "example": "login.acme.test", "description": "Your sign-in host."
                }],
            },
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    for forbidden in ["169.254.169.254", "127.0.0.1", "localhost"] {
        let reply = app
            .call(
                Method::POST,
                "/data-integrations/tenant/authorize",
                json!({"user_id": "user_1", "config": {"host": forbidden}}),
            )
            .await;
        assert_eq!(reply.status.as_u16() / 100, 4, "{forbidden}: {}", reply.body);
        assert!(reply.body.contains("address_not_allowed"), "{forbidden}: {}", reply.body);
    }
    // An undeclared key, and a value that breaks the pattern, are refused too.
    let reply = app
        .call(Method::POST, "/data-integrations/tenant/authorize", json!({"user_id": "u", "config": {"x": "1"}}))
        .await;
    assert!(reply.body.contains("unknown_field"), "{}", reply.body);
    let reply = app
        .call(Method::POST, "/data-integrations/tenant/authorize", json!({"user_id": "u", "config": {"host": "a/b"}}))
        .await;
    assert!(reply.body.contains("pattern_mismatch"), "{}", reply.body);
    let reply = app
        .call(
            Method::POST,
            "/data-integrations/tenant/authorize",
            json!({"user_id": "u", "config": {"host": "login.acme.test"}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(app.count("authorization_links").await, 1);
    app.finish().await;
}

/// An API-key provider whose keys the fake checks at `/verify`.
async fn key_provider(app: &TestApp, fake: &FakeProvider, methods: Value) {
    let reply = create(
        app,
        json!({
            "provider": "keyed",
            "enabled": true,
            "auth_methods": methods,
            "custom_provider": {
                "name": "Keyed",
                "api_base_url": format!("{}/api", fake.url),
                "api_key_placement": {"header": "X-Api-Key", "format": "${api_key}"},
                "verification": {"method": "GET", "url": format!("{}/verify", fake.url), "expected_statuses": [200]},
            },
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json()["auth_methods"], json!(["api_key"]));
}

async fn api_keys_are_verified_stored_sealed_and_vended(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    key_provider(&app, &fake, json!(["api_key"])).await;

    let wrong = json!({"user_id": "user_1", "secret": "wrong-key-0000000", "connection_intent": "add"});
    let reply = app.call(Method::POST, "/data-integrations/keyed/api-key", wrong).await;
    assert_eq!(reply.status.as_u16() / 100, 4, "{}", reply.body);
    assert!(reply.body.contains("credential_rejected") && reply.body.contains("HTTP 401"), "{}", reply.body);
    assert_eq!(app.count("connections").await, 0, "a refused key is not stored");

    let right = json!({"user_id": "user_1", "secret": GOOD_KEY, "connection_intent": "add",
                       "account_display_name": "Production"});
    let reply = app.call(Method::POST, "/data-integrations/keyed/api-key", right).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let account = reply.json();
    assert_eq!(account["auth_method"], "api_key");
    assert_eq!(account["api_key_last_4"], &GOOD_KEY[GOOD_KEY.len() - 4..]);
    assert_eq!(account["account_display_name"], "Production");
    assert_eq!(fake.verifications.lock().unwrap().last().unwrap()["x-api-key"], GOOD_KEY);

    // A second POST adds only where several accounts are allowed.
    let again = json!({"user_id": "user_1", "secret": GOOD_KEY, "connection_intent": "add"});
    let reply = app.call(Method::POST, "/data-integrations/keyed/api-key", again).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);

    let vended =
        app.post_json("/data-integrations/keyed/credentials", Some(&app.api_key), json!({"user_id": "user_1"})).await;
    assert_eq!(vended.status, StatusCode::OK, "{}", vended.body);
    let credential = &vended.json()["credential"];
    assert_eq!(vended.json()["active"], true);
    assert_eq!(credential["auth_method"], "api_key");
    assert_eq!(credential["value"], GOOD_KEY);
    let token = app.post_json("/data-integrations/keyed/token", Some(&app.api_key), json!({"user_id": "user_1"})).await;
    assert_eq!(token.json()["access_token"]["access_token"], GOOD_KEY, "{}", token.body);

    // PUT rotates the compatibility connection's key in place.
    let rotate = json!({"user_id": "user_1", "secret": format!("{GOOD_KEY}")});
    let reply = app.call(Method::PUT, "/data-integrations/keyed/api-key", rotate).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["id"], account["id"]);
    assert_eq!(app.count("connections").await, 1);

    assert_no_plaintext(&app, &[GOOD_KEY]).await;
    app.finish().await;
}

async fn basic_credentials_from_the_widget(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    key_provider(&app, &fake, json!(["basic"])).await;
    let widget = app.widget_token("user_1").await;
    let form = [("provider", "keyed"), ("method", "basic"), ("username", "ada"), ("password", "wrong")];
    let reply = widget_post(&app, "/widget/credentials", &widget, &form).await;
    let back = reply.header("location").unwrap().to_string();
    assert!(back.contains("error=credential_rejected") && back.contains("status=401"), "{back}");
    let form = [("provider", "keyed"), ("method", "basic"), ("username", "ada"), ("password", "open sesame")];
    let reply = widget_post(&app, "/widget/credentials", &widget, &form).await;
    let back = reply.header("location").unwrap().to_string();
    assert!(!back.contains("error="), "{back}");
    let owner = json!({"user_id": "user_1", "organization_id": "org_1"});
    let vended = app.post_json("/data-integrations/keyed/credentials", Some(&app.api_key), owner).await;
    let credential = &vended.json()["credential"];
    // The Basic value, ready for `Authorization: Basic …`, offered to SDK clients as a key.
    assert_eq!(
        credential["value"],
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "ada:open sesame")
    );
    assert_eq!(credential["credential_scheme"], "basic");
    assert_eq!(credential["username"], "ada");
    // From another site, the form is refused.
    let request = Request::post("/widget/credentials")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(format!("token={widget}&provider=keyed&method=basic&username=ada&password=x")))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::FORBIDDEN);
    assert_no_plaintext(&app, &["open sesame"]).await;
    app.finish().await;
}

async fn client_credentials_are_obtained_once_and_renewed(backend: Backend) {
    let app = TestApp::new(backend).await;
    let fake = FakeProvider::start().await;
    let reply = create(
        &app,
        json!({
            "provider": "machine",
            "enabled": true,
            "scopes": ["api:read"],
            "auth_methods": ["client_credentials"],
            "custom_provider": {"name": "Machine", "token_url": format!("{}/token", fake.url)},
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    fake.answer(401, json!({"error": "invalid_client"}));
    let body = json!({"user_id": "user_1", "client_id": "cid", "client_secret": "client-secret-98765",
                      "connection_intent": "add"});
    let reply = app.call(Method::POST, "/data-integrations/machine/client-credentials", body.clone()).await;
    assert!(reply.body.contains("credential_rejected") && reply.body.contains("invalid_client"), "{}", reply.body);

    fake.answer(200, json!({"access_token": "cc-1", "expires_in": 3600, "token_type": "Bearer"}));
    let reply = app.call(Method::POST, "/data-integrations/machine/client-credentials", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json()["client_id"], "cid");
    assert_eq!(reply.json()["client_secret_last_4"], "8765");
    let grant = &fake.requests()[1];
    assert_eq!(grant["grant_type"], "client_credentials");
    assert_eq!(grant["scope"], "api:read");
    assert_eq!(grant["client_secret"], "client-secret-98765");

    // Expired: 200 callers at once make one token request (a second would find no answer
    // programmed and fail its caller).
    let id: String = reply.json()["id"].as_str().unwrap().into();
    app.expire(&id.into()).await;
    fake.set_delay(200);
    fake.answer(200, json!({"access_token": "cc-token-2-abcdef", "expires_in": 3600}));
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let (router, key) = (app.router.clone(), app.api_key.clone());
        calls.spawn(async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let request = Request::post("/data-integrations/machine/credentials")
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({"user_id": "user_1"}).to_string()))
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice::<Value>(&body).unwrap())
        });
    }
    while let Some(done) = calls.join_next().await {
        let (status, body) = done.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        let credential = &body["credential"];
        assert_eq!(credential["auth_method"], "client_credentials");
        assert_eq!(credential["value"], "cc-token-2-abcdef");
        assert!(credential["expires_at"].is_string());
    }
    assert_eq!(fake.requests().len(), 3, "one renewal for 200 callers");

    // The provider stops accepting the client: the connection needs new credentials, at once
    // rather than after retries, and the app hears of it.
    let id: String = reply.json()["id"].as_str().unwrap().into();
    app.expire(&id.into()).await;
    fake.set_delay(0);
    fake.answer(401, json!({"error": "invalid_client"}));
    let owner = json!({"user_id": "user_1"});
    let vended = app.post_json("/data-integrations/machine/credentials", Some(&app.api_key), owner).await;
    assert_eq!(vended.json(), json!({"active": false, "error": "needs_reauthorization"}), "{}", vended.body);
    let events =
        app.call(Method::GET, "/events?events=pipes.connected_account.reauthorization_needed", Value::Null).await;
    assert_eq!(events.json()["data"].as_array().map(Vec::len), Some(1), "{}", events.body);
    assert_no_plaintext(&app, &["client-secret-98765", "cc-token-2-abcdef"]).await;
    app.finish().await;
}

on_both_backends!(
    templated_urls_are_filled_per_connection,
    an_organization_pins_its_own_values,
    filled_urls_must_pass_the_outbound_rules,
    api_keys_are_verified_stored_sealed_and_vended,
    basic_credentials_from_the_widget,
    client_credentials_are_obtained_once_and_renewed,
);

/// A form the widget page posts, as the browser sends it from Plumb's own origin.
async fn widget_post(app: &TestApp, path: &str, token: &str, fields: &[(&str, &str)]) -> Reply {
    let form =
        url::form_urlencoded::Serializer::new(String::new()).append_pair("token", token).extend_pairs(fields).finish();
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, PUBLIC_URL)
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(form))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    reply
}

/// No secret appears in the database in the clear: every text and byte column of every row
/// (SQLite: the database file itself, write-ahead log included).
async fn assert_no_plaintext(app: &TestApp, secrets: &[&str]) {
    if let Some(path) = app.db.url.strip_prefix("sqlite://") {
        for file in [path.to_string(), format!("{path}-wal")] {
            let Ok(bytes) = std::fs::read(&file) else { continue };
            for secret in secrets {
                let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
                assert!(!found, "{secret:?} is in {file} in plaintext");
            }
        }
        return;
    }
    for table in ["connections", "providers", "oauth_states", "authorization_links", "held_connections", "events"] {
        let dump: Vec<String> = sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM {table} t"))
            .fetch_all(app.plumb.store().pool())
            .await
            .unwrap_or_default();
        for row in dump {
            for secret in secrets {
                assert!(!row.contains(secret), "{secret:?} is in {table} in plaintext");
            }
        }
    }
}
