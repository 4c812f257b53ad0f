//! Entry points for wxface's own property tests (`tests/hostile.rs`) and fuzz targets
//! (`fuzz/`). Not part of the API: hidden from the docs, may change at any time.
//!
//! They reach the parsers that see untrusted input — the configuration document, path ids,
//! the signature headers of a response and the body of an error response — and each `entry::*`
//! function checks the documented outcome, panicking when it is not met, so that a fuzzer
//! and the committed corpus test find the same defects.

use ureq::http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, ErrorKind};
use crate::keys::KeyStore;
use crate::transport::RawResponse;

pub use crate::config::Config;

/// Validates and percent-encodes one path id, as every operation does.
pub fn encode_path_id(name: &str, id: &str) -> Result<String, Error> {
    crate::path_id::encode_path_id(name, id)
}

/// The WeChat Pay verification keys a client holds.
pub struct ResponseKeys(KeyStore);

impl ResponseKeys {
    /// One WeChat Pay public key (SPKI PEM) under its id.
    pub fn public_key(id: &str, pem: &[u8]) -> Result<Self, Error> {
        let mut store = KeyStore::default();
        store.add_public_key("wechatpay_public_key_pem", id, pem)?;
        Ok(ResponseKeys(store))
    }
}

/// Verifies a response's signature headers as the client does. Header names are
/// case-insensitive; the first one of a name counts (as with an HTTP header map).
pub fn verify_response(
    keys: &ResponseKeys,
    headers: &[(&str, &str)],
    body: &[u8],
    now: i64,
) -> Result<(), Error> {
    let lookup = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    crate::verify::verify_response(&keys.0, lookup, body, now)
}

/// The API error for a non-2xx response, as the client reports it. Headers that could not
/// come off the wire (invalid names or values) are left out.
pub fn api_error(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Error {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            map.append(name, value);
        }
    }
    let response = RawResponse {
        status,
        headers: map,
        body: body.to_vec(),
        body_cut: false,
    };
    response.annotate(crate::api_error::api_error(status, &response.body, false))
}

/// Fuzz entries over raw bytes: each runs one parser and panics if the outcome breaks its
/// documented contract.
pub mod entry {
    use super::*;

    /// Errors are one non-empty line of the expected kind.
    fn check_error(error: &Error, kind: ErrorKind) {
        assert_eq!(error.kind(), kind, "{error}");
        assert!(!error.message().is_empty());
        assert!(!error.message().contains(['\n', '\r']), "{error:?}");
    }

    /// The configuration document: parses, or fails with `WXFACE_ERR_CONFIG`.
    pub fn config_json(data: &[u8]) {
        let Ok(text) = std::str::from_utf8(data) else {
            return; // the C layer refuses non-UTF-8 before parsing (tested separately)
        };
        if let Err(error) = Config::from_json(text) {
            check_error(&error, ErrorKind::Config);
        }
    }

    /// The contract's rule for a path id, written independently of `path_id.rs`.
    pub fn path_id_is_valid(id: &[u8]) -> bool {
        (1..=256).contains(&id.len())
            && id != b"."
            && id != b".."
            && id
                .iter()
                .all(|b| (0x21..=0x7E).contains(b) && !b"/?#%\\".contains(b))
    }

    /// Path ids: accepted exactly when the contract allows them; an accepted id encodes to
    /// unreserved characters and `%XX` (uppercase) that decode back to the id.
    pub fn path_id(data: &[u8]) {
        let Ok(id) = std::str::from_utf8(data) else {
            return; // the C layer refuses non-UTF-8 before this (tested separately)
        };
        match encode_path_id("user_id", id) {
            Ok(encoded) => {
                assert!(path_id_is_valid(data), "accepted {id:?}");
                assert_eq!(percent_decode(&encoded), data, "{encoded}");
            }
            Err(error) => {
                assert!(!path_id_is_valid(data), "refused {id:?}: {error}");
                check_error(&error, ErrorKind::InvalidArgument);
                assert!(error.message().starts_with("user_id: "), "{error}");
            }
        }
    }

    /// Decodes `%XX` (uppercase only) and checks every other byte is unreserved.
    fn percent_decode(encoded: &str) -> Vec<u8> {
        let bytes = encoded.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = &encoded[i + 1..i + 3];
                assert!(
                    hex.bytes()
                        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
                    "{encoded}"
                );
                let byte = u8::from_str_radix(hex, 16).expect("two hex digits");
                assert!(
                    !(byte.is_ascii_alphanumeric() || b"-._~".contains(&byte)),
                    "unreserved byte encoded in {encoded}"
                );
                out.push(byte);
                i += 3;
            } else {
                assert!(
                    bytes[i].is_ascii_alphanumeric() || b"-._~".contains(&bytes[i]),
                    "reserved byte left as is in {encoded}"
                );
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    }

    /// A response as text: `Name: value` lines, an empty line, then the body. The local clock
    /// is taken to be the response's own `Wechatpay-Timestamp` (if it is a number) plus the
    /// first body byte as a skew, so the signature check is reached. Any failure must be a
    /// `WXFACE_ERR_SIGNATURE`; success is possible only for a genuinely signed response.
    pub fn response(keys: &ResponseKeys, data: &[u8]) -> Result<(), Error> {
        let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
            Some(at) => (&data[..at], &data[at + 2..]),
            None => (data, &[][..]),
        };
        let head = String::from_utf8_lossy(head);
        let headers: Vec<(&str, &str)> = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        let sent_at = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Wechatpay-Timestamp"))
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .unwrap_or(0);
        let skew = i64::from(body.first().copied().unwrap_or(0) as i8) * 4;
        let result = verify_response(keys, &headers, body, sent_at.saturating_add(skew));
        if let Err(error) = &result {
            check_error(error, ErrorKind::Signature);
        }
        result
    }

    /// An error response: first byte picks the status (300..=555), the rest is the body, with a
    /// `Request-ID`. Always `WXFACE_ERR_API` with that status and Request-ID, a one-line
    /// message that names the status, and `detail_json` empty or valid JSON.
    pub fn api_error_body(data: &[u8]) {
        let status = 300 + u16::from(data.first().copied().unwrap_or(0));
        let body = data.get(1..).unwrap_or_default();
        let error = api_error(status, &[("Request-ID", "REQ-FUZZ-1")], body);
        check_error(&error, ErrorKind::Api);
        assert_eq!(error.http_status(), status);
        assert_eq!(error.request_id(), "REQ-FUZZ-1");
        assert!(
            error
                .message()
                .starts_with(&format!("WeChat Pay answered {status}")),
            "{error}"
        );
        if !error.detail_json().is_empty() {
            // (RawValue: checks the syntax at any nesting depth, as the parser that made it)
            serde_json::from_str::<Box<serde_json::value::RawValue>>(error.detail_json())
                .expect("detail_json is JSON");
        }
    }
}
