//! Who may start a connection and whose it becomes, on both databases: cross-site starts are
//! refused (account-linking CSRF), authorization links open a confirmation page first, a link
//! made with the app's PKCE challenge holds the connection until the app's backend finishes it,
//! widget flows store no live widget token, revoked keys end their widget tokens, a stranger's
//! callback cannot cancel a flow, and pending flows are capped.

use crate::support::{Backend, FakeProvider, TestApp, PUBLIC_URL};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    cross_site_starts_are_refused,
    a_link_with_a_challenge_connects_only_when_the_backend_finishes,
    widget_flows_store_no_widget_token,
    revoked_keys_end_their_widget_tokens,
    a_callback_from_another_browser_leaves_the_flow_alone,
    pending_flows_are_capped_per_user_and_provider,
    a_response_from_another_issuer_is_refused,
);

/// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn app_with_provider(backend: Backend) -> (TestApp, FakeProvider) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    (app, provider)
}

fn connect_form(token: &str, origin: Option<&str>, site: Option<&str>) -> Request<Body> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .append_pair("provider", "acme")
        .finish();
    let mut request =
        Request::post("/oauth/authorize").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    if let Some(site) = site {
        request = request.header("sec-fetch-site", site);
    }
    request.body(Body::from(body)).unwrap()
}

async fn cross_site_starts_are_refused(backend: Backend) {
    let (app, _provider) = app_with_provider(backend).await;
    // The attacker's page auto-submits the attacker's own widget token.
    let token = app.widget_token("attacker").await;
    for (origin, site) in [(Some("https://evil.example"), None), (None, Some("cross-site")), (None, Some("same-site"))]
    {
        let reply = app.send(connect_form(&token, origin, site)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{origin:?} {site:?}");
        assert!(reply.body.contains("Plumb&#39;s own pages"), "{}", reply.body);
    }
    assert_eq!(app.count("oauth_states").await, 0, "no flow was started");
    // Plumb's own widget page still starts one.
    let ok = app.send(connect_form(&token, Some(PUBLIC_URL), Some("same-origin"))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);

    // A link's button, posted from another site, starts nothing and leaves the link usable.
    let link = app.call(Method::POST, "/data-integrations/acme/authorize", json!({"user_id": "attacker"})).await;
    let path = link.json()["url"].as_str().unwrap().strip_prefix(PUBLIC_URL).unwrap().to_string();
    let forged = app
        .send(Request::post(&path).header(header::ORIGIN, "https://evil.example").body(Body::empty()).unwrap())
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("authorization_links").await, 1);
    app.finish().await;
}

