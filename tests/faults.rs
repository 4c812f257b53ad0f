//! Every wxface-sim fault, in both key modes, gives the status the C API contract names
//! within its timeout, and reaches the simulator exactly once (never retried); transport
//! failures (DNS, refused, untrusted, timeout) and the one safe failover.
//!
//! `fault_matrix_in_both_key_modes` writes its table (fault → status → elapsed) to
//! `target/fault-matrix.txt` and prints it on stderr whether or not output is captured.

mod support;

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;
use wxface::{Client, ErrorKind};
use wxface_sim::{ContractState, Fault, KeyMode, Sim, SimOptions};

const SIGNATURE_HEADERS: [&str; 5] = [
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
];

/// The whole-request timeout of the matrix's client; every row must end within it + 1 s.
const REQUEST_TIMEOUT: Duration = Duration::from_millis(2000);

/// What one row must give.
#[derive(Clone)]
enum Expect {
    Ok,
    Fail {
        kind: ErrorKind,
        /// The response's HTTP status in the error (0: none arrived).
        http_status: u16,
        /// The `api_code` (for API errors; "" for an HTML page).
        api_code: &'static str,
        /// A fragment the message must contain.
        says: String,
    },
}

fn fail(kind: ErrorKind, http_status: u16, says: impl Into<String>) -> Expect {
    Expect::Fail {
        kind,
        http_status,
        api_code: "",
        says: says.into(),
    }
}

/// Rows: the fault injected for one call (None: none) and the outcome it must have.
fn matrix() -> Vec<(Option<Fault>, Expect)> {
    use ErrorKind::*;
    let mut rows = vec![
        (None, Expect::Ok),
        (
            Some(Fault::BadSignature),
            fail(Signature, 204, "signature does not verify"),
        ),
        (
            Some(Fault::ProbeSignature),
            fail(Signature, 204, "probe signature"),
        ),
        (
            Some(Fault::UnknownSerial),
            fail(Signature, 204, "which is not configured"),
        ),
    ];
    for header in SIGNATURE_HEADERS {
        rows.push((
            Some(Fault::MissingHeader(header.into())),
            fail(Signature, 204, format!("lacks the {header} header")),
        ));
    }
    rows.extend([
        (Some(Fault::TimestampOffset(-299)), Expect::Ok),
        (Some(Fault::TimestampOffset(299)), Expect::Ok),
        (
            Some(Fault::TimestampOffset(-301)),
            fail(Signature, 204, "301 s behind the local clock"),
        ),
        (
            Some(Fault::TimestampOffset(301)),
            fail(Signature, 204, "301 s ahead of the local clock"),
        ),
    ]);
    for (status, code) in [
        (401, "SIGN_ERROR"),
        (403, "NO_AUTH"),
        (404, "NOT_FOUND"),
        (429, "FREQUENCY_LIMITED"),
        (500, "SYSTEM_ERROR"),
        (502, "SERVICE_UNAVAILABLE"),
        (503, "SERVICE_UNAVAILABLE"),
    ] {
        rows.push((
            Some(Fault::Status {
                status,
                html: false,
            }),
            Expect::Fail {
                kind: Api,
                http_status: status,
                api_code: code,
                says: format!("WeChat Pay answered {status} {code}"),
            },
        ));
        rows.push((
            Some(Fault::Status { status, html: true }),
            fail(
                Api,
                status,
                format!("WeChat Pay answered {status} with a non-JSON body"),
            ),
        ));
    }
    rows.extend([
        (Some(Fault::TruncatedBody), fail(Network, 200, "")),
        (
            Some(Fault::OversizedBody((1 << 20) + 1)),
            fail(Response, 200, "larger than the 1048576-byte limit"),
        ),
        (
            Some(Fault::OversizedBody(4 << 20)),
            fail(Response, 200, "larger than the 1048576-byte limit"),
        ),
        (
            Some(Fault::OversizedError((1 << 20) + 1)),
            fail(
                Api,
                500,
                "WeChat Pay answered 500 with a non-JSON body (body cut at 1048576 bytes)",
            ),
        ),
        (Some(Fault::DropConnection), fail(Network, 0, "")),
        (Some(Fault::DropMidBody), fail(Network, 200, "")),
        (Some(Fault::Delay(Duration::from_millis(300))), Expect::Ok),
        (
            Some(Fault::Delay(Duration::from_secs(5))),
            fail(Timeout, 0, "no complete response within request_timeout_ms"),
        ),
    ]);
    rows
}

