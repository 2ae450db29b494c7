//! The counters behind [`super::usage`]: calls per connection since the last flush.

use crate::ids::ConnectionId;
use crate::store::UsageDelta;
use std::collections::HashMap;
use std::sync::Mutex;

/// How one relayed call ended, as counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The provider's status, when it answered.
    pub status: Option<u16>,
    /// Answered by Plumb without calling: a wait the provider asked for had not passed.
    pub held_back: bool,
    /// The provider could not be reached, or did not answer in time.
    pub failed: bool,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

/// Connections counted at most between two flushes; beyond it, calls on connections not yet
/// counted are dropped from the figures rather than from the server's memory.
const MAX_PENDING: usize = 100_000;

#[derive(Default)]
pub struct Meter {
    pending: Mutex<HashMap<ConnectionId, UsageDelta>>,
}

impl Meter {
    pub fn record(&self, id: &ConnectionId, outcome: Outcome, now: i64) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.len() >= MAX_PENDING && !pending.contains_key(id) {
            return;
        }
        let delta = pending.entry(id.clone()).or_default();
        let d = &mut delta.counts;
        let add = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        d.calls += 1;
        match outcome.status.map(|s| s / 100) {
            Some(2) => d.status_2xx += 1,
            Some(3) => d.status_3xx += 1,
            Some(4) => d.status_4xx += 1,
            Some(5) => d.status_5xx += 1,
            _ => {}
        }
        d.held_back += i64::from(outcome.held_back);
        d.failed += i64::from(outcome.failed);
        d.bytes_sent = d.bytes_sent.saturating_add(add(outcome.bytes_sent));
        d.bytes_received = d.bytes_received.saturating_add(add(outcome.bytes_received));
        if let Some(status) = outcome.status {
            delta.last_status = Some(i64::from(status));
        }
        delta.last_call_at = delta.last_call_at.max(now);
    }

    pub(crate) fn take(&self) -> Vec<(ConnectionId, UsageDelta)> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.drain().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_counted_by_status_class_and_bytes() {
        let meter = Meter::default();
        let id = ConnectionId::from("conn_1".to_string());
        let ok = Outcome { status: Some(200), bytes_sent: 10, bytes_received: 100, ..Default::default() };
        meter.record(&id, ok, 5);
        meter.record(&id, Outcome { status: Some(429), ..Default::default() }, 7);
        meter.record(&id, Outcome { held_back: true, ..Default::default() }, 6);
        let batch = meter.take();
        assert_eq!(batch.len(), 1);
        let (d, c) = (&batch[0].1, &batch[0].1.counts);
        assert_eq!((c.calls, c.status_2xx, c.status_4xx, c.held_back), (3, 1, 1, 1));
        assert_eq!((c.bytes_sent, c.bytes_received, d.last_status, d.last_call_at), (10, 100, Some(429), 7));
        assert!(meter.take().is_empty(), "a flush takes the counts");
    }
}
