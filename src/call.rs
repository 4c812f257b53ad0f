//! One signed call as an operation describes it: what to send, and what its success looks
//! like, so that every check of a response happens in one place (`Client::execute`).

use serde_json::Value;

use crate::error::Error;

/// A request to send: the method, the request target exactly as it goes on the wire (already
/// percent-encoded; the signature covers these bytes) and the body.
pub(crate) struct Call {
    /// The operation's name in messages, e.g. `"terminate-contract"`.
    pub name: &'static str,
    pub method: &'static str,
    pub target: String,
    pub body: Option<Body>,
    pub success: Success,
}

/// The bytes of a body, sent as they are, and the id of the WeChat Pay key its sensitive
/// fields were encrypted to (the request's `Wechatpay-Serial` must name it).
pub(crate) struct Body {
    pub bytes: Vec<u8>,
    pub encrypted_for: Option<String>,
}

/// The documented success of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Success {
    /// Exactly `204 No Content` (update user, terminate contract).
    NoContent,
    /// Exactly `200` with a JSON object (every other K12 operation).
    JsonObject,
    /// Any 2xx: an empty 204, or a JSON body (the generic signed call).
    AnyJson,
}

impl Success {
    /// Checks a verified 2xx response against the documented success; returns its body as
    /// JSON (`None` for an empty body).
    pub(crate) fn check(
        self,
        name: &str,
        status: u16,
        body: &[u8],
    ) -> Result<Option<Value>, Error> {
        let unexpected = |expected: &str| {
            Err(Error::response(format!(
                "{name} answered {status} with a {}-byte body; expected {expected}",
                body.len()
            )))
        };
        match self {
            Success::NoContent if status == 204 && body.is_empty() => Ok(None),
            Success::NoContent => unexpected("204 No Content"),
            Success::JsonObject if status != 200 => unexpected("200 with a JSON object"),
            Success::JsonObject => match serde_json::from_slice::<Value>(body) {
                Ok(json @ Value::Object(_)) => Ok(Some(json)),
                _ => unexpected("200 with a JSON object"),
            },
            Success::AnyJson if status == 204 && body.is_empty() => Ok(None),
            Success::AnyJson => match serde_json::from_slice::<Value>(body) {
                Ok(json) => Ok(Some(json)),
                Err(_) => unexpected("a JSON body (or an empty 204)"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn each_operation_accepts_only_its_documented_success() {
        assert_eq!(Success::NoContent.check("t", 204, b""), Ok(None));
        assert_eq!(
            Success::JsonObject
                .check("q", 200, br#"{"a":1}"#)
                .unwrap()
                .unwrap()["a"],
            1
        );
        assert_eq!(Success::AnyJson.check("r", 204, b""), Ok(None));
        assert_eq!(
            Success::AnyJson.check("r", 201, b"[1]").unwrap().unwrap()[0],
            1
        );
        for (success, status, body) in [
            (Success::NoContent, 200, &b""[..]),
            (Success::NoContent, 204, b"{}"),
            (Success::JsonObject, 204, b""),
            (Success::JsonObject, 201, b"{}"),
            (Success::JsonObject, 200, b"[1]"),
            (Success::JsonObject, 200, b"<html>"),
            (Success::AnyJson, 200, b""),
            (Success::AnyJson, 202, b"not json"),
        ] {
            let err = success.check("op", status, body).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Response, "{success:?} {status}");
            assert!(
                err.message()
                    .starts_with(&format!("op answered {status} with a")),
                "{err}"
            );
        }
    }
}