/// Opens an authorization link and signs in at the provider: the callback's reply.
async fn open_link(app: &TestApp, url: &str, code: &str) -> crate::support::Reply {
    let path = url.strip_prefix(PUBLIC_URL).unwrap();
    let opened = app.send(Request::post(path).header(header::ORIGIN, PUBLIC_URL).body(Body::empty()).unwrap()).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let location = url::Url::parse(opened.header("location").unwrap()).unwrap();
    let state = location.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    let cookie = opened.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    app.send(
        Request::get(format!("/oauth/callback?state={state}&code={code}"))
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn a_link_with_a_challenge_connects_only_when_the_backend_finishes(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let authorize = |body: Value| app.call(Method::POST, "/data-integrations/acme/authorize", body);
    let bound = json!({"user_id": "user_1", "organization_id": "org_1", "return_to": "https://app.example/back",
        "code_challenge": CHALLENGE, "code_challenge_method": "S256"});

    // Refusals first: no return_to, a malformed challenge, another method.
    for (body, field) in [
        (json!({"user_id": "user_1", "code_challenge": CHALLENGE}), "return_to"),
        (
            json!({"user_id": "user_1", "return_to": "https://app.example/back", "code_challenge": "short"}),
            "code_challenge",
        ),
        (
            json!({"user_id": "user_1", "return_to": "https://app.example/back", "code_challenge": CHALLENGE,
                "code_challenge_method": "plain"}),
            "code_challenge_method",
        ),
    ] {
        let reply = authorize(body).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], field);
    }

    let finish = |code: &str, verifier: &str| {
        app.call(Method::POST, "/data-integrations/finish", json!({"connect_code": code, "code_verifier": verifier}))
    };
    let connect_code_of = |reply: &crate::support::Reply, app_state: &str| {
        let location = url::Url::parse(reply.header("location").unwrap()).unwrap();
        assert_eq!(location.as_str().split('?').next(), Some("https://app.example/back"));
        let query: std::collections::HashMap<String, String> = location.query_pairs().into_owned().collect();
        assert_eq!(query["state"], app_state);
        query["connect_code"].clone()
    };

    // A wrong verifier uses the code up, and nothing is connected.
    let reply = authorize(bound.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["completion"], "finish_required");
    let app_state = reply.json()["state"].as_str().unwrap().to_string();
    provider.answer(200, json!({"access_token": "at-victim", "refresh_token": "rt", "expires_in": 3600}));
    let back = open_link(&app, reply.json()["url"].as_str().unwrap(), "c1").await;
    let code = connect_code_of(&back, &app_state);
    assert_eq!(app.token("acme", "user_1").await.json(), json!({"active": false, "error": "not_installed"}));
    assert_eq!(app.count("held_connections").await, 1);
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT access_token FROM held_connections")
        .fetch_one(app.plumb.store().pool())
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains("at-victim"), "held tokens are sealed");
    let wrong = finish(&code, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    assert_eq!(finish(&code, VERIFIER).await.status, StatusCode::BAD_REQUEST, "the code was used up");
    assert_eq!(app.count("connections").await, 0);

    // The right verifier within the time connects the account.
    let reply = authorize(bound.clone()).await;
    let app_state = reply.json()["state"].as_str().unwrap().to_string();
    provider.answer(200, json!({"access_token": "at-1", "refresh_token": "rt", "expires_in": 3600}));
    let code = connect_code_of(&open_link(&app, reply.json()["url"].as_str().unwrap(), "c2").await, &app_state);
    let done = finish(&code, VERIFIER).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let account = &done.json()["connected_account"];
    assert_eq!(account["object"], "connected_account");
    assert_eq!(account["user_id"], "user_1");
    assert_eq!(account["organization_id"], "org_1");
    assert_eq!(account["state"], "connected");
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-1");
    assert_eq!(app.count("held_connections").await, 0);

    // Too late: 90 seconds after the redirect.
    let reply = authorize(bound).await;
    let app_state = reply.json()["state"].as_str().unwrap().to_string();
    provider.answer(200, json!({"access_token": "at-2"}));
    let code = connect_code_of(&open_link(&app, reply.json()["url"].as_str().unwrap(), "c3").await, &app_state);
    sqlx::query("UPDATE held_connections SET expires_at = 1").execute(app.plumb.store().pool()).await.unwrap();
    assert_eq!(finish(&code, VERIFIER).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-1");
    app.finish().await;
}

async fn widget_flows_store_no_widget_token(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let started = app.start_connect("acme", "user_1").await;
    let rows: Vec<(String, Option<String>)> = sqlx::query_as("SELECT return_to, widget_key_id FROM oauth_states")
        .fetch_all(app.plumb.store().pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "", "no widget URL, and so no token, is stored");
    assert!(rows[0].1.as_deref().is_some_and(|k| !k.is_empty()), "the minting key is");

    provider.answer(200, json!({"access_token": "at-1", "expires_in": 3600}));
    let back = app.callback(&started, "code=c").await;
    let location = url::Url::parse(&format!("{PUBLIC_URL}{}", back.header("location").unwrap())).unwrap();
    let fresh = location.query_pairs().find(|(k, _)| k == "token").unwrap().1.into_owned();
    let claims = app.plumb.widget_session(&fresh).await.unwrap();
    assert_eq!((claims.sub.as_str(), claims.org.as_deref()), ("user_1", Some("org_1")));
    app.finish().await;
}

async fn revoked_keys_end_their_widget_tokens(backend: Backend) {
    let (app, _provider) = app_with_provider(backend).await;
    let second =
        server::api_keys::create(app.plumb.store(), "sandbox", "second", server::time::now_ms()).await.unwrap();
    let minted = app
        .post_json("/widgets/token", Some(&second.secret), json!({"user_id": "user_1", "organization_id": "org_1"}))
        .await;
    let token = minted.json()["token"].as_str().unwrap().to_string();
    let widget = |token: &str| {
        Request::post("/api/widget")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}")))
            .unwrap()
    };
    assert_eq!(app.send(widget(&token)).await.status, StatusCode::OK);

    let key_id: String = sqlx::query_scalar("SELECT id FROM api_keys WHERE name = 'second'")
        .fetch_one(app.plumb.store().pool())
        .await
        .unwrap();
    assert!(app.plumb.store().revoke_api_key(None, &key_id, server::time::now_ms()).await.unwrap());
    let refused = app.send(widget(&token)).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert_eq!(refused.json()["code"], "invalid_widget_token");
    let start = app.send(connect_form(&token, Some(PUBLIC_URL), Some("same-origin"))).await;
    assert_eq!(start.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("oauth_states").await, 0);
    // Tokens of the keys still active keep working.
    assert_eq!(app.send(widget(&app.widget_token("user_1").await)).await.status, StatusCode::OK);
    app.finish().await;
}

