//! Report rollups: sums the writer keeps in the same transaction as the rows they sum (so they
//! can never disagree with them), read by reports instead of every row.
//!
//! - `usage_hours`: application (`APP`) and registrable-domain (`URL`) time per UTC hour of slot
//!   start and work context. One row per hour and context; its `data` packs
//!   `(name id: u32, milliseconds: i64)` pairs (little-endian, by id), the names in
//!   `usage_names`. Kept on every write.
//! - `usage_days`: the same per UTC day, for *sealed* days only. A day a write touches is
//!   unsealed (listed in `usage_unsealed`, its day rows dropped); the writer seals it again, from
//!   its 24 hour rows, when a later job writes a later day. Readers take sealed days from
//!   `usage_days` and unsealed ones (today, in practice) from their hours. So a write rewrites
//!   one small hour row, not the day's row of every name of the day.
//! - `slot_days`: per UTC day and work context, one packed entry per slot (offset in the day,
//!   slot length, tracked seconds, both event counts, keyboard, mouse and active seconds): what
//!   the timeline, the projects, the distribution and the totals need, without the per-second
//!   maps.
//!
//! Why packed rows and not a row per name: at a heavy employee-year (1,000,000 activities over
//! 2,500 names) a row per (day, name) still leaves ~460,000 rows, which SQLite steps through at
//! a few hundred nanoseconds each, slower than a plain `GROUP BY` would need to be beaten by
//! 20×; 365 packed rows decode in about a millisecond. Changes are grouped per committed job:
//! each touched row is read, merged and written once per job, not once per record, and the
//! writer's `Cache` spares most reads (name ids, unsealed days, the rows it wrote last).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, params};

use super::ctx;
use crate::clock::Timestamp;
use crate::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use crate::model::score::{SlotCounts, SlotMetrics};

/// One UTC hour.
pub(crate) const HOUR_MS: i64 = 3_600_000;
/// One UTC day.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// The tables of the two usage levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// `usage_hours`
    Hour,
    /// `usage_days`
    Day,
}

/// A work context as stored ('' meaning none).
type Ctx<'a> = [&'a str; 3];

fn kind_name(kind: ActivityKind) -> &'static str {
    match kind {
        ActivityKind::App => "APP",
        ActivityKind::Url => "URL",
    }
}

/// What one job's writes change in the rollups, applied at the end of the job (inside its
/// savepoint, so a job that fails takes its rollup changes with it). Borrows the job's records:
/// collecting costs no allocation per record.
pub(crate) struct Pending<'a> {
    enabled: bool,
    /// The job's distinct contexts (a job has one or a few).
    ctxs: Vec<Ctx<'a>>,
    /// Per activity: UTC hour of its slot, context index, kind, name, milliseconds.
    usage: Vec<(i64, u32, &'static str, &'a str, i64)>,
    /// The slot rows written, as they now stand (a later write of the same slot replaces), by
    /// slot start and context index.
    slots: BTreeMap<(i64, u32), SlotEntry>,
}

