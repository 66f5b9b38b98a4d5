//! The tracker on a real Wayland compositor: Debian's sway run headless as an unprivileged
//! user, foot windows with known app ids, the focus moved with swaymsg, typing through the
//! virtual-keyboard protocol (wtype). The built-in sources the probe picks there:
//! wlr-screencopy, wlr-foreign-toplevel and the compositor's idle notifications.
//!
//! Each test starts its own sway (see `common/sway.rs`) and runs its body in a child process as
//! the session's user.
#![cfg(target_os = "linux")] // a Wayland compositor: Linux only

mod common;
#[path = "common/sway.rs"]
mod sway;

use std::collections::BTreeSet;
use std::time::Duration;

use activity_core::capture::{Backend, Session, capabilities};
use activity_core::model::activity::{ActivityKind, ActivityRecord};
use activity_core::runtime::{Query, Viewer};
use activity_core::runtime::{ScreenshotTaken, TrackerEvent};
use activity_core::{Clock, Config, SystemClock, Timestamp, Tracker};
use sway::{Sway, child};

fn now() -> Timestamp {
    SystemClock.now()
}

fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// Starts sway with two foot windows and runs test `name`'s body as the session's user.
fn in_sway(name: &str, extra: &[(&str, &str)]) -> bool {
    if sway::in_child() {
        return false;
    }
    if common::in_own_process(name) {
        return true;
    }
    let mut s = Sway::start(1280, 800);
    s.foot("ac.alpha", "Alpha notes");
    s.foot("ac.beta", "Beta report");
    s.run_child(name, extra);
    true
}

#[test]
fn on_wayland_the_probe_picks_the_wlroots_backends_and_passes_over_xwayland() {
    if in_sway(
        "on_wayland_the_probe_picks_the_wlroots_backends_and_passes_over_xwayland",
        &[("DISPLAY", ":42")],
    ) {
        return;
    }
    let caps = capabilities();
    println!("{caps}");
    assert_eq!(
        caps.session,
        Session::Wayland {
            display: "wayland-1".into(),
            x_display: Some(":42".into())
        }
    );
    assert_eq!(caps.screens.backend, Some(Backend::WlrScreencopy), "{caps}");
    assert_eq!(
        caps.windows.backend,
        Some(Backend::WlrForeignToplevel),
        "{caps}"
    );
    // sway 1.7 (Debian 12) offers org_kde_kwin_idle; newer wlroots ext-idle-notify.
    let input = caps.input.backend.expect("an input backend");
    assert!(
        matches!(input, Backend::KdeIdle | Backend::ExtIdleNotify),
        "{caps}"
    );
    assert!(!caps.input_counts_events());
    // evdev was tried first and said why not (no readable /dev/input here).
    let evdev = &caps.input.passed_over[0];
    assert_eq!(evdev.backend, Backend::Evdev);
    assert!(evdev.reason.contains("/dev/input"), "{}", evdev.reason);
    // XWayland is never chosen: it shows only X clients.
    for a in [&caps.screens, &caps.windows] {
        assert!(
            a.passed_over
                .iter()
                .all(|p| p.backend != Backend::X11 || p.reason.contains("XWayland")),
            "{a:?}"
        );
    }
    let json = serde_json::to_value(&caps).unwrap();
    assert_eq!(json["screens"]["backend"], "wlr_screencopy");
    assert_eq!(json["windows"]["backend"], "wlr_foreign_toplevel");
    assert_eq!(json["input"]["passed_over"][0]["backend"], "evdev");
    assert!(caps.to_string().contains("key and mouse counts absent"));
}

