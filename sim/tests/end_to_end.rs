//! End to end: a real HTTPS client signs requests with the merchant key from the state
//! dir, the simulator verifies them, and its answers verify with the WeChat Pay key.

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer, ServerName, SubjectPublicKeyInfoDer};
use serde_json::Value;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
use wxface_sim::{ContractState, Fault, KeyMode, Sim, SimOptions};

const TERMINATE_U1: &str =
    "/v3/offlinefacemch/organizations/DBES323aeb/users/user-id/U0000000001/terminate-contract";

/// One state dir for every test in this process: keys are generated once, and the
/// simulator's lock file keeps parallel starts from racing.
fn shared_state_dir() -> PathBuf {
    std::env::temp_dir().join(format!("wxface-sim-e2e-{}", std::process::id()))
}

fn start(key_mode: KeyMode, idle_close_after: Option<Duration>) -> Sim {
    Sim::start(SimOptions {
        state_dir: shared_state_dir(),
        key_mode,
        idle_close_after,
        ..SimOptions::default()
    })
    .expect("simulator starts")
}

fn agent(sim: &Sim) -> ureq::Agent {
    let ca = std::fs::read(sim.state_dir().join("ca.pem")).unwrap();
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(RootCerts::Specific(Arc::new(vec![
            Certificate::from_pem(&ca).unwrap(),
        ])))
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

struct Signed {
    authorization: String,
    nonce: String,
    timestamp: String,
}

/// Signs `METHOD\nTARGET\nTS\nNONCE\nBODY\n` with the merchant key from the state dir.
fn sign(sim: &Sim, method: &str, target: &str, body: &str) -> Signed {
    let config = sim.client_config();
    let key =
        PrivatePkcs8KeyDer::from_pem_file(config["private_key_file"].as_str().unwrap()).unwrap();
    let key = aws_lc_rs::rsa::KeyPair::from_pkcs8(key.secret_pkcs8_der()).unwrap();
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let mut nonce_bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut nonce_bytes).unwrap();
    let nonce: String = nonce_bytes.iter().map(|b| format!("{b:02x}")).collect();
    let message = format!("{method}\n{target}\n{timestamp}\n{nonce}\n{body}\n");
    let mut signature = vec![0u8; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message.as_bytes(),
        &mut signature,
    )
    .unwrap();
    let authorization = format!(
        r#"WECHATPAY2-SHA256-RSA2048 mchid="{}",nonce_str="{nonce}",timestamp="{timestamp}",serial_no="{}",signature="{}""#,
        config["mchid"].as_str().unwrap(),
        config["merchant_serial_no"].as_str().unwrap(),
        STANDARD.encode(signature)
    );
    Signed {
        authorization,
        nonce,
        timestamp,
    }
}

struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

fn post(
    agent: &ureq::Agent,
    sim: &Sim,
    target: &str,
    authorization: Option<&str>,
) -> Result<Reply, ureq::Error> {
    let mut request = agent
        .post(format!("{}{target}", sim.base_url()))
        .header("Accept", "application/json");
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    let mut response = request.send_empty()?;
    let headers = response.headers().clone();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()?;
    Ok(Reply {
        status: response.status().as_u16(),
        headers,
        body,
    })
}

