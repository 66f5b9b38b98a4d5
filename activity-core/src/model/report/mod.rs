//! Reports: the five seed reports over a period — the day's timeline, average activity per
//! project, the distribution of slots over activity, top applications and top websites — plus
//! totals, computed from slot and activity records as pure functions ([`compute`]).
//!
//! - A period is whole calendar days in an IANA time zone ([`period`]); slots stay UTC-aligned
//!   and belong to the day holding their start.
//! - **Timeline**: every slot of the period in order, zero-filled; the parts of one slot (a
//!   project switch inside it) are joined: tracked seconds and counts add up, the activity
//!   figures are recomputed from the sums, the project shown is the one with the most tracked
//!   time in the slot.
//! - **Projects**: weighted by tracked seconds (a slot part tracked 2 minutes weighs a fifth of a
//!   full 10-minute one), both metrics.
//! - **Distribution**: slots with tracked time in ten buckets of activity % (0–9, …, 90–100), as
//!   counts and as tracked time.
//! - **Top applications / websites**: time and share of the total, the first N plus one "other"
//!   row holding the rest, never a silent cut.
//! - **Where the tracker takes the figures from** (`Tracker::report`): slots from the per-day
//!   slot rollups the record store keeps as it writes (no per-second maps read); for a period of
//!   up to 7 days (and an hour, for a 25-hour day) the top lists and the timeline's top
//!   application per slot from the activity rows; for a longer period the top lists from the
//!   usage rollups (whole UTC days, the UTC hours around them, raw rows only for the partial
//!   hours of a zone whose offset is not a whole hour), and no top application per slot (it
//!   would need every activity row of the period). A year of heavy use reports in about 4 ms.

pub mod org;
pub mod period;

pub use crate::model::category::{CategoryBreakdown, CategoryTime};
pub mod render;
mod usage;

pub use period::{Period, PeriodError, Resolved};
pub use usage::{
    ActivityAverage, Averager, UsageRow, average_activity, top_applications, top_websites,
};

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use crate::model::score::{SlotMetrics, active_percent, activity_percent};

/// One slot of the timeline (zero-filled when nothing was tracked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineSlot {
    /// Slot start (UTC).
    pub slot_start: Timestamp,
    /// Seconds tracked in it (all parts).
    pub tracked_seconds: u32,
    /// The seed's activity figure, from the summed counts of the parts whose input was counted;
    /// `None` when the slot has tracked time and none of it was counted.
    pub activity_percent: Option<u8>,
    /// Share of tracked seconds with input.
    pub active_percent: u8,
    /// The project with the most tracked time in the slot (shared by the slots that show it:
    /// a year has 52,560 slots and a handful of projects).
    pub project: Option<Arc<str>>,
    /// Screenshots taken in it.
    pub screenshots: u32,
    /// The application with the most time in it.
    pub top_application: Option<Arc<str>>,
}

/// Average activity of one project over the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectActivity {
    /// The project (`None`: time tracked without one).
    pub project: Option<String>,
    /// Slot parts counted.
    pub slots: u32,
    /// Tracked seconds.
    pub tracked_seconds: u64,
    /// Weighted mean of the counted slots' activity % (`None`: none was counted).
    pub activity_percent: Option<u8>,
    /// Weighted mean of the slots' active %.
    pub active_percent: u8,
}

/// One bucket of the distribution: slots whose activity % lies in `from..=to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// Lowest activity % of the bucket.
    pub from_percent: u8,
    /// Highest activity % of the bucket (9, 19, …; the last bucket is 90–100).
    pub to_percent: u8,
    /// Slots in it.
    pub slots: u32,
    /// Their tracked seconds.
    pub tracked_seconds: u64,
}

/// The period's totals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Tracked seconds.
    pub tracked_seconds: u64,
    /// Key presses, in the slots whose input was counted (`None`: none was).
    pub keyboard_events: Option<u64>,
    /// Mouse events, likewise.
    pub mouse_events: Option<u64>,
    /// Screenshots.
    pub screenshots: u64,
    /// Weighted mean activity % over the counted slots (`None`: none was counted).
    pub activity_percent: Option<u8>,
    /// Weighted mean active % over all slots.
    pub active_percent: u8,
    /// Of the tracked seconds, those inside idle periods that were kept
    /// ([`IdleAnswer::Keep`](crate::IdleAnswer::Keep)): time the user was away and chose to
    /// count. Periods belong to employees, so a report filtered by project counts its
    /// employees' kept periods whatever project they were tracked under.
    #[serde(default)]
    pub idle_kept_seconds: u64,
}

