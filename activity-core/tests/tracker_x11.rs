//! The tracker on a real X server: Xvfb + openbox, xterm windows, xdotool input, the built-in
//! sources (xcap, rdev, active-win-pos-rs), the local provider and SQLite.
//!
//! Each test starts its own X session and tracker and runs for a few seconds of real time.
#![cfg(target_os = "linux")] // an X server with RECORD and EWMH: Linux only

mod common;
#[path = "common/x11.rs"]
mod x11;

use std::collections::BTreeMap;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use activity_core::model::activity::{ActivityKind, ActivityRecord};
use activity_core::model::score::{active_percent, activity_percent};
use activity_core::runtime::{Query, Viewer};
use activity_core::runtime::{ScreenshotTaken, TrackerEvent};
use activity_core::storage::{SlotRecord, UploadState};
use activity_core::{Clock, Config, SystemClock, Timestamp, Tracker};
use x11::XSession;

fn now() -> Timestamp {
    SystemClock.now()
}

fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

struct Run {
    tracker: Tracker,
    events: Receiver<TrackerEvent>,
    _dir: tempdir::Dir,
}

mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    pub fn new(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!(
            "activity-core-{name}-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
    fn rand_suffix() -> u64 {
        use std::time::{SystemTime, UNIX_EPOCH};
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    }
}

fn config(json: &str) -> Config {
    Config::from_json_str(json).unwrap()
}

fn run(name: &str, config: Config) -> Run {
    let dir = tempdir::new(name);
    let mut b = Tracker::builder(config).data_dir(&dir.0);
    let events = b.event_channel();
    let tracker = b.build().unwrap();
    Run {
        tracker,
        events,
        _dir: dir,
    }
}

impl Run {
    fn events(&self) -> Vec<TrackerEvent> {
        self.events.try_iter().collect()
    }

    fn slots(&self) -> Vec<SlotRecord> {
        self.tracker
            .slots(&Viewer::Admin, &Query::default())
            .unwrap()
    }

    fn activities(&self) -> Vec<ActivityRecord> {
        let mut a = self
            .tracker
            .activities(&Viewer::Admin, &Query::default())
            .unwrap();
        a.sort_by_key(|r| r.start);
        a
    }
}

fn taken(events: &[TrackerEvent]) -> Vec<ScreenshotTaken> {
    events
        .iter()
        .filter_map(|e| match e {
            TrackerEvent::ScreenshotTaken(s) => Some((**s).clone()),
            _ => None,
        })
        .collect()
}

/// Consecutive application records with the same title, merged (a run may be split at a slot
/// boundary): (title, start, end).
fn runs(records: &[ActivityRecord]) -> Vec<(String, Timestamp, Timestamp)> {
    let mut out: Vec<(String, Timestamp, Timestamp)> = Vec::new();
    for r in records.iter().filter(|r| r.kind == ActivityKind::App) {
        let end = r.start.add_millis(r.duration_millis);
        match out.last_mut() {
            Some(last) if last.0 == r.title && r.start.millis_since(last.2).abs() <= 1000 => {
                last.2 = end
            }
            _ => out.push((r.title.clone(), r.start, end)),
        }
    }
    out
}

#[test]
fn windows_activated_in_turn_become_records_with_their_titles() {
    if common::in_own_process("windows_activated_in_turn_become_records_with_their_titles") {
        return;
    }
    let mut x = XSession::start(1280, 800);
    let a = x.xterm("Alpha report", true, "alpha");
    let b = x.xterm("Beta notes", true, "beta");
    // WM_NAME only: the crate returns an empty title, the source falls back to WM_NAME.
    let c = x.xterm("Gamma legacy", false, "gamma");
    x.activate(&a);
    let r = run(
        "windows",
        config(r#"{"isScreenshotEnabled": false, "idle_after": "10m", "slot_seconds": 3600}"#),
    );
    r.tracker.start().unwrap();
    let script = [
        (&a, "Alpha report", 3000),
        (&b, "Beta notes", 4000),
        (&c, "Gamma legacy", 3000),
        (&a, "Alpha report", 2000),
    ];
    let mut expected = Vec::new();
    for (id, title, ms) in script {
        x.activate(id);
        let t0 = now();
        sleep_ms(ms);
        expected.push((title, t0));
    }
    let end = now();
    r.tracker.stop().unwrap();
    let got = runs(&r.activities());
    let titles: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
    assert_eq!(
        titles,
        ["Alpha report", "Beta notes", "Gamma legacy", "Alpha report"],
        "{got:?}"
    );
    for (i, ((title, t0), (_, start, stop))) in expected.iter().zip(&got).enumerate() {
        let script_end = expected.get(i + 1).map_or(end, |n| n.1);
        let want = script_end.millis_since(*t0);
        let have = stop.millis_since(*start);
        assert!(
            (have - want).abs() <= 1000,
            "{title}: recorded {have} ms, script {want} ms"
        );
    }
    for rec in r.activities() {
        assert_eq!(rec.application, "XTerm");
        assert_eq!(rec.kind, ActivityKind::App);
    }
    let recorded = r
        .events()
        .iter()
        .filter(|e| matches!(e, TrackerEvent::ActivityRecorded(_)))
        .count();
    assert_eq!(recorded, r.activities().len());
}

#[test]
fn xdotool_input_gives_counts_and_percentages_by_the_formula() {
    if common::in_own_process("xdotool_input_gives_counts_and_percentages_by_the_formula") {
        return;
    }
    let mut x = XSession::start(1024, 768);
    let a = x.xterm("Input target", true, "input");
    x.activate(&a);
    let r = run(
        "input",
        config(
            r#"{"isScreenshotEnabled": false, "slot_seconds": 3600, "max_expected_events": 3600,
                "idle_after": "10m"}"#,
        ),
    );
    let t_start = now();
    r.tracker.start().unwrap();
    sleep_ms(500);
    // 20 key presses (releases do not count).
    let keys: Vec<&str> = std::iter::repeat_n("a", 20).collect();
    let mut args = vec!["key", "--delay", "60"];
    args.extend(keys);
    x.xdotool(&args);
    // 5 clicks and 3 wheel steps (button 4 = wheel up).
    x.xdotool(&["click", "--repeat", "5", "--delay", "80", "1"]);
    x.xdotool(&["click", "--repeat", "3", "--delay", "80", "4"]);
    // 4 pointer moves, 400 ms apart: each counts (at most one per 250 ms).
    for (px, py) in [(100, 100), (300, 200), (500, 300), (700, 400)] {
        x.xdotool(&["mousemove", &px.to_string(), &py.to_string()]);
        sleep_ms(400);
    }
    sleep_ms(500);
    r.tracker.stop().unwrap();
    let elapsed_s = now().millis_since(t_start) as f64 / 1000.0;
    let slots = r.slots();
    let kb: u32 = slots
        .iter()
        .map(|s| s.metrics.keyboard_events.expect("counted"))
        .sum();
    let mouse: u32 = slots
        .iter()
        .map(|s| s.metrics.mouse_events.expect("counted"))
        .sum();
    assert_eq!((kb, mouse), (20, 5 + 3 + 4), "{slots:?}");
    let closed: Vec<_> = r
        .events()
        .into_iter()
        .filter_map(|e| match e {
            TrackerEvent::SlotClosed { metrics, .. } => Some(metrics),
            _ => None,
        })
        .collect();
    assert_eq!(closed.len(), slots.len());
    for (row, m) in slots.iter().zip(&closed) {
        let c = &row.metrics;
        let tracked = c.tracked_seconds;
        let events = c.events().expect("counted");
        // The formula, by hand: min(100, round(100 × events / (max_expected × tracked / L))).
        let by_hand = if tracked == 0 {
            0
        } else {
            let v = 100.0 * events as f64 / (3600.0 * f64::from(tracked) / 3600.0);
            v.round().min(100.0) as u8
        };
        assert_eq!(m.activity_percent, Some(by_hand));
        assert_eq!(
            m.activity_percent,
            Some(activity_percent(events, tracked, 3600, 3600))
        );
        assert_eq!(m.active_percent, active_percent(c.active_seconds, tracked));
        assert_eq!(
            (m.keyboard_events, m.mouse_events),
            (c.keyboard_events, c.mouse_events)
        );
        assert!(m.active_seconds >= 2 && m.active_seconds <= tracked);
    }
    let tracked: u32 = slots.iter().map(|s| s.metrics.tracked_seconds).sum();
    assert!(
        (f64::from(tracked) - elapsed_s).abs() <= 1.5,
        "tracked {tracked} s of {elapsed_s:.1} s"
    );
    if let [only] = closed.as_slice() {
        // 32 events in ~T s at 1/s expected: about 100 × 32 / T %.
        let expect = (100.0 * 32.0 / f64::from(only.tracked_seconds))
            .round()
            .min(100.0);
        assert_eq!(f64::from(only.activity_percent.expect("counted")), expect);
    }
}

#[test]
fn screenshots_follow_the_schedule_and_are_stored_with_thumbnails() {
    if common::in_own_process("screenshots_follow_the_schedule_and_are_stored_with_thumbnails") {
        return;
    }
    let mut x = XSession::start(1280, 800);
    let a = x.xterm(
        "Screenshot subject",
        true,
        "The quick brown fox jumps over the lazy dog",
    );
    x.activate(&a);
    let r = run(
        "shots",
        config(r#"{"screenshot_frequency": "5s", "slot_seconds": 60, "idle_after": "10m"}"#),
    );
    r.tracker.start().unwrap();
    sleep_ms(11_500);
    r.tracker.stop().unwrap();
    let events = r.events();
    let shots = taken(&events);
    assert!(
        (2..=3).contains(&shots.len()),
        "{} screenshots",
        shots.len()
    );
    let root = r.tracker.data_dir().join("objects");
    for s in &shots {
        let due = s.taken_at.as_millis() - s.taken_at.as_millis().rem_euclid(5000);
        assert!(
            s.taken_at.as_millis() - due < 1500,
            "taken {} ms after its instant",
            s.taken_at.as_millis() - due
        );
        assert_eq!((s.monitor.width, s.monitor.height), (1280, 800));
        assert!(!s.blurred);
        let full = image::open(root.join(&s.full_key)).unwrap();
        assert_eq!((full.width(), full.height()), (1280, 800));
        let thumb = image::open(root.join(&s.thumb_key)).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 200));
        let row = r.tracker.screenshot(&Viewer::Admin, &s.id).unwrap();
        assert_eq!(
            row.upload_state,
            UploadState::Uploaded,
            "{} not confirmed",
            s.id
        );
        assert_eq!((row.x, row.y, row.width, row.height), (0, 0, 1280, 800));
        assert!(
            events
                .iter()
                .any(|e| matches!(e, TrackerEvent::ScreenshotStored { id } if *id == s.id))
        );
    }
    // The screen really is in the picture: the xterm's text makes sharp edges.
    let full = image::open(root.join(&shots[0].full_key))
        .unwrap()
        .to_luma8();
    assert!(
        common::max_step(&full) > 100,
        "no sharp edge in an unblurred screenshot"
    );
}

