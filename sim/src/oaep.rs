//! Opening the sensitive request fields that clients encrypt under the WeChat Pay key:
//! base64 of RSAES-OAEP with SHA-1, MGF1-SHA-1 and an empty label.
//!
//! The simulator decrypts with the `rsa` crate on purpose: clients (wxface, and the
//! end-to-end tests) encrypt with aws-lc-rs, so a round trip checks two independent
//! implementations against each other.

use std::fmt;
use std::io;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Oaep, PrivateKey};
use sha1::Sha1;

/// Why a field value could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    NotBase64,
    /// Base64, but not an OAEP ciphertext under this key (wrong key, wrong padding or
    /// hash, or plain text that happens to be base64).
    NotCiphertext,
    /// Decrypted, but the plain text is not UTF-8.
    NotUtf8,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OpenError::NotBase64 => "is not base64",
            OpenError::NotCiphertext => {
                "does not decrypt with RSAES-OAEP (SHA-1, MGF1-SHA-1, empty label)"
            }
            OpenError::NotUtf8 => "decrypts to bytes that are not UTF-8",
        })
    }
}

/// The WeChat Pay private key, for decryption only.
pub(crate) struct FieldDecryptor {
    key: PrivateKey,
}

impl FieldDecryptor {
    /// `key_der`: the WeChat Pay key as stored, PKCS#8 (or PKCS#1).
    pub(crate) fn new(key_der: &[u8]) -> io::Result<FieldDecryptor> {
        let key = PrivateKey::from_pkcs8_der(key_der)
            .or_else(|_| PrivateKey::from_pkcs1_der(key_der))
            .map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("WeChat Pay key: not an RSA private key the rsa crate reads: {e}"),
                )
            })?;
        Ok(FieldDecryptor { key })
    }

    /// The plain text of one encrypted field value.
    pub(crate) fn open(&self, value: &str) -> Result<String, OpenError> {
        let ciphertext = STANDARD
            .decode(value.trim())
            .map_err(|_| OpenError::NotBase64)?;
        // Without the rsa crate's getrandom feature decryption is not blinded: fine for a
        // simulator whose key is worthless test material, and it keeps the wxface
        // library's own rsa dependency free of that feature (features unify).
        let plain = self
            .key
            .decrypt(Oaep::<Sha1>::new(), &ciphertext)
            .map_err(|_| OpenError::NotCiphertext)?;
        String::from_utf8(plain).map_err(|_| OpenError::NotUtf8)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PublicEncryptingKey};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{PrivatePkcs8KeyDer, SubjectPublicKeyInfoDer};

    use crate::test_vectors::vector_path;

    /// Encrypts like a client: aws-lc-rs, SHA-1 OAEP, under a SubjectPublicKeyInfo.
    pub(crate) fn seal(spki_der: &[u8], plain: &str) -> String {
        let key =
            OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(spki_der).unwrap()).unwrap();
        let mut out = vec![0u8; key.ciphertext_size()];
        let sealed = key
            .encrypt(&OAEP_SHA1_MGF1SHA1, plain.as_bytes(), &mut out, None)
            .unwrap();
        STANDARD.encode(sealed)
    }

    fn vector_decryptor() -> FieldDecryptor {
        let key = PrivatePkcs8KeyDer::from_pem_file(vector_path("wechatpay_test_private_key.pem"))
            .unwrap();
        FieldDecryptor::new(key.secret_pkcs8_der()).unwrap()
    }

    /// The ciphertext was made by an independent implementation (Python's cryptography).
    #[test]
    fn opens_the_independent_vector() {
        let vectors: serde_json::Value =
            serde_json::from_slice(&std::fs::read(vector_path("apiv3-notification.json")).unwrap())
                .unwrap();
        let oaep = &vectors["oaep"];
        assert_eq!(
            vector_decryptor().open(oaep["ciphertext_base64"].as_str().unwrap()),
            Ok(oaep["plaintext"].as_str().unwrap().to_owned())
        );
        assert_eq!(oaep["plaintext"], "张三");
    }

    #[test]
    fn round_trip_and_refusals() {
        let decryptor = vector_decryptor();
        let spki =
            SubjectPublicKeyInfoDer::from_pem_file(vector_path("wechatpay_test_public_key.pem"))
                .unwrap();
        for plain in ["13800138000", "李四", ""] {
            assert_eq!(
                decryptor.open(&seal(spki.as_ref(), plain)),
                Ok(plain.to_owned())
            );
        }
        assert_eq!(decryptor.open("13800138000!"), Err(OpenError::NotBase64));
        // Base64, but plain text.
        assert_eq!(
            decryptor.open("MTM4MDAxMzgwMDA="),
            Err(OpenError::NotCiphertext)
        );
        // A real ciphertext, one bit flipped.
        let mut bytes = STANDARD.decode(seal(spki.as_ref(), "x")).unwrap();
        bytes[100] ^= 1;
        assert_eq!(
            decryptor.open(&STANDARD.encode(bytes)),
            Err(OpenError::NotCiphertext)
        );
    }

    #[test]
    fn refuses_a_key_that_is_not_rsa() {
        assert!(FieldDecryptor::new(b"not a key").is_err());
    }
}
