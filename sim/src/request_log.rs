//! The last API requests received, as tests want to see them: what was sent, with each
//! encrypted field in plain text (`GET /__sim/requests`, `Sim::requests`).

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::Value;

use crate::sync::lock;

/// Requests kept; older ones are forgotten first.
pub(crate) const KEPT_REQUESTS: usize = 1000;

#[derive(Default)]
pub(crate) struct RequestLog {
    entries: Mutex<VecDeque<Value>>,
}

impl RequestLog {
    pub(crate) fn record(&self, entry: Value) {
        let mut entries = lock(&self.entries);
        if entries.len() == KEPT_REQUESTS {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// Oldest first.
    pub(crate) fn snapshot(&self) -> Vec<Value> {
        lock(&self.entries).iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        lock(&self.entries).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_last_thousand() {
        let log = RequestLog::default();
        for n in 0..KEPT_REQUESTS + 5 {
            log.record(json!(n));
        }
        let entries = log.snapshot();
        assert_eq!(entries.len(), KEPT_REQUESTS);
        assert_eq!(entries[0], json!(5));
        assert_eq!(entries[KEPT_REQUESTS - 1], json!(KEPT_REQUESTS + 4));
        log.clear();
        assert!(log.snapshot().is_empty());
    }
}
