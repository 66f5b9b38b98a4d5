//! One data folder, many trackers and processes: one owner at a time (a second capturing
//! tracker is refused, naming the owner's process), readers that never recover or clean, the
//! folder however its path is spelled, owner-only permissions, `stop` bounded whatever the
//! storage does, uploads cut off and deleted, deletions tied to the storage location that holds
//! the object, an embedder's not-found.
//!
//! Screens come from the test's own gradient source; storage is the default local one or an
//! embedder's in memory (`common/embed.rs`), or a loopback TCP server that accepts and never
//! answers (a black-holed network).
#![cfg_attr(windows, allow(unused_imports, dead_code))] // the Unix-only tests are compiled out on Windows

mod common;
#[path = "common/embed.rs"]
mod embed;
#[path = "common/s3.rs"]
mod s3;

#[cfg(unix)]
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Command;
#[cfg(unix)]
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use activity_core::runtime::{Query, TrackerEvent, Viewer};
use activity_core::storage::config::LocalConfig;
use activity_core::storage::local::LocalStorage;
use activity_core::storage::secret::Secret;
use activity_core::{ErrorKind, Tracker};
use embed::*;

fn fresh(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ac-trust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Waits until `cond` holds (up to `secs`), else fails naming `what`.
fn wait_until(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Run only as the child of `a_second_capturing_tracker_is_refused_naming_the_owner`: owns the
/// folder in `AC_TRUST_DIR` (started, capturing) until killed.
#[test]
#[ignore = "child process of the folder-owner test"]
fn owner_child() {
    let Ok(dir) = std::env::var("AC_TRUST_DIR") else {
        return;
    };
    let mut b = builder_in(Path::new(&dir), "");
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.set_context(Some("ana"), None, None).unwrap();
    t.start().unwrap();
    wait_for(&rx, 20, stored).expect("a screenshot stored");
    println!("ready");
    use std::io::Write as _;
    std::io::stdout().flush().unwrap();
    std::thread::sleep(Duration::from_secs(600));
}

#[cfg(unix)] // symlinks and Unix modes (Windows: the DACL test in runtime::folder)
#[test]
fn a_second_capturing_tracker_is_refused_naming_the_owner() {
    let dir = fresh("owner");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "owner_child", "--nocapture"])
        .env("AC_TRUST_DIR", &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.trim() == "ready")),
        "the owner never stored a screenshot"
    );
    // Another process, spelling the folder differently (through a symlink).
    let link = fresh("owner-link");
    std::os::unix::fs::symlink(&dir, &link).unwrap();
    let mut b = builder_in(&link, "");
    let rx = b.event_channel();
    let t = b.build().unwrap();
    let e = t.start().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    assert!(
        e.to_string()
            .contains(&format!("in use by process {} (track)", child.id())),
        "{e}"
    );
    assert!(!t.is_running());
    // As a reader it lists, reports and deletes; its sync is refused (the owner uploads).
    let ana = Viewer::employee("ana");
    let shots = t.screenshots(&ana, &Query::default()).unwrap();
    assert!(!shots.is_empty());
    let outcome = t.delete_screenshot(&ana, &shots[0].id).unwrap();
    assert!(
        !outcome.remote_queued.is_empty() && outcome.remote_deleted.is_empty(),
        "a reader leaves the provider to the owner: {outcome:?}"
    );
    // The owner carries the deletion out within seconds.
    let objects = dir.join("objects");
    wait_until(20, "the owner's remote deletion", || {
        t.pending_uploads()
            .unwrap()
            .items
            .iter()
            .all(|i| i.screenshot_id != shots[0].id)
    });
    assert!(!objects.join(&shots[0].full_key).exists());
    assert!(!objects.join(&shots[0].thumb_key).exists());
    let e = t.sync().unwrap_err();
    assert!(e.to_string().contains("in use by process"), "{e}");
    child.kill().unwrap();
    child.wait().unwrap();
    // Its owner gone (killed: the kernel released the lock), this tracker may own it.
    t.start().unwrap();
    t.stop().unwrap();
    drop(rx);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&link);
}

