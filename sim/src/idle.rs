//! Per-connection activity, so the server can close a connection that has been idle
//! (no request in flight) for a while, as the live service does after `timeout=8`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::sync::lock;

pub(crate) struct Activity {
    in_flight: AtomicUsize,
    idle_since: Mutex<Instant>,
    /// Signalled whenever a request starts or ends, so the idle timer re-arms.
    pub(crate) changed: Notify,
}

impl Activity {
    pub(crate) fn new() -> Activity {
        Activity {
            in_flight: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now()),
            changed: Notify::new(),
        }
    }

    /// Marks a request in flight until the returned guard drops.
    pub(crate) fn begin(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_waiters();
        InFlight(self)
    }

    /// When the connection will have been idle for `limit`; `None` while a request is in
    /// flight.
    pub(crate) fn idle_deadline(&self, limit: Duration) -> Option<Instant> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        Some(*lock(&self.idle_since) + limit)
    }
}

pub(crate) struct InFlight<'a>(&'a Activity);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        *lock(&self.0.idle_since) = Instant::now();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_deadline_while_busy() {
        let activity = Activity::new();
        let limit = Duration::from_secs(8);
        assert!(activity.idle_deadline(limit).is_some());
        let guard = activity.begin();
        assert_eq!(activity.idle_deadline(limit), None);
        drop(guard);
        let deadline = activity.idle_deadline(limit).unwrap();
        assert!(deadline > Instant::now() + Duration::from_secs(7));
    }
}
