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
        "wechatpay_platform_cert_expired.pem",
        "apiv3_key.txt",
        "client.json",
        "client-public-key.json",
        "client-certificate.json",
        "client-auto.json",
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

// ---------------------------------------------------------------------------------------
// The K12 operations, one test per operation (or pair), each against its own simulator.

const USERS: &str = "/v3/offlinefacemch/organizations/DBES323aeb/users/out-user-id";

/// A signing client for one simulator that can also encrypt ENC fields the way a client
/// does: aws-lc-rs RSA-OAEP (SHA-1) under the WeChat Pay public key from the state dir.
struct Client<'a> {
    sim: &'a Sim,
    agent: ureq::Agent,
    /// What `Wechatpay-Serial` names: the public key id, or the platform certificate serial.
    serial: String,
}

impl<'a> Client<'a> {
    fn new(sim: &'a Sim) -> Client<'a> {
        let config = sim.client_config();
        let serial = match config.get("wechatpay_public_key_id") {
            Some(id) => id.as_str().unwrap().to_owned(),
            None => platform_serial(sim),
        };
        Client {
            sim,
            agent: agent(sim),
            serial,
        }
    }

    /// A signed request; `serial` is sent as `Wechatpay-Serial` when given.
    fn call(&self, method: &str, target: &str, body: Option<&str>, serial: Option<&str>) -> Reply {
        let signed = sign(self.sim, method, target, body.unwrap_or(""));
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{target}", self.sim.base_url()))
            .header("Accept", "application/json")
            .header("Authorization", &signed.authorization);
        if let Some(serial) = serial {
            request = request.header("Wechatpay-Serial", serial);
        }
        let response = match body {
            Some(body) => self.agent.run(
                request
                    .header("Content-Type", "application/json")
                    .body(body.to_owned())
                    .unwrap(),
            ),
            None => self.agent.run(request.body(()).unwrap()),
        };
        let mut response = response.unwrap();
        let headers = response.headers().clone();
        let body = response.body_mut().read_to_vec().unwrap();
        Reply {
            status: response.status().as_u16(),
            headers,
            body,
        }
    }

    fn get(&self, target: &str) -> Reply {
        self.call("GET", target, None, Some(&self.serial))
    }

    /// A JSON body, with the right `Wechatpay-Serial`.
    fn send(&self, method: &str, target: &str, body: &Value) -> Reply {
        self.call(method, target, Some(&body.to_string()), Some(&self.serial))
    }

    /// `plain` encrypted under the simulator's WeChat Pay key.
    fn seal(&self, plain: &str) -> String {
        let spki = SubjectPublicKeyInfoDer::from_pem_file(
            self.sim.state_dir().join("wechatpay_public_key.pem"),
        )
        .unwrap();
        seal_with(spki.as_ref(), plain)
    }
}

fn seal_with(spki_der: &[u8], plain: &str) -> String {
    use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PublicEncryptingKey};
    let key =
        OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(spki_der).unwrap()).unwrap();
    let mut out = vec![0u8; key.ciphertext_size()];
    let sealed = key
        .encrypt(&OAEP_SHA1_MGF1SHA1, plain.as_bytes(), &mut out, None)
        .unwrap();
    STANDARD.encode(sealed)
}

/// `plain` encrypted under a key that is not the simulator's (the test vectors' key).
fn seal_with_another_key(plain: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/wechatpay_test_public_key.pem");
    seal_with(
        SubjectPublicKeyInfoDer::from_pem_file(path)
            .unwrap()
            .as_ref(),
        plain,
    )
}

/// The serial (uppercase hex) of the platform certificate in the state dir.
fn platform_serial(sim: &Sim) -> String {
    use x509_cert::der::Decode;
    let der =
        CertificateDer::from_pem_file(sim.state_dir().join("wechatpay_platform_cert.pem")).unwrap();
    let cert = x509_cert::Certificate::from_der(&der).unwrap();
    cert.tbs_certificate()
        .serial_number()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// A 400 PARAM_ERROR about `field` whose message starts with `message`.
fn assert_param_error(reply: &Reply, field: &str, message: &str) {
    assert_eq!(
        reply.status,
        400,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let doc = json(reply);
    assert_eq!(doc["code"], "PARAM_ERROR", "{doc}");
    assert!(
        doc["message"].as_str().unwrap().starts_with(message),
        "{doc} should start with {message:?}"
    );
    assert_eq!(doc["detail"]["field"], field, "{doc}");
}

fn assert_not_found(reply: &Reply, message: &str) {
    assert_eq!(
        reply.status,
        404,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let doc = json(reply);
    assert_eq!(doc["code"], "NOT_FOUND", "{doc}");
    assert!(
        doc["message"].as_str().unwrap().contains(message),
        "{doc} should contain {message:?}"
    );
}

/// A signed 200 with a JSON body.
fn ok(sim: &Sim, reply: &Reply) -> Value {
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(answer_verifies(sim, reply));
    json(reply)
}

#[test]
fn query_organization_by_id_or_name() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let school =
        serde_json::json!({"organization_id": "DBES323aeb", "organization_name": "南山中兴小学部"});
    let by_id = api.get("/v3/offlinefacemch/organizations?organization_id=DBES323aeb");
    assert_eq!(ok(&sim, &by_id), school);
    let by_name = api.get(
        "/v3/offlinefacemch/organizations?organization_name=%E5%8D%97%E5%B1%B1%E4%B8%AD%E5%85%B4%E5%B0%8F%E5%AD%A6%E9%83%A8",
    );
    assert_eq!(ok(&sim, &by_name), school);
    let encoded =
        api.get("/v3/offlinefacemch/organizations?organization_name=Encoded-id%20test+school");
    assert_eq!(ok(&sim, &encoded)["organization_id"], "ORG:1+2@x");

    for query in ["", "?organization_id=DBES323aeb&organization_name=x"] {
        let reply = api.get(&format!("/v3/offlinefacemch/organizations{query}"));
        assert_param_error(&reply, "organization_id", "give exactly one of");
        assert!(answer_verifies(&sim, &reply), "errors are signed");
    }
    assert_param_error(
        &api.get("/v3/offlinefacemch/organizations?organization_id=DBES323aeb&org=1"),
        "org",
        "unknown query parameter org",
    );
    assert_not_found(
        &api.get("/v3/offlinefacemch/organizations?organization_id=NOPE"),
        "organization NOPE does not exist",
    );
    assert_not_found(
        &api.get("/v3/offlinefacemch/organizations?organization_name=%E5%8D%97"),
        "no organization is named 南",
    );
}

#[test]
fn get_auth_token() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let body = |out: &str| {
        serde_json::json!({"scene": "WEBSESSION",
                           "web_init_data": {"out_user_id": out, "organization_id": "DBES323aeb"}})
    };
    let first = ok(
        &sim,
        &api.send("POST", "/v3/offlinefacemch/tokens", &body("S0000000001")),
    );
    let second = ok(
        &sim,
        &api.send("POST", "/v3/offlinefacemch/tokens", &body("S0000000001")),
    );
    assert!(!first["token"].as_str().unwrap().is_empty());
    assert_ne!(first["token"], second["token"], "fresh each time");

    let missing = serde_json::json!({"scene": "WEBSESSION", "web_init_data": {"organization_id": "DBES323aeb"}});
    assert_param_error(
        &api.send("POST", "/v3/offlinefacemch/tokens", &missing),
        "web_init_data.out_user_id",
        "web_init_data.out_user_id is required",
    );
    let mut scene = body("S0000000001");
    scene["scene"] = "APP".into();
    assert_param_error(
        &api.send("POST", "/v3/offlinefacemch/tokens", &scene),
        "scene",
        "scene must be WEBSESSION",
    );
    let not_json = api.call("POST", "/v3/offlinefacemch/tokens", Some("{"), None);
    assert_eq!(not_json.status, 400);
    assert!(
        json(&not_json)["message"]
            .as_str()
            .unwrap()
            .contains("not JSON")
    );
    assert_not_found(
        &api.send("POST", "/v3/offlinefacemch/tokens", &body("S8888888888")),
        "no user with out_user_id S8888888888 in organization DBES323aeb",
    );
}

#[test]
fn query_face_user() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let student = ok(&sim, &api.get(&format!("{USERS}/S0000000042")));
    assert_eq!(
        student,
        serde_json::json!({
            "use_id": "U0000000042", "out_user_id": "S0000000042", "organization_id": "DBES323aeb",
            "user_name": "学生42", "user_type": "STUDENT", "student_info": {"class_name": "三年级2班"},
            "status": "NORMAL", "contract_state": "CONTRACTED", "face_image_ok": true,
            "contract_id": "CT0000000042"
        })
    );
    assert_eq!(sim.user("DBES323aeb", "S0000000042"), Some(student));
    let staff = ok(&sim, &api.get(&format!("{USERS}/S9000000003")));
    assert_eq!(staff["staff_info"]["occupation"], "食堂员工");
    assert_eq!(staff["contract_state"], "NOT_CONTRACTED");
    assert!(staff.get("contract_id").is_none() && staff.get("phone").is_none());
    let odd = ok(
        &sim,
        &api.get("/v3/offlinefacemch/organizations/ORG%3A1%2B2%40x/users/out-user-id/s~._-9"),
    );
    assert_eq!(odd["use_id"], "u~._-9");
    assert_eq!(odd["contract_id"], "CT-odd-1");

    assert_not_found(
        &api.get(&format!("{USERS}/S8888888888")),
        "no user with out_user_id S8888888888",
    );
    assert_not_found(
        &api.get("/v3/offlinefacemch/organizations/NOPE/users/out-user-id/S0000000001"),
        "organization NOPE does not exist",
    );
    assert_param_error(
        &api.get(&format!("{USERS}/S0000000001?x=1")),
        "x",
        "unknown query parameter x",
    );
}

