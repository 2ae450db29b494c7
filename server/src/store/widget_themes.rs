//! The `widget_themes` table: each environment's widget look (see [`crate::widget_theme`]).

use super::database::Store;
use crate::error::Result;
use crate::ids::EnvironmentId;
use sqlx::Row;

impl Store {
    /// The environment's theme as stored (JSON), if one was saved.
    pub async fn widget_theme(&self, env: &EnvironmentId) -> Result<Option<String>> {
        let row = sqlx::query("SELECT theme FROM widget_themes WHERE environment_id = $1")
            .bind(env.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("theme")).transpose()?)
    }

    /// Saves the environment's theme (JSON), replacing the one before.
    pub async fn save_widget_theme(&self, env: &EnvironmentId, theme: &str, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO widget_themes (environment_id, theme, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (environment_id) DO UPDATE SET theme = excluded.theme, updated_at = excluded.updated_at",
        )
        .bind(env.as_str())
        .bind(theme)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
