//! `wxface_error`: what went wrong, with accessors for every field.

use std::ffi::{CString, c_char, c_int};

use super::args::{free_box, string_field};
use super::status::{WXFACE_ERR_INTERNAL, WXFACE_ERR_INVALID_ARGUMENT, status_of, wxface_status};
use crate::error::Error;

/// An error returned through `wxface_error **err`. Owned by the caller, who frees it with
/// `wxface_error_free`. The strings its accessors return live as long as the error.
/// Every string it returns is one printable line (control characters and bidi overrides
/// replaced); the message is at most 1024 bytes.
///
/// Functions: `wxface_error_status`, `wxface_error_message`, `wxface_error_http_status`,
/// `wxface_error_api_code`, `wxface_error_request_id`, `wxface_error_detail_json`,
/// `wxface_error_request_sent`, `wxface_error_free`.
pub struct wxface_error {
    status: wxface_status,
    http_status: u16,
    request_sent: bool,
    message: CString,
    api_code: CString,
    request_id: CString,
    detail_json: CString,
}

impl From<Error> for wxface_error {
    fn from(error: Error) -> Self {
        wxface_error {
            status: status_of(error.kind()).0,
            http_status: error.http_status(),
            request_sent: error.request_sent(),
            message: c_string(error.message()),
            api_code: c_string(error.api_code()),
            request_id: c_string(error.request_id()),
            detail_json: c_string(error.detail_json()),
        }
    }
}

/// C strings end at the first NUL: the error's strings hold none (they are printable, and
/// `detail_json` is JSON, which escapes it), so this only guards the invariant.
fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "")).unwrap_or_default()
}

/// The status of the failed call; `WXFACE_ERR_INVALID_ARGUMENT` if `err` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_error_status(err: *const wxface_error) -> wxface_status {
    ffi_boundary!(fallback(WXFACE_ERR_INTERNAL), || {
        // SAFETY: `err` is NULL or a live error from this library.
        unsafe { err.as_ref() }.map_or(WXFACE_ERR_INVALID_ARGUMENT, |e| e.status)
    })
}

/// One line of English naming the cause, at most 1024 bytes; `""` if `err` is NULL. Valid
/// until the error is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_error_message(err: *const wxface_error) -> *const c_char {
    // SAFETY: `err` is NULL or a live error from this library.
    unsafe { string_field(err, |e| &e.message) }
}

/// The HTTP status of WeChat Pay's response; 0 when none arrived or `err` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_error_http_status(err: *const wxface_error) -> u16 {
    ffi_boundary!(fallback(0), || {
        // SAFETY: `err` is NULL or a live error from this library.
        unsafe { err.as_ref() }.map_or(0, |e| e.http_status)
    })
}

/// The response's `code`, e.g. `"PARAM_ERROR"`; `""` when absent. Valid until the error is
/// freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_error_api_code(err: *const wxface_error) -> *const c_char {
    // SAFETY: `err` is NULL or a live error from this library.
    unsafe { string_field(err, |e| &e.api_code) }
}

/// The response's `Request-ID` header (quote it to WeChat Pay support); `""` when absent.
/// Valid until the error is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_error_request_id(err: *const wxface_error) -> *const c_char {
    // SAFETY: `err` is NULL or a live error from this library.
    unsafe { string_field(err, |e| &e.request_id) }
}

/// The response's `detail` member as JSON, as received (for a 401 SIGN_ERROR it holds
/// `sign_information.truncated_sign_message`); `""` when absent or over 64 KiB. Valid until
/// the error is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_error_detail_json(err: *const wxface_error) -> *const c_char {
    // SAFETY: `err` is NULL or a live error from this library.
    unsafe { string_field(err, |e| &e.detail_json) }
}

/// 1 when at least one byte of the request was written to a connection, so WeChat Pay may
/// have received and carried it out; 0 when nothing was written (invalid argument, config,
/// DNS, connect or TLS-handshake failure: repeating the call is safe), and for NULL.
/// `WXFACE_ERR_API`, `WXFACE_ERR_SIGNATURE` and `WXFACE_ERR_RESPONSE` always have 1; for
/// `WXFACE_ERR_NETWORK` and `WXFACE_ERR_TIMEOUT`, 1 means the outcome is unknown: query
/// before repeating a deduction.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_error_request_sent(err: *const wxface_error) -> c_int {
    ffi_boundary!(fallback(0), || {
        // SAFETY: `err` is NULL or a live error from this library.
        unsafe { err.as_ref() }.map_or(0, |e| c_int::from(e.request_sent))
    })
}

/// Frees an error. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_error_free(err: *mut wxface_error) {
    ffi_boundary!(fallback(()), || {
        // SAFETY: `err` is NULL or an error from this library, freed once.
        unsafe { free_box(err) }
    })
}
