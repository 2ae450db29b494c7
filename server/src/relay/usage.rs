//! Counting relayed calls per connection without a database write per call: each process adds
//! to counters in memory and a task adds them to `relay_usage` every second (and once more at
//! shutdown), so the dashboard's figures trail the calls by about that much.

use super::meter::Outcome;
use crate::ids::ConnectionId;
use crate::plumb::Plumb;

impl Plumb {
    /// Counts one relayed call on `connection`.
    pub fn record_relay_call(&self, connection: &ConnectionId, outcome: Outcome, now: i64) {
        self.relay_meter.record(connection, outcome, now);
    }

    /// What the relay did with each of `connections`, by connection id.
    pub async fn relay_usage_of(
        &self,
        connections: &[crate::connections::Connection],
    ) -> crate::error::Result<std::collections::HashMap<String, crate::store::RelayUsage>> {
        let ids: Vec<ConnectionId> = connections.iter().map(|c| c.id.clone()).collect();
        Ok(self.store.relay_usages(&ids).await?.into_iter().collect())
    }

    /// Adds the calls counted in this process to the database.
    pub async fn flush_relay_usage(&self) -> crate::error::Result<()> {
        let batch = self.relay_meter.take();
        self.store.add_relay_usage(&batch).await
    }
}

/// Runs [`Plumb::flush_relay_usage`] every `interval` until the process ends.
pub fn spawn_usage_flusher(plumb: std::sync::Arc<Plumb>, interval: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = plumb.flush_relay_usage().await {
                tracing::warn!(error = %e, "could not record relay usage");
            }
        }
    });
}