#[test]
fn update_face_user_is_visible_in_a_later_query() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let target = format!("{USERS}/S0000000050");
    let body = serde_json::json!({
        "user_name": api.seal("张三"),
        "phone": api.seal("13800138000"),
        "student_info": {"class_name": "四年级1班"},
        "status": "DISABLED",
    });
    let reply = api.send("PATCH", &target, &body);
    assert_eq!(
        reply.status,
        204,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(reply.body.is_empty());
    assert!(answer_verifies(&sim, &reply));
    let user = ok(&sim, &api.get(&target));
    assert_eq!(user["user_name"], "张三");
    assert_eq!(user["student_info"]["class_name"], "四年级1班");
    assert_eq!(user["status"], "DISABLED");
    assert!(user.get("phone").is_none(), "the phone is never answered");

    // What arrived, with the ENC fields in plain text.
    let patch = sim
        .requests()
        .into_iter()
        .find(|r| r["method"] == "PATCH")
        .unwrap();
    assert_eq!(patch["target"], target.as_str());
    assert_eq!(patch["wechatpay_serial"], api.serial.as_str());
    assert_eq!(patch["body"]["user_name"], "张三");
    assert_eq!(patch["body"]["phone"], "13800138000");

    let staff = serde_json::json!({"user_type": "STUFF", "staff_info": {"occupation": "校医"}});
    assert_eq!(api.send("PATCH", &target, &staff).status, 204);
    let user = sim.user("DBES323aeb", "S0000000050").unwrap();
    assert_eq!(user["staff_info"]["occupation"], "校医");
    assert!(user.get("student_info").is_none());
}

#[test]
fn update_face_user_refuses_bad_bodies() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let target = format!("{USERS}/S0000000051");
    let empty = api.send("PATCH", &target, &serde_json::json!({}));
    assert_eq!(empty.status, 400);
    assert!(
        json(&empty)["message"]
            .as_str()
            .unwrap()
            .starts_with("give at least one field")
    );
    assert_param_error(
        &api.send("PATCH", &target, &serde_json::json!({"use_id": "U1"})),
        "use_id",
        "unknown field use_id",
    );
    assert_param_error(
        &api.send("PATCH", &target, &serde_json::json!({"status": "GONE"})),
        "status",
        "status must be one of NORMAL, DISABLED",
    );
    // ENC fields in plain text, or under another key.
    assert_param_error(
        &api.send(
            "PATCH",
            &target,
            &serde_json::json!({"phone": "13800138000"}),
        ),
        "phone",
        "phone is not encrypted with the WeChat Pay key",
    );
    assert_param_error(
        &api.send(
            "PATCH",
            &target,
            &serde_json::json!({"user_name": seal_with_another_key("李四")}),
        ),
        "user_name",
        "user_name is not encrypted with the WeChat Pay key",
    );
    // The serial must name the key.
    let body = serde_json::json!({"phone": api.seal("13800138000")}).to_string();
    let missing = api.call("PATCH", &target, Some(&body), None);
    assert_param_error(
        &missing,
        "Wechatpay-Serial",
        "the Wechatpay-Serial header is required",
    );
    assert!(
        json(&missing)["message"]
            .as_str()
            .unwrap()
            .ends_with(&format!("expected {}", api.serial))
    );
    let wrong = api.call(
        "PATCH",
        &target,
        Some(&body),
        Some("PUB_KEY_ID_0119000000012025111111111111"),
    );
    assert_param_error(
        &wrong,
        "Wechatpay-Serial",
        "Wechatpay-Serial \"PUB_KEY_ID_0119000000012025111111111111\" does not name",
    );
    assert_not_found(
        &api.send(
            "PATCH",
            &format!("{USERS}/S8888888888"),
            &serde_json::json!({"status": "NORMAL"}),
        ),
        "no user with out_user_id S8888888888",
    );
    // Nothing changed.
    assert_eq!(
        sim.user("DBES323aeb", "S0000000051").unwrap()["user_name"],
        "学生51"
    );
}

#[test]
fn certificate_mode_wants_the_platform_serial() {
    let sim = start(KeyMode::Certificate, None);
    let api = Client::new(&sim);
    assert_eq!(api.serial.len(), 40);
    let target = format!("{USERS}/S0000000052");
    let body = serde_json::json!({"user_name": api.seal("王小明")}).to_string();
    let public_key_id = sim.state_dir().join("client-public-key.json");
    let public_key_id: Value =
        serde_json::from_slice(&std::fs::read(public_key_id).unwrap()).unwrap();
    let public_key_id = public_key_id["wechatpay_public_key_id"].as_str().unwrap();
    let wrong = api.call("PATCH", &target, Some(&body), Some(public_key_id));
    assert_param_error(&wrong, "Wechatpay-Serial", "Wechatpay-Serial");
    assert!(
        json(&wrong)["message"]
            .as_str()
            .unwrap()
            .ends_with(&api.serial)
    );
    let lower = api.serial.to_ascii_lowercase();
    assert_eq!(
        api.call("PATCH", &target, Some(&body), Some(&lower)).status,
        204
    );
    assert_eq!(
        sim.user("DBES323aeb", "S0000000052").unwrap()["user_name"],
        "王小明"
    );
}

#[test]
fn terminate_changes_the_user_and_the_contract() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let target = TERMINATE_U1.replace("U0000000001", "U0000000060");
    let signed = sign(&sim, "POST", &target, "");
    assert_eq!(
        post(&api.agent, &sim, &target, Some(&signed.authorization))
            .unwrap()
            .status,
        204
    );
    assert_eq!(
        ok(&sim, &api.get(&format!("{USERS}/S0000000060")))["contract_state"],
        "TERMINATED"
    );
    let contract = ok(&sim, &api.get("/v3/offlineface/contracts/CT0000000060"));
    assert_eq!(contract["contract_state"], "TERMINATED");
    assert!(
        contract["contract_terminated_time"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );

    let staff = TERMINATE_U1.replace("U0000000001", "U9000000003");
    let signed = sign(&sim, "POST", &staff, "");
    let reply = post(&api.agent, &sim, &staff, Some(&signed.authorization)).unwrap();
    assert_eq!(reply.status, 400);
    assert!(
        json(&reply)["message"]
            .as_str()
            .unwrap()
            .contains("has no contract")
    );
}

#[test]
fn get_authinfo() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let mut body = serde_json::json!({"sp_appid": "wxsp", "sub_mchid": "1900000109", "device_id": "dev-1",
                                      "raw_data": "rawdata", "organization_id": "DBES323aeb"});
    let answer = ok(&sim, &api.send("POST", "/v3/offlineface/authinfo", &body));
    assert!(!answer["authinfo"].as_str().unwrap().is_empty());
    body["sub_appid"] = "wxsub".into();
    assert_eq!(
        api.send("POST", "/v3/offlineface/authinfo", &body).status,
        200
    );
    body.as_object_mut().unwrap().remove("raw_data");
    assert_param_error(
        &api.send("POST", "/v3/offlineface/authinfo", &body),
        "raw_data",
        "raw_data is required",
    );
    body["raw_data"] = 7.into();
    assert_param_error(
        &api.send("POST", "/v3/offlineface/authinfo", &body),
        "raw_data",
        "raw_data must be a string",
    );
    body["raw_data"] = "rawdata".into();
    body["organization_id"] = "NOPE".into();
    assert_not_found(
        &api.send("POST", "/v3/offlineface/authinfo", &body),
        "organization NOPE does not exist",
    );
}

