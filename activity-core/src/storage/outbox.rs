//! The upload outbox: a screenshot is durable on this machine before any upload is tried, and is
//! removed locally only after the provider has confirmed it.
//!
//! 1. [`Outbox::enqueue`] writes the encoded full image and thumbnail into the spool folder
//!    (temporary file, fsync, rename, fsync of the folder), then commits the screenshot record and
//!    its two outbox rows in **one** transaction. Once it returns, neither a network outage nor the
//!    process being killed can lose the screenshot.
//! 2. [`Outbox::drain_once`] uploads every due row. Before any byte leaves, the attempt is
//!    **claimed durably** (its `attempts` counted in a commit), so from then on anyone deleting
//!    the screenshot, in this process or another, queues a remote deletion. On success it
//!    deletes the row (marking the screenshot uploaded when its last row goes) and only then the
//!    spool file. On failure it schedules the next attempt with exponential backoff and jitter;
//!    by default it never gives up. A crash between the provider's confirmation and the row's
//!    deletion makes the next drain upload the same bytes to the same key again, which is
//!    harmless (puts are idempotent). A drain cut off (the `stop_flush` bound) releases its
//!    in-flight claims as it is dropped.
//! 3. [`Outbox::delete_screenshot`] removes the record, the outbox rows and the spool files at
//!    once, in one transaction with a durable **remote deletion** entry per object that may have
//!    reached the provider (uploaded, or an attempt claimed), decided inside that transaction.
//!    [`Outbox::drain_once`] retries those with the same backoff until the provider confirms.
//!    An object whose upload was never claimed (for instance inside the review window,
//!    `upload_delay`) needs no remote deletion: it never left the machine.
//!
//! Nothing is marked uploaded that was not: an upload confirmed after its screenshot was deleted
//! marks nothing (its row is gone) and its object is deleted by the remote deletion entry, which
//! waits until that upload has finished (in this process: the in-flight set; the data folder's
//! lock makes the process that uploads the only one that carries out remote deletions).
//!
//! Every row names the storage location it belongs to ([`ObjectStorage::location`]); a row of
//! another location is neither uploaded nor deleted through this storage (reported instead).
//! Spool entries are file names inside the spool folder, so the folder may be opened however
//! its path is spelled. [`Outbox::sweep`] (the folder's owner, at start) removes spool files
//! that no outbox row refers to (left by a crash after an upload was confirmed) and unfinished
//! temporary files.

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

/// Why a row of another storage location is not carried out here.
pub(crate) fn wrong_location(row: &str, current: &str) -> String {
    format!(
        "the object is held by {row}, but this tracker's storage is {current}: open the data \
         folder with that storage to carry it out"
    )
}

/// An upload or deletion that belongs to another storage location than the one draining.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Foreign {
    /// Upload or delete.
    pub kind: PendingKind,
    /// The screenshot.
    pub screenshot_id: String,
    /// The object key.
    pub key: String,
    /// The location the row belongs to.
    pub location: String,
}

impl Foreign {
    fn of(kind: PendingKind, screenshot_id: &str, key: &str, location: &str) -> Foreign {
        Foreign {
            kind,
            screenshot_id: screenshot_id.to_string(),
            key: key.to_string(),
            location: location.to_string(),
        }
    }
}

/// An in-flight claim on an object key, released when dropped (also when a drain is cut off).
struct Claim<'a> {
    outbox: &'a Outbox,
    key: String,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        lock(&self.outbox.in_flight).remove(&self.key);
    }
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
    /// Rows left alone because they belong to another storage location.
    pub foreign: Vec<Foreign>,
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
    /// Where new uploads go ([`ObjectStorage::location`]; empty: not said, any).
    location: String,
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

