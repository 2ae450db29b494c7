//! The event outbox: every state change writes its event in the same transaction, with a
//! pending delivery for each webhook endpoint subscribed to it; `GET /events` reads it back.

use super::database::Store;
use crate::error::Result;
use crate::ids::{EnvironmentId, ProviderId};
use crate::paging::Page;
use sqlx::Row;

/// An event to write to the outbox.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: String,
    /// The provider the event is about: its environment is the event's.
    pub provider_id: ProviderId,
    pub event: String,
    pub organization_id: String,
    /// The event's `data`, as JSON.
    pub data: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: String,
    pub event: String,
    pub organization_id: String,
    pub data: String,
    pub created_at: i64,
}

/// The filters of `GET /events`, beyond the page.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Only these event names; all when empty.
    pub events: Vec<String>,
    pub organization_id: Option<String>,
    pub range_start: Option<i64>,
    pub range_end: Option<i64>,
}

impl Store {
    /// A page of an environment's events, oldest or newest first, with the filters of the
    /// WorkOS events API. Fetches `limit + 1` so the caller knows whether more follow.
    pub async fn list_events(&self, env: &EnvironmentId, q: &EventQuery, page: &Page) -> Result<Vec<StoredEvent>> {
        enum Bind {
            Text(String),
            Int(i64),
        }
        let mut sql =
            String::from("SELECT id, event, organization_id, data, created_at FROM events WHERE environment_id = $1");
        let mut binds: Vec<Bind> = vec![Bind::Text(env.to_string())];
        let param = |b: Bind, binds: &mut Vec<Bind>| {
            binds.push(b);
            format!("${}", binds.len())
        };
        if !q.events.is_empty() {
            // SDK 11's names find the events stored under SDK 12's.
            let mut names: Vec<&str> = q.events.iter().flat_map(|e| crate::event_names::stored_names(e)).collect();
            names.sort_unstable();
            names.dedup();
            let marks: Vec<String> = names.iter().map(|e| param(Bind::Text(e.to_string()), &mut binds)).collect();
            sql.push_str(&format!(" AND event IN ({})", marks.join(", ")));
        }
        if let Some(org) = &q.organization_id {
            sql.push_str(&format!(" AND organization_id = {}", param(Bind::Text(org.clone()), &mut binds)));
        }
        if let Some(start) = q.range_start {
            sql.push_str(&format!(" AND created_at >= {}", param(Bind::Int(start), &mut binds)));
        }
        if let Some(end) = q.range_end {
            sql.push_str(&format!(" AND created_at < {}", param(Bind::Int(end), &mut binds)));
        }
        if let Some(after) = &page.after {
            let cmp = if page.descending { "<" } else { ">" };
            sql.push_str(&format!(" AND id {cmp} {}", param(Bind::Text(after.clone()), &mut binds)));
        }
        let order = if page.descending { "DESC" } else { "ASC" };
        let limit = param(Bind::Int(page.limit + 1), &mut binds);
        sql.push_str(&format!(" ORDER BY id {order} LIMIT {limit}"));
        let mut query = sqlx::query_as::<_, StoredEvent>(&sql);
        for b in binds {
            query = match b {
                Bind::Text(t) => query.bind(t),
                Bind::Int(i) => query.bind(i),
            };
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// Records an event that changes no state (a failed connection attempt).
    pub async fn record_event(&self, event: &NewEvent) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_event(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Writes an event and a pending delivery for every enabled webhook endpoint subscribed to it,
/// inside the caller's transaction.
pub(super) async fn insert_event(tx: &mut sqlx::Transaction<'_, sqlx::Any>, e: &NewEvent) -> Result<()> {
    sqlx::query(
        "INSERT INTO events (id, event, organization_id, data, created_at, environment_id) \
         SELECT $1, $2, $3, $4, $5, environment_id FROM providers WHERE id = $6",
    )
    .bind(&e.id)
    .bind(&e.event)
    .bind(&e.organization_id)
    .bind(&e.data)
    .bind(e.created_at)
    .bind(e.provider_id.as_str())
    .execute(&mut **tx)
    .await?;
    // Endpoints of the event's environment only.
    let endpoints = sqlx::query(
        "SELECT w.id, w.events FROM webhook_endpoints w JOIN events e ON e.environment_id = w.environment_id \
         WHERE e.id = $1 AND w.enabled = 1",
    )
    .bind(&e.id)
    .fetch_all(&mut **tx)
    .await?;
    for row in endpoints {
        let endpoint_id: String = row.try_get("id")?;
        let events: String = row.try_get("events")?;
        let subscribed: Vec<&str> = events.split(' ').collect();
        // The endpoint's subscription decides the name it receives (SDK 11's or SDK 12's).
        let Some(name) = crate::event_names::delivered_name(&e.event, &subscribed) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempts, next_attempt_at, created_at, \
                updated_at, event_name) \
             VALUES ($1, $2, $3, 'pending', 0, $4, $4, $4, $5)",
        )
        .bind(crate::ids::new_id("whd"))
        .bind(&endpoint_id)
        .bind(&e.id)
        .bind(e.created_at)
        .bind(name)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Deletes events older than `before` with their finished deliveries; an event that still
    /// has a delivery pending is kept until that delivery ends. Returns (events, deliveries).
    pub async fn prune_events(&self, before: i64) -> Result<(u64, u64)> {
        let mut tx = self.pool.begin().await?;
        let deliveries = sqlx::query(
            "DELETE FROM webhook_deliveries WHERE status <> 'pending' \
             AND event_id IN (SELECT id FROM events WHERE created_at < $1)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?;
        let events = sqlx::query(
            "DELETE FROM events WHERE created_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((events.rows_affected(), deliveries.rows_affected()))
    }
}
