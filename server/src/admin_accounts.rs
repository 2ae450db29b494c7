//! Admins: accounts with Argon2id password hashes, sessions carried by an HttpOnly cookie whose
//! value is stored only as a hash, a CSRF token per session, invitation links (the first one
//! printed at start while no admin exists), and sign-in throttling with a lockout that doubles.

use crate::error::{Error, Result};
use crate::ids;
use crate::passwords::decoy_hash;
use crate::plumb::Plumb;
use crate::store::{AdminRecord, InviteRecord, InviteUse, NewSession, SessionRecord};
use crate::time::now_ms;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "plumb_session";
/// How long an invitation link stays valid.
const INVITE_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// Failures allowed before an account locks; each further failure doubles the lock.
const FREE_FAILURES: i64 = 5;
const FIRST_LOCK_MS: i64 = 30_000;
const MAX_LOCK_MS: i64 = 3600 * 1000;
pub use app::model::MIN_PASSWORD_CHARS;

/// The signed-in admin a request acts for.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub admin_id: String,
    pub email: String,
    pub csrf_token: String,
    pub token_hash: String,
}

impl From<SessionRecord> for Session {
    fn from(r: SessionRecord) -> Self {
        Self { id: r.id, admin_id: r.admin_id, email: r.email, csrf_token: r.csrf_token, token_hash: r.token_hash }
    }
}

fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn check_email(email: &str) -> Result<String> {
    let email = normalize_email(email);
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(char::is_whitespace);
    if !valid {
        return Err(Error::field("email", "invalid", "Enter an email address like you@example.com."));
    }
    Ok(email)
}

fn check_password(password: &str, confirm: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::field("password", "too_short", format!("Use at least {MIN_PASSWORD_CHARS} characters.")));
    }
    if password.len() > 1024 {
        return Err(Error::field("password", "too_long", "Use at most 1024 characters."));
    }
    if password != confirm {
        return Err(Error::field("confirm", "mismatch", "The two passwords differ."));
    }
    Ok(())
}

/// The lock after `failures` failed sign-ins: none for the first few, then 30 s, doubling to
/// an hour.
pub fn lock_duration_ms(failures: i64) -> Option<i64> {
    let over = failures - FREE_FAILURES;
    (over >= 0).then(|| FIRST_LOCK_MS.saturating_mul(1 << over.min(20)).min(MAX_LOCK_MS))
}

/// [`lock_duration_ms`] as the store applies it: the lock for each failure count from the
/// first that locks, the last entry holding for every higher count.
const LOCK_STEPS: [i64; 8] = {
    let mut steps = [0; 8];
    let mut i = 0;
    while i < steps.len() {
        let lock = FIRST_LOCK_MS << i;
        steps[i] = if lock < MAX_LOCK_MS { lock } else { MAX_LOCK_MS };
        i += 1;
    }
    steps
};

impl Plumb {
    /// While no admin exists, a one-time link to create the first one (valid a day).
    pub async fn setup_link_if_needed(&self) -> Result<Option<String>> {
        if self.store.admin_count().await? > 0 {
            // A setup link printed before an admin existed must not outlive that state.
            self.store.delete_setup_invites().await?;
            return Ok(None);
        }
        Ok(Some(self.new_invite("", None, 24 * 3600 * 1000).await?))
    }

    /// An invitation link for `email`, shown once to the inviting admin.
    pub async fn invite_admin(&self, by_admin_id: &str, email: &str) -> Result<String> {
        let email = check_email(email)?;
        if self.store.admin_by_email(&email).await?.is_some() {
            return Err(Error::field("email", "taken", format!("{email} is already an admin.")));
        }
        self.new_invite(&email, Some(by_admin_id), INVITE_TTL_MS).await
    }

    async fn new_invite(&self, email: &str, by: Option<&str>, ttl_ms: i64) -> Result<String> {
        let token = ids::random_token(32);
        let now = now_ms();
        self.store.purge_invites(now).await?;
        self.store
            .insert_invite(&InviteRecord {
                token_hash: ids::sha256_hex(&token),
                email: email.to_string(),
                invited_by: by.map(str::to_owned),
                created_at: now,
                expires_at: now + ttl_ms,
            })
            .await?;
        Ok(format!("{}/invite/{token}", self.config.public_url))
    }

