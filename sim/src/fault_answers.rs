//! What each fault answers in place of normal processing (the faults that act after
//! Authorization was verified).

use bytes::Bytes;
use hyper::StatusCode;
use serde_json::json;

use crate::answer::{Answer, Tweak};
use crate::faults::Fault;

/// `DropMidBody`: declared and sent sizes, as documented.
const DROP_MID_BODY_DECLARED: usize = 1000;
const DROP_MID_BODY_SENT: usize = 100;

/// `TruncatedBody`: a body of this size, of which half is sent.
const TRUNCATED_BODY_SIZE: usize = 512;

/// The answer for `fault`, or `None` when the fault does not replace the answer
/// (`Delay` and `DropConnection` act before Authorization is checked).
pub(crate) fn fault_answer(fault: &Fault) -> Option<Answer> {
    let signed_204 = |tweak| Some(Answer::no_content().with_tweak(tweak));
    match fault {
        Fault::BadSignature => signed_204(Tweak::CorruptSignature),
        Fault::ProbeSignature => signed_204(Tweak::ProbeSignature),
        Fault::MissingHeader(name) => signed_204(Tweak::OmitHeader(name.clone())),
        Fault::UnknownSerial => signed_204(Tweak::UnknownSerial),
        Fault::TimestampOffset(seconds) => signed_204(Tweak::TimestampOffset(*seconds)),
        Fault::Status { status, html } => Some(status_answer(*status, *html, &fault.to_string())),
        Fault::DropMidBody => Some(
            Answer::json_bytes(StatusCode::OK, json_of_size(DROP_MID_BODY_DECLARED))
                .cut_after(DROP_MID_BODY_SENT),
        ),
        Fault::TruncatedBody => Some(
            Answer::json_bytes(StatusCode::OK, json_of_size(TRUNCATED_BODY_SIZE))
                .cut_after(TRUNCATED_BODY_SIZE / 2),
        ),
        Fault::OversizedBody(size) => Some(Answer::json_bytes(StatusCode::OK, json_of_size(*size))),
        Fault::OversizedError(size) => Some(Answer::json_bytes(
            StatusCode::INTERNAL_SERVER_ERROR,
            error_of_size(*size),
        )),
        Fault::Delay(_) | Fault::DropConnection => None,
    }
}

/// A JSON document of exactly `size` bytes: `{"padding":"xxx…"}`, or `{}` padded with
/// spaces when `size` is too small for that.
pub(crate) fn json_of_size(size: usize) -> Bytes {
    const HEAD: &[u8] = br#"{"padding":""#;
    const TAIL: &[u8] = br#""}"#;
    if size < HEAD.len() + TAIL.len() {
        let mut doc = b"{}".to_vec();
        doc.resize(size.max(2), b' ');
        return doc.into();
    }
    let mut doc = Vec::with_capacity(size);
    doc.extend_from_slice(HEAD);
    doc.resize(size - TAIL.len(), b'x');
    doc.extend_from_slice(TAIL);
    doc.into()
}

/// `{"code":"SYSTEM_ERROR","message":"xxx…"}` of exactly `size` bytes (at least its
/// shortest form).
fn error_of_size(size: usize) -> Bytes {
    const HEAD: &[u8] = br#"{"code":"SYSTEM_ERROR","message":""#;
    const TAIL: &[u8] = br#""}"#;
    let mut doc = Vec::with_capacity(size.max(HEAD.len() + TAIL.len()));
    doc.extend_from_slice(HEAD);
    doc.resize(size.saturating_sub(TAIL.len()).max(HEAD.len()), b'x');
    doc.extend_from_slice(TAIL);
    doc.into()
}

/// `status:CODE:json` answers the live service's error shape, signed; `status:CODE:html`
/// answers an unsigned HTML page without Request-ID, as a proxy in front would.
fn status_answer(code: u16, html: bool, spec: &str) -> Answer {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if html {
        let title = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        );
        let page = format!(
            "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        );
        return Answer::html(status, page);
    }
    if status == StatusCode::NO_CONTENT {
        return Answer::no_content();
    }
    let (code, message) = api_code(status);
    let detail = json!({ "location": "wxface-sim", "issue": format!("injected fault {spec}") });
    Answer::error(status, code, message, Some(detail))
}

/// The code and message the live service uses for a status.
fn api_code(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("PARAM_ERROR", "parameter error"),
        401 => ("SIGN_ERROR", "signature error"),
        403 => ("NO_AUTH", "no permission for this operation"),
        404 => ("NOT_FOUND", "the resource does not exist"),
        429 => ("FREQUENCY_LIMITED", "too many requests, slow down"),
        502 | 503 => ("SERVICE_UNAVAILABLE", "service unavailable, retry later"),
        _ if status.is_client_error() => ("INVALID_REQUEST", "invalid request"),
        _ => (
            "SYSTEM_ERROR",
            "system error, retry later with the same parameters",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_of_size_is_exact_and_valid() {
        for size in [0, 1, 2, 5, 13, 14, 15, 100, 1000, 2 << 20] {
            let doc = json_of_size(size);
            assert_eq!(doc.len(), size.max(2), "size {size}");
            serde_json::from_slice::<serde_json::Value>(&doc).unwrap();
        }
    }

    #[test]
    fn only_replacing_faults_answer() {
        assert!(fault_answer(&Fault::DropConnection).is_none());
        assert!(fault_answer(&Fault::Delay(std::time::Duration::from_millis(1))).is_none());
        assert!(fault_answer(&Fault::BadSignature).is_some());
        assert_eq!(api_code(StatusCode::BAD_GATEWAY).0, "SERVICE_UNAVAILABLE");
        assert_eq!(api_code(StatusCode::IM_A_TEAPOT).0, "INVALID_REQUEST");
        assert_eq!(
            api_code(StatusCode::INTERNAL_SERVER_ERROR).0,
            "SYSTEM_ERROR"
        );
    }
}
