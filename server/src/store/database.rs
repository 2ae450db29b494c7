//! The database itself: which one (SQLite or PostgreSQL, from the URL), the pool, the
//! migrations, and the column conversions every table file shares.

use crate::error::{Error, Result};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone)]
pub struct Store {
    pub(super) pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects, creating the SQLite file and its directory when needed, and applies pending
    /// migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        // Idempotent: sqlx installs the drivers once per process.
        sqlx::any::install_default_drivers();

        let backend = Backend::from_url(url).ok_or_else(|| {
            Error::Internal(format!(
                "PLUMB_DATABASE_URL must start with sqlite:// or postgres:// (got {:?})",
                url.split(':').next().unwrap_or("")
            ))
        })?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            // sqlx pings every connection it hands out: a hop to SQLite's worker thread, a round
            // trip to PostgreSQL, as dear as the query itself on the token path (BENCHMARKS.md).
            // Without it, a connection the database dropped is noticed by the query using it,
            // which fails (a 500 the caller may retry) instead of being rerun on a new connection.
            .test_before_acquire(false)
            .connect(&url)
            .await?;
        if backend == Backend::Sqlite {
            // WAL lets readers proceed while one writer commits; the setting lives in the file.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        let failed = |e: sqlx::migrate::MigrateError| Error::Internal(format!("database migration failed: {e}"));
        match backend {
            Backend::Sqlite => migrate_sqlite(&url).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await.map_err(failed)?,
        }
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool itself, for maintenance commands and tests that must look at raw rows.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the database answers and has every migration this build knows applied; the
    /// error says which is not so.
    pub async fn check_ready(&self) -> std::result::Result<(), String> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let latest = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| format!("the database does not answer ({e})"))?;
        match applied {
            Some(v) if v >= latest => Ok(()),
            Some(v) => Err(format!("migrations up to {v} are applied; this build needs {latest}")),
            None => Err("no migration is applied".into()),
        }
    }

    /// Connections in the pool, and how many of them are idle.
    pub fn pool_usage(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Writes a consistent copy of a SQLite database to `path` while others keep using it
    /// (`VACUUM INTO` reads in one transaction, so the copy is one moment's state, compacted).
    /// PostgreSQL has its own tools for this (`pg_dump`), which the error names.
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        if self.backend == Backend::Postgres {
            return Err(Error::Conflict(
                "this is a PostgreSQL database: back it up with pg_dump (README, \"Operating Plumb\")".into(),
            ));
        }
        // VACUUM INTO refuses an existing file too, but with a less helpful message.
        if path.exists() {
            return Err(Error::Conflict(format!("{} exists already: name a new file", path.display())));
        }
        let target = path.to_str().ok_or_else(|| Error::Conflict("the backup path is not valid UTF-8".into()))?;
        sqlx::query("VACUUM INTO ?").bind(target.to_string()).execute(&self.pool).await?;
        Ok(())
    }
}

/// A `BIGINT` 0-or-1 column as a flag.
pub(super) fn flag(row: &AnyRow, column: &str) -> sqlx::Result<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// Runs the SQLite migrations on a connection of their own with foreign-key enforcement off, as
/// SQLite's procedure for changing a table's constraints requires: a migration that rebuilds a
/// table drops the old one, which with enforcement on would cascade into its children's rows.
/// Each migration still runs in one transaction, and the foreign keys are checked afterwards.
async fn migrate_sqlite(url: &str) -> Result<()> {
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    let failed = |e: String| Error::Internal(format!("database migration failed: {e}"));
    let options =
        sqlx::sqlite::SqliteConnectOptions::from_str(url).map_err(|e| failed(e.to_string()))?.foreign_keys(false);
    let mut conn = options.connect().await?;
    SQLITE_MIGRATIONS.run_direct(&mut conn).await.map_err(|e| failed(e.to_string()))?;
    let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut conn).await?;
    sqlx::Connection::close(conn).await?;
    if !broken.is_empty() {
        return Err(failed(format!("{} row(s) break a foreign key after migrating", broken.len())));
    }
    Ok(())
}

