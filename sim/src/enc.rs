//! The encrypted (ENC) fields of a request: opened once when the request arrives, so that
//! the request log shows their plain text and the operation can insist on them being
//! real ciphertexts under the key named by `Wechatpay-Serial`.

use std::collections::HashMap;

use serde_json::Value;

use crate::api_error::ApiError;
use crate::oaep::{FieldDecryptor, OpenError};
use crate::schema::{Field, encrypted_fields};

/// One ENC field found in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenedField {
    /// `facepay_user.phone`
    pub(crate) path: String,
    /// `/facepay_user/phone`
    pointer: String,
    plain: Result<String, OpenError>,
}

/// Opens every ENC field of `schema` that `body` holds as a string.
pub(crate) fn open_fields(
    decryptor: &FieldDecryptor,
    schema: &[Field],
    body: &Value,
) -> Vec<OpenedField> {
    encrypted_fields(schema)
        .into_iter()
        .filter_map(|(path, pointer)| {
            let value = body.pointer(&pointer)?.as_str()?;
            let plain = decryptor.open(value);
            Some(OpenedField {
                path,
                pointer,
                plain,
            })
        })
        .collect()
}

/// `body` with each field that opened replaced by its plain text (others as sent).
pub(crate) fn reveal(body: &Value, opened: &[OpenedField]) -> Value {
    let mut shown = body.clone();
    for field in opened {
        if let (Ok(plain), Some(slot)) = (&field.plain, shown.pointer_mut(&field.pointer)) {
            *slot = Value::String(plain.clone());
        }
    }
    shown
}

/// The plain text of each ENC field, by path, once the request names the right key:
/// `serial` is the request's `Wechatpay-Serial`, `expected` the id of the simulator's
/// WeChat Pay key (public key id or platform certificate serial, by key mode).
pub(crate) fn require_plain(
    opened: &[OpenedField],
    serial: Option<&str>,
    expected: &str,
) -> Result<HashMap<String, String>, ApiError> {
    if opened.is_empty() {
        return Ok(HashMap::new());
    }
    let names: Vec<&str> = opened.iter().map(|f| f.path.as_str()).collect();
    let names = names.join(", ");
    match serial {
        None => {
            return Err(ApiError::param(
                "Wechatpay-Serial",
                format!(
                    "the Wechatpay-Serial header is required with encrypted fields ({names}): expected {expected}"
                ),
            ));
        }
        // Hex serials are compared without regard to case, like serial_no.
        Some(serial) if !serial.trim().eq_ignore_ascii_case(expected) => {
            return Err(ApiError::param(
                "Wechatpay-Serial",
                format!(
                    "Wechatpay-Serial {serial:?} does not name the WeChat Pay key that encrypts {names}: expected {expected}"
                ),
            ));
        }
        Some(_) => {}
    }
    let mut plain = HashMap::new();
    for field in opened {
        match &field.plain {
            Ok(text) => {
                plain.insert(field.path.clone(), text.clone());
            }
            Err(why) => {
                return Err(ApiError::param(
                    &field.path,
                    format!(
                        "{} is not encrypted with the WeChat Pay key (the value {why})",
                        field.path
                    ),
                ));
            }
        }
    }
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{PrivatePkcs8KeyDer, SubjectPublicKeyInfoDer};
    use serde_json::json;

    use crate::oaep::tests::seal;
    use crate::schema::{Kind, optional, required};
    use crate::test_vectors::vector_path;

    const SCHEMA: &[Field] = &[
        optional("name", Kind::Text),
        optional("phone", Kind::Encrypted),
        optional(
            "card",
            Kind::Object(&[
                required("number", Kind::Encrypted),
                optional("bank", Kind::Text),
            ]),
        ),
    ];

    fn keys() -> (FieldDecryptor, Vec<u8>) {
        let key = PrivatePkcs8KeyDer::from_pem_file(vector_path("wechatpay_test_private_key.pem"))
            .unwrap();
        let spki =
            SubjectPublicKeyInfoDer::from_pem_file(vector_path("wechatpay_test_public_key.pem"))
                .unwrap();
        (
            FieldDecryptor::new(key.secret_pkcs8_der()).unwrap(),
            spki.as_ref().to_vec(),
        )
    }

    #[test]
    fn opens_reveals_and_requires() {
        let (decryptor, spki) = keys();
        let body = json!({"name": "x", "phone": seal(&spki, "13800138000"),
                          "card": {"number": seal(&spki, "6222"), "bank": "B"}});
        let opened = open_fields(&decryptor, SCHEMA, &body);
        assert_eq!(opened.len(), 2);
        assert_eq!(
            reveal(&body, &opened),
            json!({"name": "x", "phone": "13800138000", "card": {"number": "6222", "bank": "B"}})
        );
        let plain = require_plain(&opened, Some("pub_key_id_1"), "PUB_KEY_ID_1").unwrap();
        assert_eq!(plain["phone"], "13800138000");
        assert_eq!(plain["card.number"], "6222");

        let missing = require_plain(&opened, None, "PUB_KEY_ID_1").unwrap_err();
        assert!(
            missing.message.contains(
                "required with encrypted fields (phone, card.number): expected PUB_KEY_ID_1"
            ),
            "{missing:?}"
        );
        assert_eq!(missing.detail.unwrap()["field"], "Wechatpay-Serial");
        let wrong = require_plain(&opened, Some("PUB_KEY_ID_2"), "PUB_KEY_ID_1").unwrap_err();
        assert!(
            wrong.message.contains("\"PUB_KEY_ID_2\" does not name"),
            "{wrong:?}"
        );
        assert!(
            wrong.message.ends_with("expected PUB_KEY_ID_1"),
            "{wrong:?}"
        );
    }

    #[test]
    fn plain_text_is_refused_by_path_and_shown_as_sent() {
        let (decryptor, spki) = keys();
        let body = json!({"phone": seal(&spki, "1"), "card": {"number": "6222 0000"}});
        let opened = open_fields(&decryptor, SCHEMA, &body);
        let err = require_plain(&opened, Some("K"), "K").unwrap_err();
        assert!(
            err.message
                .starts_with("card.number is not encrypted with the WeChat Pay key"),
            "{err:?}"
        );
        assert_eq!(err.detail.unwrap()["field"], "card.number");
        assert_eq!(
            reveal(&body, &opened),
            json!({"phone": "1", "card": {"number": "6222 0000"}})
        );
        // Nothing encrypted: no serial needed.
        assert!(
            require_plain(
                &open_fields(&decryptor, SCHEMA, &json!({"name": "x"})),
                None,
                "K"
            )
            .unwrap()
            .is_empty()
        );
    }
}
