//! `wxface_notification`: a verified, decrypted notification (webhook), and its accessors.

use std::collections::HashMap;
use std::ffi::{CString, c_char};
use std::sync::Mutex;

use super::args::{arg_bytes, arg_out, arg_str, free_box, string_field};
use super::client::{client_arg, wxface_client};
use super::error::wxface_error;
use super::response::held_text;
use super::status::wxface_status;
use crate::notification::Notification;

/// A notification WeChat Pay sent, once its signature, timestamp and encryption checked out.
/// Immutable; several threads may read it at once. Owned by the caller, who frees it with
/// `wxface_notification_free`; every string its accessors return lives until then.
///
/// Functions: `wxface_notification_parse`, `wxface_notification_id`,
/// `wxface_notification_event_type`, `wxface_notification_create_time`,
/// `wxface_notification_summary`, `wxface_notification_resource`, `wxface_notification_get`,
/// `wxface_notification_free`.
pub struct wxface_notification {
    notification: Notification,
    id: CString,
    event_type: CString,
    create_time: CString,
    summary: CString,
    resource: CString,
    /// The strings `wxface_notification_get` handed out, kept until the free.
    values: Mutex<HashMap<String, CString>>,
}

impl From<Notification> for wxface_notification {
    fn from(notification: Notification) -> Self {
        let c = |text: &str| CString::new(text.replace('\0', "")).unwrap_or_default();
        wxface_notification {
            id: c(notification.id()),
            event_type: c(notification.event_type()),
            create_time: c(notification.create_time()),
            summary: c(notification.summary()),
            resource: c(notification.resource_text()),
            notification,
            values: Mutex::new(HashMap::new()),
        }
    }
}

/// Verifies and decrypts a notification. Give the values of its `Wechatpay-Timestamp`,
/// `Wechatpay-Nonce`, `Wechatpay-Signature` and `Wechatpay-Serial` headers and the raw body
/// exactly as received. Any event type is accepted.
///
/// `WXFACE_ERR_SIGNATURE`: an empty header value, a signature that does not verify over
/// `timestamp\nnonce\nbody\n`, a serial that names no usable key, a timestamp more than 300 s
/// from the local clock, or a resource that fails AES-256-GCM authentication (wrong APIv3 key
/// or tampering) — the message says which. `WXFACE_ERR_RESPONSE`: not the documented JSON
/// envelope, an algorithm other than `AEAD_AES_256_GCM`, or a body over 1 MiB.
/// `WXFACE_ERR_CONFIG`: no APIv3 key configured. NULL pointers: `WXFACE_ERR_INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn wxface_notification_parse(
    client: *const wxface_client,
    wechatpay_timestamp: *const c_char,
    wechatpay_nonce: *const c_char,
    wechatpay_signature: *const c_char,
    wechatpay_serial: *const c_char,
    body: *const u8,
    body_len: usize,
    notification_out: *mut *mut wxface_notification,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, timestamp, nonce, signature, serial, body, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("wechatpay_timestamp", wechatpay_timestamp)?,
                arg_str("wechatpay_nonce", wechatpay_nonce)?,
                arg_str("wechatpay_signature", wechatpay_signature)?,
                arg_str("wechatpay_serial", wechatpay_serial)?,
                arg_bytes("body", body, body_len)?,
                arg_out("notification_out", notification_out)?,
            )
        };
        let notification = client.parse_notification(timestamp, nonce, signature, serial, body)?;
        out.write(notification.into());
        Ok(())
    })
}

/// The notification's `id` (de-duplicate on it: the same notification may arrive twice).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_notification_id(n: *const wxface_notification) -> *const c_char {
    // SAFETY: `n` is NULL or a live notification from this library.
    unsafe { string_field(n, |n| &n.id) }
}

/// The `event_type`, e.g. `FACEPAY.USER_STATE_CHANGE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_notification_event_type(
    n: *const wxface_notification,
) -> *const c_char {
    // SAFETY: `n` is NULL or a live notification from this library.
    unsafe { string_field(n, |n| &n.event_type) }
}

/// The `create_time` (RFC 3339, as sent).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_notification_create_time(
    n: *const wxface_notification,
) -> *const c_char {
    // SAFETY: `n` is NULL or a live notification from this library.
    unsafe { string_field(n, |n| &n.create_time) }
}

/// The `summary`, or `""`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_notification_summary(
    n: *const wxface_notification,
) -> *const c_char {
    // SAFETY: `n` is NULL or a live notification from this library.
    unsafe { string_field(n, |n| &n.summary) }
}

/// The decrypted resource: its plaintext (JSON text for every documented event).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_notification_resource(
    n: *const wxface_notification,
) -> *const c_char {
    // SAFETY: `n` is NULL or a live notification from this library.
    unsafe { string_field(n, |n| &n.resource) }
}

/// The value an RFC 6901 JSON pointer names in the decrypted resource (`"/user_id"`), given
/// as `wxface_response_get` gives values; `""` when nothing matches. Valid until the
/// notification is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_notification_get(
    n: *const wxface_notification,
    json_pointer: *const c_char,
) -> *const c_char {
    ffi_boundary!(fallback(c"".as_ptr()), || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (Some(n), Ok(pointer)) = (unsafe { n.as_ref() }, unsafe {
            arg_str("json_pointer", json_pointer)
        }) else {
            return c"".as_ptr();
        };
        match n.notification.pointer(pointer) {
            Some(value) => held_text(&n.values, pointer, value),
            None => c"".as_ptr(),
        }
    })
}

/// Frees a notification and every string it gave out. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_notification_free(n: *mut wxface_notification) {
    ffi_boundary!(fallback(()), || {
        // SAFETY: `n` is NULL or a notification from this library, freed once.
        unsafe { free_box(n) }
    })
}
