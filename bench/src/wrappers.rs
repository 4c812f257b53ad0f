//! What the Python and PHP wrappers add to a call: the same terminate calls from a C program,
//! from Python (`wxface`, ctypes) and from PHP (`Wxface`, FFI), each a separate process on
//! libwxface.so, each measuring its own CPU (getrusage) around its call loop only, so that
//! interpreter start-up and client creation stay out.
//!
//! The three processes stay alive side by side and take turns: round after round, each runs
//! the same number of calls while the other two wait on stdin. A burst of load from elsewhere
//! on the machine then hits neighbouring rounds of all three alike; the overhead is the median
//! over rounds of (wrapper round / C round of the same round) - 1.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::measure::median;

/// How to start one language's loop (bench/wrappers/terminate_loop.*): the program, the
/// arguments before CONFIG ORG USER, and its label.
pub struct LoopProgram {
    pub label: &'static str,
    pub program: PathBuf,
    pub args: Vec<PathBuf>,
}

/// One language's figures, or why it could not be measured.
pub struct LoopResult {
    pub label: &'static str,
    pub outcome: Result<Measured, String>,
}

pub struct Measured {
    /// What the program said it is (language version, how it reaches the library).
    pub description: String,
    /// Median over rounds of CPU µs per call.
    pub cpu_us_per_call: f64,
    /// CPU µs per call, one per round.
    pub rounds: Vec<f64>,
}

impl Measured {
    /// Median over rounds of this program's CPU per call / `base`'s in the same round, - 1.
    pub fn overhead_over(&self, base: &Measured) -> f64 {
        let ratios: Vec<f64> = self
            .rounds
            .iter()
            .zip(&base.rounds)
            .map(|(own, c)| own / c - 1.0)
            .collect();
        median(ratios)
    }
}

/// A running loop program.
struct Running {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    description: String,
    rounds: Vec<f64>,
}

impl Running {
    fn start(program: &LoopProgram, library: &Path, ids: [&str; 3]) -> Result<Running, String> {
        let mut child = Command::new(&program.program)
            .args(&program.args)
            .args(ids)
            // Where both wrappers look first; the C program is linked against the same file.
            .env("WXFACE_LIBRARY", library)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.program.display()))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut running = Running {
            child,
            stdin,
            stdout,
            description: String::new(),
            rounds: Vec::new(),
        };
        let line = running.line()?;
        match line.strip_prefix("ready ") {
            Some(description) => running.description = description.to_owned(),
            None => return Err(running.failed(&format!("said {line:?} instead of ready"))),
        }
        Ok(running)
    }

    /// One line of output; an error carries the program's stderr.
    fn line(&mut self) -> Result<String, String> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(n) if n > 0 => Ok(line.trim_end().to_owned()),
            Ok(_) => Err(self.failed("exited")),
            Err(e) => Err(self.failed(&format!("unreadable output ({e})"))),
        }
    }

    /// `calls` calls: CPU µs per call.
    fn round(&mut self, calls: usize) -> Result<f64, String> {
        writeln!(self.stdin, "{calls}").map_err(|e| self.failed(&format!("stdin: {e}")))?;
        let line = self.line()?;
        let cpu_us: f64 = line
            .parse()
            .map_err(|_| self.failed(&format!("said {line:?} instead of a CPU time")))?;
        Ok(cpu_us / calls as f64)
    }

    /// `what` happened: stop the program and say so, with the end of its stderr.
    fn failed(&mut self, what: &str) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        let mut tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        tail.reverse();
        if tail.is_empty() {
            format!("{what} (nothing on stderr)")
        } else {
            format!("{what}: {}", tail.join(" | "))
        }
    }

    /// Closes stdin (the program exits at end of input) and reaps it.
    fn finish(mut self) -> Measured {
        drop(self.stdin);
        let _ = self.child.wait();
        Measured {
            description: self.description,
            cpu_us_per_call: median(self.rounds.clone()),
            rounds: self.rounds,
        }
    }
}

/// Runs `programs` on `library` against the simulator (`ids`: the client.json path, the
/// organization and the user to terminate): a warm-up round of `warmup` calls each, then
/// `rounds` rounds of `calls` calls each, in turn. A program that fails drops out with its
/// reason; the others go on.
pub fn run(
    programs: &[LoopProgram],
    library: &Path,
    ids: [&str; 3],
    warmup: usize,
    rounds: usize,
    calls: usize,
) -> Vec<LoopResult> {
    let mut running: Vec<Result<Running, String>> = programs
        .iter()
        .map(|p| Running::start(p, library, ids).and_then(|mut r| r.round(warmup).map(|_| r)))
        .collect();
    for _ in 0..rounds {
        for slot in running.iter_mut() {
            if let Ok(program) = slot {
                match program.round(calls) {
                    Ok(cpu) => program.rounds.push(cpu),
                    Err(e) => *slot = Err(e),
                }
            }
        }
    }
    programs
        .iter()
        .zip(running)
        .map(|(p, r)| LoopResult {
            label: p.label,
            outcome: r.map(Running::finish),
        })
        .collect()
}
