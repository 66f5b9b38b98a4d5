//! [`Tracker`] and its builder.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use url::Url;

use super::control::spawn;
use super::events::{Dispatcher, Handlers, ScreenshotSwitches, TrackerEvent};
use super::folder::FolderLock;
use super::query::{Query, Viewer, visible};
use super::shared::{Cmd, EMPLOYEE_SWITCH, IoRuntime, ORGANISATION_SWITCH, Shared, Sources};
use super::upload::drain_and_report;
use crate::capture::{
    Capabilities, InputSource, ScreenSource, SourceKind, WindowSource, capabilities,
};
use crate::clock::{Clock, SystemClock, Timestamp};
use crate::error::{Error, RuntimeError};
use crate::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use crate::model::config::Config;
use crate::model::idle::{IdleAnswer, IdlePeriod, IdlePolicy, IdleResolution};
use crate::model::score::{InputCounter, InputEvent};
use crate::storage::backend::ObjectStorage;
use crate::storage::blocking::{BlockingAdapter, BlockingStorage};
use crate::storage::config::LocalConfig;
use crate::storage::local::LocalStorage;
use crate::storage::outbox::{Backoff, DeleteOutcome, Due, Outbox, Pending};
use crate::storage::records::rollup::Level;
use crate::storage::records::{RecordStore, Screenshot, SlotRecord};
use crate::storage::secret::Secret;
use crate::util::lock;

/// The setting that keeps the slot length a folder is tracked with.
const SLOT_SECONDS: &str = "slot_seconds";

/// What the tracker does when a source the configuration needs cannot work on this machine.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum MissingSources {
    /// `build` fails with [`RuntimeError::SourcesUnavailable`] naming each source and why
    /// (default: a product learns at once that, say, screenshots cannot be taken here).
    #[default]
    Refuse,
    /// Run the parts that work; each missing source is reported once at `start` as a
    /// [`TrackerEvent::CaptureFailed`]. Injected events still count.
    RunAvailable,
}

enum Choice<T> {
    BuiltIn,
    Custom(T),
    Off,
}

/// Builds a [`Tracker`]. See [`Tracker::builder`].
pub struct TrackerBuilder {
    config: Config,
    data_dir: Option<PathBuf>,
    storage: Option<Arc<dyn ObjectStorage>>,
    clock: Arc<dyn Clock>,
    screens: Choice<Box<dyn ScreenSource>>,
    input: Choice<Box<dyn InputSource>>,
    windows: Choice<Box<dyn WindowSource>>,
    missing: MissingSources,
    handlers: Handlers,
    backoff: Backoff,
    context: WorkContext,
    seed: Option<u64>,
    checkpoint: std::time::Duration,
    stop_flush: std::time::Duration,
    browser_bridge: bool,
    require_consent: bool,
}

impl std::fmt::Debug for TrackerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackerBuilder")
            .field("data_dir", &self.data_dir)
            .field("missing", &self.missing)
            .finish_non_exhaustive()
    }
}

