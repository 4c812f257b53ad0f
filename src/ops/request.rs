//! The generic signed call: any other APIv3 endpoint, with the same signing, sensitive-field
//! encryption and response verification as the typed operations.

use crate::arguments::parse_json_argument;
use crate::call::{Body, Call, Success};
use crate::client::Client;
use crate::error::Error;
use crate::response::Response;
use crate::sensitive::Absent;

const MAX_TARGET_LEN: usize = 4096;
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

impl Client {
    /// Signs and sends `method target` with `body` (JSON text, sent byte for byte) and verifies
    /// the response.
    ///
    /// - `method`: `GET`, `POST`, `PUT`, `PATCH` or `DELETE`, uppercase.
    /// - `target`: path and query as they go on the wire, already percent-encoded: starts with
    ///   `/v3/`, bytes 0x21..=0x7E only, at most 4096 bytes, no `#`, no `.` or `..` segment.
    /// - `body`: `None` or `""` for no body, otherwise one JSON value.
    /// - `encrypt`: RFC 6901 pointers to strings of the body to send encrypted under the
    ///   WeChat Pay key; the body is then serialised once more, before signing.
    ///
    /// Any 2xx response is verified; one that is not JSON (other than an empty 204) is a
    /// [`crate::ErrorKind::Response`] error.
    pub fn request(
        &self,
        method: &str,
        target: &str,
        body: Option<&str>,
        encrypt: &[&str],
    ) -> Result<Response, Error> {
        const OP: &str = "request";
        let method = METHODS.into_iter().find(|m| *m == method).ok_or_else(|| {
            Error::invalid_argument(
                "request: method must be GET, POST, PUT, PATCH or DELETE (uppercase)",
            )
        })?;
        check_target(target)?;
        if let Some(twice) = encrypt
            .iter()
            .enumerate()
            .find_map(|(i, p)| encrypt[..i].contains(p).then_some(p))
        {
            return Err(Error::invalid_argument(format!(
                "request: the encrypt pointer {twice} is given twice"
            )));
        }
        let body = match body.filter(|text| !text.is_empty()) {
            None if encrypt.is_empty() => None,
            None => {
                return Err(Error::invalid_argument(
                    "request: encrypt pointers were given for a call without a body",
                ));
            }
            Some(text) => {
                let value = parse_json_argument("body_json", text)?;
                Some(match encrypt.is_empty() {
                    true => Body {
                        bytes: text.as_bytes().to_vec(),
                        encrypted_for: None,
                    },
                    false => self.json_body(OP, value, encrypt, Absent::Refuse)?,
                })
            }
        };
        self.execute(&Call {
            name: OP,
            method,
            target: target.to_owned(),
            body,
            success: Success::AnyJson,
        })
    }
}

fn check_target(target: &str) -> Result<(), Error> {
    let bad = |why: &str| Err(Error::invalid_argument(format!("request: target {why}")));
    if !target.starts_with("/v3/") {
        return bad("must start with /v3/");
    }
    if target.len() > MAX_TARGET_LEN {
        return bad(&format!("is longer than {MAX_TARGET_LEN} bytes"));
    }
    if let Some(at) = target.bytes().position(|b| !(0x21..=0x7E).contains(&b)) {
        return bad(&format!(
            "byte {at} is not printable ASCII: percent-encode the target"
        ));
    }
    if target.contains('#') {
        return bad("must not contain '#'");
    }
    let path = target.split('?').next().unwrap_or_default();
    if path
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return bad("must not have a . or .. segment");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_follow_the_rule() {
        for good in [
            "/v3/x",
            "/v3/pay/transactions/id/4200?mchid=1900000001",
            "/v3/a.b/..c",
        ] {
            check_target(good).unwrap();
        }
        for bad in [
            "/v2/x", "v3/x", "/v3/a b", "/v3/é", "/v3/x#f", "/v3/../x", "/v3/./x", "/v3/x/..",
            "/v3/x\t",
        ] {
            assert!(check_target(bad).is_err(), "{bad}");
        }
        assert!(check_target(&format!("/v3/{}", "a".repeat(4092))).is_ok());
        assert!(check_target(&format!("/v3/{}", "a".repeat(4093))).is_err());
    }
}
