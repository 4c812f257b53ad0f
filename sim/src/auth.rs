//! Request verification: the `Authorization: WECHATPAY2-SHA256-RSA2048 …` header and the
//! signature over `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`, checked the way the live
//! service does, with the 401 `SIGN_ERROR` detail it answers.

use std::io;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::replay::ReplayCache;

pub(crate) const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// Largest distance between a request's timestamp and the server clock.
const MAX_SKEW_SECS: i64 = 300;

/// How long a nonce may not be used again.
const REPLAY_WINDOW: Duration = Duration::from_secs(600);

/// Nonces remembered at most (a bound on memory; ~200 requests/s for 10 minutes).
const REPLAY_CAPACITY: usize = 200_000;

/// `truncated_sign_message` keeps at most this many bytes (the live service truncates too).
const SIGN_MESSAGE_SHOWN: usize = 2048;

/// The five pairs of an Authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization {
    pub(crate) mchid: String,
    pub(crate) nonce_str: String,
    pub(crate) timestamp: String,
    pub(crate) serial_no: String,
    pub(crate) signature: String,
}

/// Parses `WECHATPAY2-SHA256-RSA2048 k1="v1",k2="v2",…`: pairs in any order, each of the
/// five required once and non-empty; unknown keys are ignored. The error is the "issue".
pub(crate) fn parse_authorization(value: &str) -> Result<Authorization, String> {
    let rest = value
        .trim()
        .strip_prefix(SCHEME)
        .filter(|rest| rest.starts_with(' '))
        .ok_or_else(|| format!("Authorization must start with \"{SCHEME} \""))?;
    let malformed = || {
        "Authorization is malformed: expected key=\"value\" pairs separated by commas".to_owned()
    };

    let mut fields: [(&str, Option<String>); 5] = [
        ("mchid", None),
        ("nonce_str", None),
        ("timestamp", None),
        ("serial_no", None),
        ("signature", None),
    ];
    let mut rest = rest.trim_start();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=').ok_or_else(malformed)?;
        let key = key.trim();
        let after = after.trim_start().strip_prefix('"').ok_or_else(malformed)?;
        let (value, after) = after.split_once('"').ok_or_else(malformed)?;
        if let Some((name, slot)) = fields.iter_mut().find(|(name, _)| *name == key) {
            if slot.is_some() {
                return Err(format!("Authorization repeats {name}"));
            }
            *slot = Some(value.to_owned());
        } else if key.is_empty() {
            return Err(malformed());
        }
        rest = after.trim_start();
        if !rest.is_empty() {
            rest = rest.strip_prefix(',').ok_or_else(malformed)?.trim_start();
        }
    }
    let mut take = |i: usize| {
        let (name, slot) = &mut fields[i];
        slot.take()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("Authorization lacks {name}"))
    };
    Ok(Authorization {
        mchid: take(0)?,
        nonce_str: take(1)?,
        timestamp: take(2)?,
        serial_no: take(3)?,
        signature: take(4)?,
    })
}

/// `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`; an empty body leaves an empty line.
pub(crate) fn request_message(
    method: &str,
    target: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut message = Vec::with_capacity(
        method.len() + target.len() + timestamp.len() + nonce.len() + body.len() + 5,
    );
    for part in [
        method.as_bytes(),
        target.as_bytes(),
        timestamp.as_bytes(),
        nonce.as_bytes(),
        body,
    ] {
        message.extend_from_slice(part);
        message.push(b'\n');
    }
    message
}

/// What the verifier looks at in one request.
pub(crate) struct SignedRequest<'a> {
    pub(crate) method: &'a str,
    /// Path and query exactly as on the wire.
    pub(crate) target: &'a str,
    /// The raw Authorization header value, if any.
    pub(crate) authorization: Option<&'a [u8]>,
    pub(crate) body: &'a [u8],
}

