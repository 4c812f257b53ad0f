//! Library identity: version strings, ABI generation, status names.

use std::ffi::{CStr, c_char};

use super::status::status_name;

const VERSION: &CStr = match CStr::from_bytes_with_nul(
    concat!(
        "wxface/",
        env!("CARGO_PKG_VERSION"),
        " rustls/",
        env!("WXFACE_RUSTLS_VERSION"),
        "\0"
    )
    .as_bytes(),
) {
    Ok(version) => version,
    Err(_) => panic!("version string has an interior NUL"),
};

/// The ABI generation this library implements, from `[package.metadata.wxface]` in Cargo.toml.
pub(crate) const ABI_VERSION: u32 = match u32::from_str_radix(env!("WXFACE_ABI_VERSION"), 10) {
    Ok(version) => version,
    Err(_) => panic!("WXFACE_ABI_VERSION is not a number"),
};

/// The library version, e.g. `"wxface/0.2.0 rustls/0.23.46"`. Static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn wxface_version() -> *const c_char {
    ffi_boundary!(fallback(c"".as_ptr()), || { VERSION.as_ptr() })
}

/// The ABI generation of this library; equals `WXFACE_ABI_VERSION` of the header it was
/// built with. Wrappers refuse a library whose value differs from theirs.
#[unsafe(no_mangle)]
pub extern "C" fn wxface_abi_version() -> u32 {
    ffi_boundary!(fallback(ABI_VERSION), || { ABI_VERSION })
}

/// The English name of a status (`"ok"`, `"invalid argument"`, …), or `"unknown status"`.
/// Static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn wxface_status_str(status: u32) -> *const c_char {
    ffi_boundary!(fallback(c"unknown status".as_ptr()), || {
        status_name(status).as_ptr()
    })
}
