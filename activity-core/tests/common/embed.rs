//! What the tests of the embedding contract share: a screen source of the test's own (a
//! gradient frame), an embedder's storage in memory, builders on a temporary folder, waiting
//! for events.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use activity_core::capture::{CaptureError, Monitor, ScreenSource, SourceKind};
use activity_core::media::{OwnedFrame, PixelFormat};
use activity_core::runtime::{MissingSources, TrackerBuilder, TrackerEvent};
use activity_core::storage::backend::ObjectInfo;
use activity_core::storage::blocking::BlockingStorage;
use activity_core::storage::{Backoff, StorageError};
use activity_core::{Config, Tracker};

/// A 320×200 gradient, as a one-monitor screen.
pub struct Gradient;

impl ScreenSource for Gradient {
    fn monitors(&mut self) -> Result<Vec<Monitor>, CaptureError> {
        Ok(vec![Monitor {
            id: 1,
            name: "test-0".into(),
            x: 0,
            y: 0,
            width: 320,
            height: 200,
            primary: true,
        }])
    }
    fn pointer(&mut self) -> Result<Option<(i32, i32)>, CaptureError> {
        Ok(None)
    }
    fn capture(&mut self, m: &Monitor) -> Result<OwnedFrame, CaptureError> {
        let px: Vec<u8> = (0..m.width * m.height)
            .flat_map(|i| [(i % m.width) as u8, (i / m.width) as u8, 90, 255])
            .collect();
        OwnedFrame::new(px, m.width, m.height, PixelFormat::Rgba8).map_err(|e| {
            CaptureError::Failed {
                kind: SourceKind::Screens,
                reason: e.to_string(),
            }
        })
    }
}

pub fn data_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ac-embed-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

pub fn config(extra: &str) -> Config {
    let json = format!(r#"{{"screenshotFrequency": "5s", "trackApplications": true {extra}}}"#);
    Config::from_json_str(&json).unwrap()
}

pub fn builder(name: &str, extra: &str) -> TrackerBuilder {
    builder_in(&data_dir(name), extra)
}

/// A builder on an existing folder (kept as it is).
pub fn builder_in(dir: &std::path::Path, extra: &str) -> TrackerBuilder {
    Tracker::builder(config(extra))
        .data_dir(dir)
        .screen_source(Box::new(Gradient))
        .without_source(SourceKind::Input)
        .without_source(SourceKind::Windows)
        .missing_sources(MissingSources::RunAvailable)
        .upload_backoff(Backoff {
            initial: Duration::from_millis(200),
            max: Duration::from_millis(400),
            jitter: 0.0,
        })
}

/// Waits for the first event `pick` accepts (up to `secs`).
pub fn wait_for<T>(
    rx: &mpsc::Receiver<TrackerEvent>,
    secs: u64,
    mut pick: impl FnMut(&TrackerEvent) -> Option<T>,
) -> Option<T> {
    let end = Instant::now() + Duration::from_secs(secs);
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(e) => {
                if let Some(t) = pick(&e) {
                    return Some(t);
                }
            }
            Err(_) => return None,
        }
    }
    None
}

pub fn taken(e: &TrackerEvent) -> Option<String> {
    match e {
        TrackerEvent::ScreenshotTaken(s) => Some(s.id.clone()),
        _ => None,
    }
}

pub fn stored(e: &TrackerEvent) -> Option<String> {
    match e {
        TrackerEvent::ScreenshotStored { id } => Some(id.clone()),
        _ => None,
    }
}

/// An embedder's storage: objects in memory, every call logged; `put` fails while `failing`
/// is above zero (counting down), sleeps `delay` first, and waits while `held` (until
/// [`release`](ProductStorage::release)); `delete` answers not-found for a missing object when
/// `strict_delete` is set (as a Python `del d[key]` would).
#[derive(Default)]
pub struct ProductStorage {
    pub objects: Mutex<BTreeMap<String, Vec<u8>>>,
    pub calls: Mutex<Vec<String>>,
    pub failing: AtomicUsize,
    pub delay: Mutex<Duration>,
    pub held: Mutex<bool>,
    pub released: Condvar,
    pub strict_delete: AtomicBool,
}

impl ProductStorage {
    /// Puts wait from now on, until `release`.
    pub fn hold(&self) {
        *self.held.lock().unwrap() = true;
    }
    /// Lets waiting and later puts through.
    pub fn release(&self) {
        *self.held.lock().unwrap() = false;
        self.released.notify_all();
    }
    /// Whether a call naming `needle` was made.
    pub fn called(&self, needle: &str) -> bool {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .any(|c| c.contains(needle))
    }
}

impl BlockingStorage for ProductStorage {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.calls.lock().unwrap().push(format!("put {key}"));
        std::thread::sleep(*self.delay.lock().unwrap());
        let mut held = self.held.lock().unwrap();
        while *held {
            held = self.released.wait(held).unwrap();
        }
        drop(held);
        if self
            .failing
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(StorageError::Backend {
                provider: "EMBEDDER",
                message: "the product's upload API answered 503".into(),
            });
        }
        self.objects
            .lock()
            .unwrap()
            .insert(key.to_string(), bytes.to_vec());
        Ok(())
    }
    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        self.calls.lock().unwrap().push(format!("get {key}"));
        self.objects
            .lock()
            .unwrap()
            .get(key)
            .cloned()
            .ok_or_else(|| StorageError::NotFound(key.into()))
    }
    fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        Ok(self.objects.lock().unwrap().get(key).map(|b| ObjectInfo {
            key: key.into(),
            size: b.len() as u64,
            last_modified: None,
        }))
    }
    fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.calls.lock().unwrap().push(format!("delete {key}"));
        let removed = self.objects.lock().unwrap().remove(key);
        if removed.is_none() && self.strict_delete.load(Ordering::SeqCst) {
            return Err(StorageError::NotFound(key.into()));
        }
        Ok(())
    }
}