impl<'a> Pending<'a> {
    /// Changes to collect (`enabled` false: none, for the benchmark of what they cost).
    pub(crate) fn new(enabled: bool) -> Pending<'a> {
        Pending {
            enabled,
            ctxs: Vec::new(),
            usage: Vec::new(),
            slots: BTreeMap::new(),
        }
    }

    fn ctx_index(&mut self, context: &'a WorkContext) -> u32 {
        let k = ctx(context);
        let i = match self.ctxs.iter().rposition(|c| *c == k) {
            Some(i) => i,
            None => {
                self.ctxs.push(k);
                self.ctxs.len() - 1
            }
        };
        i as u32
    }

    /// An activity row was inserted.
    pub(crate) fn activity(&mut self, a: &'a ActivityRecord) {
        if !self.enabled {
            return;
        }
        let name = match a.kind {
            ActivityKind::App => Some(a.application.as_str()),
            ActivityKind::Url => a.domain.as_deref(),
        };
        let Some(name) = name else { return };
        let slot = a.slot_start.as_millis();
        let k = self.ctx_index(&a.context);
        self.usage.push((
            slot - slot.rem_euclid(HOUR_MS),
            k,
            kind_name(a.kind),
            name,
            a.duration_millis,
        ));
    }

    /// The slot row of `context` now holds `counts` (inserted or merged).
    pub(crate) fn slot(&mut self, counts: &SlotCounts, context: &'a WorkContext) {
        if !self.enabled {
            return;
        }
        let k = self.ctx_index(context);
        self.slots
            .insert((counts.slot_start.as_millis(), k), SlotEntry::of(counts));
    }

    /// Writes the changes, through the writer's `cache` (names, unsealed days, recent rows).
    pub(crate) fn flush(self, c: &Connection, cache: &mut Cache) -> rusqlite::Result<()> {
        let Pending {
            ctxs,
            mut usage,
            slots,
            ..
        } = self;
        usage.sort_unstable_by_key(|u| (u.0, u.1));
        let mut touched_days = BTreeSet::new();
        for group in usage.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (bucket, k) = (group[0].0, ctxs[group[0].1 as usize]);
            let mut add = Vec::with_capacity(group.len());
            for &(_, _, kind, name, ms) in group {
                add.push((cache.names.id(c, kind, name)?, ms));
            }
            cache.update(c, Table::Hours, bucket, k, |data| *data = merge(data, add))?;
            touched_days.insert(bucket - bucket.rem_euclid(DAY_MS));
        }
        for day in &touched_days {
            cache.invalidate_categories(c, *day)?;
        }
        if let Some(newest) = touched_days.last() {
            let unsealed = cache.unsealed(c)?;
            for day in &touched_days {
                if unsealed.insert(*day) {
                    c.prepare_cached("INSERT OR IGNORE INTO usage_unsealed (day_ms) VALUES (?1)")?
                        .execute(params![day])?;
                    c.prepare_cached("DELETE FROM usage_days WHERE bucket_ms = ?1")?
                        .execute(params![day])?;
                }
            }
            let older: Vec<i64> = unsealed.range(..newest).copied().collect();
            for day in older {
                seal(c, day)?;
                unsealed.remove(&day);
            }
        }
        let mut days: BTreeMap<(i64, u32), Vec<SlotEntry>> = BTreeMap::new();
        for ((start, k), entry) in slots {
            days.entry((start - start.rem_euclid(DAY_MS), k))
                .or_default()
                .push(entry);
        }
        for ((day, k), entries) in days {
            cache.update(c, Table::SlotDays, day, ctxs[k as usize], |data| {
                for e in &entries {
                    put_slot(data, e);
                }
            })?;
        }
        Ok(())
    }
}

/// The two rollup tables the writer rewrites row by row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Table {
    Hours,
    SlotDays,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Hours => "usage_hours",
            Table::SlotDays => "slot_days",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Table::Hours => "bucket_ms",
            Table::SlotDays => "day_ms",
        }
    }
}

/// What the writer keeps between jobs so a job costs fewer statements: every usage name's id,
/// the unsealed days, and the rows written recently (the open hour's and day's, which the next
/// job changes again). The copies stay true while this writer is the only one: a job or
/// transaction that fails drops the unsealed days and the rows (read again when needed) and
/// takes its names out, and a commit by another connection (another process tracking into the
/// same folder) drops everything (`seen_version`).
#[derive(Default)]
pub(crate) struct Cache {
    names: Names,
    /// The `usage_unsealed` days (`None`: not read yet).
    unsealed: Option<BTreeSet<i64>>,
    /// Contexts seen, so a row's key holds an index and no strings.
    ctxs: Vec<[String; 3]>,
    rows: HashMap<(Table, i64, u32), Row>,
    /// `PRAGMA data_version` as of the last transaction.
    version: Option<i64>,
    /// The days the category cache holds rows of (`None`: not read yet): a write to another
    /// day only moves the day's generation on.
    category_filled: Option<BTreeSet<i64>>,
}

/// Rows kept at most (a bulk job touches a few dozen; a new job beyond this starts afresh).
const CACHED_ROWS: usize = 256;
/// Contexts kept at most (a writer usually sees a handful).
const CACHED_CONTEXTS: usize = 64;

impl Cache {
    /// The unsealed days (read from the table once, then kept in step with it).
    fn unsealed(&mut self, c: &Connection) -> rusqlite::Result<&mut BTreeSet<i64>> {
        if self.unsealed.is_none() {
            self.unsealed = Some(
                c.prepare_cached("SELECT day_ms FROM usage_unsealed")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?,
            );
        }
        Ok(self.unsealed.get_or_insert_default())
    }

