//! Hostile input: property tests (proptest) over the parsers that see untrusted input — the
//! configuration document, path ids, a response's signature headers, error bodies — and over
//! every exported C function fed NULLs, empty strings, invalid UTF-8, 1 MiB strings and
//! random bytes. Nothing may panic or crash, and every call gives the documented status.
//!
//! The parsers are reached through `wxface::fuzzing::entry`, the same functions the cargo-fuzz
//! targets in `fuzz/` call; `committed_fuzz_corpus_passes` runs the committed corpus
//! (`fuzz/corpus/<target>/`) through them, so CI covers the fuzzers' findings without nightly.
//!
//! Case counts are fixed per group below (proptest's own `PROPTEST_CASES` does not change
//! them); `WXFACE_PROPTEST_CASES=N` sets them all to N, e.g. for a long local run.

use std::ffi::{CStr, CString, c_char};
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{Value, json};
use wxface::ffi::*;
use wxface::fuzzing::{Config, ResponseKeys, entry};

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("WXFACE_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn vectors() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| {
        let text = std::fs::read_to_string(vectors_dir().join("apiv3-signing.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    })
}

/// The verification key of the signing vectors.
fn response_keys() -> &'static ResponseKeys {
    static KEYS: OnceLock<ResponseKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pem = std::fs::read(vectors_dir().join("wechatpay_test_public_key.pem")).unwrap();
        let id = vectors()["wechatpay"]["public_key_id"].as_str().unwrap();
        ResponseKeys::public_key(id, &pem).unwrap()
    })
}

// ---------------------------------------------------------------------------------------------
// Configuration document
// ---------------------------------------------------------------------------------------------

const CONFIG_KEYS: &[&str] = &[
    "mchid",
    "merchant_serial_no",
    "private_key_pem",
    "private_key_file",
    "wechatpay_public_key_id",
    "wechatpay_public_key_pem",
    "wechatpay_public_key_file",
    "platform_certificates_pem",
    "platform_certificate_files",
    "base_url",
    "backup_base_url",
    "root_ca_pem",
    "root_ca_file",
    "connect_timeout_ms",
    "request_timeout_ms",
    "proxy",
];

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::from),
        Just(Value::from("https://127.0.0.1:1")),
        Just(Value::from(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        )),
        Just(Value::from("/nonexistent/key.pem")),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Objects whose keys are mostly the real ones, with values of any type.
fn config_document() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        4 => prop::sample::select(CONFIG_KEYS).prop_map(str::to_owned),
        1 => ".{0,12}",
    ];
    prop::collection::btree_map(key, json_value(), 0..10)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn config_parser_survives_random_bytes(data in prop::collection::vec(any::<u8>(), 0..512)) {
        entry::config_json(&data);
    }

    #[test]
    fn config_parser_survives_random_documents(doc in config_document()) {
        entry::config_json(doc.to_string().as_bytes());
    }

    #[test]
    fn config_errors_never_quote_a_private_key(body in "[A-Za-z0-9+/]{64}") {
        // Whatever makes the document fail, the PEM body of the key is not in the message.
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
        let doc = json!({"mchid": "1900000001", "merchant_serial_no": "AB", "private_key_pem": pem});
        let error = Config::from_json(&doc.to_string()).unwrap_err();
        prop_assert!(!error.message().contains(&body), "{}", error.message());
        let debug = format!("{:?}", error);
        prop_assert!(!debug.contains(&body));
    }
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn url_ports_are_accepted_exactly_from_1_to_65535(port in 0u64..200_000, setting in 0usize..3) {
        let mut config = Config::new();
        let result = match setting {
            0 => config.set_base_url(&format!("https://127.0.0.1:{port}")),
            1 => config.set_backup_base_url(&format!("https://h.example:{port}/")),
            _ => config.set_proxy(&format!("http://user:pw@[::1]:{port}")),
        };
        prop_assert_eq!(result.is_ok(), (1..=65535).contains(&port), "{:?}", result);
        if let Err(error) = result {
            prop_assert!(error.message().contains("port"), "{}", error.message());
            prop_assert!(!error.message().contains("pw"), "{}", error.message());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Path ids
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(cases(1024))]

    #[test]
    fn path_ids_are_accepted_exactly_by_the_contract(id in ".{0,300}") {
        entry::path_id(id.as_bytes());
    }

    #[test]
    fn printable_path_ids_round_trip(id in "[!-~]{0,260}") {
        entry::path_id(id.as_bytes());
    }

    #[test]
    fn path_ids_from_random_bytes(id in prop::collection::vec(any::<u8>(), 0..300)) {
        entry::path_id(&id);
    }
}

