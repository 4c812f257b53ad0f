//! Fuzzes `wxface::fuzzing::entry::api_error_body` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| wxface::fuzzing::entry::api_error_body(data));
