//! An organization's own settings for a provider (`provider_organizations`): whether it may
//! connect, its scopes, and its own OAuth app; each unset column falls back to the provider's.

use super::database::Store;
use crate::error::Result;
use crate::ids::{EnvironmentId, ProviderId};
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

#[derive(Clone, Default)]
pub struct OrganizationSettings {
    pub provider_id: String,
    pub organization_id: String,
    pub enabled: Option<bool>,
    /// Space-separated, like the provider's.
    pub scopes: Option<String>,
    pub client_id: Option<String>,
    /// Sealed, bound to this row (see [`crate::organizations::secret_aad`]).
    pub client_secret: Option<Vec<u8>>,
    pub client_secret_hint: String,
    /// The organization's own pinned values (JSON object, non-secret), laid over the provider's.
    pub config: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for OrganizationSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrganizationSettings")
            .field("provider_id", &self.provider_id)
            .field("organization_id", &self.organization_id)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl FromRow<'_, AnyRow> for OrganizationSettings {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            provider_id: row.try_get("provider_id")?,
            organization_id: row.try_get("organization_id")?,
            enabled: row.try_get::<Option<i64>, _>("enabled")?.map(|e| e != 0),
            scopes: row.try_get("scopes")?,
            client_id: row.try_get("client_id")?,
            client_secret: row.try_get("client_secret")?,
            client_secret_hint: row.try_get("client_secret_hint")?,
            config: row.try_get("config")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

const COLUMNS: &str = "provider_id, organization_id, enabled, scopes, client_id, client_secret, client_secret_hint, \
     created_at, updated_at, config";

impl Store {
    pub async fn organization_settings(
        &self,
        provider_id: &ProviderId,
        organization_id: &str,
    ) -> Result<Option<OrganizationSettings>> {
        let sql =
            format!("SELECT {COLUMNS} FROM provider_organizations WHERE provider_id = $1 AND organization_id = $2");
        Ok(sqlx::query_as(&sql).bind(provider_id.as_str()).bind(organization_id).fetch_optional(&self.pool).await?)
    }

    /// An organization's settings for the environment's providers, one per provider it
    /// configured: one query where a list of providers needs each one's. (The primary key leads
    /// with the provider, so each of the environment's providers is one index lookup.)
    pub async fn settings_of_organization(
        &self,
        environment_id: &EnvironmentId,
        organization_id: &str,
    ) -> Result<Vec<OrganizationSettings>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM provider_organizations WHERE organization_id = $1 \
             AND provider_id IN (SELECT id FROM providers WHERE environment_id = $2)"
        );
        Ok(sqlx::query_as(&sql).bind(organization_id).bind(environment_id.as_str()).fetch_all(&self.pool).await?)
    }

    /// Inserts or replaces an organization's settings for a provider.
    pub async fn save_organization_settings(&self, s: &OrganizationSettings) -> Result<()> {
        let sql = format!(
            "INSERT INTO provider_organizations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (provider_id, organization_id) DO UPDATE SET enabled = excluded.enabled, \
                scopes = excluded.scopes, client_id = excluded.client_id, client_secret = excluded.client_secret, \
                client_secret_hint = excluded.client_secret_hint, updated_at = excluded.updated_at, \
                config = excluded.config"
        );
        sqlx::query(&sql)
            .bind(&s.provider_id)
            .bind(&s.organization_id)
            .bind(s.enabled.map(i64::from))
            .bind(s.scopes.as_deref())
            .bind(s.client_id.as_deref())
            .bind(s.client_secret.as_deref())
            .bind(&s.client_secret_hint)
            .bind(s.created_at)
            .bind(s.updated_at)
            .bind(s.config.as_deref())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes an organization's settings; returns whether there were any.
    pub async fn delete_organization_settings(&self, provider_id: &ProviderId, organization_id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM provider_organizations WHERE provider_id = $1 AND organization_id = $2")
            .bind(provider_id.as_str())
            .bind(organization_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
