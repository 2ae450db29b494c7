//! Connecting on both databases: the authorization request Plumb builds, the callback's checks
//! on `state`, the code exchange, encryption at rest, and disconnecting from the widget.

use crate::support::{Backend, FakeProvider, TestApp, PUBLIC_URL};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

on_both_backends!(
    the_authorization_request_uses_pkce_and_the_exact_redirect_uri,
    state_is_single_use_and_bound_to_the_browser,
    an_expired_state_is_refused,
    a_denial_or_rejected_code_returns_to_the_widget_and_stores_nothing,
    tokens_are_encrypted_at_rest_and_bound_to_their_connection,
    the_widget_lists_states_and_disconnects_only_its_own_user,
    providers_are_validated_before_anything_is_stored,
);

fn tokens(access: &str) -> serde_json::Value {
    json!({"access_token": access, "refresh_token": format!("{access}-refresh"), "expires_in": 3600, "token_type": "Bearer"})
}

async fn app_with_provider(backend: Backend) -> (TestApp, FakeProvider) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    (app, provider)
}

async fn the_authorization_request_uses_pkce_and_the_exact_redirect_uri(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let started = app.start_connect("acme", "user_1").await;
    assert_eq!(started.authorize_url.as_str().split('?').next().unwrap(), format!("{}/authorize", provider.url));
    let q = &started.query;
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "client-1");
    assert_eq!(q["redirect_uri"], format!("{PUBLIC_URL}/oauth/callback"));
    assert_eq!(q["scope"], "openid api:read");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["state"].len() >= 43);
    assert!(started.cookie.starts_with("plumb_oauth_binding="));

    provider.answer(200, tokens("at-1"));
    let reply = app.callback(&started, "code=the-code").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
    assert!(reply.header("location").unwrap().starts_with("/widget?token="));

    let exchange = &provider.requests()[0];
    assert_eq!(exchange["grant_type"], "authorization_code");
    assert_eq!(exchange["code"], "the-code");
    assert_eq!(exchange["redirect_uri"], format!("{PUBLIC_URL}/oauth/callback"));
    assert_eq!(exchange["client_id"], "client-1");
    assert_eq!(exchange["client_secret"], "secret-1");
    // RFC 7636 §4.6: the verifier sent now hashes to the challenge sent with the user.
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(exchange["code_verifier"].as_bytes()));
    assert_eq!(challenge, q["code_challenge"]);
    app.finish().await;
}

async fn state_is_single_use_and_bound_to_the_browser(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;

    // Another browser (another cookie, or none) cannot finish this user's flow…
    let started = app.start_connect("acme", "user_1").await;
    for cookie in [None, Some("plumb_oauth_binding=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] {
        let reply = app.callback_with_cookie(&started, "code=c", cookie).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(reply.body.contains("another browser") || reply.body.contains("already completed"), "{}", reply.body);
    }
    // …nor use it up: the real user's flow is left to finish (once; a replay is refused).
    provider.answer(200, tokens("at-1"));
    assert_eq!(app.callback(&started, "code=c").await.status, StatusCode::SEE_OTHER);
    let replay = app.callback(&started, "code=c").await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(replay.body.contains("already completed"));
    assert_eq!(replay.header("content-type"), Some("text/html; charset=utf-8"));

    // No state at all, or one Plumb never issued.
    let reply = app.send(Request::get("/oauth/callback?code=c").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app.send(Request::get("/oauth/callback?code=c&state=forged").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(provider.requests().len(), 1, "only the legitimate callback reached the provider");
    app.finish().await;
}

async fn an_expired_state_is_refused(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let started = app.start_connect("acme", "user_1").await;
    let hash = server::ids::sha256_hex(&started.query["state"]);
    let binding = server::ids::sha256_hex(started.cookie.split('=').nth(1).unwrap());
    let server::store::Taken::Found(mut pending) = app.plumb.store().take_oauth_state(&hash, &binding).await.unwrap()
    else {
        panic!("the pending state");
    };
    pending.expires_at = server::time::now_ms() - 1;
    app.plumb.store().insert_oauth_state(&pending).await.unwrap();
    let reply = app.callback(&started, "code=c").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("expired"));
    assert!(provider.requests().is_empty());
    app.finish().await;
}

async fn a_denial_or_rejected_code_returns_to_the_widget_and_stores_nothing(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let started = app.start_connect("acme", "user_1").await;
    let reply = app.callback(&started, "error=access_denied&error_description=User+said+no").await;
    let location = reply.header("location").unwrap();
    assert!(location.starts_with("/widget?token="));
    assert!(
        location.contains("error=access_denied") && location.contains("error_description=User+said+no"),
        "{location}"
    );

    let started = app.start_connect("acme", "user_1").await;
    provider.answer(400, json!({"error": "invalid_grant", "error_description": "code expired"}));
    let reply = app.callback(&started, "code=stale").await;
    let location = reply.header("location").unwrap();
    assert!(location.contains("error=invalid_grant") && location.contains("code+expired"), "{location}");

    let started = app.start_connect("acme", "user_1").await;
    provider.answer(200, json!({"token_type": "bearer"}));
    let location = app.callback(&started, "code=c").await.header("location").unwrap().to_string();
    assert!(location.contains("error=provider_unavailable"), "{location}");

    assert_eq!(app.token("acme", "user_1").await.json(), json!({"active": false, "error": "not_installed"}));
    app.finish().await;
}

async fn tokens_are_encrypted_at_rest_and_bound_to_their_connection(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let secret = "AT-PLAINTEXT-7f3a91";
    provider.answer(200, tokens(secret));
    app.connect("acme", "user_1", "c1").await;
    provider.answer(200, tokens("AT-OTHER-USER"));
    app.connect("acme", "user_2", "c2").await;

    let store = app.plumb.store();
    let p = store.provider_by_slug(&"env_sandbox".into(), "acme").await.unwrap().unwrap();
    let a = store.connection(&p.id, &crate::support::owner("user_1", "org_1")).await.unwrap().unwrap();
    let b = store.connection(&p.id, &crate::support::owner("user_2", "org_1")).await.unwrap().unwrap();
    for blob in [a.access_token.as_ref().unwrap(), a.refresh_token.as_ref().unwrap(), p.client_secret.as_ref().unwrap()]
    {
        let text = String::from_utf8_lossy(blob);
        assert!(!text.contains("AT-PLAINTEXT") && !text.contains("secret-1"), "plaintext at rest");
    }
    if backend == Backend::Sqlite {
        let path = app.db.url.trim_start_matches("sqlite://").to_string();
        for file in [path.clone(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                let text = String::from_utf8_lossy(&bytes);
                assert!(!text.contains(secret) && !text.contains("secret-1"), "{file} holds a plaintext secret");
            }
        }
    }

    // User 2's row given user 1's ciphertext: it must not decrypt, and no token is handed out.
    crate::support::update_tokens(
        store,
        &b.id,
        a.access_token.as_deref().unwrap(),
        b.refresh_token.as_deref(),
        b.expires_at,
        "",
        server::time::now_ms(),
    )
    .await;
    let reply = app.token("acme", "user_2").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json()["code"], "stored_secret_unreadable");
    assert!(!reply.body.contains(secret));
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], secret);
    app.finish().await;
}

