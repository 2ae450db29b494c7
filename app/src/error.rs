//! The one error type that crosses the wire: server functions return it, the REST API renders it,
//! and the UI shows its message. Codes are stable snake_case strings; `status` maps them to HTTP
//! once, for every transport.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Machine-readable error codes. Kept as constants so the server and the UI agree on spelling.
pub mod codes {
    pub const VALIDATION_FAILED: &str = "validation_failed";
    pub const INVALID_REQUEST: &str = "invalid_request";
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const INVALID_WIDGET_TOKEN: &str = "invalid_widget_token";
    pub const PROVIDER_NOT_FOUND: &str = "provider_not_found";
    pub const CONNECTION_NOT_FOUND: &str = "connected_account_not_found";
    pub const NOT_FOUND: &str = "not_found";
    pub const INVALID_STATE: &str = "invalid_state";
    pub const PROVIDER_ERROR: &str = "provider_error";
    pub const PROVIDER_UNAVAILABLE: &str = "provider_unavailable";
    pub const PROVIDER_NOT_CONFIGURED: &str = "provider_not_configured";
    pub const PROVIDER_DISABLED: &str = "provider_disabled";
    pub const CONFLICT: &str = "conflict";
    pub const DISCOVERY_FAILED: &str = "discovery_failed";
    pub const SECRET_UNREADABLE: &str = "stored_secret_unreadable";
    pub const INVALID_CREDENTIALS: &str = "invalid_credentials";
    pub const TOO_MANY_ATTEMPTS: &str = "too_many_attempts";
    pub const CSRF_FAILED: &str = "csrf_failed";
    pub const INTERNAL: &str = "internal_error";
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    pub const REQUEST_TIMEOUT: &str = "request_timeout";
    pub const ACCOUNT_SELECTION_REQUIRED: &str = "account_selection_required";
    pub const MULTIPLE_CONNECTIONS_UNAVAILABLE: &str = "multiple_connections_unavailable";
    pub const FORBIDDEN: &str = "forbidden";
    /// An `Idempotency-Key` sent again with a different request.
    pub const IDEMPOTENCY_KEY_REUSED: &str = "idempotency_key_reused";
    /// An `Idempotency-Key` whose first request is still being answered.
    pub const IDEMPOTENCY_KEY_IN_USE: &str = "idempotency_key_in_use";
}

/// A problem with one input field, shown next to that field in forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// `{"code": …, "message": …, "errors": [...]}`: the shape the WorkOS SDK reads (see
/// `docs/workos-api.md` §2). `errors` is present only for validation failures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AppError {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl AppError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into(), errors: Vec::new() }
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let message = match errors.as_slice() {
            [one] => one.message.clone(),
            _ => "Some fields need attention.".to_string(),
        };
        Self { code: codes::VALIDATION_FAILED.into(), message, errors }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(codes::UNAUTHORIZED, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL, message)
    }

    /// The message for one form field, if that field was rejected.
    pub fn field_message(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.clone())
    }

    /// The HTTP status for this error. The only place codes become statuses.
    pub fn status(&self) -> u16 {
        match self.code.as_str() {
            codes::VALIDATION_FAILED => 422,
            codes::INVALID_REQUEST | codes::INVALID_STATE => 400,
            codes::UNAUTHORIZED | codes::INVALID_WIDGET_TOKEN | codes::INVALID_CREDENTIALS => 401,
            codes::CSRF_FAILED | codes::FORBIDDEN => 403,
            codes::PAYLOAD_TOO_LARGE => 413,
            codes::METHOD_NOT_ALLOWED => 405,
            codes::REQUEST_TIMEOUT => 408,
            codes::TOO_MANY_ATTEMPTS => 429,
            codes::PROVIDER_NOT_FOUND
            | codes::CONNECTION_NOT_FOUND
            | codes::NOT_FOUND
            | codes::MULTIPLE_CONNECTIONS_UNAVAILABLE => 404,
            codes::PROVIDER_NOT_CONFIGURED
            | codes::PROVIDER_DISABLED
            | codes::CONFLICT
            | codes::ACCOUNT_SELECTION_REQUIRED
            | codes::IDEMPOTENCY_KEY_IN_USE => 409,
            codes::DISCOVERY_FAILED | codes::IDEMPOTENCY_KEY_REUSED => 422,
            codes::PROVIDER_ERROR => 502,
            codes::PROVIDER_UNAVAILABLE => 503,
            _ => 500,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // The caller sent arguments we could not read: their mistake, said plainly.
            E::Args(m) | E::MissingArg(m) => {
                Self::new(codes::INVALID_REQUEST, format!("The request could not be read: {m}"))
            }
            // On the server, "deserialization" is of the caller's arguments (JSON input).
            #[cfg(feature = "ssr")]
            E::Deserialization(m) => Self::new(codes::INVALID_REQUEST, format!("The request could not be read: {m}")),
            E::Request(m) => Self::new("network_error", format!("Plumb could not be reached: {m}")),
            other => Self::internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_serialize_with_field_list_and_map_to_422() {
        let e = AppError::validation(vec![FieldError {
            field: "slug".into(),
            code: "invalid".into(),
            message: "Use lowercase letters".into(),
        }]);
        assert_eq!(e.status(), 422);
        assert_eq!(e.field_message("slug").as_deref(), Some("Use lowercase letters"));
        let json = serde_json_like(&e);
        assert!(json.contains("\"errors\""));
    }

    #[test]
    fn plain_errors_omit_the_errors_list() {
        let e = AppError::unauthorized("no key");
        assert_eq!(e.status(), 401);
        assert!(!serde_json_like(&e).contains("errors"));
    }

    fn serde_json_like(e: &AppError) -> String {
        use leptos::server_fn::error::FromServerFnError;
        String::from_utf8(e.ser().to_vec()).unwrap()
    }
}
