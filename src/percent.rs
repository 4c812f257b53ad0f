//! Percent-encoding for request targets: every byte outside RFC 3986 "unreserved" becomes
//! `%XX` with uppercase hex digits, so the target that is signed is the one on the wire.

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

pub(crate) fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if is_unreserved(byte) {
            encoded.push(byte as char);
        } else {
            encoded.push('%');
            encoded.push(HEX_UPPER[usize::from(byte >> 4)] as char);
            encoded.push(HEX_UPPER[usize::from(byte & 0x0F)] as char);
        }
    }
    encoded
}

/// RFC 3986 "unreserved": ALPHA / DIGIT / "-" / "." / "_" / "~".
fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unreserved_and_encodes_the_rest_in_uppercase() {
        assert_eq!(percent_encode("u~._-9"), "u~._-9");
        assert_eq!(percent_encode("ORG:1+2@x"), "ORG%3A1%2B2%40x");
        assert_eq!(
            percent_encode("南山 a/b?c#d%e&f"),
            "%E5%8D%97%E5%B1%B1%20a%2Fb%3Fc%23d%25e%26f"
        );
    }
}
