//! aws-lc is built without its CPU-jitter entropy source, in the shared library that C,
//! Python and PHP load and in the Rust library linked into this test (SECURITY.md,
//! "Randomness").
//!
//! With jitter entropy, aws-lc seeds its random generator on the first random bytes a process
//! asks for by timing thousands of memory accesses and hashing the timings: ~420 million
//! instructions, tens of milliseconds, more than everything else a process that makes one call
//! does. `.cargo/config.toml` sets `AWS_LC_SYS_NO_JITTER_ENTROPY=1` for every build, and aws-lc
//! then seeds from the operating system's generator (getrandom(2)). A build that lost that
//! setting (the file not read, the variable overridden by the environment) links the jitter
//! source's `jent_*` functions, which is what these tests look for in the symbol table (`nm`,
//! not `nm -D`: the library exports only the wxface_* functions).
//!
//! Not a timing test: a child process that creates a client and makes one call could be
//! compared with one that only signs, but an RSA signature draws random bytes too (blinding),
//! so both would pay for the seeding and their ratio would not move; and on a shared machine
//! an absolute bound would be flaky. The symbol table says the same thing deterministically.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The jitter entropy library's functions, all named `jent_*` (aws-lc prefixes the exported
/// ones, e.g. `aws_lc_0_47_0_jent_read_entropy`, and keeps the static ones as they are).
const JITTER_MARKER: &str = "jent_";

/// A function every build links (the generator's entry point), so that an empty or stripped
/// symbol table cannot pass as "no jitter".
const RAND_MARKER: &str = "RAND_bytes";

#[test]
fn the_shared_library_has_no_cpu_jitter_entropy() {
    assert_no_jitter(&shared_library());
}

#[test]
fn the_rust_library_linked_here_has_no_cpu_jitter_entropy() {
    // Draws random bytes, so that aws-lc's generator (and, in a build with jitter, its jitter
    // seeding) is linked into this test binary, like into any program on the Rust API.
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).expect("aws-lc's random generator works");
    assert_no_jitter(&std::env::current_exe().expect("current_exe"));
}

/// Fails with the jitter symbols found in `binary`'s symbol table, if any.
fn assert_no_jitter(binary: &Path) {
    let symbols = symbols(binary);
    assert!(
        symbols.iter().any(|s| s.contains(RAND_MARKER)),
        "{} has no {RAND_MARKER} in its symbol table ({} symbols): stripped? this check needs \
         the symbol table (profile `strip` must not be \"symbols\")",
        binary.display(),
        symbols.len()
    );
    let jitter: Vec<&String> = symbols
        .iter()
        .filter(|s| s.contains(JITTER_MARKER))
        .collect();
    assert!(
        jitter.is_empty(),
        "{} was built with aws-lc's CPU-jitter entropy source ({} {JITTER_MARKER}* symbols, e.g. \
         {:?}): each process would spend tens of milliseconds seeding on its first random bytes. \
         Build with AWS_LC_SYS_NO_JITTER_ENTROPY=1, which .cargo/config.toml sets for cargo run \
         from inside the repository: is the environment overriding it, or cargo run from \
         elsewhere?",
        binary.display(),
        jitter.len(),
        jitter.iter().take(3).collect::<Vec<_>>()
    );
}

/// Every symbol name in `binary`'s symbol table (`nm`, binutils).
fn symbols(binary: &Path) -> Vec<String> {
    let output = Command::new("nm")
        .arg(binary)
        .output()
        .unwrap_or_else(|e| panic!("nm not runnable ({e}): install binutils"));
    assert!(
        output.status.success(),
        "nm {}: {}",
        binary.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().last().map(str::to_owned))
        .collect()
}

/// `libwxface.so` as cargo built it for this test: with the wxface crate's other crate types,
/// next to this test binary in `target/<profile>/deps` (`cargo build` also copies it up to
/// `target/<profile>`, the fallback), as tests/c_suite.rs finds it.
fn shared_library() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe
        .parent()
        .expect("the test binary has a parent directory");
    [Some(deps), deps.parent()]
        .into_iter()
        .flatten()
        .map(|dir| dir.join("libwxface.so"))
        .find(|lib| lib.is_file())
        .unwrap_or_else(|| {
            panic!(
                "libwxface.so is in neither {} nor its parent: cargo should have built it with \
                 the wxface crate (crate-type includes cdylib)",
                deps.display()
            )
        })
}
