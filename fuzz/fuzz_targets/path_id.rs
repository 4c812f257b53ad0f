//! Fuzzes `wxface::fuzzing::entry::path_id` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| wxface::fuzzing::entry::path_id(data));