async fn a_callback_from_another_browser_leaves_the_flow_alone(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let started = app.start_connect("acme", "user_1").await;
    let foreign = app.callback_with_cookie(&started, "code=stolen", Some("plumb_oauth_binding=someone-elses")).await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    assert!(foreign.body.contains("another browser"), "{}", foreign.body);
    let none = app.callback_with_cookie(&started, "code=stolen", None).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert!(provider.requests().is_empty(), "no code was exchanged");
    // The real user's flow still finishes.
    provider.answer(200, json!({"access_token": "at-1"}));
    let real = app.callback(&started, "code=real").await;
    assert_eq!(real.status, StatusCode::SEE_OTHER, "{}", real.body);
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-1");
    app.finish().await;
}

async fn pending_flows_are_capped_per_user_and_provider(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    let mut flows = Vec::new();
    for _ in 0..8 {
        flows.push(app.start_connect("acme", "user_1").await);
    }
    app.start_connect("acme", "user_2").await;
    let of_user_1: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oauth_states WHERE user_id = 'user_1'")
        .fetch_one(app.plumb.store().pool())
        .await
        .unwrap();
    assert_eq!(of_user_1, 5);
    assert_eq!(app.count("oauth_states").await, 6, "another user's flow is not touched");
    // The newest still finishes.
    provider.answer(200, json!({"access_token": "at-1"}));
    assert_eq!(app.callback(flows.last().unwrap(), "code=c").await.status, StatusCode::SEE_OTHER);
    app.finish().await;
}

async fn a_response_from_another_issuer_is_refused(backend: Backend) {
    let (app, provider) = app_with_provider(backend).await;
    // RFC 9207 mix-up: the response names an authorization server this flow did not go to.
    let started = app.start_connect("acme", "user_1").await;
    let mixed = app.callback(&started, "code=c&iss=https%3A%2F%2Fevil.example").await;
    assert_eq!(mixed.status, StatusCode::SEE_OTHER);
    assert!(mixed.header("location").unwrap().contains("error=issuer_mismatch"), "{:?}", mixed.header("location"));
    assert!(provider.requests().is_empty(), "its code was not exchanged");
    assert_eq!(app.token("acme", "user_1").await.json()["error"], "not_installed");
    // The provider's own issuer (or none at all) is accepted.
    let started = app.start_connect("acme", "user_1").await;
    provider.answer(200, json!({"access_token": "at-1"}));
    let iss: String = url::form_urlencoded::byte_serialize(provider.url.as_bytes()).collect();
    let own = app.callback(&started, &format!("code=c&iss={iss}")).await;
    assert!(!own.header("location").unwrap().contains("error="), "{:?}", own.header("location"));
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-1");

    // With the issuer known and its metadata saying it always sends iss: exactly that issuer,
    // and never a response without one.
    let put = |body: Value| app.call(Method::PUT, "/data-integrations/acme", body);
    let no_issuer = put(json!({"custom_provider": {"authorization_response_iss_parameter_supported": true}})).await;
    assert_eq!(no_issuer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_issuer.body);
    assert_eq!(no_issuer.json()["errors"][0]["field"], "custom_provider.issuer");
    let issuer = format!("{}/tenant-1", provider.url);
    let set =
        put(json!({"custom_provider": {"issuer": issuer, "authorization_response_iss_parameter_supported": true}}))
            .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.json()["custom_provider"]["issuer"], issuer);
    let encoded = |s: &str| -> String { url::form_urlencoded::byte_serialize(s.as_bytes()).collect() };
    for query in ["code=c".to_string(), format!("code=c&iss={}", encoded(&format!("{}/tenant-2", provider.url)))] {
        let started = app.start_connect("acme", "user_2").await;
        let refused = app.callback(&started, &query).await;
        assert!(refused.header("location").unwrap().contains("error=issuer_mismatch"), "{query}");
    }
    let started = app.start_connect("acme", "user_2").await;
    provider.answer(200, json!({"access_token": "at-2"}));
    let exact = app.callback(&started, &format!("code=c&iss={}", encoded(&issuer))).await;
    assert!(!exact.header("location").unwrap().contains("error="), "{:?}", exact.header("location"));
    assert_eq!(provider.requests().len(), 2, "only the two accepted responses were exchanged");
    app.finish().await;
}
