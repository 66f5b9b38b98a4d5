//! Without a display: `capabilities()` says so clearly, and the tracker refuses or runs the parts
//! it can, as configured. (Each test sets its own environment; nextest runs each test in its own
//! process.)
#![cfg_attr(windows, allow(unused_imports, dead_code))] // the Linux session tests are compiled out on Windows

mod common;

use activity_core::capture::{Backend, Session, SourceKind, State, capabilities};
use activity_core::model::activity::ActivityRecord;
use activity_core::model::score::InputEvent;
use activity_core::runtime::{MissingSources, RuntimeError, TrackerEvent};
use activity_core::runtime::{Query, Viewer};
use activity_core::storage::SlotRecord;
use activity_core::{Config, Error, ErrorKind, Timestamp, Tracker};

fn set_env(display: Option<&str>, wayland: Option<&str>) {
    // SAFETY: first thing in the test, before any thread is started.
    unsafe {
        match display {
            Some(d) => std::env::set_var("DISPLAY", d),
            None => std::env::remove_var("DISPLAY"),
        }
        match wayland {
            Some(w) => std::env::set_var("WAYLAND_DISPLAY", w),
            None => std::env::remove_var("WAYLAND_DISPLAY"),
        }
        std::env::remove_var("XDG_SESSION_TYPE");
    }
}

fn all_slots(t: &Tracker) -> Vec<SlotRecord> {
    t.slots(&Viewer::Admin, &Query::default()).unwrap()
}

fn all_activities(t: &Tracker) -> Vec<ActivityRecord> {
    t.activities(&Viewer::Admin, &Query::default()).unwrap()
}

