//! The built site under `PLUMB_SITE_ROOT` (`make site` writes it): the bundles and stylesheet
//! in `pkg/` under content-hashed names, each with `.br` and `.gz` siblings, plus the unhashed
//! files of `public/`.
//!
//! A hashed name changes whenever its content does, so such files are cached for a year and
//! never revalidated; everything else is revalidated on every use. The precompressed sibling
//! matching the request's `Accept-Encoding` is sent when there is one.

use app::assets::Bundle;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::MethodRouter;
use axum::Router;
use std::collections::HashMap;
use std::path::Path;
use tower_http::services::ServeDir;

/// Where `make site` records the hashed name of each file: `<unhashed> <hashed>` per line.
const MANIFEST: &str = "pkg/manifest.txt";
/// How many hex digits of the content's SHA-256 a hashed name carries.
const HASH_LEN: usize = 16;

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The hashed names of the site's files, read once at start-up.
#[derive(Debug, Default)]
pub struct Manifest {
    names: HashMap<String, String>,
}

impl Manifest {
    /// Reads the manifest; a site built without one (or none at all, as in the integration
    /// tests) keeps the unhashed names.
    pub fn load(site_root: &Path) -> Self {
        let path = site_root.join(MANIFEST);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text),
            Err(e) => {
                tracing::warn!("no asset manifest at {} ({e}): pages name unhashed files", path.display());
                Self::default()
            }
        }
    }

    fn parse(text: &str) -> Self {
        let names = text
            .lines()
            .filter_map(|line| line.split_once(' '))
            .map(|(plain, hashed)| (plain.trim().to_string(), hashed.trim().to_string()))
            .collect();
        Self { names }
    }

    /// The URL path of a file in `pkg/`, by its unhashed name.
    fn path(&self, plain: &str) -> String {
        format!("/pkg/{}", self.names.get(plain).map_or(plain, String::as_str))
    }

    /// The files of one bundle (`plumb` or `widget`) and the stylesheet.
    pub fn bundle(&self, output_name: &str) -> Bundle {
        let plain = Bundle::unhashed(output_name);
        let file = |p: &str| self.path(p.trim_start_matches("/pkg/"));
        Bundle { js: file(&plain.js), wasm: file(&plain.wasm), css: file(&plain.css) }
    }
}

/// Serves the site's files; `not_found` answers for anything missing.
/// Files come from memory once read ([`super::site_cache`]); `ServeDir` serves the rest.
pub fn service(site_root: &Path, not_found: MethodRouter) -> Router {
    // Other methods on a file, like a missing file, get the JSON 404.
    let files = ServeDir::new(site_root)
        .precompressed_br()
        .precompressed_gzip()
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found);
    let memory = super::site_cache::SiteCache::new(site_root);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(memory, super::site_cache::from_memory))
        .layer(middleware::from_fn(cache_headers))
}

/// Adds the caching policy to files served, and `Vary` since the body depends on
/// `Accept-Encoding` (ServeDir picks the precompressed sibling but does not say so).
async fn cache_headers(req: Request, next: Next) -> Response {
    let policy = cache_control(req.uri().path());
    let mut response = next.run(req).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, policy);
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Immutable for hashed files in `pkg/`, revalidate for the rest (favicon, unhashed copies).
fn cache_control(path: &str) -> HeaderValue {
    match path.strip_prefix("/pkg/") {
        Some(name) if !name.contains('/') && is_hashed(name) => IMMUTABLE,
        _ => REVALIDATE,
    }
}

/// Whether a file name carries a content hash: `stem.<16 hex digits>.ext`.
fn is_hashed(name: &str) -> bool {
    let mut parts = name.split('.');
    let (Some(_stem), Some(hash), Some(_ext)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    parts.next().is_none() && hash.len() == HASH_LEN && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashed_names_under_pkg_are_immutable() {
        assert_eq!(cache_control("/pkg/widget_bg.0123456789abcdef.wasm"), IMMUTABLE);
        assert_eq!(cache_control("/pkg/plumb.fedcba9876543210.css"), IMMUTABLE);
        for revalidated in [
            "/pkg/plumb.css",
            "/pkg/manifest.txt",
            "/favicon.svg",
            "/pkg/plumb.0123456789ABCDEF.js",
            "/pkg/plumb.0123456789abcde.js",
            "/pkg/a/plumb.0123456789abcdef.js",
            "/plumb.0123456789abcdef.js",
            "/pkg/plumb.0123456789abcdef.js.map.x",
        ] {
            assert_eq!(cache_control(revalidated), REVALIDATE, "{revalidated}");
        }
    }

    #[test]
    fn the_manifest_maps_unhashed_names_and_keeps_unknown_ones() {
        let manifest = Manifest::parse(
            "widget.js widget.0123456789abcdef.js\nwidget_bg.wasm widget_bg.1111111111111111.wasm\n\n\
             plumb.css plumb.2222222222222222.css\n",
        );
        let widget = manifest.bundle("widget");
        assert_eq!(widget.js, "/pkg/widget.0123456789abcdef.js");
        assert_eq!(widget.wasm, "/pkg/widget_bg.1111111111111111.wasm");
        assert_eq!(widget.css, "/pkg/plumb.2222222222222222.css");
        assert_eq!(manifest.bundle("plumb").js, "/pkg/plumb.js");
        assert_eq!(Manifest::default().bundle("plumb"), Bundle::unhashed("plumb"));
    }
}
