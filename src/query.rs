//! Query strings of request targets. A value (an organization id or its Chinese name, an
//! appid, a mchid, a product id) is 1 to 256 bytes of UTF-8 without NUL; every byte outside
//! RFC 3986 "unreserved" is percent-encoded, `/ ? # % &` included.

use crate::error::Error;
use crate::percent::percent_encode;

const MAX_VALUE_LEN: usize = 256;

/// A path and its query, built one checked parameter at a time.
pub(crate) struct Target {
    target: String,
    separator: char,
}

impl Target {
    /// `path` must already be encoded (fixed text and encoded path ids).
    pub(crate) fn new(path: String) -> Self {
        Target {
            target: path,
            separator: '?',
        }
    }

    /// Appends `name=value`; `name` also names the argument in errors.
    pub(crate) fn param(mut self, name: &str, value: &str) -> Result<Self, Error> {
        check_query_value(name, value)?;
        self.target.push(self.separator);
        self.target.push_str(name);
        self.target.push('=');
        self.target.push_str(&percent_encode(value));
        self.separator = '&';
        Ok(self)
    }

    /// Appends `name=value` when there is a value.
    pub(crate) fn optional(self, name: &str, value: Option<&str>) -> Result<Self, Error> {
        match value {
            Some(value) => self.param(name, value),
            None => Ok(self),
        }
    }

    pub(crate) fn finish(self) -> String {
        self.target
    }
}

fn check_query_value(name: &str, value: &str) -> Result<(), Error> {
    let bad = |why: String| Err(Error::invalid_argument(format!("{name}: {why}")));
    if value.is_empty() {
        return bad("must not be empty".into());
    }
    if value.len() > MAX_VALUE_LEN {
        return bad(format!(
            "is {} bytes long (limit {MAX_VALUE_LEN})",
            value.len()
        ));
    }
    if value.contains('\0') {
        return bad("must not contain NUL".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn builds_an_encoded_query() {
        let target = Target::new("/v3/x".into())
            .param("organization_name", "南山中学")
            .and_then(|t| t.optional("appid", None))
            .and_then(|t| t.param("sp_mchid", "a&b=c/d?e#f%"))
            .unwrap()
            .finish();
        assert_eq!(
            target,
            "/v3/x?organization_name=%E5%8D%97%E5%B1%B1%E4%B8%AD%E5%AD%A6&sp_mchid=a%26b%3Dc%2Fd%3Fe%23f%25"
        );
    }

    #[test]
    fn refuses_empty_long_and_nul_values() {
        for value in [String::new(), "x".repeat(257), "a\0b".into()] {
            let err = Target::new("/v3/x".into())
                .param("appid", &value)
                .err()
                .unwrap();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument);
            assert!(err.message().starts_with("appid: "), "{err}");
        }
        assert!(
            Target::new("/v3/x".into())
                .param("appid", &"x".repeat(256))
                .is_ok()
        );
    }
}
