//! Turning C arguments into Rust values: NULL checks and UTF-8 checks in one place, each
//! failing with `WXFACE_ERR_INVALID_ARGUMENT` and a message that names the argument.

use std::ffi::{CStr, c_char};

use crate::error::Error;

/// A NUL-terminated UTF-8 string argument, borrowed for the call.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives the call.
pub(crate) unsafe fn arg_str<'a>(name: &str, ptr: *const c_char) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::invalid_argument(format!("{name} is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes
        .to_str()
        .map_err(|_| Error::invalid_argument(format!("{name} is not valid UTF-8")))
}

/// A NUL-terminated UTF-8 string argument that may be NULL (`None`).
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives the call.
pub(crate) unsafe fn arg_opt_str<'a>(
    name: &str,
    ptr: *const c_char,
) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded from this function's contract.
    unsafe { arg_str(name, ptr) }.map(Some)
}

/// A `(ptr, len)` byte argument (PEM key material). NULL is rejected.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that outlive the call.
pub(crate) unsafe fn arg_bytes<'a>(
    name: &str,
    ptr: *const u8,
    len: usize,
) -> Result<&'a [u8], Error> {
    if ptr.is_null() {
        return Err(Error::invalid_argument(format!("{name} is NULL")));
    }
    if len > isize::MAX as usize {
        return Err(Error::invalid_argument(format!(
            "{name}_len is out of range"
        )));
    }
    // SAFETY: non-NULL, `len` readable bytes by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A shared reference to an object the library made.
///
/// # Safety
/// `ptr` is NULL or a live pointer returned by this library.
pub(crate) unsafe fn arg_ref<'a, T>(name: &str, ptr: *const T) -> Result<&'a T, Error> {
    // SAFETY: live object by the caller's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| Error::invalid_argument(format!("{name} is NULL")))
}

/// An exclusive reference to an object the library made.
///
/// # Safety
/// `ptr` is NULL or a live pointer returned by this library, not used elsewhere meanwhile.
pub(crate) unsafe fn arg_mut<'a, T>(name: &str, ptr: *mut T) -> Result<&'a mut T, Error> {
    // SAFETY: live and unaliased by the caller's contract.
    unsafe { ptr.as_mut() }.ok_or_else(|| Error::invalid_argument(format!("{name} is NULL")))
}

/// An out-parameter, checked before any work is done so nothing is sent for a NULL one.
///
/// # Safety
/// `ptr` is NULL or points to a writable `T *` for the rest of the call.
pub(crate) unsafe fn arg_out<T>(name: &str, ptr: *mut *mut T) -> Result<OutPtr<T>, Error> {
    if ptr.is_null() {
        return Err(Error::invalid_argument(format!("{name} is NULL")));
    }
    Ok(OutPtr(ptr))
}

/// An out-parameter that may be NULL (the caller does not want the object).
///
/// # Safety
/// `ptr` is NULL or points to a writable `T *` for the rest of the call.
pub(crate) unsafe fn arg_opt_out<T>(ptr: *mut *mut T) -> Option<OutPtr<T>> {
    (!ptr.is_null()).then_some(OutPtr(ptr))
}

/// A checked, non-NULL out-parameter: written once, on success only.
pub(crate) struct OutPtr<T>(*mut *mut T);

impl<T> OutPtr<T> {
    /// Hands `value` to the caller, who frees it with the type's `*_free`.
    pub(crate) fn write(self, value: T) {
        // SAFETY: non-NULL (checked by `arg_out`) and writable, by `arg_out`'s contract.
        unsafe { *self.0 = Box::into_raw(Box::new(value)) };
    }
}

/// Frees an object made with `Box::into_raw`; NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or a pointer from this library that is not freed yet.
pub(crate) unsafe fn free_box<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: made by `Box::into_raw` and freed once, by the caller's contract.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// A borrowed string field of an object the library made, for a `*_get`-style accessor:
/// `""` for a NULL object (and if a defect was caught), never NULL.
///
/// # Safety
/// `object` is NULL or a live object from this library; the returned pointer lives as long as
/// the object.
pub(crate) unsafe fn string_field<T>(
    object: *const T,
    field: impl FnOnce(&T) -> &CStr,
) -> *const c_char {
    ffi_boundary!(fallback(c"".as_ptr()), || {
        // SAFETY: forwarded from this function's contract.
        unsafe { object.as_ref() }.map_or(c"".as_ptr(), |object| field(object).as_ptr())
    })
}
