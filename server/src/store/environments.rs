//! Environments (sandbox, production): what scopes providers, API keys, webhook endpoints and
//! events, and each one's browser-facing settings.

use super::Store;
use crate::error::Result;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Environment {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// 1 for production: API keys start with `sk_live_`.
    pub live: i64,
    /// Space-separated origins an authorization link may return to.
    pub return_to_origins: String,
    /// Space-separated origins allowed to frame the widget.
    pub frame_ancestors: String,
    pub created_at: i64,
}

/// The environment rows that exist before anyone adds one.
pub const SANDBOX: &str = "env_sandbox";

const COLUMNS: &str = "id, slug, name, live, return_to_origins, frame_ancestors, created_at";

impl Store {
    /// Every environment, sandbox first.
    pub async fn environments(&self) -> Result<Vec<Environment>> {
        Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM environments ORDER BY live, created_at, id"))
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn environment(&self, id: &str) -> Result<Option<Environment>> {
        Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM environments WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn environment_by_slug(&self, slug: &str) -> Result<Option<Environment>> {
        Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM environments WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Adds an environment; false when the slug is taken.
    pub async fn insert_environment(&self, e: &Environment) -> Result<bool> {
        let result = sqlx::query(
            "INSERT INTO environments (id, slug, name, live, return_to_origins, frame_ancestors, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&e.id)
        .bind(&e.slug)
        .bind(&e.name)
        .bind(e.live)
        .bind(&e.return_to_origins)
        .bind(&e.frame_ancestors)
        .bind(e.created_at)
        .execute(&self.pool)
        .await;
        match result {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn update_environment_settings(
        &self,
        id: &str,
        return_to_origins: &str,
        frame_ancestors: &str,
    ) -> Result<bool> {
        let done = sqlx::query("UPDATE environments SET return_to_origins = $1, frame_ancestors = $2 WHERE id = $3")
            .bind(return_to_origins)
            .bind(frame_ancestors)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
