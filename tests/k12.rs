//! The 13 K12 operations and the generic signed call against wxface-sim: what each answers
//! and what the simulator received (sensitive fields decrypted by it, query values and path ids
//! as they came on the wire), arguments refused before anything is sent, API errors, answers
//! that do not verify or do not fit the operation, and a deduction that is never sent twice.
//!
//! `Sim::requests()` is the simulator's log of arrivals: `{"method","target","wechatpay_serial",
//! "body"}` with every encrypted field of the body opened with the simulator's WeChat Pay key.

mod support;

use serde_json::{Value, json};
use support::loopback::{Reply, response, tls_server};
use support::*;
use wxface::{Client, Error, ErrorKind, Response};
use wxface_sim::test_ids::*;
use wxface_sim::{ContractState, Fault, KeyMode, Sim};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The last request the simulator received.
fn last_arrival(sim: &Sim) -> Value {
    sim.requests()
        .pop()
        .expect("the simulator received a request")
}

/// Every byte of `text` as `%XX`: what a query value of only non-ASCII characters becomes.
fn every_byte_encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// The key `Wechatpay-Serial` must name in public-key mode.
fn public_key_id(sim: &Sim) -> Value {
    sim.client_config()["wechatpay_public_key_id"].clone()
}

fn user_path(organization: &str, out_user: &str) -> String {
    format!("/v3/offlinefacemch/organizations/{organization}/users/out-user-id/{out_user}")
}

fn authinfo_request() -> Value {
    json!({
        "sp_appid": "wxsp0000000001", "sub_mchid": "1900000109", "device_id": "DEVICE-01",
        "raw_data": "RAW-DATA-FROM-THE-DEVICE", "organization_id": ORGANIZATION_ID,
    })
}

/// A presign request with all six sensitive fields, in plain text.
fn presign_request(out_user_id: &str) -> Value {
    json!({
        "business_name": "食堂",
        "facepay_user": {
            "out_user_id": out_user_id, "identification_name": "张三",
            "organization_id": ORGANIZATION_ID,
            "identification": {
                "identification_type": "IDCARD", "identification_number": "110101201001011234",
            },
            "phone": "13800138000",
        },
        "limit_bank_card": {
            "bank_card_number": "6222020000000000000", "identification_name": "张大山",
            "identification": {
                "identification_type": "IDCARD", "identification_number": "110101198001011234",
            },
            "valid_thru": "12/29", "bank_type": "ICBC_DEBIT", "phone": "13900139000",
        },
        "contract_mode": "LIMIT_BANK_CARD",
    })
}

/// A deduction paid by contracted user `n`.
fn deduction_request(n: u32, out_trade_no: &str) -> Value {
    json!({
        "auth_code": format!("{AUTH_CODE_PREFIX}{}", contracted_user(n)),
        "sp_appid": "wxsp0000000001", "sp_mchid": "1900000001", "sub_mchid": "1900000109",
        "amount": {"total": 1250, "currency": "CNY"}, "scene_info": {"device_ip": "10.1.2.3"},
        "description": "午餐", "attach": "a=1", "settle_info": {"profit_sharing": false},
        "out_trade_no": out_trade_no,
        "business": {"business_product_id": 2, "business_scene_id": 3},
    })
}

type Call = Box<dyn Fn(&Client) -> Result<Response, Error>>;

fn call(f: impl Fn(&Client) -> Result<Response, Error> + 'static) -> Call {
    Box::new(f)
}

