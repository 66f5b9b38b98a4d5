//! What the tracker tells the embedder.

use std::sync::{Arc, Mutex, mpsc};

use crate::capture::{Monitor, SourceKind};
use crate::clock::Timestamp;
use crate::model::activity::{ActivityRecord, WorkContext};
use crate::model::score::SlotMetrics;

/// A screenshot that was taken and queued for upload (one per monitor per capture).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreenshotTaken {
    /// Its id (the record's key and the object name).
    pub id: String,
    /// When the pixels were read.
    pub taken_at: Timestamp,
    /// The slot it belongs to.
    pub slot_start: Timestamp,
    /// The monitor captured, at its native size.
    pub monitor: Monitor,
    /// Whether the stored image is blurred.
    pub blurred: bool,
    /// Object key of the full image.
    pub full_key: String,
    /// Object key of the thumbnail.
    pub thumb_key: String,
    /// Encoded size of the full image.
    pub full_bytes: u64,
    /// SHA-256 (hex) of the full image's bytes.
    pub sha256: String,
    /// Milliseconds spent reading the pixels from the display.
    pub capture_millis: u32,
    /// Milliseconds spent on blur, thumbnail and encoding.
    pub process_millis: u32,
    /// Milliseconds spent making it durable in the outbox.
    pub enqueue_millis: u32,
}

/// Something that happened in the tracker. Delivered in order per kind of work (the control
/// thread's events in order, the capture thread's in order, the uploader's in order).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrackerEvent {
    /// Tracking started.
    Started {
        /// When.
        at: Timestamp,
    },
    /// Tracking paused: nothing is captured until it resumes.
    Paused {
        /// When.
        at: Timestamp,
    },
    /// Tracking resumed.
    Resumed {
        /// When.
        at: Timestamp,
    },
    /// Tracking stopped; the open slot and activities were written.
    Stopped {
        /// When.
        at: Timestamp,
    },
    /// The clock jumped (the machine slept): the gap is not tracked, as if paused.
    Suspended {
        /// Last moment the tracker ran before the gap.
        from: Timestamp,
        /// When it ran again.
        to: Timestamp,
    },
    /// A slot's counts were written: at its end, or at stop or a context change for the part
    /// tracked so far (parts of one slot merge in the record store).
    SlotClosed {
        /// The counts and both activity figures.
        metrics: SlotMetrics,
        /// Whom and what they were tracked for.
        context: WorkContext,
    },
    /// A screenshot was taken and is queued for upload.
    ScreenshotTaken(Box<ScreenshotTaken>),
    /// Every object of a screenshot (full image and thumbnail) is stored by the provider.
    ScreenshotStored {
        /// The screenshot's id.
        id: String,
    },
    /// An application or website record was written.
    ActivityRecorded(Box<ActivityRecord>),
    /// No input for `idle_after`: idle since `at`; no application time accrues while idle.
    IdleStarted {
        /// When the idle period began (last input + `idle_after`).
        at: Timestamp,
    },
    /// Input after an idle period.
    IdleEnded {
        /// The input that ended it.
        at: Timestamp,
    },
    /// A capture source failed, or is unavailable and was left out.
    CaptureFailed {
        /// Which source.
        source: SourceKind,
        /// Why.
        reason: String,
    },
    /// An upload failed and will be retried (nothing is lost: the spool file stays).
    UploadRetrying {
        /// The screenshot the object belongs to.
        screenshot_id: String,
        /// The object key.
        key: String,
        /// Attempts so far.
        attempts: u32,
        /// When the next attempt is due.
        next_attempt: Timestamp,
        /// Why it failed.
        error: String,
    },
}

type Handler = Arc<dyn Fn(&TrackerEvent) + Send + Sync>;

/// The embedder's handlers. A handler runs on the tracker's threads and should return quickly;
/// a panicking handler is caught and logged, and the tracker goes on.
#[derive(Clone, Default)]
pub(crate) struct Events {
    handlers: Vec<Handler>,
}

impl Events {
    pub(crate) fn add(&mut self, h: impl Fn(&TrackerEvent) + Send + Sync + 'static) {
        self.handlers.push(Arc::new(h));
    }

    pub(crate) fn channel(&mut self) -> mpsc::Receiver<TrackerEvent> {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        self.add(move |e| {
            let _ = tx.lock().unwrap_or_else(|p| p.into_inner()).send(e.clone());
        });
        rx
    }

    pub(crate) fn emit(&self, event: TrackerEvent) {
        for h in &self.handlers {
            let call = std::panic::AssertUnwindSafe(|| h(&event));
            if std::panic::catch_unwind(call).is_err() {
                tracing::error!("a tracker event handler panicked; the tracker goes on");
            }
        }
    }
}
