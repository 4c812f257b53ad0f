//! The merchant API private key: read once from PEM, then used for every request signature.

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, SecretDocument};
use rsa::traits::PublicKeyParts;

use super::MIN_RSA_BITS;
use super::pem::{PemKind, pem_kind};
use crate::error::Error;

/// The merchant's RSA private key, ready to sign.
///
/// The key lives inside aws-lc, which wipes it when the key is freed; the intermediate
/// copies made while reading it (the DER, and the `rsa` key where that path is taken) are
/// zeroized on drop as well.
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
        if let Some(key_pair) = key_pair_as_is(&kind, text) {
            return Ok(MerchantKey {
                key_pair,
                rng: SystemRandom::new(),
            });
        }
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

/// aws-lc's key straight from the PEM's own DER, if aws-lc takes it as it is, which every
/// well-formed PKCS#8 or PKCS#1 RSA key of 2048 to 8192 bits is: one parse, in which aws-lc
/// checks the key's consistency (RSA_check_key), instead of three (the `rsa` crate reading and
/// checking it, whose big-integer work is most of what reading a key costs; re-encoding it;
/// aws-lc parsing that). This matters to processes that make one call.
///
/// `None` sends the key down the `rsa` crate path, which gives every error its precise
/// message and still accepts what it accepted before: keys whose stored CRT parameters aws-lc
/// refuses (the `rsa` crate recomputes them) and PKCS#8 keys labelled RSASSA-PSS (re-encoded as
/// plain RSA). The one difference: a consistent key that the `rsa` crate's import rules refused
/// (primes of very unequal size) but aws-lc, which does the signing, accepts is now accepted.
fn key_pair_as_is(kind: &PemKind, text: &str) -> Option<KeyPair> {
    // SecretDocument wipes the DER when dropped.
    let (label, der) = SecretDocument::from_pem(text).ok()?;
    let key_pair = match (kind, label) {
        (PemKind::Pkcs8PrivateKey, "PRIVATE KEY") => KeyPair::from_pkcs8(der.as_bytes()),
        (PemKind::Pkcs1PrivateKey, "RSA PRIVATE KEY") => KeyPair::from_der(der.as_bytes()),
        _ => return None,
    }
    .ok()?;
    // aws-lc-rs refuses keys under 2048 bits itself; wxface's own minimum holds regardless.
    (key_pair.public_modulus_len() * 8 >= MIN_RSA_BITS).then_some(key_pair)
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
    fn well_formed_keys_go_straight_to_aws_lc() {
        for file in ["merchant_test_key.pem", "merchant_test_key_pkcs1.pem"] {
            let pem = read_vector_file(file);
            let kind = pem_kind(file, &pem).unwrap();
            let text = std::str::from_utf8(&pem).unwrap();
            assert!(key_pair_as_is(&kind, text).is_some(), "{file}");
        }
    }

    /// The `rsa` crate path recomputes the CRT parameters that aws-lc checks: a key file with a
    /// wrong one was accepted before aws-lc read keys directly, and still is.
    #[test]
    fn a_key_with_a_wrong_stored_crt_parameter_is_still_accepted() {
        use rsa::pkcs1::der::pem::LineEnding;
        use rsa::pkcs1::der::{Decode, Encode};
        use rsa::pkcs1::{RsaPrivateKey, RsaPrivateKeyRef};

        let pem = read_vector_file("merchant_test_key_pkcs1.pem");
        let (_, der) = SecretDocument::from_pem(std::str::from_utf8(&pem).unwrap()).unwrap();
        let good = RsaPrivateKeyRef::from_der(der.as_bytes()).unwrap();
        let altered = RsaPrivateKey {
            exponent1: good.exponent2,
            ..good
        };
        let altered_der = altered.to_der().unwrap();
        assert!(
            KeyPair::from_der(&altered_der).is_err(),
            "aws-lc must refuse the altered key as it is, or this test proves nothing"
        );
        let altered_pem = SecretDocument::try_from(altered_der)
            .unwrap()
            .to_pem("RSA PRIVATE KEY", LineEnding::LF)
            .unwrap();
        let key = MerchantKey::from_pem("k", altered_pem.as_bytes()).unwrap();
        let request = &vectors()["requests"][0];
        let signature = key
            .sign(request["message"].as_str().unwrap().as_bytes())
            .unwrap();
        assert_eq!(
            STANDARD.encode(signature),
            request["signature"].as_str().unwrap()
        );
    }

    #[test]
    fn a_key_under_2048_bits_is_refused_with_its_size() {
        let err = MerchantKey::from_pem("private_key_pem", SMALL_KEY.as_bytes()).unwrap_err();
        assert_eq!(
            err.message(),
            "private_key_pem holds a 1024-bit RSA key; WeChat Pay requires at least 2048"
        );
    }

    /// A throwaway 1024-bit test key (openssl genpkey), too small for WeChat Pay.
    const SMALL_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAMQi0wwri3EFO8/U
zmukO7kYeofDnKSVwbOQ0bbZtuNgYZRFHZRLRXNtImY/Rfgd6Sa+3b4F5z0eoJuM
LnjMeQOpBnTTDNYbTogj1lmFN7TCPQ5lG94xEv5ZOqAX+FI1xkCkyMaH0inDf19E
KWeYHgWQGGUdYANjetQUjZfGSoFFAgMBAAECgYAMdv4cpuPMwf1kHu0jcCOPhtu6
pxbcatwNkmWRjlKOLsDk0GOp2gLG7Cekgd7rftMjcDvdaLiibMDeQdFuQehq043b
ELJngif2BBNWk1ktLDxlvW0ttEvfAptndveVdXQKVZBNf5t6Y8k+b2df8/BbD+Qu
mBp1e34bMilURSyxYQJBAPNq9/o9SX5VtJv4uEZ2Pa0y1HwwbQQXtpL3TgnQTWim
4QDS/3akgokQ3aBOyj0wWwXFb6dfjdSalqCgGoPd1J0CQQDORjK/hRpgpXhA6fG4
t3nSn4ZxrvPxcs9lvPRcRlsoHvTW4APsLZeJ3c4fp8LzxZdZIyvHMXjRlx3IOY5Q
zzrJAkEAtYvvXUy+dqIXbUjIr4zanUXO4rz/YdEJ03ztUDZytX3ZTNMRw3wY+39/
vGNnRNG+4YQKrWuADbQqaaxfekBFpQJALyR4ALFo3+GxZBSTfAXiv7JZxa2Ybvww
Ti4rItOpjbfVeS5ldxrMYWPh8fYjZhcoieSx4qp51FzXH6WX0vwpkQJAUZM92EGM
yOf4kgxfyrAzsteTR8GMDiV21+McEj/ugU3U+/vHRLrMSwoQUeMUBr7lDx/W0/DD
8IU3Zm1HVF5I1Q==
-----END PRIVATE KEY-----
";

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
