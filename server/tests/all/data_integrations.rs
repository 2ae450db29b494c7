//! The WorkOS-compatible admin API on both databases: creating catalog and custom providers,
//! field-by-field validation, pagination, updates that keep what they do not name, deletion
//! with connected accounts, authorization links, and disabled providers.

use crate::support::{Backend, FakeProvider, Reply, TestApp, PUBLIC_URL};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

on_both_backends!(
    a_catalog_provider_needs_only_credentials,
    a_custom_provider_takes_every_field_and_reads_them_back,
    unknown_and_malformed_fields_are_named_and_nothing_is_stored,
    lists_page_in_both_directions,
    updates_change_only_what_they_name_and_keep_the_secret,
    deleting_removes_connected_accounts_and_their_tokens,
    authorization_links_are_single_use_and_bound_to_the_browser_that_opens_them,
    moving_the_token_urls_elsewhere_needs_the_client_secret,
    disabled_providers_leave_the_widget_and_refuse_new_connections,
    shared_credentials_are_used_when_chosen,
    the_admin_api_needs_an_api_key,
    icons_are_checked_stored_and_served_by_plumb,
);

async fn call(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {}", app.api_key))
        .header(header::CONTENT_TYPE, "application/json");
    if body.is_none() {
        request = request.header(header::ACCEPT, "application/json");
    }
    let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
    app.send(request.body(body).unwrap()).await
}

fn custom(slug: &str, provider: &FakeProvider) -> Value {
    json!({
        "provider": slug,
        "description": "Acme data",
        "enabled": true,
        "scopes": ["read", "write"],
        "credentials": {"type": "custom", "client_id": "cid", "client_secret": "a-long-client-secret-9876"},
        "custom_provider": {
            "name": "Acme",
            "authorization_url": format!("{}/authorize", provider.url),
            "token_url": format!("{}/token", provider.url),
        }
    })
}

async fn a_catalog_provider_needs_only_credentials(backend: Backend) {
    let app = TestApp::new(backend).await;
    let reply = call(&app, Method::POST, "/data-integrations", Some(json!({"provider": "google"}))).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    let fields: Vec<Value> = reply.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].clone()).collect();
    assert_eq!(fields, [json!("credentials.client_id"), json!("credentials.client_secret")]);

    let body = json!({"provider": "google", "credentials": {"type": "custom", "client_id": "g-id", "client_secret": "g-secret-abcdefgh"}});
    let reply = call(&app, Method::POST, "/data-integrations", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let d = reply.json();
    assert_eq!(d["object"], "data_integration");
    assert_eq!(d["slug"], "google");
    assert_eq!(d["integration_type"], "google");
    assert_eq!(d["enabled"], false, "WorkOS creates integrations disabled unless told otherwise");
    assert_eq!(d["state"], "valid");
    assert_eq!(d["custom_provider"], Value::Null);
    assert_eq!(d["scopes"], json!(["openid", "https://www.googleapis.com/auth/userinfo.email"]));
    assert_eq!(d["redirect_uri"], format!("{PUBLIC_URL}/oauth/callback"));
    assert_eq!(d["credentials"], json!({"type": "custom", "client_id": "g-id", "redacted_client_secret": "efgh"}));
    assert!(!reply.body.contains("g-secret"));

    // The catalog's settings are what the authorization request uses.
    call(&app, Method::PUT, "/data-integrations/google", Some(json!({"enabled": true}))).await;
    let started = app.start_connect("google", "user_1").await;
    assert_eq!(
        started.authorize_url.as_str().split('?').next().unwrap(),
        "https://accounts.google.com/o/oauth2/v2/auth"
    );
    assert_eq!(started.query["access_type"], "offline");
    assert_eq!(started.query["prompt"], "consent");
    assert_eq!(started.query["client_id"], "g-id");

    let again =
        json!({"provider": "google", "credentials": {"type": "custom", "client_id": "x", "client_secret": "y"}});
    let reply = call(&app, Method::POST, "/data-integrations", Some(again)).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.body);
    app.finish().await;
}

