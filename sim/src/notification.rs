//! A WeChat Pay notification as a merchant's notify URL receives it (k12-api.md W): the
//! JSON envelope with its resource sealed with the APIv3 key, signed like an answer.
//! Built for delivery (a terminated contract, `/__sim/notifications/send`) or only
//! returned to a test (`/__sim/notifications/build`), with the options that make each
//! kind of bad notification.

use std::io;

use serde_json::{Map, Value, json};

use crate::apiv3;
use crate::auth::SCHEME;
use crate::k12::{Directory, User};
use crate::keys::MCHID;
use crate::shared::Shared;
use crate::signer::{random_digits, unix_now};
use crate::sync::lock;
use crate::test_ids;
use crate::time::beijing_rfc3339;

/// The event a terminated contract sends.
pub const USER_STATE_CHANGE: &str = "FACEPAY.USER_STATE_CHANGE";

/// The `appid` in the simulator's notifications (the service provider's app); tests
/// read it as `test_ids::APPID`.
pub(crate) const APPID: &str = "wx5a1c0d9e3f7b2468";

/// How to build a notification. `Default` is a valid `FACEPAY.USER_STATE_CHANGE` about
/// the built-in fixture's first contracted user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotificationOptions {
    /// Any event type; default `FACEPAY.USER_STATE_CHANGE`.
    pub event_type: Option<String>,
    /// The user the plaintext describes: by `user_id` (WeChat user id) or `out_user_id`
    /// within `organization_id` (default: the built-in organization). Neither: the
    /// built-in fixture's user `U0000000001`.
    pub organization_id: Option<String>,
    pub user_id: Option<String>,
    pub out_user_id: Option<String>,
    /// Replaces the plaintext: a string is taken as the exact text, anything else is
    /// serialised as JSON.
    pub plaintext: Option<Value>,
    /// Replaces the generated unique `id` (to send the same notification twice).
    pub id: Option<String>,
    /// Replaces the event's usual `summary`.
    pub summary: Option<String>,
    /// `Wechatpay-Timestamp` (and `create_time`) = now + this many seconds, signed over
    /// that value: -400 is stale, +400 from the future.
    pub timestamp_offset_s: i64,
    /// Seal the resource with this APIv3 key (32 bytes) instead of the merchant's.
    pub apiv3_key: Option<String>,
    /// `Wechatpay-Serial` says this instead of the signing key's id (signature unchanged).
    pub serial: Option<String>,
    /// Change the body after signing (the summary gets an `x` in front).
    pub tamper: bool,
    /// `resource.algorithm` says this (the resource is still AES-256-GCM).
    pub algorithm: Option<String>,
}

/// The option names of [`NotificationOptions`] in control requests.
const OPTION_NAMES: &[&str] = &[
    "event_type",
    "organization_id",
    "user_id",
    "out_user_id",
    "plaintext",
    "id",
    "summary",
    "timestamp_offset_s",
    "apiv3_key",
    "serial",
    "tamper",
    "algorithm",
];

impl NotificationOptions {
    /// Reads a control request's JSON object; `extra` names further keys the caller
    /// reads itself. Unknown keys are refused, so that a misspelt option is not ignored.
    pub(crate) fn from_json(doc: &Value, extra: &[&str]) -> Result<NotificationOptions, String> {
        let empty = Map::new();
        let fields = match doc {
            Value::Object(fields) => fields,
            Value::Null => &empty,
            _ => return Err("the body must be a JSON object of options".into()),
        };
        if let Some(unknown) = fields
            .keys()
            .find(|k| !OPTION_NAMES.contains(&k.as_str()) && !extra.contains(&k.as_str()))
        {
            let mut known = OPTION_NAMES.to_vec();
            known.extend_from_slice(extra);
            return Err(format!(
                "unknown option {unknown:?} (expected {})",
                known.join(", ")
            ));
        }
        let text = |name: &str| -> Result<Option<String>, String> {
            match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("{name} must be a string")),
            }
        };
        let timestamp_offset_s = match fields.get("timestamp_offset_s") {
            None | Some(Value::Null) => 0,
            Some(n) => n
                .as_i64()
                .ok_or("timestamp_offset_s must be whole seconds")?,
        };
        let tamper = match fields.get("tamper") {
            None | Some(Value::Null) => false,
            Some(b) => b.as_bool().ok_or("tamper must be true or false")?,
        };
        Ok(NotificationOptions {
            event_type: text("event_type")?,
            organization_id: text("organization_id")?,
            user_id: text("user_id")?,
            out_user_id: text("out_user_id")?,
            plaintext: fields.get("plaintext").filter(|v| !v.is_null()).cloned(),
            id: text("id")?,
            summary: text("summary")?,
            timestamp_offset_s,
            apiv3_key: text("apiv3_key")?,
            serial: text("serial")?,
            tamper,
            algorithm: text("algorithm")?,
        })
    }
}

