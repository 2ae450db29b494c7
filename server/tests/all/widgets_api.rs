//! The official WorkOS widgets' API (`/_widgets/…`) and connect hand-off on both databases:
//! the shapes `<Pipes/>` and `<PipesAdmin/>` read, CORS for the environment's widget API origins
//! (preflight, refused origins, headers on errors), a widget token the browser's `atob` can read,
//! the manager-only operations, and the popup's hand-off bound to the widget's tokens.

use crate::support::{Backend, FakeProvider, TestApp, PUBLIC_URL};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::Engine;
use serde_json::{json, Value};

on_both_backends!(
    the_widgets_read_their_shapes,
    cors_answers_listed_origins_only_and_on_errors_too,
    a_token_is_held_to_its_own_environments_origins,
    manager_operations_need_the_manage_permission,
    the_popup_hand_off_is_bound_to_the_widgets_tokens,
    an_organization_manager_connects_configures_and_disconnects,
);

const APP_ORIGIN: &str = "https://app.example";

async fn app(backend: Backend) -> (TestApp, FakeProvider) {
    let app = TestApp::new(backend).await;
    app.plumb.update_environment_settings(&"env_sandbox".into(), "", "", APP_ORIGIN).await.unwrap();
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    (app, provider)
}

async fn mint(app: &TestApp, user: &str, org: Option<&str>, manage: bool) -> String {
    let scopes: Vec<&str> = if manage { vec!["widgets:pipes:manage"] } else { vec![] };
    let reply = app
        .post_json(
            "/widgets/token",
            Some(&app.api_key),
            json!({"user_id": user, "organization_id": org, "scopes": scopes}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["token"].as_str().unwrap().to_string()
}

/// A widget API request as the widgets send it from `origin`.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    origin: Option<&str>,
    body: Option<Value>,
) -> crate::support::Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("workos-widgets-version", "1")
        .header("workos-widgets-type", "pipes")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(o) = origin {
        request = request.header(header::ORIGIN, o);
    }
    let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
    app.send(request.body(body).unwrap()).await
}

async fn get(app: &TestApp, path: &str, token: &str) -> crate::support::Reply {
    call(app, Method::GET, path, token, Some(APP_ORIGIN), None).await
}

