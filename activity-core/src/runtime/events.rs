//! What the tracker tells the embedder, and the one dispatcher thread that delivers it.
//!
//! Every event goes through one queue to one dispatcher thread, which calls the handlers in
//! order. A slow handler therefore never stalls capture or counting, and a handler may call the
//! tracker back (`pause`, `set_context`, `delete_screenshot`, …). `stop` from a handler answers
//! [`RuntimeError::Reentrant`](crate::error::RuntimeError::Reentrant): it waits for the events
//! of the run to be delivered, which a handler cannot do for itself. A handler that panics is
//! reported with a [`TrackerEvent::HandlerPanicked`] event and delivery goes on.

use std::sync::{Arc, Mutex, mpsc};
use std::thread::{JoinHandle, ThreadId};

use serde::{Deserialize, Serialize};

use crate::capture::{Monitor, SourceKind};
use crate::clock::Timestamp;
use crate::model::activity::{ActivityRecord, WorkContext};
use crate::model::score::SlotMetrics;
use crate::util::lock;

/// A screenshot that was taken and queued for upload (one per monitor per capture).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// The two screenshot switches and their effect.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ScreenshotSwitches {
    /// The employee's switch (`isScreenshotEnabled`).
    pub employee: bool,
    /// The organisation's switch (`allowScreenshotCapture`).
    pub organisation: bool,
}

impl ScreenshotSwitches {
    /// Whether screenshots are taken: both switches on (the organisation's "off" always wins).
    pub fn effective(&self) -> bool {
        self.employee && self.organisation
    }
}

