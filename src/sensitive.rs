//! Sensitive request fields: each string a JSON pointer names in a request body is replaced by
//! its RSA-OAEP ciphertext under the WeChat Pay key (base64), and its plain text is wiped.
//! Plain text never reaches a message: errors name the pointer only.

use serde_json::Value;
use zeroize::Zeroizing;

use crate::error::Error;
use crate::json_pointer;
use crate::keys::EncryptingKey;

/// What to do about a pointer that names nothing in the body.
#[derive(Clone, Copy)]
pub(crate) enum Absent {
    /// An optional field of an operation that was not given.
    Skip,
    /// The caller asked for it (`encrypt_pointers_json`): an invalid argument.
    Refuse,
}

/// Encrypts, in place, the strings `pointers` name in `body`. `operation` names the call in
/// errors.
pub(crate) fn encrypt_fields(
    operation: &str,
    body: &mut Value,
    pointers: &[&str],
    key: &EncryptingKey,
    absent: Absent,
) -> Result<(), Error> {
    for pointer in pointers {
        match json_pointer::get_mut(body, pointer) {
            Some(Value::String(text)) => {
                let plain = Zeroizing::new(std::mem::take(text));
                *text = key.encrypt(&format!("{operation}: {pointer}"), plain.as_bytes())?;
            }
            Some(_) => {
                return Err(Error::invalid_argument(format!(
                    "{operation}: {pointer} must be a string to be encrypted"
                )));
            }
            None => match absent {
                Absent::Skip => {}
                Absent::Refuse => {
                    return Err(Error::invalid_argument(format!(
                        "{operation}: the encrypt pointer {pointer} names no string in the body"
                    )));
                }
            },
        }
    }
    Ok(())
}

/// Wipes the plain text of the strings `pointers` name (a call that failed before encrypting
/// them all): what is dropped afterwards holds no secret.
pub(crate) fn wipe_fields(body: &mut Value, pointers: &[&str]) {
    for pointer in pointers {
        if let Some(Value::String(text)) = json_pointer::get_mut(body, pointer) {
            drop(Zeroizing::new(std::mem::take(text)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::{test_encrypting_key, wechatpay_private_key};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use rsa::Oaep;
    use serde_json::json;
    use sha1::Sha1;

    fn decrypt(ciphertext: &Value) -> String {
        let bytes = STANDARD.decode(ciphertext.as_str().unwrap()).unwrap();
        let plain = wechatpay_private_key()
            .decrypt(Oaep::<Sha1>::new(), &bytes)
            .unwrap();
        String::from_utf8(plain).unwrap()
    }

    #[test]
    fn each_named_string_is_replaced_by_its_ciphertext_and_nothing_else_changes() {
        let mut body = json!({"user_name": "张三", "info": {"phone": "13800000000"}, "id": "U1"});
        let pointers = ["/user_name", "/info/phone", "/absent"];
        encrypt_fields(
            "op",
            &mut body,
            &pointers,
            &test_encrypting_key(),
            Absent::Skip,
        )
        .unwrap();
        assert_eq!(decrypt(&body["user_name"]), "张三");
        assert_eq!(decrypt(&body["info"]["phone"]), "13800000000");
        assert_eq!(body["id"], "U1");
        assert!(body.get("absent").is_none());
    }

    #[test]
    fn a_pointer_to_nothing_or_to_a_non_string_is_refused_when_asked_for() {
        let key = test_encrypting_key();
        let mut body = json!({"n": 1});
        let error = encrypt_fields("op", &mut body, &["/x"], &key, Absent::Refuse).unwrap_err();
        assert!(error.message().contains("/x names no string"), "{error}");
        let error = encrypt_fields("op", &mut body, &["/n"], &key, Absent::Skip).unwrap_err();
        assert!(error.message().contains("/n must be a string"), "{error}");
    }
}