/// (keyboard events, tracked ms) of the open-slot checkpoints in the folder's database, read
/// with plain SQLite.
fn checkpoints(dir: &std::path::Path) -> Vec<(u32, i64)> {
    let db = rusqlite::Connection::open(dir.join("activity.sqlite")).unwrap();
    let mut st = db
        .prepare("SELECT keyboard_events, tracked_ms FROM slot_checkpoints")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// (keyboard events, mouse events) over all slots.
fn event_totals(slots: &[SlotRecord]) -> (u32, u32) {
    let kb = slots
        .iter()
        .map(|s| s.metrics.keyboard_events.expect("counted"))
        .sum();
    let mouse = slots
        .iter()
        .map(|s| s.metrics.mouse_events.expect("counted"))
        .sum();
    (kb, mouse)
}

fn acts_all_in(t: &Tracker, employee: &str) -> bool {
    all_activities(t)
        .iter()
        .all(|a| a.context.employee.as_deref() == Some(employee))
}

fn data_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("activity-core-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[cfg(target_os = "linux")] // DISPLAY and WAYLAND_DISPLAY: the Linux session probe
#[test]
fn without_display_capabilities_say_why_and_how_to_fix_it() {
    if common::in_own_process("without_display_capabilities_say_why_and_how_to_fix_it") {
        return;
    }
    set_env(None, None);
    let caps = capabilities();
    assert_eq!(caps.session, Session::None);
    for kind in [SourceKind::Screens, SourceKind::Input, SourceKind::Windows] {
        let reason = caps.of(kind).reason().expect("unavailable");
        assert!(reason.contains("DISPLAY is not set"), "{reason}");
        assert!(reason.contains("Xvfb"), "no fix given: {reason}");
    }
    assert!(caps.to_string().contains("session: no display"));
}

#[cfg(target_os = "linux")] // DISPLAY and WAYLAND_DISPLAY: the Linux session probe
#[test]
fn a_dead_display_is_reported_as_unreachable() {
    if common::in_own_process("a_dead_display_is_reported_as_unreachable") {
        return;
    }
    set_env(Some(":187"), None);
    let caps = capabilities();
    assert_eq!(
        caps.session,
        Session::X11 {
            display: ":187".into()
        }
    );
    let reason = caps.screens.reason().expect("unavailable");
    assert!(
        reason.contains("cannot connect to the X server at DISPLAY=:187"),
        "{reason}"
    );
}

#[cfg(target_os = "linux")] // DISPLAY and WAYLAND_DISPLAY: the Linux session probe
#[test]
fn a_wayland_session_is_named_as_the_reason() {
    if common::in_own_process("a_wayland_session_is_named_as_the_reason") {
        return;
    }
    set_env(None, Some("wayland-0"));
    let caps = capabilities();
    assert!(matches!(caps.session, Session::Wayland { .. }));
    // No compositor answers at wayland-0 here: every Wayland backend says so, and the D-Bus
    // ones say what they need.
    for kind in [SourceKind::Screens, SourceKind::Windows] {
        let a = caps.of(kind);
        assert_eq!(a.state, State::Unavailable, "{a:?}");
        let reason = a.reason().unwrap();
        assert!(
            reason
                .contains("cannot connect to the Wayland compositor at WAYLAND_DISPLAY=wayland-0"),
            "{reason}"
        );
    }
    let backends: Vec<Backend> = caps.screens.passed_over.iter().map(|p| p.backend).collect();
    assert_eq!(
        backends,
        [Backend::WlrScreencopy, Backend::Portal, Backend::X11]
    );
    let backends: Vec<Backend> = caps.input.passed_over.iter().map(|p| p.backend).collect();
    assert_eq!(
        backends,
        [
            Backend::Evdev,
            Backend::ExtIdleNotify,
            Backend::KdeIdle,
            Backend::MutterIdleMonitor
        ]
    );
}

#[cfg(target_os = "linux")] // DISPLAY and WAYLAND_DISPLAY: the Linux session probe
#[test]
fn without_display_the_tracker_refuses_by_default_naming_each_source() {
    if common::in_own_process("without_display_the_tracker_refuses_by_default_naming_each_source") {
        return;
    }
    set_env(None, None);
    let err = Tracker::builder(Config::default())
        .data_dir(data_dir("refuse"))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    let Error::Runtime(RuntimeError::SourcesUnavailable(list)) = &err else {
        panic!("{err:?}")
    };
    let kinds: Vec<SourceKind> = list.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds,
        [SourceKind::Screens, SourceKind::Input, SourceKind::Windows]
    );
    let text = err.to_string();
    assert!(text.contains("screens: no display"), "{text}");
    // What the configuration does not need is not asked for.
    let cfg = Config::from_json_str(
        r#"{"isScreenshotEnabled": false, "track_applications": false, "track_input": false}"#,
    )
    .unwrap();
    Tracker::builder(cfg)
        .data_dir(data_dir("refuse-none-needed"))
        .build()
        .expect("nothing needed, nothing refused");
}

#[cfg(target_os = "linux")] // DISPLAY and WAYLAND_DISPLAY: the Linux session probe
#[test]
fn without_display_the_tracker_can_run_what_works_with_injected_events() {
    if common::in_own_process("without_display_the_tracker_can_run_what_works_with_injected_events")
    {
        return;
    }
    set_env(None, None);
    let dir = data_dir("run-available");
    let mut b = Tracker::builder(Config::default())
        .data_dir(&dir)
        .missing_sources(MissingSources::RunAvailable);
    let events = b.event_channel();
    let t = b.build().unwrap();
    assert_eq!(t.unavailable_sources().len(), 3);
    t.set_context(Some("emp-7"), Some("Apollo"), None).unwrap();
    t.start().unwrap();
    for _ in 0..3 {
        t.record_input(InputEvent::KeyPress);
    }
    t.record_input(InputEvent::ButtonPress);
    t.record_window("Editor", "notes.txt").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1_200));
    t.record_window("Editor", "notes.txt").unwrap();
    t.record_url("Firefox", "Docs", "https://docs.rs/tokio?x=1")
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    t.record_url("Firefox", "Docs", "https://docs.rs/tokio?x=1")
        .unwrap();
    t.stop().unwrap();
    let all: Vec<TrackerEvent> = events.try_iter().collect();
    let failed: Vec<_> = all
        .iter()
        .filter_map(|e| match e {
            TrackerEvent::CaptureFailed { source, reason } => Some((*source, reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 3, "{failed:?}");
    assert!(failed.iter().all(|(_, r)| r.contains("DISPLAY is not set")));
    let slots = all_slots(&t);
    let (kb, mouse) = event_totals(&slots);
    assert_eq!((kb, mouse), (3, 1));
    assert!(
        slots
            .iter()
            .all(|s| s.context.project.as_deref() == Some("Apollo"))
    );
    assert!(acts_all_in(&t, "emp-7"));
    let acts = all_activities(&t);
    let editor: i64 = acts
        .iter()
        .filter(|a| a.title == "notes.txt")
        .map(|a| a.duration_millis)
        .sum();
    assert!((1_000..=1_600).contains(&editor), "{acts:?}");
    let url = acts.iter().find(|a| a.url.is_some()).expect("URL record");
    assert_eq!(url.url.as_deref(), Some("https://docs.rs/tokio"));
    assert_eq!(url.domain.as_deref(), Some("docs.rs"));
    // A URL sample feeds the website lane only: no application record takes the tab's title.
    assert!(
        !acts.iter().any(
            |a| a.kind == activity_core::model::activity::ActivityKind::App && a.title == "Docs"
        ),
        "{acts:?}"
    );
    // Starting twice or resuming a running tracker is a clear state error.
    t.start().unwrap();
    let e = t.start().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
    assert!(
        e.to_string()
            .contains("cannot start: the tracker is running"),
        "{e}"
    );
    let e = t.resume().unwrap_err();
    assert!(e.to_string().contains("cannot resume"), "{e}");
    t.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_clock_jump_is_a_suspend_and_is_not_tracked() {
    if common::in_own_process("a_clock_jump_is_a_suspend_and_is_not_tracked") {
        return;
    }
    use activity_core::ManualClock;
    use std::sync::Arc;
    set_env(None, None);
    let t0 = Timestamp::from_millis(1_796_025_600_000); // a slot boundary
    let clock = Arc::new(ManualClock::new(t0));
    let dir = data_dir("suspend");
    let mut b = Tracker::builder(Config::default())
        .data_dir(&dir)
        .clock(clock.clone())
        .without_sources();
    let events = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap();
    clock.advance_millis(2_000);
    t.record_input(InputEvent::KeyPress);
    std::thread::sleep(std::time::Duration::from_millis(1_300));
    // The lid closes for 20 minutes.
    clock.advance_millis(20 * 60_000);
    std::thread::sleep(std::time::Duration::from_millis(1_300));
    clock.advance_millis(3_000);
    t.record_input(InputEvent::KeyPress);
    std::thread::sleep(std::time::Duration::from_millis(1_300));
    t.stop().unwrap();
    let all: Vec<TrackerEvent> = events.try_iter().collect();
    let suspended: Vec<_> = all
        .iter()
        .filter_map(|e| match e {
            TrackerEvent::Suspended { from, to } => Some((*from, *to)),
            _ => None,
        })
        .collect();
    assert_eq!(
        suspended,
        [(t0.add_millis(2_000), t0.add_millis(2_000 + 20 * 60_000))],
        "{all:?}"
    );
    let slots = all_slots(&t);
    let tracked: u32 = slots.iter().map(|s| s.metrics.tracked_seconds).sum();
    let keys = event_totals(&slots).0;
    assert_eq!(tracked, 5, "2 s before and 3 s after the gap: {slots:?}");
    assert_eq!(keys, 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Run only as the child of `slot_counts_survive_kill_9_up_to_the_last_checkpoint`: tracks with
/// injected input and a 200 ms checkpoint, prints `ready` once a checkpoint holds all its input,
/// then waits to be killed.
#[test]
#[ignore = "child process of the checkpoint crash test"]
fn checkpoint_child() {
    let Ok(dir) = std::env::var("AC_TRACKER_DIR") else {
        return;
    };
    set_env(None, None);
    let t = Tracker::builder(Config::default())
        .data_dir(&dir)
        .without_sources()
        .checkpoint_every(std::time::Duration::from_millis(200))
        .build()
        .unwrap();
    t.set_context(Some("emp-1"), Some("Crash"), None).unwrap();
    t.start().unwrap();
    for _ in 0..7 {
        t.record_input(InputEvent::KeyPress);
    }
    t.record_input(InputEvent::ButtonPress);
    loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let cp = checkpoints(t.data_dir());
        if cp.iter().map(|c| c.0).sum::<u32>() == 7 && cp.iter().map(|c| c.1).sum::<i64>() >= 1_000
        {
            break;
        }
    }
    println!("ready");
    use std::io::Write as _;
    std::io::stdout().flush().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(600));
}

#[test]
fn slot_counts_survive_kill_9_up_to_the_last_checkpoint() {
    if common::in_own_process("slot_counts_survive_kill_9_up_to_the_last_checkpoint") {
        return;
    }
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    set_env(None, None);
    let dir = data_dir("checkpoint-crash");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "checkpoint_child", "--nocapture"])
        .env("AC_TRACKER_DIR", &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.trim() == "ready")),
        "the child never checkpointed its input"
    );
    child.kill().unwrap(); // SIGKILL: no stop, no flush
    child.wait().unwrap();
    // A reader (built, not started: the `report` tool, a UI process) recovers nothing: the
    // checkpoints might be a live tracker's.
    let t = Tracker::builder(Config::default())
        .data_dir(&dir)
        .without_sources()
        .build()
        .unwrap();
    assert!(!checkpoints(&dir).is_empty());
    assert!(all_slots(&t).is_empty(), "a reader recovered checkpoints");
    // The next tracker that owns the folder recovers the checkpointed counts when it starts.
    t.set_context(Some("emp-1"), Some("Crash"), None).unwrap();
    t.start().unwrap();
    assert!(checkpoints(&dir).is_empty());
    t.stop().unwrap();
    let slots = all_slots(&t);
    // (the start and stop above add a tracked part of their own, without input)
    let (kb, mouse) = event_totals(&slots);
    let tracked: u32 = slots.iter().map(|s| s.metrics.tracked_seconds).sum();
    assert_eq!((kb, mouse), (7, 1), "{slots:?}");
    assert!(tracked >= 1, "{tracked} s");
    assert!(
        slots
            .iter()
            .all(|s| s.context.project.as_deref() == Some("Crash"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_clean_stop_leaves_no_checkpoint_behind() {
    if common::in_own_process("a_clean_stop_leaves_no_checkpoint_behind") {
        return;
    }
    set_env(None, None);
    let dir = data_dir("checkpoint-clean");
    let t = Tracker::builder(Config::default())
        .data_dir(&dir)
        .without_sources()
        .checkpoint_every(std::time::Duration::from_millis(100))
        .build()
        .unwrap();
    t.start().unwrap();
    t.record_input(InputEvent::KeyPress);
    std::thread::sleep(std::time::Duration::from_millis(1_200));
    assert!(!checkpoints(&dir).is_empty());
    t.stop().unwrap();
    assert!(checkpoints(&dir).is_empty());
    let slots = all_slots(&t);
    // Checkpoints are not parts: the key is counted once.
    assert_eq!(event_totals(&slots).0, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn presence_only_input_publishes_active_seconds_and_absent_counts() {
    let dir = data_dir("presence");
    let config =
        Config::from_json_str(r#"{"count_input_events": false, "slot_seconds": 60}"#).unwrap();
    let t = Tracker::builder(config)
        .data_dir(&dir)
        .without_sources()
        .browser_bridge(false)
        .build()
        .unwrap();
    t.start().unwrap();
    t.record_input(InputEvent::Presence);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    t.record_input(InputEvent::Presence);
    t.record_input(InputEvent::KeyPress); // counted by nobody: the slot's counts are unknown
    t.stop().unwrap();
    let slots = t.slots(&Viewer::Admin, &Query::default()).unwrap();
    assert!(!slots.is_empty());
    for s in &slots {
        let m = &s.metrics;
        assert_eq!(
            (
                m.keyboard_events,
                m.mouse_events,
                m.keyboard_seconds,
                m.mouse_seconds
            ),
            (None, None, None, None),
            "{m:?}"
        );
        assert_eq!(m.activity_percent, None);
        let json = serde_json::to_value(s).unwrap();
        assert!(json["keyboard_events"].is_null() && json["activity_percent"].is_null());
    }
    assert_eq!(
        slots.iter().map(|s| s.metrics.active_seconds).sum::<u32>(),
        2
    );
    let today = activity_core::Timestamp::from_millis(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64,
    );
    let day = today.to_string()[..10].to_string();
    let report = t
        .report(
            &Viewer::Admin,
            &activity_core::runtime::ReportRequest::day(&day, "UTC"),
        )
        .unwrap();
    assert_eq!(report.totals.keyboard_events, None);
    assert_eq!(report.totals.activity_percent, None);
    assert!(report.totals.active_percent > 0);
    assert!(report.distribution.iter().all(|b| b.slots == 0));
    assert!(
        report
            .timeline
            .iter()
            .filter(|s| s.tracked_seconds > 0)
            .all(|s| s.activity_percent.is_none())
    );
    assert!(
        report.to_text().contains("activity n/a"),
        "{}",
        report.to_text()
    );
    assert!(
        report.to_html().contains("are not in the distribution"),
        "the page says why the distribution is empty"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn with_input_tracking_off_slot_counts_are_absent_not_zero() {
    let dir = data_dir("input-off");
    let config = Config::from_json_str(r#"{"track_input": false, "slot_seconds": 60}"#).unwrap();
    let t = Tracker::builder(config)
        .data_dir(&dir)
        .without_sources()
        .browser_bridge(false)
        .build()
        .unwrap();
    t.start().unwrap();
    t.record_input(InputEvent::KeyPress); // ignored: input is not tracked
    std::thread::sleep(std::time::Duration::from_millis(1100));
    t.stop().unwrap();
    let slots = t.slots(&Viewer::Admin, &Query::default()).unwrap();
    assert!(!slots.is_empty());
    for s in &slots {
        assert!(s.metrics.tracked_seconds >= 1);
        assert_eq!(
            (s.metrics.keyboard_events, s.metrics.activity_percent),
            (None, None)
        );
        assert_eq!(s.metrics.active_seconds, 0);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
