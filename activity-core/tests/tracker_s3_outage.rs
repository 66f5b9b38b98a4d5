//! Tracking with the S3 provider while the S3 server is down: screenshots wait in the outbox,
//! the tracker reports retries, and when the server is back every screenshot arrives.
//! Real parts: Xvfb + openbox + xcap capture, moto_server on 127.0.0.1, SQLite.

mod common;
#[path = "common/s3.rs"]
mod s3;
#[path = "common/x11.rs"]
mod x11;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use activity_core::runtime::TrackerEvent;
use activity_core::storage::backend::ObjectStorage;
use activity_core::runtime::Viewer;
use activity_core::storage::{Backoff, UploadState};
use activity_core::{Config, Tracker};
use sha2::Digest;

#[test]
fn screenshots_taken_while_s3_is_down_all_arrive_when_it_returns() {
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
