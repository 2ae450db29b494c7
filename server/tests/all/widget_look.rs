//! Plumb's own widget in the app that embeds it: the look given in the environment's settings
//! and in the token, the viewer's language, the notice of a failed form, and the version a
//! framed widget asks for.

use crate::support::{Backend, FakeProvider, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;

on_both_backends!(
    the_token_and_the_environment_give_the_widget_its_look,
    values_that_are_not_plain_are_refused_and_nothing_changes,
    the_widget_speaks_the_token_language_else_the_browsers,
    a_failed_form_comes_back_with_its_message_in_the_page,
    the_version_changes_when_what_the_widget_shows_changes,
);

fn tokens(access: &str) -> serde_json::Value {
    json!({"access_token": access, "refresh_token": format!("{access}-refresh"), "expires_in": 3600, "token_type": "Bearer"})
}

async fn mint(app: &TestApp, body: serde_json::Value) -> String {
    let reply = app.post_json("/widgets/token", Some(&app.api_key), body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()["token"].as_str().unwrap().to_string()
}

async fn page(app: &TestApp, query: &str, accept_language: Option<&str>) -> Reply {
    let mut request = Request::get(format!("/widget?{query}"));
    if let Some(language) = accept_language {
        request = request.header(header::ACCEPT_LANGUAGE, language);
    }
    let reply = app.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply
}

fn encoded(token: &str) -> String {
    url::form_urlencoded::byte_serialize(token.as_bytes()).collect()
}

/// The theme's `<style>`, checking it carries the nonce the page's CSP allows.
fn theme_style(reply: &Reply) -> String {
    let csp = reply.header("content-security-policy").unwrap().to_string();
    let nonce = csp.split("style-src 'self' 'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_string();
    let opening = format!("<style nonce=\"{nonce}\">");
    let start =
        reply.body.find(&opening).unwrap_or_else(|| panic!("no themed style in {}", reply.body)) + opening.len();
    reply.body[start..].split("</style>").next().unwrap().to_string()
}

async fn the_token_and_the_environment_give_the_widget_its_look(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin_session().await;
    let saved = app
        .admin_call(
            &admin,
            "environments/widget-theme/save",
            &[
                ("input[accent]", "#0F766E"),
                ("input[radius]", "4"),
                ("input[font]", "Inter, sans-serif"),
                ("input[scheme]", "auto"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(
        saved.json(),
        json!({"accent": "#0f766e", "radius": "4", "font": "\"Inter\",sans-serif", "scheme": "auto"})
    );

    // The environment's look, with the token's radius and scheme over it.
    let token = mint(&app, json!({"user_id": "u1", "theme": {"radius": 0, "scheme": "dark"}})).await;
    let reply = page(&app, &format!("token={}", encoded(&token)), None).await;
    assert!(reply.body.contains("data-scheme=\"dark\""), "{}", reply.body);
    assert!(reply.body.contains("<meta name=\"color-scheme\" content=\"dark\""));
    let css = theme_style(&reply);
    assert!(css.starts_with(":root{--accent:#0f766e;--on-accent:#ffffff;--accent-ink:#0f766e;--radius:0px;--font:\"Inter\",sans-serif;}"), "{css}");
    assert!(css.contains(":root[data-scheme=dark]{--accent-ink:"), "{css}");

    // A token minted without a theme carries the environment's.
    let plain = mint(&app, json!({"user_id": "u1"})).await;
    let reply = page(&app, &format!("token={}", encoded(&plain)), None).await;
    assert!(reply.body.contains("data-scheme=\"auto\""));
    assert!(theme_style(&reply).contains("--radius:4px;"));
    app.finish().await;
}

async fn values_that_are_not_plain_are_refused_and_nothing_changes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin_session().await;
    let save = |accent: &'static str| {
        let admin = &admin;
        let app = &app;
        async move {
            app.admin_call(
                admin,
                "environments/widget-theme/save",
                &[("input[accent]", accent), ("input[scheme]", "dark")],
            )
            .await
        }
    };
    assert_eq!(save("#112233").await.status, StatusCode::OK);
    let refused = save("#000;}body{display:none").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(refused.json()["errors"][0]["field"], "theme.accent");
    let kept = app.admin_call(&admin, "environments/widget-theme", &[]).await;
    assert_eq!(kept.json()["accent"], "#112233", "{}", kept.body);

    for (theme, field) in [
        (json!({"font": "Inter\"; } body { display: none"}), "theme.font"),
        (json!({"radius": 99}), "theme.radius"),
        (json!({"accent": "blue"}), "theme.accent"),
    ] {
        let reply = app.post_json("/widgets/token", Some(&app.api_key), json!({"user_id": "u", "theme": theme})).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], field);
    }
    for body in
        [json!({"user_id": "u", "theme": {"colour": "#fff"}}), json!({"user_id": "u", "theme": {"scheme": "sepia"}})]
    {
        let reply = app.post_json("/widgets/token", Some(&app.api_key), body).await;
        assert_eq!(reply.status.as_u16() / 100, 4, "{}", reply.body);
    }
    let reply =
        app.post_json("/widgets/token", Some(&app.api_key), json!({"user_id": "u", "locale": "fr<script>"})).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["errors"][0]["field"], "locale");
    app.finish().await;
}

async fn the_widget_speaks_the_token_language_else_the_browsers(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    let french = mint(&app, json!({"user_id": "u1", "locale": "fr-CA"})).await;
    let reply = page(&app, &format!("token={}", encoded(&french)), Some("de-DE,de;q=0.9")).await;
    assert!(reply.body.contains("<html lang=\"fr\""), "{}", reply.body);
    assert!(reply.body.contains("<title>Connexions</title>"));
    assert!(reply.body.contains("Comptes connectés"));
    assert!(reply.body.contains("aria-label=\"Connecter Provider acme\""));

    let plain = mint(&app, json!({"user_id": "u1"})).await;
    let reply = page(&app, &format!("token={}", encoded(&plain)), Some("pt-BR, ja;q=0.8, de;q=0.5")).await;
    assert!(reply.body.contains("<html lang=\"ja\""));
    assert!(reply.body.contains("接続済みアカウント"));
    let reply = page(&app, &format!("token={}", encoded(&plain)), None).await;
    assert!(reply.body.contains("<html lang=\"en\""));
    assert!(reply.body.contains("Connected accounts"));

    // Why a connect failed, in the viewer's language; a provider the widget does not list is
    // not named.
    let reply = page(&app, &format!("token={}&error=access_denied&provider=acme", encoded(&french)), None).await;
    assert!(reply.body.contains("Impossible de connecter Provider acme : Vous avez refusé l'accès"), "{}", reply.body);
    let reply = page(&app, &format!("token={}&error=access_denied&provider=Evil%20Corp", encoded(&plain)), None).await;
    assert!(reply.body.contains("Could not connect the provider: You declined access"));
    assert!(!reply.body.contains("Evil Corp"));
    app.finish().await;
}

async fn a_failed_form_comes_back_with_its_message_in_the_page(backend: Backend) {
    let app = TestApp::new(backend).await;
    let token = mint(&app, json!({"user_id": "u1"})).await;
    let widget = format!("/widget?token={}", encoded(&token));
    // The browser's form post: Leptos answers it with a redirect back, the error in the query.
    let reply = app
        .send(
            Request::post("/api/widget/rename")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html,application/xhtml+xml")
                .header(header::REFERER, format!("http://127.0.0.1:3000{widget}"))
                .body(Body::from(format!("token={}&provider=nope&account=conn_x&label=x", encoded(&token))))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    let location = reply.header("location").unwrap();
    assert!(location.contains("__err="), "{location}");
    let back = page(&app, location.split_once('?').unwrap().1, None).await;
    assert!(back.body.contains("notice-error"), "{}", back.body);
    assert!(back.body.contains("nope"), "the message names what failed: {}", back.body);
    app.finish().await;
}

async fn the_version_changes_when_what_the_widget_shows_changes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    let token = app.widget_token("user_1").await;
    let version = || async {
        let reply = app
            .send(Request::get(format!("/widget/version?token={}", encoded(&token))).body(Body::empty()).unwrap())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.body
    };
    let before = version().await;
    assert_eq!(before.len(), 16);
    assert_eq!(version().await, before, "nothing changed");
    provider.answer(200, tokens("at-1"));
    app.connect("acme", "user_1", "c1").await;
    assert_ne!(version().await, before);

    let refused = app.send(Request::get("/widget/version?token=nope").body(Body::empty()).unwrap()).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    app.finish().await;
}
