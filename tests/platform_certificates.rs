//! WeChat Pay platform certificates downloaded from wxface-sim: a refresh by hand, the first
//! download of a client that holds no key (bootstrap), auto mode (one download, then at most
//! one per 60 s), rotation, expiry, a wrong APIv3 key — and a swap under load: 8 threads
//! calling and parsing notifications on one client while another thread refreshes in a loop.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::Value;
use support::*;
use wxface::{Client, Config, ErrorKind};
use wxface_sim::test_ids::{ORGANIZATION_ID, contracted_out_user, contracted_user};
use wxface_sim::{KeyMode, NotificationOptions, Sim, SimOptions};

fn certificate_sim(options: SimOptions) -> Sim {
    Sim::start(SimOptions {
        key_mode: KeyMode::Certificate,
        ..options
    })
    .expect("wxface-sim starts")
}

/// A client from the simulator's `client-auto.json`: the APIv3 key, auto mode, and no
/// configured WeChat Pay key at all.
fn auto_client(sim: &Sim) -> Client {
    Config::from_json_file(sim.client_auto_config_path())
        .and_then(Client::new)
        .expect("client-auto.json makes a client")
}

fn query(client: &Client, n: u32) -> Result<wxface::Response, wxface::Error> {
    client.query_user(ORGANIZATION_ID, &contracted_out_user(n))
}

#[test]
fn a_refresh_downloads_checks_and_counts_the_certificates() {
    let sim = certificate_sim(SimOptions::default());
    let client = client_for(&sim);
    assert_eq!(client.refresh_platform_certificates().unwrap(), 1);
    assert_eq!(sim.certificate_downloads(), 1);
    query(&client, 1).unwrap();
    // After a rotation both are listed and inside their validity period.
    sim.rotate_platform_certificate().unwrap();
    assert_eq!(client.refresh_platform_certificates().unwrap(), 2);
    query(&client, 1).expect("the answer, signed by the new certificate, verifies");
}

#[test]
fn a_client_without_any_key_bootstraps_from_the_download() {
    let sim = certificate_sim(SimOptions::default());
    let client = auto_client(&sim);
    // No key verifies this download's signature but the certificate it carries, which the
    // response's Wechatpay-Serial names.
    assert_eq!(client.refresh_platform_certificates().unwrap(), 1);
    query(&client, 1).unwrap();
    assert_eq!(
        sim.certificate_downloads(),
        1,
        "the call needed no second download"
    );
}

/// A client with the simulator's platform certificate configured, the APIv3 key, and auto
/// mode: it needs no download until the certificate rotates.
fn following_client(sim: &Sim) -> Client {
    let key = Value::from(sim.apiv3_key());
    client_with(sim, |c| {
        c.insert("apiv3_key".into(), key);
        c.insert("auto_platform_certificates".into(), Value::from(true));
    })
}

#[test]
fn auto_mode_downloads_at_the_first_call_then_not_again_within_60_seconds() {
    let sim = certificate_sim(SimOptions::default());
    let client = auto_client(&sim);
    for n in 1..=10 {
        query(&client, n).unwrap();
    }
    assert_eq!(sim.certificate_downloads(), 1, "one download for ten calls");
    // A rotation within 60 s of that download: the answer names an unknown serial, and the
    // client does not download again.
    sim.rotate_platform_certificate().unwrap();
    let error = expect_error(query(&client, 1), ErrorKind::Signature);
    assert!(error.request_sent());
    assert_eq!(
        sim.certificate_downloads(),
        1,
        "at most one download per 60 s"
    );
}

#[test]
fn auto_mode_follows_a_rotation_without_sending_the_request_twice() {
    let sim = certificate_sim(SimOptions::default());
    let client = following_client(&sim);
    query(&client, 1).unwrap();
    assert_eq!(
        sim.certificate_downloads(),
        0,
        "the configured certificate verifies"
    );

    // The certificate rotates: the next answer names an unknown serial; the client downloads
    // once and the same answer verifies — the request is not sent again.
    sim.rotate_platform_certificate().unwrap();
    let before = sim.requests().len();
    client
        .terminate_contract(ORGANIZATION_ID, &contracted_user(41))
        .unwrap();
    assert_eq!(sim.certificate_downloads(), 1);
    let terminates = sim.requests()[before..]
        .iter()
        .filter(|r| {
            r["target"]
                .as_str()
                .unwrap_or_default()
                .ends_with("/terminate-contract")
        })
        .count();
    assert_eq!(terminates, 1, "the terminate was sent once");

    // Another rotation within 60 s: no second download, for answers and notifications alike.
    sim.rotate_platform_certificate().unwrap();
    let error = expect_error(query(&client, 1), ErrorKind::Signature);
    assert!(error.request_sent());
    let n = sim
        .build_notification(&NotificationOptions::default())
        .unwrap();
    expect_error(parse_built(&client, &n), ErrorKind::Signature);
    assert_eq!(
        sim.certificate_downloads(),
        1,
        "at most one download per 60 s"
    );
    // A refresh by hand is the caller's decision: it is not held back.
    assert_eq!(client.refresh_platform_certificates().unwrap(), 2);
    query(&client, 1).unwrap();
    parse_built(&client, &n).expect("the notification verifies now");
}

