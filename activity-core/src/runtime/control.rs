//! The control thread: the activity merger, idle detection, slot boundaries, the screenshot
//! schedule and checkpoints. It owns the run: it starts the capture thread and the uploader and
//! stops them. One commit of the record store per turn of its loop.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError, TrySendError};
use std::time::Duration;

use super::SUSPEND_GAP_MILLIS;
use super::capture::{CaptureThread, Job, capture_loop};
use super::events::TrackerEvent;
use super::shared::{Cmd, Shared, Sources, spawn_named};
use super::upload::Uploader;
use crate::capture::{InputSink, SourceKind};
use crate::clock::Timestamp;
use crate::error::{Error, RuntimeError};
use crate::model::activity::{ActivityMerger, UrlSample, WindowSample, WorkContext};
use crate::model::idle::{
    IdleAnswer, IdleDecidedBy, IdleDecision, IdleDetector, IdlePeriod, IdlePolicy, IdleResolution,
    IdleTransition,
};
use crate::model::schedule::ScreenshotSchedule;
use crate::model::score::SlotCounts;
use crate::model::slot::slot_start;
use crate::storage::records::{SlotRow, Write};

/// The control thread's handle: it hands the sources and the context back when it ends.
pub(crate) type ControlThread = std::thread::JoinHandle<(Sources, WorkContext)>;

/// How often the active window is polled.
const POLL_MILLIS: i64 = 1_000;

/// Starts the threads of a run. Returns the command channel and the control thread, which hands
/// the sources and context back when it ends.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    mut sources: Sources,
    context: WorkContext,
) -> Result<(mpsc::Sender<Cmd>, ControlThread), Error> {
    let now = shared.now();
    let schedule = ScreenshotSchedule::from_config(&shared.config, shared.seed)?;
    let mut merger = ActivityMerger::from_config(&shared.config)?;
    merger.set_context(now, context.clone())?;
    let uploader = Uploader::start(&shared)?;
    let exporter = super::export::Exporter::start(&shared)?;
    shared.counter.start(now)?;
    shared.running.store(true, Ordering::Release);
    // A run purges at its first turn (when a retention policy is set), then daily.
    shared.next_purge.store(i64::MIN, Ordering::Release);
    shared.paused.store(false, Ordering::Release);
    shared.emit(TrackerEvent::Started { at: now });
    for (kind, reason) in &shared.unavailable {
        shared.emit(TrackerEvent::CaptureFailed {
            source: *kind,
            reason: format!("left out: {reason}"),
        });
    }

    let mut input_running = false;
    // Input that is not observed (`track_input` off) or only presence (the configuration says
    // so, or the source is a Wayland idle one) leaves the slots' counts unknown, not zero.
    shared
        .counter
        .set_counts_events(shared.config.count_input_events && shared.config.track_input);
    if shared.config.track_input
        && let Some(input) = sources.input.as_mut()
    {
        let s = shared.clone();
        let counts =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| input.counts_events()))
                .unwrap_or(true);
        shared
            .counter
            .set_counts_events(shared.config.count_input_events && counts);
        let sink = InputSink::new(move |e| {
            if s.consented.input.load(Ordering::Relaxed) {
                s.counter.record(e, s.clock.now());
            }
        });
        // A panic in a custom source's start is a failed source, never a panic out of `start`.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| input.start(sink))) {
            Ok(Ok(())) => input_running = true,
            Ok(Err(e)) => shared.emit(TrackerEvent::CaptureFailed {
                source: SourceKind::Input,
                reason: e.to_string(),
            }),
            Err(panic) => shared.emit(TrackerEvent::CaptureFailed {
                source: SourceKind::Input,
                reason: format!(
                    "the input source panicked at start: {}",
                    super::panic_message(&*panic)
                ),
            }),
        }
    }

    // The capture thread runs whenever there is a screen source: the switches may turn
    // screenshots on while tracking runs.
    let capture = match sources.screens.take() {
        Some(screens) => {
            let (tx, rx) = mpsc::sync_channel::<Job>(1);
            let (s, wake) = (shared.clone(), uploader.wake.clone());
            let thread = spawn_named("capture", move || capture_loop(&s, screens, &rx, &wake))?;
            Some((tx, thread))
        }
        None => None,
    };

    let (tx, rx) = mpsc::channel();
    let shared_for_ids = shared.clone();
    let idle_after = shared.config.idle_after.as_millis();
    let next_checkpoint = now.add_millis(shared.checkpoint_millis);
    let mut control = Control {
        next_shot: capture.is_some().then(|| schedule.next_after(now)),
        next_boundary: slot_start(now, shared.config.slot_seconds)
            .add_millis(i64::from(shared.config.slot_seconds) * 1000),
        shared,
        merger,
        idle: IdleDetector::new(idle_after, now),
        idle_policy: None,
        away: None,
        open_idle: None,
        input_running,
        schedule,
        sources,
        capture,
        uploader: Some(uploader),
        exporter: Some(exporter),
        context,
        paused: false,
        last_tick: now,
        latest: now,
        next_poll: now,
        next_checkpoint,
        pending: Vec::new(),
        failing: false,
        windows_failed: false,
    };
    control.set_idle_policy(now, control.shared.config.idle_policy.clone());
    let capture_id = control.capture.as_ref().map(|(_, t)| t.thread().id());
    let thread = spawn_named("control", move || {
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| control.run(&rx)));
        if let Err(panic) = run {
            // A clean stop after all: what the run counted is stored, the capture thread and
            // the uploader end, the sources go back to the tracker.
            let message = super::panic_message(&*panic);
            tracing::error!(%message, "the tracker's control thread panicked; stopping");
            control.emit(TrackerEvent::ThreadPanicked {
                thread: "control".into(),
                message,
            });
            let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| control.stop()));
            if stopped.is_err() {
                control.shared.running.store(false, Ordering::Release);
            }
        }
        (control.sources, control.context)
    })?;
    {
        let mut own = crate::util::lock(&shared_for_ids.own_threads);
        own.clear();
        own.push(thread.thread().id());
        own.extend(capture_id);
    }
    Ok((tx, thread))
}

