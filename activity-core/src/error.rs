//! The crate's error type: one enum wrapping each area's errors, with a stable [`ErrorKind`]
//! that the C and Python bindings map to result codes and exception classes.

use crate::capture::CaptureError;
use crate::media::MediaError;
use crate::model::activity::ActivityError;
use crate::model::config::ConfigError;
use crate::model::schedule::ScheduleError;
use crate::model::score::ScoreError;
use crate::runtime::RuntimeError;
use crate::storage::StorageError;
use crate::storage::outbox::OutboxError;
use crate::storage::records::RecordError;

/// Any error of the library.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration was refused.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The input counter refused a call.
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// The activity merger refused a sample.
    #[error(transparent)]
    Activity(#[from] ActivityError),
    /// The screenshot schedule refused its settings.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// The media pipeline refused a frame or an option, or an encoder failed.
    #[error(transparent)]
    Media(#[from] MediaError),
    /// A storage provider or its settings refused, or the provider failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The record store failed.
    #[error(transparent)]
    Records(#[from] RecordError),
    /// The upload outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// A capture source failed or is unavailable.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The tracker runtime: a wrong state, unavailable sources, the data folder.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
}

/// The kind of an [`Error`]: stable across releases (new kinds may be added, none renumbered),
/// mirrored by the bindings.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u32)]
pub enum ErrorKind {
    /// Bad configuration (`ConfigError`).
    InvalidConfig = 1,
    /// A call that does not fit the current state (start twice, resume when not paused…).
    InvalidState = 2,
    /// Bad input data (out-of-order sample, unparsable URL, bad slot length, bad frame…).
    InvalidInput = 3,
    /// An encoder or resizer failed on valid input.
    Internal = 4,
    /// No such object (or record).
    NotFound = 5,
    /// A provider, the disk or the database failed; retrying later may work.
    Io = 6,
    /// What was asked cannot work on this machine (no display, a Wayland session, a missing
    /// extension or permission): see `capture::capabilities`.
    Unavailable = 7,
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) | Error::Schedule(_) => ErrorKind::InvalidConfig,
            Error::Score(ScoreError::InvalidTransition { .. }) => ErrorKind::InvalidState,
            Error::Score(_) | Error::Activity(_) => ErrorKind::InvalidInput,
            Error::Media(MediaError::Resize(_) | MediaError::Encode { .. }) => ErrorKind::Internal,
            Error::Media(_) => ErrorKind::InvalidInput,
            Error::Storage(StorageError::Config(_)) => ErrorKind::InvalidConfig,
            Error::Storage(StorageError::NotFound(_)) => ErrorKind::NotFound,
            Error::Storage(StorageError::Backend { .. }) => ErrorKind::Io,
            Error::Storage(_) => ErrorKind::InvalidInput,
            Error::Records(RecordError::Closed(_)) => ErrorKind::InvalidState,
            Error::Records(_) | Error::Outbox(_) => ErrorKind::Io,
            Error::Capture(CaptureError::Unavailable { .. })
            | Error::Runtime(RuntimeError::SourcesUnavailable(_)) => ErrorKind::Unavailable,
            Error::Capture(_) => ErrorKind::Io,
            Error::Runtime(RuntimeError::InvalidState { .. }) => ErrorKind::InvalidState,
            Error::Runtime(RuntimeError::DataDir { .. }) => ErrorKind::Io,
            Error::Runtime(_) => ErrorKind::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_stable_numbers() {
        assert_eq!(ErrorKind::InvalidConfig as u32, 1);
        assert_eq!(ErrorKind::Io as u32, 6);
        let e: Error = StorageError::NotFound("k".into()).into();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e: Error = RecordError::Closed("db".into()).into();
        assert_eq!(e.kind(), ErrorKind::InvalidState);
        let e: Error = MediaError::InvalidQuality(0).into();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}