/// One call of each of the 13 operations, with arguments the simulator accepts (users from
/// `first` on, so that tables run on a fresh simulator each): (name, call, documented 204).
fn every_operation(first: u32) -> Vec<(&'static str, Call, bool)> {
    let out = contracted_out_user(first);
    let terminated = contracted_user(first + 1);
    let trade = format!("T-{first}");
    vec![
        (
            "query_organization",
            call(|c| c.query_organization(Some(ORGANIZATION_ID), None)),
            false,
        ),
        (
            "create_auth_token",
            call({
                let out = out.clone();
                move |c| c.create_auth_token(ORGANIZATION_ID, &out, None)
            }),
            false,
        ),
        (
            "query_user",
            call({
                let out = out.clone();
                move |c| c.query_user(ORGANIZATION_ID, &out)
            }),
            false,
        ),
        (
            "update_user",
            call({
                let out = out.clone();
                move |c| c.update_user(ORGANIZATION_ID, &out, &json!({"phone": "13800138000"}))
            }),
            true,
        ),
        (
            "terminate_contract_with_response",
            call(move |c| c.terminate_contract_with_response(ORGANIZATION_ID, &terminated)),
            true,
        ),
        (
            "get_authinfo",
            call(|c| c.get_authinfo(&authinfo_request())),
            false,
        ),
        (
            "presign_contract",
            call({
                let out = out.clone();
                move |c| c.presign_contract(&presign_request(&out))
            }),
            false,
        ),
        (
            "query_contract",
            call(move |c| c.query_contract(&contracted_contract_id(first), None)),
            false,
        ),
        (
            "list_face_collections",
            call(|c| c.list_face_collections(ORGANIZATION_ID, 0, None)),
            false,
        ),
        (
            "query_face_collection",
            call(|c| c.query_face_collection(COMPLETE_COLLECTION_ID)),
            false,
        ),
        (
            "apply_deduction",
            call({
                let trade = trade.clone();
                move |c| c.apply_deduction(&deduction_request(first, &trade))
            }),
            false,
        ),
        (
            "query_deduction",
            call(move |c| c.query_deduction(&trade, "1900000001", "1900000109", "2")),
            false,
        ),
        (
            "get_repayment_url",
            call(|c| c.get_repayment_url(ORGANIZATION_ID, DEBT_OUT_USER_ID)),
            false,
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Each operation's happy path: the answer, and what arrived
// ---------------------------------------------------------------------------------------------

#[test]
fn query_organization_by_id_and_by_name() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);

    let by_id = client
        .query_organization(Some(ORGANIZATION_ID), None)
        .unwrap();
    assert_eq!(by_id.http_status(), 200);
    assert!(!by_id.request_id().is_empty());
    assert_eq!(
        by_id.pointer("/organization_name"),
        Some(&json!(ORGANIZATION_NAME))
    );
    let arrived = last_arrival(&sim);
    assert_eq!(arrived["method"], "GET");
    assert_eq!(
        arrived["target"],
        format!("/v3/offlinefacemch/organizations?organization_id={ORGANIZATION_ID}")
    );
    assert_eq!(arrived["body"], Value::Null);

    // A Chinese name: every UTF-8 byte percent-encoded, and the simulator found it by name.
    let by_name = client
        .query_organization(None, Some(ORGANIZATION_NAME))
        .unwrap();
    assert_eq!(
        by_name.pointer("/organization_id"),
        Some(&json!(ORGANIZATION_ID))
    );
    assert_eq!(
        last_arrival(&sim)["target"],
        format!(
            "/v3/offlinefacemch/organizations?organization_name={}",
            every_byte_encoded(ORGANIZATION_NAME)
        )
    );

    // Reserved characters in a query value: `+` would be a space, `:` and `@` are encoded too.
    let odd = client
        .query_organization(Some(ENCODED_ORGANIZATION_ID), None)
        .unwrap();
    assert_eq!(
        odd.pointer("/organization_id"),
        Some(&json!(ENCODED_ORGANIZATION_ID))
    );
    assert_eq!(
        last_arrival(&sim)["target"],
        "/v3/offlinefacemch/organizations?organization_id=ORG%3A1%2B2%40x"
    );
}

#[test]
fn create_auth_token() {
    let sim = start_sim(KeyMode::PublicKey);
    let out = contracted_out_user(11);
    let token = client_for(&sim)
        .create_auth_token(ORGANIZATION_ID, &out, None)
        .unwrap();
    assert_eq!(token.http_status(), 200);
    assert!(
        token
            .pointer("/token")
            .and_then(Value::as_str)
            .is_some_and(|t| !t.is_empty())
    );
    let arrived = last_arrival(&sim);
    assert_eq!(
        (arrived["method"].as_str(), arrived["target"].as_str()),
        (Some("POST"), Some("/v3/offlinefacemch/tokens"))
    );
    assert_eq!(
        arrived["body"],
        json!({
            "scene": "WEBSESSION",
            "web_init_data": {"out_user_id": out, "organization_id": ORGANIZATION_ID},
        })
    );
}

#[test]
fn query_user_students_staff_and_encoded_ids() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);

    let pupil = client
        .query_user(ORGANIZATION_ID, &contracted_out_user(12))
        .unwrap();
    assert_eq!(pupil.http_status(), 200);
    for (pointer, expected) in [
        ("/use_id", json!(contracted_user(12))),
        ("/out_user_id", json!(contracted_out_user(12))),
        ("/organization_id", json!(ORGANIZATION_ID)),
        ("/user_name", json!("学生12")),
        ("/user_type", json!("STUDENT")),
        ("/student_info/class_name", json!("三年级2班")),
        ("/status", json!("NORMAL")),
        ("/contract_state", json!("CONTRACTED")),
        ("/face_image_ok", json!(true)),
        ("/contract_id", json!(contracted_contract_id(12))),
    ] {
        assert_eq!(pupil.pointer(pointer), Some(&expected), "{pointer}");
    }
    assert_eq!(
        last_arrival(&sim)["target"],
        user_path(ORGANIZATION_ID, &contracted_out_user(12))
    );

    let staff = client
        .query_user(ORGANIZATION_ID, STAFF_OUT_USER_ID)
        .unwrap();
    assert_eq!(staff.pointer("/use_id"), Some(&json!(STAFF_USER_ID)));
    assert_eq!(staff.pointer("/user_type"), Some(&json!("STUFF")));
    assert!(
        staff
            .pointer("/staff_info/occupation")
            .is_some_and(Value::is_string)
    );
    assert_eq!(
        staff.pointer("/contract_state"),
        Some(&json!("NOT_CONTRACTED"))
    );
    assert_eq!(staff.pointer("/contract_id"), None);

    let odd = client
        .query_user(ENCODED_ORGANIZATION_ID, ENCODED_OUT_USER_ID)
        .unwrap();
    assert_eq!(odd.pointer("/use_id"), Some(&json!(ENCODED_USER_ID)));
    assert_eq!(
        last_arrival(&sim)["target"],
        user_path("ORG%3A1%2B2%40x", "s~._-9")
    );
}

#[test]
fn update_user_sends_name_and_phone_encrypted() {
    for key_mode in [KeyMode::PublicKey, KeyMode::Certificate] {
        let sim = start_sim(key_mode);
        let out = contracted_out_user(13);
        let changes = json!({
            "user_name": "张三", "phone": "13800138000",
            "student_info": {"class_name": "四年级1班"}, "status": "DISABLED",
        });
        let answer = client_for(&sim)
            .update_user(ORGANIZATION_ID, &out, &changes)
            .unwrap();
        assert_eq!(
            (answer.http_status(), answer.body()),
            (204, ""),
            "{key_mode:?}"
        );
        assert!(!answer.request_id().is_empty());
        assert_eq!(answer.pointer(""), None, "a 204 has no values");

        // The simulator opened both ENC fields with its WeChat Pay key (it answers 400 to a
        // field that is not a ciphertext under that key, or a serial that does not name it).
        let arrived = last_arrival(&sim);
        assert_eq!(arrived["method"], "PATCH");
        assert_eq!(arrived["target"], user_path(ORGANIZATION_ID, &out));
        assert_eq!(arrived["body"], changes, "{key_mode:?}");
        if key_mode == KeyMode::PublicKey {
            assert_eq!(arrived["wechatpay_serial"], public_key_id(&sim));
        }
        let user = sim.user(ORGANIZATION_ID, &out).unwrap();
        assert_eq!(user["user_name"], "张三");
        assert_eq!(user["student_info"]["class_name"], "四年级1班");
        assert_eq!(user["status"], "DISABLED");
    }
}

