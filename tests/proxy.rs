//! The `proxy` setting: requests go through an HTTP CONNECT proxy, TLS end to end with
//! WeChat Pay (here wxface-sim), and responses are still verified.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;

use serde_json::Value;
use support::*;
use wxface::ErrorKind;
use wxface_sim::{ContractState, KeyMode};

/// A one-connection CONNECT proxy on 127.0.0.1. Returns its URL and a handle that yields the
/// CONNECT target it was asked for.
fn connect_proxy(response: &'static str) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let handle = std::thread::spawn(move || {
        let (client, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(client.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header == "\r\n" || header.is_empty() {
                break;
            }
        }
        let target = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        let mut client = client;
        client.write_all(response.as_bytes()).unwrap();
        if response.starts_with("HTTP/1.1 200") {
            let upstream = TcpStream::connect(&target).unwrap();
            let (mut up_read, mut up_write) = (upstream.try_clone().unwrap(), upstream);
            let mut down_write = client.try_clone().unwrap();
            let upward = std::thread::spawn(move || {
                let _ = std::io::copy(&mut reader, &mut up_write);
                let _ = up_write.shutdown(std::net::Shutdown::Write);
            });
            let _ = std::io::copy(&mut up_read, &mut down_write);
            let _ = down_write.shutdown(std::net::Shutdown::Both);
            upward.join().unwrap();
        }
        format!(
            "{} {}",
            request_line.split_whitespace().next().unwrap_or_default(),
            target
        )
    });
    (url, handle)
}

#[test]
fn terminates_through_a_connect_proxy() {
    let sim = start_sim(KeyMode::PublicKey);
    let (proxy, seen) = connect_proxy("HTTP/1.1 200 Connection Established\r\n\r\n");
    let client = client_with(&sim, |c| {
        c.insert("proxy".into(), Value::from(proxy));
    });
    client.terminate_contract(ORG, &user(1)).unwrap();
    assert_eq!(
        sim.user_state(ORG, &user(1)),
        Some(ContractState::Terminated)
    );
    drop(client); // closes the pooled connection, so the proxy's copy loops end
    assert_eq!(
        seen.join().unwrap(),
        format!("CONNECT 127.0.0.1:{}", sim.port())
    );
}

#[test]
fn a_proxy_that_refuses_is_a_network_error_and_nothing_reaches_the_server() {
    let sim = start_sim(KeyMode::PublicKey);
    let (proxy, seen) = connect_proxy("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    let client = client_with(&sim, |c| {
        c.insert("proxy".into(), Value::from(proxy));
    });
    expect_error(client.terminate_contract(ORG, &user(2)), ErrorKind::Network);
    seen.join().unwrap();
    assert_eq!(sim.stats().connections_accepted, 0);
}
