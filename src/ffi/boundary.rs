//! The panic boundary and the `*err` protocol shared by every exported function.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::error::wxface_error;
use super::status::{WXFACE_ERR_INVALID_ARGUMENT, WXFACE_OK, wxface_status};
use crate::error::{Error, ErrorKind};

/// Wraps the body of every exported function.
///
/// - `ffi_boundary!(err, { … })` — a fallible function: the body returns
///   `Result<(), Error>`; the macro applies the `*err` rules and returns the status.
/// - `ffi_boundary!(err, consuming ptr, |boxed| { … })` — the same for a function that takes
///   ownership of `ptr` whatever the outcome (the body gets `Option<Box<_>>`).
/// - `ffi_boundary!(or FALLBACK, { … })` — a function without status: the body's value, or
///   `FALLBACK` if it panicked.
macro_rules! ffi_boundary {
    (or $fallback:expr, $body:block) => {
        $crate::ffi::boundary::infallible(|| $body, || $fallback)
    };
    ($err:expr, consuming $owned:expr, $body:expr) => {
        $crate::ffi::boundary::fallible_consuming($err, $owned, $body)
    };
    ($err:expr, $body:block) => {
        $crate::ffi::boundary::fallible($err, || $body)
    };
}

/// `err` must be NULL or point to NULL; anything else is a caller bug that must not
/// overwrite (and so leak) an earlier error.
fn err_slot_is_usable(err: *mut *mut wxface_error) -> bool {
    // SAFETY: a non-NULL `err` points to a readable `wxface_error *` by the API contract.
    err.is_null() || unsafe { (*err).is_null() }
}

pub(crate) fn fallible(
    err: *mut *mut wxface_error,
    body: impl FnOnce() -> Result<(), Error>,
) -> wxface_status {
    if !err_slot_is_usable(err) {
        return WXFACE_ERR_INVALID_ARGUMENT;
    }
    let outcome =
        catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| Err(panic_error(payload)));
    report(err, outcome)
}

pub(crate) fn fallible_consuming<T>(
    err: *mut *mut wxface_error,
    owned: *mut T,
    body: impl FnOnce(Option<Box<T>>) -> Result<(), Error>,
) -> wxface_status {
    // SAFETY: a non-NULL `owned` was made by `Box::into_raw` and is handed over to us.
    let owned = (!owned.is_null()).then(|| unsafe { Box::from_raw(owned) });
    if !err_slot_is_usable(err) {
        let dropped = catch_unwind(AssertUnwindSafe(move || drop(owned)));
        return if dropped.is_ok() {
            WXFACE_ERR_INVALID_ARGUMENT
        } else {
            ErrorKind::Internal.status()
        };
    }
    let outcome = catch_unwind(AssertUnwindSafe(move || body(owned)))
        .unwrap_or_else(|payload| Err(panic_error(payload)));
    report(err, outcome)
}

pub(crate) fn infallible<T>(body: impl FnOnce() -> T, fallback: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| fallback())
}

fn report(err: *mut *mut wxface_error, outcome: Result<(), Error>) -> wxface_status {
    match outcome {
        Ok(()) => WXFACE_OK,
        Err(error) => {
            let status = error.kind().status();
            if !err.is_null() {
                // Building the error object allocates; keep even that inside the boundary.
                if let Ok(boxed) =
                    catch_unwind(AssertUnwindSafe(|| Box::new(wxface_error::from(error))))
                {
                    // SAFETY: checked non-NULL and pointing to NULL by `err_slot_is_usable`.
                    unsafe { *err = Box::into_raw(boxed) };
                }
            }
            status
        }
    }
}

fn panic_error(payload: Box<dyn Any + Send>) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    Error::new(
        ErrorKind::Internal,
        format!("internal defect in wxface (please report it): {what}"),
    )
}
