//! Crossing the boundary: reading C strings, writing out-parameters, handing out owned strings
//! and buffers (and taking them back in the matching `_free`), and C `user_data`.

use std::ffi::{CStr, CString, c_char, c_void};

use crate::result::{Failure, ac_result};

/// A required C string argument as UTF-8.
pub(crate) fn text<'a>(p: *const c_char, argument: &str) -> Result<&'a str, Failure> {
    if p.is_null() {
        return Err(Failure::null(argument));
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives the call (documented).
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|_| {
        Failure::new(
            ac_result::AC_INVALID_UTF8,
            format!("{argument} is not valid UTF-8"),
        )
    })
}

/// An optional C string argument (NULL = none) as UTF-8.
pub(crate) fn optional_text<'a>(
    p: *const c_char,
    argument: &str,
) -> Result<Option<&'a str>, Failure> {
    if p.is_null() {
        Ok(None)
    } else {
        text(p, argument).map(Some)
    }
}

/// Checks an out-parameter before any work is done; it is written only on success.
pub(crate) fn out<'a, T>(p: *mut T, argument: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: non-NULL out-parameters point to writable storage of their type (documented).
    unsafe { p.as_mut() }.ok_or_else(|| Failure::null(argument))
}

/// A required pointer to a handle or struct.
pub(crate) fn arg<'a, T>(p: *const T, argument: &str) -> Result<&'a T, Failure> {
    // SAFETY: non-NULL handle pointers come from this library and are alive (documented).
    unsafe { p.as_ref() }.ok_or_else(|| Failure::null(argument))
}

/// A versioned option struct from the caller: its first field, `struct_size`, says how many
/// bytes the caller's version of the struct has (its `_init` function writes `sizeof`). Fields
/// past that size (added by a later version of this library) keep the value in `default`, so a
/// program built against an older header keeps working with a newer library. A size of zero
/// (a struct never initialised) is refused.
///
/// # Safety
/// `p` is NULL or points to at least `struct_size` readable bytes laid out as `T`'s first
/// fields; `T` is `#[repr(C)]`, begins with a `usize`, and every byte pattern the caller can
/// have written there is a valid value of its fields.
pub(crate) unsafe fn versioned<T>(
    p: *const T,
    default: T,
    argument: &str,
    init: &str,
) -> Result<T, Failure> {
    if p.is_null() {
        return Err(Failure::null(argument));
    }
    // SAFETY: the first field of every versioned struct is `size_t struct_size` (documented).
    let size = unsafe { p.cast::<usize>().read_unaligned() };
    if size < std::mem::size_of::<usize>() {
        return Err(Failure::new(
            ac_result::AC_INVALID_INPUT,
            format!("{argument}->struct_size is {size}: fill the struct with {init} first"),
        ));
    }
    let n = size.min(std::mem::size_of::<T>());
    let mut value = std::mem::MaybeUninit::new(default);
    // SAFETY: `n` bytes are readable at `p` (the caller's struct) and writable in `value`.
    unsafe { std::ptr::copy_nonoverlapping(p.cast::<u8>(), value.as_mut_ptr().cast::<u8>(), n) };
    // SAFETY: initialised from `default`, with the caller's leading fields over it.
    Ok(unsafe { value.assume_init() })
}

/// An owned, NUL-terminated copy of `s` for the caller, freed with `ac_string_free`.
pub(crate) fn give_string(s: String) -> *mut c_char {
    CString::new(s.replace('\0', "\u{FFFD}"))
        .unwrap_or_default()
        .into_raw()
}

/// An owned copy of `v` for the caller: (pointer, length), freed with `ac_bytes_free`.
pub(crate) fn give_bytes(v: Vec<u8>) -> (*mut u8, usize) {
    let boxed = v.into_boxed_slice();
    let len = boxed.len();
    (Box::into_raw(boxed).cast::<u8>(), len)
}

/// Serialises `value` as JSON for the caller.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<*mut c_char, Failure> {
    serde_json::to_string(value)
        .map(give_string)
        .map_err(|e| Failure::new(ac_result::AC_INTERNAL, format!("serialising: {e}")))
}

/// Reads `what` from an optional JSON argument (NULL = the default).
pub(crate) fn from_json<T: serde::de::DeserializeOwned + Default>(
    p: *const c_char,
    argument: &str,
) -> Result<T, Failure> {
    match optional_text(p, argument)? {
        None => Ok(T::default()),
        Some(s) => serde_json::from_str(s).map_err(|e| {
            Failure::new(
                ac_result::AC_INVALID_INPUT,
                format!("{argument}: {e} (in {s:?})"),
            )
        }),
    }
}

/// Frees a string this library returned. NULL is a no-op.
///
/// # Safety
/// `s` must come from this library and not be freed twice.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_string_free(s: *mut c_char) {
    crate::result::guard_void(|| {
        if !s.is_null() {
            // SAFETY: made by `CString::into_raw` in `give_string`.
            drop(unsafe { CString::from_raw(s) });
        }
    });
}

/// Frees a buffer this library returned, with the length it gave. NULL is a no-op.
///
/// # Safety
/// `data` and `len` must be exactly what this library returned, freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_bytes_free(data: *mut u8, len: usize) {
    crate::result::guard_void(|| {
        if !data.is_null() {
            // SAFETY: made by `Box::into_raw` of a boxed slice of `len` bytes in `give_bytes`.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(data, len)) });
        }
    });
}

/// A finaliser for `user_data`, called once when the library no longer uses it.
pub type ac_free_callback = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// The caller's `user_data` with its finaliser, run when the last user lets go.
pub(crate) struct UserData {
    ptr: *mut c_void,
    free: ac_free_callback,
}

// SAFETY: the header tells the caller that `user_data` is used from the library's threads, one
// call at a time per callback kind or concurrently for storage callbacks, as documented there.
unsafe impl Send for UserData {}
// SAFETY: as above: sharing the pointer is the caller's documented contract.
unsafe impl Sync for UserData {}

impl UserData {
    pub(crate) fn new(ptr: *mut c_void, free: ac_free_callback) -> UserData {
        UserData { ptr, free }
    }

    /// The pointer (a method, so closures capture the whole `UserData`, not the raw field).
    pub(crate) fn ptr(&self) -> *mut c_void {
        self.ptr
    }
}

impl Drop for UserData {
    fn drop(&mut self) {
        if let Some(f) = self.free {
            // SAFETY: the caller's finaliser, called once with its own pointer.
            let _ = std::panic::catch_unwind(|| unsafe { f(self.ptr) });
        }
    }
}

/// Writes `message` NUL-terminated into a callback's error buffer (truncated to fit).
pub(crate) fn read_message(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
