//! Encryption-key rotation. Every sealed value names the key that made it; `plumb keys rotate`
//! adds a key to the key file and makes it current, then re-encrypts every sealed value in
//! small batches while servers keep serving. A running server re-reads the key file every few
//! seconds and whenever it meets a key id it does not hold, so it opens values resealed by the
//! rotation at once and starts sealing with the new key shortly after. `plumb keys retire`
//! removes a key only when no sealed value uses it any more.

use crate::crypto::{self, Cipher, KeyMaterial, KeySource};
use crate::error::{Error, Result};
use crate::store::sealed::SEALED;
use crate::store::Store;
use std::collections::BTreeMap;
use std::time::Duration;

const BATCH: i64 = 200;

/// How many sealed values each key id made; values that cannot be parsed count under
/// `"malformed"`.
pub async fn usage(store: &Store) -> Result<BTreeMap<String, u64>> {
    let mut counts = BTreeMap::new();
    for place in SEALED {
        let mut after = String::new();
        loop {
            let rows = store.sealed_values(place, &after, 1000).await?;
            let Some(last) = rows.last() else { break };
            after = last.id.clone();
            for value in &rows {
                let id = crypto::sealed_key_id(&value.sealed).unwrap_or("malformed");
                *counts.entry(id.to_string()).or_insert(0) += 1;
            }
        }
    }
    Ok(counts)
}

/// What one re-encryption pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Values resealed with the current key.
    pub resealed: u64,
    /// Values changed by someone else between reading and writing; the next pass sees them.
    pub changed_meanwhile: u64,
    /// Values no key opens (tampered, or made by a key this process does not hold).
    pub unreadable: u64,
}

