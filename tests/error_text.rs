//! Error text from a hostile response: every string an error returns is one printable line
//! (no C0/C1 controls, no DEL, no bidi overrides), the message is at most 1024 bytes (cut
//! with "…"), and `detail_json` is the response's JSON as received, or "" when over 64 KiB.

mod support;

use serde_json::Value;
use support::loopback::{Reply, response, tls_server};
use support::*;
use wxface::ErrorKind;
use wxface_sim::KeyMode;

const MAX_MESSAGE_BYTES: usize = 1024;

/// One call against a loopback server that gives `reply`; returns the error.
fn error_for(reply: Vec<u8>) -> wxface::Error {
    let sim = start_sim(KeyMode::PublicKey);
    let (url, server) = tls_server(
        &sim,
        &[&rustls::version::TLS13],
        vec![Reply::Response(reply)],
    );
    let client = client_with(&sim, |c| {
        c.insert("base_url".into(), Value::from(url));
    });
    let error = client.terminate_contract(ORG, &user(1)).unwrap_err();
    server.join().unwrap();
    error
}

fn is_forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn assert_printable(what: &str, text: &str) {
    assert!(
        !text.chars().any(is_forbidden),
        "{what} holds a control or bidi character: {text:?}"
    );
}

fn assert_safe(error: &wxface::Error) {
    assert_printable("message", error.message());
    assert_printable("api_code", error.api_code());
    assert_printable("request_id", error.request_id());
    assert!(
        error.message().len() <= MAX_MESSAGE_BYTES,
        "message is {} bytes",
        error.message().len()
    );
    if !error.detail_json().is_empty() {
        serde_json::from_str::<Value>(error.detail_json()).expect("detail_json is JSON");
    }
}

#[test]
fn controls_and_bidi_overrides_from_an_answer_are_replaced() {
    let body = serde_json::json!({
        "code": "PARAM\nERROR\r\n\u{1b}[2J",
        "message": "line one\nINFO fake log line\u{1b}[31m red \u{202E}txt.exe\u{2066}\u{85}\u{7f}\u{0}end",
        "detail": {"field": "x\u{202E}y"},
    });
    let error = error_for(response(
        "400 Bad Request",
        "Content-Type: application/json\r\nRequest-ID: R-\u{202E}-1\r\n",
        body.to_string().as_bytes(),
    ));
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.http_status(), 400);
    assert_safe(&error);
    assert!(
        error.api_code().starts_with("PARAM"),
        "{:?}",
        error.api_code()
    );
    assert!(error.message().contains("INFO fake log line"), "{error}");
    assert!(error.message().contains("end"), "{error}");
    // detail_json is the JSON as received (its text escapes nothing it need not).
    assert_eq!(
        serde_json::from_str::<Value>(error.detail_json()).unwrap(),
        serde_json::json!({"field": "x\u{202E}y"})
    );
}

#[test]
fn a_huge_message_is_cut_to_one_kilobyte() {
    let message = "x".repeat(900 * 1024);
    let body = serde_json::json!({"code": "SYSTEM_ERROR", "message": message});
    let error = error_for(response(
        "500 Internal Server Error",
        "Content-Type: application/json\r\n",
        body.to_string().as_bytes(),
    ));
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.api_code(), "SYSTEM_ERROR");
    assert_safe(&error);
    assert!(error.message().ends_with('…'), "{}", &error.message()[..80]);
    assert!(error.message().len() > MAX_MESSAGE_BYTES - 8);
}

#[test]
fn a_huge_code_and_a_multibyte_message_stay_bounded_and_whole_characters() {
    for body in [
        serde_json::json!({"code": "C".repeat(5000), "message": "m"}),
        serde_json::json!({"code": "PARAM_ERROR", "message": "错误".repeat(2000)}),
    ] {
        let error = error_for(response(
            "400 Bad Request",
            "Content-Type: application/json\r\n",
            body.to_string().as_bytes(),
        ));
        assert_safe(&error);
        assert!(error.api_code().len() <= MAX_MESSAGE_BYTES);
        if error.api_code() == "PARAM_ERROR" {
            // Cut on a character boundary (the text is a &str, so valid UTF-8), with the mark.
            assert!(error.message().ends_with("错…") || error.message().ends_with("误…"));
        }
    }
}

#[test]
fn detail_over_64_kib_is_dropped_and_smaller_detail_kept_verbatim() {
    let big = serde_json::json!({"code": "PARAM_ERROR", "message": "m", "detail": {"pad": "y".repeat(70 * 1024)}});
    let error = error_for(response(
        "400 Bad Request",
        "Content-Type: application/json\r\n",
        big.to_string().as_bytes(),
    ));
    assert_eq!(error.detail_json(), "");
    assert_eq!(error.api_code(), "PARAM_ERROR");

    let small = r#"{"code":"PARAM_ERROR","message":"m","detail":{"b": [1, 2],"a":"\u001b"}}"#;
    let error = error_for(response(
        "400 Bad Request",
        "Content-Type: application/json\r\n",
        small.as_bytes(),
    ));
    assert_eq!(error.detail_json(), r#"{"b": [1, 2],"a":"\u001b"}"#);
}

#[test]
fn an_html_page_with_escape_sequences_is_quoted_safely() {
    let page = "<html>\u{1b}]0;owned\u{7}\u{1b}[2J<body>\u{202E}gateway</body></html>";
    let error = error_for(response("502 Bad Gateway", "", page.as_bytes()));
    assert_eq!(error.http_status(), 502);
    assert_safe(&error);
    assert!(error.message().contains("gateway"), "{error}");
}
