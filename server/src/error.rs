//! The domain error, and its one mapping to the wire error [`app::error::AppError`]. Database and
//! internal failures reach callers only as a reference id; the details go to the log.

use crate::crypto::CryptoError;
use crate::oauth::{ProviderError, TokenError};
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
    /// Something else that does not exist (a webhook endpoint, a delivery).
    NotFound(String),
    /// No connected account matches what the caller named.
    ConnectionNotFound(String),
    /// Several connected accounts match and the caller chose none.
    AccountSelectionRequired(String),
    /// Another connection was asked for on a provider that allows one per owner.
    MultipleConnectionsUnavailable(String),
    /// The caller is who it says, but may not do this (a member managing an organization's
    /// connection).
    Forbidden(&'static str),
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

/// Which token request failed, for the message the caller reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRequest {
    /// Exchanging an authorization code, at the end of connecting.
    Exchange,
    /// Refreshing a connection's token.
    Refresh,
}

impl Error {
    /// The one mapping from a failed token request to the domain: a refusal is the provider's
    /// error; an unwell provider or an unusable answer is worth retrying after
    /// `retry_after_secs`.
    pub fn from_token_request(
        e: TokenError,
        provider_name: &str,
        request: TokenRequest,
        retry_after_secs: Option<u64>,
    ) -> Self {
        let message = match (e, request) {
            (TokenError::Rejected(p), _) => return Self::Provider(p),
            (TokenError::Unavailable { message, .. }, TokenRequest::Exchange) => {
                format!("{provider_name} could not be reached to finish connecting ({message}). Try again.")
            }
            (TokenError::Unavailable { message, .. }, TokenRequest::Refresh) => {
                format!("{provider_name} could not refresh the token: {message}. Try again shortly.")
            }
            (TokenError::Malformed(m), TokenRequest::Exchange) => {
                format!("{provider_name} sent an unusable token response: {m}")
            }
            (TokenError::Malformed(m), TokenRequest::Refresh) => {
                format!("{provider_name} sent an unusable refresh response: {m}")
            }
        };
        Self::ProviderUnavailable { message, retry_after_secs }
    }

    /// The stable code callers branch on ([`app::error::codes`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => codes::VALIDATION_FAILED,
            Self::Unauthorized(_) => codes::UNAUTHORIZED,
            Self::SignInFailed => codes::INVALID_CREDENTIALS,
            Self::TooManyAttempts { .. } => codes::TOO_MANY_ATTEMPTS,
            Self::CsrfFailed => codes::CSRF_FAILED,
            Self::InvalidWidgetToken(_) => codes::INVALID_WIDGET_TOKEN,
            Self::ProviderNotFound(_) => codes::PROVIDER_NOT_FOUND,
            Self::NotFound(_) => codes::NOT_FOUND,
            Self::ConnectionNotFound(_) => codes::CONNECTION_NOT_FOUND,
            Self::AccountSelectionRequired(_) => codes::ACCOUNT_SELECTION_REQUIRED,
            Self::MultipleConnectionsUnavailable(_) => codes::MULTIPLE_CONNECTIONS_UNAVAILABLE,
            Self::Forbidden(_) => codes::FORBIDDEN,
            Self::InvalidState(_) => codes::INVALID_STATE,
            Self::Provider(_) => codes::PROVIDER_ERROR,
            Self::ProviderUnavailable { .. } => codes::PROVIDER_UNAVAILABLE,
            Self::NotConfigured(_) => codes::PROVIDER_NOT_CONFIGURED,
            Self::ProviderDisabled(_) => codes::PROVIDER_DISABLED,
            Self::Conflict(_) => codes::CONFLICT,
            Self::Discovery(_) => codes::DISCOVERY_FAILED,
            Self::Crypto(_) => codes::SECRET_UNREADABLE,
            Self::Database(_) | Self::Internal(_) => codes::INTERNAL,
        }
    }
}

/// What a caller reads when a stored secret cannot be opened; the details go to the log only.
const SECRET_UNREADABLE: &str = "A stored secret could not be decrypted: it was altered, copied from another record, \
     or sealed with an encryption key this server does not hold. Nothing was changed. Restore the key, or connect \
     the account again.";

/// Plain text, with no side effect: the message a caller would read, and for database and
/// internal failures the details an operator needs (they reach callers only through
/// [`AppError::from`], as a reference).
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Validation(errors) => match errors.as_slice() {
                [one] => f.write_str(&one.message),
                _ => f.write_str("Some fields need attention."),
            },
            Self::Unauthorized(why)
            | Self::InvalidWidgetToken(why)
            | Self::InvalidState(why)
            | Self::Forbidden(why) => f.write_str(why),
            Self::SignInFailed => f.write_str("The email address or password is not right."),
            Self::TooManyAttempts { retry_after_secs } => write!(
                f,
                "Too many failed sign-ins for this account. Try again in {}.",
                crate::time::describe_wait(*retry_after_secs)
            ),
            Self::CsrfFailed => {
                f.write_str("This request did not carry the page's security token. Reload the page and try again.")
            }
            Self::ProviderNotFound(slug) => write!(f, "No provider with the slug {slug:?}."),
            Self::NotFound(m)
            | Self::NotConfigured(m)
            | Self::Conflict(m)
            | Self::Discovery(m)
            | Self::ConnectionNotFound(m)
            | Self::AccountSelectionRequired(m)
            | Self::MultipleConnectionsUnavailable(m) => f.write_str(m),
            Self::Provider(p) => p.fmt(f),
            Self::ProviderUnavailable { message, .. } => f.write_str(message),
            Self::ProviderDisabled(name) => write!(f, "{name} is disabled: new connections are not accepted."),
            Self::Crypto(c) => write!(f, "a stored secret could not be decrypted ({c})"),
            Self::Database(e) => write!(f, "database error: {e}"),
            Self::Internal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// The one mapping to the wire, for every transport, and the one place an error is logged:
/// failures the caller cannot act on are logged here with a fresh reference, which is all the
/// caller sees of them.
impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        match e {
            Error::Validation(errors) => AppError::validation(errors),
            Error::Crypto(c) => {
                tracing::error!(error = %c, "a stored secret failed to decrypt");
                AppError::new(codes::SECRET_UNREADABLE, SECRET_UNREADABLE)
            }
            Error::Database(_) | Error::Internal(_) => {
                let reference = crate::ids::random_token(6);
                tracing::error!(reference, error = ?e, "internal error");
                AppError::internal(format!(
                    "Plumb hit an internal error (reference {reference}). The details are in the server log."
                ))
            }
            other => AppError::new(other.code(), other.to_string()),
        }
    }
}
