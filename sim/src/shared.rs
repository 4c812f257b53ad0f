//! State shared by the `Sim` handle and every connection task.

use std::sync::Mutex;
use std::time::Duration;

use crate::auth::RequestVerifier;
use crate::faults::FaultSlot;
use crate::k12::Directory;
use crate::signer::AnswerSigner;
use crate::stats::StatsRecorder;

pub(crate) struct Shared {
    pub(crate) stats: StatsRecorder,
    pub(crate) faults: FaultSlot,
    pub(crate) verifier: RequestVerifier,
    pub(crate) signer: AnswerSigner,
    pub(crate) directory: Mutex<Directory>,
    pub(crate) idempotent_terminate: bool,
    pub(crate) idle_close_after: Option<Duration>,
}
