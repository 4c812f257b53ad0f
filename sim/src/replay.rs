//! Nonces seen recently, to reject a replayed request (same nonce within 10 minutes).

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::sync::lock;

pub(crate) struct ReplayCache {
    window: Duration,
    /// Hard bound on memory: beyond it the oldest nonces are forgotten early, so a
    /// flood of requests cannot grow the cache without limit.
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    nonces: HashSet<String>,
    /// Arrival order, oldest first, for pruning.
    order: VecDeque<(Instant, String)>,
}

impl ReplayCache {
    pub(crate) fn new(window: Duration, capacity: usize) -> ReplayCache {
        ReplayCache {
            window,
            capacity,
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Records `nonce` and says whether it is new (not seen within the window).
    pub(crate) fn first_use(&self, nonce: &str, now: Instant) -> bool {
        let mut seen = lock(&self.seen);
        while let Some((at, _)) = seen.order.front() {
            let expired = now.saturating_duration_since(*at) >= self.window;
            if !expired && seen.order.len() < self.capacity {
                break;
            }
            if let Some((_, old)) = seen.order.pop_front() {
                seen.nonces.remove(&old);
            }
        }
        if !seen.nonces.insert(nonce.to_owned()) {
            return false;
        }
        seen.order.push_back((now, nonce.to_owned()));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_within_window_and_forgets_after() {
        let cache = ReplayCache::new(Duration::from_secs(600), 100);
        let t0 = Instant::now();
        assert!(cache.first_use("a", t0));
        assert!(!cache.first_use("a", t0 + Duration::from_secs(599)));
        assert!(cache.first_use("b", t0 + Duration::from_secs(599)));
        assert!(cache.first_use("a", t0 + Duration::from_secs(600)));
        assert!(!cache.first_use("b", t0 + Duration::from_secs(601)));
    }

    #[test]
    fn memory_is_bounded() {
        let cache = ReplayCache::new(Duration::from_secs(600), 3);
        let t0 = Instant::now();
        for n in ["1", "2", "3", "4"] {
            assert!(cache.first_use(n, t0));
        }
        assert_eq!(lock(&cache.seen).order.len(), 3);
        assert!(
            cache.first_use("1", t0),
            "oldest was forgotten to stay within capacity"
        );
    }
}
