//! Command-line parsing for the `wxface-sim` binary.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use wxface_sim::{Fault, SimOptions};

pub(crate) const USAGE: &str = "\
usage: wxface-sim [--state-dir DIR] [--port N] [--key-mode public-key|certificate]
                  [--fixture FILE] [--idle-close-secs N] [--idempotent-terminate]
                  [--fault SPEC [--fault-count N]]
                  [--rotate-platform-certificate-after N] [--expired-platform-certificate]
                  [--notify-url URL [--notify-retries N] [--notify-backoff-ms MS]
                   [--notify-timeout-ms MS]]
                  [-- CMD ARGS...]
       wxface-sim --test-ids

Serves a simulated WeChat Pay APIv3 (the K12 offline face-pay API, platform certificate
download) on https://127.0.0.1:PORT
and prints one line: `wxface-sim listening on URL config=DIR/client.json`.
Without CMD it serves until SIGINT/SIGTERM. With `-- CMD ARGS...` it runs CMD with
WXFACE_SIM_URL, WXFACE_SIM_CONFIG and WXFACE_SIM_STATE_DIR set, then exits with CMD's
exit code. `--test-ids` prints the built-in fixture's named ids (JSON) and exits.
With --notify-url, terminating a contract POSTs a signed FACEPAY.USER_STATE_CHANGE
notification there (retried --notify-retries times, default 3, after a pause of
--notify-backoff-ms, default 200, doubled each time).

fault SPEC: bad_signature, probe_signature, missing_header:NAME, unknown_serial,
  timestamp_offset:SECS, status:CODE:html|json, delay:MS, drop_connection,
  drop_mid_body, truncated_body, oversized_body:BYTES, oversized_error:BYTES
";

#[derive(Debug)]
pub(crate) struct Cli {
    pub(crate) options: SimOptions,
    pub(crate) fault: Option<(Fault, Option<u32>)>,
    /// `CMD ARGS...` after `--`; empty to serve until a signal.
    pub(crate) command: Vec<OsString>,
}

#[derive(Debug)]
pub(crate) enum Parsed {
    Run(Box<Cli>),
    Help,
    TestIds,
}

pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, String> {
    let mut args = args.into_iter();
    let mut options = SimOptions::default();
    let mut fault = None;
    let mut fault_count = None;
    let mut command = Vec::new();
    while let Some(arg) = args.next() {
        let flag = arg
            .to_str()
            .ok_or_else(|| format!("unexpected argument {arg:?}"))?
            .to_owned();
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--" => {
                command.extend(args.by_ref());
                if command.is_empty() {
                    return Err("`--` must be followed by a command".into());
                }
            }
            "-h" | "--help" => return Ok(Parsed::Help),
            "--test-ids" => return Ok(Parsed::TestIds),
            "--state-dir" => options.state_dir = PathBuf::from(value()?),
            "--fixture" => options.fixture = Some(PathBuf::from(value()?)),
            "--port" => options.port = number(&flag, value()?)?,
            "--key-mode" => options.key_mode = text(&flag, value()?)?.parse()?,
            "--idle-close-secs" => {
                let secs: u64 = number(&flag, value()?)?;
                options.idle_close_after = (secs > 0).then(|| Duration::from_secs(secs));
            }
            "--idempotent-terminate" => options.idempotent_terminate = true,
            "--rotate-platform-certificate-after" => {
                options.rotate_platform_certificate_after = Some(number(&flag, value()?)?);
            }
            "--expired-platform-certificate" => options.expired_platform_certificate = true,
            "--notify-url" => options.notify_url = Some(text(&flag, value()?)?),
            "--notify-retries" => options.notify_retries = number(&flag, value()?)?,
            "--notify-backoff-ms" => {
                options.notify_backoff = Duration::from_millis(number(&flag, value()?)?);
            }
            "--notify-timeout-ms" => {
                let ms: u64 = number(&flag, value()?)?;
                if ms == 0 {
                    return Err("--notify-timeout-ms must be at least 1".into());
                }
                options.notify_timeout = Duration::from_millis(ms);
            }
            "--fault" => {
                let spec = text(&flag, value()?)?;
                fault = Some(spec.parse::<Fault>().map_err(|e| e.to_string())?);
            }
            "--fault-count" => {
                let n: u32 = number(&flag, value()?)?;
                if n == 0 {
                    return Err("--fault-count must be at least 1".into());
                }
                fault_count = Some(n);
            }
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    if fault.is_none() && fault_count.is_some() {
        return Err("--fault-count needs --fault".into());
    }
    options.validate()?;
    Ok(Parsed::Run(Box::new(Cli {
        options,
        fault: fault.map(|f| (f, fault_count)),
        command,
    })))
}

