//! Mutex helper.

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex, ignoring poisoning: every value the simulator keeps behind a mutex is
/// valid after any single update, so a panicked holder leaves nothing half-written that
/// matters, and the server must keep answering.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
