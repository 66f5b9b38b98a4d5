//! The report definitions on hand-computed cases: a DST day in Europe/Berlin, a slot across
//! local midnight (Asia/Kathmandu, +05:45), a project switch inside a slot, an empty day, the top
//! lists' "other" row and the distribution's buckets.

use activity_core::Timestamp;
use activity_core::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use activity_core::model::report::{Inputs, OTHER, Period, Report, Resolved, compute};
use activity_core::model::score::{SlotMetrics, active_percent, activity_percent};

const L: u32 = 600;
const EXPECTED: u32 = 1200;

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn part(
    start: &str,
    tracked: u32,
    events: u32,
    active: u32,
    project: Option<&str>,
) -> (SlotMetrics, WorkContext) {
    (
        SlotMetrics {
            slot_start: t(start),
            tracked_seconds: tracked,
            keyboard_events: Some(events),
            mouse_events: Some(0),
            keyboard_seconds: Some(active),
            mouse_seconds: Some(0),
            active_seconds: active,
            activity_percent: Some(activity_percent(u64::from(events), tracked, EXPECTED, L)),
            active_percent: active_percent(active, tracked),
        },
        WorkContext {
            employee: Some("ana".into()),
            project: project.map(Into::into),
            task: None,
        },
    )
}

fn app(
    start: &str,
    name: &str,
    secs: i64,
    kind: ActivityKind,
    domain: Option<&str>,
) -> ActivityRecord {
    let s = t(start);
    ActivityRecord {
        kind,
        title: name.into(),
        application: name.into(),
        url: domain.map(|d| format!("https://{d}/")),
        domain: domain.map(Into::into),
        start: s,
        duration_millis: secs * 1000,
        slot_start: Timestamp::from_millis(s.as_millis() - s.as_millis().rem_euclid(600_000)),
        context: WorkContext::default(),
    }
}

/// The report of `p` from these records (the slots' contexts borrowed as `Inputs` takes them).
fn run(
    p: &Period,
    r: &Resolved,
    slots: &[(SlotMetrics, WorkContext)],
    acts: &[ActivityRecord],
    shots: &[Timestamp],
    top_n: usize,
) -> Report {
    let parts: Vec<(SlotMetrics, &WorkContext)> = slots.iter().map(|(m, c)| (*m, c)).collect();
    compute(
        p,
        r,
        Inputs {
            slots: &parts,
            activities: acts,
            screenshots: shots,
            slot_seconds: L,
            max_expected_events: EXPECTED,
            top_n,
            usage: None,
        },
    )
}

#[test]
fn a_dst_day_in_berlin_has_138_slots() {
    let p = Period::day("2026-03-29", "Europe/Berlin");
    let r = p.resolve().unwrap();
    let slots = [part("2026-03-29T01:00:00Z", 600, 600, 300, None)]; // 03:00 CEST
    let rep = run(&p, &r, &slots, &[], &[], 5);
    assert_eq!(rep.timeline.len(), 23 * 6);
    assert_eq!(rep.timeline[0].slot_start, t("2026-03-28T23:00:00Z"));
    let s = rep.timeline.iter().find(|s| s.tracked_seconds > 0).unwrap();
    assert_eq!(s.slot_start, t("2026-03-29T01:00:00Z"));
    assert_eq!((s.activity_percent, s.active_percent), (Some(50), 50));
    let autumn = Period::day("2026-10-25", "Europe/Berlin");
    let rep = run(&autumn, &autumn.resolve().unwrap(), &[], &[], &[], 5);
    assert_eq!(rep.timeline.len(), 25 * 6);
}

#[test]
fn a_slot_across_local_midnight_belongs_to_the_day_it_starts_in() {
    // Asia/Kathmandu is +05:45: 2026-11-30 starts at 2026-11-29T18:15Z, inside the UTC slot
    // 18:10–18:20, which starts (23:55 local) on the 29th.
    let across = [part("2026-11-29T18:10:00Z", 600, 120, 60, None)];
    let day30 = Period::day("2026-11-30", "Asia/Kathmandu");
    let r30 = day30.resolve().unwrap();
    assert_eq!(r30.start, t("2026-11-29T18:15:00Z"));
    let rep30 = run(&day30, &r30, &across, &[], &[], 5);
    assert_eq!(rep30.totals.tracked_seconds, 0);
    assert_eq!(rep30.timeline[0].slot_start, t("2026-11-29T18:20:00Z"));
    assert_eq!(
        rep30.timeline.last().unwrap().slot_start,
        t("2026-11-30T18:10:00Z")
    );
    assert_eq!(rep30.timeline.len(), 144);
    let day29 = Period::day("2026-11-29", "Asia/Kathmandu");
    let rep29 = run(&day29, &day29.resolve().unwrap(), &across, &[], &[], 5);
    assert_eq!(rep29.totals.tracked_seconds, 600);
    assert_eq!(
        rep29.timeline.last().unwrap().slot_start,
        t("2026-11-29T18:10:00Z")
    );
}

