//! The upload outbox: a screenshot is durable on this machine before any upload is tried, and is
//! removed locally only after the provider has confirmed it.
//!
//! 1. [`Outbox::enqueue`] writes the encoded full image and thumbnail into the spool folder
//!    (temporary file, fsync, rename, fsync of the folder), then commits the screenshot record and
//!    its two outbox rows in **one** transaction. Once it returns, neither a network outage nor the
//!    process being killed can lose the screenshot.
//! 2. [`Outbox::drain_once`] uploads every due row. On success it deletes the row (marking the
//!    screenshot uploaded when its last row goes) and only then the spool file. On failure it
//!    schedules the next attempt with exponential backoff and jitter; by default it never gives
//!    up. A crash between the provider's confirmation and the row's deletion makes the next drain
//!    upload the same bytes to the same key again, which is harmless (puts are idempotent).
//! 3. [`Outbox::run`] drains in a loop until told to stop.
//! 4. [`Outbox::delete_screenshot`] removes every copy: outbox rows, the provider's objects, spool
//!    files and the record.
//!
//! On open, spool files that no outbox row refers to (left by a crash after an upload was
//! confirmed) and unfinished temporary files are removed.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::clock::{Clock, Timestamp};
use crate::storage::StorageError;
use crate::storage::backend::ObjectStorage;
use crate::storage::key::sanitize_component;
use crate::storage::records::{OutboxEntry, RecordError, RecordStore, ScreenshotRow, Write};

/// Errors of the outbox.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// A spool file could not be written, read or removed.
    #[error("spool {path}: {message}")]
    Spool {
        /// The file or folder.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The record store refused.
    #[error(transparent)]
    Records(#[from] RecordError),
    /// The provider refused a deletion.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// When to retry a failed upload.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Backoff {
    /// Delay after the first failure.
    pub initial: Duration,
    /// Longest delay.
    pub max: Duration,
    /// Random spread, as a fraction of the delay (0.2 = ±20 %), so many clients that failed
    /// together do not retry together.
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(300),
            jitter: 0.2,
        }
    }
}

impl Backoff {
    /// The delay before attempt `attempts + 1`, without jitter.
    pub fn base_delay(&self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.min(30));
        self.initial.saturating_mul(factor).min(self.max)
    }

    fn delay(&self, attempts: u32) -> Duration {
        let base = self.base_delay(attempts).as_secs_f64();
        let spread = base * self.jitter.clamp(0.0, 1.0);
        let d = base + rand::rng().random_range(-spread..=spread);
        Duration::from_secs_f64(d.max(0.0))
    }
}

/// How much is waiting.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Uploads not yet confirmed.
    pub count: u64,
    /// When the oldest of them was queued.
    pub oldest: Option<Timestamp>,
}

/// What one drain did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Uploads the provider confirmed.
    pub uploaded: u32,
    /// Attempts that failed (rescheduled).
    pub failed: u32,
    /// Screenshots whose every object (full image and thumbnail) is now stored.
    pub stored: Vec<String>,
    /// The failed attempts, each rescheduled.
    pub retrying: Vec<Retry>,
}

/// One failed upload, rescheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    /// The screenshot the object belongs to.
    pub screenshot_id: String,
    /// The object key.
    pub key: String,
    /// Attempts so far, this one included.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt: Timestamp,
    /// Why it failed.
    pub error: String,
}

/// The outbox. See the [module docs](self).
pub struct Outbox {
    records: Arc<RecordStore>,
    spool: PathBuf,
    clock: Arc<dyn Clock>,
    backoff: Backoff,
    in_flight: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("spool", &self.spool)
            .finish_non_exhaustive()
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> OutboxError + '_ {
    move |e| OutboxError::Spool {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Writes `bytes` to `path` durably: temporary file, fsync, rename, fsync of the folder.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), OutboxError> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(io_error(&tmp))?;
    f.write_all(bytes).map_err(io_error(&tmp))?;
    f.sync_all().map_err(io_error(&tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io_error(path))?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(dir))?;
    }
    Ok(())
}

