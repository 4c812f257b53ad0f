//! Money: apply for deduction (recorded once per out_trade_no), query deduction, get
//! repayment URL.
//!
//! Who pays is read from `auth_code` (on the live service a credential from the face
//! device):
//!
//! - `AUTH-<use_id>`: that face user pays; the deduction succeeds.
//! - `AUTH-INSUFFICIENT-BALANCE-<use_id>`: that face user cannot pay; the answer is
//!   `PAYERROR` with `debt_state` `DEBT`, and the user owes money from then on.
//! - `AUTH-INSUFFICIENT-BALANCE`: the same for the fixture's default payer.
//! - anything else not starting with `AUTH-`: the fixture's default payer pays.
//!
//! The payer must exist, be CONTRACTED and NORMAL, else the live service's answer to an
//! unusable credential: 400 `INVALID_REQUEST`.

use serde_json::{Map, Value, json};

use crate::answer::Answer;
use crate::api::{ApiRequest, fresh_secret, ok_json};
use crate::api_error::ApiError;
use crate::api_users::find_user;
use crate::deductions::Deduction;
use crate::k12::{ContractState, Directory, User};
use crate::keys::MCHID;
use crate::schema::{Field, Kind, optional, optional_text_at, required, text_at};
use crate::shared::Shared;
use crate::signer::{random_digits, random_hex, unix_now};
use crate::sync::lock;
use crate::time::beijing_rfc3339;

/// The auth_code that makes the default payer run out of money.
pub(crate) const DEBT_AUTH_CODE: &str = "AUTH-INSUFFICIENT-BALANCE";
/// `AUTH-<use_id>` names the payer.
pub(crate) const AUTH_CODE_PREFIX: &str = "AUTH-";

/// How long a repayment URL is valid.
const REPAYMENT_URL_SECS: i64 = 3600;

pub(crate) const APPLY_BODY: &[Field] = &[
    required("auth_code", Kind::Text),
    optional("sp_appid", Kind::Text),
    optional("sp_mchid", Kind::Text),
    optional("sub_appid", Kind::Text),
    optional("sub_mchid", Kind::Text),
    required(
        "amount",
        Kind::Object(&[
            required("total", Kind::PositiveInteger),
            required("currency", Kind::OneOf(&["CNY"])),
        ]),
    ),
    required(
        "scene_info",
        Kind::Object(&[required("device_ip", Kind::Text)]),
    ),
    optional("goods_tag", Kind::Text),
    optional("description", Kind::Text),
    optional("attach", Kind::Text),
    optional(
        "settle_info",
        Kind::Object(&[optional("profit_sharing", Kind::Bool)]),
    ),
    optional("out_trade_no", Kind::Text),
    required(
        "business",
        Kind::Object(&[
            required("business_product_id", Kind::Integer),
            required("business_scene_id", Kind::Integer),
        ]),
    ),
];

pub(crate) const REPAYMENT_BODY: &[Field] = &[
    required("out_user_id", Kind::Text),
    required("organization_id", Kind::Text),
];

/// `POST /v3/offlineface/transactions`
pub(crate) fn apply(shared: &Shared, request: &ApiRequest) -> Result<Answer, ApiError> {
    request.query(&[])?;
    let body = request.body(APPLY_BODY)?;
    let out_trade_no = match optional_text_at(body, "/out_trade_no") {
        Some(number) => number.to_owned(),
        None => format!(
            "SIM{}{}",
            compact_time(unix_now()),
            random_hex(4).map_err(|_| random_failed())?
        ),
    };
    let mut dir = lock(&shared.directory);
    if let Some(recorded) = dir.deductions.get(&out_trade_no) {
        // Money moves once per out_trade_no: the same number again answers the record.
        shared.stats.record_deduction(false);
        return Ok(ok_json(&recorded.answer));
    }
    let auth_code = text_at(body, "/auth_code");
    let (payer, in_debt) = payer(&dir, auth_code)?;
    let answer = deduction_answer(body, &payer, &out_trade_no, in_debt)?;
    if in_debt && let Some(user) = dir.user_mut(&payer.use_id) {
        user.unpaid_deduction = true;
    }
    let deduction = Deduction {
        answer: answer.clone(),
        sp_mchid: optional_text_at(body, "/sp_mchid")
            .unwrap_or(MCHID)
            .to_owned(),
        sub_mchid: optional_text_at(body, "/sub_mchid").map(str::to_owned),
        business_product_id: body
            .pointer("/business/business_product_id")
            .and_then(Value::as_i64)
            .unwrap_or_default(),
    };
    dir.deductions.record(&out_trade_no, deduction);
    shared.stats.record_deduction(true);
    Ok(ok_json(&answer))
}