#[test]
fn terminate_contract_with_response_gives_the_204_and_its_request_id() {
    let sim = start_sim(KeyMode::PublicKey);
    let user = contracted_user(14);
    let answer = client_for(&sim)
        .terminate_contract_with_response(ENCODED_ORGANIZATION_ID, ENCODED_USER_ID)
        .unwrap();
    assert_eq!((answer.http_status(), answer.body()), (204, ""));
    assert!(!answer.request_id().is_empty());
    assert_eq!(answer.json(), None);
    assert_eq!(
        sim.user_state(ENCODED_ORGANIZATION_ID, ENCODED_USER_ID),
        Some(ContractState::Terminated)
    );
    let arrived = last_arrival(&sim);
    assert_eq!(
        arrived["target"],
        "/v3/offlinefacemch/organizations/ORG%3A1%2B2%40x/users/user-id/u~._-9/terminate-contract"
    );
    assert_eq!(arrived["body"], Value::Null);

    client_for(&sim)
        .terminate_contract_with_response(ORGANIZATION_ID, &user)
        .unwrap();
    assert_eq!(
        sim.user_state(ORGANIZATION_ID, &user),
        Some(ContractState::Terminated)
    );
}

#[test]
fn get_authinfo() {
    let sim = start_sim(KeyMode::PublicKey);
    let answer = client_for(&sim).get_authinfo(&authinfo_request()).unwrap();
    assert!(
        answer
            .pointer("/authinfo")
            .and_then(Value::as_str)
            .is_some_and(|a| !a.is_empty())
    );
    let arrived = last_arrival(&sim);
    assert_eq!(arrived["target"], "/v3/offlineface/authinfo");
    assert_eq!(arrived["body"], authinfo_request());
}

#[test]
fn presign_contract_sends_the_six_sensitive_fields_encrypted() {
    for key_mode in [KeyMode::PublicKey, KeyMode::Certificate] {
        let sim = start_sim(key_mode);
        let request = presign_request(&contracted_out_user(15));
        let answer = client_for(&sim).presign_contract(&request).unwrap();
        assert!(
            answer
                .pointer("/presign_token")
                .and_then(Value::as_str)
                .is_some_and(|t| !t.is_empty())
        );
        // The simulator refuses a presign whose ENC fields it cannot open; opened, the body is
        // the request as given.
        let arrived = last_arrival(&sim);
        assert_eq!(arrived["target"], "/v3/offlineface/contracts/presign");
        assert_eq!(arrived["body"], request, "{key_mode:?}");
        if key_mode == KeyMode::PublicKey {
            assert_eq!(arrived["wechatpay_serial"], public_key_id(&sim));
        }
    }
}

#[test]
fn query_contract_with_and_without_appid() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    let contract_id = contracted_contract_id(16);
    let contract = client
        .query_contract(&contract_id, Some("wxsp0000000001"))
        .unwrap();
    for (pointer, expected) in [
        ("/contract_id", json!(contract_id)),
        ("/mchid", sim.client_config()["mchid"].clone()),
        ("/organization_id", json!(ORGANIZATION_ID)),
        ("/use_id", json!(contracted_user(16))),
        ("/contract_state", json!("CONTRACTED")),
    ] {
        assert_eq!(contract.pointer(pointer), Some(&expected), "{pointer}");
    }
    assert_eq!(contract.pointer("/contract_terminated_time"), None);
    assert_eq!(
        last_arrival(&sim)["target"],
        format!("/v3/offlineface/contracts/{contract_id}?appid=wxsp0000000001")
    );

    let ended = client.query_contract(TERMINATED_CONTRACT_ID, None).unwrap();
    assert_eq!(ended.pointer("/contract_state"), Some(&json!("TERMINATED")));
    assert_eq!(ended.pointer("/use_id"), Some(&json!(TERMINATED_USER_ID)));
    assert!(
        ended
            .pointer("/contract_terminated_time")
            .is_some_and(Value::is_string)
    );
    assert_eq!(
        last_arrival(&sim)["target"],
        format!("/v3/offlineface/contracts/{TERMINATED_CONTRACT_ID}")
    );
}

#[test]
fn list_face_collections_pages_and_encodes_the_organization() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    let all = client
        .list_face_collections(ORGANIZATION_ID, 0, None)
        .unwrap();
    let ids: Vec<&str> = all
        .pointer("/face_collections")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|c| c["collection_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            COLLECTION_REQUIRED_ID,
            PHOTO_UPLOADED_COLLECTION_ID,
            COMPLETE_COLLECTION_ID
        ]
    );
    assert_eq!(
        all.pointer("/face_collections/2/collection_state"),
        Some(&json!("COMPLETE"))
    );
    assert_eq!(
        last_arrival(&sim)["target"],
        format!("/v3/offlineface/face-collections?organization_id={ORGANIZATION_ID}&offset=0")
    );

    let page = client
        .list_face_collections(ORGANIZATION_ID, 1, Some(1))
        .unwrap();
    assert_eq!(
        page.pointer("/face_collections"),
        Some(&json!([all.pointer("/face_collections/1").unwrap()]))
    );
    assert_eq!(
        last_arrival(&sim)["target"],
        format!(
            "/v3/offlineface/face-collections?organization_id={ORGANIZATION_ID}&offset=1&limit=1"
        )
    );

    // The simulator reads `+` in a query as a space: it finds this organization only if the
    // `+` arrived as %2B.
    let odd = client
        .list_face_collections(ENCODED_ORGANIZATION_ID, 0, None)
        .unwrap();
    assert!(
        odd.pointer("/face_collections")
            .is_some_and(Value::is_array)
    );
    assert_eq!(
        last_arrival(&sim)["target"],
        "/v3/offlineface/face-collections?organization_id=ORG%3A1%2B2%40x&offset=0"
    );
}

