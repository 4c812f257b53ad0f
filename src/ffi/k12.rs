//! The K12 face-pay operations on a `wxface_client`. Each checks every argument before
//! anything is sent and, on success, hands the verified response to `*response_out`.

use std::ffi::c_char;

use super::args::{arg_opt_out, arg_opt_str, arg_out, arg_str};
use super::client::{client_arg, wxface_client};
use super::error::wxface_error;
use super::response::wxface_response;
use super::status::wxface_status;
use crate::arguments::parse_json_argument;

/// K12 1: the organization named by exactly one of `organization_id` and `organization_name`
/// (the other NULL): `GET /v3/offlinefacemch/organizations?organization_id=…` or
/// `?organization_name=…` (UTF-8, e.g. a Chinese name, percent-encoded here).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_query_organization(
    client: *const wxface_client,
    organization_id: *const c_char,
    organization_name: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, id, name, out) = unsafe {
            (
                client_arg(client)?,
                arg_opt_str("organization_id", organization_id)?,
                arg_opt_str("organization_name", organization_name)?,
                arg_out("response_out", response_out)?,
            )
        };
        out.write(client.query_organization(id, name)?.into());
        Ok(())
    })
}

/// K12 2: a token (valid 5 minutes) for the user's face-pay mini program:
/// `POST /v3/offlinefacemch/tokens`; `scene` NULL means `"WEBSESSION"`. Answer: `/token`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_create_auth_token(
    client: *const wxface_client,
    organization_id: *const c_char,
    out_user_id: *const c_char,
    scene: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, organization_id, out_user_id, scene, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("organization_id", organization_id)?,
                arg_str("out_user_id", out_user_id)?,
                arg_opt_str("scene", scene)?,
                arg_out("response_out", response_out)?,
            )
        };
        out.write(
            client
                .create_auth_token(organization_id, out_user_id, scene)?
                .into(),
        );
        Ok(())
    })
}

/// K12 3: the face user `out_user_id` of `organization_id`:
/// `GET /v3/offlinefacemch/organizations/{organization_id}/users/out-user-id/{out_user_id}`
/// (`/use_id`, `/user_name`, `/contract_state`, `/contract_id`, …).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_query_user(
    client: *const wxface_client,
    organization_id: *const c_char,
    out_user_id: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, organization_id, out_user_id, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("organization_id", organization_id)?,
                arg_str("out_user_id", out_user_id)?,
                arg_out("response_out", response_out)?,
            )
        };
        out.write(client.query_user(organization_id, out_user_id)?.into());
        Ok(())
    })
}

/// K12 4: changes the user (`PATCH` the path of `wxface_query_user`). `changes_json` is one
/// JSON object with at least one of `user_name`, `user_type`, `student_info.class_name`,
/// `staff_info.occupation`, `status`, `phone`; `user_name` and `phone` in plain text (they are
/// encrypted here). Answers 204; `response_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_update_user(
    client: *const wxface_client,
    organization_id: *const c_char,
    out_user_id: *const c_char,
    changes_json: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, organization_id, out_user_id, changes, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("organization_id", organization_id)?,
                arg_str("out_user_id", out_user_id)?,
                arg_str("changes_json", changes_json)?,
                arg_opt_out(response_out),
            )
        };
        let changes = parse_json_argument("changes_json", changes)?;
        let response = client.update_user(organization_id, out_user_id, &changes)?;
        if let Some(out) = out {
            out.write(response.into());
        }
        Ok(())
    })
}

/// K12 5: `wxface_terminate_contract`, giving the 204 response (its Request-ID is what the
/// audit log keeps). `response_out` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_terminate_contract_with_response(
    client: *const wxface_client,
    organization_id: *const c_char,
    user_id: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, organization_id, user_id, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("organization_id", organization_id)?,
                arg_str("user_id", user_id)?,
                arg_opt_out(response_out),
            )
        };
        let response = client.terminate_contract_with_response(organization_id, user_id)?;
        if let Some(out) = out {
            out.write(response.into());
        }
        Ok(())
    })
}

/// K12 6: the device's authinfo: `POST /v3/offlineface/authinfo`. `request_json`: one JSON
/// object with `sp_appid`, `sub_mchid`, `device_id`, `raw_data`, `organization_id` (and
/// optionally `sub_appid`). Answer: `/authinfo`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_get_authinfo(
    client: *const wxface_client,
    request_json: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, request, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("request_json", request_json)?,
                arg_out("response_out", response_out)?,
            )
        };
        let request = parse_json_argument("request_json", request)?;
        out.write(client.get_authinfo(&request)?.into());
        Ok(())
    })
}

