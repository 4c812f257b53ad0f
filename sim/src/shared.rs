//! State shared by the `Sim` handle and every connection task.

use std::sync::Mutex;
use std::time::Duration;

use crate::auth::RequestVerifier;
use crate::faults::FaultSlot;
use crate::k12::Directory;
use crate::oaep::FieldDecryptor;
use crate::request_log::RequestLog;
use crate::signer::AnswerSigner;
use crate::stats::StatsRecorder;

pub(crate) struct Shared {
    pub(crate) stats: StatsRecorder,
    pub(crate) faults: FaultSlot,
    pub(crate) verifier: RequestVerifier,
    pub(crate) signer: AnswerSigner,
    /// Opens the ENC fields of requests (the WeChat Pay key).
    pub(crate) decryptor: FieldDecryptor,
    /// What `Wechatpay-Serial` must say on a request with ENC fields: the id that names
    /// the WeChat Pay key in this key mode (as on answers).
    pub(crate) wechatpay_key_id: String,
    pub(crate) directory: Mutex<Directory>,
    pub(crate) requests: RequestLog,
    pub(crate) idempotent_terminate: bool,
    pub(crate) idle_close_after: Option<Duration>,
}
