//! Properties of activity merging: attributed time equals tracked non-idle time, interval
//! attribution at switches, exclusions, query strings.

mod common;

use std::collections::BTreeMap;

use activity_core::model::activity::{
    ActivityKind, ActivityMerger, ActivityRecord, UrlSample, WindowSample,
};
use activity_core::model::config::Exclusions;
use activity_core::model::exclusion::ExclusionRules;
use activity_core::model::slot::slot_start;
use common::at;
use proptest::prelude::*;

const APPS: [&str; 4] = ["code", "firefox", "slack", "KeePassXC"];

fn merger(slot_seconds: u32) -> ActivityMerger {
    let rules = ExclusionRules::compile(&Exclusions {
        applications: vec!["^keepassxc$".into()],
        titles: vec!["incognito".into()],
        ..Exclusions::default()
    })
    .unwrap();
    ActivityMerger::new(slot_seconds, 5_000, true, rules)
}

/// A per-second timeline: which app (index) is in front at each second, where idle periods are,
/// and where the tracker starts.
/// (start second, per-second (app index, incognito title?), idle periods [a, b) in seconds)
type Timeline = (i64, Vec<(usize, bool)>, Vec<(usize, usize)>);

fn timeline() -> impl Strategy<Value = Timeline> {
    (
        0i64..600,
        // Runs of (app, incognito title?, length in seconds).
        prop::collection::vec(
            (0usize..APPS.len(), prop::bool::weighted(0.1), 1usize..200),
            1..30,
        ),
        prop::collection::vec((0usize..3000, 1usize..400), 0..4),
    )
        .prop_map(|(start, runs, idles)| {
            let seconds: Vec<(usize, bool)> = runs
                .into_iter()
                .flat_map(|(a, inc, n)| std::iter::repeat_n((a, inc), n))
                .collect();
            let len = seconds.len();
            // Idle periods [a, b) inside the timeline, non-overlapping, sorted.
            let mut idle: Vec<(usize, usize)> = idles
                .into_iter()
                .map(|(a, n)| (a % len, (a % len + n).min(len)))
                .collect();
            idle.sort();
            let mut out: Vec<(usize, usize)> = Vec::new();
            for (a, b) in idle {
                match out.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => out.push((a, b)),
                }
            }
            out.retain(|(a, b)| a < b);
            (start, seconds, out)
        })
}

