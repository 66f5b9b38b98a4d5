//! The writer thread: group commit with one savepoint per caller, and how each [`Write`] is
//! applied (slot parts merge into the stored row, per-second maps included).

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::rollup::{Cache, Pending};
use super::rows::{SlotRow, Write};
use super::{MAX_BATCH, RecordError, blob_to_map, ctx, sql_error, words_to_blob};
use crate::model::activity::ActivityKind;
use crate::model::score::SlotCounts;

pub(crate) type Ack = mpsc::SyncSender<Result<(), RecordError>>;

/// One caller's writes: applied all or none.
pub(crate) struct Job {
    pub(crate) writes: Vec<Write>,
    pub(crate) ack: Ack,
    /// Keep the report rollups (always, but for one benchmark).
    pub(crate) rollups: bool,
}

/// A slot row already in the database, to merge a new part into.
struct StoredSlot {
    id: i64,
    tracked: i64,
    keyboard: u32,
    mouse: u32,
    keyboard_map: Vec<u8>,
    mouse_map: Vec<u8>,
    presence_map: Option<Vec<u8>>,
    counts_events: bool,
}

/// Merges `row` into the stored row of the same slot and context (or inserts it) and drops its
/// checkpoint, which it supersedes.
pub(crate) fn write_slot(c: &Connection, row: &SlotRow) -> rusqlite::Result<SlotCounts> {
    let k = ctx(&row.context);
    let s = &row.counts;
    let existing: Option<StoredSlot> = c
        .prepare_cached(
            "SELECT id, tracked_ms, keyboard_events, mouse_events, keyboard_map, mouse_map,
                 presence_map, counts_events
             FROM slots WHERE slot_start = ?1 AND employee = ?2 AND project = ?3 AND task = ?4",
        )?
        .query_row(params![s.slot_start.as_millis(), k[0], k[1], k[2]], |r| {
            Ok(StoredSlot {
                id: r.get(0)?,
                tracked: r.get(1)?,
                keyboard: r.get(2)?,
                mouse: r.get(3)?,
                keyboard_map: r.get(4)?,
                mouse_map: r.get(5)?,
                presence_map: r.get(6)?,
                counts_events: r.get(7)?,
            })
        })
        .optional()?;
    let mut merged = s.clone();
    let id = existing.map(|old| {
        merged = SlotCounts {
            slot_start: s.slot_start,
            slot_seconds: s.slot_seconds,
            tracked_millis: old.tracked,
            keyboard_events: old.keyboard,
            mouse_events: old.mouse,
            keyboard: blob_to_map(s.slot_seconds, &old.keyboard_map),
            mouse: blob_to_map(s.slot_seconds, &old.mouse_map),
            presence: blob_to_map(s.slot_seconds, &old.presence_map.unwrap_or_default()),
            counts_events: old.counts_events,
        };
        merged.merge(s);
        old.id
    });
    let id = id.map_or(Value::Null, Value::Integer);
    c.prepare_cached(
        "INSERT OR REPLACE INTO slots (id, slot_start, slot_seconds, employee, project, task,
             tracked_ms, keyboard_events, mouse_events, keyboard_map, mouse_map, presence_map,
             counts_events)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params_from_iter(
        std::iter::once(id).chain(slot_values(&merged, k)),
    ))?;
    c.prepare_cached(
        "DELETE FROM slot_checkpoints
         WHERE slot_start = ?1 AND employee = ?2 AND project = ?3 AND task = ?4",
    )?
    .execute(params![s.slot_start.as_millis(), k[0], k[1], k[2]])?;
    Ok(merged)
}

/// The values of the slot columns (`SLOT_COLUMNS` order) for counts `s` of context `k`.
fn slot_values(s: &SlotCounts, k: [&str; 3]) -> [Value; 12] {
    [
        Value::Integer(s.slot_start.as_millis()),
        Value::Integer(i64::from(s.slot_seconds)),
        Value::Text(k[0].to_string()),
        Value::Text(k[1].to_string()),
        Value::Text(k[2].to_string()),
        Value::Integer(s.tracked_millis),
        Value::Integer(i64::from(s.keyboard_events)),
        Value::Integer(i64::from(s.mouse_events)),
        Value::Blob(words_to_blob(&s.keyboard)),
        Value::Blob(words_to_blob(&s.mouse)),
        if s.presence.count() == 0 {
            Value::Null
        } else {
            Value::Blob(words_to_blob(&s.presence))
        },
        Value::Integer(i64::from(s.counts_events)),
    ]
}

