//! The runtime: [`Tracker`], the public entry point. It owns the threads, the clock, the capture
//! sources, the media pipeline, the record store and the uploader.
//!
//! ```text
//!  input source ──► InputCounter (lock-free) ───────────────┐
//!  window source ─► control thread: ActivityMerger, idle,   ├─► RecordStore (SQLite)
//!                   slot boundaries, screenshot schedule ───┘
//!                         │ capture job (at most one queued)
//!                         ▼
//!                   capture thread: screens → media (blur) → Outbox (spool + records)
//!                         │ wake
//!                         ▼
//!                   uploader thread: Outbox → ObjectStorage, retry with backoff
//! ```
//!
//! Threads: one control thread (wakes at the next due thing, at least once a second), one capture
//! thread, one uploader thread (a single-threaded tokio runtime), the record store's writer, and
//! the process-wide rdev listener when the built-in input source is used.
//!
//! **Decisions** (also in the README):
//! - The window is polled once a second; a sample is attributed from the instant it was seen.
//! - Idle is checked before each window sample (idle transitions are retroactive: idle starts at
//!   last input + `idle_after`).
//! - A gap of more than [`SUSPEND_GAP_MILLIS`] between two control-thread wake-ups (the machine
//!   slept) is treated as a pause: not tracked, no activity, no screenshot made up.
//! - A screenshot due while the previous capture still runs is skipped (reported as a capture
//!   failure), never queued up.
//! - A slot split by a context change is written as one part per context; parts of a slot for
//!   the same context (stop and start inside a slot) merge in the record store.
//! - `stop` writes the open slot and activities, waits for a capture in progress, then lets the
//!   uploader make one last pass over the uploads that are due, for at most
//!   [`TrackerBuilder::stop_flush`] (10 s by default), so the screenshots of the last moments
//!   are stored when the storage is reachable. Retries keep their backoff; what is not uploaded
//!   by then stays in the outbox and goes on the next start.

mod events;
mod tracker;
mod worker;

pub use events::{ScreenshotTaken, TrackerEvent};
pub use tracker::{MissingSources, Tracker, TrackerBuilder};

/// A gap between two wake-ups of the control thread longer than this is a suspend.
pub const SUSPEND_GAP_MILLIS: i64 = 30_000;

use crate::capture::SourceKind;

/// Errors of the runtime.
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
}

fn describe_unavailable(list: &[(SourceKind, String)]) -> String {
    let parts: Vec<String> = list.iter().map(|(k, r)| format!("{k}: {r}")).collect();
    format!(
        "capture sources the configuration needs are unavailable ({}); turn them off in the \
         configuration, supply your own sources, or build with MissingSources::RunAvailable",
        parts.join("; ")
    )
}
