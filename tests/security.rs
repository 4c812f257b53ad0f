//! TLS posture and secrets.
//!
//! TLS: certificates are always verified (no option turns that off), TLS 1.2 is the minimum
//! (the ClientHello offers nothing older, and a TLS 1.2-only server works), http:// base URLs
//! are refused. (An untrusted server certificate giving `WXFACE_ERR_TLS` is
//! `tests/faults.rs::an_untrusted_server_certificate_is_a_tls_error`.)
//!
//! Secrets: no error message, `Debug` output or User-Agent contains the merchant's private key
//! (PEM body lines or any 32-character piece of the base64 DER) or a request's Authorization
//! signature.
//!
//! The servers here are tiny loopback servers made in the test, with the simulator's test CA
//! and server certificate, so the request wxface really sends can be inspected.

mod support;

use std::io::Read;
use std::net::{TcpListener, TcpStream};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use support::loopback::{Reply, header, response, tls_server};
use support::*;
use wxface::{Client, Config, ErrorKind};
use wxface_sim::{KeyMode, Sim};

/// An unsigned 204: a TLS and HTTP exchange that works, then fails verification.
const UNSIGNED_204: &[u8] = b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";

// ---------------------------------------------------------------------------------------------
// TLS posture
// ---------------------------------------------------------------------------------------------

#[test]
fn a_tls12_only_server_is_accepted() {
    let sim = start_sim(KeyMode::PublicKey);
    let (url, server) = tls_server(
        &sim,
        &[&rustls::version::TLS12],
        vec![Reply::Response(UNSIGNED_204.to_vec())],
    );
    let client = client_with(&sim, |c| {
        c.insert("base_url".into(), Value::from(url));
    });
    // The handshake and the HTTP exchange worked; the unsigned response is then refused.
    expect_error(
        client.terminate_contract(ORG, &user(1)),
        ErrorKind::Signature,
    );
    let seen = server.join().unwrap();
    assert_eq!(seen[0].version, Some(rustls::ProtocolVersion::TLSv1_2));
}

#[test]
fn tls13_is_preferred_when_the_server_has_it() {
    let sim = start_sim(KeyMode::PublicKey);
    let versions = [&rustls::version::TLS13, &rustls::version::TLS12];
    let (url, server) = tls_server(
        &sim,
        &versions,
        vec![Reply::Response(UNSIGNED_204.to_vec())],
    );
    let client = client_with(&sim, |c| {
        c.insert("base_url".into(), Value::from(url));
    });
    expect_error(
        client.terminate_contract(ORG, &user(1)),
        ErrorKind::Signature,
    );
    assert_eq!(
        server.join().unwrap()[0].version,
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
}

/// The protocol versions a TLS ClientHello offers: its legacy version and its
/// supported_versions extension (RFC 8446 4.2.1).
fn offered_versions(hello: &[u8]) -> (u16, Vec<u16>) {
    let u16_at = |i: usize| u16::from_be_bytes([hello[i], hello[i + 1]]);
    assert_eq!(hello[0], 0x16, "a handshake record");
    assert_eq!(hello[5], 0x01, "a ClientHello");
    let legacy_version = u16_at(9);
    let mut i = 9 + 2 + 32; // version, random
    i += 1 + usize::from(hello[i]); // session id
    i += 2 + usize::from(u16_at(i)); // cipher suites
    i += 1 + usize::from(hello[i]); // compression methods
    let end = i + 2 + usize::from(u16_at(i));
    i += 2;
    let mut supported = Vec::new();
    while i < end {
        let (kind, len) = (u16_at(i), usize::from(u16_at(i + 2)));
        if kind == 0x002b {
            let list = &hello[i + 5..i + 4 + len];
            supported = list
                .chunks(2)
                .map(|v| u16::from_be_bytes([v[0], v[1]]))
                .collect();
        }
        i += 4 + len;
    }
    (legacy_version, supported)
}

#[test]
fn the_client_hello_offers_nothing_older_than_tls12() {
    let sim = start_sim(KeyMode::PublicKey);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let server = std::thread::spawn(move || {
        let (mut tcp, _): (TcpStream, _) = listener.accept().unwrap();
        let mut header = [0u8; 5];
        tcp.read_exact(&mut header).unwrap();
        let mut record = header.to_vec();
        record.resize(
            5 + usize::from(u16::from_be_bytes([header[3], header[4]])),
            0,
        );
        tcp.read_exact(&mut record[5..]).unwrap();
        record // dropping the stream closes the connection: no handshake
    });
    let client = client_with(&sim, |c| {
        c.insert("base_url".into(), Value::from(url));
    });
    let error = client.terminate_contract(ORG, &user(1)).unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Tls | ErrorKind::Network),
        "{error}"
    );
    let (legacy, supported) = offered_versions(&server.join().unwrap());
    assert_eq!(legacy, 0x0303, "legacy_version is TLS 1.2");
    assert_eq!(supported, vec![0x0304, 0x0303], "TLS 1.3 and 1.2 only");
}