#[test]
fn query_face_collection_in_each_state() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    for (id, state) in [
        (COLLECTION_REQUIRED_ID, "COLLECTION_REQUIRED"),
        (PHOTO_UPLOADED_COLLECTION_ID, "PHOTO_UPLOADED"),
        (COMPLETE_COLLECTION_ID, "COMPLETE"),
    ] {
        let collection = client.query_face_collection(id).unwrap();
        assert_eq!(collection.pointer("/collection_id"), Some(&json!(id)));
        assert_eq!(collection.pointer("/collection_state"), Some(&json!(state)));
        assert_eq!(
            collection.pointer("/organization_id"),
            Some(&json!(ORGANIZATION_ID))
        );
        assert_eq!(
            last_arrival(&sim)["target"],
            format!("/v3/offlineface/face-collections/{id}")
        );
    }
}

#[test]
fn apply_deduction_then_query_it() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    // `:` and `+` need encoding in the path.
    let trade = "T:17+1";
    let request = deduction_request(17, trade);
    let applied = client.apply_deduction(&request).unwrap();
    for (pointer, expected) in [
        ("/trade_state", json!("SUCCESS")),
        ("/debt_state", json!("NO_DEBT")),
        ("/out_trade_no", json!(trade)),
        ("/amount", request["amount"].clone()),
        ("/sub_mchid", json!("1900000109")),
        ("/description", json!("午餐")),
    ] {
        assert_eq!(applied.pointer(pointer), Some(&expected), "{pointer}");
    }
    assert!(
        applied
            .pointer("/transaction_id")
            .is_some_and(Value::is_string)
    );
    let arrived = last_arrival(&sim);
    assert_eq!(arrived["target"], "/v3/offlineface/transactions");
    assert_eq!(arrived["body"], request);
    assert_eq!(sim.deduction(trade).as_ref(), applied.json());

    let found = client
        .query_deduction(trade, "1900000001", "1900000109", "2")
        .unwrap();
    assert_eq!(found.json(), applied.json());
    assert_eq!(
        last_arrival(&sim)["target"],
        "/v3/offlineface/transactions/out-trade-no/T%3A17%2B1?sp_mchid=1900000001&sub_mchid=1900000109&business_product_id=2"
    );
}

#[test]
fn query_deduction_encodes_every_reserved_byte_of_a_query_value() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    // The simulator keeps the sp_mchid a deduction was applied with and finds it only when
    // the query names the same one: `+`, `&`, `=`, `/`, `?`, `#`, `%` and a space must all
    // arrive percent-encoded.
    let sp_mchid = "19+0&0=0/0?1#0% 1";
    let mut request = deduction_request(18, "T-18");
    request["sp_mchid"] = json!(sp_mchid);
    let applied = client.apply_deduction(&request).unwrap();
    let found = client
        .query_deduction("T-18", sp_mchid, "1900000109", "2")
        .unwrap();
    assert_eq!(found.json(), applied.json());
    assert_eq!(
        last_arrival(&sim)["target"],
        "/v3/offlineface/transactions/out-trade-no/T-18?sp_mchid=19%2B0%260%3D0%2F0%3F1%230%25%201&sub_mchid=1900000109&business_product_id=2"
    );
}

#[test]
fn get_repayment_url_for_a_user_who_owes_money() {
    let sim = start_sim(KeyMode::PublicKey);
    let answer = client_for(&sim)
        .get_repayment_url(ORGANIZATION_ID, DEBT_OUT_USER_ID)
        .unwrap();
    assert!(
        answer
            .pointer("/repayment_url")
            .and_then(Value::as_str)
            .is_some_and(|url| url.starts_with("https://"))
    );
    assert!(answer.pointer("/expire_at").is_some_and(Value::is_string));
    let arrived = last_arrival(&sim);
    assert_eq!(arrived["target"], "/v3/offlineface/repayment-url");
    assert_eq!(
        arrived["body"],
        json!({"out_user_id": DEBT_OUT_USER_ID, "organization_id": ORGANIZATION_ID})
    );
}

// ---------------------------------------------------------------------------------------------
// Invalid arguments: refused, naming the field, and nothing sent
// ---------------------------------------------------------------------------------------------

/// `value` changed by `edit`.
fn edited(mut value: Value, edit: impl FnOnce(&mut Value)) -> Value {
    edit(&mut value);
    value
}

/// Removes the member `name` of the object at `pointer` in `value`.
fn remove(value: &mut Value, pointer: &str, name: &str) {
    let object = value.pointer_mut(pointer).and_then(Value::as_object_mut);
    object.expect("an object").remove(name);
}

/// Over the 256-byte limit of ids, query values and text arguments.
fn too_long() -> String {
    "x".repeat(257)
}

