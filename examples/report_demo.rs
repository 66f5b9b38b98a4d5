//! `report_demo`: the HTML report of a made-up workday (Europe/Berlin, 08:30–17:40 with a lunch
//! break, two projects, a few applications and sites), through the same report code as
//! `report` — for the README's picture and for trying the page without tracking a day first.
//!
//! ```text
//! cargo run --example report_demo -- OUT.html
//! ```

use activity_core::Timestamp;
use activity_core::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use activity_core::model::report::{Inputs, Period, compute};
use activity_core::model::score::{SlotMetrics, active_percent, activity_percent};

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "report-demo.html".into());
    let period = Period::day("2026-11-30", "Europe/Berlin");
    let resolved = period.resolve().expect("a valid period");
    let l = 600i64;
    let mut slots = Vec::new();
    let mut acts = Vec::new();
    let mut shots = Vec::new();
    // 07:30Z = 08:30 in Berlin.
    let day0 = resolved.start.as_millis() + 7 * 3_600_000 + 30 * 60_000 + 3_600_000;
    let apps = [
        ("code", None),
        ("firefox", Some("docs.rs")),
        ("slack", None),
        ("firefox", Some("github.com")),
        ("Terminal", None),
        ("firefox", Some("stackoverflow.com")),
    ];
    for i in 0..55i64 {
        let start = day0 + i * l * 1000;
        let hour = i / 6;
        if hour == 3 && i % 6 < 5 {
            continue; // lunch
        }
        let project = if i < 24 { "Apollo" } else { "Hermes" };
        // A made-up but plausible shape: busy mornings, a dip after lunch.
        let level =
            (((i * 37) % 11) as u32 * 9 + if (18..26).contains(&i) { 5 } else { 25 }).min(100);
        let tracked = if i == 54 { 240 } else { 600 };
        let events = level * 12 * tracked / 600;
        let active = (tracked * (level + 20).min(100) / 100).min(tracked);
        slots.push((
            SlotMetrics {
                slot_start: Timestamp::from_millis(start),
                tracked_seconds: tracked,
                keyboard_events: Some(events * 2 / 3),
                mouse_events: Some(events / 3),
                keyboard_seconds: Some(active / 2),
                mouse_seconds: Some(active / 2),
                active_seconds: active,
                activity_percent: Some(activity_percent(u64::from(events), tracked, 1200, 600)),
                active_percent: active_percent(active, tracked),
            },
            WorkContext {
                employee: Some("ana".into()),
                project: Some(project.into()),
                task: None,
            },
        ));
        shots.push(Timestamp::from_millis(start + ((i * 131) % 600) * 1000));
        let mut t = start;
        for k in 0..3i64 {
            let (app, domain) = apps[((i + k * 2) % 6) as usize];
            let secs = [300, 200, i64::from(tracked) - 500][k as usize].max(20);
            acts.push(ActivityRecord {
                kind: if domain.is_some() {
                    ActivityKind::Url
                } else {
                    ActivityKind::App
                },
                title: format!("{app} window"),
                application: app.into(),
                url: domain.map(|d| format!("https://{d}/")),
                domain: domain.map(Into::into),
                start: Timestamp::from_millis(t),
                duration_millis: secs * 1000,
                slot_start: Timestamp::from_millis(start),
                context: WorkContext::default(),
            });
            if domain.is_some() {
                // The browser's own application time, beside the site's.
                let mut app_record = acts.last().cloned().expect("just pushed");
                app_record.kind = ActivityKind::App;
                app_record.url = None;
                app_record.domain = None;
                acts.push(app_record);
            }
            t += secs * 1000;
        }
    }
    let parts: Vec<_> = slots.iter().map(|(m, c)| (*m, c)).collect();
    let report = compute(
        &period,
        &resolved,
        Inputs {
            slots: &parts,
            activities: &acts,
            screenshots: &shots,
            slot_seconds: 600,
            max_expected_events: 1200,
            top_n: 5,
            usage: None,
        },
    );
    std::fs::write(&out, report.to_html()).expect("writing the page");
    println!("{out}");
}