async fn the_widget_lists_states_and_disconnects_only_its_own_user(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    provider.answer(200, tokens("at-1"));
    app.connect("acme", "user_1", "c1").await;

    let form = |token: &str, extra: &str| {
        Request::post("/api/widget")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}{extra}")))
            .unwrap()
    };
    let user_1 = app.widget_token("user_1").await;
    let view = app.send(form(&user_1, "")).await.json();
    assert_eq!(view["providers"][0]["slug"], "acme");
    assert_eq!(view["providers"][0]["state"], "connected");
    let user_2 = app.widget_token("user_2").await;
    assert_eq!(app.send(form(&user_2, "")).await.json()["providers"][0]["state"], serde_json::Value::Null);

    // A tampered token is refused with a clear 401.
    let reply = app.send(form(&format!("{user_1}x"), "")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["code"], "invalid_widget_token");

    let disconnect = |token: &str| {
        Request::post("/api/widget/disconnect")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}&provider=acme")))
            .unwrap()
    };
    // User 2's widget cannot remove user 1's connection.
    assert_eq!(app.send(disconnect(&user_2)).await.status, StatusCode::OK);
    assert_eq!(app.token("acme", "user_1").await.json()["active"], true);
    assert_eq!(app.send(disconnect(&user_1)).await.status, StatusCode::OK);
    assert_eq!(app.token("acme", "user_1").await.json(), json!({"active": false, "error": "not_installed"}));
    app.finish().await;
}

async fn providers_are_validated_before_anything_is_stored(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin_session().await;
    let create = |fields: &[(&str, &str)]| {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            form.append_pair(&format!("input[{k}]"), v);
        }
        Request::post("/api/providers/create")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &admin.cookie)
            .header("x-csrf-token", &admin.csrf)
            .body(Body::from(form.finish()))
            .unwrap()
    };
    let good = [
        ("name", "Acme"),
        ("slug", "acme"),
        ("description", ""),
        ("authorization_url", "https://acme.example/authorize"),
        ("token_url", "https://acme.example/token"),
        ("client_id", "cid"),
        ("client_secret", "shh"),
        ("scopes", "read"),
        ("client_secret_required", "true"),
        ("pkce_enabled", "true"),
    ];
    let mut bad = good;
    bad[1] = ("slug", "Bad Slug");
    bad[4] = ("token_url", "http://acme.example/token");
    let reply = app.send(create(&bad)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    let fields: Vec<_> = reply.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].clone()).collect();
    assert_eq!(fields, [json!("slug"), json!("token_url")]);
    assert!(app.plumb.store().list_providers(&"env_sandbox".into()).await.unwrap().is_empty());

    let reply = app.send(create(&good)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["has_client_secret"], true);
    assert!(!reply.body.contains("shh"), "the secret never goes back to the browser");

    let mut renamed = good;
    renamed[0] = ("name", "Acme again");
    let reply = app.send(create(&renamed)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["errors"][0]["code"], "slug_taken");
    let providers = app.plumb.store().list_providers(&"env_sandbox".into()).await.unwrap();
    assert_eq!(providers.len(), 1);
    assert_eq!(providers[0].0.name, "Acme");

    let dashboard = app.admin_call(&admin, "dashboard", &[]).await.json();
    assert_eq!(dashboard["redirect_uri"], format!("{PUBLIC_URL}/oauth/callback"));
    assert!(!dashboard.to_string().contains("shh"));
    app.finish().await;
}
