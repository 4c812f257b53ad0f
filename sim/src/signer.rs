//! Signing answers as WeChat Pay does: RSASSA-PKCS1-v1_5/SHA-256 over
//! `TIMESTAMP\nNONCE\nBODY\n` with the WeChat Pay key.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The values that go into an answer's `Wechatpay-*` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignatureHeaders {
    pub(crate) timestamp: String,
    pub(crate) nonce: String,
    pub(crate) signature: String,
    pub(crate) serial: String,
}

pub(crate) struct AnswerSigner {
    key: KeyPair,
    /// `PUB_KEY_ID_…` or the platform certificate serial, depending on the key mode.
    serial: String,
    rng: SystemRandom,
}

/// Names the key only: the key material stays out of any output.
impl std::fmt::Debug for AnswerSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnswerSigner")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

impl AnswerSigner {
    /// `key_der`: the WeChat Pay key, PKCS#8 (or PKCS#1).
    pub(crate) fn new(key_der: &[u8], serial: String) -> io::Result<AnswerSigner> {
        let key = rsa_key_from_der(key_der, "WeChat Pay key")?;
        Ok(AnswerSigner {
            key,
            serial,
            rng: SystemRandom::new(),
        })
    }

    /// What `Wechatpay-Serial` says for this key.
    pub(crate) fn serial(&self) -> &str {
        &self.serial
    }

    /// Signs `body` with the given `Wechatpay-Timestamp` value and a fresh nonce.
    pub(crate) fn sign(&self, body: &[u8], timestamp: i64) -> io::Result<SignatureHeaders> {
        let timestamp = timestamp.to_string();
        let nonce = random_hex(16)?;
        let signature = self.sign_message(&answer_message(&timestamp, &nonce, body))?;
        Ok(SignatureHeaders {
            timestamp,
            nonce,
            signature,
            serial: self.serial.clone(),
        })
    }

    /// Base64 signature over an exact message.
    pub(crate) fn sign_message(&self, message: &[u8]) -> io::Result<String> {
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &self.rng, message, &mut signature)
            .map_err(|_| io::Error::other("RSA signing failed"))?;
        Ok(STANDARD.encode(signature))
    }
}

/// An RSA key from PKCS#8 DER, or PKCS#1 DER (rcgen keeps a loaded key's DER as it was
/// in the file).
pub(crate) fn rsa_key_from_der(der: &[u8], what: &str) -> io::Result<KeyPair> {
    KeyPair::from_pkcs8(der)
        .or_else(|_| KeyPair::from_der(der))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{what}: {e}")))
}

/// `TIMESTAMP\nNONCE\nBODY\n`; an empty body leaves an empty line.
pub(crate) fn answer_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        message.extend_from_slice(part);
        message.push(b'\n');
    }
    message
}

/// `2 * bytes` uppercase hex characters from the system CSPRNG.
pub(crate) fn random_hex(bytes: usize) -> io::Result<String> {
    let mut buf = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buf).map_err(|_| io::Error::other("system random failed"))?;
    Ok(crate::keys::hex_upper(&buf))
}

/// `n` decimal digits from the system CSPRNG (transaction ids are all digits).
pub(crate) fn random_digits(n: usize) -> io::Result<String> {
    let mut buf = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut buf).map_err(|_| io::Error::other("system random failed"))?;
    // The modulo bias of 256 % 10 does not matter for ids.
    Ok(buf.iter().map(|b| char::from(b'0' + b % 10)).collect())
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A `Request-ID` unique per answer: the live service's shape (hex, a dash, hex), made
/// of the time, a process-wide counter and randomness.
pub(crate) fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let salt = random_hex(4).unwrap_or_else(|_| "00000000".into());
    format!("08{nanos:016X}{n:08X}-{salt}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::PrivatePkcs8KeyDer;
    use rustls::pki_types::pem::PemObject;

    use crate::test_vectors::vector_path as testdata;

    /// The vectors were made by an independent implementation; PKCS#1 v1.5 signatures
    /// are deterministic, so the signer must reproduce them byte for byte.
    #[test]
    fn reproduces_the_answer_vectors() {
        let key =
            PrivatePkcs8KeyDer::from_pem_file(testdata("wechatpay_test_private_key.pem")).unwrap();
        let signer = AnswerSigner::new(key.secret_pkcs8_der(), "PUB_KEY_ID_X".into()).unwrap();
        let vectors: serde_json::Value =
            serde_json::from_slice(&std::fs::read(testdata("apiv3-signing.json")).unwrap())
                .unwrap();
        let mut checked = 0;
        for v in vectors["responses"].as_array().unwrap() {
            if v["valid"] != true {
                continue;
            }
            let h = &v["headers"];
            let message = answer_message(
                h["Wechatpay-Timestamp"].as_str().unwrap(),
                h["Wechatpay-Nonce"].as_str().unwrap(),
                v["body"].as_str().unwrap().as_bytes(),
            );
            assert_eq!(message, v["message"].as_str().unwrap().as_bytes());
            assert_eq!(
                signer.sign_message(&message).unwrap(),
                h["Wechatpay-Signature"].as_str().unwrap()
            );
            checked += 1;
        }
        assert!(checked >= 2);
    }

    #[test]
    fn request_ids_and_nonces_are_unique() {
        let ids: std::collections::HashSet<_> = (0..100).map(|_| request_id()).collect();
        assert_eq!(ids.len(), 100);
        let nonce = random_hex(16).unwrap();
        assert_eq!(nonce.len(), 32);
        assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()));
        let digits = random_digits(16).unwrap();
        assert_eq!(digits.len(), 16);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
    }
}
