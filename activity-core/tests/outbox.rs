//! The upload outbox against a real S3 server (moto): an outage loses nothing and uploads
//! nothing twice; deletion removes every copy.

mod common;
#[path = "common/s3.rs"]
mod s3;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use activity_core::ManualClock;
use activity_core::model::activity::WorkContext;
use activity_core::model::config::ImageFormat;
use activity_core::storage::StorageError;
use activity_core::storage::backend::{ObjectInfo, ObjectStorage};
use activity_core::storage::key::screenshot_keys;
use activity_core::storage::outbox::{Backoff, Outbox};
use activity_core::storage::records::{RecordStore, Screenshot, UploadState};
use async_trait::async_trait;
use bytes::Bytes;
use common::at;
use sha2::{Digest, Sha256};

/// The real backend, with a count of the puts it confirmed per key. With `cut_off` set, a put
/// lands at the provider and then fails, as when the connection drops before the answer.
#[derive(Debug)]
struct Counting<S> {
    inner: S,
    puts: Mutex<HashMap<String, u32>>,
    cut_off: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl<S: ObjectStorage> ObjectStorage for Counting<S> {
    fn provider(&self) -> &'static str {
        self.inner.provider()
    }
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        self.inner.put(key, bytes).await?;
        *self
            .puts
            .lock()
            .unwrap()
            .entry(key.to_string())
            .or_default() += 1;
        if self.cut_off.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(StorageError::Backend {
                provider: "S3",
                message: "connection reset before the answer".into(),
            });
        }
        Ok(())
    }
    async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        self.inner.get(key).await
    }
    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        self.inner.head(key).await
    }
    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.inner.delete(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        self.inner.list(prefix).await
    }
    async fn signed_url(&self, key: &str, expires_in: Duration) -> Result<url::Url, StorageError> {
        self.inner.signed_url(key, expires_in).await
    }
}

