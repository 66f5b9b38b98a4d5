//! Retention purges and data-subject erasure applied to the rows, and the counts they report.

use rusqlite::{Connection, OptionalExtension, params};

use super::rollup::{DAY_MS, HOUR_MS};
use crate::clock::Timestamp;
use crate::model::retention::Cutoffs;

/// Rows a purge of the row kinds (titles, URLs, activities, slots) will change, counted before
/// it runs: `[window_titles, urls, activities, slots]`.
pub(crate) fn purge_counts(c: &Connection, cut: &Cutoffs) -> rusqlite::Result<[u64; 4]> {
    let count = |sql: &str, t: Option<Timestamp>| -> rusqlite::Result<u64> {
        match t {
            None => Ok(0),
            Some(t) => c
                .prepare_cached(sql)?
                .query_row(params![t.as_millis()], |r| r.get::<_, i64>(0))
                .map(|n| n as u64),
        }
    };
    Ok([
        count(
            "SELECT COUNT(*) FROM activities WHERE kind = 'APP' AND start_ms < ?1 AND title <> ''",
            cut.window_titles,
        )?,
        count(
            "SELECT COUNT(*) FROM activities
             WHERE kind = 'URL' AND start_ms < ?1 AND (url IS NOT NULL OR title <> '')",
            cut.urls,
        )?,
        count(
            "SELECT COUNT(*) FROM activities WHERE start_ms < ?1",
            cut.activities,
        )?,
        count(
            "SELECT COUNT(*) FROM slots WHERE slot_start < ?1",
            cut.slots,
        )?,
    ])
}

/// Blanks, removes and (without `keep_rollups`) takes the rollups of what is older than the
/// cutoffs. Returns whether rollups were rewritten (the writer's copies then go).
pub(crate) fn purge_rows(
    c: &Connection,
    cut: &Cutoffs,
    keep_rollups: bool,
) -> rusqlite::Result<bool> {
    if let Some(t) = cut.window_titles {
        c.prepare_cached(
            "UPDATE activities SET title = '' WHERE kind = 'APP' AND start_ms < ?1 AND title <> ''",
        )?
        .execute(params![t.as_millis()])?;
    }
    if let Some(t) = cut.urls {
        c.prepare_cached(
            "UPDATE activities SET url = NULL, title = ''
             WHERE kind = 'URL' AND start_ms < ?1 AND (url IS NOT NULL OR title <> '')",
        )?
        .execute(params![t.as_millis()])?;
    }
    let mut rebuilt = false;
    if let Some(t) = cut.activities {
        let t = t.as_millis();
        c.prepare_cached("DELETE FROM activities WHERE start_ms < ?1")?
            .execute(params![t])?;
        if !keep_rollups {
            c.prepare_cached("DELETE FROM category_hours WHERE hour_ms + ?2 <= ?1")?
                .execute(params![t, HOUR_MS])?;
            c.prepare_cached("DELETE FROM category_days WHERE day_ms + ?2 <= ?1")?
                .execute(params![t, DAY_MS])?;
            c.prepare_cached("DELETE FROM usage_hours WHERE bucket_ms + ?2 <= ?1")?
                .execute(params![t, HOUR_MS])?;
            c.prepare_cached("DELETE FROM usage_days WHERE bucket_ms + ?2 <= ?1")?
                .execute(params![t, DAY_MS])?;
            let day = t - t.rem_euclid(DAY_MS);
            super::rollup::rebuild_days(c, day, day)?;
            rebuilt = true;
        }
    }
    if let Some(t) = cut.slots {
        let t = t.as_millis();
        c.prepare_cached("DELETE FROM slots WHERE slot_start < ?1")?
            .execute(params![t])?;
        c.prepare_cached("DELETE FROM slot_checkpoints WHERE slot_start < ?1")?
            .execute(params![t])?;
        if !keep_rollups {
            c.prepare_cached("DELETE FROM slot_days WHERE day_ms + ?2 <= ?1")?
                .execute(params![t, DAY_MS])?;
            let day = t - t.rem_euclid(DAY_MS);
            super::rollup::rebuild_days(c, day, day)?;
            rebuilt = true;
        }
    }
    Ok(rebuilt)
}

/// The tables an erasure empties of one employee, with what each counts as.
const SUBJECT_TABLES: [(&str, &str); 8] = [
    ("slots", "slots"),
    ("slot_checkpoints", "slots"),
    ("activities", "activities"),
    ("idle_periods", "idle_periods"),
    ("usage_hours", "rollups"),
    ("usage_days", "rollups"),
    ("slot_days", "rollups"),
    ("settings", "consents"),
];

/// Rows of `employee` per kind (`slots`, `activities`, `idle_periods`, `rollups`,
/// `consents`), before an erasure.
pub(crate) fn subject_counts(
    c: &Connection,
    employee: &str,
) -> rusqlite::Result<std::collections::BTreeMap<&'static str, u64>> {
    let mut out = std::collections::BTreeMap::new();
    for (table, kind) in SUBJECT_TABLES {
        let n: i64 = if table == "settings" {
            c.prepare_cached("SELECT COUNT(*) FROM settings WHERE name = ?1")?
                .query_row(params![consent_key(employee)], |r| r.get(0))?
        } else {
            c.prepare_cached(&format!("SELECT COUNT(*) FROM {table} WHERE employee = ?1"))?
                .query_row(params![employee], |r| r.get(0))?
        };
        *out.entry(kind).or_default() += n as u64;
    }
    Ok(out)
}

/// Removes every row of `employee` (screenshots excepted: they go through the durable delete
/// path first), rollups and consent included.
pub(crate) fn erase(c: &Connection, employee: &str) -> rusqlite::Result<()> {
    c.prepare_cached("DELETE FROM category_hours WHERE employee = ?1")?
        .execute(params![employee])?;
    for (table, _) in SUBJECT_TABLES {
        if table == "settings" {
            c.prepare_cached("DELETE FROM settings WHERE name = ?1")?
                .execute(params![consent_key(employee)])?;
        } else {
            c.prepare_cached(&format!("DELETE FROM {table} WHERE employee = ?1"))?
                .execute(params![employee])?;
        }
    }
    Ok(())
}

/// The setting holding an employee's consent ('' = time tracked without an employee).
pub(crate) fn consent_key(employee: &str) -> String {
    format!("consent:{employee}")
}

/// Every consent recorded, as stored (JSON), of `employee` or of everyone (`None`).
pub(crate) fn consents(c: &Connection, employee: Option<&str>) -> rusqlite::Result<Vec<String>> {
    match employee {
        Some(e) => Ok(c
            .prepare_cached("SELECT value FROM settings WHERE name = ?1")?
            .query_row(params![consent_key(e)], |r| r.get(0))
            .optional()?
            .into_iter()
            .collect()),
        None => c
            .prepare_cached("SELECT value FROM settings WHERE name LIKE 'consent:%' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect(),
    }
}