/// The paying user and whether they run out of money, from `auth_code`.
fn payer(dir: &Directory, auth_code: &str) -> Result<(User, bool), ApiError> {
    let invalid =
        |why: String| ApiError::invalid(format!("auth_code {auth_code} is not valid: {why}"));
    let named_debtor = auth_code
        .strip_prefix(DEBT_AUTH_CODE)
        .and_then(|rest| rest.strip_prefix('-'));
    let (named, in_debt) = if auth_code == DEBT_AUTH_CODE {
        (None, true)
    } else if let Some(use_id) = named_debtor {
        (Some(use_id), true)
    } else if let Some(use_id) = auth_code.strip_prefix(AUTH_CODE_PREFIX) {
        (Some(use_id), false)
    } else {
        (None, false)
    };
    let use_id = match named {
        Some(use_id) => use_id,
        None => dir.default_payer().ok_or_else(|| {
            invalid(format!(
                "the fixture has no default_payer; name the payer with {AUTH_CODE_PREFIX}<use_id>"
            ))
        })?,
    };
    let user = dir
        .user(use_id)
        .ok_or_else(|| invalid(format!("there is no face user {use_id:?}")))?;
    if user.contract_state != ContractState::Contracted {
        return Err(invalid(format!(
            "face user {use_id} has no contract (contract_state {})",
            user.contract_state.as_str()
        )));
    }
    if user.status != "NORMAL" {
        return Err(invalid(format!("face user {use_id} is {}", user.status)));
    }
    Ok((user.into_owned(), in_debt))
}

/// The apply answer: echoes what the request said, adds the outcome.
fn deduction_answer(
    body: &Value,
    payer: &User,
    out_trade_no: &str,
    in_debt: bool,
) -> Result<Value, ApiError> {
    let now = unix_now();
    let mut doc = Map::new();
    let echo = |doc: &mut Map<String, Value>, key: &str| {
        if let Some(value) = optional_text_at(body, &format!("/{key}")) {
            doc.insert(key.into(), json!(value));
        }
    };
    echo(&mut doc, "sp_appid");
    doc.insert(
        "sp_mchid".into(),
        json!(optional_text_at(body, "/sp_mchid").unwrap_or(MCHID)),
    );
    echo(&mut doc, "sub_appid");
    echo(&mut doc, "sub_mchid");
    let mut payer_ids = json!({ "sp_openid": payer.openid });
    if optional_text_at(body, "/sub_appid").is_some() {
        payer_ids["sub_openid"] = json!(format!("oSUB-{}", payer.use_id));
    }
    doc.insert("payer".into(), payer_ids);
    doc.insert("amount".into(), body["amount"].clone());
    doc.insert("promotion_detail".into(), json!([]));
    doc.insert("scene_info".into(), body["scene_info"].clone());
    doc.insert("bank_type".into(), json!("OTHERS"));
    doc.insert("trade_type".into(), json!("FACEPAY"));
    let (state, description, debt_state) = if in_debt {
        ("PAYERROR", "余额不足，已记为欠款", "DEBT")
    } else {
        ("SUCCESS", "支付成功", "NO_DEBT")
    };
    doc.insert("trade_state".into(), json!(state));
    doc.insert("trade_state_description".into(), json!(description));
    doc.insert("debt_state".into(), json!(debt_state));
    echo(&mut doc, "description");
    echo(&mut doc, "attach");
    if !in_debt {
        doc.insert("success_time".into(), json!(beijing_rfc3339(now)));
    }
    // 28 digits like the live service's: 4200, the Beijing date, 16 random digits.
    let date: String = compact_time(now).chars().take(8).collect();
    let random = random_digits(16).map_err(|_| random_failed())?;
    doc.insert(
        "transaction_id".into(),
        json!(format!("4200{date}{random}")),
    );
    doc.insert("out_trade_no".into(), json!(out_trade_no));
    if in_debt {
        doc.insert("error_type".into(), json!("NOT_ENOUGH"));
    }
    Ok(Value::Object(doc))
}

/// `YYYYMMDDHHMMSS` in Beijing time.
fn compact_time(unix: i64) -> String {
    beijing_rfc3339(unix)
        .chars()
        .take(19)
        .filter(char::is_ascii_digit)
        .collect()
}

fn random_failed() -> ApiError {
    ApiError {
        status: hyper::StatusCode::INTERNAL_SERVER_ERROR,
        code: "SYSTEM_ERROR",
        message: "the system random generator failed".into(),
        detail: None,
    }
}

/// `GET /v3/offlineface/transactions/out-trade-no/{out_trade_no}?sp_mchid=…&sub_mchid=…&business_product_id=…`
pub(crate) fn query(
    shared: &Shared,
    request: &ApiRequest,
    out_trade_no: &str,
) -> Result<Answer, ApiError> {
    let query = request.query(&["sp_mchid", "sub_mchid", "business_product_id"])?;
    let sp_mchid = query.required("sp_mchid")?;
    let sub_mchid = query.required("sub_mchid")?;
    let product_text = query.required("business_product_id")?;
    let product: i64 = product_text.parse().map_err(|_| {
        ApiError::param(
            "business_product_id",
            format!("query parameter business_product_id must be an integer, not {product_text:?}"),
        )
    })?;
    let dir = lock(&shared.directory);
    let recorded = dir.deductions.get(out_trade_no).ok_or_else(|| {
        ApiError::not_found(format!("no deduction has out_trade_no {out_trade_no}"))
    })?;
    // A deduction belongs to its merchants and product: asking with others finds nothing.
    let mismatch = if recorded.sp_mchid != sp_mchid {
        Some(format!("sp_mchid {}", recorded.sp_mchid))
    } else if recorded
        .sub_mchid
        .as_deref()
        .is_some_and(|s| s != sub_mchid)
    {
        Some(format!(
            "sub_mchid {}",
            recorded.sub_mchid.as_deref().unwrap_or_default()
        ))
    } else if recorded.business_product_id != product {
        Some(format!(
            "business_product_id {}",
            recorded.business_product_id
        ))
    } else {
        None
    };
    if let Some(theirs) = mismatch {
        return Err(ApiError::not_found(format!(
            "no deduction has out_trade_no {out_trade_no} for these parameters (it was applied for with {theirs})"
        )));
    }
    Ok(ok_json(&recorded.answer))
}

