//! Webhooks: endpoints, and the worker that delivers outbox events to them, signed the way the
//! WorkOS SDK verifies (`WorkOS-Signature: t=<ms>, v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
//! `docs/workos-api.md` §6.1). Deliveries retry with exponential backoff and jitter until
//! `webhook_give_up_after`, then fail and mark their endpoint.

use crate::crypto::Aad;
use crate::error::{Error, Result};
use crate::events;
use crate::ids::{self, EnvironmentId};
use crate::plumb::Plumb;
use crate::store::{DeliveryOutcome, DeliveryRow, DeliveryStatus, DueDelivery, WebhookEndpoint};
use crate::time::now_ms;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// The `WorkOS-Signature` header value for `body` sent at `timestamp_ms`.
pub fn signature(secret: &str, timestamp_ms: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp_ms.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp_ms}, v1={hex}")
}

/// When to try a failed delivery again: `base` doubling per attempt, capped at an hour, with
/// ±50 % jitter (`jitter` in [0, 1)).
pub fn retry_delay(base: Duration, attempts: i64, jitter: f64) -> Duration {
    let factor = 1u64 << (attempts.clamp(1, 30) - 1) as u32;
    let delay = base.saturating_mul(factor as u32).min(Duration::from_secs(3600));
    delay.mul_f64(0.5 + jitter)
}

/// What an admin asks for when adding or changing an endpoint.
pub struct EndpointInput<'a> {
    pub endpoint_url: Option<&'a str>,
    pub events: Option<&'a [String]>,
    pub enabled: Option<bool>,
}

fn check_events(events: &[String]) -> Result<Vec<String>> {
    if events.is_empty() {
        return Err(Error::field("events", "required", "Subscribe to at least one event."));
    }
    if let Some(bad) = events.iter().find(|e| !events::ALL.contains(&e.as_str())) {
        return Err(Error::field(
            "events",
            "unknown_event",
            format!("{bad:?} is not an event Plumb sends: use {}.", events::ALL.join(", ")),
        ));
    }
    let mut unique: Vec<String> = Vec::new();
    for e in events {
        if !unique.contains(e) {
            unique.push(e.clone());
        }
    }
    Ok(unique)
}

fn check_url(url: &str, rules: crate::outbound::Outbound) -> Result<String> {
    rules.check_url("endpoint URL", url.trim()).map_err(|m| Error::field("endpoint_url", "invalid_url", m))?;
    Ok(url.trim().to_string())
}

impl Plumb {
    /// Adds an endpoint; returns it with its signing secret, which is shown only now.
    pub async fn create_webhook_endpoint(
        &self,
        env: &EnvironmentId,
        input: &EndpointInput<'_>,
    ) -> Result<(WebhookEndpoint, String)> {
        let url = check_url(input.endpoint_url.unwrap_or_default(), self.config.outbound())?;
        let events = check_events(input.events.unwrap_or_default())?;
        if self.store.webhook_endpoints(env).await?.iter().any(|e| e.endpoint_url == url) {
            return Err(Error::Conflict(format!("An endpoint for {url} already exists.")));
        }
        let id = ids::new_id("we");
        let secret = ids::random_token(24);
        let now = now_ms();
        let endpoint = WebhookEndpoint {
            secret: self.cipher.seal(secret.as_bytes(), &Aad::new("webhook_endpoints", &id, "secret")),
            id,
            endpoint_url: url,
            events,
            enabled: input.enabled.unwrap_or(true),
            last_failure_at: None,
            created_at: now,
            updated_at: now,
            environment_id: env.clone(),
        };
        self.store.insert_webhook_endpoint(&endpoint).await?;
        tracing::info!(endpoint = %endpoint.id, "webhook endpoint added");
        Ok((endpoint, secret))
    }

    pub async fn update_webhook_endpoint(
        &self,
        env: &EnvironmentId,
        id: &str,
        input: &EndpointInput<'_>,
    ) -> Result<WebhookEndpoint> {
        let mut endpoint = self.webhook_endpoint(env, id).await?;
        if let Some(url) = input.endpoint_url {
            endpoint.endpoint_url = check_url(url, self.config.outbound())?;
        }
        if let Some(events) = input.events {
            endpoint.events = check_events(events)?;
        }
        if let Some(enabled) = input.enabled {
            endpoint.enabled = enabled;
        }
        endpoint.updated_at = now_ms();
        if !self.store.update_webhook_endpoint(&endpoint).await? {
            return Err(endpoint_not_found(id));
        }
        Ok(endpoint)
    }

    /// An endpoint of this environment: another environment's is "not found", like a missing one.
    pub async fn webhook_endpoint(&self, env: &EnvironmentId, id: &str) -> Result<WebhookEndpoint> {
        match self.store.webhook_endpoint(id).await? {
            Some(e) if e.environment_id == *env => Ok(e),
            _ => Err(endpoint_not_found(id)),
        }
    }

    pub async fn delete_webhook_endpoint(&self, env: &EnvironmentId, id: &str) -> Result<()> {
        let endpoint = self.webhook_endpoint(env, id).await?;
        if self.store.delete_webhook_endpoint(&endpoint.id).await? {
            Ok(())
        } else {
            Err(endpoint_not_found(id))
        }
    }

    /// An environment's endpoints.
    pub async fn webhook_endpoints(&self, env: &EnvironmentId) -> Result<Vec<WebhookEndpoint>> {
        self.store.webhook_endpoints(env).await
    }

