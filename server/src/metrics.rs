//! Prometheus metrics: what an operator watches to know Plumb is healthy. Served only on the
//! listener `PLUMB_METRICS_ADDR` names (none by default), never on the public one.
//!
//! Counters and histograms are lock-free atomics (`prometheus-client`); a labelled family takes
//! a read lock to find its series. Labels come from small closed sets (outcomes, provider slugs),
//! never from callers' input, so the number of series stays bounded.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Refresh {
    provider: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolState {
    state: &'static str,
}

/// How a refresh ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    Refreshed,
    /// The provider refused the grant: the connection needs reauthorization.
    Rejected,
    /// The provider failed or did not answer; the connection is kept and retried later.
    Failed,
    /// The lease ran out before the answer came; another refresh's result stands.
    LeaseLost,
}

impl RefreshOutcome {
    fn label(self) -> &'static str {
        match self {
            Self::Refreshed => "refreshed",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
            Self::LeaseLost => "lease_lost",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    token_fetches: Family<Outcome, Counter>,
    token_fetch_seconds: Histogram,
    refreshes: Family<Refresh, Counter>,
    refresh_waits: Counter,
    webhook_deliveries: Family<Outcome, Counter>,
    webhook_lag_seconds: Histogram,
    relay_calls: Family<Outcome, Counter>,
    relay_seconds: Histogram,
    pool_connections: Family<PoolState, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("plumb");
        let token_fetches = Family::<Outcome, Counter>::default();
        registry.register(
            "token_fetches",
            "Token fetches (API and widget), by outcome: active, inactive, or the error code",
            token_fetches.clone(),
        );
        // 0.5 ms to about 16 s: a cached token answers in well under a millisecond, a refresh
        // waits on the provider.
        let token_fetch_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        registry.register("token_fetch_seconds", "Time to answer a token fetch", token_fetch_seconds.clone());
        let refreshes = Family::<Refresh, Counter>::default();
        registry.register("refreshes", "Token refreshes, by provider and outcome", refreshes.clone());
        let refresh_waits = Counter::default();
        registry.register(
            "refresh_waits",
            "Fetches that waited for a refresh another request or process was running (single flight)",
            refresh_waits.clone(),
        );
        let webhook_deliveries = Family::<Outcome, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook delivery attempts, by outcome: delivered, retrying, failed",
            webhook_deliveries.clone(),
        );
        // 10 ms to about 3 days: a delivery is usually out within the worker's poll; retries
        // of an endpoint that is down stretch over hours.
        let webhook_lag_seconds = Histogram::new(exponential_buckets(0.01, 4.0, 14));
        registry.register(
            "webhook_delivery_lag_seconds",
            "From an event to its delivery attempt",
            webhook_lag_seconds.clone(),
        );
        let relay_calls = Family::<Outcome, Counter>::default();
        registry.register(
            "relay_calls",
            "Calls through the relay, by outcome: 2xx..5xx (the provider's status class), held_back, failed",
            relay_calls.clone(),
        );
        let relay_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 16));
        registry.register("relay_seconds", "Relayed calls, until the provider's answer began", relay_seconds.clone());
        let pool_connections = Family::<PoolState, Gauge>::default();
        registry.register(
            "database_pool_connections",
            "Database connections in the pool, by state: in_use, idle",
            pool_connections.clone(),
        );
        Self {
            registry,
            token_fetches,
            token_fetch_seconds,
            refreshes,
            refresh_waits,
            webhook_deliveries,
            webhook_lag_seconds,
            relay_calls,
            relay_seconds,
            pool_connections,
        }
    }

    /// A token fetch answered: `outcome` is `active`, `inactive` or the error's code.
    pub fn token_fetch(&self, outcome: &'static str, took: Duration) {
        self.token_fetches.get_or_create(&Outcome { outcome }).inc();
        self.token_fetch_seconds.observe(took.as_secs_f64());
    }

    pub fn refresh(&self, provider: &str, outcome: RefreshOutcome) {
        self.refreshes.get_or_create(&Refresh { provider: provider.to_string(), outcome: outcome.label() }).inc();
    }

    pub fn refresh_wait(&self) {
        self.refresh_waits.inc();
    }

    /// `outcome`: `delivered`, `retrying` or `failed`; `lag`: since the event was recorded.
    pub fn webhook_delivery(&self, outcome: &'static str, lag: Duration) {
        self.webhook_deliveries.get_or_create(&Outcome { outcome }).inc();
        self.webhook_lag_seconds.observe(lag.as_secs_f64());
    }

    /// A relayed call: the provider's status (if it answered), or how Plumb ended it.
    pub fn relay_call(&self, status: Option<u16>, held_back: bool) {
        let outcome = match (held_back, status.map(|s| s / 100)) {
            (true, _) => "held_back",
            (false, Some(1 | 2)) => "2xx",
            (false, Some(3)) => "3xx",
            (false, Some(4)) => "4xx",
            (false, Some(5)) => "5xx",
            _ => "failed",
        };
        self.relay_calls.get_or_create(&Outcome { outcome }).inc();
    }

    /// How long a provider took to begin its answer to a relayed call.
    pub fn relay_answered(&self, took: Duration) {
        self.relay_seconds.observe(took.as_secs_f64());
    }

    /// The text exposition format, with the pool's gauges read now.
    pub fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let idle = i64::try_from(pool_idle).unwrap_or(i64::MAX);
        self.pool_connections.get_or_create(&PoolState { state: "idle" }).set(idle);
        self.pool_connections.get_or_create(&PoolState { state: "in_use" }).set(i64::from(pool_size) - idle);
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_show_in_the_text_format() {
        let m = Metrics::new();
        m.token_fetch("active", Duration::from_millis(2));
        m.refresh("github", RefreshOutcome::Refreshed);
        m.relay_call(Some(503), false);
        m.relay_answered(Duration::from_millis(5));
        let text = m.render(4, 3);
        assert!(text.contains("plumb_token_fetches_total{outcome=\"active\"} 1"), "{text}");
        assert!(text.contains("plumb_refreshes_total{provider=\"github\",outcome=\"refreshed\"} 1"), "{text}");
        assert!(text.contains("plumb_relay_calls_total{outcome=\"5xx\"} 1"), "{text}");
        assert!(text.contains("plumb_database_pool_connections{state=\"in_use\"} 1"), "{text}");
        assert!(text.contains("plumb_token_fetch_seconds_count 1"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