    /// Reads the row of `(table, bucket, k)` (from the cache or the table), lets `change` edit
    /// its data, and writes it back (an UPDATE by rowid touches no index) or inserts it.
    fn update(
        &mut self,
        c: &Connection,
        table: Table,
        bucket: i64,
        k: Ctx<'_>,
        change: impl FnOnce(&mut Vec<u8>),
    ) -> rusqlite::Result<()> {
        if self.ctxs.len() >= CACHED_CONTEXTS {
            // (rows are keyed by context index: both go)
            self.ctxs.clear();
            self.rows.clear();
        }
        let ci = match self.ctxs.iter().position(|x| x.iter().eq(k.iter())) {
            Some(i) => i,
            None => {
                self.ctxs.push(k.map(str::to_string));
                self.ctxs.len() - 1
            }
        } as u32;
        let key = (table, bucket, ci);
        let mut row = match self.rows.remove(&key) {
            Some(row) => row,
            None => read_row(c, table, bucket, k)?,
        };
        change(&mut row.data);
        match row.id {
            Some(id) => {
                c.prepare_cached(&format!(
                    "UPDATE {} SET data = ?2 WHERE id = ?1",
                    table.name()
                ))?
                .execute(params![id, row.data])?;
            }
            None => {
                c.prepare_cached(&format!(
                    "INSERT INTO {} ({}, employee, project, task, data)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    table.name(),
                    table.column()
                ))?
                .execute(params![bucket, k[0], k[1], k[2], row.data])?;
                row.id = Some(c.last_insert_rowid());
            }
        }
        if self.rows.len() >= CACHED_ROWS {
            self.rows.clear();
        }
        self.rows.insert(key, row);
        Ok(())
    }

    /// Drops everything kept (rows were rewritten under the rollups: an idle decision).
    pub(crate) fn reset(&mut self) {
        self.forget_rows();
        self.ctxs.clear();
        self.names = Names::default();
    }

    /// A write changed rows of UTC day `day`: its category cache rows go if it has any (the
    /// writer stores every fill, so it knows which days have them; a fill still being computed
    /// is refused by its fingerprint).
    pub(crate) fn invalidate_categories(
        &mut self,
        c: &Connection,
        day: i64,
    ) -> rusqlite::Result<()> {
        if self.category_filled.is_none() {
            self.category_filled = Some(
                c.prepare_cached("SELECT DISTINCT day_ms FROM category_days")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?,
            );
        }
        if self
            .category_filled
            .as_mut()
            .is_some_and(|f| f.remove(&day))
        {
            invalidate_categories(c, day)?;
        }
        Ok(())
    }

    /// A fill was stored for `day`.
    pub(crate) fn category_filled(&mut self, day: i64) {
        if let Some(f) = self.category_filled.as_mut() {
            f.insert(day);
        }
    }

    fn forget_rows(&mut self) {
        self.rows.clear();
        self.unsealed = None;
        self.category_filled = None;
    }

    /// The job committed (inside the transaction), or failed.
    pub(crate) fn job_done(&mut self, ok: bool) {
        self.names.job_done(ok);
        if !ok {
            self.forget_rows();
        }
    }

    /// The transaction committed (`ok`) or failed.
    pub(crate) fn batch_done(&mut self, ok: bool) {
        self.names.batch_done(ok);
        if !ok {
            self.forget_rows();
        }
    }

    /// The database's `PRAGMA data_version` at the start of a write transaction (under the
    /// write lock): when it moved, another connection wrote to the store since this writer's
    /// last transaction (a second process on the same folder), and everything cached goes.
    pub(crate) fn seen_version(&mut self, version: i64) {
        if self.version.is_some_and(|v| v != version) {
            self.forget_rows();
            self.ctxs.clear();
            self.names = Names::default();
        }
        self.version = Some(version);
    }
}

/// Every `usage_names` row's id, by kind and name, held by the writer (loaded on its first
/// job). The table has no index on the name: the writer is its only writer and finds ids here,
/// so a first-seen name costs one append to the table's last page instead of an insert at a
/// random place in a name index (which, with a few new sites per commit, dirtied several index
/// pages per commit and made writes ~1.7x slower). Names added by the open job are listed in
/// `job`, those of jobs committed inside the open transaction in `batch`: a job that fails
/// takes its names out again, a transaction that fails takes its batch's out.
#[derive(Default)]
pub(crate) struct Names {
    loaded: bool,
    /// By kind (`APP` = 0, `URL` = 1).
    ids: [HashMap<String, u32>; 2],
    batch: Vec<(usize, String)>,
    job: Vec<(usize, String)>,
}

