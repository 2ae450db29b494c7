//! How domain errors become HTTP responses on the REST paths: the status from
//! [`AppError::status`], a JSON body `{code, message[, errors]}`, and the headers that go with
//! some statuses.

use crate::error::Error;
use app::error::AppError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub struct ApiError {
    error: AppError,
    retry_after: Option<u64>,
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self { retry_after: e.retry_after(), error: AppError::from(e) }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self { error, retry_after: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self.error)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
