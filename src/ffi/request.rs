//! `wxface_request`: the generic signed call, for any other APIv3 endpoint.

use std::ffi::c_char;

use serde_json::Value;

use super::args::{arg_opt_str, arg_out, arg_str};
use super::client::{client_arg, wxface_client};
use super::error::wxface_error;
use super::response::wxface_response;
use super::status::wxface_status;
use crate::arguments::parse_json_argument;
use crate::error::Error;

/// Signs and sends `method target` and verifies the response, like the K12 operations.
///
/// - `method`: `GET`, `POST`, `PUT`, `PATCH` or `DELETE`, uppercase.
/// - `target`: path and query as they go on the wire, already percent-encoded: starts with
///   `/v3/`, bytes 0x21..0x7E only, at most 4096 bytes, no `#`, no `.` or `..` segment. The
///   signature covers exactly `target`.
/// - `body_json`: NULL or `""` for no body; otherwise one JSON value, sent byte for byte.
/// - `encrypt_pointers_json`: NULL, or a JSON array of RFC 6901 pointers
///   (`["/phone","/id_card/number"]`) to string fields of the body, which are then sent
///   RSA-OAEP encrypted under the WeChat Pay key (the body is serialised once more, before
///   signing). A pointer that names no string is `WXFACE_ERR_INVALID_ARGUMENT`.
///
/// Every 2xx response is verified; one that is not JSON (other than an empty 204) is
/// `WXFACE_ERR_RESPONSE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_request(
    client: *const wxface_client,
    method: *const c_char,
    target: *const c_char,
    body_json: *const c_char,
    encrypt_pointers_json: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, method, target, body, pointers, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("method", method)?,
                arg_str("target", target)?,
                arg_opt_str("body_json", body_json)?,
                arg_opt_str("encrypt_pointers_json", encrypt_pointers_json)?,
                arg_out("response_out", response_out)?,
            )
        };
        let pointers = match pointers {
            Some(text) => pointer_list(text)?,
            None => Vec::new(),
        };
        let pointers: Vec<&str> = pointers.iter().map(String::as_str).collect();
        out.write(client.request(method, target, body, &pointers)?.into());
        Ok(())
    })
}

/// `["/a", "/b/c"]`: a JSON array of strings.
fn pointer_list(text: &str) -> Result<Vec<String>, Error> {
    let not_a_list = || {
        Error::invalid_argument(
            "encrypt_pointers_json must be a JSON array of JSON pointer strings, e.g. [\"/phone\"]",
        )
    };
    match parse_json_argument("encrypt_pointers_json", text)? {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(pointer) => Ok(pointer),
                _ => Err(not_a_list()),
            })
            .collect(),
        _ => Err(not_a_list()),
    }
}
