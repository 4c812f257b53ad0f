//! The one error type of wxface: what failed, in words a POS operator can act on, plus
//! whatever WeChat Pay's response said about it.

use std::fmt;

use crate::printable::printable_line;

/// `detail_json` is kept only up to this size (64 KiB); a larger one is dropped, not cut,
/// so that what is kept is always the complete JSON value as received.
const MAX_DETAIL_JSON_BYTES: usize = 64 << 10;

/// What kind of failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An argument was refused (empty or ill-formed id, bad JSON argument, invalid UTF-8).
    /// Nothing was sent.
    InvalidArgument,
    /// The configuration is incomplete or unreadable.
    Config,
    /// DNS failure, connection refused or reset, connection closed before a complete response.
    Network,
    /// The connect or whole-request deadline passed.
    Timeout,
    /// The TLS handshake failed or the server certificate is not trusted. Nothing was sent.
    Tls,
    /// WeChat Pay answered with a non-2xx status.
    Api,
    /// A 2xx response could not be trusted (signature headers, key, signature, clock).
    Signature,
    /// A 2xx response that does not fit the operation.
    Response,
    /// A defect inside wxface.
    Internal,
}

/// A failed wxface operation.
///
/// `message` is one line of English that names the cause. It never contains key material.
/// For [`ErrorKind::Api`] the remaining fields carry what WeChat Pay answered; for every
/// kind, `request_id` is filled whenever a response with a `Request-ID` header arrived.
/// Every string is one printable line: control characters and bidi overrides a response
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
            // A response arrived, so the request certainly did.
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

    /// Marks that no request belongs to this failure (a notification that was received, not
    /// a call that was made): nothing was sent.
    pub(crate) fn with_nothing_sent(mut self) -> Self {
        self.request_sent = false;
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

    /// The HTTP status of the response, or 0 when no response arrived.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// The response's `code` (e.g. `PARAM_ERROR`), or "".
    pub fn api_code(&self) -> &str {
        &self.api_code
    }

    /// The response's `Request-ID` header, or "". Quote it to WeChat Pay support.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The response's `detail` member as JSON, as received (at most 64 KiB), or "".
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

/// The message: it names the cause (the kind is [`Error::kind`]).
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
