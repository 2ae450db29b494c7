//! Admin accounts, sessions, invitations and sign-in throttling.

use super::database::Store;
use crate::error::Result;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdminRecord {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A session joined with its admin's email.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRecord {
    pub token_hash: String,
    pub id: String,
    pub admin_id: String,
    pub email: String,
    pub csrf_token: String,
    pub user_agent: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

/// A session to record; `token_hash` is the SHA-256 of the cookie value.
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub id: &'a str,
    pub admin_id: &'a str,
    pub csrf_token: &'a str,
    pub user_agent: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteRecord {
    pub token_hash: String,
    pub email: String,
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThrottleRecord {
    pub failures: i64,
    pub locked_until: Option<i64>,
}

const SESSION_COLUMNS: &str = "s.token_hash, s.id, s.admin_id, a.email, s.csrf_token, s.user_agent, s.created_at, \
     s.last_seen_at, s.expires_at, s.revoked_at";

impl Store {
    pub async fn admin_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM admins").fetch_one(&self.pool).await?)
    }

    pub async fn admins(&self) -> Result<Vec<AdminRecord>> {
        Ok(sqlx::query_as("SELECT id, email, password_hash, created_at, updated_at FROM admins ORDER BY created_at")
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn admin_by_email(&self, email: &str) -> Result<Option<AdminRecord>> {
        Ok(sqlx::query_as("SELECT id, email, password_hash, created_at, updated_at FROM admins WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Creates an admin and uses up the invitation in one transaction, so one link makes one
    /// admin. Returns false when the invitation was already used (or never existed).
    pub async fn insert_admin(&self, admin: &AdminRecord, invite_hash: Option<&str>) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        if let Some(hash) = invite_hash {
            let taken =
                sqlx::query("DELETE FROM admin_invites WHERE token_hash = $1").bind(hash).execute(&mut *tx).await?;
            if taken.rows_affected() != 1 {
                return Ok(false);
            }
        }
        sqlx::query(
            "INSERT INTO admins (id, email, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&admin.id)
        .bind(&admin.email)
        .bind(&admin.password_hash)
        .bind(admin.created_at)
        .bind(admin.updated_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn delete_admin(&self, id: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        // Explicit, so it holds on SQLite connections without foreign-key enforcement too.
        sqlx::query("DELETE FROM admin_sessions WHERE admin_id = $1").bind(id).execute(&mut *tx).await?;
        let done = sqlx::query("DELETE FROM admins WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn insert_session(&self, s: &NewSession<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO admin_sessions (token_hash, id, admin_id, csrf_token, user_agent, created_at, last_seen_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
        )
        .bind(s.token_hash)
        .bind(s.id)
        .bind(s.admin_id)
        .bind(s.csrf_token)
        .bind(s.user_agent)
        .bind(s.now)
        .bind(s.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn session_by_hash(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM admin_sessions s JOIN admins a ON a.id = s.admin_id WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Live sessions, newest first.
    pub async fn active_sessions(&self, now: i64) -> Result<Vec<SessionRecord>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM admin_sessions s JOIN admins a ON a.id = s.admin_id \
             WHERE s.revoked_at IS NULL AND s.expires_at > $1 ORDER BY s.last_seen_at DESC"
        ))
        .bind(now)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE admin_sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn revoke_session_by_hash(&self, token_hash: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE admin_sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn revoke_session(&self, id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE admin_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn purge_sessions(&self, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM admin_sessions WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn insert_invite(&self, invite: &InviteRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO admin_invites (token_hash, email, invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&invite.token_hash)
        .bind(&invite.email)
        .bind(&invite.invited_by)
        .bind(invite.created_at)
        .bind(invite.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn invite(&self, token_hash: &str) -> Result<Option<InviteRecord>> {
        Ok(sqlx::query_as(
            "SELECT token_hash, email, invited_by, created_at, expires_at FROM admin_invites WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn purge_invites(&self, now: i64) -> Result<()> {
        sqlx::query("DELETE FROM admin_invites WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn throttle(&self, email: &str) -> Result<Option<ThrottleRecord>> {
        Ok(sqlx::query_as("SELECT failures, locked_until FROM login_throttle WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Counts one more failure atomically (concurrent guesses each count) and returns the count.
    pub async fn record_login_failure(&self, email: &str, now: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO login_throttle (email, failures, updated_at) VALUES ($1, 1, $2) \
             ON CONFLICT (email) DO UPDATE SET failures = login_throttle.failures + 1, updated_at = $2 \
             RETURNING failures",
        )
        .bind(email)
        .bind(now)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn lock_login(&self, email: &str, until: i64) -> Result<()> {
        sqlx::query("UPDATE login_throttle SET locked_until = $1 WHERE email = $2")
            .bind(until)
            .bind(email)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn clear_login_failures(&self, email: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE email = $1").bind(email).execute(&self.pool).await?;
        Ok(())
    }
}
