//! The record store: slots, activities, screenshots and the upload outbox in an embedded SQLite
//! database (rusqlite, SQLite bundled).
//!
//! - **Durable acknowledgements.** A write returns `Ok` only after the transaction holding it
//!   has committed, in WAL mode with `synchronous=FULL`: an acknowledged record survives the
//!   process being killed and the machine losing power.
//! - **Group commit.** One writer thread owns the write connection. Writers from any thread hand
//!   it their records and wait; it takes everything queued (up to [`MAX_BATCH`] operations) into
//!   one transaction, commits once, then acknowledges each writer. Many small concurrent writes
//!   therefore cost one fsync per batch, not one each (see `benches/records.rs`).
//! - **Migrations** are keyed on `PRAGMA user_version`; opening a database newer than the library
//!   knows is an error rather than a guess.
//! - **Slots merge.** A second part of the same slot and context (tracking stopped and started
//!   again inside it) is merged into the existing row, per-second maps included, so the metrics
//!   stay exact.
//!
//! Reads use their own connection, so they never wait behind a batch being written.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rusqlite::{Connection, OptionalExtension, params};

use crate::clock::Timestamp;
use crate::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use crate::model::score::{SecondMap, SlotCounts};

/// The schema version this library writes.
pub const SCHEMA_VERSION: i64 = 2;
/// Most operations committed in one transaction.
pub const MAX_BATCH: usize = 4096;

const MIGRATIONS: &[&str] = &[
    // 1: the first schema. Context columns are '' rather than NULL so UNIQUE constraints hold.
    "CREATE TABLE slots (
        id INTEGER PRIMARY KEY,
        slot_start INTEGER NOT NULL,
        slot_seconds INTEGER NOT NULL,
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL,
        tracked_ms INTEGER NOT NULL,
        keyboard_events INTEGER NOT NULL,
        mouse_events INTEGER NOT NULL,
        keyboard_map BLOB NOT NULL,
        mouse_map BLOB NOT NULL,
        UNIQUE (slot_start, employee, project, task)
    );
    CREATE TABLE activities (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('APP', 'URL')),
        title TEXT NOT NULL,
        application TEXT NOT NULL,
        url TEXT, domain TEXT,
        start_ms INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        slot_start INTEGER NOT NULL,
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL
    );
    CREATE INDEX activities_slot ON activities (slot_start);
    CREATE TABLE screenshots (
        id TEXT PRIMARY KEY,
        slot_start INTEGER NOT NULL,
        taken_at INTEGER NOT NULL,
        monitor TEXT NOT NULL,
        x INTEGER NOT NULL, y INTEGER NOT NULL,
        width INTEGER NOT NULL, height INTEGER NOT NULL,
        blurred INTEGER NOT NULL,
        format TEXT NOT NULL,
        full_key TEXT NOT NULL, thumb_key TEXT NOT NULL,
        full_bytes INTEGER NOT NULL, thumb_bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL, thumb_sha256 TEXT NOT NULL,
        provider TEXT NOT NULL,
        upload_state TEXT NOT NULL CHECK (upload_state IN ('pending', 'uploaded')),
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL
    );
    CREATE INDEX screenshots_slot ON screenshots (slot_start);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        screenshot_id TEXT NOT NULL REFERENCES screenshots (id) ON DELETE CASCADE,
        object_key TEXT NOT NULL UNIQUE,
        spool_path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        last_error TEXT
    );",
    // 2: checkpoints of the slot parts still open, so a crash loses little of their counts.
    "CREATE TABLE slot_checkpoints (
        slot_start INTEGER NOT NULL,
        slot_seconds INTEGER NOT NULL,
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL,
        tracked_ms INTEGER NOT NULL,
        keyboard_events INTEGER NOT NULL,
        mouse_events INTEGER NOT NULL,
        keyboard_map BLOB NOT NULL,
        mouse_map BLOB NOT NULL,
        PRIMARY KEY (slot_start, employee, project, task)
    );",
];

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

