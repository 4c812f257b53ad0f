//! Configuration as a careless integrator writes it: every URL setting checked by one rule
//! (a port is 1 to 65535, never silently 443), a key given twice refused, and files that are
//! not regular files (a FIFO, a device, a directory, a socket) refused at once with what they
//! are — never a hang.

mod support;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use support::{vectors_config, vectors_file};
use wxface::{Config, ErrorKind};

/// A complete configuration made of the test vectors' keys.
fn complete() -> Value {
    vectors_config()
}

fn config_error(doc: &Value) -> wxface::Error {
    let error = Config::from_json(&doc.to_string()).expect_err("a config error");
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    error
}

// ---------------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------------

#[test]
fn ports_outside_1_to_65535_are_refused_by_every_url_setting() {
    for port in [
        "0",
        "65536",
        "70000",
        "99999",
        "4294967739",
        "-1",
        "+443",
        "",
        "44x",
    ] {
        for (key, url) in [
            ("base_url", format!("https://127.0.0.1:{port}")),
            ("backup_base_url", format!("https://api2.example:{port}")),
            ("proxy", format!("http://127.0.0.1:{port}")),
        ] {
            let mut doc = complete();
            doc[key] = Value::from(url.as_str());
            let error = config_error(&doc);
            assert!(error.message().starts_with(key), "{url}: {error}");
            assert!(error.message().contains("port"), "{url}: {error}");
            let mut config = Config::new();
            let set = match key {
                "base_url" => config.set_base_url(&url),
                "backup_base_url" => config.set_backup_base_url(&url),
                _ => config.set_proxy(&url),
            };
            assert_eq!(set.unwrap_err().kind(), ErrorKind::Config, "{url}");
        }
    }
}

#[test]
fn ports_1_to_65535_and_no_port_are_accepted() {
    for port in [":1", ":443", ":8443", ":65535", ""] {
        let mut doc = complete();
        doc["base_url"] = Value::from(format!("https://127.0.0.1{port}"));
        doc["backup_base_url"] = Value::from(format!("https://api2.mch.weixin.qq.com{port}/"));
        doc["proxy"] = Value::from(format!(
            "http://[::1]{}",
            if port.is_empty() { ":8080" } else { port }
        ));
        Config::from_json(&doc.to_string()).unwrap_or_else(|e| panic!("{port}: {e}"));
    }
}

#[test]
fn urls_must_be_plain_scheme_host_and_port() {
    for (key, url, says) in [
        ("base_url", "https://", "has no host"),
        ("base_url", "https://:443", "has no host"),
        ("base_url", "https://bad host", "host"),
        ("base_url", "https://h/v3", "without a path"),
        ("base_url", "https://h?x=1", "without a path"),
        ("base_url", "https://h#f", "without a path"),
        ("base_url", "https://u@h", "user information"),
        ("base_url", "https://[::1", "host"),
        ("base_url", "http://h", "https://"),
        ("proxy", "https://h:8080", "http://"),
        ("proxy", "http://h", "port"),
        ("proxy", "http://h:8080/x", "path"),
    ] {
        let mut doc = complete();
        doc[key] = Value::from(url);
        let error = config_error(&doc);
        assert!(error.message().starts_with(key), "{url}: {error}");
        assert!(error.message().contains(says), "{url}: {error}");
    }
}

// ---------------------------------------------------------------------------------------------
// Keys given twice
// ---------------------------------------------------------------------------------------------

#[test]
fn a_key_given_twice_is_refused_and_named() {
    let text = complete().to_string();
    for (key, value) in [
        ("base_url", "\"https://127.0.0.1:1\""),
        ("mchid", "\"1900000002\""),
        ("private_key_file", "\"/x\""),
        ("connect_timeout_ms", "5"),
    ] {
        // The same key again at the end: a JSON parser that keeps the last one would pick
        // it silently.
        let twice = format!(
            "{},\"{key}\":{value},\"{key}\":{value}}}",
            &text[..text.len() - 1]
        );
        let error = Config::from_json(&twice).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config);
        assert!(
            error
                .message()
                .contains(&format!("\"{key}\" is given twice")),
            "{error}"
        );
    }
    let once = complete().to_string();
    Config::from_json(&once).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/// Runs `f` on another thread and fails the test if it does not return within 10 s (a