fn is_uploaded(records: &RecordStore, id: &str) -> bool {
    records
        .screenshot(id, at(0))
        .unwrap()
        .is_some_and(|s| s.upload_state == UploadState::Uploaded)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn temp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ac-outbox-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A new record store and outbox in a temporary folder, on a manual clock at `at(0)`.
fn fresh_outbox(name: &str) -> (Arc<ManualClock>, Arc<RecordStore>, Outbox) {
    let dir = temp(name);
    let clock = Arc::new(ManualClock::new(at(0)));
    let records = RecordStore::open(dir.join("records.sqlite")).unwrap();
    let outbox = Outbox::open(
        records.clone(),
        dir.join("spool"),
        clock.clone(),
        Backoff::default(),
    )
    .unwrap();
    (clock, records, outbox)
}

fn shot(i: u32) -> (Screenshot, Vec<u8>, Vec<u8>) {
    let id = format!("shot-{i:03}");
    let keys = screenshot_keys(at(0), "emp-1", &id, ImageFormat::Jpeg).unwrap();
    let full: Vec<u8> = (0..40_000u32)
        .map(|k| (k.wrapping_mul(31).wrapping_add(i * 7) % 251) as u8)
        .collect();
    let thumb: Vec<u8> = (0..2_000u32)
        .map(|k| (k.wrapping_mul(13).wrapping_add(i) % 241) as u8)
        .collect();
    let row = Screenshot {
        id,
        slot_start: at(0),
        taken_at: at(i64::from(i) * 1000),
        monitor: "Xvfb-0".into(),
        x: 0,
        y: 0,
        width: 1920,
        height: 1080,
        blurred: false,
        format: "jpg".into(),
        full_key: keys.full,
        thumb_key: keys.thumbnail,
        full_bytes: full.len() as u64,
        thumb_bytes: thumb.len() as u64,
        sha256: hex(&Sha256::digest(&full)),
        thumb_sha256: hex(&Sha256::digest(&thumb)),
        provider: "S3".into(),
        upload_state: UploadState::Pending,
        context: WorkContext {
            employee: Some("emp-1".into()),
            ..WorkContext::default()
        },
    };
    (row, full, thumb)
}

// Starts the S3 server in the middle of the test: not in the Windows run, which shares one
// server started outside Wine (scripts/test-windows.sh).
#[cfg(not(windows))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_loses_nothing_and_uploads_nothing_twice() {
    const N: u32 = 12;
    let port = s3::free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let (clock, records, outbox) = fresh_outbox("outage");
    let store = Counting {
        inner: s3::s3_store(&endpoint),
        puts: Mutex::new(HashMap::new()),
        cut_off: Default::default(),
    };

    // The server is down: everything is queued durably, nothing is lost.
    let shots: Vec<_> = (0..N).map(shot).collect();
    for (row, full, thumb) in &shots {
        outbox.enqueue(row, full, thumb).unwrap();
    }
    let r = outbox.drain_once(&store).await.unwrap();
    assert_eq!((r.uploaded, r.failed), (0, 2 * N));
    let p = outbox.pending().unwrap();
    assert_eq!((p.count, p.oldest), (u64::from(2 * N), Some(at(0))));
    assert_eq!(
        std::fs::read_dir(outbox.spool_dir()).unwrap().count(),
        2 * N as usize
    );
    // Not due again before the backoff: nothing is tried.
    assert_eq!(outbox.drain_once(&store).await.unwrap(), Default::default());

    // The server comes back.
    let moto = s3::Moto::start_on(port);
    moto.create_bucket("shots");
    clock.advance_millis(10 * 60_000);
    let r = outbox.drain_once(&store).await.unwrap();
    assert_eq!((r.uploaded, r.failed), (2 * N, 0));
    assert_eq!(outbox.pending().unwrap().count, 0);
    assert_eq!(
        std::fs::read_dir(outbox.spool_dir()).unwrap().count(),
        0,
        "spool emptied after confirmation"
    );

    // All arrived intact, each exactly once, and the records say so.
    for (row, full, thumb) in &shots {
        assert_eq!(
            hex(&Sha256::digest(store.get(&row.full_key).await.unwrap())),
            hex(&Sha256::digest(full))
        );
        assert_eq!(
            hex(&Sha256::digest(store.get(&row.thumb_key).await.unwrap())),
            hex(&Sha256::digest(thumb))
        );
        assert!(is_uploaded(&records, &row.id));
    }
    let puts = store.puts.lock().unwrap().clone();
    assert_eq!(puts.len(), 2 * N as usize);
    assert!(puts.values().all(|&n| n == 1), "{puts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_put_that_landed_before_its_answer_was_lost_is_not_sent_again() {
    let moto = s3::Moto::start();
    moto.create_bucket("shots");
    let (clock, records, outbox) = fresh_outbox("landed");
    let store = Counting {
        inner: s3::s3_store(&moto.endpoint),
        puts: Mutex::new(HashMap::new()),
        cut_off: std::sync::atomic::AtomicBool::new(true),
    };
    let (row, full, thumb) = shot(1);
    outbox.enqueue(&row, &full, &thumb).unwrap();
    // Both objects reach the provider, both answers are lost: retries are due.
    let r = outbox.drain_once(&store).await.unwrap();
    assert_eq!((r.uploaded, r.failed), (0, 2));
    assert!(!is_uploaded(&records, &row.id));
    store
        .cut_off
        .store(false, std::sync::atomic::Ordering::SeqCst);
    clock.advance_millis(10 * 60_000);
    let r = outbox.drain_once(&store).await.unwrap();
    assert_eq!((r.uploaded, r.failed), (2, 0));
    assert!(is_uploaded(&records, &row.id));
    // The retry found each object whole at the provider and did not send it again.
    let puts = store.puts.lock().unwrap().clone();
    assert_eq!(puts.get(&row.full_key), Some(&1), "{puts:?}");
    assert_eq!(puts.get(&row.thumb_key), Some(&1), "{puts:?}");
    assert_eq!(
        hex(&Sha256::digest(store.get(&row.full_key).await.unwrap())),
        row.sha256
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_screenshot_removes_every_copy() {
    let moto = s3::Moto::start();
    moto.create_bucket("shots");
    let (clock, records, outbox) = fresh_outbox("delete");
    let store = s3::s3_store(&moto.endpoint);
    let (uploaded, f1, t1) = shot(1);
    let (queued, f2, t2) = shot(2);
    outbox.enqueue(&uploaded, &f1, &t1).unwrap();
    outbox.drain_once(&store).await.unwrap();
    outbox.enqueue(&queued, &f2, &t2).unwrap(); // still only in the spool and outbox

    // The uploaded one needs remote deletions; the queued one never left the machine.
    let remote = outbox.delete_screenshot(&uploaded).unwrap();
    assert_eq!(
        remote,
        [uploaded.full_key.clone(), uploaded.thumb_key.clone()]
    );
    assert!(outbox.delete_screenshot(&queued).unwrap().is_empty());
    let done = outbox
        .delete_remote_now(&store, &uploaded.id)
        .await
        .unwrap();
    assert!(done.is_complete(), "{done:?}");
    for row in [&uploaded, &queued] {
        assert_eq!(records.screenshot(&row.id, at(0)).unwrap(), None);
        assert_eq!(store.head(&row.full_key).await.unwrap(), None);
        assert_eq!(store.head(&row.thumb_key).await.unwrap(), None);
    }
    assert_eq!(outbox.pending().unwrap().count, 0);
    assert_eq!(std::fs::read_dir(outbox.spool_dir()).unwrap().count(), 0);
    // And nothing comes back on the next drain.
    clock.advance_millis(3_600_000);
    assert_eq!(outbox.drain_once(&store).await.unwrap(), Default::default());
    assert!(store.list("screenshots").await.unwrap().is_empty());
}

#[test]
fn backoff_doubles_up_to_its_maximum() {
    let b = Backoff::default();
    let d: Vec<u64> = (0..12).map(|a| b.base_delay(a).as_secs()).collect();
    assert_eq!(d, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    assert_eq!(b.base_delay(u32::MAX).as_secs(), 300);
}

/// Run only as the child of `kill_9_while_draining_loses_and_duplicates_nothing`: drains the
/// outbox in `AC_OUTBOX_DIR` to the S3 server at `AC_S3_ENDPOINT`, slowly, until it is empty.
#[test]
#[ignore = "child process of the kill -9 test"]
fn outbox_drain_child() {
    let (Ok(dir), Ok(endpoint)) = (
        std::env::var("AC_OUTBOX_DIR"),
        std::env::var("AC_S3_ENDPOINT"),
    ) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = std::path::PathBuf::from(dir);
        let records = RecordStore::open(dir.join("records.sqlite")).unwrap();
        let outbox = Outbox::open(
            records,
            dir.join("spool"),
            Arc::new(activity_core::SystemClock),
            Backoff::default(),
        )
        .unwrap();
        // As the tracker does at start: a kill between an upload's confirmation and the removal
        // of its spool file leaves a file no row refers to; the next owner removes it.
        outbox.sweep().unwrap();
        let store = Slow(s3::s3_store(&endpoint));
        while outbox.pending().unwrap().count > 0 {
            outbox.drain_once(&store).await.unwrap();
        }
        println!("done");
    });
}

/// The real backend, 40 ms slower per upload, so a kill lands in the middle of a drain.
#[derive(Debug)]
struct Slow<S>(S);

#[async_trait]
impl<S: ObjectStorage> ObjectStorage for Slow<S> {
    fn provider(&self) -> &'static str {
        self.0.provider()
    }
    async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        tokio::time::sleep(Duration::from_millis(40)).await;
        self.0.put(key, bytes).await?;
        // Progress for the parent, which kills this process after a number of these.
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "put {key}");
        let _ = out.flush();
        Ok(())
    }
    async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        self.0.get(key).await
    }
    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        self.0.head(key).await
    }
    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.0.delete(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        self.0.list(prefix).await
    }
    async fn signed_url(&self, key: &str, expires_in: Duration) -> Result<url::Url, StorageError> {
        self.0.signed_url(key, expires_in).await
    }
}

