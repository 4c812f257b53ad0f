//! Percent-decoding of path segments and query strings (the signature covers the encoded
//! target; the API works on the decoded values).

/// RFC 3986 percent-decoding of one path segment (`+` stays `+`). `None` for a broken
/// escape or bytes that are not UTF-8: such a segment names nothing.
pub(crate) fn decode_segment(segment: &str) -> Option<String> {
    decode(segment, false)
}

/// Why a query string could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryError {
    /// The parameter name as far as it could be read.
    pub(crate) name: String,
    pub(crate) message: String,
}

/// The `name=value` pairs of a query string, decoded, in order. As in HTML forms (and the
/// servers behind the live API), `+` means a space in a query: a literal `+` travels as
/// `%2B`. A pair without `=` has an empty value; empty pairs (`a=1&&b=2`) are skipped.
pub(crate) fn decode_query(query: &str) -> Result<Vec<(String, String)>, QueryError> {
    let mut pairs = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode(raw_name, true).ok_or_else(|| QueryError {
            name: raw_name.to_owned(),
            message: format!("query parameter name {raw_name:?} is not percent-encoded UTF-8"),
        })?;
        let value = decode(raw_value, true).ok_or_else(|| QueryError {
            name: name.clone(),
            message: format!("query parameter {name} is not percent-encoded UTF-8"),
        })?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

fn decode(text: &str, plus_is_space: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                // from_str_radix alone would accept a sign ("%+1").
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let text = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_segments() {
        assert_eq!(decode_segment("a+b%20c"), Some("a+b c".into()));
        assert_eq!(decode_segment("ORG%3A1%2B2%40x"), Some("ORG:1+2@x".into()));
        assert_eq!(decode_segment("%E5%8D%97"), Some("南".into()));
        assert_eq!(decode_segment("%+1"), None);
        assert_eq!(decode_segment("%2"), None);
        assert_eq!(decode_segment("%FF"), None);
    }

    #[test]
    fn decodes_queries() {
        let pairs =
            decode_query("organization_name=%E5%8D%97%E5%B1%B1+x&flag&&id=ORG%3A1%2B2%40x&empty=")
                .unwrap();
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("organization_name", "南山 x"),
                ("flag", ""),
                ("id", "ORG:1+2@x"),
                ("empty", ""),
            ]
        );
        assert_eq!(decode_query("").unwrap(), []);
        let err = decode_query("a=1&limit=%G1").unwrap_err();
        assert_eq!(err.name, "limit");
        assert!(err.message.contains("limit"), "{err:?}");
        assert!(decode_query("%FF=1").is_err());
    }
}