/// A notification ready to send: the exact header values and body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltNotification {
    pub id: String,
    pub event_type: String,
    /// `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Signature`,
    /// `Wechatpay-Serial`, `Wechatpay-Signature-Type`, `Content-Type`, in that order.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// What the resource decrypts to with the merchant's APIv3 key.
    pub plaintext: String,
}

impl BuiltNotification {
    /// A header's value, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `{"id","event_type","headers":{name: value},"body","plaintext"}`
    pub fn to_json(&self) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), Value::String(v.clone())))
            .collect();
        json!({
            "id": self.id,
            "event_type": self.event_type,
            "headers": headers,
            "body": self.body,
            "plaintext": self.plaintext,
        })
    }
}

/// The usual `summary` and `original_type` (also the `associated_data`) of an event.
fn event_kind(event_type: &str) -> (String, String) {
    let family = event_type
        .split('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let summary = match family.as_str() {
        "facepay" => "刷脸用户签约状态变更",
        "transaction" => "支付成功",
        "refund" => "退款状态变更",
        _ => "wxface-sim event",
    };
    (summary.to_owned(), family)
}

/// The FACEPAY.USER_STATE_CHANGE plaintext, in the documented field order.
pub(crate) fn user_state_plaintext(user: &User, create_time: &str) -> Value {
    let mut doc = json!({
        "user_id": user.use_id,
        "out_user_id": user.out_user_id,
        "organization_id": user.organization_id,
        "mch_id": MCHID,
        "notify_create_time": create_time,
        "appid": APPID,
        "openid": user.openid,
    });
    if let Some(contract) = &user.contract {
        doc["contract_id"] = json!(contract.contract_id);
    }
    doc
}

/// A payment's plaintext, shaped like a TRANSACTION.SUCCESS resource.
fn transaction_plaintext(user: &User, create_time: &str) -> io::Result<Value> {
    Ok(json!({
        "mchid": MCHID,
        "appid": APPID,
        "out_trade_no": format!("SIM{}", random_digits(16)?),
        "transaction_id": format!("4200{}", random_digits(24)?),
        "trade_type": "FACEPAY",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "success_time": create_time,
        "payer": { "openid": user.openid },
        "amount": { "total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY" },
    }))
}

/// The user the options name.
fn find_user(dir: &Directory, options: &NotificationOptions) -> Result<User, String> {
    let org = options.organization_id.as_deref();
    let found = match (&options.user_id, &options.out_user_id) {
        (Some(use_id), _) => dir
            .user(use_id)
            .filter(|user| org.is_none_or(|org| user.organization_id == org)),
        (None, Some(out)) => dir.user_by_out(org.unwrap_or(test_ids::ORGANIZATION_ID), out),
        (None, None) if org.is_some() => {
            return Err("name the user with user_id or out_user_id".into());
        }
        (None, None) => dir.user(&test_ids::contracted_user(1)),
    };
    found.map(|user| user.into_owned()).ok_or_else(|| {
        let who = options
            .user_id
            .as_deref()
            .or(options.out_user_id.as_deref())
            .unwrap_or("U0000000001");
        let org = org.unwrap_or(test_ids::ORGANIZATION_ID);
        format!(
            "no user {who} in organization {org} (give a user of the fixture, or the whole plaintext)"
        )
    })
}

