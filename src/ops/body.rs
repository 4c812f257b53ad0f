//! The JSON body of a call: sensitive fields encrypted under the WeChat Pay key that the
//! request's `Wechatpay-Serial` names, then serialised once; the bytes signed are the bytes
//! sent.

use serde_json::Value;

use crate::client::Client;
use crate::error::Error;
use crate::json_pointer;
use crate::sensitive::{Absent, encrypt_fields, wipe_fields};

impl Client {
    /// `body` as bytes, with the strings at `sensitive` encrypted (`absent` says whether a
    /// pointer may name nothing).
    pub(crate) fn json_body(
        &self,
        operation: &'static str,
        mut body: Value,
        sensitive: &[&str],
        absent: Absent,
    ) -> Result<Vec<u8>, Error> {
        let present = sensitive
            .iter()
            .any(|pointer| json_pointer::get(&body, pointer).is_some());
        if present || matches!(absent, Absent::Refuse) && !sensitive.is_empty() {
            let encrypted = match self.encryption_key() {
                Some(key) => encrypt_fields(operation, &mut body, sensitive, key, absent),
                None => Err(Error::config(format!(
                    "{operation}: no WeChat Pay key to encrypt sensitive fields with: configure a WeChat Pay public key or platform certificate"
                ))),
            };
            if encrypted.is_err() {
                wipe_fields(&mut body, sensitive);
            }
            encrypted?;
        }
        serde_json::to_vec(&body).map_err(|e| {
            Error::new(
                crate::ErrorKind::Internal,
                format!("{operation}: the body cannot be written as JSON: {e}"),
            )
        })
    }
}
