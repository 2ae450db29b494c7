//! Per-client attempt limits kept in memory: a fixed window per key. They guard expensive work
//! (an Argon2 hash per sign-in) against one address, so they live where the work is done, and
//! each instance counts its own share; the per-account lockout in the database is what holds
//! across instances.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys tracked at most. Past this, windows that ended are dropped; if all are live, the
/// oldest goes (a flood of addresses forgets some of itself, not the server's memory).
const MAX_KEYS: usize = 50_000;

pub struct AttemptLimiter<K> {
    per_window: u32,
    window: Duration,
    windows: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: Hash + Eq + Clone> AttemptLimiter<K> {
    pub fn new(per_window: u32, window: Duration) -> Self {
        Self { per_window, window, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt by `key`. `Err` carries the time until its window ends when the key
    /// has used its attempts.
    pub fn attempt(&self, key: &K) -> Result<(), Duration> {
        self.attempt_at(key, Instant::now())
    }

    fn attempt_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() >= MAX_KEYS && !windows.contains_key(key) {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
            if windows.len() >= MAX_KEYS {
                if let Some(oldest) = windows.iter().min_by_key(|(_, (start, _))| *start).map(|(k, _)| k.clone()) {
                    windows.remove(&oldest);
                }
            }
        }
        let entry = windows.entry(key.clone()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_window {
            return Err(self.window.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_gets_its_attempts_per_window() {
        let limiter = AttemptLimiter::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.attempt_at(&"a", start).is_ok());
        }
        let wait = limiter.attempt_at(&"a", start + Duration::from_secs(20)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(40));
        assert!(limiter.attempt_at(&"b", start).is_ok(), "keys are counted apart");
        assert!(limiter.attempt_at(&"a", start + Duration::from_secs(60)).is_ok(), "a new window");
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_keys() {
        let limiter = AttemptLimiter::new(1, Duration::from_secs(60));
        let now = Instant::now();
        for key in 0..(MAX_KEYS as u32 + 100) {
            let _ = limiter.attempt_at(&key, now);
        }
        assert!(limiter.windows.lock().unwrap().len() <= MAX_KEYS);
    }
}