#[test]
fn presign_contract_opens_all_six_enc_fields() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let body = serde_json::json!({
        "business_name": "食堂",
        "facepay_user": {
            "out_user_id": "S0000000070", "identification_name": "张三", "organization_id": "DBES323aeb",
            "identification": {"identification_type": "IDCARD", "identification_number": api.seal("110101201001011234")},
            "phone": api.seal("13800138000"),
        },
        "limit_bank_card": {
            "bank_card_number": api.seal("6222020000000000000"),
            "identification_name": api.seal("张大山"),
            "identification": {"identification_type": "IDCARD", "identification_number": api.seal("110101198001011234")},
            "valid_thru": "12/29", "bank_type": "ICBC_DEBIT", "phone": api.seal("13900139000"),
        },
        "contract_mode": "LIMIT_BANK_CARD",
    });
    let answer = ok(
        &sim,
        &api.send("POST", "/v3/offlineface/contracts/presign", &body),
    );
    assert!(!answer["presign_token"].as_str().unwrap().is_empty());
    let logged = sim.requests().pop().unwrap()["body"].clone();
    assert_eq!(
        logged["facepay_user"]["identification"]["identification_number"],
        "110101201001011234"
    );
    assert_eq!(logged["facepay_user"]["phone"], "13800138000");
    assert_eq!(
        logged["limit_bank_card"]["bank_card_number"],
        "6222020000000000000"
    );
    assert_eq!(logged["limit_bank_card"]["identification_name"], "张大山");
    assert_eq!(
        logged["limit_bank_card"]["identification"]["identification_number"],
        "110101198001011234"
    );
    assert_eq!(logged["limit_bank_card"]["phone"], "13900139000");
    assert_eq!(
        logged["facepay_user"]["identification_name"], "张三",
        "not an ENC field"
    );

    let mut plain = body.clone();
    plain["limit_bank_card"]["bank_card_number"] = "6222020000000000000".into();
    assert_param_error(
        &api.send("POST", "/v3/offlineface/contracts/presign", &plain),
        "limit_bank_card.bank_card_number",
        "limit_bank_card.bank_card_number is not encrypted with the WeChat Pay key",
    );
    let wrong = api.call(
        "POST",
        "/v3/offlineface/contracts/presign",
        Some(&body.to_string()),
        Some("0123456789ABCDEF0123456789ABCDEF01234567"),
    );
    assert_param_error(
        &wrong,
        "Wechatpay-Serial",
        "Wechatpay-Serial \"0123456789ABCDEF0123456789ABCDEF01234567\" does not name",
    );
    let mut bad = body.clone();
    bad["limit_bank_card"]["valid_thru"] = "2029-12".into();
    assert_param_error(
        &api.send("POST", "/v3/offlineface/contracts/presign", &bad),
        "limit_bank_card.valid_thru",
        "limit_bank_card.valid_thru must be a month and year as mm/yy",
    );
    let mut no_id = body.clone();
    no_id["facepay_user"]["identification"]
        .as_object_mut()
        .unwrap()
        .remove("identification_type");
    assert_param_error(
        &api.send("POST", "/v3/offlineface/contracts/presign", &no_id),
        "facepay_user.identification.identification_type",
        "facepay_user.identification.identification_type is required",
    );
    let mut unknown = body.clone();
    unknown["facepay_user"]["out_user_id"] = "S8888888888".into();
    assert_not_found(
        &api.send("POST", "/v3/offlineface/contracts/presign", &unknown),
        "S8888888888",
    );
}

#[test]
fn query_contract() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let contract = ok(
        &sim,
        &api.get("/v3/offlineface/contracts/CT0000000080?appid=wxsp"),
    );
    assert_eq!(contract["contract_id"], "CT0000000080");
    assert_eq!(contract["mchid"], "1900000001");
    assert_eq!(contract["organization_id"], "DBES323aeb");
    assert_eq!(contract["use_id"], "U0000000080");
    assert_eq!(contract["contract_state"], "CONTRACTED");
    for key in [
        "openid",
        "contract_signed_time",
        "contract_mode",
        "contract_bank_card_from",
    ] {
        assert!(contract[key].is_string(), "{key}: {contract}");
    }
    assert!(contract.get("contract_terminated_time").is_none());
    let terminated = ok(&sim, &api.get("/v3/offlineface/contracts/CT9000000001"));
    assert_eq!(terminated["contract_state"], "TERMINATED");
    assert!(terminated["contract_terminated_time"].is_string());
    assert_eq!(
        ok(&sim, &api.get("/v3/offlineface/contracts/CT-odd-1"))["organization_id"],
        "ORG:1+2@x"
    );
    assert_eq!(sim.contract("CT-odd-1").unwrap()["use_id"], "u~._-9");
    assert_not_found(
        &api.get("/v3/offlineface/contracts/CT0000100000"),
        "contract CT0000100000 does not exist",
    );
    assert_param_error(
        &api.get("/v3/offlineface/contracts/CT0000000080?app_id=x"),
        "app_id",
        "unknown query parameter app_id",
    );
}

#[test]
fn face_collections_list_and_query() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let list = |query: &str| api.get(&format!("/v3/offlineface/face-collections?{query}"));
    let ids = |reply: &Reply| -> Vec<String> {
        ok(&sim, reply)["face_collections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["collection_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(&list("organization_id=DBES323aeb")),
        ["FC0000000001", "FC0000000002", "FC0000000003"]
    );
    assert_eq!(
        ids(&list("organization_id=DBES323aeb&offset=1&limit=1")),
        ["FC0000000002"]
    );
    assert_eq!(
        ids(&list("organization_id=DBES323aeb&offset=2&limit=50")),
        ["FC0000000003"]
    );
    assert!(ids(&list("organization_id=DBES323aeb&offset=3")).is_empty());
    assert!(ids(&list("organization_id=ORG%3A1%2B2%40x")).is_empty());
    assert_param_error(
        &list("organization_id=DBES323aeb&limit=51"),
        "limit",
        "query parameter limit must be a whole number from 1 to 50",
    );
    assert_param_error(
        &list("organization_id=DBES323aeb&offset=-1"),
        "offset",
        "query parameter offset must be a whole number",
    );
    assert_param_error(
        &list("limit=5"),
        "organization_id",
        "query parameter organization_id is required",
    );
    assert_not_found(
        &list("organization_id=NOPE"),
        "organization NOPE does not exist",
    );

    let one = ok(
        &sim,
        &api.get("/v3/offlineface/face-collections/FC0000000002"),
    );
    assert_eq!(
        one,
        serde_json::json!({"collection_id": "FC0000000002", "use_id": "U0000000002", "organization_id": "DBES323aeb",
                           "collection_state": "PHOTO_UPLOADED", "register_photo_upload_time": "2025-03-03T09:15:00+08:00"})
    );
    let complete = ok(
        &sim,
        &api.get("/v3/offlineface/face-collections/FC0000000003"),
    );
    assert!(complete["confirm_time"].is_string());
    assert_not_found(
        &api.get("/v3/offlineface/face-collections/FC9999999999"),
        "FC9999999999 does not exist",
    );
}

fn deduction(auth_code: &str, out_trade_no: Option<&str>) -> Value {
    let mut body = serde_json::json!({
        "auth_code": auth_code, "sp_appid": "wxsp", "sp_mchid": "1900000001", "sub_mchid": "1900000109",
        "amount": {"total": 1250, "currency": "CNY"}, "scene_info": {"device_ip": "10.1.2.3"},
        "description": "午餐", "attach": "a=1", "settle_info": {"profit_sharing": false},
        "business": {"business_product_id": 2, "business_scene_id": 3},
    });
    if let Some(number) = out_trade_no {
        body["out_trade_no"] = number.into();
    }
    body
}

