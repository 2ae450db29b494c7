//! `plumb`: the server binary. `plumb serve` runs Plumb; `plumb api-keys create` prints a new
//! API key for the configured database; `plumb keys …` manages the encryption keys.

//! `plumb`: the server binary. `plumb serve` runs Plumb; the other commands manage API keys,
//! environments, admins and encryption keys on the configured database, check the
//! configuration, back the database up and print shell completions. `plumb --help` lists them.

use clap::{CommandFactory, Parser, Subcommand};
use server::config::Config;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "plumb",
    version,
    about = "Plumb: connect your users' third-party accounts and fetch fresh credentials for them",
    after_help = "Configuration comes from PLUMB_* environment variables (secret ones also from \
                  files, as PLUMB_<NAME>_FILE); `plumb config check` shows the effective values \
                  and `plumb serve --help` lists them all.",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server
    #[command(after_long_help = variables_help())]
    Serve,
    /// Create, list and revoke API keys
    #[command(subcommand, name = "api-keys")]
    ApiKeys(ApiKeys),
    /// List and create environments
    #[command(subcommand)]
    Environments(Environments),
    /// Create admins and invitation links
    #[command(subcommand)]
    Admin(Admin),
    /// Manage the encryption keys
    #[command(subcommand)]
    Keys(Keys),
    /// Check the configuration
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Write a consistent copy of a running SQLite database to FILE
    #[command(after_long_help = "The copy is made while Plumb keeps serving (SQLite's VACUUM INTO). \
        It is useless without the encryption keys and dangerous with them: keep both, apart. \
        For PostgreSQL use pg_dump (README, \"Operating Plumb\").")]
    Backup {
        /// Where to write the copy; must not exist yet
        file: std::path::PathBuf,
    },
    /// Print a shell completion script (for example: plumb completions bash > /etc/bash_completion.d/plumb)
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum ApiKeys {
    /// Create an API key and print it, once
    Create {
        /// The environment's slug
        #[arg(long, default_value = "sandbox")]
        env: String,
        /// A name to recognise the key by
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List the API keys (never the keys themselves)
    List,
    /// Revoke an API key
    Revoke {
        /// The key's id, as `list` shows it
        id: String,
    },
}

#[derive(Subcommand)]
enum Environments {
    /// Show the environments
    List,
    /// Add an environment (sandbox and production exist)
    Create {
        /// Lower-case letters, digits and dashes
        slug: String,
        /// A display name
        #[arg(long, default_value = "")]
        name: String,
        /// Mark it as a live (production) environment
        #[arg(long)]
        live: bool,
    },
}

#[derive(Subcommand)]
enum Admin {
    /// Create an admin; the password is read from standard input
    Create {
        /// The admin's email address
        email: String,
    },
    /// Print a one-time link that creates an admin
    Invite {
        /// Whom the link is for (omit it for the first admin's set-up link)
        email: Option<String>,
    },
}

#[derive(Subcommand)]
enum Keys {
    /// Show the encryption keys and how many values each sealed
    List,
    /// Add a key to the key file, make it current and re-encrypt everything with it (servers keep serving)
    Rotate,
    /// Re-encrypt everything with the current key
    Reencrypt,
    /// Remove a key no stored value uses any more
    Retire {
        /// The key's id, as `list` shows it
        id: String,
    },
    /// Print a new key as id:base64, for PLUMB_ENCRYPTION_KEYS
    Generate,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration, secrets redacted; exit 1 on a bad value
    Check,
}

/// The variables `plumb serve` reads, for its long help.
fn variables_help() -> String {
    let mut text = String::from("Configuration (environment variables):\n");
    for v in server::config_vars::VARIABLES {
        text.push_str(&format!("  {:<42} default {}\n", v.name, v.default.trim_matches('`')));
    }
    text
}

/// mimalloc rather than glibc's allocator: the token path allocates and frees a few dozen small
/// buffers per request across the runtime's threads and the SQLite workers, and mimalloc serves
/// those faster and returns freed memory to the system on its own, where glibc kept tens of
/// megabytes after a burst of connections (measured with `make bench`; see the commit that chose it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Where the kernel backs anonymous memory with 2 MiB pages whenever it can (the `always` THP
/// setting of many distributions), each region mimalloc reserves becomes resident in 2 MiB steps:
/// an idle server held 30 MB instead of 19 MB. Plumb's heap is small, so huge pages buy nothing.
/// Applies to this process only; must run before the allocator touches much memory.
fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::{c_int, c_ulong};
        extern "C" {
            fn prctl(option: c_int, ...) -> c_int;
        }
        const PR_SET_THP_DISABLE: c_int = 41;
        // SAFETY: PR_SET_THP_DISABLE only sets a flag on this process's memory map; a refusal
        // (old kernel) leaves the system's setting, which costs memory but nothing else.
        unsafe {
            prctl(PR_SET_THP_DISABLE, 1 as c_ulong, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong);
        }
    }
}