fn write_checkpoint(c: &Connection, row: &SlotRow) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT OR REPLACE INTO slot_checkpoints (slot_start, slot_seconds, employee, project,
             task, tracked_ms, keyboard_events, mouse_events, keyboard_map, mouse_map,
             presence_map, counts_events)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params_from_iter(slot_values(
        &row.counts,
        ctx(&row.context),
    )))?;
    Ok(())
}

pub(crate) fn apply<'a>(
    c: &Connection,
    w: &'a Write,
    rollups: &mut Pending<'a>,
) -> rusqlite::Result<()> {
    match w {
        Write::Slot(row) => {
            let merged = write_slot(c, row)?;
            rollups.slot(&merged, &row.context);
        }
        Write::SlotCheckpoint(row) => write_checkpoint(c, row)?,
        Write::Activity(a) => {
            let k = ctx(&a.context);
            c.prepare_cached(
                "INSERT INTO activities (kind, title, application, url, domain, start_ms,
                     duration_ms, slot_start, employee, project, task)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
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
                k[0],
                k[1],
                k[2],
            ])?;
            // The report rollups, in the same savepoint: they can never disagree with the rows.
            rollups.activity(a);
        }
        Write::Screenshot(s) => {
            let k = ctx(&s.context);
            c.prepare_cached(
                "INSERT OR REPLACE INTO screenshots (id, slot_start, taken_at, monitor, x, y,
                     width, height, blurred, format, full_key, thumb_key, full_bytes, thumb_bytes,
                     sha256, thumb_sha256, provider, upload_state, employee, project, task)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17, 'pending', ?18, ?19, ?20)",
            )?
            .execute(params![
                s.id,
                s.slot_start.as_millis(),
                s.taken_at.as_millis(),
                s.monitor,
                s.x,
                s.y,
                s.width,
                s.height,
                s.blurred,
                s.format,
                s.full_key,
                s.thumb_key,
                s.full_bytes as i64,
                s.thumb_bytes as i64,
                s.sha256,
                s.thumb_sha256,
                s.provider,
                k[0],
                k[1],
                k[2],
            ])?;
        }
        Write::OutboxAdd(e) => {
            c.prepare_cached(
                "INSERT OR IGNORE INTO outbox (screenshot_id, object_key, spool_path, sha256,
                     attempts, next_attempt_ms, created_ms, last_error, location)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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
                e.location,
            ])?;
            // The screenshot goes where its uploads go: a later deletion of the uploaded
            // objects is tied to that location.
            c.prepare_cached("UPDATE screenshots SET location = ?2 WHERE id = ?1")?
                .execute(params![e.screenshot_id, e.location])?;
        }
        Write::OutboxDone { id } => {
            let shot: Option<String> = c
                .prepare_cached("SELECT screenshot_id FROM outbox WHERE id = ?1")?
                .query_row(params![id], |r| r.get(0))
                .optional()?;
            // A row already gone (the screenshot was deleted while its upload was in flight)
            // marks nothing uploaded.
            if let Some(shot) = shot {
                c.prepare_cached("DELETE FROM outbox WHERE id = ?1")?
                    .execute(params![id])?;
                c.prepare_cached(
                    "UPDATE screenshots SET upload_state = 'uploaded' WHERE id = ?1
                     AND NOT EXISTS (SELECT 1 FROM outbox WHERE screenshot_id = ?1)",
                )?
                .execute(params![shot])?;
            }
        }
        Write::OutboxClaim { id } => {
            c.prepare_cached("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?1")?
                .execute(params![id])?;
        }
        Write::OutboxRetry {
            id,
            next_attempt,
            error,
        } => {
            c.prepare_cached(
                "UPDATE outbox SET next_attempt_ms = ?2, last_error = ?3 WHERE id = ?1",
            )?
            .execute(params![id, next_attempt.as_millis(), error])?;
        }
        Write::DeleteScreenshot { id, at } => {
            let shot: Option<(String, String, String)> = c
                .prepare_cached(
                    "SELECT full_key, thumb_key, location FROM screenshots WHERE id = ?1",
                )?
                .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            if let Some((full, thumb, location)) = shot {
                // Every object that may have left the machine: no outbox row (uploaded), or a
                // row whose attempt was claimed. Only a row never claimed stayed here.
                c.prepare_cached(
                    "INSERT OR IGNORE INTO remote_deletes (screenshot_id, object_key,
                         next_attempt_ms, created_ms, location)
                     SELECT ?1, k.key, ?3, ?3, COALESCE(o.location, ?4)
                     FROM (SELECT ?2 AS key UNION ALL SELECT ?5) k
                     LEFT JOIN outbox o ON o.object_key = k.key
                     WHERE k.key <> '' AND (o.id IS NULL OR o.attempts > 0)",
                )?
                .execute(params![id, full, at.as_millis(), location, thumb])?;
            }
            c.prepare_cached("DELETE FROM outbox WHERE screenshot_id = ?1")?
                .execute(params![id])?;
            c.prepare_cached("DELETE FROM screenshots WHERE id = ?1")?
                .execute(params![id])?;
        }
        Write::DeleteDone { id } => {
            c.prepare_cached("DELETE FROM remote_deletes WHERE id = ?1")?
                .execute(params![id])?;
        }
        Write::DeleteRetry {
            id,
            next_attempt,
            error,
        } => {
            c.prepare_cached(
                "UPDATE remote_deletes SET attempts = attempts + 1, next_attempt_ms = ?2,
                     last_error = ?3 WHERE id = ?1",
            )?
            .execute(params![id, next_attempt.as_millis(), error])?;
        }
        Write::IdleDecision(_)
        | Write::PurgeRows { .. }
        | Write::EraseSubject { .. }
        | Write::CategoryFill(_) => {
            // (applied by `rewrite`)
        }
        Write::DropScreenshotObject { id, full, at } => {
            let column = if *full { "full_key" } else { "thumb_key" };
            let shot: Option<(String, String)> = c
                .prepare_cached(&format!(
                    "SELECT {column}, location FROM screenshots WHERE id = ?1"
                ))?
                .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((key, location)) = shot.filter(|(k, _)| !k.is_empty()) {
                c.prepare_cached(
                    "INSERT OR IGNORE INTO remote_deletes (screenshot_id, object_key,
                         next_attempt_ms, created_ms, location)
                     SELECT ?1, ?2, ?3, ?3, COALESCE(o.location, ?4)
                     FROM (SELECT ?2 AS key) k
                     LEFT JOIN outbox o ON o.object_key = k.key
                     WHERE o.id IS NULL OR o.attempts > 0",
                )?
                .execute(params![id, key, at.as_millis(), location])?;
                c.prepare_cached("DELETE FROM outbox WHERE object_key = ?1")?
                    .execute(params![key])?;
                c.prepare_cached(&format!(
                    "UPDATE screenshots SET {column} = '' WHERE id = ?1"
                ))?
                .execute(params![id])?;
                // The other object's upload may be all that was left.
                c.prepare_cached(
                    "UPDATE screenshots SET upload_state = 'uploaded' WHERE id = ?1
                     AND NOT EXISTS (SELECT 1 FROM outbox WHERE screenshot_id = ?1)",
                )?
                .execute(params![id])?;
            }
        }
        Write::CategorySet { set_hash } => {
            c.prepare_cached("DELETE FROM category_hours WHERE set_hash <> ?1")?
                .execute(params![set_hash])?;
            c.prepare_cached("DELETE FROM category_days WHERE set_hash <> ?1")?
                .execute(params![set_hash])?;
        }
        Write::PurgeLog(report) => {
            c.prepare_cached("INSERT INTO purge_log (at_ms, report) VALUES (?1, ?2)")?
                .execute(params![
                    report.at.as_millis(),
                    serde_json::to_string(report).unwrap_or_default()
                ])?;
        }
        Write::ExportMark {
            sink,
            table,
            day_ms,
            generation,
            rows,
            at_ms,
        } => {
            super::export::mark(c, sink, table, *day_ms, *generation, *rows, *at_ms)?;
        }
        Write::Setting { name, value } => {
            c.prepare_cached("INSERT OR REPLACE INTO settings (name, value) VALUES (?1, ?2)")?
                .execute(params![name, value])?;
        }
    }
    Ok(())
}

