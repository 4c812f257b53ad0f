//! The floor of a signed call: one RSA-2048 PKCS#1 v1.5 SHA-256 signature with the merchant
//! key plus one verification with the WeChat Pay public key, with aws-lc-rs (wxface's crypto
//! backend) and the very keys the client uses; the RSA-OAEP encryption that each sensitive
//! request field adds; and `openssl speed` as a reference.

use std::path::Path;
use std::process::Command;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PublicEncryptingKey};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::measure::process_cpu_us;
use crate::signed::{REQUEST, RESPONSE, pem_der};

pub struct Floor {
    pub sign_cpu_us: f64,
    pub verify_cpu_us: f64,
    /// One RSA-OAEP (SHA-1) encryption of a short field under the WeChat Pay public key:
    /// what each sensitive field of a request adds.
    pub oaep_cpu_us: f64,
}

impl Floor {
    pub fn total_us(&self) -> f64 {
        self.sign_cpu_us + self.verify_cpu_us
    }

    /// The floor of a call that sends `fields` sensitive fields.
    pub fn with_oaep_us(&self, fields: u32) -> f64 {
        self.total_us() + f64::from(fields) * self.oaep_cpu_us
    }
}

/// A phone number: the size of a sensitive field (the cost barely depends on it).
const FIELD: &[u8] = b"13800138000";

/// The simulator's state dir keys, ready for the floor's operations: `merchant_key.pem` signs
/// a request message; `wechatpay_public_key.pem` verifies a response message (signed once
/// with `wechatpay_key.pem`) and encrypts sensitive fields (what the client does per call).
pub struct FloorKeys {
    rng: SystemRandom,
    merchant: KeyPair,
    public: ParsedPublicKey,
    answer_signature: Vec<u8>,
    oaep: OaepPublicEncryptingKey,
}

impl FloorKeys {
    pub fn load(state_dir: &Path) -> FloorKeys {
        let rng = SystemRandom::new();
        let merchant =
            KeyPair::from_pkcs8(&pem_der(&state_dir.join("merchant_key.pem"), "PRIVATE KEY"))
                .expect("merchant key");
        let wechatpay = KeyPair::from_pkcs8(&pem_der(
            &state_dir.join("wechatpay_key.pem"),
            "PRIVATE KEY",
        ))
        .expect("wechatpay key");
        let spki = pem_der(&state_dir.join("wechatpay_public_key.pem"), "PUBLIC KEY");
        let oaep = OaepPublicEncryptingKey::new(
            PublicEncryptingKey::from_der(&spki).expect("wechatpay public key for OAEP"),
        )
        .expect("wechatpay public key for OAEP");
        let public =
            ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, spki).expect("wechatpay public key");
        let mut answer_signature = vec![0u8; wechatpay.public_modulus_len()];
        wechatpay
            .sign(&RSA_PKCS1_SHA256, &rng, RESPONSE, &mut answer_signature)
            .expect("sign");
        public
            .verify_sig(RESPONSE, &answer_signature)
            .expect("response signature verifies");
        let keys = FloorKeys {
            rng,
            merchant,
            public,
            answer_signature,
            oaep,
        };
        keys.measure(20, 20, 20); // warm-up
        keys
    }

    /// The WeChat Pay key's signature over `signed::RESPONSE`, base64: what the cold-start
    /// floor program verifies.
    pub fn response_signature_base64(&self) -> String {
        STANDARD.encode(&self.answer_signature)
    }

    /// `plaintext` RSA-OAEP encrypted under the WeChat Pay public key, base64, as the library
    /// sends a sensitive field.
    pub fn encrypt_base64(&self, plaintext: &[u8]) -> String {
        let mut ciphertext = vec![0u8; self.oaep.ciphertext_size()];
        let written = self
            .oaep
            .encrypt(&OAEP_SHA1_MGF1SHA1, plaintext, &mut ciphertext, None)
            .expect("OAEP encrypt");
        STANDARD.encode(written)
    }

    /// CPU per operation over the given numbers of signatures, verifications and OAEP
    /// encryptions.
    pub fn measure(&self, signs: u32, verifies: u32, encryptions: u32) -> Floor {
        let mut signature = vec![0u8; self.merchant.public_modulus_len()];
        let started = process_cpu_us();
        for _ in 0..signs {
            self.merchant
                .sign(
                    &RSA_PKCS1_SHA256,
                    &self.rng,
                    std::hint::black_box(REQUEST),
                    &mut signature,
                )
                .expect("sign");
        }
        let sign_cpu_us = (process_cpu_us() - started) / f64::from(signs);

        let started = process_cpu_us();
        for _ in 0..verifies {
            self.public
                .verify_sig(std::hint::black_box(RESPONSE), &self.answer_signature)
                .expect("verify");
        }
        let verify_cpu_us = (process_cpu_us() - started) / f64::from(verifies);

        let mut ciphertext = vec![0u8; self.oaep.ciphertext_size()];
        let started = process_cpu_us();
        for _ in 0..encryptions {
            self.oaep
                .encrypt(
                    &OAEP_SHA1_MGF1SHA1,
                    std::hint::black_box(FIELD),
                    &mut ciphertext,
                    None,
                )
                .expect("OAEP encrypt");
        }
        let oaep_cpu_us = (process_cpu_us() - started) / f64::from(encryptions);
        Floor {
            sign_cpu_us,
            verify_cpu_us,
            oaep_cpu_us,
        }
    }
}

/// `openssl speed -seconds 1 rsa2048`: (version, sign/s, verify/s), read by column name so
/// that both the OpenSSL 3.0 layout and the 3.2+ layout (with encrypt/decrypt) parse.
pub fn openssl_speed() -> Result<(String, f64, f64), String> {
    let version = Command::new("openssl")
        .arg("version")
        .output()
        .map_err(|e| format!("openssl not runnable: {e}"))?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    let out = Command::new("openssl")
        .args(["speed", "-seconds", "1", "rsa2048"])
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("openssl speed failed: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let header: Vec<&str> = text
        .lines()
        .find(|l| l.contains("sign/s") && l.contains("verify/s"))
        .ok_or("no sign/s header in openssl speed output")?
        .split_whitespace()
        .collect();
    let row: Vec<&str> = text
        .lines()
        .find(|l| l.trim_start().starts_with("rsa") && l.contains("2048"))
        .ok_or("no rsa 2048 row in openssl speed output")?
        .split_whitespace()
        .skip(3) // "rsa" "2048" "bits"
        .collect();
    let column = |name: &str| -> Result<f64, String> {
        let i = header
            .iter()
            .position(|h| *h == name)
            .ok_or(format!("no {name} column"))?;
        row.get(i)
            .and_then(|v| v.trim_end_matches('s').parse().ok())
            .ok_or(format!("no {name} value"))
    };
    Ok((version, column("sign/s")?, column("verify/s")?))
}
