//! `ac_result`, the last error of this thread, and the panic boundary every export sits in.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use activity_core::ErrorKind;

/// What every function returns. Stable numbers, never reused. `AC_OK` is 0; 1..=10 mirror the
/// library's error kinds; 100 and up are about the call itself.
#[repr(u32)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum ac_result {
    /// Success.
    AC_OK = 0,
    /// A configuration was refused (the message names every field at fault).
    AC_INVALID_CONFIG = 1,
    /// The call does not fit the state (start twice, resume when not paused, a screenshot URL
    /// before it is uploaded).
    AC_INVALID_STATE = 2,
    /// A value was refused (a bad frame, a URL that does not parse, bad JSON for a viewer).
    AC_INVALID_INPUT = 3,
    /// An encoder failed, or a tracker thread died.
    AC_INTERNAL = 4,
    /// No such screenshot or object (or one the viewer may not see).
    AC_NOT_FOUND = 5,
    /// A provider, the disk or the database failed; retrying later may work.
    AC_IO = 6,
    /// It cannot work on this machine (no display, a Wayland session): see the capabilities.
    AC_UNAVAILABLE = 7,
    /// Called from inside the tracker's own event callback where that would wait for itself
    /// (`ac_tracker_stop`, `ac_tracker_free`).
    AC_REENTRANT = 8,
    /// Cut short: the tracker shut down, or the product's storage callback ran past its timeout.
    AC_CANCELLED = 9,
    /// The data folder was written by a newer version of the library.
    AC_INCOMPATIBLE = 10,
    /// A required pointer argument was NULL.
    AC_NULL_ARGUMENT = 100,
    /// A string argument is not valid UTF-8.
    AC_INVALID_UTF8 = 101,
    /// An enum or flag argument is out of its range (an unknown input kind, pixel format…).
    AC_OUT_OF_RANGE = 102,
    /// The caller's buffer is too small (nothing was written).
    AC_BUFFER_TOO_SMALL = 103,
    /// The library panicked; the call had no effect that can be relied on. A bug: please report.
    AC_PANIC = 104,
}

use ac_result::*;

impl ac_result {
    fn from_kind(kind: ErrorKind) -> ac_result {
        match kind {
            ErrorKind::InvalidConfig => AC_INVALID_CONFIG,
            ErrorKind::InvalidState => AC_INVALID_STATE,
            ErrorKind::InvalidInput => AC_INVALID_INPUT,
            ErrorKind::NotFound => AC_NOT_FOUND,
            ErrorKind::Io => AC_IO,
            ErrorKind::Unavailable => AC_UNAVAILABLE,
            ErrorKind::Reentrant => AC_REENTRANT,
            ErrorKind::Cancelled => AC_CANCELLED,
            ErrorKind::Incompatible => AC_INCOMPATIBLE,
            _ => AC_INTERNAL,
        }
    }

    /// The constant's name (`"AC_NOT_FOUND"`), or `None` for a number that is no result.
    pub(crate) fn name_of(code: u32) -> Option<&'static CStr> {
        Some(match code {
            0 => c"AC_OK",
            1 => c"AC_INVALID_CONFIG",
            2 => c"AC_INVALID_STATE",
            3 => c"AC_INVALID_INPUT",
            4 => c"AC_INTERNAL",
            5 => c"AC_NOT_FOUND",
            6 => c"AC_IO",
            7 => c"AC_UNAVAILABLE",
            8 => c"AC_REENTRANT",
            9 => c"AC_CANCELLED",
            10 => c"AC_INCOMPATIBLE",
            100 => c"AC_NULL_ARGUMENT",
            101 => c"AC_INVALID_UTF8",
            102 => c"AC_OUT_OF_RANGE",
            103 => c"AC_BUFFER_TOO_SMALL",
            104 => c"AC_PANIC",
            _ => return None,
        })
    }
}

