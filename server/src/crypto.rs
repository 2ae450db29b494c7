//! Encryption at rest: AES-256-GCM with a random 96-bit nonce per message, and additional
//! authenticated data that names the row and field a ciphertext belongs to, so a ciphertext
//! copied into another row or field fails to open.
//!
//! Sealed format: `0x01 ‖ key-id length (1 byte) ‖ key id ‖ nonce (12) ‖ ciphertext+tag`. The key id
//! lets a later key rotation tell which key made each ciphertext.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::Path;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// 32 bytes of key material. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyMaterial([u8; 32]);

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyMaterial([redacted])")
    }
}

impl KeyMaterial {
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| "not valid base64".to_string())?;
        let key: [u8; 32] =
            bytes.try_into().map_err(|b: Vec<u8>| format!("must decode to 32 bytes, got {}", b.len()))?;
        Ok(Self(key))
    }

    pub fn generate() -> Self {
        Self(Aes256Gcm::generate_key(OsRng).into())
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    /// Reads the key file, or creates it (mode 0600, never overwriting) when it does not exist.
    /// Returns whether the key was generated.
    pub fn load_or_create(path: &Path) -> std::io::Result<(Self, bool)> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text)
                .map(|k| (k, false))
                .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let key = Self::generate();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path)?;
                std::io::Write::write_all(&mut file, key.to_base64().as_bytes())?;
                file.sync_all()?;
                Ok((key, true))
            }
            Err(e) => Err(e),
        }
    }
}

/// What a sealed value is bound to: the table, the row id and the field.
pub struct Aad(String);

impl Aad {
    pub fn new(table: &str, id: &str, field: &str) -> Self {
        Self(format!("plumb/v1/{table}/{id}/{field}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoError {
    /// The bytes are not in the sealed format.
    Malformed,
    /// Made by a key this process does not hold.
    UnknownKey,
    /// Wrong key, wrong row or field, or tampered bytes: GCM authentication failed.
    Authentication,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "sealed value is malformed",
            Self::UnknownKey => "sealed value was made with an unknown key",
            Self::Authentication => "sealed value failed authentication",
        })
    }
}

impl std::error::Error for CryptoError {}

/// Seals and opens secrets with the current key.
#[derive(Clone)]
pub struct Cipher {
    key_id: String,
    key: KeyMaterial,
    aead: Aes256Gcm,
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cipher").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

impl Cipher {
    pub fn new(key_id: impl Into<String>, key: KeyMaterial) -> Self {
        let key_id = key_id.into();
        assert!(!key_id.is_empty() && key_id.len() < 256, "key id must be 1..=255 bytes");
        let aead = Aes256Gcm::new(&key.0.into());
        Self { key_id, key, aead }
    }