#[test]
fn apply_for_deduction_records_each_out_trade_no_once() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let body = deduction("AUTH-U0000000090", Some("T-0090"));
    let first = ok(
        &sim,
        &api.send("POST", "/v3/offlineface/transactions", &body),
    );
    assert_eq!(first["trade_state"], "SUCCESS");
    assert_eq!(first["debt_state"], "NO_DEBT");
    assert_eq!(first["out_trade_no"], "T-0090");
    assert_eq!(
        first["amount"],
        serde_json::json!({"total": 1250, "currency": "CNY"})
    );
    assert_eq!(first["sub_mchid"], "1900000109");
    assert_eq!(first["payer"]["sp_openid"], "oSIM-U0000000090");
    assert!(first["success_time"].as_str().unwrap().ends_with("+08:00"));
    assert_eq!(first["transaction_id"].as_str().unwrap().len(), 28);

    // The same out_trade_no again, even with another amount: the recorded deduction.
    let mut again = body.clone();
    again["amount"]["total"] = 1.into();
    let second = ok(
        &sim,
        &api.send("POST", "/v3/offlineface/transactions", &again),
    );
    assert_eq!(second, first);
    let stats = sim.stats();
    assert_eq!(
        (stats.deductions_recorded, stats.deductions_repeated),
        (1, 1)
    );
    assert_eq!(sim.deduction("T-0090"), Some(first.clone()));

    // Without out_trade_no one is made up.
    let made = ok(
        &sim,
        &api.send(
            "POST",
            "/v3/offlineface/transactions",
            &deduction("any-code", None),
        ),
    );
    let number = made["out_trade_no"].as_str().unwrap();
    assert!(number.starts_with("SIM") && number.len() <= 32, "{number}");
    assert_eq!(
        made["payer"]["sp_openid"], "oSIM-U9000000004",
        "the default payer"
    );
    assert_ne!(made["transaction_id"], first["transaction_id"]);
    let control = agent(&sim)
        .get(format!("{}/__sim/stats", sim.base_url()))
        .call();
    let doc: Value =
        serde_json::from_slice(&control.unwrap().body_mut().read_to_vec().unwrap()).unwrap();
    assert_eq!(doc["deductions_recorded"], 2);
    assert_eq!(doc["deductions_repeated"], 1);
}

#[test]
fn apply_for_deduction_refuses_and_runs_into_debt() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let mut body = deduction("AUTH-U0000000091", Some("T-0091"));
    body["amount"]["total"] = "12.50".into();
    assert_param_error(
        &api.send("POST", "/v3/offlineface/transactions", &body),
        "amount.total",
        "amount.total must be an integer",
    );
    body["amount"]["total"] = 0.into();
    assert_param_error(
        &api.send("POST", "/v3/offlineface/transactions", &body),
        "amount.total",
        "amount.total must be at least 1",
    );
    body["amount"]["total"] = 100.into();
    body.as_object_mut().unwrap().remove("business");
    assert_param_error(
        &api.send("POST", "/v3/offlineface/transactions", &body),
        "business",
        "business is required",
    );

    let invalid = api.send(
        "POST",
        "/v3/offlineface/transactions",
        &deduction("AUTH-U8888888888", Some("T-bad")),
    );
    assert_eq!(invalid.status, 400);
    assert_eq!(json(&invalid)["code"], "INVALID_REQUEST");
    let terminated = api.send(
        "POST",
        "/v3/offlineface/transactions",
        &deduction("AUTH-U9000000001", Some("T-bad")),
    );
    assert!(
        json(&terminated)["message"]
            .as_str()
            .unwrap()
            .contains("has no contract")
    );
    assert_eq!(
        sim.stats().deductions_recorded,
        0,
        "refused deductions are not recorded"
    );

    // Not enough money: PAYERROR, and the user owes money from then on.
    let repayment =
        serde_json::json!({"out_user_id": "S0000000091", "organization_id": "DBES323aeb"});
    assert_not_found(
        &api.send("POST", "/v3/offlineface/repayment-url", &repayment),
        "user S0000000091 has no unpaid deduction",
    );
    let debt = ok(
        &sim,
        &api.send(
            "POST",
            "/v3/offlineface/transactions",
            &deduction("AUTH-INSUFFICIENT-BALANCE-U0000000091", Some("T-0091")),
        ),
    );
    assert_eq!(debt["trade_state"], "PAYERROR");
    assert_eq!(debt["debt_state"], "DEBT");
    let now_owed = ok(
        &sim,
        &api.send("POST", "/v3/offlineface/repayment-url", &repayment),
    );
    assert!(
        now_owed["repayment_url"]
            .as_str()
            .unwrap()
            .starts_with("https://"),
        "{now_owed}"
    );
    let default_payer = ok(
        &sim,
        &api.send(
            "POST",
            "/v3/offlineface/transactions",
            &deduction("AUTH-INSUFFICIENT-BALANCE", Some("T-debt")),
        ),
    );
    assert_eq!(default_payer["debt_state"], "DEBT");
    assert_eq!(default_payer["payer"]["sp_openid"], "oSIM-U9000000004");
}

#[test]
fn query_deduction() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let applied = ok(
        &sim,
        &api.send(
            "POST",
            "/v3/offlineface/transactions",
            &deduction("AUTH-U0000000092", Some("T 0092/x")),
        ),
    );
    let target =
        |query: &str| format!("/v3/offlineface/transactions/out-trade-no/T%200092%2Fx?{query}");
    let found = ok(
        &sim,
        &api.get(&target(
            "sp_mchid=1900000001&sub_mchid=1900000109&business_product_id=2",
        )),
    );
    assert_eq!(found, applied);
    assert_param_error(
        &api.get(&target("sp_mchid=1900000001&business_product_id=2")),
        "sub_mchid",
        "query parameter sub_mchid is required",
    );
    assert_param_error(
        &api.get(&target(
            "sp_mchid=1900000001&sub_mchid=1900000109&business_product_id=K12",
        )),
        "business_product_id",
        "query parameter business_product_id must be an integer",
    );
    assert_not_found(
        &api.get(&target(
            "sp_mchid=1900000001&sub_mchid=1900000999&business_product_id=2",
        )),
        "it was applied for with sub_mchid 1900000109",
    );
    assert_not_found(
        &api.get("/v3/offlineface/transactions/out-trade-no/NOPE?sp_mchid=1900000001&sub_mchid=1900000109&business_product_id=2"),
        "no deduction has out_trade_no NOPE",
    );
}

#[test]
fn get_repayment_url() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let body = |out: &str| serde_json::json!({"out_user_id": out, "organization_id": "DBES323aeb"});
    let answer = ok(
        &sim,
        &api.send(
            "POST",
            "/v3/offlineface/repayment-url",
            &body("S9000000002"),
        ),
    );
    assert!(
        answer["repayment_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert!(answer["expire_at"].as_str().unwrap().ends_with("+08:00"));
    assert_not_found(
        &api.send(
            "POST",
            "/v3/offlineface/repayment-url",
            &body("S0000000093"),
        ),
        "user S0000000093 has no unpaid deduction",
    );
    assert_not_found(
        &api.send(
            "POST",
            "/v3/offlineface/repayment-url",
            &body("S8888888888"),
        ),
        "S8888888888",
    );
    assert_param_error(
        &api.send(
            "POST",
            "/v3/offlineface/repayment-url",
            &serde_json::json!({"out_user_id": "S9000000002"}),
        ),
        "organization_id",
        "organization_id is required",
    );
}

#[test]
fn faults_and_the_request_log_cover_every_operation() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    sim.set_fault(
        Fault::Status {
            status: 503,
            html: false,
        },
        Some(1),
    );
    let reply = api.send(
        "POST",
        "/v3/offlineface/transactions",
        &deduction("AUTH-U0000000094", Some("T-0094")),
    );
    assert_eq!(reply.status, 503);
    assert!(
        sim.deduction("T-0094").is_none(),
        "a fault replaces processing"
    );
    assert_eq!(
        api.send(
            "POST",
            "/v3/offlineface/transactions",
            &deduction("AUTH-U0000000094", Some("T-0094"))
        )
        .status,
        200
    );

    // Unsigned requests are logged too; GET has no body; a body that is not JSON is shown as sent.
    let unsigned = agent(&sim)
        .get(format!(
            "{}/v3/offlineface/face-collections?organization_id=DBES323aeb",
            sim.base_url()
        ))
        .call()
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    api.call("POST", "/v3/offlinefacemch/tokens", Some("not json"), None);
    let mut control = agent(&sim)
        .get(format!("{}/__sim/requests", sim.base_url()))
        .call()
        .unwrap();
    let logged: Value = serde_json::from_slice(&control.body_mut().read_to_vec().unwrap()).unwrap();
    let logged = logged.as_array().unwrap();
    assert_eq!(logged.len(), 4);
    assert_eq!(logged[0]["method"], "POST");
    assert_eq!(logged[0]["body"]["out_trade_no"], "T-0094");
    assert_eq!(
        logged[2],
        serde_json::json!({"method": "GET", "target": "/v3/offlineface/face-collections?organization_id=DBES323aeb",
                           "wechatpay_serial": null, "body": null})
    );
    assert_eq!(logged[3]["body"], "not json");
    assert_eq!(Value::Array(sim.requests()), Value::Array(logged.clone()));
    let reset = agent(&sim)
        .post(format!("{}/__sim/stats/reset", sim.base_url()))
        .send_empty()
        .unwrap();
    assert_eq!(reset.status().as_u16(), 204);
    assert!(sim.requests().is_empty());
}

