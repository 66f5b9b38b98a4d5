//! What every thread of a tracker shares: configuration, clock, counter, stores, the tokio
//! runtime, the event dispatcher and the screenshot gate.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::events::{Dispatcher, ScreenshotSwitches, TrackerEvent};
use crate::capture::{InputSource, ScreenSource, SourceKind, WindowSource};
use crate::clock::{Clock, Timestamp};
use crate::error::{Error, RuntimeError};
use crate::model::activity::WorkContext;
use crate::model::config::Config;
use crate::model::schedule::CaptureGate;
use crate::model::score::InputCounter;
use crate::storage::backend::ObjectStorage;
use crate::storage::outbox::Outbox;
use crate::storage::records::{RecordStore, Write};
use crate::util::lock;

/// Names of the settings the switches are kept under in the record store.
pub(crate) const EMPLOYEE_SWITCH: &str = "is_screenshot_enabled";
pub(crate) const ORGANISATION_SWITCH: &str = "allow_screenshot_capture";

/// The tracker's one tokio runtime (uploads, deletions, URL signing, an embedder's blocking
/// storage calls). Shut down in the background when dropped, so dropping a tracker inside the
/// caller's own runtime never panics.
pub(crate) struct IoRuntime(
    Option<tokio::runtime::Runtime>,
    /// This runtime's number, which its threads (its worker and blocking pool: an embedder's
    /// storage callbacks run there) carry in a thread-local, so that a callback calling `stop`
    /// or `close` is answered `Reentrant`.
    u64,
);

thread_local! {
    /// The number of the tracker runtime this thread belongs to (0: none).
    static IO_RUNTIME: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

impl IoRuntime {
    pub(crate) fn new() -> Result<IoRuntime, Error> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(16)
            .thread_name("activity-core-io")
            .on_thread_start(move || IO_RUNTIME.with(|r| r.set(id)))
            .enable_all()
            .build()
            .map(|rt| IoRuntime(Some(rt), id))
            .map_err(|e| RuntimeError::Thread(format!("the tracker's I/O runtime: {e}")).into())
    }

    /// Whether the caller is one of this runtime's threads.
    pub(crate) fn is_current(&self) -> bool {
        IO_RUNTIME.with(std::cell::Cell::get) == self.1
    }

    pub(crate) fn handle(&self) -> Option<&tokio::runtime::Handle> {
        self.0.as_ref().map(tokio::runtime::Runtime::handle)
    }
}

impl Drop for IoRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) counter: InputCounter,
    pub(crate) records: Arc<RecordStore>,
    pub(crate) outbox: Arc<Outbox>,
    pub(crate) storage: Arc<dyn ObjectStorage>,
    pub(crate) events: Dispatcher,
    pub(crate) io: IoRuntime,
    pub(crate) data_dir: PathBuf,
    pub(crate) seed: u64,
    pub(crate) unavailable: Vec<(SourceKind, String)>,
    pub(crate) checkpoint_millis: i64,
    /// How long `stop` lets the uploader deliver what is due before it leaves it to the next start.
    pub(crate) stop_flush: Duration,
    pub(crate) switches: Mutex<ScreenshotSwitches>,
    /// The screenshot gate's parts that change while running (read by the capture thread).
    pub(crate) running: AtomicBool,
    pub(crate) paused: AtomicBool,
    /// Listen for the browser extension's host while running.
    pub(crate) browser_bridge: bool,
    /// The run's control and capture threads (where a call that waits for them would wait for
    /// itself).
    pub(crate) own_threads: Mutex<Vec<std::thread::ThreadId>>,
    /// `start` needs a consent for the employee tracked.
    pub(crate) require_consent: bool,
    /// The features the tracked employee's consent allows (all, without one).
    pub(crate) consented: Consented,
    /// The employee whose consent is in force (set at start and on a context change).
    pub(crate) consent_for: Mutex<Option<String>>,
    /// The retention policy in force (`Config::retention`, or set later).
    pub(crate) retention: Mutex<Option<crate::model::retention::RetentionPolicy>>,
    /// The category set in force.
    pub(crate) categories: Mutex<Arc<super::categories::Categories>>,
    /// When the running tracker purges next (ms; `i64::MIN`: at the next turn).
    pub(crate) next_purge: std::sync::atomic::AtomicI64,
    /// The dataset the running tracker exports to on a schedule.
    pub(crate) dataset: Mutex<Option<crate::dataset::DatasetConfig>>,
    /// Wakes the scheduled export (the dataset changed).
    pub(crate) export_wake: tokio::sync::Notify,
}

/// The features consent allows, read where each is captured.
#[derive(Debug)]
pub(crate) struct Consented {
    pub(crate) screenshots: AtomicBool,
    pub(crate) applications: AtomicBool,
    pub(crate) urls: AtomicBool,
    pub(crate) input: AtomicBool,
}

impl Default for Consented {
    fn default() -> Self {
        Consented {
            screenshots: AtomicBool::new(true),
            applications: AtomicBool::new(true),
            urls: AtomicBool::new(true),
            input: AtomicBool::new(true),
        }
    }
}

impl Consented {
    /// Puts `consent` in force (`None`: everything allowed).
    pub(crate) fn set(&self, consent: Option<&crate::model::retention::Consent>) {
        let (s, a, u, i) = consent.map_or((true, true, true, true), |c| {
            (c.screenshots, c.applications, c.urls, c.input)
        });
        self.screenshots.store(s, Ordering::Release);
        self.applications.store(a, Ordering::Release);
        self.urls.store(u, Ordering::Release);
        self.input.store(i, Ordering::Release);
    }
}