#[test]
fn with_blur_on_only_blurred_screenshots_are_stored() {
    if common::in_own_process("with_blur_on_only_blurred_screenshots_are_stored") {
        return;
    }
    let mut x = XSession::start(1280, 800);
    let a = x.xterm("Secret document", true, "Account 4711 balance 1234.56 EUR");
    x.activate(&a);
    let r = run(
        "blur",
        config(
            r#"{"screenshot_frequency": "5s", "slot_seconds": 60, "idle_after": "10m",
                "blur": {"enabled": true}}"#,
        ),
    );
    r.tracker.start().unwrap();
    sleep_ms(6_500);
    r.tracker.stop().unwrap();
    let shots = taken(&r.events());
    assert!(!shots.is_empty());
    let root = r.tracker.data_dir().join("objects");
    for s in &shots {
        assert!(s.blurred);
        let row = r.tracker.screenshot(&Viewer::Admin, &s.id).unwrap();
        assert!(row.blurred);
        for key in [&s.full_key, &s.thumb_key] {
            let img = image::open(root.join(key)).unwrap().to_luma8();
            // Blur at the default strength leaves no sharp step anywhere (text edges in the
            // unblurred screenshot step by > 100).
            assert!(
                common::max_step(&img) < 40,
                "{key}: step {}",
                common::max_step(&img)
            );
        }
    }
}

