//! `plumb`: the server binary. `plumb serve` runs Plumb; `plumb api-keys create` prints a new
//! API key for the configured database; `plumb keys …` manages the encryption keys.

use server::config::Config;
use std::process::ExitCode;

const USAGE: &str = "\
Usage:
  plumb serve                        Run the server (configuration: PLUMB_* environment variables)
  plumb api-keys create [--env E] [--name N]
                                     Create an API key for environment E (sandbox, the
                                     default, or production) and print it once
  plumb api-keys list                List the API keys (never the keys themselves)
  plumb api-keys revoke <id>         Revoke an API key
  plumb environments list            Show the environments
  plumb environments create <slug> [--name N] [--live]
                                     Add an environment (sandbox and production exist)
  plumb admin create <email>         Create an admin; the password is read from standard input
  plumb admin invite [email]         Print a one-time link that creates an admin
  plumb keys list                    Show the encryption keys and how many values each sealed
  plumb keys rotate                  Add a key to the key file, make it current, re-encrypt
                                     everything with it (servers keep serving meanwhile)
  plumb keys reencrypt               Re-encrypt everything with the current key
  plumb keys retire <id>             Remove a key no stored value uses any more
  plumb keys generate                Print a new key as id:base64, for PLUMB_ENCRYPTION_KEYS
  plumb help                         Show this message

Configuration (environment variables):
  PLUMB_ADDR            listen address            (default 127.0.0.1:3000)
  PLUMB_PUBLIC_URL      URL browsers use          (default http://127.0.0.1:3000)
  PLUMB_DATABASE_URL    sqlite://… or postgres:// (default sqlite://data/plumb.db)
  PLUMB_ENCRYPTION_KEYS id:base64,…; last current (or PLUMB_ENCRYPTION_KEY: one base64 key)
  PLUMB_ENCRYPTION_KEY_FILE  key file when neither is set (default PLUMB_DATA_DIR/encryption.key)
  PLUMB_DATA_DIR        data directory            (default data)
  PLUMB_SITE_ROOT       built site directory      (default target/site)";

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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PLUMB_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["serve"] => serve().await,
        ["api-keys", "create", flags @ ..] => match key_flags(flags) {
            Some((env, name)) => create_api_key(env, name).await,
            None => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        },
        ["api-keys", "list"] => list_api_keys().await,
        ["api-keys", "revoke", id] => revoke_api_key(id).await,
        ["environments", "list"] => environments_list().await,
        ["environments", "create", slug, flags @ ..] => environments_create(slug, flags).await,
        ["admin", "create", email] => admin_create(email).await,
        ["admin", "invite"] => admin_invite("").await,
        ["admin", "invite", email] => admin_invite(email).await,
        ["keys", "list"] => keys_list().await,
        ["keys", "rotate"] => keys_rotate(true).await,
        ["keys", "reencrypt"] => keys_rotate(false).await,
        ["keys", "retire", id] => keys_retire(id).await,
        ["keys", "generate"] => {
            let key = server::crypto::KeyMaterial::generate();
            println!("{}:{}", server::crypto::fingerprint(&key), key.to_base64());
            Ok(())
        }
        ["help"] | ["--help"] | ["-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
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

async fn serve() -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let addr = config.addr;
    let public_url = config.public_url.clone();
    let plumb = server::build(config).await?;
    let interval = plumb.config().background_refresh_interval;
    if !interval.is_zero() {
        server::tokens::spawn_background_refresher(plumb.clone(), interval, plumb.config().background_refresh_window);
    }
    server::webhooks::spawn_webhook_worker(plumb.clone());
    server::relay::usage::spawn_usage_flusher(plumb.clone(), std::time::Duration::from_secs(1));
    server::housekeeping::spawn_housekeeping(plumb.clone(), std::time::Duration::from_secs(3600));
    server::keys::spawn_key_watcher(plumb.cipher().clone(), plumb.config().key_reload_interval);
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
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e} (set PLUMB_ADDR to use another address)"))?;
    tracing::info!(
        "Plumb is listening on {addr} ({:?} database). Dashboard: {public_url}/dashboard",
        plumb.store().backend()
    );
    server::http::serve(listener, server::http::router(plumb.clone()), limits, shutdown_signal()).await;
    // Calls counted since the last flush would otherwise be lost with the process.
    if let Err(e) = plumb.flush_relay_usage().await {
        tracing::warn!(error = %e, "could not record relay usage at shutdown");
    }
    plumb.store().close().await;
    Ok(())
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

/// `[--env E] [--name N]`, in either order.
fn key_flags<'a>(flags: &[&'a str]) -> Option<(&'a str, &'a str)> {
    let (mut env, mut name) = ("sandbox", "");
    let mut rest = flags.iter();
    while let Some(flag) = rest.next() {
        match *flag {
            "--env" => env = rest.next()?,
            "--name" => name = rest.next()?,
            _ => return None,
        }
    }
    Some((env, name))
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

async fn environments_create(slug: &str, flags: &[&str]) -> Result<(), String> {
    let (mut name, mut live) = ("", false);
    let mut rest = flags.iter();
    while let Some(flag) = rest.next() {
        match *flag {
            "--name" => name = rest.next().ok_or("--name needs a value")?,
            "--live" => live = true,
            other => return Err(format!("unknown option {other:?}")),
        }
    }
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