/// `POST /v3/offlineface/repayment-url`
pub(crate) fn repayment_url(shared: &Shared, request: &ApiRequest) -> Result<Answer, ApiError> {
    request.query(&[])?;
    let body = request.body(REPAYMENT_BODY)?;
    let out_user_id = text_at(body, "/out_user_id");
    let user = find_user(
        &lock(&shared.directory),
        text_at(body, "/organization_id"),
        out_user_id,
    )?;
    if !user.unpaid_deduction {
        return Err(ApiError::not_found(format!(
            "user {out_user_id} has no unpaid deduction"
        )));
    }
    Ok(ok_json(&json!({
        "repayment_url": format!("https://wxface-sim.invalid/repayment?token={}", fresh_secret()?),
        "expire_at": beijing_rfc3339(unix_now() + REPAYMENT_URL_SECS),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Directory {
        Directory::builtin()
    }

    #[test]
    fn auth_codes_name_the_payer() {
        let dir = builtin();
        let check = |code: &str, use_id: &str, debt: bool| {
            let (user, in_debt) = payer(&dir, code).unwrap();
            assert_eq!((user.use_id.as_str(), in_debt), (use_id, debt), "{code}");
        };
        check("AUTH-U0000000005", "U0000000005", false);
        check("AUTH-INSUFFICIENT-BALANCE-U0000000005", "U0000000005", true);
        check(DEBT_AUTH_CODE, "U9000000004", true);
        check("134567890123456789", "U9000000004", false);
        check("AUTH-u~._-9", "u~._-9", false);
        for (code, needle) in [
            ("AUTH-U8888888888", "there is no face user \"U8888888888\""),
            ("AUTH-", "there is no face user \"\""),
            (
                "AUTH-U9000000001",
                "has no contract (contract_state TERMINATED)",
            ),
            (
                "AUTH-INSUFFICIENT-BALANCE-U9000000003",
                "contract_state NOT_CONTRACTED",
            ),
        ] {
            let e = payer(&dir, code).unwrap_err();
            assert_eq!(e.code, "INVALID_REQUEST");
            assert!(
                e.message
                    .starts_with(&format!("auth_code {code} is not valid")),
                "{e:?}"
            );
            assert!(e.message.contains(needle), "{e:?}");
        }
    }

    #[test]
    fn answers_carry_the_outcome() {
        let dir = builtin();
        let body = json!({"auth_code": "x", "sub_appid": "wxsub", "sub_mchid": "1900000109",
            "amount": {"total": 250, "currency": "CNY"}, "scene_info": {"device_ip": "10.0.0.1"},
            "description": "午餐", "business": {"business_product_id": 2, "business_scene_id": 3}});
        let user = dir.user("U0000000005").unwrap().into_owned();
        let ok = deduction_answer(&body, &user, "T1", false).unwrap();
        assert_eq!(ok["trade_state"], "SUCCESS");
        assert_eq!(ok["debt_state"], "NO_DEBT");
        assert_eq!(ok["sp_mchid"], "1900000001");
        assert_eq!(ok["sub_mchid"], "1900000109");
        assert_eq!(ok["amount"], json!({"total": 250, "currency": "CNY"}));
        assert_eq!(ok["payer"]["sp_openid"], user.openid.as_str());
        assert!(ok["payer"]["sub_openid"].is_string());
        assert_eq!(ok["description"], "午餐");
        assert!(ok.get("attach").is_none() && ok.get("error_type").is_none());
        assert!(ok["success_time"].as_str().unwrap().ends_with("+08:00"));
        let id = ok["transaction_id"].as_str().unwrap();
        assert_eq!(id.len(), 28);
        assert!(id.starts_with("4200") && id.bytes().all(|b| b.is_ascii_digit()));
        let debt = deduction_answer(&body, &user, "T2", true).unwrap();
        assert_eq!(debt["trade_state"], "PAYERROR");
        assert_eq!(debt["debt_state"], "DEBT");
        assert_eq!(debt["error_type"], "NOT_ENOUGH");
        assert!(debt.get("success_time").is_none());
        assert_ne!(debt["transaction_id"], ok["transaction_id"]);
        assert_eq!(compact_time(1_722_850_425), "20240805173345");
    }
}