// ---------------------------------------------------------------------------------------------
// Response signature headers
// ---------------------------------------------------------------------------------------------

/// The valid 204 vector: its headers and the time it was signed.
fn valid_response() -> (Vec<(String, String)>, Vec<u8>, i64) {
    let response = &vectors()["responses"][0];
    assert!(response["valid"].as_bool().unwrap());
    let headers: Vec<(String, String)> = response["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let sent_at = response["headers"]["Wechatpay-Timestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    (
        headers,
        response["body"].as_str().unwrap().as_bytes().to_vec(),
        sent_at,
    )
}

fn verify(headers: &[(String, String)], body: &[u8], now: i64) -> Result<(), wxface::Error> {
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    wxface::fuzzing::verify_response(response_keys(), &pairs, body, now)
}

const SIGNED_HEADERS: [&str; 4] = [
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
];

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn random_answers_never_verify(data in prop::collection::vec(any::<u8>(), 0..600)) {
        prop_assert!(entry::response(response_keys(), &data).is_err());
    }

    #[test]
    fn header_names_are_case_insensitive(flips in prop::collection::vec(any::<bool>(), 64), skew in -300i64..=300) {
        let (mut headers, body, sent_at) = valid_response();
        for (name, _) in &mut headers {
            *name = name
                .chars()
                .zip(flips.iter().cycle())
                .map(|(c, flip)| if *flip { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                .collect();
        }
        prop_assert!(verify(&headers, &body, sent_at + skew).is_ok());
    }

    #[test]
    fn any_change_to_a_signed_part_is_refused(
        which in 0..SIGNED_HEADERS.len() + 1,
        position in any::<prop::sample::Index>(),
        replacement in 0x20u8..0x7F,
    ) {
        let (mut headers, mut body, sent_at) = valid_response();
        if which == SIGNED_HEADERS.len() {
            // The body: insert a byte (the vector's body is empty).
            body.insert(position.index(body.len() + 1), replacement);
        } else {
            let value = &mut headers
                .iter_mut()
                .find(|(k, _)| k == SIGNED_HEADERS[which])
                .unwrap()
                .1;
            let mut bytes = value.clone().into_bytes();
            let at = position.index(bytes.len());
            // A different printable byte by construction (no rejected cases at any count).
            bytes[at] = if bytes[at] == replacement { 0x20 + (replacement - 0x20 + 1) % 0x5F } else { replacement };
            *value = String::from_utf8(bytes).unwrap();
        }
        let error = verify(&headers, &body, sent_at).unwrap_err();
        prop_assert_eq!(error.kind(), wxface::ErrorKind::Signature);
    }

    #[test]
    fn the_clock_window_is_300_seconds_either_way(skew in -2000i64..2000) {
        let (headers, body, sent_at) = valid_response();
        let result = verify(&headers, &body, sent_at + skew);
        prop_assert_eq!(result.is_ok(), skew.abs() <= 300, "skew {}: {:?}", skew, result);
    }
}

// ---------------------------------------------------------------------------------------------
// Error bodies
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn error_bodies_from_random_bytes(data in prop::collection::vec(any::<u8>(), 0..600)) {
        entry::api_error_body(&data);
    }

    #[test]
    fn error_bodies_from_random_json(status in 0u8..=255, code in json_value(), message in json_value(), detail in json_value()) {
        let body = json!({"code": code, "message": message, "detail": detail}).to_string();
        let mut data = vec![status];
        data.extend_from_slice(body.as_bytes());
        entry::api_error_body(&data);
    }

    #[test]
    fn error_fields_come_from_the_body(status in 400u16..600, code in "[A-Z_]{1,20}", message in ".{0,60}") {
        let body = json!({"code": code, "message": message, "detail": {"field": "x"}}).to_string();
        let error = wxface::fuzzing::api_error(status, &[("request-id", "R-1")], body.as_bytes());
        prop_assert_eq!(error.http_status(), status);
        prop_assert_eq!(error.api_code(), code.as_str());
        prop_assert_eq!(error.request_id(), "R-1");
        prop_assert_eq!(error.detail_json(), r#"{"field":"x"}"#);
    }
}

// ---------------------------------------------------------------------------------------------
// Committed fuzz corpus
// ---------------------------------------------------------------------------------------------

#[test]
fn committed_fuzz_corpus_passes() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut ran = Vec::new();
    for target in ["config_json", "path_id", "response", "api_error_body"] {
        let dir = corpus.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(
            files.len() >= 5,
            "{}: only {} inputs",
            dir.display(),
            files.len()
        );
        for file in &files {
            let data = std::fs::read(file).unwrap();
            let name = file.file_name().unwrap().to_string_lossy();
            match target {
                "config_json" => entry::config_json(&data),
                "path_id" => entry::path_id(&data),
                "api_error_body" => entry::api_error_body(&data),
                _ => {
                    // Inputs named valid-* are genuinely signed responses; all others must fail.
                    let result = entry::response(response_keys(), &data);
                    assert_eq!(
                        result.is_ok(),
                        name.starts_with("valid-"),
                        "{name}: {result:?}"
                    );
                }
            }
        }
        ran.push(format!("{target}: {}", files.len()));
    }
    eprintln!("fuzz corpus inputs run: {}", ran.join(", "));
}

// ---------------------------------------------------------------------------------------------
// The C functions
// ---------------------------------------------------------------------------------------------

/// One C string argument.
#[derive(Debug, Clone)]
enum CArg {
    Null,
    /// These bytes (NULs removed), NUL-terminated: empty, invalid UTF-8, random, …
    Bytes(Vec<u8>),
    /// 1 MiB of printable ASCII.
    Huge,
}

fn huge() -> &'static CString {
    static HUGE: OnceLock<CString> = OnceLock::new();
    HUGE.get_or_init(|| {
        let bytes: Vec<u8> = (0..1usize << 20).map(|i| b'!' + (i % 94) as u8).collect();
        CString::new(bytes).unwrap()
    })
}