#[cfg(unix)] // symlinks and Unix modes (Windows: the DACL test in runtime::folder)
#[test]
fn one_folder_however_spelled_loses_nothing() {
    // It changes the process's working directory: a process of its own under plain `cargo test`.
    if common::in_own_process("one_folder_however_spelled_loses_nothing") {
        return;
    }
    let base = fresh("spelled");
    std::fs::create_dir_all(base.join("elsewhere")).unwrap();
    let dir = base.join("d");
    // Screenshots waiting in the review window: only the spool holds them.
    let mut b = builder_in(&dir, r#", "upload_delay": "1h""#);
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap();
    let id = wait_for(&rx, 20, taken).expect("a screenshot");
    t.stop().unwrap();
    drop(t);
    let spool = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d.join("spool"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let files = spool(&dir);
    assert!(files.len() >= 2, "{files:?}");
    std::os::unix::fs::symlink(&dir, base.join("link")).unwrap();
    std::env::set_current_dir(&base).unwrap();
    let spellings = [
        PathBuf::from("d"),
        PathBuf::from("./d"),
        dir.clone(),
        base.join("link"),
        PathBuf::from("link/"),
        PathBuf::from("elsewhere/../d"),
    ];
    for (i, spelling) in spellings.iter().enumerate() {
        if i == spellings.len() - 1 {
            std::env::set_current_dir(base.join("elsewhere")).unwrap();
        }
        let spelling = if i == spellings.len() - 1 {
            PathBuf::from("../d")
        } else {
            spelling.clone()
        };
        // As the owner (start and stop: it sweeps the spool) and as a reader.
        let t = builder_in(&spelling, r#", "upload_delay": "1h""#)
            .build()
            .unwrap();
        t.start().unwrap();
        t.stop().unwrap();
        assert_eq!(spool(&dir), files, "opened as {}", spelling.display());
        let bytes = t.screenshot_bytes(&Viewer::Admin, &id, false).unwrap();
        assert_eq!(
            &bytes[..2],
            &[0xff, 0xd8],
            "opened as {}",
            spelling.display()
        );
        assert!(t.pending_uploads().unwrap().count >= 2);
        assert_eq!(t.data_dir(), std::fs::canonicalize(&dir).unwrap());
    }
    // A folder spooled by an earlier version (absolute paths, schema 6) is migrated to names.
    {
        let db = rusqlite::Connection::open(dir.join("activity.sqlite")).unwrap();
        db.execute_batch(&format!(
            "UPDATE outbox SET spool_path = '{}/spool/' || spool_path;
             ALTER TABLE outbox DROP COLUMN location;
             ALTER TABLE remote_deletes DROP COLUMN location;
             ALTER TABLE screenshots DROP COLUMN location;
             DROP INDEX outbox_shot;
             PRAGMA user_version = 6;",
            dir.display()
        ))
        .unwrap();
    }
    let t = builder_in(&base.join("link"), r#", "upload_delay": "1h""#)
        .build()
        .unwrap();
    t.start().unwrap();
    t.stop().unwrap();
    assert_eq!(spool(&dir), files);
    assert!(t.screenshot_bytes(&Viewer::Admin, &id, true).is_ok());
    let _ = std::fs::remove_dir_all(&base);
}

#[cfg(unix)] // symlinks and Unix modes (Windows: the DACL test in runtime::folder)
#[test]
fn the_data_folder_and_every_file_in_it_are_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = fresh("perm");
    let mut b = builder_in(&dir, "");
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap();
    wait_for(&rx, 20, stored).expect("a screenshot stored");
    // And one waiting in the spool.
    t.stop().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let mut files = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                // Folders this library created below the data folder are 0700 too.
                assert_eq!(mode(&p), 0o700, "{}", p.display());
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for needed in ["activity.sqlite", "activity.sqlite-wal", "url-signing.key"] {
        assert!(names.iter().any(|n| n == needed), "{needed} in {names:?}");
    }
    assert!(names.iter().any(|n| n.ends_with("-thumb.jpg")), "{names:?}");
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    // A folder others may read is used as it is, and said so.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut b = builder_in(&dir, "");
    let rx = b.event_channel();
    let _t = b.build().unwrap();
    let warned = wait_for(&rx, 5, |e| match e {
        TrackerEvent::DataFolderExposed { mode, .. } => Some(mode.clone()),
        _ => None,
    });
    assert_eq!(warned.as_deref(), Some("755"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A loopback server that accepts connections and never answers: a black-holed network.
fn black_hole() -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let h = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    (endpoint, h)
}

#[test]
fn stop_returns_within_stop_flush_when_the_storage_black_holes_or_hangs() {
    let (endpoint, _server) = black_hole();
    let store = s3::s3_store(&endpoint);
    let flush = Duration::from_secs(2);
    let mut b = builder("black-hole", "")
        .storage(Arc::new(store))
        .stop_flush(flush);
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap();
    wait_for(&rx, 20, taken).expect("a screenshot");
    // Its upload is on the wire (the server holds it).
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    t.stop().unwrap();
    let took = started.elapsed();
    assert!(took < flush + Duration::from_secs(1), "stop took {took:?}");
    let pending = t.pending_uploads().unwrap();
    assert!(pending.count >= 2, "kept for the next start: {pending:?}");

    // An embedder's put that hangs (far longer than its timeout would allow, too).
    let product = Arc::new(ProductStorage::default());
    product.hold();
    let mut b = builder("hung-put", "")
        .blocking_storage(product.clone(), Duration::from_secs(60))
        .stop_flush(flush);
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap();
    let id = wait_for(&rx, 20, taken).expect("a screenshot");
    wait_until(10, "the product's put", || product.called(&id));
    let started = Instant::now();
    t.stop().unwrap();
    let took = started.elapsed();
    assert!(took < flush + Duration::from_secs(1), "stop took {took:?}");

    // The cut-off upload was claimed before it started: it may reach the provider (the
    // product's put is still running), so deleting the screenshot queues remote deletions,
    // and they wait for that put instead of overtaking it.
    let shot = t.screenshot(&Viewer::Admin, &id).unwrap();
    let outcome = t.delete_screenshot(&Viewer::Admin, &id).unwrap();
    assert!(
        outcome.remote_queued.contains(&shot.full_key),
        "a cut-off upload may have reached the provider: {outcome:?}"
    );
    assert!(
        outcome
            .error
            .as_deref()
            .is_some_and(|e| e.contains("still running")),
        "{outcome:?}"
    );
    // The put lands late; the queued deletion then removes what it stored (the claim of the
    // cut-off drain was released: the key is not stuck "in flight").
    product.release();
    wait_until(10, "the late put", || {
        product.objects.lock().unwrap().contains_key(&shot.full_key)
    });
    wait_until(20, "the remote deletion after the late put", || {
        let _ = t.sync();
        let objects = product.objects.lock().unwrap();
        !objects.contains_key(&shot.full_key) && !objects.contains_key(&shot.thumb_key)
    });
    assert!(
        t.pending_uploads()
            .unwrap()
            .items
            .iter()
            .all(|i| i.screenshot_id != id)
    );
}

#[test]
fn an_embedders_not_found_on_delete_is_a_confirmed_deletion() {
    let product = Arc::new(ProductStorage::default());
    product.strict_delete.store(true, Ordering::SeqCst);
    let mut b = builder("not-found", "").blocking_storage(product.clone(), Duration::from_secs(5));
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap();
    let id = wait_for(&rx, 20, stored).expect("a screenshot stored");
    t.stop().unwrap();
    let shot = t.screenshot(&Viewer::Admin, &id).unwrap();
    // The product lost the object already: its delete answers not-found.
    product.objects.lock().unwrap().remove(&shot.full_key);
    let outcome = t.delete_screenshot(&Viewer::Admin, &id).unwrap();
    assert!(outcome.is_complete(), "{outcome:?}");
    assert_eq!(outcome.remote_deleted.len(), 2, "{outcome:?}");
    assert_eq!(t.pending_uploads().unwrap().deletes, 0);
}

#[test]
fn uploads_and_deletions_stay_with_the_storage_location_that_holds_them() {
    let dir = fresh("location");
    let mut b = builder_in(&dir, "");
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap();
    let uploaded = wait_for(&rx, 20, stored).expect("a screenshot stored");
    t.stop().unwrap();
    drop(t);
    // The same folder opened with another storage (another local root: the `screenshots`
    // tool run without the environment `track` had, say).
    let other = fresh("location-other");
    let store = LocalStorage::new(&LocalConfig {
        root: other.clone(),
        url_secret: Secret::new("0123456789abcdef0123456789abcdef"),
        public_url: None,
    })
    .unwrap();
    let t = builder_in(&dir, "")
        .storage(Arc::new(store))
        .build()
        .unwrap();
    let shot = t.screenshot(&Viewer::Admin, &uploaded).unwrap();
    assert!(dir.join("objects").join(&shot.full_key).exists());
    let outcome = t.delete_screenshot(&Viewer::Admin, &uploaded).unwrap();
    let error = outcome.error.clone().unwrap_or_default();
    assert!(
        !outcome.is_complete()
            && error.contains("held by LOCAL")
            && error.contains(&other.display().to_string()),
        "refused, naming both locations: {outcome:?}"
    );
    // Not "confirmed" by the wrong storage: the real copy is still there, and still queued.
    assert!(dir.join("objects").join(&shot.full_key).exists());
    let e = t.sync().unwrap_err();
    assert!(e.to_string().contains("held by LOCAL"), "{e}");
    assert_eq!(t.pending_uploads().unwrap().deletes, 2);
    drop(t);
    // With its own storage again, the deletion is carried out.
    let t = builder_in(&dir, "").build().unwrap();
    let left = t.sync().unwrap();
    assert_eq!(left.deletes, 0, "{left:?}");
    assert!(!dir.join("objects").join(&shot.full_key).exists());
    assert!(!dir.join("objects").join(&shot.thumb_key).exists());
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&other);
}

#[test]
fn a_panicking_screen_source_fails_one_capture_not_the_run() {
    struct Flaky(u32);
    impl activity_core::capture::ScreenSource for Flaky {
        fn monitors(
            &mut self,
        ) -> Result<Vec<activity_core::capture::Monitor>, activity_core::capture::CaptureError>
        {
            self.0 += 1;
            if self.0 == 1 {
                panic!("the product's screen source broke");
            }
            Gradient.monitors()
        }
        fn pointer(&mut self) -> Result<Option<(i32, i32)>, activity_core::capture::CaptureError> {
            Ok(None)
        }
        fn capture(
            &mut self,
            m: &activity_core::capture::Monitor,
        ) -> Result<activity_core::media::OwnedFrame, activity_core::capture::CaptureError>
        {
            Gradient.capture(m)
        }
    }
    let mut b = builder("flaky", "").screen_source(Box::new(Flaky(0)));
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap();
    let failed = wait_for(&rx, 20, |e| match e {
        TrackerEvent::CaptureFailed { reason, .. } => Some(reason.clone()),
        _ => None,
    })
    .expect("the panic reported");
    assert!(
        failed.contains("the product's screen source broke"),
        "{failed}"
    );
    wait_for(&rx, 20, taken).expect("later screenshots still come");
    t.stop().unwrap();
}

#[test]
fn a_source_calling_the_tracker_back_gets_reentrant_not_a_deadlock() {
    use std::sync::OnceLock;
    struct CallsBack(
        Arc<OnceLock<std::sync::Weak<Tracker>>>,
        std::sync::mpsc::Sender<String>,
    );
    impl activity_core::capture::WindowSource for CallsBack {
        fn active_window(
            &mut self,
        ) -> Result<
            Option<activity_core::capture::ActiveWindow>,
            activity_core::capture::CaptureError,
        > {
            if let Some(t) = self.0.get().and_then(std::sync::Weak::upgrade) {
                let paused = t.pause().map_err(|e| e.kind());
                let stopped = t.stop().map_err(|e| e.kind());
                let _ = self.1.send(format!("{paused:?} {stopped:?}"));
            }
            Ok(None)
        }
    }
    let slot = Arc::new(OnceLock::new());
    let (tx, answers) = std::sync::mpsc::channel();
    let t = Arc::new(
        builder("reentrant", "")
            .window_source(Box::new(CallsBack(slot.clone(), tx)))
            .build()
            .unwrap(),
    );
    slot.set(Arc::downgrade(&t)).unwrap();
    t.start().unwrap();
    let answer = answers
        .recv_timeout(Duration::from_secs(10))
        .expect("the source was polled and its calls answered");
    assert_eq!(answer, "Err(Reentrant) Err(Reentrant)");
    t.stop().unwrap();
}

#[test]
fn empty_viewer_ids_are_refused_and_a_report_covers_at_most_a_year() {
    let t = builder("empty-ids", "").build().unwrap();
    // Tracked without an employee: only the product (Admin) sees it.
    t.start().unwrap();
    t.record_window("code", "main.rs").unwrap();
    std::thread::sleep(Duration::from_millis(1_200));
    t.stop().unwrap();
    assert!(
        !t.slots(&Viewer::Admin, &Query::default())
            .unwrap()
            .is_empty()
    );
    let e = t.set_context(Some(""), None, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    for viewer in [
        Viewer::employee(""),
        Viewer::Manager {
            id: "bo".into(),
            team: vec!["ana".into(), " ".into()],
        },
    ] {
        let e = t.slots(&viewer, &Query::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{viewer:?}: {e}");
        assert!(e.to_string().contains("must not be empty"), "{e}");
        assert!(t.screenshots(&viewer, &Query::default()).is_err());
        assert!(t.activities(&viewer, &Query::default()).is_err());
    }
    let e = Viewer::from_json(None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert_eq!(
        Viewer::from_json(Some(r#"{"role":"admin"}"#)).unwrap(),
        Viewer::Admin
    );
    let mut request = activity_core::runtime::ReportRequest::day("2026-01-01", "UTC");
    request.period.first = "0001-01-01".into();
    request.period.last = "9999-12-31".into();
    let e = t.report(&Viewer::Admin, &request).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains("at most 366"), "{e}");
    request.period.first = "2028-01-01".into();
    request.period.last = "2028-12-31".into();
    assert!(
        t.report(&Viewer::Admin, &request).is_ok(),
        "a leap year is fine"
    );
}

#[test]
fn stop_from_an_embedders_storage_callback_is_reentrant_not_a_stall() {
    use activity_core::storage::StorageError;
    use activity_core::storage::backend::ObjectInfo;
    use activity_core::storage::blocking::BlockingStorage;
    use std::sync::OnceLock;
    struct StopsInPut(
        Arc<OnceLock<std::sync::Weak<Tracker>>>,
        std::sync::Mutex<std::sync::mpsc::Sender<String>>,
    );
    impl BlockingStorage for StopsInPut {
        fn put(&self, _: &str, _: &[u8]) -> Result<(), StorageError> {
            if let Some(t) = self.0.get().and_then(std::sync::Weak::upgrade) {
                let stopped = t.stop().map_err(|e| e.kind());
                let closed = t.close().map_err(|e| e.kind());
                let _ = self
                    .1
                    .lock()
                    .unwrap()
                    .send(format!("{stopped:?} {closed:?}"));
            }
            Ok(())
        }
        fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
            Err(StorageError::NotFound(key.into()))
        }
        fn head(&self, _: &str) -> Result<Option<ObjectInfo>, StorageError> {
            Ok(None)
        }
        fn delete(&self, _: &str) -> Result<(), StorageError> {
            Ok(())
        }
    }
    let slot = Arc::new(OnceLock::new());
    let (tx, answers) = std::sync::mpsc::channel();
    let storage = Arc::new(StopsInPut(slot.clone(), std::sync::Mutex::new(tx)));
    let t = Arc::new(
        builder("storage-reentrant", "")
            .blocking_storage(storage, Duration::from_secs(30))
            .stop_flush(Duration::from_secs(1))
            .build()
            .unwrap(),
    );
    slot.set(Arc::downgrade(&t)).unwrap();
    t.start().unwrap();
    let answer = answers
        .recv_timeout(Duration::from_secs(20))
        .expect("the product's put was called and its calls answered");
    assert_eq!(answer, "Err(Reentrant) Err(Reentrant)");
    assert!(t.is_running());
    t.stop().unwrap();
}

#[test]
fn a_report_over_several_employees_keeps_each_ones_timeline() {
    use activity_core::model::score::InputEvent;
    let t = builder("team", "")
        .without_source(activity_core::capture::SourceKind::Screens)
        .build()
        .unwrap();
    t.set_context(Some("ana"), Some("Apollo"), None).unwrap();
    t.start().unwrap();
    for _ in 0..3 {
        t.record_input(InputEvent::KeyPress);
    }
    std::thread::sleep(Duration::from_millis(1_500));
    t.set_context(Some("bo"), Some("Apollo"), None).unwrap();
    t.record_input(InputEvent::KeyPress);
    std::thread::sleep(Duration::from_millis(1_500));
    t.stop().unwrap();
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let request = activity_core::runtime::ReportRequest::day(&today, "UTC");
    let manager = Viewer::Manager {
        id: "bo".into(),
        team: vec!["ana".into()],
    };
    let team = t.report(&manager, &request).unwrap();
    let names: Vec<Option<&str>> = team
        .employees
        .iter()
        .map(|e| e.employee.as_deref())
        .collect();
    assert_eq!(names, [Some("ana"), Some("bo")]);
    assert!(team.timeline.is_empty(), "no blended timeline");
    for e in &team.employees {
        assert!(e.timeline.iter().all(|s| s.tracked_seconds <= 600));
        assert!(e.totals.tracked_seconds >= 1, "{e:?}");
    }
    let keys: Vec<u64> = team
        .employees
        .iter()
        .map(|e| e.totals.keyboard_events.expect("counted"))
        .collect();
    assert_eq!(keys, [3, 1]);
    for (i, b) in team.distribution.iter().enumerate() {
        let each: u32 = team.employees.iter().map(|e| e.distribution[i].slots).sum();
        assert_eq!(b.slots, each, "bucket {i}");
    }
    assert_eq!(
        team.totals.tracked_seconds,
        team.employees
            .iter()
            .map(|e| e.totals.tracked_seconds)
            .sum::<u64>()
    );
    // The renderings carry each timeline, named.
    let html = team.to_html();
    assert!(html.contains("<h3>ana</h3>") && html.contains("<h3>bo</h3>"));
    assert!(team.to_json().contains("\"employees\""));
    // One employee's report is as before: its timeline, no per-employee part.
    let own = t.report(&Viewer::employee("ana"), &request).unwrap();
    assert!(own.employees.is_empty() && !own.timeline.is_empty());
    assert!(!own.to_json().contains("\"employees\""));
}

#[test]
fn panicking_window_and_input_sources_are_reported_and_the_run_goes_on() {
    struct BadWindows;
    impl activity_core::capture::WindowSource for BadWindows {
        fn active_window(
            &mut self,
        ) -> Result<
            Option<activity_core::capture::ActiveWindow>,
            activity_core::capture::CaptureError,
        > {
            panic!("window source bug")
        }
    }
    struct BadInput;
    impl activity_core::capture::InputSource for BadInput {
        fn start(
            &mut self,
            _: activity_core::capture::InputSink,
        ) -> Result<(), activity_core::capture::CaptureError> {
            panic!("input source bug")
        }
        fn stop(&mut self) {}
    }
    let mut b = builder("bad-sources", "")
        .window_source(Box::new(BadWindows))
        .input_source(Box::new(BadInput));
    let rx = b.event_channel();
    let t = b.build().unwrap();
    t.start().unwrap(); // no panic out of start
    let mut reasons = Vec::new();
    let end = Instant::now() + Duration::from_secs(10);
    while reasons.len() < 2 && Instant::now() < end {
        if let Ok(TrackerEvent::CaptureFailed { reason, .. }) =
            rx.recv_timeout(Duration::from_millis(200))
        {
            reasons.push(reason);
        }
    }
    assert!(
        reasons.iter().any(|r| r.contains("input source bug")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("window source bug")),
        "{reasons:?}"
    );
    // Screenshots go on; the window source is not polled again (no report every second).
    wait_for(&rx, 20, taken).expect("screenshots go on");
    assert!(t.is_running());
    t.stop().unwrap();
    let again = rx
        .try_iter()
        .filter(|e| matches!(e, TrackerEvent::CaptureFailed { reason, .. } if reason.contains("window source bug")))
        .count();
    assert_eq!(again, 0, "the panicking window source was polled again");
}
