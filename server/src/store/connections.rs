//! Connected accounts: their tokens (sealed), states, refresh leases and backoff, and the one
//! query the token endpoint answers from.

use super::database::Store;
use super::events::{insert_event, NewEvent};
use crate::connections::{Connection, Owner, Role};
use crate::error::Result;
use crate::ids::{ConnectionId, EnvironmentId, ProviderId};
use crate::providers::ScopeList;
use app::methods::AuthMethod;
use app::model::ConnectionState;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

/// The most connections one owner may hold to one provider: a person has a handful of accounts,
/// and every lookup of an owner's connections reads them all.
pub const MAX_PER_OWNER: i64 = 50;

/// The most connections read for one owner across providers (the widget, data-provider lists).
const MAX_OF_OWNER: i64 = 2_000;

pub(super) const CONNECTION_COLUMNS: &str = "id, provider_id, user_id, organization_id, state, access_token, \
     refresh_token, expires_at, scopes, last_refreshed_at, last_error, created_at, updated_at, \
     refresh_lease_owner, refresh_lease_until, refresh_failures, retry_refresh_at, connection_role, label, \
     account_identifier, established_by, auth_method, config, config_secret, client_id, client_secret, secret_hint";

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
            role: Role::parse(&row.try_get::<String, _>("connection_role")?),
            label: row.try_get("label")?,
            account_identifier: row.try_get("account_identifier")?,
            established_by: row.try_get("established_by")?,
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
            // A method this Plumb does not know can only come from a newer one; its tokens
            // are not handed out as OAuth tokens (`state` above makes it unusable too).
            auth_method: AuthMethod::parse(&row.try_get::<String, _>("auth_method")?).unwrap_or(AuthMethod::Oauth),
            config: serde_json::from_str(&row.try_get::<String, _>("config")?)
                .map_err(|e| sqlx::Error::ColumnDecode { index: "config".into(), source: Box::new(e) })?,
            config_secret: row.try_get("config_secret")?,
            client_id: row.try_get("client_id")?,
            client_secret: row.try_get("client_secret")?,
            secret_hint: row.try_get("secret_hint")?,
        })
    }
}

/// A revocation tried at a provider for a deleted connection, as the dashboard lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevocationRecord {
    pub id: String,
    pub provider_id: String,
    pub connection_id: String,
    pub user_id: String,
    pub organization_id: String,
    pub status: String,
    pub error: Option<String>,
    pub created_at: i64,
}