fn title(app: usize, incognito: bool) -> String {
    if incognito {
        format!("{} (Incognito)", APPS[app])
    } else {
        format!("{} window", APPS[app])
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn attributed_time_is_tracked_non_idle_time((start, seconds, idle) in timeline(), li in 0usize..3) {
        let l = [60u32, 300, 600][li];
        let mut m = merger(l);
        let t = |s: usize| at((start + s as i64) * 1000);
        let in_idle = |s: usize| idle.iter().any(|&(a, b)| (a..b).contains(&s));
        for (s, &(app, incognito)) in seconds.iter().enumerate() {
            if idle.iter().any(|&(a, _)| a == s) {
                m.idle_started(t(s)).unwrap();
            }
            if idle.iter().any(|&(_, b)| b == s) {
                m.idle_ended(t(s)).unwrap();
            }
            m.window(&WindowSample { at: t(s), application: APPS[app].into(), title: title(app, incognito) }).unwrap();
        }
        m.flush(t(seconds.len())).unwrap();
        let records = m.take_records();

        // Expected: second s belongs to the window sampled at s, unless idle or excluded.
        let mut want: BTreeMap<(String, i64), i64> = BTreeMap::new();
        for (s, &(app, incognito)) in seconds.iter().enumerate() {
            if in_idle(s) || app == 3 || incognito {
                continue;
            }
            *want.entry((APPS[app].to_string(), slot_start(t(s), l).as_millis())).or_default() += 1000;
        }
        let mut got: BTreeMap<(String, i64), i64> = BTreeMap::new();
        for r in &records {
            prop_assert_eq!(r.kind, ActivityKind::App);
            prop_assert!(r.application != "KeePassXC", "excluded app recorded");
            prop_assert!(!r.title.contains("Incognito"), "excluded title recorded");
            prop_assert!(r.duration_millis > 0);
            prop_assert_eq!(slot_start(r.start, l), r.slot_start);
            prop_assert!(r.start.add_millis(r.duration_millis) <= r.slot_start.add_millis(i64::from(l) * 1000));
            *got.entry((r.application.clone(), r.slot_start.as_millis())).or_default() += r.duration_millis;
        }
        prop_assert_eq!(&got, &want);
        // Records never overlap: one window at a time.
        let mut spans: Vec<_> = records.iter().map(|r| (r.start, r.start.add_millis(r.duration_millis))).collect();
        spans.sort();
        for w in spans.windows(2) {
            prop_assert!(w[0].1 <= w[1].0, "overlap {:?}", w);
        }
    }

    #[test]
    fn query_strings_and_fragments_never_recorded(
        sub in "[a-z]{1,8}", name in "[a-z]{1,12}", tld in prop::sample::select(vec!["com", "org", "co.uk", "io"]),
        path in "[a-z0-9/]{0,20}", q in "SECRET[a-z0-9=&]{1,20}", frag in "[a-z0-9]{0,10}",
    ) {
        let mut m = merger(600);
        // Names like "ru.com" or "github.io" are public suffixes themselves (the PSL's private
        // section): there the registrable domain is one label longer. Keep to plain names.
        prop_assume!(psl::suffix_str(&format!("{sub}.{name}.{tld}")) == Some(tld));
        let url = format!("https://{sub}.{name}.{tld}/{path}?{q}#{frag}");
        for s in 0..3 {
            m.url(&UrlSample { at: at(s * 1000), application: "firefox".into(), title: "page".into(), url: Some(url.clone()) }).unwrap();
        }
        m.flush(at(3000)).unwrap();
        let r: Vec<ActivityRecord> = m.take_records();
        prop_assert_eq!(r.len(), 1);
        let rec_url = r[0].url.clone().unwrap();
        prop_assert!(!rec_url.contains('?') && !rec_url.contains('#'), "{}", rec_url);
        prop_assert!(!rec_url.contains("SECRET"));
        prop_assert_eq!(rec_url, format!("https://{sub}.{name}.{tld}/{path}"));
        prop_assert_eq!(r[0].domain.clone(), Some(format!("{name}.{tld}")));
        prop_assert_eq!(r[0].duration_millis, 3000);
    }
}

#[test]
fn time_before_a_switch_goes_to_the_window_that_had_it() {
    let mut m = merger(600);
    let w = |ms: i64, app: &str| WindowSample {
        at: at(ms),
        application: app.into(),
        title: app.into(),
    };
    // Samples at irregular instants; the switch is first seen at 2 700 ms.
    m.window(&w(0, "code")).unwrap();
    m.window(&w(900, "code")).unwrap();
    m.window(&w(2_700, "firefox")).unwrap();
    m.window(&w(3_100, "firefox")).unwrap();
    m.window(&w(4_000, "code")).unwrap();
    m.flush(at(4_500)).unwrap();
    let r: Vec<_> = m
        .take_records()
        .into_iter()
        .map(|r| (r.application, r.start, r.duration_millis))
        .collect();
    assert_eq!(
        r,
        [
            ("code".to_string(), at(0), 2_700),
            ("firefox".to_string(), at(2_700), 1_300),
            ("code".to_string(), at(4_000), 500),
        ]
    );
}

#[test]
fn excluded_url_never_produces_a_record() {
    let rules = ExclusionRules::compile(&Exclusions {
        urls: vec![r"^https://(www\.)?mybank\.com/".into()],
        ..Exclusions::default()
    })
    .unwrap();
    let mut m = ActivityMerger::new(600, 5_000, true, rules);
    for s in 0..5 {
        m.url(&UrlSample {
            at: at(s * 1000),
            application: "firefox".into(),
            title: "Account".into(),
            url: Some("https://www.mybank.com/account?id=1".into()),
        })
        .unwrap();
    }
    m.flush(at(5_000)).unwrap();
    assert!(m.take_records().is_empty());
}
