//! `Plumb`, the core every flow and transport works through: it owns the configuration, the
//! store, the cipher, the HTTP clients and the refresh locks, and answers the questions every
//! flow asks (which provider, with which credentials, for which environment, whose widget token).
//!
//! The core imports no flow. Each flow adds its own `impl Plumb` block in its module:
//!
//! | module | what it adds |
//! |---|---|
//! | [`crate::connect`] | the authorization flow: widget and link starts, the callback, the code exchange |
//! | [`crate::tokens`] | handing out access tokens, refreshing them (single flight), the background refresher |
//! | [`crate::widget`] | widget tokens, the widget's listing, disconnecting |
//! | [`crate::provider_admin`] | adding, editing, enabling and deleting providers; shared apps; icons |
//! | [`crate::environments`] | environments and their browser-facing settings |
//! | [`crate::webhooks`] | webhook endpoints and the delivery worker |
//! | [`crate::events`] | listing the event log |
//! | [`crate::admin_accounts`] | admins, sessions, invitations, sign-in |
//! | [`crate::api_keys`] | authenticating API keys |
//! | [`crate::relay`] | calls relayed to providers with the credential attached |
//!
//! Transports call those methods: [`crate::http`] (the REST API, the OAuth pages, and the Leptos
//! server functions through [`crate::http::server_fns`]) and the `plumb` command line.

use crate::config::Config;
use crate::crypto::{Aad, Cipher};
use crate::error::{Error, Result};
use crate::ids::{EnvironmentId, ProviderId};
use crate::locks::KeyedLocks;
use crate::providers::Provider;
use crate::store::{Environment, Store};
use crate::time::now_ms;
use crate::widget_tokens::{Claims, Signer};

pub struct Plumb {
    pub(crate) config: Config,
    pub(crate) store: Store,
    pub(crate) cipher: Cipher,
    /// For calls to providers.
    pub(crate) http: crate::outbound::Client,
    /// For webhook deliveries: endpoints are the application's, not providers'.
    pub(crate) webhook_http: crate::outbound::Client,
    /// Refreshes of one connection in this process take its lock (see [`crate::tokens`]).
    pub(crate) refresh_locks: KeyedLocks,
    /// This process's name in refresh leases: unique per start.
    pub(crate) instance: String,
    /// Argon2 for admin passwords, off the async workers (see [`crate::passwords`]).
    pub(crate) password_hashing: crate::passwords::PasswordHashing,
    /// Sign-in attempts per client address, in this process.
    pub(crate) sign_in_limiter: crate::rate_limit::AttemptLimiter<std::net::IpAddr>,
    /// Providers that did not answer at all (a timeout, a refused connection), and until when
    /// refreshes of their connections are not tried, in this process (see [`crate::tokens`]).
    pub(crate) unreachable_providers: std::sync::Mutex<std::collections::HashMap<ProviderId, i64>>,
    /// Relayed calls counted in this process, not yet added to the database.
    pub(crate) relay_meter: crate::relay::meter::Meter,
    /// Providers as the relay last loaded them, with when: reused while the row's
    /// `updated_at` is unchanged, for a few seconds at most (see [`crate::relay`]).
    pub(crate) relay_providers: std::sync::Mutex<std::collections::HashMap<ProviderId, (Provider, std::time::Instant)>>,
    /// For relayed calls: no overall timeout (a stream may run long), see [`crate::relay`].
    pub(crate) relay_http: crate::outbound::Client,
    /// This Plumb itself, for work that must outlive the request that started it (a refresh
    /// whose caller stopped waiting).
    pub(crate) this: std::sync::Weak<Plumb>,
    /// What `/metrics` reports (see [`crate::metrics`]).
    pub(crate) metrics: crate::metrics::Metrics,
    /// Held (cloned) by every refresh while it runs, so a shutdown can wait for them.
    pub(crate) refreshes_running: std::sync::Arc<()>,
}

/// The client credentials for one provider, opened for a single request.
pub(crate) struct Credentials {
    pub client_id: String,
    pub client_secret: Option<String>,
}

impl Credentials {
    /// How Plumb presents itself at this provider's token endpoint.
    pub fn client<'a>(&'a self, provider: &'a Provider) -> crate::oauth::Client<'a> {
        crate::oauth::Client {
            client_id: &self.client_id,
            client_secret: self.client_secret.as_deref(),
            authenticate_via: provider.authenticate_via,
            body: provider.token_body,
            headers: &provider.token_request_headers,
            params: &provider.access.token_parameters,
            paths: &provider.token_response_paths,
        }
    }
}

