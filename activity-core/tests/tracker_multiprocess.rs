//! Several real processes on one data folder, as a user runs them: `track` capturing a real X
//! display and uploading to an S3 server (moto on 127.0.0.1, behind a TCP proxy the test
//! controls), while the `screenshots` and `report` tools list, report and delete from other
//! processes; and `track` killed with SIGKILL in the middle of an upload.
#![cfg(target_os = "linux")] // two processes on one X display (Xvfb) with their S3 server

mod common;
#[path = "common/rollups.rs"]
mod rollups;
#[path = "common/s3.rs"]
mod s3;
#[path = "common/tools.rs"]
mod tools;
#[path = "common/x11.rs"]
mod x11;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use activity_core::runtime::{Query, Viewer};
use activity_core::storage::backend::ObjectStorage;
use activity_core::{Config, Tracker};
use tools::{Proxy, example, report_tool, screenshots_tool, with_s3};

/// `track` on the session's display, uploading to S3 behind `endpoint`.
fn track(dir: &Path, endpoint: &str, seconds: u64) -> Child {
    let mut c = Command::new(example("track"));
    c.arg("--data-dir")
        .arg(dir)
        .args(["--for", &format!("{seconds}s"), "--slot", "1m"])
        .args(["--frequency", "5s", "--no-browser"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    with_s3(c, endpoint).spawn().unwrap()
}

/// The screenshot id of an object key (`…/<id>.jpg`, `…/<id>-thumb.jpg`).
fn id_of(key: &str) -> String {
    let file = key.rsplit('/').next().unwrap();
    let stem = file.split('.').next().unwrap();
    stem.trim_end_matches("-thumb").to_string()
}

fn listed(dir: &Path, endpoint: &str) -> Vec<serde_json::Value> {
    let (ok, out) = screenshots_tool(dir, endpoint, &["list", "--json"]);
    assert!(ok, "list: {out}");
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap_or_else(|e| panic!("list --json: {e}: {out}"))
        .as_array()
        .unwrap()
        .clone()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// What both tests run against: an X display with a window, moto behind a proxy, an S3 client
/// of the test's own, a fresh data folder.
struct Rig {
    _x: x11::XSession,
    moto: s3::Moto,
    proxy: Proxy,
    endpoint: String,
    independent: activity_core::storage::s3::S3Storage,
    dir: std::path::PathBuf,
}

impl Rig {
    fn start(name: &str, window: &str) -> Rig {
        let mut x = x11::XSession::start(1024, 768);
        let w = x.xterm(window, true, "private things");
        x.activate(&w);
        let moto = s3::Moto::start();
        moto.create_bucket("shots");
        let moto_port: u16 = moto.endpoint.rsplit(':').next().unwrap().parse().unwrap();
        let proxy = Proxy::start(moto_port);
        let endpoint = format!("http://127.0.0.1:{}", proxy.port);
        let independent = s3::s3_store(&moto.endpoint);
        let dir = std::env::temp_dir().join(format!("activity-core-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Rig {
            _x: x,
            moto,
            proxy,
            endpoint,
            independent,
            dir,
        }
    }
}

#[test]
fn a_put_cut_off_by_kill_9_is_deleted_at_the_provider() {
    if common::in_own_process("a_put_cut_off_by_kill_9_is_deleted_at_the_provider") {
        return;
    }
    let Rig {
        _x,
        moto: _moto,
        proxy,
        endpoint,
        independent,
        dir,
    } = Rig::start("kill-put", "Killed mid-upload");
    let rt = runtime();
    // The provider stores what it is sent, but `track` never hears back.
    proxy.swallow.store(true, Ordering::SeqCst);
    let mut child = track(&dir, &endpoint, 120);
    let deadline = Instant::now() + Duration::from_secs(60);
    let key = loop {
        assert!(Instant::now() < deadline, "no upload reached the provider");
        let landed = proxy
            .put_keys()
            .into_iter()
            .find(|k| rt.block_on(independent.head(k)).unwrap().is_some());
        if let Some(k) = landed {
            break k;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // Killed while waiting for the provider's answer: the object is there, the confirmation
    // never arrived.
    child.kill().unwrap();
    child.wait().unwrap();
    proxy.swallow.store(false, Ordering::SeqCst);
    let id = id_of(&key);
    let (ok, out) = screenshots_tool(&dir, &endpoint, &["delete", &id]);
    assert!(ok, "{out}");
    let (ok, out) = screenshots_tool(&dir, &endpoint, &["sync"]);
    assert!(ok, "{out}");
    // An independent client lists the bucket: nothing of that screenshot is left.
    let left: Vec<String> = rt
        .block_on(independent.list("screenshots"))
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .filter(|k| k.contains(&id))
        .collect();
    assert!(left.is_empty(), "still at the provider: {left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn track_runs_while_other_processes_list_report_and_delete() {
    if common::in_own_process("track_runs_while_other_processes_list_report_and_delete") {
        return;
    }
    let seconds: u64 = std::env::var("AC_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(180);
    let Rig {
        _x,
        moto,
        proxy,
        endpoint,
        independent,
        dir,
    } = Rig::start("soak", "Soak");
    let rt = runtime();
    let mut child = track(&dir, &endpoint, seconds);
    let today = || {
        let d = std::process::Command::new("date")
            .args(["-u", "+%F"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&d.stdout).trim().to_string()
    };
    let mut seen = BTreeSet::new();
    let mut deleted = BTreeSet::new();
    let mut rounds = 0;
    let mut refused_syncs = 0;
    while child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_secs(5));
        if !dir.join("activity.sqlite").exists() {
            continue;
        }
        rounds += 1;
        // List; delete every third new screenshot (some mid-upload).
        for shot in listed(&dir, &endpoint) {
            let id = shot["id"].as_str().unwrap().to_string();
            if seen.insert(id.clone()) && seen.len() % 3 == 0 {
                let (ok, out) = screenshots_tool(&dir, &endpoint, &["delete", &id]);
                assert!(ok, "delete {id}: {out}");
                deleted.insert(id);
            }
        }
        // A report of the day, from another process.
        let (ok, out) = report_tool(&dir, &["--day", &today(), "--tz", "UTC"]);
        assert!(ok, "report: {out}");
        // Uploading is the owner's: another process's sync is refused, naming it.
        let (ok, out) = screenshots_tool(&dir, &endpoint, &["sync"]);
        if child.try_wait().unwrap().is_none() {
            assert!(!ok && out.contains("in use by process"), "sync: {out}");
            refused_syncs += 1;
        }
    }
    assert!(child.wait().unwrap().success(), "track failed");
    assert!(rounds >= 3 && refused_syncs >= 1, "{rounds} rounds");
    assert!(
        deleted.len() >= 2,
        "{} deleted of {}",
        deleted.len(),
        seen.len()
    );
    // The owner is gone: what is left to do is done by a sync here.
    let (ok, out) = screenshots_tool(&dir, &endpoint, &["sync"]);
    assert!(ok, "final sync: {out}");

    // No slot holds more tracked time than its length.
    let reader = Tracker::builder(Config::default())
        .data_dir(&dir)
        .without_sources()
        .storage(std::sync::Arc::new(s3::s3_store(&moto.endpoint)))
        .build()
        .unwrap();
    let slots = reader.slots(&Viewer::Admin, &Query::default()).unwrap();
    assert!(!slots.is_empty());
    for s in &slots {
        assert!(
            s.metrics.tracked_seconds <= s.slot_seconds,
            "slot {} tracked {} s of {}",
            s.metrics.slot_start,
            s.metrics.tracked_seconds,
            s.slot_seconds
        );
    }
    // The report rollups equal a recomputation from the rows.
    rollups::assert_rollups_match(&dir.join("activity.sqlite"));
    // Deleted: gone here (records, spool) and at the provider.
    let left = reader
        .screenshots(&Viewer::Admin, &Query::default())
        .unwrap();
    let stored: BTreeMap<String, u64> = rt
        .block_on(independent.list("screenshots"))
        .unwrap()
        .into_iter()
        .map(|o| (o.key, o.size))
        .collect();
    let spool: Vec<String> = std::fs::read_dir(dir.join("spool"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for id in &deleted {
        assert!(left.iter().all(|s| &s.id != id), "{id} still listed");
        assert!(
            spool.iter().all(|f| !f.contains(id.as_str())),
            "{id} spooled"
        );
        assert!(
            stored.keys().all(|k| !k.contains(id.as_str())),
            "{id} still at the provider"
        );
    }
    // Every other one: uploaded, exactly once, whole.
    assert_eq!(stored.len(), 2 * left.len(), "{stored:?}");
    for s in &left {
        assert_eq!(
            s.upload_state,
            activity_core::storage::UploadState::Uploaded,
            "{}",
            s.id
        );
        assert_eq!(
            stored.get(&s.full_key),
            Some(&s.full_bytes),
            "{}",
            s.full_key
        );
        assert_eq!(stored.get(&s.thumb_key), Some(&s.thumb_bytes));
        assert_eq!(
            proxy.puts_of(&s.full_key),
            1,
            "{} uploads of {}",
            proxy.puts_of(&s.full_key),
            s.full_key
        );
        assert_eq!(proxy.puts_of(&s.thumb_key), 1, "{}", s.thumb_key);
    }
    println!(
        "soak: {seconds} s, {rounds} rounds, {} screenshots, {} deleted, {} slots",
        seen.len(),
        deleted.len(),
        slots.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