impl CArg {
    fn c_string(&self) -> Option<CString> {
        match self {
            CArg::Null => None,
            CArg::Bytes(b) => Some(
                CString::new(b.iter().copied().filter(|&c| c != 0).collect::<Vec<_>>()).unwrap(),
            ),
            CArg::Huge => Some(huge().clone()),
        }
    }

    /// The text the library sees, or None when it must refuse the argument (NULL, not UTF-8).
    fn text(&self) -> Option<String> {
        self.c_string().and_then(|c| c.into_string().ok())
    }
}

fn c_arg() -> impl Strategy<Value = CArg> {
    prop_oneof![
        1 => Just(CArg::Null),
        1 => Just(CArg::Bytes(Vec::new())),
        1 => Just(CArg::Huge),
        2 => prop::collection::vec(any::<u8>(), 1..64).prop_map(CArg::Bytes),
        // Invalid UTF-8: a lone continuation byte or a truncated sequence inside text.
        1 => (".{0,10}", prop::sample::select(vec![&b"\x80"[..], b"\xC3", b"\xED\xA0\x80", b"\xFF"]))
            .prop_map(|(s, bad)| CArg::Bytes([s.as_bytes(), bad].concat())),
        2 => "[!-~]{1,40}".prop_map(|s| CArg::Bytes(s.into_bytes())),
        1 => "https://[a-z0-9.]{1,12}(:[0-9]{1,5})?/?".prop_map(|s| CArg::Bytes(s.into_bytes())),
        1 => "http://[a-z0-9.]{1,12}:[0-9]{1,5}".prop_map(|s| CArg::Bytes(s.into_bytes())),
    ]
}