#[test]
fn invalid_arguments_name_the_field_and_send_nothing() {
    // Nothing reaches the simulator, so any well-formed ids do where a call needs them.
    const OUT: &str = PAYER_OUT_USER_ID;
    let authinfo = |edit: fn(&mut Value)| edited(authinfo_request(), edit);
    let presign = |edit: fn(&mut Value)| edited(presign_request(OUT), edit);
    let deduction = |edit: fn(&mut Value)| edited(deduction_request(19, "T-19"), edit);
    // (what the message starts with, the call), by operation
    let cases: Vec<(&str, Call)> = vec![
        (
            "query-organization: give exactly one of organization_id and organization_name",
            call(|c| c.query_organization(None, None)),
        ),
        (
            "query-organization: give exactly one of organization_id and organization_name",
            call(|c| c.query_organization(Some(ORGANIZATION_ID), Some(ORGANIZATION_NAME))),
        ),
        (
            "organization_id: must not be empty",
            call(|c| c.query_organization(Some(""), None)),
        ),
        (
            "organization_name: must not contain NUL",
            call(|c| c.query_organization(None, Some("南山\0中学"))),
        ),
        (
            "organization_name: is 257 bytes long (limit 256)",
            call(|c| c.query_organization(None, Some(&too_long()))),
        ),
        (
            "create-auth-token: organization_id must be 1 to 256 bytes (it is 0)",
            call(|c| c.create_auth_token("", OUT, None)),
        ),
        (
            "create-auth-token: out_user_id must be 1 to 256 bytes (it is 257)",
            call(|c| c.create_auth_token(ORGANIZATION_ID, &too_long(), None)),
        ),
        (
            "create-auth-token: scene must be 1 to 256 bytes (it is 0)",
            call(|c| c.create_auth_token(ORGANIZATION_ID, OUT, Some(""))),
        ),
        (
            "organization_id: character '/' at byte 1 is not allowed",
            call(|c| c.query_user("a/b", OUT)),
        ),
        (
            "out_user_id: \".\" is not allowed as a path segment",
            call(|c| c.query_user(ORGANIZATION_ID, ".")),
        ),
        (
            "update-user: the changes must hold at least one field",
            call(|c| c.update_user(ORGANIZATION_ID, OUT, &json!({}))),
        ),
        (
            "update-user: unknown field \"use_id\"",
            call(|c| c.update_user(ORGANIZATION_ID, OUT, &json!({"use_id": "U1"}))),
        ),
        (
            "update-user: user_name must be a string",
            call(|c| c.update_user(ORGANIZATION_ID, OUT, &json!({"user_name": 7}))),
        ),
        (
            "update-user: student_info.class_name must be a string",
            call(|c| {
                let changes = json!({"student_info": {"class_name": 3}});
                c.update_user(ORGANIZATION_ID, OUT, &changes)
            }),
        ),
        (
            "update-user: the argument must be one JSON object",
            call(|c| c.update_user(ORGANIZATION_ID, OUT, &json!(["user_name"]))),
        ),
        (
            "update-user: /phone: 215 bytes is too long to encrypt with the WeChat Pay key",
            call(|c| c.update_user(ORGANIZATION_ID, OUT, &json!({"phone": "7".repeat(215)}))),
        ),
        (
            "out_user_id: byte 1 is 0x20: only printable ASCII (0x21-0x7E) is allowed",
            call(|c| c.update_user(ORGANIZATION_ID, "S 1", &json!({"status": "NORMAL"}))),
        ),
        (
            "user_id: must not be empty",
            call(|c| c.terminate_contract_with_response(ORGANIZATION_ID, "")),
        ),
        (
            "organization_id: character '%' at byte 2 is not allowed",
            call(|c| c.terminate_contract_with_response("50%", TERMINATED_USER_ID)),
        ),
        (
            "get-authinfo: sp_appid is required",
            call(move |c| c.get_authinfo(&authinfo(|r| remove(r, "", "sp_appid")))),
        ),
        (
            "get-authinfo: unknown field \"user_id\"",
            call(move |c| c.get_authinfo(&authinfo(|r| r["user_id"] = json!("U1")))),
        ),
        (
            "get-authinfo: device_id must be a string",
            call(move |c| c.get_authinfo(&authinfo(|r| r["device_id"] = json!(1)))),
        ),
        (
            "presign-contract: facepay_user.out_user_id is required",
            call(move |c| {
                c.presign_contract(&presign(|r| remove(r, "/facepay_user", "out_user_id")))
            }),
        ),
        (
            "presign-contract: facepay_user.identification.identification_number must be",
            call(move |c| {
                c.presign_contract(&presign(|r| {
                    r["facepay_user"]["identification"]["identification_number"] = json!(110101)
                }))
            }),
        ),
        (
            "presign-contract: unknown field \"use_id\"",
            call(move |c| c.presign_contract(&presign(|r| r["use_id"] = json!("U1")))),
        ),
        (
            "contract_id: must not be empty",
            call(|c| c.query_contract("", None)),
        ),
        (
            "appid: must not be empty",
            call(|c| c.query_contract(TERMINATED_CONTRACT_ID, Some(""))),
        ),
        (
            "organization_id: must not be empty",
            call(|c| c.list_face_collections("", 0, Some(10))),
        ),
        (
            "collection_id: character '#' at byte 2 is not allowed",
            call(|c| c.query_face_collection("FC#1")),
        ),
        (
            "apply-deduction: amount.total is required",
            call(move |c| c.apply_deduction(&deduction(|r| remove(r, "/amount", "total")))),
        ),
        (
            "apply-deduction: amount.total must be an integer",
            call(move |c| c.apply_deduction(&deduction(|r| r["amount"]["total"] = json!(12.5)))),
        ),
        (
            "apply-deduction: business.business_product_id must be an integer",
            call(move |c| {
                c.apply_deduction(&deduction(|r| {
                    r["business"]["business_product_id"] = json!("2")
                }))
            }),
        ),
        (
            "apply-deduction: settle_info.profit_sharing must be true or false",
            call(move |c| {
                c.apply_deduction(&deduction(|r| {
                    r["settle_info"]["profit_sharing"] = json!("no")
                }))
            }),
        ),
        (
            "apply-deduction: unknown field \"user_id\"",
            call(move |c| c.apply_deduction(&deduction(|r| r["user_id"] = json!("U1")))),
        ),
        (
            "out_trade_no: character '/' at byte 1 is not allowed",
            call(|c| c.query_deduction("T/1", "1900000001", "1900000109", "2")),
        ),
        (
            "sp_mchid: must not be empty",
            call(|c| c.query_deduction("T-1", "", "1900000109", "2")),
        ),
        (
            "sub_mchid: must not contain NUL",
            call(|c| c.query_deduction("T-1", "1900000001", "19\0", "2")),
        ),
        (
            "business_product_id: is 257 bytes long (limit 256)",
            call(|c| c.query_deduction("T-1", "1900000001", "1900000109", &too_long())),
        ),
        (
            "get-repayment-url: organization_id must be 1 to 256 bytes (it is 0)",
            call(|c| c.get_repayment_url("", DEBT_OUT_USER_ID)),
        ),
        (
            "get-repayment-url: out_user_id must be 1 to 256 bytes (it is 257)",
            call(|c| c.get_repayment_url(ORGANIZATION_ID, &too_long())),
        ),
    ];
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    for (says, call) in &cases {
        let error = expect_error(call(&client), ErrorKind::InvalidArgument);
        assert!(error.message().starts_with(says), "{says}: {error}");
        assert!(!error.request_sent(), "{says}");
        assert_eq!(error.http_status(), 0);
    }
    let stats = sim.stats();
    assert_eq!(stats.requests_total, 0, "{:?}", stats.requests_per_path);
    assert_eq!(stats.connections_accepted, 0);
    assert!(sim.requests().is_empty());
}

