//! Identifiers that go into a request path (`organization_id`, `user_id`, …): validated and
//! percent-encoded exactly as the C API contract says, so that the signed request target
//! and the bytes on the wire are the same string.

use crate::error::Error;
use crate::percent::percent_encode;

const MAX_ID_LEN: usize = 256;

/// Checks one path identifier and returns it percent-encoded for the request target.
///
/// An id is 1 to 256 bytes of printable ASCII (0x21..=0x7E) without `/ ? # % \`, and is
/// not `.` or `..`. `name` is the parameter name used in the error message.
pub fn encode_path_id(name: &str, id: &str) -> Result<String, Error> {
    check_path_id(name, id)?;
    Ok(percent_encode(id))
}

fn check_path_id(name: &str, id: &str) -> Result<(), Error> {
    let bad = |why: &str| Err(Error::invalid_argument(format!("{name}: {why}")));
    if id.is_empty() {
        return bad("must not be empty");
    }
    if id.len() > MAX_ID_LEN {
        return bad(&format!("is {} bytes long (limit {MAX_ID_LEN})", id.len()));
    }
    if id == "." || id == ".." {
        return bad(&format!("\"{id}\" is not allowed as a path segment"));
    }
    for (position, byte) in id.bytes().enumerate() {
        if !(0x21..=0x7E).contains(&byte) {
            return bad(&format!(
                "byte {position} is 0x{byte:02X}: only printable ASCII (0x21-0x7E) is allowed"
            ));
        }
        if matches!(byte, b'/' | b'?' | b'#' | b'%' | b'\\') {
            return bad(&format!(
                "character '{}' at byte {position} is not allowed",
                byte as char
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn keeps_unreserved_and_encodes_the_rest_in_uppercase() {
        assert_eq!(encode_path_id("id", "u~._-9").unwrap(), "u~._-9");
        assert_eq!(
            encode_path_id("id", "ORG:1+2@x").unwrap(),
            "ORG%3A1%2B2%40x"
        );
        assert!(encode_path_id("id", "a b").is_err());
        assert_eq!(encode_path_id("id", "..x").unwrap(), "..x");
    }

    #[test]
    fn rejects_every_forbidden_form() {
        let long = "a".repeat(MAX_ID_LEN + 1);
        for id in [
            "", ".", "..", "a/b", "a?b", "a#b", "a%b", "a\\b", "é", "a\tb", &long,
        ] {
            let err = encode_path_id("user_id", id).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{id:?}");
            assert!(err.message().starts_with("user_id: "), "{}", err.message());
        }
        assert!(encode_path_id("id", &"a".repeat(MAX_ID_LEN)).is_ok());
    }
}
