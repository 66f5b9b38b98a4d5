//! Organisation reports: the five seed reports over a dataset of many devices
//! ([`crate::dataset`]), aggregated by a query engine (DuckDB, Spark, PostgreSQL: the SQL in
//! `activity-core/sql/org/`, embedded here) and assembled into the same [`Report`] a device
//! makes, with the same rounding, zero-filling and `other` rows as [`compute`](super::compute):
//! the engine sums, this module decides.
//!
//! What the engine hands over ([`OrgRows`]) is small next to the rows it read: one row per
//! employee and slot with tracked time or screenshots, one per project and per employee with
//! the sums the averages need, one per application and per domain.
//!
//! Not in organisation reports (they are empty or zero, as documented in the README):
//! productivity categories and `idle_kept_seconds`, which need the category rules and the idle
//! decisions that stay on each device.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{
    Averager, Bucket, EmployeeReport, Period, ProjectActivity, Report, Resolved, TimelineSlot,
    Totals, top_with_other,
};
use crate::clock::Timestamp;
use crate::model::category::CategoryBreakdown;
use crate::model::score::{active_percent, activity_percent};

/// What organisation report to make. JSON: `{"period": {"first": "2026-11-01", "last":
/// "2026-11-30", "time_zone": "Europe/Berlin"}, "employees": ["ana"], "projects": null,
/// "top_n": 10, "slot_seconds": 600, "employee_timelines": true}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgRequest {
    /// The days and their time zone.
    pub period: Period,
    /// Only these employees (`None`: all the viewer may see).
    #[serde(default)]
    pub employees: Option<Vec<String>>,
    /// Only these projects.
    #[serde(default)]
    pub projects: Option<Vec<String>>,
    /// Rows of the top lists before the `other` row (default 10).
    #[serde(default = "default_top_n")]
    pub top_n: usize,
    /// The timeline's slot length (default 600 s, the devices' default).
    #[serde(default = "default_slot_seconds")]
    pub slot_seconds: u32,
    /// Whether each employee's part of a report over several carries their timeline (default
    /// `true`). A month of 1,000 employees is 4.3 million timeline slots; without them the
    /// distributions and totals are the same.
    #[serde(default = "default_employee_timelines")]
    pub employee_timelines: bool,
}

fn default_employee_timelines() -> bool {
    true
}

fn default_top_n() -> usize {
    10
}

fn default_slot_seconds() -> u32 {
    600
}

/// One employee-slot of the timeline (`timeline.sql`), as a JSON array in this order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineRow(
    /// Employee.
    pub Option<String>,
    /// Slot start, UTC milliseconds.
    pub i64,
    /// Tracked seconds (all parts).
    pub u32,
    /// Tracked seconds of the parts whose input was counted.
    pub u32,
    /// Key and mouse events of those parts.
    pub u64,
    /// Active seconds.
    pub u32,
    /// Screenshots taken in the slot.
    pub u32,
    /// The project with the most tracked time (ties: the first name).
    pub Option<String>,
    /// The application with the most time (ties: the first name); `None` when not asked.
    pub Option<String>,
    /// Events expected in a full slot (the devices' setting).
    pub Option<u32>,
);

/// The sums behind one average (`projects.sql`, `employees.sql`): a JSON array in this order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SumsRow(
    /// The project or the employee.
    pub Option<String>,
    /// Slot parts.
    pub u32,
    /// Tracked seconds.
    pub u64,
    /// Σ tracked × activity % over the parts with an activity %.
    pub u64,
    /// Parts with an activity %.
    pub u32,
    /// Their tracked seconds.
    pub u64,
    /// Σ tracked × active %.
    pub u64,
    /// Key presses of the counted parts.
    pub u64,
    /// Mouse events of the counted parts.
    pub u64,
);

/// What the engine computed for an [`OrgRequest`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRows {
    /// Employee-slots with tracked time or screenshots.
    pub timeline: Vec<TimelineRow>,
    /// Per project.
    pub projects: Vec<SumsRow>,
    /// Per employee.
    pub employees: Vec<SumsRow>,
    /// Application name and milliseconds.
    pub applications: Vec<(String, i64)>,
    /// Domain and milliseconds.
    pub websites: Vec<(String, i64)>,
}

impl SumsRow {
    fn averager(&self) -> Averager {
        Averager::from_sums(self.1, self.2, self.3, self.4, self.5, self.6)
    }
}

/// The timeline's slot starts for `resolved`: the first aligned start and the count (a
/// partial slot at the end counts).
pub(crate) fn frame(resolved: &Resolved, slot_seconds: u32) -> (i64, usize) {
    let l = i64::from(slot_seconds) * 1000;
    let first_start =
        resolved.start.as_millis() + (l - resolved.start.as_millis().rem_euclid(l)) % l;
    let span = (resolved.end.as_millis() - first_start).max(0);
    let count = usize::try_from(span / l.max(1)).unwrap_or(0) + usize::from(span % l.max(1) != 0);
    (first_start, count)
}