/// The writes that change stored rows under the rollups (an idle decision, a purge, an
/// erasure) or fill the category cache: what is pending of the job's rollups is written first
/// (`take_pending`), then the write. `None` for every other write; `Some(true)` when the
/// writer's copies of rollup rows must go.
fn rewrite<'a>(
    c: &Connection,
    w: &Write,
    cache: &mut Cache,
    take_pending: impl FnOnce() -> Pending<'a>,
) -> rusqlite::Result<Option<bool>> {
    if let Write::CategoryFill(f) = w {
        // (no rows change: nothing pending to write first)
        if super::rollup::fill_categories(c, f)? {
            cache.category_filled(f.day_ms);
        }
        return Ok(Some(false));
    }
    if !matches!(
        w,
        Write::PurgeRows { .. } | Write::EraseSubject { .. } | Write::IdleDecision(_)
    ) {
        return Ok(None);
    }
    take_pending().flush(c, cache)?;
    Ok(Some(match w {
        Write::PurgeRows {
            cutoffs,
            keep_rollups,
        } => super::retention::purge_rows(c, cutoffs, *keep_rollups)?,
        Write::EraseSubject { employee } => {
            super::retention::erase(c, employee)?;
            true
        }
        Write::IdleDecision(p) => match super::idle::apply(c, p)? {
            // The days the decision touched are rebuilt from their rows.
            Some((first, last)) => {
                super::rollup::rebuild_days(c, first, last)?;
                true
            }
            None => false,
        },
        _ => false,
    }))
}

