//! The embedding contract, without a display: every `Tracker` method from a `#[tokio::test]`,
//! from another thread and from an event handler; `stop` from a handler; a panicking handler;
//! the screenshot switches while tracking runs; the review window; the viewer's rights; an
//! embedder's blocking storage (failing for a while, hanging); URL samples; a record-store write
//! that fails and is kept.
//!
//! Screens come from a small screen source of the test's own (a gradient frame): this file tests
//! the runtime's contract, not capture, which `tracker_x11.rs` tests on a real X server.

#[path = "common/embed.rs"]
mod embed;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock, Weak, mpsc};
use std::time::{Duration, Instant};

use embed::*;

use activity_core::capture::SourceKind;
use activity_core::model::activity::ActivityKind;
use activity_core::model::score::InputEvent;
use activity_core::runtime::{Query, TrackerEvent, Viewer};
use activity_core::storage::UploadState;
use activity_core::{Clock, ErrorKind, Tracker};

/// Every method, called from inside the caller's own (current-thread) tokio runtime.
#[tokio::test]
async fn every_method_works_from_inside_a_tokio_runtime() {
    let mut b = builder("tokio", "");
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.set_context(Some("ana"), Some("Apollo"), None).unwrap();
    t.start().unwrap();
    t.record_input(InputEvent::KeyPress);
    t.record_window("code", "main.rs").unwrap();
    t.pause().unwrap();
    t.resume().unwrap();
    let id = wait_for(&rx, 15, stored).expect("a screenshot stored");
    let viewer = Viewer::employee("ana");
    let list = t.screenshots(&viewer, &Query::default()).unwrap();
    assert!(list.iter().any(|s| s.id == id));
    let jpeg = t.screenshot_bytes(&viewer, &id, false).unwrap();
    assert_eq!(&jpeg[..2], &[0xff, 0xd8], "a JPEG");
    let url = t
        .screenshot_url(&viewer, &id, true, Duration::from_secs(60))
        .unwrap();
    assert!(url.as_str().contains("-thumb"), "{url}");
    let outcome = t.delete_screenshot(&viewer, &id).unwrap();
    assert!(outcome.is_complete(), "{outcome:?}");
    let left = t.sync().unwrap();
    assert!(
        left.items.iter().all(|i| i.screenshot_id != id),
        "nothing of the deleted screenshot waits: {left:?}"
    );
    t.stop().unwrap();
    assert!(!t.slots(&viewer, &Query::default()).unwrap().is_empty());
    assert!(t.screenshot(&viewer, &id).is_err());
    // Dropped inside the runtime: must not panic.
    drop(t);
}

#[test]
fn handlers_may_call_the_tracker_but_stop_from_a_handler_is_reentrant() {
    let me: Arc<OnceLock<Weak<Tracker>>> = Arc::new(OnceLock::new());
    let (report, results) = mpsc::channel::<(String, Result<(), ErrorKind>)>();
    let deleted: Arc<Mutex<Vec<String>>> = Arc::default();
    let deleted2 = deleted.clone();
    let report = Mutex::new(report);
    let me2 = me.clone();
    let mut b = builder("handler", "")
        // A handler that always panics: reported, and delivery goes on.
        .on_event(|e| {
            if matches!(e, TrackerEvent::Started { .. }) {
                panic!("handler bug");
            }
        })
        .on_event(move |e| {
            let Some(t) = me2.get().and_then(Weak::upgrade) else {
                return;
            };
            let send = |what: &str, r: Result<(), activity_core::Error>| {
                let _ = report
                    .lock()
                    .unwrap()
                    .send((what.to_string(), r.map_err(|e| e.kind())));
            };
            if let TrackerEvent::ScreenshotTaken(s) = e {
                send(
                    "set_context",
                    t.set_context(Some("ana"), Some("Hermes"), None),
                );
                send("pause", t.pause());
                send("resume", t.resume());
                deleted2.lock().unwrap().push(s.id.clone());
                send(
                    "delete",
                    t.delete_screenshot(&Viewer::Admin, &s.id).map(|_| ()),
                );
                send("stop", t.stop());
            }
        });
    let rx = b.event_channel();
    let t = Arc::new(b.build().unwrap());
    me.set(Arc::downgrade(&t)).unwrap();
    t.start().unwrap();
    let panicked = wait_for(&rx, 5, |e| match e {
        TrackerEvent::HandlerPanicked { during, message } => {
            Some((during.clone(), message.clone()))
        }
        _ => None,
    });
    assert_eq!(
        panicked,
        Some(("started".to_string(), "handler bug".to_string()))
    );
    let mut got = BTreeMap::new();
    while got.len() < 5 {
        let (what, r) = results
            .recv_timeout(Duration::from_secs(15))
            .expect("the handler's calls returned (no deadlock)");
        got.insert(what, r);
    }
    assert_eq!(got["set_context"], Ok(()));
    assert_eq!(got["pause"], Ok(()));
    assert_eq!(got["resume"], Ok(()));
    assert_eq!(got["delete"], Ok(()));
    assert_eq!(got["stop"], Err(ErrorKind::Reentrant));
    // From another thread, every method works too.
    let t2 = t.clone();
    std::thread::spawn(move || {
        t2.record_window("code", "lib.rs").unwrap();
        t2.set_screenshots_enabled(false).unwrap();
        t2.stop().unwrap();
    })
    .join()
    .unwrap();
    assert!(!t.is_running());
    // The deleted screenshots are gone: not listed, nothing of them waiting.
    let deleted = deleted.lock().unwrap().clone();
    assert!(!deleted.is_empty());
    let listed = t.screenshots(&Viewer::Admin, &Query::default()).unwrap();
    let pending = t.pending_uploads().unwrap();
    for id in &deleted {
        assert!(listed.iter().all(|s| &s.id != id), "{id} still listed");
        assert!(
            pending
                .items
                .iter()
                .all(|i| &i.screenshot_id != id
                    || i.kind == activity_core::storage::PendingKind::Delete),
            "{id} still uploading"
        );
    }
}

