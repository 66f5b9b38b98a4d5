//! Usage and averages over records: top applications, top websites, average activity.
//!
//! All of them are pure functions over slices of records, so the same code serves the `track`
//! summary, the bindings and a product's own reports.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::activity::{ActivityKind, ActivityRecord};
use crate::model::score::SlotMetrics;

/// One line of a "top" report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRow {
    /// Application name or domain.
    pub name: String,
    /// Total time in milliseconds.
    pub duration_millis: i64,
    /// Share of the total time of the report's records, 0..=100, rounded.
    pub share_percent: u8,
}

fn top_by<'a>(records: impl Iterator<Item = (&'a str, i64)>, n: usize) -> Vec<UsageRow> {
    let mut totals: HashMap<&str, i64> = HashMap::new();
    let mut all = 0i64;
    for (name, d) in records {
        *totals.entry(name).or_default() += d;
        all += d;
    }
    let mut rows: Vec<_> = totals.into_iter().collect();
    // Longest first; ties by name so the order is stable.
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    rows.into_iter()
        .take(n)
        .map(|(name, d)| UsageRow {
            name: name.to_string(),
            duration_millis: d,
            share_percent: if all > 0 {
                ((200 * i128::from(d) + i128::from(all)) / (2 * i128::from(all))) as u8
            } else {
                0
            },
        })
        .collect()
}

/// The `n` applications with the most time in `APP` records.
pub fn top_applications(records: &[ActivityRecord], n: usize) -> Vec<UsageRow> {
    top_by(
        records
            .iter()
            .filter(|r| r.kind == ActivityKind::App)
            .map(|r| (r.application.as_str(), r.duration_millis)),
        n,
    )
}

/// The `n` registrable domains with the most time in `URL` records.
pub fn top_websites(records: &[ActivityRecord], n: usize) -> Vec<UsageRow> {
    top_by(
        records
            .iter()
            .filter(|r| r.kind == ActivityKind::Url)
            .filter_map(|r| Some((r.domain.as_deref()?, r.duration_millis))),
        n,
    )
}

/// Averages of a set of slots, weighted by their tracked seconds (a slot tracked for 2 minutes
/// weighs a fifth of a full 10-minute one).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityAverage {
    /// Number of slots.
    pub slots: u32,
    /// Sum of their tracked seconds.
    pub tracked_seconds: u64,
    /// Weighted mean of `activity_percent` over the slots whose input was counted, rounded
    /// (`None`: there were slots and none was counted).
    pub activity_percent: Option<u8>,
    /// Weighted mean of `active_percent`, rounded.
    pub active_percent: u8,
}

/// The weighted average activity of `slots` (e.g. all slots of one project on one day).
pub fn average_activity<'a>(slots: impl IntoIterator<Item = &'a SlotMetrics>) -> ActivityAverage {
    let mut avg = Averager::default();
    for s in slots {
        avg.add(s);
    }
    avg.finish()
}

/// [`average_activity`] one slot at a time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Averager {
    slots: u32,
    tracked: u64,
    activity: u64,
    active: u64,
    /// Slots with an activity % and their tracked seconds.
    counted_slots: u32,
    counted_tracked: u64,
}

impl Averager {
    /// Counts `s`, weighted by its tracked seconds.
    pub fn add(&mut self, s: &SlotMetrics) {
        let w = u64::from(s.tracked_seconds);
        self.slots += 1;
        self.tracked += w;
        if let Some(a) = s.activity_percent {
            self.counted_slots += 1;
            self.counted_tracked += w;
            self.activity += w * u64::from(a);
        }
        self.active += w * u64::from(s.active_percent);
    }

    /// An averager holding sums computed elsewhere (an engine's `GROUP BY`): `slots` parts of
    /// `tracked` seconds, Σ tracked × activity % over the `counted_slots` parts of
    /// `counted_tracked` seconds that have one, Σ tracked × active %.
    pub fn from_sums(
        slots: u32,
        tracked: u64,
        activity: u64,
        counted_slots: u32,
        counted_tracked: u64,
        active: u64,
    ) -> Averager {
        Averager {
            slots,
            tracked,
            activity,
            active,
            counted_slots,
            counted_tracked,
        }
    }

    /// Adds what `other` holds.
    pub fn merge(&mut self, other: &Averager) {
        self.slots += other.slots;
        self.tracked += other.tracked;
        self.activity += other.activity;
        self.active += other.active;
        self.counted_slots += other.counted_slots;
        self.counted_tracked += other.counted_tracked;
    }

    /// The averages of what was added.
    pub fn finish(&self) -> ActivityAverage {
        let avg = |x: u64, t: u64| {
            if t == 0 {
                0
            } else {
                ((2 * x + t) / (2 * t)) as u8
            }
        };
        ActivityAverage {
            slots: self.slots,
            tracked_seconds: self.tracked,
            activity_percent: (self.slots == 0 || self.counted_slots > 0)
                .then(|| avg(self.activity, self.counted_tracked)),
            active_percent: avg(self.active, self.tracked),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;
    use crate::model::activity::WorkContext;

    fn rec(kind: ActivityKind, app: &str, domain: Option<&str>, secs: i64) -> ActivityRecord {
        ActivityRecord {
            kind,
            title: String::new(),
            application: app.into(),
            url: None,
            domain: domain.map(Into::into),
            start: Timestamp::EPOCH,
            duration_millis: secs * 1000,
            slot_start: Timestamp::EPOCH,
            context: WorkContext::default(),
        }
    }

    #[test]
    fn top_lists_sum_sort_and_share() {
        let r = [
            rec(ActivityKind::App, "code", None, 30),
            rec(ActivityKind::App, "firefox", None, 50),
            rec(ActivityKind::App, "code", None, 30),
            rec(ActivityKind::Url, "firefox", Some("rust-lang.org"), 40),
            rec(ActivityKind::Url, "firefox", Some("github.com"), 10),
        ];
        let apps = top_applications(&r, 5);
        assert_eq!(apps[0].name, "code");
        assert_eq!(apps[0].duration_millis, 60_000);
        assert_eq!(apps[0].share_percent, 55);
        assert_eq!(apps[1].share_percent, 45);
        let sites = top_websites(&r, 1);
        assert_eq!(sites.len(), 1);
        assert_eq!(
            (sites[0].name.as_str(), sites[0].share_percent),
            ("rust-lang.org", 80)
        );
    }

    #[test]
    fn average_is_weighted_by_tracked_time() {
        let m = |tracked, act: Option<u8>| SlotMetrics {
            slot_start: Timestamp::EPOCH,
            tracked_seconds: tracked,
            keyboard_events: act.map(|_| 0),
            mouse_events: act.map(|_| 0),
            keyboard_seconds: act.map(|_| 0),
            mouse_seconds: act.map(|_| 0),
            active_seconds: 0,
            activity_percent: act,
            active_percent: act.unwrap_or(50),
        };
        let avg = average_activity(&[m(600, Some(80)), m(120, Some(20))]);
        assert_eq!(
            (avg.slots, avg.tracked_seconds, avg.activity_percent),
            (2, 720, Some(70))
        );
        assert_eq!(average_activity(&[]).activity_percent, Some(0));
        // Slots without counts weigh in the active % only; none counted: no activity %.
        let avg = average_activity(&[m(600, Some(80)), m(600, None)]);
        assert_eq!(
            (
                avg.tracked_seconds,
                avg.activity_percent,
                avg.active_percent
            ),
            (1200, Some(80), 65)
        );
        assert_eq!(average_activity(&[m(600, None)]).activity_percent, None);
    }
}