/// Verifies the answer's signature with the key named in the sim's client config.
fn answer_verifies(sim: &Sim, reply: &Reply) -> bool {
    let config = sim.client_config();
    let (key_file, expected_serial) = match config.get("wechatpay_public_key_file") {
        Some(file) => (
            file.as_str().unwrap().to_owned(),
            config["wechatpay_public_key_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        ),
        None => {
            let file = config["platform_certificate_files"][0]
                .as_str()
                .unwrap()
                .to_owned();
            (file, String::new())
        }
    };
    let spki = if expected_serial.is_empty() {
        // Certificate mode: take the key out of the certificate with rustls' parser.
        let cert = CertificateDer::from_pem_file(&key_file).unwrap();
        let parsed = rustls::server::ParsedCertificate::try_from(&cert).unwrap();
        parsed.subject_public_key_info().as_ref().to_vec()
    } else {
        assert_eq!(
            reply.header("wechatpay-serial").as_deref(),
            Some(expected_serial.as_str())
        );
        SubjectPublicKeyInfoDer::from_pem_file(&key_file)
            .unwrap()
            .as_ref()
            .to_vec()
    };
    assert_eq!(
        reply.header("wechatpay-signature-type").as_deref(),
        Some("WECHATPAY2-SHA256-RSA2048")
    );
    let (Some(ts), Some(nonce), Some(signature)) = (
        reply.header("wechatpay-timestamp"),
        reply.header("wechatpay-nonce"),
        reply.header("wechatpay-signature"),
    ) else {
        return false;
    };
    let Ok(signature) = STANDARD.decode(signature) else {
        return false;
    };
    let mut message = format!("{ts}\n{nonce}\n").into_bytes();
    message.extend_from_slice(&reply.body);
    message.push(b'\n');
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki)
        .verify(&message, &signature)
        .is_ok()
}

fn json(reply: &Reply) -> Value {
    serde_json::from_slice(&reply.body).expect("JSON body")
}

#[test]
fn terminate_is_signed_verified_and_replay_protected() {
    let sim = start(KeyMode::PublicKey, None);
    let agent = agent(&sim);
    let signed = sign(&sim, "POST", TERMINATE_U1, "");

    let reply = post(&agent, &sim, TERMINATE_U1, Some(&signed.authorization)).unwrap();
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    assert!(answer_verifies(&sim, &reply));
    let request_id = reply.header("request-id").expect("Request-ID");
    assert_eq!(
        sim.user_state("DBES323aeb", "U0000000001"),
        Some(ContractState::Terminated)
    );

    // The very same request again: a replayed nonce.
    let replay = post(&agent, &sim, TERMINATE_U1, Some(&signed.authorization)).unwrap();
    assert_eq!(replay.status, 401);
    assert!(
        answer_verifies(&sim, &replay),
        "error answers are signed too"
    );
    assert_ne!(replay.header("request-id").unwrap(), request_id);
    let doc = json(&replay);
    assert_eq!(doc["code"], "SIGN_ERROR");
    assert!(
        doc["detail"]["issue"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{doc}"
    );

    // A signature made for another user does not verify for this path.
    let other = sign(
        &sim,
        "POST",
        &TERMINATE_U1.replace("U0000000001", "U0000000002"),
        "",
    );
    let bad = post(&agent, &sim, TERMINATE_U1, Some(&other.authorization)).unwrap();
    assert_eq!(bad.status, 401);
    let doc = json(&bad);
    assert_eq!(doc["code"], "SIGN_ERROR");
    let info = &doc["detail"]["sign_information"];
    assert_eq!(info["method"], "POST");
    assert_eq!(info["url"], TERMINATE_U1);
    let expected = format!(
        "POST\n{TERMINATE_U1}\n{}\n{}\n\n",
        other.timestamp, other.nonce
    );
    assert_eq!(info["truncated_sign_message"], expected.as_str());
    assert_eq!(info["sign_message_length"], expected.len());
    assert_eq!(
        sim.user_state("DBES323aeb", "U0000000002"),
        Some(ContractState::Contracted)
    );

    let missing = post(&agent, &sim, TERMINATE_U1, None).unwrap();
    assert_eq!(missing.status, 401);

    let stats = sim.stats();
    assert_eq!(stats.requests_total, 4);
    assert_eq!(stats.requests_per_path[TERMINATE_U1], 4);
    assert_eq!(stats.signature_failures, 3);
    assert_eq!(
        stats.connections_accepted, 1,
        "keep-alive reuses the connection"
    );
}

#[test]
fn k12_outcomes_and_encoded_ids() {
    let sim = start(KeyMode::Certificate, None);
    let agent = agent(&sim);
    let call = |target: &str| {
        let signed = sign(&sim, "POST", target, "");
        post(&agent, &sim, target, Some(&signed.authorization)).unwrap()
    };

    let encoded =
        "/v3/offlinefacemch/organizations/ORG%3A1%2B2%40x/users/user-id/u~._-9/terminate-contract";
    let reply = call(encoded);
    assert_eq!(reply.status, 204);
    assert!(answer_verifies(&sim, &reply));
    let serial = reply.header("wechatpay-serial").unwrap();
    assert_eq!(
        serial.len(),
        40,
        "certificate mode names the platform certificate serial"
    );
    assert_eq!(
        sim.user_state("ORG:1+2@x", "u~._-9"),
        Some(ContractState::Terminated)
    );

    let terminated = call(&TERMINATE_U1.replace("U0000000001", "U9000000001"));
    assert_eq!(terminated.status, 400);
    assert_eq!(json(&terminated)["code"], "PARAM_ERROR");
    assert!(answer_verifies(&sim, &terminated));

    assert_eq!(
        json(&call(&TERMINATE_U1.replace("U0000000001", "U0000100000")))["code"],
        "NOT_FOUND"
    );
    assert_eq!(
        json(&call(&TERMINATE_U1.replace("DBES323aeb", "NOPE")))["code"],
        "NOT_FOUND"
    );
    let other_path = call("/v3/offlinefacemch/no-such-api");
    assert_eq!(other_path.status, 404);
    assert_eq!(json(&other_path)["code"], "NOT_FOUND");
}

#[test]
fn faults_from_the_api_and_the_control_endpoint() {
    let sim = start(KeyMode::PublicKey, None);
    let agent = agent(&sim);
    let user = |n: u32| TERMINATE_U1.replace("U0000000001", &format!("U{n:010}"));
    let call = |target: &str| {
        let signed = sign(&sim, "POST", target, "");
        post(&agent, &sim, target, Some(&signed.authorization))
    };

    sim.set_fault(Fault::BadSignature, Some(1));
    let reply = call(&user(10)).unwrap();
    assert_eq!(reply.status, 204);
    assert!(!answer_verifies(&sim, &reply));
    assert_eq!(
        sim.user_state("DBES323aeb", "U0000000010"),
        Some(ContractState::Contracted),
        "faults replace processing"
    );
    let reply = call(&user(10)).unwrap();
    assert!(answer_verifies(&sim, &reply), "count of 1 is used up");

    sim.set_fault(Fault::UnknownSerial, None);
    let reply = call(&user(11)).unwrap();
    assert_eq!(
        reply.header("wechatpay-serial").as_deref(),
        Some("PUB_KEY_ID_0119000000012025000000009999")
    );
    sim.set_fault(Fault::MissingHeader("Wechatpay-Nonce".into()), None);
    assert_eq!(call(&user(11)).unwrap().header("wechatpay-nonce"), None);
    sim.clear_faults();

    sim.set_fault("timestamp_offset:-400".parse().unwrap(), Some(1));
    let reply = call(&user(12)).unwrap();
    let ts: i64 = reply
        .header("wechatpay-timestamp")
        .unwrap()
        .parse()
        .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - 400 - ts).abs() <= 2);
    assert!(
        answer_verifies(&sim, &reply),
        "signed over the shifted timestamp"
    );

    sim.set_fault(Fault::ProbeSignature, Some(1));
    assert!(
        call(&user(12))
            .unwrap()
            .header("wechatpay-signature")
            .unwrap()
            .starts_with("WECHATPAY/SIGNTEST/")
    );

    sim.set_fault(Fault::OversizedBody(3 << 20), Some(1));
    let reply = call(&user(12)).unwrap();
    assert_eq!(reply.body.len(), 3 << 20);
    assert!(answer_verifies(&sim, &reply));

    // Control endpoint: an HTML 502 from a "proxy", without signature or Request-ID.
    let control = agent
        .post(format!("{}/__sim/faults", sim.base_url()))
        .send(r#"{"fault":"status:502:html","count":1}"#)
        .unwrap();
    assert_eq!(control.status().as_u16(), 204);
    let reply = call(&user(13)).unwrap();
    assert_eq!(reply.status, 502);
    assert!(String::from_utf8_lossy(&reply.body).contains("502 Bad Gateway"));
    assert_eq!(reply.header("wechatpay-signature"), None);
    assert_eq!(reply.header("request-id"), None);

    sim.set_fault("status:500:json".parse().unwrap(), Some(1));
    let reply = call(&user(13)).unwrap();
    assert_eq!(reply.status, 500);
    assert_eq!(json(&reply)["code"], "SYSTEM_ERROR");
    assert!(answer_verifies(&sim, &reply));

    // Broken transports surface as client errors, never as a complete answer.
    for fault in [
        Fault::DropConnection,
        Fault::DropMidBody,
        Fault::TruncatedBody,
    ] {
        sim.set_fault(fault.clone(), Some(1));
        assert!(call(&user(14)).is_err(), "{fault} must fail the call");
    }
    assert_eq!(
        sim.user_state("DBES323aeb", "U0000000014"),
        Some(ContractState::Contracted)
    );
    assert_eq!(
        call(&user(14)).unwrap().status,
        204,
        "recovered after the faults"
    );

    // Stats over the control endpoint; control requests are not counted.
    let before = sim.stats().requests_total;
    let mut stats = agent
        .get(format!("{}/__sim/stats", sim.base_url()))
        .call()
        .unwrap();
    let doc: Value = serde_json::from_slice(&stats.body_mut().read_to_vec().unwrap()).unwrap();
    assert_eq!(doc["requests_total"], before);
    assert!(
        doc["connections_accepted"].as_u64().unwrap() >= 4,
        "dropped connections were replaced"
    );
    let reset = agent
        .post(format!("{}/__sim/stats/reset", sim.base_url()))
        .send_empty()
        .unwrap();
    assert_eq!(reset.status().as_u16(), 204);
    assert_eq!(sim.stats().requests_total, 0);
    let delete = agent
        .delete(format!("{}/__sim/faults", sim.base_url()))
        .call()
        .unwrap();
    assert_eq!(delete.status().as_u16(), 204);
}

#[test]
fn idle_connections_are_closed_by_the_server() {
    let sim = start(KeyMode::PublicKey, Some(Duration::from_millis(500)));
    let mut tls = tls_stream(&sim);
    let opened = Instant::now();
    let mut buf = [0u8; 16];
    let read = tls.read(&mut buf);
    assert!(
        matches!(read, Ok(0)),
        "server closed the idle connection cleanly: {read:?}"
    );
    assert!(
        opened.elapsed() >= Duration::from_millis(400),
        "not before the idle limit"
    );
    assert_eq!(sim.stats().connections_accepted, 1);
}

#[test]
fn state_dir_files_are_all_there() {
    let sim = start(KeyMode::PublicKey, None);
    for name in [
        "ca.pem",
        "ca.key.pem",
        "server.pem",
        "server.key.pem",
        "merchant_key.pem",
        "merchant_cert.pem",
        "wechatpay_key.pem",
        "wechatpay_public_key.pem",
        "wechatpay_platform_cert.pem",
        "client.json",
        "client-public-key.json",
        "client-certificate.json",
    ] {
        assert!(sim.state_dir().join(name).is_file(), "{name}");
    }
    let config = sim.client_config();
    assert_eq!(config["base_url"], sim.base_url().as_str());
    assert!(
        config["wechatpay_public_key_id"]
            .as_str()
            .unwrap()
            .starts_with("PUB_KEY_ID_0119000000012025")
    );
    assert!(Path::new(config["root_ca_file"].as_str().unwrap()).is_absolute());
    let on_disk: Value =
        serde_json::from_slice(&std::fs::read(sim.client_config_path()).unwrap()).unwrap();
    // Another test's simulator may have rewritten the shared dir's client.json since.
    assert_eq!(on_disk["merchant_serial_no"], config["merchant_serial_no"]);
}

/// A TLS connection to the simulator, trusting its CA. The read timeout is a safety net
/// only: reads end when the server closes the connection.
fn tls_stream(sim: &Sim) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let ca = CertificateDer::from_pem_file(sim.state_dir().join("ca.pem")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connection =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("127.0.0.1").unwrap())
            .unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", sim.port())).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    rustls::StreamOwned::new(connection, tcp)
}

