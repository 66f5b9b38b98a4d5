//! Productivity categories in the tracker: the category set in force (kept in the record
//! store, so every process reading the folder classifies alike), and the category part of a
//! report: from the activity rows for a short period; for a long one, from the category cache
//! of finished UTC days (filled from the rows the first time, then kept until a row of the day
//! changes or the set does), raw rows for the partial hours at the edges.

use std::collections::HashMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::shared::Shared;
use super::tracker::Tracker;
use crate::clock::Timestamp;
use crate::error::Error;
use crate::model::activity::{ActivityRecord, WorkContext};
use crate::model::category::{CategorySet, Classifier, Tally, classify_records};
use crate::model::report::period::Resolved;
use crate::storage::records::rollup::{DAY_MS, HOUR_MS, decode_usage};
use crate::storage::records::{CategoryFill, Filter, Snapshot, Write};

/// The setting holding the layers.
const SETTING: &str = "categories";

/// The category set in force.
pub(crate) struct Categories {
    pub(crate) layers: Vec<CategorySet>,
    pub(crate) classifier: Classifier,
    /// Fingerprint of the merged categories (the cache's key).
    pub(crate) hash: String,
}

impl Categories {
    pub(crate) fn new(layers: Vec<CategorySet>) -> Result<Categories, Error> {
        let classifier = Classifier::new(&layers)?;
        let merged = serde_json::to_vec(classifier.categories()).unwrap_or_default();
        let hash = crate::util::hex(&Sha256::digest(&merged))[..16].to_string();
        Ok(Categories {
            layers,
            classifier,
            hash,
        })
    }

    /// The layers stored in the folder, or ActivityWatch's default set.
    pub(crate) fn load(records: &crate::storage::records::RecordStore) -> Categories {
        let stored = records
            .setting(SETTING)
            .ok()
            .flatten()
            .and_then(|json| serde_json::from_str::<Vec<CategorySet>>(&json).ok())
            .and_then(|layers| Categories::new(layers).ok());
        stored.unwrap_or_else(|| {
            Categories::new(vec![CategorySet::activitywatch_default()]).unwrap_or(Categories {
                layers: Vec::new(),
                classifier: Classifier::activitywatch_default(),
                hash: String::new(),
            })
        })
    }
}

/// The category parts of a report.
#[derive(Default)]
pub(crate) struct Parts {
    pub(crate) total: Tally,
    pub(crate) days: Vec<Tally>,
    pub(crate) employees: HashMap<Option<String>, Tally>,
    pub(crate) projects: HashMap<Option<String>, Tally>,
}

impl Parts {
    fn add(&mut self, day: usize, context: &WorkContext, category: Option<usize>, ms: i64) {
        self.total.add(category, ms);
        if let Some(d) = self.days.get_mut(day) {
            d.add(category, ms);
        }
        self.employees
            .entry(context.employee.clone())
            .or_default()
            .add(category, ms);
        self.projects
            .entry(context.project.clone())
            .or_default()
            .add(category, ms);
    }
}

/// The day (index into `resolved.days`) holding instant `t`.
fn day_of(resolved: &Resolved, t: i64) -> usize {
    resolved
        .days
        .partition_point(|(_, start, _)| start.as_millis() <= t)
        .saturating_sub(1)
}

/// Classifies `records` into `parts`, keeping the pieces inside `[from, to)`.
fn add_records(
    parts: &mut Parts,
    c: &Classifier,
    resolved: &Resolved,
    records: &[ActivityRecord],
    from: i64,
    to: i64,
) {
    classify_records(c, records, |r, start, ms, cat| {
        if (from..to).contains(&start) {
            parts.add(day_of(resolved, start), &r.context, cat, ms);
        }
    });
}

/// The category cache rows of one UTC day, from its rows.
fn fill_rows(c: &Classifier, records: &[ActivityRecord]) -> Vec<(i64, WorkContext, Vec<u8>)> {
    let mut by: HashMap<(i64, &WorkContext), HashMap<u32, i64>> = HashMap::new();
    classify_records(c, records, |r, start, ms, cat| {
        let hour = start - start.rem_euclid(HOUR_MS);
        *by.entry((hour, &r.context))
            .or_default()
            .entry(cat.map_or(u32::MAX, |i| i as u32))
            .or_default() += ms;
    });
    by.into_iter()
        .map(|((hour, ctx), cats)| {
            let mut pairs: Vec<(u32, i64)> = cats.into_iter().collect();
            pairs.sort_unstable();
            let data = pairs
                .iter()
                .flat_map(|(id, ms)| id.to_le_bytes().into_iter().chain(ms.to_le_bytes()))
                .collect();
            (hour, ctx.clone(), data)
        })
        .collect()
}

