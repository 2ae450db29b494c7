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
    /// `PLUMB_ENCRYPTION_KEY`: base64 of 32 bytes, one key.
    pub encryption_key: Option<crate::crypto::KeyMaterial>,
    /// `PLUMB_ENCRYPTION_KEYS`: several keys with ids, `id:base64,id:base64`; the last is current.
    pub encryption_keys: Option<Vec<(String, crate::crypto::KeyMaterial)>>,
    /// `PLUMB_ENCRYPTION_KEY_FILE`: the key file used when neither variable above is set
    /// (default `encryption.key` in the data directory, generated on first start).
    pub key_file: PathBuf,
    /// `PLUMB_KEY_RELOAD_SECONDS`: how often a running server re-reads the key file, so a
    /// rotation by `plumb keys rotate` takes effect without a restart.
    pub key_reload_interval: Duration,
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
    /// `PLUMB_DEVELOPMENT_MODE`: lets providers and webhook endpoints live on this machine
    /// (loopback, plain http allowed). Off by default: a production Plumb never calls itself or
    /// its neighbours' loopback services.
    pub development_mode: bool,
    /// `PLUMB_RETURN_TO_ORIGINS`: the origins (`https://app.example.com`, comma or space
    /// separated) an authorization link may send the browser back to; Plumb's own origin is
    /// always allowed. Anything else is refused, so a link can never become an open redirect.
    pub return_to_origins: Vec<String>,
    /// `PLUMB_WIDGET_FRAME_ANCESTORS`: the origins allowed to embed the widget in an iframe
    /// (`Content-Security-Policy: frame-ancestors`); none by default.
    pub widget_frame_ancestors: Vec<String>,
    /// `PLUMB_SESSION_HOURS`: how long an admin stays signed in.
    pub session_ttl: Duration,
    /// `PLUMB_HEADER_TIMEOUT_SECONDS`: a client must send a request's headers within this.
    pub header_timeout: Duration,
    /// `PLUMB_REQUEST_TIMEOUT_SECONDS`: a request, its body included, is answered within this.
    pub request_timeout: Duration,
    /// `PLUMB_MAX_CONNECTIONS`: connections open at once; more wait to be accepted.
    pub max_connections: usize,
    /// `PLUMB_TRUSTED_PROXIES`: reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: crate::client_address::TrustedProxies,
    /// `PLUMB_SIGN_IN_ATTEMPTS_PER_MINUTE`: sign-in attempts one client address may make.
    pub sign_in_attempts_per_address: u32,
    /// `PLUMB_RETENTION_DAYS`: how long events and webhook deliveries are kept.
    pub retention: Duration,
    /// The relay's limits (`PLUMB_RELAY_*`).
    pub relay: RelayLimits,
    /// `PLUMB_SHUTDOWN_GRACE_SECONDS`: on SIGTERM, how long requests in flight and running
    /// refreshes get to finish before the process exits anyway.
    pub shutdown_grace: Duration,
    /// `PLUMB_METRICS_ADDR`: a second listener serving only `/metrics`; none by default, so
    /// metrics are never public by accident.
    pub metrics_addr: Option<SocketAddr>,
    /// `PLUMB_LOG`: the log filter.
    pub log_filter: String,
    /// `PLUMB_LOG_FORMAT`: `json` for structured logs.
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// How much and how long the relay carries a call (`docs/relay.md`, "Limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayLimits {
    /// `PLUMB_RELAY_TIMEOUT_SECONDS`: until the provider's status and headers arrive.
    pub response_timeout: Duration,
    /// `PLUMB_RELAY_IDLE_TIMEOUT_SECONDS`: the longest pause in a body, either way.
    pub idle_timeout: Duration,
    /// `PLUMB_RELAY_MAX_DURATION_SECONDS`: the whole call, streamed body included.
    pub max_duration: Duration,
    /// `PLUMB_RELAY_MAX_REQUEST_BYTES`: the largest body sent to a provider.
    pub max_request_bytes: u64,
    /// `PLUMB_RELAY_MAX_RESPONSE_BYTES`: the largest body relayed back.
    pub max_response_bytes: u64,
    /// `PLUMB_RELAY_MAX_WAIT_SECONDS`: the most a caller may ask to be queued
    /// (`X-Relay-Max-Wait`) while a provider's `Retry-After` runs.
    pub max_wait: Duration,
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
    /// The process environment, with the `_FILE` forms of secret variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_environment(&process_env)
    }

    /// Reads `env` as [`Config::from_env`] reads the process environment.
    pub fn from_environment(env: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let values = effective(env)?;
        Self::from_lookup(|name| values.get(name).map(|(value, _)| value.clone()))
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
        let encryption_keys = lookup("PLUMB_ENCRYPTION_KEYS")
            .map(|v| crate::crypto::parse_key_list(&v))
            .transpose()
            .map_err(|e| ConfigError(format!("PLUMB_ENCRYPTION_KEYS: {e}")))?;
        if encryption_key.is_some() && encryption_keys.is_some() {
            return Err(ConfigError("set PLUMB_ENCRYPTION_KEY or PLUMB_ENCRYPTION_KEYS, not both".into()));
        }
        if encryption_keys.as_ref().is_some_and(Vec::is_empty) {
            return Err(ConfigError("PLUMB_ENCRYPTION_KEYS lists no key".into()));
        }
        let data_dir: PathBuf = lookup("PLUMB_DATA_DIR").unwrap_or_else(|| "data".into()).into();
        Ok(Self {
            addr,
            public_url,
            database_url,
            key_file: lookup("PLUMB_ENCRYPTION_KEY_FILE")
                .map(PathBuf::from)
                .unwrap_or_else(|| data_dir.join("encryption.key")),
            data_dir,
            encryption_key,
            encryption_keys,
            key_reload_interval: Duration::from_secs(seconds(&lookup, "PLUMB_KEY_RELOAD_SECONDS", 5)?.max(1)),
            site_root: lookup("PLUMB_SITE_ROOT").unwrap_or_else(|| "target/site".into()).into(),
            refresh_skew: Duration::from_secs(seconds(&lookup, "PLUMB_REFRESH_SKEW_SECONDS", 60)?),
            widget_token_ttl: Duration::from_secs(seconds(&lookup, "PLUMB_WIDGET_TOKEN_TTL_SECONDS", 3600)?),
            refresh_wait: Duration::from_secs(seconds(&lookup, "PLUMB_REFRESH_WAIT_SECONDS", 3)?),
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
            development_mode: flag(&lookup, "PLUMB_DEVELOPMENT_MODE")?,
            return_to_origins: origins(&lookup, "PLUMB_RETURN_TO_ORIGINS")?,
            widget_frame_ancestors: origins(&lookup, "PLUMB_WIDGET_FRAME_ANCESTORS")?,
            session_ttl: Duration::from_secs(seconds(&lookup, "PLUMB_SESSION_HOURS", 12)?.max(1) * 3600),
            header_timeout: Duration::from_secs(seconds(&lookup, "PLUMB_HEADER_TIMEOUT_SECONDS", 10)?.max(1)),
            request_timeout: Duration::from_secs(seconds(&lookup, "PLUMB_REQUEST_TIMEOUT_SECONDS", 60)?.max(1)),
            max_connections: number(&lookup, "PLUMB_MAX_CONNECTIONS", 4096)?.max(1) as usize,
            trusted_proxies: crate::client_address::TrustedProxies::parse(
                &lookup("PLUMB_TRUSTED_PROXIES").unwrap_or_default(),
            )
            .map_err(|e| ConfigError(format!("PLUMB_TRUSTED_PROXIES: {e}")))?,
            sign_in_attempts_per_address: number(&lookup, "PLUMB_SIGN_IN_ATTEMPTS_PER_MINUTE", 20)?
                .clamp(1, u32::MAX as u64) as u32,
            retention: Duration::from_secs(number(&lookup, "PLUMB_RETENTION_DAYS", 30)?.max(1) * 24 * 3600),
            relay: RelayLimits {
                response_timeout: Duration::from_secs(seconds(&lookup, "PLUMB_RELAY_TIMEOUT_SECONDS", 30)?.max(1)),
                idle_timeout: Duration::from_secs(seconds(&lookup, "PLUMB_RELAY_IDLE_TIMEOUT_SECONDS", 60)?.max(1)),
                max_duration: Duration::from_secs(seconds(&lookup, "PLUMB_RELAY_MAX_DURATION_SECONDS", 900)?.max(1)),
                max_request_bytes: number(&lookup, "PLUMB_RELAY_MAX_REQUEST_BYTES", 10 << 20)?,
                max_response_bytes: number(&lookup, "PLUMB_RELAY_MAX_RESPONSE_BYTES", 1 << 30)?,
                max_wait: Duration::from_secs(seconds(&lookup, "PLUMB_RELAY_MAX_WAIT_SECONDS", 30)?),
            },
            shutdown_grace: Duration::from_secs(seconds(&lookup, "PLUMB_SHUTDOWN_GRACE_SECONDS", 30)?),
            metrics_addr: lookup("PLUMB_METRICS_ADDR")
                .map(|v| {
                    v.parse().map_err(|_| {
                        ConfigError(format!("PLUMB_METRICS_ADDR must be host:port, like 127.0.0.1:9090 (got {v:?})"))
                    })
                })
                .transpose()?,
            log_filter: log_filter(&lookup)?,
            log_format: log_format(&lookup)?,
        })
    }

    /// The OAuth redirect URI every provider must have registered, character for character.
    pub fn redirect_uri(&self) -> String {
        format!("{}/oauth/callback", self.public_url)
    }

    /// The rules for Plumb's own outbound requests.
    pub fn outbound(&self) -> crate::outbound::Outbound {
        crate::outbound::Outbound { allow_loopback: self.development_mode }
    }

    /// The relay's client timeouts: connecting, and the longest pause while reading.
    pub fn relay_timeouts(&self) -> (Duration, Duration) {
        (Duration::from_secs(5).min(self.relay.response_timeout), self.relay.idle_timeout)
    }

    /// Whether browsers reach Plumb over https, so cookies can be marked `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// A variable of the process environment; empty counts as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Every variable of the table that is set, with where its value came from (the variable, or