impl Shared {
    /// Whether application records are kept: configured, and consented.
    pub(crate) fn applications_on(&self) -> bool {
        self.config.track_applications && self.consented.applications.load(Ordering::Acquire)
    }

    /// Whether website records are kept: configured, and consented.
    pub(crate) fn urls_on(&self) -> bool {
        self.config.track_urls && self.consented.urls.load(Ordering::Acquire)
    }

    /// Whether input is counted: configured, and consented.
    pub(crate) fn input_on(&self) -> bool {
        self.config.track_input && self.consented.input.load(Ordering::Acquire)
    }

    pub(crate) fn emit(&self, e: TrackerEvent) {
        self.events.emit(e);
    }

    /// The model's gate, from the current state.
    pub(crate) fn gate(&self) -> CaptureGate {
        let s = *lock(&self.switches);
        CaptureGate {
            running: self.running.load(Ordering::Acquire),
            paused: self.paused.load(Ordering::Acquire),
            is_screenshot_enabled: s.employee && self.consented.screenshots.load(Ordering::Acquire),
            allow_screenshot_capture: s.organisation,
        }
    }

    /// Sets one switch, keeps it in the record store, and reports a change of the effect.
    pub(crate) fn set_switch(
        &self,
        organisation: bool,
        on: bool,
    ) -> Result<ScreenshotSwitches, Error> {
        let mut s = lock(&self.switches);
        let before = *s;
        let name = if organisation {
            ORGANISATION_SWITCH
        } else {
            EMPLOYEE_SWITCH
        };
        let set = |s: &mut ScreenshotSwitches, v: bool| {
            if organisation {
                s.organisation = v;
            } else {
                s.employee = v;
            }
        };
        // "Off" takes effect at once, even if it cannot be kept (a full disk): failing closed.
        // "On" takes effect only once it is kept.
        if !on {
            set(&mut s, false);
        }
        let kept = self.records.write(vec![Write::Setting {
            name: name.into(),
            value: on.to_string(),
        }]);
        // The organisation's "off" in the configuration wins over an "on" set here.
        if on && kept.is_ok() && (!organisation || self.config.allow_screenshot_capture) {
            set(&mut s, true);
        }
        let now = *s;
        drop(s);
        if before.effective() != now.effective() {
            self.emit(TrackerEvent::ScreenshotsSwitched {
                switches: now,
                effective: now.effective(),
            });
        }
        kept?;
        Ok(now)
    }

    /// Runs `fut` to completion on the tracker's runtime and waits for it on this thread
    /// (never `block_on`: the caller may be inside its own runtime, or an event handler).
    pub(crate) fn run<T: Send + 'static>(
        &self,
        fut: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Result<T, Error> {
        let cancelled = || {
            RuntimeError::Cancelled("the tracker shut down before the operation finished".into())
        };
        let handle = self.io.handle().ok_or_else(cancelled)?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        handle.spawn(async move {
            let _ = tx.send(fut.await);
        });
        Ok(rx.recv().map_err(|_| cancelled())?)
    }

    /// Whether the caller is one of the run's control or capture threads (a custom source's
    /// code calling the tracker back).
    pub(crate) fn on_own_thread(&self) -> bool {
        let me = std::thread::current().id();
        lock(&self.own_threads).contains(&me)
    }

    /// Whether `stop` or `close` called here would wait for the caller itself: a handler, a
    /// source on the control or capture thread, or an embedder's storage callback on the I/O
    /// runtime (the uploader `stop` waits for may be waiting for that very callback).
    pub(crate) fn stop_would_wait_for_caller(&self) -> bool {
        self.events.is_current() || self.on_own_thread() || self.io.is_current()
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

/// The capture sources, handed to the threads at start and back at stop.
pub(crate) struct Sources {
    pub(crate) screens: Option<Box<dyn ScreenSource>>,
    pub(crate) input: Option<Box<dyn InputSource>>,
    pub(crate) windows: Option<Box<dyn WindowSource>>,
}

pub(crate) type Ack = std::sync::mpsc::SyncSender<Result<(), Error>>;

/// Requests to the control thread.
pub(crate) enum Cmd {
    Pause(Ack),
    Resume(Ack),
    Stop(Ack),
    SetContext(WorkContext, Ack),
    Window {
        at: Timestamp,
        application: String,
        title: String,
        ack: Ack,
    },
    Url {
        at: Timestamp,
        application: String,
        title: String,
        url: Option<String>,
        ack: Ack,
    },
    /// An answer for an idle period.
    ResolveIdle {
        id: u64,
        answer: crate::model::idle::IdleAnswer,
        ack: std::sync::mpsc::SyncSender<Result<crate::model::idle::IdleResolution, Error>>,
    },
    /// A new idle policy (`None`: no decisions).
    SetIdlePolicy(Option<crate::model::idle::IdlePolicy>, Ack),
}

pub(crate) fn spawn_named<T: Send + 'static>(
    name: &'static str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<std::thread::JoinHandle<T>, Error> {
    std::thread::Builder::new()
        .name(format!("activity-core-{name}"))
        .spawn(f)
        .map_err(|e| RuntimeError::Thread(format!("the {name} thread: {e}")).into())
}
