//! The headline call against wxface-sim: success in both key modes, the API errors the live
//! service gives, invalid ids that send nothing, and one client shared by 8 threads.

mod support;

use std::sync::Arc;

use serde_json::Value;
use support::*;
use wxface::ErrorKind;
use wxface_sim::{ContractState, KeyMode};

#[test]
fn terminates_in_public_key_mode() {
    let sim = start_sim(KeyMode::PublicKey);
    client_for(&sim).terminate_contract(ORG, &user(1)).unwrap();
    assert_eq!(
        sim.user_state(ORG, &user(1)),
        Some(ContractState::Terminated)
    );
    assert_eq!(sim.stats().requests_total, 1);
}

#[test]
fn terminates_in_certificate_mode() {
    let sim = start_sim(KeyMode::Certificate);
    assert!(
        sim.client_config()
            .get("platform_certificate_files")
            .is_some()
    );
    client_for(&sim).terminate_contract(ORG, &user(2)).unwrap();
    assert_eq!(
        sim.user_state(ORG, &user(2)),
        Some(ContractState::Terminated)
    );
}

#[test]
fn ids_are_percent_encoded_and_signed_as_sent() {
    let sim = start_sim(KeyMode::PublicKey);
    client_for(&sim)
        .terminate_contract("ORG:1+2@x", "u~._-9")
        .unwrap();
    let paths = sim.stats().requests_per_path;
    assert!(
        paths.contains_key(
            "/v3/offlinefacemch/organizations/ORG%3A1%2B2%40x/users/user-id/u~._-9/terminate-contract"
        ),
        "{paths:?}"
    );
}

#[test]
fn already_terminated_user_is_a_400_param_error() {
    let sim = start_sim(KeyMode::PublicKey);
    let error = expect_error(
        client_for(&sim).terminate_contract(ORG, TERMINATED_USER),
        ErrorKind::Api,
    );
    assert_eq!(error.http_status(), 400);
    assert_eq!(error.api_code(), "PARAM_ERROR");
    assert!(!error.request_id().is_empty());
}

#[test]
fn unknown_user_and_organization_are_404_not_found() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    for (org, user) in [(ORG, "NOBODY"), ("NO_SUCH_ORG", "U0000000001")] {
        let error = expect_error(client.terminate_contract(org, user), ErrorKind::Api);
        assert_eq!(error.http_status(), 404);
        assert_eq!(error.api_code(), "NOT_FOUND");
    }
}

#[test]
fn a_wrong_merchant_key_is_a_401_sign_error_with_the_servers_message() {
    let sim = start_sim(KeyMode::PublicKey);
    let other = start_sim(KeyMode::PublicKey);
    let other_key = other.client_config()["private_key_file"].clone();
    let client = client_with(&sim, |c| {
        c.insert("private_key_file".into(), other_key);
    });
    let error = expect_error(client.terminate_contract(ORG, &user(3)), ErrorKind::Api);
    assert_eq!(error.http_status(), 401);
    assert_eq!(error.api_code(), "SIGN_ERROR");
    let detail: Value = serde_json::from_str(error.detail_json()).expect("detail is JSON");
    let truncated = detail["sign_information"]["truncated_sign_message"]
        .as_str()
        .unwrap();
    assert!(truncated.starts_with(
        "POST\n/v3/offlinefacemch/organizations/DBES323aeb/users/user-id/U0000000003/terminate-contract\n"
    ));
    assert_eq!(sim.stats().signature_failures, 1);
    assert_eq!(
        sim.user_state(ORG, &user(3)),
        Some(ContractState::Contracted)
    );
}

#[test]
fn invalid_ids_are_rejected_before_anything_is_sent() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    for (org, user) in [
        ("", "U1"),
        (ORG, ""),
        ("..", "U1"),
        (ORG, "."),
        ("a/b", "U1"),
        (ORG, "a?b"),
        (ORG, "50%"),
        (ORG, "a#b"),
        (ORG, "a\\b"),
        (ORG, "学生"),
        (ORG, &"x".repeat(257)),
    ] {
        expect_error(
            client.terminate_contract(org, user),
            ErrorKind::InvalidArgument,
        );
    }
    assert_eq!(sim.stats().requests_total, 0);
    assert_eq!(sim.stats().connections_accepted, 0);
}

#[test]
fn eight_threads_share_one_client_for_800_calls() {
    const THREADS: u32 = 8;
    const CALLS: u32 = 100;
    let sim = start_sim(KeyMode::PublicKey);
    let client = Arc::new(client_for(&sim));
    let workers: Vec<_> = (0..THREADS)
        .map(|thread| {
            let client = Arc::clone(&client);
            std::thread::spawn(move || {
                for call in 0..CALLS {
                    client
                        .terminate_contract(ORG, &user(1000 + thread * CALLS + call))
                        .unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("no worker panicked");
    }
    let stats = sim.stats();
    assert_eq!(stats.requests_total, u64::from(THREADS * CALLS));
    assert!(
        stats.connections_accepted <= u64::from(2 * THREADS),
        "{} connections",
        stats.connections_accepted
    );
}

#[test]
fn a_certificate_given_as_the_private_key_is_a_config_error() {
    let sim = start_sim(KeyMode::PublicKey);
    let ca = sim.state_dir().join("ca.pem");
    let mut document = sim.client_config();
    document["private_key_file"] = Value::from(ca.to_str().unwrap());
    let error = wxface::Config::from_json(&document.to_string()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert_eq!(
        error.message(),
        format!(
            "private_key_file: {} holds a certificate, not a private key",
            ca.display()
        )
    );
}
