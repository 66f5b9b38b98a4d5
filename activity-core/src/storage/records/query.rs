//! Reads: by time range and work context, on the reader connection (never behind a write).

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::rows::{OutboxEntry, RemoteDelete, Screenshot, SlotRow, UploadState};
use super::{blob_to_map, context_at};
use crate::clock::Timestamp;
use crate::model::activity::{ActivityKind, ActivityRecord};
use crate::model::score::SlotCounts;

/// Which rows a read returns: a half-open time range, the employees allowed (`None`: all), a
/// project. Built by the runtime from the viewer and the caller's query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// From this instant on (inclusive).
    pub from: Option<Timestamp>,
    /// Before this instant.
    pub to: Option<Timestamp>,
    /// Only these employees ('' is the rows without one); `None` means every employee.
    pub employees: Option<Vec<String>>,
    /// Only this project.
    pub project: Option<String>,
}

impl Filter {
    /// ` WHERE …` over `time_column` and the context columns, with its parameters.
    pub(crate) fn sql(&self, time_column: &str) -> (String, Vec<Value>) {
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        if let Some(from) = self.from {
            clauses.push(format!("{time_column} >= ?"));
            values.push(Value::Integer(from.as_millis()));
        }
        if let Some(to) = self.to {
            clauses.push(format!("{time_column} < ?"));
            values.push(Value::Integer(to.as_millis()));
        }
        if let Some(list) = &self.employees {
            if list.is_empty() {
                clauses.push("0".into());
            } else {
                clauses.push(format!(
                    "employee IN ({})",
                    vec!["?"; list.len()].join(", ")
                ));
                values.extend(list.iter().map(|e| Value::Text(e.clone())));
            }
        }
        if let Some(p) = &self.project {
            clauses.push("project = ?".into());
            values.push(Value::Text(p.clone()));
        }
        let sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        (sql, values)
    }
}

pub(crate) const SLOT_COLUMNS: &str = "slot_start, slot_seconds, employee, project, task, \
     tracked_ms, keyboard_events, mouse_events, keyboard_map, mouse_map, presence_map, \
     counts_events";

/// A slot row from [`SLOT_COLUMNS`].
pub(crate) fn slot_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SlotRow> {
    slot_row_from(r, 0)
}

/// A slot row whose [`SLOT_COLUMNS`] start at column `o`.
pub(crate) fn slot_row_from(r: &rusqlite::Row<'_>, o: usize) -> rusqlite::Result<SlotRow> {
    let seconds: u32 = r.get(o + 1)?;
    Ok(SlotRow {
        counts: SlotCounts {
            slot_start: Timestamp::from_millis(r.get(o)?),
            slot_seconds: seconds,
            tracked_millis: r.get(o + 5)?,
            keyboard_events: r.get(o + 6)?,
            mouse_events: r.get(o + 7)?,
            keyboard: blob_to_map(seconds, &r.get::<_, Vec<u8>>(o + 8)?),
            mouse: blob_to_map(seconds, &r.get::<_, Vec<u8>>(o + 9)?),
            presence: blob_to_map(
                seconds,
                &r.get::<_, Option<Vec<u8>>>(o + 10)?.unwrap_or_default(),
            ),
            counts_events: r.get(o + 11)?,
        },
        context: context_at(r, o + 2)?,
    })
}

pub(crate) fn slots(c: &Connection, f: &Filter) -> rusqlite::Result<Vec<SlotRow>> {
    let (w, values) = f.sql("slot_start");
    let mut st = c.prepare_cached(&format!(
        "SELECT {SLOT_COLUMNS} FROM slots{w} ORDER BY slot_start, id"
    ))?;
    let rows = st.query_map(params_from_iter(values), slot_row)?;
    rows.collect()
}

pub(crate) fn checkpoints(c: &Connection) -> rusqlite::Result<Vec<SlotRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {SLOT_COLUMNS} FROM slot_checkpoints ORDER BY slot_start"
    ))?;
    let rows = st.query_map([], slot_row)?;
    rows.collect()
}

pub(crate) fn activities(c: &Connection, f: &Filter) -> rusqlite::Result<Vec<ActivityRecord>> {
    activities_by(c, f, "start_ms")
}

