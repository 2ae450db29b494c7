//! Admin sign-in on both databases: the dashboard and its server functions behind a session,
//! CSRF tokens on every state-changing call, throttled sign-in, invitations, sign-out, and the
//! API and widget refusing an admin session in place of their own credentials. Every refusal is
//! checked for its clear error and for leaving the database as it was.

use crate::support::{AdminSession, Backend, TestApp, ADMIN_PASSWORD};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

on_both_backends!(
    dashboard_pages_and_functions_need_a_session,
    every_dashboard_function_needs_the_csrf_token,
    signing_in_and_out,
    repeated_failed_sign_ins_lock_the_account,
    invitations_create_admins_once,
    the_api_and_widget_never_accept_an_admin_session,
    sign_in_forms_refuse_other_origins,
    sessions_expire_and_are_secure_on_https,
);

fn form(path: &str) -> axum::http::request::Builder {
    Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
}

fn encode(pairs: &[(&str, &str)]) -> Body {
    Body::from(url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish())
}

fn webhook_form(url: &str) -> Vec<(&str, &str)> {
    vec![("input[endpoint_url]", url), ("input[connected]", "true")]
}

async fn dashboard_pages_and_functions_need_a_session(backend: Backend) {
    let app = TestApp::new(backend).await;
    let page = app.send(Request::get("/dashboard/webhooks?x=1").body(Body::empty()).unwrap()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header("location"), Some("/login?next=%2Fdashboard%2Fwebhooks%3Fx%3D1"));

    let hook = webhook_form("http://127.0.0.1:9/hook");
    let forged = AdminSession { cookie: "plumb_session=forged".into(), csrf: "x".into() };
    for (what, cookie, authorization) in [
        ("no credentials", None, None),
        ("a forged session", Some(forged.cookie.as_str()), None),
        ("an API key", None, Some(format!("Bearer {}", app.api_key))),
    ] {
        let mut request = form("/api/webhooks/create");
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        if let Some(a) = &authorization {
            request = request.header(header::AUTHORIZATION, a);
        }
        let reply = app.send(request.body(encode(&hook)).unwrap()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}: {}", reply.body);
        assert_eq!(reply.json()["code"], "unauthorized", "{what}");
    }
    assert_eq!(app.count("webhook_endpoints").await, 0);
    app.finish().await;
}

async fn every_dashboard_function_needs_the_csrf_token(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin_session().await;
    let hook = webhook_form("http://127.0.0.1:9/hook");
    for (what, header_token) in [("no token", None), ("another session's token", Some("bm90IHRoZSB0b2tlbg"))] {
        let mut request = form("/api/webhooks/create").header(header::COOKIE, &admin.cookie);
        if let Some(t) = header_token {
            request = request.header("x-csrf-token", t);
        }
        let reply = app.send(request.body(encode(&hook)).unwrap()).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what}: {}", reply.body);
        assert_eq!(reply.json()["code"], "csrf_failed");
        assert!(reply.json()["message"].as_str().unwrap().contains("Reload the page"));
    }
    // Sign-out is a state change too.
    let reply = app.send(form("/logout").header(header::COOKIE, &admin.cookie).body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("webhook_endpoints").await, 0);
    assert_eq!(app.send(dashboard(&admin)).await.status, StatusCode::OK, "the session still works");

    // The header (hydrated pages) and the form field (forms before hydration) both pass.
    let reply = app.admin_call(&admin, "webhooks/create", &hook).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let mut with_field = webhook_form("http://127.0.0.1:9/other");
    with_field.push(("csrf_token", &admin.csrf));
    let reply = app
        .send(form("/api/webhooks/create").header(header::COOKIE, &admin.cookie).body(encode(&with_field)).unwrap())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(app.count("webhook_endpoints").await, 2);
    app.finish().await;
}

fn dashboard(admin: &AdminSession) -> Request<Body> {
    Request::get("/dashboard").header(header::COOKIE, &admin.cookie).body(Body::empty()).unwrap()
}

fn login(email: &str, password: &str) -> Request<Body> {
    let pairs = [("email", email), ("password", password), ("next", "/dashboard/webhooks")];
    form("/login").body(encode(&pairs)).unwrap()
}