#[test]
fn switches_take_effect_at_once_and_survive_a_restart() {
    let dir = data_dir("switches");
    let mut b = builder_in(&dir, "");
    let rx = b.event_channel();
    let all = b.event_channel();
    let t = b.build().unwrap();
    t.set_context(Some("ana"), None, None).unwrap();
    // The employee's switch off: no screenshot, while input and windows are still tracked.
    let s = t.set_screenshots_enabled(false).unwrap();
    assert!(!s.effective());
    t.start().unwrap();
    for _ in 0..3 {
        t.record_input(InputEvent::KeyPress);
        t.record_window("code", "main.rs").unwrap();
        std::thread::sleep(Duration::from_millis(400));
    }
    assert_eq!(
        wait_for(&rx, 6, taken),
        None,
        "a screenshot with the switch off"
    );
    // The organisation's off wins over the employee's on.
    t.set_organisation_allows_screenshots(false).unwrap();
    let s = t.set_screenshots_enabled(true).unwrap();
    assert!(s.employee && !s.organisation && !s.effective());
    assert_eq!(
        wait_for(&rx, 6, taken),
        None,
        "a screenshot the organisation forbids"
    );
    // Both on: screenshots again, reported as a switch event.
    t.set_organisation_allows_screenshots(true).unwrap();
    assert!(wait_for(&rx, 8, taken).is_some());
    t.stop().unwrap();
    let slots = t.slots(&Viewer::Admin, &Query::default()).unwrap();
    assert_eq!(
        slots
            .iter()
            .filter_map(|s| s.metrics.keyboard_events)
            .sum::<u32>(),
        3
    );
    let acts = t.activities(&Viewer::Admin, &Query::default()).unwrap();
    assert!(acts.iter().any(|a| a.title == "main.rs"));
    // Events said when the effect changed: off (employee), on (both).
    drop(t);
    let switched: Vec<bool> = all
        .try_iter()
        .filter_map(|e| match e {
            TrackerEvent::ScreenshotsSwitched { effective, .. } => Some(effective),
            _ => None,
        })
        .collect();
    assert_eq!(switched, [false, true]);
    // A restart keeps what was set, whatever the configuration says.
    let t = builder_in(
        &dir,
        r#", "isScreenshotEnabled": true, "allowScreenshotCapture": true"#,
    )
    .build()
    .unwrap();
    let s = t.screenshot_switches();
    assert!(s.employee && s.organisation);
    t.set_organisation_allows_screenshots(false).unwrap();
    drop(t);
    let t = builder_in(&dir, "").build().unwrap();
    assert!(!t.screenshot_switches().organisation);
    assert!(t.screenshot_switches().employee);
}