    /// The most recent deliveries of an environment's events, newest first.
    pub async fn recent_deliveries(&self, env: &EnvironmentId, limit: i64) -> Result<Vec<DeliveryRow>> {
        self.store.recent_deliveries(env, limit).await
    }

    /// Queues a delivery again, now.
    pub async fn resend_delivery(&self, env: &EnvironmentId, id: &str) -> Result<()> {
        if self.store.resend_delivery(env, id, now_ms()).await? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("No delivery {id:?}.")))
        }
    }

    /// Sends every due delivery once; returns how many it attempted. The worker calls this in a
    /// loop; tests call it directly.
    pub async fn deliver_due_webhooks(&self) -> Result<usize> {
        let now = now_ms();
        let due = self.store.claim_due_deliveries(now, now + 60_000, 50).await?;
        let count = due.len();
        let mut tasks = tokio::task::JoinSet::new();
        for delivery in due {
            let secret = self
                .cipher
                .open_string(&delivery.secret, &Aad::new("webhook_endpoints", &delivery.endpoint_id, "secret"));
            let http = self.webhook_http.clone();
            tasks.spawn(async move { (attempt(&http, &delivery, secret.ok()).await, delivery) });
        }
        while let Some(joined) = tasks.join_next().await {
            let Ok((result, delivery)) = joined else { continue };
            let now = now_ms();
            let attempts = delivery.attempts + 1;
            let outcome = match result {
                Ok(code) => DeliveryOutcome {
                    id: delivery.id.clone(),
                    endpoint_id: delivery.endpoint_id.clone(),
                    status: DeliveryStatus::Delivered,
                    attempts,
                    next_attempt_at: now,
                    status_code: Some(code),
                    error: None,
                    now,
                },
                Err((code, error)) => {
                    let give_up =
                        now - delivery.delivery_created_at >= self.config.webhook_give_up_after.as_millis() as i64;
                    let delay = retry_delay(self.config.webhook_retry_base, attempts, rand::random());
                    tracing::warn!(delivery = %delivery.id, attempts, error = %error, give_up, "webhook delivery failed");
                    DeliveryOutcome {
                        id: delivery.id.clone(),
                        endpoint_id: delivery.endpoint_id.clone(),
                        status: if give_up { DeliveryStatus::Failed } else { DeliveryStatus::Pending },
                        attempts,
                        next_attempt_at: now + delay.as_millis() as i64,
                        status_code: code,
                        error: Some(error),
                        now,
                    }
                }
            };
            let label = match outcome.status {
                DeliveryStatus::Delivered => "delivered",
                DeliveryStatus::Failed => "failed",
                _ => "retrying",
            };
            let lag = u64::try_from(now - delivery.event_created_at).unwrap_or(0);
            self.metrics.webhook_delivery(label, std::time::Duration::from_millis(lag));
            self.store.settle_delivery(&outcome).await?;
        }
        Ok(count)
    }
}

fn endpoint_not_found(id: &str) -> Error {
    Error::NotFound(format!("No webhook endpoint {id:?}."))
}

/// One POST of one delivery: `Ok(status)` for a 2xx answer, else the status (if any) and why.
async fn attempt(
    http: &crate::outbound::Client,
    d: &DueDelivery,
    secret: Option<String>,
) -> std::result::Result<i64, (Option<i64>, String)> {
    let secret = secret.ok_or((None, "the endpoint's secret could not be decrypted".to_string()))?;
    let body = events::envelope(&d.event_id, &d.event, &d.data, d.event_created_at).to_string();
    let response = http
        .post(&d.endpoint_url)
        .map_err(|why| (None, why))?
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("WorkOS-Signature", signature(&secret, now_ms(), &body))
        .body(body)
        .send()
        .await
        .map_err(|e| (None, crate::outbound::describe(&e)))?;
    let code = response.status().as_u16() as i64;
    if response.status().is_success() {
        Ok(code)
    } else {
        Err((Some(code), format!("HTTP {code}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_workos_format() {
        // HMAC-SHA256("secret", "1700000000000.{\"a\":1}")
        let header = signature("secret", 1_700_000_000_000, "{\"a\":1}");
        assert!(header.starts_with("t=1700000000000, v1="));
        let hex = header.split("v1=").nth(1).unwrap();
        assert_eq!(hex.len(), 64);
        assert!(hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_ne!(signature("other", 1_700_000_000_000, "{\"a\":1}"), header);
        assert_ne!(signature("secret", 1_700_000_000_001, "{\"a\":1}"), header);
    }

    #[test]
    fn retries_back_off_exponentially_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(retry_delay(base, 1, 0.5), Duration::from_secs(30));
        assert_eq!(retry_delay(base, 2, 0.5), Duration::from_secs(60));
        assert_eq!(retry_delay(base, 5, 0.5), Duration::from_secs(480));
        assert_eq!(retry_delay(base, 20, 0.5), Duration::from_secs(3600));
        assert_eq!(retry_delay(base, 1, 0.0), Duration::from_secs(15));
    }

    #[test]
    fn endpoints_subscribe_to_known_events_only() {
        assert_eq!(check_events(&[events::CONNECTED.into(), events::CONNECTED.into()]).unwrap(), [events::CONNECTED]);
        assert!(check_events(&[]).is_err());
        assert!(check_events(&["user.created".into()]).is_err());
    }
}
