//! The one error type of wxface: what failed, in words a POS operator can act on, plus
//! whatever the WeChat Pay answer said about it.

use std::ffi::CStr;
use std::fmt;

use crate::printable::printable_line;

/// `detail_json` is kept only up to this size (64 KiB); a larger one is dropped, not cut,
/// so that what is kept is always the complete JSON value as received.
const MAX_DETAIL_JSON_BYTES: usize = 64 << 10;

/// What kind of failure happened. The numbers are the C ABI's `wxface_status` values and
/// never change (see `include/wxface.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ErrorKind {
    /// NULL where not allowed, empty or ill-formed id, invalid UTF-8. Nothing was sent.
    InvalidArgument = 1,
    /// Configuration incomplete or unreadable.
    Config = 2,
    /// DNS failure, connection refused or reset, connection closed before a complete answer.
    Network = 3,
    /// Connect or whole-call deadline exceeded.
    Timeout = 4,
    /// TLS handshake failed or the server certificate is not trusted.
    Tls = 5,
    /// WeChat Pay answered with a non-2xx status.
    Api = 6,
    /// A 2xx answer could not be trusted (signature headers, key, signature, clock).
    Signature = 7,
    /// A 2xx answer that does not fit the operation.
    Response = 8,
    /// A defect inside wxface.
    Internal = 9,
}

impl ErrorKind {
    /// The C status number.
    pub fn status(self) -> u32 {
        self as u32
    }

    /// The kind for a C status number; `None` for `WXFACE_OK` and unknown numbers.
    pub fn from_status(status: u32) -> Option<Self> {
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
        KINDS.into_iter().find(|kind| kind.status() == status)
    }

    /// The English name, as `wxface_status_str` returns it.
    pub fn name(self) -> &'static str {
        self.c_name().to_str().unwrap_or("unknown status")
    }

    pub(crate) fn c_name(self) -> &'static CStr {
        match self {
            ErrorKind::InvalidArgument => c"invalid argument",
            ErrorKind::Config => c"configuration error",
            ErrorKind::Network => c"network error",
            ErrorKind::Timeout => c"timeout",
            ErrorKind::Tls => c"TLS error",
            ErrorKind::Api => c"WeChat Pay API error",
            ErrorKind::Signature => c"answer signature not trusted",
            ErrorKind::Response => c"unexpected answer",
            ErrorKind::Internal => c"internal error",
        }
    }
}

/// A failed wxface operation.
///
/// `message` is one line of English that names the cause. It never contains key material.
/// For [`ErrorKind::Api`] the remaining fields carry what WeChat Pay answered; for every
/// kind, `request_id` is filled whenever an answer with a `Request-ID` header arrived.
/// Every string is one printable line: control characters and bidi overrides an answer
/// brought along are replaced, and each is at most 1024 bytes (cut with `…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    http_status: u16,
    api_code: String,
    request_id: String,
    detail_json: String,
    request_sent: bool,
}

impl Error {
    /// A new error of `kind` with a one-line message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: printable_line(&message.into()),
            http_status: 0,
            api_code: String::new(),
            request_id: String::new(),
            detail_json: String::new(),
            // An answer arrived, so the request certainly did.
            request_sent: matches!(
                kind,
                ErrorKind::Api | ErrorKind::Signature | ErrorKind::Response
            ),
        }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    pub(crate) fn signature(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Signature, message)
    }

    pub(crate) fn response(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Response, message)
    }

    pub(crate) fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = status;
        self
    }

    pub(crate) fn with_request_id(mut self, request_id: &str) -> Self {
        self.request_id = printable_line(request_id);
        self
    }

    pub(crate) fn with_api_code(mut self, code: &str) -> Self {
        self.api_code = printable_line(code);
        self
    }

    /// `detail_json` must be one complete JSON value; over 64 KiB it is dropped.
    pub(crate) fn with_detail_json(mut self, detail_json: String) -> Self {
        if detail_json.len() <= MAX_DETAIL_JSON_BYTES {
            self.detail_json = detail_json;
        }
        self
    }

    /// Marks that request bytes were written before this failure: the outcome is unknown.
    pub(crate) fn with_request_sent(mut self) -> Self {
        self.request_sent = true;
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// One line of English naming the cause.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status of the answer, or 0 when no answer arrived.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// The answer's `code` (e.g. `PARAM_ERROR`), or "".
    pub fn api_code(&self) -> &str {
        &self.api_code
    }

    /// The answer's `Request-ID` header, or "". Quote it to WeChat Pay support.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The answer's `detail` member as JSON, as received (at most 64 KiB), or "".
    pub fn detail_json(&self) -> &str {
        &self.detail_json
    }

    /// Whether at least one byte of the request was written to a connection, so WeChat Pay
    /// may have received and carried it out. Always true for [`ErrorKind::Api`],
    /// [`ErrorKind::Signature`] and [`ErrorKind::Response`]; for [`ErrorKind::Network`] and
    /// [`ErrorKind::Timeout`] true means the outcome is unknown (query before repeating a
    /// deduction); false means nothing was written and repeating the call is safe.
    pub fn request_sent(&self) -> bool {
        self.request_sent
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for Error {}
