//! The `Authorization` header of APIv3 requests: nonce, timestamp, string-to-sign and the
//! merchant's signature over the exact bytes that go on the wire.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, ErrorKind};
use crate::keys::MerchantKey;

/// The scheme WeChat Pay APIv3 uses for both request and response signatures.
pub const SIGNATURE_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

const NONCE_LEN: usize = 32;
const NONCE_ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Signs requests for one merchant.
pub struct RequestSigner {
    key: Arc<MerchantKey>,
    /// `WECHATPAY2-SHA256-RSA2048 mchid="…",serial_no="…",` built once per client.
    header_prefix: String,
    rng: SystemRandom,
}

impl RequestSigner {
    /// `mchid` and `serial_no` must already be validated (no quotes or control characters).
    pub fn new(mchid: &str, serial_no: &str, key: Arc<MerchantKey>) -> Self {
        RequestSigner {
            key,
            header_prefix: format!(
                "{SIGNATURE_SCHEME} mchid=\"{mchid}\",serial_no=\"{serial_no}\","
            ),
            rng: SystemRandom::new(),
        }
    }

    /// The `Authorization` value for one request, with a fresh nonce and the current time.
    pub fn authorization(&self, method: &str, target: &str, body: &[u8]) -> Result<String, Error> {
        let nonce = self.nonce()?;
        self.authorization_at(method, target, body, crate::clock::unix_now(), &nonce)
    }

    /// The `Authorization` value for a given timestamp and nonce (deterministic).
    pub fn authorization_at(
        &self,
        method: &str,
        target: &str,
        body: &[u8],
        timestamp: i64,
        nonce: &str,
    ) -> Result<String, Error> {
        let timestamp = timestamp.to_string();
        let message = string_to_sign(method, target, &timestamp, nonce, body);
        let signature = STANDARD.encode(self.key.sign(&message)?);
        Ok(format!(
            "{}nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",signature=\"{signature}\"",
            self.header_prefix
        ))
    }

    /// 32 characters from `[0-9A-Za-z]`, drawn from the operating system's CSPRNG without
    /// modulo bias (bytes ≥ 248 are redrawn).
    fn nonce(&self) -> Result<String, Error> {
        let mut nonce = String::with_capacity(NONCE_LEN);
        let mut random = [0u8; 48];
        while nonce.len() < NONCE_LEN {
            self.rng.fill(&mut random).map_err(|_| {
                Error::new(ErrorKind::Internal, "the system random generator failed")
            })?;
            for byte in random {
                if nonce.len() == NONCE_LEN {
                    break;
                }
                if usize::from(byte) < NONCE_ALPHABET.len() * 4 {
                    nonce.push(NONCE_ALPHABET[usize::from(byte) % NONCE_ALPHABET.len()] as char);
                }
            }
        }
        Ok(nonce)
    }
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("header_prefix", &self.header_prefix)
            .field("key", &self.key)
            .finish()
    }
}

/// `METHOD\nREQUEST_TARGET\nTIMESTAMP\nNONCE\nBODY\n` — an empty body leaves an empty line.
pub fn string_to_sign(
    method: &str,
    target: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    signed_lines(&[
        method.as_bytes(),
        target.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ])
}

/// The APIv3 signed-message form, shared by requests and responses: each part followed by `\n`.
pub(crate) fn signed_lines(parts: &[&[u8]]) -> Vec<u8> {
    let mut message = Vec::with_capacity(parts.iter().map(|part| part.len() + 1).sum());
    for part in parts {
        message.extend_from_slice(part);
        message.push(b'\n');
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::{read_vector_file, vectors};

    fn signer() -> RequestSigner {
        let v = vectors();
        let key = MerchantKey::from_pem("k", &read_vector_file("merchant_test_key.pem")).unwrap();
        RequestSigner::new(
            v["merchant"]["mchid"].as_str().unwrap(),
            v["merchant"]["merchant_serial_no"].as_str().unwrap(),
            Arc::new(key),
        )
    }

    #[test]
    fn string_to_sign_matches_every_request_vector() {
        for r in vectors()["requests"].as_array().unwrap() {
            let s = |k: &str| r[k].as_str().unwrap().to_owned();
            let message = string_to_sign(
                &s("method"),
                &s("request_target"),
                &s("timestamp"),
                &s("nonce"),
                s("body").as_bytes(),
            );
            assert_eq!(
                String::from_utf8(message).unwrap(),
                s("message"),
                "{}",
                s("name")
            );
        }
    }

    #[test]
    fn headline_call_message_ends_with_an_empty_body_line() {
        let message = string_to_sign(
            "POST",
            "/v3/offlinefacemch/organizations/ORG123/users/user-id/USR456/terminate-contract",
            "1722850421",
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            b"",
        );
        assert_eq!(
            message,
            b"POST\n/v3/offlinefacemch/organizations/ORG123/users/user-id/USR456/terminate-contract\n1722850421\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"
        );
    }

    #[test]
    fn authorization_header_carries_the_vector_signature() {
        let v = vectors();
        let r = &v["requests"][0];
        let header = signer()
            .authorization_at(
                "POST",
                r["request_target"].as_str().unwrap(),
                b"",
                r["timestamp"].as_str().unwrap().parse().unwrap(),
                r["nonce"].as_str().unwrap(),
            )
            .unwrap();
        assert_eq!(
            header,
            format!(
                "WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\",serial_no=\"3775B6A45ACD588826D15E583A95F5DD1A2B3C4D\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\",timestamp=\"1722850421\",signature=\"{}\"",
                r["signature"].as_str().unwrap()
            )
        );
    }

    #[test]
    fn nonces_are_32_alphanumerics_and_fresh() {
        let signer = signer();
        let a = signer.nonce().unwrap();
        let b = signer.nonce().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }
}