/// One measured outcome, for the table.
struct Outcome {
    label: String,
    status: String,
    /// `wxface_error_request_sent` of the error ("-" for a success).
    sent: &'static str,
    elapsed: Duration,
}

fn request_sent(result: &Result<(), wxface::Error>) -> &'static str {
    match result {
        Ok(()) => "-",
        Err(e) if e.request_sent() => "1",
        Err(_) => "0",
    }
}

fn status_name(result: &Result<(), wxface::Error>) -> String {
    match result {
        Ok(()) => "WXFACE_OK".into(),
        Err(e) => {
            let name = match e.kind() {
                ErrorKind::InvalidArgument => "WXFACE_ERR_INVALID_ARGUMENT",
                ErrorKind::Config => "WXFACE_ERR_CONFIG",
                ErrorKind::Network => "WXFACE_ERR_NETWORK",
                ErrorKind::Timeout => "WXFACE_ERR_TIMEOUT",
                ErrorKind::Tls => "WXFACE_ERR_TLS",
                ErrorKind::Api => "WXFACE_ERR_API",
                ErrorKind::Signature => "WXFACE_ERR_SIGNATURE",
                ErrorKind::Response => "WXFACE_ERR_RESPONSE",
                ErrorKind::Internal => "WXFACE_ERR_INTERNAL",
            };
            if e.http_status() == 0 {
                name.into()
            } else {
                format!("{name} (http {})", e.http_status())
            }
        }
    }
}

fn check(label: &str, expect: &Expect, result: &Result<(), wxface::Error>) {
    match (expect, result) {
        (Expect::Ok, Ok(())) => {}
        (Expect::Ok, Err(e)) => panic!("{label}: expected success, got {e}"),
        (Expect::Fail { kind, .. }, Ok(())) => panic!("{label}: expected {kind:?}, got success"),
        (
            Expect::Fail {
                kind,
                http_status,
                api_code,
                says,
            },
            Err(e),
        ) => {
            assert_eq!(e.kind(), *kind, "{label}: {e}");
            assert_eq!(e.http_status(), *http_status, "{label}: {e}");
            assert_eq!(e.api_code(), *api_code, "{label}: {e}");
            assert!(e.message().contains(says.as_str()), "{label}: {e}");
            // Every row's request reached the simulator: its outcome is never "nothing sent".
            assert!(e.request_sent(), "{label}: request_sent is 0: {e}");
            // WeChat Pay's responses carry a Request-ID; HTML pages from a proxy have none.
            if *kind == ErrorKind::Api {
                let from_proxy = label.ends_with(":html");
                assert_eq!(e.request_id().is_empty(), from_proxy, "{label}: {e}");
            }
        }
    }
}

