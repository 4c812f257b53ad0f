//! The shape of each request body, declared once: the validator walks a JSON body with it
//! (unknown, missing and mistyped fields, named by their path), and the encrypted fields
//! are found with it (for decryption and for the request log).

use serde_json::{Map, Value};

use crate::api_error::ApiError;

/// What a field's value must be.
#[derive(Debug)]
pub(crate) enum Kind {
    /// A non-empty string.
    Text,
    /// A non-empty string: base64 of RSA-OAEP under the WeChat Pay key (checked when the
    /// field is opened, after the shape).
    Encrypted,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A JSON integer.
    Integer,
    /// A JSON integer of at least 1.
    PositiveInteger,
    Bool,
    /// `mm/yy`.
    MonthYear,
    Object(&'static [Field]),
}

#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) required: bool,
    pub(crate) kind: Kind,
}

pub(crate) const fn required(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        required: true,
        kind,
    }
}

pub(crate) const fn optional(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        required: false,
        kind,
    }
}

/// The body as a JSON object: `None` when empty, else parsed, else a 400.
pub(crate) fn parse_body(body: &[u8]) -> Option<Result<Value, String>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(serde_json::from_slice(body).map_err(|e| format!("the request body is not JSON: {e}")))
}

/// Checks `body` against `fields`: the first problem found is the answer. Unknown fields
/// come first (a misspelt optional field would otherwise pass unnoticed), then each
/// declared field in order.
pub(crate) fn check(body: &Value, fields: &[Field]) -> Result<(), ApiError> {
    match body {
        Value::Object(object) => check_object(object, fields, ""),
        _ => Err(ApiError::bad_request(
            "the request body must be a JSON object",
        )),
    }
}

fn check_object(
    object: &Map<String, Value>,
    fields: &[Field],
    prefix: &str,
) -> Result<(), ApiError> {
    for name in object.keys() {
        if !fields.iter().any(|f| f.name == name) {
            let path = format!("{prefix}{name}");
            return Err(ApiError::param(&path, format!("unknown field {path}")));
        }
    }
    for field in fields {
        let path = format!("{prefix}{}", field.name);
        match object.get(field.name) {
            None if field.required => {
                return Err(ApiError::param(&path, format!("{path} is required")));
            }
            None => {}
            Some(Value::Null) => {
                let why = if field.required {
                    format!("{path} is required")
                } else {
                    format!("{path} must not be null (leave it out instead)")
                };
                return Err(ApiError::param(&path, why));
            }
            Some(value) => check_value(value, &field.kind, &path)?,
        }
    }
    Ok(())
}

fn check_value(value: &Value, kind: &Kind, path: &str) -> Result<(), ApiError> {
    let fail = |why: String| Err(ApiError::param(path, format!("{path} {why}")));
    match kind {
        Kind::Text | Kind::Encrypted | Kind::MonthYear | Kind::OneOf(_) => {
            let Some(text) = value.as_str() else {
                return fail("must be a string".into());
            };
            if text.is_empty() {
                return fail("must not be empty".into());
            }
            match kind {
                Kind::OneOf(allowed) if !allowed.contains(&text) => match allowed {
                    [only] => fail(format!("must be {only}")),
                    _ => fail(format!("must be one of {}", allowed.join(", "))),
                },
                Kind::MonthYear if !is_month_year(text) => {
                    fail("must be a month and year as mm/yy".into())
                }
                _ => Ok(()),
            }
        }
        Kind::Integer => match value.as_i64() {
            Some(_) => Ok(()),
            None => fail("must be an integer".into()),
        },
        Kind::PositiveInteger => match value.as_i64() {
            Some(n) if n >= 1 => Ok(()),
            Some(_) => fail("must be at least 1".into()),
            None => fail("must be an integer".into()),
        },
        Kind::Bool => match value {
            Value::Bool(_) => Ok(()),
            _ => fail("must be true or false".into()),
        },
        Kind::Object(fields) => match value {
            Value::Object(object) => check_object(object, fields, &format!("{path}.")),
            _ => fail("must be an object".into()),
        },
    }
}

fn is_month_year(text: &str) -> bool {
    match text.as_bytes() {
        [m1, m2, b'/', y1, y2] if [m1, m2, y1, y2].iter().all(|c| c.is_ascii_digit()) => {
            matches!((m1, m2), (b'0', b'1'..=b'9') | (b'1', b'0'..=b'2'))
        }
        _ => false,
    }
}

/// The string at `pointer` of a checked body (`""` if absent: call for required fields).
pub(crate) fn text_at<'a>(body: &'a Value, pointer: &str) -> &'a str {
    optional_text_at(body, pointer).unwrap_or("")
}

/// The string at `pointer` of a checked body, if present.
pub(crate) fn optional_text_at<'a>(body: &'a Value, pointer: &str) -> Option<&'a str> {
    body.pointer(pointer).and_then(Value::as_str)
}

