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
//! 4. [`Outbox::delete_screenshot`] removes the record, the outbox rows and the spool files at
//!    once, in one transaction with a durable **remote deletion** entry per object that may have
//!    reached the provider (uploaded, attempted, or in flight). [`Outbox::drain_once`] retries
//!    those with the same backoff until the provider confirms. An object whose upload never
//!    started (for instance inside the review window, `upload_delay`) needs no remote deletion:
//!    it never left the machine.
//!
//! Nothing is marked uploaded that was not: an upload confirmed after its screenshot was deleted
//! marks nothing (its row is gone) and its object is deleted by the remote deletion entry, which
//! waits until that upload has finished.
//!
//! On open, spool files that no outbox row refers to (left by a crash after an upload was
//! confirmed) and unfinished temporary files are removed.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::clock::{Clock, Timestamp};
use crate::storage::StorageError;
use crate::storage::backend::ObjectStorage;
use crate::storage::key::sanitize_component;
use crate::storage::records::{
    OutboxEntry, RecordError, RecordStore, RemoteDelete, Screenshot, UploadState, Write,
};
use crate::util::{hex, lock};

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

impl OutboxError {
    /// The stable kind of this error (a wrapped error keeps its own).
    pub fn kind(&self) -> crate::ErrorKind {
        match self {
            OutboxError::Spool { .. } => crate::ErrorKind::Io,
            OutboxError::Records(e) => e.kind(),
            OutboxError::Storage(e) => e.kind(),
        }
    }
}

/// When to retry a failed upload or deletion.
#[derive(Copy, Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Backoff {
    /// Delay after the first failure.
    pub initial: Duration,
    /// Longest delay.
    pub max: Duration,
    /// Random spread, as a fraction of the delay (0.2 = ±20 %), so many clients that failed
    /// together do not retry together. Values outside 0..=1 are clamped; NaN counts as 0.
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
    /// The delay before attempt `attempts + 1`, without jitter: `initial × 2^attempts`, at most
    /// `max` (whatever the values, it never panics or overflows).
    pub fn base_delay(&self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.min(30));
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// The delay before attempt `attempts + 1`, with jitter.
    pub fn delay(&self, attempts: u32) -> Duration {
        let base = self.base_delay(attempts).as_secs_f64();
        let jitter = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let spread = base * jitter;
        let d = if spread > 0.0 && spread.is_finite() {
            base + rand::rng().random_range(-spread..=spread)
        } else {
            base
        };
        Duration::try_from_secs_f64(d.max(0.0)).unwrap_or(self.max)
    }
}

/// How much is waiting, and what.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    /// Uploads not yet confirmed.
    pub count: u64,
    /// Remote deletions not yet confirmed.
    pub deletes: u64,
    /// When the oldest upload was queued.
    pub oldest: Option<Timestamp>,
    /// Each upload and deletion waiting.
    pub items: Vec<PendingItem>,
}

/// What a pending item does.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingKind {
    /// An object to upload.
    Upload,
    /// An object to delete at the provider.
    Delete,
}

/// One upload or remote deletion waiting.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingItem {
    /// Upload or delete.
    pub kind: PendingKind,
    /// The screenshot the object belongs (or belonged) to.
    pub screenshot_id: String,
    /// The object key.
    pub key: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt: Timestamp,
    /// The last attempt's error.
    pub last_error: Option<String>,
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
    /// Remote deletions the provider confirmed: (screenshot id, key).
    pub deleted: Vec<(String, String)>,
}

/// One failed upload or deletion, rescheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Upload or delete.
    pub kind: PendingKind,
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

/// What deleting a screenshot did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeleteOutcome {
    /// The screenshot id.
    pub id: String,
    /// Remote objects whose deletion the provider confirmed.
    pub remote_deleted: Vec<String>,
    /// Remote objects whose deletion is queued (the provider failed or was not tried yet);
    /// retried with backoff until it confirms.
    pub remote_queued: Vec<String>,
    /// Why the queued deletions failed, if they were tried.
    pub error: Option<String>,
}

