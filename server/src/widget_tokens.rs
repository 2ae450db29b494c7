//! Widget tokens: short-lived, JWT-shaped (RFC 7519, HS256) credentials that let one browser
//! act for one user of one organization in the widget, and nothing else. The signing key is
//! derived from the encryption key, so no other secret has to be configured.
//!
//! The claims segment is standard base64 (RFC 4648 §4, no padding), not JWT's base64url: the
//! official WorkOS widgets read `exp` and `permissions` in the browser with `atob`, which throws
//! on `-` and `_`. The verifier still takes the base64url form tokens had before.

use crate::connections::Owner;
use crate::error::{Error, Result};
use crate::ids::EnvironmentId;
use crate::widget_theme::Theme;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
const INVALID: &str = "This link is not valid. Open the connections page again from the application.";

/// What a widget token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user the widget acts for.
    pub sub: String,
    /// The organization, when the connection belongs to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The environment whose providers the widget shows.
    #[serde(default = "sandbox")]
    pub env: String,
    /// The origins allowed to frame this widget (the environment's setting when minted), so the
    /// page's Content-Security-Policy needs no database read.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fa: String,
    /// The API key that minted the token: revoking the key ends the token too. Absent on
    /// tokens minted before keys were named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Issued at and expiry, in seconds since the epoch.
    pub iat: i64,
    pub exp: i64,
    /// What the viewer may do beyond their own connections: [`MANAGE`] lets them connect and
    /// disconnect their organization's shared connections. Read by WorkOS-style widgets too.
    pub permissions: Vec<String>,
    /// How the widget looks (the environment's theme with the minting request's over it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
    /// The language the minting request asked for (a BCP 47 tag); absent, or one the widget
    /// does not speak: the browser's `Accept-Language` chooses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// A widget's look and language, as minted into its token and kept by a connect flow for the
/// token minted when it ends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Look {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl Look {
    /// The minting request's `locale`: a well-formed language tag (or nothing), kept as sent.
    pub fn check_locale(locale: Option<&str>) -> Result<Option<String>> {
        let Some(tag) = locale.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
        let well_formed = tag.len() <= 35
            && tag
                .split(['-', '_'])
                .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !well_formed {
            return Err(Error::field("locale", "invalid", "Give the locale as a language tag, such as fr or ja-JP."));
        }
        Ok(Some(tag.to_string()))
    }
}

/// The permission to manage an organization's connections (WorkOS's name for it).
pub const MANAGE: &str = "widgets:pipes:manage";

/// The widget scopes `POST /widgets/token` accepts (SDK 12's enum); Plumb acts on [`MANAGE`].
pub const KNOWN_SCOPES: [&str; 9] = [
    "widgets:users-table:manage",
    "widgets:domain-verification:manage",
    "widgets:sso:manage",
    "widgets:api-keys:manage",
    "widgets:dsync:manage",
    "widgets:audit-log-streaming:manage",
    MANAGE,
    "widgets:user-api-keys:manage-self",
    "widgets:user-api-keys:manage-all",
];

impl Claims {
    /// The environment whose providers the widget shows.
    pub fn environment(&self) -> EnvironmentId {
        self.env.as_str().into()
    }

    /// Whether the viewer may connect and disconnect their organization's shared connections.
    pub fn manages_organization(&self) -> bool {
        self.org.is_some() && self.permissions.iter().any(|p| p == MANAGE)
    }

    /// The widget's look and language.
    pub fn look(&self) -> Look {
        Look { theme: self.theme.clone(), locale: self.locale.clone() }
    }

    /// Whose connections the widget shows.
    pub fn owner(&self) -> Owner {
        Owner { user_id: self.sub.clone(), organization_id: self.org.clone() }
    }
}

/// Tokens minted before environments existed name none: theirs was the sandbox.
fn sandbox() -> String {
    crate::store::SANDBOX.to_string()
}

/// Who and where a widget token is for.
pub struct Subject<'a> {
    pub user_id: &'a str,
    pub organization_id: Option<&'a str>,
    pub environment_id: &'a str,
    pub frame_ancestors: &'a str,
    /// The API key minting it.
    pub key_id: &'a str,
    pub permissions: &'a [String],
    pub look: &'a Look,
}

