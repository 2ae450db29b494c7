//! Connected accounts: their tokens (sealed), states, refresh leases and backoff, and the one
//! query the token endpoint answers from.

use super::database::Store;
use super::events::{insert_event, NewEvent};
use crate::connections::{Connection, Owner};
use crate::error::Result;
use crate::ids::{ConnectionId, EnvironmentId, ProviderId};
use crate::providers::ScopeList;
use app::model::ConnectionState;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

pub(super) const CONNECTION_COLUMNS: &str = "id, provider_id, user_id, organization_id, state, access_token, \
     refresh_token, expires_at, scopes, last_refreshed_at, last_error, created_at, updated_at, \
     refresh_lease_owner, refresh_lease_until, refresh_failures, retry_refresh_at";

/// A state this Plumb does not know can only come from a newer one: treat it as broken rather
/// than hand out a token it does not understand.
fn state(name: &str) -> ConnectionState {
    ConnectionState::parse(name).unwrap_or(ConnectionState::NeedsReauthorization)
}

impl FromRow<'_, AnyRow> for Connection {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.try_get::<String, _>("id")?.into(),
            provider_id: row.try_get::<String, _>("provider_id")?.into(),
            owner: Owner::from_row(row.try_get("user_id")?, row.try_get("organization_id")?),
            state: state(&row.try_get::<String, _>("state")?),
            access_token: row.try_get("access_token")?,
            refresh_token: row.try_get("refresh_token")?,
            expires_at: row.try_get("expires_at")?,
            scopes: ScopeList::from(row.try_get::<String, _>("scopes")?),
            last_refreshed_at: row.try_get("last_refreshed_at")?,
            last_error: row.try_get("last_error")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            refresh_lease_owner: row.try_get("refresh_lease_owner")?,
            refresh_lease_until: row.try_get("refresh_lease_until")?,
            refresh_failures: row.try_get("refresh_failures")?,
            retry_refresh_at: row.try_get("retry_refresh_at")?,
        })
    }
}

/// What [`Store::token_lookup`] finds: the key, and the provider and connection when they exist.
pub struct TokenLookup {
    pub key_id: String,
    pub environment_id: EnvironmentId,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub provider_id: Option<ProviderId>,
    pub provider_scopes: Option<String>,
    pub connection_id: Option<ConnectionId>,
    pub state: Option<ConnectionState>,
    pub access_token: Option<Vec<u8>>,
    pub expires_at: Option<i64>,
    pub connection_scopes: Option<String>,
    /// When the connection's tokens were last obtained (its `updated_at`).
    pub obtained_at: Option<i64>,
}

impl FromRow<'_, AnyRow> for TokenLookup {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            key_id: row.try_get("key_id")?,
            environment_id: row.try_get::<String, _>("environment_id")?.into(),
            revoked_at: row.try_get("revoked_at")?,
            last_used_at: row.try_get("last_used_at")?,
            provider_id: row.try_get::<Option<String>, _>("provider_id")?.map(Into::into),
            provider_scopes: row.try_get("provider_scopes")?,
            connection_id: row.try_get::<Option<String>, _>("connection_id")?.map(Into::into),
            state: row.try_get::<Option<String>, _>("state")?.as_deref().map(state),
            access_token: row.try_get("access_token")?,
            expires_at: row.try_get("expires_at")?,
            connection_scopes: row.try_get("connection_scopes")?,
            obtained_at: row.try_get("connection_updated_at")?,
        })
    }
}