/// The distribution of a timeline's slots with tracked time over ten buckets of activity %.
pub(crate) fn distribution(timeline: &[TimelineSlot]) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = (0..10u8)
        .map(|i| Bucket {
            from_percent: i * 10,
            to_percent: if i == 9 { 100 } else { i * 10 + 9 },
            slots: 0,
            tracked_seconds: 0,
        })
        .collect();
    for (s, activity) in timeline
        .iter()
        .filter(|s| s.tracked_seconds > 0)
        .filter_map(|s| Some((s, s.activity_percent?)))
    {
        let b = &mut out[usize::from(activity.min(99) / 10)];
        b.slots += 1;
        b.tracked_seconds += u64::from(s.tracked_seconds);
    }
    out
}

fn totals(sums: &[&SumsRow], screenshots: u64) -> Totals {
    let mut avg = Averager::default();
    let (mut kb, mut mo, mut counted) = (0u64, 0u64, false);
    for s in sums {
        avg.merge(&s.averager());
        kb += s.7;
        mo += s.8;
        // A part whose input was counted always has an activity %.
        counted |= s.4 > 0;
    }
    let a = avg.finish();
    let any_part = a.slots > 0;
    Totals {
        tracked_seconds: a.tracked_seconds,
        keyboard_events: (counted || !any_part).then_some(kb),
        mouse_events: (counted || !any_part).then_some(mo),
        screenshots,
        activity_percent: a.activity_percent,
        active_percent: a.active_percent,
        idle_kept_seconds: 0,
    }
}

/// One shared copy of each name (a month's timeline repeats a handful of projects).
fn share<'a>(names: &mut HashMap<&'a str, Arc<str>>, n: &'a Option<String>) -> Option<Arc<str>> {
    let n = n.as_deref()?;
    Some(names.entry(n).or_insert_with(|| Arc::from(n)).clone())
}

/// The report of `request` from the engine's `rows` (already limited to the period, the
/// viewer and the filters).
pub fn assemble(request: &OrgRequest, resolved: &Resolved, rows: &OrgRows) -> Report {
    let slot_seconds = request.slot_seconds.max(1);
    let l = i64::from(slot_seconds) * 1000;
    let (first_start, count) = frame(resolved, slot_seconds);
    let mut names: HashMap<&str, Arc<str>> = HashMap::new();
    // Each employee's timeline, zero-filled.
    let mut timelines: BTreeMap<Option<String>, Vec<TimelineSlot>> = BTreeMap::new();
    let empty = |i: usize| TimelineSlot {
        slot_start: Timestamp::from_millis(first_start + i as i64 * l),
        tracked_seconds: 0,
        activity_percent: Some(0),
        active_percent: 0,
        project: None,
        screenshots: 0,
        top_application: None,
    };
    for r in &rows.timeline {
        let g = r.1 - r.1.rem_euclid(l);
        let Some(i) = usize::try_from((g - first_start) / l)
            .ok()
            .filter(|i| *i < count && g >= first_start)
        else {
            continue;
        };
        let tl = timelines
            .entry(r.0.clone())
            .or_insert_with(|| (0..count).map(empty).collect());
        let max_expected = r.9.unwrap_or(slot_seconds * 2);
        tl[i] = TimelineSlot {
            slot_start: Timestamp::from_millis(g),
            tracked_seconds: r.2,
            activity_percent: (r.2 == 0 || r.3 > 0)
                .then(|| activity_percent(r.4, r.3, max_expected, slot_seconds)),
            active_percent: active_percent(r.5.min(r.2), r.2),
            project: share(&mut names, &r.7),
            screenshots: r.6,
            top_application: share(&mut names, &r.8),
        };
    }
    // Employees: those with slot parts (as a device report counts them), sorted.
    let mut employees: Vec<&SumsRow> = rows.employees.iter().filter(|e| e.1 > 0).collect();
    employees.sort_by(|a, b| a.0.cmp(&b.0));
    let mut each: Vec<EmployeeReport> = employees
        .iter()
        .map(|e| {
            let timeline = timelines
                .remove(&e.0)
                .unwrap_or_else(|| (0..count).map(empty).collect());
            let shots = timeline.iter().map(|s| u64::from(s.screenshots)).sum();
            EmployeeReport {
                employee: e.0.clone(),
                distribution: distribution(&timeline),
                totals: totals(&[*e], shots),
                timeline,
                categories: CategoryBreakdown::default(),
            }
        })
        .collect();
    // Screenshots of employees without slot parts still count in the team's totals.
    let orphan_shots: u64 = timelines
        .values()
        .flatten()
        .map(|s| u64::from(s.screenshots))
        .sum();
    let team_shots = each.iter().map(|e| e.totals.screenshots).sum::<u64>() + orphan_shots;
    let mut team_totals = totals(&employees, team_shots);
    if employees.is_empty() {
        team_totals.tracked_seconds = 0;
    }
    let mut projects: Vec<ProjectActivity> = rows
        .projects
        .iter()
        .filter(|p| p.1 > 0)
        .map(|p| {
            let a = p.averager().finish();
            ProjectActivity {
                project: p.0.clone(),
                slots: a.slots,
                tracked_seconds: a.tracked_seconds,
                activity_percent: a.activity_percent,
                active_percent: a.active_percent,
            }
        })
        .collect();
    projects.sort_by(|a, b| {
        b.tracked_seconds
            .cmp(&a.tracked_seconds)
            .then(a.project.cmp(&b.project))
    });
    let mut team_distribution = distribution(&[]);
    for e in &each {
        for (t, b) in team_distribution.iter_mut().zip(&e.distribution) {
            t.slots += b.slots;
            t.tracked_seconds += b.tracked_seconds;
        }
    }
    let (timeline, employees_out) = if each.len() <= 1 {
        let timeline = match each.pop() {
            Some(e) => e.timeline,
            None => {
                // Nobody tracked: the zero-filled frame, with any screenshots.
                let mut tl: Vec<TimelineSlot> = (0..count).map(empty).collect();
                for t in timelines.values() {
                    for (a, b) in tl.iter_mut().zip(t) {
                        a.screenshots += b.screenshots;
                    }
                }
                tl
            }
        };
        (timeline, Vec::new())
    } else {
        if !request.employee_timelines {
            for e in &mut each {
                e.timeline = Vec::new();
            }
        }
        (Vec::new(), each)
    };
    let top = |list: &[(String, i64)]| {
        top_with_other(list.iter().map(|(n, d)| (n.as_str(), *d)), request.top_n)
    };
    Report {
        period: request.period.clone(),
        start: resolved.start,
        end: resolved.end,
        timeline,
        projects,
        distribution: team_distribution,
        top_applications: top(&rows.applications),
        top_websites: top(&rows.websites),
        totals: team_totals,
        employees: employees_out,
        categories: CategoryBreakdown::default(),
        category_days: Vec::new(),
        category_projects: Vec::new(),
    }
}