fn app_runs(records: &[ActivityRecord]) -> Vec<(String, String, Timestamp, Timestamp)> {
    let mut out: Vec<(String, String, Timestamp, Timestamp)> = Vec::new();
    let mut sorted: Vec<&ActivityRecord> = records
        .iter()
        .filter(|r| r.kind == ActivityKind::App)
        .collect();
    sorted.sort_by_key(|r| r.start);
    for r in sorted {
        let end = r.start.add_millis(r.duration_millis);
        match out.last_mut() {
            Some(last)
                if last.0 == r.application
                    && last.1 == r.title
                    && r.start.millis_since(last.3).abs() <= 1500 =>
            {
                last.3 = end
            }
            _ => out.push((r.application.clone(), r.title.clone(), r.start, end)),
        }
    }
    out
}

#[test]
fn on_sway_the_tracker_records_screens_windows_active_seconds_and_idle() {
    if in_sway(
        "on_sway_the_tracker_records_screens_windows_active_seconds_and_idle",
        &[],
    ) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("ac-sway-{}", std::process::id()));
    let mut b = Tracker::builder(
        Config::from_json_str(
            r#"{"screenshot_frequency": "5s", "slot_seconds": 60, "idle_after": "30s"}"#,
        )
        .unwrap(),
    )
    .data_dir(&dir);
    let events = b.event_channel();
    let tracker = b.build().unwrap();
    child::focus("ac.alpha");
    tracker.start().unwrap();
    // Alpha, typed into for 6 s; Beta, typed into for 6 s and the pointer moved for 4 s; then
    // 60 s without input; one key.
    let mut typed: BTreeSet<i64> = BTreeSet::new();
    let mut script = Vec::new();
    for (app, title) in [("ac.alpha", "Alpha notes"), ("ac.beta", "Beta report")] {
        child::focus(app);
        let t0 = now();
        while now().millis_since(t0) < 6_000 {
            typed.insert(now().as_millis().div_euclid(1000));
            child::type_text("x");
            typed.insert(now().as_millis().div_euclid(1000));
            sleep_ms(400);
        }
        script.push((app, title, t0, now()));
    }
    // Then 4 s of pointer motion (the virtual-pointer protocol), still in Beta.
    let mut pointer = child::VirtualPointer::new();
    let t0 = now();
    while now().millis_since(t0) < 4_000 {
        typed.insert(now().as_millis().div_euclid(1000));
        pointer.nudge();
        typed.insert(now().as_millis().div_euclid(1000));
        sleep_ms(200);
    }
    let last_key = now();
    sleep_ms(60_000);
    let wake = now();
    child::type_text("y");
    typed.insert(wake.as_millis().div_euclid(1000));
    sleep_ms(3_000);
    tracker.stop().unwrap();
    let events: Vec<TrackerEvent> = events.try_iter().collect();

    // Screenshots: the output's size, and the windows in the pixels.
    let shots: Vec<ScreenshotTaken> = events
        .iter()
        .filter_map(|e| match e {
            TrackerEvent::ScreenshotTaken(s) => Some((**s).clone()),
            _ => None,
        })
        .collect();
    assert!(shots.len() >= 10, "{} screenshots: {events:?}", shots.len());
    let root = tracker.data_dir().join("objects");
    for s in &shots {
        assert_eq!((s.monitor.width, s.monitor.height), (1280, 800));
    }
    let full = image::open(root.join(&shots[0].full_key)).unwrap();
    assert_eq!((full.width(), full.height()), (1280, 800));
    assert!(
        common::max_step(&full.to_luma8()) > 100,
        "no text edges: the screenshot is blank"
    );

    // The activated toplevel's app id and title, for as long as the script held the focus
    // (the first window's run ends where the idle period starts).
    let idle_from = events
        .iter()
        .find_map(|e| match e {
            TrackerEvent::IdleStarted { at } => Some(*at),
            _ => None,
        })
        .expect("a 60 s gap with idle_after 30 s is idle");
    let idle_to = events
        .iter()
        .find_map(|e| match e {
            TrackerEvent::IdleEnded { at } => Some(*at),
            _ => None,
        })
        .expect("the key after the gap ends the idle period");
    let gap_start = last_key.add_millis(30_000);
    assert!(
        idle_from.millis_since(gap_start).abs() <= 2_000,
        "idle started {} ms from last input + 30 s",
        idle_from.millis_since(gap_start)
    );
    assert!(
        idle_to.millis_since(wake).abs() <= 2_000,
        "idle ended {} ms from the key",
        idle_to.millis_since(wake)
    );
    let acts = tracker
        .activities(&Viewer::Admin, &Query::default())
        .unwrap();
    let runs = app_runs(&acts);
    println!("{runs:?}");
    assert!(runs.len() >= 2, "{runs:?}");
    assert_eq!(
        (runs[0].0.as_str(), runs[0].1.as_str()),
        ("ac.alpha", "Alpha notes")
    );
    assert_eq!(
        (runs[1].0.as_str(), runs[1].1.as_str()),
        ("ac.beta", "Beta report")
    );
    let alpha_ms = runs[0].3.millis_since(runs[0].2);
    let script_alpha = script[1].2.millis_since(script[0].2);
    assert!(
        (alpha_ms - script_alpha).abs() <= 2_000,
        "alpha: recorded {alpha_ms} ms, script {script_alpha} ms"
    );
    let beta_ms = runs[1].3.millis_since(runs[1].2);
    let script_beta = idle_from.millis_since(script[1].2);
    assert!(
        (beta_ms - script_beta).abs() <= 2_000,
        "beta: recorded {beta_ms} ms, script until idle {script_beta} ms"
    );

    // Active seconds from the idle notifications: the seconds with typing or motion, each slot
    // within ±2 s.
    let slots = tracker.slots(&Viewer::Admin, &Query::default()).unwrap();
    for slot in &slots {
        let start = slot.metrics.slot_start.as_millis().div_euclid(1000);
        let want = typed.range(start..start + 60).count() as i64;
        let have = i64::from(slot.metrics.active_seconds);
        assert!(
            (have - want).abs() <= 2,
            "slot {}: {have} active seconds, {want} seconds with typing",
            slot.metrics.slot_start
        );
    }
    let total: u32 = slots.iter().map(|s| s.metrics.active_seconds).sum();
    assert!(total >= 10, "{slots:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The PNG files in the folders a portal writes its screenshots to.
fn pngs() -> BTreeSet<std::path::PathBuf> {
    let runtime = std::env::var("XDG_RUNTIME_DIR").unwrap_or_default();
    ["/tmp", runtime.as_str()]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect()
}

#[test]
fn on_sway_the_screenshot_portal_gives_the_screen_and_leaves_no_file() {
    if in_sway(
        "on_sway_the_screenshot_portal_gives_the_screen_and_leaves_no_file",
        &[],
    ) {
        return;
    }
    use activity_core::capture::ScreenSource;
    use activity_core::capture::wayland::PortalScreens;
    let _bus = child::session_bus();
    let caps = capabilities();
    // wlr-screencopy comes first on sway; the portal (xdg-desktop-portal + -wlr) answers too.
    assert_eq!(caps.screens.backend, Some(Backend::WlrScreencopy), "{caps}");
    let before = pngs();
    let mut portal = PortalScreens::new();
    let monitors = portal.monitors().unwrap();
    assert_eq!(monitors.len(), 1, "{monitors:?}");
    assert_eq!((monitors[0].width, monitors[0].height), (1280, 800));
    let frame = portal.capture(&monitors[0]).unwrap();
    assert_eq!((frame.width(), frame.height()), (1280, 800));
    let gray = image::GrayImage::from_fn(1280, 800, |x, y| {
        let row = frame.as_frame().row(y).unwrap();
        let p = &row[x as usize * 4..x as usize * 4 + 3];
        image::Luma([((u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) / 3) as u8])
    });
    assert!(
        common::max_step(&gray) > 100,
        "the portal's screenshot is blank"
    );
    let left: Vec<_> = pngs().difference(&before).cloned().collect();
    assert!(
        left.is_empty(),
        "the portal's unblurred file is left: {left:?}"
    );
}
