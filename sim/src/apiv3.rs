//! The merchant's APIv3 key and the AEAD_AES_256_GCM envelope WeChat Pay wraps with it
//! (downloaded platform certificates, notification resources).
//!
//! The key is 32 ASCII characters used as the raw AES-256 key (it is not an RSA key);
//! the nonce is 12 characters of text used as the GCM IV; `ciphertext` is base64 of the
//! encrypted bytes followed by the 16-byte tag.

use std::io;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The `algorithm` value of every encrypted resource.
pub(crate) const ALGORITHM: &str = "AEAD_AES_256_GCM";

/// Length of the APIv3 key in bytes (ASCII characters).
pub(crate) const KEY_LEN: usize = 32;

/// Length of a resource nonce in characters.
const NONCE_LEN: usize = 12;

const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `n` characters from `[0-9A-Za-z]`, from the system CSPRNG.
fn random_alphanumeric(n: usize) -> io::Result<String> {
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    while out.len() < n {
        aws_lc_rs::rand::fill(&mut buf).map_err(|_| io::Error::other("system random failed"))?;
        // Rejection sampling keeps every character equally likely: 248 = 4 * 62.
        out.extend(
            buf.iter()
                .filter(|b| **b < 248)
                .map(|b| char::from(ALPHANUMERIC[usize::from(*b % 62)]))
                .take(n - out.len()),
        );
    }
    Ok(out)
}

/// A fresh APIv3 key: 32 alphanumeric characters, the alphabet the merchant platform
/// accepts, so it can be pasted anywhere a real key goes.
pub(crate) fn generate_key() -> io::Result<String> {
    random_alphanumeric(KEY_LEN)
}

/// Checks a key read back from the state dir (or given in a control request).
pub(crate) fn check_key(key: &str) -> Result<(), String> {
    if key.len() == KEY_LEN && key.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(format!(
            "an APIv3 key is {KEY_LEN} printable ASCII characters (got {} bytes)",
            key.len()
        ))
    }
}

/// A fresh resource nonce: 12 alphanumeric characters (like `fdasflkja484`).
pub(crate) fn fresh_nonce() -> io::Result<String> {
    random_alphanumeric(NONCE_LEN)
}

fn cipher(key: &str) -> io::Result<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, key.as_bytes())
        .map(LessSafeKey::new)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "the APIv3 key is not 32 bytes"))
}

fn gcm_nonce(nonce: &str) -> io::Result<Nonce> {
    Nonce::try_assume_unique_for_key(nonce.as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "the nonce is not 12 bytes"))
}

/// base64(AES-256-GCM(key, nonce, aad, plaintext) || tag).
pub(crate) fn seal(key: &str, nonce: &str, aad: &str, plaintext: &[u8]) -> io::Result<String> {
    let mut in_out = plaintext.to_vec();
    cipher(key)?
        .seal_in_place_append_tag(gcm_nonce(nonce)?, Aad::from(aad.as_bytes()), &mut in_out)
        .map_err(|_| io::Error::other("AES-256-GCM sealing failed"))?;
    Ok(STANDARD.encode(in_out))
}

/// The plaintext of a `ciphertext` made by [`seal`]; `None` when it does not
/// authenticate (wrong key, nonce or associated data, or tampering).
#[cfg(test)]
pub(crate) fn open(key: &str, nonce: &str, aad: &str, ciphertext: &str) -> Option<Vec<u8>> {
    let mut in_out = STANDARD.decode(ciphertext).ok()?;
    let plain = cipher(key)
        .ok()?
        .open_in_place(
            gcm_nonce(nonce).ok()?,
            Aad::from(aad.as_bytes()),
            &mut in_out,
        )
        .ok()?;
    Some(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    use crate::test_vectors::vector_path;

    fn vectors() -> Value {
        serde_json::from_slice(&std::fs::read(vector_path("apiv3-notification.json")).unwrap())
            .unwrap()
    }

    /// AES-GCM is deterministic for a given key and nonce: sealing the vector's plaintext
    /// must give the independent implementation's ciphertext byte for byte.
    #[test]
    fn reproduces_the_notification_vector() {
        let v = vectors();
        let key = v["apiv3_key"].as_str().unwrap();
        let good = &v["notifications"][0];
        assert_eq!(good["name"], "user-state-change");
        let body: Value = serde_json::from_str(good["body"].as_str().unwrap()).unwrap();
        let resource = &body["resource"];
        let (nonce, aad) = (
            resource["nonce"].as_str().unwrap(),
            resource["associated_data"].as_str().unwrap(),
        );
        let plaintext = good["plaintext"].as_str().unwrap();
        assert_eq!(
            seal(key, nonce, aad, plaintext.as_bytes()).unwrap(),
            resource["ciphertext"].as_str().unwrap()
        );
        assert_eq!(
            open(key, nonce, aad, resource["ciphertext"].as_str().unwrap()).unwrap(),
            plaintext.as_bytes()
        );
        assert_eq!(
            open(
                key,
                nonce,
                "certificate",
                resource["ciphertext"].as_str().unwrap()
            ),
            None
        );
        let other_key = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            open(
                other_key,
                nonce,
                aad,
                resource["ciphertext"].as_str().unwrap()
            ),
            None
        );
    }

    #[test]
    fn opens_the_certificate_vector() {
        let v = vectors();
        let answer: Value =
            serde_json::from_str(v["platform_certificates_answer"]["body"].as_str().unwrap())
                .unwrap();
        let entry = &answer["data"][0]["encrypt_certificate"];
        let pem = open(
            v["apiv3_key"].as_str().unwrap(),
            entry["nonce"].as_str().unwrap(),
            entry["associated_data"].as_str().unwrap(),
            entry["ciphertext"].as_str().unwrap(),
        )
        .unwrap();
        let expected = std::fs::read(vector_path("platform_test_certificate.pem")).unwrap();
        assert_eq!(
            String::from_utf8(pem).unwrap().trim(),
            String::from_utf8(expected).unwrap().trim()
        );
    }

    #[test]
    fn keys_and_nonces_are_alphanumeric_and_fresh() {
        let (a, b) = (generate_key().unwrap(), generate_key().unwrap());
        assert_ne!(a, b);
        for key in [&a, &b] {
            assert_eq!(key.len(), KEY_LEN);
            assert!(key.bytes().all(|c| c.is_ascii_alphanumeric()));
            assert_eq!(check_key(key), Ok(()));
        }
        let nonce = fresh_nonce().unwrap();
        assert_eq!(nonce.len(), 12);
        assert!(nonce.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert!(check_key("short").unwrap_err().contains("32 printable"));
        assert!(check_key(&"é".repeat(16)).is_err());
        assert!(seal("short", &nonce, "", b"x").is_err());
        assert!(seal(&a, "short", "", b"x").is_err());
    }
}
