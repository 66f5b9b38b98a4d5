//! The crate's error type: one enum wrapping each area's errors, with a stable [`ErrorKind`]
//! that the C and Python bindings map to result codes and exception classes.
//!
//! Each area decides the kind of its own errors (`kind()` on the area's enum); [`Error::kind`]
//! only delegates, so a wrapped error keeps its kind however it is reached (a closed record
//! store is [`ErrorKind::InvalidState`] whether the tracker, the outbox or a query met it; a
//! missing object stays [`ErrorKind::NotFound`] inside an outbox error). The runtime's own
//! errors, [`RuntimeError`], live here rather than in `runtime` so that this module depends only
//! on the layers below the runtime.

use crate::capture::{CaptureError, SourceKind};
use crate::media::MediaError;
use crate::model::activity::ActivityError;
use crate::model::category::CategoryError;
use crate::model::config::ConfigError;
use crate::model::report::PeriodError;
use crate::model::schedule::ScheduleError;
use crate::model::score::ScoreError;
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
    /// A report period was refused (an unknown time zone, a bad date).
    #[error(transparent)]
    Period(#[from] PeriodError),
    /// A capture source failed or is unavailable.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The tracker runtime: a wrong state, unavailable sources, the data folder, reentrancy.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// A category set that cannot be used (syntax, a rule that does not compile).
    #[error(transparent)]
    Category(#[from] CategoryError),
    /// A dataset's settings were refused, or one of its files could not be encoded.
    #[error(transparent)]
    Dataset(#[from] crate::dataset::DatasetError),
}

/// The kind of an [`Error`]: stable across releases (new kinds may be added, none renumbered),
/// mirrored by the bindings.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[repr(u32)]
pub enum ErrorKind {
    /// Bad configuration (`ConfigError`).
    InvalidConfig = 1,
    /// A call that does not fit the current state (start twice, resume when not paused, a
    /// closed record store…).
    InvalidState = 2,
    /// Bad input data (out-of-order sample, unparsable URL, bad slot length, bad frame…).
    InvalidInput = 3,
    /// An encoder or resizer failed on valid input, or a tracker thread died.
    Internal = 4,
    /// No such object or record (or one the viewer may not see).
    NotFound = 5,
    /// A provider, the disk or the database failed; retrying later may work.
    Io = 6,
    /// What was asked cannot work on this machine (no display, a Wayland session, a missing
    /// extension or permission): see `capture::capabilities`.
    Unavailable = 7,
    /// Called from inside the tracker's own event handler where that would deadlock
    /// (`stop` from a handler).
    Reentrant = 8,
    /// The operation was cut short: the tracker shut down, or an embedder's storage call ran
    /// past its timeout.
    Cancelled = 9,
    /// The data folder was written by a newer version of the library.
    Incompatible = 10,
}

impl ErrorKind {
    /// The kind's snake_case name (`invalid_config`, `not_found`, …), as serialised.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::InvalidState => "invalid_state",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Internal => "internal",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Io => "io",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Reentrant => "reentrant",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Incompatible => "incompatible",
        }
    }
}

/// Errors of the runtime ([`Tracker`](crate::Tracker)).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The operation needs another state (`pause` before `start`, `start` twice, …).
    #[error("cannot {operation}: the tracker is {state}")]
    InvalidState {
        /// What was asked.
        operation: &'static str,
        /// The state it is in.
        state: &'static str,
    },
    /// Sources the configuration needs cannot work here, and the tracker is set to refuse.
    #[error("{}", describe_unavailable(.0))]
    SourcesUnavailable(Vec<(SourceKind, String)>),
    /// The data folder cannot be used.
    #[error("data folder {path}: {message}")]
    DataDir {
        /// The folder.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The operating system refused a thread (or the runtime of one).
    #[error("cannot start {0}")]
    Thread(String),
    /// A tracker thread ended unexpectedly.
    #[error("the tracker's {0} thread ended unexpectedly")]
    ThreadDied(&'static str),
    /// Called from the tracker's event handler, where it would wait for itself.
    #[error(
        "cannot {0} from inside the tracker's own event handler (it would wait for itself); \
         call it from another thread"
    )]
    Reentrant(&'static str),
    /// The operation was cut short.
    #[error("{0}")]
    Cancelled(String),
    /// No such screenshot, or one the viewer may not see (the two are not told apart, so a
    /// viewer cannot probe for other people's screenshots).
    #[error("no screenshot {0} visible to this viewer")]
    ScreenshotNotFound(String),
    /// An argument was refused.
    #[error("{0}")]
    InvalidArgument(String),
    /// No idle period with this id is waiting for an answer or was decided in this data folder.
    #[error(
        "no idle period {0}: unknown, or not open any more (a period is answered while it runs or after the user is back, until it is decided)"
    )]
    IdleUnknown(u64),
    /// Consent is required and none is recorded for the employee to track.
    #[error(
        "no consent recorded for employee {0}: record it with record_consent before tracking them (the tracker requires consent)"
    )]
    ConsentMissing(String),
    /// The idle period was decided already, differently.
    #[error("idle period {id} was already decided as {decided}; it cannot be answered {asked} now")]
    IdleDecided {
        /// The period.
        id: u64,
        /// The answer applied.
        decided: String,
        /// The answer refused.
        asked: String,
    },
    /// Used in a process forked from the one that made it: its threads did not survive the
    /// fork.
    #[error(
        "{0} belongs to the parent process: a forked child cannot use it (its threads did not \
         survive the fork); make a new one in the child"
    )]
    Forked(&'static str),
    /// Another tracker owns the data folder (it captures into it, or a reader is uploading or
    /// deleting through it): only one at a time may.
    #[error(
        "data folder {path} is in use by {holder}: only one tracker at a time may {purpose} in \
         it (others may open it to read, report and delete without starting)"
    )]
    FolderLocked {
        /// The folder.
        path: String,
        /// Who holds it (`process 1234 (tracking)`).
        holder: String,
        /// What this tracker wanted to do.
        purpose: &'static str,
    },
}