// ---- Platform certificates (k12-api.md C) ----

/// Opens an AEAD_AES_256_GCM field with aws-lc-rs directly, independently of the
/// simulator's own code: `None` when it does not authenticate.
fn aead_open(apiv3_key: &str, nonce: &str, aad: &str, ciphertext: &str) -> Option<String> {
    use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, apiv3_key.as_bytes()).ok()?);
    let nonce = Nonce::try_assume_unique_for_key(nonce.as_bytes()).ok()?;
    let mut data = STANDARD.decode(ciphertext).ok()?;
    let plain = key
        .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut data)
        .ok()?;
    Some(String::from_utf8(plain.to_vec()).unwrap())
}

/// Whether `signature` (base64) verifies over `TIMESTAMP\nNONCE\nBODY\n` with `spki`.
fn signature_verifies(
    spki: &[u8],
    timestamp: &str,
    nonce: &str,
    body: &[u8],
    signature: &str,
) -> bool {
    let Ok(signature) = STANDARD.decode(signature) else {
        return false;
    };
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki)
        .verify(&message, &signature)
        .is_ok()
}

/// The SubjectPublicKeyInfo of a certificate in PEM (rustls' parser).
fn spki_of_cert(pem: &str) -> Vec<u8> {
    let cert = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
    let parsed = rustls::server::ParsedCertificate::try_from(&cert).unwrap();
    parsed.subject_public_key_info().as_ref().to_vec()
}

/// Serial (uppercase hex) and notAfter (Unix seconds) of a certificate in PEM.
fn serial_and_expiry(pem: &str) -> (String, u64) {
    use x509_cert::der::Decode;
    let der = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
    let cert = x509_cert::Certificate::from_der(&der).unwrap();
    let tbs = cert.tbs_certificate();
    let serial = tbs
        .serial_number()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    (
        serial,
        tbs.validity().not_after.to_unix_duration().as_secs(),
    )
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A download's certificates, each opened with `apiv3_key` and checked against its
/// entry: `(serial_no, expire_time, pem)`, in the order listed.
fn downloaded(reply: &Reply, apiv3_key: &str) -> Vec<(String, String, String)> {
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let doc = json(reply);
    doc["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let enc = &entry["encrypt_certificate"];
            assert_eq!(enc["algorithm"], "AEAD_AES_256_GCM");
            assert_eq!(enc["associated_data"], "certificate");
            let nonce = enc["nonce"].as_str().unwrap();
            assert_eq!(nonce.len(), 12, "{nonce}");
            for time in ["effective_time", "expire_time"] {
                assert!(entry[time].as_str().unwrap().ends_with("+08:00"), "{entry}");
            }
            let pem = aead_open(
                apiv3_key,
                nonce,
                "certificate",
                enc["ciphertext"].as_str().unwrap(),
            )
            .expect("the certificate opens with the APIv3 key");
            let serial = entry["serial_no"].as_str().unwrap().to_owned();
            assert_eq!(serial_and_expiry(&pem).0, serial);
            (
                serial,
                entry["expire_time"].as_str().unwrap().to_owned(),
                pem,
            )
        })
        .collect()
}

/// Verifies an answer with the certificate (PEM) whose serial it names.
fn signed_by(reply: &Reply, certs: &[(String, String, String)]) -> String {
    let serial = reply.header("wechatpay-serial").unwrap();
    let (_, _, pem) = certs
        .iter()
        .find(|(s, _, _)| *s == serial)
        .unwrap_or_else(|| panic!("{serial} is not among the certificates"));
    assert!(signature_verifies(
        &spki_of_cert(pem),
        &reply.header("wechatpay-timestamp").unwrap(),
        &reply.header("wechatpay-nonce").unwrap(),
        &reply.body,
        &reply.header("wechatpay-signature").unwrap(),
    ));
    serial
}

fn control(sim: &Sim, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", sim.base_url()));
    let agent = agent(sim);
    let mut response = match body {
        Some(body) => agent.run(request.body(body.to_string()).unwrap()),
        None => agent.run(request.body(()).unwrap()),
    }
    .unwrap();
    let bytes = response.body_mut().read_to_vec().unwrap();
    let doc = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (response.status().as_u16(), doc)
}

fn terminate(api: &Client, use_id: &str) -> Reply {
    api.call(
        "POST",
        &TERMINATE_U1.replace("U0000000001", use_id),
        None,
        None,
    )
}

#[test]
fn certificate_download_opens_with_the_apiv3_key_and_bootstraps() {
    let sim = start(KeyMode::Certificate, None);
    let api = Client::new(&sim);
    let key = sim.apiv3_key().to_owned();
    assert_eq!(key.len(), 32);
    assert!(key.bytes().all(|b| b.is_ascii_alphanumeric()));

    let reply = api.get("/v3/certificates");
    let certs = downloaded(&reply, &key);
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].0, platform_serial(&sim));
    assert_eq!(certs[0].1, "2049-12-31T08:00:00+08:00");
    // A client holding no key verifies the answer with the certificate it names.
    assert_eq!(signed_by(&reply, &certs), certs[0].0);
    // The same bytes as the state dir's file.
    let on_disk =
        std::fs::read_to_string(sim.state_dir().join("wechatpay_platform_cert.pem")).unwrap();
    assert_eq!(certs[0].2, on_disk);

    // Another APIv3 key does not open it.
    let entry = &json(&reply)["data"][0]["encrypt_certificate"];
    assert_eq!(
        aead_open(
            "0123456789abcdef0123456789ABCDEF",
            entry["nonce"].as_str().unwrap(),
            "certificate",
            entry["ciphertext"].as_str().unwrap()
        ),
        None
    );
    // A fresh nonce each time.
    let again = api.get("/v3/certificates");
    assert_ne!(
        json(&again)["data"][0]["encrypt_certificate"]["nonce"],
        entry["nonce"]
    );
    assert_param_error(
        &api.get("/v3/certificates?offset=1"),
        "offset",
        "unknown query parameter offset",
    );

    // Downloads are counted, on the handle and at the control endpoint; a refused one is not.
    assert_eq!(sim.certificate_downloads(), 2);
    let (status, stats) = control(&sim, "GET", "/__sim/stats", None);
    assert_eq!(
        (status, stats["certificate_downloads"].as_u64()),
        (200, Some(2))
    );
    sim.reset_stats();
    assert_eq!(sim.certificate_downloads(), 0);

    // Every config carries the APIv3 key; client-auto.json carries no WeChat Pay key.
    assert_eq!(sim.client_config()["apiv3_key"], key.as_str());
    let auto: Value =
        serde_json::from_slice(&std::fs::read(sim.client_auto_config_path()).unwrap()).unwrap();
    assert_eq!(auto["apiv3_key"], key.as_str());
    assert_eq!(auto["auto_platform_certificates"], true);
    assert_eq!(auto["base_url"], sim.base_url().as_str());
    for absent in [
        "wechatpay_public_key_id",
        "wechatpay_public_key_file",
        "platform_certificate_files",
    ] {
        assert!(auto.get(absent).is_none(), "{absent}");
    }
    for name in ["client-public-key.json", "client-certificate.json"] {
        let doc: Value =
            serde_json::from_slice(&std::fs::read(sim.state_dir().join(name)).unwrap()).unwrap();
        assert_eq!(doc["apiv3_key"], key.as_str(), "{name}");
    }
}

