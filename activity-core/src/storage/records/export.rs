//! The org dataset export's reads and marks (`crate::dataset`): which (table, UTC day) changed
//! since a dataset last received it, and that day's rows.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::query::{self, Filter};
use super::rows::{Screenshot, SlotRow};
use crate::clock::Timestamp;
use crate::model::activity::ActivityRecord;

/// One UTC day in milliseconds.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// `(table, day, generation)` of every table-day changed in `[from_day, to_day)`.
pub(crate) fn changes(
    c: &Connection,
    from_day: i64,
    to_day: i64,
) -> rusqlite::Result<Vec<(String, i64, i64)>> {
    let mut st = c.prepare_cached(
        "SELECT tbl, day_ms, generation FROM export_changes
         WHERE day_ms >= ?1 AND day_ms < ?2 ORDER BY day_ms, tbl",
    )?;
    let rows = st.query_map(params![from_day, to_day], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    rows.collect()
}

/// The generation of one table-day now (`None`: never written).
pub(crate) fn generation(c: &Connection, table: &str, day: i64) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached("SELECT generation FROM export_changes WHERE tbl = ?1 AND day_ms = ?2")?
        .query_row(params![table, day], |r| r.get(0))
        .optional()
}

/// What a dataset holds: `(table, day) → (generation, rows)`.
pub type Marks = HashMap<(String, i64), (i64, i64)>;

/// What dataset `sink` holds.
pub(crate) fn marks(c: &Connection, sink: &str) -> rusqlite::Result<Marks> {
    let mut st =
        c.prepare_cached("SELECT tbl, day_ms, generation, rows FROM export_marks WHERE sink = ?1")?;
    let rows = st.query_map(params![sink], |r| {
        Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?)))
    })?;
    rows.collect()
}

fn day(day: i64) -> Filter {
    Filter {
        from: Some(Timestamp::from_millis(day)),
        to: Some(Timestamp::from_millis(day + DAY_MS)),
        ..Filter::default()
    }
}

/// The slot rows whose slot starts on UTC day `d`.
pub(crate) fn day_slots(c: &Connection, d: i64) -> rusqlite::Result<Vec<SlotRow>> {
    query::slots(c, &day(d))
}

/// The activity rows whose slot starts on UTC day `d`.
pub(crate) fn day_activities(c: &Connection, d: i64) -> rusqlite::Result<Vec<ActivityRecord>> {
    query::activities_by(c, &day(d), "slot_start")
}

/// The screenshots whose slot starts on UTC day `d`.
pub(crate) fn day_screenshots(
    c: &Connection,
    d: i64,
    now: Timestamp,
) -> rusqlite::Result<Vec<Screenshot>> {
    query::screenshots_by(c, &day(d), now, "slot_start")
}

/// Records that dataset `sink` now holds generation `generation` of `(table, day)`.
pub(crate) fn mark(
    c: &Connection,
    sink: &str,
    table: &str,
    day: i64,
    generation: i64,
    rows: i64,
    at: i64,
) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT OR REPLACE INTO export_marks (sink, tbl, day_ms, generation, rows, exported_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![sink, table, day, generation, rows, at])?;
    Ok(())
}
