//! Notifications (webhooks) fresh from wxface-sim, in both key modes: a good one, and each
//! way one can be bad (tampered body, wrong APIv3 key, unknown serial, stale or future
//! timestamp, another algorithm, oversized), another event type, and one delivered to a real
//! receiver when a contract is terminated. The independent vectors are the unit tests'
//! (`src/notification.rs`).

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use support::*;
use wxface::{Client, ErrorKind, Notification};
use wxface_sim::test_ids::{ORGANIZATION_ID, contracted_out_user, contracted_user};
use wxface_sim::{BuiltNotification, DeliveryOutcome, KeyMode, NotificationOptions, Sim};

fn build(sim: &Sim, options: NotificationOptions) -> BuiltNotification {
    sim.build_notification(&options)
        .expect("the simulator builds a notification")
}

/// Parses `options`' notification and returns the error, which must be of `kind` and say `says`.
fn refused(sim: &Sim, client: &Client, options: NotificationOptions, kind: ErrorKind, says: &str) {
    let n = build(sim, options);
    let error = expect_error(parse_built(client, &n), kind);
    assert!(
        error.message().contains(says),
        "expected {says:?} in: {error}"
    );
    assert!(!error.request_sent(), "parsing sends nothing");
}

#[test]
fn a_good_notification_verifies_and_decrypts_in_both_key_modes() {
    for key_mode in [KeyMode::PublicKey, KeyMode::Certificate] {
        let sim = start_sim(key_mode);
        let client = client_for(&sim);
        let user = contracted_user(7);
        let n = build(
            &sim,
            NotificationOptions {
                user_id: Some(user.clone()),
                ..Default::default()
            },
        );
        let got = parse_built(&client, &n).unwrap_or_else(|e| panic!("{key_mode:?}: {e}"));
        let envelope: Value = serde_json::from_str(&n.body).unwrap();
        assert_eq!(got.id(), n.id);
        assert_eq!(got.event_type(), "FACEPAY.USER_STATE_CHANGE");
        assert_eq!(got.create_time(), envelope["create_time"]);
        assert_eq!(got.summary(), envelope["summary"]);
        assert_eq!(got.resource_text(), n.plaintext);
        let plain: Value = serde_json::from_str(&n.plaintext).unwrap();
        for field in [
            "user_id",
            "out_user_id",
            "organization_id",
            "mch_id",
            "appid",
            "openid",
            "contract_id",
        ] {
            let pointer = format!("/{field}");
            assert_eq!(got.pointer(&pointer), plain.get(field), "{field}");
        }
        assert_eq!(got.pointer("/user_id"), Some(&Value::from(user)));
        assert_eq!(
            got.pointer("/out_user_id"),
            Some(&Value::from(contracted_out_user(7)))
        );
    }
}

#[test]
fn each_bad_notification_is_refused_with_the_check_that_failed() {
    let sim = start_sim(KeyMode::Certificate);
    let client = client_for(&sim);
    let o = NotificationOptions::default;
    refused(
        &sim,
        &client,
        NotificationOptions {
            tamper: true,
            ..o()
        },
        ErrorKind::Signature,
        "signature",
    );
    refused(
        &sim,
        &client,
        NotificationOptions {
            apiv3_key: Some("0123456789abcdef0123456789abcdef".into()),
            ..o()
        },
        ErrorKind::Signature,
        "does not decrypt with the APIv3 key",
    );
    refused(
        &sim,
        &client,
        NotificationOptions {
            serial: Some("PUB_KEY_ID_0000000000000000000000000000".into()),
            ..o()
        },
        ErrorKind::Signature,
        "PUB_KEY_ID_0000000000000000000000000000",
    );
    refused(
        &sim,
        &client,
        NotificationOptions {
            timestamp_offset_s: -400,
            ..o()
        },
        ErrorKind::Signature,
        "behind",
    );
    refused(
        &sim,
        &client,
        NotificationOptions {
            timestamp_offset_s: 400,
            ..o()
        },
        ErrorKind::Signature,
        "ahead",
    );
    refused(
        &sim,
        &client,
        NotificationOptions {
            algorithm: Some("AEAD_SM4_GCM".into()),
            ..o()
        },
        ErrorKind::Response,
        "algorithm",
    );
    // 299 s either way is inside the window.
    for offset in [-299, 299] {
        let n = build(
            &sim,
            NotificationOptions {
                timestamp_offset_s: offset,
                ..o()
            },
        );
        parse_built(&client, &n).unwrap_or_else(|e| panic!("{offset} s: {e}"));
    }
}