/// the file its `_FILE` form names).
pub fn effective(
    env: &impl Fn(&str) -> Option<String>,
) -> Result<std::collections::HashMap<&'static str, (String, Source)>, ConfigError> {
    let mut values = std::collections::HashMap::new();
    for variable in crate::config_vars::VARIABLES {
        if let Some(found) = crate::config_vars::lookup_with_files(env, variable).map_err(ConfigError)? {
            values.insert(variable.name, found);
        }
    }
    Ok(values)
}

pub use crate::config_vars::Source;

/// `PLUMB_LOG`, checked: a filter `tracing` cannot parse would otherwise be ignored silently.
pub fn log_filter(lookup: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let filter = lookup("PLUMB_LOG").unwrap_or_else(|| "info,sqlx=warn".into());
    tracing_subscriber::EnvFilter::try_new(&filter)
        .map_err(|e| ConfigError(format!("PLUMB_LOG is not a log filter like info,sqlx=warn ({e}): {filter:?}")))?;
    Ok(filter)
}

/// `PLUMB_LOG_FORMAT`: `text` (the default) or `json`.
pub fn log_format(lookup: &impl Fn(&str) -> Option<String>) -> Result<LogFormat, ConfigError> {
    match lookup("PLUMB_LOG_FORMAT").map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some(other) => Err(ConfigError(format!("PLUMB_LOG_FORMAT must be text or json (got {other:?})"))),
    }
}

