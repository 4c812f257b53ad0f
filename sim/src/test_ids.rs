//! The ids of the built-in fixture that tests rely on, named once: Rust tests use these
//! constants, and tests in other languages read the same values from `wxface-sim --test-ids`
//! (one JSON object).

use serde_json::{Value, json};

/// The organization of the built-in fixture.
pub const ORGANIZATION_ID: &str = "DBES323aeb";
/// A user of [`ORGANIZATION_ID`] whose contract is already terminated.
pub const TERMINATED_USER_ID: &str = "U9000000001";
/// A user id that no organization has.
pub const UNKNOWN_USER_ID: &str = "U8888888888";
/// An organization and its user whose ids need percent-encoding in a path.
pub const ENCODED_ORGANIZATION_ID: &str = "ORG:1+2@x";
pub const ENCODED_USER_ID: &str = "u~._-9";
/// How many contracted users [`contracted_user`] can name.
pub const CONTRACTED_USERS: u32 = 99_999;

/// The n-th contracted user of [`ORGANIZATION_ID`] (1 ..= [`CONTRACTED_USERS`]): `U` and n in
/// 10 digits.
pub fn contracted_user(n: u32) -> String {
    assert!(
        (1..=CONTRACTED_USERS).contains(&n),
        "the fixture contracts users 1 to {CONTRACTED_USERS}"
    );
    format!("U{n:010}")
}

/// The same ids as one JSON object (what `wxface-sim --test-ids` prints).
pub fn as_json() -> Value {
    json!({
        "organization_id": ORGANIZATION_ID,
        "terminated_user_id": TERMINATED_USER_ID,
        "unknown_user_id": UNKNOWN_USER_ID,
        "encoded_organization_id": ENCODED_ORGANIZATION_ID,
        "encoded_user_id": ENCODED_USER_ID,
        "contracted_users": {"prefix": "U", "digits": 10, "first": 1, "last": CONTRACTED_USERS},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k12::{ContractState, Directory};

    #[test]
    fn the_named_ids_are_what_the_builtin_fixture_says() {
        let fixture = Directory::builtin();
        let state = |org: &str, user: &str| fixture.state(org, user);
        assert_eq!(
            state(ORGANIZATION_ID, &contracted_user(1)),
            Some(ContractState::Contracted)
        );
        assert_eq!(
            state(ORGANIZATION_ID, &contracted_user(CONTRACTED_USERS)),
            Some(ContractState::Contracted)
        );
        assert_eq!(
            state(ORGANIZATION_ID, TERMINATED_USER_ID),
            Some(ContractState::Terminated)
        );
        assert_eq!(state(ORGANIZATION_ID, UNKNOWN_USER_ID), None);
        assert_eq!(
            state(ENCODED_ORGANIZATION_ID, ENCODED_USER_ID),
            Some(ContractState::Contracted)
        );
    }
}
