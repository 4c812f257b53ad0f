//! WeChat Pay platform certificates: the ones the simulator has signed with, rotation to
//! a new key, the expired one, and the body of `GET /v3/certificates`.
//!
//! Rotation keeps the previous certificate listed next to the new one, the overlap
//! WeChat Pay keeps so that clients can switch over. Rotations live in memory (and in a
//! `wechatpay_platform_cert_<SERIAL>.pem` file each, for clients that want to configure
//! one); a restarted simulator starts again from the state dir's certificate.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rcgen::KeyPair;
use serde_json::{Value, json};

use crate::apiv3;
use crate::keys::{self, Validity};
use crate::oaep::FieldDecryptor;
use crate::signer::AnswerSigner;
use crate::time::beijing_rfc3339;

/// The `associated_data` of every downloaded certificate.
const ASSOCIATED_DATA: &str = "certificate";

/// A platform certificate as tests and the control endpoints see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformCertificate {
    /// Uppercase hex, as in `Wechatpay-Serial`.
    pub serial_no: String,
    /// Start and end of validity, RFC 3339 in Beijing time (`…+08:00`), as
    /// `GET /v3/certificates` writes them.
    pub effective_time: String,
    pub expire_time: String,
    /// Its validity period is over.
    pub expired: bool,
    /// The certificate, PEM.
    pub pem: String,
    /// The same PEM in the state dir (absolute path).
    pub file: PathBuf,
}

impl PlatformCertificate {
    /// `{"serial_no","effective_time","expire_time","expired","file","pem"}`
    pub fn to_json(&self) -> Value {
        json!({
            "serial_no": self.serial_no,
            "effective_time": self.effective_time,
            "expire_time": self.expire_time,
            "expired": self.expired,
            "file": self.file.to_string_lossy(),
            "pem": self.pem,
        })
    }
}

/// A platform certificate with the key that goes with it.
pub(crate) struct SigningCert {
    pub(crate) serial: String,
    pem: String,
    file: PathBuf,
    /// Unix seconds.
    not_before: i64,
    not_after: i64,
    /// Signs answers and notifications, naming this certificate's serial.
    pub(crate) signer: Arc<AnswerSigner>,
    /// Opens request fields encrypted under this certificate's key.
    pub(crate) decryptor: Arc<FieldDecryptor>,
}

impl SigningCert {
    fn new(file: PathBuf, pem: String, key_der: &[u8]) -> io::Result<SigningCert> {
        let facts = keys::cert_facts(&pem, &file.to_string_lossy())?;
        Ok(SigningCert {
            signer: Arc::new(AnswerSigner::new(key_der, facts.serial.clone())?),
            decryptor: Arc::new(FieldDecryptor::new(key_der)?),
            serial: facts.serial,
            pem,
            file,
            not_before: facts.not_before,
            not_after: facts.not_after,
        })
    }

    /// X.509 validity includes `notAfter` itself.
    pub(crate) fn expired(&self, now: i64) -> bool {
        now > self.not_after
    }

    pub(crate) fn info(&self, now: i64) -> PlatformCertificate {
        PlatformCertificate {
            serial_no: self.serial.clone(),
            effective_time: beijing_rfc3339(self.not_before),
            expire_time: beijing_rfc3339(self.not_after),
            expired: self.expired(now),
            pem: self.pem.clone(),
            file: self.file.clone(),
        }
    }

    /// One entry of `data` in the download: the PEM sealed with the APIv3 key under a
    /// fresh nonce.
    fn download_entry(&self, apiv3_key: &str) -> io::Result<Value> {
        let nonce = apiv3::fresh_nonce()?;
        let ciphertext = apiv3::seal(apiv3_key, &nonce, ASSOCIATED_DATA, self.pem.as_bytes())?;
        Ok(json!({
            "serial_no": self.serial,
            "effective_time": beijing_rfc3339(self.not_before),
            "expire_time": beijing_rfc3339(self.not_after),
            "encrypt_certificate": {
                "algorithm": apiv3::ALGORITHM,
                "nonce": nonce,
                "associated_data": ASSOCIATED_DATA,
                "ciphertext": ciphertext,
            },
        }))
    }
}

/// Every platform certificate the simulator has signed with, the last one current.
pub(crate) struct PlatformCertificates {
    /// The state dir: rotated certificates are written there.
    dir: PathBuf,
    /// The test CA's key, which issues rotated certificates.
    ca_key: KeyPair,
    /// The state dir's expired certificate (for the WeChat Pay key).
    expired: Arc<SigningCert>,
    /// In the order they came into use; never empty.
    in_use: RwLock<Vec<Arc<SigningCert>>>,
}

