//! Idle decisions applied to the rows: an idle period's seconds removed (discard) or moved to
//! another project (reassign, new entry) in slots, activities and screenshots, to the second;
//! the report rollups of the days touched rebuilt from the rows; the decision recorded.

use rusqlite::{Connection, params, params_from_iter};

use super::query::{SLOT_COLUMNS, slot_row_from};
use super::rows::SlotRow;
use crate::clock::Timestamp;
use crate::model::idle::{IdleAnswer, IdleDecidedBy, IdlePeriod};

fn decided_by_name(by: IdleDecidedBy) -> &'static str {
    match by {
        IdleDecidedBy::Embedder => "embedder",
        IdleDecidedBy::Policy => "policy",
        IdleDecidedBy::Timeout => "timeout",
        IdleDecidedBy::Stop => "stop",
    }
}

fn decided_by_from(name: &str) -> IdleDecidedBy {
    match name {
        "policy" => IdleDecidedBy::Policy,
        "timeout" => IdleDecidedBy::Timeout,
        "stop" => IdleDecidedBy::Stop,
        _ => IdleDecidedBy::Embedder,
    }
}

/// Applies `p` (inside the writer's savepoint); returns the first and last UTC day (ms) whose
/// rollups must be rebuilt, if any row changed.
pub(crate) fn apply(c: &Connection, p: &IdlePeriod) -> rusqlite::Result<Option<(i64, i64)>> {
    let employee = p.employee.as_deref().unwrap_or("");
    let (from, to) = (p.since.as_millis(), p.until.as_millis());
    let (note, project) = match &p.answer {
        IdleAnswer::AddAsNewEntry { note, project } => (note.clone(), Some(project.clone())),
        a => (None, a.project().map(str::to_string)),
    };
    c.prepare_cached(
        "INSERT OR REPLACE INTO idle_periods (id, employee, since_ms, until_ms, answer, project,
             note, decided_by, decided_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        p.id as i64,
        employee,
        from,
        to,
        p.answer.name(),
        project,
        note,
        decided_by_name(p.decided_by),
        p.decided_at.as_millis(),
    ])?;
    if from >= to || matches!(p.answer, IdleAnswer::Keep) {
        return Ok(None);
    }
    let target = p.answer.project();
    let mut changed = false;

    // Slots overlapping [from, to).
    let rows: Vec<(i64, SlotRow)> = {
        let mut st = c.prepare_cached(&format!(
            "SELECT id, {SLOT_COLUMNS} FROM slots
             WHERE employee = ?1 AND slot_start < ?3 AND slot_start + slot_seconds * 1000 > ?2"
        ))?;
        st.query_map(params![employee, from, to], |r| {
            let id: i64 = r.get(0)?;
            Ok((id, slot_row_from(r, 1)?))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    for (id, mut row) in rows {
        if target.is_some_and(|t| row.context.project.as_deref() == Some(t)) {
            continue;
        }
        let cut = row
            .counts
            .cut(Timestamp::from_millis(from), Timestamp::from_millis(to));
        if cut.is_empty() {
            continue;
        }
        changed = true;
        if row.counts.is_empty() {
            c.prepare_cached("DELETE FROM slots WHERE id = ?1")?
                .execute(params![id])?;
        } else {
            let s = &row.counts;
            c.prepare_cached(
                "UPDATE slots SET tracked_ms = ?2, keyboard_events = ?3, mouse_events = ?4,
                     keyboard_map = ?5, mouse_map = ?6, presence_map = ?7 WHERE id = ?1",
            )?
            .execute(params![
                id,
                s.tracked_millis,
                s.keyboard_events,
                s.mouse_events,
                super::words_to_blob(&s.keyboard),
                super::words_to_blob(&s.mouse),
                (s.presence.count() > 0).then(|| super::words_to_blob(&s.presence)),
            ])?;
        }
        if let Some(project) = target {
            let mut context = row.context.clone();
            context.project = Some(project.to_string());
            super::writer::write_slot(
                c,
                &SlotRow {
                    counts: cut,
                    context,
                },
            )?;
        }
    }

    // Activities overlapping [from, to): split at the interval's edges; the inside piece goes
    // (discard) or changes project.
    type Act = (
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        i64,
        i64,
        i64,
        [String; 3],
    );
    let acts: Vec<Act> = {
        let mut st = c.prepare_cached(
            "SELECT id, kind, title, application, url, domain, start_ms, duration_ms, slot_start,
                 employee, project, task
             FROM activities
             WHERE employee = ?1 AND start_ms < ?3 AND start_ms + duration_ms > ?2",
        )?;
        st.query_map(params![employee, from, to], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                [r.get(9)?, r.get(10)?, r.get(11)?],
            ))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    for (id, kind, title, app, url, domain, start, duration, slot, k) in acts {
        if target.is_some_and(|t| k[1] == t) {
            continue;
        }
        changed = true;
        let end = start + duration;
        let (a, b) = (start.max(from), end.min(to));
        c.prepare_cached("DELETE FROM activities WHERE id = ?1")?
            .execute(params![id])?;
        let mut pieces = vec![(start, a, k[1].as_str()), (b, end, k[1].as_str())];
        if let Some(t) = target {
            pieces.push((a, b, t));
        }
        for (s, e, project) in pieces.into_iter().filter(|(s, e, _)| e > s) {
            c.prepare_cached(
                "INSERT INTO activities (kind, title, application, url, domain, start_ms,
                     duration_ms, slot_start, employee, project, task)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                kind,
                title,
                app,
                url,
                domain,
                s,
                e - s,
                slot,
                k[0],
                project,
                k[2]
            ])?;
        }
    }

    if let Some(t) = target {
        changed |= c
            .prepare_cached(
                "UPDATE screenshots SET project = ?4
                 WHERE employee = ?1 AND taken_at >= ?2 AND taken_at < ?3 AND project <> ?4",
            )?
            .execute(params![employee, from, to, t])?
            > 0;
    }
    const DAY: i64 = super::rollup::DAY_MS;
    Ok(changed.then(|| {
        (
            from - from.rem_euclid(DAY),
            (to - 1) - (to - 1).rem_euclid(DAY),
        )
    }))
}

