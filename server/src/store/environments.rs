//! Environments (sandbox, production): what scopes providers, API keys, webhook endpoints and
//! events, and each one's browser-facing settings.

use super::database::{flag, Store};
use crate::error::Result;
use crate::ids::EnvironmentId;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

#[derive(Debug, Clone)]
pub struct Environment {
    pub id: EnvironmentId,
    pub slug: String,
    pub name: String,
    /// Production: API keys start with `sk_live_`.
    pub live: bool,
    /// Space-separated origins an authorization link may return to.
    pub return_to_origins: String,
    /// Space-separated origins allowed to frame the widget.
    pub frame_ancestors: String,
    /// Space-separated origins whose pages may call the widget API (`/_widgets/…`, CORS).
    pub widget_origins: String,
    pub created_at: i64,
}

impl FromRow<'_, AnyRow> for Environment {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.try_get::<String, _>("id")?.into(),
            slug: row.try_get("slug")?,
            name: row.try_get("name")?,
            live: flag(row, "live")?,
            return_to_origins: row.try_get("return_to_origins")?,
            frame_ancestors: row.try_get("frame_ancestors")?,
            widget_origins: row.try_get("widget_origins")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// The environment every database starts with, where API keys and providers go by default.
pub const SANDBOX: &str = "env_sandbox";

const COLUMNS: &str = "id, slug, name, live, return_to_origins, frame_ancestors, widget_origins, created_at";

impl Store {
    /// Every environment, sandbox first.
    pub async fn environments(&self) -> Result<Vec<Environment>> {
        Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM environments ORDER BY live, created_at, id"))
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn environment(&self, id: &EnvironmentId) -> Result<Option<Environment>> {
        Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM environments WHERE id = $1"))
            .bind(id.as_str())
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
            "INSERT INTO environments (id, slug, name, live, return_to_origins, frame_ancestors, widget_origins, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(e.id.as_str())
        .bind(&e.slug)
        .bind(&e.name)
        .bind(e.live as i64)
        .bind(&e.return_to_origins)
        .bind(&e.frame_ancestors)
        .bind(&e.widget_origins)
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
        id: &EnvironmentId,
        return_to_origins: &str,
        frame_ancestors: &str,
        widget_origins: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE environments SET return_to_origins = $1, frame_ancestors = $2, widget_origins = $3 WHERE id = $4",
        )
        .bind(return_to_origins)
        .bind(frame_ancestors)
        .bind(widget_origins)
        .bind(id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
