//! The merchant API private key: read once from PEM, then used for every request signature.

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts;

use super::MIN_RSA_BITS;
use super::pem::{PemKind, pem_kind};
use crate::error::Error;

/// The merchant's RSA private key, ready to sign.
///
/// The key lives inside aws-lc, which wipes it when the key is freed; the intermediate
/// copies made while reading it (`rsa` key, PKCS#8 DER) are zeroized on drop as well.
pub struct MerchantKey {
    key_pair: KeyPair,
    rng: SystemRandom,
}

impl MerchantKey {
    /// Reads a PKCS#8 (`-----BEGIN PRIVATE KEY-----`) or PKCS#1 (`-----BEGIN RSA PRIVATE
    /// KEY-----`) PEM document. `source` names the setting (and file) in error messages.
    pub fn from_pem(source: &str, pem: &[u8]) -> Result<Self, Error> {
        let kind = pem_kind(source, pem)?;
        let text = std::str::from_utf8(pem).expect("pem_kind checked UTF-8");
        let key = match kind {
            PemKind::Pkcs8PrivateKey => rsa::PrivateKey::from_pkcs8_pem(text).map_err(|e| {
                Error::config(format!(
                    "{source} holds an unreadable PKCS#8 RSA private key: {e}"
                ))
            })?,
            PemKind::Pkcs1PrivateKey => rsa::PrivateKey::from_pkcs1_pem(text).map_err(|e| {
                Error::config(format!(
                    "{source} holds an unreadable PKCS#1 RSA private key: {e}"
                ))
            })?,
            PemKind::EncryptedPrivateKey => {
                return Err(Error::config(format!(
                    "{source} holds an encrypted private key; wxface needs the unencrypted apiclient_key.pem"
                )));
            }
            other => {
                return Err(Error::config(format!(
                    "{source} holds {}, not a private key",
                    other.describe()
                )));
            }
        };
        let bits = key.size() * 8;
        if bits < MIN_RSA_BITS {
            return Err(Error::config(format!(
                "{source} holds a {bits}-bit RSA key; WeChat Pay requires at least {MIN_RSA_BITS}"
            )));
        }
        let pkcs8 = key
            .to_pkcs8_der()
            .map_err(|e| Error::config(format!("{source}: the key cannot be re-encoded: {e}")))?;
        let key_pair = KeyPair::from_pkcs8(pkcs8.as_bytes())
            .map_err(|e| Error::config(format!("{source} holds a key that aws-lc rejects: {e}")))?;
        Ok(MerchantKey {
            key_pair,
            rng: SystemRandom::new(),
        })
    }

    /// RSASSA-PKCS1-v1_5 / SHA-256 signature of `message` (deterministic).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let mut signature = vec![0u8; self.key_pair.public_modulus_len()];
        self.key_pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, message, &mut signature)
            .map_err(|_| Error::new(crate::ErrorKind::Internal, "RSA signing failed in aws-lc"))?;
        Ok(signature)
    }
}

impl fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MerchantKey(RSA-{}, redacted)",
            self.key_pair.public_modulus_len() * 8
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::{read_vector_file, vectors};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn pkcs8_and_pkcs1_keys_reproduce_every_vector_signature() {
        let v = vectors();
        for file in ["private_key_pkcs8_file", "private_key_pkcs1_file"] {
            let pem = read_vector_file(v["merchant"][file].as_str().unwrap());
            let key = MerchantKey::from_pem(file, &pem).unwrap();
            for request in v["requests"].as_array().unwrap() {
                let signature = key
                    .sign(request["message"].as_str().unwrap().as_bytes())
                    .unwrap();
                assert_eq!(
                    STANDARD.encode(signature),
                    request["signature"].as_str().unwrap()
                );
            }
        }
    }

    #[test]
    fn a_certificate_or_public_key_is_not_a_private_key() {
        let public = read_vector_file("wechatpay_test_public_key.pem");
        let err = MerchantKey::from_pem("private_key_file: /x/key.pem", &public).unwrap_err();
        assert_eq!(
            err.message(),
            "private_key_file: /x/key.pem holds a public key, not a private key"
        );
        let err = MerchantKey::from_pem(
            "private_key_pem",
            b"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
        )
        .unwrap_err();
        assert_eq!(
            err.message(),
            "private_key_pem holds a certificate, not a private key"
        );
    }

    #[test]
    fn debug_output_redacts_the_key() {
        let pem = read_vector_file("merchant_test_key.pem");
        let key = MerchantKey::from_pem("k", &pem).unwrap();
        assert_eq!(format!("{key:?}"), "MerchantKey(RSA-2048, redacted)");
    }
}
