//! What the relay remembers per connection (`relay_usage`): a wait the provider asked for, which
//! every process reads before calling, and the calls made, counted in batches.

use super::connections::CONNECTION_COLUMNS;
use super::database::Store;
use crate::connections::{Connection, Owner};
use crate::error::Result;
use crate::ids::{ConnectionId, EnvironmentId, ProviderId};
use sqlx::{FromRow, Row};
use std::sync::LazyLock;

/// What [`Store::relay_lookup`] finds: the key, the provider's id and version, and the owner's
/// connection with the wait its provider asked for, when they exist.
pub struct RelayLookup {
    pub key_id: String,
    pub environment_id: EnvironmentId,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub provider_id: Option<ProviderId>,
    /// The provider row's `updated_at`: a cached copy with another is stale.
    pub provider_updated_at: Option<i64>,
    /// `user` or `organization`.
    pub provider_ownership: Option<String>,
    pub connection: Option<Connection>,
    /// The remembered wait (until, status), whether or not it has passed.
    pub hold: Option<(i64, i64)>,
}

/// The connection's columns as `c.<column>`, so they keep their names beside the others.
static CONNECTION_COLUMNS_OF_C: LazyLock<String> =
    LazyLock::new(|| CONNECTION_COLUMNS.split(", ").map(|c| format!("c.{}", c.trim())).collect::<Vec<_>>().join(", "));

/// What is counted of a connection's relayed calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Counts {
    pub calls: i64,
    /// By the class of the provider's status.
    pub status_2xx: i64,
    pub status_3xx: i64,
    pub status_4xx: i64,
    pub status_5xx: i64,
    pub held_back: i64,
    pub failed: i64,
    pub bytes_sent: i64,
    pub bytes_received: i64,
}

/// Counts to add to one connection's row, gathered in memory between flushes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageDelta {
    pub counts: Counts,
    /// The last provider status seen, and when the last call was made (ms).
    pub last_status: Option<i64>,
    pub last_call_at: i64,
}

/// A connection's relay row, as the dashboard shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct RelayUsage {
    pub retry_at: Option<i64>,
    pub retry_status: Option<i64>,
    #[sqlx(flatten)]
    pub counts: Counts,
    pub last_status: Option<i64>,
    pub last_call_at: Option<i64>,
}

impl Store {
    /// Everything a relayed call reads, in one query: the API key by its hash, the provider of
    /// that slug in the key's environment, the owner's connection to it (the compatibility one,
    /// or the one with id `connection_id`) and its remembered wait. `None`: no such key.
    pub async fn relay_lookup(
        &self,
        key_hash: &str,
        slug: &str,
        owner: &Owner,
        connection_id: Option<&str>,
    ) -> Result<Option<RelayLookup>> {
        let connection = super::connections::owner_connection(connection_id.is_some());
        let sql = format!(
            "SELECT k.id AS key_id, k.environment_id AS key_environment_id, k.revoked_at AS key_revoked_at, \
                k.last_used_at AS key_last_used_at, p.id AS p_id, p.updated_at AS p_updated_at, \
                p.ownership AS p_ownership, r.retry_at AS r_retry_at, r.retry_status AS r_retry_status, {} \
             FROM api_keys k \
             LEFT JOIN providers p ON p.environment_id = k.environment_id AND p.slug = $2 \
             LEFT JOIN connections c ON {connection} \
             LEFT JOIN relay_usage r ON r.connection_id = c.id \
             WHERE k.key_hash = $1",
            *CONNECTION_COLUMNS_OF_C
        );
        let mut query = sqlx::query(&sql).bind(key_hash).bind(slug).bind(&owner.user_id).bind(owner.org_key());
        if let Some(id) = connection_id {
            query = query.bind(id);
        }
        let Some(row) = query.fetch_optional(&self.pool).await? else { return Ok(None) };
        let connection = match row.try_get::<Option<String>, _>("id")? {
            Some(_) => Some(Connection::from_row(&row)?),
            None => None,
        };
        let hold = row.try_get::<Option<i64>, _>("r_retry_at")?.map(|at| (at, 0));
        let status: Option<i64> = row.try_get("r_retry_status")?;
        Ok(Some(RelayLookup {
            key_id: row.try_get("key_id")?,
            environment_id: row.try_get::<String, _>("key_environment_id")?.into(),
            revoked_at: row.try_get("key_revoked_at")?,
            last_used_at: row.try_get("key_last_used_at")?,
            provider_id: row.try_get::<Option<String>, _>("p_id")?.map(Into::into),
            provider_updated_at: row.try_get("p_updated_at")?,
            provider_ownership: row.try_get("p_ownership")?,
            connection,
            hold: hold.map(|(at, _)| (at, status.unwrap_or(429))),
        }))
    }

