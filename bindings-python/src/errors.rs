//! The exception classes: `ActivityCoreError` and one subclass per error kind.

use activity_core::{Error, ErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    activity_core,
    ActivityCoreError,
    PyException,
    "Any error of activity-core."
);
create_exception!(
    activity_core,
    ConfigError,
    ActivityCoreError,
    "A configuration was refused; the message names every field at fault."
);
create_exception!(
    activity_core,
    InvalidStateError,
    ActivityCoreError,
    "The call does not fit the tracker's state (start twice, a URL before upload, …)."
);
create_exception!(
    activity_core,
    InvalidInputError,
    ActivityCoreError,
    "A value was refused (a bad frame, a bad viewer, …)."
);
create_exception!(
    activity_core,
    MediaError,
    InvalidInputError,
    "The media pipeline refused a frame or an option."
);
create_exception!(
    activity_core,
    NotFoundError,
    ActivityCoreError,
    "No such screenshot or object (or one the viewer may not see)."
);
create_exception!(
    activity_core,
    StorageError,
    ActivityCoreError,
    "A storage provider, the disk or the database failed; retrying later may work."
);
create_exception!(
    activity_core,
    UnavailableError,
    ActivityCoreError,
    "It cannot work on this machine (no display, a Wayland session): see Tracker.capabilities()."
);
create_exception!(
    activity_core,
    ReentrantError,
    ActivityCoreError,
    "Called from the tracker's own event callback where it would wait for itself (stop)."
);
create_exception!(
    activity_core,
    CancelledError,
    ActivityCoreError,
    "Cut short: the tracker shut down, or a storage call ran past its timeout."
);
create_exception!(
    activity_core,
    IncompatibleError,
    ActivityCoreError,
    "The data folder was written by a newer version of the library."
);
create_exception!(
    activity_core,
    InternalError,
    ActivityCoreError,
    "An encoder failed or a tracker thread died (a bug)."
);

/// The Python exception for a library error.
pub(crate) fn to_py(e: Error) -> PyErr {
    let message = e.to_string();
    if let Error::Media(_) = e {
        return MediaError::new_err(message);
    }
    match e.kind() {
        ErrorKind::InvalidConfig => ConfigError::new_err(message),
        ErrorKind::InvalidState => InvalidStateError::new_err(message),
        ErrorKind::InvalidInput => InvalidInputError::new_err(message),
        ErrorKind::NotFound => NotFoundError::new_err(message),
        ErrorKind::Io => StorageError::new_err(message),
        ErrorKind::Unavailable => UnavailableError::new_err(message),
        ErrorKind::Reentrant => ReentrantError::new_err(message),
        ErrorKind::Cancelled => CancelledError::new_err(message),
        ErrorKind::Incompatible => IncompatibleError::new_err(message),
        _ => InternalError::new_err(message),
    }
}

/// `?` for library results in Python-facing code.
pub(crate) trait IntoPy<T> {
    fn py_err(self) -> PyResult<T>;
}

impl<T, E: Into<Error>> IntoPy<T> for Result<T, E> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(|e| to_py(e.into()))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ActivityCoreError", py.get_type::<ActivityCoreError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("InvalidStateError", py.get_type::<InvalidStateError>())?;
    m.add("InvalidInputError", py.get_type::<InvalidInputError>())?;
    m.add("MediaError", py.get_type::<MediaError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("StorageError", py.get_type::<StorageError>())?;
    m.add("UnavailableError", py.get_type::<UnavailableError>())?;
    m.add("ReentrantError", py.get_type::<ReentrantError>())?;
    m.add("CancelledError", py.get_type::<CancelledError>())?;
    m.add("IncompatibleError", py.get_type::<IncompatibleError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    Ok(())
}
