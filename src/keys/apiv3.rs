//! The merchant's APIv3 key: 32 bytes set in the merchant platform, the AES-256-GCM key of
//! `AEAD_AES_256_GCM`, which encrypts notification resources and downloaded platform
//! certificates. A secret like the private key: never shown, wiped when dropped.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::Error;

/// AES-256-GCM's key length; WeChat Pay's APIv3 key is exactly this long.
pub(crate) const KEY_LEN: usize = 32;
/// WeChat Pay's nonces are 12 characters: AES-GCM's 96-bit nonce.
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

#[derive(Clone)]
pub struct ApiV3Key(Zeroizing<[u8; KEY_LEN]>);

/// The one algorithm WeChat Pay seals with.
pub(crate) const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// What WeChat Pay seals with the APIv3 key: a notification's `resource`, a downloaded
/// certificate's `encrypt_certificate`.
#[derive(Deserialize)]
pub(crate) struct Sealed {
    pub algorithm: String,
    pub nonce: String,
    #[serde(default)]
    pub associated_data: String,
    pub ciphertext: String,
}

/// Why a ciphertext did not decrypt.
#[derive(Debug, PartialEq, Eq)]
pub enum Undecryptable {
    /// Sealed with an algorithm other than `AEAD_AES_256_GCM`.
    OtherAlgorithm,
    /// Not what the envelope documents (base64, nonce length): the body is malformed.
    Malformed(&'static str),
    /// The tag does not authenticate it: another APIv3 key, or tampering.
    Unauthentic,
}

impl ApiV3Key {
    /// The key from its bytes; `source` names the setting. The message of an error gives the
    /// length only, never the bytes.
    pub fn new(source: &str, bytes: &[u8]) -> Result<Self, Error> {
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| {
            Error::config(format!(
                "{source}: the APIv3 key must be exactly {KEY_LEN} bytes (got {})",
                bytes.len()
            ))
        })?;
        Ok(ApiV3Key(Zeroizing::new(key)))
    }

    /// Opens what WeChat Pay sealed (`AEAD_AES_256_GCM` only).
    pub(crate) fn open(&self, sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>, Undecryptable> {
        if sealed.algorithm != ALGORITHM {
            return Err(Undecryptable::OtherAlgorithm);
        }
        self.decrypt(&sealed.nonce, &sealed.associated_data, &sealed.ciphertext)
    }

    /// Decrypts `ciphertext` (base64 of the encrypted bytes followed by the 16-byte tag) with
    /// `nonce` and `associated_data`, as WeChat Pay's `AEAD_AES_256_GCM` does.
    pub fn decrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        ciphertext: &str,
    ) -> Result<Zeroizing<Vec<u8>>, Undecryptable> {
        let nonce: [u8; NONCE_LEN] = nonce
            .as_bytes()
            .try_into()
            .map_err(|_| Undecryptable::Malformed("the nonce is not 12 bytes"))?;
        let mut in_out = Zeroizing::new(
            STANDARD
                .decode(ciphertext)
                .map_err(|_| Undecryptable::Malformed("the ciphertext is not base64"))?,
        );
        if in_out.len() < TAG_LEN {
            return Err(Undecryptable::Malformed(
                "the ciphertext is shorter than its tag",
            ));
        }
        let key = UnboundKey::new(&AES_256_GCM, self.0.as_ref())
            .map(LessSafeKey::new)
            .map_err(|_| Undecryptable::Unauthentic)?;
        let plain_len = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(associated_data.as_bytes()),
                &mut in_out,
            )
            .map_err(|_| Undecryptable::Unauthentic)?
            .len();
        in_out.truncate(plain_len);
        Ok(in_out)
    }
}

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::read_vector_file;
    use serde_json::Value;

    fn vectors() -> Value {
        serde_json::from_slice(&read_vector_file("apiv3-notification.json")).unwrap()
    }

    #[test]
    fn the_key_is_exactly_32_bytes_and_never_shown() {
        let err = ApiV3Key::new("apiv3_key", b"short-secret").unwrap_err();
        assert_eq!(
            err.message(),
            "apiv3_key: the APIv3 key must be exactly 32 bytes (got 12)"
        );
        let key = ApiV3Key::new("apiv3_key", &[b'k'; 32]).unwrap();
        assert_eq!(format!("{key:?}"), "ApiV3Key(redacted)");
    }

    #[test]
    fn decrypts_the_vectors_certificate_and_refuses_tampering() {
        let v = vectors();
        let key = ApiV3Key::new("k", v["apiv3_key"].as_str().unwrap().as_bytes()).unwrap();
        let body: Value =
            serde_json::from_str(v["platform_certificates_answer"]["body"].as_str().unwrap())
                .unwrap();
        let encrypted = &body["data"][0]["encrypt_certificate"];
        let field = |k: &str| encrypted[k].as_str().unwrap();
        let pem = key
            .decrypt(
                field("nonce"),
                field("associated_data"),
                field("ciphertext"),
            )
            .unwrap();
        assert_eq!(
            pem.as_slice(),
            read_vector_file("platform_test_certificate.pem").as_slice()
        );
        assert_eq!(
            key.decrypt(field("nonce"), "other", field("ciphertext")),
            Err(Undecryptable::Unauthentic)
        );
        let other = ApiV3Key::new("k", &[b'x'; 32]).unwrap();
        assert_eq!(
            other.decrypt(
                field("nonce"),
                field("associated_data"),
                field("ciphertext")
            ),
            Err(Undecryptable::Unauthentic)
        );
        assert!(matches!(
            key.decrypt("short", "", field("ciphertext")),
            Err(Undecryptable::Malformed(_))
        ));
        assert!(matches!(
            key.decrypt(field("nonce"), "", "!!"),
            Err(Undecryptable::Malformed(_))
        ));
    }
}
