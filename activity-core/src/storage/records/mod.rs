//! The record store: slots, activities, screenshots, the upload outbox, remote deletions and
//! settings in an embedded SQLite database (rusqlite, SQLite bundled). Internal: embedders read
//! through the [`Tracker`](crate::Tracker)'s query API, which applies the viewer's rights.
//!
//! - **Durable acknowledgements.** A write returns `Ok` only after the transaction holding it
//!   has committed, in WAL mode with `synchronous=FULL`: an acknowledged record survives the
//!   process being killed and the machine losing power.
//! - **Group commit.** One writer thread owns the write connection. Writers from any thread hand
//!   it their records and wait; it takes everything queued (up to [`MAX_BATCH`] operations) into
//!   one transaction, one savepoint per caller, commits once, then acknowledges each writer. Many
//!   small concurrent writes cost one fsync per batch, and a write SQLite refuses fails only its
//!   own caller (`writer`).
//! - **Migrations** are keyed on `PRAGMA user_version` (`schema`); opening a database newer
//!   than the library knows is an error rather than a guess.
//! - **Slots merge.** A second part of the same slot and context (tracking stopped and started
//!   again inside it) is merged into the existing row, per-second maps included.
//!
//! Reads (`query`) use their own connection, so they never wait behind a batch being written.

pub(crate) mod export;
mod idle;
mod query;
mod retention;
#[cfg(feature = "internals")]
pub mod rollup;
#[cfg(not(feature = "internals"))]
pub(crate) mod rollup;
mod rows;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;

pub use query::Filter;
pub use rows::{
    CategoryFill, OutboxEntry, RemoteDelete, Screenshot, SlotRecord, SlotRow, UploadState, Write,
};
#[allow(unused_imports)]
pub use schema::SCHEMA_VERSION;

use crate::clock::Timestamp;
use crate::model::activity::{ActivityRecord, WorkContext};
use crate::model::score::SecondMap;
use crate::util::lock;

/// Most operations committed in one transaction.
pub const MAX_BATCH: usize = 4096;

/// Errors of the record store.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// SQLite refused an operation.
    #[error("record store {path}: {message}")]
    Sqlite {
        /// The database file.
        path: String,
        /// SQLite's message.
        message: String,
    },
    /// The database was written by a newer version of the library.
    #[error("record store {path} has schema version {found}; this library knows up to {known}")]
    TooNew {
        /// The database file.
        path: String,
        /// Version found.
        found: i64,
        /// Newest version known.
        known: i64,
    },
    /// The writer thread is gone (the store was closed, or it panicked).
    #[error("record store {0} is closed")]
    Closed(String),
}

impl RecordError {
    /// The stable kind of this error.
    pub fn kind(&self) -> crate::ErrorKind {
        match self {
            RecordError::Sqlite { .. } => crate::ErrorKind::Io,
            RecordError::TooNew { .. } => crate::ErrorKind::Incompatible,
            RecordError::Closed(_) => crate::ErrorKind::InvalidState,
        }
    }
}

pub(crate) fn sql_error(path: &Path) -> impl Fn(rusqlite::Error) -> RecordError + '_ {
    move |e| RecordError::Sqlite {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

pub(crate) use retention::consent_key;

/// The context's three columns ('' meaning none, so UNIQUE constraints hold).
pub(crate) fn ctx(c: &WorkContext) -> [&str; 3] {
    [
        c.employee.as_deref().unwrap_or(""),
        c.project.as_deref().unwrap_or(""),
        c.task.as_deref().unwrap_or(""),
    ]
}

/// The work context stored in three consecutive columns from `first` ('' meaning none).
pub(crate) fn context_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<WorkContext> {
    let opt = |s: String| (!s.is_empty()).then_some(s);
    Ok(WorkContext {
        employee: opt(r.get(first)?),
        project: opt(r.get(first + 1)?),
        task: opt(r.get(first + 2)?),
    })
}

pub(crate) fn words_to_blob(m: &SecondMap) -> Vec<u8> {
    m.words().iter().flat_map(|w| w.to_le_bytes()).collect()
}

pub(crate) fn blob_to_map(seconds: u32, b: &[u8]) -> SecondMap {
    let words = b
        .chunks(8)
        .map(|c| {
            let mut a = [0u8; 8];
            a[..c.len()].copy_from_slice(c);
            u64::from_le_bytes(a)
        })
        .collect();
    SecondMap::from_words(seconds, words)
}

/// Creates the database file owner-only (0600), or makes an existing one so, with its WAL and
/// shared-memory files (SQLite creates those with the database file's mode).
fn make_private(path: &Path) -> Result<(), RecordError> {
    let err = |e: std::io::Error| RecordError::Sqlite {
        path: path.display().to_string(),
        message: format!("cannot make the database owner-only: {e}"),
    };
    match crate::util::private_file_options()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(err(e)),
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match crate::util::make_private(Path::new(&p)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(err(e)),
        }
    }
    Ok(())
}

