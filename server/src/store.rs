//! Persistence for SQLite and PostgreSQL behind one type. Queries are written once, in the SQL
//! both databases accept (`$n` parameters, `ON CONFLICT`, `RETURNING`), and run through sqlx's
//! `Any` driver; each database has its own migration tree under `migrations/`.

use crate::connections::Connection;
use crate::error::{Error, Result};
use crate::providers::Provider;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

mod admins;
mod environments;
pub use admins::{AdminRecord, InviteRecord, NewSession, SessionRecord, ThrottleRecord};
pub use environments::{Environment, SANDBOX};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// A pending authorization: what the callback needs to finish the flow it belongs to.
#[derive(Clone, sqlx::FromRow)]
pub struct OAuthState {
    pub state_hash: String,
    pub provider_id: String,
    pub user_id: String,
    pub organization_id: String,
    pub browser_binding: String,
    pub pkce_verifier: Option<Vec<u8>>,
    pub return_to: String,
    pub expires_at: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRecord {
    pub id: String,
    pub environment_id: String,
    pub key_hash: String,
    pub prefix: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// What [`Store::token_lookup`] finds: the key, and the provider and connection when they exist.
#[derive(sqlx::FromRow)]
pub struct TokenLookup {
    pub key_id: String,
    pub environment_id: String,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub provider_id: Option<String>,
    pub provider_scopes: Option<String>,
    pub connection_id: Option<String>,
    pub state: Option<String>,
    pub access_token: Option<Vec<u8>>,
    pub expires_at: Option<i64>,
    pub connection_scopes: Option<String>,
}

/// The operator's OAuth app for one catalog provider. `client_secret` is sealed.
#[derive(Clone, sqlx::FromRow)]
pub struct SharedCredentials {
    pub catalog_slug: String,
    pub app_name: String,
    pub client_id: String,
    pub client_secret: Option<Vec<u8>>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A one-time link that starts an authorization in the browser that opens it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthorizationLink {
    pub link_hash: String,
    pub provider_id: String,
    pub user_id: String,
    pub organization_id: String,
    /// Where to send the browser afterwards; empty for Plumb's own confirmation page.
    pub return_to: String,
    pub expires_at: i64,
    pub created_at: i64,
}

/// Why a provider could not be inserted.
#[derive(Debug)]
pub enum InsertProviderError {
    SlugTaken,
    Other(Error),
}

#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

const PROVIDER_COLUMNS: &str = "id, slug, name, description, icon_url, authorization_url, token_url, \
     refresh_token_url, client_id, client_secret, client_secret_hint, scopes, scope_separator, scope_parameter, \
     scopes_required, client_secret_required, pkce_enabled, authenticate_via, token_body_content_type, \
     authorization_parameters, token_request_headers, token_response_paths, catalog_slug, credentials_type, \
     enabled, created_at, updated_at, environment_id";
const CONNECTION_COLUMNS: &str = "id, provider_id, user_id, organization_id, state, access_token, \
     refresh_token, expires_at, scopes, last_refreshed_at, last_error, created_at, updated_at, \
     refresh_lease_owner, refresh_lease_until, refresh_failures, retry_refresh_at";

impl Store {
    /// Connects, creating the SQLite file and its directory when needed, and applies pending
    /// migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        // Idempotent: sqlx installs the drivers once per process.
        sqlx::any::install_default_drivers();

        let backend = Backend::from_url(url).ok_or_else(|| {
            Error::Internal(format!(
                "PLUMB_DATABASE_URL must start with sqlite:// or postgres:// (got {:?})",
                url.split(':').next().unwrap_or("")
            ))
        })?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            // sqlx pings every connection it hands out: a hop to SQLite's worker thread, a round
            // trip to PostgreSQL, as dear as the query itself on the token path (BENCHMARKS.md).
            // Without it, a connection the database dropped is noticed by the query using it,
            // which fails (a 500 the caller may retry) instead of being rerun on a new connection.
            .test_before_acquire(false)
            .connect(&url)
            .await?;
        if backend == Backend::Sqlite {
            // WAL lets readers proceed while one writer commits; the setting lives in the file.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        let failed = |e: sqlx::migrate::MigrateError| Error::Internal(format!("database migration failed: {e}"));
        match backend {
            Backend::Sqlite => migrate_sqlite(&url).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await.map_err(failed)?,
        }
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool itself, for maintenance commands and tests that must look at raw rows.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    // --- providers ---

    pub async fn insert_provider(&self, p: &Provider) -> Result<(), InsertProviderError> {
        let sql = format!(
            "INSERT INTO providers ({PROVIDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)"
        );
        let result = bind_provider(sqlx::query(&sql).bind(&p.id).bind(&p.slug), p)
            .bind(&p.environment_id)
            .execute(&self.pool)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(InsertProviderError::SlugTaken),
            Err(e) => Err(InsertProviderError::Other(e.into())),
        }
    }

    /// Writes every column of the provider but its id and slug, which never change.
    pub async fn update_provider(&self, p: &Provider) -> Result<bool> {
        let sql = "UPDATE providers SET name = $3, description = $4, icon_url = $5, authorization_url = $6, \
             token_url = $7, refresh_token_url = $8, client_id = $9, client_secret = $10, client_secret_hint = $11, \
             scopes = $12, scope_separator = $13, scope_parameter = $14, scopes_required = $15, \
             client_secret_required = $16, pkce_enabled = $17, authenticate_via = $18, token_body_content_type = $19, \
             authorization_parameters = $20, token_request_headers = $21, token_response_paths = $22, \
             catalog_slug = $23, credentials_type = $24, enabled = $25, created_at = $26, updated_at = $27 \
             WHERE id = $1 AND slug = $2";
        let done = bind_provider(sqlx::query(sql).bind(&p.id).bind(&p.slug), p).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the provider with its connections (recording an event for each, made by
    /// `event_for`) and pending authorizations, in one transaction. Returns how many connections
    /// went, or `None` when there was no such provider.
    pub async fn delete_provider(&self, id: &str, event_for: impl Fn(&Connection) -> NewEvent) -> Result<Option<i64>> {
        let mut tx = self.pool.begin().await?;
        let sql = format!("DELETE FROM connections WHERE provider_id = $1 RETURNING {CONNECTION_COLUMNS}");
        let removed: Vec<Connection> = sqlx::query_as(&sql).bind(id).fetch_all(&mut *tx).await?;
        for c in &removed {
            insert_event(&mut tx, &event_for(c)).await?;
        }
        let done = sqlx::query("DELETE FROM providers WHERE id = $1").bind(id).execute(&mut *tx).await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(removed.len() as i64))
    }

    pub async fn count_connections(&self, provider_id: &str) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM connections WHERE provider_id = $1")
            .bind(provider_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// A page of providers in id order (ids sort by creation), `descending` or not, starting past
    /// the `after` or `before` cursor (exclusive). Returns the page in list order, and whether
    /// more providers lie beyond it in the direction walked.
    pub async fn page_providers(
        &self,
        environment_id: &str,
        descending: bool,
        limit: i64,
        after: Option<&str>,
        before: Option<&str>,
    ) -> Result<(Vec<Provider>, bool)> {
        // Walking "before" a cursor means walking the other way and reversing the page.
        let (cursor, forward) = match (after, before) {
            (Some(a), _) => (Some(a), true),
            (None, Some(b)) => (Some(b), false),
            (None, None) => (None, true),
        };
        let walk_descending = descending == forward;
        let (cmp, order) = if walk_descending { ("<", "DESC") } else { (">", "ASC") };
        let filter = if cursor.is_some() { format!("AND id {cmp} $3") } else { String::new() };
        let sql = format!(
            "SELECT {PROVIDER_COLUMNS} FROM providers WHERE environment_id = $2 {filter} ORDER BY id {order} LIMIT $1"
        );
        let mut query = sqlx::query_as(&sql).bind(limit + 1).bind(environment_id);
        if let Some(c) = cursor {
            query = query.bind(c);
        }
        let mut rows: Vec<Provider> = query.fetch_all(&self.pool).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        if !forward {
            rows.reverse();
        }
        Ok((rows, more))
    }

    /// Every provider with its number of connected accounts, oldest first.
    pub async fn list_providers(&self, environment_id: &str) -> Result<Vec<(Provider, i64)>> {
        let sql = format!(
            "SELECT {PROVIDER_COLUMNS}, \
                (SELECT COUNT(*) FROM connections c WHERE c.provider_id = providers.id) AS connected_accounts \
             FROM providers WHERE environment_id = $1 ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql).bind(environment_id).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row: &AnyRow| Ok((sqlx::FromRow::from_row(row)?, row.try_get::<i64, _>("connected_accounts")?)))
            .collect()
    }

    /// Every provider, oldest first, without counting connections (for the widget).
    pub async fn providers(&self, environment_id: &str) -> Result<Vec<Provider>> {
        let sql = format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE environment_id = $1 ORDER BY created_at, id");
        Ok(sqlx::query_as(&sql).bind(environment_id).fetch_all(&self.pool).await?)
    }

    pub async fn provider_by_slug(&self, environment_id: &str, slug: &str) -> Result<Option<Provider>> {
        let sql = format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE environment_id = $1 AND slug = $2");
        Ok(sqlx::query_as(&sql).bind(environment_id).bind(slug).fetch_optional(&self.pool).await?)
    }

    pub async fn provider_by_id(&self, id: &str) -> Result<Option<Provider>> {
        let sql = format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    // --- icons ---

    pub async fn save_icon(&self, provider_id: &str, icon: &crate::icons::Icon, source: &str, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO provider_icons (provider_id, content_type, data, source, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (provider_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data, \
                source = excluded.source, updated_at = excluded.updated_at",
        )
        .bind(provider_id)
        .bind(icon.content_type)
        .bind(icon.data.as_slice())
        .bind(source)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete_icon(&self, provider_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM provider_icons WHERE provider_id = $1").bind(provider_id).execute(&self.pool).await?;
        Ok(())
    }

    /// A provider's icon by slug: content type and bytes.
    pub async fn icon(&self, provider_id: &str) -> Result<Option<(String, Vec<u8>)>> {
        let row = sqlx::query("SELECT content_type, data FROM provider_icons WHERE provider_id = $1")
            .bind(provider_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some((row.try_get("content_type")?, row.try_get("data")?)),
            None => None,
        })
    }

    /// Which providers have an icon: provider id, where it came from, and when it changed.
    pub async fn icon_versions(&self) -> Result<Vec<(String, String, i64)>> {
        let rows =
            sqlx::query("SELECT provider_id, source, updated_at FROM provider_icons").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("provider_id")?, r.try_get("source")?, r.try_get("updated_at")?))).collect()
    }

    // --- shared credentials ---

    pub async fn shared_credentials(&self, catalog_slug: &str) -> Result<Option<SharedCredentials>> {
        Ok(sqlx::query_as(
            "SELECT catalog_slug, app_name, client_id, client_secret, created_at, updated_at \
             FROM shared_credentials WHERE catalog_slug = $1",
        )
        .bind(catalog_slug)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn all_shared_credentials(&self) -> Result<Vec<SharedCredentials>> {
        Ok(sqlx::query_as(
            "SELECT catalog_slug, app_name, client_id, client_secret, created_at, updated_at \
             FROM shared_credentials ORDER BY catalog_slug",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn save_shared_credentials(&self, c: &SharedCredentials) -> Result<()> {
        sqlx::query(
            "INSERT INTO shared_credentials (catalog_slug, app_name, client_id, client_secret, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (catalog_slug) DO UPDATE SET app_name = excluded.app_name, client_id = excluded.client_id, \
                client_secret = excluded.client_secret, updated_at = excluded.updated_at",
        )
        .bind(&c.catalog_slug)
        .bind(&c.app_name)
        .bind(&c.client_id)
        .bind(c.client_secret.as_deref())
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // --- authorization links ---

    pub async fn insert_authorization_link(&self, l: &AuthorizationLink) -> Result<()> {
        sqlx::query(
            "INSERT INTO authorization_links (link_hash, provider_id, user_id, organization_id, return_to, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&l.link_hash)
        .bind(&l.provider_id)
        .bind(&l.user_id)
        .bind(&l.organization_id)
        .bind(&l.return_to)
        .bind(l.expires_at)
        .bind(l.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes and returns a link: each one starts at most one authorization.
    pub async fn take_authorization_link(&self, link_hash: &str) -> Result<Option<AuthorizationLink>> {
        Ok(sqlx::query_as(
            "DELETE FROM authorization_links WHERE link_hash = $1 \
             RETURNING link_hash, provider_id, user_id, organization_id, return_to, expires_at, created_at",
        )
        .bind(link_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn purge_expired_authorization_links(&self, now: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM authorization_links WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }

    // --- connections ---

    pub async fn connection(
        &self,
        provider_id: &str,
        user_id: &str,
        organization_id: &str,
    ) -> Result<Option<Connection>> {
        let sql = format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections \
             WHERE provider_id = $1 AND user_id = $2 AND organization_id = $3"
        );
        Ok(sqlx::query_as(&sql)
            .bind(provider_id)
            .bind(user_id)
            .bind(organization_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn connection_by_id(&self, id: &str) -> Result<Option<Connection>> {
        let sql = format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE id = $1");
        Ok(sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?)
    }

    /// A provider's connections, newest first, optionally narrowed to one user or organization.
    pub async fn connections_of_provider(
        &self,
        provider_id: &str,
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
            .bind(provider_id)
            .bind(user_id)
            .bind(organization_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// The connections of one user (in one organization), for the widget.
    pub async fn connections_of(&self, user_id: &str, organization_id: &str) -> Result<Vec<Connection>> {
        let sql = format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE user_id = $1 AND organization_id = $2");
        Ok(sqlx::query_as(&sql).bind(user_id).bind(organization_id).fetch_all(&self.pool).await?)
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
            .bind(&c.id)
            .bind(&c.provider_id)
            .bind(&c.user_id)
            .bind(&c.organization_id)
            .bind(&c.state)
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

    /// Overwrites a connection's tokens without coordination (imports, tests).
    pub async fn update_tokens(
        &self,
        id: &str,
        access_token: &[u8],
        refresh_token: Option<&[u8]>,
        expires_at: Option<i64>,
        scopes: &str,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE connections SET state = 'connected', access_token = $1, refresh_token = $2, \
                expires_at = $3, scopes = $4, last_refreshed_at = $5, last_error = NULL, updated_at = $5 \
             WHERE id = $6",
        )
        .bind(access_token)
        .bind(refresh_token)
        .bind(expires_at)
        .bind(scopes)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes the refresh lease of a connection for `owner` until `until`, if nobody holds a live
    /// one and the connection has not changed since it was read (`seen_updated_at`): whoever
    /// refreshed it in between has already done the work. Works the same on both databases: one
    /// conditional UPDATE is atomic.
    pub async fn acquire_refresh_lease(
        &self,
        id: &str,
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
        .bind(id)
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
        id: &str,
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
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A refresh failed for a reason that may pass (the provider is unwell): count it, set when
    /// to try again, release the lease. Tokens and state stay as they were.
    pub async fn record_refresh_failure(&self, id: &str, owner: &str, error: &str, retry_at: i64) -> Result<()> {
        sqlx::query(
            "UPDATE connections SET refresh_failures = refresh_failures + 1, retry_refresh_at = $1, last_error = $2, \
                refresh_lease_owner = NULL, refresh_lease_until = NULL \
             WHERE id = $3 AND refresh_lease_owner = $4",
        )
        .bind(retry_at)
        .bind(error)
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends a connection's backoff so the next fetch may refresh at once (an admin's "retry now").
    pub async fn reset_refresh_backoff(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE connections SET retry_refresh_at = NULL WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The grant is dead: mark the connection and record the event, in one transaction.
    pub async fn mark_needs_reauthorization(&self, id: &str, error: &str, now: i64, event: &NewEvent) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE connections SET state = 'needs_reauthorization', last_error = $1, updated_at = $2, \
                refresh_lease_owner = NULL, refresh_lease_until = NULL \
             WHERE id = $3 AND state = 'connected'",
        )
        .bind(error)
        .bind(now)
        .bind(id)
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
        provider_id: &str,
        user_id: &str,
        organization_id: &str,
        event_for: impl FnOnce(&Connection) -> NewEvent,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "DELETE FROM connections WHERE provider_id = $1 AND user_id = $2 AND organization_id = $3 \
             RETURNING {CONNECTION_COLUMNS}"
        );
        let removed: Option<Connection> =
            sqlx::query_as(&sql).bind(provider_id).bind(user_id).bind(organization_id).fetch_optional(&mut *tx).await?;
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

    // --- events ---

    /// A page of events, oldest or newest first, with the filters of the WorkOS events API.
    /// Fetches `limit + 1` so the caller knows whether more follow.
    pub async fn list_events(&self, q: &EventQuery) -> Result<Vec<StoredEvent>> {
        enum Bind {
            Text(String),
            Int(i64),
        }
        let mut sql =
            String::from("SELECT id, event, organization_id, data, created_at FROM events WHERE environment_id = $1");
        let mut binds: Vec<Bind> = vec![Bind::Text(q.environment_id.clone())];
        let param = |b: Bind, binds: &mut Vec<Bind>| {
            binds.push(b);
            format!("${}", binds.len())
        };
        if !q.events.is_empty() {
            let marks: Vec<String> = q.events.iter().map(|e| param(Bind::Text(e.clone()), &mut binds)).collect();
            sql.push_str(&format!(" AND event IN ({})", marks.join(", ")));
        }
        if let Some(org) = &q.organization_id {
            sql.push_str(&format!(" AND organization_id = {}", param(Bind::Text(org.clone()), &mut binds)));
        }
        if let Some(start) = q.range_start {
            sql.push_str(&format!(" AND created_at >= {}", param(Bind::Int(start), &mut binds)));
        }
        if let Some(end) = q.range_end {
            sql.push_str(&format!(" AND created_at < {}", param(Bind::Int(end), &mut binds)));
        }
        if let Some(after) = &q.after {
            let cmp = if q.descending { "<" } else { ">" };
            sql.push_str(&format!(" AND id {cmp} {}", param(Bind::Text(after.clone()), &mut binds)));
        }
        let order = if q.descending { "DESC" } else { "ASC" };
        let limit = param(Bind::Int(q.limit + 1), &mut binds);
        sql.push_str(&format!(" ORDER BY id {order} LIMIT {limit}"));
        let mut query = sqlx::query_as::<_, StoredEvent>(&sql);
        for b in binds {
            query = match b {
                Bind::Text(t) => query.bind(t),
                Bind::Int(i) => query.bind(i),
            };
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    // --- webhook endpoints ---

    pub async fn insert_webhook_endpoint(&self, e: &WebhookEndpoint) -> Result<()> {
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, endpoint_url, events, enabled, secret, last_failure_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&e.id)
        .bind(&e.endpoint_url)
        .bind(&e.events)
        .bind(e.enabled)
        .bind(e.secret.as_slice())
        .bind(e.last_failure_at)
        .bind(e.created_at)
        .bind(e.updated_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn update_webhook_endpoint(&self, e: &WebhookEndpoint) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET endpoint_url = $1, events = $2, enabled = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(&e.endpoint_url)
        .bind(&e.events)
        .bind(e.enabled)
        .bind(e.updated_at)
        .bind(&e.id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delete_webhook_endpoint(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn webhook_endpoint(&self, id: &str) -> Result<Option<WebhookEndpoint>> {
        Ok(sqlx::query_as(&format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn webhook_endpoints(&self, environment_id: &str) -> Result<Vec<WebhookEndpoint>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE environment_id = $1 ORDER BY id"
        ))
        .bind(environment_id)
        .fetch_all(&self.pool)
        .await?)
    }

    // --- webhook deliveries ---

    /// Claims up to `limit` due deliveries for this process until `lease_until`, so several
    /// processes never send the same delivery at once. Returns what each needs to be sent.
    pub async fn claim_due_deliveries(&self, now: i64, lease_until: i64, limit: i64) -> Result<Vec<DueDelivery>> {
        let candidates = sqlx::query(
            "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
               AND (lease_until IS NULL OR lease_until <= $1) ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for row in candidates {
            let id: String = row.try_get("id")?;
            let done = sqlx::query(
                "UPDATE webhook_deliveries SET lease_until = $1 WHERE id = $2 AND status = 'pending' \
                   AND (lease_until IS NULL OR lease_until <= $3)",
            )
            .bind(lease_until)
            .bind(&id)
            .bind(now)
            .execute(&self.pool)
            .await?;
            if done.rows_affected() != 1 {
                continue;
            }
            let due = sqlx::query_as::<_, DueDelivery>(
                "SELECT d.id, d.endpoint_id, d.attempts, d.created_at AS delivery_created_at, e.id AS event_id, \
                    e.event, e.data, e.created_at AS event_created_at, w.endpoint_url, w.secret \
                 FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
                 JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE d.id = $1",
            )
            .bind(&id)
            .fetch_optional(&self.pool)
            .await?;
            claimed.extend(due);
        }
        Ok(claimed)
    }

    /// Records an attempt: delivered, retried later, or given up (which also marks the endpoint).
    pub async fn settle_delivery(&self, d: &DeliveryOutcome) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, last_status_code = $4, \
                last_error = $5, lease_until = NULL, updated_at = $6 WHERE id = $7",
        )
        .bind(&d.status)
        .bind(d.attempts)
        .bind(d.next_attempt_at)
        .bind(d.status_code)
        .bind(d.error.as_deref())
        .bind(d.now)
        .bind(&d.id)
        .execute(&mut *tx)
        .await?;
        if d.status == "failed" {
            sqlx::query("UPDATE webhook_endpoints SET last_failure_at = $1 WHERE id = $2")
                .bind(d.now)
                .bind(&d.endpoint_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Queues a delivery again, now.
    pub async fn resend_delivery(&self, environment_id: &str, id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, lease_until = NULL, updated_at = $1 \
             WHERE id = $2 AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE environment_id = $3)",
        )
        .bind(now)
        .bind(id)
        .bind(environment_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The most recent deliveries, newest first, with their event's name.
    pub async fn recent_deliveries(&self, environment_id: &str, limit: i64) -> Result<Vec<DeliveryRow>> {
        Ok(sqlx::query_as(
            "SELECT d.id, d.endpoint_id, e.event, d.status, d.attempts, d.last_status_code, d.last_error, \
                d.next_attempt_at, d.created_at, d.updated_at \
             FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
             WHERE e.environment_id = $2 ORDER BY d.created_at DESC, d.id DESC LIMIT $1",
        )
        .bind(limit)
        .bind(environment_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records an event that changes no state (a failed connection attempt).
    pub async fn record_event(&self, event: &NewEvent) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    // --- OAuth states ---

    pub async fn insert_oauth_state(&self, s: &OAuthState) -> Result<()> {
        sqlx::query(
            "INSERT INTO oauth_states (state_hash, provider_id, user_id, organization_id, browser_binding, \
                pkce_verifier, return_to, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&s.state_hash)
        .bind(&s.provider_id)
        .bind(&s.user_id)
        .bind(&s.organization_id)
        .bind(&s.browser_binding)
        .bind(s.pkce_verifier.as_deref())
        .bind(&s.return_to)
        .bind(s.expires_at)
        .bind(s.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes and returns a pending authorization. Deleting is what makes a state single-use:
    /// of two callbacks racing with one state, only one gets the row.
    pub async fn take_oauth_state(&self, state_hash: &str) -> Result<Option<OAuthState>> {
        Ok(sqlx::query_as(
            "DELETE FROM oauth_states WHERE state_hash = $1 \
             RETURNING state_hash, provider_id, user_id, organization_id, browser_binding, pkce_verifier, \
                return_to, expires_at, created_at",
        )
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn purge_expired_oauth_states(&self, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }

    // --- API keys ---

    /// Up to `limit` non-null sealed values of one column, in id order after `after`. `place`
    /// comes from [`crate::keys::SEALED`], never from input.
    pub async fn sealed_values(
        &self,
        place: &crate::keys::SealedColumn,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, Vec<u8>)>> {
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
    pub async fn replace_sealed(
        &self,
        place: &crate::keys::SealedColumn,
        id: &str,
        old: &[u8],
        new: &[u8],
    ) -> Result<bool> {
        let sql = format!(
            "UPDATE {table} SET {col} = $1 WHERE {id} = $2 AND {col} = $3",
            id = place.id_column,
            col = place.column,
            table = place.table
        );
        let done = sqlx::query(&sql).bind(new).bind(id).bind(old).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

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
        .bind(&k.environment_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every key, newest first (revoked ones too: the dashboard shows when they went).
    pub async fn api_keys(&self, environment_id: &str) -> Result<Vec<ApiKeyRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, environment_id, key_hash, prefix, name, created_at, last_used_at, revoked_at FROM api_keys \
             WHERE environment_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(environment_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes a key (only in `environment_id` when given); false when there is no such key or
    /// it was revoked already.
    pub async fn revoke_api_key(&self, environment_id: Option<&str>, id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL \
             AND ($3 IS NULL OR environment_id = $3)",
        )
        .bind(now)
        .bind(id)
        .bind(environment_id)
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

    /// Everything a token fetch reads, in one query: the API key by its hash, the provider of
    /// that slug in the key's environment, and the user's connection to it. One round trip
    /// instead of three is most of what the token endpoint costs beyond authentication
    /// (BENCHMARKS.md). `None`: no such key.
    pub async fn token_lookup(
        &self,
        key_hash: &str,
        slug: &str,
        user_id: &str,
        organization_id: &str,
    ) -> Result<Option<TokenLookup>> {
        Ok(sqlx::query_as(
            "SELECT k.id AS key_id, k.environment_id, k.revoked_at, k.last_used_at, \
                p.id AS provider_id, p.scopes AS provider_scopes, \
                c.id AS connection_id, c.state, c.access_token, c.expires_at, c.scopes AS connection_scopes \
             FROM api_keys k \
             LEFT JOIN providers p ON p.environment_id = k.environment_id AND p.slug = $2 \
             LEFT JOIN connections c ON c.provider_id = p.id AND c.user_id = $3 AND c.organization_id = $4 \
             WHERE k.key_hash = $1",
        )
        .bind(key_hash)
        .bind(slug)
        .bind(user_id)
        .bind(organization_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, environment_id, key_hash, prefix, name, created_at, last_used_at, revoked_at FROM api_keys \
             WHERE key_hash = $1",
        )
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?)
    }
}

const ENDPOINT_COLUMNS: &str =
    "id, endpoint_url, events, enabled, secret, last_failure_at, created_at, updated_at, environment_id";

/// Filters of `GET /events`.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub environment_id: String,
    pub events: Vec<String>,
    pub organization_id: Option<String>,
    pub range_start: Option<i64>,
    pub range_end: Option<i64>,
    pub after: Option<String>,
    pub descending: bool,
    pub limit: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: String,
    pub event: String,
    pub organization_id: String,
    pub data: String,
    pub created_at: i64,
}

/// A webhook endpoint; `secret` is sealed.
#[derive(Clone, sqlx::FromRow)]
pub struct WebhookEndpoint {
    pub id: String,
    pub endpoint_url: String,
    /// Space-separated event names.
    pub events: String,
    pub enabled: i64,
    pub secret: Vec<u8>,
    pub last_failure_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub environment_id: String,
}

/// A delivery claimed for sending, with what it needs.
#[derive(Clone, sqlx::FromRow)]
pub struct DueDelivery {
    pub id: String,
    pub endpoint_id: String,
    pub attempts: i64,
    pub delivery_created_at: i64,
    pub event_id: String,
    pub event: String,
    pub data: String,
    pub event_created_at: i64,
    pub endpoint_url: String,
    pub secret: Vec<u8>,
}

/// The result of one delivery attempt.
#[derive(Debug, Clone)]
pub struct DeliveryOutcome {
    pub id: String,
    pub endpoint_id: String,
    /// 'delivered', 'pending' (retry later) or 'failed' (given up).
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub now: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub endpoint_id: String,
    pub event: String,
    pub status: String,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An event to write to the outbox.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: String,
    /// The provider the event is about: its environment is the event's.
    pub provider_id: String,
    pub event: String,
    pub organization_id: String,
    /// The event's `data`, as JSON.
    pub data: String,
    pub created_at: i64,
}

/// Writes an event and a pending delivery for every enabled webhook endpoint subscribed to it,
/// inside the caller's transaction.
async fn insert_event(tx: &mut sqlx::Transaction<'_, sqlx::Any>, e: &NewEvent) -> Result<()> {
    sqlx::query(
        "INSERT INTO events (id, event, organization_id, data, created_at, environment_id) \
         SELECT $1, $2, $3, $4, $5, environment_id FROM providers WHERE id = $6",
    )
    .bind(&e.id)
    .bind(&e.event)
    .bind(&e.organization_id)
    .bind(&e.data)
    .bind(e.created_at)
    .bind(&e.provider_id)
    .execute(&mut **tx)
    .await?;
    // Endpoints of the event's environment only.
    let endpoints = sqlx::query(
        "SELECT w.id, w.events FROM webhook_endpoints w JOIN events e ON e.environment_id = w.environment_id \
         WHERE e.id = $1 AND w.enabled = 1",
    )
    .bind(&e.id)
    .fetch_all(&mut **tx)
    .await?;
    for row in endpoints {
        let endpoint_id: String = row.try_get("id")?;
        let events: String = row.try_get("events")?;
        if !events.split(' ').any(|name| name == e.event) {
            continue;
        }
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempts, next_attempt_at, created_at, updated_at) \
             VALUES ($1, $2, $3, 'pending', 0, $4, $4, $4)",
        )
        .bind(crate::ids::new_id("whd"))
        .bind(&endpoint_id)
        .bind(&e.id)
        .bind(e.created_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Binds a provider's columns from `name` on, as $3…$27 (after id and slug).
fn bind_provider<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    p: &'q Provider,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
        .bind(&p.name)
        .bind(&p.description)
        .bind(&p.icon_url)
        .bind(&p.authorization_url)
        .bind(&p.token_url)
        .bind(&p.refresh_token_url)
        .bind(&p.client_id)
        .bind(p.client_secret.as_deref())
        .bind(&p.client_secret_hint)
        .bind(p.scopes.to_db())
        .bind(&p.scope_separator)
        .bind(&p.scope_parameter)
        .bind(p.scopes_required)
        .bind(p.client_secret_required)
        .bind(p.pkce_enabled)
        .bind(&p.authenticate_via)
        .bind(&p.token_body_content_type)
        .bind(p.authorization_parameters.to_db())
        .bind(p.token_request_headers.to_db())
        .bind(p.token_response_paths.to_db())
        .bind(p.catalog_slug.as_deref())
        .bind(&p.credentials_type)
        .bind(p.enabled)
        .bind(p.created_at)
        .bind(p.updated_at)
}

/// Runs the SQLite migrations on a connection of their own with foreign-key enforcement off, as
/// SQLite's procedure for changing a table's constraints requires: a migration that rebuilds a
/// table drops the old one, which with enforcement on would cascade into its children's rows.
/// Each migration still runs in one transaction, and the foreign keys are checked afterwards.
async fn migrate_sqlite(url: &str) -> Result<()> {
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    let failed = |e: String| Error::Internal(format!("database migration failed: {e}"));
    let options =
        sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(|e| failed(e.to_string()))?.foreign_keys(false);
    let mut conn = options.connect().await?;
    SQLITE_MIGRATIONS.run_direct(&mut conn).await.map_err(|e| failed(e.to_string()))?;
    let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut conn).await?;
    sqlx::Connection::close(conn).await?;
    if !broken.is_empty() {
        return Err(failed(format!("{} row(s) break a foreign key after migrating", broken.len())));
    }
    Ok(())
}

/// `sqlite://path` → a URL that creates the file if missing, after creating its directory.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Err(Error::Internal(
            "PLUMB_DATABASE_URL must name a SQLite file (like sqlite://data/plumb.db): an in-memory \
             database would be lost on restart and is not shared between connections"
                .into(),
        ));
    }
    if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Internal(format!("cannot create the database directory {}: {e}", dir.display())))?;
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_come_from_the_url_scheme() {
        assert_eq!(Backend::from_url("sqlite://data/plumb.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("postgresql://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("mysql://h/db"), None);
    }

    #[test]
    fn sqlite_urls_create_the_file() {
        let dir = std::env::temp_dir().join(format!("plumb-url-{}", crate::ids::random_token(6)));
        let url = format!("sqlite://{}/x.db", dir.display());
        assert_eq!(prepare_sqlite_url(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.is_dir());
        assert!(prepare_sqlite_url("sqlite::memory:").is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Both trees must define the same migrations, in the same order, by name.
    #[test]
    fn migration_trees_mirror_each_other() {
        let names = |m: &sqlx::migrate::Migrator| -> Vec<(i64, String)> {
            m.iter().map(|x| (x.version, x.description.to_string())).collect()
        };
        assert_eq!(names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS));
        assert!(SQLITE_MIGRATIONS.iter().count() > 0);
    }

    /// The bundled SQLite is built with the query planner stability guarantee
    /// (.cargo/config.toml): without it, sample statistics from ANALYZE make SQLite re-plan the
    /// token lookup on every request (BENCHMARKS.md).
    #[tokio::test]
    async fn sqlite_keeps_one_plan_per_statement() {
        let dir = std::env::temp_dir().join(format!("plumb-qpsg-{}", crate::ids::random_token(6)));
        let store = Store::connect(&format!("sqlite://{}/q.db", dir.display())).await.unwrap();
        let used = |option: &'static str| {
            sqlx::query_scalar::<_, i64>("SELECT sqlite_compileoption_used($1)").bind(option).fetch_one(&store.pool)
        };
        assert_eq!(used("ENABLE_QPSG").await.unwrap(), 1, "build SQLite with LIBSQLITE3_FLAGS=-DSQLITE_ENABLE_QPSG");
        // And each connection keeps its own page cache: the shared one of MEMORY_MANAGEMENT made
        // the pool's connections queue on its mutex and evict each other's pages.
        assert_eq!(
            used("ENABLE_MEMORY_MANAGEMENT").await.unwrap(),
            0,
            "build SQLite with LIBSQLITE3_FLAGS=-USQLITE_ENABLE_MEMORY_MANAGEMENT"
        );
        store.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// The environments migration rebuilds `providers` on SQLite: a database from before it
    /// keeps its providers, connections and icons, now in the sandbox environment.
    #[tokio::test]
    async fn upgrading_a_sqlite_database_keeps_every_row() {
        use sqlx::ConnectOptions;
        use std::str::FromStr;
        let dir = std::env::temp_dir().join(format!("plumb-upgrade-{}", crate::ids::random_token(6)));
        let url = prepare_sqlite_url(&format!("sqlite://{}/old.db", dir.display())).unwrap();
        let before: Vec<_> = SQLITE_MIGRATIONS.iter().filter(|m| m.version < 20261201000006).cloned().collect();
        let old =
            sqlx::migrate::Migrator { migrations: std::borrow::Cow::Owned(before), ..sqlx::migrate::Migrator::DEFAULT };
        let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(&url).unwrap().connect().await.unwrap();
        old.run_direct(&mut conn).await.unwrap();
        for sql in [
            "INSERT INTO providers (id, slug, name, authorization_url, token_url, client_id, created_at, updated_at) \
             VALUES ('prov_1', 'acme', 'Acme', 'https://a/a', 'https://a/t', 'cid', 1, 1)",
            "INSERT INTO connections (id, provider_id, user_id, state, created_at, updated_at) \
             VALUES ('conn_1', 'prov_1', 'u1', 'connected', 1, 1)",
            "INSERT INTO provider_icons VALUES ('prov_1', 'image/png', x'00', 'upload', 1)",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        sqlx::Connection::close(conn).await.unwrap();

        let store = Store::connect(&format!("sqlite://{}/old.db", dir.display())).await.unwrap();
        let provider = store.provider_by_slug(SANDBOX, "acme").await.unwrap().unwrap();
        assert_eq!(provider.environment_id, SANDBOX);
        assert!(store.connection_by_id("conn_1").await.unwrap().is_some());
        assert!(store.icon("prov_1").await.unwrap().is_some());
        // The same slug can now exist in production, and the cascade still reaches connections.
        let mut live = provider.clone();
        live.id = "prov_2".into();
        live.environment_id = "env_production".into();
        assert!(store.insert_provider(&live).await.is_ok());
        sqlx::query("DELETE FROM providers WHERE id = 'prov_1'").execute(&store.pool).await.unwrap();
        assert!(store.connection_by_id("conn_1").await.unwrap().is_none());
        store.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}