/// What `GET /v3/certificates` answers, and who signs it.
pub(crate) struct Download {
    pub(crate) body: String,
    pub(crate) signer: Arc<AnswerSigner>,
}

impl PlatformCertificates {
    /// Starts from the state dir's certificate (and, with `serve_expired`, moves on to the
    /// expired one at once). `wechatpay_key_der` is the key of both.
    pub(crate) fn new(
        dir: &Path,
        ca_key: &KeyPair,
        wechatpay_key_der: &[u8],
        serve_expired: bool,
    ) -> io::Result<PlatformCertificates> {
        let load = |name: &str| -> io::Result<Arc<SigningCert>> {
            let file = dir.join(name);
            let pem = fs::read_to_string(&file)?;
            SigningCert::new(file, pem, wechatpay_key_der).map(Arc::new)
        };
        let first = load(crate::state_dir::PLATFORM_CERT)?;
        let expired = load(crate::state_dir::EXPIRED_PLATFORM_CERT)?;
        let mut in_use = vec![first];
        if serve_expired {
            in_use.push(expired.clone());
        }
        // rcgen keys are not Clone; a copy through PEM is exact.
        let ca_key = keys::key_from_pem(&ca_key.serialize_pem(), "ca.key.pem")?;
        Ok(PlatformCertificates {
            dir: dir.to_owned(),
            ca_key,
            expired,
            in_use: RwLock::new(in_use),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<SigningCert>>> {
        // Every update is a single push: a poisoned lock still holds a valid list.
        self.in_use.read().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, cert: Arc<SigningCert>) {
        let mut in_use = self.in_use.write().unwrap_or_else(|p| p.into_inner());
        if !in_use.last().is_some_and(|last| Arc::ptr_eq(last, &cert)) {
            in_use.push(cert);
        }
    }

    /// The certificate that signs certificate-mode answers now.
    pub(crate) fn current(&self) -> Arc<SigningCert> {
        let in_use = self.read();
        in_use[in_use.len() - 1].clone()
    }

    /// What `GET /v3/certificates` lists: the current certificate and the one before it
    /// (the overlap after a rotation), newest first.
    pub(crate) fn listed(&self) -> Vec<Arc<SigningCert>> {
        self.read().iter().rev().take(2).cloned().collect()
    }

    /// A certificate that has been in use, by serial (hex, any case).
    pub(crate) fn find(&self, serial: &str) -> Option<Arc<SigningCert>> {
        let serial = serial.trim();
        self.read()
            .iter()
            .rev()
            .find(|cert| cert.serial.eq_ignore_ascii_case(serial))
            .cloned()
    }

    /// A new WeChat Pay key with a new certificate (new serial, valid from yesterday for
    /// five years), which becomes current.
    pub(crate) fn rotate(&self, now: i64) -> io::Result<Arc<SigningCert>> {
        let key = keys::generate_rsa()?;
        let serial = keys::random_serial()?;
        let issuer = keys::issuer(&self.ca_key);
        let pem = keys::platform_cert(&key, &issuer, &serial, Validity::fresh_from(now))?.pem();
        let file = self.dir.join(format!(
            "wechatpay_platform_cert_{}.pem",
            keys::hex_upper(&serial)
        ));
        fs::write(&file, &pem).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot write {}: {e}", file.display()))
        })?;
        let cert = Arc::new(SigningCert::new(file, pem, &key.serialize_der())?);
        self.push(cert.clone());
        Ok(cert)
    }

    /// Makes the state dir's expired certificate current (if it is not already).
    pub(crate) fn serve_expired(&self) -> Arc<SigningCert> {
        self.push(self.expired.clone());
        self.expired.clone()
    }

    /// The `GET /v3/certificates` body, signed by the current certificate — or, when that
    /// one has expired, by the newest listed one that has not, so that a client can still
    /// bootstrap from the download and then meet the expired one in a later answer.
    pub(crate) fn download(&self, apiv3_key: &str, now: i64) -> io::Result<Download> {
        let listed = self.listed();
        let data = listed
            .iter()
            .map(|cert| cert.download_entry(apiv3_key))
            .collect::<io::Result<Vec<_>>>()?;
        let signer = listed
            .iter()
            .find(|cert| !cert.expired(now))
            .unwrap_or(&listed[0])
            .signer
            .clone();
        Ok(Download {
            body: json!({ "data": data }).to_string(),
            signer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::state_dir::StateDir;

    const NOW: i64 = 1_750_000_000; // 2025-06-15

    fn certificates(tag: &str, serve_expired: bool) -> (PlatformCertificates, String, PathBuf) {
        let path = std::env::temp_dir().join(format!(
            "wxface-sim-unit-certs-{tag}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&path);
        let dir = StateDir::open(&path).unwrap();
        let material = dir.prepare().unwrap();
        let certs = PlatformCertificates::new(
            dir.root(),
            &material.ca_key,
            &material.wechatpay_key_der,
            serve_expired,
        )
        .unwrap();
        (certs, material.apiv3_key, path)
    }

    fn open_download(body: &str, apiv3_key: &str) -> Vec<(String, String)> {
        let doc: Value = serde_json::from_str(body).unwrap();
        doc["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                let enc = &entry["encrypt_certificate"];
                assert_eq!(enc["algorithm"], "AEAD_AES_256_GCM");
                assert_eq!(enc["associated_data"], "certificate");
                assert_eq!(enc["nonce"].as_str().unwrap().len(), 12);
                let pem = apiv3::open(
                    apiv3_key,
                    enc["nonce"].as_str().unwrap(),
                    "certificate",
                    enc["ciphertext"].as_str().unwrap(),
                )
                .unwrap();
                let pem = String::from_utf8(pem).unwrap();
                assert_eq!(
                    keys::serial_of_cert_pem(&pem, "download").unwrap(),
                    entry["serial_no"].as_str().unwrap()
                );
                (entry["serial_no"].as_str().unwrap().to_owned(), pem)
            })
            .collect()
    }

    #[test]
    fn rotation_lists_the_new_and_the_old() {
        let (certs, apiv3_key, path) = certificates("rotate", false);
        let first = certs.current();
        assert!(!first.expired(NOW));
        let download = certs.download(&apiv3_key, NOW).unwrap();
        assert_eq!(download.signer.serial(), first.serial);
        assert_eq!(open_download(&download.body, &apiv3_key).len(), 1);

        let second = certs.rotate(NOW).unwrap();
        assert_ne!(second.serial, first.serial);
        assert_eq!(certs.current().serial, second.serial);
        assert!(second.file.is_file());
        let info = second.info(NOW);
        assert_eq!(info.effective_time, "2025-06-14T08:00:00+08:00");
        assert!(!info.expired);
        let download = certs.download(&apiv3_key, NOW).unwrap();
        assert_eq!(download.signer.serial(), second.serial);
        let listed: Vec<String> = open_download(&download.body, &apiv3_key)
            .into_iter()
            .map(|(serial, _)| serial)
            .collect();
        assert_eq!(listed, [second.serial.clone(), first.serial.clone()]);
        assert!(certs.find(&first.serial.to_lowercase()).is_some());

        // A third certificate pushes the first out of the list.
        let third = certs.rotate(NOW).unwrap();
        let listed: Vec<String> = certs.listed().iter().map(|c| c.serial.clone()).collect();
        assert_eq!(listed, [third.serial.clone(), second.serial.clone()]);
        let _ = fs::remove_dir_all(&path);
    }

    #[test]
    fn the_expired_certificate_lies_in_the_past() {
        let (certs, apiv3_key, path) = certificates("expired", true);
        let expired = certs.current();
        assert!(expired.expired(NOW));
        let info = expired.info(NOW);
        assert_eq!(info.effective_time, "2021-01-01T08:00:00+08:00");
        assert_eq!(info.expire_time, "2024-01-01T08:00:00+08:00");
        assert!(info.expired);
        // Listed next to the valid one, and the download is signed by the valid one.
        let download = certs.download(&apiv3_key, NOW).unwrap();
        let listed = certs.listed();
        assert_eq!(listed[0].serial, expired.serial);
        assert_ne!(download.signer.serial(), expired.serial);
        assert_eq!(download.signer.serial(), listed[1].serial);
        assert_eq!(open_download(&download.body, &apiv3_key).len(), 2);
        // Serving it again changes nothing.
        certs.serve_expired();
        assert_eq!(certs.listed().len(), 2);
        assert_eq!(certs.listed()[1].serial, listed[1].serial);
        let _ = fs::remove_dir_all(&path);
    }
}
