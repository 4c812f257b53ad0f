//! The simulator's own control API under `/__sim/`: unsigned, answered before any
//! Authorization check, not counted in stats.
//!
//! - `POST /__sim/faults` with `{"fault":"SPEC","count":N}` (count optional: until cleared)
//! - `DELETE /__sim/faults`
//! - `GET /__sim/stats`
//! - `POST /__sim/stats/reset` (also forgets the logged requests)
//! - `GET /__sim/requests`: the last API requests received, ENC fields in plain text
//! - `GET /__sim/platform-certificates`, `POST /__sim/rotate-platform-certificate`,
//!   `POST /__sim/serve-expired-platform-certificate`
//! - `GET /__sim/notifications[?wait=N&timeout_ms=T]`, `DELETE /__sim/notifications`,
//!   `GET|POST /__sim/notifications/config`, `POST /__sim/notifications/build`,
//!   `POST /__sim/notifications/send`
//!
//! Some of these block (waiting for deliveries, delivering, generating a key): the
//! server runs them on a blocking thread.

use std::time::Duration;

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::answer::Answer;
use crate::faults::Fault;
use crate::notification::NotificationOptions;
use crate::query::Query;
use crate::shared::Shared;
use crate::webhook::WebhookUrl;

/// `wait` without `timeout_ms` waits this long; `timeout_ms` may not exceed the maximum.
const DEFAULT_WAIT: Duration = Duration::from_secs(10);
const MAX_WAIT: Duration = Duration::from_secs(300);

const ENDPOINTS: &str = "POST/DELETE /__sim/faults, GET /__sim/stats, POST /__sim/stats/reset, GET /__sim/requests, GET /__sim/platform-certificates, POST /__sim/rotate-platform-certificate, POST /__sim/serve-expired-platform-certificate, GET/DELETE /__sim/notifications, GET/POST /__sim/notifications/config, POST /__sim/notifications/build, POST /__sim/notifications/send";

pub(crate) fn is_control_path(path: &str) -> bool {
    path == "/__sim" || path.starts_with("/__sim/")
}

pub(crate) fn handle(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: &[u8],
) -> Answer {
    match (method, path) {
        (&Method::POST, "/__sim/faults") => match parse_fault_request(body) {
            Ok((fault, count)) => {
                shared.faults.set(fault, count);
                Answer::control(StatusCode::NO_CONTENT, None)
            }
            Err(why) => error(StatusCode::BAD_REQUEST, "PARAM_ERROR", &why),
        },
        (&Method::DELETE, "/__sim/faults") => {
            shared.faults.clear();
            Answer::control(StatusCode::NO_CONTENT, None)
        }
        (&Method::GET, "/__sim/stats") => {
            Answer::control(StatusCode::OK, Some(shared.stats.snapshot().to_json()))
        }
        (&Method::POST, "/__sim/stats/reset") => {
            shared.stats.reset();
            shared.requests.clear();
            Answer::control(StatusCode::NO_CONTENT, None)
        }
        (&Method::GET, "/__sim/requests") => Answer::control(
            StatusCode::OK,
            Some(Value::Array(shared.requests.snapshot())),
        ),
        (&Method::GET, "/__sim/platform-certificates") => {
            let (current, listed) = shared.platform_certificates();
            let listed: Vec<Value> = listed.iter().map(|c| c.to_json()).collect();
            ok(json!({ "current": current.to_json(), "listed": listed }))
        }
        (&Method::POST, "/__sim/rotate-platform-certificate") => {
            match shared.rotate_platform_certificate() {
                Ok(cert) => ok(cert.to_json()),
                Err(e) => error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    &e.to_string(),
                ),
            }
        }
        (&Method::POST, "/__sim/serve-expired-platform-certificate") => {
            ok(shared.serve_expired_platform_certificate().to_json())
        }
        (&Method::GET, "/__sim/notifications") => match wait_request(query) {
            Ok(wait) => notifications(shared, wait),
            Err(why) => bad_request(&why),
        },
        (&Method::DELETE, "/__sim/notifications") => {
            shared.notifier.log().clear();
            Answer::control(StatusCode::NO_CONTENT, None)
        }
        (&Method::GET, "/__sim/notifications/config") => ok(shared.notifier.config().to_json()),
        (&Method::POST, "/__sim/notifications/config") => match configure(shared, body) {
            Ok(()) => ok(shared.notifier.config().to_json()),
            Err(why) => bad_request(&why),
        },
        (&Method::POST, "/__sim/notifications/build") => {
            let built = json_body(body)
                .and_then(|doc| NotificationOptions::from_json(&doc, &[]))
                .and_then(|options| shared.build_notification(&options));
            match built {
                Ok(built) => ok(built.to_json()),
                Err(why) => bad_request(&why),
            }
        }
        (&Method::POST, "/__sim/notifications/send") => match send(shared, body) {
            Ok(delivery) => ok(delivery),
            Err(why) => bad_request(&why),
        },
        _ => error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("no control endpoint {method} {path} ({ENDPOINTS})"),
        ),
    }
}