/// A `(ptr, len)` byte argument: NULL (with any length) or some bytes.
#[derive(Debug, Clone)]
enum Bytes {
    Null(usize),
    Some(Vec<u8>),
}

fn bytes_arg() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        1 => (0usize..5000).prop_map(Bytes::Null),
        1 => Just(Bytes::Some(Vec::new())),
        3 => prop::collection::vec(any::<u8>(), 1..256).prop_map(Bytes::Some),
        1 => "-----BEGIN (PRIVATE KEY|PUBLIC KEY|CERTIFICATE|RSA PRIVATE KEY)-----\n[A-Za-z0-9+/=\n]{0,200}\n-----END X-----\n"
            .prop_map(|s| Bytes::Some(s.into_bytes())),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    SetMerchant(CArg, CArg),
    SetPrivateKeyPem(Bytes),
    SetPrivateKeyFile(CArg),
    AddPublicKeyPem(CArg, Bytes),
    AddPlatformCertificatePem(Bytes),
    SetBaseUrl(CArg),
    SetBackupBaseUrl(CArg),
    AddRootCaPem(Bytes),
    SetTimeouts(u32, u32),
    SetProxy(CArg),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (c_arg(), c_arg()).prop_map(|(a, b)| Op::SetMerchant(a, b)),
        bytes_arg().prop_map(Op::SetPrivateKeyPem),
        c_arg().prop_map(Op::SetPrivateKeyFile),
        (c_arg(), bytes_arg()).prop_map(|(a, b)| Op::AddPublicKeyPem(a, b)),
        bytes_arg().prop_map(Op::AddPlatformCertificatePem),
        c_arg().prop_map(Op::SetBaseUrl),
        c_arg().prop_map(Op::SetBackupBaseUrl),
        bytes_arg().prop_map(Op::AddRootCaPem),
        (
            prop_oneof![Just(0u32), any::<u32>()],
            prop_oneof![Just(0u32), any::<u32>()]
        )
            .prop_map(|(a, b)| Op::SetTimeouts(a, b)),
        c_arg().prop_map(Op::SetProxy),
    ]
}

const OK: u32 = WXFACE_OK;
const INVALID: u32 = WXFACE_ERR_INVALID_ARGUMENT;
const CONFIG: u32 = WXFACE_ERR_CONFIG;

/// Pointer for a C string argument (NULL for `CArg::Null`); `keep` holds the storage.
fn c_ptr(arg: &CArg, keep: &mut Vec<CString>) -> *const c_char {
    match arg.c_string() {
        None => ptr::null(),
        Some(c) => {
            keep.push(c);
            keep.last().unwrap().as_ptr()
        }
    }
}

fn b_ptr(arg: &Bytes) -> (*const u8, usize) {
    match arg {
        Bytes::Null(len) => (ptr::null(), *len),
        Bytes::Some(b) => (b.as_ptr(), b.len()),
    }
}

/// Checks the `*err` protocol for one call and returns the status.
fn check_err_protocol(
    status: wxface_status,
    err: *mut wxface_error,
    with_err: bool,
) -> wxface_status {
    if !with_err || status == WXFACE_OK {
        assert!(
            err.is_null(),
            "*err written on success or when err was NULL"
        );
        return status;
    }
    assert!(!err.is_null(), "status {status} without an error object");
    // SAFETY: a live error object from the library.
    unsafe {
        assert_eq!(wxface_error_status(err), status);
        let message = CStr::from_ptr(wxface_error_message(err))
            .to_str()
            .expect("UTF-8 message");
        assert!(
            !message.is_empty() && !message.contains('\n'),
            "{message:?}"
        );
        for s in [
            wxface_error_api_code(err),
            wxface_error_request_id(err),
            wxface_error_detail_json(err),
        ] {
            assert!(!s.is_null());
            CStr::from_ptr(s).to_str().expect("UTF-8");
        }
        wxface_error_free(err);
    }
    status
}

