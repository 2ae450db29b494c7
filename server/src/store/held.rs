//! Connections held for the app's backend to finish (session binding): the tokens of an
//! authorization made through a link with a PKCE challenge, kept sealed for 90 seconds until
//! `POST /data-integrations/finish` proves, with the verifier, whose browser came back.

use super::database::Store;
use crate::connections::Owner;
use crate::error::Result;
use crate::ids::{EnvironmentId, ProviderId};

#[derive(Clone, sqlx::FromRow)]
pub struct HeldConnection {
    pub code_hash: String,
    #[sqlx(try_from = "String")]
    pub provider_id: ProviderId,
    pub user_id: String,
    pub organization_id: String,
    pub code_challenge: String,
    pub access_token: Vec<u8>,
    pub refresh_token: Option<Vec<u8>>,
    pub token_expires_at: Option<i64>,
    pub scopes: String,
    pub expires_at: i64,
    pub created_at: i64,
    /// What the flow was for, and the account its tokens revealed ([`crate::accounts::Intent`]).
    pub intent: Option<String>,
    /// The connection's configuration values, sealed.
    pub config: Option<Vec<u8>>,
}

impl HeldConnection {
    pub fn owner(&self) -> Owner {
        Owner::from_row(self.user_id.clone(), self.organization_id.clone())
    }
}

const COLUMNS: &str = "code_hash, provider_id, user_id, organization_id, code_challenge, access_token, \
     refresh_token, token_expires_at, scopes, expires_at, created_at, intent, config";

impl Store {
    pub async fn insert_held_connection(&self, h: &HeldConnection) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO held_connections ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ))
        .bind(&h.code_hash)
        .bind(h.provider_id.as_str())
        .bind(&h.user_id)
        .bind(&h.organization_id)
        .bind(&h.code_challenge)
        .bind(&h.access_token)
        .bind(h.refresh_token.as_deref())
        .bind(h.token_expires_at)
        .bind(&h.scopes)
        .bind(h.expires_at)
        .bind(h.created_at)
        .bind(h.intent.as_deref())
        .bind(h.config.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes and returns the held connection a `connect_code` names, if it belongs to a
    /// provider of `env`. Taking it is what makes the code single-use, whatever the verifier.
    pub async fn take_held_connection(&self, code_hash: &str, env: &EnvironmentId) -> Result<Option<HeldConnection>> {
        Ok(sqlx::query_as(&format!(
            "DELETE FROM held_connections WHERE code_hash = $1 \
             AND provider_id IN (SELECT id FROM providers WHERE environment_id = $2) RETURNING {COLUMNS}"
        ))
        .bind(code_hash)
        .bind(env.as_str())
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn purge_held_connections(&self, now: i64) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM held_connections WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}
