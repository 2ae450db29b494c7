//! API keys: `sk_test_` (sandbox) or `sk_live_` (production) plus 32 random bytes; a key
//! belongs to one environment and reads and writes only that environment's data. Only a SHA-256 of the key is stored (the key is
//! high-entropy, so a fast hash is enough and a lookup stays one indexed query) with a short
//! visible prefix; the key itself is shown once, when created. Keys are listed with when they
//! were last used, and can be revoked.

use crate::error::{Error, Result};
use crate::ids;
use crate::store::{ApiKeyRecord, Store};

pub const TEST_PREFIX: &str = "sk_test_";
pub const LIVE_PREFIX: &str = "sk_live_";

/// A newly created key: `secret` is shown to the operator once and then forgotten.
pub struct CreatedKey {
    pub record: ApiKeyRecord,
    pub secret: String,
}

/// How often `last_used_at` is written: often enough to tell a live key from a dead one, rarely
/// enough that the token path almost never writes.
const TOUCH_EVERY_MS: i64 = 60_000;

/// A key for the environment `environment` (an id or slug).
pub async fn create(store: &Store, environment: &str, name: &str, now: i64) -> Result<CreatedKey> {
    let env = match store.environment(environment).await? {
        Some(env) => env,
        None => store.environment_by_slug(environment).await?.ok_or_else(|| {
            Error::field(
                "environment",
                "unknown",
                format!("No environment {environment:?} (try sandbox or production)."),
            )
        })?,
    };
    let prefix = if env.live != 0 { LIVE_PREFIX } else { TEST_PREFIX };
    let name = name.trim();
    if name.chars().count() > 100 {
        return Err(Error::field("name", "too_long", "Use at most 100 characters."));
    }
    let secret = format!("{prefix}{}", ids::random_token(32));
    let record = ApiKeyRecord {
        id: ids::new_id("key"),
        environment_id: env.id,
        key_hash: ids::sha256_hex(&secret),
        prefix: secret.chars().take(prefix.len() + 4).collect(),
        name: name.to_string(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    store.insert_api_key(&record).await?;
    Ok(CreatedKey { record, secret })
}

/// The key behind an `Authorization` header value, or why it is refused.
pub async fn authenticate(store: &Store, authorization: Option<&str>) -> Result<ApiKeyRecord> {
    let hash = key_hash(authorization)?;
    let record = store.api_key_by_hash(&hash).await?.ok_or(Error::Unauthorized(INVALID))?;
    accept(store, &record.id, record.revoked_at, record.last_used_at).await?;
    Ok(record)
}

const INVALID: &str = "The API key is not valid.";

/// The lookup hash of the key in an `Authorization` header, after the checks that need no
/// database. The token endpoint looks the hash up in the same query as the token it asks for.
pub fn key_hash(authorization: Option<&str>) -> Result<String> {
    let header = authorization.ok_or(Error::Unauthorized(
        "Send your API key in the Authorization header: \"Authorization: Bearer sk_test_…\".",
    ))?;
    let key = bearer(header).ok_or(Error::Unauthorized("The Authorization header must be \"Bearer <API key>\"."))?;
    if !key.starts_with(TEST_PREFIX) && !key.starts_with(LIVE_PREFIX) {
        return Err(Error::Unauthorized(INVALID));
    }
    Ok(ids::sha256_hex(key))
}

/// A key found by its hash (`None`: no such key) is refused when revoked, else marked as used
/// (at most once a minute, so reads stay reads).
pub async fn accept(store: &Store, id: &str, revoked_at: Option<i64>, last_used_at: Option<i64>) -> Result<()> {
    if revoked_at.is_some() {
        return Err(Error::Unauthorized("The API key has been revoked."));
    }
    let now = crate::time::now_ms();
    if last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY_MS) {
        store.touch_api_key(id, now).await?;
    }
    Ok(())
}

/// The error for a key hash that matched no key.
pub fn unknown_key() -> Error {
    Error::Unauthorized(INVALID)
}

/// Revokes a key; with `environment`, only one of that environment's keys.
pub async fn revoke(store: &Store, environment: Option<&str>, id: &str, now: i64) -> Result<()> {
    if !store.revoke_api_key(environment, id, now).await? {
        return Err(Error::NotFound(format!("No active API key {id:?}.")));
    }
    tracing::info!(key = %id, "API key revoked");
    Ok(())
}

/// RFC 6750 §2.1: the scheme is case-insensitive.
fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn bearer_header_parsing() {
        assert_eq!(bearer("Bearer sk_test_abc"), Some("sk_test_abc"));
        assert_eq!(bearer("bearer   sk_test_abc "), Some("sk_test_abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
        assert_eq!(bearer("Bearer "), None);
    }
}
