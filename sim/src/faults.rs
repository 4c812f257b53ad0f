//! Injected faults: what they are, their spec strings, and the slot that holds the
//! active one.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use crate::sync::lock;

/// A misbehaviour the simulator shows on K12 API requests (never on `/__sim/*`).
///
/// Faults replace normal processing (the user's contract state does not change), and
/// apply only after the request's Authorization has been verified — except
/// [`Fault::DropConnection`] and [`Fault::Delay`], which apply to any API request.
///
/// The spec strings accepted by [`Fault::from_str`] (and printed by `Display`) are:
/// `bad_signature`, `probe_signature`, `missing_header:NAME`, `unknown_serial`,
/// `timestamp_offset:SECS`, `status:CODE:html|json`, `delay:MS`, `drop_connection`,
/// `drop_mid_body`, `truncated_body`, `oversized_body:BYTES`, `oversized_error:BYTES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// A 2xx answer, signed, then its signature bytes corrupted.
    BadSignature,
    /// `Wechatpay-Signature` = `WECHATPAY/SIGNTEST/` + base64 junk (the live probe).
    ProbeSignature,
    /// Omit this header (e.g. `Wechatpay-Nonce`) from an otherwise valid 2xx answer.
    MissingHeader(String),
    /// `Wechatpay-Serial` names a key no client has; the answer is otherwise validly signed.
    UnknownSerial,
    /// `Wechatpay-Timestamp` = now + this many seconds, and signed over that value.
    TimestampOffset(i64),
    /// Answer this status: a signed JSON `{"code","message","detail"}` error, or (html)
    /// an unsigned HTML page like a proxy sends.
    Status { status: u16, html: bool },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Read the request, then close the connection without any status line.
    DropConnection,
    /// A signed 200 declaring `Content-Length: 1000`, 100 bytes of JSON, then close.
    DropMidBody,
    /// A signed 200 whose `Content-Length` exceeds the bytes sent (half the body), then close.
    TruncatedBody,
    /// A validly signed 200 whose JSON body is this many bytes long.
    OversizedBody(usize),
    /// A signed `500 SYSTEM_ERROR` whose JSON body is this many bytes long.
    OversizedError(usize),
}

/// Largest `oversized_body` size: the body is built in memory.
const MAX_OVERSIZED_BODY: usize = 256 << 20;

/// Why a fault spec string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultParseError(String);

impl fmt::Display for FaultParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FaultParseError {}

impl FromStr for Fault {
    type Err = FaultParseError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let err = |why: &str| FaultParseError(format!("fault spec {spec:?}: {why}"));
        let (name, arg) = match spec.split_once(':') {
            Some((name, arg)) => (name, Some(arg)),
            None => (spec, None),
        };
        let need_arg = || {
            arg.filter(|a| !a.is_empty())
                .ok_or_else(|| err("needs an argument after ':'"))
        };
        let no_arg = |fault: Fault| match arg {
            None => Ok(fault),
            Some(_) => Err(err("takes no argument")),
        };
        match name {
            "bad_signature" => no_arg(Fault::BadSignature),
            "probe_signature" => no_arg(Fault::ProbeSignature),
            "unknown_serial" => no_arg(Fault::UnknownSerial),
            "drop_connection" => no_arg(Fault::DropConnection),
            "drop_mid_body" => no_arg(Fault::DropMidBody),
            "truncated_body" => no_arg(Fault::TruncatedBody),
            "missing_header" => {
                let header = need_arg()?;
                if hyper::header::HeaderName::from_bytes(header.as_bytes()).is_err() {
                    return Err(err("not a valid header name"));
                }
                Ok(Fault::MissingHeader(header.to_owned()))
            }
            "timestamp_offset" => need_arg()?
                .parse()
                .map(Fault::TimestampOffset)
                .map_err(|_| err("offset must be whole seconds, e.g. -400")),
            "delay" => need_arg()?
                .parse()
                .map(|ms| Fault::Delay(Duration::from_millis(ms)))
                .map_err(|_| err("delay must be milliseconds, e.g. 3000")),
            "oversized_body" | "oversized_error" => match need_arg()?.parse() {
                Ok(n) if n <= MAX_OVERSIZED_BODY && name == "oversized_body" => {
                    Ok(Fault::OversizedBody(n))
                }
                Ok(n) if n <= MAX_OVERSIZED_BODY => Ok(Fault::OversizedError(n)),
                _ => Err(err(
                    "size must be a byte count up to 268435456, e.g. 2097152",
                )),
            },
            "status" => parse_status(need_arg()?).map_err(&err),
            _ => Err(err("unknown fault")),
        }
    }
}

/// `CODE`, `CODE:json` or `CODE:html`.
fn parse_status(arg: &str) -> Result<Fault, &'static str> {
    let (code, kind) = arg.split_once(':').unwrap_or((arg, "json"));
    let html = match kind {
        "json" => false,
        "html" => true,
        _ => return Err("body kind must be json or html"),
    };
    match code.parse::<u16>() {
        Ok(status) if (200..=599).contains(&status) => Ok(Fault::Status { status, html }),
        _ => Err("status must be a number from 200 to 599"),
    }
}