impl TrackerBuilder {
    /// The folder for the record store (`activity.sqlite`), the upload spool (`spool/`) and, with
    /// the default storage, the screenshots (`objects/`). Required.
    pub fn data_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(path.into());
        self
    }

    /// Where screenshots go. Default: [`LocalStorage`] under `<data_dir>/objects`, with a URL
    /// signing secret generated once and kept in `<data_dir>/url-signing.key` (mode 0600).
    pub fn storage(mut self, storage: Arc<dyn ObjectStorage>) -> Self {
        self.storage = Some(storage);
        self
    }

    /// The storage named by the environment, with the variable names products already use
    /// (`FILE_PROVIDER=S3|WASABI|DIGITALOCEAN|CLOUDINARY|LOCAL` and the provider's variables,
    /// see [`ProviderConfig::from_env`](crate::storage::config::ProviderConfig::from_env)).
    /// `FILE_PROVIDER` unset, or `LOCAL` without `LOCAL_STORAGE_ROOT`, keeps the default
    /// (files under the data folder). Every problem with the variables is reported at once.
    pub fn storage_from_env(self) -> Result<Self, Error> {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        let provider = var("FILE_PROVIDER");
        let local = provider
            .as_deref()
            .is_none_or(|p| p.eq_ignore_ascii_case("LOCAL"));
        if local && var("LOCAL_STORAGE_ROOT").is_none() {
            return Ok(self);
        }
        let config = crate::storage::config::ProviderConfig::from_env()
            .map_err(crate::storage::StorageError::from)?;
        let store = crate::storage::open(&config)?;
        Ok(self.storage(Arc::from(store)))
    }

    /// The embedder's own storage (a C callback table, a Python object, any
    /// [`BlockingStorage`]): each call runs on the tracker's blocking pool and is given at most
    /// `timeout` ([`BlockingAdapter`]).
    pub fn blocking_storage(
        mut self,
        storage: Arc<dyn BlockingStorage>,
        timeout: std::time::Duration,
    ) -> Self {
        self.storage = Some(Arc::new(BlockingAdapter::new(storage, timeout)));
        self
    }

    /// The clock timestamps come from. Default [`SystemClock`].
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the built-in screen source.
    pub fn screen_source(mut self, source: Box<dyn ScreenSource>) -> Self {
        self.screens = Choice::Custom(source);
        self
    }

    /// Replaces the built-in input source.
    pub fn input_source(mut self, source: Box<dyn InputSource>) -> Self {
        self.input = Choice::Custom(source);
        self
    }

    /// Replaces the built-in window source.
    pub fn window_source(mut self, source: Box<dyn WindowSource>) -> Self {
        self.windows = Choice::Custom(source);
        self
    }

    /// Uses no source of this kind: the embedder injects its events (or wants none).
    pub fn without_source(mut self, kind: SourceKind) -> Self {
        match kind {
            SourceKind::Screens => self.screens = Choice::Off,
            SourceKind::Input => self.input = Choice::Off,
            SourceKind::Windows => self.windows = Choice::Off,
        }
        self
    }

    /// Listens for the browser extension's native messaging host on `<data-dir>/browser.sock`
    /// while running ([`crate::browser`]): the focused tab's address becomes URL samples
    /// ([`record_url`](Tracker::record_url): `track_urls`, query stripping and exclusions
    /// apply). Off by default; `start` fails if another tracker listens on the same folder.
    pub fn browser_bridge(mut self, listen: bool) -> Self {
        self.browser_bridge = listen;
        self
    }

    /// Uses no built-in source at all: a tracker that only records what the embedder injects,
    /// or that only reads (reports, screenshots, sync) a data folder another process tracked.
    pub fn without_sources(self) -> Self {
        self.without_source(SourceKind::Screens)
            .without_source(SourceKind::Input)
            .without_source(SourceKind::Windows)
    }

    /// What to do when a needed built-in source cannot work here. Default
    /// [`MissingSources::Refuse`].
    pub fn missing_sources(mut self, policy: MissingSources) -> Self {
        self.missing = policy;
        self
    }

    /// Calls `handler` for every event, in order, on the tracker's one dispatcher thread. The
    /// handler may call the tracker back (except `stop`, which answers
    /// [`RuntimeError::Reentrant`]); a panic in it is reported as
    /// [`TrackerEvent::HandlerPanicked`] and delivery goes on. A handler that keeps the
    /// tracker alive (an `Arc<Tracker>`) makes a cycle: hold a `Weak` instead.
    pub fn on_event(mut self, handler: impl Fn(&TrackerEvent) + Send + Sync + 'static) -> Self {
        self.handlers.add(handler);
        self
    }

    /// Delivers every event to the returned channel as well.
    pub fn event_channel(&mut self) -> mpsc::Receiver<TrackerEvent> {
        self.handlers.channel()
    }

    /// The upload retry policy. Default: 1 s doubling to 5 min, ±20 % jitter.
    pub fn upload_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The work context at start (employee, project, task). Default: none.
    pub fn context(mut self, context: WorkContext) -> Self {
        self.context = context;
        self
    }

    /// The seed for random screenshot instants when the configuration sets none. Default: a
    /// fresh random seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// How often the counts of the open slot are checkpointed to the record store, so that a
    /// crash loses at most this much of them. Default 60 s; at least 100 ms.
    pub fn checkpoint_every(mut self, every: std::time::Duration) -> Self {
        self.checkpoint = every.max(std::time::Duration::from_millis(100));
        self
    }

    /// How long [`Tracker::stop`] waits for the uploads that are due (the screenshots of the last
    /// moments) before it leaves them in the outbox for the next start. Default 10 s; zero
    /// leaves every upload not yet finished to the next start.
    pub fn stop_flush(mut self, limit: std::time::Duration) -> Self {
        self.stop_flush = limit;
        self
    }

    /// Requires a [`Consent`](crate::model::retention::Consent) for the employee tracked:
    /// `start` (and `set_context` to another employee while running) refuses until
    /// [`Tracker::record_consent`] has recorded one. Features not consented are off either way.
    pub fn require_consent(mut self, required: bool) -> Self {
        self.require_consent = required;
        self
    }

    /// Validates everything, opens the data folder (created owner-only, canonicalised: see
    /// the README's *One data folder, many processes*), the record store and the outbox, checks the sources.
    /// A built tracker that is never started is a *reader* of the folder: it takes no lock,
    /// recovers nothing and cleans nothing, so it is safe next to another process's running
    /// tracker.
    pub fn build(self) -> Result<Tracker, Error> {
        self.config.validate()?;
        let given = self.data_dir.clone().ok_or_else(|| RuntimeError::DataDir {
            path: String::new(),
            message: "no data folder given (TrackerBuilder::data_dir)".into(),
        })?;
        let (dir, exposed) = super::folder::prepare(&given)?;
        let storage = match self.storage {
            Some(s) => s,
            None => Arc::new(default_storage(&dir, self.clock.clone())?),
        };
        let records = RecordStore::open(dir.join("activity.sqlite"))?;
        let io = IoRuntime::new()?;
        let outbox = Outbox::open(
            records.clone(),
            dir.join("spool"),
            self.clock.clone(),
            self.backoff,
        )?
        .with_location(storage.location())
        .with_upload_delay(std::time::Duration::from_secs(u64::from(
            self.config.upload_delay.0,
        )));
        // The switches: the employee's as last set through a tracker on this folder, else the
        // configuration; the organisation's "off" wins from either side (a configuration that
        // says off overrides a stored on).
        let stored = |name: &str| -> Result<Option<bool>, Error> {
            Ok(records.setting(name)?.map(|v| v == "true"))
        };
        let retention = self.config.retention.clone();
        let categories = super::categories::Categories::load(&records);
        let switches = ScreenshotSwitches {
            employee: stored(EMPLOYEE_SWITCH)?.unwrap_or(self.config.is_screenshot_enabled),
            organisation: self.config.allow_screenshot_capture
                && stored(ORGANISATION_SWITCH)?.unwrap_or(true),
        };
        let caps = capabilities();
        let needed = [
            (SourceKind::Screens, switches.effective()),
            (SourceKind::Input, self.config.track_input),
            (SourceKind::Windows, self.config.track_applications),
        ];
        let mut unavailable = Vec::new();
        for (kind, needed) in needed {
            let built_in = match kind {
                SourceKind::Screens => matches!(self.screens, Choice::BuiltIn),
                SourceKind::Input => matches!(self.input, Choice::BuiltIn),
                SourceKind::Windows => matches!(self.windows, Choice::BuiltIn),
            };
            if let (true, true, Some(reason)) = (needed, built_in, caps.of(kind).reason()) {
                unavailable.push((kind, reason.to_string()));
            }
        }
        if !unavailable.is_empty() && self.missing == MissingSources::Refuse {
            return Err(RuntimeError::SourcesUnavailable(unavailable).into());
        }
        let left_out = |kind: SourceKind| unavailable.iter().any(|(k, _)| *k == kind);
        let sources = Sources {
            screens: resolve(
                self.screens,
                left_out(SourceKind::Screens),
                &caps,
                crate::capture::built_in_screens,
            ),
            input: resolve(
                self.input,
                left_out(SourceKind::Input),
                &caps,
                crate::capture::built_in_input,
            ),
            windows: resolve(
                self.windows,
                left_out(SourceKind::Windows),
                &caps,
                crate::capture::built_in_windows,
            ),
        };
        let counter = InputCounter::new(self.config.slot_seconds)?;
        let seed = self.seed.unwrap_or_else(rand::random);
        let events = Dispatcher::start(self.handlers)
            .map_err(|e| RuntimeError::Thread(format!("the event dispatcher: {e}")))?;
        if let Some(mode) = exposed {
            tracing::warn!(path = %dir.display(), %mode, "the data folder may be read by other users");
            events.emit(TrackerEvent::DataFolderExposed {
                path: dir.display().to_string(),
                mode,
            });
        }
        Ok(Tracker {
            shared: Arc::new(Shared {
                config: self.config,
                clock: self.clock,
                counter,
                records,
                outbox: Arc::new(outbox),
                storage,
                events,
                io,
                switches: Mutex::new(switches),
                running: AtomicBool::new(false),
                paused: AtomicBool::new(false),
                data_dir: dir,
                seed,
                unavailable,
                checkpoint_millis: i64::try_from(self.checkpoint.as_millis()).unwrap_or(i64::MAX),
                stop_flush: self.stop_flush,
                browser_bridge: self.browser_bridge,
                own_threads: Mutex::new(Vec::new()),
                require_consent: self.require_consent,
                consented: Default::default(),
                consent_for: Mutex::new(None),
                retention: Mutex::new(retention),
                categories: Mutex::new(Arc::new(categories)),
                next_purge: std::sync::atomic::AtomicI64::new(i64::MIN),
                dataset: Mutex::new(None),
                export_wake: tokio::sync::Notify::new(),
            }),
            state: Mutex::new(State::Idle {
                sources,
                context: self.context,
            }),
        })
    }
}