fn login_json(email: &str, password: &str) -> Request<Body> {
    let pairs = [("email", email), ("password", password)];
    form("/login").header(header::ACCEPT, "application/json").body(encode(&pairs)).unwrap()
}

async fn signing_in_and_out(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.plumb.create_admin("ada@example.com", ADMIN_PASSWORD).await.unwrap();
    let reply = app.send(login("Ada@Example.com", ADMIN_PASSWORD)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), Some("/dashboard/webhooks"));
    let set_cookie = reply.header("set-cookie").unwrap().to_string();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(set_cookie.contains(flag), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "http public URL: {set_cookie}");
    let value = set_cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let stored: String =
        sqlx::query_scalar("SELECT token_hash FROM admin_sessions").fetch_one(app.plumb.store().pool()).await.unwrap();
    assert_ne!(stored, value, "only a hash of the session is stored");

    let page = app
        .send(
            Request::get("/dashboard")
                .header(header::COOKIE, format!("plumb_session={value}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.body.split("name=\"csrf-token\" content=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(page.body.contains("ada@example.com"));
    let admin = AdminSession { cookie: format!("plumb_session={value}"), csrf };

    let pairs = [("csrf_token", admin.csrf.as_str())];
    let out = app.send(form("/logout").header(header::COOKIE, &admin.cookie).body(encode(&pairs)).unwrap()).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.header("location"), Some("/login?signed_out=1"));
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(app.send(dashboard(&admin)).await.status, StatusCode::SEE_OTHER, "the session is revoked");

    // Another session can be revoked from the admins page.
    let first = app.admin_session().await;
    let second = app.admin_session().await;
    let sessions = app.admin_call(&first, "admins", &[]).await.json();
    let other = sessions["sessions"].as_array().unwrap().iter().find(|s| s["is_current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.admin_call(&first, "admins/revoke-session", &[("id", &other)]).await.status, StatusCode::OK);
    assert_eq!(app.send(dashboard(&second)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.send(dashboard(&first)).await.status, StatusCode::OK);
    app.finish().await;
}

async fn repeated_failed_sign_ins_lock_the_account(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.plumb.create_admin("ada@example.com", ADMIN_PASSWORD).await.unwrap();
    for attempt in 1..=4 {
        let reply = app.send(login_json("ada@example.com", "wrong password!")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        assert_eq!(reply.json()["code"], "invalid_credentials");
    }
    // An unknown account answers exactly like a wrong password.
    let unknown = app.send(login_json("nobody@example.com", "wrong password!")).await;
    assert_eq!(unknown.json(), app.send(login_json("eve@example.com", "x")).await.json());

    let locked = app.send(login_json("ada@example.com", "wrong password!")).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.json()["code"], "too_many_attempts");
    assert_eq!(locked.header("retry-after"), Some("30"));
    // Even the right password waits out the lock, and no session is made.
    let right = app.send(login_json("ada@example.com", ADMIN_PASSWORD)).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.count("admin_sessions").await, 0);
    // Browsers are sent back to the form with the reason.
    let browser = app.send(login("ada@example.com", ADMIN_PASSWORD)).await;
    let location = browser.header("location").unwrap();
    assert!(location.starts_with("/login?error=too_many_attempts"), "{location}");
    assert!(location.contains("retry="), "{location}");
    assert!(!location.contains("horse"), "the password never travels back: {location}");

    sqlx::query("UPDATE login_throttle SET locked_until = 1").execute(app.plumb.store().pool()).await.unwrap();
    assert_eq!(app.send(login_json("ada@example.com", ADMIN_PASSWORD)).await.status, StatusCode::OK);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_throttle WHERE email = 'ada@example.com'")
        .fetch_one(app.plumb.store().pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "a success clears the failures");
    app.finish().await;
}

async fn invitations_create_admins_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin_session().await;
    let reply = app.admin_call(&admin, "admins/invite", &[("email", "grace@example.com")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let link: String = serde_json::from_str(&reply.body).unwrap();
    let path = link.strip_prefix(crate::support::PUBLIC_URL).unwrap().to_string();
    assert!(path.starts_with("/invite/"));

    let accept = |password: &str, confirm: &str| {
        let pairs = [("email", "ignored@example.com"), ("password", password), ("confirm", confirm)];
        form(&path).body(encode(&pairs)).unwrap()
    };
    let short = app.send(accept("short", "short")).await;
    assert_eq!(short.status, StatusCode::SEE_OTHER);
    assert!(short.header("location").unwrap().contains("field=password&error=too_short"));
    let mismatch = app.send(accept(ADMIN_PASSWORD, "something else entirely")).await;
    assert!(mismatch.header("location").unwrap().contains("field=confirm"));
    assert_eq!(app.count("admins").await, 1, "nothing was created");

    let ok = app.send(accept(ADMIN_PASSWORD, ADMIN_PASSWORD)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.header("location"), Some("/dashboard"));
    assert!(ok.header("set-cookie").unwrap().starts_with("plumb_session="));
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM admins WHERE email = 'grace@example.com'")
        .fetch_one(app.plumb.store().pool())
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");

    let again = app.send(accept(ADMIN_PASSWORD, ADMIN_PASSWORD)).await;
    assert!(again.header("location").unwrap().contains("error=invite_invalid"));
    assert_eq!(app.count("admins").await, 2);
    let invited = app.admin_call(&admin, "admins/invite", &[("email", "grace@example.com")]).await;
    assert_eq!(invited.status, StatusCode::UNPROCESSABLE_ENTITY, "already an admin: {}", invited.body);
    app.finish().await;
}

async fn the_api_and_widget_never_accept_an_admin_session(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin_session().await;
    for (path, body) in
        [("/data-integrations/acme/token", r#"{"user_id":"u"}"#), ("/widgets/token", r#"{"user_id":"u"}"#)]
    {
        let reply = app
            .send(
                Request::post(path)
                    .header(header::COOKIE, &admin.cookie)
                    .header("x-csrf-token", &admin.csrf)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}: {}", reply.body);
    }
    let list = app
        .send(Request::get("/data-integrations").header(header::COOKIE, &admin.cookie).body(Body::empty()).unwrap())
        .await;
    assert_eq!(list.status, StatusCode::UNAUTHORIZED);
    let widget = app.admin_call(&admin, "widget", &[("token", "")]).await;
    assert_eq!(widget.status, StatusCode::UNAUTHORIZED);
    assert_eq!(widget.json()["code"], "invalid_widget_token");
    app.finish().await;
}

async fn sign_in_forms_refuse_other_origins(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.plumb.create_admin("ada@example.com", ADMIN_PASSWORD).await.unwrap();
    let pairs = [("email", "ada@example.com"), ("password", ADMIN_PASSWORD)];
    let reply =
        app.send(form("/login").header(header::ORIGIN, "https://evil.example").body(encode(&pairs)).unwrap()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.header("set-cookie").is_none());
    assert_eq!(app.count("admin_sessions").await, 0);
    let same =
        app.send(form("/login").header(header::ORIGIN, crate::support::PUBLIC_URL).body(encode(&pairs)).unwrap()).await;
    assert_eq!(same.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("admin_sessions").await, 1);
    app.finish().await;
}

async fn sessions_expire_and_are_secure_on_https(backend: Backend) {
    let app = TestApp::with_config(backend, |c| {
        c.public_url = "https://plumb.example".into();
        c.session_ttl = std::time::Duration::from_millis(300);
    })
    .await;
    app.plumb.create_admin("ada@example.com", ADMIN_PASSWORD).await.unwrap();
    let reply = app.send(login("ada@example.com", ADMIN_PASSWORD)).await;
    let set_cookie = reply.header("set-cookie").unwrap().to_string();
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    let admin = AdminSession { cookie: set_cookie.split(';').next().unwrap().to_string(), csrf: String::new() };
    assert_eq!(app.send(dashboard(&admin)).await.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let expired = app.send(dashboard(&admin)).await;
    assert_eq!(expired.status, StatusCode::SEE_OTHER, "an expired session signs nobody in");
    assert!(expired.header("location").unwrap().starts_with("/login"));
    app.finish().await;
}