fn ok(doc: Value) -> Answer {
    Answer::control(StatusCode::OK, Some(doc))
}

fn bad_request(why: &str) -> Answer {
    error(StatusCode::BAD_REQUEST, "PARAM_ERROR", why)
}

/// The body as JSON; an empty body is `null` (every option at its default).
fn json_body(body: &[u8]) -> Result<Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))
}

/// `?wait=N&timeout_ms=T`: wait for N finished deliveries for at most T ms.
fn wait_request(query: Option<&str>) -> Result<Option<(usize, Duration)>, String> {
    let query = Query::parse(query, &["wait", "timeout_ms"]).map_err(|e| e.message)?;
    let number = |name: &str| -> Result<Option<u64>, String> {
        query
            .optional(name)
            .map_err(|e| e.message)?
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| format!("{name} must be a whole number"))
            })
            .transpose()
    };
    let wait = number("wait")?;
    let timeout = number("timeout_ms")?.map(Duration::from_millis);
    if timeout.is_some_and(|t| t > MAX_WAIT) {
        return Err(format!("timeout_ms is at most {}", MAX_WAIT.as_millis()));
    }
    match (wait, timeout) {
        (None, Some(_)) => Err("timeout_ms needs wait".into()),
        (None, None) => Ok(None),
        (Some(n), timeout) => Ok(Some((n as usize, timeout.unwrap_or(DEFAULT_WAIT)))),
    }
}

/// `{"finished","timed_out","deliveries":[…]}`
fn notifications(shared: &Shared, wait: Option<(usize, Duration)>) -> Answer {
    let log = shared.notifier.log();
    let (deliveries, timed_out) = match wait {
        None => (log.snapshot(), false),
        Some((n, timeout)) => match log.wait_finished(n, timeout) {
            Ok(deliveries) => (deliveries, false),
            Err(deliveries) => (deliveries, true),
        },
    };
    let finished = deliveries
        .iter()
        .filter(|d| d.outcome != crate::notifier::DeliveryOutcome::Pending)
        .count();
    let deliveries: Vec<Value> = deliveries.iter().map(|d| d.to_json()).collect();
    ok(json!({
        "finished": finished,
        "timed_out": timed_out,
        "deliveries": deliveries,
    }))
}

/// `{"url": "http://…" | null, "retries": N, "backoff_ms": MS, "timeout_ms": MS}`, each
/// optional: changes what is given.
fn configure(shared: &Shared, body: &[u8]) -> Result<(), String> {
    let doc = json_body(body)?;
    let Some(fields) = doc.as_object() else {
        return Err("body must be a JSON object".into());
    };
    let mut config = shared.notifier.config();
    for (name, value) in fields {
        let number = || {
            value
                .as_u64()
                .ok_or(format!("{name} must be a whole number"))
        };
        match name.as_str() {
            "url" => {
                config.url = match value {
                    Value::Null => None,
                    Value::String(url) => Some(WebhookUrl::parse(url)?),
                    _ => return Err("url must be a string or null".into()),
                }
            }
            "retries" => {
                config.retries = u32::try_from(number()?).map_err(|_| "retries is too large")?;
            }
            "backoff_ms" => config.backoff = Duration::from_millis(number()?),
            "timeout_ms" => match number()? {
                0 => return Err("timeout_ms must be at least 1".into()),
                ms => config.timeout = Duration::from_millis(ms),
            },
            other => {
                return Err(format!(
                    "unknown key {other:?} (expected url, retries, backoff_ms, timeout_ms)"
                ));
            }
        }
    }
    shared.notifier.set_config(config);
    Ok(())
}

