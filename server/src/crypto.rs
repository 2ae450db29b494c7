//! Encryption at rest: AES-256-GCM with a random 96-bit nonce per message, and additional
//! authenticated data that names the row and field a ciphertext belongs to, so a ciphertext
//! copied into another row or field fails to open.
//!
//! Sealed format: `version ‖ key-id length (1 byte) ‖ key id ‖ nonce (12) ‖ ciphertext+tag`. The
//! key id says which key of the keyring made each ciphertext, so keys can be rotated: new values
//! are sealed with the current key, old ones open with theirs until re-encrypted (`keys` module).
//! Version 1 binds the table, row and column; version 2 also binds the owner (a connection's
//! provider, user and organization), so a row someone re-assigns in the database no longer
//! opens. Values sealed as version 1 open as before until re-encrypted, which upgrades them.
//!
//! Nonces are random, so one key must not seal more than about 2^32 values (NIST SP 800-38D
//! §8.3): the cipher counts its seals per key, and the counts are added up in the database
//! ([`Cipher::take_seal_counts`]), with a warning long before the limit.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

const VERSION_PLAIN: u8 = 1;
const VERSION_OWNED: u8 = 2;
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

    /// Reads the key file's current key, or creates the file with one new key (mode 0600, never
    /// overwriting) when it does not exist. Returns whether the key was generated.
    pub fn load_or_create(path: &Path) -> std::io::Result<(Self, bool)> {
        match std::fs::metadata(path) {
            Ok(_) => {
                let mut keys = read_key_file(path).map_err(std::io::Error::other)?;
                let (_, current) = keys.pop().ok_or_else(|| std::io::Error::other("the key file holds no key"))?;
                Ok((current, false))
            }
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

/// What a sealed value is bound to: the table, the row id and the field, and for a value that
/// belongs to someone, its owner too.
pub struct Aad {
    plain: String,
    owned: Option<String>,
}

impl Aad {
    pub fn new(table: &str, id: &str, field: &str) -> Self {
        Self { plain: format!("plumb/v1/{table}/{id}/{field}"), owned: None }
    }

    /// Binds the owner as well (for a connection: provider, user, organization). Each part is
    /// length-prefixed, so no two owners read alike.
    pub fn owned_by(self, parts: &[&str]) -> Self {
        let mut owned = format!("plumb/v2/{}", &self.plain["plumb/v1/".len()..]);
        for part in parts {
            owned.push_str(&format!("/{}:{part}", part.len()));
        }
        Self { owned: Some(owned), ..self }
    }

    /// The bytes a value of this format version is bound to.
    fn for_version(&self, version: u8) -> Result<&[u8], CryptoError> {
        match (version, &self.owned) {
            (VERSION_PLAIN, _) => Ok(self.plain.as_bytes()),
            (VERSION_OWNED, Some(owned)) => Ok(owned.as_bytes()),
            // Sealed with its owner, opened without one: the caller cannot vouch for it.
            _ => Err(CryptoError::Authentication),
        }
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

/// One key of the keyring, with its cipher ready.
struct Key {
    id: String,
    material: KeyMaterial,
    aead: Aes256Gcm,
}

impl Key {
    fn new(id: String, material: KeyMaterial) -> Self {
        assert!(!id.is_empty() && id.len() < 256, "key id must be 1..=255 bytes");
        let aead = Aes256Gcm::new(&material.0.into());
        Self { id, material, aead }
    }
}

/// The keys a process holds: the last one is current (it seals); all of them open.
struct Keyring {
    keys: Vec<Key>,
}

impl Keyring {
    fn current(&self) -> &Key {
        self.keys.last().expect("a keyring holds at least one key")
    }

    fn get(&self, id: &[u8]) -> Option<&Key> {
        self.keys.iter().find(|k| k.id.as_bytes() == id)
    }
}

/// Where the keys come from, so a running process can pick up a rotation.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// Given at start (environment variables, tests): never changes.
    Fixed,
    /// A key file (`PLUMB_ENCRYPTION_KEY_FILE`, by default `encryption.key` in the data
    /// directory) that `plumb keys rotate` and `retire` rewrite; re-read on demand.
    File(std::path::PathBuf),
}

/// Seals with the current key and opens with whichever key made a ciphertext. Cheap to clone:
/// clones share one keyring, so a reload reaches all of them.
#[derive(Clone)]
pub struct Cipher {
    ring: Arc<RwLock<Arc<Keyring>>>,
    /// Held while re-reading the key file, so two reloads cannot cross (one that read the file
    /// before a rotation swapping its ring in after one that read it after).
    reloading: Arc<Mutex<()>>,
    source: KeySource,
    /// Values sealed by this process per key id, since the counts were last taken.
    seals: Arc<Mutex<std::collections::HashMap<String, u64>>>,
}

/// Seals one key may make before Plumb warns that it should be rotated: far below the 2^32
/// after which random 96-bit nonces risk repeating.
pub const SEAL_WARNING: u64 = 1 << 30;

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cipher").field("key_ids", &self.key_ids()).field("source", &self.source).finish()
    }
}

impl Cipher {
    pub fn new(key_id: impl Into<String>, key: KeyMaterial) -> Self {
        Self::from_keys(vec![(key_id.into(), key)], KeySource::Fixed).expect("one key")
    }

    /// A cipher whose key id is a fingerprint of the key, so ciphertexts made with a different
    /// key are recognised as such (`UnknownKey`) instead of failing authentication.
    pub fn from_key(key: KeyMaterial) -> Self {
        Self::new(fingerprint(&key), key)
    }

    /// A keyring of `(id, key)` pairs; the last is current. Ids must be unique.
    pub fn from_keys(keys: Vec<(String, KeyMaterial)>, source: KeySource) -> Result<Self, String> {
        let ring = build_ring(keys)?;
        Ok(Self {
            ring: Arc::new(RwLock::new(Arc::new(ring))),
            reloading: Arc::default(),
            source,
            seals: Arc::default(),
        })
    }

    /// The seals made per key since the last call, to be added to the database's totals.
    pub fn take_seal_counts(&self) -> Vec<(String, u64)> {
        std::mem::take(&mut *self.seals.lock().unwrap_or_else(|e| e.into_inner())).into_iter().collect()
    }

    fn ring(&self) -> Arc<Keyring> {
        // A poisoned lock still holds a whole keyring: writers only ever swap the Arc.
        self.ring.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The current key's id.
    pub fn key_id(&self) -> String {
        self.ring().current().id.clone()
    }

    /// Every key id held, the current one last.
    pub fn key_ids(&self) -> Vec<String> {
        self.ring().keys.iter().map(|k| k.id.clone()).collect()
    }

    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// Re-reads a key file, so a rotation made by another process takes effect here. Returns
    /// whether the keys changed. Fixed keyrings never change.
    pub fn reload(&self) -> Result<bool, String> {
        let KeySource::File(path) = &self.source else { return Ok(false) };
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        let keys = read_key_file(path)?;
        let ring = build_ring(keys)?;
        let changed = ring.keys.iter().map(|k| &k.id).ne(self.ring().keys.iter().map(|k| &k.id));
        if changed {
            *self.ring.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(ring);
        }
        Ok(changed)
    }

    pub fn seal(&self, plaintext: &[u8], aad: &Aad) -> Vec<u8> {
        let ring = self.ring();
        let key = ring.current();
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let (version, bound) = match &aad.owned {
            Some(owned) => (VERSION_OWNED, owned.as_bytes()),
            None => (VERSION_PLAIN, aad.plain.as_bytes()),
        };
        let ciphertext = key
            .aead
            .encrypt(&nonce, Payload { msg: plaintext, aad: bound })
            // Encryption fails only for messages over 64 GiB.
            .expect("AES-GCM encryption of a bounded message");
        *self.seals.lock().unwrap_or_else(|e| e.into_inner()).entry(key.id.clone()).or_default() += 1;
        let mut out = Vec::with_capacity(2 + key.id.len() + NONCE_LEN + ciphertext.len());
        out.push(version);
        out.push(key.id.len() as u8);
        out.extend_from_slice(key.id.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn open(&self, sealed: &[u8], aad: &Aad) -> Result<Vec<u8>, CryptoError> {
        let (version, key_id, nonce, ciphertext) = split(sealed)?;
        let bound = aad.for_version(version)?;
        let mut ring = self.ring();
        // Made by a key another process just added: look at the key file again (once). Take the
        // ring again whatever `reload` says: when the key watcher reloaded between our first
        // look and this one, `reload` finds nothing changed, yet our copy is the stale one.
        if ring.get(key_id).is_none() {
            if let Err(e) = self.reload() {
                tracing::warn!(error = %e, "cannot re-read the key file");
            }
            ring = self.ring();
        }
        let key = ring.get(key_id).ok_or(CryptoError::UnknownKey)?;
        key.aead
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: bound })
            .map_err(|_| CryptoError::Authentication)
    }

    pub fn open_string(&self, sealed: &[u8], aad: &Aad) -> Result<String, CryptoError> {
        String::from_utf8(self.open(sealed, aad)?).map_err(|_| CryptoError::Malformed)
    }

    /// Opens and seals again with the current key (and with its owner, when `aad` names one and
    /// the value was sealed without); `None` when there is nothing to change.
    pub fn reseal(&self, sealed: &[u8], aad: &Aad) -> Result<Option<Vec<u8>>, CryptoError> {
        let (version, key_id, _, _) = split(sealed)?;
        let upgrade = version == VERSION_PLAIN && aad.owned.is_some();
        if key_id == self.ring().current().id.as_bytes() && !upgrade {
            return Ok(None);
        }
        let plaintext = self.open(sealed, aad)?;
        Ok(Some(self.seal(&plaintext, aad)))
    }

    /// A key for another purpose (for example signing widget tokens), derived from the current
    /// key so that the encryption key itself is never used twice.
    pub fn derive_subkey(&self, purpose: &str) -> [u8; 32] {
        subkey(&self.ring().current().material, purpose)
    }

    /// The same subkey derived from every key held, the current key's first: what was signed
    /// before a rotation still verifies until the old key is retired.
    pub fn derive_subkeys(&self, purpose: &str) -> Vec<[u8; 32]> {
        self.ring().keys.iter().rev().map(|k| subkey(&k.material, purpose)).collect()
    }
}

/// Whether two secrets are equal, compared without stopping at the first difference (so the
/// time taken says nothing about where they differ).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The id of the key that made a sealed value, read from its header.
pub fn sealed_key_id(sealed: &[u8]) -> Result<&str, CryptoError> {
    let (_, id, _, _) = split(sealed)?;
    std::str::from_utf8(id).map_err(|_| CryptoError::Malformed)
}

/// A sealed value's parts: the format version, the key id, the nonce, and the ciphertext with
/// its tag.
type Parts<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

fn split(sealed: &[u8]) -> Result<Parts<'_>, CryptoError> {
    let (&version, rest) = sealed.split_first().ok_or(CryptoError::Malformed)?;
    if version != VERSION_PLAIN && version != VERSION_OWNED {
        return Err(CryptoError::Malformed);
    }
    let (&id_len, rest) = rest.split_first().ok_or(CryptoError::Malformed)?;
    let id_len = id_len as usize;
    if id_len == 0 || rest.len() < id_len + NONCE_LEN + 16 {
        return Err(CryptoError::Malformed);
    }
    let (key_id, rest) = rest.split_at(id_len);
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    Ok((version, key_id, nonce, ciphertext))
}

fn build_ring(keys: Vec<(String, KeyMaterial)>) -> Result<Keyring, String> {
    if keys.is_empty() {
        return Err("no encryption key given".into());
    }
    let mut ring = Keyring { keys: Vec::with_capacity(keys.len()) };
    for (id, material) in keys {
        if !is_valid_key_id(&id) {
            return Err(format!("key id {id:?} must be 1 to 64 letters, digits, '-' or '_'"));
        }
        if ring.get(id.as_bytes()).is_some() {
            return Err(format!("key id {id:?} appears twice"));
        }
        ring.keys.push(Key::new(id, material));
    }
    Ok(ring)
}

pub fn is_valid_key_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn subkey(key: &KeyMaterial, purpose: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.0).expect("HMAC takes any key length");
    mac.update(b"plumb/subkey/v1/");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The id a key gets when none is given: `k` and 8 hex digits of a hash of the key.
pub fn fingerprint(key: &KeyMaterial) -> String {
    let f = subkey(key, "key-id");
    let hex: String = f[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("k{hex}")
}

/// Parses `id:base64,id:base64` (`PLUMB_ENCRYPTION_KEYS`); the last is current.
pub fn parse_key_list(text: &str) -> Result<Vec<(String, KeyMaterial)>, String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (id, key) = entry.split_once(':').ok_or_else(|| "each entry must be id:base64-key".to_string())?;
            let key = KeyMaterial::from_base64(key).map_err(|e| format!("key {:?}: {e}", id.trim()))?;
            Ok((id.trim().to_string(), key))
        })
        .collect()
}