async fn a_custom_provider_takes_every_field_and_reads_them_back(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    let mut body = custom("acme", &provider);
    body["custom_provider"] = json!({
        "name": "Acme",
        "authorization_url": format!("{}/authorize", provider.url),
        "token_url": format!("{}/token", provider.url),
        "refresh_token_url": format!("{}/token", provider.url),
        "pkce_enabled": false,
        "request_scope_separator": ",",
        "scopes_required": true,
        "client_secret_required": true,
        "additional_authorization_parameters": {"audience": "api"},
        "token_body_content_type": "application/json",
        "authenticate_via": "basic_auth_header",
        "scope_parameter": "user_scope",
        "token_request_headers": {"X-Api-Version": "3"},
        "token_response_paths": {"access_token": "authed_user.access_token"}
    });
    let reply = call(&app, Method::POST, "/data-integrations", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let cp = &reply.json()["custom_provider"];
    assert_eq!(cp["request_scope_separator"], ",");
    assert_eq!(cp["pkce_enabled"], false);
    assert_eq!(cp["scopes_required"], true);
    assert_eq!(cp["authenticate_via"], "basic_auth_header");
    assert_eq!(cp["token_body_content_type"], "application/json");
    assert_eq!(cp["additional_authorization_parameters"], json!({"audience": "api"}));
    assert_eq!(cp["token_request_headers"], json!({"X-Api-Version": "3"}));
    assert_eq!(cp["token_response_paths"]["access_token"], "authed_user.access_token");

    // And the settings drive the real requests.
    let started = app.start_connect("acme", "user_1").await;
    assert_eq!(started.query["user_scope"], "read,write");
    assert_eq!(started.query["audience"], "api");
    assert!(!started.query.contains_key("code_challenge"));
    provider.answer(200, json!({"ok": true, "authed_user": {"access_token": "nested-at"}}));
    let reply = app.callback(&started, "code=c").await;
    assert!(!reply.header("location").unwrap().contains("error="), "{:?}", reply.header("location"));
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "nested-at");
    app.finish().await;
}

async fn unknown_and_malformed_fields_are_named_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    let cases = [
        (json!({"provider": "github", "colour": "blue"}), "colour", "unknown_field"),
        (json!({"provider": "github", "enabled": "yes"}), "enabled", "invalid_type"),
        (json!({"provider": "github", "scopes": "read"}), "scopes", "invalid_type"),
        (
            json!({"provider": "github", "credentials": {"type": "custom", "clientid": "x"}}),
            "credentials.clientid",
            "unknown_field",
        ),
        (json!({"provider": "github", "ownership": "tenant"}), "ownership", "invalid"),
        (json!({"provider": "nope"}), "provider", "unknown"),
        (json!({"description": "no provider"}), "provider", "required"),
        (
            {
                let mut b = custom("acme", &provider);
                b["custom_provider"]["token_url"] = json!("http://example.com/token");
                b
            },
            "custom_provider.token_url",
            "invalid_url",
        ),
        (
            {
                let mut b = custom("acme", &provider);
                b["custom_provider"]["authenticate_via"] = json!("pigeon");
                b
            },
            "custom_provider.authenticate_via",
            "invalid",
        ),
        (
            {
                let mut b = custom("acme", &provider);
                b["custom_provider"]["logo"] = json!("x");
                b
            },
            "custom_provider.logo",
            "unknown_field",
        ),
        (
            {
                let mut b = custom("Bad Slug", &provider);
                b["credentials"]["client_id"] = json!("");
                b
            },
            "provider",
            "invalid",
        ),
        (custom("github", &provider), "provider", "reserved"),
    ];
    for (body, field, code) in cases {
        let reply = call(&app, Method::POST, "/data-integrations", Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", reply.body);
        let errors = reply.json()["errors"].clone();
        assert_eq!(errors[0]["field"], field, "{body}: {errors}");
        assert_eq!(errors[0]["code"], code, "{body}: {errors}");
    }
    let list = call(&app, Method::GET, "/data-integrations", None).await.json();
    assert_eq!(list["data"], json!([]));
    let reply = call(&app, Method::GET, "/data-integrations?limit=0", None).await;
    assert_eq!(reply.json()["errors"][0]["field"], "limit");
    let reply = call(&app, Method::GET, "/data-integrations?sort=name", None).await;
    assert_eq!(reply.json()["errors"][0]["field"], "sort");
    app.finish().await;
}

