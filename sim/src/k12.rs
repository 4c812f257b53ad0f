//! The K12 world the simulator serves, in one consistent state: organizations, their face
//! users with their contracts, face re-collection requests and recorded deductions.
//!
//! Users of a fixture range are not stored one by one: a range turns an id back into
//! its number on lookup, and a user is stored ("materialized") only once something
//! about them changes. 99 999 users cost nothing until they are used.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::deductions::Deductions;
use crate::id_template::{IdTemplate, Numbers};
use crate::keys::MCHID;

/// The fixture compiled in, so `Sim` works without any file next to it.
pub(crate) const BUILTIN_FIXTURE: &str = include_str!("../fixtures/k12.json");

/// A face user's contract with the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractState {
    /// Signed up for face payment: terminating works (204).
    Contracted,
    /// Contract already terminated: terminating again is a 400 `PARAM_ERROR`.
    Terminated,
    /// Never signed: there is no contract to terminate (400 `PARAM_ERROR`).
    NotContracted,
}

impl ContractState {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "CONTRACTED" => Some(ContractState::Contracted),
            "TERMINATED" => Some(ContractState::Terminated),
            "NOT_CONTRACTED" => Some(ContractState::NotContracted),
            _ => None,
        }
    }

    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractState::Contracted => "CONTRACTED",
            ContractState::Terminated => "TERMINATED",
            ContractState::NotContracted => "NOT_CONTRACTED",
        }
    }
}

/// What terminating a contract did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TerminateOutcome {
    Terminated,
    AlreadyTerminated,
    NotContracted,
    UnknownOrganization,
    UnknownUser,
}

/// A face user, with everything query-user answers and what only the simulator knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    pub(crate) use_id: String,
    pub(crate) out_user_id: String,
    pub(crate) organization_id: String,
    pub(crate) user_name: String,
    /// `STUDENT` or `STUFF` (sic).
    pub(crate) user_type: String,
    pub(crate) class_name: Option<String>,
    pub(crate) occupation: Option<String>,
    /// `NORMAL` or `DISABLED`.
    pub(crate) status: String,
    pub(crate) face_image_ok: bool,
    /// Set by update-user; never answered (the live API does not return it).
    pub(crate) phone: Option<String>,
    pub(crate) contract_state: ContractState,
    /// `None` exactly when the user is NOT_CONTRACTED.
    pub(crate) contract: Option<Contract>,
    /// The user owes money: repayment-url answers a URL.
    pub(crate) unpaid_deduction: bool,
    /// What query-contract and deductions answer as the payer's openid.
    pub(crate) openid: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Contract {
    pub(crate) contract_id: String,
    pub(crate) signed_time: String,
    /// Set when the contract is TERMINATED.
    pub(crate) terminated_time: Option<String>,
    /// `LIMIT_BANK_CARD`, `PRIORITY_BANK_CARD` or `LIMIT_NONE`.
    pub(crate) mode: String,
    /// `MERCHANT_LIMITED_BANK_CARD` or `USER_SELECT_FREE`.
    pub(crate) bank_card_from: String,
}

impl User {
    /// The query-user answer: `student_info` for students, `staff_info` for staff,
    /// `contract_id` only when there is a contract, never the phone.
    pub(crate) fn query_json(&self) -> Value {
        let mut doc = Map::new();
        doc.insert("use_id".into(), json!(self.use_id));
        doc.insert("out_user_id".into(), json!(self.out_user_id));
        doc.insert("organization_id".into(), json!(self.organization_id));
        doc.insert("user_name".into(), json!(self.user_name));
        doc.insert("user_type".into(), json!(self.user_type));
        if self.user_type == "STUFF" {
            if let Some(occupation) = &self.occupation {
                doc.insert("staff_info".into(), json!({ "occupation": occupation }));
            }
        } else if let Some(class_name) = &self.class_name {
            doc.insert("student_info".into(), json!({ "class_name": class_name }));
        }
        doc.insert("status".into(), json!(self.status));
        doc.insert("contract_state".into(), json!(self.contract_state.as_str()));
        doc.insert("face_image_ok".into(), json!(self.face_image_ok));
        if let Some(contract) = &self.contract {
            doc.insert("contract_id".into(), json!(contract.contract_id));
        }
        Value::Object(doc)
    }

