//! Tracking with the S3 provider while the S3 server is down: screenshots wait in the outbox,
//! the tracker reports retries, and when the server is back every screenshot arrives.
//! Real parts: Xvfb + openbox + xcap capture, moto_server on 127.0.0.1, SQLite.
#![cfg(target_os = "linux")] // kills and restarts the S3 server mid-test and runs the X11 tools: Linux only (the Windows run shares one S3 server)

mod common;
#[path = "common/s3.rs"]
mod s3;
#[path = "common/tools.rs"]
mod tools;
#[path = "common/x11.rs"]
mod x11;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use activity_core::runtime::TrackerEvent;
use activity_core::runtime::Viewer;
use activity_core::storage::backend::ObjectStorage;
use activity_core::storage::{Backoff, UploadState};
use activity_core::{Config, Tracker};
use sha2::Digest;
use tools::{Proxy, screenshots_tool};

#[test]
fn screenshots_taken_while_s3_is_down_all_arrive_when_it_returns() {
    if common::in_own_process("screenshots_taken_while_s3_is_down_all_arrive_when_it_returns") {
        return;
    }
    let mut x = x11::XSession::start(1024, 768);
    let w = x.xterm("Outage", true, "uploading later");
    x.activate(&w);
    let port = s3::free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let storage = Arc::new(s3::s3_store(&endpoint));
    let dir = std::env::temp_dir().join(format!("activity-core-outage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = Config::from_json_str(
        r#"{"screenshot_frequency": "5s", "slot_seconds": 60, "idle_after": "10m"}"#,
    )
    .unwrap();
    let mut b = Tracker::builder(config)
        .data_dir(&dir)
        .storage(storage.clone())
        .upload_backoff(Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(2),
            jitter: 0.2,
        });
    let events = b.event_channel();
    let tracker = b.build().unwrap();
    // The server is down from the start: nothing listens on the port.
    tracker.start().unwrap();
    let mut taken = BTreeSet::new();
    let mut retries = 0u32;
    let mut stored = BTreeSet::new();
    let mut drain = |until: Instant, want: &BTreeSet<String>| {
        while Instant::now() < until {
            match events.recv_timeout(Duration::from_millis(200)) {
                Ok(TrackerEvent::ScreenshotTaken(s)) => {
                    taken.insert(s.id.clone());
                }
                Ok(TrackerEvent::UploadRetrying { .. }) => retries += 1,
                Ok(TrackerEvent::ScreenshotStored { id }) => {
                    stored.insert(id);
                }
                _ => {}
            }
            if !want.is_empty() && want.is_subset(&stored) {
                break;
            }
        }
        (taken.clone(), stored.clone(), retries)
    };
    let (taken, stored, retries) = drain(
        Instant::now() + Duration::from_millis(11_500),
        &BTreeSet::new(),
    );
    assert!(taken.len() >= 2, "{} screenshots while down", taken.len());
    assert!(stored.is_empty(), "stored while the server was down");
    assert!(retries >= 2, "no retry reported");
    assert_eq!(
        tracker.pending_uploads().unwrap().count,
        2 * taken.len() as u64,
        "full image and thumbnail of each screenshot wait in the outbox"
    );
    // The server comes back (empty: moto keeps nothing across restarts).
    let moto = s3::Moto::start_on(port);
    moto.create_bucket("shots");
    let outage = taken;
    let (_, stored, _) = drain(Instant::now() + Duration::from_secs(60), &outage);
    tracker.stop().unwrap();
    // Every screenshot taken during the outage has arrived, byte for byte.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for id in &outage {
        assert!(stored.contains(id), "{id} never arrived");
        let row = tracker.screenshot(&Viewer::Admin, id).unwrap();
        assert_eq!(row.upload_state, UploadState::Uploaded);
        for (key, sha) in [
            (&row.full_key, &row.sha256),
            (&row.thumb_key, &row.thumb_sha256),
        ] {
            let bytes = rt.block_on(storage.get(key)).unwrap();
            assert_eq!(&hex(&sha2::Sha256::digest(&bytes)), sha, "{key} differs");
        }
    }
    drop(moto);
    let _ = std::fs::remove_dir_all(&dir);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn a_screenshot_deleted_during_an_outage_is_gone_from_the_bucket_after_sync() {
    if common::in_own_process(
        "a_screenshot_deleted_during_an_outage_is_gone_from_the_bucket_after_sync",
    ) {
        return;
    }
    let mut x = x11::XSession::start(800, 600);
    let w = x.xterm("Delete me", true, "private things");
    x.activate(&w);
    let moto = s3::Moto::start();
    moto.create_bucket("shots");
    let moto_port: u16 = moto.endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let mut proxy = Proxy::start(moto_port);
    let endpoint = format!("http://127.0.0.1:{}", proxy.port);
    let dir = std::env::temp_dir().join(format!("activity-core-delsync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config =
        Config::from_json_str(r#"{"screenshot_frequency": "5s", "idle_after": "10m"}"#).unwrap();
    let mut b = Tracker::builder(config)
        .data_dir(&dir)
        .storage(Arc::new(s3::s3_store(&endpoint)));
    let events = b.event_channel();
    let tracker = b.build().unwrap();
    tracker.start().unwrap();
    let mut stored = Vec::new();
    let until = Instant::now() + Duration::from_secs(30);
    while stored.len() < 2 && Instant::now() < until {
        if let Ok(TrackerEvent::ScreenshotStored { id }) =
            events.recv_timeout(Duration::from_millis(200))
        {
            stored.push(id);
        }
    }
    tracker.stop().unwrap();
    assert!(stored.len() >= 2, "{stored:?}");
    let shots: Vec<_> = stored
        .iter()
        .map(|id| tracker.screenshot(&Viewer::Admin, id).unwrap())
        .collect();
    drop(tracker);
    let independent = s3::s3_store(&moto.endpoint);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for s in &shots {
        for key in [&s.full_key, &s.thumb_key] {
            assert!(
                rt.block_on(independent.head(key)).unwrap().is_some(),
                "{key}"
            );
        }
    }

    // The network goes away; the employee deletes the first screenshot.
    proxy.close();
    let victim = &shots[0];
    let (ok, out) = screenshots_tool(&dir, &endpoint, &["delete", &victim.id]);
    assert!(ok, "{out}");
    assert!(out.contains("queued"), "{out}");
    // Local copies are gone at once.
    let (ok, list) = screenshots_tool(&dir, &endpoint, &["list", "--json"]);
    assert!(ok, "{list}");
    let listed: serde_json::Value = serde_json::from_str(&list).unwrap();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&victim.id.as_str()), "{ids:?}");
    assert!(ids.contains(&shots[1].id.as_str()));
    for s in listed.as_array().unwrap() {
        for field in ["id", "taken_at", "full_key", "thumb_key", "upload_state"] {
            assert!(s.get(field).is_some(), "{field} missing in {s}");
        }
    }
    // While the network is down, sync cannot finish and says what is left.
    let (ok, out) = screenshots_tool(&dir, &endpoint, &["sync"]);
    assert!(!ok, "{out}");
    assert!(out.contains(&victim.full_key), "{out}");

    // The network is back: sync finishes the deletion.
    proxy.reopen();
    let (ok, out) = screenshots_tool(&dir, &endpoint, &["sync"]);
    assert!(ok, "{out}");
    for key in [&victim.full_key, &victim.thumb_key] {
        assert_eq!(
            rt.block_on(independent.head(key)).unwrap(),
            None,
            "{key} still there"
        );
    }
    for key in [&shots[1].full_key, &shots[1].thumb_key] {
        assert!(
            rt.block_on(independent.head(key)).unwrap().is_some(),
            "{key} lost"
        );
    }
    // The survivor's URL works through the tool, as the S3 server serves it.
    let (ok, url) = screenshots_tool(&dir, &endpoint, &["url", &shots[1].id, "--thumb"]);
    assert!(ok, "{url}");
    assert!(url.trim().starts_with(&endpoint), "{url}");
    let _ = std::fs::remove_dir_all(&dir);
}
