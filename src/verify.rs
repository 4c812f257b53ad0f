//! Verification of what WeChat Pay signs — every 2xx response, and every notification: a
//! valid signature by a WeChat Pay key the client holds (usable at that time), over the raw
//! body, made within 300 s of the local clock. It fails closed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::auth::{SIGNATURE_SCHEME, signed_lines};
use crate::clock::utc_date;
use crate::error::Error;
use crate::keyring::KeyLookup;
use crate::keys::Lookup;

/// How far a signed timestamp may be from the local clock, either way.
pub(crate) const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// Prefix of the probe signatures WeChat Pay sends to check that clients verify.
const PROBE_SIGNATURE_PREFIX: &str = "WECHATPAY/SIGNTEST/";

/// A signed message as it arrived: the four signature values and the raw body.
pub(crate) struct Signed<'a> {
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
    pub serial: &'a str,
    pub body: &'a [u8],
}

/// Checks the signature headers of a response against `body`, failing closed.
///
/// `header` looks up a response header by (case-insensitive) name. `now` is the local
/// Unix time in seconds.
pub fn verify_response<'h>(
    keys: &dyn KeyLookup,
    header: impl Fn(&str) -> Option<&'h str>,
    body: &[u8],
    now: i64,
) -> Result<(), Error> {
    let required = |name: &str| {
        header(name).ok_or_else(|| {
            Error::signature(format!(
                "response lacks the {name} header, so it cannot be verified"
            ))
        })
    };
    let timestamp = required("Wechatpay-Timestamp")?;
    let nonce = required("Wechatpay-Nonce")?;
    let signature = required("Wechatpay-Signature")?;
    let serial = required("Wechatpay-Serial")?;
    let scheme = required("Wechatpay-Signature-Type")?;
    if scheme != SIGNATURE_SCHEME {
        return Err(Error::signature(format!(
            "response is signed with \"{}\", expected {SIGNATURE_SCHEME}",
            excerpt(scheme)
        )));
    }
    let signed = Signed {
        timestamp,
        nonce,
        signature,
        serial,
        body,
    };
    verify_signed(keys, "response", &signed, now)
}

/// Checks a signed message (`what` names it in messages: "response", "notification").
pub(crate) fn verify_signed(
    keys: &dyn KeyLookup,
    what: &str,
    signed: &Signed<'_>,
    now: i64,
) -> Result<(), Error> {
    let serial = signed.serial;
    let key = match keys.lookup(serial, now) {
        Lookup::Usable(key) => key,
        Lookup::Unknown => {
            return Err(Error::signature(format!(
                "{what} is signed with key \"{}\", which is not configured (configure its WeChat Pay public key or platform certificate)",
                excerpt(serial)
            )));
        }
        Lookup::Expired(validity) => {
            return Err(Error::signature(format!(
                "{what} is signed with platform certificate {serial}, which expired on {} (UTC): configure WeChat Pay's current certificate or public key",
                utc_date(validity.not_after)
            )));
        }
        Lookup::NotYetValid(validity) => {
            return Err(Error::signature(format!(
                "{what} is signed with platform certificate {serial}, which is valid only from {} (UTC): check the local clock",
                utc_date(validity.not_before)
            )));
        }
    };
    if signed.signature.starts_with(PROBE_SIGNATURE_PREFIX) {
        return Err(Error::signature(format!(
            "{what} carries a WeChat Pay probe signature (WECHATPAY/SIGNTEST/...), which is never valid"
        )));
    }
    let signature = STANDARD
        .decode(signed.signature)
        .map_err(|_| Error::signature(format!("{what}'s Wechatpay-Signature is not base64")))?;
    let sent_at: i64 = signed.timestamp.parse().map_err(|_| {
        Error::signature(format!(
            "{what}'s Wechatpay-Timestamp \"{}\" is not a Unix time",
            excerpt(signed.timestamp)
        ))
    })?;
    let message = signed_lines(&[
        signed.timestamp.as_bytes(),
        signed.nonce.as_bytes(),
        signed.body,
    ]);
    key.verify_sig(&message, &signature).map_err(|_| {
        Error::signature(format!(
            "{what} signature does not verify with WeChat Pay key \"{serial}\": the {what} was altered or not sent by WeChat Pay"
        ))
    })?;
    check_clock_skew(what, sent_at, now)
}