/// One call with `fault` set for it; returns the outcome after checking it, the simulator's
/// request count (exactly one per call) and the user's state.
fn run_row(
    sim: &Sim,
    client: &Client,
    n: &mut u32,
    fault: &Option<Fault>,
    expect: &Expect,
) -> Outcome {
    let label = fault
        .as_ref()
        .map_or_else(|| "(no fault)".to_owned(), ToString::to_string);
    // A timestamp row is only exact when the simulator signs and the client checks within
    // the same second; when a second boundary fell inside the call, run it again.
    for _attempt in 0..5 {
        *n += 1;
        let u = user(1000 + *n);
        let before = sim.stats().requests_total;
        if let Some(fault) = fault {
            sim.set_fault(fault.clone(), Some(1));
        }
        let second = unix_seconds();
        let started = Instant::now();
        let result = client.terminate_contract(ORG, &u);
        let elapsed = started.elapsed();
        if matches!(fault, Some(Fault::TimestampOffset(_))) && unix_seconds() != second {
            continue;
        }
        check(&label, expect, &result);
        assert!(
            elapsed <= REQUEST_TIMEOUT + SLACK,
            "{label}: took {elapsed:?}, limit {:?}",
            REQUEST_TIMEOUT + SLACK
        );
        if matches!(fault, Some(Fault::Delay(d)) if *d > REQUEST_TIMEOUT) {
            assert!(
                elapsed >= REQUEST_TIMEOUT,
                "{label}: gave up early, {elapsed:?}"
            );
        }
        // Exactly one request reached the simulator: nothing was retried or sent twice.
        assert_eq!(
            sim.stats().requests_total,
            before + 1,
            "{label}: request count"
        );
        // An injected response replaces processing, so the contract changes only when the
        // simulator processed the call normally (no fault, or a delay the client waited for;
        // a call that timed out may still complete on the server later, so it is not checked).
        let processed = match fault {
            None => Some(true),
            Some(Fault::Delay(_)) => result.is_ok().then_some(true),
            Some(_) => Some(false),
        };
        if let Some(processed) = processed {
            let want = if processed {
                ContractState::Terminated
            } else {
                ContractState::Contracted
            };
            assert_eq!(sim.user_state(ORG, &u), Some(want), "{label}");
        }
        // The fault was for one call only, and the client is not left broken by it.
        if result.is_err() {
            *n += 1;
            client
                .terminate_contract(ORG, &user(1000 + *n))
                .unwrap_or_else(|e| panic!("call after {label}: {e}"));
        }
        return Outcome {
            label,
            status: status_name(&result),
            sent: request_sent(&result),
            elapsed,
        };
    }
    panic!("{label}: a second boundary fell inside every attempt");
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The server closes a pooled connection while it is idle: the next call opens a new one,
/// is sent once, and succeeds.
fn run_idle_close_row(mode: KeyMode) -> Outcome {
    let sim = Sim::start(SimOptions {
        key_mode: mode,
        idle_close_after: Some(Duration::from_millis(200)),
        ..SimOptions::default()
    })
    .unwrap();
    let client = client_with(&sim, |c| {
        short_timeouts(c, REQUEST_TIMEOUT.as_millis() as u64)
    });
    client.terminate_contract(ORG, &user(900)).unwrap();
    // The scenario is an idle period well past the server's idle limit (not a wait for a
    // condition): the server closes the connection meanwhile.
    std::thread::sleep(Duration::from_millis(1000));
    let started = Instant::now();
    let result = client.terminate_contract(ORG, &user(901));
    let elapsed = started.elapsed();
    check("idle close", &Expect::Ok, &result);
    let stats = sim.stats();
    assert_eq!(stats.requests_total, 2, "each call sent once");
    assert_eq!(
        stats.connections_accepted, 2,
        "the closed connection was replaced"
    );
    Outcome {
        label: "idle close (pooled connection closed by the server)".into(),
        status: status_name(&result),
        sent: request_sent(&result),
        elapsed,
    }
}

fn run_matrix(mode: KeyMode) -> Vec<Outcome> {
    let sim = start_sim(mode);
    let client = client_with(&sim, |c| {
        short_timeouts(c, REQUEST_TIMEOUT.as_millis() as u64)
    });
    let mut n = 0;
    let mut outcomes: Vec<Outcome> = matrix()
        .iter()
        .map(|(fault, expect)| run_row(&sim, &client, &mut n, fault, expect))
        .collect();
    outcomes.push(run_idle_close_row(mode));
    outcomes
}

#[test]
fn fault_matrix_in_both_key_modes() {
    let public = std::thread::spawn(|| run_matrix(KeyMode::PublicKey));
    let certificate = std::thread::spawn(|| run_matrix(KeyMode::Certificate));
    let public = public.join().expect("public-key mode");
    let certificate = certificate.join().expect("certificate mode");
    assert_eq!(public.len(), certificate.len());

    let mut table = format!(
        "wxface fault matrix: request_timeout_ms={}, limit = timeout + 1 s\n\n\
         | fault | public-key mode | elapsed | certificate mode | elapsed | request_sent |\n\
         | --- | --- | --- | --- | --- | --- |\n",
        REQUEST_TIMEOUT.as_millis()
    );
    for (p, c) in public.iter().zip(&certificate) {
        assert_eq!(p.label, c.label);
        assert_eq!(p.status, c.status, "{}: the key modes disagree", p.label);
        assert_eq!(p.sent, c.sent, "{}: the key modes disagree", p.label);
        table.push_str(&format!(
            "| {} | {} | {} ms | {} | {} ms | {} |\n",
            p.label,
            p.status,
            p.elapsed.as_millis(),
            c.status,
            c.elapsed.as_millis(),
            p.sent
        ));
    }
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join("fault-matrix.txt");
    std::fs::write(&path, &table).expect("write target/fault-matrix.txt");
    // Straight to the stderr handle: shown even when the test harness captures output.
    let _ = writeln!(std::io::stderr(), "\n{table}(also in {})", path.display());
}

#[test]
fn skew_message_says_how_far_and_which_way() {
    let sim = start_sim(KeyMode::PublicKey);
    sim.set_fault(Fault::TimestampOffset(-612), Some(1));
    let error = expect_error(
        client_for(&sim).terminate_contract(ORG, &user(20)),
        ErrorKind::Signature,
    );
    assert!(
        error
            .message()
            .contains("s behind the local clock (limit 300 s)"),
        "{error}"
    );
}

#[test]
fn an_untrusted_server_certificate_is_a_tls_error() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_with(&sim, |c| {
        c.remove("root_ca_file");
    });
    let error = expect_error(client.terminate_contract(ORG, &user(50)), ErrorKind::Tls);
    assert!(error.message().contains("TLS"), "{error}");
    assert!(!error.request_sent(), "a handshake failure sends nothing");
    assert_eq!(sim.stats().requests_total, 0);
}

