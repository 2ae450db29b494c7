//! The provider's API for the relay benchmarks, played by a real HTTP server on loopback (axum on
//! hyper's HTTP/1, like the token endpoint), on a tokio runtime of its own with
//! [`THREADS`] worker threads, so the harness's other work (the download client, the memory
//! sampler) does not run on its threads. No artificial delay anywhere: it answers as fast as it
//! can, which makes the relay's share of the time as large as it can be.
//!
//! - `GET /me`: a fixed JSON body of about 100 bytes, after checking that the request carries a
//!   seeded account's access token (`Authorization: Bearer at-…`); anything else is a 401, which
//!   wrk counts as an error, so a relay that forgot the credential cannot be measured as fast.
//! - `GET /big?chunks=N`: the same check, then N chunks of 64 KiB (the same shared buffer each time, nothing gathered),
//!   with a Content-Length, streamed as fast as the reader takes them.

use axum::body::{Body, Bytes};
use axum::extract::Query;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::convert::Infallible;

/// Worker threads of the upstream's runtime: as many as Plumb's (one per core on this machine).
pub const THREADS: usize = 2;
/// The size of one chunk of `/big`.
pub const CHUNK_BYTES: usize = 64 * 1024;
/// What `/me` answers: a user object as an API's "who am I" call would return it.
pub const ME_BODY: &str =
    r#"{"id":"1234567","login":"bench-user","name":"Bench User","email":"bench@example.com","plan":"pro"}"#;

pub struct Upstream {
    url: String,
}

impl Upstream {
    /// Starts the server on a thread of its own; it lives as long as the benchmark process.
    pub fn start() -> Result<Self, String> {
        let (tx, rx) = std::sync::mpsc::channel::<Result<String, String>>();
        std::thread::Builder::new()
            .name("bench-upstream".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(THREADS)
                    .thread_name("bench-upstream")
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = tx.send(Err(format!("no runtime for the upstream: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = tx.send(Err(format!("the upstream cannot listen: {e}")));
                            return;
                        }
                    };
                    let url = listener.local_addr().map(|a| format!("http://{a}")).map_err(|e| e.to_string());
                    let _ = tx.send(url);
                    let app = Router::new().route("/me", get(me)).route("/big", get(big));
                    let _ = axum::serve(listener, app).await;
                });
            })
            .map_err(|e| format!("cannot start the upstream's thread: {e}"))?;
        let url = rx.recv().map_err(|_| "the upstream did not start".to_string())??;
        Ok(Self { url })
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }
}

/// A seeded account's access token (`crate::seed::access_token`), as a provider would check it.
fn authorized(headers: &HeaderMap) -> bool {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("Bearer at-user_"))
}

fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, [(header::CONTENT_TYPE, "application/json")], r#"{"error":"bad_token"}"#).into_response()
}

async fn me(headers: HeaderMap) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    ([(header::CONTENT_TYPE, "application/json")], ME_BODY).into_response()
}

async fn big(headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let chunks: usize = query.get("chunks").and_then(|c| c.parse().ok()).unwrap_or(1600);
    let chunk = Bytes::from(vec![b'x'; CHUNK_BYTES]);
    let stream = futures_util::stream::iter((0..chunks).map(move |_| Ok::<_, Infallible>(chunk.clone())));
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, (chunks * CHUNK_BYTES).to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}
