//! Reading what WeChat Pay answered when it said no: status, code, message, detail and
//! Request-ID, also when a proxy answered with HTML instead of JSON.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Error, ErrorKind};

#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(borrow, default)]
    detail: Option<&'a RawValue>,
}

/// The API error for a non-2xx response with `status` and `body` (`body_cut`: only the first
/// part of a longer body). The fields come from an unsigned response: they are for diagnosis,
/// not for decisions about money. The caller adds the HTTP status and the Request-ID.
pub fn api_error(status: u16, body: &[u8], body_cut: bool) -> Error {
    let error = match serde_json::from_slice::<ErrorBody<'_>>(body) {
        Ok(body) => {
            let code = body.code.unwrap_or_default();
            let message = body.message.unwrap_or_default();
            let text = match (code.is_empty(), message.is_empty()) {
                (false, false) => format!("WeChat Pay answered {status} {code}: {message}"),
                (false, true) => format!("WeChat Pay answered {status} {code}"),
                (true, false) => format!("WeChat Pay answered {status}: {message}"),
                (true, true) => format!("WeChat Pay answered {status}"),
            };
            let detail = body
                .detail
                .map(|raw| raw.get().to_owned())
                .unwrap_or_default();
            Error::new(ErrorKind::Api, text)
                .with_api_code(&code)
                .with_detail_json(detail)
        }
        Err(_) if body.is_empty() => Error::new(
            ErrorKind::Api,
            format!("WeChat Pay answered {status} with an empty body"),
        ),
        Err(_) => {
            let cut = match body_cut {
                true => format!(" (body cut at {} bytes)", body.len()),
                false => String::new(),
            };
            Error::new(
                ErrorKind::Api,
                format!(
                    "WeChat Pay answered {status} with a non-JSON body{cut}: \"{}\"",
                    excerpt(body)
                ),
            )
        }
    };
    error.with_http_status(status)
}

/// The first 120 characters of a body, on one line, for an error message.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(480)]);
    let mut short: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(120)
        .collect();
    if text.chars().count() > 120 || body.len() > 480 {
        short.push_str("...");
    }
    short.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> Error {
        api_error(status, body.as_bytes(), false)
    }

    #[test]
    fn json_error_fills_every_field_and_keeps_detail_verbatim() {
        let e = response(
            401,
            r#"{"code":"SIGN_ERROR","message":"签名错误","detail":{"sign_information":{"truncated_sign_message":"POST\n/v3/x\n"},"field":"signature"}}"#,
        );
        assert_eq!(e.kind(), ErrorKind::Api);
        assert_eq!(e.http_status(), 401);
        assert_eq!(e.api_code(), "SIGN_ERROR");
        assert_eq!(e.message(), "WeChat Pay answered 401 SIGN_ERROR: 签名错误");
        assert_eq!(
            e.detail_json(),
            r#"{"sign_information":{"truncated_sign_message":"POST\n/v3/x\n"},"field":"signature"}"#
        );
    }

    #[test]
    fn html_from_a_proxy_still_gives_status_and_an_excerpt() {
        let e = response(
            502,
            "<html>\n<head><title>502 Bad Gateway</title></head></html>",
        );
        assert_eq!(e.http_status(), 502);
        assert_eq!(e.api_code(), "");
        assert_eq!(e.detail_json(), "");
        assert_eq!(
            e.message(),
            "WeChat Pay answered 502 with a non-JSON body: \"<html> <head><title>502 Bad Gateway</title></head></html>\""
        );
    }
}
