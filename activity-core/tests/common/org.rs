//! A synthetic organisation's devices, written through the library's own record store (writer,
//! triggers and rollups as in real use): each employee works `days` weekdays from `first_day`,
//! 8 hours a day from an employee-specific start, on two projects (switching now and then in
//! the middle of a slot, so slots have parts), switching windows every 20 s to 3 min among
//! twelve applications (the browser's time also as website records over 30 domains), with a
//! screenshot or two per slot and the odd slot whose input was not counted. Deterministic per
//! (employee, seed). Needs the `internals` feature (the record store).
#![allow(dead_code)]

use std::path::Path;

use activity_core::Timestamp;
use activity_core::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use activity_core::model::score::SlotCounts;
use activity_core::storage::records::{RecordStore, Screenshot, SlotRow, UploadState, Write};
use rand::{Rng, SeedableRng};

const APPS: [&str; 12] = [
    "Firefox",
    "Code",
    "Slack",
    "Terminal",
    "Thunderbird",
    "LibreOffice Writer",
    "Figma",
    "Zoom",
    "Calculator",
    "Spotify",
    "Files",
    "Chromium",
];
const BROWSERS: [&str; 2] = ["Firefox", "Chromium"];

/// One device's counts of what was written.
#[derive(Debug, Default, Clone, Copy)]
pub struct Seeded {
    pub slots: u64,
    pub activities: u64,
    pub screenshots: u64,
}

/// Milliseconds of a UTC day.
pub const DAY: i64 = 86_400_000;

/// Whether UTC day `day_ms` is a weekday (1970-01-01 was a Thursday).
pub fn weekday(day_ms: i64) -> bool {
    let dow = (day_ms.div_euclid(DAY) + 3).rem_euclid(7); // 0 = Monday
    dow < 5
}

/// Writes employee `employee`'s `days` working days from UTC day `first_day` (ms) into the
/// data folder `dir` (its `activity.sqlite`).
pub fn seed_device(dir: &Path, employee: &str, first_day: i64, days: usize, seed: u64) -> Seeded {
    let store = RecordStore::open(dir.join("activity.sqlite")).expect("record store");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
        seed ^ employee.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }),
    );
    let mut out = Seeded::default();
    let projects = [format!("{employee}-core"), "Shared".to_string()];
    let mut day = first_day;
    let mut done = 0;
    let mut batch: Vec<Write> = Vec::new();
    while done < days {
        if !weekday(day) {
            day += DAY;
            continue;
        }
        done += 1;
        // 06:00 to 10:00 UTC start, on a slot boundary; 48 slots (8 hours).
        let start = day + 6 * 3_600_000 + rng.random_range(0..24) * 600_000;
        let mut project = rng.random_range(0..2usize);
        let mut app = rng.random_range(0..APPS.len());
        let mut t = start;
        for slot in 0..48i64 {
            let s0 = start + slot * 600_000;
            let s1 = s0 + 600_000;
            // A project switch inside the slot now and then: two parts.
            let cut = if rng.random_bool(0.08) {
                Some(s0 + rng.random_range(1..10) * 60_000)
            } else {
                None
            };
            let counted = !rng.random_bool(0.03);
            let mut parts = vec![(s0, cut.unwrap_or(s1), project)];
            if let Some(c) = cut {
                project = 1 - project;
                parts.push((c, s1, project));
            }
            for (a, b, p) in parts {
                let ctx = WorkContext {
                    employee: Some(employee.to_string()),
                    project: Some(projects[p].clone()),
                    task: None,
                };
                let secs = ((b - a) / 1000) as u32;
                let mut counts = SlotCounts::empty(Timestamp::from_millis(s0), 600);
                counts.tracked_millis = b - a;
                counts.counts_events = counted;
                let off = ((a - s0) / 1000) as u32;
                let busy = rng.random_range(0.2..1.0f64);
                for i in 0..secs {
                    if rng.random_bool(busy * 0.6) {
                        counts.keyboard.set(off + i);
                        counts.keyboard_events += rng.random_range(1..4);
                    }
                    if rng.random_bool(busy * 0.4) {
                        counts.mouse.set(off + i);
                        counts.mouse_events += rng.random_range(1..6);
                    }
                }
                batch.push(Write::Slot(Box::new(SlotRow {
                    counts,
                    context: ctx.clone(),
                })));
                out.slots += 1;
                // Window switching inside the part: records cut at its edges.
                while t < b {
                    let len = rng.random_range(20..180) * 1000;
                    let end = (t + len).min(b);
                    let name = APPS[app];
                    batch.push(Write::Activity(Box::new(ActivityRecord {
                        kind: ActivityKind::App,
                        title: format!("{name} window {}", rng.random_range(0..40)),
                        application: name.to_string(),
                        url: None,
                        domain: None,
                        start: Timestamp::from_millis(t),
                        duration_millis: end - t,
                        slot_start: Timestamp::from_millis(s0),
                        context: ctx.clone(),
                    })));
                    out.activities += 1;
                    if BROWSERS.contains(&name) {
                        let d = format!("site{}.example", rng.random_range(0..30));
                        batch.push(Write::Activity(Box::new(ActivityRecord {
                            kind: ActivityKind::Url,
                            title: format!("Page on {d}"),
                            application: name.to_string(),
                            url: Some(format!("https://{d}/page")),
                            domain: Some(d),
                            start: Timestamp::from_millis(t),
                            duration_millis: end - t,
                            slot_start: Timestamp::from_millis(s0),
                            context: ctx.clone(),
                        })));
                        out.activities += 1;
                    }
                    t = end;
                    if end < b || rng.random_bool(0.5) {
                        app = rng.random_range(0..APPS.len());
                    }
                }
            }
            for k in 0..rng.random_range(1..3) {
                let taken = s0 + rng.random_range(0..600) * 1000;
                let id = format!("{employee}-{s0}-{k}");
                batch.push(Write::Screenshot(Box::new(Screenshot {
                    id: id.clone(),
                    slot_start: Timestamp::from_millis(s0),
                    taken_at: Timestamp::from_millis(taken),
                    monitor: "eDP-1".into(),
                    x: 0,
                    y: 0,
                    width: 1920,
                    height: 1080,
                    blurred: k == 1,
                    format: "jpg".into(),
                    full_key: format!("screenshots/{employee}/{id}.jpg"),
                    thumb_key: format!("screenshots/{employee}/{id}-thumb.jpg"),
                    full_bytes: 180_000 + rng.random_range(0..50_000),
                    thumb_bytes: 9_000,
                    sha256: "0".repeat(64),
                    thumb_sha256: "0".repeat(64),
                    provider: "LOCAL".into(),
                    upload_state: UploadState::Pending,
                    context: WorkContext {
                        employee: Some(employee.to_string()),
                        project: Some(projects[project].clone()),
                        task: None,
                    },
                })));
                out.screenshots += 1;
            }
            if batch.len() >= 2000 {
                store.write(std::mem::take(&mut batch)).expect("write");
            }
        }
        day += DAY;
    }
    store.write(batch).expect("write");
    store.close();
    out
}
