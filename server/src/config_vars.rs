//! The `PLUMB_*` variables in one table: name, default, meaning, and whether the value is a
//! secret. `plumb serve --help`, `plumb config check` and the README's configuration table are
//! all made from it (a test holds the README to it, and another holds [`crate::config::Config`]
//! to reading nothing the table does not list).
//!
//! Every secret variable also has a `_FILE` form naming a file that holds the value, as
//! container platforms mount secrets ([`lookup_with_files`]).

use std::path::Path;

/// One configuration variable.
#[derive(Debug, Clone, Copy)]
pub struct Variable {
    pub name: &'static str,
    /// The default as the README shows it.
    pub default: &'static str,
    pub meaning: &'static str,
    /// Redacted in `plumb config check`; also read from `{name}_FILE`.
    pub secret: bool,
}

const fn var(name: &'static str, default: &'static str, meaning: &'static str) -> Variable {
    Variable { name, default, meaning, secret: false }
}

const fn secret(name: &'static str, default: &'static str, meaning: &'static str) -> Variable {
    Variable { name, default, meaning, secret: true }
}

/// The largest secret file read for a `_FILE` variable: a key list or a database URL is far
/// smaller; a larger file is a wrong path (a directory's listing, a log), not a secret.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

pub const VARIABLES: &[Variable] = &[
    var("PLUMB_ADDR", "`127.0.0.1:3000`", "address the server listens on"),
    var(
        "PLUMB_PUBLIC_URL",
        "`http://127.0.0.1:3000`",
        "how browsers and providers reach Plumb; the redirect URI is `{PLUMB_PUBLIC_URL}/oauth/callback`",
    ),
    secret(
        "PLUMB_DATABASE_URL",
        "`sqlite://data/plumb.db`",
        "`sqlite://path` (created and migrated on start) or `postgres://user@host/db` (for several instances; \
         `?sslmode=verify-full&sslrootcert=/path/ca.pem` for TLS); a secret, as it may hold a password",
    ),
    secret(
        "PLUMB_ENCRYPTION_KEYS",
        "unset",
        "several keys, `id:base64,id:base64`; the last is current (see [Security](#security))",
    ),
    secret("PLUMB_ENCRYPTION_KEY", "unset", "one key, base64 of 32 bytes"),
    var(
        "PLUMB_ENCRYPTION_KEY_FILE",
        "`PLUMB_DATA_DIR/encryption.key`",
        "the key file used when neither variable is set (one base64 key, or `<id> <base64>` lines); \
         generated on first start (mode 0600). Back it up: without it the stored tokens cannot be \
         decrypted. Instances sharing a database need the same keys.",
    ),
    var("PLUMB_KEY_RELOAD_SECONDS", "`5`", "how often a server re-reads the key file"),
    var("PLUMB_DATA_DIR", "`data`", "where the generated key file lives"),
    var("PLUMB_SESSION_HOURS", "`12`", "how long an admin stays signed in"),
    var(
        "PLUMB_RETURN_TO_ORIGINS",
        "none",
        "origins an authorization link may return to in every environment, comma-separated \
         (`https://app.example.com`); each environment adds its own in the dashboard",
    ),
    var(
        "PLUMB_WIDGET_FRAME_ANCESTORS",
        "none",
        "origins allowed to embed the widget in every environment; each environment adds its own",
    ),
    var("PLUMB_DEVELOPMENT_MODE", "`0`", "`1` lets providers and webhook endpoints live on loopback, over plain http"),
    var("PLUMB_SITE_ROOT", "`target/site`", "the built wasm bundles, stylesheet and icons (`make site`)"),
    var("PLUMB_REFRESH_SKEW_SECONDS", "`60`", "refresh a token this long before it expires"),
    var("PLUMB_WIDGET_TOKEN_TTL_SECONDS", "`3600`", "lifetime of widget tokens"),
    var(
        "PLUMB_REFRESH_WAIT_SECONDS",
        "`3`",
        "how long a fetch waits for a refresh (its own, or one another request or process is running)",
    ),
    var("PLUMB_PROVIDER_TIMEOUT_SECONDS", "`15`", "timeout of each call to a provider's token endpoint"),
    var("PLUMB_BACKGROUND_REFRESH_SECONDS", "`30`", "how often the background refresher runs (`0` turns it off)"),
    var("PLUMB_BACKGROUND_REFRESH_WINDOW_SECONDS", "`120`", "it renews tokens that expire within this window"),
    var(
        "PLUMB_WEBHOOK_RETRY_BASE_SECONDS",
        "`30`",
        "first retry delay of a failed webhook delivery; later ones double, up to an hour",
    ),
    var("PLUMB_WEBHOOK_GIVE_UP_HOURS", "`26`", "how long a delivery is retried before it is marked failed"),
    var("PLUMB_WEBHOOK_POLL_MILLISECONDS", "`1000`", "how often the delivery worker looks for due deliveries"),
    var(
        "PLUMB_HEADER_TIMEOUT_SECONDS",
        "`10`",
        "a client must send a request's headers within this; idle connections close after it",
    ),
    var("PLUMB_REQUEST_TIMEOUT_SECONDS", "`60`", "a request, body included, is answered within this (408 otherwise)"),
    var(
        "PLUMB_MAX_CONNECTIONS",
        "`4096`",
        "connections open at once (kept below the open-files limit); more wait to be accepted",
    ),
    var(
        "PLUMB_SHUTDOWN_GRACE_SECONDS",
        "`30`",
        "on SIGTERM, how long requests in flight and running refreshes get to finish",
    ),
    var(
        "PLUMB_TRUSTED_PROXIES",
        "none",
        "reverse proxies (addresses or CIDR ranges, comma-separated) whose `X-Forwarded-For` names the client",
    ),
    var("PLUMB_SIGN_IN_ATTEMPTS_PER_MINUTE", "`20`", "sign-in attempts one client address may make each minute"),
    var("PLUMB_RETENTION_DAYS", "`30`", "how long events and webhook deliveries are kept"),
    var(
        "PLUMB_RELAY_TIMEOUT_SECONDS",
        "`30`",
        "the relay waits this long for a provider's status and headers (504 `relay_upstream_timeout`)",
    ),
    var("PLUMB_RELAY_IDLE_TIMEOUT_SECONDS", "`60`", "the longest pause inside a relayed body, either way"),
    var("PLUMB_RELAY_MAX_DURATION_SECONDS", "`900`", "a relayed call, streamed answer included, is cut off after this"),
    var(
        "PLUMB_RELAY_MAX_REQUEST_BYTES",
        "`10485760`",
        "the largest body the relay sends to a provider (413 `relay_request_too_large`)",
    ),
    var("PLUMB_RELAY_MAX_RESPONSE_BYTES", "`1073741824`", "the largest answer the relay passes back"),
    var(
        "PLUMB_RELAY_MAX_WAIT_SECONDS",
        "`30`",
        "the most a caller may ask to be queued (`X-Relay-Max-Wait`) behind a provider's `Retry-After`",
    ),
    var(
        "PLUMB_METRICS_ADDR",
        "unset",
        "address of a second listener serving only `GET /metrics` (Prometheus); unset: no metrics are served",
    ),
    var("PLUMB_LOG", "`info,sqlx=warn`", "log filter (`tracing` syntax)"),
    var("PLUMB_LOG_FORMAT", "`text`", "`json` for one JSON object per line, each with the request's id"),
];

