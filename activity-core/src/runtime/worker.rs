//! The tracker's threads: control, capture, uploader.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::events::{Events, ScreenshotTaken, TrackerEvent};
use super::{RuntimeError, SUSPEND_GAP_MILLIS};
use crate::capture::{
    InputSink, InputSource, ScreenSource, SourceKind, WindowSource, select_monitors,
};
use crate::clock::{Clock, Timestamp};
use crate::error::Error;
use crate::media::{self, PipelineOptions};
use crate::model::activity::{ActivityMerger, UrlSample, WindowSample, WorkContext};
use crate::model::config::Config;
use crate::model::idle::{IdleDetector, IdleTransition};
use crate::model::schedule::ScreenshotSchedule;
use crate::model::score::{InputCounter, SlotCounts};
use crate::model::slot::slot_start;
use crate::storage::backend::ObjectStorage;
use crate::storage::key::screenshot_keys;
use crate::storage::outbox::Outbox;
use crate::storage::records::{RecordStore, ScreenshotRow, SlotRow, Write};

/// What every thread of a running tracker shares.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) counter: InputCounter,
    pub(crate) records: Arc<RecordStore>,
    pub(crate) outbox: Arc<Outbox>,
    pub(crate) storage: Arc<dyn ObjectStorage>,
    pub(crate) events: Events,
    pub(crate) data_dir: PathBuf,
    pub(crate) seed: u64,
    pub(crate) unavailable: Vec<(SourceKind, String)>,
    pub(crate) checkpoint_millis: i64,
    /// How long `stop` lets the uploader deliver what is due before it leaves it to the next start.
    pub(crate) stop_flush: Duration,
}

/// The capture sources, handed to the threads at start and back at stop.
pub(crate) struct Sources {
    pub(crate) screens: Option<Box<dyn ScreenSource>>,
    pub(crate) input: Option<Box<dyn InputSource>>,
    pub(crate) windows: Option<Box<dyn WindowSource>>,
}

type Ack = SyncSender<Result<(), Error>>;

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
        url: Option<String>,
        ack: Ack,
    },
}

/// The control thread's handle: it hands the sources and the context back when it ends.
pub(crate) type ControlThread = JoinHandle<(Sources, WorkContext)>;

/// The capture thread: its job queue and its handle (which hands the screen source back).
type CaptureThread = (SyncSender<Job>, JoinHandle<Box<dyn ScreenSource>>);

/// How often the active window is polled.
const POLL_MILLIS: i64 = 1_000;

struct Job {
    context: WorkContext,
}

struct Uploader {
    stop: Arc<Notify>,
    thread: JoinHandle<()>,
}

fn spawn_named<T: Send + 'static>(
    name: &'static str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<JoinHandle<T>, Error> {
    std::thread::Builder::new()
        .name(format!("activity-core-{name}"))
        .spawn(f)
        .map_err(|e| RuntimeError::Thread(format!("the {name} thread: {e}")).into())
}

