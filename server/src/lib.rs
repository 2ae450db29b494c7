//! Plumb's server: the domain (providers, connections, tokens, crypto, OAuth) and the HTTP layer
//! that serves the Leptos app, the backend API and the OAuth callback.

pub mod admin;
pub mod api_keys;
pub mod catalog;
pub mod config;
pub mod connect;
pub mod connections;
pub mod crypto;
pub mod discovery;
pub mod error;
pub mod events;
pub mod http;
pub mod icons;
pub mod ids;
pub mod oauth;
pub mod providers;
pub mod service;
pub mod store;
pub mod time;
pub mod tokens;
pub mod webhooks;
pub mod widget_tokens;

use std::sync::Arc;

/// Loads the encryption key named by the configuration, generating one into the data directory
/// on first start when none is configured.
pub fn load_cipher(config: &config::Config) -> Result<crypto::Cipher, String> {
    let key = match &config.encryption_key {
        Some(key) => key.clone(),
        None => {
            let path = config.data_dir.join("encryption.key");
            let (key, created) = crypto::KeyMaterial::load_or_create(&path)
                .map_err(|e| format!("cannot read or create the encryption key at {}: {e}", path.display()))?;
            if created {
                tracing::warn!(
                    path = %path.display(),
                    "generated a new encryption key (mode 0600). Back it up: without it, stored tokens and \
                     secrets cannot be decrypted. Set PLUMB_ENCRYPTION_KEY to manage it yourself."
                );
            } else {
                tracing::info!(path = %path.display(), "using the encryption key from the data directory");
            }
            key
        }
    };
    Ok(crypto::Cipher::from_key(key))
}

/// Connects to the database, runs migrations and assembles the service.
pub async fn build(config: config::Config) -> Result<Arc<service::Plumb>, String> {
    let cipher = load_cipher(&config)?;
    let store = store::Store::connect(&config.database_url).await.map_err(|e| e.to_string())?;
    Ok(Arc::new(service::Plumb::new(config, store, cipher)))
}