impl Variable {
    /// Whether `{name}_FILE` is read too: every secret but `PLUMB_ENCRYPTION_KEY`, whose file
    /// form `PLUMB_ENCRYPTION_KEY_FILE` existed before the convention, as the key file Plumb
    /// generates and rotates (it takes a file holding one base64 key), and is read by `Config`.
    pub fn has_file_form(&self) -> bool {
        self.secret && self.name != "PLUMB_ENCRYPTION_KEY"
    }
}

/// The variable named `name`, if the table lists it.
pub fn find(name: &str) -> Option<&'static Variable> {
    VARIABLES.iter().find(|v| v.name == name)
}

/// Where a variable's value came from, for `plumb config check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    Environment,
    File(String),
}

/// Looks `variable` up through `env`, or, when it has a file form, in the file `{name}_FILE`
/// names (trailing newlines trimmed, as `echo value > file` leaves one). Setting both is an
/// error rather than a guess at which one the operator meant.
pub fn lookup_with_files(
    env: &impl Fn(&str) -> Option<String>,
    variable: &Variable,
) -> Result<Option<(String, Source)>, String> {
    let name = variable.name;
    let direct = env(name);
    let file_var = format!("{name}_FILE");
    let from_file = if variable.has_file_form() { env(&file_var) } else { None };
    match (direct, from_file) {
        (Some(_), Some(_)) => Err(format!("set {name} or {file_var}, not both")),
        (Some(v), None) => Ok(Some((v, Source::Environment))),
        (None, Some(path)) => {
            let value = read_secret_file(Path::new(&path)).map_err(|e| format!("{file_var}: {e}"))?;
            Ok(Some((value, Source::File(path))))
        }
        (None, None) => Ok(None),
    }
}