/// Something that happened in the tracker, delivered in order from one dispatcher thread.
///
/// Serialised (serde) with an `event` tag in snake_case: `{"event": "slot_closed", "metrics":
/// {…}, "context": {…}}`, `{"event": "screenshot_taken", "id": …}`,
/// `{"event": "activity_recorded", "type": "APP", "title": …}`; times as RFC 3339 strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
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
    /// A screenshot was deleted here (record, spool files, pending uploads); `remote_queued`
    /// objects are still to be deleted at the provider (retried until it confirms).
    ScreenshotDeleted {
        /// The screenshot's id.
        id: String,
        /// Remote objects whose deletion is still queued.
        remote_queued: Vec<String>,
    },
    /// The provider confirmed the deletion of a remote object of a deleted screenshot.
    RemoteDeleteConfirmed {
        /// The deleted screenshot's id.
        screenshot_id: String,
        /// The object key.
        key: String,
    },
    /// Whether screenshots are taken changed (one of the switches was set).
    ScreenshotsSwitched {
        /// Both switches as they are now.
        switches: ScreenshotSwitches,
        /// Whether screenshots are now taken.
        effective: bool,
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
    /// An idle period of the [`IdlePolicy`](crate::IdlePolicy)'s `threshold` began: no input
    /// since `since` (the last input). With `decision: prompt` the embedder answers with
    /// [`Tracker::resolve_idle`](crate::Tracker::resolve_idle) and this `id`, now or once the
    /// user is back ([`TrackerEvent::IdleReturned`]).
    IdleDetected {
        /// The period's id (its `since` in milliseconds since the epoch).
        id: u64,
        /// The last input before the user left: the period's first instant.
        since: Timestamp,
        /// Now, when it was detected (`since + threshold`).
        until_now: Timestamp,
    },
    /// Input came back after an idle period of the policy (the issue's `IdleEnded`; that name
    /// already means the end of `idle_after`, which stops application time). Unanswered within
    /// `proof_timeout` from `until`, a `prompt` period is discarded and tracking pauses.
    IdleReturned {
        /// The period's id.
        id: u64,
        /// Its first instant.
        since: Timestamp,
        /// The input that brought the user back.
        until: Timestamp,
    },
    /// An idle period was decided and applied (by the embedder, the policy, the proof timeout
    /// or a stop): what was kept, removed or moved, and whether tracking paused.
    IdleResolved(Box<crate::model::idle::IdleResolution>),
    /// The running tracker purged what the retention policy no longer keeps (at start, then
    /// daily): the run's cutoffs and counts; remote objects are deleted as the provider confirms.
    Purged(Box<crate::model::retention::PurgeReport>),
    /// The scheduled export ran ([`Tracker::set_dataset`](crate::Tracker::set_dataset)): the
    /// files written and removed, the table-days unchanged.
    Exported(Box<crate::dataset::ExportReport>),
    /// The scheduled export failed (the store is unreachable or refused a write); nothing is
    /// lost: the days not written are written by the retry.
    ExportRetrying {
        /// Why it failed.
        error: String,
        /// When it is tried again.
        next_attempt: Timestamp,
    },
    /// A capture source failed, or is unavailable and was left out.
    CaptureFailed {
        /// Which source.
        source: SourceKind,
        /// Why.
        reason: String,
    },
    /// An upload or a remote deletion failed and will be retried (nothing is lost: the spool
    /// file or the deletion entry stays).
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
    /// Writing slots or activities to the record store failed; they are kept in memory and
    /// retried every second (reported once per failure streak).
    RecordsWriteFailed {
        /// Why.
        error: String,
        /// Writes waiting.
        waiting: u64,
    },
    /// Writes that had failed were written after all.
    RecordsWriteRecovered {
        /// How many.
        written: u64,
    },
    /// The website in front changed (the browser bridge or `record_url`): `url` as it will be
    /// stored (query and fragment stripped when configured, exclusions applied), `None` when no
    /// website is in front any more (focus left the browser, an excluded or non-web page).
    WebsiteChanged {
        /// When.
        at: Timestamp,
        /// The cleaned address.
        url: Option<String>,
        /// Its registrable domain.
        domain: Option<String>,
    },
    /// A browser's native messaging host connected to the tracker's socket.
    BrowserConnected {
        /// When.
        at: Timestamp,
    },
    /// A browser's host disconnected (the browser closed); its website record ended.
    BrowserDisconnected {
        /// When.
        at: Timestamp,
    },
    /// The browser's host could not keep this many samples while the tracker was away.
    BrowserSamplesDropped {
        /// How many.
        count: u64,
    },
    /// A connection to the browser socket was refused (another user's process).
    BrowserRefused {
        /// Why.
        reason: String,
    },
    /// An event handler panicked; delivery went on with the next handler and event.
    HandlerPanicked {
        /// The `event` tag of the event being delivered.
        during: String,
        /// The panic's message.
        message: String,
    },
    /// A tracker thread (`control`: a custom source's code on it, or the tracker's own)
    /// panicked: the run stopped cleanly (slots and activities so far are stored); `stop`
    /// answers the failure and the tracker can be started again.
    ThreadPanicked {
        /// Which thread.
        thread: String,
        /// The panic's message.
        message: String,
    },
    /// The data folder already existed and others than its owner may read it: the tracker
    /// uses it as it is (the embedder chose it), but screenshots and records are exposed.
    DataFolderExposed {
        /// The folder.
        path: String,
        /// Its permission bits in octal on Unix (`"755"`); its DACL in SDDL on Windows
        /// (`"D:(A;OICI;FA;;;BU)…"`).
        mode: String,
    },
    /// Uploads or remote deletions wait for another storage location than this tracker's:
    /// they were queued under another provider, bucket or cloud, and are not carried out
    /// here (a deletion confirmed by the wrong bucket would leave the real copy behind).
    StorageMismatch {
        /// How many rows wait.
        count: u64,
        /// The location they belong to.
        location: String,
        /// This tracker's storage location.
        current: String,
    },
}

impl TrackerEvent {
    /// The event's `event` tag (`slot_closed`, `screenshot_taken`, …).
    pub fn type_name(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("event").and_then(|t| t.as_str()).map(str::to_owned))
            .unwrap_or_default()
    }
}