fn kind_index(kind: &str) -> usize {
    usize::from(kind == "URL")
}

impl Names {
    /// The id of `(kind, name)`, added to `usage_names` if it is new.
    fn id(&mut self, c: &Connection, kind: &'static str, name: &str) -> rusqlite::Result<u32> {
        if !self.loaded {
            let mut st = c.prepare("SELECT id, kind, name FROM usage_names")?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let kind: String = r.get(1)?;
                self.ids[kind_index(&kind)].insert(r.get(2)?, r.get(0)?);
            }
            self.loaded = true;
        }
        let k = kind_index(kind);
        if let Some(id) = self.ids[k].get(name) {
            return Ok(*id);
        }
        c.prepare_cached("INSERT INTO usage_names (kind, name) VALUES (?1, ?2)")?
            .execute(params![kind, name])?;
        let id = u32::try_from(c.last_insert_rowid()).unwrap_or(u32::MAX);
        self.ids[k].insert(name.to_string(), id);
        self.job.push((k, name.to_string()));
        Ok(id)
    }

    fn forget(&mut self, added: Vec<(usize, String)>) {
        for (k, name) in added {
            self.ids[k].remove(&name);
        }
    }

    fn job_done(&mut self, ok: bool) {
        let job = std::mem::take(&mut self.job);
        if ok {
            self.batch.extend(job);
        } else {
            self.forget(job);
        }
    }

    fn batch_done(&mut self, ok: bool) {
        let batch = std::mem::take(&mut self.batch);
        if !ok {
            self.forget(batch);
        }
    }
}

/// A rollup row: its rowid and packed data (empty when there is none yet).
struct Row {
    id: Option<i64>,
    data: Vec<u8>,
}

fn read_row(c: &Connection, table: Table, bucket: i64, k: Ctx<'_>) -> rusqlite::Result<Row> {
    let found: Option<(i64, Vec<u8>)> = c
        .prepare_cached(&format!(
            "SELECT id, data FROM {} WHERE {} = ?1 AND employee = ?2
             AND project = ?3 AND task = ?4",
            table.name(),
            table.column()
        ))?
        .query_row(params![bucket, k[0], k[1], k[2]], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(match found {
        Some((id, data)) => Row { id: Some(id), data },
        None => Row {
            id: None,
            data: Vec::new(),
        },
    })
}

/// `old` (packed, by id) plus `add` (any order, ids may repeat), packed by id.
fn merge(old: &[u8], mut add: Vec<(u32, i64)>) -> Vec<u8> {
    add.sort_unstable_by_key(|e| e.0);
    let mut out = Vec::with_capacity(old.len() + add.len() * 12);
    let mut push = |id: u32, ms: i64| {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&ms.to_le_bytes());
    };
    let mut old = decode_usage(old).peekable();
    let mut add = add.into_iter().peekable();
    loop {
        let next = match (old.peek(), add.peek()) {
            (None, None) => break,
            (Some(_), None) => old.next(),
            (None, Some(_)) => add.next(),
            (Some(a), Some(b)) if a.0 <= b.0 => old.next(),
            _ => add.next(),
        };
        let Some((id, mut ms)) = next else { break };
        while let Some(e) = old
            .next_if(|e| e.0 == id)
            .or_else(|| add.next_if(|e| e.0 == id))
        {
            ms += e.1;
        }
        push(id, ms);
    }
    out
}

