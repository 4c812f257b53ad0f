//! The committed C header: up to date with the sources, self-contained as C11 and C++17,
//! carrying the versions of Cargo.toml, and declaring exactly what the library exports.

use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn committed_header() -> String {
    std::fs::read_to_string(manifest_dir().join("include/wxface.h"))
        .expect("include/wxface.h is committed")
}

/// Every file build.rs generates from the sources, with its committed copy: (fresh, committed).
fn generated_files() -> Vec<(PathBuf, PathBuf)> {
    let manifest = std::fs::read_to_string(env!("WXFACE_GENERATED_MANIFEST"))
        .expect("build.rs lists what it generated");
    manifest
        .lines()
        .map(|line| {
            let (fresh, committed) = line.split_once('\t').expect("fresh<TAB>committed");
            (PathBuf::from(fresh), manifest_dir().join(committed))
        })
        .collect()
}

#[test]
fn every_committed_generated_file_matches_a_fresh_generation() {
    let files = generated_files();
    assert!(
        files.len() >= 5,
        "the C header, the PHP header and classes, the ctypes table"
    );
    let stale: Vec<String> = files
        .iter()
        .filter(|(fresh, committed)| {
            let fresh = std::fs::read(fresh).expect("build.rs wrote it");
            std::fs::read(committed).ok().as_ref() != Some(&fresh)
        })
        .map(|(_, committed)| committed.display().to_string())
        .collect();
    assert!(
        stale.is_empty(),
        "stale generated files (refresh them with `make header`, then commit): {stale:?}"
    );
}

#[test]
fn the_php_header_has_the_declarations_and_no_preprocessor_lines() {
    let committed = std::fs::read_to_string(manifest_dir().join("bindings/php/wxface.ffi.h"))
        .expect("bindings/php/wxface.ffi.h is committed");
    assert!(
        !committed
            .lines()
            .any(|line| line.trim_start().starts_with('#')),
        "PHP FFI cannot read preprocessor lines"
    );
    assert_eq!(
        header_functions(&committed),
        header_functions(&committed_header())
    );
}

fn define(header: &str, name: &str) -> String {
    let prefix = format!("#define {name} ");
    header
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("the header defines {name}"))
        .trim()
        .to_owned()
}

#[test]
fn version_macros_come_from_cargo_toml() {
    let header = committed_header();
    assert_eq!(
        define(&header, "WXFACE_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MAJOR")
    );
    assert_eq!(
        define(&header, "WXFACE_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_MINOR")
    );
    assert_eq!(
        define(&header, "WXFACE_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION_PATCH")
    );
    let abi: u32 = define(&header, "WXFACE_ABI_VERSION").parse().unwrap();
    assert_eq!(abi, wxface::ffi::wxface_abi_version());
    let cargo_toml = std::fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap();
    assert!(cargo_toml.contains(&format!("abi-version = {abi}\n")));
    // SAFETY: wxface_version returns a static NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(wxface::ffi::wxface_version()) };
    assert!(version.to_str().unwrap().starts_with(&format!(
        "wxface/{} rustls/0.23.",
        env!("CARGO_PKG_VERSION")
    )));
}

