//! Reading a fixture document (format version 2, see `sim/README.md`) into the parts of a
//! [`Directory`](crate::k12::Directory): every key checked, every id unique, so that a
//! typo in a fixture is an error at start rather than a puzzling 404 later.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::id_template::{IdTemplate, Numbers};
use crate::k12::{Contract, ContractState, FaceCollection, Parts, User, UserRange, default_openid};
use crate::time::looks_like_rfc3339;

/// `contract_signed_time` of a contract whose entry names none.
pub(crate) const DEFAULT_SIGNED_TIME: &str = "2024-09-01T08:00:00+08:00";
/// `contract_terminated_time` of a TERMINATED contract whose entry names none.
pub(crate) const DEFAULT_TERMINATED_TIME: &str = "2025-01-10T12:00:00+08:00";

const TOP_KEYS: &[&str] = &["about", "default_payer", "organizations"];
const ORGANIZATION_KEYS: &[&str] = &[
    "organization_id",
    "organization_name",
    "users",
    "face_collections",
];
const USER_KEYS: &[&str] = &[
    "range",
    "use_id",
    "out_user_id",
    "user_name",
    "user_type",
    "student_info",
    "staff_info",
    "status",
    "contract_state",
    "face_image_ok",
    "phone",
    "openid",
    "unpaid_deduction",
    "contract_id",
    "contract_signed_time",
    "contract_terminated_time",
    "contract_mode",
    "contract_bank_card_from",
];
const CONTRACT_KEYS: &[&str] = &[
    "contract_id",
    "contract_signed_time",
    "contract_terminated_time",
    "contract_mode",
    "contract_bank_card_from",
];
const RANGE_KEYS: &[&str] = &["first", "last", "digits"];
const COLLECTION_KEYS: &[&str] = &[
    "collection_id",
    "use_id",
    "collection_state",
    "register_photo_upload_time",
    "confirm_time",
];

/// One JSON object of the fixture, with its place (`organizations[0].users[2]`) for errors.
struct Entry<'a> {
    object: &'a Map<String, Value>,
    at: String,
}

impl<'a> Entry<'a> {
    fn new(value: &'a Value, at: String, allowed: &[&str]) -> Result<Entry<'a>, String> {
        let object = value
            .as_object()
            .ok_or_else(|| format!("{at}: must be a JSON object"))?;
        for key in object.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(format!(
                    "{at}: unknown key {key:?} (expected one of {})",
                    allowed.join(", ")
                ));
            }
        }
        Ok(Entry { object, at })
    }

    fn fail<T>(&self, why: String) -> Result<T, String> {
        Err(format!("{}: {why}", self.at))
    }

    fn has(&self, key: &str) -> bool {
        self.object.contains_key(key)
    }

    fn text(&self, key: &str) -> Result<Option<String>, String> {
        match self.object.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => self.fail(format!("{key} must be a non-empty string")),
        }
    }

    fn required_text(&self, key: &str) -> Result<String, String> {
        self.text(key)?
            .map_or_else(|| self.fail(format!("{key} is required")), Ok)
    }

    fn one_of(&self, key: &str, allowed: &[&str], default: &str) -> Result<String, String> {
        let value = self.text(key)?.unwrap_or_else(|| default.to_owned());
        if allowed.contains(&value.as_str()) {
            Ok(value)
        } else {
            self.fail(format!(
                "{key} {value:?} is not one of {}",
                allowed.join(", ")
            ))
        }
    }

    fn flag(&self, key: &str, default: bool) -> Result<bool, String> {
        match self.object.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => self.fail(format!("{key} must be true or false")),
        }
    }

    fn number(&self, key: &str) -> Result<u64, String> {
        match self.object.get(key).and_then(Value::as_u64) {
            Some(n) => Ok(n),
            None => self.fail(format!("{key} must be a whole number")),
        }
    }

    fn time(&self, key: &str) -> Result<Option<String>, String> {
        let time = self.text(key)?;
        match &time {
            Some(t) if !looks_like_rfc3339(t) => {
                self.fail(format!("{key} {t:?} is not an RFC 3339 time"))
            }
            _ => Ok(time),
        }
    }

    /// An array under `key` (absent = empty).
    fn list(&self, key: &str) -> Result<&'a [Value], String> {
        match self.object.get(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => self.fail(format!("{key} must be an array")),
        }
    }

    /// A nested object with one text key (`student_info: {class_name}`).
    fn inner_text(&self, key: &str, inner: &str) -> Result<Option<String>, String> {
        match self.object.get(key) {
            None => Ok(None),
            Some(value) => Entry::new(value, format!("{}.{key}", self.at), &[inner])?.text(inner),
        }
    }
}