/// A loopback port with nothing listening on it.
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("https://127.0.0.1:{port}")
}

#[test]
fn a_refused_connection_is_a_network_error() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_with(&sim, |c| {
        c.insert("base_url".into(), Value::from(closed_port_url()));
    });
    let error = expect_error(
        client.terminate_contract(ORG, &user(60)),
        ErrorKind::Network,
    );
    assert!(!error.request_sent(), "a refused connection sends nothing");
}

#[test]
fn fails_over_to_the_backup_when_the_primary_refuses() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_with(&sim, |c| {
        c.insert("backup_base_url".into(), Value::from(sim.base_url()));
        c.insert("base_url".into(), Value::from(closed_port_url()));
    });
    client.terminate_contract(ORG, &user(70)).unwrap();
    assert_eq!(sim.stats().requests_total, 1);
    assert_eq!(
        sim.user_state(ORG, &user(70)),
        Some(ContractState::Terminated)
    );
}

#[test]
fn fails_over_when_the_primarys_certificate_is_untrusted() {
    let primary = start_sim(KeyMode::PublicKey);
    let backup = start_sim(KeyMode::PublicKey);
    // The client trusts the backup's CA only, and verifies with the backup's WeChat Pay key.
    let client = client_with(&backup, |c| {
        c.insert("base_url".into(), Value::from(primary.base_url()));
        c.insert("backup_base_url".into(), Value::from(backup.base_url()));
    });
    client.terminate_contract(ORG, &user(71)).unwrap();
    assert_eq!(primary.stats().requests_total, 0);
    assert_eq!(backup.stats().requests_total, 1);
}

/// A host name that no resolver can answer and that fails without any network traffic: a
/// 64-character label exceeds DNS's 63-octet limit, so getaddrinfo refuses it at once.
fn unresolvable_url() -> String {
    format!("https://{}.invalid", "x".repeat(64))
}

#[test]
fn a_dns_failure_is_a_network_error_and_fails_fast() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_with(&sim, |c| {
        c.insert("base_url".into(), Value::from(unresolvable_url()));
    });
    let started = Instant::now();
    let error = expect_error(
        client.terminate_contract(ORG, &user(61)),
        ErrorKind::Network,
    );
    // Classified as a failure while connecting: nothing was sent.
    assert!(
        error.message().starts_with("connecting to https://xxx"),
        "{error}"
    );
    assert!(!error.request_sent());
    assert!(started.elapsed() < SLACK, "took {:?}", started.elapsed());
}

#[test]
fn fails_over_to_the_backup_when_the_primary_does_not_resolve() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_with(&sim, |c| {
        c.insert("base_url".into(), Value::from(unresolvable_url()));
        c.insert("backup_base_url".into(), Value::from(sim.base_url()));
    });
    client.terminate_contract(ORG, &user(72)).unwrap();
    assert_eq!(sim.stats().requests_total, 1);
    assert_eq!(sim.stats().connections_accepted, 1);
    assert_eq!(
        sim.user_state(ORG, &user(72)),
        Some(ContractState::Terminated)
    );
}