impl Outbox {
    /// Opens the outbox over `records`, spooling into `spool_dir`; cleans up what a crash left.
    pub fn open(
        records: Arc<RecordStore>,
        spool_dir: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
        backoff: Backoff,
    ) -> Result<Outbox, OutboxError> {
        let spool = spool_dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&spool).map_err(io_error(&spool))?;
        let referenced: HashSet<PathBuf> = records
            .outbox_all()?
            .into_iter()
            .map(|e| PathBuf::from(e.spool_path))
            .collect();
        for entry in std::fs::read_dir(&spool)
            .map_err(io_error(&spool))?
            .flatten()
        {
            let p = entry.path();
            if p.is_file() && !referenced.contains(&p) {
                let _ = std::fs::remove_file(&p);
            }
        }
        Ok(Outbox {
            records,
            spool,
            clock,
            backoff,
            in_flight: Mutex::new(HashSet::new()),
        })
    }

    /// Spools the encoded images and commits the screenshot record with its two uploads. When it
    /// returns `Ok`, the screenshot is durable here.
    pub fn enqueue(
        &self,
        shot: &ScreenshotRow,
        full: &[u8],
        thumb: &[u8],
    ) -> Result<(), OutboxError> {
        let now = self.clock.now();
        let base = sanitize_component(&shot.id);
        let mut writes = vec![Write::Screenshot(Box::new(ScreenshotRow {
            uploaded: false,
            ..shot.clone()
        }))];
        for (suffix, key, bytes) in [
            ("full", &shot.full_key, full),
            ("thumb", &shot.thumb_key, thumb),
        ] {
            let path = self.spool.join(format!(
                "{base}-{suffix}.{}",
                sanitize_component(&shot.format)
            ));
            write_durably(&path, bytes)?;
            writes.push(Write::OutboxAdd(Box::new(OutboxEntry {
                id: 0,
                screenshot_id: shot.id.clone(),
                object_key: key.clone(),
                spool_path: path.display().to_string(),
                sha256: hex(&Sha256::digest(bytes)),
                attempts: 0,
                next_attempt: now,
                created: now,
                last_error: None,
            })));
        }
        self.records.write(writes)?;
        Ok(())
    }

    /// Uploads not yet confirmed, and the age of the oldest.
    pub fn pending(&self) -> Result<Pending, OutboxError> {
        let all = self.records.outbox_all()?;
        Ok(Pending {
            count: all.len() as u64,
            oldest: all.iter().map(|e| e.created).min(),
        })
    }

    /// Tries every upload that is due now, once.
    pub async fn drain_once(
        &self,
        storage: &dyn ObjectStorage,
    ) -> Result<DrainReport, OutboxError> {
        let mut report = DrainReport::default();
        let due = self.records.outbox_due(self.clock.now(), 256)?;
        for e in due {
            if !self.lock_in_flight().insert(e.object_key.clone()) {
                continue;
            }
            let result = self.upload(storage, &e).await;
            self.lock_in_flight().remove(&e.object_key);
            match result {
                Ok(()) => {
                    self.records.write(vec![Write::OutboxDone { id: e.id }])?;
                    // Only now, with the provider's confirmation committed, the local copy goes.
                    let _ = std::fs::remove_file(&e.spool_path);
                    report.uploaded += 1;
                    if self
                        .records
                        .screenshot(&e.screenshot_id)?
                        .is_some_and(|s| s.uploaded)
                    {
                        report.stored.push(e.screenshot_id.clone());
                    }
                }
                Err(message) => {
                    let next = self
                        .clock
                        .now()
                        .add_millis(self.backoff.delay(e.attempts).as_millis() as i64);
                    tracing::warn!(key = %e.object_key, attempts = e.attempts + 1, error = %message, "upload failed, will retry");
                    self.records.write(vec![Write::OutboxRetry {
                        id: e.id,
                        next_attempt: next,
                        error: message.clone(),
                    }])?;
                    report.failed += 1;
                    report.retrying.push(Retry {
                        screenshot_id: e.screenshot_id.clone(),
                        key: e.object_key.clone(),
                        attempts: e.attempts + 1,
                        next_attempt: next,
                        error: message,
                    });
                }
            }
        }
        Ok(report)
    }

    async fn upload(&self, storage: &dyn ObjectStorage, e: &OutboxEntry) -> Result<(), String> {
        let bytes = std::fs::read(&e.spool_path)
            .map_err(|err| format!("spool file {}: {err}", e.spool_path))?;
        let digest = hex(&Sha256::digest(&bytes));
        if digest != e.sha256 {
            return Err(format!(
                "spool file {} is corrupt (sha256 {digest}, expected {})",
                e.spool_path, e.sha256
            ));
        }
        storage
            .put(&e.object_key, Bytes::from(bytes))
            .await
            .map_err(|err| err.to_string())
    }

    fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.in_flight.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drains until `stop` resolves, waiting `idle` between rounds that found nothing to do.
    pub async fn run(
        &self,
        storage: &dyn ObjectStorage,
        idle: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.drain_once(storage).await {
                tracing::error!(error = %e, "outbox drain failed");
            }
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(idle) => {}
            }
        }
    }

    /// Removes every copy of a screenshot: its outbox rows (so no upload starts), the provider's
    /// objects (after any upload in flight has finished), the spool files, and the record.
    pub async fn delete_screenshot(
        &self,
        storage: &dyn ObjectStorage,
        id: &str,
    ) -> Result<(), OutboxError> {
        let shot = self.records.screenshot(id)?;
        let rows: Vec<OutboxEntry> = self
            .records
            .outbox_all()?
            .into_iter()
            .filter(|e| e.screenshot_id == id)
            .collect();
        // 1. No new upload of it can start.
        self.records.write(
            rows.iter()
                .map(|e| Write::OutboxDone { id: e.id })
                .collect(),
        )?;
        let keys: Vec<String> = match &shot {
            Some(s) => vec![s.full_key.clone(), s.thumb_key.clone()],
            None => rows.iter().map(|e| e.object_key.clone()).collect(),
        };
        // 2. Wait for an upload already in flight, then delete the objects.
        while keys.iter().any(|k| self.lock_in_flight().contains(k)) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for k in &keys {
            storage.delete(k).await?;
        }
        // 3. Local copies, then the record.
        for e in &rows {
            let _ = std::fs::remove_file(&e.spool_path);
        }
        self.records
            .write(vec![Write::DeleteScreenshot { id: id.into() }])?;
        Ok(())
    }

    /// The spool folder.
    pub fn spool_dir(&self) -> &Path {
        &self.spool
    }
}