#[test]
fn certificate_download_in_public_key_mode_is_signed_by_the_certificate() {
    let sim = start(KeyMode::PublicKey, None);
    let api = Client::new(&sim);
    let reply = api.get("/v3/certificates");
    let certs = downloaded(&reply, sim.apiv3_key());
    assert_eq!(signed_by(&reply, &certs), platform_serial(&sim));
    // Other answers still name the public key.
    let other = terminate(&api, "U0000000070");
    assert!(
        other
            .header("wechatpay-serial")
            .unwrap()
            .starts_with("PUB_KEY_ID_")
    );
}

#[test]
fn rotation_signs_with_the_new_certificate_and_lists_both() {
    let sim = start(KeyMode::Certificate, None);
    let api = Client::new(&sim);
    let old = sim.current_platform_certificate();
    assert_eq!(old.serial_no, platform_serial(&sim));

    let (status, new) = control(&sim, "POST", "/__sim/rotate-platform-certificate", None);
    assert_eq!(status, 200, "{new}");
    let new_serial = new["serial_no"].as_str().unwrap().to_owned();
    assert_ne!(new_serial, old.serial_no);
    assert_eq!(new["expired"], false);
    let new_pem = new["pem"].as_str().unwrap();
    assert_eq!(
        std::fs::read_to_string(new["file"].as_str().unwrap()).unwrap(),
        new_pem
    );
    let (serial, not_after) = serial_and_expiry(new_pem);
    assert_eq!(serial, new_serial);
    assert!(not_after > unix_now() + 4 * 365 * 86_400);
    assert!(new["effective_time"].as_str().unwrap() > old.effective_time.as_str());

    // Answers are signed by the new key and name the new serial.
    let reply = terminate(&api, "U0000000071");
    assert_eq!(reply.status, 204);
    let both = [
        (new_serial.clone(), String::new(), new_pem.to_owned()),
        (old.serial_no.clone(), String::new(), old.pem.clone()),
    ];
    assert_eq!(signed_by(&reply, &both), new_serial);
    assert!(
        !answer_verifies(&sim, &reply),
        "the old certificate no longer verifies answers"
    );

    // The download lists the new and the old certificate, newest first.
    let reply = api.get("/v3/certificates");
    let certs = downloaded(&reply, sim.apiv3_key());
    let serials: Vec<&str> = certs.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(serials, [new_serial.as_str(), old.serial_no.as_str()]);
    assert_eq!(signed_by(&reply, &certs), new_serial);
    let handle: Vec<String> = sim
        .platform_certificates()
        .into_iter()
        .map(|c| c.serial_no)
        .collect();
    assert_eq!(handle, [new_serial.clone(), old.serial_no.clone()]);
    let (_, listing) = control(&sim, "GET", "/__sim/platform-certificates", None);
    assert_eq!(listing["current"]["serial_no"], new_serial.as_str());
    assert_eq!(listing["listed"].as_array().unwrap().len(), 2);

    // Encrypted fields are accepted under either certificate, named by its serial.
    let target = format!("{USERS}/S0000000072");
    for (serial, pem) in [(&new_serial, new_pem), (&old.serial_no, old.pem.as_str())] {
        let phone = seal_with(&spki_of_cert(pem), "13800138000");
        let body = serde_json::json!({ "phone": phone }).to_string();
        let reply = api.call("PATCH", &target, Some(&body), Some(serial));
        assert_eq!(
            reply.status,
            204,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    // … but not under one certificate while naming the other.
    let phone = seal_with(&spki_of_cert(new_pem), "13800138000");
    let body = serde_json::json!({ "phone": phone }).to_string();
    assert_param_error(
        &api.call("PATCH", &target, Some(&body), Some(&old.serial_no)),
        "phone",
        "phone is not encrypted with the WeChat Pay key",
    );
}

#[test]
fn rotation_after_n_requests_by_option() {
    let sim = Sim::start(SimOptions {
        state_dir: shared_state_dir(),
        key_mode: KeyMode::Certificate,
        rotate_platform_certificate_after: Some(2),
        ..SimOptions::default()
    })
    .unwrap();
    let api = Client::new(&sim);
    let first = sim.current_platform_certificate().serial_no;
    let serials: Vec<String> = (73..76)
        .map(|n| {
            terminate(&api, &format!("U{n:010}"))
                .header("wechatpay-serial")
                .unwrap()
        })
        .collect();
    assert_eq!(serials[0], first);
    assert_eq!(serials[1], first);
    assert_ne!(
        serials[2], first,
        "request 3 is answered by a new certificate"
    );
    assert_eq!(serials[2], sim.current_platform_certificate().serial_no);
    assert_eq!(sim.platform_certificates().len(), 2);
    // Only once.
    terminate(&api, "U0000000076");
    assert_eq!(sim.current_platform_certificate().serial_no, serials[2]);
}

#[test]
fn an_expired_certificate_signs_answers_and_lies_in_the_past() {
    let sim = Sim::start(SimOptions {
        state_dir: shared_state_dir(),
        key_mode: KeyMode::Certificate,
        expired_platform_certificate: true,
        ..SimOptions::default()
    })
    .unwrap();
    let api = Client::new(&sim);
    let expired = sim.current_platform_certificate();
    assert!(expired.expired);
    assert_eq!(expired.effective_time, "2021-01-01T08:00:00+08:00");
    assert_eq!(expired.expire_time, "2024-01-01T08:00:00+08:00");
    let (serial, not_after) = serial_and_expiry(&expired.pem);
    assert_eq!(serial, expired.serial_no);
    assert!(
        not_after < unix_now(),
        "the X.509 validity lies in the past"
    );

    // The config lists it after the valid certificate, so a client knows its dates.
    let files = sim.client_config()["platform_certificate_files"].clone();
    assert_eq!(files.as_array().unwrap().len(), 2);
    assert_eq!(files[1], expired.file.to_string_lossy().as_ref());

    let reply = terminate(&api, "U0000000077");
    assert_eq!(reply.status, 204);
    let expired_entry = [(
        expired.serial_no.clone(),
        String::new(),
        expired.pem.clone(),
    )];
    assert_eq!(signed_by(&reply, &expired_entry), expired.serial_no);

    // Listed with its past expire_time; the download itself is signed by the valid one.
    let reply = api.get("/v3/certificates");
    let certs = downloaded(&reply, sim.apiv3_key());
    assert_eq!(certs.len(), 2);
    assert_eq!(certs[0].0, expired.serial_no);
    assert_eq!(certs[0].1, "2024-01-01T08:00:00+08:00");
    assert_eq!(signed_by(&reply, &certs), platform_serial(&sim));

    // The control endpoint does the same for a simulator started normally.
    let normal = start(KeyMode::Certificate, None);
    let (status, doc) = control(
        &normal,
        "POST",
        "/__sim/serve-expired-platform-certificate",
        None,
    );
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["expired"], true);
    assert_eq!(doc["expire_time"], "2024-01-01T08:00:00+08:00");
    let reply = terminate(&Client::new(&normal), "U0000000078");
    assert_eq!(
        reply.header("wechatpay-serial").unwrap(),
        doc["serial_no"].as_str().unwrap()
    );
}

// ---- Notifications (k12-api.md W) ----

/// One notification as a receiver got it.
struct Received {
    target: String,
    /// Lowercase names.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} header"))
    }
}

/// A notify URL on 127.0.0.1 that answers each connection with the next status of
/// `statuses` (500 with `{"code":"FAIL",…}`, others without a body), then stops.
fn receiver(statuses: Vec<u16>) -> (String, std::thread::JoinHandle<Vec<Received>>) {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/wx/notify",
        listener.local_addr().unwrap().port()
    );
    let thread = std::thread::spawn(move || {
        statuses
            .into_iter()
            .map(|status| {
                let (mut conn, _) = listener.accept().unwrap();
                // A safety net only: reads end when the request is complete.
                conn.set_read_timeout(Some(Duration::from_secs(30)))
                    .unwrap();
                let received = read_request(&mut conn);
                let body = if status >= 300 {
                    r#"{"code":"FAIL","message":"try again later"}"#
                } else {
                    ""
                };
                write!(
                    conn,
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .unwrap();
                received
            })
            .collect()
    });
    (url, thread)
}

fn read_request(conn: &mut TcpStream) -> Received {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed mid-request");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8(raw[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .unwrap();
    while raw.len() < head_end + length {
        let n = conn.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed mid-body");
        raw.extend_from_slice(&buf[..n]);
    }
    let mut parts = request_line.split(' ');
    assert_eq!(parts.next(), Some("POST"));
    Received {
        target: parts.next().unwrap().to_owned(),
        headers,
        body: raw[head_end..head_end + length].to_vec(),
    }
}

