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
        self.metrics.relay_call(outcome.status, outcome.held_back);
    }

    /// The provider began its answer to a relayed call `took` after it was sent.
    pub fn relay_answered(&self, took: std::time::Duration) {
        self.metrics.relay_answered(took);
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