#[test]
fn a_project_switch_inside_a_slot() {
    // 08:00Z: Apollo 240 s with 100 key presses, then Hermes 360 s with 20.
    let slots = [
        part("2026-11-30T08:00:00Z", 240, 100, 100, Some("Apollo")),
        part("2026-11-30T08:00:00Z", 360, 20, 20, Some("Hermes")),
    ];
    let p = Period::day("2026-11-30", "UTC");
    let rep = run(&p, &p.resolve().unwrap(), &slots, &[], &[], 5);
    let s = &rep.timeline[8 * 6];
    assert_eq!(s.slot_start, t("2026-11-30T08:00:00Z"));
    // One slot: 600 s, 120 events of 1200 expected → 10 %; active 120 of 600 s → 20 %.
    assert_eq!(
        (s.tracked_seconds, s.activity_percent, s.active_percent),
        (600, Some(10), 20)
    );
    assert_eq!(
        s.project.as_deref(),
        Some("Hermes"),
        "the project with the most time"
    );
    // Per project: Apollo 100 / (1200 × 240/600) = 20.8 → 21 %; Hermes 20 / 720 → 3 %.
    let apollo = rep
        .projects
        .iter()
        .find(|p| p.project.as_deref() == Some("Apollo"))
        .unwrap();
    let hermes = rep
        .projects
        .iter()
        .find(|p| p.project.as_deref() == Some("Hermes"))
        .unwrap();
    assert_eq!(
        (apollo.tracked_seconds, apollo.activity_percent),
        (240, Some(21))
    );
    assert_eq!(
        (hermes.tracked_seconds, hermes.activity_percent),
        (360, Some(3))
    );
    assert_eq!(
        rep.projects[0].project.as_deref(),
        Some("Hermes"),
        "most tracked first"
    );
    // Totals weighted by tracked time: (240·21 + 360·3) / 600 = 10.2 → 10.
    assert_eq!(
        (rep.totals.tracked_seconds, rep.totals.activity_percent),
        (600, Some(10))
    );
    assert_eq!(rep.totals.keyboard_events, Some(120));
    // The distribution counts the joined slot once, in 10–19.
    assert_eq!(rep.distribution[1].slots, 1);
    assert_eq!(rep.distribution.iter().map(|b| b.slots).sum::<u32>(), 1);
}

#[test]
fn an_empty_day_is_all_zeros() {
    let p = Period::day("2026-11-30", "Europe/Berlin");
    let rep = run(&p, &p.resolve().unwrap(), &[], &[], &[], 5);
    assert_eq!(rep.timeline.len(), 144);
    assert!(
        rep.timeline
            .iter()
            .all(|s| s.tracked_seconds == 0 && s.project.is_none())
    );
    assert!(
        rep.projects.is_empty() && rep.top_applications.is_empty() && rep.top_websites.is_empty()
    );
    assert_eq!(rep.distribution.len(), 10);
    assert!(rep.distribution.iter().all(|b| b.slots == 0));
    assert_eq!(rep.totals.tracked_seconds, 0);
    let json = serde_json::to_value(&rep).unwrap();
    assert_eq!(json["start"], "2026-11-29T23:00:00.000Z");
    assert_eq!(json["period"]["time_zone"], "Europe/Berlin");
}