/// A range entry and where it was, for collision errors.
struct PlacedRange {
    range: UserRange,
    at: String,
}

pub(crate) fn parse(text: &str) -> Result<Parts, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let top = Entry::new(&doc, "fixture".into(), TOP_KEYS)?;
    if !top.has("organizations") {
        return top.fail("organizations is required (an array)".into());
    }
    let mut parts = Parts::default();
    let mut ranges: Vec<PlacedRange> = Vec::new();
    let mut user_places: Vec<String> = Vec::new();
    let mut collections: Vec<(Entry<'_>, String)> = Vec::new();
    for (i, value) in top.list("organizations")?.iter().enumerate() {
        let org = Entry::new(value, format!("organizations[{i}]"), ORGANIZATION_KEYS)?;
        let id = org.required_text("organization_id")?;
        let name = org.required_text("organization_name")?;
        if parts.organizations.contains_key(&id) {
            return org.fail(format!("organization_id {id:?} is used twice"));
        }
        if parts.organizations.values().any(|n| *n == name) {
            return org.fail(format!("organization_name {name:?} is used twice"));
        }
        parts.organizations.insert(id.clone(), name);
        for (j, value) in org.list("users")?.iter().enumerate() {
            let at = format!("organizations[{i}].users[{j}]");
            if value.get("user_id").is_some() || value.get("user_id_range").is_some() {
                return Err(format!(
                    "{at}: user_id and user_id_range are fixture version 1; name users by use_id and out_user_id (see sim/README.md)"
                ));
            }
            let entry = Entry::new(value, at.clone(), USER_KEYS)?;
            if entry.has("range") {
                let range = read_range(&entry, &id)?;
                ranges.push(PlacedRange { range, at });
            } else {
                parts.users.push(read_user(&entry, &id)?);
                user_places.push(at);
            }
        }
        for (j, value) in org.list("face_collections")?.iter().enumerate() {
            let at = format!("organizations[{i}].face_collections[{j}]");
            collections.push((Entry::new(value, at, COLLECTION_KEYS)?, id.clone()));
        }
    }
    check_unique_ids(&parts.users, &user_places, &ranges)?;
    parts.ranges = ranges.into_iter().map(|placed| placed.range).collect();
    parts.default_payer = top.text("default_payer")?;
    if let Some(payer) = &parts.default_payer
        && !is_user(&parts, payer)
    {
        return top.fail(format!(
            "default_payer {payer:?} is not the use_id of a user"
        ));
    }
    for (entry, org) in collections {
        let collection = read_collection(&entry, &org)?;
        if !parts
            .collections
            .iter()
            .all(|c| c.collection_id != collection.collection_id)
        {
            return entry.fail(format!(
                "collection_id {:?} is used twice",
                collection.collection_id
            ));
        }
        if !is_user_of(&parts, &collection.use_id, Some(&org)) {
            return entry.fail(format!(
                "use_id {:?} is not a user of organization {org:?}",
                collection.use_id
            ));
        }
        parts.collections.push(collection);
    }
    Ok(parts)
}

fn is_user(parts: &Parts, use_id: &str) -> bool {
    is_user_of(parts, use_id, None)
}

/// Whether `use_id` is a user (of `org`, if given).
fn is_user_of(parts: &Parts, use_id: &str, org: Option<&str>) -> bool {
    let in_org = |id: &str| org.is_none_or(|org| org == id);
    parts
        .users
        .iter()
        .any(|u| u.use_id == use_id && in_org(&u.organization_id))
        || parts.ranges.iter().any(|r| {
            in_org(&r.organization_id)
                && r.use_id
                    .number(use_id)
                    .is_some_and(|n| r.numbers.contains(n))
        })
}

/// A user named one by one.
fn read_user(entry: &Entry<'_>, org: &str) -> Result<User, String> {
    let mut user = read_user_fields(entry, org)?;
    for key in ["use_id", "out_user_id", "contract_id"] {
        if entry.text(key)?.is_some_and(|id| id.contains("{n}")) {
            return entry.fail(format!("{key} contains {{n}} but the entry has no range"));
        }
    }
    user.use_id = entry.required_text("use_id")?;
    user.out_user_id = entry.required_text("out_user_id")?;
    if user.openid.is_empty() {
        user.openid = default_openid(&user.use_id);
    }
    if let Some(contract) = &mut user.contract {
        contract.contract_id = entry.required_text("contract_id")?;
    }
    Ok(user)
}

