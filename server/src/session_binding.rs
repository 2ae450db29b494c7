//! Session binding for authorization links (`docs/workos-api.md` §4.6-4.7, the SDK's
//! `finishConnection`): when the app sends a PKCE `code_challenge` with `authorize`, the
//! connection the browser makes is held, sealed, for 90 seconds, and becomes the owner's only
//! when the app's backend calls `POST /data-integrations/finish` with the `connect_code` the
//! browser brought back and the matching `code_verifier`. A wrong verifier uses the code up.

use crate::accounts::Intent;
use crate::connections::{self, Connection, Obtained, Owner};
use crate::error::{Error, Result};
use crate::ids::{self, EnvironmentId};
use crate::plumb::Plumb;
use crate::providers::{Provider, ScopeList};
use crate::store::HeldConnection;
use crate::time::now_ms;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// How long the app's backend has to finish, from the redirect to `return_to`.
pub const HOLD_MS: i64 = 90_000;

/// A `code_challenge` as RFC 7636 §4.2 makes it with S256: 43 base64url characters.
pub fn check_challenge(challenge: &str) -> Result<String> {
    let valid = challenge.len() == 43 && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(Error::field(
            "code_challenge",
            "invalid",
            "code_challenge must be base64url(SHA-256(code_verifier)) without padding: 43 characters.",
        ));
    }
    Ok(challenge.to_string())
}

/// A `code_verifier` (RFC 7636 §4.1): 43 to 128 characters of `A-Z a-z 0-9 - . _ ~`.
fn verifier_shape_ok(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `verifier` is the one `challenge` was made from, compared in constant time.
fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    crate::crypto::constant_time_eq(computed.as_bytes(), challenge.as_bytes())
}

impl Plumb {
    /// Holds the tokens of a flow started with the app's challenge; returns the `connect_code`.
    pub(crate) async fn hold(
        &self,
        provider: &Provider,
        owner: &Owner,
        challenge: &str,
        obtained: &Obtained,
        intent: &Intent,
    ) -> Result<String> {
        let code = ids::random_token(32);
        let code_hash = ids::sha256_hex(&code);
        let aad = |field| connections::token_aad("held_connections", &code_hash, &provider.id, owner, field);
        let now = now_ms();
        self.store.purge_held_connections(now).await?;
        self.store
            .insert_held_connection(&HeldConnection {
                access_token: self.cipher.seal(obtained.access_token.as_bytes(), &aad(connections::ACCESS_TOKEN)),
                refresh_token: obtained
                    .refresh_token
                    .as_ref()
                    .map(|t| self.cipher.seal(t.as_bytes(), &aad(connections::REFRESH_TOKEN))),
                code_hash: code_hash.clone(),
                provider_id: provider.id.clone(),
                user_id: owner.user_id.clone(),
                organization_id: owner.org_key().to_string(),
                code_challenge: challenge.to_string(),
                token_expires_at: obtained.expires_at,
                scopes: obtained.scopes.to_db(),
                expires_at: now + HOLD_MS,
                created_at: now,
                intent: Intent { account_identifier: obtained.account_identifier.clone(), ..intent.clone() }.to_db(),
                config: self.seal_values(&obtained.config, &aad(connections::CONFIG_SECRET)),
            })
            .await?;
        tracing::info!(provider = %provider.slug, "connection held for the app to finish");
        Ok(code)
    }

    /// `POST /data-integrations/finish`: the app's backend proves it started this flow, and the
    /// held connection becomes the owner's. Returns the connection and its provider.
    pub async fn finish_connection(
        &self,
        env: &EnvironmentId,
        connect_code: &str,
        code_verifier: &str,
    ) -> Result<(Connection, Provider)> {
        const GONE: &str = "This connect_code was already used, has expired, or is unknown: connect again.";
        if connect_code.is_empty() || connect_code.len() > 128 {
            return Err(Error::InvalidState(GONE));
        }
        let held = self.store.take_held_connection(&ids::sha256_hex(connect_code), env).await?;
        let held = held.ok_or(Error::InvalidState(GONE))?;
        if held.expires_at <= now_ms() {
            return Err(Error::InvalidState(GONE));
        }
        if !verifier_shape_ok(code_verifier) || !verifier_matches(code_verifier, &held.code_challenge) {
            tracing::warn!(provider = %held.provider_id, "finish refused: the code_verifier does not match");
            return Err(Error::InvalidState(
                "The code_verifier does not match this authorization's code_challenge. The connect_code is used \
                 up: connect again.",
            ));
        }
        let provider = self
            .provider_by_id(&held.provider_id)
            .await?
            .ok_or(Error::InvalidState("This provider was removed while connecting."))?;
        let held_owner = held.owner();
        let aad =
            |field| connections::token_aad("held_connections", &held.code_hash, &held.provider_id, &held_owner, field);
        let obtained = Obtained {
            access_token: self.cipher.open_string(&held.access_token, &aad(connections::ACCESS_TOKEN))?,
            refresh_token: held
                .refresh_token
                .as_deref()
                .map(|t| self.cipher.open_string(t, &aad(connections::REFRESH_TOKEN)))
                .transpose()?,
            expires_at: held.token_expires_at,
            scopes: ScopeList::from(held.scopes.clone()),
            config: self.open_values(held.config.as_deref(), &aad(connections::CONFIG_SECRET))?,
            ..Obtained::default()
        };
        let intent = Intent::from_db(held.intent.as_deref());
        let obtained = Obtained { account_identifier: intent.account_identifier.clone(), ..obtained };
        let connection = self.save_obtained(&provider, &held.owner(), &obtained, &intent).await?;
        Ok((connection, provider))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_match_their_s256_challenge_only() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verifier_matches(verifier, challenge));
        assert!(!verifier_matches("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl", challenge));
        assert!(check_challenge(challenge).is_ok());
        assert!(check_challenge("short").is_err());
        assert!(check_challenge(&format!("{}=", &challenge[..42])).is_err());
        assert!(verifier_shape_ok(verifier));
        assert!(!verifier_shape_ok("too-short"));
        assert!(!verifier_shape_ok(&"a".repeat(129)));
    }
}
