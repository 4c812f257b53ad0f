//! The WeChat Pay verification keys: public keys by their `PUB_KEY_ID_…` id and platform
//! certificates by serial, side by side, as a merchant migrating between the two has them.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use x509_cert::der::Encode;

use super::MIN_RSA_BITS;
use super::encrypt::EncryptingKey;
use super::pem::{PemKind, parse_certificates, pem_kind};
use crate::error::Error;

/// Verification keys by the id WeChat Pay names in `Wechatpay-Serial`.
#[derive(Default, Clone)]
pub struct KeyStore {
    keys: HashMap<String, WechatpayKey>,
}

/// One WeChat Pay public key: for verifying its signatures and encrypting sensitive fields
/// to it. A platform certificate's key is usable only inside the certificate's validity.
#[derive(Clone)]
struct WechatpayKey {
    verify: ParsedPublicKey,
    encrypt: Arc<EncryptingKey>,
    /// `None` for a public key (no validity period); else the certificate's, in Unix seconds.
    validity: Option<Validity>,
}

/// A certificate's validity period, in Unix seconds (both ends included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    pub not_before: i64,
    pub not_after: i64,
}

/// What a key id names at a given time.
pub enum Lookup<'a> {
    Usable(&'a ParsedPublicKey),
    Unknown,
    /// A platform certificate past its `not_after`.
    Expired(Validity),
    /// A platform certificate before its `not_before`.
    NotYetValid(Validity),
}

impl KeyStore {
    /// Adds a WeChat Pay public key (SPKI `PUBLIC KEY` PEM, or PKCS#1) under its id.
    /// `source` names the setting in error messages.
    pub fn add_public_key(&mut self, source: &str, id: &str, pem: &[u8]) -> Result<(), Error> {
        check_key_id(id)?;
        let spki_der = match pem_kind(source, pem)? {
            PemKind::SpkiPublicKey => {
                let key = rsa::PublicKey::from_public_key_pem(pem_text(pem)).map_err(|e| {
                    Error::config(format!("{source} holds an unreadable RSA public key: {e}"))
                })?;
                check_rsa_bits(source, key.size())?;
                spki_der(source, &key)?
            }
            PemKind::Pkcs1PublicKey => {
                let key = rsa::PublicKey::from_pkcs1_pem(pem_text(pem)).map_err(|e| {
                    Error::config(format!("{source} holds an unreadable RSA public key: {e}"))
                })?;
                check_rsa_bits(source, key.size())?;
                spki_der(source, &key)?
            }
            PemKind::Certificate => {
                return Err(Error::config(format!(
                    "{source} holds a certificate; configure certificates as platform certificates"
                )));
            }
            other => {
                return Err(Error::config(format!(
                    "{source} holds {}, not a public key",
                    other.describe()
                )));
            }
        };
        self.insert(id.to_owned(), source, &spki_der, None)
    }

    /// Adds every platform certificate in a PEM document; each is stored under its serial
    /// (uppercase hex, as WeChat Pay writes it) with its validity period. Returns the serials
    /// added.
    pub fn add_platform_certificates(
        &mut self,
        source: &str,
        pem: &[u8],
    ) -> Result<Vec<String>, Error> {
        let mut serials = Vec::new();
        for certificate in parse_certificates(source, pem)? {
            let tbs = certificate.tbs_certificate();
            let serial = serial_hex(tbs.serial_number().as_bytes());
            let spki = tbs.subject_public_key_info().to_der().map_err(|e| {
                Error::config(format!(
                    "{source} holds a certificate whose key cannot be read: {e}"
                ))
            })?;
            let key = rsa::PublicKey::from_public_key_der(&spki).map_err(|e| {
                Error::config(format!(
                    "{source} holds certificate {serial} without a readable RSA public key: {e}"
                ))
            })?;
            check_rsa_bits(source, key.size())?;
            let validity = tbs.validity();
            let seconds = |t: x509_cert::time::Time| {
                i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
            };
            let validity = Validity {
                not_before: seconds(validity.not_before),
                not_after: seconds(validity.not_after),
            };
            self.insert(serial.clone(), source, &spki, Some(validity))?;
            serials.push(serial);
        }
        Ok(serials)
    }

    fn insert(
        &mut self,
        id: String,
        source: &str,
        spki_der: &[u8],
        validity: Option<Validity>,
    ) -> Result<(), Error> {
        let verify = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki_der)
            .map_err(|e| Error::config(format!("{source} holds a key that aws-lc rejects: {e}")))?;
        let encrypt = Arc::new(EncryptingKey::from_spki_der(source, spki_der)?);
        self.keys.insert(
            id,
            WechatpayKey {
                verify,
                encrypt,
                validity,
            },
        );
        Ok(())
    }

    /// What the id from `Wechatpay-Serial` names at Unix time `now`. Ids are opaque strings,
    /// matched exactly (certificate serials are stored in uppercase hex, as WeChat Pay sends
    /// them).
    pub fn lookup(&self, id: &str, now: i64) -> Lookup<'_> {
        match self.keys.get(id) {
            None => Lookup::Unknown,
            Some(key) => match key.validity {
                Some(v) if now > v.not_after => Lookup::Expired(v),
                Some(v) if now < v.not_before => Lookup::NotYetValid(v),
                _ => Lookup::Usable(&key.verify),
            },
        }
    }

    /// The key usable at `now` that requests should name in `Wechatpay-Serial` (and that
    /// sensitive fields are encrypted to): a public key first, else the platform certificate
    /// that became valid last.
    pub fn preferred(&self, now: i64) -> Option<(&str, &Arc<EncryptingKey>, i64)> {
        self.keys
            .iter()
            .filter_map(|(id, key)| match key.validity {
                None => Some((id.as_str(), &key.encrypt, i64::MAX)),
                Some(v) if (v.not_before..=v.not_after).contains(&now) => {
                    Some((id.as_str(), &key.encrypt, v.not_before))
                }
                Some(_) => None,
            })
            .max_by(|a, b| a.2.cmp(&b.2).then_with(|| a.0.cmp(b.0)))
    }

    /// How many keys are usable at `now`.
    pub fn usable(&self, now: i64) -> usize {
        self.keys
            .keys()
            .filter(|id| matches!(self.lookup(id, now), Lookup::Usable(_)))
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&String> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("KeyStore").field("ids", &ids).finish()
    }
}