fn read_secret_file(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.len();
    if size > MAX_SECRET_FILE_BYTES {
        return Err(format!("{} is {size} bytes; a secret file holds at most {MAX_SECRET_FILE_BYTES}", path.display()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let value = text.trim_end_matches(['\r', '\n']).to_string();
    if value.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(value)
}

/// A database URL with its password replaced, for printing.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("********"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// What `plumb config check` prints for a variable: its value (secrets redacted) and source.
pub fn describe(variable: &Variable, found: Option<&(String, Source)>) -> String {
    let value = match found {
        None => format!("{} (default)", variable.default.trim_matches('`')),
        Some((value, _)) if variable.name == "PLUMB_DATABASE_URL" => redact_url(value),
        Some(_) if variable.secret => "(set, redacted)".to_string(),
        Some((value, _)) => value.clone(),
    };
    match found.map(|(_, source)| source) {
        Some(Source::File(path)) => format!("{value} (from {path})"),
        _ => value,
    }
}

/// The README's configuration table, as the README must show it.
pub fn markdown_table() -> String {
    let mut table = String::from("| variable | default | meaning |\n|---|---|---|\n");
    for v in VARIABLES {
        let file =
            if v.has_file_form() { format!("; or from the file `{}_FILE` names", v.name) } else { String::new() };
        table.push_str(&format!("| `{}` | {} | {}{file} |\n", v.name, v.default, v.meaning));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn a_secret_comes_from_its_file_trimmed() {
        let dir = std::env::temp_dir().join(format!("plumb-vars-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("db-url");
        std::fs::write(&path, "postgres://plumb:hunter2@db/plumb\n").unwrap();
        let e = env(&[("PLUMB_DATABASE_URL_FILE", path.to_str().unwrap())]);
        let (value, source) = lookup_with_files(&e, find("PLUMB_DATABASE_URL").unwrap()).unwrap().unwrap();
        assert_eq!(value, "postgres://plumb:hunter2@db/plumb");
        assert_eq!(source, Source::File(path.display().to_string()));
        let shown = describe(find("PLUMB_DATABASE_URL").unwrap(), Some(&(value, source)));
        assert!(!shown.contains("hunter2"), "{shown}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn both_forms_or_a_missing_file_are_errors_naming_the_variable() {
        let both = env(&[("PLUMB_ENCRYPTION_KEYS", "a:b"), ("PLUMB_ENCRYPTION_KEYS_FILE", "/x")]);
        assert!(lookup_with_files(&both, find("PLUMB_ENCRYPTION_KEYS").unwrap()).unwrap_err().contains("not both"));
        let missing = env(&[("PLUMB_ENCRYPTION_KEYS_FILE", "/nonexistent/plumb-keys")]);
        let error = lookup_with_files(&missing, find("PLUMB_ENCRYPTION_KEYS").unwrap()).unwrap_err();
        assert!(error.starts_with("PLUMB_ENCRYPTION_KEYS_FILE: cannot read"), "{error}");
    }

    #[test]
    fn plain_variables_have_no_file_form() {
        let e = env(&[("PLUMB_ADDR_FILE", "/etc/passwd")]);
        assert_eq!(lookup_with_files(&e, find("PLUMB_ADDR").unwrap()).unwrap(), None);
    }

    #[test]
    fn secrets_are_redacted_and_defaults_marked() {
        let key = find("PLUMB_ENCRYPTION_KEYS").unwrap();
        assert_eq!(describe(key, Some(&("k1:AAAA".into(), Source::Environment))), "(set, redacted)");
        assert_eq!(describe(find("PLUMB_ADDR").unwrap(), None), "127.0.0.1:3000 (default)");
        assert_eq!(redact_url("sqlite://data/plumb.db"), "sqlite://data/plumb.db");
    }
}