async fn lists_page_in_both_directions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    for i in 1..=5 {
        let reply = call(&app, Method::POST, "/data-integrations", Some(custom(&format!("p{i}"), &provider))).await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
    let slugs = |v: &Value| -> Vec<String> {
        v["data"].as_array().unwrap().iter().map(|d| d["slug"].as_str().unwrap().to_string()).collect()
    };
    let first = call(&app, Method::GET, "/data-integrations?order=asc&limit=2", None).await.json();
    assert_eq!(slugs(&first), ["p1", "p2"]);
    assert_eq!(first["list_metadata"]["before"], Value::Null);
    let after = first["list_metadata"]["after"].as_str().unwrap().to_string();
    let second =
        call(&app, Method::GET, &format!("/data-integrations?order=asc&limit=2&after={after}"), None).await.json();
    assert_eq!(slugs(&second), ["p3", "p4"]);
    let third_cursor = second["list_metadata"]["after"].as_str().unwrap().to_string();
    let third = call(&app, Method::GET, &format!("/data-integrations?order=asc&limit=2&after={third_cursor}"), None)
        .await
        .json();
    assert_eq!(slugs(&third), ["p5"]);
    assert_eq!(third["list_metadata"]["after"], Value::Null);
    // Back again from the third page.
    let before = third["list_metadata"]["before"].as_str().unwrap().to_string();
    let back =
        call(&app, Method::GET, &format!("/data-integrations?order=asc&limit=2&before={before}"), None).await.json();
    assert_eq!(slugs(&back), ["p3", "p4"]);
    // Newest first by default.
    let desc = call(&app, Method::GET, "/data-integrations", None).await.json();
    assert_eq!(slugs(&desc), ["p5", "p4", "p3", "p2", "p1"]);
    app.finish().await;
}

