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
//! Threads: one control thread (wakes at the next due thing, at least once a second; `control`),
//! one capture thread (`capture`), one event dispatcher (`events`), the record store's writer,
//! the tracker's one tokio runtime (one worker plus its blocking pool) on which the uploader
//! task (`upload`), deletions, URL signing and an embedder's blocking storage run, and the
//! process-wide rdev listener when the built-in input source is used.
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

mod browser;
mod capture;
mod categories;
mod control;
mod events;
mod export;
mod folder;
mod query;
mod retention;
mod shared;
mod tracker;
mod upload;

pub use crate::error::RuntimeError;
pub use browser::LIVENESS as BROWSER_LIVENESS;
pub use events::{ScreenshotSwitches, ScreenshotTaken, TrackerEvent};
pub use query::{Query, ReportRequest, Viewer};
pub use tracker::{MissingSources, Tracker, TrackerBuilder};

/// The message of a caught panic.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// A gap between two wake-ups of the control thread longer than this is a suspend.
pub const SUSPEND_GAP_MILLIS: i64 = 30_000;