#[test]
fn a_notification_from_a_rotated_certificate_triggers_one_download() {
    let sim = certificate_sim(SimOptions::default());
    let client = following_client(&sim);
    sim.rotate_platform_certificate().unwrap();
    let n = sim
        .build_notification(&NotificationOptions::default())
        .unwrap();
    let got = parse_built(&client, &n).expect("verified with the certificate downloaded for it");
    assert_eq!(got.id(), n.id);
    assert_eq!(sim.certificate_downloads(), 1);
}

#[test]
fn an_expired_certificate_is_never_used_and_the_error_names_it() {
    let sim = certificate_sim(SimOptions {
        expired_platform_certificate: true,
        ..SimOptions::default()
    });
    let expired = sim.current_platform_certificate();
    assert!(expired.expired);
    // Configured (client.json lists the expired certificate's file too) and downloaded alike.
    for client in [client_for(&sim), auto_client(&sim)] {
        let error = expect_error(query(&client, 1), ErrorKind::Signature);
        assert!(error.message().contains(&expired.serial_no), "{error}");
        assert!(error.message().contains("2024-01-01"), "{error}");
    }
    // The download lists it, but it is not counted as usable.
    let client = auto_client(&sim);
    let listed = sim.platform_certificates().len();
    assert_eq!(client.refresh_platform_certificates().unwrap(), listed - 1);
}

#[test]
fn a_wrong_apiv3_key_fails_the_refresh_and_keeps_the_old_set() {
    let sim = certificate_sim(SimOptions::default());
    let client = auto_client(&sim);
    query(&client, 1).unwrap();
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(sim.client_auto_config_path()).unwrap()).unwrap();
    doc["apiv3_key"] = Value::from("0123456789abcdef0123456789abcdef");
    let wrong = Config::from_json(&doc.to_string())
        .and_then(Client::new)
        .unwrap();
    let error = expect_error(wrong.refresh_platform_certificates(), ErrorKind::Signature);
    assert!(error.message().contains("APIv3 key"), "{error}");
    // The first client's set is untouched by another client's failure, and its own failed
    // refresh would keep its set too: a configured client still calls.
    let configured = client_with(&sim, |c| {
        c.insert(
            "apiv3_key".into(),
            Value::from("0123456789abcdef0123456789abcdef"),
        );
    });
    expect_error(
        configured.refresh_platform_certificates(),
        ErrorKind::Signature,
    );
    query(&configured, 2).expect("the configured certificate still verifies");
    query(&client, 2).unwrap();
}

#[test]
fn eight_threads_call_and_parse_while_another_refreshes_in_a_loop() {
    const THREADS: u32 = 8;
    const ROUNDS: u32 = 25;
    let sim = certificate_sim(SimOptions::default());
    // Only downloaded certificates can verify for this client: every refresh replaces them.
    let client = Arc::new(auto_client(&sim));
    query(&client, 1).unwrap();
    let notifications: Vec<_> = (0..THREADS * ROUNDS)
        .map(|i| {
            sim.build_notification(&NotificationOptions {
                user_id: Some(contracted_user(100 + i)),
                ..Default::default()
            })
            .unwrap()
        })
        .collect();
    let notifications = Arc::new(notifications);
    let done = Arc::new(AtomicBool::new(false));
    let refreshes = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));

    let refresher = {
        let (client, done, refreshes, failures) = (
            Arc::clone(&client),
            Arc::clone(&done),
            Arc::clone(&refreshes),
            Arc::clone(&failures),
        );
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                match client.refresh_platform_certificates() {
                    Ok(1) => refreshes.fetch_add(1, Ordering::SeqCst),
                    other => {
                        failures.lock().unwrap().push(format!("refresh: {other:?}"));
                        return;
                    }
                };
            }
        })
    };
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (client, notifications, failures) = (
                Arc::clone(&client),
                Arc::clone(&notifications),
                Arc::clone(&failures),
            );
            std::thread::spawn(move || {
                let mut ok = (0, 0);
                for round in 0..ROUNDS {
                    match query(&client, 1 + t) {
                        Ok(_) => ok.0 += 1,
                        Err(e) => failures.lock().unwrap().push(format!("call: {e}")),
                    }
                    let n = &notifications[(t * ROUNDS + round) as usize];
                    match parse_built(&client, n) {
                        Ok(parsed) if parsed.resource_text() == n.plaintext => ok.1 += 1,
                        Ok(_) => failures
                            .lock()
                            .unwrap()
                            .push("notification: wrong plaintext".into()),
                        Err(e) => failures.lock().unwrap().push(format!("notification: {e}")),
                    }
                }
                ok
            })
        })
        .collect();
    let (mut calls, mut parsed) = (0, 0);
    for worker in workers {
        let (c, p) = worker.join().unwrap();
        calls += c;
        parsed += p;
    }
    done.store(true, Ordering::SeqCst);
    refresher.join().unwrap();
    let failures = failures.lock().unwrap();
    let refreshes = refreshes.load(Ordering::SeqCst);
    println!(
        "certificate swap under load: {calls} calls and {parsed} notifications on {THREADS} threads, \
         {refreshes} refreshes alongside, {} failures",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures, first: {:?}",
        failures.len(),
        failures.first()
    );
    assert_eq!((calls, parsed), (THREADS * ROUNDS, THREADS * ROUNDS));
    assert!(refreshes >= 1, "the refresher ran");
    assert_eq!(sim.certificate_downloads() as usize, refreshes + 1);
}
