//! The report rollups checked against a recomputation from the rows they summarise (needs the
//! `internals` feature: it decodes the packed rollup rows).
#![allow(dead_code)]

/// The report rollups equal a recomputation from the rows, read with plain SQLite: the usage per
/// UTC hour and per UTC day (by name), and the per-day slot figures (from the slot rows and their
/// per-second maps).
pub fn assert_rollups_match(path: &std::path::Path) {
    use activity_core::storage::records::rollup::{decode_slots, decode_usage};
    use std::collections::BTreeMap;
    type Key = (i64, String, String, String, String, String);
    let db = rusqlite::Connection::open(path).unwrap();
    let names: BTreeMap<u32, (String, String)> = db
        .prepare("SELECT id, kind, name FROM usage_names")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Each name once (the table has no unique index: the writer keeps it so).
    let distinct: std::collections::BTreeSet<_> = names.values().collect();
    assert_eq!(distinct.len(), names.len(), "a usage name was added twice");
    // Days are kept only once sealed (the writer has moved on to a later day); the others are
    // read from their hours and must have no day rows.
    let sealed_only = "AND slot_start - slot_start % 86400000 NOT IN
         (SELECT day_ms FROM usage_unsealed)";
    for (table, width, sealed) in [
        ("usage_hours", 3_600_000i64, ""),
        ("usage_days", 86_400_000, sealed_only),
    ] {
        let mut rollup: BTreeMap<Key, i64> = BTreeMap::new();
        let mut st = db
            .prepare(&format!(
                "SELECT bucket_ms, employee, project, task, data FROM {table}"
            ))
            .unwrap();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let data: Vec<u8> = r.get(4).unwrap();
            for (id, ms) in decode_usage(&data) {
                let (kind, name) = names[&id].clone();
                let key = (
                    r.get(0).unwrap(),
                    kind,
                    name,
                    r.get(1).unwrap(),
                    r.get(2).unwrap(),
                    r.get(3).unwrap(),
                );
                assert!(rollup.insert(key, ms).is_none(), "a name twice in one row");
            }
        }
        let recomputed: BTreeMap<Key, i64> = db
            .prepare(&format!(
                "SELECT slot_start - slot_start % {width}, kind,
                        CASE kind WHEN 'APP' THEN application ELSE domain END, employee, project,
                        task, SUM(duration_ms)
                 FROM activities WHERE (kind = 'APP' OR domain IS NOT NULL) {sealed}
                 GROUP BY 1, 2, 3, 4, 5, 6"
            ))
            .unwrap()
            .query_map([], |r| {
                Ok((
                    (
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ),
                    r.get(6)?,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rollup, recomputed, "{table}");
    }
    // Slots: (start, context) -> (seconds, tracked s, keys, mouse, keyboard s, mouse s, active s).
    type Figures = (u32, u32, u32, u32, u32, u32, u32);
    let mut rollup: BTreeMap<(i64, String, String, String), Figures> = BTreeMap::new();
    let mut st = db
        .prepare("SELECT day_ms, employee, project, task, data FROM slot_days")
        .unwrap();
    let mut rows = st.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        let day: i64 = r.get(0).unwrap();
        let data: Vec<u8> = r.get(4).unwrap();
        for e in decode_slots(&data) {
            let key = (
                day + i64::from(e.offset_seconds) * 1000,
                r.get(1).unwrap(),
                r.get(2).unwrap(),
                r.get(3).unwrap(),
            );
            let figures = (
                u32::from(e.slot_seconds),
                u32::from(e.tracked_seconds),
                e.keyboard_events,
                e.mouse_events,
                u32::from(e.keyboard_seconds),
                u32::from(e.mouse_seconds),
                u32::from(e.active_seconds),
            );
            assert!(rollup.insert(key, figures).is_none(), "a slot twice");
        }
    }
    let bits = |b: &[u8]| -> Vec<u64> {
        b.chunks(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a[..c.len()].copy_from_slice(c);
                u64::from_le_bytes(a)
            })
            .collect()
    };
    let recomputed: BTreeMap<(i64, String, String, String), Figures> = db
        .prepare(
            "SELECT slot_start, employee, project, task, slot_seconds, tracked_ms,
                    keyboard_events, mouse_events, keyboard_map, mouse_map FROM slots",
        )
        .unwrap()
        .query_map([], |r| {
            let kb = bits(&r.get::<_, Vec<u8>>(8)?);
            let mouse = bits(&r.get::<_, Vec<u8>>(9)?);
            let ones = |w: &[u64]| w.iter().map(|x| x.count_ones()).sum::<u32>();
            let any: Vec<u64> = kb.iter().zip(&mouse).map(|(a, b)| a | b).collect();
            let tracked: i64 = r.get(5)?;
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
                (
                    r.get(4)?,
                    ((tracked + 500) / 1000) as u32,
                    r.get(6)?,
                    r.get(7)?,
                    ones(&kb),
                    ones(&mouse),
                    ones(&any),
                ),
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rollup, recomputed, "slot_days");
}
