//! The client: a merchant's signer, WeChat Pay's keys and a transport, immutable after
//! construction and shared freely between threads.

use crate::answer::api_error;
use crate::auth::RequestSigner;
use crate::clock::unix_now;
use crate::config::Config;
use crate::error::Error;
use crate::keys::KeyStore;
use crate::transport::{RawAnswer, Request, Transport};
use crate::verify::verify_answer;

/// A WeChat Pay APIv3 client for one merchant. `Client` is `Send + Sync`: share one per
/// process (connections are pooled), e.g. in an `Arc`.
#[derive(Debug)]
pub struct Client {
    signer: RequestSigner,
    keys: KeyStore,
    /// The `Wechatpay-Serial` request header: the key WeChat Pay should sign answers with.
    request_serial: String,
    transport: Transport,
}

impl Client {
    /// Builds a client from a complete configuration.
    pub fn new(config: Config) -> Result<Client, Error> {
        config.check_complete()?;
        let transport = Transport::new(&config, &user_agent())?;
        let Config {
            mchid,
            merchant_serial_no,
            private_key,
            keys,
            ..
        } = config;
        let (Some(mchid), Some(serial), Some(key)) = (mchid, merchant_serial_no, private_key)
        else {
            unreachable!("check_complete guarantees merchant and key");
        };
        let request_serial = keys.request_serial().unwrap_or_default().to_owned();
        Ok(Client {
            signer: RequestSigner::new(&mchid, &serial, key),
            keys,
            request_serial,
            transport,
        })
    }

    /// Signs and sends one request, then checks the answer: a non-2xx answer becomes an
    /// [`crate::ErrorKind::Api`] error, a 2xx answer is returned only once its signature
    /// has been verified.
    pub(crate) fn execute(
        &self,
        method: &'static str,
        target: &str,
        body: Option<&[u8]>,
    ) -> Result<RawAnswer, Error> {
        let authorization = self
            .signer
            .authorization(method, target, body.unwrap_or_default())?;
        let headers = [
            ("Authorization", authorization.as_str()),
            ("Wechatpay-Serial", self.request_serial.as_str()),
        ];
        let answer = self.transport.send(&Request {
            method,
            target,
            headers: &headers,
            body,
        })?;
        let checked = if (200..300).contains(&answer.status) {
            verify_answer(
                &self.keys,
                |name| answer.header(name),
                &answer.body,
                unix_now(),
            )
        } else {
            Err(api_error(answer.status, &answer.body, answer.body_cut))
        };
        checked.map_err(|e| answer.annotate(e))?;
        Ok(answer)
    }
}

/// `wxface/<version> (<os>; <arch>) rustls/<version>`, as protocol.md asks.
fn user_agent() -> String {
    format!(
        "wxface/{} ({}; {}) rustls/{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH,
        env!("WXFACE_RUSTLS_VERSION")
    )
}
