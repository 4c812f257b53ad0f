//! The client: a merchant's signer, WeChat Pay's keys and a transport, immutable after
//! construction and shared freely between threads.

use serde_json::Value;

use crate::api_error::api_error;
use crate::auth::RequestSigner;
use crate::call::Call;
use crate::clock::unix_now;
use crate::config::Config;
use crate::error::Error;
use crate::keys::{EncryptingKey, KeyStore};
use crate::response::Response;
use crate::transport::{RawResponse, Request, Transport};
use crate::verify::verify_response;

/// A WeChat Pay APIv3 client for one merchant. `Client` is `Send + Sync`: share one per
/// process (connections are pooled), e.g. in an `Arc`.
#[derive(Debug)]
pub struct Client {
    signer: RequestSigner,
    keys: KeyStore,
    /// The `Wechatpay-Serial` request header: the key WeChat Pay should sign responses with.
    request_serial: String,
    transport: Transport,
}

impl Client {
    /// Builds a client from a complete configuration.
    pub fn new(config: Config) -> Result<Client, Error> {
        let parts = config.into_parts()?;
        let transport = Transport::new(&parts.transport, &user_agent())?;
        let request_serial = parts.keys.request_serial().unwrap_or_default().to_owned();
        Ok(Client {
            signer: parts.signer,
            keys: parts.keys,
            request_serial,
            transport,
        })
    }

    /// The WeChat Pay key sensitive fields are encrypted to (the one `Wechatpay-Serial` names).
    pub(crate) fn encryption_key(&self) -> Option<&EncryptingKey> {
        self.keys.encryption_key().map(|(_, key)| key)
    }

    /// Signs and sends one call, then checks the response: a non-2xx response becomes an
    /// [`crate::ErrorKind::Api`] error; a 2xx response is returned only once its signature
    /// verified and it is the operation's documented success. Every error about a response
    /// gets its HTTP status and Request-ID here, and nowhere else.
    pub(crate) fn execute(&self, call: &Call) -> Result<Response, Error> {
        let body = call.body.as_deref();
        let authorization =
            self.signer
                .authorization(call.method, &call.target, body.unwrap_or_default())?;
        let headers = [
            ("Authorization", authorization.as_str()),
            ("Wechatpay-Serial", self.request_serial.as_str()),
        ];
        let response = self.transport.send(&Request {
            method: call.method,
            target: &call.target,
            headers: &headers,
            body,
        })?;
        let json = self
            .check(call, &response)
            .map_err(|error| response.annotate(error))?;
        let request_id = response.request_id();
        // Checked above: an empty body, or JSON, which is UTF-8.
        let body = String::from_utf8(response.body).unwrap_or_default();
        Ok(Response::new(response.status, &request_id, body, json))
    }

    fn check(&self, call: &Call, response: &RawResponse) -> Result<Option<Value>, Error> {
        if !(200..300).contains(&response.status) {
            return Err(api_error(
                response.status,
                &response.body,
                response.body_cut,
            ));
        }
        verify_response(
            &self.keys,
            |name| response.header(name),
            &response.body,
            unix_now(),
        )?;
        call.success
            .check(call.name, response.status, &response.body)
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
