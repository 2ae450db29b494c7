//! `plumb`: the server binary. `plumb serve` runs Plumb; `plumb api-keys create` prints a new
//! API key for the configured database.

use server::config::Config;
use std::process::ExitCode;

const USAGE: &str = "\
Usage:
  plumb serve                        Run the server (configuration: PLUMB_* environment variables)
  plumb api-keys create [--name N]   Create an API key and print it once
  plumb help                         Show this message

Configuration (environment variables):
  PLUMB_ADDR            listen address            (default 127.0.0.1:3000)
  PLUMB_PUBLIC_URL      URL browsers use          (default http://127.0.0.1:3000)
  PLUMB_DATABASE_URL    sqlite://… or postgres:// (default sqlite://data/plumb.db)
  PLUMB_ENCRYPTION_KEY  base64 of 32 bytes        (default: generated into PLUMB_DATA_DIR)
  PLUMB_DATA_DIR        data directory            (default data)
  PLUMB_SITE_ROOT       built site directory      (default target/site)";

#[tokio::main]
async fn main() -> ExitCode {
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
        ["api-keys", "create"] => create_api_key("").await,
        ["api-keys", "create", "--name", name] => create_api_key(name).await,
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
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e} (set PLUMB_ADDR to use another address)"))?;
    tracing::info!(
        "Plumb is listening on {addr} ({:?} database). Dashboard: {public_url}/dashboard",
        plumb.store().backend()
    );
    axum::serve(listener, server::http::router(plumb.clone()))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    plumb.store().close().await;
    Ok(())
}

async fn create_api_key(name: &str) -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let store = server::store::Store::connect(&config.database_url).await.map_err(|e| e.to_string())?;
    let key = server::api_keys::create(&store, name, server::time::now_ms()).await.map_err(|e| e.to_string())?;
    store.close().await;
    eprintln!("Created API key {} ({}…). It is shown only this once:", key.record.id, key.record.prefix);
    println!("{}", key.secret);
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
