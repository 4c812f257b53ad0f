//! The C ABI (`include/wxface.h`). Only argument conversion lives here: every function
//! checks its pointers, turns C strings into `&str`, calls the safe Rust API and turns the
//! outcome into a `wxface_status` and, on failure, a `wxface_error`.
//!
//! Every exported body runs inside [`ffi_boundary!`], so a panic becomes
//! `WXFACE_ERR_INTERNAL` and never unwinds into C.

#![allow(non_camel_case_types)]
// The safety contract of every function is the one set of conventions stated at the top of
// the header (valid or NULL pointers, NUL-terminated strings, objects freed once).
#![allow(clippy::missing_safety_doc)]

#[macro_use]
mod boundary;
mod args;
mod builder;
mod client;
mod error;
mod identity;
mod k12;
mod notification;
mod request;
mod response;
mod status;

pub use builder::*;
pub use client::*;
pub use error::*;
pub use identity::*;
pub use k12::*;
pub use notification::*;
pub use request::*;
pub use response::*;
pub use status::*;
