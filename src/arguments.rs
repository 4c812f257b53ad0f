//! JSON arguments of operations (`request_json`, `changes_json`): one JSON object whose fields
//! are checked before anything is sent. A missing required field, an unknown top-level field
//! or a wrong type is an invalid argument that names the field (so `use_id` for `user_id` is
//! caught here, not by WeChat Pay). Nested objects may carry fields this table does not list.
//! Messages name fields, never quote values: some values are sensitive.

use serde_json::{Map, Value};

use crate::error::Error;
use crate::json::parse_without_duplicates;

/// One field of an argument object.
pub(crate) struct Field {
    pub name: &'static str,
    pub required: bool,
    pub shape: Shape,
}

/// The JSON type a field must have.
pub(crate) enum Shape {
    Text,
    Integer,
    Boolean,
    Object(&'static [Field]),
}

pub(crate) const fn required(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        required: true,
        shape,
    }
}

pub(crate) const fn optional(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        required: false,
        shape,
    }
}

/// JSON text given to the C API (`argument` names it): one value, no key given twice.
pub(crate) fn parse_json_argument(argument: &str, text: &str) -> Result<Value, Error> {
    parse_without_duplicates(text)
        .map_err(|e| Error::invalid_argument(format!("{argument} is not valid JSON: {e}")))
}

/// Checks that `value` is an object with `fields`; `operation` names the call in messages.
pub(crate) fn check_object(operation: &str, value: &Value, fields: &[Field]) -> Result<(), Error> {
    let Value::Object(members) = value else {
        return Err(Error::invalid_argument(format!(
            "{operation}: the argument must be one JSON object"
        )));
    };
    if let Some(unknown) = members
        .keys()
        .find(|key| !fields.iter().any(|f| f.name == key.as_str()))
    {
        return Err(Error::invalid_argument(format!(
            "{operation}: unknown field \"{}\"",
            field_excerpt(unknown)
        )));
    }
    check_fields(operation, "", members, fields)
}

fn check_fields(
    operation: &str,
    prefix: &str,
    members: &Map<String, Value>,
    fields: &[Field],
) -> Result<(), Error> {
    for field in fields {
        let path = format!("{prefix}{}", field.name);
        let Some(value) = members.get(field.name) else {
            if field.required {
                return Err(Error::invalid_argument(format!(
                    "{operation}: {path} is required"
                )));
            }
            continue;
        };
        let wrong = |expected: &str| {
            Err(Error::invalid_argument(format!(
                "{operation}: {path} must be {expected}"
            )))
        };
        match (&field.shape, value) {
            (Shape::Text, Value::String(_)) | (Shape::Boolean, Value::Bool(_)) => {}
            (Shape::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => {}
            (Shape::Object(inner), Value::Object(members)) => {
                check_fields(operation, &format!("{path}."), members, inner)?;
            }
            (Shape::Text, _) => return wrong("a string"),
            (Shape::Integer, _) => return wrong("an integer"),
            (Shape::Boolean, _) => return wrong("true or false"),
            (Shape::Object(_), _) => return wrong("an object"),
        }
    }
    Ok(())
}

/// A string argument that goes into a JSON body (an id, a scene): 1 to 256 bytes.
pub(crate) fn check_text(operation: &str, name: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() || value.len() > MAX_TEXT_ARGUMENT {
        return Err(Error::invalid_argument(format!(
            "{operation}: {name} must be 1 to {MAX_TEXT_ARGUMENT} bytes (it is {})",
            value.len()
        )));
    }
    Ok(())
}

const MAX_TEXT_ARGUMENT: usize = 256;

/// A field name as an error may quote it: short, printable, never a pasted document.
fn field_excerpt(name: &str) -> String {
    if name.chars().count() > 64 || name.contains("-----") {
        return "(a long field name, not shown)".into();
    }
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use serde_json::json;

    const AMOUNT: &[Field] = &[
        required("total", Shape::Integer),
        required("currency", Shape::Text),
    ];
    const FIELDS: &[Field] = &[
        required("auth_code", Shape::Text),
        required("amount", Shape::Object(AMOUNT)),
        optional(
            "settle_info",
            Shape::Object(&[optional("profit_sharing", Shape::Boolean)]),
        ),
    ];

    fn check(value: Value) -> Result<(), Error> {
        check_object("apply-deduction", &value, FIELDS)
    }

    #[test]
    fn a_complete_argument_passes_and_nested_extras_are_allowed() {
        check(json!({"auth_code": "A", "amount": {"total": 1, "currency": "CNY", "extra": 1}}))
            .unwrap();
    }

    #[test]
    fn each_rule_names_the_field() {
        for (value, says) in [
            (
                json!([]),
                "apply-deduction: the argument must be one JSON object",
            ),
            (
                json!({"amount": {"total": 1, "currency": "CNY"}}),
                "apply-deduction: auth_code is required",
            ),
            (
                json!({"auth_code": "A", "amount": {"currency": "CNY"}}),
                "apply-deduction: amount.total is required",
            ),
            (
                json!({"auth_code": "A", "amount": {"total": 1.5, "currency": "CNY"}}),
                "apply-deduction: amount.total must be an integer",
            ),
            (
                json!({"auth_code": 7, "amount": {"total": 1, "currency": "CNY"}}),
                "apply-deduction: auth_code must be a string",
            ),
            (
                json!({"auth_code": "A", "amount": {"total": 1, "currency": "CNY"}, "use_id": "x"}),
                "apply-deduction: unknown field \"use_id\"",
            ),
            (
                json!({"auth_code": "A", "amount": {"total": 1, "currency": "CNY"}, "settle_info": {"profit_sharing": "yes"}}),
                "apply-deduction: settle_info.profit_sharing must be true or false",
            ),
        ] {
            let err = check(value).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument);
            assert_eq!(err.message(), says);
        }
    }

    #[test]
    fn json_text_must_parse_without_repeated_keys() {
        let err = parse_json_argument("request_json", r#"{"a":1,"a":2}"#).unwrap_err();
        assert!(
            err.message()
                .starts_with("request_json is not valid JSON: key \"a\" is given twice"),
            "{err}"
        );
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
}
