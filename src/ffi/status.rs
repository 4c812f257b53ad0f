//! Status numbers and their names: part of the ABI, never renumbered, never reused. The one
//! mapping from the core's error kinds is an exhaustive `match`, so a new kind cannot be
//! forgotten here.

use std::ffi::CStr;

use crate::error::ErrorKind;

/// The outcome of a fallible call: `WXFACE_OK` (0) or one of the `WXFACE_ERR_*` values.
pub type wxface_status = u32;

/// Success.
pub const WXFACE_OK: wxface_status = 0;
/// NULL where not allowed, empty or ill-formed id, invalid UTF-8, non-NULL `*err` on entry. Nothing was sent.
pub const WXFACE_ERR_INVALID_ARGUMENT: wxface_status = 1;
/// Configuration incomplete or unreadable: bad PEM, missing mchid, unknown JSON key, bad URL, unreadable file.
pub const WXFACE_ERR_CONFIG: wxface_status = 2;
/// DNS failure, connection refused or reset, connection closed before a complete response.
pub const WXFACE_ERR_NETWORK: wxface_status = 3;
/// Connect or whole-request deadline exceeded.
pub const WXFACE_ERR_TIMEOUT: wxface_status = 4;
/// TLS handshake failed, server certificate not trusted (nothing was sent; a TLS failure after
/// the request was written is `WXFACE_ERR_NETWORK`).
pub const WXFACE_ERR_TLS: wxface_status = 5;
/// WeChat Pay answered with a non-2xx status, whatever its body (see the `wxface_error_*`
/// accessors).
pub const WXFACE_ERR_API: wxface_status = 6;
/// A 2xx response could not be trusted: signature headers missing, signature wrong, unknown
/// `Wechatpay-Serial`, or `Wechatpay-Timestamp` more than 300 s from the local clock.
pub const WXFACE_ERR_SIGNATURE: wxface_status = 7;
/// A 2xx response that does not fit the operation (unexpected status, body, body over the
/// size limit).
pub const WXFACE_ERR_RESPONSE: wxface_status = 8;
/// A defect inside wxface (a caught panic).
pub const WXFACE_ERR_INTERNAL: wxface_status = 9;

/// The status of an error kind, and its English name (`wxface_status_str`).
pub(crate) fn status_of(kind: ErrorKind) -> (wxface_status, &'static CStr) {
    match kind {
        ErrorKind::InvalidArgument => (WXFACE_ERR_INVALID_ARGUMENT, c"invalid argument"),
        ErrorKind::Config => (WXFACE_ERR_CONFIG, c"configuration error"),
        ErrorKind::Network => (WXFACE_ERR_NETWORK, c"network error"),
        ErrorKind::Timeout => (WXFACE_ERR_TIMEOUT, c"timeout"),
        ErrorKind::Tls => (WXFACE_ERR_TLS, c"TLS error"),
        ErrorKind::Api => (WXFACE_ERR_API, c"WeChat Pay API error"),
        ErrorKind::Signature => (WXFACE_ERR_SIGNATURE, c"response signature not trusted"),
        ErrorKind::Response => (WXFACE_ERR_RESPONSE, c"unexpected response"),
        ErrorKind::Internal => (WXFACE_ERR_INTERNAL, c"internal error"),
    }
}

/// Every kind, to name a status number (`wxface_status_str`).
const KINDS: [ErrorKind; 9] = [
    ErrorKind::InvalidArgument,
    ErrorKind::Config,
    ErrorKind::Network,
    ErrorKind::Timeout,
    ErrorKind::Tls,
    ErrorKind::Api,
    ErrorKind::Signature,
    ErrorKind::Response,
    ErrorKind::Internal,
];

/// The English name of a status number; `"unknown status"` for a number that is none.
pub(crate) fn status_name(status: wxface_status) -> &'static CStr {
    if status == WXFACE_OK {
        return c"ok";
    }
    KINDS
        .into_iter()
        .map(status_of)
        .find(|(number, _)| *number == status)
        .map_or(c"unknown status", |(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_number_from_1_to_9() {
        let mut numbers: Vec<wxface_status> = KINDS.into_iter().map(|k| status_of(k).0).collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=9).collect::<Vec<_>>());
        assert_eq!(status_name(WXFACE_OK), c"ok");
        assert_eq!(status_name(WXFACE_ERR_TLS), c"TLS error");
        assert_eq!(status_name(10), c"unknown status");
    }
}