/// Writes `day`'s rows of `usage_days` from its hour rows and takes it off `usage_unsealed`.
fn seal(c: &Connection, day: i64) -> rusqlite::Result<()> {
    let mut by_ctx: BTreeMap<[String; 3], Vec<(u32, i64)>> = BTreeMap::new();
    {
        let mut st = c.prepare_cached(
            "SELECT employee, project, task, data FROM usage_hours
             WHERE bucket_ms >= ?1 AND bucket_ms < ?2",
        )?;
        let mut rows = st.query(params![day, day + DAY_MS])?;
        while let Some(r) = rows.next()? {
            let k: [String; 3] = [r.get(0)?, r.get(1)?, r.get(2)?];
            by_ctx
                .entry(k)
                .or_default()
                .extend(decode_usage(r.get_ref(3)?.as_blob()?));
        }
    }
    c.prepare_cached("DELETE FROM usage_days WHERE bucket_ms = ?1")?
        .execute(params![day])?;
    for (k, entries) in by_ctx {
        c.prepare_cached(
            "INSERT INTO usage_days (bucket_ms, employee, project, task, data)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![day, k[0], k[1], k[2], merge(&[], entries)])?;
    }
    c.prepare_cached("DELETE FROM usage_unsealed WHERE day_ms = ?1")?
        .execute(params![day])?;
    Ok(())
}

/// The packed `(name id, milliseconds)` pairs of a usage row.
pub fn decode_usage(data: &[u8]) -> impl Iterator<Item = (u32, i64)> + '_ {
    data.chunks_exact(12).map(|c| {
        let id = u32::from_le_bytes(c[..4].try_into().unwrap_or_default());
        let ms = i64::from_le_bytes(c[4..].try_into().unwrap_or_default());
        (id, ms)
    })
}

/// One slot of a `slot_days` row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotEntry {
    /// Seconds from the UTC day's start to the slot's.
    pub offset_seconds: u32,
    /// The slot's length.
    pub slot_seconds: u16,
    /// Tracked seconds (rounded as the slot's metrics round them).
    pub tracked_seconds: u16,
    /// Key presses.
    pub keyboard_events: u32,
    /// Mouse events.
    pub mouse_events: u32,
    /// Seconds with keyboard input.
    pub keyboard_seconds: u16,
    /// Seconds with mouse input.
    pub mouse_seconds: u16,
    /// Seconds with any input.
    pub active_seconds: u16,
    /// Whether the counts were counted (stored as the top bit of the slot length, which is at
    /// most 3 600: entries written before schema 8 read as counted).
    pub counts_events: bool,
}

const SLOT_ENTRY: usize = 22;
/// The bit of the encoded slot length that says the counts are unknown.
const NOT_COUNTED: u16 = 0x8000;

impl SlotEntry {
    fn encode(&self) -> [u8; SLOT_ENTRY] {
        let mut b = [0u8; SLOT_ENTRY];
        b[0..4].copy_from_slice(&self.offset_seconds.to_le_bytes());
        let flagged = self.slot_seconds | if self.counts_events { 0 } else { NOT_COUNTED };
        b[4..6].copy_from_slice(&flagged.to_le_bytes());
        b[6..8].copy_from_slice(&self.tracked_seconds.to_le_bytes());
        b[8..12].copy_from_slice(&self.keyboard_events.to_le_bytes());
        b[12..16].copy_from_slice(&self.mouse_events.to_le_bytes());
        b[16..18].copy_from_slice(&self.keyboard_seconds.to_le_bytes());
        b[18..20].copy_from_slice(&self.mouse_seconds.to_le_bytes());
        b[20..22].copy_from_slice(&self.active_seconds.to_le_bytes());
        b
    }

    fn decode(b: &[u8]) -> SlotEntry {
        let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        SlotEntry {
            offset_seconds: u32_at(0),
            slot_seconds: u16_at(4) & !NOT_COUNTED,
            tracked_seconds: u16_at(6),
            keyboard_events: u32_at(8),
            mouse_events: u32_at(12),
            keyboard_seconds: u16_at(16),
            mouse_seconds: u16_at(18),
            active_seconds: u16_at(20),
            counts_events: u16_at(4) & NOT_COUNTED == 0,
        }
    }

    /// The slot's figures without the two percentages (which depend on the configuration: the
    /// caller fills them in).
    pub fn metrics(&self, day_ms: i64) -> SlotMetrics {
        SlotMetrics {
            slot_start: Timestamp::from_millis(day_ms + i64::from(self.offset_seconds) * 1000),
            tracked_seconds: u32::from(self.tracked_seconds),
            keyboard_events: self.counts_events.then_some(self.keyboard_events),
            mouse_events: self.counts_events.then_some(self.mouse_events),
            keyboard_seconds: self
                .counts_events
                .then_some(u32::from(self.keyboard_seconds)),
            mouse_seconds: self.counts_events.then_some(u32::from(self.mouse_seconds)),
            active_seconds: u32::from(self.active_seconds),
            activity_percent: None,
            active_percent: 0,
        }
    }
}

/// The packed slot entries of a `slot_days` row.
pub fn decode_slots(data: &[u8]) -> impl Iterator<Item = SlotEntry> + '_ {
    data.chunks_exact(SLOT_ENTRY).map(SlotEntry::decode)
}