/// A whole report. Serialised (serde) with snake_case names and RFC 3339 times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The period asked for.
    pub period: Period,
    /// Its first instant (UTC).
    pub start: Timestamp,
    /// Its end (UTC, exclusive).
    pub end: Timestamp,
    /// Every slot of the period.
    pub timeline: Vec<TimelineSlot>,
    /// Average activity per project, most tracked first.
    pub projects: Vec<ProjectActivity>,
    /// Ten buckets of activity %.
    pub distribution: Vec<Bucket>,
    /// Top applications, then one `other` row if more were used.
    pub top_applications: Vec<UsageRow>,
    /// Top websites (registrable domains), then one `other` row if more were visited.
    pub top_websites: Vec<UsageRow>,
    /// Totals.
    pub totals: Totals,
    /// When the report covers more than one employee: each one's timeline, distribution and
    /// totals (slots of different people are never blended into one timeline). The report's
    /// own `timeline` is then empty, its `distribution` adds theirs up (one entry per
    /// employee-slot), and its totals, projects and top lists are the team's. Empty (and
    /// absent from the JSON) for a report of one employee.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub employees: Vec<EmployeeReport>,
    /// Application time by productivity category ([`crate::model::category`]: the category
    /// sets in force, ActivityWatch's default unless set): per category, per top-level
    /// category, the score, productive / neutral / unproductive / uncategorized seconds.
    #[serde(default)]
    pub categories: CategoryBreakdown,
    /// The same per day of the period.
    #[serde(default)]
    pub category_days: Vec<DayCategories>,
    /// The same per project, most time first.
    #[serde(default)]
    pub category_projects: Vec<ProjectCategories>,
}

/// One employee's part of a report over several ([`Report::employees`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmployeeReport {
    /// The employee (`None`: time tracked without one).
    pub employee: Option<String>,
    /// Every slot of the period, for this employee.
    pub timeline: Vec<TimelineSlot>,
    /// This employee's slots in ten buckets of activity %.
    pub distribution: Vec<Bucket>,
    /// This employee's totals.
    pub totals: Totals,
    /// This employee's time by category.
    #[serde(default)]
    pub categories: CategoryBreakdown,
}

/// One day's time by category ([`Report::category_days`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayCategories {
    /// The date (`YYYY-MM-DD`, in the report's time zone).
    pub day: String,
    /// Its time by category.
    pub categories: CategoryBreakdown,
}

/// One project's time by category ([`Report::category_projects`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectCategories {
    /// The project (`None`: time tracked without one).
    pub project: Option<String>,
    /// Its time by category.
    pub categories: CategoryBreakdown,
}

/// A report over several employees from the team's report and each employee's own (each
/// computed by [`compute`] over that employee's records): see [`Report::employees`]. With one
/// employee (or none) the team's report is returned as it is.
pub fn with_employees(mut team: Report, each: Vec<(Option<String>, Report)>) -> Report {
    if each.len() <= 1 {
        return team;
    }
    for b in &mut team.distribution {
        b.slots = 0;
        b.tracked_seconds = 0;
    }
    for (_, r) in &each {
        for (t, b) in team.distribution.iter_mut().zip(&r.distribution) {
            t.slots += b.slots;
            t.tracked_seconds += b.tracked_seconds;
        }
    }
    team.timeline = Vec::new();
    team.employees = each
        .into_iter()
        .map(|(employee, r)| EmployeeReport {
            employee,
            timeline: r.timeline,
            distribution: r.distribution,
            totals: r.totals,
            categories: r.categories,
        })
        .collect();
    team
}

/// What a report is computed from (records already limited to the period and the viewer).
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// Slot parts: figures and context.
    pub slots: &'a [(SlotMetrics, &'a WorkContext)],
    /// Application and website records.
    pub activities: &'a [ActivityRecord],
    /// Screenshot instants.
    pub screenshots: &'a [Timestamp],
    /// Slot length in seconds.
    pub slot_seconds: u32,
    /// The configuration's expected events per full slot (for activity %).
    pub max_expected_events: u32,
    /// How many rows the top lists show before the `other` row.
    pub top_n: usize,
    /// Application and domain totals for the whole period, when the caller has them (from the
    /// record store's rollups): the top lists come from these instead of `activities`, which
    /// then only feed the timeline's top application per slot (and may be empty).
    pub usage: Option<&'a [(ActivityKind, String, i64)]>,
}

/// The name of the row that sums what the top lists do not show one by one.
pub const OTHER: &str = "other";

