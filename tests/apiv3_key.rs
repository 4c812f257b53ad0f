//! The APIv3 key as a careless integrator gives it: the wrong length, swapped with
//! `apiv3_key_file`, a file with a line break, through JSON, the Rust API and the C builder.
//! Whatever happens, the key itself is never in an error message or a `Debug` output.

mod support;

use serde_json::{Value, json};
use support::vectors_config;
use wxface::{Client, Config, ErrorKind};

/// 32 bytes, as the merchant platform makes them.
const KEY: &str = "Zx8Qm3LpV7wK2cN9rT5yB1hJ6dF4sG0a";

fn complete() -> Value {
    vectors_config()
}

fn with(key: &str, value: Value) -> String {
    let mut doc = complete();
    doc[key] = value;
    doc.to_string()
}

/// Asserts a config error that names `setting`, says `says`, and holds no piece of `secret`.
fn assert_config_error(
    result: Result<Config, wxface::Error>,
    setting: &str,
    says: &str,
    secret: &str,
) {
    let error = result.expect_err("a config error");
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    let text = format!("{error} {error:?}");
    assert!(text.contains(setting), "{text}");
    assert!(text.contains(says), "{text}");
    assert_no_piece_of(secret, &text);
}

/// No 8-byte stretch of `secret` appears in `text`.
fn assert_no_piece_of(secret: &str, text: &str) {
    for piece in secret.as_bytes().windows(8) {
        let piece = std::str::from_utf8(piece).unwrap();
        assert!(!text.contains(piece), "{piece:?} of the key in: {text}");
    }
}

#[test]
fn a_key_of_the_wrong_length_is_refused_with_its_length_only() {
    let long = format!("{KEY}{KEY}");
    for bad in [&KEY[..31], &format!("{KEY}x"), long.as_str()] {
        let says = format!("got {}", bad.len());
        assert_config_error(
            Config::from_json(&with("apiv3_key", json!(bad))),
            "apiv3_key",
            &says,
            bad,
        );
        let mut config = Config::new();
        let error = config.set_apiv3_key(bad.as_bytes()).expect_err("refused");
        assert!(error.message().contains(&says), "{error}");
        assert_no_piece_of(bad, &format!("{error} {error:?}"));
    }
    assert_config_error(
        Config::from_json(&with("apiv3_key", json!(""))),
        "apiv3_key",
        "got 0",
        "",
    );
}

#[test]
fn a_key_file_may_end_with_a_line_break_but_not_hold_more() {
    let dir = std::env::temp_dir().join(format!("wxface-apiv3-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, contents, ok) in [
        ("plain", KEY.to_owned(), true),
        ("lf", format!("{KEY}\n"), true),
        ("crlf", format!("{KEY}\r\n"), true),
        ("two-lines", format!("{KEY}\n\n"), false),
        ("spaces", format!(" {KEY}"), false),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, &contents).unwrap();
        let result = Config::from_json(&with("apiv3_key_file", json!(path)));
        if ok {
            result.unwrap_or_else(|e| panic!("{name}: {e}"));
        } else {
            assert_config_error(result, "apiv3_key_file", "exactly 32 bytes", KEY);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_key_given_where_its_file_belongs_is_never_quoted() {
    let result = Config::from_json(&with("apiv3_key_file", json!(KEY)));
    assert_config_error(
        result,
        "apiv3_key_file",
        "the key itself goes in apiv3_key",
        KEY,
    );
    let mut config = Config::new();
    let error = config.set_apiv3_key_file(KEY).expect_err("no such file");
    assert_no_piece_of(KEY, &format!("{error} {error:?}"));
}

#[test]
fn debug_output_never_shows_the_key() {
    let config = Config::from_json(&with("apiv3_key", json!(KEY))).unwrap();
    let debug = format!("{config:?} {config:#?}");
    assert_no_piece_of(KEY, &debug);
    let client = Client::new(config).unwrap();
    assert_no_piece_of(KEY, &format!("{client:?} {client:#?}"));
}

#[test]
fn auto_mode_needs_the_key_and_then_no_verification_key() {
    let mut doc = complete();
    doc.as_object_mut()
        .unwrap()
        .remove("wechatpay_public_key_id");
    doc.as_object_mut()
        .unwrap()
        .remove("wechatpay_public_key_file");
    doc["auto_platform_certificates"] = json!(true);
    let error = Config::from_json(&doc.to_string())
        .and_then(Client::new)
        .expect_err("no APIv3 key");
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    assert!(error.message().contains("needs the APIv3 key"), "{error}");
    doc["apiv3_key"] = json!(KEY);
    Config::from_json(&doc.to_string())
        .and_then(Client::new)
        .expect("auto mode with the APIv3 key");
}

#[test]
fn notifications_and_downloads_need_the_key() {
    let client = Client::new(Config::from_json(&complete().to_string()).unwrap()).unwrap();
    let error = client
        .parse_notification(
            "1700000000",
            "nonce",
            "c2ln",
            "PUB_KEY_ID_0119000000012025000000000001",
            b"{}",
        )
        .expect_err("no APIv3 key");
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    assert!(error.message().contains("APIv3 key"), "{error}");
    let error = client
        .refresh_platform_certificates()
        .expect_err("no APIv3 key");
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    assert!(!error.request_sent(), "nothing is sent without the key");
}

#[test]
fn the_c_builder_takes_32_bytes_and_quotes_none() {
    use wxface::ffi::*;
    for (bytes, status) in [
        (KEY.as_bytes(), WXFACE_OK),
        (&KEY.as_bytes()[..16], WXFACE_ERR_CONFIG),
    ] {
        let builder = wxface_client_builder_new();
        let mut err = std::ptr::null_mut();
        // SAFETY: a live builder, a buffer of `bytes.len()` bytes, and a writable error cell.
        let got = unsafe {
            wxface_client_builder_set_apiv3_key(builder, bytes.as_ptr(), bytes.len(), &mut err)
        };
        assert_eq!(got, status);
        if !err.is_null() {
            // SAFETY: a live error from the library; its message is NUL-terminated.
            let message = unsafe { std::ffi::CStr::from_ptr(wxface_error_message(err)) }
                .to_string_lossy()
                .into_owned();
            assert!(message.contains("got 16"), "{message}");
            assert_no_piece_of(KEY, &message);
            // SAFETY: freed once.
            unsafe { wxface_error_free(err) };
        }
        // SAFETY: freed once.
        unsafe { wxface_client_builder_free(builder) };
    }
    let mut err = std::ptr::null_mut();
    // SAFETY: NULL builder and NULL key are refused, not dereferenced.
    let got = unsafe {
        wxface_client_builder_set_apiv3_key(std::ptr::null_mut(), KEY.as_ptr(), 32, &mut err)
    };
    assert_eq!(got, WXFACE_ERR_INVALID_ARGUMENT);
    // SAFETY: freed once.
    unsafe { wxface_error_free(err) };
}
