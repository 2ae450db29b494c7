//! Every column that holds a sealed value, and the two queries key rotation runs over them:
//! read them in batches, and replace one only if nobody changed it meanwhile.

use super::database::Store;
use crate::error::Result;

/// One column that holds sealed values; its AAD is `(table, id, column)`, plus the values of
/// `owner_columns` for a value bound to its owner (see [`crate::crypto::Aad::owned_by`]).
pub struct SealedColumn {
    pub table: &'static str,
    pub id_column: &'static str,
    pub column: &'static str,
    pub owner_columns: &'static [&'static str],
}

const TOKEN_OWNER: &[&str] = &["provider_id", "user_id", "organization_id"];

/// Every place Plumb keeps a sealed value.
pub const SEALED: &[SealedColumn] = &[
    SealedColumn { table: "connections", id_column: "id", column: "access_token", owner_columns: TOKEN_OWNER },
    SealedColumn { table: "connections", id_column: "id", column: "refresh_token", owner_columns: TOKEN_OWNER },
    SealedColumn {
        table: "held_connections",
        id_column: "code_hash",
        column: "access_token",
        owner_columns: TOKEN_OWNER,
    },
    SealedColumn {
        table: "held_connections",
        id_column: "code_hash",
        column: "refresh_token",
        owner_columns: TOKEN_OWNER,
    },
    SealedColumn { table: "providers", id_column: "id", column: "client_secret", owner_columns: &[] },
    SealedColumn {
        table: "shared_credentials",
        id_column: "catalog_slug",
        column: "client_secret",
        owner_columns: &[],
    },
    SealedColumn { table: "webhook_endpoints", id_column: "id", column: "secret", owner_columns: &[] },
    SealedColumn { table: "oauth_states", id_column: "state_hash", column: "pkce_verifier", owner_columns: &[] },
    SealedColumn { table: "idempotency_keys", id_column: "id", column: "body", owner_columns: &[] },
];

/// A sealed value as key rotation reads it: its row id, the value, and its owner's parts.
pub struct SealedValue {
    pub id: String,
    pub sealed: Vec<u8>,
    pub owner: Vec<String>,
}

impl SealedValue {
    /// The AAD this value is bound to.
    pub fn aad(&self, place: &SealedColumn) -> crate::crypto::Aad {
        let aad = crate::crypto::Aad::new(place.table, &self.id, place.column);
        if place.owner_columns.is_empty() {
            return aad;
        }
        aad.owned_by(&self.owner.iter().map(String::as_str).collect::<Vec<_>>())
    }
}

impl Store {
    /// Up to `limit` non-null sealed values of one column, in id order after `after`. `place`
    /// comes from [`SEALED`], never from input.
    pub async fn sealed_values(&self, place: &SealedColumn, after: &str, limit: i64) -> Result<Vec<SealedValue>> {
        use sqlx::Row;
        let owner: String = place.owner_columns.iter().map(|c| format!(", {c}")).collect();
        let sql = format!(
            "SELECT {id}, {col}{owner} FROM {table} WHERE {col} IS NOT NULL AND {id} > $1 ORDER BY {id} LIMIT $2",
            id = place.id_column,
            col = place.column,
            table = place.table
        );
        let rows = sqlx::query(&sql).bind(after).bind(limit).fetch_all(&self.pool).await?;
        let mut values = Vec::with_capacity(rows.len());
        for row in rows {
            let owner =
                (0..place.owner_columns.len()).map(|i| row.try_get::<String, _>(i + 2)).collect::<sqlx::Result<_>>()?;
            values.push(SealedValue { id: row.try_get(0)?, sealed: row.try_get(1)?, owner });
        }
        Ok(values)
    }

    /// Replaces one sealed value only if it is still `old`: a value another process changed
    /// meanwhile (a refresh, say) is left alone. Returns whether it was replaced.
    pub async fn replace_sealed(&self, place: &SealedColumn, id: &str, old: &[u8], new: &[u8]) -> Result<bool> {
        let sql = format!(
            "UPDATE {table} SET {col} = $1 WHERE {id} = $2 AND {col} = $3",
            id = place.id_column,
            col = place.column,
            table = place.table
        );
        let done = sqlx::query(&sql).bind(new).bind(id).bind(old).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Adds `seals` to a key's total and returns the new total.
    pub async fn add_key_seals(&self, key_id: &str, seals: u64) -> Result<u64> {
        let total: i64 = sqlx::query_scalar(
            "INSERT INTO key_seals (key_id, seals) VALUES ($1, $2) \
             ON CONFLICT (key_id) DO UPDATE SET seals = key_seals.seals + $2 RETURNING seals",
        )
        .bind(key_id)
        .bind(i64::try_from(seals).unwrap_or(i64::MAX))
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(total).unwrap_or(0))
    }
}