/// One slot of one work context, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRow {
    /// The counts, with their per-second maps.
    pub counts: SlotCounts,
    /// Employee, project, task.
    pub context: WorkContext,
}

/// A screenshot's metadata, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreenshotRow {
    /// Unique id.
    pub id: String,
    /// Slot the capture belongs to.
    pub slot_start: Timestamp,
    /// When it was taken.
    pub taken_at: Timestamp,
    /// Monitor name.
    pub monitor: String,
    /// Monitor position and native size.
    pub geometry: (i32, i32, u32, u32),
    /// Whether the stored image is blurred.
    pub blurred: bool,
    /// `jpg`, `png` or `webp`.
    pub format: String,
    /// Object key of the full image.
    pub full_key: String,
    /// Object key of the thumbnail.
    pub thumb_key: String,
    /// Size of the full image in bytes.
    pub full_bytes: u64,
    /// Size of the thumbnail in bytes.
    pub thumb_bytes: u64,
    /// SHA-256 (hex) of the full image.
    pub sha256: String,
    /// SHA-256 (hex) of the thumbnail.
    pub thumb_sha256: String,
    /// `LOCAL`, `S3`, …
    pub provider: String,
    /// Whether the provider has confirmed both objects.
    pub uploaded: bool,
    /// Employee, project, task.
    pub context: WorkContext,
}

/// One write operation.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Write {
    /// A closed slot (merged into an existing row of the same slot and context).
    Slot(Box<SlotRow>),
    /// The counts so far of a slot part still open (replacing the previous checkpoint of the
    /// same slot and context). Writing the part as a [`Write::Slot`] removes it;
    /// [`RecordStore::recover_checkpoints`] turns what a crash left into slot parts.
    SlotCheckpoint(Box<SlotRow>),
    /// An activity record.
    Activity(Box<ActivityRecord>),
    /// A screenshot's metadata (replaces a row with the same id).
    Screenshot(Box<ScreenshotRow>),
    /// An upload waiting in the outbox.
    OutboxAdd(Box<OutboxEntry>),
    /// The provider confirmed the upload: the outbox row goes, and the screenshot is marked
    /// uploaded when none of its uploads is left.
    OutboxDone {
        /// The outbox row.
        id: i64,
    },
    /// An upload attempt failed: count it and say when to try again.
    OutboxRetry {
        /// The outbox row.
        id: i64,
        /// When the next attempt is due.
        next_attempt: Timestamp,
        /// What went wrong.
        error: String,
    },
    /// Deletes a screenshot's record and its outbox rows.
    DeleteScreenshot {
        /// The screenshot id.
        id: String,
    },
}

/// One upload waiting in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Row id (0 when not yet stored).
    pub id: i64,
    /// The screenshot the object belongs to.
    pub screenshot_id: String,
    /// Object key to upload to.
    pub object_key: String,
    /// The spool file holding the bytes.
    pub spool_path: String,
    /// SHA-256 (hex) of the bytes.
    pub sha256: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt: Timestamp,
    /// When it was queued.
    pub created: Timestamp,
    /// The last attempt's error.
    pub last_error: Option<String>,
}

type Ack = mpsc::SyncSender<Result<(), RecordError>>;

struct Job {
    writes: Vec<Write>,
    ack: Ack,
}