    /// A cipher whose key id is a fingerprint of the key, so ciphertexts made with a different
    /// key are recognised as such (`UnknownKey`) instead of failing authentication.
    pub fn from_key(key: KeyMaterial) -> Self {
        let fingerprint = Self::new("-", key.clone()).derive_subkey("key-id");
        let id: String = fingerprint[..4].iter().map(|b| format!("{b:02x}")).collect();
        Self::new(format!("k{id}"), key)
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn seal(&self, plaintext: &[u8], aad: &Aad) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .aead
            .encrypt(&nonce, Payload { msg: plaintext, aad: aad.0.as_bytes() })
            // Encryption fails only for messages over 64 GiB.
            .expect("AES-GCM encryption of a bounded message");
        let mut out = Vec::with_capacity(2 + self.key_id.len() + NONCE_LEN + ciphertext.len());
        out.push(VERSION);
        out.push(self.key_id.len() as u8);
        out.extend_from_slice(self.key_id.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn open(&self, sealed: &[u8], aad: &Aad) -> Result<Vec<u8>, CryptoError> {
        let (&version, rest) = sealed.split_first().ok_or(CryptoError::Malformed)?;
        if version != VERSION {
            return Err(CryptoError::Malformed);
        }
        let (&id_len, rest) = rest.split_first().ok_or(CryptoError::Malformed)?;
        let id_len = id_len as usize;
        if rest.len() < id_len + NONCE_LEN + 16 {
            return Err(CryptoError::Malformed);
        }
        let (key_id, rest) = rest.split_at(id_len);
        if key_id != self.key_id.as_bytes() {
            return Err(CryptoError::UnknownKey);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        self.aead
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: aad.0.as_bytes() })
            .map_err(|_| CryptoError::Authentication)
    }

    pub fn open_string(&self, sealed: &[u8], aad: &Aad) -> Result<String, CryptoError> {
        String::from_utf8(self.open(sealed, aad)?).map_err(|_| CryptoError::Malformed)
    }

    /// A key for another purpose (for example signing widget tokens), derived so that the
    /// encryption key itself is never used twice.
    pub fn derive_subkey(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key.0).expect("HMAC takes any key length");
        mac.update(b"plumb/subkey/v1/");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> Cipher {
        Cipher::new("k1", KeyMaterial::generate())
    }

    #[test]
    fn round_trip() {
        let c = cipher();
        let aad = Aad::new("connections", "c1", "access_token");
        let sealed = c.seal(b"gho_secret", &aad);
        assert_eq!(c.open(&sealed, &aad).unwrap(), b"gho_secret");
        assert!(!sealed.windows(10).any(|w| w == b"gho_secret"), "plaintext must not appear");
    }

    #[test]
    fn nonces_are_unique() {
        let c = cipher();
        let aad = Aad::new("connections", "c1", "access_token");
        let a = c.seal(b"same", &aad);
        let b = c.seal(b"same", &aad);
        assert_ne!(a, b);
    }

    #[test]
    fn tampered_bytes_fail_authentication() {
        let c = cipher();
        let aad = Aad::new("connections", "c1", "access_token");
        let mut sealed = c.seal(b"token", &aad);
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(c.open(&sealed, &aad), Err(CryptoError::Authentication));
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_or_field_fails() {
        let c = cipher();
        let sealed = c.seal(b"token", &Aad::new("connections", "c1", "access_token"));
        assert_eq!(c.open(&sealed, &Aad::new("connections", "c2", "access_token")), Err(CryptoError::Authentication));
        assert_eq!(c.open(&sealed, &Aad::new("connections", "c1", "refresh_token")), Err(CryptoError::Authentication));
    }

    #[test]
    fn short_and_foreign_input_is_rejected() {
        let c = cipher();
        let aad = Aad::new("t", "1", "f");
        assert_eq!(c.open(&[], &aad), Err(CryptoError::Malformed));
        assert_eq!(c.open(&[1, 2, b'k', b'1', 0, 0], &aad), Err(CryptoError::Malformed));
        assert_eq!(c.open(&[9; 40], &aad), Err(CryptoError::Malformed));
        let other = Cipher::new("k2", KeyMaterial::generate()).seal(b"x", &aad);
        assert_eq!(c.open(&other, &aad), Err(CryptoError::UnknownKey));
        let same_id_other_key = Cipher::new("k1", KeyMaterial::generate()).seal(b"x", &aad);
        assert_eq!(c.open(&same_id_other_key, &aad), Err(CryptoError::Authentication));
    }

    #[test]
    fn key_file_is_created_once_with_owner_only_permissions() {
        let dir = std::env::temp_dir().join(format!("plumb-key-{}", crate::ids::random_token(8)));
        let path = dir.join("encryption.key");
        let (k1, created) = KeyMaterial::load_or_create(&path).unwrap();
        assert!(created);
        let (k2, created_again) = KeyMaterial::load_or_create(&path).unwrap();
        assert!(!created_again);
        assert_eq!(k1, k2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn debug_never_shows_key_material() {
        let k = KeyMaterial::generate();
        assert!(!format!("{k:?}").contains(&k.to_base64()));
        assert!(!format!("{:?}", Cipher::new("k1", k.clone())).contains(&k.to_base64()));
    }
}