/// Applies one caller's writes inside a savepoint: a failing job is rolled back alone and the
/// other callers' jobs in the batch still commit.
fn apply_job(
    tx: &mut rusqlite::Transaction<'_>,
    job: &Job,
    cache: &mut Cache,
) -> rusqlite::Result<()> {
    let result = (|| {
        let sp = tx.savepoint()?;
        let mut rollups = Pending::new(job.rollups);
        for w in &job.writes {
            if let Some(rewrote) = rewrite(&sp, w, cache, || {
                std::mem::replace(&mut rollups, Pending::new(job.rollups))
            })? {
                if rewrote {
                    cache.reset();
                }
                continue;
            }
            apply(&sp, w, &mut rollups)?;
        }
        rollups.flush(&sp, cache)?;
        sp.commit()
    })();
    cache.job_done(result.is_ok());
    result
}

pub(crate) fn writer_loop(mut conn: Connection, path: PathBuf, jobs: mpsc::Receiver<Job>) {
    let err = sql_error(&path);
    let mut cache = Cache::default();
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
        let results = commit_batch(&mut conn, &path, &batch, &mut cache);
        cache.batch_done(results.is_ok());
        // Acknowledge only now: after the commit (or its failure).
        match results {
            Ok(each) => {
                for (job, r) in batch.into_iter().zip(each) {
                    let _ = job.ack.send(r);
                }
            }
            Err(e) => {
                let e = err(e);
                for job in batch {
                    let _ = job.ack.send(Err(e.clone()));
                }
            }
        }
    }
}

/// One transaction for the batch; the per-job results (a job refused by SQLite fails alone).
fn commit_batch(
    conn: &mut Connection,
    path: &Path,
    batch: &[Job],
    cache: &mut Cache,
) -> rusqlite::Result<Vec<Result<(), RecordError>>> {
    // IMMEDIATE: the write lock first, then the check that no other connection (another
    // process on the same store) committed since this writer's last transaction; if one did,
    // the writer's rollup cache is stale and is dropped.
    let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA data_version", [], |r| r.get(0))?;
    cache.seen_version(version);
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        results.push(apply_job(&mut tx, job, cache).map_err(sql_error(path)));
    }
    tx.commit()?;
    Ok(results)
}