/// Why a request was rejected, with the timestamp and nonce it claimed (empty when the
/// header could not be read) so the 401 can show the message the server computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignFailure {
    pub(crate) issue: String,
    pub(crate) timestamp: String,
    pub(crate) nonce: String,
}

pub(crate) struct RequestVerifier {
    mchid: String,
    merchant_serial: String,
    merchant_public_key: UnparsedPublicKey<Vec<u8>>,
    replay: ReplayCache,
}

impl RequestVerifier {
    /// `merchant_key_der`: the merchant key (PKCS#8, or PKCS#1 if someone put one in the
    /// state dir); only its public half is kept.
    pub(crate) fn new(
        mchid: &str,
        merchant_serial: &str,
        merchant_key_der: &[u8],
    ) -> io::Result<RequestVerifier> {
        let key = crate::signer::rsa_key_from_der(merchant_key_der, "merchant key")?;
        let public = aws_lc_rs::signature::KeyPair::public_key(&key)
            .as_ref()
            .to_vec();
        Ok(RequestVerifier {
            mchid: mchid.to_owned(),
            merchant_serial: merchant_serial.to_owned(),
            merchant_public_key: UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public),
            replay: ReplayCache::new(REPLAY_WINDOW, REPLAY_CAPACITY),
        })
    }

    /// Checks, in order: header present and well-formed, mchid, serial_no, timestamp
    /// within 300 s of `now`, signature, and finally that the nonce is fresh (recorded
    /// only for requests that passed everything else).
    pub(crate) fn verify(&self, request: &SignedRequest<'_>, now: i64) -> Result<(), SignFailure> {
        let bare = |issue: String| SignFailure {
            issue,
            timestamp: String::new(),
            nonce: String::new(),
        };
        let raw = request
            .authorization
            .ok_or_else(|| bare("Authorization header is missing".into()))?;
        let text = std::str::from_utf8(raw)
            .map_err(|_| bare("Authorization header is not UTF-8".into()))?;
        let auth = parse_authorization(text).map_err(bare)?;
        let fail = |issue: String| SignFailure {
            issue,
            timestamp: auth.timestamp.clone(),
            nonce: auth.nonce_str.clone(),
        };

        if auth.mchid != self.mchid {
            return Err(fail(format!(
                "mchid {} is not a merchant this simulator knows ({})",
                auth.mchid, self.mchid
            )));
        }
        if !auth.serial_no.eq_ignore_ascii_case(&self.merchant_serial) {
            return Err(fail(format!(
                "serial_no {} is not the merchant certificate's serial ({})",
                auth.serial_no, self.merchant_serial
            )));
        }
        let timestamp: i64 = auth
            .timestamp
            .parse()
            .ok()
            .filter(|_| auth.timestamp.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                fail(format!(
                    "timestamp {:?} is not Unix seconds",
                    auth.timestamp
                ))
            })?;
        let skew = timestamp.saturating_sub(now);
        if skew.abs() > MAX_SKEW_SECS {
            return Err(fail(format!(
                "timestamp {timestamp} is {} s {} server time (limit {MAX_SKEW_SECS} s): check the client's clock",
                skew.abs(),
                if skew < 0 { "behind" } else { "ahead of" }
            )));
        }
        let signature = STANDARD
            .decode(&auth.signature)
            .map_err(|_| fail("signature is not valid base64".into()))?;
        let message = request_message(
            request.method,
            request.target,
            &auth.timestamp,
            &auth.nonce_str,
            request.body,
        );
        if self
            .merchant_public_key
            .verify(&message, &signature)
            .is_err()
        {
            return Err(fail(
                "signature does not verify with the merchant certificate's public key over the message in sign_information"
                    .into(),
            ));
        }
        if !self.replay.first_use(&auth.nonce_str, Instant::now()) {
            return Err(fail(
                "nonce_str was already used within the last 10 minutes".into(),
            ));
        }
        Ok(())
    }
}

