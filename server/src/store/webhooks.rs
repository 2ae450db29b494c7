//! Webhook endpoints, and the deliveries of events to them: claimed with a lease so processes
//! never send one twice, settled after each attempt.

use super::database::{flag, Store};
use crate::error::Result;
use crate::ids::EnvironmentId;
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

const ENDPOINT_COLUMNS: &str =
    "id, endpoint_url, events, enabled, secret, last_failure_at, created_at, updated_at, environment_id";

/// A webhook endpoint; `secret` is sealed.
#[derive(Clone)]
pub struct WebhookEndpoint {
    pub id: String,
    pub endpoint_url: String,
    /// The event names it subscribes to (stored space-separated).
    pub events: Vec<String>,
    pub enabled: bool,
    pub secret: Vec<u8>,
    pub last_failure_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub environment_id: EnvironmentId,
}

impl FromRow<'_, AnyRow> for WebhookEndpoint {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.try_get("id")?,
            endpoint_url: row.try_get("endpoint_url")?,
            events: row
                .try_get::<String, _>("events")?
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            enabled: flag(row, "enabled")?,
            secret: row.try_get("secret")?,
            last_failure_at: row.try_get("last_failure_at")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            environment_id: row.try_get::<String, _>("environment_id")?.into(),
        })
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not sent yet, or to be retried at `next_attempt_at`.
    Pending,
    Delivered,
    /// Given up on.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// A delivery claimed for sending, with what it needs.
#[derive(Clone, sqlx::FromRow)]
pub struct DueDelivery {
    pub id: String,
    pub endpoint_id: String,
    pub attempts: i64,
    pub delivery_created_at: i64,
    pub event_id: String,
    pub event: String,
    pub data: String,
    pub event_created_at: i64,
    pub endpoint_url: String,
    pub secret: Vec<u8>,
}

/// The result of one delivery attempt.
#[derive(Debug, Clone)]
pub struct DeliveryOutcome {
    pub id: String,
    pub endpoint_id: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub now: i64,
}

/// A delivery as the dashboard lists it, with its event's name.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: String,
    pub endpoint_id: String,
    pub event: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl FromRow<'_, AnyRow> for DeliveryRow {
    fn from_row(row: &AnyRow) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.try_get("id")?,
            endpoint_id: row.try_get("endpoint_id")?,
            event: row.try_get("event")?,
            status: DeliveryStatus::parse(&row.try_get::<String, _>("status")?),
            attempts: row.try_get("attempts")?,
            last_status_code: row.try_get("last_status_code")?,
            last_error: row.try_get("last_error")?,
            next_attempt_at: row.try_get("next_attempt_at")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

impl Store {
    pub async fn insert_webhook_endpoint(&self, e: &WebhookEndpoint) -> Result<()> {
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, endpoint_url, events, enabled, secret, last_failure_at, created_at, \
                updated_at, environment_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&e.id)
        .bind(&e.endpoint_url)
        .bind(e.events.join(" "))
        .bind(e.enabled as i64)
        .bind(e.secret.as_slice())
        .bind(e.last_failure_at)
        .bind(e.created_at)
        .bind(e.updated_at)
        .bind(e.environment_id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn update_webhook_endpoint(&self, e: &WebhookEndpoint) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET endpoint_url = $1, events = $2, enabled = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(&e.endpoint_url)
        .bind(e.events.join(" "))
        .bind(e.enabled as i64)
        .bind(e.updated_at)
        .bind(&e.id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delete_webhook_endpoint(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn webhook_endpoint(&self, id: &str) -> Result<Option<WebhookEndpoint>> {
        Ok(sqlx::query_as(&format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn webhook_endpoints(&self, environment_id: &EnvironmentId) -> Result<Vec<WebhookEndpoint>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE environment_id = $1 ORDER BY id"
        ))
        .bind(environment_id.as_str())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Claims up to `limit` due deliveries for this process until `lease_until`, so several
    /// processes never send the same delivery at once. Returns what each needs to be sent.
    pub async fn claim_due_deliveries(&self, now: i64, lease_until: i64, limit: i64) -> Result<Vec<DueDelivery>> {
        let candidates = sqlx::query(
            "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
               AND (lease_until IS NULL OR lease_until <= $1) ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut claimed = Vec::new();
        for row in candidates {
            let id: String = row.try_get("id")?;
            let done = sqlx::query(
                "UPDATE webhook_deliveries SET lease_until = $1 WHERE id = $2 AND status = 'pending' \
                   AND (lease_until IS NULL OR lease_until <= $3)",
            )
            .bind(lease_until)
            .bind(&id)
            .bind(now)
            .execute(&self.pool)
            .await?;
            if done.rows_affected() != 1 {
                continue;
            }
            let due = sqlx::query_as::<_, DueDelivery>(
                "SELECT d.id, d.endpoint_id, d.attempts, d.created_at AS delivery_created_at, e.id AS event_id, \
                    COALESCE(d.event_name, e.event) AS event, e.data, e.created_at AS event_created_at, w.endpoint_url, w.secret \
                 FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
                 JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE d.id = $1",
            )
            .bind(&id)
            .fetch_optional(&self.pool)
            .await?;
            claimed.extend(due);
        }
        Ok(claimed)
    }

    /// Records an attempt: delivered, retried later, or given up (which also marks the endpoint).
    pub async fn settle_delivery(&self, d: &DeliveryOutcome) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, last_status_code = $4, \
                last_error = $5, lease_until = NULL, updated_at = $6 WHERE id = $7",
        )
        .bind(d.status.as_str())
        .bind(d.attempts)
        .bind(d.next_attempt_at)
        .bind(d.status_code)
        .bind(d.error.as_deref())
        .bind(d.now)
        .bind(&d.id)
        .execute(&mut *tx)
        .await?;
        if d.status == DeliveryStatus::Failed {
            sqlx::query("UPDATE webhook_endpoints SET last_failure_at = $1 WHERE id = $2")
                .bind(d.now)
                .bind(&d.endpoint_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Queues a delivery again, now.
    pub async fn resend_delivery(&self, environment_id: &EnvironmentId, id: &str, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1, lease_until = NULL, updated_at = $1 \
             WHERE id = $2 AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE environment_id = $3)",
        )
        .bind(now)
        .bind(id)
        .bind(environment_id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The most recent deliveries, newest first, with their event's name.
    pub async fn recent_deliveries(&self, environment_id: &EnvironmentId, limit: i64) -> Result<Vec<DeliveryRow>> {
        Ok(sqlx::query_as(
            "SELECT d.id, d.endpoint_id, COALESCE(d.event_name, e.event) AS event, d.status, d.attempts, d.last_status_code, d.last_error, \
                d.next_attempt_at, d.created_at, d.updated_at \
             FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
             WHERE e.environment_id = $2 ORDER BY d.created_at DESC, d.id DESC LIMIT $1",
        )
        .bind(limit)
        .bind(environment_id.as_str())
        .fetch_all(&self.pool)
        .await?)
    }
}