fn describe_unavailable(list: &[(SourceKind, String)]) -> String {
    let parts: Vec<String> = list.iter().map(|(k, r)| format!("{k}: {r}")).collect();
    format!(
        "capture sources the configuration needs are unavailable ({}); turn them off in the \
         configuration, supply your own sources, or build with MissingSources::RunAvailable",
        parts.join("; ")
    )
}

impl RuntimeError {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            RuntimeError::InvalidState { .. } => ErrorKind::InvalidState,
            RuntimeError::SourcesUnavailable(_) => ErrorKind::Unavailable,
            RuntimeError::DataDir { .. } => ErrorKind::Io,
            RuntimeError::Thread(_) | RuntimeError::ThreadDied(_) => ErrorKind::Internal,
            RuntimeError::Reentrant(_) => ErrorKind::Reentrant,
            RuntimeError::Cancelled(_) => ErrorKind::Cancelled,
            RuntimeError::ScreenshotNotFound(_) => ErrorKind::NotFound,
            RuntimeError::InvalidArgument(_) => ErrorKind::InvalidInput,
            RuntimeError::IdleUnknown(_) => ErrorKind::NotFound,
            RuntimeError::ConsentMissing(_) => ErrorKind::InvalidState,
            RuntimeError::IdleDecided { .. } => ErrorKind::InvalidState,
            RuntimeError::FolderLocked { .. } | RuntimeError::Forked(_) => ErrorKind::InvalidState,
        }
    }
}

impl Error {
    /// The stable kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config(_) | Error::Schedule(_) => ErrorKind::InvalidConfig,
            Error::Score(ScoreError::InvalidTransition { .. }) => ErrorKind::InvalidState,
            Error::Score(_) | Error::Activity(_) | Error::Period(_) => ErrorKind::InvalidInput,
            Error::Media(MediaError::Resize(_) | MediaError::Encode { .. }) => ErrorKind::Internal,
            Error::Media(_) => ErrorKind::InvalidInput,
            Error::Storage(e) => e.kind(),
            Error::Records(e) => e.kind(),
            Error::Outbox(e) => e.kind(),
            Error::Capture(CaptureError::Unavailable { .. }) => ErrorKind::Unavailable,
            Error::Capture(_) => ErrorKind::Io,
            Error::Runtime(e) => e.kind(),
            Error::Category(_) => ErrorKind::InvalidInput,
            Error::Dataset(crate::dataset::DatasetError::Invalid(_)) => ErrorKind::InvalidConfig,
            Error::Dataset(_) => ErrorKind::Internal,
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
        assert_eq!(ErrorKind::Reentrant as u32, 8);
        assert_eq!(ErrorKind::Cancelled as u32, 9);
        assert_eq!(ErrorKind::Incompatible as u32, 10);
        let e: Error = StorageError::NotFound("k".into()).into();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e: Error = RecordError::Closed("db".into()).into();
        assert_eq!(e.kind(), ErrorKind::InvalidState);
        let e: Error = MediaError::InvalidQuality(0).into();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn wrapped_errors_keep_their_kind() {
        let closed: Error = OutboxError::Records(RecordError::Closed("db".into())).into();
        assert_eq!(closed.kind(), ErrorKind::InvalidState);
        let missing: Error = OutboxError::Storage(StorageError::NotFound("k".into())).into();
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        let too_new: Error = RecordError::TooNew {
            path: "db".into(),
            found: 9,
            known: 3,
        }
        .into();
        assert_eq!(too_new.kind(), ErrorKind::Incompatible);
        let too_new_via_outbox: Error = OutboxError::Records(RecordError::TooNew {
            path: "db".into(),
            found: 9,
            known: 3,
        })
        .into();
        assert_eq!(too_new_via_outbox.kind(), ErrorKind::Incompatible);
        let r: Error = RuntimeError::Reentrant("stop").into();
        assert_eq!(r.kind(), ErrorKind::Reentrant);
        assert_eq!(ErrorKind::NotFound.name(), "not_found");
    }
}
