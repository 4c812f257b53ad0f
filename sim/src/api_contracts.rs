//! Signing up: get authinfo, presign contract, query contract.

use serde_json::json;

use crate::answer::Answer;
use crate::api::{ApiRequest, fresh_secret, ok_json};
use crate::api_error::ApiError;
use crate::api_users::{find_user, unknown_organization};
use crate::schema::{Field, Kind, optional, required, text_at};
use crate::shared::Shared;
use crate::sync::lock;

pub(crate) const AUTHINFO_BODY: &[Field] = &[
    required("sp_appid", Kind::Text),
    optional("sub_appid", Kind::Text),
    required("sub_mchid", Kind::Text),
    required("device_id", Kind::Text),
    required("raw_data", Kind::Text),
    required("organization_id", Kind::Text),
];

const IDENTIFICATION: &[Field] = &[
    required("identification_type", Kind::OneOf(&["IDCARD"])),
    required("identification_number", Kind::Encrypted),
];

/// The six ENC fields: facepay_user.identification.identification_number,
/// facepay_user.phone, limit_bank_card.bank_card_number,
/// limit_bank_card.identification_name, limit_bank_card.identification.identification_number,
/// limit_bank_card.phone.
pub(crate) const PRESIGN_BODY: &[Field] = &[
    required("business_name", Kind::Text),
    required(
        "facepay_user",
        Kind::Object(&[
            required("out_user_id", Kind::Text),
            optional("identification_name", Kind::Text),
            required("organization_id", Kind::Text),
            optional("identification", Kind::Object(IDENTIFICATION)),
            optional("phone", Kind::Encrypted),
        ]),
    ),
    optional(
        "limit_bank_card",
        Kind::Object(&[
            optional("bank_card_number", Kind::Encrypted),
            optional("identification_name", Kind::Encrypted),
            optional("identification", Kind::Object(IDENTIFICATION)),
            optional("valid_thru", Kind::MonthYear),
            optional("bank_type", Kind::Text),
            optional("phone", Kind::Encrypted),
        ]),
    ),
    optional(
        "contract_mode",
        Kind::OneOf(&["LIMIT_BANK_CARD", "PRIORITY_BANK_CARD", "LIMIT_NONE"]),
    ),
];

/// `POST /v3/offlineface/authinfo`
pub(crate) fn get_authinfo(shared: &Shared, request: &ApiRequest) -> Result<Answer, ApiError> {
    request.query(&[])?;
    let body = request.body(AUTHINFO_BODY)?;
    let org = text_at(body, "/organization_id");
    if lock(&shared.directory).organization_name(org).is_none() {
        return Err(unknown_organization(org));
    }
    Ok(ok_json(&json!({ "authinfo": fresh_secret()? })))
}

/// `POST /v3/offlineface/contracts/presign`
pub(crate) fn presign(shared: &Shared, request: &ApiRequest) -> Result<Answer, ApiError> {
    request.query(&[])?;
    let body = request.body(PRESIGN_BODY)?;
    request.plain_fields()?;
    find_user(
        &lock(&shared.directory),
        text_at(body, "/facepay_user/organization_id"),
        text_at(body, "/facepay_user/out_user_id"),
    )?;
    Ok(ok_json(&json!({ "presign_token": fresh_secret()? })))
}

/// `GET /v3/offlineface/contracts/{contract_id}[?appid=…]`
pub(crate) fn query_contract(
    shared: &Shared,
    request: &ApiRequest,
    contract_id: &str,
) -> Result<Answer, ApiError> {
    request.query(&["appid"])?.optional("appid")?;
    let contract = lock(&shared.directory)
        .contract_json(contract_id)
        .ok_or_else(|| ApiError::not_found(format!("contract {contract_id} does not exist")))?;
    Ok(ok_json(&contract))
}
