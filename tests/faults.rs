//! Every wxface-sim fault, in both key modes, gives the status the C API contract names;
//! transport failures (refused, untrusted, timeout) and the one safe failover.

mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;
use wxface::ErrorKind;
use wxface_sim::{ContractState, Fault, KeyMode};

const SIGNATURE_HEADERS: [&str; 5] = [
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
];

fn fault_table() -> Vec<(Fault, ErrorKind)> {
    let mut table = vec![
        (Fault::BadSignature, ErrorKind::Signature),
        (Fault::ProbeSignature, ErrorKind::Signature),
        (Fault::UnknownSerial, ErrorKind::Signature),
        (Fault::TimestampOffset(-400), ErrorKind::Signature),
        (Fault::TimestampOffset(400), ErrorKind::Signature),
        (
            Fault::Status {
                status: 500,
                html: false,
            },
            ErrorKind::Api,
        ),
        (
            Fault::Status {
                status: 502,
                html: true,
            },
            ErrorKind::Api,
        ),
        (Fault::DropConnection, ErrorKind::Network),
        (Fault::DropMidBody, ErrorKind::Network),
        (Fault::TruncatedBody, ErrorKind::Network),
        (Fault::OversizedBody(2 << 20), ErrorKind::Response),
    ];
    for header in SIGNATURE_HEADERS {
        table.push((Fault::MissingHeader(header.into()), ErrorKind::Signature));
    }
    table
}

fn run_fault_table(mode: KeyMode) {
    let sim = start_sim(mode);
    let client = client_for(&sim);
    for (n, (fault, kind)) in fault_table().into_iter().enumerate() {
        let label = format!("{fault:?}");
        sim.set_fault(fault, Some(1));
        let error = expect_error(client.terminate_contract(ORG, &user(100 + n as u32)), kind);
        if kind == ErrorKind::Api {
            assert!(error.http_status() >= 500, "{label}: {error}");
        }
        // The fault was for one request only: the next call goes through.
        client
            .terminate_contract(ORG, &user(200 + n as u32))
            .unwrap_or_else(|e| panic!("after {label}: {e}"));
    }
}

#[test]
fn every_fault_in_public_key_mode() {
    run_fault_table(KeyMode::PublicKey);
}

#[test]
fn every_fault_in_certificate_mode() {
    run_fault_table(KeyMode::Certificate);
}

#[test]
fn timestamps_within_300_seconds_are_accepted() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    for (n, offset) in [-290, 290].into_iter().enumerate() {
        sim.set_fault(Fault::TimestampOffset(offset), Some(1));
        client
            .terminate_contract(ORG, &user(10 + n as u32))
            .unwrap();
    }
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
fn api_errors_from_a_proxy_page_keep_the_status() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    for status in [401u16, 403, 404, 429, 500, 502, 503] {
        for html in [false, true] {
            sim.set_fault(Fault::Status { status, html }, Some(1));
            let error = expect_error(client.terminate_contract(ORG, &user(30)), ErrorKind::Api);
            assert_eq!(error.http_status(), status);
            assert_eq!(
                error.api_code().is_empty(),
                html,
                "status {status} html {html}: {error}"
            );
        }
    }
}

#[test]
fn a_slow_answer_times_out_within_the_request_timeout() {
    let sim = start_sim(KeyMode::PublicKey);
    sim.set_fault(Fault::Delay(Duration::from_secs(5)), Some(1));
    let client = client_with(&sim, |c| short_timeouts(c, 1000));
    let started = Instant::now();
    expect_error(
        client.terminate_contract(ORG, &user(40)),
        ErrorKind::Timeout,
    );
    assert!(
        started.elapsed() < Duration::from_millis(1000) + SLACK,
        "took {:?}",
        started.elapsed()
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
    expect_error(
        client.terminate_contract(ORG, &user(60)),
        ErrorKind::Network,
    );
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

#[test]
fn never_fails_over_once_the_request_was_sent() {
    let primary = start_sim(KeyMode::PublicKey);
    let backup = start_sim(KeyMode::PublicKey);
    primary.set_fault(Fault::DropConnection, None);
    let client = client_with(&primary, |c| {
        c.insert("backup_base_url".into(), Value::from(backup.base_url()));
    });
    expect_error(
        client.terminate_contract(ORG, &user(80)),
        ErrorKind::Network,
    );
    assert_eq!(primary.stats().requests_total, 1);
    assert_eq!(backup.stats().requests_total, 0);
    assert_eq!(backup.stats().connections_accepted, 0);
}

#[test]
fn a_connection_closed_by_the_server_while_idle_is_replaced() {
    let sim = wxface_sim::Sim::start(wxface_sim::SimOptions {
        idle_close_after: Some(Duration::from_millis(300)),
        ..Default::default()
    })
    .unwrap();
    let client = client_for(&sim);
    client.terminate_contract(ORG, &user(90)).unwrap();
    // The scenario itself is an idle period longer than the server's idle limit.
    std::thread::sleep(Duration::from_millis(800));
    client.terminate_contract(ORG, &user(91)).unwrap();
    assert_eq!(sim.stats().requests_total, 2);
    assert_eq!(sim.stats().connections_accepted, 2);
}
