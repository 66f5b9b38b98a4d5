//! Idle decisions, Clockify's own example driven by a fake clock: 60 minutes of work, 30
//! minutes away, a 15-minute threshold. Discard leaves 60 minutes tracked and nothing idle;
//! keep leaves 90 with 30 kept idle; reassign moves exactly 30 minutes to project B; the
//! screenshot taken at minute 70 is gone from SQLite and from the S3 server after a discard;
//! an unanswered prompt discards and pauses. Real parts: SQLite, moto_server on 127.0.0.1.
#![cfg(not(windows))] // starts moto_server itself

mod common;
#[path = "common/embed.rs"]
mod embed;
#[path = "common/rollups.rs"]
mod rollups;
#[path = "common/s3.rs"]
mod s3;

use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use activity_core::capture::SourceKind;
use activity_core::clock::Timestamp;
use activity_core::model::score::InputEvent;
use activity_core::runtime::{MissingSources, Query, ReportRequest, TrackerEvent, Viewer};
use activity_core::storage::Backoff;
use activity_core::{
    Clock, Config, ErrorKind, IdleAnswer, IdleDecidedBy, IdleResolution, ManualClock, Tracker,
};

/// 2026-11-30T08:00:00Z, a slot boundary.
const T0: i64 = 1_796_025_600_000;
const MIN: i64 = 60_000;

fn at(minutes_ms: i64) -> Timestamp {
    Timestamp::from_millis(T0 + minutes_ms)
}

struct Run {
    tracker: Tracker,
    clock: Arc<ManualClock>,
    events: Receiver<TrackerEvent>,
    dir: std::path::PathBuf,
    seen: Vec<TrackerEvent>,
    moto: Option<s3::Moto>,
}