/// Starts the threads of a run. Returns the command channel and the control thread, which hands
/// the sources and context back when it ends.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    mut sources: Sources,
    context: WorkContext,
) -> Result<(mpsc::Sender<Cmd>, ControlThread), Error> {
    let now = shared.clock.now();
    let schedule = ScreenshotSchedule::from_config(&shared.config, shared.seed)?;
    let mut merger = ActivityMerger::from_config(&shared.config)?;
    merger.set_context(now, context.clone())?;
    shared.counter.start(now)?;
    shared.events.emit(TrackerEvent::Started { at: now });
    for (kind, reason) in &shared.unavailable {
        shared.events.emit(TrackerEvent::CaptureFailed {
            source: *kind,
            reason: format!("left out: {reason}"),
        });
    }

    let mut input_running = false;
    if shared.config.track_input
        && let Some(input) = sources.input.as_mut()
    {
        let s = shared.clone();
        let sink = InputSink::new(move |e| s.counter.record(e, s.clock.now()));
        match input.start(sink) {
            Ok(()) => input_running = true,
            Err(e) => shared.events.emit(TrackerEvent::CaptureFailed {
                source: SourceKind::Input,
                reason: e.to_string(),
            }),
        }
    }

    let wake = Arc::new(Notify::new());
    let stop = Arc::new(Notify::new());
    let uploader = {
        let (s, wake, stop) = (shared.clone(), wake.clone(), stop.clone());
        Uploader {
            stop: stop.clone(),
            thread: spawn_named("upload", move || upload_loop(&s, &wake, &stop))?,
        }
    };

    let capture = match sources.screens.take() {
        Some(screens) if shared.config.screenshots_allowed() => {
            let (tx, rx) = mpsc::sync_channel::<Job>(1);
            let (s, wake) = (shared.clone(), wake.clone());
            let thread = spawn_named("capture", move || capture_loop(&s, screens, &rx, &wake))?;
            Some((tx, thread))
        }
        other => {
            sources.screens = other;
            None
        }
    };

    let (tx, rx) = mpsc::channel();
    let idle_after = shared.config.idle_after.as_millis();
    let next_checkpoint = now.add_millis(shared.checkpoint_millis);
    let mut control = Control {
        next_shot: capture.is_some().then(|| schedule.next_after(now)),
        next_boundary: slot_start(now, shared.config.slot_seconds)
            .add_millis(i64::from(shared.config.slot_seconds) * 1000),
        shared,
        merger,
        idle: IdleDetector::new(idle_after, now),
        input_running,
        schedule,
        sources,
        capture,
        uploader: Some(uploader),
        context,
        paused: false,
        last_tick: now,
        latest: now,
        next_poll: now,
        next_checkpoint,
        pending: Vec::new(),
    };
    let thread = spawn_named("control", move || {
        control.run(&rx);
        (control.sources, control.context)
    })?;
    Ok((tx, thread))
}

struct Control {
    shared: Arc<Shared>,
    merger: ActivityMerger,
    idle: IdleDetector,
    input_running: bool,
    schedule: ScreenshotSchedule,
    sources: Sources,
    capture: Option<CaptureThread>,
    uploader: Option<Uploader>,
    context: WorkContext,
    paused: bool,
    /// When the loop last ran (for suspend detection).
    last_tick: Timestamp,
    /// The latest instant handed to the merger (it requires time order).
    latest: Timestamp,
    next_poll: Timestamp,
    next_shot: Option<Timestamp>,
    next_boundary: Timestamp,
    next_checkpoint: Timestamp,
    /// Writes gathered during one turn of the loop, committed together.
    pending: Vec<Write>,
}

