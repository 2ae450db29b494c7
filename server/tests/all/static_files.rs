//! The built site as browsers get it, on both databases: content-hashed files under /pkg/ are
//! cached for a year and sent precompressed in the best encoding the request accepts, other
//! files are revalidated, and each page names the hashed files of its own bundle (the widget
//! never the dashboard's). Pages also finish rendering while another router is being built.

use crate::support::{Backend, FakeProvider, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

on_both_backends!(
    hashed_files_are_immutable_and_precompressed,
    files_are_served_from_memory_with_an_etag,
    unhashed_and_missing_files_are_not_cached_for_long,
    pages_name_the_hashed_files_of_their_own_bundle,
    pages_finish_while_another_router_is_built,
);

const WASM: &str = "widget_bg.0123456789abcdef.wasm";
const JS: &str = "widget.1111111111111111.js";
const CSS: &str = "plumb.2222222222222222.css";
const DASHBOARD_JS: &str = "plumb.3333333333333333.js";
const DASHBOARD_WASM: &str = "plumb_bg.4444444444444444.wasm";

/// A site laid out as `make site` lays it out; each variant's body says which file it is.
fn site() -> std::path::PathBuf {
    let suffix = server::ids::random_token(9).to_ascii_lowercase().replace(['-', '_'], "x");
    let root = std::env::temp_dir().join(format!("plumb-site-{suffix}"));
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let manifest = format!(
        "plumb.js {DASHBOARD_JS}\nplumb_bg.wasm {DASHBOARD_WASM}\nwidget.js {JS}\nwidget_bg.wasm {WASM}\nplumb.css {CSS}\n"
    );
    std::fs::write(pkg.join("manifest.txt"), manifest).unwrap();
    for name in [WASM, JS, CSS, DASHBOARD_JS, DASHBOARD_WASM] {
        std::fs::write(pkg.join(name), format!("identity {name}")).unwrap();
        std::fs::write(pkg.join(format!("{name}.br")), format!("br {name}")).unwrap();
        std::fs::write(pkg.join(format!("{name}.gz")), format!("gzip {name}")).unwrap();
    }
    std::fs::write(pkg.join("plumb.css"), "plain css").unwrap();
    std::fs::write(root.join("favicon.svg"), "<svg/>").unwrap();
    root
}

async fn app_with_site(backend: Backend) -> (TestApp, std::path::PathBuf) {
    let root = site();
    let app = TestApp::with_config(backend, |c| c.site_root = root.clone()).await;
    (app, root)
}

async fn get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> crate::support::Reply {
    let mut request = Request::get(path);
    if let Some(encodings) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encodings);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

async fn hashed_files_are_immutable_and_precompressed(backend: Backend) {
    let (app, root) = app_with_site(backend).await;
    let path = format!("/pkg/{WASM}");
    for (accepts, encoding, body) in [
        (Some("gzip, deflate, br, zstd"), Some("br"), format!("br {WASM}")),
        (Some("br;q=1.0, gzip;q=0.8"), Some("br"), format!("br {WASM}")),
        (Some("gzip, deflate"), Some("gzip"), format!("gzip {WASM}")),
        (Some("identity"), None, format!("identity {WASM}")),
        (None, None, format!("identity {WASM}")),
    ] {
        let reply = get(&app, &path, accepts).await;
        assert_eq!(reply.status, StatusCode::OK, "{accepts:?}");
        assert_eq!(reply.header("content-encoding"), encoding, "{accepts:?}");
        assert_eq!(reply.body, body, "{accepts:?}");
        assert_eq!(reply.header("content-type"), Some("application/wasm"), "{accepts:?}");
        assert_eq!(reply.header("cache-control"), Some("public, max-age=31536000, immutable"), "{accepts:?}");
        assert_eq!(reply.header("vary"), Some("accept-encoding"), "{accepts:?}");
    }
    let js = get(&app, &format!("/pkg/{JS}"), Some("br")).await;
    assert_eq!(js.header("content-type"), Some("text/javascript"));
    assert_eq!(js.header("content-encoding"), Some("br"));
    let css = get(&app, &format!("/pkg/{CSS}"), Some("gzip")).await;
    assert_eq!(css.header("content-type"), Some("text/css"));
    assert_eq!(css.header("content-encoding"), Some("gzip"));
    assert_eq!(css.header("cache-control"), Some("public, max-age=31536000, immutable"));
    app.finish().await;
    std::fs::remove_dir_all(root).unwrap();
}

async fn unhashed_and_missing_files_are_not_cached_for_long(backend: Backend) {
    let (app, root) = app_with_site(backend).await;
    for path in ["/favicon.svg", "/pkg/plumb.css", "/pkg/manifest.txt"] {
        let reply = get(&app, path, Some("br, gzip")).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.header("cache-control"), Some("no-cache"), "{path}");
        assert_eq!(reply.header("content-encoding"), None, "{path}: no precompressed sibling");
    }
    let missing = get(&app, "/pkg/widget.5555555555555555.js", Some("br")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("cache-control"), Some("no-store"), "a missing file is not cached at all");
    app.finish().await;
    std::fs::remove_dir_all(root).unwrap();
}

