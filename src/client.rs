//! The client: a merchant's signer, WeChat Pay's keys and a transport, immutable after
//! construction (but for the downloaded platform certificates, which are swapped as a whole)
//! and shared freely between threads.

use serde_json::Value;

use crate::api_error::api_error;
use crate::auth::RequestSigner;
use crate::call::Call;
use crate::certificates::CertificateRefresh;
use crate::clock::unix_now;
use crate::config::Config;
use crate::error::Error;
use crate::keyring::{KeyLookup, Keyring};
use crate::keys::{ApiV3Key, EncryptingKey, Lookup};
use crate::response::Response;
use crate::transport::{RawResponse, Request, Transport};
use crate::verify::verify_response;

/// A WeChat Pay APIv3 client for one merchant. `Client` is `Send + Sync`: share one per
/// process (connections are pooled), e.g. in an `Arc`.
#[derive(Debug)]
pub struct Client {
    signer: RequestSigner,
    pub(crate) keys: Keyring,
    pub(crate) apiv3_key: Option<ApiV3Key>,
    pub(crate) certificates: CertificateRefresh,
    transport: Transport,
}

impl Client {
    /// Builds a client from a complete configuration.
    pub fn new(config: Config) -> Result<Client, Error> {
        let parts = config.into_parts()?;
        let transport = Transport::new(&parts.transport, &user_agent())?;
        Ok(Client {
            signer: parts.signer,
            keys: Keyring::new(parts.keys),
            apiv3_key: parts.apiv3_key,
            certificates: CertificateRefresh::new(parts.auto_platform_certificates),
            transport,
        })
    }

    /// The WeChat Pay key sensitive fields are encrypted to, and its id (what the request's
    /// `Wechatpay-Serial` then names).
    /// In auto mode, a client that holds no usable WeChat Pay key downloads the certificates
    /// before it sends anything: without a key nothing could verify the response (or encrypt
    /// a field), and a request sent anyway might be carried out unverified.
    pub(crate) fn ensure_usable_key(&self) -> Result<(), Error> {
        if !self.certificates.auto() || self.keys.snapshot().any_usable(unix_now()) {
            return Ok(());
        }
        self.refresh_when_due()?;
        if self.keys.snapshot().any_usable(unix_now()) {
            return Ok(());
        }
        Err(Error::signature(
            "auto_platform_certificates: no usable WeChat Pay platform certificate (the last download held none inside its validity period, or failed less than 60 s ago); nothing was sent",
        ))
    }

    pub(crate) fn encryption_key(&self) -> Option<(String, std::sync::Arc<EncryptingKey>)> {
        self.keys.snapshot().preferred(unix_now())
    }

    /// Signs and sends one call, then checks the response: a non-2xx response becomes an
    /// [`crate::ErrorKind::Api`] error; a 2xx response is returned only once its signature
    /// verified and it is the operation's documented success. Every error about a response
    /// gets its HTTP status and Request-ID here, and nowhere else.
    pub(crate) fn execute(&self, call: &Call) -> Result<Response, Error> {
        self.ensure_usable_key()?;
        let response = self.exchange(call)?;
        let json = self
            .check(call, &response)
            .map_err(|error| response.annotate(error))?;
        let request_id = response.request_id();
        // Checked above: an empty body, or JSON, which is UTF-8.
        let body = String::from_utf8(response.body).unwrap_or_default();
        Ok(Response::new(response.status, &request_id, body, json))
    }

    /// Signs `call` and sends it; the response is not checked yet.
    pub(crate) fn exchange(&self, call: &Call) -> Result<RawResponse, Error> {
        // Every target reaches the wire here. The operations build theirs from checked,
        // percent-encoded parts; this keeps a slip there from sending raw bytes.
        if let Some(at) = call
            .target
            .bytes()
            .position(|b| !(0x21..=0x7E).contains(&b) || b == b'#')
        {
            return Err(Error::new(
                crate::ErrorKind::Internal,
                format!(
                    "{}: byte {at} of the request target cannot go on the wire unencoded",
                    call.name
                ),
            ));
        }
        let body = call.body.as_ref().map(|b| b.bytes.as_slice());
        let authorization =
            self.signer
                .authorization(call.method, &call.target, body.unwrap_or_default())?;
        // A body with encrypted fields names the key they were encrypted to; any other request
        // names the key WeChat Pay should sign its response with.
        let serial = match call.body.as_ref().and_then(|b| b.encrypted_for.clone()) {
            Some(serial) => serial,
            None => self
                .keys
                .snapshot()
                .preferred(unix_now())
                .map(|(id, _)| id)
                .unwrap_or_default(),
        };
        let headers = [
            ("Authorization", authorization.as_str()),
            ("Wechatpay-Serial", serial.as_str()),
        ];
        self.transport.send(&Request {
            method: call.method,
            target: &call.target,
            headers: &headers,
            body,
        })
    }

    fn check(&self, call: &Call, response: &RawResponse) -> Result<Option<Value>, Error> {
        if !(200..300).contains(&response.status) {
            return Err(api_error(
                response.status,
                &response.body,
                response.body_cut,
            ));
        }
        self.refresh_for_unknown_serial(response.header("Wechatpay-Serial"));
        verify_response(
            &self.keys.snapshot(),
            |name| response.header(name),
            &response.body,
            unix_now(),
        )?;
        call.success
            .check(call.name, response.status, &response.body)
    }

    /// In auto mode, a signature by a key the client does not know is a reason to download
    /// the certificates again (at most once per 60 s); the same response is then verified
    /// with the new set. A failed refresh leaves the verification to fail on its own terms.
    pub(crate) fn refresh_for_unknown_serial(&self, serial: Option<&str>) {
        let Some(serial) = serial else { return };
        if self.certificates.auto()
            && matches!(
                self.keys.snapshot().lookup(serial, unix_now()),
                Lookup::Unknown
            )
        {
            let _ = self.refresh_when_due();
        }
    }
}

/// `wxface/<version> (<os>; <arch>) rustls/<version>`: WeChat Pay asks every client to name
/// itself, and support can then tell which library and TLS stack sent a request.
fn user_agent() -> String {
    format!(
        "wxface/{} ({}; {}) rustls/{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH,
        env!("WXFACE_RUSTLS_VERSION")
    )
}
