//! Handing out access tokens: read the connection, refresh it first when its token is about to
//! expire, and classify refresh failures (`invalid_grant` breaks the connection; an unwell
//! provider does not).

use crate::connections::{self, expired, missing_scopes, org_key, refresh_due, Connection};
use crate::crypto::Aad;
use crate::error::{Error, Result};
use crate::oauth::{self, TokenError};
use crate::providers::Provider;
use crate::service::Plumb;
use crate::time::{iso, now_ms};
use app::model::{AccessToken, AccessTokenResponse, ConnectionState, InactiveReason};
use oauth2::RefreshToken;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How long a backend should wait before retrying when the provider is unwell.
const RETRY_AFTER_SECS: u64 = 5;

/// One async mutex per key, created on demand and dropped when nobody holds or waits for it.
/// Refreshes of one connection take its lock, so concurrent fetches in this process cause one
/// refresh, and the rest read its result.
#[derive(Default)]
pub struct KeyedLocks {
    map: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

pub struct KeyedGuard<'a> {
    locks: &'a KeyedLocks,
    key: String,
    mutex: Arc<tokio::sync::Mutex<()>>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl KeyedLocks {
    pub async fn lock(&self, key: &str) -> KeyedGuard<'_> {
        let mutex = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key.to_string()).or_default().clone()
        };
        let guard = mutex.clone().lock_owned().await;
        KeyedGuard { locks: self, key: key.to_string(), mutex, guard: Some(guard) }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.lock().unwrap().len()
    }
}

impl Drop for KeyedGuard<'_> {
    fn drop(&mut self) {
        self.guard.take();
        let mut map = self.locks.map.lock().unwrap_or_else(|p| p.into_inner());
        // Two references left: the map's and ours. Nobody else holds or waits for this lock.
        if Arc::strong_count(&self.mutex) == 2 {
            map.remove(&self.key);
        }
    }
}

enum Fetched {
    Token(Box<Connection>),
    Inactive(InactiveReason),
}

impl Plumb {
    /// The access token for a user's connection to a provider, refreshed first when due.
    #[tracing::instrument(skip_all, fields(provider = slug))]
    pub async fn fetch_token(
        &self,
        slug: &str,
        user_id: &str,
        organization_id: Option<&str>,
    ) -> Result<AccessTokenResponse> {
        let provider = self.provider(slug).await?;
        let Some(connection) = self.store.connection(&provider.id, user_id, org_key(organization_id)).await? else {
            return Ok(AccessTokenResponse::inactive(InactiveReason::NotInstalled));
        };
        let connection = match self.ensure_fresh(&provider, connection).await? {
            Fetched::Token(c) => *c,
            Fetched::Inactive(reason) => return Ok(AccessTokenResponse::inactive(reason)),
        };
        let sealed = connection
            .access_token
            .as_deref()
            .ok_or_else(|| Error::Internal(format!("connection {} has no access token", connection.id)))?;
        let access_token =
            self.cipher.open_string(sealed, &Aad::new("connections", &connection.id, connections::ACCESS_TOKEN))?;
        Ok(AccessTokenResponse::active(AccessToken {
            object: "access_token".into(),
            access_token,
            expires_at: connection.expires_at.map(iso),
            missing_scopes: missing_scopes(&provider.scopes.0, &connection.scopes.0),
            scopes: connection.scopes.0,
        }))
    }