/// The category parts of a report over `resolved`, for `filter`'s contexts. `raw`: the
/// period's activity rows when the report read them all (a short period).
#[allow(clippy::too_many_arguments)]
pub(crate) fn report_parts(
    shared: &Shared,
    records: &Snapshot<'_>,
    viewer_filter: &Filter,
    resolved: &Resolved,
    raw: Option<&[ActivityRecord]>,
    read_raw: &dyn Fn(i64, i64) -> Result<Vec<ActivityRecord>, Error>,
) -> Result<Parts, Error> {
    let cats: Arc<Categories> = crate::util::lock(&shared.categories).clone();
    let c = &cats.classifier;
    let (start, end) = (resolved.start.as_millis(), resolved.end.as_millis());
    let mut parts = Parts {
        days: vec![Tally::default(); resolved.days.len()],
        ..Parts::default()
    };
    if let Some(rows) = raw {
        add_records(&mut parts, c, resolved, rows, start, end);
        return Ok(parts);
    }
    let ceil = |t: i64, w: i64| t + (w - t.rem_euclid(w)) % w;
    let floor = |t: i64, w: i64| t - t.rem_euclid(w);
    let (h0, h1) = (ceil(start, HOUR_MS), floor(end, HOUR_MS));
    // Edges: raw rows.
    for (a, b) in [(start, h0), (h1, end)] {
        if a < b {
            let rows = read_raw(a - HOUR_MS, b + HOUR_MS)?;
            add_records(&mut parts, c, resolved, &rows, a, b);
        }
    }
    if h0 >= h1 {
        return Ok(parts);
    }
    // Whole hours: finished UTC days from the cache (filled now where missing), the rest
    // (today, the days still written to) from the rows.
    let now = shared.now().as_millis();
    let finished_before = floor(now, DAY_MS);
    let (d0, d1) = (floor(h0, DAY_MS), ceil(h1, DAY_MS));
    let filled = records.category_filled_days(d0, d1, &cats.hash)?;
    let mut day = d0;
    while day < d1 {
        let (a, b) = (day.max(h0), (day + DAY_MS).min(h1));
        if day + DAY_MS > finished_before {
            let rows = read_raw(day, day + DAY_MS)?;
            add_records(&mut parts, c, resolved, &rows, a, b);
        } else if !filled.contains(&day) {
            // Every context of the day (the cache serves every viewer), then this report's.
            // The fingerprint is read in the same snapshot as the rows.
            let fingerprint = records.activity_fingerprint(day)?;
            let all = read_raw_all(records, day)?;
            let rows = fill_rows(c, &all);
            shared
                .records
                .write(vec![Write::CategoryFill(Box::new(CategoryFill {
                    day_ms: day,
                    set_hash: cats.hash.clone(),
                    fingerprint,
                    rows,
                }))])?;
            let visible: Vec<ActivityRecord> = all
                .into_iter()
                .filter(|r| allowed(viewer_filter, &r.context))
                .collect();
            add_records(&mut parts, c, resolved, &visible, a, b);
        }
        day += DAY_MS;
    }
    // The cached hours.
    let cached = records.category_hours(
        &Filter {
            from: Some(Timestamp::from_millis(h0)),
            to: Some(Timestamp::from_millis(h1.min(finished_before))),
            ..viewer_filter.clone()
        },
        &cats.hash,
    )?;
    for (hour, context, data) in cached {
        let d = day_of(resolved, hour);
        for (cat, ms) in decode_usage(&data) {
            let cat = (cat != u32::MAX).then_some(cat as usize);
            parts.add(d, &context, cat, ms);
        }
    }
    Ok(parts)
}

/// Whether the filter's contexts include `context`.
fn allowed(f: &Filter, context: &WorkContext) -> bool {
    let e = context.employee.as_deref().unwrap_or("");
    f.employees
        .as_ref()
        .is_none_or(|list| list.iter().any(|x| x == e))
        && f.project
            .as_ref()
            .is_none_or(|p| context.project.as_deref() == Some(p.as_str()))
}

/// Every activity row whose slot starts in UTC day `day`.
fn read_raw_all(records: &Snapshot<'_>, day: i64) -> Result<Vec<ActivityRecord>, Error> {
    let rows = records.activities_where(&Filter {
        from: Some(Timestamp::from_millis(day - DAY_MS / 24)),
        to: Some(Timestamp::from_millis(day + DAY_MS)),
        ..Filter::default()
    })?;
    Ok(rows
        .into_iter()
        .filter(|r| (day..day + DAY_MS).contains(&r.slot_start.as_millis()))
        .collect())
}

impl Tracker {
    /// Puts category sets in force, layered: the first set that names a category defines it
    /// (organisation, then team, then employee). Each is ActivityWatch's export as it is. Kept
    /// in the data folder: every process reading it classifies alike. A rule that does not
    /// compile is refused, naming its set and index.
    pub fn set_categories(&self, layers: Vec<CategorySet>) -> Result<(), Error> {
        let cats = Categories::new(layers)?;
        let json = serde_json::to_string(&cats.layers).unwrap_or_default();
        self.shared.records.write(vec![
            Write::Setting {
                name: SETTING.into(),
                value: json,
            },
            Write::CategorySet {
                set_hash: cats.hash.clone(),
            },
        ])?;
        *crate::util::lock(&self.shared.categories) = Arc::new(cats);
        Ok(())
    }

    /// The category sets in force (ActivityWatch's default set unless set), as exports.
    pub fn categories(&self) -> Vec<CategorySet> {
        crate::util::lock(&self.shared.categories).layers.clone()
    }

    /// The category of one record (`["Uncategorized"]` when no rule matches).
    pub fn classify(&self, app: &str, title: &str, url: Option<&str>) -> Vec<String> {
        let cats = crate::util::lock(&self.shared.categories).clone();
        cats.classifier
            .name(cats.classifier.classify(app, title, url))
    }
}