#[test]
fn kill_9_while_draining_loses_and_duplicates_nothing() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    const N: u32 = 40;
    let moto = s3::Moto::start();
    moto.create_bucket("shots");
    let dir = temp("kill");
    let shots: Vec<_> = (0..N).map(shot).collect();
    {
        let records = RecordStore::open(dir.join("records.sqlite")).unwrap();
        let outbox = Outbox::open(
            records.clone(),
            dir.join("spool"),
            Arc::new(activity_core::SystemClock),
            Backoff::default(),
        )
        .unwrap();
        for (row, full, thumb) in &shots {
            outbox.enqueue(row, full, thumb).unwrap();
        }
        records.close();
    }
    let exe = std::env::current_exe().unwrap();
    let child = |kill_after_puts: Option<usize>| {
        let mut c = std::process::Command::new(&exe)
            .args([
                "--ignored",
                "--exact",
                "outbox_drain_child",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("AC_OUTBOX_DIR", &dir)
            .env("AC_S3_ENDPOINT", &moto.endpoint)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        match kill_after_puts {
            Some(n) => {
                use std::io::BufRead;
                let lines = std::io::BufReader::new(c.stdout.take().unwrap()).lines();
                let seen = lines
                    .map_while(Result::ok)
                    .filter(|l| l.starts_with("put "))
                    .take(n)
                    .count();
                assert_eq!(seen, n, "the child stopped before {n} uploads");
                c.kill().unwrap(); // SIGKILL, mid-drain
                c.wait().unwrap();
                None
            }
            None => Some(c.wait_with_output().unwrap()),
        }
    };
    // First run: killed after 25 of the 80 uploads were confirmed.
    child(Some(25));
    let records = RecordStore::open(dir.join("records.sqlite")).unwrap();
    assert_eq!(records.integrity_check().unwrap(), "ok");
    let left = records.outbox_all().unwrap().len();
    assert!(
        (1..=2 * N as usize - 24).contains(&left),
        "the kill should land mid-drain, {left} of {} left",
        2 * N
    );
    records.close();
    drop(records);

    // Second run: finishes.
    let out = child(None).unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("done"));

    let store = s3::s3_store(&moto.endpoint);
    let listed = rt.block_on(store.list("screenshots")).unwrap();
    assert_eq!(listed.len(), 2 * N as usize, "every object exactly once");
    let records = RecordStore::open(dir.join("records.sqlite")).unwrap();
    for (row, full, thumb) in &shots {
        assert_eq!(
            rt.block_on(store.get(&row.full_key)).unwrap().to_vec(),
            *full
        );
        assert_eq!(
            rt.block_on(store.get(&row.thumb_key)).unwrap().to_vec(),
            *thumb
        );
        assert!(is_uploaded(&records, &row.id));
    }
    assert!(records.outbox_all().unwrap().is_empty());
    assert_eq!(std::fs::read_dir(dir.join("spool")).unwrap().count(), 0);
}
