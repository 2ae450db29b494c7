//! Databases for the benchmarks, and connected accounts written in bulk: multi-row INSERTs in
//! large transactions, each token sealed with the server's key and bound to its row exactly as
//! Plumb seals them, so the server reads them like accounts it connected itself.

use crate::Env;
use server::connections::{ACCESS_TOKEN, REFRESH_TOKEN};
use server::crypto::Aad;
use server::store::{Backend, Store};

const DATABASE: &str = "plumb_bench";
/// Rows per INSERT (14 parameters each, under both databases' limits) and per transaction.
const ROWS_PER_STATEMENT: usize = 400;
const ROWS_PER_TRANSACTION: usize = 20_000;
/// Tokens about as long as real ones (GitHub's are 40 characters, Google's over 200).
const PADDING: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijkl";

pub fn access_token(user: &str) -> String {
    format!("at-{user}-{PADDING}")
}

/// An empty database for one backend's run; returns its URL.
pub async fn fresh_database(env: &Env, backend: Backend) -> Result<String, String> {
    match backend {
        Backend::Sqlite => {
            let path = env.work.join("bench.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Ok(format!("sqlite://{}", path.display()))
        }
        Backend::Postgres => {
            drop_postgres(env).await?;
            admin_query(env, &format!("CREATE DATABASE {DATABASE}")).await?;
            let mut url = url::Url::parse(&env.postgres_url).map_err(|e| e.to_string())?;
            url.set_path(&format!("/{DATABASE}"));
            Ok(url.to_string())
        }
    }
}

pub async fn drop_postgres(env: &Env) -> Result<(), String> {
    admin_query(env, &format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")).await
}

async fn admin_query(env: &Env, sql: &str) -> Result<(), String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&env.postgres_url)
        .await
        .map_err(|e| format!("PostgreSQL at {}: {e}", env.postgres_url))?;
    sqlx::query(sql).execute(&pool).await.map_err(|e| format!("{sql}: {e}"))?;
    pool.close().await;
    Ok(())
}

/// Connected accounts `user_{from}` … `user_{to - 1}` of one provider, with tokens valid for a
/// day, each labelled and with a provider-side account, and for every tenth user a second,
/// standard account beside it (so the token lookup chooses among an owner's connections, as it
/// does in production); then fresh planner statistics.
pub async fn connections(store: &Store, env: &Env, provider_id: &str, from: usize, to: usize) -> Result<(), String> {
    let now = server::time::now_ms();
    let expires_at = now + 24 * 3600 * 1000;
    let seconds = (to - from).div_ceil(10);
    let all = to + seconds;
    let mut next = from;
    while next < all {
        let end = (next + ROWS_PER_TRANSACTION).min(all);
        let mut tx = store.pool().begin().await.map_err(|e| e.to_string())?;
        while next < end {
            let rows = (end - next).min(ROWS_PER_STATEMENT);
            let mut sql = String::from(
                "INSERT INTO connections (id, provider_id, user_id, organization_id, state, access_token, \
                 refresh_token, expires_at, scopes, created_at, updated_at, connection_role, label, \
                 account_identifier) VALUES ",
            );
            for r in 0..rows {
                let p = r * 14;
                if r > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    p + 5,
                    p + 6,
                    p + 7,
                    p + 8,
                    p + 9,
                    p + 10,
                    p + 11,
                    p + 12,
                    p + 13,
                    p + 14
                ));
            }
            let mut query = sqlx::query(&sql);
            for i in next..next + rows {
                let id = server::ids::new_id("conn");
                // Rows past `to` are the second accounts of every tenth user.
                let (user, role, label) = match i < to {
                    true => (format!("user_{i}"), "compatibility", format!("Account {i}")),
                    false => (format!("user_{}", from + (i - to) * 10), "standard", "Second".to_string()),
                };
                let access =
                    env.cipher.seal(access_token(&user).as_bytes(), &Aad::new("connections", &id, ACCESS_TOKEN));
                let refresh =
                    env.cipher.seal(format!("rt-{user}").as_bytes(), &Aad::new("connections", &id, REFRESH_TOKEN));
                query = query
                    .bind(id)
                    .bind(provider_id.to_string())
                    .bind(user.clone())
                    .bind(String::new())
                    .bind("connected")
                    .bind(access)
                    .bind(refresh)
                    .bind(expires_at)
                    .bind("read")
                    .bind(now)
                    .bind(now)
                    .bind(role)
                    .bind(format!("{label} of {user}"))
                    .bind(format!("acct-{i}"));
            }
            query.execute(&mut *tx).await.map_err(|e| format!("seeding: {e}"))?;
            next += rows;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    sqlx::query("ANALYZE").execute(store.pool()).await.map_err(|e| e.to_string())?;
    if store.backend() == Backend::Sqlite {
        // Fold the bulk write into the database file so the measured runs start from a small WAL.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(store.pool()).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Makes one account's token expired, so the next fetch must refresh it.
pub async fn expire(store: &Store, user: &str) -> Result<(), String> {
    let past = server::time::now_ms() - 60_000;
    let done =
        sqlx::query("UPDATE connections SET expires_at = $1 WHERE user_id = $2 AND connection_role = 'compatibility'")
            .bind(past)
            .bind(user.to_string())
            .execute(store.pool())
            .await
            .map_err(|e| e.to_string())?;
    if done.rows_affected() != 1 {
        return Err(format!("no account {user} to expire"));
    }
    Ok(())
}
