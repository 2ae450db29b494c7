//! Retention: what Plumb deletes on its own, on a timer in every process (each statement is a
//! plain `DELETE … WHERE`, so instances running it at once do no harm).
//!
//! - events and their finished webhook deliveries older than `PLUMB_RETENTION_DAYS` (30 by
//!   default);
//! - pending authorizations, authorization links, held connections, admin sessions and
//!   invitations once they have expired;
//! - sign-in failures not seen for a day, once any lock they set has passed;
//! - `Idempotency-Key` answers after 24 hours.
//!
//! It also adds this process's count of seals per encryption key to the database's totals, and
//! warns when a key has sealed more than [`crate::crypto::SEAL_WARNING`] values.

use crate::error::Result;
use crate::plumb::Plumb;

/// How long a sign-in failure is remembered after the last one.
const LOGIN_THROTTLE_MEMORY_MS: i64 = 24 * 3600 * 1000;

/// What one pass deleted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub events: u64,
    pub deliveries: u64,
    pub oauth_states: u64,
    pub authorization_links: u64,
    pub held_connections: u64,
    pub login_throttle: u64,
    /// Idempotency keys past their 24 hours.
    pub idempotency_keys: u64,
    /// Keys past the seal warning, with their totals.
    pub keys_to_rotate: Vec<(String, u64)>,
}

impl Plumb {
    /// One pass of retention at time `now`.
    pub async fn housekeeping(&self, now: i64) -> Result<Pruned> {
        let retention = self.config.retention.as_millis() as i64;
        let (events, deliveries) = self.store.prune_events(now - retention).await?;
        let pruned = Pruned {
            keys_to_rotate: Vec::new(),
            events,
            deliveries,
            oauth_states: self.store.purge_expired_oauth_states(now).await?,
            authorization_links: self.store.purge_expired_authorization_links(now).await?,
            held_connections: self.store.purge_held_connections(now).await?,
            login_throttle: self.store.purge_login_throttle(now - LOGIN_THROTTLE_MEMORY_MS, now).await?,
            idempotency_keys: self.store.prune_idempotency_keys(now - crate::idempotency::KEEP_MS).await?,
        };
        self.store.purge_sessions(now).await?;
        self.store.purge_invites(now).await?;
        self.store.prune_revocations(now - retention).await?;
        let mut pruned = pruned;
        for (key_id, seals) in self.cipher.take_seal_counts() {
            let total = self.store.add_key_seals(&key_id, seals).await?;
            if total >= crate::crypto::SEAL_WARNING {
                tracing::warn!(
                    key = %key_id,
                    seals = total,
                    "this encryption key has sealed over 2^30 values: rotate it (plumb keys rotate) well before 2^32"
                );
                pruned.keys_to_rotate.push((key_id, total));
            }
        }
        Ok(pruned)
    }
}
