//! Configuration from `PLUMB_*` environment variables, with defaults that make `plumb serve`
//! work on a fresh checkout. Secrets read here are wrapped so they never reach a log line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    /// `PLUMB_ADDR`: where the HTTP server listens.
    pub addr: SocketAddr,
    /// `PLUMB_PUBLIC_URL`: how browsers and providers reach Plumb, without a trailing slash.
    pub public_url: String,
    /// `PLUMB_DATABASE_URL`: `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// `PLUMB_DATA_DIR`: where a generated encryption key is kept.
    pub data_dir: PathBuf,
    /// `PLUMB_ENCRYPTION_KEY`: base64 of 32 bytes; generated into the data directory if unset.
    pub encryption_key: Option<crate::crypto::KeyMaterial>,
    /// `PLUMB_SITE_ROOT`: the built site (`pkg/` with the wasm bundle, CSS, favicon).
    pub site_root: PathBuf,
    /// `PLUMB_REFRESH_SKEW_SECONDS`: refresh a token this long before it expires.
    pub refresh_skew: Duration,
    /// `PLUMB_WIDGET_TOKEN_TTL_SECONDS`: how long a widget token stays valid.
    pub widget_token_ttl: Duration,
    /// `PLUMB_REFRESH_WAIT_SECONDS`: how long a fetch waits for a refresh another request or
    /// process is running before it answers from what it has.
    pub refresh_wait: Duration,
    /// `PLUMB_PROVIDER_TIMEOUT_SECONDS`: the whole-request timeout for calls to providers.
    pub provider_timeout: Duration,
    /// `PLUMB_BACKGROUND_REFRESH_SECONDS`: how often the background refresher runs (0: never).
    pub background_refresh_interval: Duration,
    /// `PLUMB_BACKGROUND_REFRESH_WINDOW_SECONDS`: it renews tokens expiring within this window.
    pub background_refresh_window: Duration,
    /// `PLUMB_WEBHOOK_RETRY_BASE_SECONDS`: the first retry delay of a failed webhook delivery;
    /// later ones double.
    pub webhook_retry_base: Duration,
    /// `PLUMB_WEBHOOK_GIVE_UP_HOURS`: how long a delivery keeps being retried.
    pub webhook_give_up_after: Duration,
    /// `PLUMB_WEBHOOK_POLL_MILLISECONDS`: how often the delivery worker looks for due deliveries.
    pub webhook_poll: Duration,
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads configuration through `lookup`, so tests can supply variables without touching the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let addr_text = lookup("PLUMB_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr = addr_text.parse().map_err(|_| {
            ConfigError(format!("PLUMB_ADDR must be host:port, like 127.0.0.1:3000 (got {addr_text:?})"))
        })?;
        let public_url = lookup("PLUMB_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into());
        let parsed = url::Url::parse(&public_url).map_err(|e| {
            ConfigError(format!("PLUMB_PUBLIC_URL must be an absolute http(s) URL ({e}): {public_url:?}"))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(ConfigError(format!("PLUMB_PUBLIC_URL must be an http(s) URL: {public_url:?}")));
        }
        let public_url = public_url.trim_end_matches('/').to_string();
        let database_url = lookup("PLUMB_DATABASE_URL").unwrap_or_else(|| "sqlite://data/plumb.db".into());
        let encryption_key = lookup("PLUMB_ENCRYPTION_KEY")
            .map(|v| crate::crypto::KeyMaterial::from_base64(&v))
            .transpose()
            .map_err(|e| ConfigError(format!("PLUMB_ENCRYPTION_KEY: {e}")))?;
        Ok(Self {
            addr,
            public_url,
            database_url,
            data_dir: lookup("PLUMB_DATA_DIR").unwrap_or_else(|| "data".into()).into(),
            encryption_key,
            site_root: lookup("PLUMB_SITE_ROOT").unwrap_or_else(|| "target/site".into()).into(),
            refresh_skew: Duration::from_secs(seconds(&lookup, "PLUMB_REFRESH_SKEW_SECONDS", 60)?),
            widget_token_ttl: Duration::from_secs(seconds(&lookup, "PLUMB_WIDGET_TOKEN_TTL_SECONDS", 3600)?),
            refresh_wait: Duration::from_secs(seconds(&lookup, "PLUMB_REFRESH_WAIT_SECONDS", 10)?),
            provider_timeout: Duration::from_secs(seconds(&lookup, "PLUMB_PROVIDER_TIMEOUT_SECONDS", 15)?.max(1)),
            background_refresh_interval: Duration::from_secs(seconds(&lookup, "PLUMB_BACKGROUND_REFRESH_SECONDS", 30)?),
            background_refresh_window: Duration::from_secs(seconds(
                &lookup,
                "PLUMB_BACKGROUND_REFRESH_WINDOW_SECONDS",
                120,
            )?),
            webhook_retry_base: Duration::from_secs(seconds(&lookup, "PLUMB_WEBHOOK_RETRY_BASE_SECONDS", 30)?.max(1)),
            webhook_give_up_after: Duration::from_secs(seconds(&lookup, "PLUMB_WEBHOOK_GIVE_UP_HOURS", 26)? * 3600),
            webhook_poll: Duration::from_millis(seconds(&lookup, "PLUMB_WEBHOOK_POLL_MILLISECONDS", 1000)?.max(50)),
        })
    }

    /// The OAuth redirect URI every provider must have registered, character for character.
    pub fn redirect_uri(&self) -> String {
        format!("{}/oauth/callback", self.public_url)
    }

    /// Whether browsers reach Plumb over https, so cookies can be marked `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

fn seconds(lookup: &impl Fn(&str) -> Option<String>, name: &str, default: u64) -> Result<u64, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| ConfigError(format!("{name} must be a whole number of seconds (got {v:?})"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_serve_sqlite_on_localhost_3000() {
        let c = config(&[]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.redirect_uri(), "http://127.0.0.1:3000/oauth/callback");
        assert_eq!(c.database_url, "sqlite://data/plumb.db");
        assert_eq!(c.refresh_skew, Duration::from_secs(60));
        assert!(c.encryption_key.is_none());
    }

    #[test]
    fn public_url_loses_its_trailing_slash() {
        let c = config(&[("PLUMB_PUBLIC_URL", "https://plumb.example.com/")]).unwrap();
        assert_eq!(c.redirect_uri(), "https://plumb.example.com/oauth/callback");
        assert!(c.is_https());
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert!(config(&[("PLUMB_ADDR", "nope")]).unwrap_err().0.contains("PLUMB_ADDR"));
        assert!(config(&[("PLUMB_PUBLIC_URL", "ftp://x")]).unwrap_err().0.contains("PLUMB_PUBLIC_URL"));
        assert!(config(&[("PLUMB_ENCRYPTION_KEY", "c2hvcnQ=")]).unwrap_err().0.contains("32 bytes"));
        assert!(config(&[("PLUMB_REFRESH_SKEW_SECONDS", "soon")]).is_err());
    }
}