impl Store {
    pub async fn connection(&self, provider_id: &ProviderId, owner: &Owner) -> Result<Option<Connection>> {
        let sql = format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections \
             WHERE provider_id = $1 AND user_id = $2 AND organization_id = $3"
        );
        Ok(sqlx::query_as(&sql)
            .bind(provider_id.as_str())
            .bind(&owner.user_id)
            .bind(owner.org_key())
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn connection_by_id(&self, id: &ConnectionId) -> Result<Option<Connection>> {
        let sql = format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE id = $1");
        Ok(sqlx::query_as(&sql).bind(id.as_str()).fetch_optional(&self.pool).await?)
    }

    /// A provider's connections, newest first, optionally narrowed to one user or organization.
    pub async fn connections_of_provider(
        &self,
        provider_id: &ProviderId,
        user_id: &str,
        organization_id: &str,
        limit: i64,
    ) -> Result<Vec<Connection>> {
        let sql = format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections WHERE provider_id = $1 \
               AND ($2 = '' OR user_id = $2) AND ($3 = '' OR organization_id = $3) \
             ORDER BY created_at DESC, id DESC LIMIT $4"
        );
        Ok(sqlx::query_as(&sql)
            .bind(provider_id.as_str())
            .bind(user_id)
            .bind(organization_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// The connections of one owner, for the widget.
    pub async fn connections_of(&self, owner: &Owner) -> Result<Vec<Connection>> {
        let sql = format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE user_id = $1 AND organization_id = $2");
        Ok(sqlx::query_as(&sql).bind(&owner.user_id).bind(owner.org_key()).fetch_all(&self.pool).await?)
    }

    /// Inserts the connection, or replaces the stored one for the same provider, user and
    /// organization **if it has the same id** (its sealed tokens are bound to that id), together
    /// with its event. Returns false when a different connection holds that key: the caller
    /// re-reads and seals again.
    pub async fn save_connection(&self, c: &Connection, event: Option<&NewEvent>) -> Result<bool> {
        let sql = format!(
            "INSERT INTO connections ({CONNECTION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, NULL, 0, NULL) \
             ON CONFLICT (provider_id, user_id, organization_id) DO UPDATE SET \
                state = excluded.state, access_token = excluded.access_token, \
                refresh_token = excluded.refresh_token, expires_at = excluded.expires_at, \
                scopes = excluded.scopes, last_refreshed_at = excluded.last_refreshed_at, \
                last_error = excluded.last_error, updated_at = excluded.updated_at, \
                refresh_lease_owner = NULL, refresh_lease_until = NULL, refresh_failures = 0, retry_refresh_at = NULL \
             WHERE connections.id = excluded.id"
        );
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(&sql)
            .bind(c.id.as_str())
            .bind(c.provider_id.as_str())
            .bind(&c.owner.user_id)
            .bind(c.owner.org_key())
            .bind(c.state.as_str())
            .bind(c.access_token.as_deref())
            .bind(c.refresh_token.as_deref())
            .bind(c.expires_at)
            .bind(c.scopes.to_db())
            .bind(c.last_refreshed_at)
            .bind(c.last_error.as_deref())
            .bind(c.created_at)
            .bind(c.updated_at)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Some(e) = event {
            insert_event(&mut tx, e).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Takes the refresh lease of a connection for `owner` until `until`, if nobody holds a live
    /// one and the connection has not changed since it was read (`seen_updated_at`): whoever
    /// refreshed it in between has already done the work. Works the same on both databases: one
    /// conditional UPDATE is atomic.
    pub async fn acquire_refresh_lease(
        &self,
        id: &ConnectionId,
        owner: &str,
        seen_updated_at: i64,
        now: i64,
        until: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE connections SET refresh_lease_owner = $1, refresh_lease_until = $2 \
             WHERE id = $3 AND updated_at = $4 AND state = 'connected' \
               AND (refresh_lease_until IS NULL OR refresh_lease_until <= $5)",
        )
        .bind(owner)
        .bind(until)
        .bind(id.as_str())
        .bind(seen_updated_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a refresh's result and releases the lease, in one statement: the new access token,
    /// refresh token and expiry land together or not at all, and only if `owner` still holds the
    /// lease. Returns whether it did.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_refresh(
        &self,
        id: &ConnectionId,
        owner: &str,
        access_token: &[u8],
        refresh_token: Option<&[u8]>,
        expires_at: Option<i64>,
        scopes: &str,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE connections SET access_token = $1, refresh_token = $2, expires_at = $3, scopes = $4, \
                last_refreshed_at = $5, last_error = NULL, updated_at = $5, refresh_lease_owner = NULL, \
                refresh_lease_until = NULL, refresh_failures = 0, retry_refresh_at = NULL \
             WHERE id = $6 AND refresh_lease_owner = $7",
        )
        .bind(access_token)
        .bind(refresh_token)
        .bind(expires_at)
        .bind(scopes)
        .bind(now)
        .bind(id.as_str())
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A refresh failed for a reason that may pass (the provider is unwell): count it, set when
    /// to try again, release the lease. Tokens and state stay as they were.
    pub async fn record_refresh_failure(
        &self,
        id: &ConnectionId,
        owner: &str,
        error: &str,
        retry_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE connections SET refresh_failures = refresh_failures + 1, retry_refresh_at = $1, last_error = $2, \
                refresh_lease_owner = NULL, refresh_lease_until = NULL \
             WHERE id = $3 AND refresh_lease_owner = $4",
        )
        .bind(retry_at)
        .bind(error)
        .bind(id.as_str())
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The grant is dead: mark the connection and record the event, in one transaction.
    pub async fn mark_needs_reauthorization(
        &self,
        id: &ConnectionId,
        error: &str,
        now: i64,
        event: &NewEvent,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE connections SET state = 'needs_reauthorization', last_error = $1, updated_at = $2, \
                refresh_lease_owner = NULL, refresh_lease_until = NULL \
             WHERE id = $3 AND state = 'connected'",
        )
        .bind(error)
        .bind(now)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes the connection and records the event `event_for` makes of it, in one
    /// transaction; returns whether there was one.
    pub async fn delete_connection(
        &self,
        provider_id: &ProviderId,
        owner: &Owner,
        event_for: impl FnOnce(&Connection) -> NewEvent,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "DELETE FROM connections WHERE provider_id = $1 AND user_id = $2 AND organization_id = $3 \
             RETURNING {CONNECTION_COLUMNS}"
        );
        let removed: Option<Connection> = sqlx::query_as(&sql)
            .bind(provider_id.as_str())
            .bind(&owner.user_id)
            .bind(owner.org_key())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(removed) = removed else {
            tx.rollback().await?;
            return Ok(false);
        };
        insert_event(&mut tx, &event_for(&removed)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Connections the background refresher should renew: connected, refreshable, expiring
    /// before `before`, not leased, not backing off.
    pub async fn connections_to_refresh(&self, before: i64, now: i64, limit: i64) -> Result<Vec<Connection>> {
        let sql = format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections \
             WHERE state = 'connected' AND refresh_token IS NOT NULL AND expires_at IS NOT NULL AND expires_at <= $1 \
               AND (refresh_lease_until IS NULL OR refresh_lease_until <= $2) \
               AND (retry_refresh_at IS NULL OR retry_refresh_at <= $2) \
             ORDER BY expires_at LIMIT $3"
        );
        Ok(sqlx::query_as(&sql).bind(before).bind(now).bind(limit).fetch_all(&self.pool).await?)
    }

    /// Everything a token fetch reads, in one query: the API key by its hash, the provider of
    /// that slug in the key's environment, and the user's connection to it. One round trip
    /// instead of three is most of what the token endpoint costs beyond authentication
    /// (BENCHMARKS.md). `None`: no such key.
    pub async fn token_lookup(&self, key_hash: &str, slug: &str, owner: &Owner) -> Result<Option<TokenLookup>> {
        let row = sqlx::query(
            "SELECT k.id AS key_id, k.environment_id, k.revoked_at, k.last_used_at, \
                p.id AS provider_id, p.scopes AS provider_scopes, \
                c.id AS connection_id, c.state, c.access_token, c.expires_at, c.scopes AS connection_scopes, \
                c.updated_at AS connection_updated_at \
             FROM api_keys k \
             LEFT JOIN providers p ON p.environment_id = k.environment_id AND p.slug = $2 \
             LEFT JOIN connections c ON c.provider_id = p.id AND c.user_id = $3 AND c.organization_id = $4 \
             WHERE k.key_hash = $1",
        )
        .bind(key_hash)
        .bind(slug)
        .bind(&owner.user_id)
        .bind(owner.org_key())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| TokenLookup::from_row(&row)).transpose()?)
    }
}
