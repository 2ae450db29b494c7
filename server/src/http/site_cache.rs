//! The site's files from memory. Each file (with its `.br` and `.gz` siblings) is read from disk
//! the first time it is asked for and answered from memory after that, with an `ETag`: the
//! bundles, stylesheet and icons are a few megabytes that change only with `make site`, and
//! `ServeDir` reached the disk through the blocking pool several times per request (the
//! stylesheet was served at half the rate of the lightest JSON endpoint). Files too large to
//! keep, paths it does not handle and missing files go on to `ServeDir`.
//!
//! The site is read once per process: after `make site`, restart the server (as the hashed
//! names it renders into pages are read once too, see [`super::site::Manifest`]).

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

/// The largest file kept in memory, and the most kept in all.
const MAX_FILE_BYTES: u64 = 1 << 20;
const MAX_TOTAL_BYTES: usize = 32 << 20;

struct Entry {
    identity: Bytes,
    br: Option<Bytes>,
    gzip: Option<Bytes>,
    content_type: HeaderValue,
    etag: HeaderValue,
}

impl Entry {
    fn size(&self) -> usize {
        self.identity.len() + self.br.as_ref().map_or(0, Bytes::len) + self.gzip.as_ref().map_or(0, Bytes::len)
    }
}

#[derive(Clone)]
pub struct SiteCache {
    root: Arc<PathBuf>,
    entries: Arc<RwLock<HashMap<String, Arc<Entry>>>>,
    kept: Arc<AtomicUsize>,
}

impl SiteCache {
    pub fn new(root: &Path) -> Self {
        Self { root: Arc::new(root.to_path_buf()), entries: Arc::default(), kept: Arc::default() }
    }

    async fn entry(&self, path: &str) -> Option<Arc<Entry>> {
        if let Some(entry) = self.entries.read().unwrap_or_else(|e| e.into_inner()).get(path) {
            return Some(entry.clone());
        }
        let relative = safe_relative(path)?;
        let file = self.root.join(relative);
        let entry = Arc::new(load(&file).await?);
        let size = entry.size();
        if self.kept.fetch_add(size, Ordering::Relaxed) + size > MAX_TOTAL_BYTES {
            self.kept.fetch_sub(size, Ordering::Relaxed);
            return None;
        }
        self.entries.write().unwrap_or_else(|e| e.into_inner()).insert(path.to_string(), entry.clone());
        Some(entry)
    }
}

/// A request path as a path under the site root: plain segments only (no `..`, no escapes,
/// nothing hidden), or `None` to leave the request to `ServeDir`.
fn safe_relative(path: &str) -> Option<&str> {
    let relative = path.strip_prefix('/')?;
    let plain = !relative.is_empty()
        && relative.split('/').all(|segment| {
            !segment.is_empty()
                && !segment.starts_with('.')
                && segment.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        });
    plain.then_some(relative)
}

async fn load(file: &Path) -> Option<Entry> {
    let read = |path: PathBuf| async move {
        let meta = tokio::fs::metadata(&path).await.ok()?;
        if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
            return None;
        }
        tokio::fs::read(&path).await.ok().map(Bytes::from)
    };
    let identity = read(file.to_path_buf()).await?;
    let sibling = |ext: &str| {
        let mut name = file.as_os_str().to_os_string();
        name.push(ext);
        PathBuf::from(name)
    };
    let (br, gzip) = (read(sibling(".br")).await, read(sibling(".gz")).await);
    let digest = Sha256::digest(&identity);
    let etag = format!("\"{}\"", digest.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>());
    Some(Entry {
        content_type: HeaderValue::from_static(content_type(file)),
        etag: HeaderValue::from_str(&etag).ok()?,
        identity,
        br,
        gzip,
    })
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "css" => "text/css",
        "js" => "text/javascript",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "jpg" | "jpeg" => "image/jpeg",
        "html" => "text/html",
        "json" => "application/json",
        "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}

/// Which encodings the request accepts, from `Accept-Encoding` (a `q` of 0 refuses one).
fn accepts(headers: &HeaderMap, encoding: &str) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused =
                parts.any(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()) == Some(0.0));
            name.eq_ignore_ascii_case(encoding) && !refused
        },
    )
}

/// Answers `GET` and `HEAD` for site files from memory; everything else goes on.
pub async fn from_memory(State(cache): State<SiteCache>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let Some(entry) = cache.entry(req.uri().path()).await else {
        return next.run(req).await;
    };
    let headers = req.headers();
    let (body, encoding) = match (&entry.br, &entry.gzip) {
        (Some(br), _) if accepts(headers, "br") => (br.clone(), Some("br")),
        (_, Some(gzip)) if accepts(headers, "gzip") => (gzip.clone(), Some("gzip")),
        _ => (entry.identity.clone(), None),
    };
    let fresh = headers.get(header::IF_NONE_MATCH).is_some_and(|tags| {
        tags.to_str().is_ok_and(|t| t.split(',').any(|t| t.trim().trim_start_matches("W/") == entry.etag))
    });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else if req.method() == Method::HEAD {
        let mut r = Response::new(Body::empty());
        r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        r
    } else {
        Response::new(Body::from(body))
    };
    let out = response.headers_mut();
    out.insert(header::ETAG, entry.etag.clone());
    if !fresh {
        out.insert(header::CONTENT_TYPE, entry.content_type.clone());
        if let Some(encoding) = encoding {
            out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_are_taken_from_memory() {
        assert_eq!(safe_relative("/pkg/plumb.0123.css"), Some("pkg/plumb.0123.css"));
        for other in ["/", "/pkg/../secret", "/.env", "/pkg//x", "/pkg/a%2e%2e", "relative", "/pkg/a\\b"] {
            assert_eq!(safe_relative(other), None, "{other}");
        }
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            h
        };
        assert!(accepts(&with("gzip, deflate, br"), "br"));
        assert!(accepts(&with("br;q=1.0, gzip;q=0.8"), "gzip"));
        assert!(!accepts(&with("br;q=0, gzip"), "br"));
        assert!(!accepts(&with("identity"), "gzip"));
        assert!(!accepts(&HeaderMap::new(), "br"));
    }
}