/// The record store. Cheap to share: clone the `Arc` it comes in.
pub struct RecordStore {
    path: PathBuf,
    jobs: Mutex<Option<mpsc::Sender<writer::Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    reader: Mutex<Connection>,
}

impl std::fmt::Debug for RecordStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RecordStore {
    /// Opens (creating and migrating as needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Arc<RecordStore>, RecordError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::util::create_private_dir(dir).map_err(|e| RecordError::Sqlite {
                path: path.display().to_string(),
                message: format!("cannot create folder {}: {e}", dir.display()),
            })?;
        }
        make_private(&path)?;
        let mut conn = schema::open_connection(&path)?;
        schema::migrate(&mut conn, &path)?;
        let reader = schema::open_connection(&path)?;
        // Reports read megabytes of rollups: a 32 MiB page cache keeps them (the default
        // 2 MiB would pread them from the OS again on every report).
        reader
            .pragma_update(None, "cache_size", -32_768)
            .map_err(sql_error(&path))?;
        let (tx, rx) = mpsc::channel();
        let p = path.clone();
        let writer = std::thread::Builder::new()
            .name("activity-core-records".into())
            .spawn(move || writer::writer_loop(conn, p, rx))
            .map_err(|e| RecordError::Sqlite {
                path: path.display().to_string(),
                message: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(Arc::new(RecordStore {
            path,
            jobs: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            reader: Mutex::new(reader),
        }))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `writes` atomically (all or none) and returns once they are committed.
    pub fn write(&self, writes: Vec<Write>) -> Result<(), RecordError> {
        self.write_job(writes, true)
    }

    /// Writes like [`write`](Self::write) but leaves the report rollups unchanged (stale): only
    /// for the benchmark that measures what keeping them costs.
    #[cfg(feature = "internals")]
    pub fn write_without_rollups(&self, writes: Vec<Write>) -> Result<(), RecordError> {
        self.write_job(writes, false)
    }

    fn write_job(&self, writes: Vec<Write>, rollups: bool) -> Result<(), RecordError> {
        if writes.is_empty() {
            return Ok(());
        }
        let (ack, done) = mpsc::sync_channel(1);
        let closed = || RecordError::Closed(self.path.display().to_string());
        {
            let jobs = lock(&self.jobs);
            let sender = jobs.as_ref().ok_or_else(closed)?;
            sender
                .send(writer::Job {
                    writes,
                    ack,
                    rollups,
                })
                .map_err(|_| closed())?;
        }
        done.recv().map_err(|_| closed())?
    }

    /// Stops the writer after it has committed everything already queued. Reads go on working;
    /// writes answer [`RecordError::Closed`].
    pub fn close(&self) {
        lock(&self.jobs).take();
        if let Some(h) = lock(&self.writer).take() {
            let _ = h.join();
        }
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, RecordError> {
        let conn = lock(&self.reader);
        f(&conn).map_err(sql_error(&self.path))
    }

    /// Runs `f` with the reader, each of its reads on its own (no snapshot).
    fn view<T>(
        &self,
        f: impl FnOnce(&Snapshot<'_>) -> Result<T, RecordError>,
    ) -> Result<T, RecordError> {
        let conn = lock(&self.reader);
        f(&Snapshot {
            conn: &conn,
            path: &self.path,
        })
    }

    /// Runs `f` over one consistent snapshot of the store: every read it makes sees the same
    /// committed state (one read transaction), so a report never counts a day twice or drops
    /// one while the writer seals it between two of its reads.
    pub fn snapshot<T, E: From<RecordError>>(
        &self,
        f: impl FnOnce(&Snapshot<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let conn = lock(&self.reader);
        conn.execute_batch("BEGIN DEFERRED")
            .map_err(sql_error(&self.path))?;
        let result = f(&Snapshot {
            conn: &conn,
            path: &self.path,
        });
        // A read transaction: nothing to keep; ending it releases the snapshot.
        let _ = conn.execute_batch("COMMIT");
        result
    }

    /// The slot rows matching `filter` (by slot start), oldest first.
    pub fn slots_where(&self, filter: &Filter) -> Result<Vec<SlotRow>, RecordError> {
        self.read(|c| query::slots(c, filter))
    }

    /// The slot rows starting in `[from, to)`, oldest first.
    pub fn slots(&self, from: Timestamp, to: Timestamp) -> Result<Vec<SlotRow>, RecordError> {
        self.slots_where(&Filter {
            from: Some(from),
            to: Some(to),
            ..Filter::default()
        })
    }

    /// Checkpoints of slot parts that were open when they were written (after a crash: the parts
    /// the process did not get to close).
    pub fn checkpoints(&self) -> Result<Vec<SlotRow>, RecordError> {
        self.read(query::checkpoints)
    }

    /// Turns the checkpoints a crash left behind into slot parts (merged like any part) in one
    /// commit. Call it before tracking starts on this database; returns the parts recovered.
    pub fn recover_checkpoints(&self) -> Result<Vec<SlotRow>, RecordError> {
        let parts = self.checkpoints()?;
        if !parts.is_empty() {
            self.write(
                parts
                    .iter()
                    .map(|p| Write::Slot(Box::new(p.clone())))
                    .collect(),
            )?;
        }
        Ok(parts)
    }

    /// Number of activity records.
    pub fn activity_count(&self) -> Result<u64, RecordError> {
        self.read(|c| {
            c.query_row("SELECT count(*) FROM activities", [], |r| {
                r.get::<_, i64>(0)
            })
        })
        .map(|n| n as u64)
    }

    /// Activity records matching `filter` (by start), oldest first.
    pub fn activities_where(&self, filter: &Filter) -> Result<Vec<ActivityRecord>, RecordError> {
        self.view(|v| v.activities_where(filter))
    }

    /// Activity records whose start lies in `[from, to)`, oldest first.
    pub fn activities(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ActivityRecord>, RecordError> {
        self.activities_where(&Filter {
            from: Some(from),
            to: Some(to),
            ..Filter::default()
        })
    }

    /// Screenshots matching `filter` (by `taken_at`), oldest first; `now` decides which are
    /// still inside the review window.
    pub fn screenshots_where(
        &self,
        filter: &Filter,
        now: Timestamp,
    ) -> Result<Vec<Screenshot>, RecordError> {
        self.read(|c| query::screenshots(c, filter, now))
    }

    /// The screenshot with this id, if stored; `now` decides whether it is still inside the
    /// review window.
    pub fn screenshot(&self, id: &str, now: Timestamp) -> Result<Option<Screenshot>, RecordError> {
        self.read(|c| query::screenshot(c, id, now))
    }

    /// Outbox entries due at `now` (next attempt ≤ now), soonest first, at most `limit`.
    pub fn outbox_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, RecordError> {
        self.read(|c| query::outbox(c, Some(now), None, limit))
    }

    /// Every outbox entry, soonest first.
    pub fn outbox_all(&self) -> Result<Vec<OutboxEntry>, RecordError> {
        self.read(|c| query::outbox(c, None, None, usize::MAX))
    }

    /// The outbox entries of one screenshot.
    pub fn outbox_of(&self, screenshot_id: &str) -> Result<Vec<OutboxEntry>, RecordError> {
        self.read(|c| query::outbox(c, None, Some(screenshot_id), usize::MAX))
    }

    /// Remote deletions due at `now`, soonest first, at most `limit`.
    pub fn deletes_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<RemoteDelete>, RecordError> {
        self.read(|c| query::remote_deletes(c, Some(now), limit))
    }

    /// Every remote deletion not yet confirmed.
    pub fn deletes_all(&self) -> Result<Vec<RemoteDelete>, RecordError> {
        self.read(|c| query::remote_deletes(c, None, usize::MAX))
    }

    /// Application and domain totals from the rollups of `level` (UTC hours or days):
    /// `(kind, name, milliseconds)` for the buckets starting in `filter`'s range (which should
    /// be whole buckets).
    pub fn usage_totals(
        &self,
        level: rollup::Level,
        filter: &Filter,
    ) -> Result<Vec<(String, String, i64)>, RecordError> {
        self.view(|v| v.usage_totals(level, filter))
    }

    /// The slots starting in `filter`'s range from the per-day slot rollups (no per-second
    /// maps): the contexts, and per slot its metrics without the two percentages, its length and
    /// the index of its context, oldest first.
    pub fn slot_summaries(&self, filter: &Filter) -> Result<rollup::SlotSummaries, RecordError> {
        self.view(|v| v.slot_summaries(filter))
    }

    /// Instants of the screenshots matching `filter` (by time taken), oldest first.
    pub fn screenshot_times(&self, filter: &Filter) -> Result<Vec<Timestamp>, RecordError> {
        self.view(|v| v.screenshot_times(filter))
    }

    /// The decided idle periods overlapping `filter`'s range, of its employees (its project is
    /// not applied: a period belongs to an employee), oldest first.
    pub fn idle_periods(
        &self,
        filter: &Filter,
    ) -> Result<Vec<crate::model::idle::IdlePeriod>, RecordError> {
        self.view(|v| v.idle_periods(filter))
    }

    /// Rows a purge with these cutoffs will blank or remove: `[window_titles, urls,
    /// activities, slots]`.
    pub fn purge_counts(
        &self,
        cutoffs: &crate::model::retention::Cutoffs,
    ) -> Result<[u64; 4], RecordError> {
        self.read(|c| retention::purge_counts(c, cutoffs))
    }

    /// Rows of one employee per kind (`slots`, `activities`, `idle_periods`, `rollups`,
    /// `consents`).
    pub fn subject_counts(
        &self,
        employee: &str,
    ) -> Result<std::collections::BTreeMap<&'static str, u64>, RecordError> {
        self.read(|c| retention::subject_counts(c, employee))
    }

    /// The consents recorded (JSON as stored), of one employee or of everyone.
    pub fn consents(&self, employee: Option<&str>) -> Result<Vec<String>, RecordError> {
        self.read(|c| retention::consents(c, employee))
    }

    /// The purge log, newest first: `(when, the run's report as JSON)`.
    pub fn purge_log(&self) -> Result<Vec<(Timestamp, String)>, RecordError> {
        self.read(|c| {
            c.prepare_cached("SELECT at_ms, report FROM purge_log ORDER BY id DESC")?
                .query_map([], |r| Ok((Timestamp::from_millis(r.get(0)?), r.get(1)?)))?
                .collect()
        })
    }

    /// A setting kept across restarts.
    pub fn setting(&self, name: &str) -> Result<Option<String>, RecordError> {
        self.read(|c| query::setting(c, name))
    }

    /// `PRAGMA integrity_check` on the database: `"ok"` when sound.
    pub fn integrity_check(&self) -> Result<String, RecordError> {
        self.read(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, RecordError> {
        self.read(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
    }
}

/// One consistent view of the store ([`RecordStore::snapshot`]): the reads a report makes.
pub struct Snapshot<'a> {
    conn: &'a Connection,
    path: &'a Path,
}

impl std::fmt::Debug for Snapshot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("path", &self.path)
            .finish()
    }
}

impl Snapshot<'_> {
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, RecordError> {
        f(self.conn).map_err(sql_error(self.path))
    }

    /// As [`RecordStore::activities_where`].
    pub fn activities_where(&self, filter: &Filter) -> Result<Vec<ActivityRecord>, RecordError> {
        self.read(|c| query::activities(c, filter))
    }

    /// As [`RecordStore::usage_totals`].
    pub fn usage_totals(
        &self,
        level: rollup::Level,
        filter: &Filter,
    ) -> Result<Vec<(String, String, i64)>, RecordError> {
        self.read(|c| rollup::usage_totals(c, level, filter))
    }

    /// As [`RecordStore::slot_summaries`].
    pub fn slot_summaries(&self, filter: &Filter) -> Result<rollup::SlotSummaries, RecordError> {
        self.read(|c| rollup::slots(c, filter))
    }

    /// As [`RecordStore::screenshot_times`].
    pub fn screenshot_times(&self, filter: &Filter) -> Result<Vec<Timestamp>, RecordError> {
        self.read(|c| query::screenshot_times(c, filter))
    }

    /// The UTC days in `[from, to)` (ms) whose category cache is filled for `set_hash`.
    pub fn category_filled_days(
        &self,
        from: i64,
        to: i64,
        set_hash: &str,
    ) -> Result<std::collections::BTreeSet<i64>, RecordError> {
        self.read(|c| rollup::category_filled_days(c, from, to, set_hash))
    }

    /// The activity rows of UTC day `day` (ms): how many, and the largest id.
    pub fn activity_fingerprint(&self, day: i64) -> Result<(i64, i64), RecordError> {
        self.read(|c| rollup::activity_fingerprint(c, day))
    }

    /// Category cache rows `(hour, context, packed data)` of `set_hash` in `filter`'s hours.
    pub fn category_hours(
        &self,
        filter: &Filter,
        set_hash: &str,
    ) -> Result<Vec<(i64, WorkContext, Vec<u8>)>, RecordError> {
        self.read(|c| rollup::category_hours(c, filter, set_hash))
    }

    /// As [`RecordStore::idle_periods`].
    pub fn idle_periods(
        &self,
        filter: &Filter,
    ) -> Result<Vec<crate::model::idle::IdlePeriod>, RecordError> {
        self.read(|c| idle::periods(c, filter))
    }

    /// The export's table-days changed in `[from_day, to_day)`: `(table, day, generation)`.
    pub fn export_changes(
        &self,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<(String, i64, i64)>, RecordError> {
        self.read(|c| export::changes(c, from_day, to_day))
    }

    /// What dataset `sink` holds per table-day: `(generation, rows)`.
    pub fn export_marks(&self, sink: &str) -> Result<export::Marks, RecordError> {
        self.read(|c| export::marks(c, sink))
    }

    /// The generation of one table-day now.
    pub fn export_generation(&self, table: &str, day: i64) -> Result<Option<i64>, RecordError> {
        self.read(|c| export::generation(c, table, day))
    }

    /// The slot rows of UTC day `day` (by slot start).
    pub fn day_slots(&self, day: i64) -> Result<Vec<SlotRow>, RecordError> {
        self.read(|c| export::day_slots(c, day))
    }

    /// The activity rows of UTC day `day` (by slot start).
    pub fn day_activities(&self, day: i64) -> Result<Vec<ActivityRecord>, RecordError> {
        self.read(|c| export::day_activities(c, day))
    }

    /// The screenshots of UTC day `day` (by slot start).
    pub fn day_screenshots(
        &self,
        day: i64,
        now: Timestamp,
    ) -> Result<Vec<Screenshot>, RecordError> {
        self.read(|c| export::day_screenshots(c, day, now))
    }
}

impl Drop for RecordStore {
    fn drop(&mut self) {
        self.close();
    }
}