fn top_with_other<'a>(items: impl Iterator<Item = (&'a str, i64)>, n: usize) -> Vec<UsageRow> {
    let mut totals: HashMap<&str, i64> = HashMap::new();
    let mut all = 0i64;
    for (name, d) in items {
        *totals.entry(name).or_default() += d;
        all += d;
    }
    let mut rows: Vec<(&str, i64)> = totals.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let share = |d: i64| {
        if all > 0 {
            ((200 * i128::from(d) + i128::from(all)) / (2 * i128::from(all))) as u8
        } else {
            0
        }
    };
    let rest: i64 = rows.iter().skip(n).map(|r| r.1).sum();
    let mut out: Vec<UsageRow> = rows
        .iter()
        .take(n)
        .map(|(name, d)| UsageRow {
            name: (*name).to_string(),
            duration_millis: *d,
            share_percent: share(*d),
        })
        .collect();
    if rows.len() > n {
        out.push(UsageRow {
            name: OTHER.to_string(),
            duration_millis: rest,
            share_percent: share(rest),
        });
    }
    out
}

/// One timeline slot while the report is computed (kept small: a year has 52,560 of them; a
/// second project or application times live in `Extra`). Projects are indices into the
/// report's distinct projects.
#[derive(Default)]
struct Acc {
    events: u64,
    tracked: u32,
    /// Tracked seconds of the parts whose input was counted.
    counted: u32,
    active: u32,
    screenshots: u32,
    /// The first project's index and tracked seconds (`u32::MAX`: none yet).
    project: u32,
    project_seconds: u32,
    /// It has an entry in `extra`.
    extra: bool,
}

/// What only some slots have: other projects (the project changed inside the slot) and
/// application times (periods short enough to read activity rows).
#[derive(Default)]
struct Extra<'a> {
    projects: Vec<(u32, u32)>,
    apps: Vec<(&'a str, i64)>,
}

/// The distinct projects of the inputs, each name made once and shared by the timeline.
struct Projects<'a> {
    names: Vec<Option<&'a str>>,
    shared: Vec<Option<Arc<str>>>,
    last: Option<(&'a WorkContext, u32)>,
}

impl<'a> Projects<'a> {
    fn index(&mut self, ctx: &'a WorkContext) -> u32 {
        if let Some((c, i)) = self.last
            && std::ptr::eq(c, ctx)
        {
            return i;
        }
        let p = ctx.project.as_deref();
        let i = match self.names.iter().position(|n| *n == p) {
            Some(i) => i,
            None => {
                self.names.push(p);
                self.shared.push(p.map(Arc::from));
                self.names.len() - 1
            }
        } as u32;
        self.last = Some((ctx, i));
        i
    }
}

