//! K12 face-pay contracts: terminating one (the headline call), pre-signing one for a pupil,
//! and looking one up.

use serde_json::Value;

use crate::arguments::{Field, Shape, check_object, optional, required};
use crate::call::{Call, Success};
use crate::client::Client;
use crate::error::Error;
use crate::path_id::encode_path_id;
use crate::query::Target;
use crate::response::Response;
use crate::sensitive::Absent;

const IDENTIFICATION: Shape = Shape::Object(&[
    required("identification_type", Shape::Text),
    required("identification_number", Shape::Text),
]);

/// The body of presign-contract; six fields are sent encrypted (`PRESIGN_SENSITIVE`).
const PRESIGN: &[Field] = &[
    required("business_name", Shape::Text),
    required(
        "facepay_user",
        Shape::Object(&[
            required("out_user_id", Shape::Text),
            optional("identification_name", Shape::Text),
            required("organization_id", Shape::Text),
            optional("identification", IDENTIFICATION),
            optional("phone", Shape::Text),
        ]),
    ),
    optional(
        "limit_bank_card",
        Shape::Object(&[
            optional("bank_card_number", Shape::Text),
            optional("identification_name", Shape::Text),
            optional("identification", IDENTIFICATION),
            optional("valid_thru", Shape::Text),
            optional("bank_type", Shape::Text),
            optional("phone", Shape::Text),
        ]),
    ),
    optional("contract_mode", Shape::Text),
];
const PRESIGN_SENSITIVE: &[&str] = &[
    "/facepay_user/identification/identification_number",
    "/facepay_user/phone",
    "/limit_bank_card/bank_card_number",
    "/limit_bank_card/identification_name",
    "/limit_bank_card/identification/identification_number",
    "/limit_bank_card/phone",
];

impl Client {
    /// Terminates the face-pay contract of `user_id` in `organization_id`:
    /// `POST /v3/offlinefacemch/organizations/{organization_id}/users/user-id/{user_id}/terminate-contract`.
    ///
    /// Succeeds when WeChat Pay answers 204 and the response's signature verifies. Invalid ids
    /// fail with [`crate::ErrorKind::InvalidArgument`] before anything is sent; an unknown or
    /// already terminated user is an [`crate::ErrorKind::Api`] error.
    pub fn terminate_contract(&self, organization_id: &str, user_id: &str) -> Result<(), Error> {
        self.terminate_contract_with_response(organization_id, user_id)
            .map(drop)
    }

    /// [`Client::terminate_contract`], giving the 204 response (its Request-ID is what the
    /// audit log keeps).
    pub fn terminate_contract_with_response(
        &self,
        organization_id: &str,
        user_id: &str,
    ) -> Result<Response, Error> {
        let organization = encode_path_id("organization_id", organization_id)?;
        let user = encode_path_id("user_id", user_id)?;
        self.execute(&Call {
            name: "terminate-contract",
            method: "POST",
            target: format!(
                "/v3/offlinefacemch/organizations/{organization}/users/user-id/{user}/terminate-contract"
            ),
            body: None,
            success: Success::NoContent,
        })
    }

    /// `POST /v3/offlineface/contracts/presign`: the fields of the request in plain text (the
    /// six sensitive ones are encrypted here). Answers `presign_token`.
    pub fn presign_contract(&self, request: &Value) -> Result<Response, Error> {
        const OP: &str = "presign-contract";
        check_object(OP, request, PRESIGN)?;
        let body = self.json_body(OP, request.clone(), PRESIGN_SENSITIVE, Absent::Skip)?;
        self.execute(&Call {
            name: OP,
            method: "POST",
            target: "/v3/offlineface/contracts/presign".into(),
            body: Some(body),
            success: Success::JsonObject,
        })
    }

    /// `GET /v3/offlineface/contracts/{contract_id}[?appid=…]`: the contract and its state.
    pub fn query_contract(
        &self,
        contract_id: &str,
        appid: Option<&str>,
    ) -> Result<Response, Error> {
        let contract = encode_path_id("contract_id", contract_id)?;
        let target = Target::new(format!("/v3/offlineface/contracts/{contract}"))
            .optional("appid", appid)?
            .finish();
        self.execute(&Call {
            name: "query-contract",
            method: "GET",
            target,
            body: None,
            success: Success::JsonObject,
        })
    }
}
