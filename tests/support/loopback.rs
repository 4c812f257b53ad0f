//! Tiny loopback HTTPS servers made in a test, with the simulator's test CA and server
//! certificate, for responses wxface-sim does not give: they read one request head per
//! connection, then do what the test scripted, and show what they saw.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread::JoinHandle;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use wxface_sim::Sim;

/// What a server does on one connection once it has read the request head.
pub enum Reply {
    /// Sends these bytes through TLS, then closes with close_notify.
    Response(Vec<u8>),
    /// Writes these bytes on the TCP socket itself, past TLS (a corrupt record), then closes.
    RawTcp(Vec<u8>),
}

/// What a server saw of one connection.
pub struct Seen {
    pub version: Option<rustls::ProtocolVersion>,
    pub request_head: String,
    /// The request body, as many bytes as its `Content-Length` said (none without one).
    pub request_body: Vec<u8>,
}

/// Serves `replies.len()` connections on 127.0.0.1 with the simulator's certificate, speaking
/// only `versions`. Returns the base URL and a handle that yields what each connection saw.
pub fn tls_server(
    sim: &Sim,
    versions: &[&'static rustls::SupportedProtocolVersion],
    replies: Vec<Reply>,
) -> (String, JoinHandle<Vec<Seen>>) {
    let dir = sim.state_dir();
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key.pem")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let handle = std::thread::spawn(move || {
        replies
            .into_iter()
            .map(|reply| {
                let (tcp, _) = listener.accept().unwrap();
                let connection = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
                let mut tls = rustls::StreamOwned::new(connection, tcp);
                let request_head = read_head(&mut tls);
                let request_body = read_body(&mut tls, &request_head);
                let version = tls.conn.protocol_version();
                match reply {
                    Reply::Response(response) => {
                        // The client may have given up already (a test of limits): ignore
                        // a broken pipe.
                        let _ = tls.write_all(&response);
                        tls.conn.send_close_notify();
                        let _ = tls.flush();
                    }
                    Reply::RawTcp(bytes) => {
                        let _ = tls.sock.write_all(&bytes);
                    }
                }
                Seen {
                    version,
                    request_head,
                    request_body,
                }
            })
            .collect()
    });
    (url, handle)
}

pub fn read_head(stream: &mut impl Read) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).unwrap_or(0) == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

/// The body that follows `head`: `Content-Length` bytes, or fewer if the stream ends first.
fn read_body(stream: &mut impl Read, head: &str) -> Vec<u8> {
    let length = head
        .lines()
        .find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<u64>().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut body = Vec::new();
    let _ = stream.take(length).read_to_end(&mut body);
    body
}

/// A header's value in a request head (case-insensitive name); panics if absent.
pub fn header<'a>(head: &'a str, name: &str) -> &'a str {
    head.lines()
        .find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
        .unwrap_or_else(|| panic!("no {name} header in {head}"))
}

/// A complete HTTP/1.1 response that closes the connection.
pub fn response(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}