#[test]
fn pause_stops_screenshots_counts_and_activity() {
    if common::in_own_process("pause_stops_screenshots_counts_and_activity") {
        return;
    }
    let mut x = XSession::start(1024, 768);
    let a = x.xterm("Before pause", true, "a");
    let b = x.xterm("During pause", true, "b");
    x.activate(&a);
    let r = run(
        "pause",
        config(r#"{"screenshot_frequency": "5s", "slot_seconds": 3600, "idle_after": "10m"}"#),
    );
    r.tracker.start().unwrap();
    sleep_ms(300);
    x.xdotool(&["key", "--delay", "50", "a", "a", "a", "a", "a"]);
    sleep_ms(1000);
    r.tracker.pause().unwrap();
    let paused_at = now();
    // 7 s paused: at least one screenshot instant falls inside.
    x.xdotool(&[
        "key", "--delay", "50", "b", "b", "b", "b", "b", "b", "b", "b", "b", "b",
    ]);
    x.xdotool(&["click", "--repeat", "4", "--delay", "80", "1"]);
    x.activate(&b);
    sleep_ms(6_000);
    let resumed_at = now();
    r.tracker.resume().unwrap();
    sleep_ms(300);
    x.xdotool(&["key", "--delay", "50", "c", "c", "c"]);
    sleep_ms(2_000);
    r.tracker.stop().unwrap();
    let slots = r.slots();
    let kb: u32 = slots
        .iter()
        .map(|s| s.metrics.keyboard_events.expect("counted"))
        .sum();
    let mouse: u32 = slots
        .iter()
        .map(|s| s.metrics.mouse_events.expect("counted"))
        .sum();
    assert_eq!(kb, 5 + 3, "key presses during the pause were counted");
    assert_eq!(mouse, 0, "clicks during the pause were counted");
    for s in taken(&r.events()) {
        assert!(
            s.taken_at < paused_at || s.taken_at >= resumed_at,
            "screenshot at {} during the pause",
            s.taken_at
        );
    }
    let acts = r.activities();
    assert!(!acts.is_empty());
    for rec in &acts {
        let end = rec.start.add_millis(rec.duration_millis);
        assert!(
            end <= paused_at.add_millis(100) || rec.start >= resumed_at.add_millis(-100),
            "{rec:?} overlaps the pause {paused_at}..{resumed_at}"
        );
    }
    // The window activated during the pause shows up only after the resume.
    let during: Vec<_> = acts.iter().filter(|r| r.title == "During pause").collect();
    assert!(!during.is_empty());
    assert!(
        during
            .iter()
            .all(|r| r.start >= resumed_at.add_millis(-100))
    );
    let tracked: u32 = slots.iter().map(|s| s.metrics.tracked_seconds).sum();
    let total = now().millis_since(paused_at) / 1000;
    assert!(tracked < total as u32 + 3, "the pause was tracked");
}

#[test]
fn screenshot_switches_off_stop_only_screenshots() {
    if common::in_own_process("screenshot_switches_off_stop_only_screenshots") {
        return;
    }
    let mut x = XSession::start(800, 600);
    let a = x.xterm("Still tracked", true, "a");
    x.activate(&a);
    for switch in [
        r#""isScreenshotEnabled": false"#,
        r#""allowScreenshotCapture": false"#,
    ] {
        let r = run(
            "switches",
            config(&format!(
                r#"{{"screenshot_frequency": "5s", "slot_seconds": 3600, "idle_after": "10m", {switch}}}"#
            )),
        );
        r.tracker.start().unwrap();
        sleep_ms(500);
        x.xdotool(&["key", "--delay", "50", "x", "x", "x"]);
        sleep_ms(5_500);
        r.tracker.stop().unwrap();
        let events = r.events();
        assert!(
            taken(&events).is_empty(),
            "{switch}: a screenshot was taken"
        );
        assert!(
            std::fs::read_dir(r.tracker.data_dir().join("objects"))
                .unwrap()
                .next()
                .is_none(),
            "{switch}: something was stored"
        );
        let kb: u32 = r
            .slots()
            .iter()
            .map(|s| s.metrics.keyboard_events.expect("counted"))
            .sum();
        assert_eq!(kb, 3, "{switch}: input not tracked");
        let acts = r.activities();
        assert!(
            acts.iter()
                .any(|a| a.title == "Still tracked" && a.duration_millis >= 4000),
            "{switch}: window not tracked: {acts:?}"
        );
    }
}

#[test]
fn no_input_for_idle_after_starts_idle_and_input_ends_it() {
    if common::in_own_process("no_input_for_idle_after_starts_idle_and_input_ends_it") {
        return;
    }
    let mut x = XSession::start(800, 600);
    let a = x.xterm("Idle window", true, "idle");
    x.activate(&a);
    let r = run(
        "idle",
        config(r#"{"isScreenshotEnabled": false, "slot_seconds": 3600, "idle_after": "3s"}"#),
    );
    r.tracker.start().unwrap();
    sleep_ms(500);
    x.xdotool(&["key", "a"]);
    let last_key = now();
    sleep_ms(6_000);
    x.xdotool(&["key", "b"]);
    let wake_key = now();
    sleep_ms(2_500);
    r.tracker.stop().unwrap();
    let events = r.events();
    let started: Vec<Timestamp> = events
        .iter()
        .filter_map(|e| match e {
            TrackerEvent::IdleStarted { at } => Some(*at),
            _ => None,
        })
        .collect();
    let ended: Vec<Timestamp> = events
        .iter()
        .filter_map(|e| match e {
            TrackerEvent::IdleEnded { at } => Some(*at),
            _ => None,
        })
        .collect();
    assert_eq!(started.len(), 1, "{events:?}");
    assert_eq!(ended.len(), 1, "{events:?}");
    let idle_from = started[0];
    let idle_to = ended[0];
    assert!(
        (idle_from.millis_since(last_key) - 3000).abs() <= 500,
        "idle started {} ms after the last key",
        idle_from.millis_since(last_key)
    );
    assert!(idle_to.millis_since(wake_key).abs() <= 500);
    let acts = r.activities();
    for rec in &acts {
        let end = rec.start.add_millis(rec.duration_millis);
        assert!(
            end <= idle_from.add_millis(50) || rec.start >= idle_to.add_millis(-50),
            "{rec:?} has time inside the idle period {idle_from}..{idle_to}"
        );
    }
    let app_ms: i64 = acts.iter().map(|a| a.duration_millis).sum();
    let idle_ms = idle_to.millis_since(idle_from);
    assert!(idle_ms > 2_000);
    let mut per_title = BTreeMap::new();
    for a in &acts {
        *per_title.entry(a.title.clone()).or_insert(0) += a.duration_millis;
    }
    assert!(app_ms > 2_000, "{per_title:?}");
}

#[test]
fn the_x11_fast_path_reads_the_pixels_an_independent_grab_reads() {
    if common::in_own_process("the_x11_fast_path_reads_the_pixels_an_independent_grab_reads") {
        return;
    }
    use activity_core::capture::ScreenSource;
    use activity_core::capture::x11::X11Screens;
    use activity_core::media::PixelFormat;
    let mut x = XSession::start(1024, 768);
    let a = x.xterm("Pixels", true, "Pixel for pixel: 0123456789 ABC abc");
    x.activate(&a);
    sleep_ms(500);
    let mut screens = X11Screens::new();
    let monitor = screens.monitors().unwrap().remove(0);
    assert_eq!(monitor.name, "screen", "Xvfb's RandR output");
    let fast = screens.capture(&monitor).unwrap();
    let converted = screens.capture_converted(&monitor).unwrap();
    // The referee: Pillow's ImageGrab, which reads the screen through its own libxcb.
    let dir = tempdir::new("x11-referee");
    let png = dir.0.join("grab.png");
    let grabbed = std::process::Command::new("python3")
        .args([
            "-c",
            "import os, sys; from PIL import ImageGrab; \
             ImageGrab.grab(xdisplay=os.environ['DISPLAY']).convert('RGB').save(sys.argv[1])",
        ])
        .arg(&png)
        .status()
        .unwrap();
    assert!(grabbed.success(), "Pillow could not grab the screen");
    let referee = image::open(&png).unwrap().to_rgb8();
    // The fast path hands the server's BGRX bytes over unconverted.
    assert_eq!(fast.as_frame().format(), PixelFormat::Bgra8);
    assert_eq!(converted.as_frame().format(), PixelFormat::Rgba8);
    assert_eq!((fast.width(), fast.height()), (1024, 768));
    assert_eq!((converted.width(), converted.height()), (1024, 768));
    assert_eq!(referee.dimensions(), (1024, 768));
    let mut distinct = std::collections::BTreeSet::new();
    for ((p, q), r) in fast
        .data()
        .chunks_exact(4)
        .zip(converted.data().chunks_exact(4))
        .zip(referee.pixels())
    {
        assert_eq!([p[2], p[1], p[0]], [q[0], q[1], q[2]]);
        assert_eq!([q[0], q[1], q[2]], r.0);
        distinct.insert([q[0], q[1], q[2]]);
    }
    assert!(distinct.len() > 10, "the screen was blank: {distinct:?}");
    // The pointer position the one-monitor mode hit-tests with.
    x.xdotool(&["mousemove", "321", "234"]);
    assert_eq!(screens.pointer().unwrap(), Some((321, 234)));
    let chosen = activity_core::capture::select_monitors(
        &screens.monitors().unwrap(),
        false,
        screens.pointer().unwrap(),
    );
    assert_eq!(chosen, vec![monitor]);
}

#[test]
fn switches_flipped_while_tracking_take_effect_at_once_and_survive_a_restart() {
    if common::in_own_process(
        "switches_flipped_while_tracking_take_effect_at_once_and_survive_a_restart",
    ) {
        return;
    }
    let mut x = XSession::start(800, 600);
    let a = x.xterm("Switch test", true, "a");
    x.activate(&a);
    let dir = tempdir::new("live-switches");
    let cfg = r#"{"screenshot_frequency": "5s", "slot_seconds": 3600, "idle_after": "10m"}"#;
    let mut b = Tracker::builder(config(cfg)).data_dir(&dir.0);
    let events = b.event_channel();
    let tracker = b.build().unwrap();
    let shots_in = |ms: u64| -> usize {
        let end = std::time::Instant::now() + std::time::Duration::from_millis(ms);
        let mut n = 0;
        while let Some(left) = end.checked_duration_since(std::time::Instant::now()) {
            if let Ok(TrackerEvent::ScreenshotTaken(_)) = events.recv_timeout(left) {
                n += 1;
            }
        }
        n
    };
    tracker.start().unwrap();
    // Employee off: no screenshot, input and the window still tracked.
    assert!(!tracker.set_screenshots_enabled(false).unwrap().effective());
    x.xdotool(&["key", "--delay", "50", "x", "x", "x"]);
    assert_eq!(shots_in(6_000), 0, "employee off");
    // Organisation off, employee on: still none.
    tracker.set_organisation_allows_screenshots(false).unwrap();
    let s = tracker.set_screenshots_enabled(true).unwrap();
    assert!(s.employee && !s.effective());
    x.xdotool(&["key", "--delay", "50", "y", "y"]);
    assert_eq!(shots_in(6_000), 0, "organisation off");
    // Both on: screenshots again, at once (within one 5 s interval).
    assert!(
        tracker
            .set_organisation_allows_screenshots(true)
            .unwrap()
            .effective()
    );
    assert!(shots_in(6_500) >= 1, "both on");
    tracker.set_screenshots_enabled(false).unwrap();
    tracker.stop().unwrap();
    let kb: u32 = tracker
        .slots(&Viewer::Admin, &Query::default())
        .unwrap()
        .iter()
        .map(|s| s.metrics.keyboard_events.expect("counted"))
        .sum();
    assert_eq!(kb, 5, "input counted throughout");
    let acts = tracker
        .activities(&Viewer::Admin, &Query::default())
        .unwrap();
    let window: i64 = acts
        .iter()
        .filter(|a| a.title == "Switch test")
        .map(|a| a.duration_millis)
        .sum();
    assert!(window >= 15_000, "window tracked throughout: {acts:?}");
    drop(tracker);
    // A restart keeps the last setting, although the configuration says "on".
    let again = Tracker::builder(config(cfg))
        .data_dir(&dir.0)
        .build()
        .unwrap();
    let s = again.screenshot_switches();
    assert!(!s.employee && s.organisation && !s.effective());
}

#[test]
fn on_x11_the_probe_picks_x11_for_every_source() {
    if common::in_own_process("on_x11_the_probe_picks_x11_for_every_source") {
        return;
    }
    use activity_core::capture::{Backend, Session, capabilities};
    let _x = XSession::start(800, 600);
    let caps = capabilities();
    assert!(matches!(caps.session, Session::X11 { .. }), "{caps}");
    for a in [&caps.screens, &caps.input, &caps.windows] {
        assert_eq!(a.backend, Some(Backend::X11), "{caps}");
        assert!(a.passed_over.is_empty(), "{a:?}");
    }
    assert!(caps.input_counts_events());
    assert!(
        caps.to_string().contains("screens: available (x11)"),
        "{caps}"
    );
}