/// K12 7: pre-signs a contract: `POST /v3/offlineface/contracts/presign`. `request_json`
/// holds the six sensitive fields (identification numbers, phones, bank card number and
/// name) in plain text: they are encrypted here. Answer: `/presign_token`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_presign_contract(
    client: *const wxface_client,
    request_json: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, request, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("request_json", request_json)?,
                arg_out("response_out", response_out)?,
            )
        };
        let request = parse_json_argument("request_json", request)?;
        out.write(client.presign_contract(&request)?.into());
        Ok(())
    })
}

/// K12 8: the contract `contract_id`: `GET /v3/offlineface/contracts/{contract_id}[?appid=…]`;
/// `appid` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_query_contract(
    client: *const wxface_client,
    contract_id: *const c_char,
    appid: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, contract_id, appid, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("contract_id", contract_id)?,
                arg_opt_str("appid", appid)?,
                arg_out("response_out", response_out)?,
            )
        };
        out.write(client.query_contract(contract_id, appid)?.into());
        Ok(())
    })
}

/// K12 9: the organization's face re-collection requests:
/// `GET /v3/offlineface/face-collections?organization_id=…&offset=…[&limit=…]`; `limit` 0
/// is not sent. Answer: `/face_collections`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_list_face_collections(
    client: *const wxface_client,
    organization_id: *const c_char,
    offset: u32,
    limit: u32,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, organization_id, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("organization_id", organization_id)?,
                arg_out("response_out", response_out)?,
            )
        };
        let limit = (limit > 0).then_some(limit);
        out.write(
            client
                .list_face_collections(organization_id, offset, limit)?
                .into(),
        );
        Ok(())
    })
}

/// K12 10: one face re-collection request:
/// `GET /v3/offlineface/face-collections/{collection_id}`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_query_face_collection(
    client: *const wxface_client,
    collection_id: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, collection_id, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("collection_id", collection_id)?,
                arg_out("response_out", response_out)?,
            )
        };
        out.write(client.query_face_collection(collection_id)?.into());
        Ok(())
    })
}

/// K12 11: applies for a deduction: `POST /v3/offlineface/transactions`. Money moves: the
/// library never sends it twice; after an error with `wxface_error_request_sent` 1, query the
/// deduction (`wxface_query_deduction`) before trying again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_apply_deduction(
    client: *const wxface_client,
    request_json: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, request, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("request_json", request_json)?,
                arg_out("response_out", response_out)?,
            )
        };
        let request = parse_json_argument("request_json", request)?;
        out.write(client.apply_deduction(&request)?.into());
        Ok(())
    })
}

/// K12 12: the deduction `out_trade_no`:
/// `GET /v3/offlineface/transactions/out-trade-no/{out_trade_no}?sp_mchid=…&sub_mchid=…&business_product_id=…`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_query_deduction(
    client: *const wxface_client,
    out_trade_no: *const c_char,
    sp_mchid: *const c_char,
    sub_mchid: *const c_char,
    business_product_id: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, out_trade_no, sp_mchid, sub_mchid, business_product_id, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("out_trade_no", out_trade_no)?,
                arg_str("sp_mchid", sp_mchid)?,
                arg_str("sub_mchid", sub_mchid)?,
                arg_str("business_product_id", business_product_id)?,
                arg_out("response_out", response_out)?,
            )
        };
        let response =
            client.query_deduction(out_trade_no, sp_mchid, sub_mchid, business_product_id)?;
        out.write(response.into());
        Ok(())
    })
}

/// K12 13: the link where a user who owes money pays it: `POST /v3/offlineface/repayment-url`
/// (`/repayment_url`, `/expire_at`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_get_repayment_url(
    client: *const wxface_client,
    organization_id: *const c_char,
    out_user_id: *const c_char,
    response_out: *mut *mut wxface_response,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (client, organization_id, out_user_id, out) = unsafe {
            (
                client_arg(client)?,
                arg_str("organization_id", organization_id)?,
                arg_str("out_user_id", out_user_id)?,
                arg_out("response_out", response_out)?,
            )
        };
        out.write(
            client
                .get_repayment_url(organization_id, out_user_id)?
                .into(),
        );
        Ok(())
    })
}
