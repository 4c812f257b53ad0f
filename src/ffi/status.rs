//! Status numbers: part of the ABI, never renumbered, never reused.

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
/// A 2xx answer could not be trusted: signature headers missing, signature wrong, unknown
/// `Wechatpay-Serial`, or `Wechatpay-Timestamp` more than 300 s from the local clock.
pub const WXFACE_ERR_SIGNATURE: wxface_status = 7;
/// A 2xx answer that does not fit the operation (unexpected status, body, body over the size
/// limit).
pub const WXFACE_ERR_RESPONSE: wxface_status = 8;
/// A defect inside wxface (a caught panic).
pub const WXFACE_ERR_INTERNAL: wxface_status = 9;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn constants_match_the_rust_error_kinds() {
        let pairs = [
            (WXFACE_ERR_INVALID_ARGUMENT, ErrorKind::InvalidArgument),
            (WXFACE_ERR_CONFIG, ErrorKind::Config),
            (WXFACE_ERR_NETWORK, ErrorKind::Network),
            (WXFACE_ERR_TIMEOUT, ErrorKind::Timeout),
            (WXFACE_ERR_TLS, ErrorKind::Tls),
            (WXFACE_ERR_API, ErrorKind::Api),
            (WXFACE_ERR_SIGNATURE, ErrorKind::Signature),
            (WXFACE_ERR_RESPONSE, ErrorKind::Response),
            (WXFACE_ERR_INTERNAL, ErrorKind::Internal),
        ];
        for (status, kind) in pairs {
            assert_eq!(status, kind.status());
            assert_eq!(ErrorKind::from_status(status), Some(kind));
        }
        assert_eq!(ErrorKind::from_status(WXFACE_OK), None);
        assert_eq!(ErrorKind::from_status(10), None);
    }
}