#[test]
fn http_base_urls_are_refused() {
    for key in ["base_url", "backup_base_url"] {
        for url in [
            "http://api.mch.weixin.qq.com",
            "HTTP://127.0.0.1:1",
            "ftp://h",
            "//h",
        ] {
            let sim_like = serde_json::json!({
                "mchid": "1900000001",
                "merchant_serial_no": "AB",
                "private_key_file": vectors_file("merchant_test_key.pem"),
                "wechatpay_public_key_id": "PUB_KEY_ID_1",
                "wechatpay_public_key_file": vectors_file("wechatpay_test_public_key.pem"),
                key: url,
            });
            let error = Config::from_json(&sim_like.to_string()).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Config, "{key}={url}");
            assert!(error.message().starts_with(key), "{error}");
        }
        let mut config = Config::new();
        let set = if key == "base_url" {
            config.set_base_url("http://127.0.0.1:1")
        } else {
            config.set_backup_base_url("http://127.0.0.1:1")
        };
        assert!(
            set.unwrap_err()
                .message()
                .contains("must start with https://")
        );
    }
}

#[test]
fn no_setting_turns_certificate_verification_off() {
    // No configuration key for it: every such name is an unknown key.
    for key in [
        "insecure",
        "verify",
        "tls_verify",
        "verify_peer",
        "skip_verify",
        "insecure_skip_verify",
        "danger_accept_invalid_certs",
        "disable_verification",
        "ssl_verify",
    ] {
        let doc = serde_json::json!({ key: false });
        let error = Config::from_json(&doc.to_string()).unwrap_err();
        assert_eq!(
            error.message(),
            format!("unknown key \"{key}\""),
            "{key} must not be a setting"
        );
    }
    // No code path builds an unverified TLS configuration either: the rustls and ureq hooks
    // that would are disallowed methods in clippy.toml, which the lint gate (`make lint`, run
    // by CI) enforces.
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

/// The merchant key in the forms it could leak in: PEM body lines, and the DER as one base64
/// string, checked in overlapping 32-character pieces.
struct KeyMaterial {
    pem: String,
    body_lines: Vec<String>,
    der_base64: String,
}

impl KeyMaterial {
    fn of(sim: &Sim) -> Self {
        let pem = std::fs::read_to_string(sim.state_dir().join("merchant_key.pem")).unwrap();
        let body_lines: Vec<String> = pem
            .lines()
            .filter(|l| !l.starts_with("-----") && !l.is_empty())
            .map(str::to_owned)
            .collect();
        let der = STANDARD.decode(body_lines.concat()).unwrap();
        assert!(der.len() > 1000, "an RSA-2048 private key");
        KeyMaterial {
            pem,
            body_lines,
            der_base64: STANDARD.encode(der),
        }
    }

    /// Panics if `text` (named `what`) holds any piece of the key or the `signature`.
    fn assert_absent(&self, what: &str, text: &str, signature: Option<&str>) {
        for line in &self.body_lines {
            assert!(
                !text.contains(line.as_str()),
                "{what} holds a PEM line of the key"
            );
        }
        let chars: Vec<char> = self.der_base64.chars().collect();
        for window in chars.windows(32).step_by(4) {
            let piece: String = window.iter().collect();
            assert!(
                !text.contains(&piece),
                "{what} holds key material ({piece})"
            );
        }
        if let Some(signature) = signature {
            assert!(
                !text.contains(signature),
                "{what} holds the request signature"
            );
            assert!(
                !text.contains(&signature[..32]),
                "{what} holds part of the request signature"
            );
        }
    }
}

fn error_texts(error: &wxface::Error) -> String {
    format!(
        "{error}\n{error:?}\n{}\n{}\n{}",
        error.api_code(),
        error.request_id(),
        error.detail_json()
    )
}

#[test]
fn debug_output_of_config_and_client_redacts_the_key() {
    let sim = start_sim(KeyMode::PublicKey);
    let key = KeyMaterial::of(&sim);
    let inline = sim_config(&sim, |c| {
        c.remove("private_key_file");
        c.insert("private_key_pem".into(), Value::from(key.pem.clone()));
    });
    let from_file = sim_config(&sim, |_| {});
    for (what, config) in [("inline", inline), ("file", from_file)] {
        let debug = format!("{config:?} {config:#?}");
        assert!(debug.contains("redacted"), "{what}: {debug}");
        key.assert_absent(&format!("Debug of Config ({what})"), &debug, None);
        let client = Client::new(config).unwrap();
        let debug = format!("{client:?} {client:#?}");
        key.assert_absent(&format!("Debug of Client ({what})"), &debug, None);
    }
}

#[test]
fn errors_about_a_bad_key_never_quote_it() {
    let sim = start_sim(KeyMode::PublicKey);
    let key = KeyMaterial::of(&sim);
    let lines: Vec<&str> = key.pem.lines().collect();
    let truncated = lines[..lines.len() - 4].join("\n") + "\n-----END PRIVATE KEY-----\n";
    let corrupted = key.pem.replacen(&key.body_lines[3][..8], "!!!!????", 1);
    let no_end = lines[..lines.len() - 1].join("\n");
    let as_rsa = key.pem.replace("PRIVATE KEY", "RSA PRIVATE KEY");
    let as_encrypted = key.pem.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY");
    let as_certificate = key.pem.replace("PRIVATE KEY", "CERTIFICATE");
    let as_public = key.pem.replace("PRIVATE KEY", "PUBLIC KEY");
    let mut errors = Vec::new();
    for bad in [
        &truncated,
        &corrupted,
        &no_end,
        &as_rsa,
        &as_encrypted,
        &as_certificate,
        &as_public,
    ] {
        // As the private key, and wherever else a PEM goes.
        for key_name in ["private_key_pem", "wechatpay_public_key_pem", "root_ca_pem"] {
            let config = sim.client_config();
            let mut doc = config.as_object().unwrap().clone();
            if key_name == "private_key_pem" {
                doc.remove("private_key_file");
            }
            if key_name == "wechatpay_public_key_pem" {
                doc.remove("wechatpay_public_key_file");
            }
            doc.insert(key_name.into(), Value::from(bad.as_str()));
            errors.push(Config::from_json(&Value::Object(doc).to_string()).unwrap_err());
        }
        let config = sim.client_config();
        let mut doc = config.as_object().unwrap().clone();
        doc.insert(
            "platform_certificates_pem".into(),
            Value::from(vec![bad.as_str()]),
        );
        errors.push(Config::from_json(&Value::Object(doc).to_string()).unwrap_err());
        errors.push(
            Config::new()
                .set_private_key_pem(bad.as_bytes())
                .unwrap_err(),
        );
    }
    // The genuine key in the wrong places.
    let mut config = Config::new();
    errors.push(
        config
            .add_wechatpay_public_key_pem("PUB_KEY_ID_1", key.pem.as_bytes())
            .unwrap_err(),
    );
    errors.push(
        config
            .add_platform_certificate_pem(key.pem.as_bytes())
            .unwrap_err(),
    );
    errors.push(config.add_root_ca_pem(key.pem.as_bytes()).unwrap_err());
    // A PEM pasted into a setting that takes a string is not quoted back.
    errors.push(config.set_proxy(&key.pem).unwrap_err());
    errors.push(config.set_base_url(&key.pem).unwrap_err());
    errors.push(config.set_backup_base_url(&key.pem).unwrap_err());
    errors.push(config.set_merchant(&key.pem, "AB").unwrap_err());
    errors.push(config.set_merchant("1900000001", &key.pem).unwrap_err());
    errors.push(
        Config::from_json(&serde_json::json!({ key.pem.clone(): 1 }).to_string()).unwrap_err(),
    );
    assert!(errors.len() > 30);
    for error in &errors {
        assert_eq!(error.kind(), ErrorKind::Config, "{error}");
        key.assert_absent(&format!("error \"{error}\""), &error_texts(error), None);
    }
}

#[test]
fn requests_and_errors_never_carry_the_key_or_the_signature() {
    let sim = start_sim(KeyMode::PublicKey);
    let key = KeyMaterial::of(&sim);
    let responses: Vec<Reply> = vec![
        Reply::Response(UNSIGNED_204.to_vec()),
        Reply::Response(response(
            "502 Bad Gateway",
            "",
            b"<html><body>bad gateway</body></html>",
        )),
        Reply::Response(response(
            "401 Unauthorized",
            "Content-Type: application/json\r\nRequest-ID: R-1\r\n",
            br#"{"code":"SIGN_ERROR","message":"bad","detail":{"field":"x"}}"#,
        )),
        // Declares 100 bytes, sends 11, closes.
        Reply::Response(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"partial\":"
                .to_vec(),
        ),
    ];
    let n = responses.len();
    let (url, server) = tls_server(
        &sim,
        &[&rustls::version::TLS13, &rustls::version::TLS12],
        responses,
    );
    let client = client_with(&sim, |c| {
        c.remove("private_key_file");
        c.insert("private_key_pem".into(), Value::from(key.pem.clone()));
        c.insert("base_url".into(), Value::from(url));
    });
    let errors: Vec<wxface::Error> = (0..n)
        .map(|i| {
            client
                .terminate_contract(ORG, &user(1 + i as u32))
                .unwrap_err()
        })
        .collect();
    let seen = server.join().unwrap();
    let client_debug = format!("{client:?}");
    for (error, seen) in errors.iter().zip(&seen) {
        let authorization = header(&seen.request_head, "Authorization");
        let signature = authorization
            .split("signature=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a signature in the Authorization header");
        assert!(signature.len() > 300, "an RSA-2048 signature: {signature}");
        key.assert_absent(
            &format!("error \"{error}\""),
            &error_texts(error),
            Some(signature),
        );
        key.assert_absent("Debug of Client", &client_debug, Some(signature));

        let user_agent = header(&seen.request_head, "User-Agent");
        assert!(
            user_agent.starts_with(&format!("wxface/{} (", env!("CARGO_PKG_VERSION"))),
            "{user_agent}"
        );
        key.assert_absent("User-Agent", user_agent, Some(signature));
        // The whole request head carries the signature only in Authorization, and no key.
        let without_authorization = seen.request_head.replace(authorization, "");
        key.assert_absent("request head", &without_authorization, Some(signature));
    }
}

/// The error of a C builder setter, read through the C accessors (what Python and PHP show).
fn c_builder_error(
    set: impl FnOnce(
        *mut wxface::ffi::wxface_client_builder,
        *mut *mut wxface::ffi::wxface_error,
    ) -> u32,
) -> (u32, String) {
    use wxface::ffi::*;
    let builder = wxface_client_builder_new();
    let mut err = std::ptr::null_mut();
    let status = set(builder, &mut err);
    assert!(!err.is_null(), "a failed setter fills *err");
    // SAFETY: a live error from the library; its message is a NUL-terminated string it owns.
    let message = unsafe { std::ffi::CStr::from_ptr(wxface_error_message(err)) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: a live error and builder from the library, each freed once.
    unsafe {
        wxface_error_free(err);
        wxface_client_builder_free(builder);
    }
    (status, message)
}

#[test]
fn a_pem_given_where_a_file_path_belongs_is_never_quoted() {
    let sim = start_sim(KeyMode::PublicKey);
    let key = KeyMaterial::of(&sim);
    let pem = key.pem.as_str();
    let mut errors: Vec<(String, ErrorKind, String)> = Vec::new();
    let mut record = |what: &str, error: wxface::Error| {
        errors.push((what.to_owned(), error.kind(), error.message().to_owned()));
    };
    for (name, value) in [
        ("private_key_file", Value::from(pem)),
        ("wechatpay_public_key_file", Value::from(pem)),
        ("root_ca_file", Value::from(pem)),
        ("platform_certificate_files", Value::from(vec![pem])),
    ] {
        let mut doc = sim.client_config();
        doc[name] = value;
        record(name, Config::from_json(&doc.to_string()).unwrap_err());
    }
    let mut config = Config::new();
    record(
        "set_private_key_file",
        config.set_private_key_file(pem).unwrap_err(),
    );
    record(
        "add_wechatpay_public_key_file",
        config
            .add_wechatpay_public_key_file("PUB_KEY_ID_1", pem)
            .unwrap_err(),
    );
    record(
        "add_platform_certificate_file",
        config.add_platform_certificate_file(pem).unwrap_err(),
    );
    record(
        "add_root_ca_file",
        config.add_root_ca_file(pem).unwrap_err(),
    );
    record(
        "Config::from_json_file",
        Config::from_json_file(pem).unwrap_err(),
    );
    let c_pem = std::ffi::CString::new(pem).unwrap();
    let (status, message) = c_builder_error(|b, err| {
        // SAFETY: a live builder, a NUL-terminated path, an empty error slot.
        unsafe { wxface::ffi::wxface_client_builder_set_private_key_file(b, c_pem.as_ptr(), err) }
    });
    assert_eq!(status, wxface::ffi::WXFACE_ERR_CONFIG);
    errors.push((
        "wxface_client_builder_set_private_key_file".into(),
        ErrorKind::Config,
        message,
    ));

    assert_eq!(errors.len(), 10);
    for (what, kind, message) in &errors {
        assert_eq!(*kind, ErrorKind::Config, "{what}: {message}");
        key.assert_absent(&format!("{what}: \"{message}\""), message, None);
        assert!(
            message.contains("a PEM document, not a file path"),
            "{what} does not say what it got: {message}"
        );
        assert!(
            message.len() < 300,
            "{what}: {} bytes: {message}",
            message.len()
        );
    }
}

#[test]
fn a_proxy_password_is_never_quoted() {
    for url in [
        "http://alice:S3cretPW@127.0.0.1:99999",
        "http://alice:S3cretPW@bad host:8080",
        "http://alice:S3cretPW@",
        "http://alice:S3cretPW@proxy:8080/path",
        "socks9://alice:S3cretPW@proxy:1080",
        "alice:S3cretPW@proxy:8080",
        "http://alice:S3cretPW@[::1:8080",
    ] {
        let error = Config::new().set_proxy(url).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config, "{url}");
        assert!(error.message().starts_with("proxy: "), "{error}");
        assert!(!error_texts(&error).contains("S3cretPW"), "{url}: {error}");
        let doc = serde_json::json!({ "proxy": url });
        let error = Config::from_json(&doc.to_string()).unwrap_err();
        assert!(!error_texts(&error).contains("S3cretPW"), "{url}: {error}");
    }
    for url in [
        "https://alice:S3cretPW@127.0.0.1:99999",
        "https://alice:S3cretPW@api.mch.weixin.qq.com",
    ] {
        for error in [
            Config::new().set_base_url(url).unwrap_err(),
            Config::new().set_backup_base_url(url).unwrap_err(),
        ] {
            assert!(!error_texts(&error).contains("S3cretPW"), "{url}: {error}");
        }
    }
}
