//! The provider's token endpoint, played by a real HTTP server on loopback that counts the
//! refresh requests reaching it. It answers after 100 ms, about what a real provider across the
//! internet takes, so concurrent fetches of an expired token really overlap the refresh.

use axum::routing::post;
use axum::{Form, Json, Router};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const LATENCY: Duration = Duration::from_millis(100);

pub struct TokenEndpoint {
    url: String,
    refreshes: Arc<AtomicUsize>,
}

impl TokenEndpoint {
    pub async fn start() -> Result<Self, String> {
        let refreshes = Arc::new(AtomicUsize::new(0));
        let counter = refreshes.clone();
        let app = Router::new().route(
            "/token",
            post(move |Form(form): Form<HashMap<String, String>>| {
                let counter = counter.clone();
                async move {
                    let n = if form.get("grant_type").map(String::as_str) == Some("refresh_token") {
                        counter.fetch_add(1, Ordering::SeqCst) + 1
                    } else {
                        0
                    };
                    tokio::time::sleep(LATENCY).await;
                    Json(serde_json::json!({
                        "access_token": format!("refreshed-{n}"),
                        "refresh_token": format!("refresh-{n}"),
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "scope": "read",
                    }))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
        let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url, refreshes })
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Refresh-token grants received so far.
    pub fn refreshes(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }
}
