//! wxface-cold-floor: the floor of a cold start (`make bench`, bench/src/cold.rs). A process
//! that does only the cryptography a one-call process cannot avoid: parse the merchant's
//! private key and the WeChat Pay public key from the simulator's PEM files, sign one request,
//! verify one response signature. With aws-lc-rs, wxface's backend built the same way, so
//! aws-lc's one-time set-up (CPU feature detection, seeding its random generator for the
//! signature's blinding) counts here exactly as it does in the library.
//!
//! ```text
//! wxface-cold-floor STATE_DIR RESPONSE_SIGNATURE_BASE64
//! ```
//!
//! The signature is over `signed::RESPONSE` by the simulator's WeChat Pay key (wxface-bench
//! makes it). Exits 0, or panics.

mod signed;

use std::path::PathBuf;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use signed::{REQUEST, RESPONSE, pem_der};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [state_dir, response_signature] = args.as_slice() else {
        eprintln!("usage: wxface-cold-floor STATE_DIR RESPONSE_SIGNATURE_BASE64");
        std::process::exit(2);
    };
    let state_dir = PathBuf::from(state_dir);
    let merchant =
        KeyPair::from_pkcs8(&pem_der(&state_dir.join("merchant_key.pem"), "PRIVATE KEY"))
            .expect("merchant key");
    let wechatpay = ParsedPublicKey::new(
        &RSA_PKCS1_2048_8192_SHA256,
        pem_der(&state_dir.join("wechatpay_public_key.pem"), "PUBLIC KEY"),
    )
    .expect("WeChat Pay public key");

    let mut signature = vec![0u8; merchant.public_modulus_len()];
    merchant
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            REQUEST,
            &mut signature,
        )
        .expect("sign");
    let response_signature = STANDARD
        .decode(response_signature)
        .expect("the response signature is base64");
    wechatpay
        .verify_sig(RESPONSE, &response_signature)
        .expect("the response signature verifies");
}