/// Applies one setter; returns its status after checking it is the documented one.
fn apply(builder: *mut wxface_client_builder, op: &Op, with_err: bool) -> wxface_status {
    let mut keep = Vec::new();
    let mut err: *mut wxface_error = ptr::null_mut();
    let err_arg: *mut *mut wxface_error = if with_err { &mut err } else { ptr::null_mut() };
    let null_builder = builder.is_null();
    // SAFETY: every pointer is NULL or valid for the call; the builder is live or NULL.
    let (status, allowed): (wxface_status, Vec<wxface_status>) = unsafe {
        match op {
            Op::SetMerchant(a, b) => {
                let (pa, pb) = (c_ptr(a, &mut keep), c_ptr(b, &mut keep));
                let s = wxface_client_builder_set_merchant(builder, pa, pb, err_arg);
                let want = match (a.text(), b.text()) {
                    (Some(m), Some(sn)) if !null_builder => {
                        let mchid_ok = (1..=32).contains(&m.len())
                            && m.bytes().all(|c| c.is_ascii_alphanumeric());
                        let serial_ok = (1..=64).contains(&sn.len())
                            && sn.bytes().all(|c| c.is_ascii_hexdigit());
                        if mchid_ok && serial_ok { OK } else { CONFIG }
                    }
                    _ => INVALID,
                };
                (s, vec![want])
            }
            Op::SetPrivateKeyPem(b) => {
                let (p, n) = b_ptr(b);
                let s = wxface_client_builder_set_private_key_pem(builder, p, n, err_arg);
                (
                    s,
                    vec![if p.is_null() || null_builder {
                        INVALID
                    } else {
                        CONFIG
                    }],
                )
            }
            Op::SetPrivateKeyFile(a) => {
                let s = wxface_client_builder_set_private_key_file(
                    builder,
                    c_ptr(a, &mut keep),
                    err_arg,
                );
                (
                    s,
                    vec![if a.text().is_none() || null_builder {
                        INVALID
                    } else {
                        CONFIG
                    }],
                )
            }
            Op::AddPublicKeyPem(a, b) => {
                let (p, n) = b_ptr(b);
                let s = wxface_client_builder_add_wechatpay_public_key_pem(
                    builder,
                    c_ptr(a, &mut keep),
                    p,
                    n,
                    err_arg,
                );
                (
                    s,
                    vec![if a.text().is_none() || p.is_null() || null_builder {
                        INVALID
                    } else {
                        CONFIG
                    }],
                )
            }
            Op::AddPlatformCertificatePem(b) => {
                let (p, n) = b_ptr(b);
                let s = wxface_client_builder_add_platform_certificate_pem(builder, p, n, err_arg);
                (
                    s,
                    vec![if p.is_null() || null_builder {
                        INVALID
                    } else {
                        CONFIG
                    }],
                )
            }
            Op::AddRootCaPem(b) => {
                let (p, n) = b_ptr(b);
                let s = wxface_client_builder_add_root_ca_pem(builder, p, n, err_arg);
                (
                    s,
                    vec![if p.is_null() || null_builder {
                        INVALID
                    } else {
                        CONFIG
                    }],
                )
            }
            Op::SetBaseUrl(a) | Op::SetBackupBaseUrl(a) => {
                let p = c_ptr(a, &mut keep);
                let s = if matches!(op, Op::SetBaseUrl(_)) {
                    wxface_client_builder_set_base_url(builder, p, err_arg)
                } else {
                    wxface_client_builder_set_backup_base_url(builder, p, err_arg)
                };
                let allowed = match a.text() {
                    Some(url) if !null_builder && url.starts_with("https://") => vec![OK, CONFIG],
                    Some(_) if !null_builder => vec![CONFIG],
                    _ => vec![INVALID],
                };
                (s, allowed)
            }
            Op::SetProxy(a) => {
                let s = wxface_client_builder_set_proxy(builder, c_ptr(a, &mut keep), err_arg);
                let allowed = match a.text() {
                    Some(url) if !null_builder && url.starts_with("http://") => vec![OK, CONFIG],
                    Some(_) if !null_builder => vec![CONFIG],
                    _ => vec![INVALID],
                };
                (s, allowed)
            }
            Op::SetTimeouts(c, r) => {
                let s = wxface_client_builder_set_timeouts(builder, *c, *r, err_arg);
                let want = if null_builder {
                    INVALID
                } else if *c >= 1 && *r >= 1 {
                    OK
                } else {
                    CONFIG
                };
                (s, vec![want])
            }
        }
    };
    assert!(
        allowed.contains(&status),
        "{op:?}: status {status}, allowed {allowed:?}"
    );
    check_err_protocol(status, err, with_err)
}