type Handler = Arc<dyn Fn(&TrackerEvent) + Send + Sync>;

/// The embedder's handlers, gathered by the builder.
#[derive(Clone, Default)]
pub(crate) struct Handlers {
    handlers: Vec<Handler>,
}

impl Handlers {
    pub(crate) fn add(&mut self, h: impl Fn(&TrackerEvent) + Send + Sync + 'static) {
        self.handlers.push(Arc::new(h));
    }

    pub(crate) fn channel(&mut self) -> mpsc::Receiver<TrackerEvent> {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        self.add(move |e| {
            let _ = lock(&tx).send(e.clone());
        });
        rx
    }

    fn deliver(&self, event: &TrackerEvent) {
        for h in &self.handlers {
            let call = std::panic::AssertUnwindSafe(|| h(event));
            if let Err(panic) = std::panic::catch_unwind(call) {
                let message = super::panic_message(&*panic);
                tracing::error!(event = %event.type_name(), %message, "a tracker event handler panicked; delivery goes on");
                if !matches!(event, TrackerEvent::HandlerPanicked { .. }) {
                    self.deliver(&TrackerEvent::HandlerPanicked {
                        during: event.type_name(),
                        message,
                    });
                }
            }
        }
    }
}

enum Msg {
    Event(TrackerEvent),
    Flush(mpsc::SyncSender<()>),
}

/// The queue and the dispatcher thread. Ends when dropped (after delivering what is queued).
pub(crate) struct Dispatcher {
    tx: Mutex<Option<mpsc::Sender<Msg>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    thread_id: ThreadId,
}

impl Dispatcher {
    pub(crate) fn start(handlers: Handlers) -> std::io::Result<Dispatcher> {
        let (tx, rx) = mpsc::channel::<Msg>();
        let thread = std::thread::Builder::new()
            .name("activity-core-events".into())
            .spawn(move || {
                for msg in rx {
                    match msg {
                        Msg::Event(e) => handlers.deliver(&e),
                        Msg::Flush(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            })?;
        Ok(Dispatcher {
            tx: Mutex::new(Some(tx)),
            thread_id: thread.thread().id(),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Queues an event; never blocks.
    pub(crate) fn emit(&self, event: TrackerEvent) {
        if let Some(tx) = lock(&self.tx).as_ref() {
            let _ = tx.send(Msg::Event(event));
        }
    }

    /// Whether the caller is the dispatcher thread (inside a handler).
    pub(crate) fn is_current(&self) -> bool {
        std::thread::current().id() == self.thread_id
    }

    /// Waits until every event queued so far has been delivered (not from a handler).
    pub(crate) fn flush(&self) {
        if self.is_current() {
            return;
        }
        let (done, wait) = mpsc::sync_channel(1);
        let sent = lock(&self.tx)
            .as_ref()
            .is_some_and(|tx| tx.send(Msg::Flush(done)).is_ok());
        if sent {
            let _ = wait.recv();
        }
    }
}

impl Dispatcher {
    /// Delivers what is queued, then ends the dispatcher: events emitted afterwards are dropped.
    /// Called before the rest of a tracker is torn down, so no handler ever runs against a
    /// tracker being dropped. From a handler it only closes the queue.
    pub(crate) fn close(&self) {
        lock(&self.tx).take();
        let thread = lock(&self.thread).take();
        if let Some(t) = thread
            && !self.is_current()
        {
            let _ = t.join();
        }
    }
}

impl Drop for Dispatcher {
    fn drop(&mut self) {
        lock(&self.tx).take();
        let thread = lock(&self.thread).take();
        // From a handler (the last reference dropped inside one) the thread cannot join
        // itself: it ends on its own once the queue is empty.
        if let Some(t) = thread
            && !self.is_current()
        {
            let _ = t.join();
        }
    }
}
