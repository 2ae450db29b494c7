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

impl InviteRecord {
    /// The first-run link, printed at start while no admin exists: it names no email.
    pub fn is_setup_link(&self) -> bool {
        self.email.is_empty()
    }
}

/// An invitation being used up by [`Store::insert_admin`].
#[derive(Debug, Clone, Copy)]
pub struct InviteUse<'a> {
    pub token_hash: &'a str,
    /// The setup link: it may only create the first admin.
    pub only_if_no_admin: bool,
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
    /// admin. Returns false when the invitation was already used (or never existed), or when
    /// it may only create the first admin and one exists (the link is deleted all the same).
    pub async fn insert_admin(&self, admin: &AdminRecord, invite: Option<InviteUse<'_>>) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        if let Some(invite) = invite {
            let taken = sqlx::query("DELETE FROM admin_invites WHERE token_hash = $1")
                .bind(invite.token_hash)
                .execute(&mut *tx)
                .await?;
            if taken.rows_affected() != 1 {
                return Ok(false);
            }
            if invite.only_if_no_admin {
                // Inside the transaction that took the link: two setup links used at once, or
                // one used while `plumb admin create` runs, still make at most the first admin.
                let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admins").fetch_one(&mut *tx).await?;
                if admins > 0 {
                    sqlx::query("DELETE FROM admin_invites WHERE email = ''").execute(&mut *tx).await?;
                    tx.commit().await?;
                    return Ok(false);
                }
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

    /// Deletes the first-run setup links (the invitations that name no email).
    pub async fn delete_setup_invites(&self) -> Result<()> {
        sqlx::query("DELETE FROM admin_invites WHERE email = ''").execute(&self.pool).await?;
        Ok(())
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

    /// Counts a sign-in attempt as a failure before its password is checked, unless the
    /// account is locked. `lock_steps[i]` is the lock (ms) set when the count reaches
    /// `free + i` (the last step for any higher count), so the attempt that would earn
    /// a lock sets it up front and parallel attempts find it. Returns the attempt's number, or
    /// `Err(locked_until)`.
    pub async fn reserve_login_attempt(
        &self,
        email: &str,
        now: i64,
        free: i64,
        lock_steps: &[i64],
    ) -> Result<std::result::Result<i64, i64>> {
        // The count after this attempt is `failures + 1`; the CASE maps it to its lock.
        let mut case = String::from("CASE");
        for (i, lock) in lock_steps.iter().enumerate() {
            let count = free + i as i64;
            let cmp = if i + 1 == lock_steps.len() { ">=" } else { "=" };
            case.push_str(&format!(" WHEN login_throttle.failures + 1 {cmp} {count} THEN $2 + {lock}"));
        }
        case.push_str(" ELSE NULL END");
        let first_lock = if free <= 1 { "$2 + ".to_owned() + &lock_steps[0].to_string() } else { "NULL".into() };
        let sql = format!(
            "INSERT INTO login_throttle (email, failures, locked_until, updated_at) VALUES ($1, 1, {first_lock}, $2) \
             ON CONFLICT (email) DO UPDATE SET failures = login_throttle.failures + 1, locked_until = {case}, \
             updated_at = $2 WHERE login_throttle.locked_until IS NULL OR login_throttle.locked_until <= $2 \
             RETURNING failures"
        );
        let reserved: Option<i64> = sqlx::query_scalar(&sql).bind(email).bind(now).fetch_optional(&self.pool).await?;
        if let Some(attempt) = reserved {
            return Ok(Ok(attempt));
        }
        let locked_until = self.throttle(email).await?.and_then(|t| t.locked_until).unwrap_or(now + 1000);
        Ok(Err(locked_until))
    }

    /// A right password for `email` on attempt number `attempt`. With no attempt counted since,
    /// the failures are forgotten; otherwise (a burst of guesses around it) only this attempt is
    /// taken back, so the success does not reset the count the others are using up.
    pub async fn login_succeeded(&self, email: &str, attempt: i64) -> Result<()> {
        let cleared = sqlx::query("DELETE FROM login_throttle WHERE email = $1 AND failures = $2")
            .bind(email)
            .bind(attempt)
            .execute(&self.pool)
            .await?;
        if cleared.rows_affected() == 0 {
            sqlx::query("UPDATE login_throttle SET failures = failures - 1 WHERE email = $1 AND failures > 0")
                .bind(email)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Forgets sign-in failures last seen before `before` whose lock (if any) has passed.
    pub async fn purge_login_throttle(&self, before: i64, now: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM login_throttle WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until <= $2)",
        )
        .bind(before)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
