//! The panic boundary and the `*err` protocol shared by every exported function.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::error::wxface_error;
use super::status::{
    WXFACE_ERR_INTERNAL, WXFACE_ERR_INVALID_ARGUMENT, WXFACE_OK, status_of, wxface_status,
};
use crate::error::{Error, ErrorKind};

/// Wraps the body of every exported function. The arguments look like a function call's, so
/// rustfmt formats the bodies:
///
/// - `ffi_boundary!(err, || { … })` — a fallible function: the closure returns
///   `Result<(), Error>`; the macro applies the `*err` rules and returns the status.
/// - `ffi_boundary!(err, consuming(ptr), |boxed| { … })` — the same for a function that takes
///   ownership of `ptr` whatever the outcome (the closure gets `Option<Box<_>>`).
/// - `ffi_boundary!(fallback(value), || { … })` — a function without status: the closure's
///   value, or `value` if it panicked.
macro_rules! ffi_boundary {
    (fallback($fallback:expr), $body:expr) => {
        $crate::ffi::boundary::infallible($body, || $fallback)
    };
    ($err:expr, consuming($owned:expr), $body:expr) => {{
        // (Outside the unsafe block: the body marks its own unsafe operations.)
        let (err, owned, body) = ($err, $owned, $body);
        // SAFETY: `err` is NULL or points to a readable and writable `wxface_error *`, and
        // `owned` is NULL or an object of this library handed over to the call: the
        // conventions of every function in the header.
        unsafe { $crate::ffi::boundary::fallible_consuming(err, owned, body) }
    }};
    ($err:expr, $body:expr) => {{
        let (err, body) = ($err, $body);
        // SAFETY: `err` is NULL or points to a readable and writable `wxface_error *`: the
        // convention of every fallible function in the header.
        unsafe { $crate::ffi::boundary::fallible(err, body) }
    }};
}

/// `err` must be NULL or point to NULL; anything else is a caller bug that must not
/// overwrite (and so leak) an earlier error.
///
/// # Safety
/// `err` is NULL or points to a readable `wxface_error *`.
unsafe fn err_slot_is_usable(err: *mut *mut wxface_error) -> bool {
    // SAFETY: non-NULL `err` is readable, by this function's contract.
    err.is_null() || unsafe { (*err).is_null() }
}

/// # Safety
/// `err` is NULL or points to a readable and writable `wxface_error *`.
pub(crate) unsafe fn fallible(
    err: *mut *mut wxface_error,
    body: impl FnOnce() -> Result<(), Error>,
) -> wxface_status {
    // SAFETY: forwarded from this function's contract.
    if !unsafe { err_slot_is_usable(err) } {
        return WXFACE_ERR_INVALID_ARGUMENT;
    }
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        #[cfg(test)]
        test_hook::trip();
        body()
    }))
    .unwrap_or_else(|payload| Err(panic_error(payload)));
    // SAFETY: forwarded from this function's contract; the slot was checked above.
    unsafe { report(err, outcome) }
}

/// # Safety
/// `err` as for [`fallible`]; `owned` is NULL or a pointer made by `Box::into_raw` in this
/// library that the caller hands over.
pub(crate) unsafe fn fallible_consuming<T>(
    err: *mut *mut wxface_error,
    owned: *mut T,
    body: impl FnOnce(Option<Box<T>>) -> Result<(), Error>,
) -> wxface_status {
    // SAFETY: a non-NULL `owned` was made by `Box::into_raw` and is handed over to us.
    let owned = (!owned.is_null()).then(|| unsafe { Box::from_raw(owned) });
    // SAFETY: forwarded from this function's contract.
    if !unsafe { err_slot_is_usable(err) } {
        let dropped = catch_unwind(AssertUnwindSafe(move || drop(owned)));
        return if dropped.is_ok() {
            WXFACE_ERR_INVALID_ARGUMENT
        } else {
            WXFACE_ERR_INTERNAL
        };
    }
    let outcome = catch_unwind(AssertUnwindSafe(move || {
        #[cfg(test)]
        test_hook::trip();
        body(owned)
    }))
    .unwrap_or_else(|payload| Err(panic_error(payload)));
    // SAFETY: forwarded from this function's contract; the slot was checked above.
    unsafe { report(err, outcome) }
}

pub(crate) fn infallible<T>(body: impl FnOnce() -> T, fallback: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(|| {
        #[cfg(test)]
        test_hook::trip();
        body()
    }))
    .unwrap_or_else(|_| fallback())
}

