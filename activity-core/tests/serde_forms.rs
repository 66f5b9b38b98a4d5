//! The serialised forms the bindings hand out (JSON in C, objects in Python): snake_case names,
//! times as RFC 3339 UTC strings, an `event` tag on events. These are part of the API.

use activity_core::capture::{Availability, Backend, Capabilities, Monitor, Session, SourceKind};
use activity_core::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use activity_core::model::score::SlotMetrics;
use activity_core::runtime::{Query, ScreenshotSwitches, ScreenshotTaken, TrackerEvent, Viewer};
use activity_core::storage::{Pending, PendingItem, PendingKind, SlotRecord};
use activity_core::{ErrorKind, Timestamp};
use serde_json::json;

fn t(ms: i64) -> Timestamp {
    Timestamp::from_millis(1_796_025_600_000 + ms)
}

#[test]
fn events_carry_an_event_tag_and_rfc3339_times() {
    let e = TrackerEvent::SlotClosed {
        metrics: SlotMetrics {
            slot_start: t(0),
            tracked_seconds: 600,
            keyboard_events: Some(10),
            mouse_events: Some(20),
            keyboard_seconds: Some(5),
            mouse_seconds: Some(9),
            active_seconds: 12,
            activity_percent: Some(3),
            active_percent: 2,
        },
        context: WorkContext {
            employee: Some("ana".into()),
            project: None,
            task: None,
        },
    };
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["event"], "slot_closed");
    assert_eq!(v["metrics"]["slot_start"], "2026-11-30T08:00:00.000Z");
    assert_eq!(v["context"]["employee"], "ana");
    assert_eq!(serde_json::from_value::<TrackerEvent>(v).unwrap(), e);

    let a = TrackerEvent::ActivityRecorded(Box::new(ActivityRecord {
        kind: ActivityKind::Url,
        title: "Docs".into(),
        application: "firefox".into(),
        url: Some("https://docs.rs/".into()),
        domain: Some("docs.rs".into()),
        start: t(1_000),
        duration_millis: 2_000,
        slot_start: t(0),
        context: WorkContext::default(),
    }));
    let v = serde_json::to_value(&a).unwrap();
    assert_eq!(v["event"], "activity_recorded");
    assert_eq!(v["type"], "URL");
    assert_eq!(v["start"], "2026-11-30T08:00:01.000Z");
    assert_eq!(a.type_name(), "activity_recorded");

    let s = TrackerEvent::ScreenshotTaken(Box::new(ScreenshotTaken {
        id: "ab".into(),
        taken_at: t(5),
        slot_start: t(0),
        monitor: Monitor {
            id: 1,
            name: "HDMI-1".into(),
            x: 0,
            y: 0,
            width: 1920,
            height: 1080,
            primary: true,
        },
        blurred: true,
        full_key: "k.jpg".into(),
        thumb_key: "k-thumb.jpg".into(),
        full_bytes: 1,
        sha256: "00".into(),
        capture_millis: 1,
        process_millis: 2,
        enqueue_millis: 3,
    }));
    let v = serde_json::to_value(&s).unwrap();
    assert_eq!(v["event"], "screenshot_taken");
    assert_eq!(v["monitor"]["width"], 1920);
    let sw = TrackerEvent::ScreenshotsSwitched {
        switches: ScreenshotSwitches {
            employee: true,
            organisation: false,
        },
        effective: false,
    };
    assert_eq!(
        serde_json::to_value(&sw).unwrap(),
        json!({"event": "screenshots_switched", "switches": {"employee": true, "organisation": false}, "effective": false})
    );
}

#[test]
fn rows_capabilities_pending_viewer_and_query_have_their_documented_shapes() {
    let slot = SlotRecord {
        slot_seconds: 600,
        metrics: SlotMetrics {
            slot_start: t(0),
            tracked_seconds: 300,
            keyboard_events: Some(1),
            mouse_events: Some(2),
            keyboard_seconds: Some(1),
            mouse_seconds: Some(2),
            active_seconds: 3,
            activity_percent: Some(1),
            active_percent: 1,
        },
        context: WorkContext {
            employee: Some("ana".into()),
            project: Some("Apollo".into()),
            task: None,
        },
    };
    let v = serde_json::to_value(&slot).unwrap();
    assert_eq!(v["slot_start"], "2026-11-30T08:00:00.000Z");
    assert_eq!(v["project"], "Apollo");
    assert_eq!(v["tracked_seconds"], 300);
    assert!(
        v.get("metrics").is_none() && v.get("context").is_none(),
        "flattened: {v}"
    );

    let caps = Capabilities {
        session: Session::X11 {
            display: ":0".into(),
        },
        screens: Availability::available(Backend::X11),
        input: Availability::first_working(vec![
            (Backend::X11, Err("no RECORD".into())),
            (Backend::Evdev, Err("no /dev/input".into())),
        ]),
        windows: Availability::not_probed("macOS"),
    };
    assert_eq!(
        serde_json::to_value(&caps).unwrap(),
        json!({
            "session": {"kind": "x11", "display": ":0"},
            "screens": {"state": "available", "backend": "x11", "passed_over": []},
            "input": {"state": "unavailable", "reason": "x11: no RECORD; evdev: no /dev/input",
                "passed_over": [{"backend": "x11", "reason": "no RECORD"},
                    {"backend": "evdev", "reason": "no /dev/input"}]},
            "windows": {"state": "not_probed", "reason": "macOS", "passed_over": []},
        })
    );
    let wayland = Session::Wayland {
        display: "wayland-0".into(),
        x_display: Some(":0".into()),
    };
    assert_eq!(
        serde_json::to_value(&wayland).unwrap(),
        json!({"kind": "wayland", "display": "wayland-0", "x_display": ":0"})
    );
    let back: Capabilities = serde_json::from_value(serde_json::to_value(&caps).unwrap()).unwrap();
    assert_eq!(back, caps);
    assert_eq!(
        serde_json::to_value(SourceKind::Windows).unwrap(),
        "windows"
    );

    let pending = Pending {
        count: 1,
        deletes: 0,
        oldest: Some(t(0)),
        items: vec![PendingItem {
            kind: PendingKind::Upload,
            screenshot_id: "ab".into(),
            key: "k.jpg".into(),
            attempts: 2,
            next_attempt: t(60_000),
            last_error: Some("HTTP 503".into()),
        }],
    };
    let v = serde_json::to_value(&pending).unwrap();
    assert_eq!(v["items"][0]["kind"], "upload");
    assert_eq!(v["items"][0]["next_attempt"], "2026-11-30T08:01:00.000Z");

    let q: Query = serde_json::from_value(json!({
        "from": "2026-11-30T08:00:00Z", "to": 1796029200000u64, "employee": "ana"
    }))
    .unwrap();
    assert_eq!(q.from, Some(t(0)));
    assert_eq!(q.to, Some(t(3_600_000)));
    assert!(serde_json::from_value::<Query>(json!({"form": "typo"})).is_err());
    let v: Viewer = serde_json::from_value(json!({"role": "employee", "id": "ana"})).unwrap();
    assert_eq!(v, Viewer::employee("ana"));
    assert_eq!(
        serde_json::to_value(ErrorKind::NotFound).unwrap(),
        "not_found"
    );
}