/// A failed call: its result and the message kept for `ac_last_error_message`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: ac_result,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(code: ac_result, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn null(argument: &str) -> Failure {
        Failure::new(AC_NULL_ARGUMENT, format!("{argument} is NULL"))
    }

    pub(crate) fn range(argument: &str, value: u32) -> Failure {
        Failure::new(
            AC_OUT_OF_RANGE,
            format!("{argument}: {value} is out of range"),
        )
    }
}

impl From<activity_core::Error> for Failure {
    fn from(e: activity_core::Error) -> Failure {
        Failure::new(ac_result::from_kind(e.kind()), e.to_string())
    }
}

impl From<activity_core::storage::StorageError> for Failure {
    fn from(e: activity_core::storage::StorageError) -> Failure {
        Failure::new(ac_result::from_kind(e.kind()), e.to_string())
    }
}

impl From<activity_core::media::MediaError> for Failure {
    fn from(e: activity_core::media::MediaError) -> Failure {
        activity_core::Error::from(e).into()
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn remember(message: &str) {
    // A message never holds a NUL the caller could trip over.
    let text = CString::new(message.replace('\0', " ")).unwrap_or_default();
    // `try_with`: during thread-local teardown (a `_free` from a pthread key destructor) the
    // message is dropped rather than the process aborted.
    let _ = LAST_ERROR.try_with(|l| *l.borrow_mut() = Some(text));
}

/// Runs `f` inside the panic boundary: its failure becomes the result and this thread's last
/// error message; a panic becomes `AC_PANIC`.
pub(crate) fn guard(f: impl FnOnce() -> Result<(), Failure>) -> ac_result {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => AC_OK,
        Ok(Err(failure)) => {
            remember(&failure.message);
            failure.code
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            remember(&format!("activity-core panicked (a bug): {what}"));
            AC_PANIC
        }
    }
}

/// As [`guard`] for functions that return nothing (`_free`): a panic is swallowed.
pub(crate) fn guard_void(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

/// Copies the message of the last failure on this thread, NUL-terminated, into `buf` (`len`
/// bytes) and writes its length without the NUL to `*written`. With no failure so far the
/// message is empty. `AC_BUFFER_TOO_SMALL` (nothing written) when it does not fit:
/// `ac_last_error_length()` says how much room it needs. Never changes the last error itself.
///
/// # Safety
/// `buf` must point to `len` writable bytes and `written` to a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_last_error_message(
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> ac_result {
    let result = catch_unwind(|| {
        if buf.is_null() || written.is_null() {
            return AC_NULL_ARGUMENT;
        }
        LAST_ERROR.with(|l| {
            let l = l.borrow();
            let bytes = l.as_ref().map_or(&[0u8][..], |m| m.as_bytes_with_nul());
            if bytes.len() > len {
                return AC_BUFFER_TOO_SMALL;
            }
            // SAFETY: the caller gives `len` writable bytes; `bytes.len() <= len`.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr().cast(), buf, bytes.len());
                *written = bytes.len() - 1;
            }
            AC_OK
        })
    });
    result.unwrap_or(AC_PANIC)
}

/// The room `ac_last_error_message` needs for the last failure's message: its length plus the
/// terminating NUL (1 when there was none).
#[unsafe(no_mangle)]
pub extern "C" fn ac_last_error_length() -> usize {
    catch_unwind(|| {
        LAST_ERROR.with(|l| {
            l.borrow()
                .as_ref()
                .map_or(1, |m| m.as_bytes_with_nul().len())
        })
    })
    .unwrap_or(1)
}

/// The name of a result (`"AC_NOT_FOUND"`), or `"AC_UNKNOWN_RESULT"` for a number that is none.
/// Takes a plain `unsigned int`, so any number a C caller passes is defined behaviour. The
/// string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn ac_result_name(result: u32) -> *const c_char {
    ac_result::name_of(result)
        .unwrap_or(c"AC_UNKNOWN_RESULT")
        .as_ptr()
}
