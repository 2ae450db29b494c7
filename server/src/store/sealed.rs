//! Every column that holds a sealed value, and the two queries key rotation runs over them:
//! read them in batches, and replace one only if nobody changed it meanwhile.

use super::database::Store;
use crate::error::Result;

/// One column that holds sealed values; its AAD is `(table, id, column)`.
pub struct SealedColumn {
    pub table: &'static str,
    pub id_column: &'static str,
    pub column: &'static str,
}

/// Every place Plumb keeps a sealed value.
pub const SEALED: &[SealedColumn] = &[
    SealedColumn { table: "connections", id_column: "id", column: "access_token" },
    SealedColumn { table: "connections", id_column: "id", column: "refresh_token" },
    SealedColumn { table: "providers", id_column: "id", column: "client_secret" },
    SealedColumn { table: "shared_credentials", id_column: "catalog_slug", column: "client_secret" },
    SealedColumn { table: "webhook_endpoints", id_column: "id", column: "secret" },
    SealedColumn { table: "oauth_states", id_column: "state_hash", column: "pkce_verifier" },
];

impl Store {
    /// Up to `limit` non-null sealed values of one column, in id order after `after`. `place`
    /// comes from [`SEALED`], never from input.
    pub async fn sealed_values(&self, place: &SealedColumn, after: &str, limit: i64) -> Result<Vec<(String, Vec<u8>)>> {
        let sql = format!(
            "SELECT {id}, {col} FROM {table} WHERE {col} IS NOT NULL AND {id} > $1 ORDER BY {id} LIMIT $2",
            id = place.id_column,
            col = place.column,
            table = place.table
        );
        Ok(sqlx::query_as(&sql).bind(after).bind(limit).fetch_all(&self.pool).await?)
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
}
