//! The dashboard's webhook pages: endpoints, deliveries and the new-endpoint form.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEndpointView {
    pub id: String,
    pub endpoint_url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    /// When a delivery to it was last given up on.
    pub last_failure_at: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: String,
    pub endpoint_id: String,
    pub event: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhooksView {
    pub endpoints: Vec<WebhookEndpointView>,
    pub deliveries: Vec<DeliveryView>,
}

/// A new endpoint with its signing secret, shown this once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    pub endpoint: WebhookEndpointView,
    pub secret: String,
}

impl fmt::Debug for CreatedWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedWebhook").field("endpoint", &self.endpoint).field("secret", &"[redacted]").finish()
    }
}

/// The dashboard's new-endpoint form: one checkbox per event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookInput {
    pub endpoint_url: String,
    pub connected: bool,
    pub disconnected: bool,
    pub reauthorization_needed: bool,
    pub connection_failed: bool,
}

impl WebhookInput {
    pub fn events(&self) -> Vec<String> {
        [
            (self.connected, "pipes.connected_account.connected"),
            (self.disconnected, "pipes.connected_account.disconnected"),
            (self.reauthorization_needed, "pipes.connected_account.reauthorization_needed"),
            (self.connection_failed, "pipes.connected_account.connection_failed"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name.to_string())
        .collect()
    }
}