async fn updates_change_only_what_they_name_and_keep_the_secret(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    call(&app, Method::POST, "/data-integrations", Some(custom("acme", &provider))).await;
    let reply = call(&app, Method::PUT, "/data-integrations/acme", Some(json!({"description": "New words"}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let d = reply.json();
    assert_eq!(d["description"], "New words");
    assert_eq!(d["scopes"], json!(["read", "write"]));
    assert_eq!(d["credentials"]["redacted_client_secret"], "9876");

    let reply = call(
        &app,
        Method::PUT,
        "/data-integrations/acme",
        Some(json!({"custom_provider": {"request_scope_separator": "+"}, "scopes": null})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["custom_provider"]["request_scope_separator"], "+");
    assert_eq!(reply.json()["scopes"], json!([]));
    assert_eq!(reply.json()["custom_provider"]["name"], "Acme");

    // The secret survived both edits: the code exchange still sends it.
    provider.answer(200, json!({"access_token": "at"}));
    app.connect("acme", "user_1", "c").await;
    assert_eq!(provider.requests()[0]["client_secret"], "a-long-client-secret-9876");

    // A bad update changes nothing.
    let reply = call(
        &app,
        Method::PUT,
        "/data-integrations/acme",
        Some(json!({"description": "x", "custom_provider": {"token_url": "nope"}})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["errors"][0]["field"], "custom_provider.token_url");
    assert_eq!(call(&app, Method::GET, "/data-integrations/acme", None).await.json()["description"], "New words");
    let reply = call(&app, Method::PUT, "/data-integrations/missing", Some(json!({"description": "x"}))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

async fn deleting_removes_connected_accounts_and_their_tokens(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    call(&app, Method::POST, "/data-integrations", Some(custom("acme", &provider))).await;
    provider.answer(200, json!({"access_token": "at-1"}));
    app.connect("acme", "user_1", "c").await;
    assert_eq!(app.token("acme", "user_1").await.json()["active"], true);

    let reply = call(&app, Method::DELETE, "/data-integrations/acme", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["deleted_connected_accounts"], 1);
    assert_eq!(app.token("acme", "user_1").await.status, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, Method::GET, "/data-integrations/acme", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, Method::DELETE, "/data-integrations/acme", None).await.status, StatusCode::NOT_FOUND);

    // The same slug can be created afresh, with no trace of the old connection.
    call(&app, Method::POST, "/data-integrations", Some(custom("acme", &provider))).await;
    assert_eq!(app.token("acme", "user_1").await.json(), json!({"active": false, "error": "not_installed"}));
    app.finish().await;
}

async fn authorization_links_are_single_use_and_bound_to_the_browser_that_opens_them(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    call(&app, Method::POST, "/data-integrations", Some(custom("acme", &provider))).await;
    let body = json!({"user_id": "user_9", "organization_id": "org_1", "return_to": "https://app.example/settings"});
    let reply = call(&app, Method::POST, "/data-integrations/acme/authorize", Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let url = reply.json()["url"].as_str().unwrap().to_string();
    let path = url.strip_prefix(PUBLIC_URL).expect("a link on Plumb's own origin").to_string();
    assert!(path.starts_with("/oauth/start/"));

    // Opening the link shows what it will do and uses nothing up (nor does a HEAD request).
    let page = app.send(Request::get(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Connect Acme"), "{}", page.body);
    assert!(page.body.contains("app.example"), "names where the browser returns: {}", page.body);
    assert_eq!(app.send(Request::head(&path).body(Body::empty()).unwrap()).await.status, StatusCode::OK);
    let confirm = || Request::post(&path).header("origin", PUBLIC_URL).body(Body::empty()).unwrap();
    let opened = app.send(confirm()).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    let location = url::Url::parse(opened.header("location").unwrap()).unwrap();
    assert!(location.as_str().starts_with(&format!("{}/authorize", provider.url)));
    let cookie = opened.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    // Using the link twice does not work.
    assert_eq!(app.send(confirm()).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.send(Request::get(&path).body(Body::empty()).unwrap()).await.status, StatusCode::BAD_REQUEST);

    let state: String = location.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    provider.answer(200, json!({"access_token": "at-9"}));
    let callback = app
        .send(
            Request::get(format!("/oauth/callback?state={state}&code=c"))
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(callback.header("location"), Some("https://app.example/settings"));
    assert_eq!(app.token("acme", "user_9").await.json()["access_token"]["access_token"], "at-9");

    for (body, field) in [
        (json!({"organization_id": "o"}), "user_id"),
        (json!({"user_id": "u", "return_to": "javascript:alert(1)"}), "return_to"),
        (json!({"user_id": "u", "extra": 1}), "extra"),
    ] {
        let reply = call(&app, Method::POST, "/data-integrations/acme/authorize", Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], field);
    }
    app.finish().await;
}

async fn disabled_providers_leave_the_widget_and_refuse_new_connections(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    let mut body = custom("acme", &provider);
    body["enabled"] = json!(false);
    call(&app, Method::POST, "/data-integrations", Some(body)).await;
    let token = app.widget_token("user_1").await;
    let view = app
        .send(
            Request::post("/api/widget")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("token={token}")))
                .unwrap(),
        )
        .await
        .json();
    assert_eq!(view["providers"], json!([]));
    let reply = call(&app, Method::POST, "/data-integrations/acme/authorize", Some(json!({"user_id": "u"}))).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.json()["code"], "provider_disabled");
    app.finish().await;
}

async fn shared_credentials_are_used_when_chosen(backend: Backend) {
    let app = TestApp::new(backend).await;
    let body = json!({"provider": "spotify", "enabled": true, "credentials": {"type": "shared"}});
    let reply = call(&app, Method::POST, "/data-integrations", Some(body.clone())).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["errors"][0]["field"], "credentials.type");
    app.plumb
        .save_shared_credentials(&app::model::SharedCredentialsInput {
            catalog: "spotify".into(),
            app_name: "Plumb Cloud".into(),
            client_id: "shared-id".into(),
            client_secret: "shared-secret".into(),
        })
        .await
        .unwrap();
    let reply = call(&app, Method::POST, "/data-integrations", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(
        reply.json()["credentials"],
        json!({"type": "shared", "client_id": "shared-id", "redacted_client_secret": null})
    );
    let started = app.start_connect("spotify", "user_1").await;
    assert_eq!(started.query["client_id"], "shared-id");
    app.finish().await;
}

async fn the_admin_api_needs_an_api_key(backend: Backend) {
    let app = TestApp::new(backend).await;
    for (method, path) in [
        (Method::GET, "/data-integrations"),
        (Method::POST, "/data-integrations"),
        (Method::GET, "/data-integrations/x"),
        (Method::PUT, "/data-integrations/x"),
        (Method::DELETE, "/data-integrations/x"),
        (Method::POST, "/data-integrations/x/authorize"),
    ] {
        let reply = app
            .send(
                Request::builder()
                    .method(method.clone())
                    .uri(path)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{}"))
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(reply.json()["code"], "unauthorized");
    }
    app.finish().await;
}

async fn icons_are_checked_stored_and_served_by_plumb(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    let mut body = custom("acme", &provider);
    body["custom_provider"]["icon_url"] = json!(format!("{}/page.html", provider.url));
    let reply = call(&app, Method::POST, "/data-integrations", Some(body.clone())).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert_eq!(reply.json()["errors"][0]["field"], "custom_provider.icon_url");
    assert!(reply.json()["errors"][0]["message"].as_str().unwrap().contains("not a PNG"));
    assert_eq!(call(&app, Method::GET, "/data-integrations/acme", None).await.status, StatusCode::NOT_FOUND);

    body["custom_provider"]["icon_url"] = json!(format!("{}/icon.png", provider.url));
    let reply = call(&app, Method::POST, "/data-integrations", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["id"].as_str().unwrap().to_string();
    let icon_path = format!("/icons/{id}");
    let icon = app.send(Request::get(&icon_path).body(Body::empty()).unwrap()).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.header("content-type"), Some("image/png"));
    assert!(icon.header("content-security-policy").unwrap().contains("sandbox"));
    let token = app.widget_token("user_1").await;
    let view = app
        .send(
            Request::post("/api/widget")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("token={token}")))
                .unwrap(),
        )
        .await
        .json();
    assert!(view["providers"][0]["icon_url"].as_str().unwrap().starts_with(&format!("{icon_path}?v=")), "{view}");

    // Clearing the URL removes the fetched icon.
    let reply =
        call(&app, Method::PUT, "/data-integrations/acme", Some(json!({"custom_provider": {"icon_url": null}}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(app.send(Request::get(&icon_path).body(Body::empty()).unwrap()).await.status, StatusCode::NOT_FOUND);

    // Uploads arrive as data: URLs through the dashboard's server function; scripts are refused.
    use base64::Engine;
    let upload = |bytes: &[u8], kind: &str| {
        format!("data:{kind};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
    };
    let admin = app.admin_session().await;
    let form = |data_url: String| {
        let mut f = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("slug", "acme"),
            ("input[name]", "Acme"),
            ("input[authorization_url]", &format!("{}/authorize", provider.url)),
            ("input[token_url]", &format!("{}/token", provider.url)),
            ("input[client_id]", "cid"),
            ("input[client_secret_required]", "true"),
            ("input[authenticate_via]", "request_body"),
            ("input[token_body_content_type]", "application/x-www-form-urlencoded"),
            ("input[icon_upload]", &data_url),
        ] {
            f.append_pair(k, v);
        }
        Request::post("/api/providers/update")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &admin.cookie)
            .header("x-csrf-token", &admin.csrf)
            .body(Body::from(f.finish()))
            .unwrap()
    };
    let reply = app.send(form(upload(b"<svg onload=\"alert(1)\"/>", "image/svg+xml"))).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
    assert_eq!(reply.json()["errors"][0]["field"], "icon_upload");
    let reply = app.send(form(upload(crate::support::PNG, "image/png"))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let icon = app.send(Request::get(&icon_path).body(Body::empty()).unwrap()).await;
    assert_eq!(icon.status, StatusCode::OK);
    app.finish().await;
}

async fn moving_the_token_urls_elsewhere_needs_the_client_secret(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    let elsewhere = FakeProvider::start().await;
    call(&app, Method::POST, "/data-integrations", Some(custom("acme", &provider))).await;
    let move_to = |field: &str, secret: Option<&str>| {
        let mut body = json!({"custom_provider": {field: format!("{}/steal", elsewhere.url)}});
        if let Some(secret) = secret {
            body["credentials"] = json!({"type": "custom", "client_id": "cid", "client_secret": secret});
        }
        body
    };
    // An API key alone cannot send refresh tokens and the secret to another server.
    for field in ["refresh_token_url", "token_url"] {
        for secret in [None, Some("a-guessed-secret-0000")] {
            let reply = call(&app, Method::PUT, "/data-integrations/acme", Some(move_to(field, secret))).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field} {secret:?}: {}", reply.body);
            assert_eq!(reply.json()["errors"][0]["field"], format!("custom_provider.{field}"));
            assert_eq!(reply.json()["errors"][0]["code"], "secret_required");
        }
    }
    let stored = call(&app, Method::GET, "/data-integrations/acme", None).await.json();
    assert_eq!(stored["custom_provider"]["token_url"], format!("{}/token", provider.url), "nothing changed");
    assert_eq!(stored["custom_provider"]["refresh_token_url"], serde_json::Value::Null);
    // Another path on the same origin is fine; so is a move with the stored secret.
    let same_origin = json!({"custom_provider": {"refresh_token_url": format!("{}/token/refresh", provider.url)}});
    assert_eq!(call(&app, Method::PUT, "/data-integrations/acme", Some(same_origin)).await.status, StatusCode::OK);
    let proven = move_to("refresh_token_url", Some("a-long-client-secret-9876"));
    assert_eq!(call(&app, Method::PUT, "/data-integrations/acme", Some(proven)).await.status, StatusCode::OK);
    app.finish().await;
}
