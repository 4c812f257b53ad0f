//! The `Sim` handle: prepares the state dir, binds the socket, runs the server on a
//! background tokio runtime, and gives tests control over faults and stats.

use std::fmt;
use std::io;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

use crate::auth::RequestVerifier;
use crate::faults::{Fault, FaultSlot};
use crate::k12::{ContractState, Directory};
use crate::oaep::FieldDecryptor;
use crate::options::{KeyMode, SimOptions, fresh_temp_dir};
use crate::request_log::RequestLog;
use crate::shared::Shared;
use crate::signer::AnswerSigner;
use crate::state_dir::StateDir;
use crate::stats::{Stats, StatsRecorder};
use crate::sync::lock;
use crate::{keys, server, tls};

/// A running simulator. Dropping it stops the server and closes its connections.
pub struct Sim {
    runtime: Option<Runtime>,
    shared: Arc<Shared>,
    port: u16,
    state_dir: PathBuf,
    /// The state dir was made for this simulator alone: remove it on drop.
    temporary_state_dir: bool,
    client_config: Value,
}

impl Sim {
    /// Prepares the state dir (generating only missing keys), binds 127.0.0.1:`port`,
    /// writes the client configs and starts serving. Returns once the socket is
    /// listening: a client may connect right away.
    pub fn start(opts: SimOptions) -> io::Result<Sim> {
        let temporary_state_dir = opts.state_dir.as_os_str().is_empty();
        let state_dir = if temporary_state_dir {
            fresh_temp_dir()
        } else {
            opts.state_dir.clone()
        };
        let dir = StateDir::open(&state_dir)?;
        let material = dir.prepare()?;
        let directory = match &opts.fixture {
            Some(path) => Directory::load(path)?,
            None => Directory::builtin(),
        };
        let answer_serial = match opts.key_mode {
            KeyMode::PublicKey => material.public_key_id.clone(),
            KeyMode::Certificate => material.platform_serial.clone(),
        };
        let shared = Arc::new(Shared {
            stats: StatsRecorder::default(),
            faults: FaultSlot::default(),
            verifier: RequestVerifier::new(
                keys::MCHID,
                &material.merchant_serial,
                &material.merchant_key_der,
            )?,
            signer: AnswerSigner::new(&material.wechatpay_key_der, answer_serial.clone())?,
            decryptor: FieldDecryptor::new(&material.wechatpay_key_der)?,
            wechatpay_key_id: answer_serial,
            directory: Mutex::new(directory),
            requests: RequestLog::default(),
            idempotent_terminate: opts.idempotent_terminate,
            idle_close_after: opts.idle_close_after,
        });
        let acceptor = tls::acceptor(&material)?;

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("wxface-sim")
            .enable_all()
            .build()?;
        // Bound synchronously so that the port is known and listening before we return.
        let std_listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, opts.port))?;
        std_listener.set_nonblocking(true)?;
        let port = std_listener.local_addr()?.port();
        let listener = {
            let _context = runtime.enter();
            TcpListener::from_std(std_listener)?
        };
        let client_config = dir.write_client_configs(&material, &base_url(port), opts.key_mode)?;
        runtime.spawn(server::accept_loop(listener, acceptor, shared.clone()));

        Ok(Sim {
            runtime: Some(runtime),
            shared,
            port,
            state_dir: dir.root().to_owned(),
            temporary_state_dir,
            client_config,
        })
    }

    /// `https://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        base_url(self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The state dir, as an absolute path.
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// `state_dir/client.json`: a ready wxface config for this simulator's key mode.
    pub fn client_config_path(&self) -> PathBuf {
        self.state_dir.join("client.json")
    }

    /// The `client.json` document this simulator wrote.
    pub fn client_config(&self) -> Value {
        self.client_config.clone()
    }

    /// Injects `fault` into K12 API requests, replacing any fault set before:
    /// `None` = until cleared, `Some(n)` = the next `n` requests.
    pub fn set_fault(&self, fault: Fault, count: Option<u32>) {
        self.shared.faults.set(fault, count);
    }

    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats.snapshot()
    }

    /// Zeroes every counter, `connections_accepted` included, and forgets the logged
    /// requests (as `POST /__sim/stats/reset`).
    pub fn reset_stats(&self) {
        self.shared.stats.reset();
        self.shared.requests.clear();
    }

    /// A user's contract state now, by WeChat user id (`use_id`); `None` for an unknown
    /// organization or user.
    pub fn user_state(&self, org: &str, user: &str) -> Option<ContractState> {
        lock(&self.shared.directory).state(org, user)
    }

    /// A user as query-user would answer now, by merchant user id (`out_user_id`);
    /// `None` for an unknown organization or user.
    pub fn user(&self, org: &str, out_user_id: &str) -> Option<Value> {
        lock(&self.shared.directory)
            .user_by_out(org, out_user_id)
            .map(|user| user.query_json())
    }

    /// A contract as query-contract would answer now; `None` if there is no such contract.
    pub fn contract(&self, contract_id: &str) -> Option<Value> {
        lock(&self.shared.directory).contract_json(contract_id)
    }

    /// The recorded deduction with this out_trade_no, as apply-for-deduction answered it.
    pub fn deduction(&self, out_trade_no: &str) -> Option<Value> {
        lock(&self.shared.directory)
            .deductions
            .get(out_trade_no)
            .map(|d| d.answer.clone())
    }

    /// The last API requests received (at most 1000, oldest first), as
    /// `GET /__sim/requests` shows them: `{"method","target","wechatpay_serial","body"}`
    /// with every encrypted field of `body` in plain text.
    pub fn requests(&self) -> Vec<Value> {
        self.shared.requests.snapshot()
    }
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sim")
            .field("base_url", &self.base_url())
            .field("state_dir", &self.state_dir)
            .finish_non_exhaustive()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let Some(runtime) = self.runtime.take() else {
            return;
        };
        // Waiting for the workers is not allowed from inside another runtime (a
        // `#[tokio::test]` holding a Sim); there the tasks are dropped without waiting.
        if tokio::runtime::Handle::try_current().is_ok() {
            runtime.shutdown_background();
        } else {
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
        if self.temporary_state_dir {
            // Best effort: a leftover temp dir is harmless.
            let _ = std::fs::remove_dir_all(&self.state_dir);
        }
    }
}

fn base_url(port: u16) -> String {
    format!("https://127.0.0.1:{port}")
}
