//! Fuzzes `wxface::fuzzing::entry::response` with the signing vectors' WeChat Pay key (see
//! fuzz/README.md).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wxface::fuzzing::{ResponseKeys, entry};

fn keys() -> &'static ResponseKeys {
    static KEYS: OnceLock<ResponseKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        ResponseKeys::public_key(
            "PUB_KEY_ID_0119000000012025000000000001",
            include_bytes!("../../tests/vectors/wechatpay_test_public_key.pem"),
        )
        .expect("the vectors' public key")
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = entry::response(keys(), data);
});
