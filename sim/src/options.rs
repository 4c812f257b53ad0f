//! What a caller can choose when starting a simulator.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Which WeChat Pay identity signs the simulator's answers (and so which kind of
/// verification key `client.json` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyMode {
    /// The current scheme: a WeChat Pay public key with its id `PUB_KEY_ID_…`.
    #[default]
    PublicKey,
    /// The older scheme: a platform certificate, named by its serial number.
    Certificate,
}

impl FromStr for KeyMode {
    type Err = String;

    /// Parses the command-line spelling: `public-key` or `certificate`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "public-key" => Ok(KeyMode::PublicKey),
            "certificate" => Ok(KeyMode::Certificate),
            other => Err(format!(
                "unknown key mode {other:?} (expected public-key or certificate)"
            )),
        }
    }
}

/// Options for [`crate::Sim::start`].
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Where keys, certificates and `client.json` live. Created if missing; keys found
    /// there are reused so that a restarted simulator keeps its identity. Empty (the
    /// default): a fresh directory under the system temp dir, removed when the `Sim` drops.
    pub state_dir: PathBuf,
    /// Which WeChat Pay identity signs answers. Default: [`KeyMode::PublicKey`].
    pub key_mode: KeyMode,
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Close a connection that has had no request in flight for this long (like the live
    /// service's `Keep-Alive: timeout=8`). `None` keeps idle connections open.
    pub idle_close_after: Option<Duration>,
    /// Terminating an already terminated user answers 204 again instead of 400
    /// (lets benchmarks repeat the same call).
    pub idempotent_terminate: bool,
    /// Fixture file with organizations and users; `None` uses the built-in one
    /// (the same document as `sim/fixtures/k12.json`).
    pub fixture: Option<PathBuf>,
    /// Rotate the platform certificate once, after this many API requests: request N+1
    /// is answered (in certificate mode) by a new key and serial. `None`: never by itself.
    pub rotate_platform_certificate_after: Option<u64>,
    /// Start with the state dir's expired platform certificate current: certificate-mode
    /// answers and notifications are signed by it, and the configs list it too.
    pub expired_platform_certificate: bool,
    /// `http://` or `https://` URL that notifications are POSTed to (a terminated
    /// contract sends `FACEPAY.USER_STATE_CHANGE`). `None`: no automatic notifications.
    pub notify_url: Option<String>,
    /// Attempts after the first when a delivery gets no 2xx answer. Default 3.
    pub notify_retries: u32,
    /// Pause before the first retry, doubled before each further one. Default 200 ms.
    pub notify_backoff: Duration,
    /// Connect and read/write timeout of each delivery attempt. Default 5 s.
    pub notify_timeout: Duration,
}

impl SimOptions {
    /// What [`crate::Sim::start`] would refuse before touching anything (the command
    /// line checks it to exit with status 2).
    pub fn validate(&self) -> Result<(), String> {
        if let Some(url) = &self.notify_url {
            crate::webhook::WebhookUrl::parse(url)?;
        }
        if self.rotate_platform_certificate_after == Some(0) {
            return Err("rotate the platform certificate after at least 1 request".into());
        }
        Ok(())
    }
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            state_dir: PathBuf::new(),
            key_mode: KeyMode::PublicKey,
            port: 0,
            idle_close_after: None,
            idempotent_terminate: false,
            fixture: None,
            rotate_platform_certificate_after: None,
            expired_platform_certificate: false,
            notify_url: None,
            notify_retries: 3,
            notify_backoff: Duration::from_millis(200),
            notify_timeout: Duration::from_secs(5),
        }
    }
}

/// A path under the system temp dir that no other simulator in this or another process
/// uses (pid + time + a per-process counter). The directory itself is created at start.
/// A directory name under the system temp dir that no other simulator uses.
pub(crate) fn fresh_temp_dir() -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("wxface-sim-{}-{nanos}-{n}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_ask_for_a_temporary_state_dir() {
        let options = SimOptions::default();
        assert_eq!(options.state_dir, PathBuf::new());
        assert_eq!(options.key_mode, KeyMode::PublicKey);
        assert_eq!(options.port, 0);
        assert_eq!(options.notify_retries, 3);
        assert_eq!(options.notify_backoff, Duration::from_millis(200));
        assert_eq!(options.validate(), Ok(()));
        let (a, b) = (fresh_temp_dir(), fresh_temp_dir());
        assert_ne!(a, b);
        assert!(a.starts_with(std::env::temp_dir()));
    }

    #[test]
    fn validate_refuses_what_start_would() {
        let bad_url = SimOptions {
            notify_url: Some("ftp://x".into()),
            ..SimOptions::default()
        };
        assert!(bad_url.validate().unwrap_err().contains("http://"));
        let never = SimOptions {
            rotate_platform_certificate_after: Some(0),
            ..SimOptions::default()
        };
        assert!(never.validate().is_err());
    }

    #[test]
    fn key_mode_parses_cli_spelling() {
        assert_eq!("public-key".parse::<KeyMode>(), Ok(KeyMode::PublicKey));
        assert_eq!("certificate".parse::<KeyMode>(), Ok(KeyMode::Certificate));
        assert!("cert".parse::<KeyMode>().is_err());
    }
}