    /// The query-contract answer, if the user has a contract.
    pub(crate) fn contract_json(&self) -> Option<Value> {
        let contract = self.contract.as_ref()?;
        let mut doc = json!({
            "contract_id": contract.contract_id,
            "mchid": MCHID,
            "organization_id": self.organization_id,
            "use_id": self.use_id,
            "openid": self.openid,
            "contract_state": self.contract_state.as_str(),
            "contract_signed_time": contract.signed_time,
            "contract_mode": contract.mode,
            "contract_bank_card_from": contract.bank_card_from,
        });
        if let Some(time) = &contract.terminated_time {
            doc["contract_terminated_time"] = json!(time);
        }
        Some(doc)
    }
}

/// Users numbered `first..=last` made from one fixture entry.
#[derive(Debug, Clone)]
pub(crate) struct UserRange {
    pub(crate) organization_id: String,
    pub(crate) numbers: Numbers,
    pub(crate) use_id: IdTemplate,
    pub(crate) out_user_id: IdTemplate,
    pub(crate) contract_id: Option<IdTemplate>,
    /// Ids empty; text may hold `{n}` (the padded number) and `{number}`.
    pub(crate) template: User,
    /// The width `{n}` is padded to.
    pub(crate) digits: usize,
}

impl UserRange {
    pub(crate) fn user(&self, n: u64) -> User {
        let fill = |text: &str| {
            text.replace("{n}", &format!("{n:0width$}", width = self.digits))
                .replace("{number}", &n.to_string())
        };
        let mut user = self.template.clone();
        user.use_id = self.use_id.format(n);
        user.out_user_id = self.out_user_id.format(n);
        user.organization_id = self.organization_id.clone();
        user.user_name = fill(&user.user_name);
        user.class_name = user.class_name.as_deref().map(fill);
        user.occupation = user.occupation.as_deref().map(fill);
        user.phone = user.phone.as_deref().map(fill);
        user.openid = if user.openid.is_empty() {
            default_openid(&user.use_id)
        } else {
            fill(&user.openid)
        };
        if let (Some(contract), Some(template)) = (user.contract.as_mut(), &self.contract_id) {
            contract.contract_id = template.format(n);
        }
        user
    }

    fn number_of_use_id(&self, use_id: &str) -> Option<u64> {
        self.use_id
            .number(use_id)
            .filter(|n| self.numbers.contains(*n))
    }
}

/// The openid of a user whose fixture entry names none.
pub(crate) fn default_openid(use_id: &str) -> String {
    format!("oSIM-{use_id}")
}

/// A face re-collection request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FaceCollection {
    pub(crate) collection_id: String,
    pub(crate) use_id: String,
    pub(crate) organization_id: String,
    /// `COLLECTION_REQUIRED`, `PHOTO_UPLOADED` or `COMPLETE`.
    pub(crate) state: String,
    pub(crate) register_photo_upload_time: Option<String>,
    pub(crate) confirm_time: Option<String>,
}

impl FaceCollection {
    pub(crate) fn to_json(&self) -> Value {
        let mut doc = json!({
            "collection_id": self.collection_id,
            "use_id": self.use_id,
            "organization_id": self.organization_id,
            "collection_state": self.state,
        });
        if let Some(time) = &self.register_photo_upload_time {
            doc["register_photo_upload_time"] = json!(time);
        }
        if let Some(time) = &self.confirm_time {
            doc["confirm_time"] = json!(time);
        }
        doc
    }
}

/// Everything the fixture holds, checked (unique ids) by `fixture.rs`.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    /// Organization id → name.
    pub(crate) organizations: BTreeMap<String, String>,
    pub(crate) users: Vec<User>,
    pub(crate) ranges: Vec<UserRange>,
    pub(crate) collections: Vec<FaceCollection>,
    /// Who pays for an auth_code that names no user (`api_deductions`).
    pub(crate) default_payer: Option<String>,
}

/// All state, keyed by decoded ids.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    /// Organization id → name.
    organizations: BTreeMap<String, String>,
    /// Users named one by one, and range users that changed, by use_id.
    users: HashMap<String, User>,
    /// (organization_id, out_user_id) → use_id of the users named one by one.
    by_out_user_id: HashMap<(String, String), String>,
    /// contract_id → use_id of the users named one by one.
    by_contract_id: HashMap<String, String>,
    ranges: Vec<UserRange>,
    /// By collection_id, so lists come in id order.
    collections: BTreeMap<String, FaceCollection>,
    default_payer: Option<String>,
    pub(crate) deductions: Deductions,
}

impl Directory {
    pub(crate) fn builtin() -> Directory {
        // The built-in fixture is a compile-time constant covered by a unit test.
        Directory::from_json(BUILTIN_FIXTURE).expect("built-in fixture is valid")
    }