fn wechatpay_public_key(sim: &Sim) -> Vec<u8> {
    SubjectPublicKeyInfoDer::from_pem_file(sim.state_dir().join("wechatpay_public_key.pem"))
        .unwrap()
        .as_ref()
        .to_vec()
}

/// Checks a notification's signature with `spki` and opens its resource with
/// `apiv3_key`: the envelope and the plaintext, or `None` if the resource does not open.
fn open_notification(
    spki: &[u8],
    headers: &dyn Fn(&str) -> String,
    body: &[u8],
    apiv3_key: &str,
) -> (bool, Value, Option<Value>) {
    assert_eq!(
        headers("wechatpay-signature-type"),
        "WECHATPAY2-SHA256-RSA2048"
    );
    assert_eq!(headers("content-type"), "application/json");
    let verifies = signature_verifies(
        spki,
        &headers("wechatpay-timestamp"),
        &headers("wechatpay-nonce"),
        body,
        &headers("wechatpay-signature"),
    );
    let envelope: Value = serde_json::from_slice(body).unwrap();
    let resource = &envelope["resource"];
    let plaintext = aead_open(
        apiv3_key,
        resource["nonce"].as_str().unwrap(),
        resource["associated_data"].as_str().unwrap(),
        resource["ciphertext"].as_str().unwrap(),
    )
    .map(|text| serde_json::from_str(&text).unwrap());
    (verifies, envelope, plaintext)
}

/// A built notification (`{"headers":{…},"body":"…"}` from the control endpoint).
fn open_built(spki: &[u8], built: &Value, apiv3_key: &str) -> (bool, Value, Option<Value>) {
    let headers = |name: &str| -> String {
        let map = built["headers"].as_object().unwrap();
        let (_, value) = map
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .unwrap_or_else(|| panic!("no {name} in {built}"));
        value.as_str().unwrap().to_owned()
    };
    open_notification(
        spki,
        &headers,
        built["body"].as_str().unwrap().as_bytes(),
        apiv3_key,
    )
}

fn build(sim: &Sim, options: Value) -> Value {
    let (status, doc) = control(sim, "POST", "/__sim/notifications/build", Some(&options));
    assert_eq!(status, 200, "{doc}");
    doc
}

#[test]
fn a_built_notification_verifies_and_decrypts_to_the_documented_plaintext() {
    let sim = start(KeyMode::PublicKey, None);
    let spki = wechatpay_public_key(&sim);
    let key = sim.apiv3_key().to_owned();
    let built = build(&sim, serde_json::json!({}));
    let public_key_id = sim.client_config()["wechatpay_public_key_id"].clone();
    assert_eq!(built["headers"]["Wechatpay-Serial"], public_key_id);
    let (verifies, envelope, plaintext) = open_built(&spki, &built, &key);
    assert!(verifies);
    let timestamp: u64 = built["headers"]["Wechatpay-Timestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(timestamp.abs_diff(unix_now()) <= 5);
    assert_eq!(
        built["headers"]["Wechatpay-Nonce"].as_str().unwrap().len(),
        32
    );

    // The envelope of k12-api.md W, in the field order of the notification vectors.
    let keys: Vec<&str> = envelope
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "create_time",
            "resource_type",
            "event_type",
            "summary",
            "resource"
        ]
    );
    assert!(envelope["id"].as_str().unwrap().starts_with("EV-"));
    assert_eq!(envelope["id"], built["id"]);
    assert_eq!(envelope["event_type"], "FACEPAY.USER_STATE_CHANGE");
    assert_eq!(envelope["resource_type"], "encrypt-resource");
    assert_eq!(envelope["summary"], "刷脸用户签约状态变更");
    let resource = &envelope["resource"];
    let keys: Vec<&str> = resource
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "original_type",
            "algorithm",
            "ciphertext",
            "associated_data",
            "nonce"
        ]
    );
    assert_eq!(resource["original_type"], "facepay");
    assert_eq!(resource["algorithm"], "AEAD_AES_256_GCM");
    assert_eq!(resource["associated_data"], "facepay");
    assert_eq!(resource["nonce"].as_str().unwrap().len(), 12);

    // The plaintext: the documented fields, from the simulator's state.
    let plaintext = plaintext.expect("the resource opens with the APIv3 key");
    let contract = sim.contract("CT0000000001").unwrap();
    assert_eq!(
        plaintext,
        serde_json::json!({
            "user_id": "U0000000001",
            "out_user_id": "S0000000001",
            "organization_id": "DBES323aeb",
            "mch_id": "1900000001",
            "notify_create_time": envelope["create_time"],
            "appid": wxface_sim::test_ids::APPID,
            "openid": contract["openid"],
            "contract_id": "CT0000000001",
        })
    );
    assert_eq!(built["plaintext"], plaintext.to_string());
    assert!(
        envelope["create_time"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    assert_ne!(
        build(&sim, serde_json::json!({}))["id"],
        built["id"],
        "ids are unique"
    );

    // The same through the Sim handle, for another user.
    let by_out = sim
        .build_notification(&wxface_sim::NotificationOptions {
            out_user_id: Some("S9000000002".into()),
            ..Default::default()
        })
        .unwrap();
    let (verifies, _, plaintext) = open_built(&spki, &by_out.to_json(), &key);
    assert!(verifies);
    let plaintext = plaintext.unwrap();
    assert_eq!(plaintext["user_id"], "U9000000002");
    assert_eq!(plaintext["contract_id"], "CT9000000002");
    assert_eq!(by_out.header("wechatpay-serial"), public_key_id.as_str());

    let (status, refused) = control(
        &sim,
        "POST",
        "/__sim/notifications/build",
        Some(&serde_json::json!({"user_id": "U8888888888"})),
    );
    assert_eq!(status, 400);
    assert_eq!(refused["code"], "PARAM_ERROR");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("no user U8888888888")
    );
}