impl DeleteOutcome {
    /// True when nothing of the screenshot is left anywhere (nothing queued).
    pub fn is_complete(&self) -> bool {
        self.remote_queued.is_empty()
    }
}

/// Which rows a drain takes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Due {
    /// Those whose next attempt has come.
    Now,
    /// Those whose next attempt has come, and every retry whatever its backoff (a sync asked
    /// for by the user). Uploads inside the review window still wait.
    IncludingRetries,
}

/// The outbox. See the [module docs](self).
pub struct Outbox {
    records: Arc<RecordStore>,
    spool: PathBuf,
    clock: Arc<dyn Clock>,
    backoff: Backoff,
    upload_delay: Duration,
    /// Object keys being uploaded now. Checked and changed only under this lock, together with
    /// the outbox rows, so a deletion and an upload cannot miss each other.
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

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
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
            upload_delay: Duration::ZERO,
            in_flight: Mutex::new(HashSet::new()),
        })
    }

    /// Screenshots wait this long on this machine before their upload starts (the review
    /// window). Default zero.
    #[must_use]
    pub fn with_upload_delay(mut self, delay: Duration) -> Outbox {
        self.upload_delay = delay;
        self
    }

    /// Spools the encoded images and commits the screenshot record with its two uploads, due
    /// after the review window. When it returns `Ok`, the screenshot is durable here.
    pub fn enqueue(&self, shot: &Screenshot, full: &[u8], thumb: &[u8]) -> Result<(), OutboxError> {
        let now = self.clock.now();
        let due = now.add_millis(millis(self.upload_delay));
        let base = sanitize_component(&shot.id);
        let mut writes = vec![Write::Screenshot(Box::new(shot.clone()))];
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
                next_attempt: due,
                created: now,
                last_error: None,
            })));
        }
        self.records.write(writes)?;
        Ok(())
    }

    /// Uploads and remote deletions not yet confirmed.
    pub fn pending(&self) -> Result<Pending, OutboxError> {
        let uploads = self.records.outbox_all()?;
        let deletes = self.records.deletes_all()?;
        let mut items: Vec<PendingItem> = uploads
            .iter()
            .map(|e| PendingItem {
                kind: PendingKind::Upload,
                screenshot_id: e.screenshot_id.clone(),
                key: e.object_key.clone(),
                attempts: e.attempts,
                next_attempt: e.next_attempt,
                last_error: e.last_error.clone(),
            })
            .collect();
        items.extend(deletes.iter().map(|d| PendingItem {
            kind: PendingKind::Delete,
            screenshot_id: d.screenshot_id.clone(),
            key: d.object_key.clone(),
            attempts: d.attempts,
            next_attempt: d.next_attempt,
            last_error: d.last_error.clone(),
        }));
        Ok(Pending {
            count: uploads.len() as u64,
            deletes: deletes.len() as u64,
            oldest: uploads.iter().map(|e| e.created).min(),
            items,
        })
    }

    /// The spooled bytes of a screenshot's object while it is not yet uploaded.
    pub fn spooled(&self, screenshot_id: &str, key: &str) -> Result<Option<Vec<u8>>, OutboxError> {
        let Some(e) = self
            .records
            .outbox_of(screenshot_id)?
            .into_iter()
            .find(|e| e.object_key == key)
        else {
            return Ok(None);
        };
        match std::fs::read(&e.spool_path) {
            Ok(b) => Ok(Some(b)),
            // Uploaded and removed meanwhile: the provider has it.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(io_error(Path::new(&e.spool_path))(err)),
        }
    }

    fn lock_in_flight(&self) -> MutexGuard<'_, HashSet<String>> {
        lock(&self.in_flight)
    }

    fn next_attempt(&self, attempts: u32) -> Timestamp {
        self.clock
            .now()
            .add_millis(millis(self.backoff.delay(attempts)))
    }

    /// Tries every upload and remote deletion that is due, once. Deletions of an object whose
    /// upload is in flight wait for the next pass.
    pub async fn drain_once(
        &self,
        storage: &dyn ObjectStorage,
    ) -> Result<DrainReport, OutboxError> {
        self.drain(storage, Due::Now).await
    }

    /// As [`drain_once`](Self::drain_once), choosing which rows are due.
    pub async fn drain(
        &self,
        storage: &dyn ObjectStorage,
        due: Due,
    ) -> Result<DrainReport, OutboxError> {
        let mut report = DrainReport::default();
        let now = self.clock.now();
        let mut uploads = self.records.outbox_due(now, 256)?;
        let mut deletes = self.records.deletes_due(now, 256)?;
        if due == Due::IncludingRetries {
            uploads.extend(
                self.records
                    .outbox_all()?
                    .into_iter()
                    .filter(|e| e.attempts > 0 && e.next_attempt > now),
            );
            deletes = self.records.deletes_all()?;
        }
        for e in uploads {
            {
                // Claim the key, unless a deletion removed the row since it was read.
                let mut flying = self.lock_in_flight();
                if flying.contains(&e.object_key)
                    || !self
                        .records
                        .outbox_of(&e.screenshot_id)?
                        .iter()
                        .any(|r| r.id == e.id)
                {
                    continue;
                }
                flying.insert(e.object_key.clone());
            }
            let result = self.upload(storage, &e).await;
            let next = self.next_attempt(e.attempts);
            let written = match &result {
                Ok(()) => self.records.write(vec![Write::OutboxDone { id: e.id }]),
                Err(message) => self.records.write(vec![Write::OutboxRetry {
                    id: e.id,
                    next_attempt: next,
                    error: message.clone(),
                }]),
            };
            self.lock_in_flight().remove(&e.object_key);
            written?;
            match result {
                Ok(()) => {
                    // Only now, with the provider's confirmation committed, the local copy goes.
                    let _ = std::fs::remove_file(&e.spool_path);
                    report.uploaded += 1;
                    if self.records.outbox_of(&e.screenshot_id)?.is_empty()
                        && self
                            .records
                            .screenshot(&e.screenshot_id, now)?
                            .is_some_and(|s| s.upload_state == UploadState::Uploaded)
                    {
                        report.stored.push(e.screenshot_id.clone());
                    }
                }
                Err(message) => {
                    tracing::warn!(key = %e.object_key, attempts = e.attempts + 1, error = %message, "upload failed, will retry");
                    report.failed += 1;
                    report.retrying.push(Retry {
                        kind: PendingKind::Upload,
                        screenshot_id: e.screenshot_id.clone(),
                        key: e.object_key.clone(),
                        attempts: e.attempts + 1,
                        next_attempt: next,
                        error: message,
                    });
                }
            }
        }
        for d in deletes {
            match self.delete_one(storage, &d).await? {
                None => {}
                Some(Ok(())) => report
                    .deleted
                    .push((d.screenshot_id.clone(), d.object_key.clone())),
                Some(Err(retry)) => {
                    report.failed += 1;
                    report.retrying.push(retry);
                }
            }
        }
        Ok(report)
    }

    /// One remote deletion: `None` when its object's upload is in flight (it waits for the next
    /// pass), else the provider's answer, recorded (done, or rescheduled with backoff).
    async fn delete_one(
        &self,
        storage: &dyn ObjectStorage,
        d: &RemoteDelete,
    ) -> Result<Option<Result<(), Retry>>, OutboxError> {
        if self.lock_in_flight().contains(&d.object_key) {
            return Ok(None);
        }
        match storage.delete(&d.object_key).await {
            Ok(()) => {
                self.records.write(vec![Write::DeleteDone { id: d.id }])?;
                Ok(Some(Ok(())))
            }
            Err(err) => {
                let next = self.next_attempt(d.attempts);
                let message = err.to_string();
                tracing::warn!(key = %d.object_key, attempts = d.attempts + 1, error = %message, "remote delete failed, will retry");
                self.records.write(vec![Write::DeleteRetry {
                    id: d.id,
                    next_attempt: next,
                    error: message.clone(),
                }])?;
                Ok(Some(Err(Retry {
                    kind: PendingKind::Delete,
                    screenshot_id: d.screenshot_id.clone(),
                    key: d.object_key.clone(),
                    attempts: d.attempts + 1,
                    next_attempt: next,
                    error: message,
                })))
            }
        }
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

    /// Drains until `stop` resolves, waiting `idle` between rounds.
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

    /// The local half of deleting a screenshot, at once and durably: the record, its outbox rows
    /// and a remote deletion entry for each object that may have reached the provider go in one
    /// transaction, then the spool files. Returns the keys queued for remote deletion (none
    /// when the screenshot never left the machine); [`delete_remote_now`](Self::delete_remote_now)
    /// tries them at once, [`drain_once`](Self::drain_once) until confirmed.
    pub fn delete_screenshot(&self, shot: &Screenshot) -> Result<Vec<String>, OutboxError> {
        let rows = self.records.outbox_of(&shot.id)?;
        let remote: Vec<String>;
        {
            // Under the in-flight lock: no upload of these keys can start meanwhile.
            let flying = self.lock_in_flight();
            remote = [&shot.full_key, &shot.thumb_key]
                .into_iter()
                .filter(|key| {
                    let never_tried = rows
                        .iter()
                        .any(|r| &&r.object_key == key && r.attempts == 0);
                    !never_tried || flying.contains(key.as_str())
                })
                .cloned()
                .collect();
            self.records.write(vec![Write::DeleteScreenshot {
                id: shot.id.clone(),
                remote: remote.clone(),
                at: self.clock.now(),
            }])?;
        }
        for e in &rows {
            let _ = std::fs::remove_file(&e.spool_path);
        }
        Ok(remote)
    }

    /// Tries the remote deletions of one screenshot now (those whose upload is not in flight);
    /// failures stay queued with their backoff.
    pub async fn delete_remote_now(
        &self,
        storage: &dyn ObjectStorage,
        screenshot_id: &str,
    ) -> Result<DeleteOutcome, OutboxError> {
        let mut outcome = DeleteOutcome {
            id: screenshot_id.to_string(),
            ..DeleteOutcome::default()
        };
        for d in self
            .records
            .deletes_all()?
            .into_iter()
            .filter(|d| d.screenshot_id == screenshot_id)
        {
            match self.delete_one(storage, &d).await? {
                Some(Ok(())) => outcome.remote_deleted.push(d.object_key),
                Some(Err(retry)) => {
                    outcome.error = Some(retry.error);
                    outcome.remote_queued.push(d.object_key);
                }
                None => outcome.remote_queued.push(d.object_key),
            }
        }
        Ok(outcome)
    }

    /// The spool folder.
    pub fn spool_dir(&self) -> &Path {
        &self.spool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_never_panics_on_odd_values() {
        let odd = [
            Backoff {
                initial: Duration::from_secs(1),
                max: Duration::from_secs(10),
                jitter: f64::NAN,
            },
            Backoff {
                initial: Duration::MAX,
                max: Duration::MAX,
                jitter: 0.5,
            },
            Backoff {
                initial: Duration::from_secs(u64::MAX / 2),
                max: Duration::MAX,
                jitter: f64::INFINITY,
            },
            Backoff {
                initial: Duration::ZERO,
                max: Duration::ZERO,
                jitter: -3.0,
            },
        ];
        for b in odd {
            for attempts in [0, 1, 31, u32::MAX] {
                let d = b.delay(attempts);
                assert!(
                    d <= b.max.max(b.base_delay(attempts)),
                    "{b:?} {attempts}: {d:?}"
                );
            }
        }
        let nan = Backoff {
            initial: Duration::from_secs(2),
            max: Duration::from_secs(60),
            jitter: f64::NAN,
        };
        assert_eq!(
            nan.delay(1),
            Duration::from_secs(4),
            "NaN jitter counts as none"
        );
    }
}