impl Plumb {
    pub fn new(config: Config, store: Store, cipher: Cipher) -> std::sync::Arc<Self> {
        std::sync::Arc::new_cyclic(|this| Self {
            this: this.clone(),
            metrics: crate::metrics::Metrics::new(),
            refreshes_running: Default::default(),
            unreachable_providers: Default::default(),
            relay_meter: Default::default(),
            relay_providers: Default::default(),
            relay_http: crate::outbound::Client::streaming(config.relay_timeouts(), config.outbound()),
            sign_in_limiter: crate::rate_limit::AttemptLimiter::new(
                config.sign_in_attempts_per_address,
                std::time::Duration::from_secs(60),
            ),
            http: crate::outbound::Client::new(config.provider_timeout, config.outbound()),
            webhook_http: crate::outbound::Client::new(std::time::Duration::from_secs(10), config.outbound()),
            config,
            store,
            cipher,
            refresh_locks: KeyedLocks::default(),
            instance: crate::ids::new_id("plumb"),
            // Half the cores at most: hashing is CPU-bound, and the other half keeps serving.
            password_hashing: crate::passwords::PasswordHashing::new(
                std::thread::available_parallelism().map_or(1, |n| n.get() / 2),
            ),
        })
    }

    /// `/readyz`: the database answers and is migrated, and the key ring holds a key. The
    /// error names the check that failed.
    pub async fn check_ready(&self) -> std::result::Result<(), String> {
        self.store.check_ready().await?;
        if self.cipher.key_ids().is_empty() {
            return Err("no encryption key is loaded".into());
        }
        Ok(())
    }

    /// The last step of a graceful shutdown, after the server has stopped taking requests and
    /// the workers have stopped: refreshes still running get until `deadline` to settle their
    /// leases; any lease this process still holds then is released, so no connection waits
    /// out a lease nobody will finish; relayed calls counted are recorded. Returns how many
    /// leases had to be released.
    pub async fn finish(&self, deadline: tokio::time::Instant) -> Result<u64> {
        while std::sync::Arc::strong_count(&self.refreshes_running) > 1 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let released = self.store.release_refresh_leases(&self.instance).await?;
        self.flush_relay_usage().await?;
        Ok(released)
    }

    /// The Prometheus text for `/metrics`, the database pool read now.
    pub fn metrics_text(&self) -> String {
        let (size, idle) = self.store.pool_usage();
        self.metrics.render(size, idle)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn cipher(&self) -> &Cipher {
        &self.cipher
    }

    /// A provider of an environment by slug, with its catalog entry's current settings laid
    /// over it.
    pub async fn provider(&self, env: &EnvironmentId, slug: &str) -> Result<Provider> {
        let mut provider =
            self.store.provider_by_slug(env, slug).await?.ok_or_else(|| Error::ProviderNotFound(slug.to_string()))?;
        crate::catalog::refresh(&mut provider);
        Ok(provider)
    }

    pub(crate) async fn provider_by_id(&self, id: &ProviderId) -> Result<Option<Provider>> {
        let mut provider = self.store.provider_by_id(id).await?;
        if let Some(p) = provider.as_mut() {
            crate::catalog::refresh(p);
        }
        Ok(provider)
    }

    /// The client id and secret to present to the provider: the admin's own, or the instance's
    /// shared app. A public client (secret not required) sends no secret even if one is stored.
    pub(crate) async fn credentials(&self, provider: &Provider) -> Result<Credentials> {
        let (client_id, sealed, aad) = if provider.uses_shared_credentials() {
            let slug = provider.catalog_slug.clone().unwrap_or_default();
            let shared = self.store.shared_credentials(&slug).await?.ok_or_else(|| {
                Error::NotConfigured(format!(
                    "{} uses this instance's shared OAuth app, but none is registered for it.",
                    provider.name
                ))
            })?;
            (shared.client_id, shared.client_secret, Aad::new("shared_credentials", &slug, "client_secret"))
        } else {
            (
                provider.client_id.clone(),
                provider.client_secret.clone(),
                Aad::new("providers", provider.id.as_str(), "client_secret"),
            )
        };
        let client_secret = match sealed {
            Some(sealed) if provider.client_secret_required => Some(self.cipher.open_string(&sealed, &aad)?),
            _ => None,
        };
        Ok(Credentials { client_id, client_secret })
    }

    pub async fn environment(&self, id: &EnvironmentId) -> Result<Environment> {
        self.store.environment(id).await?.ok_or_else(|| Error::NotFound(format!("No environment {:?}.", id.as_str())))
    }

    /// Widget tokens are signed with a key derived from the current encryption key (re-derived
    /// each time, so a key rotation applies at once; an HMAC costs about a microsecond).
    pub(crate) fn widget_signer(&self) -> Signer {
        Signer::with_keys(self.cipher.derive_subkeys("widget-token"))
    }

    /// What a widget token says, if it is genuine and unexpired.
    pub fn widget_claims(&self, token: &str) -> Result<Claims> {
        self.widget_signer().verify(token, now_ms() / 1000)
    }
}