/// Computes the report of `period` (already resolved) from `inputs`.
pub fn compute(period: &Period, resolved: &Resolved, inputs: Inputs<'_>) -> Report {
    let l = i64::from(inputs.slot_seconds) * 1000;
    let in_period = |t: Timestamp| t >= resolved.start && t < resolved.end;
    // The timeline: every slot start in the period, from the first aligned one; records of
    // another slot length land in the slot that holds their start.
    let (first_start, count) = org::frame(resolved, inputs.slot_seconds);
    let index = |t: Timestamp| -> Option<usize> {
        let g = t.as_millis() - t.as_millis().rem_euclid(l);
        usize::try_from((g - first_start) / l)
            .ok()
            .filter(|i| *i < count)
    };
    let mut slots: Vec<Acc> = Vec::new();
    slots.resize_with(count, || Acc {
        project: u32::MAX,
        ..Acc::default()
    });
    let mut extra: HashMap<usize, Extra<'_>> = HashMap::new();
    let mut projects = Projects {
        names: Vec::new(),
        shared: Vec::new(),
        last: None,
    };
    // Per project (by index) and over all: averages weighted by the parts' tracked time.
    let mut averages: Vec<Averager> = Vec::new();
    let (mut all, mut keyboard_events, mut mouse_events) = (Averager::default(), 0u64, 0u64);
    let (mut any_part, mut any_counted) = (false, false);
    for (m, ctx) in inputs.slots.iter().filter(|(m, _)| in_period(m.slot_start)) {
        let p = projects.index(ctx);
        if averages.len() <= p as usize {
            averages.resize(p as usize + 1, Averager::default());
        }
        averages[p as usize].add(m);
        all.add(m);
        any_part = true;
        if let (Some(k), Some(mo)) = (m.keyboard_events, m.mouse_events) {
            any_counted = true;
            keyboard_events += u64::from(k);
            mouse_events += u64::from(mo);
        }
        let Some(i) = index(m.slot_start) else {
            continue;
        };
        let a = &mut slots[i];
        a.tracked += m.tracked_seconds;
        if let Some(events) = m.events() {
            a.events += events;
            a.counted += m.tracked_seconds;
        }
        a.active += m.active_seconds;
        if a.project == u32::MAX {
            (a.project, a.project_seconds) = (p, m.tracked_seconds);
        } else if a.project == p {
            a.project_seconds += m.tracked_seconds;
        } else {
            a.extra = true;
            let list = &mut extra.entry(i).or_default().projects;
            match list.iter_mut().find(|(k, _)| *k == p) {
                Some((_, t)) => *t += m.tracked_seconds,
                None => list.push((p, m.tracked_seconds)),
            }
        }
    }
    for t in inputs.screenshots.iter().copied().filter(|t| in_period(*t)) {
        if let Some(i) = index(t) {
            slots[i].screenshots += 1;
        }
    }
    let activities: Vec<&ActivityRecord> = inputs
        .activities
        .iter()
        .filter(|a| in_period(a.slot_start))
        .collect();
    for a in activities.iter().filter(|a| a.kind == ActivityKind::App) {
        if let Some(i) = index(a.slot_start) {
            slots[i].extra = true;
            let apps = &mut extra.entry(i).or_default().apps;
            match apps.iter_mut().find(|(n, _)| *n == a.application) {
                Some((_, d)) => *d += a.duration_millis,
                None => apps.push((a.application.as_str(), a.duration_millis)),
            }
        }
    }
    // The slot's project: the most tracked, ties to the first name in order.
    let names = &projects.names;
    let timeline: Vec<TimelineSlot> = slots
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let more = if a.extra { extra.get(&i) } else { None };
            let first = (a.project != u32::MAX).then_some((a.project, a.project_seconds));
            let project = first
                .iter()
                .chain(more.map(|e| e.projects.as_slice()).unwrap_or_default())
                .max_by(|x, y| {
                    x.1.cmp(&y.1)
                        .then(names[y.0 as usize].cmp(&names[x.0 as usize]))
                })
                .and_then(|(p, _)| projects.shared[*p as usize].clone());
            TimelineSlot {
                slot_start: Timestamp::from_millis(first_start + i as i64 * l),
                tracked_seconds: a.tracked,
                // Tracked, none of it counted: unknown. Otherwise over the counted parts.
                activity_percent: (a.tracked == 0 || a.counted > 0).then(|| {
                    activity_percent(
                        a.events,
                        a.counted,
                        inputs.max_expected_events,
                        inputs.slot_seconds,
                    )
                }),
                active_percent: active_percent(a.active.min(a.tracked), a.tracked),
                project,
                screenshots: a.screenshots,
                top_application: more
                    .map(|e| e.apps.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(x.0)))
                    .map(|(n, _)| Arc::from(*n)),
            }
        })
        .collect();
    drop(slots);
    // Projects, weighted by tracked time of their slot parts.
    let mut projects: Vec<ProjectActivity> = averages
        .iter()
        .zip(&projects.names)
        .map(|(avg, project)| {
            let avg = avg.finish();
            ProjectActivity {
                project: project.map(str::to_string),
                slots: avg.slots,
                tracked_seconds: avg.tracked_seconds,
                activity_percent: avg.activity_percent,
                active_percent: avg.active_percent,
            }
        })
        .collect();
    projects.sort_by(|a, b| {
        b.tracked_seconds
            .cmp(&a.tracked_seconds)
            .then(a.project.cmp(&b.project))
    });
    // Distribution over the timeline's slots with tracked time (slots whose input was not
    // counted have no activity % and are left out).
    let distribution = org::distribution(&timeline);
    let avg = all.finish();
    let totals = Totals {
        tracked_seconds: avg.tracked_seconds,
        keyboard_events: (any_counted || !any_part).then_some(keyboard_events),
        mouse_events: (any_counted || !any_part).then_some(mouse_events),
        screenshots: timeline.iter().map(|s| u64::from(s.screenshots)).sum(),
        activity_percent: avg.activity_percent,
        active_percent: avg.active_percent,
        idle_kept_seconds: 0,
    };
    Report {
        period: period.clone(),
        start: resolved.start,
        end: resolved.end,
        timeline,
        projects,
        distribution,
        top_applications: match inputs.usage {
            Some(u) => top_with_other(
                u.iter()
                    .filter(|(k, _, _)| *k == ActivityKind::App)
                    .map(|(_, n, d)| (n.as_str(), *d)),
                inputs.top_n,
            ),
            None => top_with_other(
                activities
                    .iter()
                    .filter(|a| a.kind == ActivityKind::App)
                    .map(|a| (a.application.as_str(), a.duration_millis)),
                inputs.top_n,
            ),
        },
        top_websites: match inputs.usage {
            Some(u) => top_with_other(
                u.iter()
                    .filter(|(k, _, _)| *k == ActivityKind::Url)
                    .map(|(_, n, d)| (n.as_str(), *d)),
                inputs.top_n,
            ),
            None => top_with_other(
                activities
                    .iter()
                    .filter(|a| a.kind == ActivityKind::Url)
                    .filter_map(|a| Some((a.domain.as_deref()?, a.duration_millis))),
                inputs.top_n,
            ),
        },
        totals,
        employees: Vec::new(),
        categories: CategoryBreakdown::default(),
        category_days: Vec::new(),
        category_projects: Vec::new(),
    }
}