async fn run() -> ExitCode {
    // clap prints help, the version, or the bad argument and the usage, and exits (2 on errors).
    let cli = Cli::parse();
    init_logging();
    let result = match cli.command {
        Command::Serve => serve().await,
        Command::ApiKeys(ApiKeys::Create { env, name }) => create_api_key(&env, &name).await,
        Command::ApiKeys(ApiKeys::List) => list_api_keys().await,
        Command::ApiKeys(ApiKeys::Revoke { id }) => revoke_api_key(&id).await,
        Command::Environments(Environments::List) => environments_list().await,
        Command::Environments(Environments::Create { slug, name, live }) => {
            environments_create(&slug, &name, live).await
        }
        Command::Admin(Admin::Create { email }) => admin_create(&email).await,
        Command::Admin(Admin::Invite { email }) => admin_invite(email.as_deref().unwrap_or("")).await,
        Command::Keys(Keys::List) => keys_list().await,
        Command::Keys(Keys::Rotate) => keys_rotate(true).await,
        Command::Keys(Keys::Reencrypt) => keys_rotate(false).await,
        Command::Keys(Keys::Retire { id }) => keys_retire(&id).await,
        Command::Keys(Keys::Generate) => {
            let key = server::crypto::KeyMaterial::generate();
            println!("{}:{}", server::crypto::fingerprint(&key), key.to_base64());
            Ok(())
        }
        Command::Config(ConfigCommand::Check) => config_check(),
        Command::Backup { file } => backup(&file).await,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "plumb", &mut std::io::stdout());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("plumb: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to standard error, as text or (`PLUMB_LOG_FORMAT=json`) one JSON object per line whose
/// `spans` list the spans it happened in, outermost first: every line a request logs has its
/// `request` span, with the `request_id`.
/// Bad values fall back to the defaults here; `Config::from_env` reports them.
fn init_logging() {
    let env = server::config::process_env;
    let filter = server::config::log_filter(&env).unwrap_or_else(|_| "info,sqlx=warn".into());
    let filter = tracing_subscriber::EnvFilter::new(filter);
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match server::config::log_format(&env) {
        Ok(server::config::LogFormat::Json) => {
            builder.json().with_current_span(false).with_span_list(true).flatten_event(true).init()
        }
        _ => builder.init(),
    }
}

/// `plumb config check`: every variable with its effective value and where it came from,
/// secrets redacted; then the checks `plumb serve` would make before it starts.
fn config_check() -> Result<(), String> {
    let env = server::config::process_env;
    let values = server::config::effective(&env).map_err(|e| e.to_string())?;
    for variable in server::config_vars::VARIABLES {
        println!("{:<42} {}", variable.name, server::config_vars::describe(variable, values.get(variable.name)));
    }
    let config = Config::from_environment(&env).map_err(|e| e.to_string())?;
    if config.encryption_keys.is_none() && config.encryption_key.is_none() && !config.key_file.exists() {
        println!("\nNo encryption key is configured: `plumb serve` will generate {}.", config.key_file.display());
    } else {
        let cipher = server::load_cipher(&config)?;
        println!("\nEncryption keys: {} held, current {}.", cipher.key_ids().len(), cipher.key_id());
    }
    println!("The configuration is valid.");
    Ok(())
}

async fn backup(file: &std::path::Path) -> Result<(), String> {
    let (_, store) = open_store().await?;
    let result = store.backup_to(file).await;
    store.close().await;
    result.map_err(|e| e.to_string())?;
    eprintln!(
        "Wrote a copy of the database to {}. Keep the encryption keys with it, in another place: \
         the copy cannot be read without them.",
        file.display()
    );
    Ok(())
}

async fn serve() -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let (addr, metrics_addr, grace) = (config.addr, config.metrics_addr, config.shutdown_grace);
    let public_url = config.public_url.clone();
    let plumb = server::build(config).await?;
    let workers = server::workers::start(&plumb);
    if let Some(link) = plumb.setup_link_if_needed().await.map_err(|e| e.to_string())? {
        // Printed, not logged at a level someone might filter out: it is the only way in.
        println!(
            "\nNo admin exists yet. Open this one-time link to create the first one (valid 24 hours):\n\n    {link}\n\n\
             Or run `plumb admin create you@example.com` with the password on standard input.\n"
        );
    }
    let mut limits = server::http::Limits::from_config(plumb.config());
    if let Some(open_files) = server::http::raise_open_files_limit() {
        // Leave room for the database, the key file and outbound calls.
        let room = usize::try_from(open_files.saturating_sub(256)).unwrap_or(usize::MAX).max(16);
        if limits.max_connections > room {
            tracing::warn!(open_files, "PLUMB_MAX_CONNECTIONS lowered to {room} to stay within the open files limit");
            limits.max_connections = room;
        }
    }
    let listener = bind(addr, "PLUMB_ADDR").await?;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let until_stopped = |mut stopping: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    // Metrics on their own listener only, so they are never public by accident.
    let metrics = match metrics_addr {
        Some(metrics_addr) => {
            let listener = bind(metrics_addr, "PLUMB_METRICS_ADDR").await?;
            tracing::info!("metrics at http://{metrics_addr}/metrics");
            let router = server::http::metrics_router(plumb.clone());
            Some(tokio::spawn(server::http::serve(listener, router, limits, until_stopped(stopping.clone()))))
        }
        None => None,
    };
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    tracing::info!(
        "Plumb is listening on {addr} ({:?} database). Dashboard: {public_url}/dashboard",
        plumb.store().backend()
    );
    // Returns once a signal came and the requests in flight are answered (or the grace ran out).
    server::http::serve(listener, server::http::router(plumb.clone()), limits, until_stopped(stopping)).await;
    let deadline = tokio::time::Instant::now() + grace;
    let busy = workers.stop(grace).await;
    if !busy.is_empty() {
        tracing::warn!(?busy, "workers still busy after {grace:?}; stopped");
    }
    match plumb.finish(deadline).await {
        Ok(0) => {}
        Ok(released) => tracing::warn!(released, "refresh leases released by an unfinished refresh"),
        Err(e) => tracing::warn!(error = %e, "could not settle leases or relay usage at shutdown"),
    }
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    plumb.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn bind(addr: std::net::SocketAddr, variable: &str) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e} (set {variable} to use another address)"))
}

