//! `GET /icons/{provider_id}`: the provider icons Plumb checked and stored; and
//! `GET /icons/catalog/{slug}?v=…`: the catalog's own icons, compiled into the binary.

use super::error::ApiError;
use super::extract::QueryMap;
use super::state::AppState;
use app::error::AppError;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// Icons are checked images, but an SVG is still markup: the sandbox policy keeps it inert even
/// when opened directly.
const ICON_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// A provider's icon.
pub async fn icon(State(state): State<AppState>, Path(provider_id): Path<String>) -> Response {
    match state.plumb.icon(&provider_id.as_str().into()).await {
        Ok(Some((content_type, data))) => {
            let mut response = data.into_response();
            let headers = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                headers.insert(header::CONTENT_TYPE, v);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(ICON_POLICY));
            response
        }
        Ok(None) => not_found(&provider_id),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// A catalog entry's icon. Its URL carries a hash of the bytes (`v`), so a response to the
/// current version can be cached for good; any other `v` (an older page, or a process still
/// running the previous build) gets the bytes but not the promise.
pub async fn catalog_icon(Path(slug): Path<String>, QueryMap(query): QueryMap) -> Response {
    let (Some(data), Some(version)) = (crate::catalog::icon(&slug), crate::catalog::icon_version(&slug)) else {
        return not_found(&slug);
    };
    let cache = if query.get("v").map(String::as_str) == Some(version) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = data.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(ICON_POLICY));
    response
}

fn not_found(name: &str) -> Response {
    ApiError::from(AppError::new(app::error::codes::NOT_FOUND, format!("{name:?} has no icon."))).into_response()
}