/// The record store. Cheap to share: clone the `Arc` it comes in.
pub struct RecordStore {
    path: PathBuf,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
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

fn sql_error(path: &Path) -> impl Fn(rusqlite::Error) -> RecordError + '_ {
    move |e| RecordError::Sqlite {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn open_connection(path: &Path) -> Result<Connection, RecordError> {
    let err = sql_error(path);
    let conn = Connection::open(path).map_err(&err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(&err)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(&err)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(&err)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(&err)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), RecordError> {
    let err = sql_error(path);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(&err)?;
    if version > SCHEMA_VERSION {
        return Err(RecordError::TooNew {
            path: path.display().to_string(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction().map_err(&err)?;
        tx.execute_batch(sql).map_err(&err)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(&err)?;
        tx.commit().map_err(&err)?;
    }
    Ok(())
}

fn ctx(c: &WorkContext) -> [&str; 3] {
    [
        c.employee.as_deref().unwrap_or(""),
        c.project.as_deref().unwrap_or(""),
        c.task.as_deref().unwrap_or(""),
    ]
}

/// The work context stored in three consecutive columns from `first` ('' meaning none).
fn context_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<WorkContext> {
    let opt = |s: String| (!s.is_empty()).then_some(s);
    Ok(WorkContext {
        employee: opt(r.get(first)?),
        project: opt(r.get(first + 1)?),
        task: opt(r.get(first + 2)?),
    })
}

fn words_to_blob(m: &SecondMap) -> Vec<u8> {
    m.words().iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn blob_to_map(seconds: u32, b: &[u8]) -> SecondMap {
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

/// A slot row from the columns slot_start, slot_seconds, employee, project, task, tracked_ms,
/// keyboard_events, mouse_events, keyboard_map, mouse_map.
fn slot_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SlotRow> {
    let seconds: u32 = r.get(1)?;
    Ok(SlotRow {
        counts: SlotCounts {
            slot_start: Timestamp::from_millis(r.get(0)?),
            slot_seconds: seconds,
            tracked_millis: r.get(5)?,
            keyboard_events: r.get(6)?,
            mouse_events: r.get(7)?,
            keyboard: blob_to_map(seconds, &r.get::<_, Vec<u8>>(8)?),
            mouse: blob_to_map(seconds, &r.get::<_, Vec<u8>>(9)?),
        },
        context: context_at(r, 2)?,
    })
}

/// A slot row already in the database, to merge a new part into.
struct StoredSlot {
    id: i64,
    tracked: i64,
    keyboard: u32,
    mouse: u32,
    keyboard_map: Vec<u8>,
    mouse_map: Vec<u8>,
}

const INSERT_ACTIVITY: &str = "INSERT INTO activities (kind, title, application, url, domain, start_ms,
    duration_ms, slot_start, employee, project, task) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

fn apply(
    tx: &rusqlite::Transaction<'_>,
    insert_activity: &mut rusqlite::CachedStatement<'_>,
    w: &Write,
) -> rusqlite::Result<()> {
    match w {
        Write::Slot(row) => {
            let c = ctx(&row.context);
            let s = &row.counts;
            let existing: Option<StoredSlot> = tx
                .prepare_cached(
                    "SELECT id, tracked_ms, keyboard_events, mouse_events, keyboard_map, mouse_map
                     FROM slots WHERE slot_start = ?1 AND employee = ?2 AND project = ?3 AND task = ?4",
                )?
                .query_row(params![s.slot_start.as_millis(), c[0], c[1], c[2]], |r| {
                    Ok(StoredSlot {
                        id: r.get(0)?,
                        tracked: r.get(1)?,
                        keyboard: r.get(2)?,
                        mouse: r.get(3)?,
                        keyboard_map: r.get(4)?,
                        mouse_map: r.get(5)?,
                    })
                })
                .optional()?;
            let mut merged = s.clone();
            let id = match existing {
                Some(old) => {
                    merged = SlotCounts {
                        slot_start: s.slot_start,
                        slot_seconds: s.slot_seconds,
                        tracked_millis: old.tracked,
                        keyboard_events: old.keyboard,
                        mouse_events: old.mouse,
                        keyboard: blob_to_map(s.slot_seconds, &old.keyboard_map),
                        mouse: blob_to_map(s.slot_seconds, &old.mouse_map),
                    };
                    merged.merge(s);
                    Some(old.id)
                }
                None => None,
            };
            tx.prepare_cached(
                "INSERT OR REPLACE INTO slots (id, slot_start, slot_seconds, employee, project, task,
                     tracked_ms, keyboard_events, mouse_events, keyboard_map, mouse_map)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                id,
                merged.slot_start.as_millis(),
                merged.slot_seconds,
                c[0],
                c[1],
                c[2],
                merged.tracked_millis,
                merged.keyboard_events,
                merged.mouse_events,
                words_to_blob(&merged.keyboard),
                words_to_blob(&merged.mouse),
            ])?;
            // The part is final: its checkpoint is superseded.
            tx.prepare_cached(
                "DELETE FROM slot_checkpoints
                 WHERE slot_start = ?1 AND employee = ?2 AND project = ?3 AND task = ?4",
            )?
            .execute(params![s.slot_start.as_millis(), c[0], c[1], c[2]])?;
        }
        Write::SlotCheckpoint(row) => {
            let c = ctx(&row.context);
            let s = &row.counts;
            tx.prepare_cached(
                "INSERT OR REPLACE INTO slot_checkpoints (slot_start, slot_seconds, employee,
                     project, task, tracked_ms, keyboard_events, mouse_events, keyboard_map,
                     mouse_map)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                s.slot_start.as_millis(),
                s.slot_seconds,
                c[0],
                c[1],
                c[2],
                s.tracked_millis,
                s.keyboard_events,
                s.mouse_events,
                words_to_blob(&s.keyboard),
                words_to_blob(&s.mouse),
            ])?;
        }
        Write::Activity(a) => {
            let c = ctx(&a.context);
            insert_activity.execute(params![
                match a.kind {
                    ActivityKind::App => "APP",
                    ActivityKind::Url => "URL",
                },
                a.title,
                a.application,
                a.url,
                a.domain,
                a.start.as_millis(),
                a.duration_millis,
                a.slot_start.as_millis(),
                c[0],
                c[1],
                c[2],
            ])?;
        }
        Write::Screenshot(s) => {
            let c = ctx(&s.context);
            tx.prepare_cached(
                "INSERT OR REPLACE INTO screenshots (id, slot_start, taken_at, monitor, x, y, width, height,
                     blurred, format, full_key, thumb_key, full_bytes, thumb_bytes, sha256, thumb_sha256,
                     provider, upload_state, employee, project, task)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                     ?19, ?20, ?21)",
            )?
            .execute(params![
                s.id,
                s.slot_start.as_millis(),
                s.taken_at.as_millis(),
                s.monitor,
                s.geometry.0,
                s.geometry.1,
                s.geometry.2,
                s.geometry.3,
                s.blurred,
                s.format,
                s.full_key,
                s.thumb_key,
                s.full_bytes as i64,
                s.thumb_bytes as i64,
                s.sha256,
                s.thumb_sha256,
                s.provider,
                if s.uploaded { "uploaded" } else { "pending" },
                c[0],
                c[1],
                c[2],
            ])?;
        }
        Write::OutboxAdd(e) => {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO outbox (screenshot_id, object_key, spool_path, sha256, attempts,
                     next_attempt_ms, created_ms, last_error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                e.screenshot_id,
                e.object_key,
                e.spool_path,
                e.sha256,
                e.attempts,
                e.next_attempt.as_millis(),
                e.created.as_millis(),
                e.last_error,
            ])?;
        }
        Write::OutboxDone { id } => {
            let shot: Option<String> = tx
                .prepare_cached("SELECT screenshot_id FROM outbox WHERE id = ?1")?
                .query_row(params![id], |r| r.get(0))
                .optional()?;
            tx.prepare_cached("DELETE FROM outbox WHERE id = ?1")?
                .execute(params![id])?;
            if let Some(shot) = shot {
                tx.prepare_cached(
                    "UPDATE screenshots SET upload_state = 'uploaded' WHERE id = ?1
                     AND NOT EXISTS (SELECT 1 FROM outbox WHERE screenshot_id = ?1)",
                )?
                .execute(params![shot])?;
            }
        }
        Write::OutboxRetry {
            id,
            next_attempt,
            error,
        } => {
            tx.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?2, last_error = ?3 WHERE id = ?1",
            )?
            .execute(params![id, next_attempt.as_millis(), error])?;
        }
        Write::DeleteScreenshot { id } => {
            tx.prepare_cached("DELETE FROM outbox WHERE screenshot_id = ?1")?
                .execute(params![id])?;
            tx.prepare_cached("DELETE FROM screenshots WHERE id = ?1")?
                .execute(params![id])?;
        }
    }
    Ok(())
}