/// What [`Store::token_lookup`] finds: the key, and the provider and connection when they exist.
pub struct TokenLookup {
    pub key_id: String,
    pub environment_id: EnvironmentId,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub provider_id: Option<ProviderId>,
    pub provider_scopes: Option<String>,
    /// `user` or `organization`.
    pub provider_ownership: Option<String>,
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
            provider_ownership: row.try_get("provider_ownership")?,
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
    /// The owner's compatibility connection to the provider: the one callers that do not choose
    /// get.
    pub async fn connection(&self, provider_id: &ProviderId, owner: &Owner) -> Result<Option<Connection>> {
        let sql = format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections \
             WHERE provider_id = $1 AND user_id = $2 AND organization_id = $3 AND connection_role = 'compatibility'"
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

    /// A provider's connections, newest first, optionally narrowed to one user, organization or
    /// provider-side account (`""`: any).
    pub async fn connections_of_provider(
        &self,
        provider_id: &ProviderId,
        user_id: &str,
        organization_id: &str,
        account_identifier: &str,
        limit: i64,
    ) -> Result<Vec<Connection>> {
        let sql = format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections WHERE provider_id = $1 \
               AND ($2 = '' OR user_id = $2) AND ($3 = '' OR organization_id = $3) \
               AND ($5 = '' OR account_identifier = $5) \
             ORDER BY created_at DESC, id DESC LIMIT $4"
        );
        Ok(sqlx::query_as(&sql)
            .bind(provider_id.as_str())
            .bind(user_id)
            .bind(organization_id)
            .bind(limit)
            .bind(account_identifier)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Every connection of an owner to a provider, oldest first (at most [`MAX_PER_OWNER`]).
    pub async fn connections_for(&self, provider_id: &ProviderId, owner: &Owner) -> Result<Vec<Connection>> {
        let sql = format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections \
             WHERE provider_id = $1 AND user_id = $2 AND organization_id = $3 \
             ORDER BY created_at, id LIMIT {MAX_PER_OWNER}"
        );
        Ok(sqlx::query_as(&sql)
            .bind(provider_id.as_str())
            .bind(&owner.user_id)
            .bind(owner.org_key())
            .fetch_all(&self.pool)
            .await?)
    }

    /// How many connections an owner holds to a provider.
    pub async fn count_connections_for(&self, provider_id: &ProviderId, owner: &Owner) -> Result<i64> {
        Ok(sqlx::query(
            "SELECT COUNT(*) AS n FROM connections WHERE provider_id = $1 AND user_id = $2 AND organization_id = $3",
        )
        .bind(provider_id.as_str())
        .bind(&owner.user_id)
        .bind(owner.org_key())
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?)
    }

    /// Changes a connection's label and account identifier (`None`: keep as is; `Some(None)`:
    /// clear). Returns the connection as it now is.
    pub async fn relabel_connection(
        &self,
        id: &ConnectionId,
        label: Option<Option<&str>>,
        account_identifier: Option<Option<&str>>,
        now: i64,
    ) -> Result<Option<Connection>> {
        let sql = format!(
            "UPDATE connections SET \
                label = CASE WHEN $1 = 1 THEN $2 ELSE label END, \
                account_identifier = CASE WHEN $3 = 1 THEN $4 ELSE account_identifier END, \
                updated_at = $5 \
             WHERE id = $6 RETURNING {CONNECTION_COLUMNS}"
        );
        Ok(sqlx::query_as(&sql)
            .bind(label.is_some() as i64)
            .bind(label.flatten())
            .bind(account_identifier.is_some() as i64)
            .bind(account_identifier.flatten())
            .bind(now)
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The connections of one owner, oldest first, for the widget and the data-provider lists.
    pub async fn connections_of(&self, owner: &Owner) -> Result<Vec<Connection>> {
        let sql = format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections WHERE user_id = $1 AND organization_id = $2 \
             ORDER BY created_at, id LIMIT {MAX_OF_OWNER}"
        );
        Ok(sqlx::query_as(&sql).bind(&owner.user_id).bind(owner.org_key()).fetch_all(&self.pool).await?)
    }

    /// Inserts the connection, or replaces the stored one **with the same id** for the same
    /// provider and owner (its sealed tokens are bound to that id), together with its event.
    /// Returns false when the insert would take an owner's compatibility slot someone else just
    /// took: the caller re-reads and seals again.
    pub async fn save_connection(&self, c: &Connection, event: Option<&NewEvent>) -> Result<bool> {
        let sql = format!(
            "INSERT INTO connections ({CONNECTION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, NULL, 0, NULL, $14, $15, $16, $17, \
                $18, $19, $20, $21, $22, $23) \
             ON CONFLICT (id) DO UPDATE SET \
                state = excluded.state, access_token = excluded.access_token, \
                refresh_token = excluded.refresh_token, expires_at = excluded.expires_at, \
                scopes = excluded.scopes, last_refreshed_at = excluded.last_refreshed_at, \
                last_error = excluded.last_error, updated_at = excluded.updated_at, \
                label = excluded.label, account_identifier = excluded.account_identifier, \
                established_by = excluded.established_by, auth_method = excluded.auth_method, \
                config = excluded.config, config_secret = excluded.config_secret, client_id = excluded.client_id, \
                client_secret = excluded.client_secret, secret_hint = excluded.secret_hint, \
                refresh_lease_owner = NULL, refresh_lease_until = NULL, refresh_failures = 0, retry_refresh_at = NULL \
             WHERE connections.provider_id = excluded.provider_id AND connections.user_id = excluded.user_id \
               AND connections.organization_id = excluded.organization_id"
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
            .bind(c.role.as_str())
            .bind(c.label.as_deref())
            .bind(c.account_identifier.as_deref())
            .bind(c.established_by.as_deref())
            .bind(c.auth_method.as_str())
            .bind(serde_json::to_string(&c.config).expect("values serialize"))
            .bind(c.config_secret.as_deref())
            .bind(c.client_id.as_deref())
            .bind(c.client_secret.as_deref())
            .bind(&c.secret_hint)
            .execute(&mut *tx)
            .await;
        let done = match done {
            Ok(done) => done,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                tx.rollback().await?;
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        };
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

    /// Releases every refresh lease `owner` (a process) still holds, at its shutdown: the next
    /// fetch refreshes at once instead of waiting out a lease nobody is using. Returns how many.
    pub async fn release_refresh_leases(&self, owner: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE connections SET refresh_lease_owner = NULL, refresh_lease_until = NULL \
             WHERE refresh_lease_owner = $1",
        )
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
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
        config: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE connections SET access_token = $1, refresh_token = $2, expires_at = $3, scopes = $4, \
                last_refreshed_at = $5, last_error = NULL, updated_at = $5, refresh_lease_owner = NULL, \
                refresh_lease_until = NULL, refresh_failures = 0, retry_refresh_at = NULL, \
                config = COALESCE($8, config) \
             WHERE id = $6 AND refresh_lease_owner = $7",
        )
        .bind(access_token)
        .bind(refresh_token)
        .bind(expires_at)
        .bind(scopes)
        .bind(now)
        .bind(id.as_str())
        .bind(owner)
        .bind(config)
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

    /// Deletes one connection and records the event `event_for` makes of it, in one
    /// transaction; returns the connection deleted, if there was one. When the compatibility
    /// connection goes, the owner's oldest other connection to the provider takes its place, so
    /// callers that do not choose keep finding one.
    pub async fn delete_connection(
        &self,
        id: &ConnectionId,
        event_for: impl FnOnce(&Connection) -> NewEvent,
    ) -> Result<Option<Connection>> {
        let mut tx = self.pool.begin().await?;
        let sql = format!("DELETE FROM connections WHERE id = $1 RETURNING {CONNECTION_COLUMNS}");
        let removed: Option<Connection> = sqlx::query_as(&sql).bind(id.as_str()).fetch_optional(&mut *tx).await?;
        let Some(removed) = removed else {
            tx.rollback().await?;
            return Ok(None);
        };
        if removed.role == Role::Compatibility {
            sqlx::query(
                "UPDATE connections SET connection_role = 'compatibility' WHERE id = ( \
                    SELECT id FROM connections WHERE provider_id = $1 AND user_id = $2 AND organization_id = $3 \
                    ORDER BY created_at, id LIMIT 1)",
            )
            .bind(removed.provider_id.as_str())
            .bind(&removed.owner.user_id)
            .bind(removed.owner.org_key())
            .execute(&mut *tx)
            .await?;
        }
        insert_event(&mut tx, &event_for(&removed)).await?;
        sqlx::query("DELETE FROM relay_usage WHERE connection_id = $1").bind(id.as_str()).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(removed))
    }

    /// Records what became of revoking a deleted connection's grant.
    pub async fn record_revocation(
        &self,
        id: &str,
        provider: &crate::providers::Provider,
        removed: &Connection,
        status: &str,
        error: Option<&str>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO revocations (id, environment_id, provider_id, connection_id, user_id, organization_id, \
                status, error, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(provider.environment_id.as_str())
        .bind(provider.id.as_str())
        .bind(removed.id.as_str())
        .bind(&removed.owner.user_id)
        .bind(removed.owner.org_key())
        .bind(status)
        .bind(error)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A provider's most recent revocations, newest first.
    pub async fn recent_revocations(&self, provider_id: &ProviderId, limit: i64) -> Result<Vec<RevocationRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, provider_id, connection_id, user_id, organization_id, status, error, created_at \
             FROM revocations WHERE provider_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(provider_id.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Deletes revocation records older than `before`.
    pub async fn prune_revocations(&self, before: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM revocations WHERE created_at < $1").bind(before).execute(&self.pool).await?;
        Ok(done.rows_affected())
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
    /// that slug in the key's environment, and the owner's connection to it: the compatibility
    /// one, or the one with id `connection_id`. One round trip instead of three is most of what
    /// the token endpoint costs beyond authentication (BENCHMARKS.md). `None`: no such key.
    pub async fn token_lookup(
        &self,
        key_hash: &str,
        slug: &str,
        owner: &Owner,
        connection_id: Option<&str>,
    ) -> Result<Option<TokenLookup>> {
        let connection = owner_connection(connection_id.is_some());
        let sql = format!(
            "SELECT k.id AS key_id, k.environment_id, k.revoked_at, k.last_used_at, \
                p.id AS provider_id, p.scopes AS provider_scopes, p.ownership AS provider_ownership, \
                c.id AS connection_id, c.state, c.access_token, c.expires_at, c.scopes AS connection_scopes, \
                c.updated_at AS connection_updated_at \
             FROM api_keys k \
             LEFT JOIN providers p ON p.environment_id = k.environment_id AND p.slug = $2 \
             LEFT JOIN connections c ON {connection} \
             WHERE k.key_hash = $1"
        );
        let mut query = sqlx::query(&sql).bind(key_hash).bind(slug).bind(&owner.user_id).bind(owner.org_key());
        if let Some(id) = connection_id {
            query = query.bind(id);
        }
        let row = query.fetch_optional(&self.pool).await?;
        Ok(row.map(|row| TokenLookup::from_row(&row)).transpose()?)
    }
}

/// How a lookup joins the owner's connection (`c`) to the provider (`p`), the owner being `$3`
/// and `$4`: the compatibility one, or the one with id `$5`. Two statements rather than one
/// with an OR, so each join uses its index.
pub(super) fn owner_connection(by_id: bool) -> &'static str {
    if by_id {
        "c.id = $5 AND c.provider_id = p.id AND c.user_id = $3 AND c.organization_id = $4"
    } else {
        "c.provider_id = p.id AND c.user_id = $3 AND c.organization_id = $4 AND c.connection_role = 'compatibility'"
    }
}