/// A client for the signing vectors' keys whose host never resolves (no traffic leaves).
fn offline_client() -> *const wxface_client {
    struct Shared(*mut wxface_client);
    // SAFETY: wxface_client is immutable and thread-safe by the API contract.
    unsafe impl Send for Shared {}
    // SAFETY: as above.
    unsafe impl Sync for Shared {}
    static CLIENT: OnceLock<Shared> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let dir = vectors_dir();
            let config = json!({
                "mchid": "1900000001",
                "merchant_serial_no": "3775B6A45ACD588826D15E583A95F5DD1A2B3C4D",
                "private_key_file": dir.join("merchant_test_key.pem"),
                "wechatpay_public_key_id": vectors()["wechatpay"]["public_key_id"],
                "wechatpay_public_key_file": dir.join("wechatpay_test_public_key.pem"),
                "base_url": format!("https://{}.invalid", "x".repeat(64)),
                "connect_timeout_ms": 500,
                "request_timeout_ms": 1000,
            });
            let json = CString::new(config.to_string()).unwrap();
            let mut client = ptr::null_mut();
            let mut err = ptr::null_mut();
            // SAFETY: valid JSON string and out-parameters.
            let status =
                unsafe { wxface_client_new_from_json(json.as_ptr(), &mut client, &mut err) };
            assert_eq!(check_err_protocol(status, err, true), OK);
            Shared(client)
        })
        .0
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn builder_functions_give_the_documented_status(
        ops in prop::collection::vec((op(), any::<bool>()), 1..8),
        null_builder in prop::bool::weighted(0.1),
        build in any::<bool>(),
        null_out in prop::bool::weighted(0.2),
    ) {
        let builder = if null_builder { ptr::null_mut() } else { wxface_client_builder_new() };
        for (op, with_err) in &ops {
            apply(builder, op, *with_err);
        }
        if build {
            let mut client = ptr::null_mut();
            let out: *mut *mut wxface_client = if null_out { ptr::null_mut() } else { &mut client };
            let mut err = ptr::null_mut();
            // SAFETY: the builder is consumed here whatever the outcome.
            let status = unsafe { wxface_client_builder_build(builder, out, &mut err) };
            // No setter sequence here can supply a valid private key, so nothing builds.
            let want = if null_builder || null_out { INVALID } else { CONFIG };
            prop_assert_eq!(status, want);
            check_err_protocol(status, err, true);
            prop_assert!(client.is_null());
        } else {
            // SAFETY: an unbuilt builder (or NULL), freed once.
            unsafe { wxface_client_builder_free(builder) };
        }
    }

    #[test]
    fn an_occupied_err_slot_is_refused_and_left_alone(op in op()) {
        let builder = wxface_client_builder_new();
        let sentinel = 0x5A5A_usize as *mut wxface_error;
        let mut err = sentinel;
        let mut keep = Vec::new();
        // SAFETY: a live builder; *err is never dereferenced by a correct library.
        let status = unsafe {
            match &op {
                Op::SetBaseUrl(a) | Op::SetBackupBaseUrl(a) | Op::SetProxy(a) | Op::SetPrivateKeyFile(a) => {
                    wxface_client_builder_set_base_url(builder, c_ptr(a, &mut keep), &mut err)
                }
                Op::SetMerchant(a, b) => wxface_client_builder_set_merchant(builder, c_ptr(a, &mut keep), c_ptr(b, &mut keep), &mut err),
                Op::SetTimeouts(c, r) => wxface_client_builder_set_timeouts(builder, *c, *r, &mut err),
                Op::SetPrivateKeyPem(b) | Op::AddPlatformCertificatePem(b) | Op::AddRootCaPem(b) | Op::AddPublicKeyPem(_, b) => {
                    let (p, n) = b_ptr(b);
                    wxface_client_builder_set_private_key_pem(builder, p, n, &mut err)
                }
            }
        };
        prop_assert_eq!(status, INVALID);
        prop_assert_eq!(err, sentinel);
        // SAFETY: the builder is ours.
        unsafe { wxface_client_builder_free(builder) };
    }

    #[test]
    fn client_from_json_gives_the_documented_status(json in c_arg(), doc in config_document(), use_doc in any::<bool>(), with_err in any::<bool>()) {
        let arg = if use_doc { CArg::Bytes(doc.to_string().into_bytes()) } else { json };
        let mut keep = Vec::new();
        let mut client = ptr::null_mut();
        let mut err = ptr::null_mut();
        let err_arg: *mut *mut wxface_error = if with_err { &mut err } else { ptr::null_mut() };
        // SAFETY: valid or NULL pointers.
        let status = unsafe { wxface_client_new_from_json(c_ptr(&arg, &mut keep), &mut client, err_arg) };
        // Random documents cannot name a readable private key, so none is complete.
        prop_assert_eq!(status, if arg.text().is_none() { INVALID } else { CONFIG });
        check_err_protocol(status, err, with_err);
        prop_assert!(client.is_null());
    }

    #[test]
    fn terminate_contract_gives_the_documented_status(org in c_arg(), user in c_arg(), null_client in prop::bool::weighted(0.1)) {
        let client = if null_client { ptr::null() } else { offline_client() };
        let mut keep = Vec::new();
        let mut err = ptr::null_mut();
        // SAFETY: valid or NULL pointers.
        let status = unsafe {
            wxface_terminate_contract(client, c_ptr(&org, &mut keep), c_ptr(&user, &mut keep), &mut err)
        };
        let valid = |a: &CArg| a.text().is_some_and(|t| entry::path_id_is_valid(t.as_bytes()));
        // Valid ids are sent, to a host that cannot resolve: a network error.
        let want = if !null_client && valid(&org) && valid(&user) { WXFACE_ERR_NETWORK } else { INVALID };
        prop_assert_eq!(status, want);
        check_err_protocol(status, err, true);
    }

    #[test]
    fn functions_without_status_accept_anything(status in any::<u32>()) {
        // SAFETY: these accept any value and NULL.
        unsafe {
            let name = CStr::from_ptr(wxface_status_str(status)).to_str().unwrap();
            prop_assert_eq!(name == "unknown status", status > 9);
            prop_assert_eq!(wxface_error_status(ptr::null()), INVALID);
            prop_assert_eq!(wxface_error_http_status(ptr::null()), 0);
            for s in [
                wxface_error_message(ptr::null()),
                wxface_error_api_code(ptr::null()),
                wxface_error_request_id(ptr::null()),
                wxface_error_detail_json(ptr::null()),
            ] {
                prop_assert_eq!(CStr::from_ptr(s).to_bytes(), b"");
            }
            wxface_error_free(ptr::null_mut());
            wxface_client_free(ptr::null_mut());
            wxface_client_builder_free(ptr::null_mut());
            prop_assert!(CStr::from_ptr(wxface_version()).to_str().unwrap().starts_with("wxface/"));
            prop_assert_eq!(wxface_abi_version(), 1);
        }
    }
}
