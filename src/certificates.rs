//! WeChat Pay's platform certificates, downloaded (`GET /v3/certificates`): each one decrypted
//! with the APIv3 key, the response verified (with the client's keys, or — for the first
//! download — with the downloaded certificate its `Wechatpay-Serial` names), and the client's
//! downloaded set replaced in one step. In auto mode this happens by itself, on the caller's
//! thread, never more than once per 60 s.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::api_error::api_error;
use crate::call::{Call, Success};
use crate::client::Client;
use crate::clock::unix_now;
use crate::error::{Error, ErrorKind};
use crate::keyring::WithDownload;
use crate::keys::{ALGORITHM, KeyStore, Sealed, Undecryptable};
use crate::transport::RawResponse;
use crate::verify::verify_response;

/// Auto mode refreshes at most this often.
const AUTO_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// Whether the client refreshes by itself, and when it last did.
#[derive(Debug)]
pub(crate) struct CertificateRefresh {
    auto: bool,
    /// Held while an automatic refresh runs, so that threads needing one at the same time wait
    /// for it and find the new set, instead of downloading again.
    last_auto: Mutex<Option<Instant>>,
}

impl CertificateRefresh {
    pub(crate) fn new(auto: bool) -> Self {
        CertificateRefresh {
            auto,
            last_auto: Mutex::new(None),
        }
    }

    pub(crate) fn auto(&self) -> bool {
        self.auto
    }
}

#[derive(Deserialize)]
struct Download {
    data: Vec<DownloadedCertificate>,
}

#[derive(Deserialize)]
struct DownloadedCertificate {
    serial_no: String,
    encrypt_certificate: Sealed,
}

impl Client {
    /// Downloads WeChat Pay's platform certificates (`GET /v3/certificates`), checks them and
    /// replaces the downloaded set; configured keys stay. Returns how many downloaded
    /// certificates are now held and inside their validity period. Needs the APIv3 key.
    pub fn refresh_platform_certificates(&self) -> Result<usize, Error> {
        let count = self.download_certificates()?;
        if self.certificates.auto() {
            let mut last = lock(&self.certificates.last_auto);
            *last = Some(Instant::now());
        }
        Ok(count)
    }

    /// An automatic refresh, unless one ran less than 60 s ago (then `Ok(0)`).
    pub(crate) fn refresh_when_due(&self) -> Result<usize, Error> {
        let mut last = lock(&self.certificates.last_auto);
        if last.is_some_and(|at| at.elapsed() < AUTO_REFRESH_INTERVAL) {
            return Ok(0);
        }
        *last = Some(Instant::now());
        self.download_certificates()
    }

    fn download_certificates(&self) -> Result<usize, Error> {
        const OP: &str = "download-certificates";
        let Some(apiv3_key) = &self.apiv3_key else {
            return Err(Error::config(
                "downloading platform certificates needs the APIv3 key (apiv3_key or apiv3_key_file)",
            ));
        };
        let call = Call {
            name: OP,
            method: "GET",
            target: "/v3/certificates".into(),
            body: None,
            success: Success::JsonObject,
        };
        let response = self.exchange(&call)?;
        let downloaded = self
            .checked_download(&call, &response, apiv3_key, unix_now())
            .map_err(|error| response.annotate(error))?;
        let usable = downloaded.usable(unix_now());
        self.keys.replace_downloaded(downloaded);
        Ok(usable)
    }

