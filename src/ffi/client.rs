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
/// Functions: `wxface_client_new_from_json`, `wxface_client_new_from_json_file`,
/// `wxface_client_free`, `wxface_terminate_contract`,
/// `wxface_terminate_contract_with_response`, `wxface_query_organization`,
/// `wxface_create_auth_token`, `wxface_query_user`, `wxface_update_user`,
/// `wxface_get_authinfo`, `wxface_presign_contract`, `wxface_query_contract`,
/// `wxface_list_face_collections`, `wxface_query_face_collection`, `wxface_apply_deduction`,
/// `wxface_query_deduction`, `wxface_get_repayment_url`, `wxface_request`,
/// `wxface_notification_parse`, `wxface_client_refresh_platform_certificates`.
pub struct wxface_client {
    client: Client,
}

impl wxface_client {
    pub(crate) fn new(client: Client) -> Self {
        wxface_client { client }
    }
}

/// The client behind a `const wxface_client *` argument.
///
/// # Safety
/// `client` is NULL or a live client from this library.
pub(crate) unsafe fn client_arg<'a>(
    client: *const wxface_client,
) -> Result<&'a Client, crate::Error> {
    // SAFETY: forwarded from this function's contract.
    unsafe { arg_ref("client", client) }.map(|c| &c.client)
}

/// Makes a client from one JSON document (the configuration keys of the README). Relative
/// `*_file` paths in it are relative to the working directory.
/// On success `*client_out` receives the client; on failure it is left untouched.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_new_from_json(
    config_json: *const c_char,
    client_out: *mut *mut wxface_client,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (json, out) = unsafe {
            (
                arg_str("config_json", config_json)?,
                arg_out("client_out", client_out)?,
            )
        };
        out.write(wxface_client::new(Client::new(Config::from_json(json)?)?));
        Ok(())
    })
}

/// Makes a client from a JSON configuration file: UTF-8, at most 1 MiB, a leading UTF-8 BOM
/// skipped; relative `*_file` paths in it are relative to the file's folder. The buffer the
/// file was read into is wiped (it may hold `private_key_pem`).
/// On success `*client_out` receives the client; on failure it is left untouched.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_new_from_json_file(
    path: *const c_char,
    client_out: *mut *mut wxface_client,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (path, out) = unsafe { (arg_str("path", path)?, arg_out("client_out", client_out)?) };
        out.write(wxface_client::new(Client::new(Config::from_json_file(
            path,
        )?)?));
        Ok(())
    })
}

/// Frees a client. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_free(client: *mut wxface_client) {
    ffi_boundary!(fallback(()), || {
        // SAFETY: `client` is NULL or a client from this library, freed once.
        unsafe { free_box(client) }
    })
}

/// Terminates the face-pay contract of `user_id` in `organization_id`
/// (`POST /v3/offlinefacemch/organizations/{organization_id}/users/user-id/{user_id}/terminate-contract`).
/// `WXFACE_OK` once WeChat Pay answered 204 and the response's signature verified. Ids must be
/// 1-256 printable ASCII bytes without `/ ? # % \` and not `.` or `..`; otherwise
/// `WXFACE_ERR_INVALID_ARGUMENT` and nothing is sent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_terminate_contract(
    client: *const wxface_client,
    organization_id: *const c_char,
    user_id: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, organization_id, user_id) = unsafe {
            (
                client_arg(client)?,
                arg_str("organization_id", organization_id)?,
                arg_str("user_id", user_id)?,
            )
        };
        client.terminate_contract(organization_id, user_id)
    })
}

/// Downloads WeChat Pay's platform certificates (`GET /v3/certificates`), decrypts and checks
/// each one (a certificate is only used inside its validity period), verifies the response,
/// and replaces the client's set of downloaded certificates in one step: calls running on
/// other threads see the old set or the new one, never a partial one. Configured keys stay.
/// `*count_out` (may be NULL) receives how many downloaded certificates are now held and
/// inside their validity period. Needs the APIv3 key (`WXFACE_ERR_CONFIG` otherwise); a
/// download that fails AES-GCM authentication (wrong APIv3 key) is `WXFACE_ERR_SIGNATURE` and
/// the old set stays.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_refresh_platform_certificates(
    client: *const wxface_client,
    count_out: *mut u32,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: `client` is NULL or valid for the call (the header's conventions).
        let client = unsafe { client_arg(client)? };
        let count = client.refresh_platform_certificates()?;
        // SAFETY: `count_out` is NULL or writable for the call (the header's conventions).
        if let Some(out) = unsafe { count_out.as_mut() } {
            *out = u32::try_from(count).unwrap_or(u32::MAX);
        }
        Ok(())
    })
}
