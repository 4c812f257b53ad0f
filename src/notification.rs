//! Notifications (webhooks) WeChat Pay POSTs to the merchant: `FACEPAY.USER_STATE_CHANGE` for
//! face-pay contracts, and payments and refunds in the same envelope. One is trusted only once
//! its signature over the raw body verifies with a WeChat Pay key, its timestamp is within
//! 300 s, and its resource decrypts (AES-256-GCM) with the merchant's APIv3 key.

use serde::Deserialize;
use serde_json::Value;

use crate::client::Client;
use crate::clock::unix_now;
use crate::error::Error;
use crate::json_pointer;
use crate::keys::{ALGORITHM, Sealed, Undecryptable};
use crate::verify::{Signed, verify_signed};

/// Bodies above this are refused before anything else is done.
const MAX_BODY_BYTES: usize = 1 << 20;

/// A verified, decrypted notification.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    id: String,
    event_type: String,
    create_time: String,
    summary: String,
    resource_text: String,
    resource: Option<Value>,
}

impl Notification {
    /// The notification's id: the same notification may arrive more than once, de-duplicate
    /// on it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// E.g. `FACEPAY.USER_STATE_CHANGE`, `TRANSACTION.SUCCESS`.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// RFC 3339, as sent.
    pub fn create_time(&self) -> &str {
        &self.create_time
    }

    /// The envelope's `summary`, or "".
    pub fn summary(&self) -> &str {
        &self.summary
    }

    /// The decrypted resource as text (JSON for every documented event).
    pub fn resource_text(&self) -> &str {
        &self.resource_text
    }

    /// The decrypted resource as JSON; `None` if it is not JSON.
    pub fn resource(&self) -> Option<&Value> {
        self.resource.as_ref()
    }

    /// The value an RFC 6901 pointer names in the decrypted resource.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        json_pointer::get(self.resource.as_ref()?, pointer)
    }
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    create_time: String,
    event_type: String,
    #[serde(default)]
    summary: String,
    resource: Sealed,
}

impl Client {
    /// Verifies and decrypts a notification: the values of its `Wechatpay-Timestamp`,
    /// `Wechatpay-Nonce`, `Wechatpay-Signature` and `Wechatpay-Serial` headers, and the raw
    /// body exactly as received.
    ///
    /// [`crate::ErrorKind::Signature`]: an empty header value, a signature that does not verify,
    /// a serial that names no usable key, a timestamp more than 300 s from the local clock, or
    /// a resource that fails AES-256-GCM authentication (wrong APIv3 key or tampering).
    /// [`crate::ErrorKind::Response`]: not the documented envelope, another algorithm, or a
    /// body over 1 MiB. [`crate::ErrorKind::Config`]: no APIv3 key.
    pub fn parse_notification(
        &self,
        timestamp: &str,
        nonce: &str,
        signature: &str,
        serial: &str,
        body: &[u8],
    ) -> Result<Notification, Error> {
        self.parse_notification_at(timestamp, nonce, signature, serial, body, unix_now())
    }

    /// [`Client::parse_notification`] with the local clock at `now` (Unix seconds).
    pub(crate) fn parse_notification_at(
        &self,
        timestamp: &str,
        nonce: &str,
        signature: &str,
        serial: &str,
        body: &[u8],
        now: i64,
    ) -> Result<Notification, Error> {
        // A notification is received, not requested: whatever failed, nothing was sent.
        self.open_notification(timestamp, nonce, signature, serial, body, now)
            .map_err(Error::with_nothing_sent)
    }

