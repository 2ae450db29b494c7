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
    /// Where the callback sends the browser; empty for a flow started in the widget, which
    /// returns to a widget token minted afresh (see `widget_key_id`).
    pub return_to: String,
    /// For a widget flow: the API key that minted the widget token (`""` for a token from
    /// before keys were named in tokens).
    pub widget_key_id: Option<String>,
    /// For a link made with the app's PKCE challenge: the challenge and the app's `state`.
    pub code_challenge: Option<String>,
    pub app_state: Option<String>,
    /// What the flow is for ([`crate::accounts::Intent`], as JSON); `None`: the compatibility
    /// connection of a user.
    pub intent: Option<String>,
    pub expires_at: i64,
    pub created_at: i64,
    /// The configuration values given for the connection, sealed (some may be secret).
    pub config: Option<Vec<u8>>,
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
    /// The app's PKCE challenge and `state`, when it asked to finish the connection itself.
    pub code_challenge: Option<String>,
    pub app_state: Option<String>,
    pub intent: Option<String>,
    pub expires_at: i64,
    pub created_at: i64,
    /// The configuration values given for the connection, sealed (some may be secret).
    pub config: Option<Vec<u8>>,
    /// For a link the official widget's popup opens: the SHA-256 of its redirect and hand-off
    /// tokens ([`crate::handoff`]); only a page given both may start it.
    pub handoff: Option<String>,
}

/// The outcome of taking a pending authorization for a callback.
pub enum Taken {
    Found(Box<OAuthState>),
    /// The state exists but another browser started it: left in place, so a callback carrying a
    /// stranger's state cannot cancel the real user's flow.
    OtherBrowser,
    Unknown,
}

const LINK_COLUMNS: &str =
    "link_hash, provider_id, user_id, organization_id, return_to, code_challenge, app_state, expires_at, created_at, \
     intent, config, handoff";
const STATE_COLUMNS: &str = "state_hash, provider_id, user_id, organization_id, browser_binding, pkce_verifier, \
     return_to, widget_key_id, code_challenge, app_state, expires_at, created_at, intent, config";

impl AuthorizationLink {
    pub fn owner(&self) -> Owner {
        Owner::from_row(self.user_id.clone(), self.organization_id.clone())
    }
}

impl Store {
    pub async fn insert_authorization_link(&self, l: &AuthorizationLink) -> Result<()> {
        sqlx::query(&format!(
            "INSERT INTO authorization_links ({LINK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(&l.link_hash)
        .bind(l.provider_id.as_str())
        .bind(&l.user_id)
        .bind(&l.organization_id)
        .bind(&l.return_to)
        .bind(l.code_challenge.as_deref())
        .bind(l.app_state.as_deref())
        .bind(l.expires_at)
        .bind(l.created_at)
        .bind(l.intent.as_deref())
        .bind(l.config.as_deref())
        .bind(l.handoff.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes and returns a link: each one starts at most one authorization.
    pub async fn take_authorization_link(&self, link_hash: &str) -> Result<Option<AuthorizationLink>> {
        Ok(sqlx::query_as(&format!("DELETE FROM authorization_links WHERE link_hash = $1 RETURNING {LINK_COLUMNS}"))
            .bind(link_hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A link, left in place: what its confirmation page shows.
    pub async fn authorization_link(&self, link_hash: &str) -> Result<Option<AuthorizationLink>> {
        Ok(sqlx::query_as(&format!("SELECT {LINK_COLUMNS} FROM authorization_links WHERE link_hash = $1"))
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
        sqlx::query(&format!(
            "INSERT INTO oauth_states ({STATE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ))
        .bind(&s.state_hash)
        .bind(s.provider_id.as_str())
        .bind(&s.user_id)
        .bind(&s.organization_id)
        .bind(&s.browser_binding)
        .bind(s.pkce_verifier.as_deref())
        .bind(&s.return_to)
        .bind(s.widget_key_id.as_deref())
        .bind(s.code_challenge.as_deref())
        .bind(s.app_state.as_deref())
        .bind(s.expires_at)
        .bind(s.created_at)
        .bind(s.intent.as_deref())
        .bind(s.config.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keeps at most `keep` pending flows of one owner with one provider, dropping the oldest:
    /// each click on Connect adds one, and nothing else bounded them.
    pub async fn trim_oauth_states(&self, provider_id: &ProviderId, owner: &Owner, keep: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM oauth_states WHERE provider_id = $1 AND user_id = $2 AND organization_id = $3 \
             AND state_hash NOT IN (SELECT state_hash FROM oauth_states \
                WHERE provider_id = $1 AND user_id = $2 AND organization_id = $3 \
                ORDER BY created_at DESC, state_hash LIMIT $4)",
        )
        .bind(provider_id.as_str())
        .bind(&owner.user_id)
        .bind(owner.org_key())
        .bind(keep)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Removes and returns a pending authorization, if `browser_binding` (a hash) is the one it
    /// was started with: checked in the deleting statement, so of two callbacks racing with one
    /// state only one gets the row, and a callback from another browser removes nothing.
    pub async fn take_oauth_state(&self, state_hash: &str, browser_binding: &str) -> Result<Taken> {
        let taken: Option<OAuthState> = sqlx::query_as(&format!(
            "DELETE FROM oauth_states WHERE state_hash = $1 AND browser_binding = $2 RETURNING {STATE_COLUMNS}"
        ))
        .bind(state_hash)
        .bind(browser_binding)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(state) = taken {
            return Ok(Taken::Found(Box::new(state)));
        }
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM oauth_states WHERE state_hash = $1")
            .bind(state_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(if exists.is_some() { Taken::OtherBrowser } else { Taken::Unknown })
    }

    pub async fn purge_expired_oauth_states(&self, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}
