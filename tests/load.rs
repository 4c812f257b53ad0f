//! Load: many threads on one client against the simulator — no failures, pooled connections
//! (accepted ≤ 2 × threads), stable memory (RSS after the run within 5 MiB of RSS after the
//! first 100 calls).
//!
//! `make test` runs 8 threads × 60 calls. `WXFACE_SOAK=1` (set by `scripts/soak`, i.e.
//! `make soak`) runs the full 8 × 500; `WXFACE_SOAK_THREADS` / `WXFACE_SOAK_CALLS` override.
//! The figures are printed on stderr whether or not the harness captures output.
//!
//! RSS is this process's `VmRSS` from /proc/self/status; the simulator runs in the same
//! process, so its own growth counts against the bound too.

mod support;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use support::*;
use wxface::Client;
use wxface_sim::{ContractState, KeyMode};

const WARM_UP_CALLS: u32 = 100;
const MAX_RSS_GROWTH_KIB: u64 = 5 * 1024;

fn env_count(name: &str, default: u32) -> u32 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a count")),
        Err(_) => default,
    }
}

/// This process's resident set size in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// Runs calls with tickets `next..end` on `threads` threads; returns the failures.
fn run_calls(client: &Arc<Client>, threads: u32, next: &Arc<AtomicU32>, end: u32) -> Vec<String> {
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let client = Arc::clone(client);
            let next = Arc::clone(next);
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                loop {
                    let ticket = next.fetch_add(1, Ordering::Relaxed);
                    if ticket >= end {
                        break failures;
                    }
                    if let Err(e) = client.terminate_contract(ORG, &user(1 + ticket)) {
                        failures.push(format!("call {ticket}: {e}"));
                    }
                }
            })
        })
        .collect();
    workers
        .into_iter()
        .flat_map(|w| w.join().expect("worker thread"))
        .collect()
}

#[test]
fn many_threads_share_one_client_without_failures_or_growth() {
    let soak = std::env::var_os("WXFACE_SOAK").is_some_and(|v| v == "1");
    let threads = env_count("WXFACE_SOAK_THREADS", 8);
    let per_thread = env_count("WXFACE_SOAK_CALLS", if soak { 500 } else { 60 });
    let total = threads * per_thread;
    assert!(
        total > WARM_UP_CALLS && total < 99_999,
        "{threads} × {per_thread}"
    );

    let sim = start_sim(KeyMode::PublicKey);
    let client = Arc::new(client_for(&sim));
    let next = Arc::new(AtomicU32::new(0));

    let mut failures = run_calls(&client, threads, &next, WARM_UP_CALLS);
    let rss_warm = rss_kib();
    // Each worker overshot the counter by one ticket when it stopped: continue at the next call.
    next.store(WARM_UP_CALLS, Ordering::Relaxed);
    failures.extend(run_calls(&client, threads, &next, total));
    let rss_end = rss_kib();

    let stats = sim.stats();
    let report = format!(
        "load: {threads} threads x {per_thread} calls = {total} calls, {} failures, \
         {} TCP connections accepted (limit {}), RSS after the first {WARM_UP_CALLS} calls \
         {rss_warm} KiB, after the run {rss_end} KiB (growth {} KiB, limit {MAX_RSS_GROWTH_KIB} KiB)\n",
        failures.len(),
        stats.connections_accepted,
        2 * threads,
        rss_end as i64 - rss_warm as i64,
    );
    let _ = std::io::stderr().write_all(report.as_bytes());

    assert!(
        failures.is_empty(),
        "{} failures, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert_eq!(
        stats.requests_total,
        u64::from(total),
        "each call sent exactly once"
    );
    assert_eq!(stats.signature_failures, 0);
    assert!(
        stats.connections_accepted <= u64::from(2 * threads),
        "{} connections for {threads} threads",
        stats.connections_accepted
    );
    for ticket in [0, total / 2, total - 1] {
        assert_eq!(
            sim.user_state(ORG, &user(1 + ticket)),
            Some(ContractState::Terminated)
        );
    }
    assert!(
        rss_end <= rss_warm + MAX_RSS_GROWTH_KIB,
        "RSS grew from {rss_warm} KiB to {rss_end} KiB"
    );
}
