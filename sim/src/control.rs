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
//!
//! Rotation blocks while a key is generated: the server runs control requests on a
//! blocking thread.

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::answer::Answer;
use crate::faults::Fault;
use crate::shared::Shared;

const ENDPOINTS: &str = "POST/DELETE /__sim/faults, GET /__sim/stats, POST /__sim/stats/reset, GET /__sim/requests, GET /__sim/platform-certificates, POST /__sim/rotate-platform-certificate, POST /__sim/serve-expired-platform-certificate";

pub(crate) fn is_control_path(path: &str) -> bool {
    path == "/__sim" || path.starts_with("/__sim/")
}

pub(crate) fn handle(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Answer {
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
    fn recognises_control_paths() {
        assert!(is_control_path("/__sim/stats"));
        assert!(is_control_path("/__sim"));
        assert!(!is_control_path("/__simx"));
        assert!(!is_control_path("/v3/__sim/stats"));
    }
}
