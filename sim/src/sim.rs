//! The `Sim` handle: prepares the state dir, binds the socket, runs the server on a
//! background tokio runtime, and gives tests control over faults and stats.

use std::fmt;
use std::io;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

use crate::auth::RequestVerifier;
use crate::certificates::{PlatformCertificate, PlatformCertificates};
use crate::faults::{Fault, FaultSlot};
use crate::k12::{ContractState, Directory};
use crate::keyring::KeyRing;
use crate::notification::{BuiltNotification, NotificationOptions};
use crate::notifier::{Delivery, Notifier, NotifyConfig};
use crate::options::{SimOptions, fresh_temp_dir};
use crate::request_log::RequestLog;
use crate::shared::Shared;
use crate::state_dir::{ConfigChoices, StateDir};
use crate::stats::{Stats, StatsRecorder};
use crate::sync::lock;
use crate::webhook::{self, WebhookUrl};
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
        opts.validate()
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
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
        let certificates = PlatformCertificates::new(
            dir.root(),
            &material.ca_key,
            &material.wechatpay_key_der,
            opts.expired_platform_certificate,
        )?;
        let keys = KeyRing::new(
            opts.key_mode,
            &material.wechatpay_key_der,
            material.public_key_id.clone(),
            certificates,
        )?;
        let notify_url = opts
            .notify_url
            .as_deref()
            .map(WebhookUrl::parse)
            .transpose()
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
        let notifier = Notifier::new(
            NotifyConfig {
                url: notify_url,
                retries: opts.notify_retries,
                backoff: opts.notify_backoff,
                timeout: opts.notify_timeout,
            },
            webhook::tls_config(&material.ca_der)?,
        )?;
        let shared = Arc::new(Shared {
            stats: StatsRecorder::default(),
            faults: FaultSlot::default(),
            verifier: RequestVerifier::new(
                keys::MCHID,
                &material.merchant_serial,
                &material.merchant_key_der,
            )?,
            keys,
            apiv3_key: material.apiv3_key.clone(),
            notifier,
            directory: Mutex::new(directory),
            requests: RequestLog::default(),
            idempotent_terminate: opts.idempotent_terminate,
            idle_close_after: opts.idle_close_after,
            rotate_after: opts.rotate_platform_certificate_after,
            api_requests: AtomicU64::new(0),
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
        let choices = ConfigChoices {
            mode: opts.key_mode,
            list_expired_certificate: opts.expired_platform_certificate,
        };
        let client_config = dir.write_client_configs(&material, &base_url(port), &choices)?;
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

    /// The merchant's APIv3 key (32 alphanumeric characters, kept in the state dir's
    /// `apiv3_key.txt`): what certificates and notifications are sealed with, and the
    /// `apiv3_key` of every client config.
    pub fn apiv3_key(&self) -> &str {
        &self.shared.apiv3_key
    }

    /// `state_dir/client-auto.json`: a config without any WeChat Pay key, with the APIv3
    /// key and `auto_platform_certificates` (for a simulator in certificate mode).
    pub fn client_auto_config_path(&self) -> PathBuf {
        self.state_dir.join("client-auto.json")
    }

    /// Platform certificate downloads answered since start or the last stats reset (as
    /// `certificate_downloads` in [`Sim::stats`]).
    pub fn certificate_downloads(&self) -> u64 {
        self.shared.stats.snapshot().certificate_downloads
    }

    /// The platform certificate that signs certificate-mode answers now.
    pub fn current_platform_certificate(&self) -> PlatformCertificate {
        self.shared.platform_certificates().0
    }

    /// What `GET /v3/certificates` lists: the current certificate and the one before
    /// it, newest first.
    pub fn platform_certificates(&self) -> Vec<PlatformCertificate> {
        self.shared.platform_certificates().1
    }

    /// A new WeChat Pay key and platform certificate (new serial, valid from yesterday
    /// for five years) becomes current; the previous one stays listed. Blocks while the
    /// RSA key is generated.
    pub fn rotate_platform_certificate(&self) -> io::Result<PlatformCertificate> {
        self.shared.rotate_platform_certificate()
    }

    /// Makes the state dir's expired platform certificate (valid 2021-01-01 to
    /// 2024-01-01, the same key as `wechatpay_platform_cert.pem`) current.
    pub fn serve_expired_platform_certificate(&self) -> PlatformCertificate {
        self.shared.serve_expired_platform_certificate()
    }

    /// A signed notification, not sent (as `POST /__sim/notifications/build`); `Err`
    /// says why the options were refused.
    pub fn build_notification(
        &self,
        options: &NotificationOptions,
    ) -> Result<BuiltNotification, String> {
        self.shared.build_notification(options)
    }

    /// Builds a notification and delivers it to `url` (default: the notify URL), with
    /// the configured retries, on this thread; returns the finished delivery (as
    /// `POST /__sim/notifications/send`).
    pub fn send_notification(
        &self,
        options: &NotificationOptions,
        url: Option<&str>,
    ) -> Result<Delivery, String> {
        self.shared.send_notification(options, url, None, None)
    }

    /// Where terminated contracts are notified from now on; `None` stops it.
    pub fn set_notify_url(&self, url: Option<&str>) -> Result<(), String> {
        let mut config = self.shared.notifier.config();
        config.url = url.map(WebhookUrl::parse).transpose()?;
        self.shared.notifier.set_config(config);
        Ok(())
    }

    /// Every delivery in the log (at most 1000, oldest first), finished or not.
    pub fn notifications(&self) -> Vec<Delivery> {
        self.shared.notifier.log().snapshot()
    }

    /// Blocks until `n` deliveries have finished (delivered or failed) since the log was
    /// last cleared: `Ok` with the log, or `Err` with it when `timeout` passes first.
    pub fn wait_for_notifications(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Delivery>, Vec<Delivery>> {
        self.shared.notifier.log().wait_finished(n, timeout)
    }

    /// Forgets every delivery (as `DELETE /__sim/notifications`).
    pub fn clear_notifications(&self) {
        self.shared.notifier.log().clear();
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
        self.shared.notifier.stop();
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