/// Writes `bytes` to `path` durably and owner-only (0600): temporary file, fsync, rename, fsync
/// of the folder (Unix; on Windows a folder cannot be opened as a file, and NTFS journals the
/// rename itself).
fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), OutboxError> {
    let tmp = path.with_extension("tmp");
    let written = (|| {
        let mut f = crate::util::private_file_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_error(&tmp)(e));
    }
    std::fs::rename(&tmp, path).map_err(io_error(path))?;
    #[cfg(unix)]
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
    /// Opens the outbox over `records`, spooling into `spool_dir` (created owner-only). Cleans
    /// nothing up: that is [`sweep`](Self::sweep), for the folder's owner only.
    pub fn open(
        records: Arc<RecordStore>,
        spool_dir: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
        backoff: Backoff,
    ) -> Result<Outbox, OutboxError> {
        let spool = spool_dir.as_ref().to_path_buf();
        crate::util::create_private_dir(&spool).map_err(io_error(&spool))?;
        Ok(Outbox {
            records,
            spool,
            location: String::new(),
            clock,
            backoff,
            upload_delay: Duration::ZERO,
            in_flight: Mutex::new(HashSet::new()),
        })
    }

    /// Removes spool files that no outbox row refers to (a crash after an upload was confirmed,
    /// or a deletion whose file removal was cut off) and unfinished temporary files. Only for
    /// the process that owns the folder (another process may be writing a file it has not
    /// committed yet): the tracker calls it at `start`, under the folder's lock.
    pub fn sweep(&self) -> Result<usize, OutboxError> {
        let referenced: HashSet<String> = self
            .records
            .outbox_all()?
            .into_iter()
            .map(|e| e.spool_path)
            .collect();
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.spool)
            .map_err(io_error(&self.spool))?
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_file()
                && !referenced.contains(&name)
                && std::fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The storage location new uploads go to ([`ObjectStorage::location`]), recorded with
    /// each. Default: none said (rows then go to whatever storage drains them).
    #[must_use]
    pub fn with_location(mut self, location: String) -> Outbox {
        self.location = location;
        self
    }

    /// The spool file of an entry: its name inside the spool folder (a path stored by a version
    /// before schema 7 and not yet migrated is taken by its last component).
    fn spool_file(&self, stored: &str) -> PathBuf {
        let name = Path::new(stored).file_name().unwrap_or(stored.as_ref());
        self.spool.join(name)
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
        let mut spooled = Vec::new();
        let result = (|| {
            for (suffix, key, bytes) in [
                ("full", &shot.full_key, full),
                ("thumb", &shot.thumb_key, thumb),
            ] {
                let name = format!("{base}-{suffix}.{}", sanitize_component(&shot.format));
                let path = self.spool.join(&name);
                write_durably(&path, bytes)?;
                spooled.push(path);
                writes.push(Write::OutboxAdd(Box::new(OutboxEntry {
                    id: 0,
                    screenshot_id: shot.id.clone(),
                    object_key: key.clone(),
                    spool_path: name,
                    sha256: hex(&Sha256::digest(bytes)),
                    attempts: 0,
                    next_attempt: due,
                    created: now,
                    last_error: None,
                    location: self.location.clone(),
                })));
            }
            self.records.write(std::mem::take(&mut writes))?;
            Ok(())
        })();
        if result.is_err() {
            // Not committed: the spooled copies (perhaps unblurred) must not stay behind.
            for p in &spooled {
                let _ = std::fs::remove_file(p);
            }
        }
        result
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
        let path = self.spool_file(&e.spool_path);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            // Uploaded and removed meanwhile: the provider has it.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(io_error(&path)(err)),
        }
    }

    fn lock_in_flight(&self) -> MutexGuard<'_, HashSet<String>> {
        lock(&self.in_flight)
    }

    /// Whether a row of `location` may be carried out through a storage at `current`.
    fn same_location(row: &str, current: &str) -> bool {
        row.is_empty() || row == current
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
        let current = storage.location();
        for e in uploads {
            if !Self::same_location(&e.location, &current) {
                report.foreign.push(Foreign::of(
                    PendingKind::Upload,
                    &e.screenshot_id,
                    &e.object_key,
                    &e.location,
                ));
                continue;
            }
            let Some(_claim) = self.claim(&e)? else {
                continue;
            };
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
            drop(_claim);
            written?;
            match result {
                Ok(()) => {
                    // Only now, with the provider's confirmation committed, the local copy goes.
                    let _ = std::fs::remove_file(self.spool_file(&e.spool_path));
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
            if !Self::same_location(&d.location, &current) {
                report.foreign.push(Foreign::of(
                    PendingKind::Delete,
                    &d.screenshot_id,
                    &d.object_key,
                    &d.location,
                ));
                continue;
            }
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

    /// Claims an upload attempt: in this process (the in-flight set, released when the claim is
    /// dropped, however the drain ends) and durably (its attempt counted, committed before any
    /// byte leaves). `None` when the key is in flight already or the row is gone (the
    /// screenshot was deleted, before the claim or right after it).
    fn claim(&self, e: &OutboxEntry) -> Result<Option<Claim<'_>>, OutboxError> {
        if !lock(&self.in_flight).insert(e.object_key.clone()) {
            return Ok(None);
        }
        let claim = Claim {
            outbox: self,
            key: e.object_key.clone(),
        };
        self.records.write(vec![Write::OutboxClaim { id: e.id }])?;
        // Committed: a deletion from now on queues a remote deletion. Still there?
        if !self
            .records
            .outbox_of(&e.screenshot_id)?
            .iter()
            .any(|r| r.id == e.id)
        {
            return Ok(None);
        }
        Ok(Some(claim))
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
        let path = self.spool_file(&e.spool_path);
        let bytes =
            std::fs::read(&path).map_err(|err| format!("spool file {}: {err}", path.display()))?;
        let digest = hex(&Sha256::digest(&bytes));
        if digest != e.sha256 {
            return Err(format!(
                "spool file {} is corrupt (sha256 {digest}, expected {})",
                path.display(),
                e.sha256
            ));
        }
        // An earlier attempt was claimed and may have reached the provider before it was cut off
        // (a stop, a timeout, a killed process): if the object is there whole, it is not sent
        // again. Keys carry the screenshot's random id, and every provider's put is atomic, so an
        // object of this key and size is this one.
        if e.attempts > 0
            && let Ok(Some(info)) = storage.head(&e.object_key).await
            && info.size == bytes.len() as u64
        {
            return Ok(());
        }
        storage
            .put(&e.object_key, Bytes::from(bytes))
            .await
            .map_err(|err| err.to_string())
    }

    /// The local half of deleting a screenshot, at once and durably: the record, its outbox rows
    /// and a remote deletion entry for each object that may have reached the provider go in one
    /// transaction, then the spool files. Returns the keys queued for remote deletion (none
    /// when the screenshot never left the machine); [`delete_remote_now`](Self::delete_remote_now)
    /// tries them at once, [`drain_once`](Self::drain_once) until confirmed.
    pub fn delete_screenshot(&self, shot: &Screenshot) -> Result<Vec<String>, OutboxError> {
        self.delete_screenshots(std::slice::from_ref(shot))
    }

    /// [`delete_screenshot`](Self::delete_screenshot) for many at once: one transaction for
    /// the batch (a retention purge, an erasure), then the spool files. Returns the keys queued
    /// for remote deletion.
    pub fn delete_screenshots(&self, shots: &[Screenshot]) -> Result<Vec<String>, OutboxError> {
        if shots.is_empty() {
            return Ok(Vec::new());
        }
        let mut spool = Vec::new();
        for shot in shots {
            spool.extend(self.records.outbox_of(&shot.id)?);
        }
        let at = self.clock.now();
        self.records.write(
            shots
                .iter()
                .map(|s| Write::DeleteScreenshot {
                    id: s.id.clone(),
                    at,
                })
                .collect(),
        )?;
        for e in &spool {
            let _ = std::fs::remove_file(self.spool_file(&e.spool_path));
        }
        let ids: HashSet<&str> = shots.iter().map(|s| s.id.as_str()).collect();
        Ok(self
            .records
            .deletes_all()?
            .into_iter()
            .filter(|d| ids.contains(d.screenshot_id.as_str()))
            .map(|d| d.object_key)
            .collect())
    }

    /// Removes one object of a screenshot, the full image (`full`) or its thumbnail, keeping
    /// the record and the other (a retention purge keeping the thumbnail longer): its pending
    /// upload and spool file go, and its remote deletion is queued when it may have left the
    /// machine. Returns the key queued, if any.
    pub fn drop_object(
        &self,
        shot: &Screenshot,
        full: bool,
    ) -> Result<Option<String>, OutboxError> {
        let key = if full {
            &shot.full_key
        } else {
            &shot.thumb_key
        };
        if key.is_empty() {
            return Ok(None);
        }
        let rows: Vec<OutboxEntry> = self
            .records
            .outbox_of(&shot.id)?
            .into_iter()
            .filter(|e| &e.object_key == key)
            .collect();
        self.records.write(vec![Write::DropScreenshotObject {
            id: shot.id.clone(),
            full,
            at: self.clock.now(),
        }])?;
        for e in &rows {
            let _ = std::fs::remove_file(self.spool_file(&e.spool_path));
        }
        Ok(self
            .records
            .deletes_all()?
            .into_iter()
            .find(|d| d.screenshot_id == shot.id && &d.object_key == key)
            .map(|d| d.object_key))
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
        let current = storage.location();
        for d in self
            .records
            .deletes_all()?
            .into_iter()
            .filter(|d| d.screenshot_id == screenshot_id)
        {
            if !Self::same_location(&d.location, &current) {
                outcome.error = Some(wrong_location(&d.location, &current));
                outcome.remote_queued.push(d.object_key);
                continue;
            }
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
