//! The ids of the built-in fixture that tests rely on, named once: Rust tests use these
//! constants, and tests in other languages read the same values from `wxface-sim --test-ids`
//! (one JSON object).

use serde_json::{Value, json};

/// The organization of the built-in fixture.
pub const ORGANIZATION_ID: &str = "DBES323aeb";
/// Its name (query-organization finds it by name too).
pub const ORGANIZATION_NAME: &str = "南山中兴小学部";
/// An organization id that the fixture does not have.
pub const UNKNOWN_ORGANIZATION_ID: &str = "NOSUCHORG1";

/// A user of [`ORGANIZATION_ID`] whose contract is already terminated (WeChat user id,
/// `use_id`), and the same user's merchant user id (`out_user_id`).
pub const TERMINATED_USER_ID: &str = "U9000000001";
pub const TERMINATED_OUT_USER_ID: &str = "S9000000001";
/// The terminated user's contract (TERMINATED).
pub const TERMINATED_CONTRACT_ID: &str = "CT9000000001";

/// A CONTRACTED user of [`ORGANIZATION_ID`] who owes money (repayment-url answers a URL).
pub const DEBT_USER_ID: &str = "U9000000002";
pub const DEBT_OUT_USER_ID: &str = "S9000000002";
/// The debt user's contract (CONTRACTED).
pub const DEBT_CONTRACT_ID: &str = "CT9000000002";

/// A staff member (`user_type` `STUFF`, `staff_info.occupation`) of [`ORGANIZATION_ID`],
/// NOT_CONTRACTED: no contract id.
pub const STAFF_USER_ID: &str = "U9000000003";
pub const STAFF_OUT_USER_ID: &str = "S9000000003";

/// The default payer: who pays for an auth_code that names no user (CONTRACTED).
pub const PAYER_USER_ID: &str = "U9000000004";
pub const PAYER_OUT_USER_ID: &str = "S9000000004";

/// A user id that no organization has, as `use_id` and as `out_user_id`.
pub const UNKNOWN_USER_ID: &str = "U8888888888";
pub const UNKNOWN_OUT_USER_ID: &str = "S8888888888";

/// An organization and its user whose ids need percent-encoding in a path.
pub const ENCODED_ORGANIZATION_ID: &str = "ORG:1+2@x";
pub const ENCODED_USER_ID: &str = "u~._-9";
pub const ENCODED_OUT_USER_ID: &str = "s~._-9";
/// That user's contract (CONTRACTED).
pub const ENCODED_CONTRACT_ID: &str = "CT-odd-1";

/// Face re-collection requests of [`ORGANIZATION_ID`], one in each state (for users
/// U0000000001, U0000000002 and U0000000003).
pub const COLLECTION_REQUIRED_ID: &str = "FC0000000001";
pub const PHOTO_UPLOADED_COLLECTION_ID: &str = "FC0000000002";
pub const COMPLETE_COLLECTION_ID: &str = "FC0000000003";
/// A collection id that does not exist.
pub const UNKNOWN_COLLECTION_ID: &str = "FC9999999999";

/// An apply-for-deduction auth_code that makes the default payer run out of money:
/// `PAYERROR` with `debt_state` `DEBT`. `AUTH-INSUFFICIENT-BALANCE-<use_id>` does the same
/// for any contracted user.
pub const DEBT_AUTH_CODE: &str = crate::api_deductions::DEBT_AUTH_CODE;
/// `AUTH-<use_id>`: an auth_code with which that user pays.
pub const AUTH_CODE_PREFIX: &str = crate::api_deductions::AUTH_CODE_PREFIX;
/// An auth_code that names no user: 400 `INVALID_REQUEST`.
pub const INVALID_AUTH_CODE: &str = "AUTH-U8888888888";

/// The `appid` in the simulator's notifications.
pub const APPID: &str = crate::notification::APPID;

/// How many contracted users [`contracted_user`] can name.
pub const CONTRACTED_USERS: u32 = 99_999;