#[test]
fn inside_the_review_window_a_deleted_screenshot_never_leaves_the_machine() {
    let product = Arc::new(ProductStorage::default());
    let mut b = builder("review", r#", "upload_delay": "1h""#)
        .blocking_storage(product.clone(), Duration::from_secs(5));
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.set_context(Some("ana"), None, None).unwrap();
    t.start().unwrap();
    let id = wait_for(&rx, 12, taken).expect("a screenshot");
    let ana = Viewer::employee("ana");
    let shot = t.screenshot(&ana, &id).unwrap();
    assert_eq!(shot.upload_state, UploadState::Waiting);
    // Readable by the employee from the spool; no URL yet (it is not anywhere else).
    let thumb = t.screenshot_bytes(&ana, &id, true).unwrap();
    assert_eq!(&thumb[..2], &[0xff, 0xd8]);
    let e = t
        .screenshot_url(&ana, &id, false, Duration::from_secs(60))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    let outcome = t.delete_screenshot(&ana, &id).unwrap();
    assert!(outcome.remote_deleted.is_empty() && outcome.remote_queued.is_empty());
    t.stop().unwrap();
    assert!(t.screenshot(&Viewer::Admin, &id).is_err());
    let calls = product.calls.lock().unwrap().clone();
    assert!(
        !calls.iter().any(|c| c.contains(&id)),
        "the product's storage saw the deleted screenshot: {calls:?}"
    );
    // Nothing about it waits anywhere.
    assert!(
        t.pending_uploads()
            .unwrap()
            .items
            .iter()
            .all(|i| i.screenshot_id != id)
    );
    let spool = t.data_dir().join("spool");
    assert!(
        std::fs::read_dir(spool)
            .unwrap()
            .flatten()
            .all(|f| !f.file_name().to_string_lossy().contains(&id))
    );
}

#[test]
fn an_embedders_storage_failing_for_a_while_gets_every_object_and_a_hung_one_times_out() {
    let product = Arc::new(ProductStorage::default());
    product.failing.store(3, Ordering::SeqCst);
    let mut b = builder("product", "").blocking_storage(product.clone(), Duration::from_secs(5));
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap();
    let retried = wait_for(&rx, 12, |e| match e {
        TrackerEvent::UploadRetrying { error, .. } => Some(error.clone()),
        _ => None,
    })
    .expect("a failed upload is retried");
    assert!(retried.contains("503"), "{retried}");
    let id = wait_for(&rx, 12, stored).expect("stored after the failures");
    let shot = t.screenshot(&Viewer::Admin, &id).unwrap();
    {
        let objects = product.objects.lock().unwrap();
        assert!(objects.contains_key(&shot.full_key) && objects.contains_key(&shot.thumb_key));
        assert_eq!(objects[&shot.full_key].len() as u64, shot.full_bytes);
    }
    // Read back through the embedder's get once uploaded (the spool copy is gone).
    let bytes = t.screenshot_bytes(&Viewer::Admin, &id, false).unwrap();
    assert_eq!(bytes.len() as u64, shot.full_bytes);
    t.stop().unwrap();

    // A storage that hangs: each call is given up after the timeout, and stop is not held up.
    let hung = Arc::new(ProductStorage::default());
    *hung.delay.lock().unwrap() = Duration::from_secs(30);
    let mut b = builder("product-hung", "")
        .blocking_storage(hung.clone(), Duration::from_millis(300))
        .stop_flush(Duration::from_secs(1));
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap();
    let error = wait_for(&rx, 12, |e| match e {
        TrackerEvent::UploadRetrying { error, .. } => Some(error.clone()),
        _ => None,
    })
    .expect("a timed-out upload is retried");
    assert!(error.contains("did not finish within"), "{error}");
    let started = Instant::now();
    t.stop().unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        t.pending_uploads().unwrap().count >= 2,
        "kept for the next start"
    );
}

