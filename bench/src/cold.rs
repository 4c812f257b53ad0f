//! Cold start: what a process that makes one call costs from exec to exit, for each way users
//! run wxface (a C program, `python -c`, the PHP CLI with and without opcache.preload, one
//! php-cgi request), next to a floor measured in the same run: a process that only parses the
//! two keys, signs once and verifies once (`wxface-cold-floor`), and each interpreter started
//! with nothing to do.
//!
//! Every process is started afresh and reaped with wait4(2), whose rusage is that child's own
//! user + system CPU (and its children's, if it had any). The processes take turns: round
//! after round, each runs once, in an order that rotates by one every round, so that a burst
//! of load from elsewhere on the machine hits all rows alike; a first round warms the page
//! cache and is not counted. Ratios are medians over rounds of the ratio within a round.

use std::ffi::OsString;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::measure::median;

/// One kind of process, started once per round.
pub struct ColdProcess {
    pub label: String,
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub env: Vec<(&'static str, OsString)>,
    /// The row of the same interpreter started with nothing to do: what this row costs beyond
    /// it is what wxface costs the process.
    pub start_up: Option<usize>,
}

impl ColdProcess {
    pub fn new(label: impl Into<String>, program: impl Into<PathBuf>) -> Self {
        ColdProcess {
            label: label.into(),
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            start_up: None,
        }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, name: &'static str, value: impl Into<OsString>) -> Self {
        self.env.push((name, value.into()));
        self
    }

    pub fn beyond(mut self, start_up: usize) -> Self {
        self.start_up = Some(start_up);
        self
    }
}

/// One run of one process.
#[derive(Clone, Copy)]
pub struct Sample {
    pub cpu_ms: f64,
    pub wall_ms: f64,
}

/// Every process's samples (one per round), or why it stopped being measured.
pub struct ColdStart {
    pub rows: Vec<(ColdProcess, Result<Vec<Sample>, String>)>,
    pub floor: usize,
    pub runs: usize,
}

/// `runs` counted rounds (after one warm-up round) of every process in `processes`;
/// `floor` is the index of the floor process. Output of each run goes to a file in `scratch`,
/// shown only if the run fails; a process that fails once is not started again.
pub fn measure(
    processes: Vec<ColdProcess>,
    floor: usize,
    runs: usize,
    scratch: &Path,
) -> ColdStart {
    let output = scratch.join("cold-start-output.txt");
    let mut results: Vec<Result<Vec<Sample>, String>> = processes
        .iter()
        .map(|_| Ok(Vec::with_capacity(runs)))
        .collect();
    for round in 0..=runs {
        for k in 0..processes.len() {
            let i = (k + round) % processes.len();
            let Ok(samples) = &mut results[i] else {
                continue;
            };
            match run_once(&processes[i], &output) {
                Ok(sample) if round > 0 => samples.push(sample),
                Ok(_) => {}
                Err(why) => results[i] = Err(why),
            }
        }
    }
    ColdStart {
        rows: processes.into_iter().zip(results).collect(),
        floor,
        runs,
    }
}

/// Starts the process and reaps it with wait4: its CPU and the wall time from spawn to reap.
fn run_once(process: &ColdProcess, output: &Path) -> Result<Sample, String> {
    let describe = |e: std::io::Error| format!("{}: {e}", process.program.display());
    let out = File::create(output).map_err(describe)?;
    let err = out.try_clone().map_err(describe)?;
    let started = Instant::now();
    let child = Command::new(&process.program)
        .args(&process.args)
        .envs(process.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", process.program.display()))?;
    let (status, usage) = wait4(child.id()).map_err(describe)?;
    let wall = started.elapsed();
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let mut text = String::new();
        let _ = File::open(output).and_then(|mut f| f.read_to_string(&mut text));
        let mut tail: Vec<&str> = text.lines().rev().take(3).collect();
        tail.reverse();
        return Err(format!("wait status {status:#x}: {}", tail.join(" | ")));
    }
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    Ok(Sample {
        cpu_ms: ms(usage.ru_utime) + ms(usage.ru_stime),
        wall_ms: wall.as_secs_f64() * 1e3,
    })
}

/// Waits for the child `pid` (ours, not yet reaped): its wait status and resource usage.
fn wait4(pid: u32) -> std::io::Result<(i32, libc::rusage)> {
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 only writes into it and into `status`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not reaped elsewhere (std's Child never waits for
        // it unless asked); both pointers are to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            return Ok((status, usage));
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

impl ColdStart {
    fn samples(&self, i: usize) -> Option<&[Sample]> {
        self.rows[i].1.as_deref().ok()
    }

    /// The median over rounds of `f(this row's sample, the other row's sample)`.
    fn paired(&self, i: usize, other: usize, f: impl Fn(Sample, Sample) -> f64) -> Option<f64> {
        let (own, other) = (self.samples(i)?, self.samples(other)?);
        Some(median(
            own.iter().zip(other).map(|(&a, &b)| f(a, b)).collect(),
        ))
    }

    /// Row `i`'s median CPU, the floor's, and the median over rounds of their ratio.
    pub fn cpu_over_floor(&self, i: usize) -> Option<(f64, f64, f64)> {
        let cpu = median(self.samples(i)?.iter().map(|s| s.cpu_ms).collect());
        let floor = median(self.samples(self.floor)?.iter().map(|s| s.cpu_ms).collect());
        let ratio = self.paired(i, self.floor, |a, b| a.cpu_ms / b.cpu_ms)?;
        Some((cpu, floor, ratio))
    }

    pub fn print(&self) {
        println!(
            "== cold start: one fresh process each (median of {} interleaved runs; CPU = user + system of the child from wait4) ==",
            self.runs
        );
        println!(
            "{:<48} {:>7} {:>8} {:>9} {:>10}   {:>14} {:>9}",
            "process",
            "CPU ms",
            "wall ms",
            "CPU/floor",
            "wall/floor",
            "beyond start-up",
            "CPU/floor"
        );
        for (i, (process, result)) in self.rows.iter().enumerate() {
            let samples = match result {
                Ok(samples) => samples,
                Err(why) => {
                    println!("{:<48} not measured: {why}", process.label);
                    continue;
                }
            };
            let cpu = median(samples.iter().map(|s| s.cpu_ms).collect());
            let wall = median(samples.iter().map(|s| s.wall_ms).collect());
            let ratio = |f: fn(Sample, Sample) -> f64| {
                self.paired(i, self.floor, f)
                    .map_or("-".to_owned(), |r| format!("{r:.2}x"))
            };
            let beyond = process.start_up.and_then(|s| {
                let extra = self.paired(i, s, |a, b| a.cpu_ms - b.cpu_ms)?;
                let (own, start, floor) = (
                    self.samples(i)?,
                    self.samples(s)?,
                    self.samples(self.floor)?,
                );
                let over_floor = median(
                    own.iter()
                        .zip(start)
                        .zip(floor)
                        .map(|((a, b), f)| (a.cpu_ms - b.cpu_ms) / f.cpu_ms)
                        .collect(),
                );
                Some(format!("{extra:>11.1} ms {over_floor:>8.2}x"))
            });
            println!(
                "{:<48} {cpu:>7.1} {wall:>8.1} {:>9} {:>10}   {}",
                process.label,
                ratio(|a, b| a.cpu_ms / b.cpu_ms),
                ratio(|a, b| a.wall_ms / b.wall_ms),
                beyond.unwrap_or_default()
            );
        }
        println!(
            "(x floor: median over runs of the ratio to the floor's run in the same round; beyond start-up: CPU over the same interpreter doing nothing in the same round, and that over the floor)"
        );
    }
}