/// The engines the SQL is written for (the dialects differ in a timestamp's milliseconds and
/// in string escapes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    /// DuckDB (`epoch_ms`).
    Duckdb,
    /// Apache Spark SQL (`unix_millis`; backslash escapes in literals).
    Spark,
    /// PostgreSQL (an `EPOCH_MS` SQL function the loader creates).
    Postgres,
}

/// The five queries, in the order [`OrgRows`] holds their answers.
pub const QUERIES: [(&str, &str); 5] = [
    ("timeline", include_str!("../../../sql/org/timeline.sql")),
    ("projects", include_str!("../../../sql/org/projects.sql")),
    ("employees", include_str!("../../../sql/org/employees.sql")),
    (
        "applications",
        include_str!("../../../sql/org/applications.sql"),
    ),
    ("websites", include_str!("../../../sql/org/websites.sql")),
];

/// Where the engine finds the three tables: SQL table expressions (a `read_parquet(…)` call,
/// a view name, a table name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    /// The slots table.
    pub slots: String,
    /// The activities table.
    pub activities: String,
    /// The screenshots table.
    pub screenshots: String,
}

/// A request resolved for a viewer: the UTC bounds and the employees whose rows it reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgPlan {
    /// What was asked.
    pub request: OrgRequest,
    /// The period in UTC.
    pub resolved: Resolved,
    /// The employees read (`None`: all); the viewer's rights applied.
    pub employees: Option<Vec<String>>,
    /// The `date=` partitions the queries read, first and last (`YYYY-MM-DD`, UTC days): an
    /// engine that lists files itself reads only these folders (an organisation's dataset grows
    /// by a folder a day; listing all of it for a day's report costs as much as the report).
    pub partitions: Partitions,
}

/// The first and last `date=` partition a plan reads (inclusive, `YYYY-MM-DD`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partitions {
    /// The first day.
    pub first: String,
    /// The last day.
    pub last: String,
}

/// `template` with each placeholder replaced by its value, in one pass: nothing a value holds
/// (a quoted employee name) is ever read as a placeholder.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    'scan: while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        for (key, value) in values {
            if let Some(after) = rest.strip_prefix(key) {
                out.push_str(value);
                rest = after;
                continue 'scan;
            }
        }
        out.push('{');
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

