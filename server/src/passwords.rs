//! Admin passwords: Argon2id hashes, checked on the blocking threads a few at a time.

use crate::error::{Error, Result};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the email is unknown, so a wrong email takes as long as a
/// wrong password and response times do not tell which accounts exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password never used").unwrap_or_default())
}

/// Argon2 on the blocking threads, a few at a time: hashing is meant to be expensive, and run
/// inline on the async workers a burst of sign-ins stalled every other request (the token
/// endpoint went from 2.6 ms to 450 ms under 32 parallel sign-in loops).
pub struct PasswordHashing {
    permits: tokio::sync::Semaphore,
}

/// How long a sign-in waits for a hashing slot before answering "try again".
const HASHING_QUEUE_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

impl PasswordHashing {
    pub fn new(concurrent: usize) -> Self {
        Self { permits: tokio::sync::Semaphore::new(concurrent.max(1)) }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let busy = || Error::TooManyAttempts { retry_after_secs: 1 };
        let _permit = tokio::time::timeout(HASHING_QUEUE_LIMIT, self.permits.acquire())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        tokio::task::spawn_blocking(work).await.map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
    }

    pub async fn verify(&self, password: String, hash: String) -> Result<bool> {
        self.run(move || verify_password(&password, &hash)).await
    }

    pub async fn hash(&self, password: String) -> Result<String> {
        self.run(move || hash_password(&password)).await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_with_argon2id_and_verified() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterx", &hash));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery").unwrap(), "salted");
    }

    #[tokio::test]
    async fn hashing_runs_off_the_async_workers_a_few_at_a_time() {
        let hashing = PasswordHashing::new(1);
        let hash = hashing.hash("correct horse battery".into()).await.unwrap();
        let (a, b) = tokio::join!(
            hashing.verify("correct horse battery".into(), hash.clone()),
            hashing.verify("wrong".into(), hash.clone())
        );
        assert!(a.unwrap());
        assert!(!b.unwrap());
    }
}