    /// Until when the provider asked not to be called for this connection, if that is later
    /// than `now`, with the status that asked.
    pub async fn relay_hold(&self, id: &ConnectionId, now: i64) -> Result<Option<(i64, i64)>> {
        let row: Option<(i64, Option<i64>)> =
            sqlx::query_as("SELECT retry_at, retry_status FROM relay_usage WHERE connection_id = $1 AND retry_at > $2")
                .bind(id.as_str())
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(at, status)| (at, status.unwrap_or(429))))
    }

    /// Remembers that the provider asked for a wait until `retry_at`; a later wait already
    /// remembered (another process saw a longer one) stays.
    pub async fn hold_relay(&self, id: &ConnectionId, retry_at: i64, status: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO relay_usage (connection_id, retry_at, retry_status) \
             SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM connections WHERE id = $1) \
             ON CONFLICT (connection_id) DO UPDATE SET \
               retry_at = CASE WHEN relay_usage.retry_at IS NULL OR relay_usage.retry_at < excluded.retry_at \
                 THEN excluded.retry_at ELSE relay_usage.retry_at END, \
               retry_status = CASE WHEN relay_usage.retry_at IS NULL OR relay_usage.retry_at < excluded.retry_at \
                 THEN excluded.retry_status ELSE relay_usage.retry_status END",
        )
        .bind(id.as_str())
        .bind(retry_at)
        .bind(status)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Adds counted calls, in one transaction; a connection deleted since is skipped.
    pub async fn add_relay_usage(&self, batch: &[(ConnectionId, UsageDelta)]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for (id, delta) in batch {
            let d = &delta.counts;
            sqlx::query(
                "INSERT INTO relay_usage (connection_id, calls, status_2xx, status_3xx, status_4xx, status_5xx, \
                   held_back, failed, bytes_sent, bytes_received, last_status, last_call_at) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 \
                 WHERE EXISTS (SELECT 1 FROM connections WHERE id = $1) \
                 ON CONFLICT (connection_id) DO UPDATE SET \
                   calls = relay_usage.calls + excluded.calls, \
                   status_2xx = relay_usage.status_2xx + excluded.status_2xx, \
                   status_3xx = relay_usage.status_3xx + excluded.status_3xx, \
                   status_4xx = relay_usage.status_4xx + excluded.status_4xx, \
                   status_5xx = relay_usage.status_5xx + excluded.status_5xx, \
                   held_back = relay_usage.held_back + excluded.held_back, \
                   failed = relay_usage.failed + excluded.failed, \
                   bytes_sent = relay_usage.bytes_sent + excluded.bytes_sent, \
                   bytes_received = relay_usage.bytes_received + excluded.bytes_received, \
                   last_status = COALESCE(excluded.last_status, relay_usage.last_status), \
                   last_call_at = CASE WHEN relay_usage.last_call_at IS NULL \
                     OR relay_usage.last_call_at < excluded.last_call_at \
                     THEN excluded.last_call_at ELSE relay_usage.last_call_at END",
            )
            .bind(id.as_str())
            .bind(d.calls)
            .bind(d.status_2xx)
            .bind(d.status_3xx)
            .bind(d.status_4xx)
            .bind(d.status_5xx)
            .bind(d.held_back)
            .bind(d.failed)
            .bind(d.bytes_sent)
            .bind(d.bytes_received)
            .bind(delta.last_status)
            .bind(delta.last_call_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The rows of these connections (those that have one).
    pub async fn relay_usages(&self, ids: &[ConnectionId]) -> Result<Vec<(String, RelayUsage)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT connection_id, retry_at, retry_status, calls, status_2xx, status_3xx, status_4xx, status_5xx, \
               held_back, failed, bytes_sent, bytes_received, last_status, last_call_at \
             FROM relay_usage WHERE connection_id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(id.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok((row.try_get::<String, _>("connection_id")?, RelayUsage::from_row(row)?)))
            .collect::<std::result::Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    pub async fn relay_usage(&self, id: &ConnectionId) -> Result<Option<RelayUsage>> {
        Ok(sqlx::query_as(
            "SELECT retry_at, retry_status, calls, status_2xx, status_3xx, status_4xx, status_5xx, held_back, \
               failed, bytes_sent, bytes_received, last_status, last_call_at \
             FROM relay_usage WHERE connection_id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?)
    }
}