fn numbered(prefix: &str, n: u32) -> String {
    assert!(
        (1..=CONTRACTED_USERS).contains(&n),
        "the fixture contracts users 1 to {CONTRACTED_USERS}"
    );
    format!("{prefix}{n:010}")
}

/// The n-th contracted user of [`ORGANIZATION_ID`] (1 ..= [`CONTRACTED_USERS`]): `U` and n in
/// 10 digits (the WeChat user id, `use_id`).
pub fn contracted_user(n: u32) -> String {
    numbered("U", n)
}

/// The merchant user id (`out_user_id`) of contracted user n: `S` and n in 10 digits.
pub fn contracted_out_user(n: u32) -> String {
    numbered("S", n)
}

/// The contract of contracted user n: `CT` and n in 10 digits. The user's name is `学生`
/// and n (`学生1`), class `三年级2班`.
pub fn contracted_contract_id(n: u32) -> String {
    numbered("CT", n)
}

/// The same ids as one JSON object (what `wxface-sim --test-ids` prints).
pub fn as_json() -> Value {
    let range = |prefix: &str| json!({"prefix": prefix, "digits": 10, "first": 1, "last": CONTRACTED_USERS});
    json!({
        "organization_id": ORGANIZATION_ID,
        "organization_name": ORGANIZATION_NAME,
        "unknown_organization_id": UNKNOWN_ORGANIZATION_ID,
        "terminated_user_id": TERMINATED_USER_ID,
        "terminated_out_user_id": TERMINATED_OUT_USER_ID,
        "terminated_contract_id": TERMINATED_CONTRACT_ID,
        "debt_user_id": DEBT_USER_ID,
        "debt_out_user_id": DEBT_OUT_USER_ID,
        "debt_contract_id": DEBT_CONTRACT_ID,
        "staff_user_id": STAFF_USER_ID,
        "staff_out_user_id": STAFF_OUT_USER_ID,
        "payer_user_id": PAYER_USER_ID,
        "payer_out_user_id": PAYER_OUT_USER_ID,
        "unknown_user_id": UNKNOWN_USER_ID,
        "unknown_out_user_id": UNKNOWN_OUT_USER_ID,
        "encoded_organization_id": ENCODED_ORGANIZATION_ID,
        "encoded_user_id": ENCODED_USER_ID,
        "encoded_out_user_id": ENCODED_OUT_USER_ID,
        "encoded_contract_id": ENCODED_CONTRACT_ID,
        "collection_required_id": COLLECTION_REQUIRED_ID,
        "photo_uploaded_collection_id": PHOTO_UPLOADED_COLLECTION_ID,
        "complete_collection_id": COMPLETE_COLLECTION_ID,
        "unknown_collection_id": UNKNOWN_COLLECTION_ID,
        "debt_auth_code": DEBT_AUTH_CODE,
        "auth_code_prefix": AUTH_CODE_PREFIX,
        "invalid_auth_code": INVALID_AUTH_CODE,
        "appid": APPID,
        "contracted_users": range("U"),
        "contracted_out_users": range("S"),
        "contracted_contract_ids": range("CT"),
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
        let by_out = |org: &str, out: &str| fixture.user_by_out(org, out).map(|u| u.into_owned());
        assert_eq!(
            fixture.organization_name(ORGANIZATION_ID),
            Some(ORGANIZATION_NAME)
        );
        assert_eq!(fixture.organization_name(UNKNOWN_ORGANIZATION_ID), None);
        for n in [1, 2, 12_345, CONTRACTED_USERS] {
            assert_eq!(
                state(ORGANIZATION_ID, &contracted_user(n)),
                Some(ContractState::Contracted)
            );
            let user = by_out(ORGANIZATION_ID, &contracted_out_user(n)).unwrap();
            assert_eq!(user.use_id, contracted_user(n));
            assert_eq!(user.user_name, format!("学生{n}"));
            let contract = fixture.contract_json(&contracted_contract_id(n)).unwrap();
            assert_eq!(contract["use_id"], contracted_user(n).as_str());
            assert_eq!(contract["contract_state"], "CONTRACTED");
        }

        let terminated = by_out(ORGANIZATION_ID, TERMINATED_OUT_USER_ID).unwrap();
        assert_eq!(terminated.use_id, TERMINATED_USER_ID);
        assert_eq!(terminated.contract_state, ContractState::Terminated);
        let contract = fixture.contract_json(TERMINATED_CONTRACT_ID).unwrap();
        assert_eq!(contract["contract_state"], "TERMINATED");
        assert_eq!(contract["use_id"], TERMINATED_USER_ID);

        let debtor = by_out(ORGANIZATION_ID, DEBT_OUT_USER_ID).unwrap();
        assert_eq!(debtor.use_id, DEBT_USER_ID);
        assert!(debtor.unpaid_deduction);
        assert_eq!(debtor.contract_state, ContractState::Contracted);
        assert_eq!(
            fixture.contract_json(DEBT_CONTRACT_ID).unwrap()["use_id"],
            DEBT_USER_ID
        );

        let staff = by_out(ORGANIZATION_ID, STAFF_OUT_USER_ID).unwrap();
        assert_eq!(staff.use_id, STAFF_USER_ID);
        assert_eq!(staff.user_type, "STUFF");
        assert_eq!(staff.contract_state, ContractState::NotContracted);

        let payer = by_out(ORGANIZATION_ID, PAYER_OUT_USER_ID).unwrap();
        assert_eq!(payer.use_id, PAYER_USER_ID);
        assert_eq!(fixture.default_payer(), Some(PAYER_USER_ID));
        assert_eq!(payer.contract_state, ContractState::Contracted);
        assert!(!payer.unpaid_deduction);

        assert_eq!(state(ORGANIZATION_ID, UNKNOWN_USER_ID), None);
        assert!(fixture.user(UNKNOWN_USER_ID).is_none());
        assert!(by_out(ORGANIZATION_ID, UNKNOWN_OUT_USER_ID).is_none());
        assert!(
            fixture
                .user(INVALID_AUTH_CODE.trim_start_matches(AUTH_CODE_PREFIX))
                .is_none()
        );

        assert_eq!(
            state(ENCODED_ORGANIZATION_ID, ENCODED_USER_ID),
            Some(ContractState::Contracted)
        );
        let odd = by_out(ENCODED_ORGANIZATION_ID, ENCODED_OUT_USER_ID).unwrap();
        assert_eq!(odd.use_id, ENCODED_USER_ID);
        assert_eq!(
            fixture.contract_json(ENCODED_CONTRACT_ID).unwrap()["use_id"],
            ENCODED_USER_ID
        );

        for (id, state) in [
            (COLLECTION_REQUIRED_ID, "COLLECTION_REQUIRED"),
            (PHOTO_UPLOADED_COLLECTION_ID, "PHOTO_UPLOADED"),
            (COMPLETE_COLLECTION_ID, "COMPLETE"),
        ] {
            let collection = fixture.collection(id).unwrap();
            assert_eq!(
                (
                    collection.state.as_str(),
                    collection.organization_id.as_str()
                ),
                (state, ORGANIZATION_ID)
            );
        }
        assert!(fixture.collection(UNKNOWN_COLLECTION_ID).is_none());
    }

    #[test]
    fn the_json_names_the_same_ids() {
        let doc = as_json();
        assert_eq!(doc["organization_id"], ORGANIZATION_ID);
        assert_eq!(doc["terminated_user_id"], TERMINATED_USER_ID);
        assert_eq!(doc["debt_auth_code"], "AUTH-INSUFFICIENT-BALANCE");
        let out = &doc["contracted_out_users"];
        assert_eq!(
            *out,
            json!({"prefix": "S", "digits": 10, "first": 1, "last": 99_999})
        );
        assert_eq!(doc["contracted_users"]["prefix"], "U");
        assert_eq!(contracted_out_user(7), "S0000000007");
        assert_eq!(contracted_contract_id(7), "CT0000000007");
        for value in doc.as_object().unwrap().values() {
            assert!(value.is_string() || value.is_object(), "{value}");
        }
    }
}