/// `"range": {"first","last","digits"}` with `PREFIX{n}` ids.
fn read_range(entry: &Entry<'_>, org: &str) -> Result<UserRange, String> {
    let range = Entry::new(
        &entry.object["range"],
        format!("{}.range", entry.at),
        RANGE_KEYS,
    )?;
    let digits = usize::try_from(range.number("digits")?).unwrap_or(usize::MAX);
    let numbers = Numbers::new(range.number("first")?, range.number("last")?, digits)
        .or_else(|why| entry.fail(why))?;
    let template = |key: &str| -> Result<IdTemplate, String> {
        IdTemplate::parse(&entry.required_text(key)?, digits)
            .or_else(|why| entry.fail(format!("{key} {why}")))
    };
    let use_id = template("use_id")?;
    let out_user_id = template("out_user_id")?;
    let user = read_user_fields(entry, org)?;
    let contract_id = match user.contract {
        Some(_) => Some(template("contract_id")?),
        None => None,
    };
    Ok(UserRange {
        organization_id: org.to_owned(),
        numbers,
        use_id,
        out_user_id,
        contract_id,
        template: user,
        digits,
    })
}

/// Everything but the ids (use_id, out_user_id, contract_id stay empty).
fn read_user_fields(entry: &Entry<'_>, org: &str) -> Result<User, String> {
    let state_text = entry.required_text("contract_state")?;
    let contract_state = ContractState::parse(&state_text).map_or_else(
        || {
            entry.fail(format!(
                "contract_state {state_text:?} is not CONTRACTED, TERMINATED or NOT_CONTRACTED"
            ))
        },
        Ok,
    )?;
    let contract = match contract_state {
        ContractState::NotContracted => {
            if let Some(key) = CONTRACT_KEYS.iter().find(|key| entry.has(key)) {
                return entry.fail(format!("{key} is set but contract_state is NOT_CONTRACTED"));
            }
            None
        }
        state => {
            if !entry.has("contract_id") {
                return entry.fail(format!(
                    "contract_id is required when contract_state is {}",
                    state.as_str()
                ));
            }
            let terminated_time = entry.time("contract_terminated_time")?;
            if terminated_time.is_some() && state != ContractState::Terminated {
                return entry.fail(
                    "contract_terminated_time is set but contract_state is not TERMINATED".into(),
                );
            }
            Some(Contract {
                contract_id: String::new(),
                signed_time: entry
                    .time("contract_signed_time")?
                    .unwrap_or_else(|| DEFAULT_SIGNED_TIME.into()),
                terminated_time: (state == ContractState::Terminated)
                    .then(|| terminated_time.unwrap_or_else(|| DEFAULT_TERMINATED_TIME.into())),
                mode: entry.one_of(
                    "contract_mode",
                    &["LIMIT_BANK_CARD", "PRIORITY_BANK_CARD", "LIMIT_NONE"],
                    "LIMIT_NONE",
                )?,
                bank_card_from: entry.one_of(
                    "contract_bank_card_from",
                    &["MERCHANT_LIMITED_BANK_CARD", "USER_SELECT_FREE"],
                    "USER_SELECT_FREE",
                )?,
            })
        }
    };
    Ok(User {
        use_id: String::new(),
        out_user_id: String::new(),
        organization_id: org.to_owned(),
        user_name: entry.required_text("user_name")?,
        user_type: entry.one_of("user_type", &["STUDENT", "STUFF"], "STUDENT")?,
        class_name: entry.inner_text("student_info", "class_name")?,
        occupation: entry.inner_text("staff_info", "occupation")?,
        status: entry.one_of("status", &["NORMAL", "DISABLED"], "NORMAL")?,
        face_image_ok: entry.flag("face_image_ok", true)?,
        phone: entry.text("phone")?,
        contract_state,
        contract,
        unpaid_deduction: entry.flag("unpaid_deduction", false)?,
        openid: entry.text("openid")?.unwrap_or_default(),
    })
}