/// Sends raw request bytes over TLS and returns every byte the server sent before it
/// closed the connection (cleanly or not).
fn raw_exchange(sim: &Sim, request: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut tls = tls_stream(sim);
    tls.write_all(request).unwrap();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return received,
            Ok(n) => received.extend_from_slice(&buf[..n]),
        }
    }
}

fn raw_terminate(sim: &Sim, user: &str) -> Vec<u8> {
    let target = TERMINATE_U1.replace("U0000000001", user);
    let signed = sign(sim, "POST", &target, "");
    let request = format!(
        "POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        signed.authorization
    );
    raw_exchange(sim, request.as_bytes())
}

fn split_head(raw: &[u8]) -> (String, &[u8]) {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head")
        + 4;
    (
        String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase(),
        &raw[end..],
    )
}

#[test]
fn broken_transports_send_exactly_what_they_promise() {
    let sim = start(KeyMode::PublicKey, None);

    sim.set_fault(Fault::DropConnection, Some(1));
    assert!(
        raw_terminate(&sim, "U0000000020").is_empty(),
        "no status line at all"
    );

    sim.set_fault(Fault::DropMidBody, Some(1));
    let raw = raw_terminate(&sim, "U0000000020");
    let (head, body) = split_head(&raw);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-length: 1000\r\n"), "{head}");
    assert_eq!(body.len(), 100);

    sim.set_fault(Fault::TruncatedBody, Some(1));
    let raw = raw_terminate(&sim, "U0000000020");
    let (head, body) = split_head(&raw);
    assert!(head.contains("content-length: 512\r\n"), "{head}");
    assert!(head.contains("wechatpay-signature: "), "{head}");
    assert_eq!(body.len(), 256);
}

#[test]
fn a_slow_answer_is_not_cut_by_the_idle_timer() {
    let sim = start(KeyMode::PublicKey, Some(Duration::from_millis(200)));
    sim.set_fault(Fault::Delay(Duration::from_millis(700)), Some(1));
    let started = Instant::now();
    let raw = raw_terminate(&sim, "U0000000021");
    let (head, _) = split_head(&raw);
    assert!(head.starts_with("http/1.1 204"), "{head}");
    assert!(started.elapsed() >= Duration::from_millis(700));
    assert_eq!(
        sim.user_state("DBES323aeb", "U0000000021"),
        Some(ContractState::Terminated)
    );
}