/// hang is the defect under test; the limit is a guard, not a synchronisation).
fn returns_soon<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what}: still blocked after 10 s"))
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }

    fn fifo(&self, name: &str) -> String {
        let path = self.path(name);
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success(), "mkfifo {path}");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every way a file reaches the configuration: each `*_file` key, and the config file itself.
fn every_file_setting(path: &str) -> Vec<(&'static str, Result<Config, wxface::Error>)> {
    let mut results = Vec::new();
    for key in [
        "private_key_file",
        "wechatpay_public_key_file",
        "root_ca_file",
        "platform_certificate_files",
    ] {
        let mut doc = complete();
        doc[key] = if key == "platform_certificate_files" {
            json!([path])
        } else {
            json!(path)
        };
        results.push((key, Config::from_json(&doc.to_string())));
    }
    results.push(("config file", Config::from_json_file(path)));
    results
}

fn assert_refused(path: &str, says: &str) {
    let owned = path.to_owned();
    let results = returns_soon(path, move || every_file_setting(&owned));
    for (setting, result) in results {
        let error = result.expect_err(setting);
        assert_eq!(error.kind(), ErrorKind::Config, "{setting}: {error}");
        assert!(error.message().contains(says), "{setting}: {error}");
        assert!(error.message().contains(path), "{setting}: {error}");
    }
}

#[test]
fn a_fifo_without_a_writer_is_refused_not_waited_for() {
    let scratch = Scratch::new("fifo");
    assert_refused(
        &scratch.fifo("key.pem"),
        "is a FIFO (named pipe), not a regular file",
    );
}

#[test]
fn a_fifo_with_a_silent_writer_is_refused_not_read() {
    let scratch = Scratch::new("fifo-writer");
    let fifo = scratch.fifo("key.pem");
    // Opened for reading and writing, so the open does not wait for a peer: a writer that
    // never writes.
    let _writer = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    assert_refused(&fifo, "is a FIFO (named pipe), not a regular file");
}

#[test]
fn devices_directories_and_sockets_are_refused() {
    let scratch = Scratch::new("special");
    assert_refused("/dev/zero", "is a character device, not a regular file");
    assert_refused("/dev/null", "is a character device, not a regular file");
    assert_refused(&scratch.path(""), "is a directory, not a regular file");
    let socket = scratch.path("s.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    // connect() is not open(): a socket fails to open at once (ENXIO), named as a socket.
    assert_refused(&socket, "socket");
}

#[test]
fn symlinks_are_followed_to_what_they_name() {
    let scratch = Scratch::new("links");
    let link = scratch.path("key-link.pem");
    std::os::unix::fs::symlink(vectors_file("merchant_test_key.pem"), &link).unwrap();
    let mut doc = complete();
    doc["private_key_file"] = json!(link);
    Config::from_json(&doc.to_string()).unwrap();

    let fifo = scratch.fifo("pipe");
    let to_fifo = scratch.path("pipe-link.pem");
    std::os::unix::fs::symlink(&fifo, &to_fifo).unwrap();
    assert_refused(&to_fifo, "is a FIFO (named pipe), not a regular file");
}

#[test]
fn a_missing_file_names_the_path_and_the_reason() {
    let error = returns_soon("missing", || {
        let mut doc = complete();
        doc["root_ca_file"] = json!("/nonexistent/ca.pem");
        Config::from_json(&doc.to_string()).unwrap_err()
    });
    assert!(
        error
            .message()
            .starts_with("root_ca_file: cannot read /nonexistent/ca.pem: "),
        "{error}"
    );
}

#[test]
fn a_config_file_may_start_with_a_bom_and_names_keys_relative_to_its_folder() {
    let scratch = Scratch::new("relative");
    let keys = scratch.0.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    for name in ["merchant_test_key.pem", "wechatpay_test_public_key.pem"] {
        std::fs::copy(vectors_file(name), keys.join(name)).unwrap();
    }
    let mut doc = complete();
    doc["private_key_file"] = json!("keys/merchant_test_key.pem");
    doc["wechatpay_public_key_file"] = json!("./keys/wechatpay_test_public_key.pem");
    let path = scratch.path("client.json");
    std::fs::write(&path, format!("\u{FEFF}{doc}")).unwrap();
    // The working directory (the crate root) holds no keys/: only the file's folder does.
    Config::from_json_file(&path).unwrap();

    // The same document as text: relative paths are relative to the working directory.
    let error = Config::from_json(&doc.to_string()).unwrap_err();
    assert!(
        error.message().contains("keys/merchant_test_key.pem"),
        "{error}"
    );

    // Not UTF-8 (after the BOM): a config error naming the file.
    let latin1 = scratch.path("latin1.json");
    std::fs::write(&latin1, b"\xEF\xBB\xBF{\"mchid\":\"\xE9\"}").unwrap();
    let error = Config::from_json_file(&latin1).unwrap_err();
    assert!(error.message().contains("is not UTF-8"), "{error}");
    assert!(error.message().contains(&latin1), "{error}");
}