impl Control {
    fn run(&mut self, rx: &mpsc::Receiver<Cmd>) {
        loop {
            let now = self.shared.clock.now();
            let wait = self.next_wake(now).millis_since(now).clamp(0, POLL_MILLIS);
            match rx.recv_timeout(Duration::from_millis(wait as u64)) {
                Ok(Cmd::Stop(ack)) => {
                    let _ = ack.send(self.stop());
                    return;
                }
                Ok(cmd) => self.command(cmd),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    // The Tracker is gone without stop: stop cleanly anyway.
                    let _ = self.stop();
                    return;
                }
            }
            let now = self.shared.clock.now();
            self.tick(now);
            self.commit();
        }
    }

    fn next_wake(&self, now: Timestamp) -> Timestamp {
        let mut wake = now
            .add_millis(POLL_MILLIS)
            .min(self.next_boundary)
            .min(self.next_checkpoint);
        if !self.paused {
            if self.sources.windows.is_some() && self.shared.config.track_applications {
                wake = wake.min(self.next_poll);
            }
            if let Some(shot) = self.next_shot {
                wake = wake.min(shot);
            }
        }
        wake
    }

    /// The instant to hand the merger: never before one it has already seen.
    fn at(&mut self, t: Timestamp) -> Timestamp {
        self.latest = self.latest.max(t);
        self.latest
    }

    fn emit(&self, e: TrackerEvent) {
        self.shared.events.emit(e);
    }

    fn command(&mut self, cmd: Cmd) {
        let now = self.shared.clock.now();
        let (result, ack) = match cmd {
            Cmd::Pause(ack) => (self.pause(now), ack),
            Cmd::Resume(ack) => (self.resume(now), ack),
            Cmd::SetContext(context, ack) => (self.set_context(now, context), ack),
            Cmd::Window {
                at,
                application,
                title,
                url,
                ack,
            } => (self.window(at, application, title, url), ack),
            Cmd::Stop(ack) => (Ok(()), ack),
        };
        self.commit();
        let _ = ack.send(result);
    }

    fn invalid(operation: &'static str, state: &'static str) -> Result<(), Error> {
        Err(RuntimeError::InvalidState { operation, state }.into())
    }

    fn pause(&mut self, now: Timestamp) -> Result<(), Error> {
        if self.paused {
            return Self::invalid("pause", "paused");
        }
        self.shared.counter.pause(now)?;
        let at = self.at(now);
        self.merger.pause(at)?;
        self.paused = true;
        self.take_activities();
        self.emit(TrackerEvent::Paused { at: now });
        Ok(())
    }

    fn resume(&mut self, now: Timestamp) -> Result<(), Error> {
        if !self.paused {
            return Self::invalid("resume", "running");
        }
        self.shared.counter.resume(now)?;
        let at = self.at(now);
        if self.idle.idle_since().is_some() {
            self.merger.idle_ended(at)?;
            self.emit(TrackerEvent::IdleEnded { at });
        }
        self.merger.resume(at)?;
        self.idle.reset(now);
        self.paused = false;
        self.next_poll = now;
        self.next_shot = self.next_shot.map(|_| self.schedule.next_after(now));
        self.emit(TrackerEvent::Resumed { at: now });
        Ok(())
    }

    fn set_context(&mut self, now: Timestamp, context: WorkContext) -> Result<(), Error> {
        if context == self.context {
            return Ok(());
        }
        // Counts so far belong to the old context: close them as a part of the slot.
        let counts = self.shared.counter.stop(now)?;
        self.slots(counts);
        self.shared.counter.start(now)?;
        if self.paused {
            self.shared.counter.pause(now)?;
        }
        let at = self.at(now);
        self.merger.set_context(at, context.clone())?;
        self.take_activities();
        self.context = context;
        Ok(())
    }

    fn window(
        &mut self,
        at: Timestamp,
        application: String,
        title: String,
        url: Option<String>,
    ) -> Result<(), Error> {
        self.observe_idle(at);
        let at = self.at(at);
        let window = self.merger.window(&WindowSample {
            at,
            application: application.clone(),
            title: title.clone(),
        });
        // A URL sample also feeds the browser window's application record.
        let url = url.map_or(Ok(()), |url| {
            self.merger.url(&UrlSample {
                at,
                application,
                title,
                url: Some(url),
            })
        });
        let result = window.and(url);
        self.take_activities();
        Ok(result?)
    }

    fn idle_enabled(&self) -> bool {
        self.shared.config.track_input
            && (self.input_running || self.shared.counter.last_input().is_some())
    }

    fn observe_idle(&mut self, now: Timestamp) {
        if self.paused || !self.idle_enabled() {
            return;
        }
        let Some(transition) = self.idle.observe(now, self.shared.counter.last_input()) else {
            return;
        };
        let (result, event) = match transition {
            IdleTransition::Started(t) => {
                let at = self.at(t);
                (
                    self.merger.idle_started(at),
                    TrackerEvent::IdleStarted { at: t },
                )
            }
            IdleTransition::Ended(t) => {
                let at = self.at(t);
                (
                    self.merger.idle_ended(at),
                    TrackerEvent::IdleEnded { at: t },
                )
            }
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "idle transition refused by the merger");
        }
        self.take_activities();
        self.emit(event);
    }

    fn tick(&mut self, now: Timestamp) {
        let gap = now.millis_since(self.last_tick);
        if gap > SUSPEND_GAP_MILLIS && !self.paused {
            self.suspended(self.last_tick, now);
        }
        self.last_tick = now;
        if !self.paused {
            self.observe_idle(now);
            if now >= self.next_poll && self.shared.config.track_applications {
                self.poll_window(now);
            }
            if let Some(due) = self.next_shot.filter(|&d| now >= d) {
                self.request_capture(due);
                self.next_shot = Some(self.schedule.next_after(now));
            }
        }
        if now >= self.next_boundary {
            self.close_slots(now);
        }
        // After closing, so only slots still open are checkpointed.
        if now >= self.next_checkpoint {
            for counts in self.shared.counter.peek(now) {
                self.pending.push(Write::SlotCheckpoint(Box::new(SlotRow {
                    counts,
                    context: self.context.clone(),
                })));
            }
            self.next_checkpoint = now.add_millis(self.shared.checkpoint_millis);
        }
    }

    fn suspended(&mut self, from: Timestamp, to: Timestamp) {
        let result: Result<(), Error> = (|| {
            self.shared.counter.pause(from)?;
            let at = self.at(from);
            self.merger.pause(at)?;
            let counts = self.shared.counter.close_until(to);
            self.slots(counts);
            self.shared.counter.resume(to)?;
            let at = self.at(to);
            self.merger.close_slots_until(at)?;
            self.merger.resume(at)?;
            Ok(())
        })();
        if let Err(e) = result {
            tracing::error!(error = %e, "handling a suspend failed");
        }
        self.take_activities();
        self.idle.reset(to);
        self.next_poll = to;
        self.next_shot = self.next_shot.map(|_| self.schedule.next_after(to));
        self.next_boundary = slot_start(to, self.shared.config.slot_seconds)
            .add_millis(i64::from(self.shared.config.slot_seconds) * 1000);
        self.emit(TrackerEvent::Suspended { from, to });
    }

    fn poll_window(&mut self, now: Timestamp) {
        while self.next_poll <= now {
            self.next_poll = self.next_poll.add_millis(POLL_MILLIS);
        }
        let Some(source) = self.sources.windows.as_mut() else {
            return;
        };
        match source.active_window() {
            Ok(Some(w)) => {
                if let Err(e) = self.window(now, w.application, w.title, w.url) {
                    tracing::warn!(error = %e, "window sample refused");
                }
            }
            Ok(None) => {}
            Err(e) => self.emit(TrackerEvent::CaptureFailed {
                source: SourceKind::Windows,
                reason: e.to_string(),
            }),
        }
    }

    fn request_capture(&mut self, due: Timestamp) {
        let Some((tx, _)) = &self.capture else {
            return;
        };
        let job = Job {
            context: self.context.clone(),
        };
        if let Err(TrySendError::Full(_)) = tx.try_send(job) {
            self.emit(TrackerEvent::CaptureFailed {
                source: SourceKind::Screens,
                reason: format!(
                    "the screenshot due at {due} was skipped: the previous capture was still running"
                ),
            });
        }
    }

    fn close_slots(&mut self, now: Timestamp) {
        let counts = self.shared.counter.close_until(now);
        self.slots(counts);
        let at = self.at(now);
        if let Err(e) = self.merger.close_slots_until(at) {
            tracing::error!(error = %e, "closing activity slots failed");
        }
        self.take_activities();
        let l = i64::from(self.shared.config.slot_seconds) * 1000;
        self.next_boundary = slot_start(now, self.shared.config.slot_seconds).add_millis(l);
    }

    fn slots(&mut self, counts: Vec<SlotCounts>) {
        for c in counts {
            self.pending.push(Write::Slot(Box::new(SlotRow {
                counts: c,
                context: self.context.clone(),
            })));
        }
    }

    fn take_activities(&mut self) {
        for r in self.merger.take_records() {
            self.pending.push(Write::Activity(Box::new(r)));
        }
    }

    /// Commits the writes gathered so far in one transaction, then reports them.
    fn commit(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let writes = std::mem::take(&mut self.pending);
        if let Err(e) = self.shared.records.write(writes.clone()) {
            tracing::error!(error = %e, "writing slots and activities failed");
            return;
        }
        let expected = self.shared.config.expected_events_per_slot();
        for w in writes {
            match w {
                Write::Slot(row) => self.emit(TrackerEvent::SlotClosed {
                    metrics: row.counts.metrics(expected),
                    context: row.context,
                }),
                Write::Activity(r) => self.emit(TrackerEvent::ActivityRecorded(r)),
                _ => {}
            }
        }
    }

    fn stop(&mut self) -> Result<(), Error> {
        let now = self.shared.clock.now();
        let mut result = Ok(());
        match self.shared.counter.stop(now) {
            Ok(counts) => self.slots(counts),
            Err(e) => result = Err(e.into()),
        }
        let at = self.at(now);
        if let Err(e) = self.merger.flush(at) {
            result = result.and(Err(e.into()));
        }
        self.take_activities();
        self.commit();
        if let Some(input) = self.sources.input.as_mut() {
            input.stop();
        }
        // Wait for a capture in progress; its screenshot reaches the outbox.
        if let Some((tx, thread)) = self.capture.take() {
            drop(tx);
            match thread.join() {
                Ok(screens) => self.sources.screens = Some(screens),
                Err(_) => result = result.and(Err(RuntimeError::ThreadDied("capture").into())),
            }
        }
        if let Some(u) = self.uploader.take() {
            u.stop.notify_one();
            if u.thread.join().is_err() {
                result = result.and(Err(RuntimeError::ThreadDied("upload").into()));
            }
        }
        self.emit(TrackerEvent::Stopped { at: now });
        result
    }
}