#[test]
fn a_missing_header_and_an_oversized_body_are_named() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = client_for(&sim);
    let n = build(&sim, NotificationOptions::default());
    for missing in [
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature",
        "Wechatpay-Serial",
    ] {
        let header = |name: &str| {
            if name == missing {
                String::new()
            } else {
                n.header(name).unwrap().to_owned()
            }
        };
        let error = expect_error(
            client.parse_notification(
                &header("Wechatpay-Timestamp"),
                &header("Wechatpay-Nonce"),
                &header("Wechatpay-Signature"),
                &header("Wechatpay-Serial"),
                n.body.as_bytes(),
            ),
            ErrorKind::Signature,
        );
        assert!(error.message().contains(missing), "{error}");
    }
    let mut big = n.body.clone().into_bytes();
    big.resize((1 << 20) + 1, b' ');
    let error = expect_error(parse_with_body(&client, &n, &big), ErrorKind::Response);
    assert!(error.message().contains("over the"), "{error}");
    let error = expect_error(
        parse_with_body(&client, &n, b"not json"),
        ErrorKind::Signature,
    );
    assert!(
        error.message().contains("signature"),
        "the body is signed: {error}"
    );
}

#[test]
fn any_event_type_is_accepted() {
    let sim = start_sim(KeyMode::Certificate);
    let client = client_for(&sim);
    for event_type in [
        "TRANSACTION.SUCCESS",
        "REFUND.SUCCESS",
        "FACEPAY.SOMETHING_NEW",
    ] {
        let n = build(
            &sim,
            NotificationOptions {
                event_type: Some(event_type.into()),
                ..Default::default()
            },
        );
        let got = parse_built(&client, &n).unwrap_or_else(|e| panic!("{event_type}: {e}"));
        assert_eq!(got.event_type(), event_type);
        assert_eq!(got.resource_text(), n.plaintext);
    }
    // A resource that is not JSON is still given as text.
    let n = build(
        &sim,
        NotificationOptions {
            plaintext: Some(Value::from("plain text, not JSON")),
            ..Default::default()
        },
    );
    let got = parse_built(&client, &n).unwrap();
    assert_eq!(got.resource_text(), "plain text, not JSON");
    assert_eq!(got.pointer("/user_id"), None);
}

/// A one-connection-at-a-time HTTP receiver that parses each notification with `client` and
/// answers 204, or 400 with `{"code":"FAIL"}`; returns its URL and what it parsed.
fn receiver(
    client: Arc<Client>,
) -> (
    String,
    std::sync::mpsc::Receiver<Result<Notification, String>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let (sender, parsed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.trim_end().split_once(':') {
                    headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
            let header = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let mut body = vec![0; header("content-length").parse().unwrap_or(0)];
            reader.read_exact(&mut body).unwrap();
            let result = client.parse_notification(
                &header("wechatpay-timestamp"),
                &header("wechatpay-nonce"),
                &header("wechatpay-signature"),
                &header("wechatpay-serial"),
                &body,
            );
            let reply: &[u8] = match &result {
                Ok(_) => b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
                Err(_) => b"HTTP/1.1 400 Bad Request\r\nContent-Length: 16\r\nConnection: close\r\n\r\n{\"code\":\"FAIL\"}\n",
            };
            // Handed to the test before the reply goes out: once the sender has the reply,
            // the test already has the result.
            if sender.send(result.map_err(|e| e.to_string())).is_err() {
                return;
            }
            let _ = stream.write_all(reply);
        }
    });
    (url, parsed)
}

#[test]
fn terminating_a_contract_delivers_a_notification_the_receiver_accepts() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = Arc::new(client_for(&sim));
    let (url, parsed) = receiver(Arc::clone(&client));
    sim.set_notify_url(Some(&url)).unwrap();
    let user = contracted_user(31);
    client.terminate_contract(ORGANIZATION_ID, &user).unwrap();
    let deliveries = sim
        .wait_for_notifications(1, Duration::from_secs(30))
        .expect("delivered");
    assert_eq!(
        deliveries[0].outcome,
        DeliveryOutcome::Delivered,
        "{:?}",
        deliveries[0]
    );
    assert_eq!(deliveries[0].trigger, "terminate");
    let n = parsed.recv().unwrap().expect("the receiver accepted it");
    assert_eq!(n.event_type(), "FACEPAY.USER_STATE_CHANGE");
    assert_eq!(n.pointer("/user_id"), Some(&Value::from(user)));
    assert_eq!(
        n.pointer("/organization_id"),
        Some(&Value::from(ORGANIZATION_ID))
    );
}

#[test]
fn a_refused_notification_is_retried_by_the_sender() {
    let sim = start_sim(KeyMode::PublicKey);
    let client = Arc::new(client_for(&sim));
    let (url, parsed) = receiver(client);
    let options = NotificationOptions {
        tamper: true,
        ..Default::default()
    };
    let delivery = sim.send_notification(&options, Some(&url)).unwrap();
    assert_eq!(delivery.outcome, DeliveryOutcome::Failed);
    assert!(
        delivery.attempts.len() > 1,
        "retried: {:?}",
        delivery.attempts
    );
    for attempt in &delivery.attempts {
        assert_eq!(attempt.status, Some(400));
        assert!(attempt.reply.contains("FAIL"), "{}", attempt.reply);
    }
    let refusals: Vec<_> = parsed.try_iter().collect();
    assert_eq!(refusals.len(), delivery.attempts.len());
    assert!(refusals.iter().all(Result::is_err));
}