fn outbox_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxEntry> {
    Ok(OutboxEntry {
        id: r.get(0)?,
        screenshot_id: r.get(1)?,
        object_key: r.get(2)?,
        spool_path: r.get(3)?,
        sha256: r.get(4)?,
        attempts: r.get(5)?,
        next_attempt: Timestamp::from_millis(r.get(6)?),
        created: Timestamp::from_millis(r.get(7)?),
        last_error: r.get(8)?,
    })
}

const OUTBOX_COLUMNS: &str = "id, screenshot_id, object_key, spool_path, sha256, attempts, next_attempt_ms, created_ms, last_error";

fn writer_loop(mut conn: Connection, path: PathBuf, jobs: mpsc::Receiver<Job>) {
    let err = sql_error(&path);
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        let mut ops = batch[0].writes.len();
        while ops < MAX_BATCH {
            match jobs.try_recv() {
                Ok(j) => {
                    ops += j.writes.len();
                    batch.push(j);
                }
                Err(_) => break,
            }
        }
        let result = (|| {
            let tx = conn.transaction()?;
            {
                // Activities are the bulk of the writes: one prepared statement for the batch.
                let mut insert_activity = tx.prepare_cached(INSERT_ACTIVITY)?;
                for job in &batch {
                    for w in &job.writes {
                        apply(&tx, &mut insert_activity, w)?;
                    }
                }
            }
            tx.commit()
        })()
        .map_err(&err);
        // Acknowledge only now: after the commit (or its failure).
        for job in batch {
            let _ = job.ack.send(result.clone());
        }
    }
}

