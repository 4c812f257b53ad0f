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
