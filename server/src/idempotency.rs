//! `Idempotency-Key` on the API's POSTs: the SDK retries a request that timed out or got a
//! 5xx, and without a key a create whose answer was lost would make a second one (or a 409).
//! With a key, the first answer is kept for 24 hours and a retry gets it again; the same key
//! with a different request is refused (422), and one whose first request is still running
//! gets 409 with `Retry-After`.
//!
//! Keys are scoped by the API key that sent them (two applications cannot collide), stored as
//! a hash of both, and the kept answer is sealed: a token endpoint's answer holds a token.

use crate::crypto::Aad;
use crate::error::Result;
use crate::ids::sha256_hex;
use crate::plumb::Plumb;
use crate::time::now_ms;

/// How long a first answer is replayed.
pub const KEEP_MS: i64 = 24 * 3600 * 1000;
/// The longest key accepted (Stripe's limit, which SDKs follow).
pub const MAX_KEY_LEN: usize = 255;
/// Answers larger than this are not kept (the API's answers are a few kilobytes; a page of a
/// list at most tens).
pub const MAX_ANSWER_BYTES: usize = 1 << 20;

/// What to do with a request that carries a key.
pub enum Begin {
    /// Run it; its answer is then kept with [`Plumb::idempotency_keep`] or the claim dropped.
    Run(Claim),
    /// Answer this instead of running it.
    Replay(Answer),
    /// The key was used for another request.
    Reused,
    /// The first request with this key is still running.
    InUse,
}

/// A key this process is running the first request of.
pub struct Claim {
    id: String,
}

/// A kept answer.
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// What makes two requests the same: method, path and query, body.
pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(method.len() + path_and_query.len() + body.len() + 2);
    bytes.extend_from_slice(method.as_bytes());
    bytes.push(b' ');
    bytes.extend_from_slice(path_and_query.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(body);
    crate::ids::sha256_hex_bytes(&bytes)
}

/// Whether a key is one Plumb accepts: 1 to 255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic())
}

fn aad(id: &str) -> Aad {
    Aad::new("idempotency_keys", id, "body")
}

impl Plumb {
    /// Looks `key` up for the API key whose hash is `api_key_hash` and the request `fingerprint`.
    pub async fn idempotency_begin(&self, api_key_hash: &str, key: &str, fingerprint: &str) -> Result<Begin> {
        let id = sha256_hex(&format!("{api_key_hash}\n{key}"));
        let now = now_ms();
        // A request runs for PLUMB_REQUEST_TIMEOUT_SECONDS at most: a row still running long
        // after that belongs to a process that died.
        let abandoned = now - 2 * self.config.request_timeout.as_millis() as i64;
        if self.store.claim_idempotency_key(&id, fingerprint, now, now - KEEP_MS, abandoned).await? {
            return Ok(Begin::Run(Claim { id }));
        }
        let Some(stored) = self.store.idempotency_answer(&id).await? else {
            // Pruned between the two statements: as good as new.
            return Ok(Begin::InUse);
        };
        if stored.fingerprint != fingerprint {
            return Ok(Begin::Reused);
        }
        match (stored.status, stored.body) {
            (Some(status), Some(sealed)) => Ok(Begin::Replay(Answer {
                status: u16::try_from(status).unwrap_or(500),
                content_type: stored.content_type,
                body: self.cipher.open(&sealed, &aad(&id))?,
            })),
            _ => Ok(Begin::InUse),
        }
    }

    /// Keeps the first request's answer for its retries.
    pub async fn idempotency_keep(&self, claim: Claim, answer: &Answer) -> Result<()> {
        let sealed = self.cipher.seal(&answer.body, &aad(&claim.id));
        self.store
            .store_idempotency_answer(&claim.id, i64::from(answer.status), answer.content_type.as_deref(), &sealed)
            .await
    }

    /// Lets the key be used again: its request failed on Plumb's side (5xx), so a retry
    /// should run rather than be told the failure again.
    pub async fn idempotency_drop(&self, claim: Claim) -> Result<()> {
        self.store.forget_idempotency_key(&claim.id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert!(valid_key("9f1c2b7e-retry-1"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key("é"));
        assert!(!valid_key(&"k".repeat(MAX_KEY_LEN + 1)));
    }

    #[test]
    fn the_fingerprint_covers_method_path_and_body() {
        let a = fingerprint("POST", "/data-integrations", b"{\"a\":1}");
        assert_eq!(a, fingerprint("POST", "/data-integrations", b"{\"a\":1}"));
        assert_ne!(a, fingerprint("POST", "/data-integrations", b"{\"a\":2}"));
        assert_ne!(a, fingerprint("POST", "/webhook_endpoints", b"{\"a\":1}"));
    }
}
