//! wxface-sim as a separate process, so that getrusage(RUSAGE_SELF) of the benchmark counts
//! the client alone.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use wxface::{Client, Config};

pub struct SimProcess {
    child: Child,
    pub base_url: String,
    pub config_path: PathBuf,
}

impl SimProcess {
    /// Starts `sim --idempotent-terminate --port 0 --state-dir DIR EXTRA…` and waits for its
    /// `wxface-sim listening on https://127.0.0.1:PORT config=PATH` line.
    pub fn start(sim: &Path, state_dir: &Path, extra: &[&str]) -> SimProcess {
        let mut child = Command::new(sim)
            .args(["--idempotent-terminate", "--port", "0", "--state-dir"])
            .arg(state_dir)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", sim.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the simulator's first line");
        let rest = line
            .trim()
            .strip_prefix("wxface-sim listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from wxface-sim: {line:?}"));
        let (url, config) = rest
            .split_once(" config=")
            .unwrap_or_else(|| panic!("unexpected first line from wxface-sim: {line:?}"));
        SimProcess {
            child,
            base_url: url.to_owned(),
            config_path: PathBuf::from(config),
        }
    }

    /// A client configured from this simulator's client.json.
    pub fn client(&self) -> Client {
        let json = std::fs::read_to_string(&self.config_path).expect("read client.json");
        Client::new(Config::from_json(&json).unwrap_or_else(|e| panic!("client.json: {e}")))
            .unwrap_or_else(|e| panic!("client: {e}"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        // SIGTERM to the one process we started, then reap it.
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}