impl SlotEntry {
    /// The entry of a slot row holding `counts`.
    fn of(counts: &SlotCounts) -> SlotEntry {
        let small = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
        SlotEntry {
            offset_seconds: u32::try_from(counts.slot_start.as_millis().rem_euclid(DAY_MS) / 1000)
                .unwrap_or(0),
            slot_seconds: small(counts.slot_seconds),
            tracked_seconds: small(counts.tracked_seconds()),
            keyboard_events: counts.keyboard_events,
            mouse_events: counts.mouse_events,
            keyboard_seconds: small(counts.keyboard.count()),
            mouse_seconds: small(counts.mouse.count()),
            active_seconds: small(counts.active_seconds()),
            counts_events: counts.counts_events,
        }
    }
}

/// Puts `e` into the packed entries `data` (sorted by offset): replaces the entry of its slot,
/// or inserts it in order.
fn put_slot(data: &mut Vec<u8>, e: &SlotEntry) {
    let n = data.len() / SLOT_ENTRY;
    data.truncate(n * SLOT_ENTRY);
    let offset_at = |d: &[u8], i: usize| {
        let b = &d[i * SLOT_ENTRY..];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    };
    // First entry at or after e's offset.
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if offset_at(data, mid) < e.offset_seconds {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let bytes = e.encode();
    let at = lo * SLOT_ENTRY;
    if lo < n && offset_at(data, lo) == e.offset_seconds {
        data[at..at + SLOT_ENTRY].copy_from_slice(&bytes);
    } else {
        data.splice(at..at, bytes);
    }
}

/// Rebuilds every rollup from the rows (the migration that introduces them).
pub(crate) fn rebuild(c: &Connection) -> rusqlite::Result<()> {
    c.execute_batch(
        "DELETE FROM usage_hours; DELETE FROM usage_days; DELETE FROM usage_unsealed;\n         DELETE FROM slot_days;",
    )?;
    refill(c, i64::MIN, i64::MAX)
}

/// Rebuilds the rollups of the UTC days `first..=last` (day starts, ms) from their rows: after
/// rows were rewritten in place (an idle decision trims or moves seconds).
pub(crate) fn rebuild_days(c: &Connection, first: i64, last: i64) -> rusqlite::Result<()> {
    let end = last.saturating_add(DAY_MS);
    for sql in [
        "DELETE FROM usage_hours WHERE bucket_ms >= ?1 AND bucket_ms < ?2",
        "DELETE FROM usage_days WHERE bucket_ms >= ?1 AND bucket_ms < ?2",
        "DELETE FROM usage_unsealed WHERE day_ms >= ?1 AND day_ms < ?2",
        "DELETE FROM slot_days WHERE day_ms >= ?1 AND day_ms < ?2",
    ] {
        c.prepare_cached(sql)?.execute(params![first, end])?;
    }
    let mut day = first;
    while day < end {
        invalidate_categories(c, day)?;
        day += DAY_MS;
    }
    refill(c, first, end)
}

/// The category cache of UTC day `day` goes.
pub(crate) fn invalidate_categories(c: &Connection, day: i64) -> rusqlite::Result<()> {
    c.prepare_cached("DELETE FROM category_hours WHERE hour_ms >= ?1 AND hour_ms < ?2")?
        .execute(params![day, day + DAY_MS])?;
    c.prepare_cached("DELETE FROM category_days WHERE day_ms = ?1")?
        .execute(params![day])?;
    Ok(())
}

/// The activity rows of UTC day `day` (by slot start): how many, and the largest id.
pub(crate) fn activity_fingerprint(c: &Connection, day: i64) -> rusqlite::Result<(i64, i64)> {
    c.prepare_cached(
        "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM activities
         WHERE slot_start >= ?1 AND slot_start < ?2",
    )?
    .query_row(params![day, day + DAY_MS], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// Stores a fill when the day's rows are still those it was computed from; whether it did.
pub(crate) fn fill_categories(
    c: &Connection,
    f: &super::rows::CategoryFill,
) -> rusqlite::Result<bool> {
    if activity_fingerprint(c, f.day_ms)? != f.fingerprint {
        return Ok(false);
    }
    c.prepare_cached(
        "DELETE FROM category_hours WHERE hour_ms >= ?1 AND hour_ms < ?2 AND set_hash = ?3",
    )?
    .execute(params![f.day_ms, f.day_ms + DAY_MS, f.set_hash])?;
    for (hour, context, data) in &f.rows {
        let k = ctx(context);
        c.prepare_cached(
            "INSERT INTO category_hours (hour_ms, employee, project, task, set_hash, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![hour, k[0], k[1], k[2], f.set_hash, data])?;
    }
    c.prepare_cached("INSERT OR IGNORE INTO category_days (day_ms, set_hash) VALUES (?1, ?2)")?
        .execute(params![f.day_ms, f.set_hash])?;
    Ok(true)
}

/// The UTC days in `[from, to)` whose category cache is filled for `set_hash`.
pub(crate) fn category_filled_days(
    c: &Connection,
    from: i64,
    to: i64,
    set_hash: &str,
) -> rusqlite::Result<BTreeSet<i64>> {
    c.prepare_cached(
        "SELECT day_ms FROM category_days WHERE day_ms >= ?1 AND day_ms < ?2 AND set_hash = ?3",
    )?
    .query_map(params![from, to, set_hash], |r| r.get(0))?
    .collect()
}

/// Category cache rows `(hour, context, packed data)` of `set_hash` for the hours in
/// `filter`'s range and its contexts.
pub(crate) fn category_hours(
    c: &Connection,
    filter: &super::Filter,
    set_hash: &str,
) -> rusqlite::Result<Vec<(i64, WorkContext, Vec<u8>)>> {
    let (w, mut values) = filter.sql("hour_ms");
    let w = if w.is_empty() {
        " WHERE set_hash = ?".to_string()
    } else {
        format!("{w} AND set_hash = ?")
    };
    values.push(rusqlite::types::Value::Text(set_hash.to_string()));
    let mut st = c.prepare_cached(&format!(
        "SELECT hour_ms, employee, project, task, data FROM category_hours{w}"
    ))?;
    let rows = st.query_map(rusqlite::params_from_iter(values), |r| {
        Ok((r.get(0)?, super::context_at(r, 1)?, r.get(4)?))
    })?;
    rows.collect()
}

/// Sums the rows whose slot starts in `[from, to)` into the (emptied) rollups.
fn refill(c: &Connection, from: i64, to: i64) -> rusqlite::Result<()> {
    // In chunks: `Pending` borrows the records it sums.
    const CHUNK: usize = 20_000;
    let mut cache = Cache::default();
    let flush = |records: &mut Vec<ActivityRecord>, cache: &mut Cache| -> rusqlite::Result<()> {
        let mut pending = Pending::new(true);
        for a in records.iter() {
            pending.activity(a);
        }
        pending.flush(c, cache)?;
        records.clear();
        Ok(())
    };
    {
        let mut st = c.prepare(
            "SELECT kind, application, domain, slot_start, duration_ms, employee, project, task
             FROM activities WHERE slot_start >= ?1 AND slot_start < ?2",
        )?;
        let mut rows = st.query(params![from, to])?;
        let mut chunk = Vec::with_capacity(CHUNK);
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            chunk.push(ActivityRecord {
                kind: if kind == "URL" {
                    ActivityKind::Url
                } else {
                    ActivityKind::App
                },
                title: String::new(),
                application: r.get(1)?,
                url: None,
                domain: r.get(2)?,
                start: Timestamp::from_millis(r.get(3)?),
                duration_millis: r.get(4)?,
                slot_start: Timestamp::from_millis(r.get(3)?),
                context: super::context_at(r, 5)?,
            });
            if chunk.len() == CHUNK {
                flush(&mut chunk, &mut cache)?;
            }
        }
        flush(&mut chunk, &mut cache)?;
    }
    {
        let mut st = c.prepare(&format!(
            "SELECT {} FROM slots WHERE slot_start >= ?1 AND slot_start < ?2",
            super::query::SLOT_COLUMNS
        ))?;
        let mut rows = st.query(params![from, to])?;
        let mut chunk = Vec::with_capacity(CHUNK);
        let flush = |chunk: &mut Vec<super::SlotRow>, cache: &mut Cache| -> rusqlite::Result<()> {
            let mut pending = Pending::new(true);
            for row in chunk.iter() {
                pending.slot(&row.counts, &row.context);
            }
            pending.flush(c, cache)?;
            chunk.clear();
            Ok(())
        };
        while let Some(r) = rows.next()? {
            chunk.push(super::query::slot_row(r)?);
            if chunk.len() == CHUNK {
                flush(&mut chunk, &mut cache)?;
            }
        }
        flush(&mut chunk, &mut cache)?;
    }
    Ok(())
}

/// Usage totals `(kind, name, milliseconds)` over the buckets of `level` starting in
/// `filter`'s range, for the contexts it allows. Days: sealed days from `usage_days`, unsealed
/// ones from their hours.
pub(crate) fn usage_totals(
    c: &Connection,
    level: Level,
    filter: &super::Filter,
) -> rusqlite::Result<Vec<(String, String, i64)>> {
    let mut queries = Vec::new();
    match level {
        Level::Hour => queries.push(("usage_hours", filter.clone())),
        Level::Day => {
            queries.push(("usage_days", filter.clone()));
            // Unsealed days (no day rows): their hours.
            let range = super::Filter {
                from: filter.from,
                to: filter.to,
                ..super::Filter::default()
            };
            let (w, values) = range.sql("day_ms");
            let unsealed: Vec<i64> = c
                .prepare_cached(&format!("SELECT day_ms FROM usage_unsealed{w}"))?
                .query_map(rusqlite::params_from_iter(values), |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for day in unsealed {
                queries.push((
                    "usage_hours",
                    super::Filter {
                        from: Some(Timestamp::from_millis(day)),
                        to: Some(Timestamp::from_millis(day + DAY_MS)),
                        ..filter.clone()
                    },
                ));
            }
        }
    }
    let mut sums: Vec<i64> = Vec::new();
    for (table, f) in queries {
        let (w, values) = f.sql("bucket_ms");
        let mut st = c.prepare_cached(&format!("SELECT data FROM {table}{w}"))?;
        let mut rows = st.query(rusqlite::params_from_iter(values))?;
        while let Some(r) = rows.next()? {
            for (id, ms) in decode_usage(r.get_ref(0)?.as_blob()?) {
                let i = id as usize;
                if i >= sums.len() {
                    sums.resize(i + 1, 0);
                }
                sums[i] += ms;
            }
        }
    }
    if sums.iter().all(|s| *s == 0) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut st = c.prepare_cached("SELECT id, kind, name FROM usage_names")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let id: u32 = r.get(0)?;
        if let Some(ms) = sums.get(id as usize).copied().filter(|ms| *ms != 0) {
            out.push((r.get(1)?, r.get(2)?, ms));
        }
    }
    Ok(out)
}

/// Slots from the `slot_days` rows: the contexts (one per row read), and per slot its metrics
/// without the two percentages, its length and the index of its context, oldest first.
pub type SlotSummaries = (Vec<WorkContext>, Vec<(SlotMetrics, u32, usize)>);

/// The slots starting in `filter`'s range from the `slot_days` rows.
pub(crate) fn slots(c: &Connection, filter: &super::Filter) -> rusqlite::Result<SlotSummaries> {
    // Rows by day: widen the range to whole days, then keep the slots inside it.
    let widened = super::Filter {
        from: filter
            .from
            .map(|t| Timestamp::from_millis(t.as_millis() - t.as_millis().rem_euclid(DAY_MS))),
        ..filter.clone()
    };
    let (w, values) = widened.sql("day_ms");
    let mut st = c.prepare_cached(&format!(
        "SELECT day_ms, employee, project, task, data FROM slot_days{w}"
    ))?;
    let mut rows = st.query(rusqlite::params_from_iter(values))?;
    let (mut contexts, mut out) = (Vec::new(), Vec::new());
    let inside =
        |t: Timestamp| filter.from.is_none_or(|f| t >= f) && filter.to.is_none_or(|e| t < e);
    while let Some(r) = rows.next()? {
        let day: i64 = r.get(0)?;
        let context = super::context_at(r, 1)?;
        let i = match contexts.iter().rposition(|c| *c == context) {
            Some(i) => i,
            None => {
                contexts.push(context);
                contexts.len() - 1
            }
        };
        for e in decode_slots(r.get_ref(4)?.as_blob()?) {
            let m = e.metrics(day);
            if inside(m.slot_start) {
                out.push((m, u32::from(e.slot_seconds), i));
            }
        }
    }
    out.sort_by_key(|(m, _, _)| m.slot_start);
    Ok((contexts, out))
}