fn read_collection(entry: &Entry<'_>, org: &str) -> Result<FaceCollection, String> {
    let state = entry.one_of(
        "collection_state",
        &["COLLECTION_REQUIRED", "PHOTO_UPLOADED", "COMPLETE"],
        &entry.required_text("collection_state")?,
    )?;
    let uploaded = entry.time("register_photo_upload_time")?;
    let confirmed = entry.time("confirm_time")?;
    let (want_uploaded, want_confirmed) = match state.as_str() {
        "COLLECTION_REQUIRED" => (false, false),
        "PHOTO_UPLOADED" => (true, false),
        _ => (true, true),
    };
    for (key, has, want) in [
        (
            "register_photo_upload_time",
            uploaded.is_some(),
            want_uploaded,
        ),
        ("confirm_time", confirmed.is_some(), want_confirmed),
    ] {
        if has != want {
            let needs = if want { "needs" } else { "must not have" };
            return entry.fail(format!("collection_state {state} {needs} {key}"));
        }
    }
    Ok(FaceCollection {
        collection_id: entry.required_text("collection_id")?,
        use_id: entry.required_text("use_id")?,
        organization_id: org.to_owned(),
        state,
        register_photo_upload_time: uploaded,
        confirm_time: confirmed,
    })
}

/// use_id and contract_id are unique in the whole fixture, out_user_id within its
/// organization; ranges included.
fn check_unique_ids(
    users: &[User],
    places: &[String],
    ranges: &[PlacedRange],
) -> Result<(), String> {
    let mut use_ids: HashMap<&str, &str> = HashMap::new();
    let mut out_ids: HashSet<(&str, &str)> = HashSet::new();
    let mut contract_ids: HashSet<&str> = HashSet::new();
    for (user, at) in users.iter().zip(places) {
        let twice = |key: &str, id: &str| Err(format!("{at}: {key} {id:?} is used twice"));
        if use_ids.insert(&user.use_id, at).is_some() {
            return twice("use_id", &user.use_id);
        }
        if !out_ids.insert((&user.organization_id, &user.out_user_id)) {
            return twice("out_user_id", &user.out_user_id);
        }
        let contract_id = user.contract.as_ref().map(|c| c.contract_id.as_str());
        if let Some(id) = contract_id
            && !contract_ids.insert(id)
        {
            return twice("contract_id", id);
        }
        for placed in ranges {
            let range = &placed.range;
            let inside = |template: &IdTemplate, id: &str| {
                template
                    .number(id)
                    .is_some_and(|n| range.numbers.contains(n))
            };
            let clash = if inside(&range.use_id, &user.use_id) {
                Some(("use_id", &user.use_id))
            } else if range.organization_id == user.organization_id
                && inside(&range.out_user_id, &user.out_user_id)
            {
                Some(("out_user_id", &user.out_user_id))
            } else {
                match (&range.contract_id, &user.contract) {
                    (Some(template), Some(c)) if inside(template, &c.contract_id) => {
                        Some(("contract_id", &c.contract_id))
                    }
                    _ => None,
                }
            };
            if let Some((key, id)) = clash {
                return Err(format!(
                    "{at}: {key} {id:?} is also in the range at {}",
                    placed.at
                ));
            }
        }
    }
    for (i, a) in ranges.iter().enumerate() {
        for b in &ranges[..i] {
            let (ra, rb) = (&a.range, &b.range);
            let shared = |key: &str, ta: &IdTemplate, tb: &IdTemplate| match ta
                .shared_id(ra.numbers, tb, rb.numbers)
            {
                Some(id) => Err(format!(
                    "{}: {key} {id:?} is also in the range at {}",
                    a.at, b.at
                )),
                None => Ok(()),
            };
            shared("use_id", &ra.use_id, &rb.use_id)?;
            if ra.organization_id == rb.organization_id {
                shared("out_user_id", &ra.out_user_id, &rb.out_user_id)?;
            }
            if let (Some(ta), Some(tb)) = (&ra.contract_id, &rb.contract_id) {
                shared("contract_id", ta, tb)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k12::{BUILTIN_FIXTURE, Directory};

    fn with_users(users: &str) -> String {
        format!(
            r#"{{"organizations":[{{"organization_id":"o","organization_name":"O","users":[{users}]}}]}}"#
        )
    }

    const ALICE: &str = r#"{"use_id":"U1","out_user_id":"S1","user_name":"A","contract_state":"CONTRACTED","contract_id":"C1"}"#;

    #[test]
    fn the_builtin_fixture_parses() {
        let parts = parse(BUILTIN_FIXTURE).unwrap();
        assert_eq!(parts.organizations.len(), 2);
        assert_eq!(parts.ranges.len(), 1);
        assert_eq!(parts.collections.len(), 3);
    }

    #[test]
    fn fills_defaults() {
        let dir = Directory::from_json(&with_users(ALICE)).unwrap();
        let user = dir.user("U1").unwrap();
        assert_eq!(user.user_type, "STUDENT");
        assert_eq!(user.status, "NORMAL");
        assert!(user.face_image_ok && !user.unpaid_deduction);
        assert_eq!(user.openid, "oSIM-U1");
        let contract = dir.contract_json("C1").unwrap();
        assert_eq!(contract["contract_signed_time"], DEFAULT_SIGNED_TIME);
        assert_eq!(contract["contract_mode"], "LIMIT_NONE");
        assert_eq!(contract["contract_bank_card_from"], "USER_SELECT_FREE");
        let terminated = with_users(
            r#"{"use_id":"U1","out_user_id":"S1","user_name":"A","contract_state":"TERMINATED","contract_id":"C1"}"#,
        );
        let dir = Directory::from_json(&terminated).unwrap();
        assert_eq!(
            dir.contract_json("C1").unwrap()["contract_terminated_time"],
            DEFAULT_TERMINATED_TIME
        );
    }

    #[test]
    fn ranges_fill_placeholders() {
        let doc = with_users(
            r#"{"range":{"first":8,"last":10,"digits":3},"use_id":"U{n}","out_user_id":"S-{n}",
                "user_name":"学生{number} ({n})","openid":"o{n}","contract_state":"CONTRACTED","contract_id":"C{n}"}"#,
        );
        let dir = Directory::from_json(&doc).unwrap();
        let user = dir.user_by_out("o", "S-009").unwrap();
        assert_eq!(user.use_id, "U009");
        assert_eq!(user.user_name, "学生9 (009)");
        assert_eq!(user.openid, "o009");
        assert_eq!(dir.contract_json("C010").unwrap()["use_id"], "U010");
        assert!(dir.user("U007").is_none() && dir.user("U011").is_none());
    }

    #[test]
    fn errors_name_the_entry_and_the_problem() {
        let bad = [
            ("[]".to_owned(), "fixture: must be a JSON object"),
            ("{}".to_owned(), "organizations is required"),
            (r#"{"organizations":[],"x":1}"#.to_owned(), "unknown key \"x\""),
            (r#"{"organizations":[],"default_payer":"U1"}"#.to_owned(), "fixture: default_payer \"U1\" is not the use_id of a user"),
            (r#"{"organizations":[{}]}"#.to_owned(), "organizations[0]: organization_id is required"),
            (r#"{"organizations":[{"organization_id":"o"}]}"#.to_owned(), "organization_name is required"),
            (
                r#"{"organizations":[{"organization_id":"o","organization_name":"A"},{"organization_id":"o","organization_name":"B"}]}"#.to_owned(),
                "organizations[1]: organization_id \"o\" is used twice",
            ),
            (
                r#"{"organizations":[{"organization_id":"o","organization_name":"A"},{"organization_id":"p","organization_name":"A"}]}"#.to_owned(),
                "organization_name \"A\" is used twice",
            ),
            (with_users(r#"{"user_id":"u","contract_state":"CONTRACTED"}"#), "fixture version 1"),
            (with_users(r#"{"use_id":"U1"}"#), "organizations[0].users[0]: contract_state is required"),
            (with_users(&ALICE.replace("CONTRACTED", "X")), "is not CONTRACTED, TERMINATED or NOT_CONTRACTED"),
            (with_users(&ALICE.replace(r#","contract_id":"C1""#, "")), "contract_id is required when contract_state is CONTRACTED"),
            (with_users(&ALICE.replace("CONTRACTED", "NOT_CONTRACTED")), "contract_id is set but contract_state is NOT_CONTRACTED"),
            (with_users(&ALICE.replace("}", r#","contract_terminated_time":"2025-01-01T00:00:00+08:00"}"#)), "is not TERMINATED"),
            (with_users(&ALICE.replace("}", r#","contract_signed_time":"yesterday"}"#)), "is not an RFC 3339 time"),
            (with_users(&ALICE.replace("}", r#","user_nam":"x"}"#)), "unknown key \"user_nam\""),
            (with_users(&ALICE.replace("}", r#","user_type":"TEACHER"}"#)), "user_type \"TEACHER\" is not one of STUDENT, STUFF"),
            (with_users(&ALICE.replace("}", r#","face_image_ok":"yes"}"#)), "face_image_ok must be true or false"),
            (with_users(&ALICE.replace("}", r#","student_info":{"class":"x"}}"#)), "users[0].student_info: unknown key"),
            (with_users(&ALICE.replace("\"A\"", "\"\"")), "user_name must be a non-empty string"),
            (with_users(&ALICE.replace("U1", "U{n}")), "use_id contains {n} but the entry has no range"),
            (with_users(&format!("{ALICE},{ALICE}")), "users[1]: use_id \"U1\" is used twice"),
            (with_users(&format!("{ALICE},{}", ALICE.replace("U1", "U2"))), "out_user_id \"S1\" is used twice"),
            (with_users(&format!("{ALICE},{}", ALICE.replace("U1", "U2").replace("S1", "S2"))), "contract_id \"C1\" is used twice"),
            (
                with_users(r#"{"range":{"first":1,"last":2,"digits":3},"use_id":"U{n}","out_user_id":"S","user_name":"x","contract_state":"NOT_CONTRACTED"}"#),
                "out_user_id \"S\" must be a prefix followed by {n}",
            ),
            (
                with_users(r#"{"range":{"first":1,"last":1000,"digits":3},"use_id":"U{n}","out_user_id":"S{n}","user_name":"x","contract_state":"NOT_CONTRACTED"}"#),
                "more than 3 digits",
            ),
            (
                with_users(r#"{"range":{"first":1,"last":2},"use_id":"U{n}","out_user_id":"S{n}","user_name":"x","contract_state":"NOT_CONTRACTED"}"#),
                "users[0].range: digits must be a whole number",
            ),
            (
                with_users(&format!(
                    r#"{{"range":{{"first":1,"last":9,"digits":1}},"use_id":"U{{n}}","out_user_id":"X{{n}}","user_name":"x","contract_state":"NOT_CONTRACTED"}},{ALICE}"#
                )),
                "users[1]: use_id \"U1\" is also in the range at organizations[0].users[0]",
            ),
            (
                with_users(
                    r#"{"range":{"first":1,"last":20,"digits":3},"use_id":"U{n}","out_user_id":"S{n}","user_name":"x","contract_state":"NOT_CONTRACTED"},
                       {"range":{"first":1,"last":99,"digits":2},"use_id":"V{n}","out_user_id":"S0{n}","user_name":"x","contract_state":"NOT_CONTRACTED"}"#,
                ),
                "users[1]: out_user_id \"S001\" is also in the range at organizations[0].users[0]",
            ),
        ];
        for (text, needle) in bad {
            let err = Directory::from_json(&text).unwrap_err();
            assert!(err.contains(needle), "{err}\n  should contain {needle}");
        }
    }

    #[test]
    fn collections_are_checked() {
        let doc = |collection: &str| {
            format!(
                r#"{{"organizations":[{{"organization_id":"o","organization_name":"O","users":[{ALICE}],"face_collections":[{collection}]}}]}}"#
            )
        };
        let good = r#"{"collection_id":"F1","use_id":"U1","collection_state":"PHOTO_UPLOADED","register_photo_upload_time":"2025-03-03T09:15:00+08:00"}"#;
        let dir = Directory::from_json(&doc(good)).unwrap();
        assert_eq!(dir.collection("F1").unwrap().organization_id, "o");
        for (collection, needle) in [
            (
                good.replace("U1", "U2"),
                "use_id \"U2\" is not a user of organization \"o\"",
            ),
            (
                good.replace("PHOTO_UPLOADED", "COMPLETE"),
                "collection_state COMPLETE needs confirm_time",
            ),
            (
                good.replace("PHOTO_UPLOADED", "COLLECTION_REQUIRED"),
                "COLLECTION_REQUIRED must not have register_photo_upload_time",
            ),
            (
                good.replace("PHOTO_UPLOADED", "DONE"),
                "collection_state \"DONE\" is not one of",
            ),
            (
                format!("{good},{good}"),
                "face_collections[1]: collection_id \"F1\" is used twice",
            ),
        ] {
            let err = Directory::from_json(&doc(&collection)).unwrap_err();
            assert!(err.contains(needle), "{err}\n  should contain {needle}");
        }
    }
}