    async fn ensure_fresh(&self, provider: &Provider, connection: Connection) -> Result<Fetched> {
        if connection.state() == ConnectionState::NeedsReauthorization {
            return Ok(Fetched::Inactive(InactiveReason::NeedsReauthorization));
        }
        let skew = self.config.refresh_skew.as_millis() as i64;
        if !refresh_due(connection.expires_at, now_ms(), skew) {
            return Ok(Fetched::Token(Box::new(connection)));
        }

        let _guard = self.refresh_locks.lock(&connection.id).await;
        // Whoever held the lock before us may have refreshed already: decide on fresh data.
        let Some(connection) = self.store.connection_by_id(&connection.id).await? else {
            return Ok(Fetched::Inactive(InactiveReason::NotInstalled));
        };
        if connection.state() == ConnectionState::NeedsReauthorization {
            return Ok(Fetched::Inactive(InactiveReason::NeedsReauthorization));
        }
        let now = now_ms();
        if !refresh_due(connection.expires_at, now, skew) {
            return Ok(Fetched::Token(Box::new(connection)));
        }
        let Some(sealed_refresh) = connection.refresh_token.clone() else {
            if expired(connection.expires_at, now) {
                self.store
                    .mark_needs_reauthorization(
                        &connection.id,
                        "the access token expired and the provider gave no refresh token",
                        now,
                    )
                    .await?;
                tracing::info!(connection = %connection.id, "token expired without a refresh token");
                return Ok(Fetched::Inactive(InactiveReason::NeedsReauthorization));
            }
            return Ok(Fetched::Token(Box::new(connection)));
        };
        let refresh_token = RefreshToken::new(
            self.cipher
                .open_string(&sealed_refresh, &Aad::new("connections", &connection.id, connections::REFRESH_TOKEN))?,
        );
        let credentials = self.credentials(provider).await?;
        let request = oauth::refresh_request(&credentials.client(provider), provider.refresh_url(), &refresh_token);
        match oauth::send(&self.http, &request, &provider.token_response_paths.0).await {
            Ok(set) => {
                let access = self.cipher.seal(
                    set.access_token.secret().as_bytes(),
                    &Aad::new("connections", &connection.id, connections::ACCESS_TOKEN),
                );
                // A response without a refresh token means "keep using the one you have".
                let refresh = match &set.refresh_token {
                    Some(rt) => self.cipher.seal(
                        rt.secret().as_bytes(),
                        &Aad::new("connections", &connection.id, connections::REFRESH_TOKEN),
                    ),
                    None => sealed_refresh,
                };
                let expires_at = set.expires_in.map(|s| now + (s as i64) * 1000);
                let scopes = set.scopes.map(crate::providers::ScopeList).unwrap_or(connection.scopes.clone());
                self.store
                    .update_tokens(&connection.id, &access, Some(&refresh), expires_at, &scopes.to_db(), now)
                    .await?;
                tracing::info!(connection = %connection.id, "token refreshed");
                Ok(Fetched::Token(Box::new(Connection {
                    access_token: Some(access),
                    refresh_token: Some(refresh),
                    expires_at,
                    scopes,
                    last_refreshed_at: Some(now),
                    last_error: None,
                    updated_at: now,
                    ..connection
                })))
            }
            Err(e) if e.is_invalid_grant() => {
                self.store.mark_needs_reauthorization(&connection.id, &e.to_string(), now).await?;
                tracing::info!(connection = %connection.id, error = %e, "refresh rejected: connection needs reauthorization");
                Ok(Fetched::Inactive(InactiveReason::NeedsReauthorization))
            }
            Err(e) => {
                tracing::warn!(connection = %connection.id, error = %e, "refresh failed; connection kept");
                // The current token still works for a while: better than an error.
                if !expired(connection.expires_at, now) {
                    return Ok(Fetched::Token(Box::new(connection)));
                }
                Err(match e {
                    TokenError::Rejected(p) => Error::Provider(p),
                    TokenError::Unavailable { message, retry_after_secs } => Error::ProviderUnavailable {
                        message: format!(
                            "{} could not refresh the token: {message}. Try again shortly.",
                            provider.name
                        ),
                        retry_after_secs: Some(retry_after_secs.unwrap_or(RETRY_AFTER_SECS)),
                    },
                    TokenError::Malformed(m) => Error::ProviderUnavailable {
                        message: format!("{} sent an unusable refresh response: {m}", provider.name),
                        retry_after_secs: Some(RETRY_AFTER_SECS),
                    },
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn keyed_locks_serialise_one_key_and_clean_up() {
        let locks = Arc::new(KeyedLocks::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let max_inside = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (locks, inside, max_inside) = (locks.clone(), inside.clone(), max_inside.clone());
            tasks.push(tokio::spawn(async move {
                let _g = locks.lock("conn").await;
                let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
                max_inside.fetch_max(n, Ordering::SeqCst);
                tokio::task::yield_now().await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(max_inside.load(Ordering::SeqCst), 1);
        assert_eq!(locks.len(), 0, "no lock outlives its last user");
    }

    #[tokio::test]
    async fn different_keys_do_not_block_each_other() {
        let locks = KeyedLocks::default();
        let _a = locks.lock("a").await;
        let b = tokio::time::timeout(std::time::Duration::from_secs(5), locks.lock("b")).await;
        assert!(b.is_ok());
    }
}