fn text(flag: &str, value: OsString) -> Result<String, String> {
    value
        .into_string()
        .map_err(|v| format!("{flag}: {v:?} is not UTF-8"))
}

fn number<T: std::str::FromStr>(flag: &str, value: OsString) -> Result<T, String> {
    let text = text(flag, value)?;
    text.parse()
        .map_err(|_| format!("{flag}: {text:?} is not a valid number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxface_sim::KeyMode;

    fn run(args: &[&str]) -> Result<Cli, String> {
        match parse(args.iter().map(OsString::from))? {
            Parsed::Run(cli) => Ok(*cli),
            Parsed::Help => Err("help".into()),
            Parsed::TestIds => Err("test ids".into()),
        }
    }

    #[test]
    fn parses_every_flag() {
        let cli = run(&[
            "--state-dir",
            "/tmp/s",
            "--port",
            "8443",
            "--key-mode",
            "certificate",
            "--fixture",
            "f.json",
            "--idle-close-secs",
            "8",
            "--idempotent-terminate",
            "--rotate-platform-certificate-after",
            "5",
            "--expired-platform-certificate",
            "--notify-url",
            "http://127.0.0.1:9/notify",
            "--notify-retries",
            "1",
            "--notify-backoff-ms",
            "10",
            "--notify-timeout-ms",
            "250",
            "--fault",
            "status:502:html",
            "--fault-count",
            "2",
            "--",
            "make",
            "demo",
        ])
        .unwrap();
        assert_eq!(cli.options.state_dir, PathBuf::from("/tmp/s"));
        assert_eq!(cli.options.port, 8443);
        assert_eq!(cli.options.key_mode, KeyMode::Certificate);
        assert_eq!(cli.options.fixture, Some(PathBuf::from("f.json")));
        assert_eq!(cli.options.idle_close_after, Some(Duration::from_secs(8)));
        assert!(cli.options.idempotent_terminate);
        assert_eq!(cli.options.rotate_platform_certificate_after, Some(5));
        assert!(cli.options.expired_platform_certificate);
        assert_eq!(
            cli.options.notify_url.as_deref(),
            Some("http://127.0.0.1:9/notify")
        );
        assert_eq!(cli.options.notify_retries, 1);
        assert_eq!(cli.options.notify_backoff, Duration::from_millis(10));
        assert_eq!(cli.options.notify_timeout, Duration::from_millis(250));
        assert_eq!(
            cli.fault,
            Some((
                Fault::Status {
                    status: 502,
                    html: true
                },
                Some(2)
            ))
        );
        assert_eq!(
            cli.command,
            vec![OsString::from("make"), OsString::from("demo")]
        );
    }

    #[test]
    fn defaults_and_errors() {
        let cli = run(&[]).unwrap();
        assert_eq!(cli.options.port, 0);
        assert!(cli.command.is_empty());
        assert!(cli.fault.is_none());
        assert!(matches!(
            parse([OsString::from("--help")]),
            Ok(Parsed::Help)
        ));
        for (args, needle) in [
            (&["--port"][..], "needs a value"),
            (&["--port", "x"], "not a valid number"),
            (&["--key-mode", "rsa"], "unknown key mode"),
            (&["--fault", "nope"], "unknown fault"),
            (&["--fault-count", "2"], "needs --fault"),
            (
                &["--fault", "bad_signature", "--fault-count", "0"],
                "at least 1",
            ),
            (&["--"], "followed by a command"),
            (&["--notify-url", "mailto:x"], "http:// or https://"),
            (&["--notify-timeout-ms", "0"], "at least 1"),
            (&["--rotate-platform-certificate-after", "0"], "at least 1"),
            (&["--bogus"], "unknown argument"),
        ] {
            let err = run(args).unwrap_err();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }
}
