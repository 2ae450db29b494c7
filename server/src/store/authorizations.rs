//! Authorizations in progress: the pending state of each flow a browser started (what the
//! callback needs to finish it), and the one-time links that start one from the API.

use super::database::Store;
use crate::connections::Owner;
use crate::error::Result;
use crate::ids::ProviderId;

/// A pending authorization: what the callback needs to finish the flow it belongs to.
#[derive(Clone, sqlx::FromRow)]
pub struct OAuthState {
    pub state_hash: String,
    #[sqlx(try_from = "String")]
    pub provider_id: ProviderId,
    pub user_id: String,
    pub organization_id: String,
    pub browser_binding: String,
    pub pkce_verifier: Option<Vec<u8>>,
    pub return_to: String,
    pub expires_at: i64,
    pub created_at: i64,
}

impl OAuthState {
    pub fn owner(&self) -> Owner {
        Owner::from_row(self.user_id.clone(), self.organization_id.clone())
    }
}

/// A one-time link that starts an authorization in the browser that opens it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthorizationLink {
    pub link_hash: String,
    #[sqlx(try_from = "String")]
    pub provider_id: ProviderId,
    pub user_id: String,
    pub organization_id: String,
    /// Where to send the browser afterwards; empty for Plumb's own confirmation page.
    pub return_to: String,
    pub expires_at: i64,
    pub created_at: i64,
}

impl AuthorizationLink {
    pub fn owner(&self) -> Owner {
        Owner::from_row(self.user_id.clone(), self.organization_id.clone())
    }
}

impl Store {
    pub async fn insert_authorization_link(&self, l: &AuthorizationLink) -> Result<()> {
        sqlx::query(
            "INSERT INTO authorization_links (link_hash, provider_id, user_id, organization_id, return_to, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&l.link_hash)
        .bind(l.provider_id.as_str())
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

    pub async fn insert_oauth_state(&self, s: &OAuthState) -> Result<()> {
        sqlx::query(
            "INSERT INTO oauth_states (state_hash, provider_id, user_id, organization_id, browser_binding, \
                pkce_verifier, return_to, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&s.state_hash)
        .bind(s.provider_id.as_str())
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
}