fn new_id() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

fn capture_loop(
    shared: &Shared,
    mut screens: Box<dyn ScreenSource>,
    jobs: &mpsc::Receiver<Job>,
    wake: &Notify,
) -> Box<dyn ScreenSource> {
    let options = PipelineOptions::from_config(&shared.config);
    for job in jobs {
        capture_once(shared, screens.as_mut(), &job, &options, wake);
    }
    screens
}

fn capture_failed(shared: &Shared, reason: String) {
    shared.events.emit(TrackerEvent::CaptureFailed {
        source: SourceKind::Screens,
        reason,
    });
}

fn capture_once(
    shared: &Shared,
    screens: &mut dyn ScreenSource,
    job: &Job,
    options: &PipelineOptions,
    wake: &Notify,
) {
    let all = shared.config.track_all_displays;
    let monitors = match screens.monitors() {
        Ok(m) if m.is_empty() => return capture_failed(shared, "no monitor found".into()),
        Ok(m) => m,
        Err(e) => return capture_failed(shared, e.to_string()),
    };
    let pointer = if all {
        None
    } else {
        screens.pointer().unwrap_or(None)
    };
    for monitor in select_monitors(&monitors, all, pointer) {
        let t0 = Instant::now();
        let taken_at = shared.clock.now();
        let frame = match screens.capture(&monitor) {
            Ok(f) => f,
            Err(e) => {
                capture_failed(shared, e.to_string());
                continue;
            }
        };
        let t1 = Instant::now();
        let processed = media::process(&frame.as_frame(), options);
        // With blur on, the original pixels go no further than this.
        drop(frame);
        let processed = match processed {
            Ok(p) => p,
            Err(e) => {
                capture_failed(shared, format!("processing the screenshot failed: {e}"));
                continue;
            }
        };
        let t2 = Instant::now();
        let id = new_id();
        let slot = slot_start(taken_at, shared.config.slot_seconds);
        let employee = job.context.employee.as_deref().unwrap_or("unassigned");
        let keys = match screenshot_keys(slot, employee, &id, processed.format) {
            Ok(k) => k,
            Err(e) => {
                capture_failed(shared, format!("no storage key for the screenshot: {e}"));
                continue;
            }
        };
        let row = ScreenshotRow {
            id: id.clone(),
            slot_start: slot,
            taken_at,
            monitor: monitor.name.clone(),
            geometry: (
                monitor.x,
                monitor.y,
                processed.full.width,
                processed.full.height,
            ),
            blurred: processed.blurred,
            format: processed.format.extension().to_string(),
            full_key: keys.full.clone(),
            thumb_key: keys.thumbnail.clone(),
            full_bytes: processed.full.bytes.len() as u64,
            thumb_bytes: processed.thumbnail.bytes.len() as u64,
            sha256: processed.full.sha256_hex(),
            thumb_sha256: processed.thumbnail.sha256_hex(),
            provider: shared.storage.provider().to_string(),
            uploaded: false,
            context: job.context.clone(),
        };
        if let Err(e) =
            shared
                .outbox
                .enqueue(&row, &processed.full.bytes, &processed.thumbnail.bytes)
        {
            capture_failed(shared, format!("queueing the screenshot failed: {e}"));
            continue;
        }
        let t3 = Instant::now();
        wake.notify_one();
        shared
            .events
            .emit(TrackerEvent::ScreenshotTaken(Box::new(ScreenshotTaken {
                id,
                taken_at,
                slot_start: slot,
                monitor,
                blurred: row.blurred,
                full_key: row.full_key,
                thumb_key: row.thumb_key,
                full_bytes: row.full_bytes,
                sha256: row.sha256,
                capture_millis: millis(t1 - t0),
                process_millis: millis(t2 - t1),
                enqueue_millis: millis(t3 - t2),
            })));
    }
}

