//! `wxface_client`: an immutable, thread-safe client, and the operations on it.

use std::ffi::c_char;

use super::args::{arg_out, arg_ref, arg_str, free_box};
use super::error::wxface_error;
use super::status::wxface_status;
use crate::client::Client;
use crate::config::Config;

/// A WeChat Pay client. Immutable after it is made; any number of threads may call
/// functions on one `const wxface_client *` at once. Free it with `wxface_client_free`
/// once no call is running on it.
///
/// Functions: `wxface_client_new_from_json`, `wxface_client_free`, `wxface_terminate_contract`.
pub struct wxface_client {
    pub(crate) client: Client,
}

/// Makes a client from one JSON document (the configuration keys of the README).
/// On success `*client_out` receives the client; on failure it is left untouched.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_new_from_json(
    config_json: *const c_char,
    client_out: *mut *mut wxface_client,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        // SAFETY: C strings are NUL-terminated and live for the call, by the API contract.
        let json = unsafe { arg_str("config_json", config_json) }?;
        let out = arg_out("client_out", client_out)?;
        let client = Client::new(Config::from_json(json)?)?;
        out.write(wxface_client { client });
        Ok(())
    })
}

/// Frees a client. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_free(client: *mut wxface_client) {
    // SAFETY: `client` is NULL or a client from this library, freed once.
    ffi_boundary!(or(), { unsafe { free_box(client) } })
}

/// Terminates the face-pay contract of `user_id` in `organization_id`
/// (`POST /v3/offlinefacemch/organizations/{organization_id}/users/user-id/{user_id}/terminate-contract`).
/// `WXFACE_OK` once WeChat Pay answered 204 and the answer's signature verified. Ids must be
/// 1-256 printable ASCII bytes without `/ ? # % \` and not `.` or `..`; otherwise
/// `WXFACE_ERR_INVALID_ARGUMENT` and nothing is sent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_terminate_contract(
    client: *const wxface_client,
    organization_id: *const c_char,
    user_id: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        // SAFETY: pointers are NULL or valid for the call, by the API contract.
        let client = unsafe { arg_ref("client", client) }?;
        let organization_id = unsafe { arg_str("organization_id", organization_id) }?;
        let user_id = unsafe { arg_str("user_id", user_id) }?;
        client.client.terminate_contract(organization_id, user_id)
    })
}