async fn the_widgets_read_their_shapes(backend: Backend) {
    let (app, _provider) = app(backend).await;
    let token = mint(&app, "user_1", Some("org_1"), false).await;

    // The widgets decode the claims with `atob`: standard base64, never `-` or `_`, for any
    // user (the ids below make base64url use both).
    for user in ["user_1", "user_??>>~~", "ü-ñ_?>"] {
        let t = mint(&app, user, Some("org_1"), true).await;
        let payload = t.split('.').nth(1).unwrap();
        assert!(!payload.contains('-') && !payload.contains('_'), "{payload}");
        let claims: Value =
            serde_json::from_slice(&base64::engine::general_purpose::STANDARD_NO_PAD.decode(payload).unwrap()).unwrap();
        assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
        assert_eq!(claims["permissions"], json!(["widgets:pipes:manage"]));
    }

    let settings = get(&app, "/_widgets/settings", &token).await;
    assert_eq!(settings.status, StatusCode::OK, "{}", settings.body);
    assert_eq!(
        settings.json(),
        json!({"object": "settings", "authkitOrigin": PUBLIC_URL, "teamName": "This application"})
    );

    let orgs = get(&app, "/_widgets/UserManagement/organizations", &token).await.json();
    assert_eq!(orgs, json!({"data": [{"id": "org_1", "name": "org_1", "current": true}]}));

    let mine = get(&app, "/_widgets/DataIntegrations/mine", &token).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let row = &mine.json()["data"][0];
    assert_eq!(row["object"], "data_integration");
    assert_eq!(row["slug"], "acme");
    assert_eq!(row["name"], "Provider acme");
    assert_eq!(row["integrationType"], "custom");
    assert_eq!(row["ownership"], "userland_user");
    assert_eq!(row["credentialsType"], "custom");
    assert_eq!(row["authMethods"], json!(["oauth"]));
    assert_eq!(row["scopes"], json!(["openid", "api:read"]));
    assert_eq!(row["installation"], Value::Null);
    assert_eq!(row["connected_accounts"], json!([]));
    assert!(row["createdAt"].as_str().unwrap().ends_with('Z'));

    // A key connection shows as the row's installation, in snake_case.
    let secret = "widget-key-0123456789";
    sqlx_key_provider(&app).await;
    let key = call(
        &app,
        Method::PUT,
        "/_widgets/DataIntegrations/keyed/api-key",
        &token,
        Some(APP_ORIGIN),
        Some(json!({"secret": secret})),
    )
    .await;
    assert_eq!(key.status, StatusCode::OK, "{}", key.body);
    let installation = key.json();
    assert_eq!(installation["object"], "connected_account");
    assert_eq!(installation["auth_method"], "api_key");
    assert_eq!(installation["api_key_last_4"], "6789");
    assert_eq!(installation["state"], "connected");
    assert_eq!(installation["user_id"], "user_1");
    assert_eq!(installation["organization_id"], "org_1");
    let mine = get(&app, "/_widgets/DataIntegrations/mine", &token).await.json();
    let keyed = mine["data"].as_array().unwrap().iter().find(|r| r["slug"] == "keyed").unwrap().clone();
    assert_eq!(keyed["installation"]["id"], installation["id"]);
    assert_eq!(keyed["authMethods"], json!(["api_key"]));
    assert!(!mine.to_string().contains(secret), "the key never leaves Plumb");

    // Disconnecting answers JSON (the widgets parse every 2xx body).
    let path = format!("/_widgets/DataIntegrations/installations/{}", installation["id"].as_str().unwrap());
    let gone = call(&app, Method::DELETE, &path, &token, Some(APP_ORIGIN), None).await;
    assert_eq!((gone.status, gone.json()), (StatusCode::OK, json!({"success": true})));
    let again = call(&app, Method::DELETE, &path, &token, Some(APP_ORIGIN), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.json()["message"].is_string());

    // An oversized or malformed body is refused with JSON and CORS, and stores nothing.
    let big = call(
        &app,
        Method::PUT,
        "/_widgets/DataIntegrations/keyed/api-key",
        &token,
        Some(APP_ORIGIN),
        Some(json!({"secret": "k".repeat(2 * 1024 * 1024)})),
    )
    .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", big.body);
    assert_eq!(big.json()["code"], "payload_too_large");
    assert_eq!(big.header("access-control-allow-origin"), Some(APP_ORIGIN));
    let unknown_field = call(
        &app,
        Method::PUT,
        "/_widgets/DataIntegrations/keyed/api-key",
        &token,
        Some(APP_ORIGIN),
        Some(json!({"secret": secret, "extra": 1})),
    )
    .await;
    assert!(unknown_field.status.is_client_error(), "{}", unknown_field.body);
    assert!(unknown_field.json()["message"].is_string());
    let after = get(&app, "/_widgets/DataIntegrations/mine", &token).await.json();
    let keyed = after["data"].as_array().unwrap().iter().find(|r| r["slug"] == "keyed").unwrap().clone();
    assert_eq!((keyed["installation"].clone(), keyed["connected_accounts"].clone()), (Value::Null, json!([])));

    // Errors carry a string message, and unknown paths are JSON 404s too.
    let unknown = get(&app, "/_widgets/Nothing/here", &token).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.json()["message"].is_string());
    app.finish().await;
}