async fn pages_name_the_hashed_files_of_their_own_bundle(backend: Backend) {
    let (app, root) = app_with_site(backend).await;
    let page = |path: &str| Request::get(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();

    let widget = app.send(page("/widget?token=not-a-token")).await;
    assert_eq!(widget.status, StatusCode::OK, "{}", widget.body);
    let csp = widget.header("content-security-policy").unwrap().to_string();
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).unwrap();
    for expected in [
        format!("<link rel=\"stylesheet\" href=\"/pkg/{CSS}\" nonce=\"{nonce}\""),
        format!("<link rel=\"modulepreload\" href=\"/pkg/{JS}\" nonce=\"{nonce}\""),
        format!("href=\"/pkg/{WASM}\""),
        format!("<script type=\"module\" nonce=\"{nonce}\">import init, {{ hydrate }} from \"/pkg/{JS}\""),
    ] {
        assert!(widget.body.contains(&expected), "{expected} not in {}", widget.body);
    }
    for dashboard in [DASHBOARD_JS, DASHBOARD_WASM] {
        assert!(!widget.body.contains(dashboard), "the widget names the dashboard's bundle: {}", widget.body);
    }
    assert!(widget.body.contains("This link is not valid"), "{}", widget.body);

    let login = app.send(page("/login")).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    for expected in [format!("/pkg/{DASHBOARD_JS}"), format!("/pkg/{DASHBOARD_WASM}"), format!("/pkg/{CSS}")] {
        assert!(login.body.contains(&expected), "{expected} not in {}", login.body);
    }
    assert!(!login.body.contains("/pkg/widget"), "{}", login.body);
    app.finish().await;
    std::fs::remove_dir_all(root).unwrap();
}

/// Every integration test builds its own router, all in one process. Building one walks the app's
/// routes with resource loading switched off process-wide (leptos_server's `SuppressResourceLoad`);
/// a widget page whose resource was first polled at that moment never loaded it and its response
/// never ended (a CI run hung on it for an hour). The router keeps the first walk, so building
/// more of them must leave pages alone.
async fn pages_finish_while_another_router_is_built(backend: Backend) {
    let app = TestApp::new(backend).await;
    let provider = FakeProvider::start().await;
    app.add_provider("acme", &provider).await;
    let token = app.widget_token("user_1").await;

    let building = Arc::new(AtomicBool::new(true));
    let builder = {
        let (plumb, building) = (app.plumb.clone(), building.clone());
        std::thread::spawn(move || {
            let mut built = 0;
            while building.load(Ordering::Relaxed) {
                drop(server::http::router(plumb.clone()));
                built += 1;
            }
            built
        })
    };
    for round in 0..40 {
        let request = Request::get(format!("/widget?token={token}")).body(Body::empty()).unwrap();
        // Not a speed limit: a page that takes this long will never finish.
        let Ok(page) = tokio::time::timeout(Duration::from_secs(60), app.send(request)).await else {
            building.store(false, Ordering::Relaxed);
            panic!("round {round}: the widget page never finished while another router was being built");
        };
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Provider acme"), "round {round}: the providers were loaded: {}", page.body);
    }
    building.store(false, Ordering::Relaxed);
    assert!(builder.join().unwrap() > 0, "routers were built meanwhile");
    app.finish().await;
}

async fn files_are_served_from_memory_with_an_etag(backend: Backend) {
    let (app, root) = app_with_site(backend).await;
    let path = format!("/pkg/{CSS}");
    let first = get(&app, &path, Some("br")).await;
    assert_eq!(first.body, format!("br {CSS}"));
    let etag = first.header("etag").expect("an ETag").to_string();
    // Read once: gone from the disk, still served (until the next start).
    for name in [CSS.to_string(), format!("{CSS}.br"), format!("{CSS}.gz")] {
        std::fs::remove_file(root.join("pkg").join(name)).unwrap();
    }
    let again = get(&app, &path, Some("gzip")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, format!("gzip {CSS}"));
    assert_eq!(again.header("etag"), Some(etag.as_str()), "one tag for every encoding of one file");
    // A cached copy that is still current: 304 without a body, with the caching headers.
    let request = Request::get(&path).header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
    let not_modified = app.send(request).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert_eq!(not_modified.body, "");
    assert_eq!(not_modified.header("cache-control"), Some("public, max-age=31536000, immutable"));
    let head = app.send(Request::head(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.body, "");
    assert_eq!(head.header("content-length"), Some(format!("identity {CSS}").len().to_string().as_str()));
    // Paths it does not handle still reach the files on disk, and missing ones the 404.
    assert_eq!(get(&app, "/favicon.svg", None).await.body, "<svg/>");
    assert_eq!(get(&app, "/pkg/../favicon.svg", None).await.status, StatusCode::NOT_FOUND);
    app.finish().await;
    std::fs::remove_dir_all(root).unwrap();
}
