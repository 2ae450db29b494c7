//! The catalog as the dashboard and the widget show it, on both databases: each entry's logo is
//! served by Plumb under a URL that names its bytes' version, cached for good, as inert as an
//! uploaded icon; a provider enabled from the catalog without an icon of its own is shown with
//! its entry's logo.

use crate::support::{Backend, TestApp};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;

on_both_backends!(catalog_icons_are_served_versioned_and_inert, catalog_providers_are_shown_with_their_entrys_logo,);

async fn get(app: &TestApp, path: &str) -> crate::support::Reply {
    app.send(Request::get(path).body(Body::empty()).unwrap()).await
}

async fn catalog_icons_are_served_versioned_and_inert(backend: Backend) {
    let app = TestApp::new(backend).await;
    let path = server::catalog::icon_path("github").unwrap();
    assert!(path.starts_with("/icons/catalog/github?v="), "{path}");
    let icon = get(&app, &path).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.header("content-type"), Some("image/svg+xml"));
    assert_eq!(icon.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(icon.header("content-security-policy"), Some("default-src 'none'; style-src 'unsafe-inline'; sandbox"));
    assert_eq!(icon.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(icon.body.as_bytes(), server::catalog::icon("github").unwrap());
    assert!(icon.body.starts_with("<svg"), "{}", icon.body);

    // Another version (a page from before the icon changed): the bytes, but not for good.
    for stale in ["/icons/catalog/github?v=0123456789ab", "/icons/catalog/github"] {
        let reply = get(&app, stale).await;
        assert_eq!(reply.status, StatusCode::OK, "{stale}");
        assert_eq!(reply.header("cache-control"), Some("no-cache"), "{stale}");
    }

    // Unknown entries are the JSON 404 every other missing thing is; the literal segment does
    // not swallow a provider's icon path, nor the other way round.
    for missing in ["/icons/catalog/no-such-provider?v=1", "/icons/catalog", "/icons/prov_unknown"] {
        let reply = get(&app, missing).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(reply.json()["code"], "not_found", "{missing}");
    }
    app.finish().await;
}

async fn catalog_providers_are_shown_with_their_entrys_logo(backend: Backend) {
    let app = TestApp::new(backend).await;
    let logo = server::catalog::icon_path("github").unwrap();
    let admin = app.admin_session().await;
    let catalog = app.admin_call(&admin, "catalog", &[]).await.json();
    let entries = catalog["entries"].as_array().unwrap();
    assert!(entries.len() >= 100, "{}", entries.len());
    let github = entries.iter().find(|e| e["slug"] == "github").unwrap();
    assert_eq!(github["icon"], logo);
    assert_eq!(github["category"], "developer-tools");
    assert_eq!(github["category_label"], "Developer tools");
    assert_eq!(github["auth_methods"], json!(["oauth"]));
    assert!(entries.iter().all(|e| e["icon"].as_str().unwrap().starts_with("/icons/catalog/")));
    let categories = catalog["categories"].as_array().unwrap();
    assert_eq!(categories[0], json!(["developer-tools", "Developer tools"]));
    assert!(categories.contains(&json!(["ai", "AI"])));

    let body = json!({
        "provider": "github",
        "enabled": true,
        "credentials": {"type": "custom", "client_id": "gh-id", "client_secret": "gh-secret-abcdefgh"},
    });
    let reply = app.call(Method::POST, "/data-integrations", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    let dashboard = app.admin_call(&admin, "dashboard", &[]).await.json();
    assert_eq!(dashboard["providers"][0]["icon"], logo, "{dashboard}");
    let detail = app.admin_call(&admin, "providers/detail", &[("slug", "github")]).await.json();
    assert_eq!(detail["provider"]["icon"], logo, "{detail}");
    let token = app.widget_token("user_1").await;
    let widget = app
        .send(
            Request::post("/api/widget")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("token={token}")))
                .unwrap(),
        )
        .await
        .json();
    assert_eq!(widget["providers"][0]["icon_url"], logo, "{widget}");
    app.finish().await;
}