    /// The certificates of a download response, once it is the documented JSON, each one
    /// decrypts, and the response's signature verifies (at Unix time `now`).
    fn checked_download(
        &self,
        call: &Call,
        response: &RawResponse,
        apiv3_key: &crate::keys::ApiV3Key,
        now: i64,
    ) -> Result<KeyStore, Error> {
        if !(200..300).contains(&response.status) {
            return Err(api_error(
                response.status,
                &response.body,
                response.body_cut,
            ));
        }
        call.success
            .check(call.name, response.status, &response.body)?;
        let download: Download = serde_json::from_slice(&response.body).map_err(|e| {
            Error::response(format!(
                "download-certificates: the response is not the documented certificate list: {e}"
            ))
        })?;
        let mut certificates = KeyStore::default();
        for item in &download.data {
            let pem = apiv3_key
                .open(&item.encrypt_certificate)
                .map_err(|e| match e {
                    Undecryptable::OtherAlgorithm => Error::response(format!(
                        "download-certificates: certificate {} is encrypted with an algorithm other than {ALGORITHM}",
                        item.serial_no
                    )),
                    Undecryptable::Unauthentic => Error::signature(format!(
                        "download-certificates: certificate {} does not decrypt with the APIv3 key (AES-256-GCM authentication failed): check apiv3_key",
                        item.serial_no
                    )),
                    Undecryptable::Malformed(why) => Error::response(format!(
                        "download-certificates: certificate {}: {why}",
                        item.serial_no
                    )),
                })?;
            let source = format!("downloaded certificate {}", item.serial_no);
            let serials = certificates
                .add_platform_certificates(&source, &pem)
                .map_err(|e| Error::new(ErrorKind::Response, e.message()))?;
            if serials != [item.serial_no.as_str()] {
                return Err(Error::response(format!(
                    "download-certificates: serial_no {} does not match the certificate it carries",
                    item.serial_no
                )));
            }
        }
        let current = self.keys.snapshot();
        let keys = WithDownload {
            current: &current,
            download: &certificates,
        };
        verify_response(&keys, |name| response.header(name), &response.body, now)?;
        Ok(certificates)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::test_vectors::{read_vector_file, vector_path};
    use serde_json::{Value, json};
    use ureq::http::{HeaderMap, HeaderName, HeaderValue};

    fn vectors() -> Value {
        serde_json::from_slice(&read_vector_file("apiv3-notification.json")).unwrap()
    }

    /// A client in auto mode with no configured WeChat Pay key, and `apiv3_key`.
    fn client(apiv3_key: &str) -> Client {
        let config = json!({
            "mchid": "1900000001",
            "merchant_serial_no": "3775B6A45ACD588826D15E583A95F5DD1A2B3C4D",
            "private_key_file": vector_path("merchant_test_key.pem"),
            "apiv3_key": apiv3_key,
            "auto_platform_certificates": true,
        });
        Client::new(Config::from_json(&config.to_string()).unwrap()).unwrap()
    }

    fn vector_response(tamper: bool) -> (RawResponse, i64) {
        let v = vectors();
        let answer = &v["platform_certificates_answer"];
        let mut headers = HeaderMap::new();
        for (name, value) in answer["headers"].as_object().unwrap() {
            headers.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value.as_str().unwrap()).unwrap(),
            );
        }
        let mut body = answer["body"].as_str().unwrap().as_bytes().to_vec();
        if tamper {
            body = String::from_utf8(body)
                .unwrap()
                .replace("2049", "2050")
                .into_bytes();
        }
        let timestamp = answer["headers"]["Wechatpay-Timestamp"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let response = RawResponse {
            status: 200,
            headers,
            body,
            body_cut: false,
        };
        (response, timestamp)
    }

    fn download(client: &Client, response: &RawResponse, now: i64) -> Result<KeyStore, Error> {
        let call = Call {
            name: "download-certificates",
            method: "GET",
            target: "/v3/certificates".into(),
            body: None,
            success: Success::JsonObject,
        };
        let key = client.apiv3_key.as_ref().unwrap();
        client.checked_download(&call, response, key, now)
    }

    #[test]
    fn the_first_download_verifies_with_the_certificate_it_carries() {
        let v = vectors();
        let client = client(v["apiv3_key"].as_str().unwrap());
        let (response, now) = vector_response(false);
        let certificates = download(&client, &response, now).unwrap();
        let serial = v["platform_certificates_answer"]["serial_no"]
            .as_str()
            .unwrap();
        assert!(matches!(
            certificates.lookup(serial, now),
            crate::keys::Lookup::Usable(_)
        ));
        assert_eq!(certificates.usable(now), 1);
    }

    #[test]
    fn a_wrong_apiv3_key_or_a_changed_body_is_refused() {
        let (response, now) = vector_response(false);
        let err = download(&client(&"x".repeat(32)), &response, now).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Signature);
        assert!(
            err.message()
                .contains("does not decrypt with the APIv3 key"),
            "{err}"
        );

        let v = vectors();
        let (tampered, now) = vector_response(true);
        let err = download(&client(v["apiv3_key"].as_str().unwrap()), &tampered, now).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Signature, "{err}");
    }
}
