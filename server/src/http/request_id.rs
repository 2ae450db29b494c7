//! A request id on every request: the caller's `X-Request-ID` when it sends a usable one (a
//! proxy in front, or a client tracing its own calls), else a new one. It is answered in the
//! `X-Request-ID` header (the WorkOS SDK copies it into its errors, so a support request can
//! quote it) and every log line written while the request runs carries it, in text and JSON.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

/// The longest id taken from a caller; longer ones are replaced, not cut.
const MAX_LEN: usize = 128;

pub async fn tag(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| usable(v))
        .map(str::to_owned)
        .unwrap_or_else(new_id);
    // The route's pattern, never the path itself: paths carry one-time links and invitations.
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        route = route.as_deref().unwrap_or("-"),
    );
    let started = std::time::Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::debug!(status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, "answered")
    });
    // A relayed answer may carry the provider's own id: that one is the caller's to quote to
    // the provider, so it is kept.
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().entry(HEADER).or_insert(value);
    }
    response
}

/// Printable, header-safe and short: what a log line and a response header can carry as is.
fn usable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// `req_` with a random part fixed per process and a counter: unique across instances and
/// restarts, and no system call per request.
fn new_id() -> String {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| crate::ids::random_token(9));
    format!("req_{prefix}{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_callers_are_kept_only_when_safe() {
        assert!(usable("3f2c9a1e-7b1d-4c55-9e0a-0d6f0c1b2a33"));
        assert!(!usable(""));
        assert!(!usable("has space"));
        assert!(!usable("line\nbreak"));
        assert!(!usable(&"a".repeat(MAX_LEN + 1)));
    }

    #[test]
    fn new_ids_differ() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert!(usable(&a) && a.starts_with("req_"));
    }
}
