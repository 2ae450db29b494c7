//! What the relay remembers per connection (`relay_usage`): a wait the provider asked for, which
//! every process reads before calling, and the calls made, counted in batches.

use super::database::Store;
use crate::error::Result;
use crate::ids::ConnectionId;

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
            .map(|row| {
                use sqlx::{FromRow, Row};
                Ok((row.try_get::<String, _>("connection_id")?, RelayUsage::from_row(row)?))
            })
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
