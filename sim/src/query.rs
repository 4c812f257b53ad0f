//! The query parameters of a GET operation, decoded and checked: unknown or repeated
//! parameters are refused like unknown body fields, so a misspelt name is not ignored.

use std::collections::BTreeMap;

use crate::api_error::ApiError;
use crate::percent::decode_query;

/// Decoded query parameters of one request.
#[derive(Debug, Default)]
pub(crate) struct Query {
    values: BTreeMap<String, String>,
}

impl Query {
    /// Reads `raw` (the query string without `?`), allowing only the parameters named in
    /// `allowed`.
    pub(crate) fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Query, ApiError> {
        let pairs =
            decode_query(raw.unwrap_or("")).map_err(|e| ApiError::param(&e.name, e.message))?;
        let mut values = BTreeMap::new();
        for (name, value) in pairs {
            if !allowed.contains(&name.as_str()) {
                let message = if allowed.is_empty() {
                    format!("unknown query parameter {name} (this operation takes none)")
                } else {
                    format!(
                        "unknown query parameter {name} (expected {})",
                        allowed.join(", ")
                    )
                };
                return Err(ApiError::param(&name, message));
            }
            if values.contains_key(&name) {
                return Err(ApiError::param(
                    &name,
                    format!("query parameter {name} is given more than once"),
                ));
            }
            values.insert(name, value);
        }
        Ok(Query { values })
    }

    /// The value of an optional parameter; present but empty is an error.
    pub(crate) fn optional(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.values.get(name) {
            None => Ok(None),
            Some(value) if value.is_empty() => Err(ApiError::param(
                name,
                format!("query parameter {name} must not be empty"),
            )),
            Some(value) => Ok(Some(value)),
        }
    }

    /// The value of a required parameter.
    pub(crate) fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.optional(name)?
            .ok_or_else(|| ApiError::param(name, format!("query parameter {name} is required")))
    }

    /// An optional whole number from `min` to `max`; `default` when absent.
    pub(crate) fn number(
        &self,
        name: &str,
        min: u64,
        max: u64,
        default: u64,
    ) -> Result<u64, ApiError> {
        let Some(text) = self.optional(name)? else {
            return Ok(default);
        };
        text.parse::<u64>()
            .ok()
            .filter(|n| (min..=max).contains(n) && text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                ApiError::param(
                    name,
                    format!("query parameter {name} must be a whole number from {min} to {max}, not {text:?}"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_allowed_parameters() {
        let q = Query::parse(
            Some("organization_id=ORG%3A1&offset=20"),
            &["organization_id", "offset", "limit"],
        )
        .unwrap();
        assert_eq!(q.required("organization_id").unwrap(), "ORG:1");
        assert_eq!(q.number("offset", 0, u64::MAX, 0).unwrap(), 20);
        assert_eq!(q.number("limit", 1, 50, 10).unwrap(), 10);
        assert_eq!(q.optional("limit").unwrap(), None);
        assert!(Query::parse(None, &[]).is_ok());
    }

    #[test]
    fn refuses_bad_parameters() {
        let allowed = ["organization_id", "limit"];
        for (raw, needle, field) in [
            ("foo=1", "unknown query parameter foo", "foo"),
            ("limit=1&limit=2", "limit is given more than once", "limit"),
            ("limit=%zz", "not percent-encoded", "limit"),
        ] {
            let e = Query::parse(Some(raw), &allowed).unwrap_err();
            assert!(e.message.contains(needle), "{raw}: {e:?}");
            assert_eq!(e.detail.unwrap()["field"], field);
        }
        let none = Query::parse(Some("a=1"), &[]).unwrap_err();
        assert!(none.message.contains("takes none"), "{none:?}");

        let q = Query::parse(Some("organization_id=&limit=51"), &allowed).unwrap();
        assert!(
            q.required("organization_id")
                .unwrap_err()
                .message
                .contains("must not be empty")
        );
        let q = Query::parse(Some("limit=51"), &allowed).unwrap();
        assert!(
            q.required("organization_id")
                .unwrap_err()
                .message
                .contains("is required")
        );
        for bad in ["51", "0", "-1", "+5", "1.0", "x"] {
            let q = Query::parse(
                Some(&format!("limit={}", bad.replace('+', "%2B"))),
                &allowed,
            )
            .unwrap();
            let e = q.number("limit", 1, 50, 10).unwrap_err();
            assert!(e.message.contains("from 1 to 50"), "{bad}: {e:?}");
        }
    }
}