/// A generic call: method, target, body, encrypt pointers, and what the message starts with.
type GenericCase<'a> = (&'a str, &'a str, Option<&'a str>, &'a [&'a str], &'a str);

#[test]
fn invalid_generic_calls_send_nothing() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    let user = user_path(ORGANIZATION_ID, &contracted_out_user(20));
    let long = format!("/v3/{}", "a".repeat(4093));
    let body = r#"{"user_name":"张三","status":"NORMAL"}"#;
    let cases: [GenericCase; 11] = [
        (
            "get",
            "/v3/offlineface/authinfo",
            None,
            &[],
            "request: method must be GET, POST, PUT, PATCH or DELETE",
        ),
        (
            "HEAD",
            "/v3/offlineface/authinfo",
            None,
            &[],
            "request: method must be GET, POST, PUT, PATCH or DELETE",
        ),
        (
            "GET",
            "/v2/offlineface/authinfo",
            None,
            &[],
            "request: target must start with /v3/",
        ),
        (
            "GET",
            "/v3/offlinefacemch/organizations?organization_name=南山",
            None,
            &[],
            "request: target byte 51 is not printable ASCII",
        ),
        (
            "GET",
            "/v3/x y",
            None,
            &[],
            "request: target byte 5 is not printable ASCII",
        ),
        (
            "GET",
            "/v3/x#y",
            None,
            &[],
            "request: target must not contain '#'",
        ),
        (
            "GET",
            "/v3/offlineface/../v3/x",
            None,
            &[],
            "request: target must not have a . or .. segment",
        ),
        (
            "GET",
            &long,
            None,
            &[],
            "request: target is longer than 4096 bytes",
        ),
        (
            "PATCH",
            &user,
            Some("{\"user_name\":"),
            &[],
            "body_json is not valid JSON",
        ),
        (
            "PATCH",
            &user,
            Some(body),
            &["/phone"],
            "request: the encrypt pointer /phone names no string in the body",
        ),
        (
            "POST",
            "/v3/offlineface/authinfo",
            None,
            &["/phone"],
            "request: encrypt pointers were given for a call without a body",
        ),
    ];
    for (method, target, body, encrypt, says) in cases {
        let error = expect_error(
            client.request(method, target, body, encrypt),
            ErrorKind::InvalidArgument,
        );
        assert!(
            error.message().starts_with(says),
            "{method} {target}: {error}"
        );
        assert!(!error.request_sent());
    }
    let not_a_string = expect_error(
        client.request("PATCH", &user, Some(r#"{"status":1}"#), &["/status"]),
        ErrorKind::InvalidArgument,
    );
    assert_eq!(
        not_a_string.message(),
        "request: /status must be a string to be encrypted"
    );
    assert_eq!(sim.stats().requests_total, 0);
    assert!(sim.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Answers that are not the documented success
// ---------------------------------------------------------------------------------------------

#[test]
fn each_operation_reports_the_api_error_it_gets() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    let solvent = contracted_out_user(21);
    let mut unknown_payer = deduction_request(21, "T-21");
    unknown_payer["auth_code"] = json!(INVALID_AUTH_CODE);
    let mut unknown_organization = authinfo_request();
    unknown_organization["organization_id"] = json!(UNKNOWN_ORGANIZATION_ID);
    // (what is refused, the call, HTTP status, code)
    let cases: Vec<(&str, Call, u16, &str)> = vec![
        (
            "query_organization",
            call(|c| c.query_organization(Some(UNKNOWN_ORGANIZATION_ID), None)),
            404,
            "NOT_FOUND",
        ),
        (
            "create_auth_token",
            call(|c| c.create_auth_token(ORGANIZATION_ID, UNKNOWN_OUT_USER_ID, None)),
            404,
            "NOT_FOUND",
        ),
        (
            "query_user",
            call(|c| c.query_user(ORGANIZATION_ID, UNKNOWN_OUT_USER_ID)),
            404,
            "NOT_FOUND",
        ),
        (
            "update_user",
            call(|c| {
                c.update_user(
                    ORGANIZATION_ID,
                    UNKNOWN_OUT_USER_ID,
                    &json!({"status": "NORMAL"}),
                )
            }),
            404,
            "NOT_FOUND",
        ),
        (
            "terminate_contract_with_response",
            call(|c| c.terminate_contract_with_response(ORGANIZATION_ID, TERMINATED_USER_ID)),
            400,
            "PARAM_ERROR",
        ),
        (
            "get_authinfo",
            call(move |c| c.get_authinfo(&unknown_organization)),
            404,
            "NOT_FOUND",
        ),
        (
            "presign_contract",
            call(|c| c.presign_contract(&presign_request(UNKNOWN_OUT_USER_ID))),
            404,
            "NOT_FOUND",
        ),
        (
            "query_contract",
            call(|c| c.query_contract("CT8888888888", None)),
            404,
            "NOT_FOUND",
        ),
        (
            "list_face_collections",
            call(|c| c.list_face_collections(UNKNOWN_ORGANIZATION_ID, 0, None)),
            404,
            "NOT_FOUND",
        ),
        (
            "query_face_collection",
            call(|c| c.query_face_collection(UNKNOWN_COLLECTION_ID)),
            404,
            "NOT_FOUND",
        ),
        (
            "apply_deduction",
            call(move |c| c.apply_deduction(&unknown_payer)),
            400,
            "INVALID_REQUEST",
        ),
        (
            "query_deduction",
            call(|c| c.query_deduction("T-none", "1900000001", "1900000109", "2")),
            404,
            "NOT_FOUND",
        ),
        (
            "get_repayment_url",
            call(move |c| c.get_repayment_url(ORGANIZATION_ID, &solvent)),
            404,
            "NOT_FOUND",
        ),
        (
            "request",
            call(|c| c.request("GET", "/v3/offlineface/no-such-api", None, &[])),
            404,
            "NOT_FOUND",
        ),
    ];
    for (name, call, status, code) in &cases {
        let before = sim.stats().requests_total;
        let error = expect_error(call(&client), ErrorKind::Api);
        assert_eq!(
            (error.http_status(), error.api_code()),
            (*status, *code),
            "{name}: {error}"
        );
        assert!(error.request_sent(), "{name}");
        assert!(!error.request_id().is_empty(), "{name}");
        assert!(
            error
                .message()
                .starts_with(&format!("WeChat Pay answered {status} {code}: ")),
            "{name}: {error}"
        );
        assert_eq!(sim.stats().requests_total, before + 1, "{name}: sent once");
    }
    assert_eq!(sim.stats().deductions_recorded, 0);
}

#[test]
fn a_huge_error_answer_gives_bounded_text_in_every_family() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    // One operation of each family: users, contracts, face re-collections, deductions, generic.
    let families: Vec<(&str, Call)> = vec![
        (
            "query_user",
            call(|c| c.query_user(ORGANIZATION_ID, &contracted_out_user(22))),
        ),
        (
            "presign_contract",
            call(|c| c.presign_contract(&presign_request(&contracted_out_user(22)))),
        ),
        (
            "list_face_collections",
            call(|c| c.list_face_collections(ORGANIZATION_ID, 0, None)),
        ),
        (
            "apply_deduction",
            call(|c| c.apply_deduction(&deduction_request(22, "T-22"))),
        ),
        (
            "request",
            call(|c| c.request("GET", "/v3/offlineface/face-collections/FC1", None, &[])),
        ),
    ];
    for (name, call) in &families {
        sim.set_fault(Fault::OversizedError(64 << 10), Some(1));
        let error = expect_error(call(&client), ErrorKind::Api);
        assert_eq!(
            (error.http_status(), error.api_code()),
            (500, "SYSTEM_ERROR"),
            "{name}"
        );
        assert!(error.request_sent(), "{name}");
        assert!(
            error.message().len() <= 1024,
            "{name}: {} bytes",
            error.message().len()
        );
        assert!(error.message().ends_with('…'), "{name}: {error}");
        assert!(
            error
                .message()
                .starts_with("WeChat Pay answered 500 SYSTEM_ERROR: xxx"),
            "{name}"
        );
        assert!(!error.message().contains(['\n', '\r']), "{name}");
    }
    assert_eq!(sim.deduction("T-22"), None, "a fault replaces processing");
}

#[test]
fn every_answer_must_verify() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    for (name, call, _) in every_operation(23) {
        for fault in [Fault::BadSignature, Fault::UnknownSerial] {
            sim.set_fault(fault.clone(), Some(1));
            let error = expect_error(call(&client), ErrorKind::Signature);
            assert!(error.request_sent(), "{name} {fault}");
            assert!(!error.request_id().is_empty(), "{name} {fault}");
        }
        // Without the fault the same call succeeds: only the signature was wrong.
        call(&client).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn every_operation_accepts_only_its_documented_success() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    for (name, call, no_content) in every_operation(25) {
        // A validly signed answer of the other kind: a 204 where data is documented, a 200
        // JSON object where 204 is documented.
        let (fault, status) = match no_content {
            true => (Fault::OversizedBody(64), 200),
            false => (
                Fault::Status {
                    status: 204,
                    html: false,
                },
                204,
            ),
        };
        sim.set_fault(fault, Some(1));
        let error = expect_error(call(&client), ErrorKind::Response);
        assert_eq!(error.http_status(), status, "{name}");
        assert!(error.request_sent(), "{name}");
        assert!(
            error
                .message()
                .contains(&format!("answered {status} with a")),
            "{name}: {error}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The generic signed call
// ---------------------------------------------------------------------------------------------

#[test]
fn request_get_with_an_encoded_query() {
    let sim = start_sim(KeyMode::PublicKey);
    let target = format!(
        "/v3/offlinefacemch/organizations?organization_name={}",
        every_byte_encoded(ORGANIZATION_NAME)
    );
    let answer = client_for(&sim).request("GET", &target, None, &[]).unwrap();
    assert_eq!(answer.http_status(), 200);
    assert!(!answer.request_id().is_empty());
    assert_eq!(
        answer.pointer("/organization_id"),
        Some(&json!(ORGANIZATION_ID))
    );
    assert_eq!(
        serde_json::from_str::<Value>(answer.body()).ok().as_ref(),
        answer.json()
    );
    let arrived = last_arrival(&sim);
    assert_eq!(
        (arrived["method"].as_str(), arrived["target"].as_str()),
        (Some("GET"), Some(target.as_str()))
    );
}

#[test]
fn request_post_sends_the_body_byte_for_byte() {
    // Odd spacing and key order: a body serialised again would differ.
    let body = format!(
        "{{ \"out_user_id\" :\"{DEBT_OUT_USER_ID}\",\n  \"organization_id\":\"{ORGANIZATION_ID}\" }}"
    );
    let sim = start_sim(KeyMode::PublicKey);

    // The simulator verifies the signature over the bytes it received, and answers.
    let answer = client_for(&sim)
        .request("POST", "/v3/offlineface/repayment-url", Some(&body), &[])
        .unwrap();
    assert!(
        answer
            .pointer("/repayment_url")
            .is_some_and(Value::is_string)
    );

    // A loopback server shows the bytes on the wire.
    let (url, server) = tls_server(
        &sim,
        rustls::ALL_VERSIONS,
        vec![Reply::Response(response(
            "500 Internal Server Error",
            "",
            b"{\"code\":\"SYSTEM_ERROR\"}",
        ))],
    );
    let client = client_with(&sim, |c| {
        c.insert("base_url".into(), Value::from(url));
    });
    let error = expect_error(
        client.request("POST", "/v3/offlineface/repayment-url", Some(&body), &[]),
        ErrorKind::Api,
    );
    assert_eq!(error.http_status(), 500);
    let seen = server.join().unwrap();
    assert!(
        seen[0]
            .request_head
            .starts_with("POST /v3/offlineface/repayment-url HTTP/1.1\r\n")
    );
    assert_eq!(seen[0].request_body, body.as_bytes());
}

#[test]
fn request_encrypts_the_fields_its_pointers_name() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    let out = contracted_out_user(26);
    let target = user_path(ORGANIZATION_ID, &out);
    let body = r#"{"user_name":"王小明","phone":"13700137000","status":"NORMAL"}"#;

    // Without the pointers the plain text goes out as given, and the simulator refuses it.
    let refused = expect_error(
        client.request("PATCH", &target, Some(body), &[]),
        ErrorKind::Api,
    );
    assert_eq!(
        (refused.http_status(), refused.api_code()),
        (400, "PARAM_ERROR")
    );
    assert!(
        refused
            .message()
            .contains("is not encrypted with the WeChat Pay key"),
        "{refused}"
    );

    let answer = client
        .request("PATCH", &target, Some(body), &["/user_name", "/phone"])
        .unwrap();
    assert_eq!(
        (answer.http_status(), answer.body(), answer.json()),
        (204, "", None)
    );
    let arrived = last_arrival(&sim);
    assert_eq!(
        arrived["body"],
        serde_json::from_str::<Value>(body).unwrap()
    );
    assert_eq!(arrived["wechatpay_serial"], public_key_id(&sim));
    assert_eq!(
        sim.user(ORGANIZATION_ID, &out).unwrap()["user_name"],
        "王小明"
    );
}

// ---------------------------------------------------------------------------------------------
// Money moves once
// ---------------------------------------------------------------------------------------------

#[test]
fn apply_deduction_is_never_repeated_by_the_library() {
    let sim = start_sim(KeyMode::PublicKey);
    // The backup is the same simulator: a failover would show as a second arrival.
    let client = client_with(&sim, |c| {
        c.insert("backup_base_url".into(), Value::from(sim.base_url()));
    });
    let request = deduction_request(27, "T-27");

    for fault in [
        Fault::DropConnection,
        Fault::TruncatedBody,
        Fault::Status {
            status: 503,
            html: false,
        },
    ] {
        sim.reset_stats();
        sim.set_fault(fault.clone(), Some(1));
        let error = client
            .apply_deduction(&request)
            .expect_err("the fault fails the call");
        assert!(error.request_sent(), "{fault}: {error}");
        let arrivals = sim.requests();
        assert_eq!(arrivals.len(), 1, "{fault}: sent once");
        assert_eq!(arrivals[0]["body"], request);
        assert_eq!(
            sim.deduction("T-27"),
            None,
            "{fault}: a fault replaces processing"
        );
    }

    // Trying again with the same out_trade_no is the caller's decision; WeChat Pay records the
    // deduction once, and answers a repeat with the record.
    sim.reset_stats();
    let first = client.apply_deduction(&request).unwrap();
    let again = client.apply_deduction(&request).unwrap();
    assert_eq!(again.json(), first.json());
    let stats = sim.stats();
    assert_eq!(
        (
            stats.requests_total,
            stats.deductions_recorded,
            stats.deductions_repeated
        ),
        (2, 1, 1)
    );
}