/// The decided idle periods of the filter's employees (`None`: all) overlapping its range.
pub(crate) fn periods(c: &Connection, filter: &super::Filter) -> rusqlite::Result<Vec<IdlePeriod>> {
    let mut clauses = vec!["1".to_string()];
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(from) = filter.from {
        clauses.push("until_ms > ?".into());
        values.push(from.as_millis().into());
    }
    if let Some(to) = filter.to {
        clauses.push("since_ms < ?".into());
        values.push(to.as_millis().into());
    }
    if let Some(list) = &filter.employees {
        clauses.push(format!(
            "employee IN ({})",
            vec!["?"; list.len()].join(", ")
        ));
        if list.is_empty() {
            clauses.push("0".into());
        }
        values.extend(list.iter().map(|e| rusqlite::types::Value::Text(e.clone())));
    }
    let mut st = c.prepare_cached(&format!(
        "SELECT id, employee, since_ms, until_ms, answer, project, note, decided_by, decided_ms
         FROM idle_periods WHERE {} ORDER BY since_ms",
        clauses.join(" AND ")
    ))?;
    let rows = st.query_map(params_from_iter(values), |r| {
        let answer: String = r.get(4)?;
        let project: Option<String> = r.get(5)?;
        let note: Option<String> = r.get(6)?;
        let project_s = project.unwrap_or_default();
        let answer = match answer.as_str() {
            "discard" => IdleAnswer::Discard,
            "discard_and_continue" => IdleAnswer::DiscardAndContinue,
            "reassign" => IdleAnswer::Reassign { project: project_s },
            "add_as_new_entry" => IdleAnswer::AddAsNewEntry {
                project: project_s,
                note,
            },
            _ => IdleAnswer::Keep,
        };
        let employee: String = r.get(1)?;
        Ok(IdlePeriod {
            id: r.get::<_, i64>(0)? as u64,
            employee: (!employee.is_empty()).then_some(employee),
            since: Timestamp::from_millis(r.get(2)?),
            until: Timestamp::from_millis(r.get(3)?),
            answer,
            decided_by: decided_by_from(&r.get::<_, String>(7)?),
            decided_at: Timestamp::from_millis(r.get(8)?),
        })
    })?;
    rows.collect()
}