    fn open_notification(
        &self,
        timestamp: &str,
        nonce: &str,
        signature: &str,
        serial: &str,
        body: &[u8],
        now: i64,
    ) -> Result<Notification, Error> {
        let Some(apiv3_key) = &self.apiv3_key else {
            return Err(Error::config(
                "parsing notifications needs the APIv3 key (apiv3_key or apiv3_key_file)",
            ));
        };
        if body.len() > MAX_BODY_BYTES {
            return Err(Error::response(format!(
                "notification body is {} bytes, over the {MAX_BODY_BYTES}-byte limit",
                body.len()
            )));
        }
        for (name, value) in [
            ("Wechatpay-Timestamp", timestamp),
            ("Wechatpay-Nonce", nonce),
            ("Wechatpay-Signature", signature),
            ("Wechatpay-Serial", serial),
        ] {
            if value.is_empty() {
                return Err(Error::signature(format!(
                    "notification's {name} header is missing or empty, so it cannot be verified"
                )));
            }
        }
        self.refresh_for_unknown_serial(Some(serial));
        let signed = Signed {
            timestamp,
            nonce,
            signature,
            serial,
            body,
        };
        verify_signed(&self.keys.snapshot(), "notification", &signed, now)?;

        let envelope: Envelope = serde_json::from_slice(body).map_err(|e| {
            Error::response(format!(
                "notification body is not the documented envelope (id, create_time, event_type, resource): {e}"
            ))
        })?;
        let plain = apiv3_key
            .open(&envelope.resource)
            .map_err(|e| match e {
                Undecryptable::OtherAlgorithm => Error::response(format!(
                    "notification resource is encrypted with an algorithm other than {ALGORITHM}"
                )),
                Undecryptable::Unauthentic => Error::signature(
                    "notification resource does not decrypt with the APIv3 key (AES-256-GCM authentication failed): the APIv3 key is wrong, or the notification was altered",
                ),
                Undecryptable::Malformed(why) => {
                    Error::response(format!("notification resource is malformed: {why}"))
                }
            })?;
        let resource_text = String::from_utf8(plain.to_vec())
            .map_err(|_| Error::response("notification resource does not decrypt to UTF-8 text"))?;
        let resource = serde_json::from_str(&resource_text).ok();
        Ok(Notification {
            id: envelope.id,
            event_type: envelope.event_type,
            create_time: envelope.create_time,
            summary: envelope.summary,
            resource_text,
            resource,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::error::ErrorKind;
    use crate::test_vectors::{read_vector_file, vector_path};
    use serde_json::json;

    fn vectors() -> Value {
        serde_json::from_slice(&read_vector_file("apiv3-notification.json")).unwrap()
    }

    /// A client with the vectors' merchant key, WeChat Pay public key and APIv3 key (never
    /// used to send anything).
    fn client() -> Client {
        let v = vectors();
        let config = json!({
            "mchid": "1900000001",
            "merchant_serial_no": "3775B6A45ACD588826D15E583A95F5DD1A2B3C4D",
            "private_key_file": vector_path("merchant_test_key.pem"),
            "wechatpay_public_key_id": v["wechatpay_public_key_id"],
            "wechatpay_public_key_file": vector_path("wechatpay_test_public_key.pem"),
            "apiv3_key": v["apiv3_key"],
        });
        Client::new(Config::from_json(&config.to_string()).unwrap()).unwrap()
    }

    fn parse(client: &Client, case: &Value, now_offset: i64) -> Result<Notification, Error> {
        let header = |name: &str| case["headers"][name].as_str().unwrap_or_default();
        let timestamp: i64 = header("Wechatpay-Timestamp").parse().unwrap();
        client.parse_notification_at(
            header("Wechatpay-Timestamp"),
            header("Wechatpay-Nonce"),
            header("Wechatpay-Signature"),
            header("Wechatpay-Serial"),
            case["body"].as_str().unwrap().as_bytes(),
            timestamp + now_offset,
        )
    }

    #[test]
    fn every_vector_gives_its_outcome() {
        let client = client();
        let v = vectors();
        let cases = v["notifications"].as_array().unwrap();
        assert!(cases.len() >= 6);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let result = parse(&client, case, 0);
            match case["expect"].as_str().unwrap() {
                "ok" => {
                    let n = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert_eq!(
                        n.resource_text(),
                        case["plaintext"].as_str().unwrap(),
                        "{name}"
                    );
                    let body: Value = serde_json::from_str(case["body"].as_str().unwrap()).unwrap();
                    assert_eq!(n.id(), body["id"], "{name}");
                    assert_eq!(n.event_type(), body["event_type"], "{name}");
                    assert_eq!(n.create_time(), body["create_time"], "{name}");
                    assert_eq!(
                        n.summary(),
                        body["summary"].as_str().unwrap_or(""),
                        "{name}"
                    );
                    let plain: Value = serde_json::from_str(n.resource_text()).unwrap();
                    assert_eq!(n.pointer("/user_id"), plain.get("user_id"), "{name}");
                }
                "signature" => {
                    assert_eq!(result.unwrap_err().kind(), ErrorKind::Signature, "{name}")
                }
                "response" => {
                    assert_eq!(result.unwrap_err().kind(), ErrorKind::Response, "{name}")
                }
                other => panic!("{name}: unknown expectation {other}"),
            }
        }
    }

    #[test]
    fn the_clock_window_is_300_seconds_either_way() {
        let client = client();
        let v = vectors();
        let good = &v["notifications"][0];
        for offset in [-300, 300] {
            parse(&client, good, offset).unwrap();
        }
        for (offset, says) in [(301, "301 s behind"), (-301, "301 s ahead of")] {
            let err = parse(&client, good, offset).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Signature);
            assert!(err.message().contains(says), "{err}");
            assert!(err.message().starts_with("notification timestamp"), "{err}");
        }
    }

    #[test]
    fn empty_headers_oversized_bodies_and_a_missing_key_are_named() {
        let client = client();
        let v = vectors();
        let good = &v["notifications"][0];
        let header = |name: &str| good["headers"][name].as_str().unwrap();
        let body = good["body"].as_str().unwrap().as_bytes();
        let err = client
            .parse_notification(
                "",
                header("Wechatpay-Nonce"),
                header("Wechatpay-Signature"),
                header("Wechatpay-Serial"),
                body,
            )
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Signature);
        assert!(
            err.message()
                .contains("Wechatpay-Timestamp header is missing or empty"),
            "{err}"
        );
        let huge = vec![b' '; MAX_BODY_BYTES + 1];
        let err = client
            .parse_notification("1", "n", "s", "k", &huge)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Response);

        let mut config = serde_json::from_str::<Value>(
            &json!({
                "mchid": "1900000001",
                "merchant_serial_no": "AB",
                "private_key_file": vector_path("merchant_test_key.pem"),
                "wechatpay_public_key_id": v["wechatpay_public_key_id"],
                "wechatpay_public_key_file": vector_path("wechatpay_test_public_key.pem"),
            })
            .to_string(),
        )
        .unwrap();
        config.as_object_mut().unwrap().remove("apiv3_key");
        let without_key = Client::new(Config::from_json(&config.to_string()).unwrap()).unwrap();
        let err = without_key
            .parse_notification("1", "n", "s", "k", body)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }
}
