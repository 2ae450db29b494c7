//! What the backend API reads from a request before a handler runs, each failure already in our
//! error format: the API key (checked, so a handler cannot forget to), a JSON body, and a list's
//! paging parameters.

use super::error::ApiError;
use super::state::AppState;
use crate::api_keys::PresentedKey;
use crate::error::Error;
use crate::ids::EnvironmentId;
use crate::paging::Page;
use crate::store::ApiKeyRecord;
use app::error::{codes, AppError};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Json, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

/// The API key the request carries, authenticated: the request reaches its environment and no
/// other.
pub struct ApiKey(pub ApiKeyRecord);

impl ApiKey {
    pub fn environment(&self) -> &EnvironmentId {
        &self.0.environment_id
    }
}

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let presented = presented_key(&parts.headers)?;
        Ok(Self(state.plumb.authenticate_api_key(&presented).await?))
    }
}

/// The API key the request carries, in Plumb's form but not yet looked up: for the token
/// endpoint, which checks it in the same query that reads the token.
pub struct Presented(pub PresentedKey);

impl<S: Send + Sync> FromRequestParts<S> for Presented {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(presented_key(&parts.headers)?))
    }
}

/// The client's address, when the connection's peer is known (requests served by
/// [`super::serve`] carry it; in-process test requests may not): the peer, or what a trusted
/// proxy forwarded. An IPv6 client counts as its /64, the block one subscriber is given, so a
/// limit per address is not dodged by walking a prefix.
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(Self(None));
        };
        let forwarded: Vec<&str> =
            parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        let client = state.plumb.config().trusted_proxies.client(peer.ip(), &forwarded);
        Ok(Self(Some(match client {
            IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
            v4 => v4,
        })))
    }
}

/// The key in an `Authorization: Bearer …` header.
pub fn presented_key(headers: &HeaderMap) -> Result<PresentedKey, Error> {
    let header = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or(Error::Unauthorized(
        "Send your API key in the Authorization header: \"Authorization: Bearer sk_test_…\".",
    ))?;
    let key = bearer(header).ok_or(Error::Unauthorized("The Authorization header must be \"Bearer <API key>\"."))?;
    PresentedKey::new(key)
}

/// RFC 6750 §2.1: the scheme is case-insensitive.
fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The largest JSON body the API reads. The largest real input, a custom provider with every
/// list full, is about 40 KiB; anything bigger is refused with 413 before it is parsed.
pub const MAX_JSON_BYTES: usize = 128 * 1024;

/// A JSON body whose rejection is our error format, so a malformed body gets `{code, message}`
/// and an oversized one 413 `payload_too_large`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let too_large = || {
            ApiError::from(AppError::new(
                codes::PAYLOAD_TOO_LARGE,
                format!("The request body is larger than {} KiB.", MAX_JSON_BYTES / 1024),
            ))
        };
        let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_JSON_BYTES as u64) {
            return Err(too_large());
        }
        let (parts, body) = req.into_parts();
        // Counted as it arrives too: a chunked body declares no length.
        let bytes = axum::body::to_bytes(body, MAX_JSON_BYTES).await.map_err(|_| too_large())?;
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::new(
                codes::INVALID_REQUEST,
                format!("The request body must be a JSON object: {}", rejection.body_text()),
            )
            .into()),
        }
    }
}

/// A list endpoint's own query parameters, beyond the page.
pub trait ListFilters: Sized {
    /// The names of its parameters.
    const NAMES: &'static [&'static str];
    /// Whether the list pages backwards with `before` as well as forwards with `after`.
    const BEFORE: bool;
    fn parse(query: &HashMap<String, String>) -> Result<Self, Error>;
}

/// `?limit&order&after[&before]` and the list's own filters. Any other parameter is refused by
/// name: a misspelt filter would otherwise silently list everything.
pub struct ListQuery<F> {
    pub page: Page,
    pub filters: F,
}

impl<S: Send + Sync, F: ListFilters> FromRequestParts<S> for ListQuery<F> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let QueryMap(query) = QueryMap::from_request_parts(parts, state).await?;
        Ok(Self { page: page::<F>(&query)?, filters: F::parse(&query)? })
    }
}

/// The query string as name → value, decoded leniently (a malformed escape becomes U+FFFD
/// instead of a plain-text rejection): each handler checks the parameters it reads, and
/// answers in our error format.
pub struct QueryMap(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()).into_owned().collect()))
    }
}

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::field(field, "invalid", message)
}

fn page<F: ListFilters>(query: &HashMap<String, String>) -> Result<Page, Error> {
    for key in query.keys() {
        let paging = matches!(key.as_str(), "limit" | "order" | "after") || (F::BEFORE && key == "before");
        if !paging && !F::NAMES.contains(&key.as_str()) {
            return Err(Error::field(key, "unknown_field", format!("{key} is not a parameter of this list.")));
        }
    }
    let limit = match query.get("limit") {
        None => 10,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| invalid("limit", "limit must be a whole number from 1 to 100."))?,
    };
    let descending = match query.get("order").map(String::as_str) {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => return Err(invalid("order", "order must be asc or desc.")),
    };
    let cursor = |key: &str| query.get(key).filter(|s| !s.is_empty()).cloned();
    let (after, before) = (cursor("after"), cursor("before"));
    // Cursors are ids Plumb made, all far shorter.
    for (key, value) in [("after", &after), ("before", &before)] {
        if value.as_ref().is_some_and(|v| v.len() > 128) {
            return Err(invalid(key, format!("{key} must be an id from a previous page.")));
        }
    }
    if after.is_some() && before.is_some() {
        return Err(invalid("before", "Send either before or after, not both."));
    }
    Ok(Page { limit, descending, after, before })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_parsing() {
        assert_eq!(bearer("Bearer sk_test_abc"), Some("sk_test_abc"));
        assert_eq!(bearer("bearer   sk_test_abc "), Some("sk_test_abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
        assert_eq!(bearer("Bearer "), None);
    }

    struct Only;

    impl ListFilters for Only {
        const NAMES: &'static [&'static str] = &["kind"];
        const BEFORE: bool = false;
        fn parse(_: &HashMap<String, String>) -> Result<Self, Error> {
            Ok(Self)
        }
    }

    fn fields(query: &str) -> Result<Page, String> {
        let map: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        page::<Only>(&map).map_err(|e| match e {
            Error::Validation(errors) => errors[0].field.clone(),
            other => other.to_string(),
        })
    }

    #[test]
    fn list_parameters_are_read_once_and_unknown_ones_named() {
        assert_eq!(fields("").unwrap(), Page { limit: 10, descending: true, after: None, before: None });
        let p = fields("limit=100&order=asc&after=x&kind=a").unwrap();
        assert_eq!((p.limit, p.descending, p.after.as_deref()), (100, false, Some("x")));
        assert_eq!(fields("limit=0").unwrap_err(), "limit");
        assert_eq!(fields("limit=101").unwrap_err(), "limit");
        assert_eq!(fields("order=sideways").unwrap_err(), "order");
        assert_eq!(fields("sort=name").unwrap_err(), "sort");
        assert_eq!(fields("before=x").unwrap_err(), "before", "this list only pages forwards");
    }
}
