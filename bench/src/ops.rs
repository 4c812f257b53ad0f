//! The K12 operations whose client CPU the benchmark compares with the floor, each repeatable
//! against one simulator: a query answered with 200 JSON, an update whose two sensitive
//! fields the library encrypts, and the headline terminate (repeatable with the simulator's
//! `--idempotent-terminate`); plus two controls for the update: the same PATCH with its fields
//! already encrypted, and terminate answered as late as the update is.

use std::time::Instant;

use serde_json::{Value, json};
use wxface::Client;
use wxface_sim::test_ids;

use crate::floor::FloorKeys;
use crate::measure::process_cpu_us;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    QueryUser,
    UpdateUser,
    /// update_user's PATCH with both fields encrypted beforehand, sent with `Client::request`:
    /// the same body size, the same simulator work (it decrypts both fields, which makes these
    /// calls wait ~4x longer than the others) and no encryption in the client. update_user
    /// minus this is what the library's encryption costs.
    UpdatePreEncrypted,
    Terminate,
    /// terminate against a second simulator that answers every request later
    /// (`--fault delay:WAIT_MS`): what a wait as long as update_user's costs the client by
    /// itself (the thread sleeps, and wakes to cold caches), with no encryption and no larger
    /// body.
    TerminateAnsweredLate,
}

/// The simulator's delay for [`Op::TerminateAnsweredLate`]. Its timer rounds 1 ms up to
/// about 2, which is about as long as it spends decrypting update_user's two fields (the wall
/// column shows both waits).
pub const WAIT_MS: u32 = 1;

impl Op {
    pub const ALL: [Op; 5] = [
        Op::QueryUser,
        Op::UpdateUser,
        Op::UpdatePreEncrypted,
        Op::Terminate,
        Op::TerminateAnsweredLate,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Op::QueryUser => "query_user (200 JSON)",
            Op::UpdateUser => "update_user (name+phone ENC)",
            Op::UpdatePreEncrypted => "  same PATCH, pre-encrypted",
            Op::Terminate => "terminate_contract (204)",
            Op::TerminateAnsweredLate => "  same, answered later",
        }
    }

    /// The ceiling for this operation's client CPU, as a multiple of the floor.
    pub fn target(self) -> Option<f64> {
        match self {
            Op::QueryUser => Some(1.25),
            Op::UpdateUser => Some(1.35),
            Op::UpdatePreEncrypted | Op::TerminateAnsweredLate => None,
            Op::Terminate => Some(1.2),
        }
    }
}

/// The arguments of each operation, built once so that the loops measure the library only.
pub struct Workload {
    /// Terminated again and again (the simulator answers 204 each time).
    terminate_user: String,
    /// Queried and updated: another contracted user, so that the two never meet.
    out_user: String,
    /// Both sensitive fields of update_user, in plain text (the library encrypts them) and
    /// nothing else, so the update costs what its encryption costs.
    changes: Value,
    /// The same two fields encrypted once, here, as JSON text, and where the PATCH goes.
    pre_encrypted: String,
    user_target: String,
}

impl Workload {
    pub fn new(keys: &FloorKeys) -> Workload {
        let (name, phone) = ("学生2", "13800138000");
        let out_user = test_ids::contracted_out_user(2);
        Workload {
            terminate_user: test_ids::contracted_user(1),
            changes: json!({"user_name": name, "phone": phone}),
            pre_encrypted: json!({
                "user_name": keys.encrypt_base64(name.as_bytes()),
                "phone": keys.encrypt_base64(phone.as_bytes()),
            })
            .to_string(),
            // Both ids are plain ASCII: the path needs no percent-encoding.
            user_target: format!(
                "/v3/offlinefacemch/organizations/{}/users/out-user-id/{out_user}",
                test_ids::ORGANIZATION_ID
            ),
            out_user,
        }
    }

    /// The organization and user that terminate calls name (also for the wrapper programs).
    pub fn terminate_ids(&self) -> (&'static str, &str) {
        (test_ids::ORGANIZATION_ID, &self.terminate_user)
    }

    /// One call; panics on any failure (a benchmark of failing calls measures nothing).
    pub fn call(&self, client: &Client, op: Op) {
        let org = test_ids::ORGANIZATION_ID;
        let outcome = match op {
            Op::QueryUser => client.query_user(org, &self.out_user).map(drop),
            Op::UpdateUser => client
                .update_user(org, &self.out_user, &self.changes)
                .map(drop),
            Op::UpdatePreEncrypted => client
                .request("PATCH", &self.user_target, Some(&self.pre_encrypted), &[])
                .map(drop),
            Op::Terminate | Op::TerminateAnsweredLate => {
                client.terminate_contract(org, &self.terminate_user)
            }
        };
        if let Err(e) = outcome {
            panic!("{} failed: {e}", op.label());
        }
    }

    /// `calls` sequential calls of `op`: (client CPU µs, wall ms) per call.
    pub fn per_call(&self, client: &Client, op: Op, calls: usize) -> (f64, f64) {
        let cpu_before = process_cpu_us();
        let started = Instant::now();
        for _ in 0..calls {
            self.call(client, op);
        }
        let wall_ms = started.elapsed().as_secs_f64() * 1e3;
        let cpu_us = process_cpu_us() - cpu_before;
        (cpu_us / calls as f64, wall_ms / calls as f64)
    }
}
