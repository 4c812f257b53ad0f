//! The independent signing vectors and their test keys, which the simulator's unit tests
//! share with the library's: the one copy lives in the workspace's `tests/vectors`.

use std::path::PathBuf;

pub(crate) fn vector_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(name)
}