fn resolve<T>(
    choice: Choice<T>,
    left_out: bool,
    caps: &Capabilities,
    built_in: fn(&Capabilities) -> Option<T>,
) -> Option<T> {
    match choice {
        Choice::Custom(s) => Some(s),
        Choice::Off => None,
        Choice::BuiltIn if left_out => None,
        Choice::BuiltIn => built_in(caps),
    }
}

/// The default storage: local files under `<dir>/objects`, with a signing secret created once.
fn default_storage(dir: &Path, clock: Arc<dyn Clock>) -> Result<LocalStorage, Error> {
    let key_path = dir.join("url-signing.key");
    let secret = super::folder::read_or_create_secret(&key_path, || {
        let bytes: [u8; 32] = rand::random();
        crate::util::hex(&bytes)
    })?;
    let root = dir.join("objects");
    crate::util::create_private_dir(&root).map_err(|e| RuntimeError::DataDir {
        path: root.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(LocalStorage::with_clock(
        &LocalConfig {
            root,
            url_secret: Secret::new(secret),
            public_url: None,
        },
        clock,
    )?)
}

enum State {
    Idle {
        sources: Sources,
        context: WorkContext,
    },
    Running {
        tx: mpsc::Sender<Cmd>,
        thread: JoinHandle<(Sources, WorkContext)>,
        paused: bool,
        bridge: Option<super::browser::Bridge>,
        /// The data folder's lock: this tracker owns the folder while it runs.
        lock: FolderLock,
    },
    /// A stop is in progress (the state lock is not held while it waits).
    Stopping,
    /// A start failed after its sources were handed over, or a thread died: cannot run again.
    Broken,
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::Idle { .. } => "stopped",
            State::Running { paused: false, .. } => "running",
            State::Running { paused: true, .. } => "paused",
            State::Stopping => "stopping",
            State::Broken => "unusable (a start failed or a tracker thread died)",
        }
    }
}

/// The activity tracker: the public entry point. `Send + Sync`; every method takes `&self` and
/// may be called from any thread, from inside the caller's own tokio runtime (it never calls
/// `block_on` on the caller's thread: asynchronous work runs on the tracker's own runtime and
/// the caller waits for its answer), and from an event handler (except `stop`).
///
/// ```no_run
/// use activity_core::{Config, Tracker};
/// use activity_core::runtime::{TrackerEvent, Viewer, Query};
///
/// let tracker = Tracker::builder(Config::default())
///     .data_dir("./activity-data")
///     .on_event(|e| if let TrackerEvent::SlotClosed { metrics, .. } = e {
///         println!("{}: {:?} %", metrics.slot_start, metrics.activity_percent);
///     })
///     .build()?;
/// tracker.set_context(Some("ana"), Some("Apollo"), None)?;
/// tracker.start()?;
/// // … the user works …
/// tracker.stop()?;
/// for shot in tracker.screenshots(&Viewer::employee("ana"), &Query::default())? {
///     println!("{} {}", shot.taken_at, shot.upload_state.as_str());
/// }
/// # Ok::<(), activity_core::Error>(())
/// ```
pub struct Tracker {
    pub(super) shared: Arc<Shared>,
    state: Mutex<State>,
}

impl std::fmt::Debug for Tracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("data_dir", &self.shared.data_dir)
            .field("state", &self.lock().name())
            .finish_non_exhaustive()
    }
}

impl Tracker {
    /// A builder with this configuration, the system clock, the built-in sources and
    /// [`MissingSources::Refuse`].
    pub fn builder(config: Config) -> TrackerBuilder {
        TrackerBuilder {
            config,
            data_dir: None,
            storage: None,
            clock: Arc::new(SystemClock),
            screens: Choice::BuiltIn,
            input: Choice::BuiltIn,
            windows: Choice::BuiltIn,
            missing: MissingSources::default(),
            handlers: Handlers::default(),
            backoff: Backoff::default(),
            context: WorkContext::default(),
            seed: None,
            checkpoint: Duration::from_secs(60),
            stop_flush: Duration::from_secs(10),
            browser_bridge: false,
            require_consent: false,
        }
    }

    /// What the built-in sources can do on this machine, and why not.
    pub fn capabilities() -> Capabilities {
        capabilities()
    }