#[test]
fn a_viewer_sees_only_what_their_role_allows() {
    let mut b = builder("viewer", "");
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.set_context(Some("ana"), None, None).unwrap();
    t.start().unwrap();
    let ana_shot = wait_for(&rx, 12, taken).unwrap();
    t.set_context(Some("bo"), None, None).unwrap();
    let bo_shot = wait_for(&rx, 12, taken).unwrap();
    t.stop().unwrap();
    let ids = |v: &Viewer| -> Vec<String> {
        t.screenshots(v, &Query::default())
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    assert_eq!(ids(&Viewer::employee("ana")), vec![ana_shot.clone()]);
    assert_eq!(ids(&Viewer::employee("bo")), vec![bo_shot.clone()]);
    let manager = Viewer::Manager {
        id: "cy".into(),
        team: vec!["ana".into(), "bo".into()],
    };
    assert_eq!(ids(&manager).len(), 2);
    assert!(ids(&Viewer::employee("cy")).is_empty());
    // Another employee's screenshot answers NotFound, for every read and for delete.
    let ana = Viewer::employee("ana");
    for e in [
        t.screenshot_bytes(&ana, &bo_shot, false)
            .map(|_| ())
            .unwrap_err(),
        t.screenshot_url(&ana, &bo_shot, false, Duration::from_secs(60))
            .map(|_| ())
            .unwrap_err(),
        t.delete_screenshot(&ana, &bo_shot).map(|_| ()).unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    }
    assert_eq!(ids(&Viewer::Admin).len(), 2, "nothing was deleted");
    // Filters: by employee within the manager's team, and by time range.
    let only_bo = Query {
        employee: Some("bo".into()),
        ..Query::default()
    };
    assert_eq!(t.screenshots(&manager, &only_bo).unwrap().len(), 1);
    let ana_taken = t.screenshot(&ana, &ana_shot).unwrap().taken_at;
    let before = Query {
        to: Some(ana_taken.add_millis(1)),
        ..Query::default()
    };
    assert_eq!(t.screenshots(&manager, &before).unwrap().len(), 1);
}

#[test]
fn url_samples_feed_only_the_website_lane_and_track_urls_is_honoured() {
    for track_urls in [true, false] {
        let extra = format!(r#", "trackUrls": {track_urls}"#);
        let t = builder(&format!("urls-{track_urls}"), &extra)
            .without_source(SourceKind::Screens)
            .build()
            .unwrap();
        t.start().unwrap();
        for i in 0..4 {
            t.record_window("firefox", "Mozilla Firefox").unwrap();
            t.record_url(
                "firefox",
                &format!("Tab {i}"),
                &format!("https://example.org/page?token=secret{i}#f"),
            )
            .unwrap();
            std::thread::sleep(Duration::from_millis(300));
        }
        t.stop().unwrap();
        let acts = t.activities(&Viewer::Admin, &Query::default()).unwrap();
        let apps: Vec<&str> = acts
            .iter()
            .filter(|a| a.kind == ActivityKind::App)
            .map(|a| a.title.as_str())
            .collect();
        assert!(
            !apps.is_empty() && apps.iter().all(|t| *t == "Mozilla Firefox"),
            "{apps:?}"
        );
        let urls: Vec<_> = acts
            .iter()
            .filter(|a| a.kind == ActivityKind::Url)
            .collect();
        if track_urls {
            assert!(!urls.is_empty());
            assert!(
                urls.iter()
                    .all(|a| a.url.as_deref() == Some("https://example.org/page"))
            );
        } else {
            assert!(urls.is_empty(), "{urls:?}");
        }
    }
}

#[test]
fn a_write_the_record_store_refuses_is_kept_reported_and_retried() {
    let dir = data_dir("poison");
    let mut b = builder_in(&dir, "").without_source(SourceKind::Screens);
    let rx = b.event_channel();
    let t = b.build().unwrap();
    // The database refuses one record (as a full disk or a broken file would refuse writes).
    let db = rusqlite::Connection::open(dir.join("activity.sqlite")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER poison BEFORE INSERT ON activities WHEN NEW.title = 'poison'
         BEGIN SELECT RAISE(ABORT, 'disk says no'); END;",
    )
    .unwrap();
    t.start().unwrap();
    t.record_window("editor", "poison").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    t.record_window("editor", "fine").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    t.record_window("editor", "also fine").unwrap();
    let failed = wait_for(&rx, 5, |e| match e {
        TrackerEvent::RecordsWriteFailed { error, waiting } => Some((error.clone(), *waiting)),
        _ => None,
    })
    .expect("the failure is reported");
    assert!(failed.0.contains("disk says no"), "{failed:?}");
    // The others are not held back by the bad one.
    let fine = wait_for(&rx, 5, |e| match e {
        TrackerEvent::ActivityRecorded(a) if a.title == "fine" => Some(()),
        _ => None,
    });
    assert!(fine.is_some());
    // The store recovers: the kept record is written after all, nothing lost.
    db.execute_batch("DROP TRIGGER poison").unwrap();
    let recovered = wait_for(&rx, 5, |e| match e {
        TrackerEvent::RecordsWriteRecovered { written } => Some(*written),
        _ => None,
    });
    assert!(recovered.is_some_and(|n| n >= 1));
    t.stop().unwrap();
    let titles: Vec<String> = t
        .activities(&Viewer::Admin, &Query::default())
        .unwrap()
        .into_iter()
        .map(|a| a.title)
        .collect();
    for want in ["poison", "fine", "also fine"] {
        assert!(titles.iter().any(|t| t == want), "{want} lost: {titles:?}");
    }
}

#[test]
fn a_screenshot_deleted_while_its_upload_is_in_flight_is_deleted_after_it_lands() {
    let product = Arc::new(ProductStorage::default());
    *product.delay.lock().unwrap() = Duration::from_millis(1_500);
    let mut b = builder("in-flight", "").blocking_storage(product.clone(), Duration::from_secs(10));
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap();
    let id = wait_for(&rx, 12, taken).expect("a screenshot");
    let shot = t.screenshot(&Viewer::Admin, &id).unwrap();
    // Wait until its first upload is in flight (the product's put has been called).
    let end = Instant::now() + Duration::from_secs(5);
    while !product
        .calls
        .lock()
        .unwrap()
        .iter()
        .any(|c| c.contains(&id))
    {
        assert!(Instant::now() < end, "no upload started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let outcome = t.delete_screenshot(&Viewer::Admin, &id).unwrap();
    assert!(
        !outcome.remote_queued.is_empty(),
        "an object in flight may reach the provider: its deletion is queued ({outcome:?})"
    );
    assert!(
        t.screenshot(&Viewer::Admin, &id).is_err(),
        "gone locally at once"
    );
    // The upload lands, marks nothing, and the queued deletion removes what it stored.
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let left = t.pending_uploads().unwrap();
        let objects = product.objects.lock().unwrap().clone();
        if left.items.iter().all(|i| i.screenshot_id != id)
            && !objects.contains_key(&shot.full_key)
            && !objects.contains_key(&shot.thumb_key)
        {
            break;
        }
        assert!(
            Instant::now() < end,
            "still there: {left:?} {:?}",
            objects.keys()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    t.stop().unwrap();
    let all: Vec<TrackerEvent> = rx.try_iter().collect();
    assert!(
        !all.iter()
            .any(|e| matches!(e, TrackerEvent::ScreenshotStored { id: s } if *s == id)),
        "a deleted screenshot was reported stored"
    );
    assert!(t.screenshot(&Viewer::Admin, &id).is_err());
}

#[test]
fn a_report_of_today_over_what_the_viewer_may_see() {
    use activity_core::runtime::ReportRequest;
    let t = builder("report", "")
        .without_source(SourceKind::Screens)
        .build()
        .unwrap();
    t.set_context(Some("ana"), Some("Apollo"), None).unwrap();
    let utc_day = || {
        activity_core::SystemClock
            .now()
            .to_utc()
            .unwrap()
            .date()
            .to_string()
    };
    // The days the run touched (two if it crossed UTC midnight).
    let first = utc_day();
    t.start().unwrap();
    for _ in 0..5 {
        t.record_input(InputEvent::KeyPress);
    }
    t.record_window("code", "main.rs").unwrap();
    std::thread::sleep(Duration::from_millis(700));
    t.record_window("code", "main.rs").unwrap();
    t.stop().unwrap();
    let today = utc_day();
    let days = if first == today { 1 } else { 2 };
    let request = || {
        let mut r = ReportRequest::day(&first, "UTC");
        r.period.last = today.clone();
        r
    };
    let ana = Viewer::employee("ana");
    let r = t.report(&ana, &request()).unwrap();
    assert_eq!(r.timeline.len(), days * 24 * 6);
    assert_eq!(r.totals.keyboard_events, Some(5));
    assert!(r.totals.tracked_seconds >= 1);
    assert_eq!(r.projects[0].project.as_deref(), Some("Apollo"));
    assert_eq!(r.top_applications[0].name, "code");
    let nobody = t.report(&Viewer::employee("bo"), &request()).unwrap();
    assert_eq!(nobody.totals.keyboard_events, Some(0));
    assert!(nobody.top_applications.is_empty());
    let e = t
        .report(&ana, &ReportRequest::day(&today, "Nowhere/Land"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("Nowhere/Land"), "{e}");
}