#[test]
fn built_notifications_fail_each_check_on_request() {
    let sim = start(KeyMode::PublicKey, None);
    let spki = wechatpay_public_key(&sim);
    let key = sim.apiv3_key().to_owned();

    let stale = build(&sim, serde_json::json!({"timestamp_offset_s": -400}));
    let (verifies, _, plaintext) = open_built(&spki, &stale, &key);
    assert!(
        verifies && plaintext.is_some(),
        "signed over the stale timestamp"
    );
    let timestamp: u64 = stale["headers"]["Wechatpay-Timestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((unix_now() - 400).abs_diff(timestamp) <= 5);

    let other_key = "wxfaceTestApiV3Key0123456789abcd";
    let wrong_key = build(&sim, serde_json::json!({"apiv3_key": other_key}));
    let (verifies, _, plaintext) = open_built(&spki, &wrong_key, &key);
    assert!(verifies);
    assert_eq!(plaintext, None, "sealed with another APIv3 key");
    assert!(open_built(&spki, &wrong_key, other_key).2.is_some());

    let unknown = build(
        &sim,
        serde_json::json!({"serial": "PUB_KEY_ID_0119000000012025000000009999"}),
    );
    assert_eq!(
        unknown["headers"]["Wechatpay-Serial"],
        "PUB_KEY_ID_0119000000012025000000009999"
    );
    assert!(
        open_built(&spki, &unknown, &key).0,
        "the signature itself is fine"
    );

    let tampered = build(&sim, serde_json::json!({"tamper": true}));
    let (verifies, envelope, plaintext) = open_built(&spki, &tampered, &key);
    assert!(!verifies, "the body changed after signing");
    assert!(plaintext.is_some());
    assert_eq!(envelope["summary"], "x刷脸用户签约状态变更");

    let algorithm = build(&sim, serde_json::json!({"algorithm": "AEAD_AES_128_CBC"}));
    let (verifies, envelope, _) = open_built(&spki, &algorithm, &key);
    assert!(verifies);
    assert_eq!(envelope["resource"]["algorithm"], "AEAD_AES_128_CBC");

    let payment = build(
        &sim,
        serde_json::json!({"event_type": "TRANSACTION.SUCCESS"}),
    );
    let (verifies, envelope, plaintext) = open_built(&spki, &payment, &key);
    assert!(verifies);
    assert_eq!(envelope["event_type"], "TRANSACTION.SUCCESS");
    assert_eq!(envelope["resource"]["original_type"], "transaction");
    assert_eq!(envelope["resource"]["associated_data"], "transaction");
    let plaintext = plaintext.unwrap();
    assert_eq!(plaintext["trade_state"], "SUCCESS");
    assert_eq!(plaintext["amount"]["currency"], "CNY");

    let custom = build(
        &sim,
        serde_json::json!({"event_type": "REFUND.SUCCESS", "plaintext": {"refund_status": "SUCCESS"},
                           "id": "EV-fixed", "summary": "退款成功"}),
    );
    let (verifies, envelope, plaintext) = open_built(&spki, &custom, &key);
    assert!(verifies);
    assert_eq!(envelope["id"], "EV-fixed");
    assert_eq!(envelope["summary"], "退款成功");
    assert_eq!(
        plaintext,
        Some(serde_json::json!({"refund_status": "SUCCESS"}))
    );

    for bad in [
        serde_json::json!({"apiv3_key": "short"}),
        serde_json::json!({"serial": "A\r\nX-Injected: 1"}),
        serde_json::json!({"tampered": true}),
    ] {
        let (status, refused) = control(&sim, "POST", "/__sim/notifications/build", Some(&bad));
        assert_eq!(
            (status, refused["code"].as_str()),
            (400, Some("PARAM_ERROR")),
            "{bad}"
        );
    }
}

#[test]
fn certificate_mode_notifications_name_the_current_certificate() {
    let sim = start(KeyMode::Certificate, None);
    let key = sim.apiv3_key().to_owned();
    let current = sim.current_platform_certificate();
    let built = sim
        .build_notification(&wxface_sim::NotificationOptions::default())
        .unwrap();
    assert_eq!(
        built.header("Wechatpay-Serial"),
        Some(current.serial_no.as_str())
    );
    assert!(open_built(&spki_of_cert(&current.pem), &built.to_json(), &key).0);

    let rotated = sim.rotate_platform_certificate().unwrap();
    let built = sim
        .build_notification(&wxface_sim::NotificationOptions::default())
        .unwrap();
    assert_eq!(
        built.header("Wechatpay-Serial"),
        Some(rotated.serial_no.as_str())
    );
    let (verifies, _, plaintext) = open_built(&spki_of_cert(&rotated.pem), &built.to_json(), &key);
    assert!(verifies && plaintext.is_some());
}

#[test]
fn terminating_a_contract_notifies_with_retries_until_the_receiver_accepts() {
    let (url, receiver) = receiver(vec![500, 500, 204]);
    let sim = Sim::start(SimOptions {
        state_dir: shared_state_dir(),
        notify_url: Some(url.clone()),
        notify_backoff: Duration::from_millis(5),
        ..SimOptions::default()
    })
    .unwrap();
    let api = Client::new(&sim);
    assert_eq!(terminate(&api, "U0000000080").status, 204);

    let deliveries = sim
        .wait_for_notifications(1, Duration::from_secs(30))
        .expect("the delivery finishes");
    assert_eq!(deliveries.len(), 1);
    let delivery = &deliveries[0];
    let statuses: Vec<Option<u16>> = delivery.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(204)]);
    assert!(delivery.attempts[0].reply.contains("FAIL"));
    assert_eq!(delivery.outcome, wxface_sim::DeliveryOutcome::Delivered);
    assert_eq!(delivery.trigger, "terminate");
    assert_eq!(delivery.url, url);
    assert_eq!(delivery.event_type, "FACEPAY.USER_STATE_CHANGE");

    // Three times the same notification, each verifying and opening to the user's state.
    let received = receiver.join().unwrap();
    assert_eq!(received.len(), 3);
    let spki = wechatpay_public_key(&sim);
    for got in &received {
        assert_eq!(got.target, "/wx/notify");
        assert_eq!(got.body, received[0].body);
        assert_eq!(got.body, delivery.body.as_bytes());
        let headers = |name: &str| got.header(name).to_owned();
        let (verifies, envelope, plaintext) =
            open_notification(&spki, &headers, &got.body, sim.apiv3_key());
        assert!(verifies);
        assert_eq!(envelope["id"], delivery.id.as_str());
        assert_eq!(
            got.header("wechatpay-serial"),
            sim.client_config()["wechatpay_public_key_id"]
                .as_str()
                .unwrap()
        );
        let plaintext = plaintext.unwrap();
        assert_eq!(plaintext["user_id"], "U0000000080");
        assert_eq!(plaintext["out_user_id"], "S0000000080");
        assert_eq!(plaintext["contract_id"], "CT0000000080");
    }

    // A terminate that changes nothing (already terminated) notifies nobody.
    assert_eq!(terminate(&api, "U0000000080").status, 400);
    assert_eq!(sim.notifications().len(), 1);
}

#[test]
fn send_reports_failures_and_tests_wait_without_sleeping() {
    let sim = start(KeyMode::PublicKey, None);

    // No notify URL anywhere.
    let (status, doc) = control(&sim, "POST", "/__sim/notifications/send", None);
    assert_eq!(status, 400);
    assert!(
        doc["message"].as_str().unwrap().contains("no notify URL"),
        "{doc}"
    );

    // Nobody listens: every attempt fails with a connection error.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!(
            "http://127.0.0.1:{}/",
            listener.local_addr().unwrap().port()
        )
    };
    let (status, delivery) = control(
        &sim,
        "POST",
        "/__sim/notifications/send",
        Some(&serde_json::json!({"url": closed, "retries": 2, "backoff_ms": 1})),
    );
    assert_eq!(status, 200, "{delivery}");
    assert_eq!(delivery["outcome"], "failed");
    assert_eq!(delivery["trigger"], "control");
    let attempts = delivery["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    assert!(
        attempts
            .iter()
            .all(|a| a["error"].as_str().unwrap().starts_with("connect"))
    );

    // A receiver configured at run time; a tampered notification sent on request, then
    // one from a terminated contract; the test waits for both over HTTP.
    let (url, receiver) = receiver(vec![204, 200]);
    let (status, config) = control(
        &sim,
        "POST",
        "/__sim/notifications/config",
        Some(&serde_json::json!({"url": url, "backoff_ms": 1})),
    );
    assert_eq!(status, 200);
    assert_eq!(
        config,
        serde_json::json!({"url": url, "retries": 3, "backoff_ms": 1, "timeout_ms": 5000})
    );
    let (status, sent) = control(
        &sim,
        "POST",
        "/__sim/notifications/send",
        Some(&serde_json::json!({"tamper": true})),
    );
    assert_eq!((status, sent["outcome"].as_str()), (200, Some("delivered")));
    assert_eq!(terminate(&Client::new(&sim), "U0000000081").status, 204);
    let (status, log) = control(
        &sim,
        "GET",
        "/__sim/notifications?wait=3&timeout_ms=30000",
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(log["timed_out"], false, "{log}");
    assert_eq!(log["finished"], 3);
    let deliveries = log["deliveries"].as_array().unwrap();
    assert_eq!(deliveries[2]["trigger"], "terminate");
    assert_eq!(deliveries[2]["outcome"], "delivered");
    assert_eq!(
        deliveries[2]["attempts"],
        serde_json::json!([{"status": 200, "reply": ""}])
    );

    let received = receiver.join().unwrap();
    let spki = wechatpay_public_key(&sim);
    let verifies = |got: &Received| {
        let headers = |name: &str| got.header(name).to_owned();
        open_notification(&spki, &headers, &got.body, sim.apiv3_key()).0
    };
    assert!(!verifies(&received[0]), "the tampered one");
    assert!(verifies(&received[1]));

    // A wait that cannot be satisfied times out (quickly) and says so.
    let (_, log) = control(
        &sim,
        "GET",
        "/__sim/notifications?wait=9&timeout_ms=1",
        None,
    );
    assert_eq!(log["timed_out"], true);
    assert!(sim.wait_for_notifications(9, Duration::ZERO).is_err());

    let (status, _) = control(&sim, "DELETE", "/__sim/notifications", None);
    assert_eq!(status, 204);
    assert!(sim.notifications().is_empty());
    let (_, log) = control(&sim, "GET", "/__sim/notifications", None);
    assert_eq!(log["deliveries"], serde_json::json!([]));

    // Switching notifications off again.
    sim.set_notify_url(None).unwrap();
    assert_eq!(terminate(&Client::new(&sim), "U0000000082").status, 204);
    assert!(sim.notifications().is_empty());
    assert!(sim.set_notify_url(Some("gopher://x")).is_err());
}
