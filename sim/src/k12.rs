//! The K12 world the simulator serves: organizations, their face users and each user's
//! contract state, loaded from a fixture document.

use std::collections::HashMap;
use std::io;
use std::path::Path;

use serde_json::Value;

/// The fixture compiled in, so `Sim` works without any file next to it.
const BUILTIN_FIXTURE: &str = include_str!("../fixtures/k12.json");

/// Most users one `user_id_range` may expand to: keeps a typo in a fixture from eating
/// all memory.
const MAX_RANGE_USERS: u64 = 1_000_000;

/// A face user's contract with the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractState {
    /// Signed up for face payment: terminating works (204).
    Contracted,
    /// Contract already terminated: terminating again is a 400 `PARAM_ERROR`.
    Terminated,
}

impl ContractState {
    fn from_fixture(s: &str) -> Option<Self> {
        match s {
            "CONTRACTED" => Some(ContractState::Contracted),
            "TERMINATED" => Some(ContractState::Terminated),
            _ => None,
        }
    }
}

/// What terminating a contract did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TerminateOutcome {
    Terminated,
    AlreadyTerminated,
    UnknownOrganization,
    UnknownUser,
}

#[derive(Debug, Default)]
struct Organization {
    users: HashMap<String, ContractState>,
}

/// All organizations and users, keyed by their decoded ids.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    organizations: HashMap<String, Organization>,
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
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let orgs = doc["organizations"]
            .as_array()
            .ok_or("missing \"organizations\" array")?;
        let mut dir = Directory::default();
        for (i, org) in orgs.iter().enumerate() {
            let id = org["organization_id"]
                .as_str()
                .ok_or_else(|| format!("organizations[{i}]: missing organization_id"))?;
            let entry = dir.organizations.entry(id.to_owned()).or_default();
            let users = match &org["users"] {
                Value::Null => &Vec::new(),
                Value::Array(users) => users,
                _ => return Err(format!("organizations[{i}].users is not an array")),
            };
            for (j, user) in users.iter().enumerate() {
                add_users(&mut entry.users, user)
                    .map_err(|why| format!("organizations[{i}].users[{j}]: {why}"))?;
            }
        }
        Ok(dir)
    }

    pub(crate) fn state(&self, org: &str, user: &str) -> Option<ContractState> {
        self.organizations.get(org)?.users.get(user).copied()
    }

    /// Terminates a user's contract. With `idempotent`, terminating a terminated user
    /// succeeds again (benchmarks repeat the same call).
    pub(crate) fn terminate(
        &mut self,
        org: &str,
        user: &str,
        idempotent: bool,
    ) -> TerminateOutcome {
        let Some(organization) = self.organizations.get_mut(org) else {
            return TerminateOutcome::UnknownOrganization;
        };
        match organization.users.get_mut(user) {
            None => TerminateOutcome::UnknownUser,
            Some(ContractState::Terminated) if !idempotent => TerminateOutcome::AlreadyTerminated,
            Some(state) => {
                *state = ContractState::Terminated;
                TerminateOutcome::Terminated
            }
        }
    }
}

/// Adds one fixture user entry: `{"user_id", "contract_state"}` or
/// `{"user_id_range": {"prefix","digits","first","last"}, "contract_state"}`.
fn add_users(users: &mut HashMap<String, ContractState>, entry: &Value) -> Result<(), String> {
    let state_text = entry["contract_state"]
        .as_str()
        .ok_or("missing contract_state")?;
    let state = ContractState::from_fixture(state_text)
        .ok_or_else(|| format!("contract_state {state_text:?} is not CONTRACTED or TERMINATED"))?;
    if let Some(id) = entry["user_id"].as_str() {
        users.insert(id.to_owned(), state);
        return Ok(());
    }
    let range = &entry["user_id_range"];
    if !range.is_object() {
        return Err("needs user_id or user_id_range".into());
    }
    let prefix = range["prefix"].as_str().unwrap_or("");
    let digits = range["digits"]
        .as_u64()
        .ok_or("user_id_range.digits missing")? as usize;
    let first = range["first"]
        .as_u64()
        .ok_or("user_id_range.first missing")?;
    let last = range["last"].as_u64().ok_or("user_id_range.last missing")?;
    if last < first || last - first >= MAX_RANGE_USERS {
        return Err(format!(
            "user_id_range must hold 1 to {MAX_RANGE_USERS} users (first <= last)"
        ));
    }
    users.reserve((last - first + 1) as usize);
    for n in first..=last {
        users.insert(format!("{prefix}{n:0digits$}"), state);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(dir.state("ORG:1+2@x", "u~._-9"), c);
        assert_eq!(dir.state("ORG:1+2@x", "U0000000001"), None);
        assert_eq!(dir.state("nope", "U0000000001"), None);
    }

    #[test]
    fn the_committed_file_is_the_builtin_fixture() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/k12.json");
        let dir = Directory::load(&path).unwrap();
        assert_eq!(
            dir.state("DBES323aeb", "U0000012345"),
            Some(ContractState::Contracted)
        );
    }

    #[test]
    fn terminate_moves_state_once() {
        let mut dir = Directory::builtin();
        assert_eq!(
            dir.terminate("DBES323aeb", "U0000000007", false),
            TerminateOutcome::Terminated
        );
        assert_eq!(
            dir.state("DBES323aeb", "U0000000007"),
            Some(ContractState::Terminated)
        );
        assert_eq!(
            dir.terminate("DBES323aeb", "U0000000007", false),
            TerminateOutcome::AlreadyTerminated
        );
        assert_eq!(
            dir.terminate("DBES323aeb", "U0000000007", true),
            TerminateOutcome::Terminated
        );
        assert_eq!(
            dir.terminate("DBES323aeb", "X", false),
            TerminateOutcome::UnknownUser
        );
        assert_eq!(
            dir.terminate("X", "U0000000007", false),
            TerminateOutcome::UnknownOrganization
        );
    }

    #[test]
    fn fixture_errors_name_the_entry() {
        let bad = [
            ("[]", "organizations"),
            (
                r#"{"organizations":[{}]}"#,
                "organizations[0]: missing organization_id",
            ),
            (
                r#"{"organizations":[{"organization_id":"o","users":[{"user_id":"u"}]}]}"#,
                "organizations[0].users[0]: missing contract_state",
            ),
            (
                r#"{"organizations":[{"organization_id":"o","users":[{"user_id":"u","contract_state":"X"}]}]}"#,
                "is not CONTRACTED",
            ),
            (
                r#"{"organizations":[{"organization_id":"o","users":[{"contract_state":"CONTRACTED"}]}]}"#,
                "needs user_id",
            ),
            (
                r#"{"organizations":[{"organization_id":"o","users":[{"user_id_range":{"digits":3,"first":5,"last":1},"contract_state":"CONTRACTED"}]}]}"#,
                "first <= last",
            ),
        ];
        for (text, needle) in bad {
            let err = Directory::from_json(text).unwrap_err();
            assert!(err.contains(needle), "{err} should contain {needle}");
        }
        let ok = r#"{"organizations":[{"organization_id":"o","users":[
            {"user_id_range":{"prefix":"S","digits":3,"first":8,"last":10},"contract_state":"CONTRACTED"},
            {"user_id":"S009","contract_state":"TERMINATED"}]}]}"#;
        let dir = Directory::from_json(ok).unwrap();
        assert_eq!(dir.state("o", "S008"), Some(ContractState::Contracted));
        assert_eq!(dir.state("o", "S009"), Some(ContractState::Terminated));
        assert_eq!(dir.state("o", "S010"), Some(ContractState::Contracted));
    }
}
