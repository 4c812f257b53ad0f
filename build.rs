//! Generates the C header with cbindgen into OUT_DIR (and into include/ on request), and
//! passes the rustls version and ABI generation to the crate.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let crate_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for input in ["src", "cbindgen.toml", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={input}");
    }
    println!("cargo:rerun-if-env-changed=WXFACE_UPDATE_HEADER");

    let rustls_version =
        locked_version(&crate_dir.join("Cargo.lock"), "rustls").unwrap_or_else(|| "0.23".into());
    println!("cargo:rustc-env=WXFACE_RUSTLS_VERSION={rustls_version}");
    let abi_version = abi_version(&crate_dir.join("Cargo.toml"));
    println!("cargo:rustc-env=WXFACE_ABI_VERSION={abi_version}");

    let header = out_dir.join("wxface.h");
    generate_header(&crate_dir, &header, abi_version);
    println!(
        "cargo:rustc-env=WXFACE_GENERATED_HEADER={}",
        header.display()
    );

    if env::var_os("WXFACE_UPDATE_HEADER").is_some_and(|v| v == "1") {
        let committed = crate_dir.join("include/wxface.h");
        fs::create_dir_all(crate_dir.join("include")).expect("create include/");
        fs::copy(&header, &committed).expect("copy the header into include/");
        println!("cargo:warning=refreshed {}", committed.display());
    }
}

fn generate_header(crate_dir: &Path, header: &Path, abi_version: u32) {
    let mut config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
    let minor = env::var("CARGO_PKG_VERSION_MINOR").expect("cargo sets the version");
    let patch = env::var("CARGO_PKG_VERSION_PATCH").expect("cargo sets the version");
    config.after_includes = Some(format!(
        "\n/* Version of the wxface package this header belongs to (from Cargo.toml). */\n\
         #define WXFACE_VERSION_MAJOR {major}\n#define WXFACE_VERSION_MINOR {minor}\n#define WXFACE_VERSION_PATCH {patch}\n\
         /* The ABI generation; wxface_abi_version() of a matching library returns this value. */\n\
         #define WXFACE_ABI_VERSION {abi_version}\n"
    ));
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header")
        .write_to_file(header);
}

/// `abi-version = N` from `[package.metadata.wxface]`.
fn abi_version(cargo_toml: &Path) -> u32 {
    let text = fs::read_to_string(cargo_toml).expect("read Cargo.toml");
    let section = text
        .split("[package.metadata.wxface]")
        .nth(1)
        .expect("Cargo.toml has [package.metadata.wxface]");
    section
        .lines()
        .take_while(|line| !line.starts_with('['))
        .find_map(|line| line.strip_prefix("abi-version = "))
        .and_then(|value| value.trim().parse().ok())
        .expect("[package.metadata.wxface] has abi-version = N")
}

/// The version of `package` recorded in Cargo.lock, if the lock file is there.
fn locked_version(lock: &Path, package: &str) -> Option<String> {
    let text = fs::read_to_string(lock).ok()?;
    let marker = format!("name = \"{package}\"\nversion = \"");
    let start = text.find(&marker)? + marker.len();
    let end = text[start..].find('"')?;
    Some(text[start..start + end].to_owned())
}