/// The activity rows whose `time_column` (`start_ms` or `slot_start`) is in `f`.
pub(crate) fn activities_by(
    c: &Connection,
    f: &Filter,
    time_column: &str,
) -> rusqlite::Result<Vec<ActivityRecord>> {
    let (w, values) = f.sql(time_column);
    let mut st = c.prepare_cached(&format!(
        "SELECT kind, title, application, url, domain, start_ms, duration_ms, slot_start,
                employee, project, task
         FROM activities{w} ORDER BY {time_column}, start_ms, id"
    ))?;
    let rows = st.query_map(params_from_iter(values), |r| {
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
}

/// The columns of a [`Screenshot`]; `?1` is "now", for the review window's `waiting` state.
const SCREENSHOT_COLUMNS: &str = "id, slot_start, taken_at, monitor, x, y, width, height, \
     blurred, format, full_key, thumb_key, full_bytes, thumb_bytes, sha256, thumb_sha256, \
     provider, CASE WHEN upload_state = 'uploaded' THEN 'uploaded' \
     WHEN EXISTS (SELECT 1 FROM outbox o WHERE o.screenshot_id = screenshots.id \
         AND o.attempts = 0 AND o.next_attempt_ms > ?1) THEN 'waiting' ELSE 'pending' END, \
     employee, project, task";

fn screenshot_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Screenshot> {
    Ok(Screenshot {
        id: r.get(0)?,
        slot_start: Timestamp::from_millis(r.get(1)?),
        taken_at: Timestamp::from_millis(r.get(2)?),
        monitor: r.get(3)?,
        x: r.get(4)?,
        y: r.get(5)?,
        width: r.get(6)?,
        height: r.get(7)?,
        blurred: r.get(8)?,
        format: r.get(9)?,
        full_key: r.get(10)?,
        thumb_key: r.get(11)?,
        full_bytes: r.get::<_, i64>(12)? as u64,
        thumb_bytes: r.get::<_, i64>(13)? as u64,
        sha256: r.get(14)?,
        thumb_sha256: r.get(15)?,
        provider: r.get(16)?,
        upload_state: match r.get::<_, String>(17)?.as_str() {
            "uploaded" => UploadState::Uploaded,
            "waiting" => UploadState::Waiting,
            _ => UploadState::Pending,
        },
        context: context_at(r, 18)?,
    })
}

pub(crate) fn screenshots(
    c: &Connection,
    f: &Filter,
    now: Timestamp,
) -> rusqlite::Result<Vec<Screenshot>> {
    screenshots_by(c, f, now, "taken_at")
}

/// The screenshots whose `time_column` (`taken_at` or `slot_start`) is in `f`.
pub(crate) fn screenshots_by(
    c: &Connection,
    f: &Filter,
    now: Timestamp,
    time_column: &str,
) -> rusqlite::Result<Vec<Screenshot>> {
    let (w, mut values) = f.sql(time_column);
    values.insert(0, Value::Integer(now.as_millis()));
    // `?1` (now) comes first in the statement, so the filter's anonymous `?`s number from 2.
    let mut st = c.prepare_cached(&format!(
        "SELECT {SCREENSHOT_COLUMNS} FROM screenshots{w} ORDER BY {time_column}, taken_at, id"
    ))?;
    let rows = st.query_map(params_from_iter(values), screenshot_row)?;
    rows.collect()
}

pub(crate) fn screenshot(
    c: &Connection,
    id: &str,
    now: Timestamp,
) -> rusqlite::Result<Option<Screenshot>> {
    c.prepare_cached(&format!(
        "SELECT {SCREENSHOT_COLUMNS} FROM screenshots WHERE id = ?2"
    ))?
    .query_row(params![now.as_millis(), id], screenshot_row)
    .optional()
}

const OUTBOX_COLUMNS: &str = "id, screenshot_id, object_key, spool_path, sha256, attempts, \
     next_attempt_ms, created_ms, last_error, location";

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
        location: r.get(9)?,
    })
}

pub(crate) fn outbox(
    c: &Connection,
    due_by: Option<Timestamp>,
    screenshot: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<OutboxEntry>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {OUTBOX_COLUMNS} FROM outbox
         WHERE (?1 IS NULL OR next_attempt_ms <= ?1) AND (?2 IS NULL OR screenshot_id = ?2)
         ORDER BY next_attempt_ms, id LIMIT ?3"
    ))?;
    let rows = st.query_map(
        params![
            due_by.map(Timestamp::as_millis),
            screenshot,
            i64::try_from(limit).unwrap_or(i64::MAX)
        ],
        outbox_entry,
    )?;
    rows.collect()
}

pub(crate) fn remote_deletes(
    c: &Connection,
    due_by: Option<Timestamp>,
    limit: usize,
) -> rusqlite::Result<Vec<RemoteDelete>> {
    let mut st = c.prepare_cached(
        "SELECT id, screenshot_id, object_key, attempts, next_attempt_ms, created_ms, last_error,
             location
         FROM remote_deletes WHERE (?1 IS NULL OR next_attempt_ms <= ?1)
         ORDER BY next_attempt_ms, id LIMIT ?2",
    )?;
    let rows = st.query_map(
        params![
            due_by.map(Timestamp::as_millis),
            i64::try_from(limit).unwrap_or(i64::MAX)
        ],
        |r| {
            Ok(RemoteDelete {
                id: r.get(0)?,
                screenshot_id: r.get(1)?,
                object_key: r.get(2)?,
                attempts: r.get(3)?,
                next_attempt: Timestamp::from_millis(r.get(4)?),
                created: Timestamp::from_millis(r.get(5)?),
                last_error: r.get(6)?,
                location: r.get(7)?,
            })
        },
    )?;
    rows.collect()
}

pub(crate) fn setting(c: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT value FROM settings WHERE name = ?1")?
        .query_row(params![name], |r| r.get(0))
        .optional()
}

/// Instants of the screenshots matching `f` (by time taken), oldest first.
pub(crate) fn screenshot_times(c: &Connection, f: &Filter) -> rusqlite::Result<Vec<Timestamp>> {
    let (w, values) = f.sql("taken_at");
    let mut st = c.prepare_cached(&format!(
        "SELECT taken_at FROM screenshots{w} ORDER BY taken_at"
    ))?;
    let rows = st.query_map(params_from_iter(values), |r| {
        Ok(Timestamp::from_millis(r.get(0)?))
    })?;
    rows.collect()
}