fn seconds(lookup: &impl Fn(&str) -> Option<String>, name: &str, default: u64) -> Result<u64, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| ConfigError(format!("{name} must be a whole number of seconds (got {v:?})"))),
    }
}

fn number(lookup: &impl Fn(&str) -> Option<String>, name: &str, default: u64) -> Result<u64, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| ConfigError(format!("{name} must be a whole number (got {v:?})"))),
    }
}

/// A list of origins: each an http(s) scheme, host and optional port, nothing else.
fn origins(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<Vec<String>, ConfigError> {
    let Some(value) = lookup(name) else { return Ok(Vec::new()) };
    value
        .split([',', ' ', '\n'])
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            let v = v.trim();
            crate::origins::parse(v)
                .ok_or_else(|| ConfigError(format!("{name}: {v:?} is not an origin like https://app.example.com")))
        })
        .collect()
}

fn flag(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<bool, ConfigError> {
    match lookup(name).map(|v| v.to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => Ok(true),
        Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => Ok(false),
        Some(v) => Err(ConfigError(format!("{name} must be 1 or 0 (got {v:?})"))),
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
        assert!(config(&[("PLUMB_DEVELOPMENT_MODE", "maybe")]).unwrap_err().0.contains("PLUMB_DEVELOPMENT_MODE"));
    }

    #[test]
    fn origin_lists_take_origins_only() {
        let c = config(&[("PLUMB_RETURN_TO_ORIGINS", "https://app.example.com, http://localhost:5173/")]).unwrap();
        assert_eq!(c.return_to_origins, ["https://app.example.com", "http://localhost:5173"]);
        assert!(config(&[("PLUMB_RETURN_TO_ORIGINS", "https://app.example.com/path")]).is_err());
        assert!(config(&[("PLUMB_WIDGET_FRAME_ANCESTORS", "*")]).is_err());
        assert!(config(&[]).unwrap().widget_frame_ancestors.is_empty());
    }

    /// The table (`config_vars`) is what `--help`, `plumb config check` and the README show: it
    /// must list every variable this reads, and nothing this does not read.
    #[test]
    fn the_table_lists_exactly_the_variables_read() {
        let asked = std::sync::Mutex::new(std::collections::BTreeSet::new());
        Config::from_lookup(|name| {
            asked.lock().unwrap().insert(name.to_string());
            None
        })
        .unwrap();
        let asked = asked.into_inner().unwrap();
        let listed: std::collections::BTreeSet<String> =
            crate::config_vars::VARIABLES.iter().map(|v| v.name.to_string()).collect();
        assert_eq!(asked, listed);
    }

    #[test]
    fn secret_files_feed_the_configuration() {
        let dir = std::env::temp_dir().join(format!("plumb-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let keys = dir.join("keys");
        let key = crate::crypto::KeyMaterial::generate().to_base64();
        std::fs::write(&keys, format!("k1:{key}\n")).unwrap();
        let env = |name: &str| match name {
            "PLUMB_ENCRYPTION_KEYS_FILE" => Some(keys.display().to_string()),
            _ => None,
        };
        let c = Config::from_environment(&env).unwrap();
        assert_eq!(c.encryption_keys.unwrap()[0].0, "k1");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn logs_and_metrics_settings_are_checked() {
        assert_eq!(config(&[("PLUMB_LOG_FORMAT", "JSON")]).unwrap().log_format, LogFormat::Json);
        assert!(config(&[("PLUMB_LOG_FORMAT", "xml")]).unwrap_err().0.contains("PLUMB_LOG_FORMAT"));
        assert!(config(&[("PLUMB_LOG", "info,[")]).unwrap_err().0.contains("PLUMB_LOG"));
        assert!(config(&[("PLUMB_METRICS_ADDR", "9090")]).unwrap_err().0.contains("PLUMB_METRICS_ADDR"));
        assert_eq!(config(&[]).unwrap().metrics_addr, None);
    }

    #[test]
    fn development_mode_is_off_unless_asked_for() {
        assert!(!config(&[]).unwrap().outbound().allow_loopback);
        assert!(config(&[("PLUMB_DEVELOPMENT_MODE", "1")]).unwrap().outbound().allow_loopback);
    }
}
