//! Generates, from one cbindgen run over `src/ffi`, everything that describes the C ABI: the
//! C header, the macro-free header PHP's FFI reads, the Python ctypes declarations and the
//! PHP `Status` and `Native` classes (`codegen/`). They are written to OUT_DIR;
//! `WXFACE_UPDATE_HEADER=1` (`make header`) copies them to their committed places, and
//! `tests/header.rs` fails when a committed copy is stale. Also passes the rustls version and
//! the ABI generation to the crate, and gives the Linux shared library its SONAME.

#[path = "codegen/c_api.rs"]
mod c_api;
#[path = "codegen/php.rs"]
mod php;
#[path = "codegen/python.rs"]
mod python;

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// Every generated file: its name in OUT_DIR, and where its committed copy lives.
const GENERATED: &[(&str, &str)] = &[
    ("wxface.h", "include/wxface.h"),
    ("wxface.ffi.h", "bindings/php/wxface.ffi.h"),
    ("Status.php", "bindings/php/src/Status.php"),
    ("Native.php", "bindings/php/src/Native.php"),
    ("_capi.py", "bindings/python/src/wxface/_capi.py"),
];

fn main() {
    let crate_dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for input in [
        "src",
        "codegen",
        "cbindgen.toml",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={input}");
    }
    println!("cargo:rerun-if-env-changed=WXFACE_UPDATE_HEADER");

    let rustls_version =
        locked_version(&crate_dir.join("Cargo.lock"), "rustls").unwrap_or_else(|| "0.23".into());
    println!("cargo:rustc-env=WXFACE_RUSTLS_VERSION={rustls_version}");
    let abi_version = abi_version(&crate_dir.join("Cargo.toml"));
    println!("cargo:rustc-env=WXFACE_ABI_VERSION={abi_version}");
    let version = env::var("CARGO_PKG_VERSION").expect("cargo sets the version");
    set_soname(abi_version);

    let bindings = generate_bindings(&crate_dir, abi_version);
    let header = out_dir.join("wxface.h");
    bindings.write_to_file(&header);
    let c_header = fs::read_to_string(&header).expect("read the generated header");
    let api = c_api::CApi::from_bindings(&bindings);
    let contents = [
        ("wxface.ffi.h", php::ffi_header(&c_header)),
        ("Status.php", php::status_class(&api)),
        ("Native.php", php::native_class(&api, &version, abi_version)),
        ("_capi.py", python::capi_module(&api, &version, abi_version)),
    ];
    for (name, text) in contents {
        fs::write(out_dir.join(name), text).expect("write a generated file");
    }
    // For tests/header.rs: where each generated file is, and where it is committed.
    let manifest: String = GENERATED
        .iter()
        .map(|(name, committed)| format!("{}\t{committed}\n", out_dir.join(name).display()))
        .collect();
    fs::write(out_dir.join("generated.txt"), manifest).expect("write the manifest");
    println!(
        "cargo:rustc-env=WXFACE_GENERATED_HEADER={}",
        header.display()
    );
    println!(
        "cargo:rustc-env=WXFACE_GENERATED_MANIFEST={}",
        out_dir.join("generated.txt").display()
    );

    if env::var_os("WXFACE_UPDATE_HEADER").is_some_and(|v| v == "1") {
        for (name, committed) in GENERATED {
            let committed = crate_dir.join(committed);
            fs::create_dir_all(committed.parent().expect("a folder")).expect("create the folder");
            fs::copy(out_dir.join(name), &committed).expect("copy a generated file");
            println!("cargo:warning=refreshed {}", committed.display());
        }
    }
}

/// On Linux the shared library's SONAME is `libwxface.so.<ABI version>`, never unversioned:
/// a program linked with `-lwxface` records that name (NEEDED), so it keeps loading every
/// library of the same ABI generation and refuses one of another. `make install` adds the
/// `libwxface.so.1` link next to the file; for `target/release` `scripts/soname-link` does
/// (the Makefile and the C suite run programs from there).
///
/// The export list needs no version script of ours: rustc links every cdylib with its own,
/// which exports the crate's `#[no_mangle]` functions and makes everything else local,
/// including the C symbols of aws-lc (`jent_*`). A second script could not narrow that list
/// (rustc's names each symbol, and a named match outranks a wildcard), so tests/header.rs
/// checks instead that the library (and the installed one) exports exactly the header's
/// functions.
fn set_soname(abi_version: u32) {
    if env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libwxface.so.{abi_version}");
    }
}

fn generate_bindings(crate_dir: &Path, abi_version: u32) -> cbindgen::Bindings {
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
