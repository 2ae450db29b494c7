//! API keys, stored as SHA-256 hashes with a visible prefix (see [`crate::api_keys`]).

use super::database::Store;
use crate::error::Result;
use crate::ids::EnvironmentId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRecord {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub environment_id: EnvironmentId,
    pub key_hash: String,
    pub prefix: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Store {
    pub async fn insert_api_key(&self, k: &ApiKeyRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, key_hash, prefix, name, created_at, last_used_at, revoked_at, environment_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&k.id)
        .bind(&k.key_hash)
        .bind(&k.prefix)
        .bind(&k.name)
        .bind(k.created_at)
        .bind(k.last_used_at)
        .bind(k.revoked_at)
        .bind(k.environment_id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every key, newest first (revoked ones too: the dashboard shows when they went).
    pub async fn api_keys(&self, environment_id: &EnvironmentId) -> Result<Vec<ApiKeyRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, environment_id, key_hash, prefix, name, created_at, last_used_at, revoked_at FROM api_keys \
             WHERE environment_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(environment_id.as_str())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes a key (only in `environment_id` when given); false when there is no such key or
    /// it was revoked already.
    pub async fn revoke_api_key(&self, environment_id: Option<&EnvironmentId>, id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL \
             AND ($3 IS NULL OR environment_id = $3)",
        )
        .bind(now)
        .bind(id)
        .bind(environment_id.map(EnvironmentId::as_str))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn touch_api_key(&self, id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn api_key_by_id(&self, id: &str) -> Result<Option<ApiKeyRecord>> {
        self.api_key_where("id", id).await
    }

    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>> {
        self.api_key_where("key_hash", key_hash).await
    }

    /// The key whose `column` (a name from this file, never input) is `value`.
    async fn api_key_where(&self, column: &str, value: &str) -> Result<Option<ApiKeyRecord>> {
        let sql = format!(
            "SELECT id, environment_id, key_hash, prefix, name, created_at, last_used_at, revoked_at FROM api_keys \
             WHERE {column} = $1"
        );
        Ok(sqlx::query_as(&sql).bind(value).fetch_optional(&self.pool).await?)
    }
}
