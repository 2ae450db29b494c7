//! The `idempotency_keys` table (see [`crate::idempotency`]).

use super::database::Store;
use crate::error::Result;
use sqlx::Row;

/// A stored first answer, or a request still running (`status` is `None`).
pub struct StoredAnswer {
    pub fingerprint: String,
    pub status: Option<i64>,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
}

impl Store {
    /// Claims `id` for a request about to run: true when no live row had it. A row created
    /// before `expired_before`, or still running since before `abandoned_before` (its process
    /// died mid-request), no longer counts and is replaced.
    pub async fn claim_idempotency_key(
        &self,
        id: &str,
        fingerprint: &str,
        now: i64,
        expired_before: i64,
        abandoned_before: i64,
    ) -> Result<bool> {
        // One statement: a new key is inserted; a stale row under it is taken over in place.
        let done = sqlx::query(
            "INSERT INTO idempotency_keys (id, fingerprint, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, status = NULL, \
               content_type = NULL, body = NULL, created_at = excluded.created_at \
             WHERE idempotency_keys.created_at < $4 \
               OR (idempotency_keys.status IS NULL AND idempotency_keys.created_at < $5)",
        )
        .bind(id)
        .bind(fingerprint)
        .bind(now)
        .bind(expired_before)
        .bind(abandoned_before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn idempotency_answer(&self, id: &str) -> Result<Option<StoredAnswer>> {
        let row = sqlx::query("SELECT fingerprint, status, content_type, body FROM idempotency_keys WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(StoredAnswer {
                fingerprint: row.try_get("fingerprint")?,
                status: row.try_get("status")?,
                content_type: row.try_get("content_type")?,
                body: row.try_get("body")?,
            })
        })
        .transpose()
    }

    pub async fn store_idempotency_answer(
        &self,
        id: &str,
        status: i64,
        content_type: Option<&str>,
        sealed_body: &[u8],
    ) -> Result<()> {
        sqlx::query("UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3 WHERE id = $4")
            .bind(status)
            .bind(content_type)
            .bind(sealed_body)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets a key whose request should run again when retried (it failed on our side).
    pub async fn forget_idempotency_key(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM idempotency_keys WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Deletes the keys created before `before`; returns how many.
    pub async fn prune_idempotency_keys(&self, before: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1").bind(before).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}
