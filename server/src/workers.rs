//! The background workers of `plumb serve` (refresher, webhook deliveries, relay usage,
//! retention, key reload), and stopping them at shutdown: a worker finishes the round it is in
//! (a refresh it started settles its lease, a delivery its row) and starts no other.

use crate::housekeeping::Pruned;
use crate::plumb::Plumb;
use crate::time::now_ms;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct Workers {
    stop: watch::Sender<bool>,
    running: Vec<(&'static str, JoinHandle<()>)>,
}

impl Default for Workers {
    fn default() -> Self {
        Self::new()
    }
}

impl Workers {
    pub fn new() -> Self {
        Self { stop: watch::channel(false).0, running: Vec::new() }
    }

    /// Runs `round` every `interval` (the first at once) until [`Workers::stop`].
    pub fn every<F, Fut>(&mut self, name: &'static str, interval: Duration, mut round: F)
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let mut stopping = self.stop.subscribe();
        let handle = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    // A stop first, when both are ready: after a long round the next tick is.
                    biased;
                    // The guard `wait_for` returns is dropped inside: it must not be held
                    // across the round's await.
                    _ = async { drop(stopping.wait_for(|stop| *stop).await) } => break,
                    // Between rounds only: a round is never cut in the middle.
                    _ = ticker.tick() => round().await,
                }
            }
        });
        self.running.push((name, handle));
    }

    /// Tells every worker to stop and waits for them, `grace` at most; returns the names of
    /// those still busy then (they are abandoned with the process).
    pub async fn stop(self, grace: Duration) -> Vec<&'static str> {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + grace;
        let mut busy = Vec::new();
        for (name, mut handle) in self.running {
            if tokio::time::timeout_at(deadline, &mut handle).await.is_err() {
                handle.abort();
                busy.push(name);
            }
        }
        busy
    }
}

/// Starts the workers `plumb serve` runs beside the HTTP server.
pub fn start(plumb: &Arc<Plumb>) -> Workers {
    let mut workers = Workers::new();
    let config = plumb.config();
    if !config.background_refresh_interval.is_zero() {
        let (p, window) = (plumb.clone(), config.background_refresh_window);
        workers.every("background refresher", config.background_refresh_interval, move || {
            let p = p.clone();
            async move {
                if let Err(e) = p.refresh_expiring(window).await {
                    tracing::warn!(error = %e, "background refresher");
                }
            }
        });
    }
    let p = plumb.clone();
    workers.every("webhook deliveries", config.webhook_poll, move || {
        let p = p.clone();
        async move {
            if let Err(e) = p.deliver_due_webhooks().await {
                tracing::warn!(error = %e, "webhook worker");
            }
        }
    });
    let p = plumb.clone();
    workers.every("relay usage", Duration::from_secs(1), move || {
        let p = p.clone();
        async move {
            if let Err(e) = p.flush_relay_usage().await {
                tracing::warn!(error = %e, "could not record relay usage");
            }
        }
    });
    let p = plumb.clone();
    workers.every("retention", Duration::from_secs(3600), move || {
        let p = p.clone();
        async move {
            match p.housekeeping(now_ms()).await {
                Ok(pruned) if pruned != Pruned::default() => tracing::info!(?pruned, "retention"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention"),
            }
        }
    });
    crate::keys::spawn_key_watcher(plumb.cipher().clone(), config.key_reload_interval);
    workers
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_round_in_progress_finishes_and_no_other_starts() {
        let mut workers = Workers::new();
        let rounds = Arc::new(AtomicUsize::new(0));
        let counted = rounds.clone();
        workers.every("slow", Duration::from_millis(10), move || {
            let counted = counted.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                counted.fetch_add(1, Ordering::SeqCst);
            }
        });
        tokio::time::sleep(Duration::from_millis(30)).await; // inside the first round
        assert!(workers.stop(Duration::from_secs(5)).await.is_empty());
        assert_eq!(rounds.load(Ordering::SeqCst), 1, "the round finished, and none followed");
    }

    #[tokio::test]
    async fn a_worker_busy_past_the_grace_is_named() {
        let mut workers = Workers::new();
        workers.every("stuck", Duration::from_millis(10), || tokio::time::sleep(Duration::from_secs(60)));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(workers.stop(Duration::from_millis(50)).await, ["stuck"]);
    }
}