fn check_clock_skew(what: &str, sent_at: i64, now: i64) -> Result<(), Error> {
    let skew = now.saturating_sub(sent_at);
    if skew.abs() <= MAX_CLOCK_SKEW_SECS {
        return Ok(());
    }
    let (seconds, direction) = if skew > 0 {
        (skew, "behind")
    } else {
        (skew.saturating_neg(), "ahead of")
    };
    Err(Error::signature(format!(
        "{what} timestamp is {seconds} s {direction} the local clock (limit {MAX_CLOCK_SKEW_SECS} s): check the terminal's clock"
    )))
}

/// Header values come from the network: quote at most a short, printable prefix.
fn excerpt(value: &str) -> String {
    value
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::test_vectors::{read_vector_file, vectors};

    fn store() -> crate::keys::KeyStore {
        let v = vectors();
        let mut store = crate::keys::KeyStore::default();
        store
            .add_public_key(
                "wechatpay_public_key_pem",
                v["wechatpay"]["public_key_id"].as_str().unwrap(),
                &read_vector_file("wechatpay_test_public_key.pem"),
            )
            .unwrap();
        store
    }

    fn check(
        response: &serde_json::Value,
        now_offset: i64,
        drop: Option<&str>,
    ) -> Result<(), Error> {
        let headers = response["headers"].as_object().unwrap();
        let sent_at: i64 = headers["Wechatpay-Timestamp"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let lookup = |name: &str| {
            if Some(name) == drop {
                return None;
            }
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str())
        };
        let keyring = crate::keyring::Keyring::new(store());
        verify_response(
            &keyring.snapshot(),
            lookup,
            response["body"].as_str().unwrap().as_bytes(),
            sent_at + now_offset,
        )
    }

    #[test]
    fn every_response_vector_verifies_as_marked() {
        for response in vectors()["responses"].as_array().unwrap() {
            let result = check(response, 0, None);
            assert_eq!(
                result.is_ok(),
                response["valid"].as_bool().unwrap(),
                "{}: {result:?}",
                response["name"]
            );
            if let Err(e) = result {
                assert_eq!(e.kind(), ErrorKind::Signature);
            }
        }
    }

    #[test]
    fn the_204_vector_names_the_cause_of_each_failure() {
        let v = vectors();
        let response = &v["responses"][0];
        assert!(check(response, 300, None).is_ok());
        assert!(check(response, -300, None).is_ok());
        assert_eq!(
            check(response, 301, None).unwrap_err().message(),
            "response timestamp is 301 s behind the local clock (limit 300 s): check the terminal's clock"
        );
        assert!(
            check(response, -612, None)
                .unwrap_err()
                .message()
                .starts_with("response timestamp is 612 s ahead of")
        );
        for name in [
            "Wechatpay-Timestamp",
            "Wechatpay-Nonce",
            "Wechatpay-Signature",
            "Wechatpay-Serial",
            "Wechatpay-Signature-Type",
        ] {
            let err = check(response, 0, Some(name)).unwrap_err();
            assert!(err.message().contains(name), "{}", err.message());
        }
        let mut probe = response.clone();
        probe["headers"]["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/AAAA".into();
        assert!(
            check(&probe, 0, None)
                .unwrap_err()
                .message()
                .contains("probe signature")
        );
    }

    #[test]
    fn unknown_serial_is_named() {
        let v = vectors();
        let err = check(&v["responses"][3], 0, None).unwrap_err();
        assert!(
            err.message()
                .contains("PUB_KEY_ID_0119000000012025000000009999"),
            "{}",
            err.message()
        );
    }
}
