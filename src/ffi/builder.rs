//! `wxface_client_builder`: the C-native way to configure a client, one setter per key.

use std::ffi::c_char;
use std::ptr;

use super::args::{arg_bytes, arg_mut, arg_out, arg_str, free_box};
use super::client::wxface_client;
use super::error::wxface_error;
use super::status::wxface_status;
use crate::client::Client;
use crate::config::Config;
use crate::error::Error;

/// Collects a client's configuration. Each setter checks its value at once (a failed setter
/// leaves the builder as it was). `wxface_client_builder_build` consumes the builder;
/// `wxface_client_builder_free` is only for a builder that is never built.
///
/// Functions: `wxface_client_builder_new`, `wxface_client_builder_set_merchant`,
/// `wxface_client_builder_set_private_key_pem`, `wxface_client_builder_set_private_key_file`,
/// `wxface_client_builder_add_wechatpay_public_key_pem`,
/// `wxface_client_builder_add_platform_certificate_pem`, `wxface_client_builder_set_base_url`,
/// `wxface_client_builder_set_backup_base_url`, `wxface_client_builder_add_root_ca_pem`,
/// `wxface_client_builder_set_timeouts`, `wxface_client_builder_set_proxy`,
/// `wxface_client_builder_build`, `wxface_client_builder_free`.
pub struct wxface_client_builder {
    config: Config,
}

/// A new, empty builder (defaults as in the README), or NULL if memory ran out.
#[unsafe(no_mangle)]
pub extern "C" fn wxface_client_builder_new() -> *mut wxface_client_builder {
    ffi_boundary!(or ptr::null_mut(), {
        Box::into_raw(Box::new(wxface_client_builder { config: Config::new() }))
    })
}

/// Applies one setter to a builder argument, inside the `*err` rules.
fn with_builder(
    builder: *mut wxface_client_builder,
    set: impl FnOnce(&mut Config) -> Result<(), Error>,
) -> Result<(), Error> {
    // SAFETY: `builder` is NULL or a live builder from this library, by the API contract.
    let builder = unsafe { arg_mut("builder", builder) }?;
    set(&mut builder.config)
}

/// The merchant id (`mchid`) and the serial number of its API certificate (hex).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_merchant(
    builder: *mut wxface_client_builder,
    mchid: *const c_char,
    merchant_serial_no: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        // SAFETY: C strings are NUL-terminated and live for the call, by the API contract.
        let mchid = unsafe { arg_str("mchid", mchid) }?;
        let serial = unsafe { arg_str("merchant_serial_no", merchant_serial_no) }?;
        with_builder(builder, |config| config.set_merchant(mchid, serial))
    })
}

/// The merchant API private key as PEM bytes (PKCS#8 or PKCS#1). The bytes are copied
/// into the parsed key; the caller may wipe its buffer after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_private_key_pem(
    builder: *mut wxface_client_builder,
    pem: *const u8,
    pem_len: usize,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        // SAFETY: `pem` points to `pem_len` readable bytes, by the API contract.
        let pem = unsafe { arg_bytes("pem", pem, pem_len) }?;
        with_builder(builder, |config| config.set_private_key_pem(pem))
    })
}

/// The merchant API private key from a PEM file (read now, not later).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_private_key_file(
    builder: *mut wxface_client_builder,
    path: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        // SAFETY: C strings are NUL-terminated and live for the call, by the API contract.
        let path = unsafe { arg_str("path", path) }?;
        with_builder(builder, |config| config.set_private_key_file(path))
    })
}

/// Adds a WeChat Pay public key (SPKI PEM) with its id `PUB_KEY_ID_…`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_add_wechatpay_public_key_pem(
    builder: *mut wxface_client_builder,
    public_key_id: *const c_char,
    pem: *const u8,
    pem_len: usize,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        // SAFETY: pointers are valid for the call, by the API contract.
        let id = unsafe { arg_str("public_key_id", public_key_id) }?;
        let pem = unsafe { arg_bytes("pem", pem, pem_len) }?;
        with_builder(builder, |config| {
            config.add_wechatpay_public_key_pem(id, pem)
        })
    })
}

/// Adds WeChat Pay platform certificates (PEM); serials are read from the certificates.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_add_platform_certificate_pem(
    builder: *mut wxface_client_builder,
    pem: *const u8,
    pem_len: usize,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        // SAFETY: `pem` points to `pem_len` readable bytes, by the API contract.
        let pem = unsafe { arg_bytes("pem", pem, pem_len) }?;
        with_builder(builder, |config| config.add_platform_certificate_pem(pem))
    })
}

/// The API endpoint, `https://host[:port]` (default `https://api.mch.weixin.qq.com`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_base_url(
    builder: *mut wxface_client_builder,
    url: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        // SAFETY: C strings are NUL-terminated and live for the call, by the API contract.
        let url = unsafe { arg_str("url", url) }?;
        with_builder(builder, |config| config.set_base_url(url))
    })
}

/// The endpoint tried once when no connection to the base URL could be established.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_backup_base_url(
    builder: *mut wxface_client_builder,
    url: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        // SAFETY: C strings are NUL-terminated and live for the call, by the API contract.
        let url = unsafe { arg_str("url", url) }?;
        with_builder(builder, |config| config.set_backup_base_url(url))
    })
}

/// Adds trusted root certificates (PEM) to the bundled ones.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_add_root_ca_pem(
    builder: *mut wxface_client_builder,
    pem: *const u8,
    pem_len: usize,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        // SAFETY: `pem` points to `pem_len` readable bytes, by the API contract.
        let pem = unsafe { arg_bytes("pem", pem, pem_len) }?;
        with_builder(builder, |config| config.add_root_ca_pem(pem))
    })
}

/// Connect and whole-call timeouts in milliseconds (each at least 1; defaults 5000, 15000).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_timeouts(
    builder: *mut wxface_client_builder,
    connect_timeout_ms: u32,
    request_timeout_ms: u32,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        with_builder(builder, |config| {
            config.set_timeouts(connect_timeout_ms, request_timeout_ms)
        })
    })
}

/// An HTTP proxy, `http://host:port`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_proxy(
    builder: *mut wxface_client_builder,
    proxy_url: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, {
        // SAFETY: C strings are NUL-terminated and live for the call, by the API contract.
        let proxy_url = unsafe { arg_str("proxy_url", proxy_url) }?;
        with_builder(builder, |config| config.set_proxy(proxy_url))
    })
}

/// Builds the client. Consumes (frees) the builder whatever the outcome: do not use or
/// free it afterwards. On success `*client_out` receives the client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_build(
    builder: *mut wxface_client_builder,
    client_out: *mut *mut wxface_client,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, consuming builder, |builder: Option<Box<wxface_client_builder>>| {
        let builder = builder.ok_or_else(|| Error::invalid_argument("builder is NULL"))?;
        let out = arg_out("client_out", client_out)?;
        let client = Client::new(builder.config)?;
        out.write(wxface_client { client });
        Ok(())
    })
}

/// Frees a builder that was never built. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_free(builder: *mut wxface_client_builder) {
    // SAFETY: `builder` is NULL or an unbuilt builder from this library, freed once.
    ffi_boundary!(or(), { unsafe { free_box(builder) } })
}
