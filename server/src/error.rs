//! The domain error, and its one mapping to the wire error [`app::error::AppError`]. Database and
//! internal failures reach callers only as a reference id; the details go to the log.

use crate::crypto::CryptoError;
use crate::oauth::ProviderError;
use app::error::{codes, AppError, FieldError};

#[derive(Debug)]
pub enum Error {
    /// Input that breaks a rule, per field. Nothing was stored.
    Validation(Vec<FieldError>),
    /// Missing, malformed, unknown or revoked API key.
    Unauthorized(&'static str),
    /// Wrong email or password (deliberately not saying which).
    SignInFailed,
    /// Sign-in locked after repeated failures.
    TooManyAttempts {
        retry_after_secs: u64,
    },
    /// A state-changing dashboard request without the session's CSRF token.
    CsrfFailed,
    /// Missing, malformed, tampered or expired widget token.
    InvalidWidgetToken(&'static str),
    ProviderNotFound(String),
    ConnectionNotFound(String),
    /// Something else that does not exist (a webhook endpoint, a delivery).
    NotFound(String),
    /// An OAuth callback whose `state` is unknown, used, expired or from another browser.
    InvalidState(&'static str),
    /// The provider answered the token request with an OAuth error.
    Provider(ProviderError),
    /// The provider could not be reached or is failing; worth retrying later.
    ProviderUnavailable {
        message: String,
        retry_after_secs: Option<u64>,
    },
    /// The provider cannot be used as configured (missing shared credentials, say).
    NotConfigured(String),
    /// New connections to a disabled provider are refused.
    ProviderDisabled(String),
    /// The request conflicts with what is stored (a provider enabled twice).
    Conflict(String),
    /// Authorization-server metadata could not be read.
    Discovery(String),
    Crypto(CryptoError),
    Database(sqlx::Error),
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e)
    }
}

impl From<CryptoError> for Error {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}

impl Error {
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError { field: field.into(), code: code.into(), message: message.into() }])
    }

    /// The `Retry-After` hint for errors that are worth retrying.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::ProviderUnavailable { retry_after_secs, .. } => *retry_after_secs,
            Self::TooManyAttempts { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", AppError::from(self))
    }
}

impl std::error::Error for Error {}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::from(&e)
    }
}

impl From<&Error> for AppError {
    fn from(e: &Error) -> Self {
        match e {
            Error::Validation(errors) => AppError::validation(errors.clone()),
            Error::Unauthorized(why) => AppError::unauthorized(*why),
            Error::SignInFailed => {
                AppError::new(codes::INVALID_CREDENTIALS, "The email address or password is not right.")
            }
            Error::TooManyAttempts { retry_after_secs } => AppError::new(
                codes::TOO_MANY_ATTEMPTS,
                format!(
                    "Too many failed sign-ins for this account. Try again in {}.",
                    crate::time::describe_wait(*retry_after_secs)
                ),
            ),
            Error::CsrfFailed => AppError::new(
                codes::CSRF_FAILED,
                "This request did not carry the page's security token. Reload the page and try again.",
            ),
            Error::InvalidWidgetToken(why) => AppError::new(codes::INVALID_WIDGET_TOKEN, *why),
            Error::ProviderNotFound(slug) => {
                AppError::new(codes::PROVIDER_NOT_FOUND, format!("No provider with the slug {slug:?}."))
            }
            Error::ConnectionNotFound(slug) => {
                AppError::new(codes::CONNECTION_NOT_FOUND, format!("This user has no connection to {slug:?}."))
            }
            Error::NotFound(m) => AppError::new(codes::NOT_FOUND, m.clone()),
            Error::InvalidState(why) => AppError::new(codes::INVALID_STATE, *why),
            Error::Provider(p) => AppError::new(codes::PROVIDER_ERROR, p.to_string()),
            Error::ProviderUnavailable { message, .. } => AppError::new(codes::PROVIDER_UNAVAILABLE, message.clone()),
            Error::NotConfigured(m) => AppError::new(codes::PROVIDER_NOT_CONFIGURED, m.clone()),
            Error::ProviderDisabled(name) => AppError::new(
                codes::PROVIDER_DISABLED,
                format!("{name} is disabled: new connections are not accepted."),
            ),
            Error::Conflict(m) => AppError::new(codes::CONFLICT, m.clone()),
            Error::Discovery(m) => AppError::new(codes::DISCOVERY_FAILED, m.clone()),
            Error::Crypto(c) => {
                tracing::error!(error = %c, "a stored secret failed to decrypt");
                AppError::new(
                    codes::SECRET_UNREADABLE,
                    "A stored secret could not be decrypted: it was altered, copied from another record, or sealed \
                     with an encryption key this server does not hold. Nothing was changed. Restore the key, or \
                     connect the account again.",
                )
            }
            Error::Database(_) | Error::Internal(_) => {
                let reference = crate::ids::random_token(6);
                tracing::error!(reference, error = ?e, "internal error");
                AppError::internal(format!(
                    "Plumb hit an internal error (reference {reference}). The details are in the server log."
                ))
            }
        }
    }
}
