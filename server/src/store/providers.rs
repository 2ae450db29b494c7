//! Providers, their icons, and the instance's shared OAuth apps for catalog providers.

use super::connections::CONNECTION_COLUMNS;
use super::database::{flag, Store};
use super::events::{insert_event, NewEvent};
use crate::connections::Connection;
use crate::error::{Error, Result};
use crate::icons::{Icon, IconVersion};
use crate::ids::{EnvironmentId, ProviderId};
use crate::paging::Page;
use crate::providers::{CredentialsKind, Ownership, Provider, ScopeList};
use app::model::{AuthenticateVia, ResponsePaths, TokenBodyType};
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

/// Why a provider could not be inserted.
#[derive(Debug)]
pub enum InsertProviderError {
    SlugTaken,
    Other(Error),
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

const PROVIDER_COLUMNS: &str = "id, slug, name, description, icon_url, authorization_url, token_url, \
     refresh_token_url, client_id, client_secret, client_secret_hint, scopes, scope_separator, scope_parameter, \
     scopes_required, client_secret_required, pkce_enabled, authenticate_via, token_body_content_type, \
     authorization_parameters, token_request_headers, token_response_paths, catalog_slug, credentials_type, \
     enabled, created_at, updated_at, environment_id, issuer, issuer_sends_iss, ownership, multiple_connections, \
     revocation_url, access, config, config_secret";

impl FromRow<'_, AnyRow> for Provider {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        let json = |column: &str| -> sqlx::Result<String> { row.try_get(column) };
        let decode = |column: &'static str, e: serde_json::Error| sqlx::Error::ColumnDecode {
            index: column.into(),
            source: Box::new(e),
        };
        Ok(Self {
            id: row.try_get::<String, _>("id")?.into(),
            environment_id: row.try_get::<String, _>("environment_id")?.into(),
            slug: row.try_get("slug")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            icon_url: row.try_get("icon_url")?,
            authorization_url: row.try_get("authorization_url")?,
            token_url: row.try_get("token_url")?,
            refresh_token_url: row.try_get("refresh_token_url")?,
            client_id: row.try_get("client_id")?,
            client_secret: row.try_get("client_secret")?,
            client_secret_hint: row.try_get("client_secret_hint")?,
            scopes: ScopeList::from(row.try_get::<String, _>("scopes")?),
            scope_separator: row.try_get("scope_separator")?,
            scope_parameter: row.try_get("scope_parameter")?,
            scopes_required: flag(row, "scopes_required")?,
            client_secret_required: flag(row, "client_secret_required")?,
            pkce_enabled: flag(row, "pkce_enabled")?,
            // A name this Plumb does not know can only come from a newer one: the defaults are
            // what every provider did before the setting existed.
            authenticate_via: AuthenticateVia::parse(&row.try_get::<String, _>("authenticate_via")?)
                .unwrap_or_default(),
            token_body: TokenBodyType::parse(&row.try_get::<String, _>("token_body_content_type")?).unwrap_or_default(),
            authorization_parameters: pairs_from_db(&json("authorization_parameters")?)
                .map_err(|e| decode("authorization_parameters", e))?,
            token_request_headers: pairs_from_db(&json("token_request_headers")?)
                .map_err(|e| decode("token_request_headers", e))?,
            token_response_paths: serde_json::from_str(&json("token_response_paths")?)
                .map_err(|e| decode("token_response_paths", e))?,
            catalog_slug: row.try_get("catalog_slug")?,
            credentials: CredentialsKind::parse(&row.try_get::<String, _>("credentials_type")?),
            enabled: flag(row, "enabled")?,
            issuer: row.try_get("issuer")?,
            issuer_sends_iss: flag(row, "issuer_sends_iss")?,
            ownership: Ownership::parse(&row.try_get::<String, _>("ownership")?),
            multiple_connections: flag(row, "multiple_connections")?,
            revocation_url: row.try_get("revocation_url")?,
            access: access_from_db(&json("access")?).map_err(|e| decode("access", e))?,
            config: serde_json::from_str(&json("config")?).map_err(|e| decode("config", e))?,
            config_secret: row.try_get("config_secret")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// Ordered name/value pairs, stored as a JSON array of pairs.
fn pairs_to_db(pairs: &[(String, String)]) -> String {
    serde_json::to_string(pairs).expect("pairs serialize")
}

fn pairs_from_db(text: &str) -> serde_json::Result<Vec<(String, String)>> {
    serde_json::from_str(text)
}

/// How a provider is reached, stored as JSON; empty for OAuth only (what every provider did
/// before methods and fields existed).
fn access_from_db(text: &str) -> serde_json::Result<app::methods::Access> {
    if text.is_empty() {
        Ok(app::methods::Access::default())
    } else {
        serde_json::from_str(text)
    }
}

fn access_to_db(access: &app::methods::Access) -> String {
    if *access == app::methods::Access::default() {
        String::new()
    } else {
        serde_json::to_string(access).expect("access serializes")
    }
}

/// Token response paths, stored as a JSON object.
fn paths_to_db(paths: &ResponsePaths) -> String {
    serde_json::to_string(paths).expect("paths serialize")
}

impl Store {
    pub async fn insert_provider(&self, p: &Provider) -> Result<(), InsertProviderError> {
        let sql = format!(
            "INSERT INTO providers ({PROVIDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36)"
        );
        let (parameters, headers, paths) = encoded(p);
        let result =
            bind_provider(sqlx::query(&sql).bind(p.id.as_str()).bind(&p.slug), p, &parameters, &headers, &paths)
                .bind(p.environment_id.as_str())
                .bind(&p.issuer)
                .bind(p.issuer_sends_iss as i64)
                .bind(p.ownership.as_str())
                .bind(p.multiple_connections as i64)
                .bind(&p.revocation_url)
                .bind(access_to_db(&p.access))
                .bind(serde_json::to_string(&p.config).expect("values serialize"))
                .bind(p.config_secret.as_deref())
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
             catalog_slug = $23, credentials_type = $24, enabled = $25, created_at = $26, updated_at = $27, \
             issuer = $28, issuer_sends_iss = $29, ownership = $30, multiple_connections = $31, revocation_url = $32, \
             access = $33, config = $34, config_secret = $35 WHERE id = $1 AND slug = $2";
        let (parameters, headers, paths) = encoded(p);
        let done = bind_provider(sqlx::query(sql).bind(p.id.as_str()).bind(&p.slug), p, &parameters, &headers, &paths)
            .bind(&p.issuer)
            .bind(p.issuer_sends_iss as i64)
            .bind(p.ownership.as_str())
            .bind(p.multiple_connections as i64)
            .bind(&p.revocation_url)
            .bind(access_to_db(&p.access))
            .bind(serde_json::to_string(&p.config).expect("values serialize"))
            .bind(p.config_secret.as_deref())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the provider with its connections (recording an event for each, made by
    /// `event_for`) and pending authorizations, in one transaction. Returns how many connections
    /// went, or `None` when there was no such provider.
    pub async fn delete_provider(
        &self,
        id: &ProviderId,
        event_for: impl Fn(&Connection) -> NewEvent,
    ) -> Result<Option<i64>> {
        let mut tx = self.pool.begin().await?;
        let sql = format!("DELETE FROM connections WHERE provider_id = $1 RETURNING {CONNECTION_COLUMNS}");
        let removed: Vec<Connection> = sqlx::query_as(&sql).bind(id.as_str()).fetch_all(&mut *tx).await?;
        for c in &removed {
            insert_event(&mut tx, &event_for(c)).await?;
            sqlx::query("DELETE FROM relay_usage WHERE connection_id = $1")
                .bind(c.id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query("DELETE FROM providers WHERE id = $1").bind(id.as_str()).execute(&mut *tx).await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(removed.len() as i64))
    }

    pub async fn count_connections(&self, provider_id: &ProviderId) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM connections WHERE provider_id = $1")
            .bind(provider_id.as_str())
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// A page of providers in id order (ids sort by creation), starting past the page's `after`
    /// or `before` cursor (exclusive). Returns the page in list order, and whether more
    /// providers lie beyond it in the direction walked.
    pub async fn page_providers(&self, environment_id: &EnvironmentId, page: &Page) -> Result<(Vec<Provider>, bool)> {
        // Walking "before" a cursor means walking the other way and reversing the page.
        let (cursor, forward) = match (&page.after, &page.before) {
            (Some(a), _) => (Some(a), true),
            (None, Some(b)) => (Some(b), false),
            (None, None) => (None, true),
        };
        let walk_descending = page.descending == forward;
        let (cmp, order) = if walk_descending { ("<", "DESC") } else { (">", "ASC") };
        let filter = if cursor.is_some() { format!("AND id {cmp} $3") } else { String::new() };
        let sql = format!(
            "SELECT {PROVIDER_COLUMNS} FROM providers WHERE environment_id = $2 {filter} ORDER BY id {order} LIMIT $1"
        );
        let mut query = sqlx::query_as(&sql).bind(page.limit + 1).bind(environment_id.as_str());
        if let Some(c) = cursor {
            query = query.bind(c.as_str());
        }
        let mut rows: Vec<Provider> = query.fetch_all(&self.pool).await?;
        let more = rows.len() > page.limit as usize;
        rows.truncate(page.limit as usize);
        if !forward {
            rows.reverse();
        }
        Ok((rows, more))
    }

    /// Every provider with its number of connected accounts, oldest first.
    pub async fn list_providers(&self, environment_id: &EnvironmentId) -> Result<Vec<(Provider, i64)>> {
        let sql = format!(
            "SELECT {PROVIDER_COLUMNS}, \
                (SELECT COUNT(*) FROM connections c WHERE c.provider_id = providers.id) AS connected_accounts \
             FROM providers WHERE environment_id = $1 ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql).bind(environment_id.as_str()).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row: &AnyRow| Ok((Provider::from_row(row)?, row.try_get::<i64, _>("connected_accounts")?)))
            .collect()
    }

    /// Every provider, oldest first, without counting connections (for the widget).
    pub async fn providers(&self, environment_id: &EnvironmentId) -> Result<Vec<Provider>> {
        let sql = format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE environment_id = $1 ORDER BY created_at, id");
        Ok(sqlx::query_as(&sql).bind(environment_id.as_str()).fetch_all(&self.pool).await?)
    }

    pub async fn provider_by_slug(&self, environment_id: &EnvironmentId, slug: &str) -> Result<Option<Provider>> {
        let sql = format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE environment_id = $1 AND slug = $2");
        Ok(sqlx::query_as(&sql).bind(environment_id.as_str()).bind(slug).fetch_optional(&self.pool).await?)
    }

    pub async fn provider_by_id(&self, id: &ProviderId) -> Result<Option<Provider>> {
        let sql = format!("SELECT {PROVIDER_COLUMNS} FROM providers WHERE id = $1");
        Ok(sqlx::query_as(&sql).bind(id.as_str()).fetch_optional(&self.pool).await?)
    }

    pub async fn save_icon(&self, provider_id: &ProviderId, icon: &Icon, source: &str, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO provider_icons (provider_id, content_type, data, source, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (provider_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data, \
                source = excluded.source, updated_at = excluded.updated_at",
        )
        .bind(provider_id.as_str())
        .bind(icon.content_type)
        .bind(icon.data.as_slice())
        .bind(source)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete_icon(&self, provider_id: &ProviderId) -> Result<()> {
        sqlx::query("DELETE FROM provider_icons WHERE provider_id = $1")
            .bind(provider_id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A provider's icon: content type and bytes.
    pub async fn icon(&self, provider_id: &ProviderId) -> Result<Option<(String, Vec<u8>)>> {
        let row = sqlx::query("SELECT content_type, data FROM provider_icons WHERE provider_id = $1")
            .bind(provider_id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some((row.try_get("content_type")?, row.try_get("data")?)),
            None => None,
        })
    }

    /// Which providers have an icon, where it came from, and when it changed.
    pub async fn icon_versions(&self) -> Result<Vec<IconVersion>> {
        let rows =
            sqlx::query("SELECT provider_id, source, updated_at FROM provider_icons").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(IconVersion {
                    provider_id: r.try_get::<String, _>("provider_id")?.into(),
                    source: r.try_get("source")?,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

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
}

/// The JSON columns of a provider, encoded once for binding.
fn encoded(p: &Provider) -> (String, String, String) {
    (
        pairs_to_db(&p.authorization_parameters),
        pairs_to_db(&p.token_request_headers),
        paths_to_db(&p.token_response_paths),
    )
}

/// Binds a provider's columns from `name` on, as $3…$27 (after id and slug).
fn bind_provider<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    p: &'q Provider,
    authorization_parameters: &'q str,
    token_request_headers: &'q str,
    token_response_paths: &'q str,
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
        .bind(p.scopes_required as i64)
        .bind(p.client_secret_required as i64)
        .bind(p.pkce_enabled as i64)
        .bind(p.authenticate_via.as_str())
        .bind(p.token_body.content_type())
        .bind(authorization_parameters)
        .bind(token_request_headers)
        .bind(token_response_paths)
        .bind(p.catalog_slug.as_deref())
        .bind(p.credentials.as_str())
        .bind(p.enabled as i64)
        .bind(p.created_at)
        .bind(p.updated_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_json_columns_round_trip() {
        let pairs = vec![("a".to_string(), "b c".to_string())];
        assert_eq!(pairs_from_db(&pairs_to_db(&pairs)).unwrap(), pairs);
        let paths = ResponsePaths { access_token: "x.y".into(), ..Default::default() };
        assert_eq!(serde_json::from_str::<ResponsePaths>(&paths_to_db(&paths)).unwrap(), paths);
        assert_eq!(serde_json::from_str::<ResponsePaths>("{}").unwrap(), ResponsePaths::default());
    }
}
