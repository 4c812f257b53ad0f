//! An answer before it goes on the wire, and how it becomes a hyper response: the
//! `Wechatpay-*` signature headers, `Request-ID`, and the faults that bend them.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{HeaderMap, Response, StatusCode};
use serde_json::{Value, json};

use crate::auth::SCHEME;
use crate::signer::{AnswerSigner, request_id, unix_now};

/// `Wechatpay-Serial` for the unknown-serial fault: shaped like a real id, held by no client
/// (configured public key ids never have a 0 after the fixed prefix, see `keys::public_key_id`).
pub(crate) const UNKNOWN_SERIAL: &str = "PUB_KEY_ID_0119000000012025000000009999";

const JSON: &str = "application/json";

/// A change to the signature headers of an otherwise normal answer (fault injection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tweak {
    None,
    CorruptSignature,
    ProbeSignature,
    OmitHeader(String),
    UnknownSerial,
    TimestampOffset(i64),
}

#[derive(Debug)]
pub(crate) struct Answer {
    status: StatusCode,
    content_type: Option<&'static str>,
    body: Bytes,
    /// WeChat Pay answers (2xx and JSON errors) carry `Request-ID` and signature headers;
    /// control answers and a "proxy's" HTML page do not.
    from_wechatpay: bool,
    tweak: Tweak,
    /// `Some(n)`: declare the whole body's length but send only its first `n` bytes,
    /// then break the connection.
    cut_after: Option<usize>,
    /// Signs with this key instead of the one answers are signed with in the key mode
    /// (the certificate download is always signed by a platform certificate).
    signer: Option<Arc<AnswerSigner>>,
}

impl Answer {
    fn new(
        status: StatusCode,
        content_type: Option<&'static str>,
        body: Bytes,
        from_wechatpay: bool,
    ) -> Answer {
        Answer {
            status,
            content_type,
            body,
            from_wechatpay,
            tweak: Tweak::None,
            cut_after: None,
            signer: None,
        }
    }

    /// A signed answer without a body (the terminate call's 204).
    pub(crate) fn no_content() -> Answer {
        Answer::new(StatusCode::NO_CONTENT, None, Bytes::new(), true)
    }

    /// A signed JSON answer with exactly these body bytes.
    pub(crate) fn json_bytes(status: StatusCode, body: impl Into<Bytes>) -> Answer {
        Answer::new(status, Some(JSON), body.into(), true)
    }

    /// A signed WeChat Pay error: `{"code","message"}` plus `detail` when given.
    pub(crate) fn error(
        status: StatusCode,
        code: &str,
        message: &str,
        detail: Option<Value>,
    ) -> Answer {
        let mut doc = json!({ "code": code, "message": message });
        if let Some(detail) = detail {
            doc["detail"] = detail;
        }
        Answer::json_bytes(status, doc.to_string())
    }

    /// An unsigned page, as a proxy in front of the service would send.
    pub(crate) fn html(status: StatusCode, page: String) -> Answer {
        Answer::new(status, Some("text/html"), page.into(), false)
    }

    /// An answer of the simulator's own control API (unsigned, no Request-ID).
    pub(crate) fn control(status: StatusCode, doc: Option<Value>) -> Answer {
        match doc {
            Some(doc) => Answer::new(status, Some(JSON), doc.to_string().into(), false),
            None => Answer::new(status, None, Bytes::new(), false),
        }
    }

    pub(crate) fn with_tweak(mut self, tweak: Tweak) -> Answer {
        self.tweak = tweak;
        self
    }

    pub(crate) fn signed_by(mut self, signer: Arc<AnswerSigner>) -> Answer {
        self.signer = Some(signer);
        self
    }

    pub(crate) fn cut_after(mut self, sent: usize) -> Answer {
        self.cut_after = Some(sent.min(self.body.len()));
        self
    }

