//! The face-pay device's authinfo (refreshed at least hourly on each device).

use serde_json::Value;

use crate::arguments::{Field, Shape, check_object, optional, required};
use crate::call::{Call, Success};
use crate::client::Client;
use crate::error::Error;
use crate::response::Response;
use crate::sensitive::Absent;

const AUTHINFO: &[Field] = &[
    required("sp_appid", Shape::Text),
    optional("sub_appid", Shape::Text),
    required("sub_mchid", Shape::Text),
    required("device_id", Shape::Text),
    required("raw_data", Shape::Text),
    required("organization_id", Shape::Text),
];

impl Client {
    /// `POST /v3/offlineface/authinfo`: answers `authinfo`.
    pub fn get_authinfo(&self, request: &Value) -> Result<Response, Error> {
        const OP: &str = "get-authinfo";
        check_object(OP, request, AUTHINFO)?;
        self.execute(&Call {
            name: OP,
            method: "POST",
            target: "/v3/offlineface/authinfo".into(),
            body: Some(self.json_body(OP, request.clone(), &[], Absent::Skip)?),
            success: Success::JsonObject,
        })
    }
}