/// One pass over every sealed value: those not made by the current key are opened and sealed
/// again, each replaced only if nobody changed it meanwhile. Batches are small, so a server
/// sharing the database waits on none of it for long.
pub async fn reencrypt_pass(store: &Store, cipher: &Cipher) -> Result<Pass> {
    let mut pass = Pass::default();
    for place in SEALED {
        let mut after = String::new();
        loop {
            let rows = store.sealed_values(place, &after, BATCH).await?;
            let Some(last) = rows.last() else { break };
            after = last.id.clone();
            for value in rows {
                let (id, sealed) = (&value.id, &value.sealed);
                match cipher.reseal(sealed, &value.aad(place)) {
                    Ok(None) => {}
                    Ok(Some(resealed)) => {
                        if store.replace_sealed(place, id, sealed, &resealed).await? {
                            pass.resealed += 1;
                        } else {
                            pass.changed_meanwhile += 1;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(table = place.table, column = place.column, id, error = %e, "cannot re-encrypt");
                        pass.unreadable += 1;
                    }
                }
            }
        }
    }
    Ok(pass)
}

/// The outcome of [`reencrypt`].
#[derive(Debug, Clone)]
pub struct Reencrypted {
    pub current: String,
    pub resealed: u64,
    pub unreadable: u64,
    pub passes: u32,
    /// Key ids still used by some value (besides the current one) when it finished.
    pub remaining: BTreeMap<String, u64>,
}

/// Re-encrypts until every readable value uses the current key, and stays so for longer than
/// servers take to re-read the key file (a server that has not yet reloaded still seals with
/// the old key; the next pass catches those). Gives up after `deadline`.
pub async fn reencrypt(store: &Store, cipher: &Cipher, settle: Duration, deadline: Duration) -> Result<Reencrypted> {
    let started = std::time::Instant::now();
    let current = cipher.key_id();
    let mut total =
        Reencrypted { current: current.clone(), resealed: 0, unreadable: 0, passes: 0, remaining: BTreeMap::new() };
    let mut clean_since: Option<std::time::Instant> = None;
    loop {
        let pass = reencrypt_pass(store, cipher).await?;
        total.passes += 1;
        total.resealed += pass.resealed;
        total.unreadable = pass.unreadable;
        let clean = pass.resealed == 0 && pass.changed_meanwhile == 0;
        if !clean {
            clean_since = None;
        } else if clean_since.get_or_insert_with(std::time::Instant::now).elapsed() >= settle {
            break;
        }
        if started.elapsed() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    total.remaining = usage(store).await?;
    total.remaining.remove(&current);
    total.remaining.remove("malformed");
    Ok(total)
}

/// Adds a new key to the key file and makes it current. Returns its id.
pub fn add_key_to_file(cipher: &Cipher) -> Result<String> {
    let KeySource::File(path) = cipher.source() else {
        return Err(Error::Conflict(
            "The keys come from PLUMB_ENCRYPTION_KEYS or PLUMB_ENCRYPTION_KEY, which Plumb cannot change. Run \
             `plumb keys generate`, append its output to PLUMB_ENCRYPTION_KEYS on every instance (the last key is \
             current), restart them, then run `plumb keys reencrypt`."
                .into(),
        ));
    };
    let mut keys = crypto::read_key_file(path).map_err(Error::Conflict)?;
    let key = KeyMaterial::generate();
    let id = new_key_id(&keys.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>());
    keys.push((id.clone(), key));
    crypto::write_key_file(path, &keys)
        .map_err(|e| Error::Internal(format!("cannot write the key file {}: {e}", path.display())))?;
    cipher.reload().map_err(Error::Conflict)?;
    Ok(id)
}

/// Removes a key that no sealed value uses. Refuses the current key and keys still in use.
pub async fn retire(store: &Store, cipher: &Cipher, id: &str) -> Result<()> {
    if !cipher.key_ids().iter().any(|k| k == id) {
        return Err(Error::NotFound(format!("No key {id:?}. Keys: {}.", cipher.key_ids().join(", "))));
    }
    if cipher.key_id() == id {
        return Err(Error::Conflict(format!("{id} is the current key; rotate to a new key before retiring it.")));
    }
    let in_use = usage(store).await?.get(id).copied().unwrap_or(0);
    if in_use > 0 {
        return Err(Error::Conflict(format!(
            "{in_use} sealed value(s) still use {id}; run `plumb keys reencrypt` first."
        )));
    }
    match cipher.source() {
        KeySource::File(path) => {
            let keys: Vec<_> =
                crypto::read_key_file(path).map_err(Error::Conflict)?.into_iter().filter(|(k, _)| k != id).collect();
            crypto::write_key_file(path, &keys)
                .map_err(|e| Error::Internal(format!("cannot write the key file {}: {e}", path.display())))?;
            cipher.reload().map_err(Error::Conflict)?;
            Ok(())
        }
        KeySource::Fixed => Err(Error::Conflict(format!(
            "No sealed value uses {id} any more: remove it from PLUMB_ENCRYPTION_KEYS on every instance."
        ))),
    }
}

/// `k` + the date + a counter, unique within the file: readable in `plumb keys list`.
fn new_key_id(existing: &[String]) -> String {
    let date = chrono::Utc::now().format("%Y%m%d").to_string();
    (1..).map(|n| format!("k{date}-{n}")).find(|id| !existing.contains(id)).expect("an unused id")
}

/// Re-reads the key file every `interval`, so a rotation reaches this process without a restart.
pub fn spawn_key_watcher(cipher: Cipher, interval: Duration) {
    if !matches!(cipher.source(), KeySource::File(_)) {
        return;
    }
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match cipher.reload() {
                Ok(true) => tracing::info!(current = %cipher.key_id(), "encryption keys reloaded"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "cannot re-read the encryption key file; keeping the keys held"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Aad;

    #[test]
    fn new_key_ids_do_not_collide() {
        let first = new_key_id(&[]);
        assert!(crypto::is_valid_key_id(&first));
        let second = new_key_id(std::slice::from_ref(&first));
        assert_ne!(first, second);
    }

    #[test]
    fn a_key_file_rotation_reaches_clones_and_keeps_old_values_readable() {
        let dir = std::env::temp_dir().join(format!("plumb-keys-{}", crate::ids::random_token(8)));
        let path = dir.join("encryption.key");
        KeyMaterial::load_or_create(&path).unwrap();
        let cipher = Cipher::from_keys(crypto::read_key_file(&path).unwrap(), KeySource::File(path.clone())).unwrap();
        let other_process =
            Cipher::from_keys(crypto::read_key_file(&path).unwrap(), KeySource::File(path.clone())).unwrap();
        let aad = Aad::new("connections", "c1", "access_token");
        let old = cipher.seal(b"token", &aad);
        let old_id = cipher.key_id();

        let new_id = add_key_to_file(&cipher).unwrap();
        assert_eq!(cipher.key_id(), new_id);
        let resealed = cipher.reseal(&old, &aad).unwrap().unwrap();
        assert_eq!(crypto::sealed_key_id(&resealed).unwrap(), new_id);
        assert!(cipher.reseal(&resealed, &aad).unwrap().is_none());
        // Another process still on the old keyring opens the new value by re-reading the file.
        assert_eq!(other_process.open(&resealed, &aad).unwrap(), b"token");
        assert_eq!(other_process.key_id(), new_id);
        assert_eq!(cipher.open(&old, &aad).unwrap(), b"token");
        assert_eq!(cipher.key_ids(), [old_id, new_id]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