/// The configuration and the migrated database, for commands that need no keys.
async fn open_store() -> Result<(Config, server::store::Store), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let store = connect_store(&config).await?;
    Ok((config, store))
}

async fn connect_store(config: &Config) -> Result<server::store::Store, String> {
    server::store::Store::connect(&config.database_url).await.map_err(|e| e.to_string())
}

/// A domain error for the terminal: field problems by their messages.
fn cli_error(e: server::error::Error) -> String {
    match e {
        server::error::Error::Validation(f) => f.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

async fn create_api_key(env: &str, name: &str) -> Result<(), String> {
    let (_, store) = open_store().await?;
    let key = server::api_keys::create(&store, env, name, server::time::now_ms()).await.map_err(cli_error)?;
    store.close().await;
    eprintln!("Created API key {} ({}…). It is shown only this once:", key.record.id, key.record.prefix);
    println!("{}", key.secret);
    Ok(())
}

async fn list_api_keys() -> Result<(), String> {
    let (_, store) = open_store().await?;
    let mut keys = Vec::new();
    for env in store.environments().await.map_err(|e| e.to_string())? {
        keys.extend(
            store.api_keys(&env.id).await.map_err(|e| e.to_string())?.into_iter().map(|k| (env.slug.clone(), k)),
        );
    }
    store.close().await;
    println!(
        "{:<32} {:<11} {:<16} {:<24} {:<26} {:<26} REVOKED",
        "ID", "ENV", "PREFIX", "NAME", "CREATED", "LAST USED"
    );
    for (env, k) in keys {
        let at = |ms: Option<i64>| ms.map(server::time::iso).unwrap_or_else(|| "-".into());
        println!(
            "{:<32} {:<11} {:<16} {:<24} {:<26} {:<26} {}",
            k.id,
            env,
            format!("{}…", k.prefix),
            k.name,
            server::time::iso(k.created_at),
            at(k.last_used_at),
            at(k.revoked_at)
        );
    }
    Ok(())
}

async fn revoke_api_key(id: &str) -> Result<(), String> {
    let (_, store) = open_store().await?;
    let result = server::api_keys::revoke(&store, None, id, server::time::now_ms()).await;
    store.close().await;
    result.map_err(|e| e.to_string())?;
    eprintln!("Revoked API key {id}.");
    Ok(())
}

async fn environments_list() -> Result<(), String> {
    let (_, store) = open_store().await?;
    let all = store.environments().await.map_err(|e| e.to_string())?;
    store.close().await;
    println!("{:<16} {:<24} {:<5} RETURN-TO ORIGINS / FRAME ANCESTORS", "SLUG", "NAME", "LIVE");
    for e in all {
        println!("{:<16} {:<24} {:<5} {} / {}", e.slug, e.name, e.live, e.return_to_origins, e.frame_ancestors);
    }
    Ok(())
}

async fn environments_create(slug: &str, name: &str, live: bool) -> Result<(), String> {
    let plumb = open_plumb().await?;
    let result = plumb.create_environment(slug, name, live).await;
    plumb.store().close().await;
    let env = result.map_err(cli_error)?;
    eprintln!(
        "Created environment {} ({}). Create its API keys with: plumb api-keys create --env {}",
        env.slug, env.name, env.slug
    );
    Ok(())
}

/// The service on the configured database, for the `admin` commands.
async fn open_plumb() -> Result<std::sync::Arc<server::plumb::Plumb>, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    server::build(config).await
}

async fn admin_create(email: &str) -> Result<(), String> {
    let mut password = String::new();
    std::io::stdin().read_line(&mut password).map_err(|e| format!("cannot read the password: {e}"))?;
    let password = password.trim_end_matches(['\r', '\n']);
    let plumb = open_plumb().await?;
    let result = plumb.create_admin(email, password).await;
    plumb.store().close().await;
    let admin = result.map_err(|e| match e {
        server::error::Error::Validation(errors) => {
            errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    })?;
    eprintln!("Created admin {} ({}). Sign in at {}/login", admin.email, admin.id, plumb.config().public_url);
    Ok(())
}

async fn admin_invite(email: &str) -> Result<(), String> {
    let plumb = open_plumb().await?;
    let link = if email.is_empty() {
        plumb.setup_link_if_needed().await.map_err(|e| e.to_string())?.ok_or_else(|| {
            "admins exist already: invite from the dashboard, or name the email: plumb admin invite <email>".to_string()
        })
    } else {
        let inviter = plumb.admins().await.map_err(|e| e.to_string())?.first().map(|a| a.id.clone());
        match inviter {
            Some(by) => plumb.invite_admin(&by, email).await.map_err(|e| e.to_string()),
            None => plumb.setup_link_if_needed().await.map_err(|e| e.to_string())?.ok_or_else(String::new),
        }
    };
    plumb.store().close().await;
    println!("{}", link?);
    Ok(())
}

/// The configuration, the keys and the database, for the `keys` commands.
async fn open_keys() -> Result<(Config, server::crypto::Cipher, server::store::Store), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let cipher = server::load_cipher(&config)?;
    let store = connect_store(&config).await?;
    Ok((config, cipher, store))
}

async fn keys_list() -> Result<(), String> {
    let (_, cipher, store) = open_keys().await?;
    let usage = server::keys::usage(&store).await.map_err(|e| e.to_string())?;
    store.close().await;
    let current = cipher.key_id();
    println!("{:<24} {:>10}  ", "KEY", "VALUES");
    for id in cipher.key_ids() {
        let mark = if id == current { "current" } else { "" };
        println!("{id:<24} {:>10}  {mark}", usage.get(&id).copied().unwrap_or(0));
    }
    for (id, count) in usage.iter().filter(|(id, _)| !cipher.key_ids().contains(id)) {
        println!("{id:<24} {count:>10}  NOT HELD: these values cannot be decrypted");
    }
    Ok(())
}

async fn keys_rotate(add_key: bool) -> Result<(), String> {
    let (config, cipher, store) = open_keys().await?;
    if add_key {
        let id = server::keys::add_key_to_file(&cipher).map_err(|e| e.to_string())?;
        eprintln!("Added key {id} to {} and made it current. Re-encrypting…", config.key_file.display());
    }
    // Servers re-read the key file every PLUMB_KEY_RELOAD_SECONDS: keep going until none has
    // sealed with an old key for longer than that.
    let settle = config.key_reload_interval * 2 + std::time::Duration::from_secs(1);
    let done = server::keys::reencrypt(&store, &cipher, settle, std::time::Duration::from_secs(600))
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;
    eprintln!("Re-encrypted {} value(s) with {} in {} pass(es).", done.resealed, done.current, done.passes);
    if done.unreadable > 0 {
        eprintln!("{} value(s) could not be decrypted with any key held; they were left as they are.", done.unreadable);
    }
    if !done.remaining.is_empty() {
        return Err(format!("values still use other keys: {:?}. Run `plumb keys reencrypt` again.", done.remaining));
    }
    Ok(())
}

async fn keys_retire(id: &str) -> Result<(), String> {
    let (_, cipher, store) = open_keys().await?;
    let result = server::keys::retire(&store, &cipher, id).await;
    store.close().await;
    result.map_err(|e| e.to_string())?;
    eprintln!("Retired key {id}.");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