/// The longest period whose timeline names each slot's top application (as a device report:
/// a week, and an hour for a 25-hour day).
const SHORT_MILLIS: i64 = 7 * 86_400_000 + 3_600_000;

impl OrgPlan {
    /// Resolves `request` for `viewer`: an employee reads their own rows only, a manager theirs
    /// and their team's, `Admin` everything; an employee filter narrows that.
    pub fn new(
        request: OrgRequest,
        viewer: &crate::runtime::Viewer,
    ) -> Result<OrgPlan, crate::Error> {
        viewer.check()?;
        if request.slot_seconds == 0 || 86_400 % request.slot_seconds != 0 {
            return Err(crate::error::RuntimeError::InvalidArgument(format!(
                "org report: slot_seconds must divide a day, got {}",
                request.slot_seconds
            ))
            .into());
        }
        let resolved = request.period.resolve()?;
        let employees = match (viewer.allowed(), &request.employees) {
            (None, None) => None,
            (None, Some(e)) => Some(e.clone()),
            (Some(list), None) => Some(list),
            (Some(list), Some(e)) => Some(list.into_iter().filter(|x| e.contains(x)).collect()),
        };
        // A screenshot's partition is its slot's day, which may be the day before it was taken.
        let partitions = Partitions {
            first: crate::dataset::date_of(Timestamp::from_millis(
                resolved.start.as_millis() - 86_400_000,
            )),
            last: crate::dataset::date_of(Timestamp::from_millis(resolved.end.as_millis() - 1)),
        };
        Ok(OrgPlan {
            request,
            resolved,
            employees,
            partitions,
        })
    }

    /// The five queries for `engine` over `sources`, named as in [`QUERIES`].
    pub fn queries(&self, engine: Engine, sources: &Sources) -> Vec<(&'static str, String)> {
        let quote = |s: &str| match engine {
            Engine::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            _ => format!("'{}'", s.replace('\'', "''")),
        };
        // '' stands for the rows without one (NULL in the dataset), as in a device's filter.
        let names = |column: &str, list: &Option<Vec<String>>| match list {
            None => String::new(),
            Some(list) if list.is_empty() => " AND 1 = 0".to_string(),
            Some(list) => {
                let named: Vec<String> = list
                    .iter()
                    .filter(|n| !n.is_empty())
                    .map(|n| quote(n))
                    .collect();
                let mut any = Vec::new();
                if !named.is_empty() {
                    any.push(format!("{column} IN ({})", named.join(", ")));
                }
                if list.iter().any(String::is_empty) {
                    any.push(format!("{column} IS NULL"));
                }
                format!(" AND ({})", any.join(" OR "))
            }
        };
        let (start, end) = (
            self.resolved.start.as_millis(),
            self.resolved.end.as_millis(),
        );
        let date = |ms: i64| crate::dataset::date_of(Timestamp::from_millis(ms));
        let epoch = match engine {
            Engine::Duckdb => "epoch_ms",
            Engine::Spark => "unix_millis",
            Engine::Postgres => "EPOCH_MS",
        };
        let who = format!(
            "{}{}",
            names("employee", &self.employees),
            names("project", &self.request.projects)
        );
        let by_slot = format!(
            "date >= DATE '{}' AND date <= DATE '{}' AND {epoch}(slot_start) >= {start} \
             AND {epoch}(slot_start) < {end}{who}",
            date(start),
            date(end - 1)
        );
        // A screenshot's partition is its slot's day, which may be the day before it was taken.
        let by_taken = format!(
            "date >= DATE '{}' AND date <= DATE '{}' AND {epoch}(taken_at) >= {start} \
             AND {epoch}(taken_at) < {end}{who}",
            self.partitions.first, self.partitions.last
        );
        let short = if end - start <= SHORT_MILLIS {
            "1 = 1"
        } else {
            "1 = 0"
        };
        let slot_ms = (i64::from(self.request.slot_seconds) * 1000).to_string();
        let values = [
            ("{short}", short),
            ("{slot_ms}", slot_ms.as_str()),
            ("{slots}", sources.slots.as_str()),
            ("{activities}", sources.activities.as_str()),
            ("{screenshots}", sources.screenshots.as_str()),
            ("{slot_filter}", by_slot.as_str()),
            ("{activity_filter}", by_slot.as_str()),
            ("{shot_filter}", by_taken.as_str()),
        ];
        QUERIES
            .iter()
            .map(|(name, sql)| {
                let sql = sql.replace("EPOCH_MS(", &format!("{epoch}("));
                (*name, fill(&sql, &values))
            })
            .collect()
    }

    /// The report from the engine's answers to [`queries`](Self::queries).
    pub fn assemble(&self, rows: &OrgRows) -> Report {
        assemble(&self.request, &self.resolved, rows)
    }
}
