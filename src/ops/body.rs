//! The JSON body of a call: sensitive fields encrypted under the WeChat Pay key that the
//! request's `Wechatpay-Serial` names, then serialised once; the bytes signed are the bytes
//! sent.

use serde_json::Value;

use crate::call::Body;
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
    ) -> Result<Body, Error> {
        let present = sensitive
            .iter()
            .any(|pointer| json_pointer::get(&body, pointer).is_some());
        let mut encrypted_for = None;
        if present || matches!(absent, Absent::Refuse) && !sensitive.is_empty() {
            let encrypted = self
                .ensure_usable_key()
                .and_then(|()| match self.encryption_key() {
                    Some((id, key)) => {
                        encrypted_for = Some(id);
                        encrypt_fields(operation, &mut body, sensitive, &key, absent)
                    }
                    None => Err(Error::config(format!(
                        "{operation}: no usable WeChat Pay key to encrypt sensitive fields with: configure a WeChat Pay public key or platform certificate"
                    ))),
                });
            if encrypted.is_err() {
                wipe_fields(&mut body, sensitive);
            }
            encrypted?;
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| {
            Error::new(
                crate::ErrorKind::Internal,
                format!("{operation}: the body cannot be written as JSON: {e}"),
            )
        })?;
        Ok(Body {
            bytes,
            encrypted_for,
        })
    }
}
