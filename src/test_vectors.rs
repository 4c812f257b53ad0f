//! Access to the signing vectors (made by an independent implementation, copied from the
//! design repository's `shared/vectors` into `tests/vectors`) for unit tests.

use std::path::PathBuf;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

pub fn vector_path(name: &str) -> String {
    vectors_dir().join(name).to_string_lossy().into_owned()
}

pub fn read_vector_file(name: &str) -> Vec<u8> {
    let path = vector_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read test vector {path}: {e}"))
}

pub fn vectors() -> serde_json::Value {
    serde_json::from_slice(&read_vector_file("apiv3-signing.json")).expect("vectors are JSON")
}

/// WeChat Pay's test private key, read by the `rsa` crate: a second implementation that
/// decrypts what aws-lc encrypted.
pub fn wechatpay_private_key() -> rsa::PrivateKey {
    use rsa::pkcs8::DecodePrivateKey;
    let pem = String::from_utf8(read_vector_file("wechatpay_test_private_key.pem")).unwrap();
    rsa::PrivateKey::from_pkcs8_pem(&pem).unwrap()
}

/// The encrypting key of WeChat Pay's test public key.
pub fn test_encrypting_key() -> crate::keys::EncryptingKey {
    use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
    let pem = String::from_utf8(read_vector_file("wechatpay_test_public_key.pem")).unwrap();
    let der = rsa::PublicKey::from_public_key_pem(&pem)
        .unwrap()
        .to_public_key_der()
        .unwrap();
    crate::keys::EncryptingKey::from_spki_der("test key", der.as_bytes()).unwrap()
}

#[test]
fn the_copy_matches_the_design_repository_when_it_is_beside_us() {
    let originals = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors");
    let Ok(entries) = std::fs::read_dir(&originals) else {
        return; // a clone without the design repository next to it: nothing to compare
    };
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        assert_eq!(
            std::fs::read(entry.path()).unwrap(),
            read_vector_file(&name),
            "tests/vectors/{name} differs from {}",
            originals.display()
        );
    }
}
