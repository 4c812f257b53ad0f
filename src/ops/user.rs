//! K12 face users: the token that opens the face-pay mini program for one, looking one up by
//! the merchant's user id, and changing what WeChat Pay holds about them.

use serde_json::{Value, json};

use crate::arguments::{Field, Shape, check_object, check_text, optional};
use crate::call::{Call, Success};
use crate::client::Client;
use crate::error::Error;
use crate::path_id::encode_path_id;
use crate::response::Response;
use crate::sensitive::Absent;

/// The fields `update_user` may change; `user_name` and `phone` are sent encrypted.
const USER_CHANGES: &[Field] = &[
    optional("user_name", Shape::Text),
    optional("user_type", Shape::Text),
    optional(
        "student_info",
        Shape::Object(&[optional("class_name", Shape::Text)]),
    ),
    optional(
        "staff_info",
        Shape::Object(&[optional("occupation", Shape::Text)]),
    ),
    optional("status", Shape::Text),
    optional("phone", Shape::Text),
];
const USER_CHANGES_SENSITIVE: &[&str] = &["/user_name", "/phone"];

impl Client {
    /// `POST /v3/offlinefacemch/tokens`: a token (valid 5 minutes) for the user `out_user_id`
    /// of `organization_id`; `scene` is `WEBSESSION` when `None`. Answers `token`.
    pub fn create_auth_token(
        &self,
        organization_id: &str,
        out_user_id: &str,
        scene: Option<&str>,
    ) -> Result<Response, Error> {
        const OP: &str = "create-auth-token";
        let scene = scene.unwrap_or("WEBSESSION");
        check_text(OP, "organization_id", organization_id)?;
        check_text(OP, "out_user_id", out_user_id)?;
        check_text(OP, "scene", scene)?;
        let body = json!({
            "scene": scene,
            "web_init_data": {"out_user_id": out_user_id, "organization_id": organization_id},
        });
        self.execute(&Call {
            name: OP,
            method: "POST",
            target: "/v3/offlinefacemch/tokens".into(),
            body: Some(self.json_body(OP, body, &[], Absent::Skip)?),
            success: Success::JsonObject,
        })
    }

    /// `GET /v3/offlinefacemch/organizations/{organization_id}/users/out-user-id/{out_user_id}`:
    /// the face user (`use_id`, `user_name`, `contract_state`, `contract_id`, …).
    pub fn query_user(&self, organization_id: &str, out_user_id: &str) -> Result<Response, Error> {
        self.execute(&Call {
            name: "query-user",
            method: "GET",
            target: user_path(organization_id, out_user_id)?,
            body: None,
            success: Success::JsonObject,
        })
    }

    /// `PATCH` the same path: changes the user's `user_name`, `user_type`,
    /// `student_info.class_name`, `staff_info.occupation`, `status` or `phone` (at least one;
    /// `user_name` and `phone` in plain text: they are encrypted here). Answers 204.
    pub fn update_user(
        &self,
        organization_id: &str,
        out_user_id: &str,
        changes: &Value,
    ) -> Result<Response, Error> {
        const OP: &str = "update-user";
        let target = user_path(organization_id, out_user_id)?;
        check_object(OP, changes, USER_CHANGES)?;
        if changes.as_object().is_some_and(|fields| fields.is_empty()) {
            return Err(Error::invalid_argument(format!(
                "{OP}: the changes must hold at least one field"
            )));
        }
        let body = self.json_body(OP, changes.clone(), USER_CHANGES_SENSITIVE, Absent::Skip)?;
        self.execute(&Call {
            name: OP,
            method: "PATCH",
            target,
            body: Some(body),
            success: Success::NoContent,
        })
    }
}

fn user_path(organization_id: &str, out_user_id: &str) -> Result<String, Error> {
    let organization = encode_path_id("organization_id", organization_id)?;
    let out_user = encode_path_id("out_user_id", out_user_id)?;
    Ok(format!(
        "/v3/offlinefacemch/organizations/{organization}/users/out-user-id/{out_user}"
    ))
}
