//! Fuzzes `wxface::fuzzing::entry::answer` with the signing vectors' WeChat Pay key (see
//! fuzz/README.md).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wxface::fuzzing::{AnswerKeys, entry};

fn keys() -> &'static AnswerKeys {
    static KEYS: OnceLock<AnswerKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        AnswerKeys::public_key(
            "PUB_KEY_ID_0119000000012025000000000001",
            include_bytes!("../../tests/vectors/wechatpay_test_public_key.pem"),
        )
        .expect("the vectors' public key")
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = entry::answer(keys(), data);
});
