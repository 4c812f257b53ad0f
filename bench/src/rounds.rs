//! Client CPU per call of each operation next to the floor, measured in interleaved rounds:
//! each round measures the floor (sign, verify, OAEP encryption) and then every operation, so
//! that load from elsewhere on the machine hits the floor and the operations alike. Each
//! figure is the median of its rounds.

use wxface::Client;

use crate::floor::{Floor, FloorKeys};
use crate::measure::median;
use crate::ops::{Op, Workload};

pub struct ByOperation {
    /// The floor, each part the median of its rounds.
    pub floor: Floor,
    /// One entry per operation, in [`Op::ALL`] order.
    pub per_call: Vec<PerCall>,
}

/// One operation's figures per call, each the median of its rounds.
pub struct PerCall {
    pub op: Op,
    pub cpu_us: f64,
    /// Wall time: how long the client waited, which the simulator's own work lengthens.
    pub wall_ms: f64,
}

impl ByOperation {
    pub fn get(&self, op: Op) -> &PerCall {
        self.per_call
            .iter()
            .find(|p| p.op == op)
            .expect("every operation is measured")
    }
}

/// `rounds` rounds of: the floor, then `calls` calls of each operation. Each operation first
/// gets 20 warm-up calls (connection open, caches warm). `late_client` talks to the simulator
/// that answers late, for [`Op::TerminateAnsweredLate`]; `client` makes every other call.
pub fn measure(
    client: &Client,
    late_client: &Client,
    workload: &Workload,
    keys: &FloorKeys,
    rounds: usize,
    calls: usize,
) -> ByOperation {
    let client_for = |op: Op| match op {
        Op::TerminateAnsweredLate => late_client,
        _ => client,
    };
    for op in Op::ALL {
        for _ in 0..20 {
            workload.call(client_for(op), op);
        }
    }
    // Signing dominates the floor; verifications and encryptions are ~15x cheaper, so they
    // get more iterations for the same measuring time.
    let signs = u32::try_from(calls).unwrap_or(u32::MAX).max(100);
    let mut floors = Vec::with_capacity(rounds);
    let mut cpu: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); Op::ALL.len()];
    let mut wall: Vec<Vec<f64>> = cpu.clone();
    for _ in 0..rounds {
        floors.push(keys.measure(signs, signs * 10, signs * 10));
        for (i, op) in Op::ALL.into_iter().enumerate() {
            let (cpu_us, wall_ms) = workload.per_call(client_for(op), op, calls);
            cpu[i].push(cpu_us);
            wall[i].push(wall_ms);
        }
    }
    let part = |f: fn(&Floor) -> f64| median(floors.iter().map(f).collect());
    ByOperation {
        floor: Floor {
            sign_cpu_us: part(|f| f.sign_cpu_us),
            verify_cpu_us: part(|f| f.verify_cpu_us),
            oaep_cpu_us: part(|f| f.oaep_cpu_us),
        },
        per_call: Op::ALL
            .into_iter()
            .zip(cpu.into_iter().zip(wall))
            .map(|(op, (cpu, wall))| PerCall {
                op,
                cpu_us: median(cpu),
                wall_ms: median(wall),
            })
            .collect(),
    }
}