impl fmt::Display for Fault {
    /// The spec string, so that `fault.to_string().parse()` gives the fault back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::BadSignature => f.write_str("bad_signature"),
            Fault::ProbeSignature => f.write_str("probe_signature"),
            Fault::MissingHeader(h) => write!(f, "missing_header:{h}"),
            Fault::UnknownSerial => f.write_str("unknown_serial"),
            Fault::TimestampOffset(s) => write!(f, "timestamp_offset:{s}"),
            Fault::Status { status, html } => {
                write!(f, "status:{status}:{}", if *html { "html" } else { "json" })
            }
            Fault::Delay(d) => write!(f, "delay:{}", d.as_millis()),
            Fault::DropConnection => f.write_str("drop_connection"),
            Fault::DropMidBody => f.write_str("drop_mid_body"),
            Fault::TruncatedBody => f.write_str("truncated_body"),
            Fault::OversizedBody(n) => write!(f, "oversized_body:{n}"),
            Fault::OversizedError(n) => write!(f, "oversized_error:{n}"),
        }
    }
}

/// When in a request's processing a fault is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// As soon as the request head arrives, before Authorization is checked.
    BeforeAuth,
    /// After Authorization has been verified, in place of normal processing.
    AfterAuth,
}

impl Fault {
    fn phase(&self) -> Phase {
        match self {
            Fault::DropConnection | Fault::Delay(_) => Phase::BeforeAuth,
            _ => Phase::AfterAuth,
        }
    }
}

/// The one active fault. Setting a fault replaces the previous one, so "the next n
/// requests" means exactly that whatever was set before.
#[derive(Default)]
pub(crate) struct FaultSlot {
    active: Mutex<Option<ActiveFault>>,
}

struct ActiveFault {
    fault: Fault,
    /// `None` = until cleared.
    remaining: Option<u32>,
}

impl FaultSlot {
    pub(crate) fn set(&self, fault: Fault, count: Option<u32>) {
        *lock(&self.active) = match count {
            Some(0) => None,
            remaining => Some(ActiveFault { fault, remaining }),
        };
    }

    pub(crate) fn clear(&self) {
        *lock(&self.active) = None;
    }

    /// The active fault if it belongs to this phase, using up one of its count.
    pub(crate) fn take(&self, phase: Phase) -> Option<Fault> {
        let mut active = lock(&self.active);
        let current = active.as_mut()?;
        if current.fault.phase() != phase {
            return None;
        }
        let fault = current.fault.clone();
        if let Some(n) = current.remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                *active = None;
            }
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_spec() {
        let cases = [
            ("bad_signature", Fault::BadSignature),
            ("probe_signature", Fault::ProbeSignature),
            (
                "missing_header:Wechatpay-Nonce",
                Fault::MissingHeader("Wechatpay-Nonce".into()),
            ),
            ("unknown_serial", Fault::UnknownSerial),
            ("timestamp_offset:-400", Fault::TimestampOffset(-400)),
            (
                "status:502:html",
                Fault::Status {
                    status: 502,
                    html: true,
                },
            ),
            (
                "status:404:json",
                Fault::Status {
                    status: 404,
                    html: false,
                },
            ),
            ("delay:3000", Fault::Delay(Duration::from_millis(3000))),
            ("drop_connection", Fault::DropConnection),
            ("drop_mid_body", Fault::DropMidBody),
            ("truncated_body", Fault::TruncatedBody),
            ("oversized_body:2097152", Fault::OversizedBody(2_097_152)),
            ("oversized_error:2097152", Fault::OversizedError(2_097_152)),
        ];
        for (spec, fault) in cases {
            assert_eq!(spec.parse::<Fault>(), Ok(fault.clone()), "{spec}");
            assert_eq!(fault.to_string(), spec);
        }
        assert_eq!(
            "status:500".parse::<Fault>(),
            Ok(Fault::Status {
                status: 500,
                html: false
            })
        );
    }

    #[test]
    fn refuses_bad_specs() {
        for spec in [
            "",
            "nope",
            "bad_signature:1",
            "missing_header",
            "missing_header:",
            "missing_header:bad name",
            "timestamp_offset:soon",
            "status:99",
            "status:600:json",
            "status:502:xml",
            "delay:-1",
            "oversized_body:big",
            "oversized_body:268435457",
        ] {
            let e = spec.parse::<Fault>().unwrap_err();
            assert!(e.to_string().contains(&format!("{spec:?}")), "{e}");
        }
    }

    #[test]
    fn slot_counts_down_and_respects_phase() {
        let slot = FaultSlot::default();
        slot.set(Fault::BadSignature, Some(2));
        assert_eq!(slot.take(Phase::BeforeAuth), None);
        assert_eq!(slot.take(Phase::AfterAuth), Some(Fault::BadSignature));
        assert_eq!(slot.take(Phase::AfterAuth), Some(Fault::BadSignature));
        assert_eq!(slot.take(Phase::AfterAuth), None);

        slot.set(Fault::DropConnection, None);
        for _ in 0..3 {
            assert_eq!(slot.take(Phase::AfterAuth), None);
            assert_eq!(slot.take(Phase::BeforeAuth), Some(Fault::DropConnection));
        }
        slot.set(Fault::UnknownSerial, Some(1));
        assert_eq!(slot.take(Phase::BeforeAuth), None, "replaced, not queued");
        slot.clear();
        assert_eq!(slot.take(Phase::AfterAuth), None);
    }
}