    pub(crate) fn load(path: &Path) -> io::Result<Directory> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot read fixture {}: {e}", path.display()),
            )
        })?;
        Directory::from_json(&text).map_err(|why| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("fixture {}: {why}", path.display()),
            )
        })
    }

    pub(crate) fn from_json(text: &str) -> Result<Directory, String> {
        crate::fixture::parse(text).map(Directory::from_parts)
    }

    /// Assembles checked parts (ids unique).
    pub(crate) fn from_parts(parts: Parts) -> Directory {
        let mut dir = Directory {
            organizations: parts.organizations,
            ranges: parts.ranges,
            default_payer: parts.default_payer,
            ..Directory::default()
        };
        for user in parts.users {
            dir.by_out_user_id.insert(
                (user.organization_id.clone(), user.out_user_id.clone()),
                user.use_id.clone(),
            );
            if let Some(contract) = &user.contract {
                dir.by_contract_id
                    .insert(contract.contract_id.clone(), user.use_id.clone());
            }
            dir.users.insert(user.use_id.clone(), user);
        }
        for collection in parts.collections {
            dir.collections
                .insert(collection.collection_id.clone(), collection);
        }
        dir
    }

    /// The use_id of the user who pays for an auth_code that names nobody.
    pub(crate) fn default_payer(&self) -> Option<&str> {
        self.default_payer.as_deref()
    }

    pub(crate) fn organization_name(&self, org: &str) -> Option<&str> {
        self.organizations.get(org).map(String::as_str)
    }

    /// The id of the organization with this name (names are unique in a fixture).
    pub(crate) fn organization_named(&self, name: &str) -> Option<&str> {
        self.organizations
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(id, _)| id.as_str())
    }

    /// A user by WeChat user id, in any organization.
    pub(crate) fn user(&self, use_id: &str) -> Option<Cow<'_, User>> {
        if let Some(user) = self.users.get(use_id) {
            return Some(Cow::Borrowed(user));
        }
        self.ranges.iter().find_map(|range| {
            let n = range.number_of_use_id(use_id)?;
            Some(Cow::Owned(range.user(n)))
        })
    }

    /// A user to change; a range user is stored from now on.
    pub(crate) fn user_mut(&mut self, use_id: &str) -> Option<&mut User> {
        if !self.users.contains_key(use_id) {
            let user = self.user(use_id)?.into_owned();
            self.users.insert(use_id.to_owned(), user);
        }
        self.users.get_mut(use_id)
    }

    /// The use_id of the user with this merchant user id in `org`.
    pub(crate) fn use_id_of(&self, org: &str, out_user_id: &str) -> Option<String> {
        if let Some(use_id) = self
            .by_out_user_id
            .get(&(org.to_owned(), out_user_id.to_owned()))
        {
            return Some(use_id.clone());
        }
        self.ranges
            .iter()
            .filter(|range| range.organization_id == org)
            .find_map(|range| {
                let n = range
                    .out_user_id
                    .number(out_user_id)
                    .filter(|n| range.numbers.contains(*n))?;
                Some(range.use_id.format(n))
            })
    }

    /// A user by organization and merchant user id.
    pub(crate) fn user_by_out(&self, org: &str, out_user_id: &str) -> Option<Cow<'_, User>> {
        self.user(&self.use_id_of(org, out_user_id)?)
    }

    /// The use_id of the user who holds this contract.
    fn contract_holder(&self, contract_id: &str) -> Option<String> {
        if let Some(use_id) = self.by_contract_id.get(contract_id) {
            return Some(use_id.clone());
        }
        self.ranges.iter().find_map(|range| {
            let n = range
                .contract_id
                .as_ref()?
                .number(contract_id)
                .filter(|n| range.numbers.contains(*n))?;
            Some(range.use_id.format(n))
        })
    }

    /// The query-contract answer for a contract id.
    pub(crate) fn contract_json(&self, contract_id: &str) -> Option<Value> {
        self.user(&self.contract_holder(contract_id)?)?
            .contract_json()
    }

    /// A user's contract state, if `org` has that user.
    pub(crate) fn state(&self, org: &str, use_id: &str) -> Option<ContractState> {
        self.user(use_id)
            .filter(|user| user.organization_id == org)
            .map(|user| user.contract_state)
    }

    /// Terminates a user's contract at `now` (RFC 3339). With `idempotent`, terminating a
    /// terminated user succeeds again (benchmarks repeat the same call).
    pub(crate) fn terminate(
        &mut self,
        org: &str,
        use_id: &str,
        idempotent: bool,
        now: &str,
    ) -> TerminateOutcome {
        if !self.organizations.contains_key(org) {
            return TerminateOutcome::UnknownOrganization;
        }
        match self.state(org, use_id) {
            None => return TerminateOutcome::UnknownUser,
            Some(ContractState::NotContracted) => return TerminateOutcome::NotContracted,
            Some(ContractState::Terminated) if !idempotent => {
                return TerminateOutcome::AlreadyTerminated;
            }
            Some(_) => {}
        }
        if let Some(user) = self.user_mut(use_id) {
            user.contract_state = ContractState::Terminated;
            if let Some(contract) = &mut user.contract {
                // The first termination's time stays.
                contract
                    .terminated_time
                    .get_or_insert_with(|| now.to_owned());
            }
        }
        TerminateOutcome::Terminated
    }

    /// The re-collection requests of `org`, in collection id order.
    pub(crate) fn collections_of<'a>(
        &'a self,
        org: &'a str,
    ) -> impl Iterator<Item = &'a FaceCollection> + 'a {
        self.collections
            .values()
            .filter(move |c| c.organization_id == org)
    }

    pub(crate) fn collection(&self, collection_id: &str) -> Option<&FaceCollection> {
        self.collections.get(collection_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2025-06-01T10:00:00+08:00";

    #[test]
    fn builtin_fixture_has_the_documented_users() {
        let dir = Directory::builtin();
        let c = Some(ContractState::Contracted);
        assert_eq!(dir.state("DBES323aeb", "U0000000001"), c);
        assert_eq!(dir.state("DBES323aeb", "U0000099999"), c);
        assert_eq!(dir.state("DBES323aeb", "U0000100000"), None);
        assert_eq!(dir.state("DBES323aeb", "U0000000000"), None);
        assert_eq!(
            dir.state("DBES323aeb", "U9000000001"),
            Some(ContractState::Terminated)
        );
        assert_eq!(dir.state("DBES323aeb", "U9000000002"), c);
        assert_eq!(
            dir.state("DBES323aeb", "U9000000003"),
            Some(ContractState::NotContracted)
        );
        assert_eq!(dir.state("ORG:1+2@x", "u~._-9"), c);
        assert_eq!(dir.state("ORG:1+2@x", "U0000000001"), None);
        assert_eq!(dir.state("nope", "U0000000001"), None);
        assert_eq!(dir.organization_name("DBES323aeb"), Some("南山中兴小学部"));
        assert_eq!(dir.organization_named("南山中兴小学部"), Some("DBES323aeb"));
        assert_eq!(
            dir.organization_named("Encoded-id test school"),
            Some("ORG:1+2@x")
        );
    }

    #[test]
    fn range_users_answer_like_the_brief() {
        let dir = Directory::builtin();
        let user = dir.user_by_out("DBES323aeb", "S0000000001").unwrap();
        assert_eq!(
            user.query_json(),
            json!({
                "use_id": "U0000000001", "out_user_id": "S0000000001",
                "organization_id": "DBES323aeb", "user_name": "学生1", "user_type": "STUDENT",
                "student_info": {"class_name": "三年级2班"}, "status": "NORMAL",
                "contract_state": "CONTRACTED", "face_image_ok": true,
                "contract_id": "CT0000000001"
            })
        );
        assert_eq!(
            dir.user_by_out("DBES323aeb", "S0000099999")
                .unwrap()
                .user_name,
            "学生99999"
        );
        assert!(dir.user_by_out("DBES323aeb", "S0000100000").is_none());
        assert!(dir.user_by_out("ORG:1+2@x", "S0000000001").is_none());
        let contract = dir.contract_json("CT0000000042").unwrap();
        assert_eq!(contract["use_id"], "U0000000042");
        assert_eq!(contract["mchid"], "1900000001");
        assert_eq!(contract["contract_state"], "CONTRACTED");
        assert!(contract.get("contract_terminated_time").is_none());
        assert!(dir.contract_json("CT0000100000").is_none());
    }

    #[test]
    fn the_named_users_answer_like_the_brief() {
        let dir = Directory::builtin();
        let staff = dir
            .user_by_out("DBES323aeb", "S9000000003")
            .unwrap()
            .query_json();
        assert_eq!(staff["user_type"], "STUFF");
        assert_eq!(staff["staff_info"], json!({"occupation": "食堂员工"}));
        assert_eq!(staff["contract_state"], "NOT_CONTRACTED");
        assert_eq!(staff["user_name"], "赵六");
        assert!(staff.get("contract_id").is_none() && staff.get("student_info").is_none());

        let terminated = dir.contract_json("CT9000000001").unwrap();
        assert_eq!(terminated["contract_state"], "TERMINATED");
        assert!(terminated["contract_terminated_time"].is_string());
        assert_eq!(dir.user("U9000000001").unwrap().user_name, "王五");

        let debtor = dir.user_by_out("DBES323aeb", "S9000000002").unwrap();
        assert!(debtor.unpaid_deduction);
        assert_eq!(debtor.user_name, "李四");
        assert_eq!(
            debtor.contract.as_ref().unwrap().contract_id,
            "CT9000000002"
        );

        let odd = dir.user_by_out("ORG:1+2@x", "s~._-9").unwrap();
        assert_eq!(odd.use_id, "u~._-9");
        assert_eq!(dir.contract_json("CT-odd-1").unwrap()["use_id"], "u~._-9");

        let ids: Vec<_> = dir
            .collections_of("DBES323aeb")
            .map(|c| {
                (
                    c.collection_id.as_str(),
                    c.use_id.as_str(),
                    c.state.as_str(),
                )
            })
            .collect();
        assert_eq!(
            ids,
            [
                ("FC0000000001", "U0000000001", "COLLECTION_REQUIRED"),
                ("FC0000000002", "U0000000002", "PHOTO_UPLOADED"),
                ("FC0000000003", "U0000000003", "COMPLETE"),
            ]
        );
        let complete = dir.collection("FC0000000003").unwrap().to_json();
        assert!(complete["register_photo_upload_time"].is_string());
        assert!(complete["confirm_time"].is_string());
        let required = dir.collection("FC0000000001").unwrap().to_json();
        assert!(required.get("register_photo_upload_time").is_none());
        assert_eq!(dir.collections_of("ORG:1+2@x").count(), 0);
    }

    #[test]
    fn the_committed_file_is_the_builtin_fixture() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/k12.json");
        let dir = Directory::load(&path).unwrap();
        assert_eq!(
            dir.state("DBES323aeb", "U0000012345"),
            Some(ContractState::Contracted)
        );
        let missing = Directory::load(Path::new("/nonexistent/k12.json")).unwrap_err();
        assert!(
            missing.to_string().contains("cannot read fixture"),
            "{missing}"
        );
    }

    #[test]
    fn terminate_moves_state_once() {
        let mut dir = Directory::builtin();
        assert_eq!(
            dir.terminate("DBES323aeb", "U0000000007", false, NOW),
            TerminateOutcome::Terminated
        );
        assert_eq!(
            dir.state("DBES323aeb", "U0000000007"),
            Some(ContractState::Terminated)
        );
        let contract = dir.contract_json("CT0000000007").unwrap();
        assert_eq!(contract["contract_state"], "TERMINATED");
        assert_eq!(contract["contract_terminated_time"], NOW);
        assert_eq!(
            dir.user_by_out("DBES323aeb", "S0000000007")
                .unwrap()
                .contract_state,
            ContractState::Terminated
        );
        assert_eq!(
            dir.terminate("DBES323aeb", "U0000000007", false, NOW),
            TerminateOutcome::AlreadyTerminated
        );
        assert_eq!(
            dir.terminate("DBES323aeb", "U0000000007", true, "later"),
            TerminateOutcome::Terminated
        );
        assert_eq!(
            dir.contract_json("CT0000000007").unwrap()["contract_terminated_time"],
            NOW,
            "the first termination's time stays"
        );
        assert_eq!(
            dir.terminate("DBES323aeb", "U9000000003", true, NOW),
            TerminateOutcome::NotContracted
        );
        assert_eq!(
            dir.terminate("DBES323aeb", "X", false, NOW),
            TerminateOutcome::UnknownUser
        );
        assert_eq!(
            dir.terminate("ORG:1+2@x", "U0000000008", false, NOW),
            TerminateOutcome::UnknownUser,
            "a user of another organization"
        );
        assert_eq!(
            dir.terminate("X", "U0000000007", false, NOW),
            TerminateOutcome::UnknownOrganization
        );
    }

    #[test]
    fn a_changed_range_user_keeps_the_change() {
        let mut dir = Directory::builtin();
        dir.user_mut("U0000000005").unwrap().user_name = "新名字".into();
        assert_eq!(
            dir.user_by_out("DBES323aeb", "S0000000005")
                .unwrap()
                .user_name,
            "新名字"
        );
        assert_eq!(
            dir.user_by_out("DBES323aeb", "S0000000006")
                .unwrap()
                .user_name,
            "学生6"
        );
        assert!(dir.user_mut("U8888888888").is_none());
    }
}