/// Builds and signs a notification with the key answers are signed with in the key mode.
pub(crate) fn build(
    shared: &Shared,
    options: &NotificationOptions,
) -> Result<BuiltNotification, String> {
    let now = unix_now().saturating_add(options.timestamp_offset_s);
    let create_time = beijing_rfc3339(now);
    let event_type = options
        .event_type
        .clone()
        .unwrap_or_else(|| USER_STATE_CHANGE.to_owned());
    if event_type.is_empty() {
        return Err("event_type must not be empty".into());
    }
    let (summary, original_type) = event_kind(&event_type);
    let plaintext = match &options.plaintext {
        Some(Value::String(text)) => text.clone(),
        Some(doc) => doc.to_string(),
        None => {
            let user = find_user(&lock(&shared.directory), options)?;
            if original_type == "transaction" {
                transaction_plaintext(&user, &create_time).map_err(|e| e.to_string())?
            } else {
                user_state_plaintext(&user, &create_time)
            }
            .to_string()
        }
    };
    let apiv3_key = options.apiv3_key.as_deref().unwrap_or(&shared.apiv3_key);
    apiv3::check_key(apiv3_key).map_err(|why| format!("apiv3_key: {why}"))?;
    let failed = |e: io::Error| e.to_string();
    let nonce = apiv3::fresh_nonce().map_err(failed)?;
    let ciphertext =
        apiv3::seal(apiv3_key, &nonce, &original_type, plaintext.as_bytes()).map_err(failed)?;
    let id = match &options.id {
        Some(id) => id.clone(),
        None => format!("EV-{}", random_digits(19).map_err(failed)?),
    };
    let summary = options.summary.clone().unwrap_or(summary);
    // The field order of the notification vectors (and of the live service).
    let mut envelope = json!({
        "id": id,
        "create_time": create_time,
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {
            "original_type": original_type,
            "algorithm": options.algorithm.as_deref().unwrap_or(apiv3::ALGORITHM),
            "ciphertext": ciphertext,
            "associated_data": original_type,
            "nonce": nonce,
        },
    });
    let signed_body = envelope.to_string();
    let signature = shared
        .keys
        .answer_signer()
        .sign(signed_body.as_bytes(), now)
        .map_err(failed)?;
    let body = if options.tamper {
        envelope["summary"] = json!(format!("x{summary}"));
        envelope.to_string()
    } else {
        signed_body
    };
    let serial = options.serial.clone().unwrap_or(signature.serial);
    // It becomes a header line.
    if serial.chars().any(char::is_control) {
        return Err("serial must not contain control characters".into());
    }
    let headers = [
        ("Wechatpay-Timestamp", signature.timestamp),
        ("Wechatpay-Nonce", signature.nonce),
        ("Wechatpay-Signature", signature.signature),
        ("Wechatpay-Serial", serial),
        ("Wechatpay-Signature-Type", SCHEME.to_owned()),
        ("Content-Type", "application/json".to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    Ok(BuiltNotification {
        id,
        event_type,
        headers,
        body,
        plaintext,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn options_come_from_json_and_refuse_typos() {
        let doc = json!({"event_type": "TRANSACTION.SUCCESS", "user_id": "U1",
            "timestamp_offset_s": -400, "tamper": true, "plaintext": {"a": 1}, "url": "x"});
        let options = NotificationOptions::from_json(&doc, &["url"]).unwrap();
        assert_eq!(options.event_type.as_deref(), Some("TRANSACTION.SUCCESS"));
        assert_eq!(options.user_id.as_deref(), Some("U1"));
        assert_eq!(options.timestamp_offset_s, -400);
        assert!(options.tamper);
        assert_eq!(options.plaintext, Some(json!({"a": 1})));
        assert_eq!(
            NotificationOptions::from_json(&Value::Null, &[]).unwrap(),
            NotificationOptions::default()
        );
        for (doc, needle) in [
            (json!({"url": "x"}), "unknown option \"url\""),
            (json!({"tampre": true}), "unknown option"),
            (json!({"tamper": "yes"}), "true or false"),
            (json!({"serial": 1}), "serial must be a string"),
            (json!({"timestamp_offset_s": 1.5}), "whole seconds"),
            (json!([1]), "JSON object"),
        ] {
            let err = NotificationOptions::from_json(&doc, &[]).unwrap_err();
            assert!(err.contains(needle), "{doc}: {err}");
        }
    }

    #[test]
    fn events_have_their_usual_summary_and_type() {
        assert_eq!(
            event_kind(USER_STATE_CHANGE),
            ("刷脸用户签约状态变更".to_owned(), "facepay".to_owned())
        );
        assert_eq!(event_kind("TRANSACTION.SUCCESS").1, "transaction");
        assert_eq!(event_kind("REFUND.SUCCESS").1, "refund");
        assert_eq!(event_kind("X.Y").0, "wxface-sim event");
    }

    #[test]
    fn user_state_plaintext_has_the_documented_fields_in_order() {
        let dir = Directory::builtin();
        let user = find_user(&dir, &NotificationOptions::default()).unwrap();
        let doc = user_state_plaintext(&user, "2024-08-05T17:33:45+08:00");
        let keys: Vec<&str> = doc
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "user_id",
                "out_user_id",
                "organization_id",
                "mch_id",
                "notify_create_time",
                "appid",
                "openid",
                "contract_id"
            ]
        );
        assert_eq!(doc["user_id"], "U0000000001");
        assert_eq!(doc["contract_id"], "CT0000000001");

        let by_out = NotificationOptions {
            out_user_id: Some("S9000000002".into()),
            ..NotificationOptions::default()
        };
        assert_eq!(find_user(&dir, &by_out).unwrap().use_id, "U9000000002");
        let wrong_org = NotificationOptions {
            user_id: Some("U9000000002".into()),
            organization_id: Some("ORG:1+2@x".into()),
            ..NotificationOptions::default()
        };
        assert!(
            find_user(&dir, &wrong_org)
                .unwrap_err()
                .contains("no user U9000000002")
        );
    }
}