/// An idle period of the policy, detected and not decided yet.
struct OpenIdle {
    id: u64,
    since: Timestamp,
    /// When input came back (`None`: the user is still away).
    returned: Option<Timestamp>,
    /// Whose time it is (the context's employee when it was detected).
    employee: Option<String>,
}

struct Control {
    shared: Arc<Shared>,
    merger: ActivityMerger,
    idle: IdleDetector,
    /// The idle policy in force (`Config::idle_policy`, or set while running).
    idle_policy: Option<IdlePolicy>,
    /// The policy's detector (threshold = the policy's).
    away: Option<IdleDetector>,
    open_idle: Option<OpenIdle>,
    input_running: bool,
    schedule: ScreenshotSchedule,
    sources: Sources,
    capture: Option<CaptureThread>,
    uploader: Option<Uploader>,
    /// The scheduled dataset export (idle while no dataset is set).
    exporter: Option<super::export::Exporter>,
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
    /// Writes not yet committed: gathered during one turn of the loop, or kept after a failed
    /// commit until the record store takes them.
    pending: Vec<Write>,
    /// The last commit failed (reported once per streak).
    failing: bool,
    /// The window source panicked this run.
    windows_failed: bool,
}

impl Control {
    fn run(&mut self, rx: &mpsc::Receiver<Cmd>) {
        loop {
            let now = self.shared.now();
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
            let now = self.shared.now();
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
            if self.sources.windows.is_some() && self.shared.applications_on() {
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
        self.shared.emit(e);
    }

    fn command(&mut self, cmd: Cmd) {
        let now = self.shared.now();
        let (result, ack) = match cmd {
            Cmd::Pause(ack) => (self.pause(now), ack),
            Cmd::Resume(ack) => (self.resume(now), ack),
            Cmd::SetContext(context, ack) => (self.set_context(now, context), ack),
            Cmd::Window {
                at,
                application,
                title,
                ack,
            } => (self.window(at, application, title), ack),
            Cmd::Url {
                at,
                application,
                title,
                url,
                ack,
            } => (self.url(at, application, title, url), ack),
            Cmd::ResolveIdle { id, answer, ack } => {
                let result = self.answer_idle(now, id, answer);
                self.commit();
                let _ = ack.send(result);
                return;
            }
            Cmd::SetIdlePolicy(policy, ack) => {
                self.set_idle_policy(now, policy);
                (Ok(()), ack)
            }
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
        self.away_ended(now);
        self.shared.paused.store(true, Ordering::Release);
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
        if let Some(away) = self.away.as_mut() {
            away.reset(now);
        }
        self.paused = false;
        self.shared.paused.store(false, Ordering::Release);
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

    /// A window sample: the application lane only.
    fn window(&mut self, at: Timestamp, application: String, title: String) -> Result<(), Error> {
        if self.paused || !self.shared.applications_on() {
            // Pause stops every kind of capture: nothing about windows is kept or published
            // (nor without consent to application records).
            return Ok(());
        }
        self.observe_idle(at);
        let at = self.at(at);
        let result = self.merger.window(&WindowSample {
            at,
            application,
            title,
        });
        self.take_activities();
        Ok(result?)
    }

    /// A URL sample: the website lane only (the browser window's application record comes from
    /// the window source, so the two lanes never fight over the application's title).
    fn url(
        &mut self,
        at: Timestamp,
        application: String,
        title: String,
        url: Option<String>,
    ) -> Result<(), Error> {
        if !self.shared.urls_on() || self.paused {
            // Paused: no URL is kept or published (the extension keeps sending samples).
            return Ok(());
        }
        self.observe_idle(at);
        let at = self.at(at);
        let before = self.merger.website();
        let result = self.merger.url(&UrlSample {
            at,
            application,
            title,
            url,
        });
        let after = self.merger.website();
        if after != before {
            let (url, domain) = after.unzip();
            self.emit(TrackerEvent::WebsiteChanged {
                at,
                url,
                domain: domain.flatten(),
            });
        }
        self.take_activities();
        Ok(result?)
    }

    fn idle_enabled(&self) -> bool {
        self.shared.config.track_input
            && (self.input_running || self.shared.counter.last_input().is_some())
    }

    fn observe_idle(&mut self, now: Timestamp) {
        self.observe_away(now);
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

    /// Puts a new idle policy in force, measuring quietness from now. A period already open
    /// keeps going and is decided under the new policy.
    fn set_idle_policy(&mut self, now: Timestamp, policy: Option<IdlePolicy>) {
        self.away = policy
            .as_ref()
            .map(|p| IdleDetector::new(p.threshold.as_millis(), now));
        self.idle_policy = policy;
    }

    /// The policy's detector: a period begins, or the user is back; the proof timeout.
    fn observe_away(&mut self, now: Timestamp) {
        if self.paused || !self.idle_enabled() {
            return;
        }
        let Some(policy) = self.idle_policy.clone() else {
            return;
        };
        if let Some(open) = &self.open_idle
            && let Some(back) = open.returned
            && now.millis_since(back) >= policy.proof_timeout.as_millis()
        {
            if let Err(e) = self.decide_idle(now, IdleAnswer::Discard, IdleDecidedBy::Timeout) {
                tracing::error!(error = %e, "discarding an unanswered idle period failed");
            }
            return;
        }
        let Some(away) = self.away.as_mut() else {
            return;
        };
        match away.observe(now, self.shared.counter.last_input()) {
            Some(IdleTransition::Started(_))
                if self
                    .open_idle
                    .as_ref()
                    .is_some_and(|o| o.returned.is_none()) =>
            {
                // (a new policy's detector finding the period already open)
            }
            Some(IdleTransition::Started(t)) => {
                if self
                    .open_idle
                    .as_ref()
                    .is_some_and(|o| o.returned.is_some())
                {
                    // Away again before the last period was answered: that one is decided as
                    // its timeout would decide it.
                    if let Err(e) =
                        self.decide_idle(now, IdleAnswer::Discard, IdleDecidedBy::Timeout)
                    {
                        tracing::error!(error = %e, "discarding an unanswered idle period failed");
                    }
                    if self.paused {
                        return;
                    }
                }
                let since = t.add_millis(-policy.threshold.as_millis());
                let id = since.as_millis().max(0) as u64;
                self.open_idle = Some(OpenIdle {
                    id,
                    since,
                    returned: None,
                    employee: self.context.employee.clone(),
                });
                self.emit(TrackerEvent::IdleDetected {
                    id,
                    since,
                    until_now: now,
                });
            }
            Some(IdleTransition::Ended(t)) => self.away_ended(t),
            None => {}
        }
    }

    /// The user is back at `at` (input, or tracking paused or suspended): the open period
    /// ends there; the policy decides it now, a prompt waits for its answer.
    fn away_ended(&mut self, at: Timestamp) {
        let Some(open) = self.open_idle.as_mut().filter(|o| o.returned.is_none()) else {
            return;
        };
        let at = at.max(open.since);
        open.returned = Some(at);
        let (id, since) = (open.id, open.since);
        if let Some(away) = self.away.as_mut() {
            away.reset(at);
        }
        self.emit(TrackerEvent::IdleReturned {
            id,
            since,
            until: at,
        });
        let answer = match self.idle_policy.as_ref().map(|p| p.decision) {
            Some(IdleDecision::AlwaysKeep) => IdleAnswer::Keep,
            Some(IdleDecision::AlwaysDiscard) => IdleAnswer::DiscardAndContinue,
            _ => return,
        };
        let now = self.shared.now();
        if let Err(e) = self.decide_idle(now, answer, IdleDecidedBy::Policy) {
            tracing::error!(error = %e, "applying the idle policy failed");
        }
    }

    /// The embedder's answer for period `id`.
    fn answer_idle(
        &mut self,
        now: Timestamp,
        id: u64,
        answer: IdleAnswer,
    ) -> Result<IdleResolution, Error> {
        if self.open_idle.as_ref().is_some_and(|o| o.id == id) {
            return self.decide_idle(now, answer, IdleDecidedBy::Embedder);
        }
        decided_before(&self.shared, id, &answer)
    }

    /// Applies `answer` to the open period: flushes what is counted so far to the record
    /// store, then removes or moves the period's seconds there (to the second), deletes the
    /// screenshots of a discarded period through the durable delete path, and records the
    /// decision.
    fn decide_idle(
        &mut self,
        now: Timestamp,
        answer: IdleAnswer,
        by: IdleDecidedBy,
    ) -> Result<IdleResolution, Error> {
        if let IdleAnswer::Reassign { project } | IdleAnswer::AddAsNewEntry { project, .. } =
            &answer
            && project.trim().is_empty()
        {
            return Err(RuntimeError::InvalidArgument(format!(
                "resolve_idle: {}: the project must not be empty",
                answer.name()
            ))
            .into());
        }
        let Some(open) = self.open_idle.take() else {
            return Err(RuntimeError::IdleUnknown(0).into());
        };
        // Answered while still away: the answer is the user's presence.
        let returned = open.returned.unwrap_or(now);
        let pauses = matches!(answer, IdleAnswer::Discard);
        if pauses
            && !self.paused
            && let Err(e) = self.pause(now)
        {
            self.open_idle = Some(open);
            return Err(e);
        }
        // Clockify's "Discard" stops the timer where the user left: the minutes between the
        // return and the answer go too.
        let until = if pauses { now.max(returned) } else { returned };
        if let Some(away) = self.away.as_mut() {
            away.reset(now);
        }
        // What is counted so far reaches the store first, so the edit sees every second.
        let flushed: Result<(), Error> = (|| {
            let counts = self.shared.counter.stop(now)?;
            self.slots(counts);
            self.shared.counter.start(now)?;
            if self.paused {
                self.shared.counter.pause(now)?;
            } else {
                let at = self.at(now);
                self.merger.set_context(at, self.context.clone())?;
            }
            Ok(())
        })();
        self.take_activities();
        self.commit();
        flushed?;
        let period = IdlePeriod {
            id: open.id,
            employee: open.employee.clone(),
            since: open.since,
            until,
            answer: answer.clone(),
            decided_by: by,
            decided_at: now,
        };
        self.shared
            .records
            .write(vec![Write::IdleDecision(Box::new(period))])?;
        let mut deleted = Vec::new();
        if answer.discards() {
            let filter = crate::storage::records::Filter {
                from: Some(open.since),
                to: Some(until),
                employees: Some(vec![open.employee.clone().unwrap_or_default()]),
                project: None,
            };
            let shots = self.shared.records.screenshots_where(&filter, now)?;
            for shot in shots {
                match self.shared.outbox.delete_screenshot(&shot) {
                    Ok(queued) => {
                        self.emit(TrackerEvent::ScreenshotDeleted {
                            id: shot.id.clone(),
                            remote_queued: queued,
                        });
                        deleted.push(shot.id);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, id = %shot.id, "deleting a screenshot of a discarded idle period failed")
                    }
                }
            }
            if let Some(u) = &self.uploader {
                u.wake.notify_one();
            }
        }
        let resolution = IdleResolution {
            id: open.id,
            since: open.since,
            until,
            answer,
            decided_by: by,
            paused: pauses,
            screenshots_deleted: deleted,
        };
        self.emit(TrackerEvent::IdleResolved(Box::new(resolution.clone())));
        Ok(resolution)
    }

    /// The retention policy's purge: at the first turn of a run, then daily.
    fn purge_when_due(&mut self, now: Timestamp) {
        let Some(policy) = crate::util::lock(&self.shared.retention).clone() else {
            return;
        };
        if now.as_millis() < self.shared.next_purge.load(Ordering::Acquire) {
            return;
        }
        self.shared.next_purge.store(
            now.as_millis() + super::retention::PURGE_EVERY_MILLIS,
            Ordering::Release,
        );
        match super::retention::purge_local(&self.shared, &policy, now) {
            Ok(report) => {
                if let Some(u) = &self.uploader {
                    u.wake.notify_one();
                }
                self.emit(TrackerEvent::Purged(Box::new(report)));
            }
            Err(e) => {
                tracing::error!(error = %e, "the retention purge failed; it is tried again in a day or at the next start");
            }
        }
    }

    fn tick(&mut self, now: Timestamp) {
        let gap = now.millis_since(self.last_tick);
        if gap > SUSPEND_GAP_MILLIS && !self.paused {
            self.suspended(self.last_tick, now);
        }
        self.last_tick = now;
        if !self.paused {
            self.observe_idle(now);
            if now >= self.next_poll && self.shared.applications_on() {
                self.poll_window(now);
            }
            if let Some(due) = self.next_shot.filter(|&d| now >= d) {
                // The model's gate decides (switches, pause); a capture due while it is closed
                // is skipped, not made up.
                if self.shared.gate().is_open() {
                    self.request_capture(due);
                }
                self.next_shot = Some(self.schedule.next_after(now));
            }
        }
        if now >= self.next_boundary {
            self.close_slots(now);
        }
        self.purge_when_due(now);
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
        self.away_ended(from);
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
        if let Some(away) = self.away.as_mut() {
            away.reset(to);
        }
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
        if self.windows_failed {
            return;
        }
        let Some(source) = self.sources.windows.as_mut() else {
            return;
        };
        let polled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| source.active_window()));
        let polled = match polled {
            Ok(p) => p,
            Err(panic) => {
                // Not polled again this run (it would panic every second); handed back at stop.
                self.windows_failed = true;
                self.emit(TrackerEvent::CaptureFailed {
                    source: SourceKind::Windows,
                    reason: format!(
                        "the window source panicked and is not polled again until the next start: {}",
                        super::panic_message(&*panic)
                    ),
                });
                return;
            }
        };
        match polled {
            Ok(Some(w)) => {
                let url = w.url.clone();
                let app = w.application.clone();
                let title = w.title.clone();
                if let Err(e) = self.window(now, w.application, w.title) {
                    tracing::warn!(error = %e, "window sample refused");
                }
                if url.is_some()
                    && let Err(e) = self.url(now, app, title, url)
                {
                    tracing::warn!(error = %e, "URL sample refused");
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
        match tx.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => self.emit(TrackerEvent::CaptureFailed {
                source: SourceKind::Screens,
                reason: format!(
                    "the screenshot due at {due} was skipped: the previous capture was still running"
                ),
            }),
            Err(TrySendError::Disconnected(_)) => self.emit(TrackerEvent::CaptureFailed {
                source: SourceKind::Screens,
                reason: format!(
                    "the screenshot due at {due} was skipped: the capture thread has ended"
                ),
            }),
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

    /// Commits what is pending in one transaction, then reports it. When the record store
    /// refuses, nothing is dropped: the writes are tried one by one (so one bad write cannot
    /// hold the others back), what still fails stays pending for the next turn, and the failure
    /// is reported once per streak.
    fn commit(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let writes = std::mem::take(&mut self.pending);
        let (written, failed, error) = match self.shared.records.write(writes.clone()) {
            Ok(()) => (writes, Vec::new(), None),
            Err(batch_error) => {
                let mut ok = Vec::new();
                let mut failed = Vec::new();
                let mut error = batch_error;
                for w in writes {
                    match self.shared.records.write(vec![w.clone()]) {
                        Ok(()) => ok.push(w),
                        Err(e) => {
                            error = e;
                            failed.push(w);
                        }
                    }
                }
                (ok, failed, Some(error))
            }
        };
        match error {
            Some(e) if !failed.is_empty() => {
                if !self.failing {
                    tracing::error!(error = %e, waiting = failed.len(), "writing slots and activities failed; kept and retried");
                    self.emit(TrackerEvent::RecordsWriteFailed {
                        error: e.to_string(),
                        waiting: failed.len() as u64,
                    });
                }
                self.failing = true;
            }
            _ if self.failing => {
                self.failing = false;
                self.emit(TrackerEvent::RecordsWriteRecovered {
                    written: written.len() as u64,
                });
            }
            _ => {}
        }
        self.pending = failed;
        let expected = self.shared.config.expected_events_per_slot();
        for w in written {
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
        let now = self.shared.now();
        let mut result = Ok(());
        if self.open_idle.is_some() {
            // Undecided at stop: decided as the policy would, a prompt as its timeout would
            // (discarded; tracking ends anyway).
            self.away_ended(now);
            if self.open_idle.is_some() {
                let answer = match self.idle_policy.as_ref().map(|p| p.decision) {
                    Some(IdleDecision::AlwaysKeep) => IdleAnswer::Keep,
                    _ => IdleAnswer::DiscardAndContinue,
                };
                if let Err(e) = self.decide_idle(now, answer, IdleDecidedBy::Stop) {
                    tracing::error!(error = %e, "deciding the open idle period at stop failed");
                }
            }
        }
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
        if !self.pending.is_empty() {
            // The record store still refuses: say so rather than drop them silently.
            result = result.and(Err(RuntimeError::Cancelled(format!(
                "{} slot and activity writes could not be stored at stop (the record store refused them)",
                self.pending.len()
            ))
            .into()));
        }
        if let Some(input) = self.sources.input.as_mut()
            && let Err(panic) =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| input.stop()))
        {
            self.emit(TrackerEvent::CaptureFailed {
                source: SourceKind::Input,
                reason: format!(
                    "the input source panicked at stop: {}",
                    super::panic_message(&*panic)
                ),
            });
        }
        self.shared.running.store(false, Ordering::Release);
        // Wait for a capture in progress; its screenshot reaches the outbox.
        if let Some((tx, thread)) = self.capture.take() {
            drop(tx);
            match thread.join() {
                Ok(screens) => self.sources.screens = Some(screens),
                Err(_) => result = result.and(Err(RuntimeError::ThreadDied("capture").into())),
            }
        }
        if let Some(x) = self.exporter.take() {
            x.stop();
        }
        if let Some(u) = self.uploader.take() {
            u.stop();
        }
        self.emit(TrackerEvent::Stopped { at: now });
        result
    }
}

/// The answer for a period no longer open: the decision recorded for it when `answer` is the
/// same (answering twice is fine), an error when it differs or no period has this id.
pub(crate) fn decided_before(
    shared: &Shared,
    id: u64,
    answer: &IdleAnswer,
) -> Result<IdleResolution, Error> {
    let recorded = shared
        .records
        .idle_periods(&crate::storage::records::Filter::default())?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(RuntimeError::IdleUnknown(id))?;
    if &recorded.answer != answer {
        return Err(RuntimeError::IdleDecided {
            id,
            decided: recorded.answer.name().into(),
            asked: answer.name().into(),
        }
        .into());
    }
    Ok(IdleResolution {
        id,
        since: recorded.since,
        until: recorded.until,
        paused: matches!(recorded.answer, IdleAnswer::Discard),
        answer: recorded.answer,
        decided_by: recorded.decided_by,
        screenshots_deleted: Vec::new(),
    })
}