/// Compiles `program` (which includes one of the headers) with warnings as errors, syntax only.
fn compile_alone(compiler: &str, flags: &[&str], file_name: &str, program: &str) {
    // Under target/tmp (cargo's scratch folder for integration tests): nothing left in /tmp.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("header");
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join(file_name);
    std::fs::write(&source, program).unwrap();
    let output = Command::new(compiler)
        .args(flags)
        .args([
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-fsyntax-only",
            "-I",
        ])
        .arg(manifest_dir().join("include"))
        .arg(&source)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {compiler} ({e}): install it with `apt-get install -y gcc g++`")
        });
    assert!(
        output.status.success(),
        "{compiler} rejects {file_name}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A program that includes only wxface.h.
const ONLY_HEADER: &str = "#include \"wxface.h\"\nint main(void) { return wxface_abi_version() == WXFACE_ABI_VERSION ? 0 : 1; }\n";

#[test]
fn header_compiles_alone_as_c11() {
    compile_alone("cc", &["-std=c11"], "only_header.c", ONLY_HEADER);
}

#[test]
fn header_compiles_alone_as_cxx17() {
    compile_alone("c++", &["-std=c++17"], "only_header.cpp", ONLY_HEADER);
}

/// The functions the C API promises (ABI 1 and the additions since).
const CONTRACT_FUNCTIONS: &[&str] = &[
    "wxface_version",
    "wxface_abi_version",
    "wxface_status_str",
    "wxface_client_new_from_json",
    "wxface_client_builder_new",
    "wxface_client_builder_set_merchant",
    "wxface_client_builder_set_private_key_pem",
    "wxface_client_builder_set_private_key_file",
    "wxface_client_builder_add_wechatpay_public_key_pem",
    "wxface_client_builder_add_platform_certificate_pem",
    "wxface_client_builder_set_base_url",
    "wxface_client_builder_set_backup_base_url",
    "wxface_client_builder_add_root_ca_pem",
    "wxface_client_builder_set_timeouts",
    "wxface_client_builder_set_proxy",
    "wxface_client_builder_build",
    "wxface_client_builder_free",
    "wxface_client_free",
    "wxface_terminate_contract",
    "wxface_error_status",
    "wxface_error_message",
    "wxface_error_http_status",
    "wxface_error_api_code",
    "wxface_error_request_id",
    "wxface_error_detail_json",
    "wxface_error_free",
    // 0.2: files, the safe-retry flag, responses, the K12 family, the generic call.
    "wxface_client_new_from_json_file",
    "wxface_client_builder_add_wechatpay_public_key_file",
    "wxface_client_builder_add_platform_certificate_file",
    "wxface_client_builder_add_root_ca_file",
    "wxface_error_request_sent",
    "wxface_response_http_status",
    "wxface_response_request_id",
    "wxface_response_body",
    "wxface_response_get",
    "wxface_response_has",
    "wxface_response_free",
    "wxface_query_organization",
    "wxface_create_auth_token",
    "wxface_query_user",
    "wxface_update_user",
    "wxface_terminate_contract_with_response",
    "wxface_get_authinfo",
    "wxface_presign_contract",
    "wxface_query_contract",
    "wxface_list_face_collections",
    "wxface_query_face_collection",
    "wxface_apply_deduction",
    "wxface_query_deduction",
    "wxface_get_repayment_url",
    "wxface_request",
    // 0.2: notifications and platform certificates.
    "wxface_client_builder_set_apiv3_key",
    "wxface_client_builder_set_auto_platform_certificates",
    "wxface_client_refresh_platform_certificates",
    "wxface_notification_parse",
    "wxface_notification_id",
    "wxface_notification_event_type",
    "wxface_notification_create_time",
    "wxface_notification_summary",
    "wxface_notification_resource",
    "wxface_notification_get",
    "wxface_notification_free",
];

/// Names of the functions the header declares (`name(` after a return type).
fn header_functions(header: &str) -> Vec<String> {
    let mut names: Vec<String> = header
        .lines()
        .filter(|line| !line.starts_with([' ', '#', '/', '*']) && !line.starts_with("typedef"))
        .filter_map(|line| {
            let open = line.find('(')?;
            let name = line[..open].rsplit([' ', '*']).next()?;
            name.starts_with("wxface_").then(|| name.to_owned())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn header_declares_every_contract_function() {
    let declared = header_functions(&committed_header());
    for name in CONTRACT_FUNCTIONS {
        assert!(
            declared.iter().any(|d| d == name),
            "include/wxface.h does not declare {name}"
        );
    }
}

/// The cdylib cargo built next to this test executable (target/<profile>/libwxface.so), or
/// the library `WXFACE_EXPORTS_LIBRARY` names (scripts/test-install: the installed one).
fn shared_library() -> PathBuf {
    if let Some(library) = std::env::var_os("WXFACE_EXPORTS_LIBRARY") {
        return PathBuf::from(library);
    }
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    profile_dir.join("libwxface.so")
}

/// The header the library is checked against: the committed one, or the one
/// `WXFACE_EXPORTS_HEADER` names (scripts/test-install: the installed one).
fn header_for_exports() -> String {
    match std::env::var_os("WXFACE_EXPORTS_HEADER") {
        Some(path) => std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", Path::new(&path).display())),
        None => committed_header(),
    }
}

/// Every symbol the library exports (defined dynamic symbols), whatever its name: anything
/// but the header's functions, such as aws-lc's `jent_*`, is a leak the linker's version
/// script must hide.
#[test]
fn shared_library_exports_exactly_the_header_functions() {
    let library = shared_library();
    assert!(
        library.exists(),
        "{} is missing: build it with `cargo build --release`",
        library.display()
    );
    let output = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&library)
        .output()
        .expect("nm runs (apt-get install -y binutils)");
    assert!(output.status.success());
    let mut exported: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().nth(2))
        .map(str::to_owned)
        .collect();
    exported.sort();
    assert_eq!(
        exported,
        header_functions(&header_for_exports()),
        "{} exports other than the header's functions",
        library.display()
    );
}

/// Linux: the SONAME is `libwxface.so.<ABI>` (build.rs), so a program linked with -lwxface
/// loads only a library of its ABI generation.
#[test]
#[cfg(target_os = "linux")]
fn shared_library_soname_is_the_abi_generation() {
    let output = Command::new("readelf")
        .arg("-d")
        .arg(shared_library())
        .output()
        .expect("readelf runs (apt-get install -y binutils)");
    assert!(output.status.success());
    let dynamic = String::from_utf8_lossy(&output.stdout);
    let soname = dynamic
        .lines()
        .find(|line| line.contains("(SONAME)"))
        .unwrap_or_else(|| panic!("no SONAME in:\n{dynamic}"));
    let want = format!("[libwxface.so.{}]", wxface::ffi::wxface_abi_version());
    assert!(soname.ends_with(&want), "{soname}, want {want}");
}

/// `include/wxface.hpp` is written by hand: every C function must have its C++ counterpart
/// there (a new function that lacks one fails here), and it must compile alone as C++17.
#[test]
fn the_cpp_header_wraps_every_c_function() {
    let cpp = std::fs::read_to_string(manifest_dir().join("include/wxface.hpp"))
        .expect("include/wxface.hpp is committed");
    // The C++ Error takes its status from the failed call's return value.
    let not_needed = ["wxface_error_status"];
    let unwrapped: Vec<String> = header_functions(&committed_header())
        .into_iter()
        .filter(|name| !not_needed.contains(&name.as_str()))
        .filter(|name| {
            !cpp.match_indices(name.as_str()).any(|(at, _)| {
                let next = cpp[at + name.len()..].chars().next();
                !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
        .collect();
    assert!(
        unwrapped.is_empty(),
        "include/wxface.hpp does not call {unwrapped:?}"
    );
}

#[test]
fn cpp_header_compiles_alone_as_cxx17() {
    compile_alone(
        "c++",
        &["-std=c++17"],
        "only_hpp.cpp",
        "#include \"wxface.hpp\"\nint main() { return wxface::abi_version() == WXFACE_ABI_VERSION ? 0 : 1; }\n",
    );
}