    /// The invitation behind a link, if it can still be used.
    pub async fn invite(&self, token: &str) -> Result<InviteRecord> {
        match self.store.invite(&ids::sha256_hex(token)).await? {
            // The first-run link names no email: it was printed to the server's output, which
            // more people read than should become admins, so it stops working (and is deleted)
            // as soon as any admin exists.
            Some(invite) if invite.is_setup_link() && self.store.admin_count().await? > 0 => {
                self.store.delete_setup_invites().await?;
                Err(Error::InvalidState(
                    "This setup link is no longer valid: an admin exists. Ask an admin for an invitation.",
                ))
            }
            Some(invite) if invite.expires_at > now_ms() => Ok(invite),
            Some(_) => Err(Error::InvalidState("This invitation has expired. Ask an admin for a new one.")),
            None => Err(Error::InvalidState("This invitation was already used or is unknown.")),
        }
    }

    /// Creates the admin an invitation stands for; the link works once.
    pub async fn accept_invite(&self, token: &str, email: &str, password: &str, confirm: &str) -> Result<AdminRecord> {
        let invite = self.invite(token).await?;
        let email = if invite.email.is_empty() { check_email(email)? } else { invite.email.clone() };
        check_password(password, confirm)?;
        let admin = self.new_admin(&email, password).await?;
        let used = InviteUse { token_hash: &invite.token_hash, only_if_no_admin: invite.is_setup_link() };
        if !self.store.insert_admin(&admin, Some(used)).await? {
            return Err(Error::InvalidState("This invitation was already used or is unknown."));
        }
        tracing::info!(admin = %admin.id, "admin created from an invitation");
        Ok(admin)
    }

    /// `plumb admin create`: an admin straight from the shell.
    pub async fn create_admin(&self, email: &str, password: &str) -> Result<AdminRecord> {
        let email = check_email(email)?;
        check_password(password, password)?;
        let admin = self.new_admin(&email, password).await?;
        self.store.insert_admin(&admin, None).await?;
        self.store.delete_setup_invites().await?;
        Ok(admin)
    }

    async fn new_admin(&self, email: &str, password: &str) -> Result<AdminRecord> {
        if self.store.admin_by_email(email).await?.is_some() {
            return Err(Error::field("email", "taken", format!("{email} is already an admin.")));
        }
        let now = now_ms();
        Ok(AdminRecord {
            id: ids::new_id("admin"),
            email: email.to_string(),
            password_hash: self.password_hashing.hash(password.to_owned()).await?,
            created_at: now,
            updated_at: now,
        })
    }

