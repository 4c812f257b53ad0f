//! `wxface_client_builder`: the C-native way to configure a client, one setter per key.

use std::ffi::{c_char, c_int};
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
/// `wxface_client_builder_add_wechatpay_public_key_file`,
/// `wxface_client_builder_add_platform_certificate_pem`,
/// `wxface_client_builder_add_platform_certificate_file`, `wxface_client_builder_set_base_url`,
/// `wxface_client_builder_set_backup_base_url`, `wxface_client_builder_add_root_ca_pem`,
/// `wxface_client_builder_add_root_ca_file`, `wxface_client_builder_set_timeouts`,
/// `wxface_client_builder_set_proxy`, `wxface_client_builder_set_apiv3_key`,
/// `wxface_client_builder_set_auto_platform_certificates`, `wxface_client_builder_build`,
/// `wxface_client_builder_free`.
pub struct wxface_client_builder {
    config: Config,
}

/// A new, empty builder (defaults as in the README). NULL only if an internal defect was
/// caught (allocation failure aborts the process, as everywhere in Rust).
#[unsafe(no_mangle)]
pub extern "C" fn wxface_client_builder_new() -> *mut wxface_client_builder {
    ffi_boundary!(fallback(ptr::null_mut()), || {
        Box::into_raw(Box::new(wxface_client_builder {
            config: Config::new(),
        }))
    })
}

/// The builder's configuration, for one setter.
///
/// # Safety
/// `builder` is NULL or a live builder from this library, not used elsewhere during the call.
unsafe fn config<'a>(builder: *mut wxface_client_builder) -> Result<&'a mut Config, Error> {
    // SAFETY: forwarded from this function's contract.
    unsafe { arg_mut("builder", builder) }.map(|b| &mut b.config)
}

/// The merchant id (`mchid`) and the serial number of its API certificate (hex).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_merchant(
    builder: *mut wxface_client_builder,
    mchid: *const c_char,
    merchant_serial_no: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (mchid, serial, config) = unsafe {
            (
                arg_str("mchid", mchid)?,
                arg_str("merchant_serial_no", merchant_serial_no)?,
                config(builder)?,
            )
        };
        config.set_merchant(mchid, serial)
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
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (pem, config) = unsafe { (arg_bytes("pem", pem, pem_len)?, config(builder)?) };
        config.set_private_key_pem(pem)
    })
}

/// The merchant API private key from a PEM file (read now, not later).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_private_key_file(
    builder: *mut wxface_client_builder,
    path: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (path, config) = unsafe { (arg_str("path", path)?, config(builder)?) };
        config.set_private_key_file(path)
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
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (id, pem, config) = unsafe {
            (
                arg_str("public_key_id", public_key_id)?,
                arg_bytes("pem", pem, pem_len)?,
                config(builder)?,
            )
        };
        config.add_wechatpay_public_key_pem(id, pem)
    })
}

/// Adds a WeChat Pay public key from a PEM file (read now), with its id `PUB_KEY_ID_…`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_add_wechatpay_public_key_file(
    builder: *mut wxface_client_builder,
    public_key_id: *const c_char,
    path: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (id, path, config) = unsafe {
            (
                arg_str("public_key_id", public_key_id)?,
                arg_str("path", path)?,
                config(builder)?,
            )
        };
        config.add_wechatpay_public_key_file(id, path)
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
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (pem, config) = unsafe { (arg_bytes("pem", pem, pem_len)?, config(builder)?) };
        config.add_platform_certificate_pem(pem)
    })
}

/// Adds WeChat Pay platform certificates from a PEM file (read now).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_add_platform_certificate_file(
    builder: *mut wxface_client_builder,
    path: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (path, config) = unsafe { (arg_str("path", path)?, config(builder)?) };
        config.add_platform_certificate_file(path)
    })
}

/// The API endpoint, `https://host[:port]` (default `https://api.mch.weixin.qq.com`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_base_url(
    builder: *mut wxface_client_builder,
    url: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (url, config) = unsafe { (arg_str("url", url)?, config(builder)?) };
        config.set_base_url(url)
    })
}

/// The endpoint tried once when no connection to the base URL could be established.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_backup_base_url(
    builder: *mut wxface_client_builder,
    url: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (url, config) = unsafe { (arg_str("url", url)?, config(builder)?) };
        config.set_backup_base_url(url)
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
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (pem, config) = unsafe { (arg_bytes("pem", pem, pem_len)?, config(builder)?) };
        config.add_root_ca_pem(pem)
    })
}

/// Adds trusted root certificates from a PEM file (read now) to the bundled ones.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_add_root_ca_file(
    builder: *mut wxface_client_builder,
    path: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (path, config) = unsafe { (arg_str("path", path)?, config(builder)?) };
        config.add_root_ca_file(path)
    })
}

/// Connect and whole-request timeouts in milliseconds (each at least 1; defaults 5000, 15000).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_timeouts(
    builder: *mut wxface_client_builder,
    connect_timeout_ms: u32,
    request_timeout_ms: u32,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: `builder` is NULL or valid for the call (the header's conventions).
        let config = unsafe { config(builder)? };
        config.set_timeouts(connect_timeout_ms, request_timeout_ms)
    })
}

/// An HTTP proxy, `http://host:port` (or `http://user:password@host:port`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_proxy(
    builder: *mut wxface_client_builder,
    proxy_url: *const c_char,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (proxy_url, config) = unsafe { (arg_str("proxy_url", proxy_url)?, config(builder)?) };
        config.set_proxy(proxy_url)
    })
}

/// The merchant's APIv3 key: exactly 32 bytes (otherwise `WXFACE_ERR_CONFIG`, which gives the
/// length only). It decrypts notifications and downloaded platform certificates. A secret: the
/// bytes are copied, never shown, and wiped when the client is freed; the caller may wipe its
/// buffer after the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_apiv3_key(
    builder: *mut wxface_client_builder,
    key: *const u8,
    key_len: usize,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: each pointer is NULL or valid for the call (the header's conventions).
        let (key, config) = unsafe { (arg_bytes("key", key, key_len)?, config(builder)?) };
        config.set_apiv3_key(key)
    })
}

/// Non-zero: the client downloads WeChat Pay's platform certificates by itself, on the
/// caller's thread (never on a hidden one): at the first call when it holds no usable
/// verification key, and when a response or a notification names an unknown certificate (at
/// most once per 60 s). Needs the APIv3 key; such a client may be built without any
/// configured verification key.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_set_auto_platform_certificates(
    builder: *mut wxface_client_builder,
    enabled: c_int,
    err: *mut *mut wxface_error,
) -> wxface_status {
    ffi_boundary!(err, || {
        // SAFETY: `builder` is NULL or valid for the call (the header's conventions).
        let config = unsafe { config(builder)? };
        config.set_auto_platform_certificates(enabled != 0);
        Ok(())
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
    ffi_boundary!(err, consuming(builder), |builder: Option<
        Box<wxface_client_builder>,
    >| {
        let builder = builder.ok_or_else(|| Error::invalid_argument("builder is NULL"))?;
        // SAFETY: `client_out` is NULL or writable for the call (the header's conventions).
        let out = unsafe { arg_out("client_out", client_out)? };
        out.write(wxface_client::new(Client::new(builder.config)?));
        Ok(())
    })
}

/// Frees a builder that was never built. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wxface_client_builder_free(builder: *mut wxface_client_builder) {
    ffi_boundary!(fallback(()), || {
        // SAFETY: `builder` is NULL or an unbuilt builder from this library, freed once.
        unsafe { free_box(builder) }
    })
}