    pub(crate) fn into_response(self, signer: &AnswerSigner) -> Response<AnswerBody> {
        let signer = self.signer.as_deref().unwrap_or(signer);
        let mut headers = HeaderMap::new();
        if let Some(content_type) = self.content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if self.from_wechatpay {
            set(&mut headers, "request-id", &request_id());
            let offset = match self.tweak {
                Tweak::TimestampOffset(seconds) => seconds,
                _ => 0,
            };
            match signer.sign(&self.body, unix_now().saturating_add(offset)) {
                Ok(sig) => {
                    let signature = match &self.tweak {
                        Tweak::CorruptSignature => corrupt(&sig.signature),
                        Tweak::ProbeSignature => probe_signature(),
                        _ => sig.signature,
                    };
                    let serial = match self.tweak {
                        Tweak::UnknownSerial => UNKNOWN_SERIAL.to_owned(),
                        _ => sig.serial,
                    };
                    set(&mut headers, "wechatpay-timestamp", &sig.timestamp);
                    set(&mut headers, "wechatpay-nonce", &sig.nonce);
                    set(&mut headers, "wechatpay-signature", &signature);
                    set(&mut headers, "wechatpay-serial", &serial);
                    set(&mut headers, "wechatpay-signature-type", SCHEME);
                }
                // Cannot happen with a valid key; an unsigned 500 is the honest answer.
                Err(_) => return unsigned_500(),
            }
        }
        if let Tweak::OmitHeader(name) = &self.tweak
            && let Ok(name) = HeaderName::from_bytes(name.as_bytes())
        {
            headers.remove(name);
        }
        let body = match self.cut_after {
            Some(sent) => {
                // An explicit Content-Length with a body of unknown size makes hyper
                // announce the full length while we send less.
                set(&mut headers, "content-length", &self.body.len().to_string());
                AnswerBody::cut_short(self.body.slice(..sent))
            }
            None => AnswerBody::full(self.body),
        };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        *response.headers_mut() = headers;
        response
    }
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    // Every value the simulator writes is printable ASCII; skip anything else rather
    // than fail the answer.
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), value);
    }
}

fn unsigned_500() -> Response<AnswerBody> {
    let mut response = Response::new(AnswerBody::full(Bytes::from_static(
        b"answer signing failed",
    )));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// Same length, still base64, but no longer the signature of anything.
fn corrupt(signature: &str) -> String {
    let mut bytes = STANDARD.decode(signature).unwrap_or_default();
    for b in bytes.iter_mut().take(8) {
        *b ^= 0x5A;
    }
    STANDARD.encode(bytes)
}

/// What the live service sends to check that clients verify signatures.
fn probe_signature() -> String {
    let junk = crate::signer::random_hex(128).unwrap_or_default();
    format!("WECHATPAY/SIGNTEST/{}", STANDARD.encode(junk))
}

/// The body of an answer: all of it, or a first part followed by a broken connection.
pub(crate) struct AnswerBody {
    data: Option<Bytes>,
    ending: Ending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Complete,
    /// Yield once so hyper flushes what was sent, then fail.
    FlushThenFail,
    Fail,
}

impl AnswerBody {
    fn full(data: Bytes) -> AnswerBody {
        AnswerBody {
            data: (!data.is_empty()).then_some(data),
            ending: Ending::Complete,
        }
    }

    fn cut_short(first_part: Bytes) -> AnswerBody {
        AnswerBody {
            data: (!first_part.is_empty()).then_some(first_part),
            ending: Ending::FlushThenFail,
        }
    }
}

impl Body for AnswerBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if let Some(data) = this.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        match this.ending {
            Ending::Complete => Poll::Ready(None),
            Ending::FlushThenFail => {
                // hyper returns a body error without flushing its write buffer; being
                // Pending once lets it flush the part already written first.
                this.ending = Ending::Fail;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Ending::Fail => {
                this.ending = Ending::Complete;
                Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "wxface-sim: connection dropped mid-body (fault)",
                ))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.ending == Ending::Complete
    }

    fn size_hint(&self) -> SizeHint {
        match self.ending {
            Ending::Complete => {
                SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
            }
            // Unknown, so hyper uses our Content-Length header instead.
            _ => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupted_signature_stays_base64_of_same_length() {
        let original = STANDARD.encode([7u8; 256]);
        let bad = corrupt(&original);
        assert_ne!(bad, original);
        assert_eq!(STANDARD.decode(&bad).unwrap().len(), 256);
        assert!(probe_signature().starts_with("WECHATPAY/SIGNTEST/"));
    }

    #[test]
    fn cut_short_body_declares_unknown_size() {
        let body = AnswerBody::cut_short(Bytes::from_static(b"abc"));
        assert_eq!(body.size_hint().exact(), None);
        assert!(!body.is_end_stream());
        let full = AnswerBody::full(Bytes::from_static(b"abc"));
        assert_eq!(full.size_hint().exact(), Some(3));
        assert!(AnswerBody::full(Bytes::new()).is_end_stream());
    }
}
