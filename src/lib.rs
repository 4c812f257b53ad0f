//! wxface: a WeChat Pay APIv3 client for the K12 offline face-payment (刷脸) service-provider
//! API, with a C ABI.
//!
//! Every request is signed with the merchant's RSA key; every 2xx response is verified against
//! a configured WeChat Pay key before it is trusted.
//!
//! ```no_run
//! let config = wxface::Config::from_json_file("client.json")?;
//! let client = wxface::Client::new(config)?;
//! client.terminate_contract("DBES323aeb", "U0000000001")?;
//! # Ok::<(), wxface::Error>(())
//! ```
//!
//! The C API (`include/wxface.h`) wraps exactly this Rust API; see the `ffi` module.

// Only the C ABI (`ffi`) touches raw pointers; everything else is safe Rust.
#![deny(unsafe_code)]
// A library never prints: nothing it knows (keys, requests) may reach a terminal or log.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod api_error;
mod arguments;
mod auth;
mod call;
mod certificates;
mod client;
mod clock;
mod config;
mod error;
#[allow(unsafe_code)]
pub mod ffi;
#[doc(hidden)]
pub mod fuzzing;
mod json;
mod json_pointer;
mod keyring;
mod keys;
mod notification;
mod ops;
mod path_id;
mod percent;
mod printable;
mod query;
mod response;
mod sensitive;
mod transport;
mod verify;

#[cfg(test)]
mod test_vectors;

pub use client::Client;
pub use config::{Config, DEFAULT_BASE_URL};
pub use error::{Error, ErrorKind};
pub use notification::Notification;
pub use response::Response;
