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