impl Run {
    /// Starts tracking for ana on project A at T0, with screenshots every 10 minutes (a
    /// gradient screen) stored at the S3 server when `with_s3`.
    fn start(name: &str, policy: &str, with_s3: bool) -> Run {
        let clock = Arc::new(ManualClock::new(at(0)));
        let dir = embed::data_dir(&format!("idle-{name}"));
        let config = Config::from_json_str(&format!(
            r#"{{"screenshot_frequency": 10, "idle_after": "5m", "heartbeat_timeout": "25s",
                "idle_policy": {policy}}}"#
        ))
        .unwrap();
        let mut b = Tracker::builder(config)
            .data_dir(&dir)
            .clock(clock.clone())
            .screen_source(Box::new(embed::Gradient))
            .without_source(SourceKind::Input)
            .without_source(SourceKind::Windows)
            .missing_sources(MissingSources::RunAvailable)
            .upload_backoff(Backoff {
                initial: Duration::from_millis(200),
                max: Duration::from_millis(400),
                jitter: 0.0,
            });
        let moto = with_s3.then(|| {
            let moto = s3::Moto::start();
            moto.create_bucket("shots");
            b = std::mem::replace(&mut b, Tracker::builder(Config::default()))
                .storage(Arc::new(s3::s3_store(&moto.endpoint)));
            moto
        });
        let events = b.event_channel();
        let tracker = b.build().unwrap();
        tracker.set_context(Some("ana"), Some("A"), None).unwrap();
        tracker.start().unwrap();
        tracker.record_window("Editor", "main.rs").unwrap();
        Run {
            tracker,
            clock,
            events,
            dir,
            seen: Vec::new(),
            moto,
        }
    }

    /// Moves the fake clock to `t` in steps of 20 s (window samples within the 25-s heartbeat,
    /// steps below the 30-s gap that counts as a suspend), each seen by the control thread (two
    /// round trips: a command is answered before the turn of the loop that follows it), with
    /// input on every step when `working`.
    fn advance_to(&mut self, t: i64, working: bool) {
        let mut now = self.clock.now().as_millis() - T0;
        while now < t {
            now = (now + 20_000).min(t);
            self.clock.set(at(now));
            if working {
                self.tracker.record_input(InputEvent::KeyPress);
            }
            for _ in 0..2 {
                self.tracker.record_window("Editor", "main.rs").unwrap();
            }
        }
        self.drain();
    }

    fn drain(&mut self) {
        self.seen.extend(self.events.try_iter());
    }

    /// Waits (real time) for an event `pick` accepts, keeping every event seen.
    fn wait<T>(&mut self, secs: u64, mut pick: impl FnMut(&TrackerEvent) -> Option<T>) -> T {
        if let Some(t) = self.seen.iter().find_map(&mut pick) {
            return t;
        }
        let end = std::time::Instant::now() + Duration::from_secs(secs);
        while let Some(left) = end.checked_duration_since(std::time::Instant::now()) {
            if let Ok(e) = self.events.recv_timeout(left) {
                let hit = pick(&e);
                self.seen.push(e);
                if let Some(t) = hit {
                    return t;
                }
            }
        }
        panic!("event not seen in {secs} s; seen: {:#?}", self.seen);
    }

    /// 60 minutes of work, then 30 away, then the user is back: returns the period's id.
    fn clockify_example(&mut self) -> u64 {
        self.advance_to(60 * MIN, true);
        self.advance_to(90 * MIN, false);
        self.clock.set(at(90 * MIN));
        self.tracker.record_input(InputEvent::KeyPress);
        self.tracker.record_window("Editor", "main.rs").unwrap();
        self.tracker.record_window("Editor", "main.rs").unwrap();
        let detected = self.wait(5, |e| match e {
            TrackerEvent::IdleDetected {
                id,
                since,
                until_now,
            } => Some((*id, *since, *until_now)),
            _ => None,
        });
        assert_eq!(detected.1, at(60 * MIN), "since = the last input");
        assert_eq!(detected.2, at(75 * MIN), "detected at since + threshold");
        let returned = self.wait(5, |e| match e {
            TrackerEvent::IdleReturned { id, since, until } => Some((*id, *since, *until)),
            _ => None,
        });
        assert_eq!(returned, (detected.0, at(60 * MIN), at(90 * MIN)));
        detected.0
    }

    fn report(&self) -> activity_core::model::report::Report {
        self.tracker
            .report(
                &Viewer::Manager {
                    id: "boss".into(),
                    team: vec!["ana".into()],
                },
                &ReportRequest::day("2026-11-30", "UTC"),
            )
            .unwrap()
    }

    /// Seconds per project in the report (the projects list).
    fn project_seconds(&self) -> Vec<(Option<String>, u64)> {
        let mut p: Vec<_> = self
            .report()
            .projects
            .into_iter()
            .map(|p| (p.project, p.tracked_seconds))
            .collect();
        p.sort();
        p
    }

    /// Application seconds per project, from the activity rows.
    fn editor_seconds(&self) -> Vec<(Option<String>, i64)> {
        let mut by: std::collections::BTreeMap<Option<String>, i64> = Default::default();
        for a in self
            .tracker
            .activities(&Viewer::employee("ana"), &Query::default())
            .unwrap()
        {
            *by.entry(a.context.project.clone()).or_default() += a.duration_millis;
        }
        by.into_iter().map(|(p, ms)| (p, ms / 1000)).collect()
    }

    fn finish(self) {
        let _ = self.tracker.stop();
        rollups::assert_rollups_match(&self.dir.join("activity.sqlite"));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn resolved(e: &TrackerEvent) -> Option<IdleResolution> {
    match e {
        TrackerEvent::IdleResolved(r) => Some((**r).clone()),
        _ => None,
    }
}

/// The keys in the bucket (ListObjectsV2, path style).
fn bucket_keys(endpoint: &str) -> String {
    let (status, body) = s3::http(endpoint, "GET", "/shots?list-type=2", &[]).unwrap();
    assert_eq!(status, 200);
    String::from_utf8_lossy(&body).into_owned()
}

#[test]
fn discard_leaves_60_minutes_and_deletes_the_screenshot_of_minute_70_everywhere() {
    let mut run = Run::start("discard", r#"{"threshold": "15m"}"#, true);
    run.advance_to(60 * MIN, true);
    run.advance_to(71 * MIN, false);
    // The screenshot of minute 70 reached the S3 server before the decision.
    let shot = run.wait(10, |e| match e {
        TrackerEvent::ScreenshotTaken(s) if s.taken_at >= at(70 * MIN) => Some((**s).clone()),
        _ => None,
    });
    run.wait(30, |e| match e {
        TrackerEvent::ScreenshotStored { id } if *id == shot.id => Some(()),
        _ => None,
    });
    let endpoint = run.moto.as_ref().unwrap().endpoint.clone();
    assert!(bucket_keys(&endpoint).contains(&shot.full_key));
    let id = run.clockify_example();
    let r = run.tracker.resolve_idle(id, IdleAnswer::Discard).unwrap();
    assert_eq!((r.since, r.until), (at(60 * MIN), at(90 * MIN)));
    assert!(r.paused, "discard stops the timer");
    assert!(r.screenshots_deleted.contains(&shot.id), "{r:?}");
    assert!(
        run.tracker
            .screenshot(&Viewer::employee("ana"), &shot.id)
            .is_err()
    );
    // At the provider: both objects deleted, confirmed.
    for key in [&shot.full_key, &shot.thumb_key] {
        run.wait(30, |e| match e {
            TrackerEvent::RemoteDeleteConfirmed { key: k, .. } if k == key => Some(()),
            _ => None,
        });
    }
    let listing = bucket_keys(&endpoint);
    assert!(!listing.contains(&shot.full_key) && !listing.contains(&shot.thumb_key));
    // Screenshots of the working hour are still there, here and there.
    let kept = run
        .tracker
        .screenshots(&Viewer::employee("ana"), &Query::default())
        .unwrap();
    assert!(
        kept.iter()
            .all(|s| s.taken_at < at(60 * MIN) || s.taken_at >= at(90 * MIN))
    );
    assert!(kept.iter().any(|s| s.taken_at < at(60 * MIN)), "{kept:?}");
    run.wait(5, |e| {
        matches!(e, TrackerEvent::Paused { .. }).then_some(())
    });
    let report = run.report();
    assert_eq!(report.totals.tracked_seconds, 3600);
    assert_eq!(report.totals.idle_kept_seconds, 0);
    assert_eq!(run.editor_seconds(), [(Some("A".into()), 3600)]);
    // Answering again: the same answer is fine, another one is refused, an unknown id too.
    let again = run.tracker.resolve_idle(id, IdleAnswer::Discard).unwrap();
    assert_eq!((again.since, again.until), (r.since, r.until));
    let e = run.tracker.resolve_idle(id, IdleAnswer::Keep).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    assert!(e.to_string().contains("already decided as discard"), "{e}");
    let e = run
        .tracker
        .resolve_idle(id + 1, IdleAnswer::Keep)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    run.finish();
}

#[test]
fn keep_leaves_90_minutes_with_30_kept_idle() {
    let mut run = Run::start("keep", r#"{"threshold": "15m"}"#, false);
    let id = run.clockify_example();
    let r = run.tracker.resolve_idle(id, IdleAnswer::Keep).unwrap();
    assert!(!r.paused);
    assert_eq!(r.decided_by, IdleDecidedBy::Embedder);
    run.tracker.stop().unwrap();
    let report = run.report();
    assert_eq!(report.totals.tracked_seconds, 5400);
    assert_eq!(report.totals.idle_kept_seconds, 1800);
    // Application time stopped at idle_after (5 minutes after the last input), as before.
    assert_eq!(run.editor_seconds(), [(Some("A".into()), 3900)]);
    let periods = run
        .tracker
        .idle_periods(&Viewer::employee("ana"), &Query::default())
        .unwrap();
    assert_eq!(periods.len(), 1);
    assert_eq!(periods[0].answer, IdleAnswer::Keep);
    run.finish();
}

#[test]
fn reassign_moves_exactly_the_30_minutes_to_project_b() {
    let mut run = Run::start("reassign", r#"{"threshold": "15m"}"#, false);
    let id = run.clockify_example();
    let answer = IdleAnswer::Reassign {
        project: "B".into(),
    };
    run.tracker.resolve_idle(id, answer.clone()).unwrap();
    run.tracker.stop().unwrap();
    assert_eq!(
        run.project_seconds(),
        [(Some("A".into()), 3600), (Some("B".into()), 1800)]
    );
    assert_eq!(
        run.editor_seconds(),
        [(Some("A".into()), 3600), (Some("B".into()), 300)]
    );
    assert_eq!(run.report().totals.tracked_seconds, 5400);
    // Idempotent after the run too (read from the record store).
    run.tracker.resolve_idle(id, answer).unwrap();
    run.finish();
}

#[test]
fn add_as_new_entry_moves_the_time_and_keeps_the_note() {
    let mut run = Run::start("entry", r#"{"threshold": "15m"}"#, false);
    let id = run.clockify_example();
    let answer = IdleAnswer::AddAsNewEntry {
        project: "Meetings".into(),
        note: Some("call with a client".into()),
    };
    run.tracker.resolve_idle(id, answer.clone()).unwrap();
    run.tracker.stop().unwrap();
    assert_eq!(
        run.project_seconds(),
        [(Some("A".into()), 3600), (Some("Meetings".into()), 1800)]
    );
    let periods = run
        .tracker
        .idle_periods(&Viewer::employee("ana"), &Query::default())
        .unwrap();
    assert_eq!(periods[0].answer, answer);
    run.finish();
}

#[test]
fn an_unanswered_prompt_is_discarded_and_pauses_after_the_proof_timeout() {
    let mut run = Run::start(
        "timeout",
        r#"{"threshold": "15m", "proof_timeout": 60}"#,
        false,
    );
    run.clockify_example();
    // 40 s after the return: still waiting.
    run.advance_to(90 * MIN + 40_000, true);
    assert!(run.seen.iter().find_map(resolved).is_none());
    run.advance_to(90 * MIN + 60_000, true);
    let r = run.wait(5, resolved);
    assert_eq!(r.decided_by, IdleDecidedBy::Timeout);
    assert_eq!(r.answer, IdleAnswer::Discard);
    assert!(r.paused);
    // Paused at the first turn of the tracker's loop past the deadline (the fake clock moves
    // in 4-s steps), and the timer stopped where the user left: tracked 60 minutes.
    assert!(
        r.until >= at(90 * MIN + 60_000) && r.until < at(90 * MIN + 64_000),
        "{r:?}"
    );
    run.wait(5, |e| {
        matches!(e, TrackerEvent::Paused { .. }).then_some(())
    });
    run.tracker.stop().unwrap();
    assert_eq!(run.report().totals.tracked_seconds, 3600);
    run.finish();
}

#[test]
fn always_discard_applies_at_the_return_and_tracking_goes_on() {
    let mut run = Run::start(
        "always",
        r#"{"threshold": "15m", "decision": "always_discard"}"#,
        false,
    );
    run.clockify_example();
    let r = run.wait(5, resolved);
    assert_eq!(r.decided_by, IdleDecidedBy::Policy);
    assert_eq!(r.answer, IdleAnswer::DiscardAndContinue);
    assert!(!r.paused);
    run.advance_to(100 * MIN, true);
    run.tracker.stop().unwrap();
    assert_eq!(run.report().totals.tracked_seconds, 3600 + 600);
    run.finish();
}

#[test]
fn the_policy_changes_while_running_and_bad_policies_are_named() {
    let mut run = Run::start("policy", "null", false);
    run.advance_to(30 * MIN, true);
    assert!(
        run.seen
            .iter()
            .all(|e| !matches!(e, TrackerEvent::IdleDetected { .. }))
    );
    let bad = activity_core::IdlePolicy {
        threshold: activity_core::model::config::Seconds(0),
        ..Default::default()
    };
    let e = run.tracker.set_idle_policy(Some(bad)).unwrap_err();
    assert!(e.to_string().contains("idle_policy.threshold"), "{e}");
    let keep = activity_core::IdlePolicy {
        threshold: activity_core::model::config::Seconds(120),
        decision: activity_core::IdleDecision::AlwaysKeep,
        ..Default::default()
    };
    run.tracker.set_idle_policy(Some(keep)).unwrap();
    run.advance_to(33 * MIN, false);
    run.wait(5, |e| {
        matches!(e, TrackerEvent::IdleDetected { .. }).then_some(())
    });
    run.clock.set(at(33 * MIN));
    run.tracker.record_input(InputEvent::KeyPress);
    run.advance_to(34 * MIN, true);
    let r = run.wait(5, resolved);
    assert_eq!(r.answer, IdleAnswer::Keep);
    run.finish();
}
