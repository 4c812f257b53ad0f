//! The one validator for every URL setting (`base_url`, `backup_base_url`, `proxy`):
//! `scheme://host[:port]`, nothing else, a port of 1 to 65535 when one is given.
//!
//! No part of a URL is ever quoted back in an error: a proxy URL may carry a password, and a
//! PEM pasted into the wrong setting must not reach a log.

use std::net::Ipv6Addr;

use crate::error::Error;

/// What a setting accepts.
pub(crate) struct UrlRule {
    /// `"https"` or `"http"`.
    pub scheme: &'static str,
    /// A proxy URL needs its port; an API endpoint defaults to 443.
    pub port_required: bool,
    /// `user:password@` is allowed before the host (a proxy's credentials).
    pub userinfo_allowed: bool,
}

pub(crate) const ENDPOINT: UrlRule = UrlRule {
    scheme: "https",
    port_required: false,
    userinfo_allowed: false,
};

pub(crate) const PROXY: UrlRule = UrlRule {
    scheme: "http",
    port_required: true,
    userinfo_allowed: true,
};

/// Checks `url` for setting `key` and returns it as `scheme://[userinfo@]host[:port]` (scheme
/// in lowercase, without a trailing `/`).
pub(crate) fn checked_url(key: &str, url: &str, rule: &UrlRule) -> Result<String, Error> {
    let shape = match rule.port_required {
        true => format!("{}://host:port", rule.scheme),
        false => format!("{}://host[:port]", rule.scheme),
    };
    let bad = |why: String| Err(Error::config(format!("{key}: {why}")));
    let Some((scheme, rest)) = url.split_once("://") else {
        return bad(format!("must start with {}:// ({shape})", rule.scheme));
    };
    if !scheme.eq_ignore_ascii_case(rule.scheme) {
        return bad(format!("must start with {}:// ({shape})", rule.scheme));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if !matches!(tail, "" | "/") {
        return bad(format!("must be {shape} without a path, query or fragment"));
    }
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (Some(userinfo), host_port),
        None => (None, authority),
    };
    match userinfo {
        Some(_) if !rule.userinfo_allowed => {
            return bad("must not contain user information (user@ or user:password@)".into());
        }
        Some(info) if info.is_empty() || !info.bytes().all(is_userinfo_byte) => {
            return bad("has malformed user information before '@'".into());
        }
        _ => {}
    }
    let (host, port) = split_host_port(host_port);
    if host.is_empty() {
        return bad(format!("has no host ({shape})"));
    }
    if !is_valid_host(host) {
        return bad(
            "has a host that is neither a DNS name (letters, digits, '-', '.', '_') nor an IP address"
                .into(),
        );
    }
    match port {
        Some(port) if !is_valid_port(port) => {
            return bad("has a port that is not 1 to 65535".into());
        }
        None if rule.port_required => return bad(format!("needs a port ({shape})")),
        _ => {}
    }
    let mut checked = format!("{}://", rule.scheme);
    if let Some(info) = userinfo {
        checked.push_str(info);
        checked.push('@');
    }
    checked.push_str(host_port);
    Ok(checked)
}

/// `host[:port]` or `[v6][:port]`; the port is whatever follows the host's `:`.
fn split_host_port(host_port: &str) -> (&str, Option<&str>) {
    if host_port.starts_with('[') {
        return match host_port.find(']') {
            Some(end) => {
                let (host, rest) = host_port.split_at(end + 1);
                match rest.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None if rest.is_empty() => (host, None),
                    // Junk after the literal: let the host check refuse the whole.
                    None => (host_port, None),
                }
            }
            None => (host_port, None),
        };
    }
    match host_port.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    }
}

fn is_valid_host(host: &str) -> bool {
    if let Some(literal) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return literal.parse::<Ipv6Addr>().is_ok();
    }
    host.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

fn is_valid_port(port: &str) -> bool {
    (1..=5).contains(&port.len())
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p))
}

/// RFC 3986 userinfo: unreserved, percent-encoded, sub-delims and ':'.
fn is_userinfo_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_what_it_accepts() {
        let ok = |url: &str, rule: &UrlRule| checked_url("k", url, rule).unwrap();
        assert_eq!(
            ok("https://api.mch.weixin.qq.com/", &ENDPOINT),
            "https://api.mch.weixin.qq.com"
        );
        assert_eq!(
            ok("HTTPS://127.0.0.1:65535", &ENDPOINT),
            "https://127.0.0.1:65535"
        );
        assert_eq!(ok("https://[::1]:1", &ENDPOINT), "https://[::1]:1");
        assert_eq!(
            ok("http://u:p%40ss@proxy:3128", &PROXY),
            "http://u:p%40ss@proxy:3128"
        );
    }

    #[test]
    fn every_port_outside_1_to_65535_is_refused() {
        for port in [
            "0", "65536", "99999", "00000001", "-1", "+1", "", " 1", "1 ", "0x10",
        ] {
            let err = checked_url("base_url", &format!("https://h:{port}"), &ENDPOINT).unwrap_err();
            assert!(err.message().contains("port"), "{port:?}: {err}");
        }
        assert!(checked_url("base_url", "https://h:00443", &ENDPOINT).is_ok());
    }

    #[test]
    fn errors_never_quote_the_url() {
        for url in [
            "http://alice:S3cretPW@bad host:1",
            "http://alice:S3cretPW@h:99999",
            "S3cretPW",
        ] {
            let err = checked_url("proxy", url, &PROXY).unwrap_err();
            assert!(!err.message().contains("S3cretPW"), "{err}");
        }
    }
}