/// The `detail` of a 401 `SIGN_ERROR`, with the message the server computed.
pub(crate) fn sign_error_detail(request: &SignedRequest<'_>, failure: &SignFailure) -> Value {
    let message = request_message(
        request.method,
        request.target,
        &failure.timestamp,
        &failure.nonce,
        request.body,
    );
    let shown = &message[..message.len().min(SIGN_MESSAGE_SHOWN)];
    json!({
        "field": "signature",
        "location": "authorization",
        "issue": failure.issue,
        "sign_information": {
            "method": request.method,
            "url": request.target,
            "truncated_sign_message": String::from_utf8_lossy(shown),
            "sign_message_length": message.len(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::PrivatePkcs8KeyDer;
    use rustls::pki_types::pem::PemObject;

    use crate::test_vectors::vector_path;

    const GOOD: &str = r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="N1",timestamp="1722850421",serial_no="AB12",signature="c2ln""#;

    #[test]
    fn parses_pairs_in_any_order() {
        let expected = Authorization {
            mchid: "1900000001".into(),
            nonce_str: "N1".into(),
            timestamp: "1722850421".into(),
            serial_no: "AB12".into(),
            signature: "c2ln".into(),
        };
        assert_eq!(parse_authorization(GOOD), Ok(expected.clone()));
        let shuffled = r#"WECHATPAY2-SHA256-RSA2048 signature="c2ln", serial_no="AB12",timestamp="1722850421",nonce_str="N1",mchid="1900000001""#;
        assert_eq!(parse_authorization(shuffled), Ok(expected.clone()));
        let with_extra = format!(r#"{GOOD},extra="x""#);
        assert_eq!(parse_authorization(&with_extra), Ok(expected));
    }

    #[test]
    fn names_what_is_wrong() {
        let cases = [
            ("", "must start with"),
            ("Bearer x", "must start with"),
            ("WECHATPAY2-SHA256-RSA2048", "must start with"),
            (r#"WECHATPAY2-SHA256-RSA2048mchid="1""#, "must start with"),
            (
                r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="N""#,
                "lacks timestamp",
            ),
            (
                &GOOD.replace(r#"nonce_str="N1""#, r#"nonce_str="""#),
                "lacks nonce_str",
            ),
            (&format!(r#"{GOOD},mchid="2""#), "repeats mchid"),
            (
                &GOOD.replace(r#"mchid="1900000001""#, "mchid=1900000001"),
                "malformed",
            ),
            (&GOOD.replace(",nonce", " nonce"), "malformed"),
            (r#"WECHATPAY2-SHA256-RSA2048 mchid="1"#, "malformed"),
        ];
        for (header, needle) in cases {
            let err = parse_authorization(header).unwrap_err();
            assert!(
                err.contains(needle),
                "{header:?}: {err:?} should contain {needle:?}"
            );
        }
    }

    fn vector_verifier() -> (RequestVerifier, Value) {
        let key = PrivatePkcs8KeyDer::from_pem_file(vector_path("merchant_test_key.pem")).unwrap();
        let vectors: Value =
            serde_json::from_slice(&std::fs::read(vector_path("apiv3-signing.json")).unwrap())
                .unwrap();
        let serial = vectors["merchant"]["merchant_serial_no"].as_str().unwrap();
        (
            RequestVerifier::new("1900000001", serial, key.secret_pkcs8_der()).unwrap(),
            vectors,
        )
    }

    fn header_for(v: &Value, serial: &str) -> String {
        format!(
            r#"{SCHEME} mchid="1900000001",nonce_str="{}",timestamp="{}",serial_no="{serial}",signature="{}""#,
            v["nonce"].as_str().unwrap(),
            v["timestamp"].as_str().unwrap(),
            v["signature"].as_str().unwrap()
        )
    }

    /// Requests signed by an independent implementation verify; the message matches.
    #[test]
    fn verifies_the_request_vectors() {
        let (verifier, vectors) = vector_verifier();
        let serial = vectors["merchant"]["merchant_serial_no"].as_str().unwrap();
        for v in vectors["requests"].as_array().unwrap() {
            let header = header_for(v, serial);
            let request = SignedRequest {
                method: v["method"].as_str().unwrap(),
                target: v["request_target"].as_str().unwrap(),
                authorization: Some(header.as_bytes()),
                body: v["body"].as_str().unwrap().as_bytes(),
            };
            let message = request_message(
                request.method,
                request.target,
                v["timestamp"].as_str().unwrap(),
                v["nonce"].as_str().unwrap(),
                request.body,
            );
            assert_eq!(message, v["message"].as_str().unwrap().as_bytes());
            let now: i64 = v["timestamp"].as_str().unwrap().parse().unwrap();
            assert_eq!(verifier.verify(&request, now + 10), Ok(()), "{}", v["name"]);
            let replay = verifier.verify(&request, now + 10).unwrap_err();
            assert!(replay.issue.contains("already used"), "{replay:?}");
        }
    }

    #[test]
    fn rejects_each_kind_of_bad_request() {
        let (verifier, vectors) = vector_verifier();
        let v = &vectors["requests"][0];
        let serial = vectors["merchant"]["merchant_serial_no"].as_str().unwrap();
        let now: i64 = v["timestamp"].as_str().unwrap().parse().unwrap();
        let target = v["request_target"].as_str().unwrap();
        let check = |header: Option<String>, target: &str, now: i64, needle: &str| {
            let request = SignedRequest {
                method: "POST",
                target,
                authorization: header.as_deref().map(str::as_bytes),
                body: b"",
            };
            let failure = verifier.verify(&request, now).unwrap_err();
            assert!(
                failure.issue.contains(needle),
                "{failure:?} should contain {needle:?}"
            );
            failure
        };
        let good = header_for(v, serial);
        let missing = check(None, target, now, "missing");
        assert_eq!(missing.nonce, "");
        check(
            Some(good.replace("1900000001", "1900000002")),
            target,
            now,
            "mchid 1900000002",
        );
        check(Some(header_for(v, "00AA")), target, now, "serial_no 00AA");
        check(Some(good.clone()), target, now + 301, "301 s behind");
        check(Some(good.clone()), target, now - 400, "400 s ahead");
        check(
            Some(good.replace("timestamp=\"", "timestamp=\"-")),
            target,
            now,
            "not Unix seconds",
        );
        let tampered = check(
            Some(good.clone()),
            &target.replace("U0000000001", "U0000000002"),
            now,
            "does not verify",
        );
        assert_eq!(tampered.nonce, v["nonce"].as_str().unwrap());
        check(
            Some(good.replace("signature=\"", "signature=\"!")),
            target,
            now,
            "base64",
        );
        // A lowercase serial names the same certificate.
        let lower = header_for(v, &serial.to_ascii_lowercase());
        let request = SignedRequest {
            method: "POST",
            target,
            authorization: Some(lower.as_bytes()),
            body: b"",
        };
        assert_eq!(verifier.verify(&request, now), Ok(()));
    }

    #[test]
    fn sign_error_detail_shows_the_server_message() {
        let request = SignedRequest {
            method: "POST",
            target: "/v3/x?y=1",
            authorization: None,
            body: b"{}",
        };
        let failure = SignFailure {
            issue: "bad".into(),
            timestamp: "12".into(),
            nonce: "N".into(),
        };
        let detail = sign_error_detail(&request, &failure);
        assert_eq!(detail["issue"], "bad");
        assert_eq!(detail["sign_information"]["url"], "/v3/x?y=1");
        assert_eq!(
            detail["sign_information"]["truncated_sign_message"],
            "POST\n/v3/x?y=1\n12\nN\n{}\n"
        );
        assert_eq!(detail["sign_information"]["sign_message_length"], 23);
    }
}
