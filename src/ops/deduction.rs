//! Deductions (money moves): applying for one, looking one up, and the repayment link of a
//! user who still owes money. A deduction is never sent twice by the library: a caller who
//! got an error with `request_sent()` queries it before trying again.

use serde_json::{Value, json};

use crate::arguments::{Field, Shape, check_object, check_text, optional, required};
use crate::call::{Call, Success};
use crate::client::Client;
use crate::error::Error;
use crate::path_id::encode_path_id;
use crate::query::Target;
use crate::response::Response;
use crate::sensitive::Absent;

const DEDUCTION: &[Field] = &[
    required("auth_code", Shape::Text),
    optional("sp_appid", Shape::Text),
    optional("sp_mchid", Shape::Text),
    optional("sub_appid", Shape::Text),
    optional("sub_mchid", Shape::Text),
    required(
        "amount",
        Shape::Object(&[
            required("total", Shape::Integer),
            required("currency", Shape::Text),
        ]),
    ),
    required(
        "scene_info",
        Shape::Object(&[required("device_ip", Shape::Text)]),
    ),
    optional("goods_tag", Shape::Text),
    optional("description", Shape::Text),
    optional("attach", Shape::Text),
    optional(
        "settle_info",
        Shape::Object(&[optional("profit_sharing", Shape::Boolean)]),
    ),
    optional("out_trade_no", Shape::Text),
    required(
        "business",
        Shape::Object(&[
            required("business_product_id", Shape::Integer),
            required("business_scene_id", Shape::Integer),
        ]),
    ),
];

impl Client {
    /// `POST /v3/offlineface/transactions`: applies for a deduction (`amount.total` in fen).
    /// Never repeated by the library, whatever happens.
    pub fn apply_deduction(&self, request: &Value) -> Result<Response, Error> {
        const OP: &str = "apply-deduction";
        check_object(OP, request, DEDUCTION)?;
        self.execute(&Call {
            name: OP,
            method: "POST",
            target: "/v3/offlineface/transactions".into(),
            body: Some(self.json_body(OP, request.clone(), &[], Absent::Skip)?),
            success: Success::JsonObject,
        })
    }

    /// `GET /v3/offlineface/transactions/out-trade-no/{out_trade_no}?sp_mchid=…&sub_mchid=…&business_product_id=…`:
    /// the deduction as applied for.
    pub fn query_deduction(
        &self,
        out_trade_no: &str,
        sp_mchid: &str,
        sub_mchid: &str,
        business_product_id: &str,
    ) -> Result<Response, Error> {
        let trade = encode_path_id("out_trade_no", out_trade_no)?;
        let target = Target::new(format!("/v3/offlineface/transactions/out-trade-no/{trade}"))
            .param("sp_mchid", sp_mchid)?
            .param("sub_mchid", sub_mchid)?
            .param("business_product_id", business_product_id)?
            .finish();
        self.execute(&Call {
            name: "query-deduction",
            method: "GET",
            target,
            body: None,
            success: Success::JsonObject,
        })
    }

    /// `POST /v3/offlineface/repayment-url`: the link where a user who owes money pays it
    /// (`repayment_url`, `expire_at`), before their contract is terminated.
    pub fn get_repayment_url(
        &self,
        organization_id: &str,
        out_user_id: &str,
    ) -> Result<Response, Error> {
        const OP: &str = "get-repayment-url";
        check_text(OP, "organization_id", organization_id)?;
        check_text(OP, "out_user_id", out_user_id)?;
        let body = json!({"out_user_id": out_user_id, "organization_id": organization_id});
        self.execute(&Call {
            name: OP,
            method: "POST",
            target: "/v3/offlineface/repayment-url".into(),
            body: Some(self.json_body(OP, body, &[], Absent::Skip)?),
            success: Success::JsonObject,
        })
    }
}
