//! The WeChat Pay API the simulator serves: K12 terminate-contract; every other path is
//! a 404 `NOT_FOUND`.

use hyper::{Method, StatusCode};

use crate::answer::Answer;
use crate::k12::TerminateOutcome;
use crate::shared::Shared;
use crate::signer::unix_now;
use crate::sync::lock;
use crate::time::beijing_rfc3339;

/// Answers an authenticated API request.
pub(crate) fn route(shared: &Shared, method: &Method, path: &str) -> Answer {
    match terminate_ids(path) {
        Some((org, user)) if method == Method::POST => terminate(shared, &org, &user),
        _ => Answer::error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("no such API: {method} {path}"),
            None,
        ),
    }
}

/// `POST /v3/offlinefacemch/organizations/{org}/users/user-id/{user}/terminate-contract`
fn terminate(shared: &Shared, org: &str, user: &str) -> Answer {
    let now = beijing_rfc3339(unix_now());
    let outcome = lock(&shared.directory).terminate(org, user, shared.idempotent_terminate, &now);
    match outcome {
        TerminateOutcome::Terminated => Answer::no_content(),
        TerminateOutcome::AlreadyTerminated => Answer::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            &format!("the contract of user {user} is already terminated"),
            None,
        ),
        TerminateOutcome::NotContracted => Answer::error(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            &format!("user {user} has no contract to terminate (contract_state NOT_CONTRACTED)"),
            None,
        ),
        TerminateOutcome::UnknownOrganization => Answer::error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("organization {org} does not exist"),
            None,
        ),
        TerminateOutcome::UnknownUser => Answer::error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("user {user} does not exist in organization {org}"),
            None,
        ),
    }
}

/// The decoded organization and user ids of a terminate-contract path.
fn terminate_ids(path: &str) -> Option<(String, String)> {
    let segments: Vec<&str> = path.split('/').collect();
    match segments.as_slice() {
        [
            "",
            "v3",
            "offlinefacemch",
            "organizations",
            org,
            "users",
            "user-id",
            user,
            "terminate-contract",
        ] => Some((percent_decode(org)?, percent_decode(user)?)),
        _ => None,
    }
}

/// RFC 3986 percent-decoding of one path segment (`+` stays `+`). `None` for a broken
/// escape or bytes that are not UTF-8: such a segment names nothing.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            // from_str_radix alone would accept a sign ("%+1").
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let text = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(text, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_terminate_paths() {
        assert_eq!(
            terminate_ids(
                "/v3/offlinefacemch/organizations/ORG%3A1%2B2%40x/users/user-id/u~._-9/terminate-contract"
            ),
            Some(("ORG:1+2@x".into(), "u~._-9".into()))
        );
        assert_eq!(
            terminate_ids(
                "/v3/offlinefacemch/organizations/%E5%8D%97/users/user-id/a%2fb/terminate-contract"
            ),
            Some(("南".into(), "a/b".into()))
        );
        assert_eq!(
            terminate_ids("/v3/offlinefacemch/organizations/O/users/user-id/U/terminate-contract/"),
            None
        );
        assert_eq!(
            terminate_ids(
                "/v3/offlinefacemch/organizations/O/users/out-user-id/U/terminate-contract"
            ),
            None
        );
        assert_eq!(
            terminate_ids(
                "/v3/offlinefacemch/organizations/O%2/users/user-id/U/terminate-contract"
            ),
            None
        );
        assert_eq!(
            terminate_ids(
                "/v3/offlinefacemch/organizations/%FF/users/user-id/U/terminate-contract"
            ),
            None
        );
        assert_eq!(percent_decode("a+b%20c"), Some("a+b c".into()));
        assert_eq!(percent_decode("%+1"), None);
    }
}
