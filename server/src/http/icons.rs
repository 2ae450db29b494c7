//! `GET /icons/{provider_id}`: the provider icons Plumb checked and stored.

use super::error::ApiError;
use super::state::AppState;
use app::error::AppError;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// A provider's icon. Icons are checked images, but an SVG is still markup: the sandbox policy
/// keeps it inert even when opened directly.
pub async fn icon(State(state): State<AppState>, Path(provider_id): Path<String>) -> Response {
    match state.plumb.icon(&provider_id.as_str().into()).await {
        Ok(Some((content_type, data))) => {
            let mut response = data.into_response();
            let headers = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
            );
            response
        }
        Ok(None) => {
            ApiError::from(AppError::new(app::error::codes::NOT_FOUND, format!("{provider_id:?} has no icon.")))
                .into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}
