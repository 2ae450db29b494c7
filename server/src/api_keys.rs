//! API keys: `sk_test_` (sandbox) or `sk_live_` (production) plus 32 random bytes; a key
//! belongs to one environment and reads and writes only that environment's data. Only a SHA-256
//! of the key is stored (the key is high-entropy, so a fast hash is enough and a lookup stays one
//! indexed query) with a short visible prefix; the key itself is shown once, when created. Keys
//! are listed with when they were last used, and can be revoked.

use crate::error::{Error, Result};
use crate::ids::{self, EnvironmentId};
use crate::plumb::Plumb;
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
    let env = match store.environment(&environment.into()).await? {
        Some(env) => env,
        None => store.environment_by_slug(environment).await?.ok_or_else(|| {
            Error::field(
                "environment",
                "unknown",
                format!("No environment {environment:?} (try sandbox or production)."),
            )
        })?,
    };
    let prefix = if env.live { LIVE_PREFIX } else { TEST_PREFIX };
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

/// A key a caller presented, checked for its form but not yet looked up: only its hash is
/// kept. Transports read it from wherever the caller put it (the `Authorization` header).
#[derive(Clone)]
pub struct PresentedKey {
    hash: String,
}

impl std::fmt::Debug for PresentedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PresentedKey([redacted])")
    }
}

impl PresentedKey {
    /// A key in Plumb's form, or the refusal a caller reads. No database is needed to tell.
    pub fn new(key: &str) -> Result<Self> {
        if !key.starts_with(TEST_PREFIX) && !key.starts_with(LIVE_PREFIX) {
            return Err(unknown_key());
        }
        Ok(Self { hash: ids::sha256_hex(key) })
    }

    /// The lookup hash, as stored. The token endpoint looks it up in the same query as the token
    /// it asks for.
    pub fn hash(&self) -> &str {
        &self.hash
    }
}

impl Plumb {
    /// The stored key a caller presented, or why it is refused (unknown or revoked).
    pub async fn authenticate_api_key(&self, key: &PresentedKey) -> Result<ApiKeyRecord> {
        authenticate(&self.store, key).await
    }

    /// Every key of an environment (revoked ones too), newest first.
    pub async fn api_keys(&self, env: &EnvironmentId) -> Result<Vec<ApiKeyRecord>> {
        self.store.api_keys(env).await
    }

    /// A new key for an environment (by id or slug); its secret is in the result, once.
    pub async fn create_api_key(&self, environment: &str, name: &str) -> Result<CreatedKey> {
        create(&self.store, environment, name, crate::time::now_ms()).await
    }

    /// Revokes one of an environment's keys.
    pub async fn revoke_api_key(&self, env: &EnvironmentId, id: &str) -> Result<()> {
        revoke(&self.store, Some(env), id, crate::time::now_ms()).await
    }
}

/// The stored key behind a presented one, or why it is refused.
pub async fn authenticate(store: &Store, key: &PresentedKey) -> Result<ApiKeyRecord> {
    let record = store.api_key_by_hash(key.hash()).await?.ok_or_else(unknown_key)?;
    accept(store, &record.id, record.revoked_at, record.last_used_at).await?;
    Ok(record)
}

const INVALID: &str = "The API key is not valid.";

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
pub async fn revoke(store: &Store, environment: Option<&EnvironmentId>, id: &str, now: i64) -> Result<()> {
    if !store.revoke_api_key(environment, id, now).await? {
        return Err(Error::NotFound(format!("No active API key {id:?}.")));
    }
    tracing::info!(key = %id, "API key revoked");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keys_in_plumbs_form_are_looked_up() {
        assert_eq!(PresentedKey::new("sk_test_abc").unwrap().hash(), ids::sha256_hex("sk_test_abc"));
        assert!(PresentedKey::new("sk_live_abc").is_ok());
        for bad in ["", "abc", "pk_test_abc", "SK_TEST_abc"] {
            assert!(matches!(PresentedKey::new(bad), Err(Error::Unauthorized(INVALID))), "{bad}");
        }
        assert!(!format!("{:?}", PresentedKey::new("sk_test_secret").unwrap()).contains("secret"));
    }
}
