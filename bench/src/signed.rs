//! What the floor signs and verifies, and how it reads the simulator's PEM files: shared by
//! wxface-bench (`floor.rs`) and the cold-start floor program (`cold_floor.rs`).

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A terminate request's string-to-sign, as the client signs it.
pub const REQUEST: &[u8] = b"POST\n/v3/offlinefacemch/organizations/DBES323aeb/users/user-id/U0000000001/terminate-contract\n1722850421\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n";
/// A 204 response's string-to-sign, as the client verifies it.
pub const RESPONSE: &[u8] = b"1722850421\n5C2F1B6A0E9D4C7B8A3F2E1D0C9B8A7F\n\n";

/// The DER inside the first PEM block of `path` labelled `label`.
pub fn pem_der(path: &Path, label: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = text
        .split_once(&begin)
        .and_then(|(_, rest)| rest.split_once(&end))
        .map(|(body, _)| body)
        .unwrap_or_else(|| panic!("{} holds no {label} block", path.display()));
    let b64: String = body.split_whitespace().collect();
    STANDARD.decode(b64).expect("PEM body is base64")
}