#[test]
fn top_lists_end_with_an_other_row_and_buckets_cover_0_to_100() {
    let acts = [
        app("2026-11-30T09:00:00Z", "code", 300, ActivityKind::App, None),
        app(
            "2026-11-30T09:05:00Z",
            "firefox",
            200,
            ActivityKind::App,
            None,
        ),
        app("2026-11-30T09:10:00Z", "slack", 60, ActivityKind::App, None),
        app("2026-11-30T09:11:00Z", "zoom", 40, ActivityKind::App, None),
        app(
            "2026-11-30T09:12:00Z",
            "firefox",
            90,
            ActivityKind::Url,
            Some("docs.rs"),
        ),
        app(
            "2026-11-30T09:14:00Z",
            "firefox",
            10,
            ActivityKind::Url,
            Some("github.com"),
        ),
    ];
    let slots = [
        part("2026-11-30T09:00:00Z", 600, 60, 30, None), // 5 %
        part("2026-11-30T09:10:00Z", 600, 180, 90, None), // 15 %
        part("2026-11-30T09:20:00Z", 600, 5000, 600, None), // capped at 100 %
    ];
    let shots = [t("2026-11-30T09:03:00Z"), t("2026-11-30T09:04:00Z")];
    let p = Period::day("2026-11-30", "UTC");
    let rep = run(&p, &p.resolve().unwrap(), &slots, &acts, &shots, 2);
    let names: Vec<&str> = rep
        .top_applications
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["code", "firefox", OTHER]);
    assert_eq!(
        rep.top_applications[2].duration_millis, 100_000,
        "slack + zoom"
    );
    assert_eq!(rep.top_applications[0].share_percent, 50);
    assert_eq!(
        rep.top_websites.len(),
        2,
        "no other row when nothing is left out"
    );
    assert_eq!(rep.top_websites[0].share_percent, 90);
    // The terminal summary shows the same figures, in the table's order.
    let text = rep.to_text();
    assert!(
        text.starts_with("2026-11-30 .. 2026-11-30 (UTC): tracked "),
        "{text}"
    );
    let code = text.find("    code ").expect("code listed");
    let firefox = text.find("    firefox ").expect("firefox listed");
    let other = text
        .find(&format!("    {OTHER} "))
        .expect("other row listed");
    assert!(code < firefox && firefox < other, "{text}");
    assert!(text.contains(" 50 %"), "{text}");
    assert_eq!(
        rep.distribution.iter().map(|b| b.slots).collect::<Vec<_>>(),
        [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    );
    assert_eq!(
        (
            rep.distribution[9].from_percent,
            rep.distribution[9].to_percent
        ),
        (90, 100)
    );
    let s = &rep.timeline[9 * 6];
    assert_eq!(
        (s.screenshots, s.top_application.as_deref()),
        (2, Some("code"))
    );
    assert_eq!(rep.totals.screenshots, 2);
}

#[test]
fn every_user_string_is_escaped_in_html_svg_and_csv() {
    let evil = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "=HYPERLINK(\"http://x\")",
    ];
    let acts: Vec<ActivityRecord> = evil
        .iter()
        .enumerate()
        .map(|(i, e)| {
            app(
                &format!("2026-11-30T09:0{i}:00Z"),
                e,
                60,
                ActivityKind::App,
                None,
            )
        })
        .chain(std::iter::once(app(
            "2026-11-30T09:05:00Z",
            "firefox",
            30,
            ActivityKind::Url,
            Some("<b>x</b>.example"),
        )))
        .collect();
    let slots = [part(
        "2026-11-30T09:00:00Z",
        600,
        60,
        30,
        Some("<i>Apollo</i>"),
    )];
    let p = Period::day("2026-11-30", "UTC");
    let rep = run(&p, &p.resolve().unwrap(), &slots, &acts, &[], 10);
    let html = rep.to_html();
    for raw in ["<script", "<img", "<b>x", "<i>Apollo"] {
        assert!(!html.contains(raw), "{raw} reached the page unescaped");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&lt;i&gt;Apollo&lt;/i&gt;"));
    assert!(
        html.contains("default-src 'none'"),
        "the page declares it loads nothing"
    );
    // Nothing to fetch: no src/href attribute, no CSS url(), no @import.
    for fetch in [" src=\"", "href=", "url(", "@import"] {
        assert!(!html.contains(fetch), "{fetch} in the page");
    }
    for svg in [
        rep.timeline_svg(),
        rep.top_applications_svg(),
        rep.top_websites_svg(),
        rep.distribution_svg(),
    ] {
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script") && !svg.contains("<img"));
    }
    let tables = rep.to_csv();
    let apps = &tables
        .iter()
        .find(|(n, _)| *n == "top_applications.csv")
        .unwrap()
        .1;
    assert!(apps.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{apps}");
    assert!(
        apps.contains("\"\"\"><img src=x onerror=alert(1)>\""),
        "{apps}"
    );
    assert_eq!(tables.len(), 6);
    assert!(rep.to_json().contains("\"time_zone\": \"UTC\""));
}