    /// The platform's conventional data folder, for an embedder that has none of its own:
    /// `%LOCALAPPDATA%\activity-core` on Windows, `$XDG_DATA_HOME/activity-core` (else
    /// `~/.local/share/activity-core`) on Linux. `None` when the environment names no such
    /// place (a service without a profile). The builder never picks a folder by itself: pass
    /// this to [`TrackerBuilder::data_dir`] to use it.
    pub fn default_data_dir() -> Option<PathBuf> {
        super::folder::default_data_dir()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Starts tracking.
    pub fn start(&self) -> Result<(), Error> {
        let mut state = self.lock();
        match std::mem::replace(&mut *state, State::Broken) {
            State::Idle { sources, context } => {
                // Consent first: without one (when required) nothing is touched.
                if let Err(e) = self.apply_consent(context.employee.as_deref()) {
                    *state = State::Idle { sources, context };
                    return Err(e);
                }
                // The folder first: one owner at a time; then what only the owner may do.
                let lock = match self.take_ownership() {
                    Ok(lock) => lock,
                    Err(e) => {
                        *state = State::Idle { sources, context };
                        return Err(e);
                    }
                };
                // The browser socket: a folder another tracker listens on fails the start
                // before anything runs.
                let bound = if self.shared.browser_bridge && self.shared.config.track_urls {
                    match super::browser::Bound::bind(
                        &self.shared.data_dir,
                        self.shared.io.handle(),
                    ) {
                        Ok(b) => Some(b),
                        Err(e) => {
                            *state = State::Idle { sources, context };
                            return Err(e);
                        }
                    }
                } else {
                    None
                };
                let (tx, thread) = match spawn(self.shared.clone(), sources, context) {
                    Ok(started) => started,
                    Err(e) => {
                        // The sources were moved into the failed start; the tracker cannot
                        // start again.
                        return Err(e);
                    }
                };
                let bridge = match bound.map(|b| b.serve(self.shared.clone(), tx.clone())) {
                    Some(Ok(bridge)) => Some(bridge),
                    Some(Err(e)) => {
                        tracing::warn!(error = %e, "browser bridge not started");
                        None
                    }
                    None => None,
                };
                *state = State::Running {
                    tx,
                    thread,
                    paused: false,
                    bridge,
                    lock,
                };
                Ok(())
            }
            other => {
                let name = other.name();
                *state = other;
                Err(RuntimeError::InvalidState {
                    operation: "start",
                    state: name,
                }
                .into())
            }
        }
    }

    /// Takes the data folder's lock, then does what only its owner may: checks the slot length
    /// the folder was tracked with, recovers the slot counts a crashed run checkpointed, and
    /// removes spool files a crash left unreferenced.
    fn take_ownership(&self) -> Result<FolderLock, Error> {
        let lock = FolderLock::acquire(&self.shared.data_dir, "track")?;
        let records = &self.shared.records;
        let length = self.shared.config.slot_seconds;
        match records.setting(SLOT_SECONDS)? {
            Some(v) if v != length.to_string() => {
                return Err(RuntimeError::InvalidArgument(format!(
                    "the data folder {} was tracked with {v}-second slots and the configuration \
                     says {length}: a slot's length is part of its identity, so track into \
                     another folder or keep the length",
                    self.shared.data_dir.display()
                ))
                .into());
            }
            Some(_) => {}
            None => {
                // A folder tracked before the length was kept: its slots say it.
                let stored = records
                    .slots_where(&crate::storage::records::Filter::default())?
                    .first()
                    .map(|r| r.counts.slot_seconds);
                if let Some(v) = stored.filter(|&v| v != length) {
                    return Err(RuntimeError::InvalidArgument(format!(
                        "the data folder {} was tracked with {v}-second slots and the \
                         configuration says {length}: track into another folder or keep the length",
                        self.shared.data_dir.display()
                    ))
                    .into());
                }
                records.write(vec![crate::storage::records::Write::Setting {
                    name: SLOT_SECONDS.into(),
                    value: length.to_string(),
                }])?;
            }
        }
        let recovered = records.recover_checkpoints()?;
        if !recovered.is_empty() {
            tracing::info!(
                parts = recovered.len(),
                "recovered slot counts checkpointed before an unclean exit"
            );
        }
        let swept = self.shared.outbox.sweep()?;
        if swept > 0 {
            tracing::info!(files = swept, "removed spool files no upload refers to");
        }
        Ok(lock)
    }

    fn command<T>(
        &self,
        operation: &'static str,
        make: impl FnOnce(mpsc::SyncSender<Result<T, Error>>) -> Cmd,
    ) -> Result<T, Error> {
        if self.shared.on_own_thread() {
            return Err(RuntimeError::Reentrant(
                "call the tracker from its own capture sources (they run on its threads)",
            )
            .into());
        }
        let state = self.lock();
        let State::Running { tx, .. } = &*state else {
            return Err(RuntimeError::InvalidState {
                operation,
                state: state.name(),
            }
            .into());
        };
        let (ack, done) = mpsc::sync_channel(1);
        tx.send(make(ack))
            .map_err(|_| RuntimeError::ThreadDied("control"))?;
        drop(state);
        done.recv()
            .map_err(|_| RuntimeError::ThreadDied("control"))?
    }

    /// Pauses: no input counted, no application time, no screenshot until [`resume`](Self::resume).
    pub fn pause(&self) -> Result<(), Error> {
        self.command("pause", Cmd::Pause)?;
        if let State::Running { paused, .. } = &mut *self.lock() {
            *paused = true;
        }
        Ok(())
    }

    /// Resumes after [`pause`](Self::pause).
    pub fn resume(&self) -> Result<(), Error> {
        self.command("resume", Cmd::Resume)?;
        if let State::Running { paused, .. } = &mut *self.lock() {
            *paused = false;
        }
        Ok(())
    }

    /// Ends the tracker for good, as a binding's `free`/`close` does: stops it if it runs (the
    /// run's last events are delivered, and handlers may still call the tracker meanwhile),
    /// then shuts the event dispatcher, so no handler runs afterwards, even while the rest of
    /// the tracker is dropped. From inside an event handler or one of the tracker's own threads
    /// it answers [`RuntimeError::Reentrant`] and changes nothing. A failed stop is returned
    /// after the dispatcher is shut: the tracker is closed either way. Afterwards `start`
    /// answers `InvalidState`; reads still work.
    pub fn close(&self) -> Result<(), Error> {
        if self.shared.stop_would_wait_for_caller() {
            return Err(RuntimeError::Reentrant("close the tracker").into());
        }
        let stopped = if self.is_running() {
            self.stop()
        } else {
            Ok(())
        };
        self.shared.events.close();
        let mut state = self.lock();
        if matches!(*state, State::Idle { .. }) {
            *state = State::Broken;
        }
        stopped
    }

    /// Whether the caller is this tracker's event dispatcher, i.e. runs inside one of its event
    /// handlers (where `stop`, and freeing the tracker in a binding, would wait for itself).
    pub fn in_event_handler(&self) -> bool {
        self.shared.events.is_current()
    }

    /// Whether the tracker is running (started and not stopped; paused counts as running; a
    /// stop in progress does not).
    pub fn is_running(&self) -> bool {
        matches!(*self.lock(), State::Running { .. })
    }

    /// Stops: writes the open slot and activities, waits for a capture in progress, then gives
    /// the uploads that are due up to [`TrackerBuilder::stop_flush`] (10 s by default) to reach
    /// the storage, and returns once every event of the run has been delivered. What is not
    /// stored by then stays in the durable outbox and is uploaded on the next start.
    ///
    /// From inside an event handler it answers [`RuntimeError::Reentrant`] (it would wait for
    /// the handler itself); call it from another thread.
    pub fn stop(&self) -> Result<(), Error> {
        if self.shared.stop_would_wait_for_caller() {
            return Err(RuntimeError::Reentrant("stop the tracker").into());
        }
        let mut state = self.lock();
        match std::mem::replace(&mut *state, State::Stopping) {
            State::Running {
                tx,
                thread,
                bridge,
                lock: folder,
                ..
            } => {
                // Waiting happens without the state lock: `is_running`, `Debug` and the other
                // methods answer meanwhile (as stopping).
                drop(state);
                // The bridge first: its threads may be waiting for the control thread.
                if let Some(b) = bridge {
                    b.stop();
                }
                let (ack, done) = mpsc::sync_channel(1);
                let sent = tx.send(Cmd::Stop(ack)).is_ok();
                let result = if sent {
                    done.recv()
                        .unwrap_or(Err(RuntimeError::ThreadDied("control").into()))
                } else {
                    Err(RuntimeError::ThreadDied("control").into())
                };
                let joined = thread.join();
                lock(&self.shared.own_threads).clear();
                let result = match joined {
                    Ok((sources, context)) => {
                        *self.lock() = State::Idle { sources, context };
                        result
                    }
                    Err(panic) => {
                        *self.lock() = State::Broken;
                        Err(RuntimeError::Cancelled(format!(
                            "the tracker's control thread panicked: {}",
                            super::panic_message(&*panic)
                        ))
                        .into())
                    }
                };
                drop(folder);
                self.shared.events.flush();
                result
            }
            other => {
                let name = other.name();
                *state = other;
                Err(RuntimeError::InvalidState {
                    operation: "stop",
                    state: name,
                }
                .into())
            }
        }
    }

    /// Sets whom and what the time is tracked for. Records and slot counts before this instant
    /// keep the previous context.
    pub fn set_context(
        &self,
        employee: Option<&str>,
        project: Option<&str>,
        task: Option<&str>,
    ) -> Result<(), Error> {
        for (name, value) in [("employee", employee), ("project", project), ("task", task)] {
            if value.is_some_and(|v| v.trim().is_empty()) {
                return Err(RuntimeError::InvalidArgument(format!(
                    "set_context: {name} must not be empty (None means none)"
                ))
                .into());
            }
        }
        let context = WorkContext {
            employee: employee.map(str::to_owned),
            project: project.map(str::to_owned),
            task: task.map(str::to_owned),
        };
        let mut state = self.lock();
        if let State::Idle { context: c, .. } = &mut *state {
            *c = context;
            return Ok(());
        }
        drop(state);
        // Running: the new employee's consent comes in force (refused without one when
        // consent is required; the context does not change then).
        self.apply_consent(context.employee.as_deref())?;
        self.command("set the context", |ack| Cmd::SetContext(context, ack))
    }

    /// Answers idle period `id` ([`TrackerEvent::IdleDetected`]): keep it, discard it, or move
    /// it to another project ([`IdleAnswer`]). Applied at once, to the second: slots, counts,
    /// window and URL time, rollups, and (discarding) every screenshot taken inside it, here
    /// and at the provider through the durable delete path. Answered while the user is still
    /// away, the period ends now (the answer is their presence).
    ///
    /// Idempotent: the same answer again returns the same resolution (without the screenshot
    /// list), also after a restart. A different answer for a decided period is
    /// [`RuntimeError::IdleDecided`] (`InvalidState`); an id no period has is
    /// [`RuntimeError::IdleUnknown`] (`NotFound`). While stopped, only decided periods can be
    /// answered (again).
    pub fn resolve_idle(&self, id: u64, answer: IdleAnswer) -> Result<IdleResolution, Error> {
        if self.is_running() {
            let a = answer.clone();
            match self.command("resolve an idle period", |ack| Cmd::ResolveIdle {
                id,
                answer: a,
                ack,
            }) {
                Err(Error::Runtime(RuntimeError::InvalidState { .. })) => {}
                other => return other,
            }
        }
        super::control::decided_before(&self.shared, id, &answer)
    }

    /// Puts an idle policy in force while tracking runs (`None`: no idle decisions); it lasts
    /// until the run stops (the next start takes the configuration's again). Quietness is
    /// measured from now.
    pub fn set_idle_policy(&self, policy: Option<IdlePolicy>) -> Result<(), Error> {
        if let Some(p) = &policy {
            let problems = p.problems();
            if !problems.is_empty() {
                return Err(crate::model::config::ConfigError::from_problems(problems).into());
            }
        }
        self.command("set the idle policy", |ack| Cmd::SetIdlePolicy(policy, ack))
    }

    /// The decided idle periods (kept, discarded, moved) that `viewer` may see, overlapping
    /// `query`'s range, oldest first.
    pub fn idle_periods(&self, viewer: &Viewer, query: &Query) -> Result<Vec<IdlePeriod>, Error> {
        let filter = query.checked_filter(viewer)?;
        Ok(self.shared.records.idle_periods(&filter)?)
    }

    /// Counts one input event from the embedder's own hooks (only its kind: there is no way to
    /// pass a key). Ignored while stopped or paused, or when `track_input` is off.
    pub fn record_input(&self, event: InputEvent) {
        if self.shared.input_on() {
            self.shared.counter.record(event, self.shared.now());
        }
    }

    /// A window sample from the embedder's own hooks: this application and title have the focus
    /// now. Samples merge like the built-in poller's (send one at least every
    /// `heartbeat_timeout`, or on every change and then once a second). Ignored when
    /// `track_applications` is off.
    pub fn record_window(&self, application: &str, title: &str) -> Result<(), Error> {
        if !self.shared.applications_on() {
            return Ok(());
        }
        let at = self.shared.now();
        let (a, t) = (application.to_owned(), title.to_owned());
        self.command("record a window", |ack| Cmd::Window {
            at,
            application: a,
            title: t,
            ack,
        })
    }

    /// A URL sample (a browser integration): the active tab of `application` shows `url`, titled
    /// `title`. It feeds the website records only (the browser's application record comes from
    /// window samples). Query strings and fragments are stripped (`strip_url_query`) and the
    /// exclusion rules applied before anything is stored. Ignored when `track_urls` is off.
    /// Something that is not an absolute URL is [`RuntimeError::InvalidArgument`]
    /// (`InvalidInput`).
    pub fn record_url(&self, application: &str, title: &str, url: &str) -> Result<(), Error> {
        // Checked first, whatever the settings: a caller passing something that is not an
        // absolute URL has a bug to hear about (`about:blank`, `chrome://…` are URLs, just not
        // websites: they say that no website is in front).
        if let Err(e) = Url::parse(url) {
            return Err(RuntimeError::InvalidArgument(format!(
                "record_url: {url:?} is not an absolute URL ({e})"
            ))
            .into());
        }
        if !self.shared.urls_on() {
            return Ok(());
        }
        let at = self.shared.now();
        let (a, t, u) = (application.to_owned(), title.to_owned(), url.to_owned());
        self.command("record a URL", |ack| Cmd::Url {
            at,
            application: a,
            title: t,
            url: Some(u),
            ack,
        })
    }

    /// The screenshot switches as they are.
    pub fn screenshot_switches(&self) -> ScreenshotSwitches {
        *lock(&self.shared.switches)
    }

    /// The employee's switch (`isScreenshotEnabled`): takes effect at once, while input and
    /// application tracking go on, and is kept across restarts. Turning it on while the
    /// organisation does not allow screenshots changes nothing in effect: the returned switches
    /// say so ([`ScreenshotSwitches::effective`]). A change of the effect is reported as
    /// [`TrackerEvent::ScreenshotsSwitched`].
    pub fn set_screenshots_enabled(&self, enabled: bool) -> Result<ScreenshotSwitches, Error> {
        self.shared.set_switch(false, enabled)
    }

    /// The organisation's switch (`allowScreenshotCapture`): its "off" always wins. Takes
    /// effect at once and is kept across restarts.
    pub fn set_organisation_allows_screenshots(
        &self,
        allowed: bool,
    ) -> Result<ScreenshotSwitches, Error> {
        self.shared.set_switch(true, allowed)
    }

    /// The expected events of a full slot of `slot_seconds` (the configuration's figure, scaled
    /// when the data folder was tracked with another slot length).
    fn expected_events_for(&self, slot_seconds: u32) -> u32 {
        self.shared.config.expected_events_for(slot_seconds)
    }

    /// Slots (both activity figures) matching `query` that `viewer` may see, oldest first.
    pub fn slots(&self, viewer: &Viewer, query: &Query) -> Result<Vec<SlotRecord>, Error> {
        Ok(self
            .shared
            .records
            .slots_where(&query.checked_filter(viewer)?)?
            .into_iter()
            .map(|row| SlotRecord {
                slot_seconds: row.counts.slot_seconds,
                metrics: row
                    .counts
                    .metrics(self.expected_events_for(row.counts.slot_seconds)),
                context: row.context,
            })
            .collect())
    }

    /// The report of a period (days in an IANA time zone) over what `viewer` may see: the
    /// timeline, average activity per project, the distribution, top applications and websites,
    /// totals ([`crate::model::report`]). An unknown time zone or a bad date is `InvalidInput`.
    pub fn report(
        &self,
        viewer: &Viewer,
        request: &super::query::ReportRequest,
    ) -> Result<crate::model::report::Report, Error> {
        use crate::model::report::{Inputs, compute};
        let resolved = request.period.resolve()?;
        let query = Query {
            from: Some(resolved.start),
            to: Some(resolved.end),
            employee: request.employee.clone(),
            project: request.project.clone(),
        };
        let filter = query.checked_filter(viewer)?;
        // Every read of the report in one snapshot (one read transaction).
        self.shared.records.snapshot(|records| {
            // Slots from the per-day slot rollups (their figures without the per-second maps).
            let (contexts, summaries) = records.slot_summaries(&filter)?;
            // The data's slot length (a folder tracked with another length than this configuration's
            // keeps its own grid).
            let slot_seconds = summaries
                .first()
                .map_or(self.shared.config.slot_seconds, |s| s.1);
            let slots: Vec<_> = summaries
                .into_iter()
                .map(|(mut m, seconds, context)| {
                    m.activity_percent = m.events().map(|events| {
                        crate::model::score::activity_percent(
                            events,
                            m.tracked_seconds,
                            self.expected_events_for(seconds),
                            seconds,
                        )
                    });
                    m.active_percent =
                        crate::model::score::active_percent(m.active_seconds, m.tracked_seconds);
                    (m, &contexts[context])
                })
                .collect();
            let (start, end) = (resolved.start.as_millis(), resolved.end.as_millis());
            let slot_ms = i64::from(slot_seconds) * 1000;
            // The activity rows whose slot starts in [a, b) (records start inside their slot: read
            // a slot wider, keep those whose slot starts inside).
            let raw_between = |a: i64, b: i64| -> Result<Vec<ActivityRecord>, Error> {
                if a >= b {
                    return Ok(Vec::new());
                }
                let q = Query {
                    from: Some(Timestamp::from_millis(a - slot_ms)),
                    to: Some(Timestamp::from_millis(b + slot_ms)),
                    ..query.clone()
                };
                Ok(records
                    .activities_where(&q.checked_filter(viewer)?)?
                    .into_iter()
                    .filter(|r| (a..b).contains(&r.slot_start.as_millis()))
                    .collect())
            };
            // Up to a week: every activity row (the timeline's top application per slot needs
            // them, and the top lists come from them). Longer: the top lists come from the usage
            // rollups, whole UTC days from the daily ones, the hours around them from the hourly
            // ones, raw rows only for the partial hours at the edges (a zone whose offset is not a
            // whole hour); the timeline carries no top application per slot.
            const HOUR: i64 = 3_600_000;
            const DAY: i64 = 86_400_000;
            let short = end - start <= 7 * DAY + HOUR;
            let (activities, usage) = if short {
                (raw_between(start, end)?, None)
            } else {
                let ceil = |t: i64, w: i64| t + (w - t.rem_euclid(w)) % w;
                let floor = |t: i64, w: i64| t - t.rem_euclid(w);
                let (h0, h1) = (ceil(start, HOUR), floor(end, HOUR));
                let (d0, d1) = (ceil(h0, DAY), floor(h1, DAY));
                let mut parts = vec![(Level::Hour, h0, h1)];
                if d0 < d1 {
                    parts = vec![
                        (Level::Day, d0, d1),
                        (Level::Hour, h0, d0),
                        (Level::Hour, d1, h1),
                    ];
                }
                let mut usage: std::collections::HashMap<(ActivityKind, String), i64> =
                    std::collections::HashMap::new();
                for (level, a, b) in parts.into_iter().filter(|(_, a, b)| a < b) {
                    let f = Query {
                        from: Some(Timestamp::from_millis(a)),
                        to: Some(Timestamp::from_millis(b)),
                        ..query.clone()
                    }
                    .checked_filter(viewer)?;
                    for (kind, name, ms) in records.usage_totals(level, &f)? {
                        let kind = if kind == "URL" {
                            ActivityKind::Url
                        } else {
                            ActivityKind::App
                        };
                        *usage.entry((kind, name)).or_default() += ms;
                    }
                }
                // (a period longer than a week has h0 <= h1)
                let mut edges = raw_between(start, h0)?;
                edges.extend(raw_between(h1, end)?);
                for r in &edges {
                    let name = match r.kind {
                        ActivityKind::App => Some(r.application.clone()),
                        ActivityKind::Url => r.domain.clone(),
                    };
                    if let Some(name) = name {
                        *usage.entry((r.kind, name)).or_default() += r.duration_millis;
                    }
                }
                let usage: Vec<_> = usage.into_iter().map(|((k, n), d)| (k, n, d)).collect();
                (Vec::new(), Some(usage))
            };
            let shots = records.screenshot_times(&filter)?;
            let inputs = Inputs {
                slots: &slots,
                activities: &activities,
                screenshots: &shots,
                slot_seconds,
                max_expected_events: self.expected_events_for(slot_seconds),
                top_n: request.top_n,
                usage: usage.as_deref(),
            };
            // Seconds of kept idle periods inside [start, end), per employee.
            let kept = records.idle_periods(&filter)?;
            let kept_seconds = |employee: Option<Option<&str>>| -> u64 {
                let ms: i64 = kept
                    .iter()
                    .filter(|p| matches!(p.answer, IdleAnswer::Keep))
                    .filter(|p| employee.is_none_or(|e| p.employee.as_deref() == e))
                    .map(|p| (p.until.as_millis().min(end) - p.since.as_millis().max(start)).max(0))
                    .sum();
                u64::try_from((ms + 500) / 1000).unwrap_or(0)
            };
            let mut team = compute(&request.period, &resolved, inputs);
            team.totals.idle_kept_seconds = kept_seconds(None);
            // Productivity categories: from the rows read (a short period) or the cache.
            let parts = if request.categories {
                super::categories::report_parts(
                    &self.shared,
                    records,
                    &filter,
                    &resolved,
                    short.then_some(activities.as_slice()),
                    &|a, b| raw_between(a, b),
                )?
            } else {
                super::categories::Parts::default()
            };
            let classifier = crate::util::lock(&self.shared.categories).clone();
            let c = &classifier.classifier;
            team.categories = parts.total.breakdown(c);
            team.category_days = resolved
                .days
                .iter()
                .zip(&parts.days)
                .map(|((day, _, _), t)| crate::model::report::DayCategories {
                    day: day.clone(),
                    categories: t.breakdown(c),
                })
                .collect();
            let mut projects: Vec<_> = parts.projects.iter().collect();
            projects.sort_by_key(|(p, t)| {
                (
                    std::cmp::Reverse(t.entries().map(|(_, ms)| ms).sum::<i64>()),
                    (*p).clone(),
                )
            });
            team.category_projects = projects
                .into_iter()
                .map(|(p, t)| crate::model::report::ProjectCategories {
                    project: p.clone(),
                    categories: t.breakdown(c),
                })
                .collect();
            // More than one employee: each one's timeline and distribution of their own, never
            // one blended timeline.
            let mut employees: Vec<Option<&str>> =
                slots.iter().map(|(_, c)| c.employee.as_deref()).collect();
            employees.sort_unstable();
            employees.dedup();
            if employees.len() <= 1 {
                return Ok(team);
            }
            let mut each = Vec::with_capacity(employees.len());
            for e in employees {
                let own_slots: Vec<_> = slots
                    .iter()
                    .filter(|(_, c)| c.employee.as_deref() == e)
                    .cloned()
                    .collect();
                let own_activities: Vec<ActivityRecord> = activities
                    .iter()
                    .filter(|a| a.context.employee.as_deref() == e)
                    .cloned()
                    .collect();
                let own_shots = records.screenshot_times(&crate::storage::records::Filter {
                    employees: Some(vec![e.unwrap_or_default().to_string()]),
                    ..filter.clone()
                })?;
                let own = compute(
                    &request.period,
                    &resolved,
                    Inputs {
                        slots: &own_slots,
                        activities: &own_activities,
                        screenshots: &own_shots,
                        usage: None,
                        ..inputs
                    },
                );
                let mut own = own;
                own.totals.idle_kept_seconds = kept_seconds(Some(e));
                own.categories = parts
                    .employees
                    .get(&e.map(str::to_string))
                    .map(|t| t.breakdown(c))
                    .unwrap_or_default();
                each.push((e.map(str::to_string), own));
            }
            Ok(crate::model::report::with_employees(team, each))
        })
    }

    /// Application and website records matching `query` that `viewer` may see, oldest first.
    pub fn activities(&self, viewer: &Viewer, query: &Query) -> Result<Vec<ActivityRecord>, Error> {
        Ok(self
            .shared
            .records
            .activities_where(&query.checked_filter(viewer)?)?)
    }

    /// Screenshots matching `query` (by `taken_at`) that `viewer` may see, oldest first.
    pub fn screenshots(&self, viewer: &Viewer, query: &Query) -> Result<Vec<Screenshot>, Error> {
        Ok(self
            .shared
            .records
            .screenshots_where(&query.checked_filter(viewer)?, self.shared.now())?)
    }

    /// One screenshot, if `viewer` may see it ([`RuntimeError::ScreenshotNotFound`] otherwise:
    /// a missing one and another person's answer alike).
    pub fn screenshot(&self, viewer: &Viewer, id: &str) -> Result<Screenshot, Error> {
        viewer.check()?;
        match self.shared.records.screenshot(id, self.shared.now())? {
            Some(s) if visible(viewer, &s) => Ok(s),
            _ => Err(RuntimeError::ScreenshotNotFound(id.to_string()).into()),
        }
    }

    /// A screenshot's encoded bytes (the full image, or the thumbnail): from this machine's
    /// spool while it is not uploaded, else from the storage.
    pub fn screenshot_bytes(
        &self,
        viewer: &Viewer,
        id: &str,
        thumbnail: bool,
    ) -> Result<Vec<u8>, Error> {
        let shot = self.screenshot(viewer, id)?;
        let key = if thumbnail {
            shot.thumb_key
        } else {
            shot.full_key
        };
        if key.is_empty() {
            // Removed by a retention purge that keeps the other image longer.
            return Err(RuntimeError::ScreenshotNotFound(format!(
                "{id} ({}: removed by the retention policy)",
                if thumbnail { "thumbnail" } else { "full image" }
            ))
            .into());
        }
        if let Some(bytes) = self.shared.outbox.spooled(id, &key)? {
            return Ok(bytes);
        }
        let shared = self.shared.clone();
        let bytes = self
            .shared
            .run(async move { shared.storage.get(&key).await })??;
        Ok(bytes.to_vec())
    }

    /// A URL that delivers the screenshot (full image or thumbnail) until `expires_in` from now
    /// (1 s ..= 7 days). Only for screenshots the provider has stored: one still waiting on this
    /// machine answers [`RuntimeError::InvalidState`] (read it with
    /// [`screenshot_bytes`](Self::screenshot_bytes)).
    pub fn screenshot_url(
        &self,
        viewer: &Viewer,
        id: &str,
        thumbnail: bool,
        expires_in: Duration,
    ) -> Result<Url, Error> {
        // The arguments first: a bad expiry is the same error whatever the screenshot.
        crate::storage::backend::check_expiry(expires_in)?;
        let shot = self.screenshot(viewer, id)?;
        if shot.upload_state != crate::storage::records::UploadState::Uploaded {
            return Err(RuntimeError::InvalidState {
                operation: "make a URL for a screenshot",
                state: "not uploaded yet",
            }
            .into());
        }
        let key = if thumbnail {
            shot.thumb_key
        } else {
            shot.full_key
        };
        let shared = self.shared.clone();
        Ok(self
            .shared
            .run(async move { shared.storage.signed_url(&key, expires_in).await })??)
    }

    /// Deletes a screenshot everywhere. At once and durably: the record, the spool files and the
    /// pending uploads (inside the review window it never leaves the machine). Then the remote
    /// objects: tried now, and if the provider fails, kept as durable deletion entries retried
    /// with backoff until it confirms. The outcome says which remote deletions are confirmed
    /// and which are queued.
    ///
    /// The provider half runs in the process that owns the data folder: here when this tracker
    /// runs, or when no tracker owns the folder (this one takes the folder's lock meanwhile).
    /// When another process's tracker owns it, the deletions stay queued and that tracker
    /// carries them out within seconds (it knows which uploads it has in flight); the outcome
    /// says queued.
    pub fn delete_screenshot(&self, viewer: &Viewer, id: &str) -> Result<DeleteOutcome, Error> {
        let shot = self.screenshot(viewer, id)?;
        let queued = self.shared.outbox.delete_screenshot(&shot)?;
        let outcome = if queued.is_empty() {
            DeleteOutcome {
                id: id.to_string(),
                ..DeleteOutcome::default()
            }
        } else {
            match self.provider_access("delete at the provider") {
                Ok(_lock) => {
                    let (shared, id2) = (self.shared.clone(), id.to_string());
                    self.shared.run(async move {
                        shared
                            .outbox
                            .delete_remote_now(shared.storage.as_ref(), &id2)
                            .await
                    })??
                }
                Err(owner) => DeleteOutcome {
                    id: id.to_string(),
                    remote_deleted: Vec::new(),
                    remote_queued: queued,
                    error: Some(format!(
                        "queued: {owner}; the folder's owner carries the deletion out"
                    )),
                },
            }
        };
        self.shared.emit(TrackerEvent::ScreenshotDeleted {
            id: id.to_string(),
            remote_queued: outcome.remote_queued.clone(),
        });
        Ok(outcome)
    }

    /// Uploads and remote deletions not yet confirmed by the provider.
    pub fn pending_uploads(&self) -> Result<Pending, Error> {
        Ok(self.shared.outbox.pending()?)
    }

    /// Drains the outbox now: every upload and remote deletion that is due, retries included
    /// whatever their backoff (uploads inside the review window still wait). Returns what is
    /// left. Works whether the tracker runs or not.
    ///
    /// Carried out by the process that owns the data folder: a tracker that is not running
    /// takes the folder's lock for the sync, and answers [`RuntimeError::FolderLocked`] when
    /// another process's tracker owns the folder (that tracker uploads on its own). Uploads and
    /// deletions queued under another storage location are left, and named in an
    /// [`RuntimeError::InvalidArgument`] error once the rest is done.
    pub fn sync(&self) -> Result<Pending, Error> {
        let _lock = self.provider_access("sync")?;
        let shared = self.shared.clone();
        let report = self
            .shared
            .run(async move { drain_and_report(&shared, Due::IncludingRetries).await })?;
        if let Some(f) = report.as_ref().and_then(|r| r.foreign.first()) {
            let count = report.as_ref().map_or(0, |r| r.foreign.len());
            return Err(RuntimeError::InvalidArgument(format!(
                "{count} uploads or deletions were left: {}",
                crate::storage::outbox::wrong_location(
                    &f.location,
                    &self.shared.storage.location()
                )
            ))
            .into());
        }
        self.pending_uploads()
    }

    /// The right to talk to the provider about this folder's objects: this tracker runs (it owns
    /// the folder), or the folder's lock, taken for the caller's operation. `Err` when another
    /// tracker owns the folder.
    pub(super) fn provider_access(
        &self,
        purpose: &'static str,
    ) -> Result<Option<FolderLock>, Error> {
        if matches!(*self.lock(), State::Running { .. } | State::Stopping) {
            return Ok(None);
        }
        FolderLock::acquire(&self.shared.data_dir, purpose).map(Some)
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.shared.data_dir
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// The storage provider's name (`LOCAL`, `S3`, `CLOUDINARY`, `EMBEDDER`, …).
    pub fn storage_provider(&self) -> &'static str {
        self.shared.storage.provider()
    }

    /// Sources the configuration needed but that were left out as unavailable
    /// ([`MissingSources::RunAvailable`]), with the reason.
    pub fn unavailable_sources(&self) -> &[(SourceKind, String)] {
        &self.shared.unavailable
    }

    /// Checkpoints of open slots in the record store (crash recovery; tests).
    #[doc(hidden)]
    pub fn checkpoint_count(&self) -> Result<usize, Error> {
        Ok(self.shared.records.checkpoints()?.len())
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        if !matches!(*self.lock(), State::Running { .. }) {
            self.shared.events.close();
            return;
        }
        if self.shared.events.is_current() {
            // Dropped inside a handler: stop without waiting for the handler itself.
            if let State::Running { tx, .. } = std::mem::replace(&mut *self.lock(), State::Broken) {
                let (ack, _done) = mpsc::sync_channel(1);
                let _ = tx.send(Cmd::Stop(ack));
            }
            return;
        }
        if let Err(e) = self.stop() {
            tracing::error!(error = %e, "stopping the tracker on drop failed");
        }
        // Every event of the run delivered, then no more: no handler runs while the rest of
        // the tracker is torn down (a C callback holding the tracker's pointer must never see
        // it half-dropped).
        self.shared.events.close();
    }
}