fn upload_loop(shared: &Shared, wake: &Notify, stop: &Notify) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the upload runtime; uploads wait for the next start");
            return;
        }
    };
    rt.block_on(async {
        loop {
            drain_and_report(shared).await;
            // Something waiting (a retry not yet due): look again soon. Nothing: sleep until
            // a capture wakes us.
            let busy = shared.outbox.pending().is_ok_and(|p| p.count > 0);
            let delay = Duration::from_secs(if busy { 1 } else { 60 });
            tokio::select! {
                // `stop` comes after the capture thread has ended: one last pass delivers what
                // it enqueued (retries keep their backoff), bounded so that an unreachable
                // storage cannot hold `stop` up; what is left waits in the outbox.
                _ = stop.notified() => {
                    let last = drain_and_report(shared);
                    if tokio::time::timeout(shared.stop_flush, last).await.is_err() {
                        tracing::warn!(
                            pending = shared.outbox.pending().map(|p| p.count).unwrap_or(0),
                            "uploads not finished at stop wait in the outbox for the next start"
                        );
                    }
                    return;
                }
                _ = wake.notified() => {}
                _ = tokio::time::sleep(delay) => {}
            }
        }
    });
}

/// One outbox pass, reported as events.
async fn drain_and_report(shared: &Shared) {
    match shared.outbox.drain_once(shared.storage.as_ref()).await {
        Ok(report) => {
            for id in report.stored {
                shared.events.emit(TrackerEvent::ScreenshotStored { id });
            }
            for r in report.retrying {
                shared.events.emit(TrackerEvent::UploadRetrying {
                    screenshot_id: r.screenshot_id,
                    key: r.key,
                    attempts: r.attempts,
                    next_attempt: r.next_attempt,
                    error: r.error,
                });
            }
        }
        Err(e) => tracing::error!(error = %e, "outbox drain failed"),
    }
}
