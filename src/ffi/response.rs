//! `wxface_response`: a verified response that carries data, and its accessors.

use std::collections::HashMap;
use std::ffi::{CString, c_char, c_int};
use std::sync::Mutex;

use serde_json::Value;

use super::args::{arg_str, free_box, string_field};
use crate::response::Response;

/// What WeChat Pay answered to a successful call, after its signature verified. Immutable;
/// several threads may read it at once. Owned by the caller, who frees it with
/// `wxface_response_free`; every string its accessors return lives until then.
///
/// Functions: `wxface_response_http_status`, `wxface_response_request_id`,
/// `wxface_response_body`, `wxface_response_get`, `wxface_response_has`,
/// `wxface_response_free`.
pub struct wxface_response {
    response: Response,
    request_id: CString,
    body: CString,
    /// The strings `wxface_response_get` handed out, one per pointer asked for, kept until the
    /// free (a CString's bytes do not move when the map grows).
    values: Mutex<HashMap<String, CString>>,
}

impl From<Response> for wxface_response {
    fn from(response: Response) -> Self {
        wxface_response {
            request_id: CString::new(response.request_id()).unwrap_or_default(),
            // JSON text holds no NUL byte (a U+0000 in a string is escaped).
            body: CString::new(response.body()).unwrap_or_default(),
            response,
            values: Mutex::new(HashMap::new()),
        }
    }
}

/// A value as `wxface_response_get` gives it: a string as its UTF-8 text without quotes
/// (as quoted JSON text when it holds U+0000, so that nothing is cut), anything else as
/// compact JSON.
pub(crate) fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) if !text.contains('\0') => text.clone(),
        other => other.to_string(),
    }
}

/// The HTTP status of the response (200, 204, …); 0 for NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_response_http_status(response: *const wxface_response) -> u16 {
    ffi_boundary!(fallback(0), || {
        // SAFETY: `response` is NULL or a live response from this library.
        unsafe { response.as_ref() }.map_or(0, |r| r.response.http_status())
    })
}

/// The response's `Request-ID` (keep it for the audit log), or `""`. Valid until the response
/// is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_response_request_id(
    response: *const wxface_response,
) -> *const c_char {
    // SAFETY: `response` is NULL or a live response from this library.
    unsafe { string_field(response, |r| &r.request_id) }
}

/// The verified body as received (JSON text); `""` for a 204. Valid until the response is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_response_body(response: *const wxface_response) -> *const c_char {
    // SAFETY: `response` is NULL or a live response from this library.
    unsafe { string_field(response, |r| &r.body) }
}

/// The value an RFC 6901 JSON pointer names in the body (`"/contract_state"`,
/// `"/face_collections/0/collection_id"`, `""` = the whole body): a JSON string as its UTF-8
/// value without quotes; a number, `true`/`false`, `null`, an object or an array as compact
/// JSON text (`42`, `true`, `null`, `{"a":1}`); a string holding U+0000 as quoted JSON text.
/// `""` when nothing matches, the body is empty, the pointer is ill-formed or NULL (use
/// `wxface_response_has` to tell an absent value from an empty string). Valid until the
/// response is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_response_get(
    response: *const wxface_response,
    json_pointer: *const c_char,
) -> *const c_char {
    ffi_boundary!(fallback(c"".as_ptr()), || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (Some(r), Ok(pointer)) = (unsafe { response.as_ref() }, unsafe {
            arg_str("json_pointer", json_pointer)
        }) else {
            return c"".as_ptr();
        };
        match r.response.pointer(pointer) {
            Some(value) => held_text(&r.values, pointer, value),
            None => c"".as_ptr(),
        }
    })
}

/// The text a `*_get` accessor hands out for the `value` at `pointer`: made once and kept in
/// `values` until its owner is freed, so the pointer stays valid that long.
pub(super) fn held_text(
    values: &Mutex<HashMap<String, CString>>,
    pointer: &str,
    value: &Value,
) -> *const c_char {
    let mut values = values
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    values
        .entry(pointer.to_owned())
        .or_insert_with(|| CString::new(as_text(value)).unwrap_or_default())
        .as_ptr()
}

/// 1 when the JSON pointer names a value in the body (an empty string included), 0 when it
/// names nothing, is ill-formed or NULL, and for every pointer of an empty body (204).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_response_has(
    response: *const wxface_response,
    json_pointer: *const c_char,
) -> c_int {
    ffi_boundary!(fallback(0), || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (Some(r), Ok(pointer)) = (unsafe { response.as_ref() }, unsafe {
            arg_str("json_pointer", json_pointer)
        }) else {
            return 0;
        };
        c_int::from(r.response.pointer(pointer).is_some())
    })
}

/// Frees a response and every string it gave out. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_response_free(response: *mut wxface_response) {
    ffi_boundary!(fallback(()), || {
        // SAFETY: `response` is NULL or a response from this library, freed once.
        unsafe { free_box(response) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_given_as_the_contract_says() {
        assert_eq!(as_text(&json!("张三")), "张三");
        assert_eq!(as_text(&json!("")), "");
        assert_eq!(as_text(&json!("a\u{0}b")), r#""a\u0000b""#);
        assert_eq!(as_text(&json!(42)), "42");
        assert_eq!(as_text(&json!(true)), "true");
        assert_eq!(as_text(&Value::Null), "null");
        assert_eq!(
            as_text(&json!({"b": [1, 2], "a": "x"})),
            r#"{"b":[1,2],"a":"x"}"#
        );
    }

    #[test]
    fn has_tells_an_empty_string_from_an_absent_value() {
        let body = json!({"empty": "", "nul": "a\u{0}b"});
        let r = wxface_response::from(Response::new(200, "R-1", body.to_string(), Some(body)));
        let get = |pointer: &std::ffi::CStr| {
            // SAFETY: `r` lives until the end of the test; `pointer` is NUL-terminated.
            unsafe { std::ffi::CStr::from_ptr(wxface_response_get(&r, pointer.as_ptr())) }
        };
        // SAFETY: as above.
        let has = |pointer: &std::ffi::CStr| unsafe { wxface_response_has(&r, pointer.as_ptr()) };
        assert_eq!((has(c"/empty"), get(c"/empty")), (1, c""));
        assert_eq!((has(c"/absent"), get(c"/absent")), (0, c""));
        assert_eq!((has(c"/nul"), get(c"/nul")), (1, c"\"a\\u0000b\""));
    }
}