/// A provider taking API keys, with no check: the widgets' key dialog.
async fn sqlx_key_provider(app: &TestApp) {
    let reply = app
        .call(
            Method::POST,
            "/data-integrations",
            json!({
                "provider": "keyed",
                "enabled": true,
                "auth_methods": ["api_key"],
                "custom_provider": {"name": "Keyed", "api_base_url": "https://keyed.example/api"},
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

async fn preflight(app: &TestApp, path: &str, origin: &str) -> crate::support::Reply {
    app.send(
        Request::builder()
            .method(Method::OPTIONS)
            .uri(path)
            .header(header::ORIGIN, origin)
            .header("access-control-request-method", "PUT")
            .header(
                "access-control-request-headers",
                "authorization,content-type,workos-widgets-type,workos-widgets-version",
            )
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn cors_answers_listed_origins_only_and_on_errors_too(backend: Backend) {
    let (app, _provider) = app(backend).await;
    let token = mint(&app, "user_1", Some("org_1"), false).await;

    for path in ["/_widgets/DataIntegrations/mine", "/_widgets/DataIntegrations/acme/api-key", "/_widgets/anything"] {
        let ok = preflight(&app, path, APP_ORIGIN).await;
        assert_eq!(ok.status, StatusCode::NO_CONTENT, "{path}: {}", ok.body);
        assert_eq!(ok.header("access-control-allow-origin"), Some(APP_ORIGIN));
        assert_eq!(ok.header("access-control-allow-methods"), Some("GET, POST, PUT, DELETE"));
        let allowed = ok.header("access-control-allow-headers").unwrap();
        for h in [
            "authorization",
            "content-type",
            "workos-widgets-version",
            "workos-widgets-type",
            "x-elevated-access-token",
        ] {
            assert!(allowed.contains(h), "{allowed}");
        }
        assert!(ok.header("access-control-max-age").unwrap().parse::<u32>().unwrap() >= 600);
        assert_eq!(ok.header("vary"), Some("Origin"));

        let refused = preflight(&app, path, "https://evil.example").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.header("access-control-allow-origin"), None);
    }

    // Answers, errors included, carry the header for a listed origin and not for another.
    let listed = get(&app, "/_widgets/DataIntegrations/mine", &token).await;
    assert_eq!(listed.header("access-control-allow-origin"), Some(APP_ORIGIN));
    for bad in ["not-a-token", "a.b.c"] {
        let refused = get(&app, "/_widgets/DataIntegrations/mine", bad).await;
        // 403, not 401: the widgets fetch a fresh token on 403 only.
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(refused.header("access-control-allow-origin"), Some(APP_ORIGIN));
        assert_eq!(refused.json()["code"], "invalid_widget_token");
        assert!(refused.json()["message"].is_string());
    }
    let wrong_method = get(&app, "/_widgets/DataIntegrations/acme/api-key", &token).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.json()["code"], "method_not_allowed", "{}", wrong_method.body);
    assert!(wrong_method.json()["message"].is_string());
    assert_eq!(wrong_method.header("access-control-allow-origin"), Some(APP_ORIGIN));
    let other =
        call(&app, Method::GET, "/_widgets/DataIntegrations/mine", &token, Some("https://evil.example"), None).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(other.header("access-control-allow-origin"), None);

    // The setting is the dashboard's, checked like the environment's other origin lists.
    let session = app.admin_session().await;
    let saved = app
        .admin_call(
            &session,
            "environments/settings",
            &[
                ("return_to_origins", ""),
                ("frame_ancestors", ""),
                ("widget_origins", "https://b.example/\nhttps://a.example"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.json()["widget_origins"], json!(["https://b.example", "https://a.example"]));
    let bad = app
        .admin_call(
            &session,
            "environments/settings",
            &[("return_to_origins", ""), ("frame_ancestors", ""), ("widget_origins", "https://a.example/path")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("widget_origins"));
    assert_eq!(preflight(&app, "/_widgets/settings", "https://a.example").await.status, StatusCode::NO_CONTENT);
    assert_eq!(preflight(&app, "/_widgets/settings", APP_ORIGIN).await.status, StatusCode::FORBIDDEN);
    app.finish().await;
}

async fn a_token_is_held_to_its_own_environments_origins(backend: Backend) {
    let (app, _provider) = app(backend).await;
    let production = "https://prod.example";
    app.plumb.update_environment_settings(&"env_production".into(), "", "", production).await.unwrap();
    let sandbox_token = mint(&app, "user_1", None, false).await;
    // Production's origin passes the preflight (some environment lists it) but not a sandbox
    // token's request; the answer still carries CORS, so the widget can read why.
    let reply =
        call(&app, Method::GET, "/_widgets/DataIntegrations/mine", &sandbox_token, Some(production), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(reply.header("access-control-allow-origin"), Some(production));
    assert!(reply.json()["message"].as_str().unwrap().contains("origin"));
    // Without an Origin (no browser page), the token alone decides; Plumb's own origin is allowed.
    assert_eq!(call(&app, Method::GET, "/_widgets/settings", &sandbox_token, None, None).await.status, StatusCode::OK);
    assert_eq!(
        call(&app, Method::GET, "/_widgets/settings", &sandbox_token, Some(PUBLIC_URL), None).await.status,
        StatusCode::OK
    );
    app.finish().await;
}

async fn manager_operations_need_the_manage_permission(backend: Backend) {
    let (app, _provider) = app(backend).await;
    let member = mint(&app, "user_1", Some("org_1"), false).await;
    let no_org = mint(&app, "user_1", None, false).await;
    let put = Some(json!({"enabled": false}));
    let cases: [(Method, &str, Option<Value>); 8] = [
        (Method::GET, "/_widgets/DataIntegrations/configurations", None),
        (Method::PUT, "/_widgets/DataIntegrations/acme/configuration", put.clone()),
        (Method::GET, "/_widgets/DataIntegrations/organization", None),
        (Method::PUT, "/_widgets/DataIntegrations/acme/organization/configuration", put),
        (Method::POST, "/_widgets/DataIntegrations/acme/organization/authorize", Some(json!({"config": {}}))),
        (Method::PUT, "/_widgets/DataIntegrations/acme/organization/api-key", Some(json!({"secret": "k"}))),
        (
            Method::PUT,
            "/_widgets/DataIntegrations/acme/organization/client-credentials",
            Some(json!({"client_id": "c", "client_secret": "s"})),
        ),
        (Method::DELETE, "/_widgets/DataIntegrations/organization/installations/conn_x", None),
    ];
    for token in [&member, &no_org] {
        for (method, path, body) in cases.clone() {
            let reply = call(&app, method.clone(), path, token, Some(APP_ORIGIN), body).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {path}: {}", reply.body);
            assert_eq!(reply.json()["code"], "forbidden");
        }
    }
    // Nothing was changed by the refused configuration.
    let org = app.get_with_key("/data-integrations/acme/organization?organization_id=org_1", Some(&app.api_key)).await;
    assert_eq!(org.json()["organization_settings"], Value::Null);
    // A member's own list needs no permission.
    assert_eq!(get(&app, "/_widgets/DataIntegrations/mine", &member).await.status, StatusCode::OK);
    app.finish().await;
}

fn tokens(access: &str) -> Value {
    json!({"access_token": access, "refresh_token": format!("{access}-refresh"), "expires_in": 3600, "token_type": "Bearer"})
}

/// `POST /pipes/handoff` as the popup's page sends it.
async fn hand_off(app: &TestApp, link: &str, redirect: &str, handoff: &str, origin: &str) -> crate::support::Reply {
    let body = json!({"link": link, "redirectToken": redirect, "handoffToken": handoff, "origin": origin});
    app.send(
        Request::post("/pipes/handoff")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ORIGIN, PUBLIC_URL)
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

async fn the_popup_hand_off_is_bound_to_the_widgets_tokens(backend: Backend) {
    let (app, provider) = app(backend).await;
    let token = mint(&app, "user_1", Some("org_1"), false).await;

    // The popup's pages keep their opener: no Cross-Origin-Opener-Policy; a script allowed by hash.
    for page in ["/pipes/redirecting", "/pipes/done"] {
        let reply = app.get_with_key(page, None).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("cross-origin-opener-policy"), None);
        assert!(reply.header("content-security-policy").unwrap().contains("script-src 'sha256-"));
    }

    let authorize = |body: Value| {
        let token = token.clone();
        let app = &app;
        async move {
            call(app, Method::POST, "/_widgets/DataIntegrations/acme/authorize", &token, Some(APP_ORIGIN), Some(body))
                .await
        }
    };
    let started = authorize(json!({"requireHandoff": true, "config": {}})).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let started = started.json();
    let url = url::Url::parse(started["url"].as_str().unwrap()).unwrap();
    assert_eq!(url.origin().ascii_serialization(), PUBLIC_URL, "a Plumb page, never the provider");
    assert_eq!(url.path(), "/pipes/redirecting");
    let link = url.query_pairs().find(|(k, _)| k == "link").unwrap().1.to_string();
    let (redirect, handoff) = (started["redirectToken"].as_str().unwrap(), started["handoffToken"].as_str().unwrap());
    assert!(!url.as_str().contains(handoff) && !url.as_str().contains(redirect), "the tokens never travel in a URL");
    // Unknown fields are refused, like everywhere in the API.
    assert_eq!(authorize(json!({"requireHandoff": true, "extra": 1})).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The link alone starts nothing: not through the API link's page…
    let page = app.get_with_key(&format!("/oauth/start/{link}"), None).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    // …nor with another widget's tokens, nor from a page whose origin the environment does not
    // list; and none of that spends the link.
    let wrong = hand_off(&app, &link, redirect, "not-the-handoff-token", APP_ORIGIN).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    let swapped = hand_off(&app, &link, handoff, redirect, APP_ORIGIN).await;
    assert_eq!(swapped.status, StatusCode::BAD_REQUEST);
    let foreign = hand_off(&app, &link, redirect, handoff, "https://evil.example").await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{}", foreign.body);
    // A cross-site request to the hand-off is refused before it is read.
    let cross = app
        .send(
            Request::post("/pipes/handoff")
                .header(header::CONTENT_TYPE, "application/json")
                .header("sec-fetch-site", "cross-site")
                .body(Body::from(
                    json!({"link": link, "redirectToken": redirect, "handoffToken": handoff, "origin": APP_ORIGIN})
                        .to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);

    // The widget's own tokens from its own page: the provider, with this browser bound.
    let ok = hand_off(&app, &link, redirect, handoff, APP_ORIGIN).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let provider_url = url::Url::parse(ok.json()["url"].as_str().unwrap()).unwrap();
    assert_eq!(provider_url.as_str().split('?').next().unwrap(), format!("{}/authorize", provider.url));
    let state = provider_url.query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let cookie = ok.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    assert!(cookie.starts_with("plumb_oauth_binding="));
    // Once.
    assert_eq!(hand_off(&app, &link, redirect, handoff, APP_ORIGIN).await.status, StatusCode::BAD_REQUEST);

    // The provider's redirect ends on the popup's closing page, and the widget shows the account.
    provider.answer(200, tokens("at-popup"));
    let callback = app
        .send(
            Request::get(format!("/oauth/callback?state={state}&code=the-code"))
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(callback.status, StatusCode::SEE_OTHER, "{}", callback.body);
    assert_eq!(callback.header("location"), Some(format!("{PUBLIC_URL}/pipes/done").as_str()));
    let mine = get(&app, "/_widgets/DataIntegrations/mine", &token).await.json();
    let installation = &mine["data"][0]["installation"];
    assert_eq!(installation["state"], "connected");
    assert_eq!(installation["auth_method"], "oauth");
    assert_eq!(installation["user_id"], "user_1");
    assert_eq!(app.token("acme", "user_1").await.json()["access_token"]["access_token"], "at-popup");

    // Another browser (no cookie) could not have finished it.
    let again = authorize(json!({"requireHandoff": true})).await.json();
    let link2 = url::Url::parse(again["url"].as_str().unwrap()).unwrap();
    let link2 = link2.query_pairs().find(|(k, _)| k == "link").unwrap().1.to_string();
    let ok2 = hand_off(
        &app,
        &link2,
        again["redirectToken"].as_str().unwrap(),
        again["handoffToken"].as_str().unwrap(),
        APP_ORIGIN,
    )
    .await;
    let state2 = url::Url::parse(ok2.json()["url"].as_str().unwrap()).unwrap();
    let state2 = state2.query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let stranger =
        app.send(Request::get(format!("/oauth/callback?state={state2}&code=c")).body(Body::empty()).unwrap()).await;
    assert_eq!(stranger.status, StatusCode::BAD_REQUEST);
    app.finish().await;
}

async fn an_organization_manager_connects_configures_and_disconnects(backend: Backend) {
    let (app, _provider) = app(backend).await;
    let created = app
        .call(
            Method::POST,
            "/data-integrations",
            json!({
                "provider": "shared-keys",
                "ownership": "organization",
                "enabled": true,
                "scopes": ["read", "write"],
                "auth_methods": ["api_key"],
                "custom_provider": {"name": "Shared Keys", "api_base_url": "https://shared.example/api"},
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let manager = mint(&app, "admin_1", Some("org_1"), true).await;
    let member = mint(&app, "user_2", Some("org_1"), false).await;

    // The per-user providers, configurable for the organization.
    let configurations = get(&app, "/_widgets/DataIntegrations/configurations", &manager).await;
    assert_eq!(configurations.status, StatusCode::OK, "{}", configurations.body);
    let acme = &configurations.json()["data"][0];
    assert_eq!(acme["object"], "data_integration_configuration");
    assert_eq!(acme["slug"], "acme");
    assert_eq!((acme["enabled"].clone(), acme["defaultScopes"].clone()), (json!(true), json!(["openid", "api:read"])));
    assert_eq!(acme["credentials"]["credentialsType"], "custom");
    assert_eq!(acme["credentials"]["hasCredentials"], true);
    assert_eq!(acme["credentials"]["redirectUri"], format!("{PUBLIC_URL}/oauth/callback"));
    assert_eq!(acme["credentials"]["client_id"], Value::Null, "the developer's app stays theirs");

    // Narrowing the scopes and turning it off are the organization's settings…
    let body = json!({"enabled": false, "scopes": ["openid"]});
    let saved = call(
        &app,
        Method::PUT,
        "/_widgets/DataIntegrations/acme/configuration",
        &manager,
        Some(APP_ORIGIN),
        Some(body),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!((saved.json()["enabled"].clone(), saved.json()["scopes"].clone()), (json!(false), json!(["openid"])));
    let org = app.get_with_key("/data-integrations/acme/organization?organization_id=org_1", Some(&app.api_key)).await;
    assert_eq!(org.json()["organization_settings"]["enabled"], false);
    assert_eq!(org.json()["organization_settings"]["scopes"], json!(["openid"]));
    // …so its members no longer see it; choosing the provider's own scopes follows the provider's.
    let mine = get(&app, "/_widgets/DataIntegrations/mine", &member).await.json();
    assert!(mine["data"].as_array().unwrap().iter().all(|r| r["slug"] != "acme"), "{mine}");
    let body = json!({"enabled": true, "scopes": ["api:read", "openid"]});
    call(&app, Method::PUT, "/_widgets/DataIntegrations/acme/configuration", &manager, Some(APP_ORIGIN), Some(body))
        .await;
    let org = app.get_with_key("/data-integrations/acme/organization?organization_id=org_1", Some(&app.api_key)).await;
    assert_eq!(org.json()["organization_settings"]["scopes"], Value::Null);

    // The organization-owned provider, connected by the manager with a key.
    let listed = get(&app, "/_widgets/DataIntegrations/organization", &manager).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let row = &listed.json()["data"][0];
    assert_eq!((row["slug"].clone(), row["ownership"].clone()), (json!("shared-keys"), json!("organization")));
    assert_eq!(row["configuration"]["enabled"], true);
    assert_eq!(row["configuration"]["disabledSource"], Value::Null);
    assert_eq!(row["capabilities"]["canConnect"], true);
    assert_eq!(row["connected_accounts"], json!([]));
    assert_eq!(get(&app, "/_widgets/DataIntegrations/shared-connections", &member).await.json(), json!({"data": []}));

    // Members may not connect it; the manager may, on the organization root only.
    let key = Some(json!({"secret": "org-key-0123456789"}));
    let refused = call(
        &app,
        Method::PUT,
        "/_widgets/DataIntegrations/shared-keys/api-key",
        &member,
        Some(APP_ORIGIN),
        key.clone(),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let wrong_root = call(
        &app,
        Method::PUT,
        "/_widgets/DataIntegrations/acme/organization/api-key",
        &manager,
        Some(APP_ORIGIN),
        key.clone(),
    )
    .await;
    assert_eq!(wrong_root.status, StatusCode::NOT_FOUND, "{}", wrong_root.body);
    let connected = call(
        &app,
        Method::PUT,
        "/_widgets/DataIntegrations/shared-keys/organization/api-key",
        &manager,
        Some(APP_ORIGIN),
        key,
    )
    .await;
    assert_eq!(connected.status, StatusCode::OK, "{}", connected.body);
    let account = connected.json();
    assert_eq!((account["user_id"].clone(), account["organization_id"].clone()), (Value::Null, json!("org_1")));

    // Members see it available; the backend gets it for any member.
    let shared = get(&app, "/_widgets/DataIntegrations/shared-connections", &member).await.json();
    assert_eq!(shared["data"][0]["slug"], "shared-keys");
    assert_eq!(shared["data"][0]["connected_accounts"][0]["availability"], "available");
    assert_eq!(shared["data"][0]["connected_accounts"][0]["id"], account["id"]);

    // Turning it off for the organization shows who did; disconnecting needs the manager.
    let off = call(
        &app,
        Method::PUT,
        "/_widgets/DataIntegrations/shared-keys/organization/configuration",
        &manager,
        Some(APP_ORIGIN),
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(off.json()["configuration"]["disabledSource"], "organization");
    assert_eq!(off.json()["configuration"]["overrideEnabled"], false);
    let path = format!("/_widgets/DataIntegrations/organization/installations/{}", account["id"].as_str().unwrap());
    let by_member = call(&app, Method::DELETE, &path, &member, Some(APP_ORIGIN), None).await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN);
    // The member's own root does not reach the organization's connection either.
    let own_root = format!("/_widgets/DataIntegrations/installations/{}", account["id"].as_str().unwrap());
    assert_eq!(
        call(&app, Method::DELETE, &own_root, &manager, Some(APP_ORIGIN), None).await.status,
        StatusCode::NOT_FOUND
    );
    let gone = call(&app, Method::DELETE, &path, &manager, Some(APP_ORIGIN), None).await;
    assert_eq!((gone.status, gone.json()), (StatusCode::OK, json!({"success": true})));
    assert_eq!(app.count("connections").await, 0);
    app.finish().await;
}
