//! JSON documents that people write (the configuration, operation arguments): parsed like
//! serde_json does, except that an object naming a key twice is refused. serde_json keeps the
//! last one silently, and a config with `base_url` twice must not pick a host by accident.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses `text` into a [`Value`]; a repeated key anywhere gives an error that names it and
/// where it is ("key \"base_url\" is given twice at line 1 column 80").
pub(crate) fn parse_without_duplicates(text: &str) -> Result<Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = NoDuplicates.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// The seed (and visitor) that builds a `Value`, checking each object's keys.
#[derive(Clone, Copy)]
struct NoDuplicates;

impl<'de> DeserializeSeed<'de> for NoDuplicates {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NoDuplicates {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(NoDuplicates)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "key \"{}\" is given twice",
                    key_excerpt(&key)
                )));
            }
            let value = map.next_value_seed(NoDuplicates)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A key as it may be quoted in an error: short, and never a PEM document pasted as a key.
fn key_excerpt(key: &str) -> String {
    if key.contains("-----") || key.chars().count() > 64 {
        return "(a long key, not shown)".to_owned();
    }
    key.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_serde_json() {
        let text = r#"{"a":[1,-2,3.5,true,null,"x"],"b":{"c":{}},"big":18446744073709551615}"#;
        assert_eq!(
            parse_without_duplicates(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert!(parse_without_duplicates("{} x").is_err());
        assert!(parse_without_duplicates("[1,").is_err());
    }

    #[test]
    fn a_repeated_key_is_named_at_any_depth() {
        let err = parse_without_duplicates(r#"{"base_url":"a","base_url":"b"}"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("key \"base_url\" is given twice at line 1"),
            "{err}"
        );
        let err = parse_without_duplicates(r#"{"x":[{"k":1,"k":2}]}"#).unwrap_err();
        assert!(err.to_string().contains("\"k\" is given twice"), "{err}");
        let pem_key = format!(
            "{{\"-----BEGIN PRIVATE KEY-----{}\":1,\"-----BEGIN PRIVATE KEY-----{0}\":2}}",
            "A".repeat(40)
        );
        let err = parse_without_duplicates(&pem_key).unwrap_err();
        assert!(!err.to_string().contains("BEGIN"), "{err}");
    }
}