#[test]
fn never_fails_over_once_request_bytes_were_written() {
    let faults = [
        Fault::DropConnection,
        Fault::DropMidBody,
        Fault::TruncatedBody,
        Fault::Delay(Duration::from_secs(3)),
        Fault::Status {
            status: 503,
            html: true,
        },
    ];
    let primary = start_sim(KeyMode::PublicKey);
    let backup = start_sim(KeyMode::PublicKey);
    let client = client_with(&primary, |c| {
        c.insert("backup_base_url".into(), Value::from(backup.base_url()));
        short_timeouts(c, 1000);
    });
    for (n, fault) in faults.into_iter().enumerate() {
        let label = fault.to_string();
        let before = primary.stats().requests_total;
        primary.set_fault(fault, Some(1));
        let error = client
            .terminate_contract(ORG, &user(80 + n as u32))
            .expect_err(&label);
        assert!(
            matches!(
                error.kind(),
                ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Api
            ),
            "{label}: {error}"
        );
        assert!(!error.message().contains("backup"), "{label}: {error}");
        assert!(error.request_sent(), "{label}: {error}");
        assert_eq!(primary.stats().requests_total, before + 1, "{label}");
        assert_eq!(backup.stats().requests_total, 0, "{label}");
        assert_eq!(backup.stats().connections_accepted, 0, "{label}");
    }
}

#[test]
fn a_stale_pooled_connection_is_neither_resent_nor_failed_over() {
    let primary = Sim::start(SimOptions {
        idle_close_after: Some(Duration::from_millis(200)),
        ..SimOptions::default()
    })
    .unwrap();
    let backup = start_sim(KeyMode::PublicKey);
    let client = client_with(&primary, |c| {
        c.insert("backup_base_url".into(), Value::from(backup.base_url()));
    });
    client.terminate_contract(ORG, &user(92)).unwrap();
    // An idle period well past the server's idle limit: the server closes the connection.
    std::thread::sleep(Duration::from_millis(1000));
    client.terminate_contract(ORG, &user(93)).unwrap();
    let stats = primary.stats();
    assert_eq!(
        stats.requests_total, 2,
        "each call reached the primary once"
    );
    assert_eq!(stats.connections_accepted, 2);
    assert_eq!(backup.stats().connections_accepted, 0);
}

/// An error response larger than the size limit is still an API error with its status; the
/// library reads up to the limit and says the body was cut.
#[test]
fn a_non_2xx_answer_over_the_size_limit_is_an_api_error() {
    use support::loopback::{Reply, response, tls_server};
    let sim = start_sim(KeyMode::PublicKey);
    let message = "m".repeat(2 << 20);
    let json = serde_json::json!({"code": "SYSTEM_ERROR", "message": message}).to_string();
    let html = format!("<html>{}</html>", "h".repeat(1 << 20));
    let (url, server) = tls_server(
        &sim,
        &[&rustls::version::TLS13],
        vec![
            Reply::Response(response(
                "500 Internal Server Error",
                "Content-Type: application/json\r\nRequest-ID: R-500\r\n",
                json.as_bytes(),
            )),
            Reply::Response(response("502 Bad Gateway", "", html.as_bytes())),
        ],
    );
    let client = client_with(&sim, |c| {
        c.insert("base_url".into(), Value::from(url));
    });
    for (status, request_id) in [(500, "R-500"), (502, "")] {
        let error = expect_error(client.terminate_contract(ORG, &user(1)), ErrorKind::Api);
        assert_eq!(error.http_status(), status, "{error}");
        assert_eq!(error.request_id(), request_id, "{error}");
        assert!(error.message().contains("cut at"), "{error}");
        assert!(error.request_sent());
    }
    server.join().unwrap();
}

/// A corrupt TLS record after the request was written is not "nothing sent": it is a
/// network error, and the outcome is unknown.
#[test]
fn a_corrupt_tls_record_after_the_request_is_a_network_error() {
    use support::loopback::{Reply, tls_server};
    let sim = start_sim(KeyMode::PublicKey);
    // An application-data record header and 32 bytes that decrypt to nothing.
    let mut garbage = vec![0x17, 0x03, 0x03, 0x00, 0x20];
    garbage.extend((0..32u8).map(|i| i.wrapping_mul(37)));
    for versions in [
        &[&rustls::version::TLS13][..],
        &[&rustls::version::TLS12][..],
    ] {
        let (url, server) = tls_server(&sim, versions, vec![Reply::RawTcp(garbage.clone())]);
        let client = client_with(&sim, |c| {
            c.insert("base_url".into(), Value::from(url));
        });
        let error = expect_error(client.terminate_contract(ORG, &user(1)), ErrorKind::Network);
        assert!(error.message().contains("TLS"), "{error}");
        assert!(error.request_sent(), "the outcome is unknown: {error}");
        let seen = server.join().unwrap();
        assert!(
            seen[0].request_head.starts_with("POST /v3/"),
            "the request was sent"
        );
    }
}