/// # Safety
/// `err` is NULL or points to a writable `wxface_error *` that holds NULL.
unsafe fn report(err: *mut *mut wxface_error, outcome: Result<(), Error>) -> wxface_status {
    match outcome {
        Ok(()) => WXFACE_OK,
        Err(error) => {
            let status = status_of(error.kind()).0;
            if !err.is_null() {
                // Building the error object allocates; keep even that inside the boundary.
                if let Ok(boxed) =
                    catch_unwind(AssertUnwindSafe(|| Box::new(wxface_error::from(error))))
                {
                    // SAFETY: non-NULL and writable, by this function's contract.
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

/// Test-only: makes the next exported functions called on this thread panic inside their
/// boundary, to prove the boundary holds. Compiled only into the unit-test binary.
#[cfg(test)]
pub(crate) mod test_hook {
    use std::cell::Cell;

    thread_local! {
        static PANIC_IN_BODY: Cell<bool> = const { Cell::new(false) };
    }

    /// Arms (or disarms) the hook for the current thread.
    pub(crate) fn panic_inside_exported_functions(on: bool) {
        PANIC_IN_BODY.with(|flag| flag.set(on));
    }

    pub(super) fn trip() {
        if PANIC_IN_BODY.with(Cell::get) {
            panic!("test hook: panic inside an exported function");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;
    use std::ptr;

    use super::test_hook::panic_inside_exported_functions;
    use crate::ffi::*;

    /// Disarms the hook even if an assertion fails, so other tests on this thread are unaffected.
    struct Armed;
    impl Armed {
        fn new() -> Self {
            panic_inside_exported_functions(true);
            Armed
        }
    }
    impl Drop for Armed {
        fn drop(&mut self) {
            panic_inside_exported_functions(false);
        }
    }

    /// The error's status and message, then frees it.
    fn take(err: *mut wxface_error) -> (wxface_status, String) {
        assert!(!err.is_null(), "no error object");
        // SAFETY: a live error object made by the library.
        let status = unsafe { wxface_error_status(err) };
        // SAFETY: the same error; its message is a NUL-terminated string it owns.
        let message = unsafe { CStr::from_ptr(wxface_error_message(err)) }
            .to_str()
            .unwrap()
            .to_owned();
        // SAFETY: the same error, freed once.
        unsafe { wxface_error_free(err) };
        (status, message)
    }

    // A panic that unwound out of an `extern "C"` function would abort this test process,
    // so each call returning at all proves nothing unwound; the status and message prove the
    // boundary turned the panic into WXFACE_ERR_INTERNAL.
    #[test]
    fn a_panic_in_a_fallible_function_is_an_internal_error() {
        let builder = wxface_client_builder_new();
        assert!(!builder.is_null());
        let mut err = ptr::null_mut();
        let armed = Armed::new();
        // SAFETY: a live builder, a NUL-terminated URL, an empty error slot.
        let status = unsafe {
            wxface_client_builder_set_base_url(builder, c"https://example.com".as_ptr(), &mut err)
        };
        drop(armed); // the accessors below must run normally
        assert_eq!(status, WXFACE_ERR_INTERNAL);
        let (status, message) = take(err);
        assert_eq!(status, WXFACE_ERR_INTERNAL);
        assert!(
            message.starts_with("internal defect in wxface (please report it): test hook: panic"),
            "{message}"
        );
        // SAFETY: the builder is still ours (setters never consume it).
        unsafe { wxface_client_builder_free(builder) };
    }

    #[test]
    fn a_panic_with_a_null_err_still_returns_the_status() {
        let _armed = Armed::new();
        // SAFETY: NULL arguments are allowed to be passed; the hook panics before they are read.
        let status = unsafe {
            wxface_terminate_contract(ptr::null(), c"o".as_ptr(), c"u".as_ptr(), ptr::null_mut())
        };
        assert_eq!(status, WXFACE_ERR_INTERNAL);
    }

    #[test]
    fn a_panic_in_a_consuming_function_is_an_internal_error() {
        let builder = wxface_client_builder_new();
        let mut client = ptr::null_mut();
        let mut err = ptr::null_mut();
        let armed = Armed::new();
        // SAFETY: a live builder (consumed whatever happens), valid out-parameters.
        let status = unsafe { wxface_client_builder_build(builder, &mut client, &mut err) };
        drop(armed);
        assert_eq!(status, WXFACE_ERR_INTERNAL);
        assert!(client.is_null(), "no client on failure");
        let (status, message) = take(err);
        assert_eq!(status, WXFACE_ERR_INTERNAL);
        assert!(message.contains("test hook: panic"), "{message}");
    }

    #[test]
    fn a_panic_in_a_function_without_status_gives_its_fallback() {
        let _armed = Armed::new();
        // SAFETY: static strings from the library.
        assert_eq!(unsafe { CStr::from_ptr(wxface_version()) }, c"");
        assert_eq!(
            // SAFETY: a static string from the library.
            unsafe { CStr::from_ptr(wxface_status_str(WXFACE_ERR_TLS)) },
            c"unknown status"
        );
        // The free functions swallow the panic too (NULL, so nothing to leak).
        // SAFETY: NULL is a valid argument of every *_free.
        unsafe { wxface_client_free(ptr::null_mut()) };
        // SAFETY: as above.
        unsafe { wxface_error_free(ptr::null_mut()) };
    }
}
