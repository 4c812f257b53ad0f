//! Request and connection counters, shared by all connection tasks.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::sync::lock;

/// A snapshot of the simulator's counters (see [`crate::Sim::stats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// API requests by request path (percent-encoded as received, without the query).
    /// Control requests (`/__sim/…`) are not counted.
    pub requests_per_path: BTreeMap<String, u64>,
    /// All API requests, whatever their outcome.
    pub requests_total: u64,
    /// TCP connections accepted (before the TLS handshake).
    pub connections_accepted: u64,
    /// API requests rejected with `401 SIGN_ERROR`.
    pub signature_failures: u64,
    /// Deductions recorded (a new out_trade_no applied for).
    pub deductions_recorded: u64,
    /// Apply-for-deduction requests answered from an existing record (an out_trade_no
    /// applied for again): nothing new was recorded for them.
    pub deductions_repeated: u64,
    /// Platform certificate downloads answered (`GET /v3/certificates` with 200).
    pub certificate_downloads: u64,
}

impl Stats {
    /// The document `GET /__sim/stats` answers.
    pub fn to_json(&self) -> Value {
        json!({
            "requests_per_path": self.requests_per_path,
            "requests_total": self.requests_total,
            "connections_accepted": self.connections_accepted,
            "signature_failures": self.signature_failures,
            "deductions_recorded": self.deductions_recorded,
            "deductions_repeated": self.deductions_repeated,
            "certificate_downloads": self.certificate_downloads,
        })
    }
}

/// The live counters behind [`Stats`].
#[derive(Default)]
pub(crate) struct StatsRecorder {
    per_path: Mutex<BTreeMap<String, u64>>,
    total: AtomicU64,
    connections: AtomicU64,
    signature_failures: AtomicU64,
    deductions_recorded: AtomicU64,
    deductions_repeated: AtomicU64,
    certificate_downloads: AtomicU64,
}

impl StatsRecorder {
    pub(crate) fn record_request(&self, path: &str) {
        self.total.fetch_add(1, Ordering::Relaxed);
        *lock(&self.per_path).entry(path.to_owned()).or_insert(0) += 1;
    }

    pub(crate) fn record_connection(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_signature_failure(&self) {
        self.signature_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// `new`: a deduction was recorded; else one was answered from its record.
    pub(crate) fn record_deduction(&self, new: bool) {
        let counter = if new {
            &self.deductions_recorded
        } else {
            &self.deductions_repeated
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_certificate_download(&self) {
        self.certificate_downloads.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        Stats {
            requests_per_path: lock(&self.per_path).clone(),
            requests_total: self.total.load(Ordering::Relaxed),
            connections_accepted: self.connections.load(Ordering::Relaxed),
            signature_failures: self.signature_failures.load(Ordering::Relaxed),
            deductions_recorded: self.deductions_recorded.load(Ordering::Relaxed),
            deductions_repeated: self.deductions_repeated.load(Ordering::Relaxed),
            certificate_downloads: self.certificate_downloads.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn reset(&self) {
        lock(&self.per_path).clear();
        self.total.store(0, Ordering::Relaxed);
        self.connections.store(0, Ordering::Relaxed);
        self.signature_failures.store(0, Ordering::Relaxed);
        self.deductions_recorded.store(0, Ordering::Relaxed);
        self.deductions_repeated.store(0, Ordering::Relaxed);
        self.certificate_downloads.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_resets() {
        let r = StatsRecorder::default();
        r.record_connection();
        r.record_request("/a");
        r.record_request("/a");
        r.record_request("/b");
        r.record_signature_failure();
        r.record_deduction(true);
        r.record_deduction(false);
        r.record_deduction(false);
        r.record_certificate_download();
        let s = r.snapshot();
        assert_eq!(s.requests_total, 3);
        assert_eq!(s.requests_per_path["/a"], 2);
        assert_eq!(s.connections_accepted, 1);
        assert_eq!(s.signature_failures, 1);
        assert_eq!((s.deductions_recorded, s.deductions_repeated), (1, 2));
        assert_eq!(s.to_json()["deductions_recorded"], 1);
        assert_eq!(s.to_json()["certificate_downloads"], 1);
        assert_eq!(s.to_json()["requests_per_path"]["/b"], 1);
        r.reset();
        assert_eq!(r.snapshot(), Stats::default());
    }
}