/// Key ids travel in HTTP headers: printable ASCII only.
fn check_key_id(id: &str) -> Result<(), Error> {
    if id.is_empty()
        || id.len() > 128
        || !id.bytes().all(|b| (0x21..=0x7E).contains(&b) && b != b'"')
    {
        return Err(Error::config(
            "wechatpay_public_key_id must be 1 to 128 printable ASCII characters (e.g. PUB_KEY_ID_0114…)",
        ));
    }
    Ok(())
}

fn pem_text(pem: &[u8]) -> &str {
    std::str::from_utf8(pem).expect("pem_kind checked UTF-8")
}

fn check_rsa_bits(source: &str, size_bytes: usize) -> Result<(), Error> {
    let bits = size_bytes * 8;
    if bits < MIN_RSA_BITS {
        return Err(Error::config(format!(
            "{source} holds a {bits}-bit RSA key; WeChat Pay uses at least {MIN_RSA_BITS}"
        )));
    }
    Ok(())
}

fn spki_der(source: &str, key: &rsa::PublicKey) -> Result<Vec<u8>, Error> {
    key.to_public_key_der()
        .map(|doc| doc.as_bytes().to_vec())
        .map_err(|e| Error::config(format!("{source}: the key cannot be re-encoded: {e}")))
}

/// Certificate serials as WeChat Pay prints them: uppercase hex without DER's sign byte.
fn serial_hex(bytes: &[u8]) -> String {
    let significant = match bytes.iter().position(|&b| b != 0) {
        Some(first) => &bytes[first..],
        None => &bytes[bytes.len().saturating_sub(1)..],
    };
    significant.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::read_vector_file;

    #[test]
    fn serials_drop_the_sign_byte_and_use_uppercase() {
        assert_eq!(serial_hex(&[0x00, 0x9A, 0x0b]), "9A0B");
        assert_eq!(serial_hex(&[0x00]), "00");
    }

    #[test]
    fn public_key_id_becomes_the_request_serial() {
        let mut store = KeyStore::default();
        let pem = read_vector_file("wechatpay_test_public_key.pem");
        store
            .add_public_key("wechatpay_public_key_pem", "PUB_KEY_ID_1", &pem)
            .unwrap();
        assert_eq!(store.preferred(0).map(|p| p.0), Some("PUB_KEY_ID_1"));
        assert!(matches!(store.lookup("PUB_KEY_ID_1", 0), Lookup::Usable(_)));
        assert!(matches!(store.lookup("PUB_KEY_ID_2", 0), Lookup::Unknown));
        assert!(
            matches!(store.lookup("pub_key_id_1", 0), Lookup::Unknown),
            "ids are matched exactly"
        );
    }

    #[test]
    fn a_platform_certificate_is_usable_inside_its_validity_only() {
        let mut store = KeyStore::default();
        let pem = read_vector_file("platform_test_certificate.pem");
        let serials = store.add_platform_certificates("c", &pem).unwrap();
        assert_eq!(serials, ["5157F09EFDC096DE15EBE81A47057A7232F1B8E1"]);
        let Lookup::Expired(v) = store.lookup(&serials[0], i64::MAX - 1) else {
            panic!("expired")
        };
        assert!(v.not_before < v.not_after);
        assert!(matches!(
            store.lookup(&serials[0], v.not_before),
            Lookup::Usable(_)
        ));
        assert!(matches!(
            store.lookup(&serials[0], v.not_after),
            Lookup::Usable(_)
        ));
        assert!(matches!(
            store.lookup(&serials[0], v.not_before - 1),
            Lookup::NotYetValid(_)
        ));
        assert_eq!(store.preferred(v.not_after + 1).map(|p| p.0), None);
        assert_eq!(store.usable(v.not_before), 1);
        assert_eq!(store.usable(v.not_after + 1), 0);
    }

    #[test]
    fn a_private_key_is_not_a_public_key() {
        let mut store = KeyStore::default();
        let pem = read_vector_file("merchant_test_key.pem");
        let err = store
            .add_public_key("wechatpay_public_key_pem", "PUB_KEY_ID_1", &pem)
            .unwrap_err();
        assert_eq!(
            err.message(),
            "wechatpay_public_key_pem holds an RSA private key, not a public key"
        );
        assert!(
            store
                .add_public_key("wechatpay_public_key_pem", "bad id", &pem)
                .is_err()
        );
    }
}