/// The build options plus `url`, `retries`, `backoff_ms`; delivers and answers the
/// finished delivery.
fn send(shared: &Shared, body: &[u8]) -> Result<Value, String> {
    let doc = json_body(body)?;
    let options = NotificationOptions::from_json(&doc, &["url", "retries", "backoff_ms"])?;
    let field = |name: &str| doc.get(name).filter(|v| !v.is_null());
    let url = match field("url") {
        None => None,
        Some(url) => Some(url.as_str().ok_or("url must be a string")?),
    };
    let retries = field("retries")
        .map(|n| {
            n.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or("retries must be a whole number")
        })
        .transpose()?;
    let backoff = field("backoff_ms")
        .map(|n| {
            n.as_u64()
                .map(Duration::from_millis)
                .ok_or("backoff_ms must be a whole number")
        })
        .transpose()?;
    shared
        .send_notification(&options, url, retries, backoff)
        .map(|delivery| delivery.to_json())
}

fn error(status: StatusCode, code: &str, message: &str) -> Answer {
    Answer::control(status, Some(json!({ "code": code, "message": message })))
}

/// `{"fault":"SPEC","count":N}`; a missing or null count means until cleared.
fn parse_fault_request(body: &[u8]) -> Result<(Fault, Option<u32>), String> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let spec = doc["fault"]
        .as_str()
        .ok_or("body needs \"fault\": a fault spec string")?;
    let fault = spec.parse::<Fault>().map_err(|e| e.to_string())?;
    let count = match &doc["count"] {
        Value::Null => None,
        n => Some(
            n.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0)
                .ok_or("\"count\" must be a positive integer")?,
        ),
    };
    Ok((fault, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fault_requests() {
        assert_eq!(
            parse_fault_request(br#"{"fault":"status:502:html","count":2}"#),
            Ok((
                Fault::Status {
                    status: 502,
                    html: true
                },
                Some(2)
            ))
        );
        assert_eq!(
            parse_fault_request(br#"{"fault":"unknown_serial"}"#),
            Ok((Fault::UnknownSerial, None))
        );
        assert_eq!(
            parse_fault_request(br#"{"fault":"unknown_serial","count":null}"#),
            Ok((Fault::UnknownSerial, None))
        );
        for (body, needle) in [
            (&b"nope"[..], "not JSON"),
            (br#"{}"#, "needs \"fault\""),
            (br#"{"fault":"zap"}"#, "unknown fault"),
            (br#"{"fault":"bad_signature","count":0}"#, "positive"),
            (br#"{"fault":"bad_signature","count":"1"}"#, "positive"),
        ] {
            let err = parse_fault_request(body).unwrap_err();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn parses_wait_requests() {
        assert_eq!(wait_request(None), Ok(None));
        assert_eq!(wait_request(Some("wait=2")), Ok(Some((2, DEFAULT_WAIT))));
        assert_eq!(
            wait_request(Some("wait=1&timeout_ms=250")),
            Ok(Some((1, Duration::from_millis(250))))
        );
        for (query, needle) in [
            ("timeout_ms=5", "needs wait"),
            ("wait=x", "whole number"),
            ("wait=1&timeout_ms=300001", "at most"),
            ("wiat=1", "unknown query parameter"),
        ] {
            let err = wait_request(Some(query)).unwrap_err();
            assert!(err.contains(needle), "{query}: {err}");
        }
        assert_eq!(json_body(b" \n"), Ok(Value::Null));
        assert!(json_body(b"{").is_err());
    }

    #[test]
    fn recognises_control_paths() {
        assert!(is_control_path("/__sim/stats"));
        assert!(is_control_path("/__sim"));
        assert!(!is_control_path("/__simx"));
        assert!(!is_control_path("/v3/__sim/stats"));
    }
}