/// Reads a key file: lines of `<id> <base64 key>`, the last current; `#` starts a comment. A
/// file holding one bare base64 key (what Plumb wrote before key ids) is that key, named by its
/// fingerprint.
pub fn read_key_file(path: &Path) -> Result<Vec<(String, KeyMaterial)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    if let [only] = lines.as_slice() {
        if !only.contains(char::is_whitespace) {
            let key = KeyMaterial::from_base64(only).map_err(|e| format!("{}: {e}", path.display()))?;
            return Ok(vec![(fingerprint(&key), key)]);
        }
    }
    lines
        .iter()
        .map(|line| {
            let (id, key) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| format!("{}: each line must be \"<id> <base64 key>\"", path.display()))?;
            let key = KeyMaterial::from_base64(key).map_err(|e| format!("{}: key {id:?}: {e}", path.display()))?;
            Ok((id.to_string(), key))
        })
        .collect()
}

/// Writes a key file atomically (a new file renamed over the old one), owner-only.
pub fn write_key_file(path: &Path, keys: &[(String, KeyMaterial)]) -> std::io::Result<()> {
    let mut text = String::from(
        "# Plumb's encryption keys: <id> <base64 key>; the last line is the current key.\n\
         # Keep this file secret and backed up: without it, stored tokens cannot be decrypted.\n",
    );
    for (id, key) in keys {
        text.push_str(&format!("{id} {}\n", key.to_base64()));
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod owner_tests {
    use super::*;

    #[test]
    fn a_value_bound_to_its_owner_opens_for_that_owner_only() {
        let c = Cipher::from_key(KeyMaterial::generate());
        let aad = |user: &str| Aad::new("connections", "c1", "access_token").owned_by(&["p1", user, "org"]);
        let sealed = c.seal(b"token", &aad("alice"));
        assert_eq!(c.open(&sealed, &aad("alice")).unwrap(), b"token");
        assert_eq!(c.open(&sealed, &aad("mallory")), Err(CryptoError::Authentication), "re-assigned row");
        assert_eq!(c.open(&sealed, &Aad::new("connections", "c1", "access_token")), Err(CryptoError::Authentication));
        // Parts are length-prefixed: moving a separator between them changes the binding.
        let split = |a: &str, b: &str| Aad::new("t", "1", "f").owned_by(&[a, b]);
        assert!(c.open(&c.seal(b"x", &split("a/b", "c")), &split("a", "b/c")).is_err());
    }

    #[test]
    fn values_sealed_before_owners_open_and_are_upgraded_by_resealing() {
        let c = Cipher::from_key(KeyMaterial::generate());
        let plain = Aad::new("connections", "c1", "access_token");
        let old = c.seal(b"token", &plain);
        let owned = Aad::new("connections", "c1", "access_token").owned_by(&["p1", "alice", ""]);
        assert_eq!(c.open(&old, &owned).unwrap(), b"token");
        let upgraded = c.reseal(&old, &owned).unwrap().expect("upgraded to the owner binding");
        assert_eq!(upgraded[0], VERSION_OWNED);
        assert_eq!(c.open(&upgraded, &owned).unwrap(), b"token");
        assert_eq!(c.reseal(&upgraded, &owned).unwrap(), None);
    }

    #[test]
    fn seals_are_counted_per_key() {
        let c = Cipher::new("k1", KeyMaterial::generate());
        for _ in 0..3 {
            c.seal(b"x", &Aad::new("t", "1", "f"));
        }
        assert_eq!(c.take_seal_counts(), vec![("k1".to_string(), 3)]);
        assert!(c.take_seal_counts().is_empty(), "taken");
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
