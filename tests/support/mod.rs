//! Shared helpers for the integration tests: a simulator per test and clients for it.

// Each test file uses a part of these helpers.
#![allow(dead_code, unused_imports)]

pub mod loopback;

use std::time::Duration;

use serde_json::Value;
use wxface::{Client, Config, ErrorKind};
use wxface_sim::{KeyMode, Sim, SimOptions};

/// The built-in fixture's ids, named by the simulator (`wxface_sim::test_ids`).
pub use wxface_sim::test_ids::{
    ORGANIZATION_ID as ORG, TERMINATED_USER_ID as TERMINATED_USER, contracted_user as user,
};

pub fn start_sim(key_mode: KeyMode) -> Sim {
    Sim::start(SimOptions {
        key_mode,
        ..SimOptions::default()
    })
    .expect("wxface-sim starts")
}

/// The simulator's ready-made client.json, changed by `edit`.
pub fn sim_config(sim: &Sim, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Config {
    let mut document = sim.client_config();
    edit(document.as_object_mut().expect("client.json is an object"));
    Config::from_json(&document.to_string()).expect("client.json is a valid config")
}

pub fn client_for(sim: &Sim) -> Client {
    Client::new(sim_config(sim, |_| {})).expect("client builds")
}

pub fn client_with(sim: &Sim, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Client {
    Client::new(sim_config(sim, edit)).expect("client builds")
}

/// Asserts `result` failed with `kind` and returns the error.
pub fn expect_error<T>(result: Result<T, wxface::Error>, kind: ErrorKind) -> wxface::Error {
    match result {
        Ok(_) => panic!("expected a {kind:?} error, got success"),
        Err(error) => {
            assert_eq!(error.kind(), kind, "unexpected error: {error}");
            assert!(!error.message().is_empty());
            error
        }
    }
}

pub fn short_timeouts(document: &mut serde_json::Map<String, Value>, request_ms: u64) {
    document.insert("connect_timeout_ms".into(), Value::from(1000));
    document.insert("request_timeout_ms".into(), Value::from(request_ms));
}

/// The path of a file in `tests/vectors` (the independent vectors and their test keys).
pub fn vectors_file(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name)
        .to_str()
        .expect("the checkout path is UTF-8")
        .to_owned()
}

/// A complete configuration made of the test vectors' keys (public-key mode, no APIv3 key).
pub fn vectors_config() -> Value {
    serde_json::json!({
        "mchid": "1900000001",
        "merchant_serial_no": "3775B6A45ACD588826D15E583A95F5DD1A2B3C4D",
        "private_key_file": vectors_file("merchant_test_key.pem"),
        "wechatpay_public_key_id": "PUB_KEY_ID_0119000000012025000000000001",
        "wechatpay_public_key_file": vectors_file("wechatpay_test_public_key.pem"),
    })
}

/// Parses a notification the simulator built, with `body` as the body received.
pub fn parse_with_body(
    client: &Client,
    n: &wxface_sim::BuiltNotification,
    body: &[u8],
) -> Result<wxface::Notification, wxface::Error> {
    let header = |name: &str| n.header(name).unwrap_or_default().to_owned();
    client.parse_notification(
        &header("Wechatpay-Timestamp"),
        &header("Wechatpay-Nonce"),
        &header("Wechatpay-Signature"),
        &header("Wechatpay-Serial"),
        body,
    )
}

/// Parses a notification the simulator built, as it was built.
pub fn parse_built(
    client: &Client,
    n: &wxface_sim::BuiltNotification,
) -> Result<wxface::Notification, wxface::Error> {
    parse_with_body(client, n, n.body.as_bytes())
}

pub const SLACK: Duration = Duration::from_secs(1);