/// Signs with the first key and accepts any of them: after an encryption-key rotation, tokens
/// signed before it stay valid until the old key is retired.
#[derive(Clone)]
pub struct Signer {
    keys: Vec<[u8; 32]>,
}

impl Signer {
    pub fn new(key: [u8; 32]) -> Self {
        Self { keys: vec![key] }
    }

    pub fn with_keys(keys: Vec<[u8; 32]>) -> Self {
        assert!(!keys.is_empty(), "a signer needs a key");
        Self { keys }
    }

    pub fn mint(&self, subject: &Subject<'_>, now_secs: i64, ttl_secs: i64) -> String {
        let claims = Claims {
            sub: subject.user_id.to_string(),
            org: subject.organization_id.map(str::to_owned),
            env: subject.environment_id.to_string(),
            fa: subject.frame_ancestors.to_string(),
            kid: (!subject.key_id.is_empty()).then(|| subject.key_id.to_string()),
            iat: now_secs,
            exp: now_secs + ttl_secs,
            permissions: subject.permissions.to_vec(),
            theme: subject.look.theme.clone().filter(|t| !t.is_empty()),
            locale: subject.look.locale.clone(),
        };
        let payload = serde_json::to_vec(&claims).expect("claims serialize");
        // The header's encoding is the same in both alphabets.
        let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(HEADER), STANDARD_NO_PAD.encode(payload));
        let signature = URL_SAFE_NO_PAD.encode(self.mac(0, signing_input.as_bytes()).finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    pub fn verify(&self, token: &str, now_secs: i64) -> Result<Claims> {
        // A token pasted into a query string unencoded comes back with spaces for its `+`.
        let token = token.trim().replace(' ', "+");
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Error::InvalidWidgetToken(INVALID));
        };
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| Error::InvalidWidgetToken(INVALID))?;
        let genuine = (0..self.keys.len()).any(|i| {
            let mut mac = self.mac(i, header.as_bytes());
            mac.update(b".");
            mac.update(payload.as_bytes());
            // Constant-time comparison.
            mac.verify_slice(&signature).is_ok()
        });
        if !genuine {
            return Err(Error::InvalidWidgetToken(INVALID));
        }
        if URL_SAFE_NO_PAD.decode(header).ok().as_deref() != Some(HEADER.as_bytes()) {
            return Err(Error::InvalidWidgetToken(INVALID));
        }
        let claims: Claims = STANDARD_NO_PAD
            .decode(payload)
            .or_else(|_| URL_SAFE_NO_PAD.decode(payload))
            .ok()
            .and_then(|p| serde_json::from_slice(&p).ok())
            .ok_or(Error::InvalidWidgetToken(INVALID))?;
        if claims.exp <= now_secs {
            return Err(Error::InvalidWidgetToken(
                "This link has expired. Open the connections page again from the application.",
            ));
        }
        Ok(claims)
    }

    fn mac(&self, key: usize, first: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.keys[key]).expect("HMAC takes any key length");
        mac.update(first);
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new([7; 32])
    }

    fn subject<'a>(user_id: &'a str, organization_id: Option<&'a str>) -> Subject<'a> {
        Subject {
            user_id,
            organization_id,
            environment_id: "env_sandbox",
            frame_ancestors: "",
            key_id: "key_1",
            permissions: &[],
            look: &NO_LOOK,
        }
    }

    static NO_LOOK: Look = Look { theme: None, locale: None };

    #[test]
    fn the_look_travels_in_the_token() {
        let look = Look { theme: Some(Theme { radius: Some(3), ..Theme::default() }), locale: Some("fr-CA".into()) };
        let t = signer().mint(&Subject { look: &look, ..subject("user_1", None) }, 1_000, 3_600);
        let claims = signer().verify(&t, 1_001).unwrap();
        assert_eq!(claims.look(), look);
        // An empty theme is left out of the token.
        let none = Look { theme: Some(Theme::default()), locale: None };
        let t = signer().mint(&Subject { look: &none, ..subject("user_1", None) }, 1_000, 3_600);
        assert_eq!(signer().verify(&t, 1_001).unwrap().theme, None);
        assert!(Look::check_locale(Some("ja-JP")).is_ok());
        assert!(Look::check_locale(Some("fr<script>")).is_err());
        assert_eq!(Look::check_locale(Some("  ")).unwrap(), None);
    }

    #[test]
    fn a_minted_token_verifies_and_names_its_user() {
        let t = signer().mint(&subject("user_1", Some("org_1")), 1_000, 3_600);
        let c = signer().verify(&t, 1_001).unwrap();
        assert_eq!(c.sub, "user_1");
        assert_eq!(c.org.as_deref(), Some("org_1"));
        assert_eq!(c.exp, 4_600);
        assert_eq!(t.split('.').count(), 3);
    }

    #[test]
    fn the_claims_segment_is_what_a_browsers_atob_reads_and_old_tokens_still_verify() {
        // `?` and `>` in a claim give `/` and `+` in standard base64, `_` and `-` in base64url.
        let s = subject("user_??>>", Some("org_??>>"));
        let t = signer().mint(&s, 1_000, 3_600);
        let payload = t.split('.').nth(1).unwrap();
        assert!(payload.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'), "{payload}");
        assert!(payload.contains('+') || payload.contains('/'), "the test needs a claim that differs: {payload}");
        assert_eq!(signer().verify(&t, 1_001).unwrap().sub, "user_??>>");
        // Pasted unencoded into a query string, `+` arrives as a space.
        assert!(signer().verify(&t.replace('+', " "), 1_001).is_ok());

        // A token minted before: every segment base64url.
        let claims = serde_json::to_vec(&signer().verify(&t, 1_001).unwrap()).unwrap();
        let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(HEADER), URL_SAFE_NO_PAD.encode(claims));
        let sig = URL_SAFE_NO_PAD.encode(signer().mac(0, input.as_bytes()).finalize().into_bytes());
        assert!(input.contains('-') || input.contains('_'));
        assert_eq!(signer().verify(&format!("{input}.{sig}"), 1_001).unwrap().org.as_deref(), Some("org_??>>"));
    }

    #[test]
    fn expired_tokens_are_refused() {
        let t = signer().mint(&subject("u", None), 1_000, 60);
        assert!(matches!(signer().verify(&t, 1_060), Err(Error::InvalidWidgetToken(m)) if m.contains("expired")));
    }

    #[test]
    fn tampered_or_foreign_tokens_are_refused() {
        let t = signer().mint(&subject("user_1", None), 1_000, 60);
        let (head, rest) = t.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let forged_payload =
            URL_SAFE_NO_PAD.encode(br#"{"sub":"user_2","iat":1000,"exp":9999999999,"permissions":[]}"#);
        assert!(signer().verify(&format!("{head}.{forged_payload}.{sig}"), 1_001).is_err());
        assert!(Signer::new([8; 32]).verify(&t, 1_001).is_err());
        for junk in ["", "a.b", "a.b.c.d", "...", "not a token"] {
            assert!(signer().verify(junk, 1_001).is_err(), "{junk}");
        }
    }

    #[test]
    fn tokens_signed_with_an_older_key_verify_until_it_is_dropped() {
        let old = Signer::new([1; 32]).mint(&subject("u", None), 1_000, 60);
        assert!(Signer::with_keys(vec![[2; 32], [1; 32]]).verify(&old, 1_001).is_ok());
        assert!(Signer::new([2; 32]).verify(&old, 1_001).is_err());
    }

    #[test]
    fn tokens_with_another_algorithm_header_are_refused() {
        let s = signer();
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"u","iat":1,"exp":9999999999,"permissions":[]}"#);
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let input = format!("{header}.{payload}");
        let sig = URL_SAFE_NO_PAD.encode(s.mac(0, input.as_bytes()).finalize().into_bytes());
        assert!(s.verify(&format!("{input}.{sig}"), 2).is_err());
    }
}