impl RecordStore {
    /// Opens (creating and migrating as needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Arc<RecordStore>, RecordError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| RecordError::Sqlite {
                path: path.display().to_string(),
                message: format!("cannot create folder {}: {e}", dir.display()),
            })?;
        }
        let mut conn = open_connection(&path)?;
        migrate(&mut conn, &path)?;
        let reader = open_connection(&path)?;
        let (tx, rx) = mpsc::channel();
        let p = path.clone();
        let writer = std::thread::Builder::new()
            .name("activity-core-records".into())
            .spawn(move || writer_loop(conn, p, rx))
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
        if writes.is_empty() {
            return Ok(());
        }
        let (ack, done) = mpsc::sync_channel(1);
        let closed = || RecordError::Closed(self.path.display().to_string());
        {
            let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
            let sender = jobs.as_ref().ok_or_else(closed)?;
            sender.send(Job { writes, ack }).map_err(|_| closed())?;
        }
        done.recv().map_err(|_| closed())?
    }

    /// Stops the writer after it has committed everything already queued.
    pub fn close(&self) {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = h.join();
        }
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, RecordError> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn).map_err(sql_error(&self.path))
    }

    /// The slot rows starting in `[from, to)`, oldest first.
    pub fn slots(&self, from: Timestamp, to: Timestamp) -> Result<Vec<SlotRow>, RecordError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT slot_start, slot_seconds, employee, project, task, tracked_ms, keyboard_events,
                        mouse_events, keyboard_map, mouse_map
                 FROM slots WHERE slot_start >= ?1 AND slot_start < ?2 ORDER BY slot_start, id",
            )?;
            let rows = st.query_map(params![from.as_millis(), to.as_millis()], slot_row)?;
            rows.collect()
        })
    }

    /// Checkpoints of slot parts that were open when they were written (after a crash: the parts
    /// the process did not get to close).
    pub fn checkpoints(&self) -> Result<Vec<SlotRow>, RecordError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT slot_start, slot_seconds, employee, project, task, tracked_ms, keyboard_events,
                        mouse_events, keyboard_map, mouse_map
                 FROM slot_checkpoints ORDER BY slot_start",
            )?;
            let rows = st.query_map([], slot_row)?;
            rows.collect()
        })
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

    /// Activity records whose start lies in `[from, to)`, oldest first.
    pub fn activities(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ActivityRecord>, RecordError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT kind, title, application, url, domain, start_ms, duration_ms, slot_start,
                        employee, project, task
                 FROM activities WHERE start_ms >= ?1 AND start_ms < ?2 ORDER BY start_ms, id",
            )?;
            let rows = st.query_map(params![from.as_millis(), to.as_millis()], |r| {
                Ok(ActivityRecord {
                    kind: if r.get::<_, String>(0)? == "URL" {
                        ActivityKind::Url
                    } else {
                        ActivityKind::App
                    },
                    title: r.get(1)?,
                    application: r.get(2)?,
                    url: r.get(3)?,
                    domain: r.get(4)?,
                    start: Timestamp::from_millis(r.get(5)?),
                    duration_millis: r.get(6)?,
                    slot_start: Timestamp::from_millis(r.get(7)?),
                    context: context_at(r, 8)?,
                })
            })?;
            rows.collect()
        })
    }

    /// The screenshot with this id, if stored.
    pub fn screenshot(&self, id: &str) -> Result<Option<ScreenshotRow>, RecordError> {
        self.read(|c| {
            c.prepare_cached(
                "SELECT id, slot_start, taken_at, monitor, x, y, width, height, blurred, format, full_key,
                        thumb_key, full_bytes, thumb_bytes, sha256, thumb_sha256, provider, upload_state,
                        employee, project, task
                 FROM screenshots WHERE id = ?1",
            )?
            .query_row(params![id], |r| {
                Ok(ScreenshotRow {
                    id: r.get(0)?,
                    slot_start: Timestamp::from_millis(r.get(1)?),
                    taken_at: Timestamp::from_millis(r.get(2)?),
                    monitor: r.get(3)?,
                    geometry: (r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
                    blurred: r.get(8)?,
                    format: r.get(9)?,
                    full_key: r.get(10)?,
                    thumb_key: r.get(11)?,
                    full_bytes: r.get::<_, i64>(12)? as u64,
                    thumb_bytes: r.get::<_, i64>(13)? as u64,
                    sha256: r.get(14)?,
                    thumb_sha256: r.get(15)?,
                    provider: r.get(16)?,
                    uploaded: r.get::<_, String>(17)? == "uploaded",
                    context: context_at(r, 18)?,
                })
            })
            .optional()
        })
    }

    /// Outbox entries due at `now` (next attempt ≤ now), oldest first, at most `limit`.
    pub fn outbox_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, RecordError> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE next_attempt_ms <= ?1 ORDER BY next_attempt_ms, id LIMIT ?2"
            ))?;
            let rows = st.query_map(params![now.as_millis(), limit as i64], outbox_entry)?;
            rows.collect()
        })
    }

    /// Every outbox entry, oldest first.
    pub fn outbox_all(&self) -> Result<Vec<OutboxEntry>, RecordError> {
        self.read(|c| {
            let mut st =
                c.prepare_cached(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id"))?;
            let rows = st.query_map([], outbox_entry)?;
            rows.collect()
        })
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

impl Drop for RecordStore {
    fn drop(&mut self) {
        self.close();
    }
}
