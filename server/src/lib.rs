//! Plumb's server, in layers that depend only downwards:
//!
//! - transport: [`http`] (the REST API, the OAuth pages, the Leptos pages and server functions)
//!   and the `plumb` command line;
//! - flows, each an `impl Plumb` block: [`connect`], [`session_binding`], [`tokens`], [`widget`],
//!   [`widget_api`] and [`handoff`] (the official WorkOS widgets), [`provider_admin`], [`environments`], [`webhooks`], [`events`], [`admin_accounts`],
//!   [`api_keys`], [`housekeeping`];
//! - the core: [`plumb::Plumb`], and the domain's types and rules ([`providers`],
//!   [`provider_settings`], [`provider_rules`], [`connections`], [`catalog`], [`error`], [`ids`], [`paging`]);
//! - the store ([`store`]) and leaf services: [`crypto`], [`keys`], [`oauth`], [`outbound`],
//!   [`discovery`], [`icons`], [`widget_tokens`], [`origins`], [`locks`], [`passwords`],
//!   [`rate_limit`], [`client_address`], [`svg`], [`config`], [`time`].

pub mod access_rules;
pub mod account_api;
pub mod account_identity;
pub mod accounts;
pub mod admin_accounts;
pub mod api_keys;
pub mod catalog;
pub mod client_address;
pub mod config;
pub mod config_fields;
pub mod config_vars;
pub mod connect;
pub mod connection_config;
pub mod connections;
pub mod credentials;
pub mod crypto;
pub mod discovery;
pub mod environments;
pub mod error;
pub mod event_names;
pub mod events;
pub mod handoff;
pub mod housekeeping;
pub mod http;
pub mod icons;
pub mod idempotency;
pub mod ids;
pub mod json_path;
pub mod keys;
pub mod locks;
pub mod metrics;
pub mod oauth;
pub mod organizations;
pub mod origins;
pub mod outbound;
pub mod paging;
pub mod passwords;
pub mod plumb;
pub mod provider_admin;
pub mod provider_rules;
pub mod provider_settings;
pub mod providers;
pub mod rate_limit;
pub mod relay;
pub mod revocation;
pub mod session_binding;
pub mod store;
pub mod svg;
pub mod templates;
pub mod time;
pub mod token_request;
pub mod tokens;
pub mod webhooks;
pub mod widget;
pub mod widget_api;
pub mod widget_theme;
pub mod widget_tokens;
pub mod workers;

use std::sync::Arc;

/// Loads the encryption keys named by the configuration: `PLUMB_ENCRYPTION_KEYS`,
/// `PLUMB_ENCRYPTION_KEY`, or the key file, which is generated on first start.
pub fn load_cipher(config: &config::Config) -> Result<crypto::Cipher, String> {
    if let Some(keys) = &config.encryption_keys {
        return crypto::Cipher::from_keys(keys.clone(), crypto::KeySource::Fixed)
            .map_err(|e| format!("PLUMB_ENCRYPTION_KEYS: {e}"));
    }
    if let Some(key) = &config.encryption_key {
        return Ok(crypto::Cipher::from_key(key.clone()));
    }
    let path = &config.key_file;
    let (_, created) = crypto::KeyMaterial::load_or_create(path)
        .map_err(|e| format!("cannot read or create the encryption key file {}: {e}", path.display()))?;
    if created {
        tracing::warn!(
            path = %path.display(),
            "generated a new encryption key (mode 0600). Back it up: without it, stored tokens and \
             secrets cannot be decrypted."
        );
    }
    let keys = crypto::read_key_file(path)?;
    crypto::Cipher::from_keys(keys, crypto::KeySource::File(path.clone()))
}

/// Connects to the database, runs migrations and assembles the service.
pub async fn build(config: config::Config) -> Result<Arc<plumb::Plumb>, String> {
    let cipher = load_cipher(&config)?;
    let store = store::Store::connect(&config.database_url).await.map_err(|e| e.to_string())?;
    Ok(plumb::Plumb::new(config, store, cipher))
}