    /// Checks a password and opens a session. Returns the cookie value (shown to the browser
    /// only) and the session.
    ///
    /// Each attempt first takes its place in the email's count of failures, in one statement
    /// that also refuses it while the account is locked and sets the lock when this attempt is
    /// the one that would earn it: a burst of parallel guesses gets exactly the free tries, and
    /// a right password inside the burst does not hand the rest of the burst a fresh count.
    ///
    /// Before any of that, the client's address (when the transport knows it) must have
    /// attempts left this minute: random emails dodge the per-account count, not this one.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        user_agent: &str,
        client: Option<std::net::IpAddr>,
    ) -> Result<(String, Session)> {
        if let Some(client) = client {
            self.sign_in_limiter
                .attempt(&client)
                .map_err(|wait| Error::TooManyAttempts { retry_after_secs: wait.as_secs().max(1) })?;
        }
        // No password Plumb accepts is longer (check_password), and no email: refuse without
        // hashing a megabyte or counting a failure against someone's account.
        if password.len() > 1024 || email.len() > 254 {
            return Err(Error::SignInFailed);
        }
        let email = normalize_email(email);
        let now = now_ms();
        let attempt = match self.store.reserve_login_attempt(&email, now, FREE_FAILURES, &LOCK_STEPS).await? {
            Ok(attempt) => attempt,
            Err(locked_until) => {
                return Err(Error::TooManyAttempts {
                    retry_after_secs: ((locked_until - now).max(1) as u64).div_ceil(1000),
                })
            }
        };
        let admin = self.store.admin_by_email(&email).await?;
        let hash = admin.as_ref().map(|a| a.password_hash.clone()).unwrap_or_else(|| decoy_hash().to_owned());
        let password_ok = self.password_hashing.verify(password.to_owned(), hash).await?;
        let Some(admin) = admin.filter(|_| password_ok) else {
            if let Some(lock) = lock_duration_ms(attempt) {
                tracing::warn!(failures = attempt, "sign-in locked after repeated failures");
                return Err(Error::TooManyAttempts { retry_after_secs: (lock as u64).div_ceil(1000) });
            }
            return Err(Error::SignInFailed);
        };
        self.store.login_succeeded(&email, attempt).await?;
        self.open_session(&admin, user_agent).await
    }

    /// A new session for an admin whose password was just checked (by signing in, or by
    /// choosing it on an invitation). Returns the cookie value and the session.
    pub async fn open_session(&self, admin: &AdminRecord, user_agent: &str) -> Result<(String, Session)> {
        let now = now_ms();
        self.store.purge_sessions(now).await?;
        let token = ids::random_token(32);
        let session = Session {
            id: ids::new_id("sess"),
            admin_id: admin.id.clone(),
            email: admin.email.clone(),
            csrf_token: ids::random_token(24),
            token_hash: ids::sha256_hex(&token),
        };
        let user_agent: String = user_agent.chars().take(200).collect();
        let expires_at = now + self.config.session_ttl.as_millis() as i64;
        self.store
            .insert_session(&NewSession {
                token_hash: &session.token_hash,
                id: &session.id,
                admin_id: &admin.id,
                csrf_token: &session.csrf_token,
                user_agent: &user_agent,
                now,
                expires_at,
            })
            .await?;
        tracing::info!(admin = %admin.id, session = %session.id, "admin signed in");
        Ok((token, session))
    }

    /// The live session a cookie value stands for, if any.
    pub async fn session(&self, cookie_value: &str) -> Result<Option<Session>> {
        let hash = ids::sha256_hex(cookie_value);
        let Some(record) = self.store.session_by_hash(&hash).await? else { return Ok(None) };
        let now = now_ms();
        if record.revoked_at.is_some() || record.expires_at <= now {
            return Ok(None);
        }
        // Recorded at most once a minute: a dashboard page makes several requests.
        if now - record.last_seen_at > 60_000 {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Some(record.into()))
    }

    pub async fn sign_out(&self, session: &Session) -> Result<()> {
        self.store.revoke_session_by_hash(&session.token_hash, now_ms()).await
    }

    pub async fn admins(&self) -> Result<Vec<AdminRecord>> {
        self.store.admins().await
    }

    pub async fn admin_sessions(&self) -> Result<Vec<SessionRecord>> {
        self.store.active_sessions(now_ms()).await
    }

    pub async fn revoke_admin_session(&self, id: &str) -> Result<()> {
        if !self.store.revoke_session(id, now_ms()).await? {
            return Err(Error::NotFound(format!("No active session {id:?}.")));
        }
        Ok(())
    }

    /// Removes an admin and ends their sessions. The last admin stays: nobody could sign in.
    pub async fn remove_admin(&self, by_admin_id: &str, id: &str) -> Result<()> {
        if by_admin_id == id {
            return Err(Error::Conflict("You cannot remove yourself; ask another admin.".into()));
        }
        if self.store.admin_count().await? <= 1 {
            return Err(Error::Conflict("The last admin cannot be removed.".into()));
        }
        if !self.store.delete_admin(id).await? {
            return Err(Error::NotFound(format!("No admin {id:?}.")));
        }
        tracing::info!(admin = %id, by = %by_admin_id, "admin removed");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_start_after_five_failures_and_double_to_an_hour() {
        assert_eq!(lock_duration_ms(4), None);
        assert_eq!(lock_duration_ms(5), Some(30_000));
        assert_eq!(lock_duration_ms(6), Some(60_000));
        assert_eq!(lock_duration_ms(12), Some(3_600_000));
        assert_eq!(lock_duration_ms(100), Some(3_600_000));
        // The table the store applies holds the same locks, from the first that locks.
        for (i, lock) in LOCK_STEPS.iter().enumerate() {
            assert_eq!(lock_duration_ms(FREE_FAILURES + i as i64), Some(*lock));
        }
        assert_eq!(lock_duration_ms(FREE_FAILURES + LOCK_STEPS.len() as i64 + 5), LOCK_STEPS.last().copied());
    }

    #[test]
    fn emails_and_passwords_are_checked() {
        assert_eq!(check_email(" Ada@Example.COM ").unwrap(), "ada@example.com");
        assert!(check_email("nobody").is_err());
        assert!(check_email("a b@example.com").is_err());
        assert!(check_password("short", "short").is_err());
        assert!(check_password("long enough password", "long enough passw0rd").is_err());
        assert!(check_password("long enough password", "long enough password").is_ok());
    }
}