/// `sqlite://path` → a URL that creates the file if missing, after creating its directory.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Err(Error::Internal(
            "PLUMB_DATABASE_URL must name a SQLite file (like sqlite://data/plumb.db): an in-memory \
             database would be lost on restart and is not shared between connections"
                .into(),
        ));
    }
    if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Internal(format!("cannot create the database directory {}: {e}", dir.display())))?;
    }
    owner_only(std::path::Path::new(path))?;
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// The database file readable by its owner only (SQLite gives its `-wal` and `-shm` files the
/// same mode): it holds sealed tokens, hashed keys and pending flows, none of them anyone
/// else's business. Created so when missing; an existing file is tightened.
fn owner_only(path: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let failed =
        |e: std::io::Error| Error::Internal(format!("cannot create the database file {}: {e}", path.display()));
    let file = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path).map_err(failed)?;
    let mode = file.metadata().map_err(failed)?.permissions().mode();
    if mode & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(mode & 0o700)).map_err(failed)?;
        tracing::info!(path = %path.display(), "database file made readable by its owner only");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SANDBOX;

    #[tokio::test]
    async fn the_database_files_are_the_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("plumb-mode-{}", crate::ids::random_token(6)));
        let path = dir.join("plumb.db");
        let store = Store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        sqlx::query("CREATE TABLE t (x)").execute(store.pool()).await.unwrap();
        for file in [path.clone(), dir.join("plumb.db-wal")] {
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
        store.close().await;
        // A file from before is tightened on the next start.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        Store::connect(&format!("sqlite://{}", path.display())).await.unwrap().close().await;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn backends_come_from_the_url_scheme() {
        assert_eq!(Backend::from_url("sqlite://data/plumb.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("postgresql://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("mysql://h/db"), None);
    }

    #[test]
    fn sqlite_urls_create_the_file() {
        let dir = std::env::temp_dir().join(format!("plumb-url-{}", crate::ids::random_token(6)));
        let url = format!("sqlite://{}/x.db", dir.display());
        assert_eq!(prepare_sqlite_url(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.is_dir());
        assert!(prepare_sqlite_url("sqlite::memory:").is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Both trees must define the same migrations, in the same order, by name.
    #[test]
    fn migration_trees_mirror_each_other() {
        let names = |m: &sqlx::migrate::Migrator| -> Vec<(i64, String)> {
            m.iter().map(|x| (x.version, x.description.to_string())).collect()
        };
        assert_eq!(names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS));
        assert!(SQLITE_MIGRATIONS.iter().count() > 0);
    }

    /// The bundled SQLite is built with the query planner stability guarantee
    /// (.cargo/config.toml): without it, sample statistics from ANALYZE make SQLite re-plan the
    /// token lookup on every request (BENCHMARKS.md).
    #[tokio::test]
    async fn sqlite_keeps_one_plan_per_statement() {
        let dir = std::env::temp_dir().join(format!("plumb-qpsg-{}", crate::ids::random_token(6)));
        let store = Store::connect(&format!("sqlite://{}/q.db", dir.display())).await.unwrap();
        let used = |option: &'static str| {
            sqlx::query_scalar::<_, i64>("SELECT sqlite_compileoption_used($1)").bind(option).fetch_one(&store.pool)
        };
        assert_eq!(used("ENABLE_QPSG").await.unwrap(), 1, "build SQLite with LIBSQLITE3_FLAGS=-DSQLITE_ENABLE_QPSG");
        // And each connection keeps its own page cache: the shared one of MEMORY_MANAGEMENT made
        // the pool's connections queue on its mutex and evict each other's pages.
        assert_eq!(
            used("ENABLE_MEMORY_MANAGEMENT").await.unwrap(),
            0,
            "build SQLite with LIBSQLITE3_FLAGS=-USQLITE_ENABLE_MEMORY_MANAGEMENT"
        );
        store.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A SQLite database with the migrations before `version` applied and `rows` inserted, as
    /// an older Plumb left it; returns its directory (the file is `old.db`).
    async fn old_sqlite_database(version: i64, rows: &[&str]) -> std::path::PathBuf {
        use sqlx::ConnectOptions;
        use std::str::FromStr;
        let dir = std::env::temp_dir().join(format!("plumb-upgrade-{}", crate::ids::random_token(6)));
        let url = prepare_sqlite_url(&format!("sqlite://{}/old.db", dir.display())).unwrap();
        let before: Vec<_> = SQLITE_MIGRATIONS.iter().filter(|m| m.version < version).cloned().collect();
        let old =
            sqlx::migrate::Migrator { migrations: std::borrow::Cow::Owned(before), ..sqlx::migrate::Migrator::DEFAULT };
        let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(&url).unwrap().connect().await.unwrap();
        old.run_direct(&mut conn).await.unwrap();
        for sql in rows {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        sqlx::Connection::close(conn).await.unwrap();
        dir
    }

    /// The environments migration rebuilds `providers` on SQLite: a database from before it
    /// keeps its providers, connections and icons, now in the sandbox environment.
    #[tokio::test]
    async fn upgrading_a_sqlite_database_keeps_every_row() {
        let dir = old_sqlite_database(20261201000006, &[
            "INSERT INTO providers (id, slug, name, authorization_url, token_url, client_id, created_at, updated_at) \
             VALUES ('prov_1', 'acme', 'Acme', 'https://a/a', 'https://a/t', 'cid', 1, 1)",
            "INSERT INTO connections (id, provider_id, user_id, state, created_at, updated_at) \
             VALUES ('conn_1', 'prov_1', 'u1', 'connected', 1, 1)",
            "INSERT INTO provider_icons VALUES ('prov_1', 'image/png', x'00', 'upload', 1)",
        ])
        .await;

        let store = Store::connect(&format!("sqlite://{}/old.db", dir.display())).await.unwrap();
        let provider = store.provider_by_slug(&SANDBOX.into(), "acme").await.unwrap().unwrap();
        assert_eq!(provider.environment_id, SANDBOX);
        assert!(store.connection_by_id(&"conn_1".into()).await.unwrap().is_some());
        assert!(store.icon(&"prov_1".into()).await.unwrap().is_some());
        // The same slug can now exist in production, and the cascade still reaches connections.
        let mut live = provider.clone();
        live.id = "prov_2".into();
        live.environment_id = "env_production".into();
        assert!(store.insert_provider(&live).await.is_ok());
        sqlx::query("DELETE FROM providers WHERE id = 'prov_1'").execute(&store.pool).await.unwrap();
        assert!(store.connection_by_id(&"conn_1".into()).await.unwrap().is_none());
        store.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Connected accounts (migration 10) rebuild `connections` on SQLite: every connection made
    /// before keeps working as its user's compatibility account, and stored events take SDK 12's
    /// names.
    #[tokio::test]
    async fn upgrading_keeps_connections_as_compatibility_accounts() {
        let dir = old_sqlite_database(20261203000010, &[
            "INSERT INTO providers (id, slug, name, authorization_url, token_url, client_id, created_at, updated_at) \
             VALUES ('prov_1', 'acme', 'Acme', 'https://a/a', 'https://a/t', 'cid', 1, 1)",
            "INSERT INTO connections (id, provider_id, user_id, organization_id, state, access_token, scopes, \
                created_at, updated_at) VALUES ('conn_1', 'prov_1', 'u1', 'org_1', 'connected', x'01', 'a b', 1, 2)",
            "INSERT INTO events (id, event, organization_id, data, created_at) \
             VALUES ('event_1', 'pipes.connected_account.connected', 'org_1', '{}', 1)",
        ])
        .await;

        let store = Store::connect(&format!("sqlite://{}/old.db", dir.display())).await.unwrap();
        let owner = crate::connections::Owner::from_row("u1".into(), "org_1".into());
        let c = store.connection(&"prov_1".into(), &owner).await.unwrap().expect("the compatibility account");
        assert_eq!(c.id, "conn_1");
        assert_eq!(c.role, crate::connections::Role::Compatibility);
        assert_eq!((c.access_token.as_deref(), c.scopes.0.len(), c.updated_at), (Some(&[1u8][..]), 2, 2));
        assert_eq!(c.established_by.as_deref(), Some("u1"));
        let provider = store.provider_by_slug(&SANDBOX.into(), "acme").await.unwrap().unwrap();
        assert_eq!(provider.ownership, crate::providers::Ownership::User);
        assert!(!provider.multiple_connections);
        let event: String =
            sqlx::query_scalar("SELECT event FROM events WHERE id = 'event_1'").fetch_one(&store.pool).await.unwrap();
        assert_eq!(event, "pipes.account_connection.connected");
        store.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// The same upgrade on PostgreSQL, which alters `connections` in place: a connection made
    /// before migration 10 is its user's compatibility account afterwards.
    #[tokio::test]
    async fn upgrading_postgres_keeps_connections_as_compatibility_accounts() {
        use sqlx::Connection;
        let admin_url = std::env::var("PLUMB_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let suffix = crate::ids::random_token(9).to_ascii_lowercase().replace(['-', '_'], "x");
        let name = format!("plumb_upgrade_{suffix}");
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is required and not reachable at {admin_url}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
        let mut url = url::Url::parse(&admin_url).unwrap();
        url.set_path(&name);
        let before: Vec<_> = POSTGRES_MIGRATIONS.iter().filter(|m| m.version < 20261203000010).cloned().collect();
        let old =
            sqlx::migrate::Migrator { migrations: std::borrow::Cow::Owned(before), ..sqlx::migrate::Migrator::DEFAULT };
        let mut conn = sqlx::PgConnection::connect(url.as_str()).await.unwrap();
        old.run_direct(&mut conn).await.unwrap();
        for sql in [
            "INSERT INTO providers (id, slug, name, authorization_url, token_url, client_id, created_at, updated_at) \
             VALUES ('prov_1', 'acme', 'Acme', 'https://a/a', 'https://a/t', 'cid', 1, 1)",
            "INSERT INTO connections (id, provider_id, user_id, organization_id, state, access_token, scopes, \
                created_at, updated_at) VALUES ('conn_1', 'prov_1', 'u1', 'org_1', 'connected', '\\x01', 'a b', 1, 2)",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();

        let store = Store::connect(url.as_str()).await.unwrap();
        let owner = crate::connections::Owner::from_row("u1".into(), "org_1".into());
        let c = store.connection(&"prov_1".into(), &owner).await.unwrap().expect("the compatibility account");
        assert_eq!((c.id.as_str(), c.role), ("conn_1", crate::connections::Role::Compatibility));
        assert_eq!(c.established_by.as_deref(), Some("u1"));
        // A second connection of the same owner may now exist, as a standard one only.
        let mut second = c.clone();
        second.id = "conn_2".into();
        assert!(!store.save_connection(&second, None).await.unwrap(), "one compatibility slot per owner");
        second.role = crate::connections::Role::Standard;
        assert!(store.save_connection(&second, None).await.unwrap());
        store.close().await;
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
        admin.close().await.unwrap();
    }
}