/// The encrypted fields `fields` declares, as `(path, JSON pointer)`:
/// `("facepay_user.phone", "/facepay_user/phone")`.
pub(crate) fn encrypted_fields(fields: &[Field]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    collect_encrypted(fields, "", &mut found);
    found
}

fn collect_encrypted(fields: &[Field], prefix: &str, found: &mut Vec<(String, String)>) {
    for field in fields {
        let path = if prefix.is_empty() {
            field.name.to_owned()
        } else {
            format!("{prefix}.{}", field.name)
        };
        match &field.kind {
            Kind::Encrypted => found.push((path.clone(), format!("/{}", path.replace('.', "/")))),
            Kind::Object(inner) => collect_encrypted(inner, &path, found),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const INNER: &[Field] = &[
        required("total", Kind::PositiveInteger),
        required("currency", Kind::OneOf(&["CNY"])),
    ];
    const SCHEMA: &[Field] = &[
        required("name", Kind::Text),
        optional("phone", Kind::Encrypted),
        optional("kind", Kind::OneOf(&["A", "B"])),
        optional("n", Kind::Integer),
        optional("flag", Kind::Bool),
        optional("valid_thru", Kind::MonthYear),
        optional("amount", Kind::Object(INNER)),
    ];

    fn error(body: Value) -> (String, Value) {
        let e = check(&body, SCHEMA).unwrap_err();
        assert_eq!(e.status, hyper::StatusCode::BAD_REQUEST);
        assert_eq!(e.code, "PARAM_ERROR");
        (e.message, e.detail.unwrap_or(Value::Null))
    }

    #[test]
    fn accepts_a_valid_body() {
        let body = json!({"name":"x","phone":"c2VjcmV0","kind":"B","n":-3,"flag":false,
                          "valid_thru":"12/29","amount":{"total":1,"currency":"CNY"}});
        assert_eq!(check(&body, SCHEMA), Ok(()));
        assert_eq!(check(&json!({"name":"x"}), SCHEMA), Ok(()));
    }

    #[test]
    fn names_each_problem_by_its_path() {
        let cases = [
            (json!({}), "name is required", "name"),
            (json!({"name":null}), "name is required", "name"),
            (json!({"name":""}), "name must not be empty", "name"),
            (json!({"name":1}), "name must be a string", "name"),
            (
                json!({"name":"x","use_id":"U"}),
                "unknown field use_id",
                "use_id",
            ),
            (
                json!({"name":"x","phone":null}),
                "phone must not be null",
                "phone",
            ),
            (
                json!({"name":"x","kind":"C"}),
                "kind must be one of A, B",
                "kind",
            ),
            (json!({"name":"x","n":1.5}), "n must be an integer", "n"),
            (json!({"name":"x","n":"1"}), "n must be an integer", "n"),
            (
                json!({"name":"x","flag":"true"}),
                "flag must be true or false",
                "flag",
            ),
            (
                json!({"name":"x","valid_thru":"13/29"}),
                "valid_thru must be a month",
                "valid_thru",
            ),
            (
                json!({"name":"x","amount":[]}),
                "amount must be an object",
                "amount",
            ),
            (
                json!({"name":"x","amount":{"currency":"CNY"}}),
                "amount.total is required",
                "amount.total",
            ),
            (
                json!({"name":"x","amount":{"total":"1","currency":"CNY"}}),
                "amount.total must be an integer",
                "amount.total",
            ),
            (
                json!({"name":"x","amount":{"total":0,"currency":"CNY"}}),
                "amount.total must be at least 1",
                "amount.total",
            ),
            (
                json!({"name":"x","amount":{"total":1,"currency":"USD"}}),
                "amount.currency must be CNY",
                "amount.currency",
            ),
            (
                json!({"name":"x","amount":{"total":1,"currency":"CNY","x":1}}),
                "unknown field amount.x",
                "amount.x",
            ),
        ];
        for (body, message, field) in cases {
            let (got, detail) = error(body.clone());
            assert!(
                got.starts_with(message),
                "{body}: {got:?} should start with {message:?}"
            );
            assert_eq!(detail, json!({ "field": field }), "{body}");
        }
        let not_object = check(&json!([1]), SCHEMA).unwrap_err();
        assert!(not_object.message.contains("JSON object"));
    }

    #[test]
    fn parses_bodies() {
        assert!(parse_body(b"").is_none());
        assert!(parse_body(b" \n").is_none());
        assert_eq!(parse_body(b"{}"), Some(Ok(json!({}))));
        assert!(parse_body(b"{").unwrap().unwrap_err().contains("not JSON"));
    }

    #[test]
    fn finds_encrypted_fields() {
        assert_eq!(
            encrypted_fields(SCHEMA),
            [("phone".to_owned(), "/phone".to_owned())]
        );
        const NESTED: &[Field] = &[optional(
            "a",
            Kind::Object(&[optional(
                "b",
                Kind::Object(&[required("c", Kind::Encrypted)]),
            )]),
        )];
        assert_eq!(
            encrypted_fields(NESTED),
            [("a.b.c".to_owned(), "/a/b/c".to_owned())]
        );
    }
}
