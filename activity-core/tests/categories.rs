//! Productivity categories against ActivityWatch's documented semantics: a golden test of
//! 1,200 synthetic events over every rule of the default set and a set that exercises nesting,
//! ties, ignore_case, select_keys, look-around and priority, each expectation computed by a
//! plain reading of aw-server's `categorize` (every rule's own regex; highest rank, the later
//! rule on a tie); hand-checked cases; layering; the export round trip; and reports with
//! categories over a short and a long period (the category cache) on real SQLite.

use std::collections::BTreeSet;
use std::sync::Arc;

use activity_core::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use activity_core::model::category::{CategorySet, Classifier};
use activity_core::runtime::{ReportRequest, Viewer};
use activity_core::storage::records::{RecordStore, Write};
use activity_core::{Config, ManualClock, Timestamp, Tracker};
use rand::{Rng, SeedableRng};

const EXTRA: &str = r##"{"id": "tests", "categories": [
  {"name": ["Work"], "rule": {"type": "regex", "regex": "Google Docs|libreoffice|ReText"}, "data": {"color": "#0F0", "score": 4}},
  {"name": ["Work", "Programming"], "rule": {"type": "regex", "regex": "GitHub|Stack Overflow|BitBucket|Gitlab|vim|Spyder|kate|Ghidra|Scite"}},
  {"name": ["Work", "Programming", "ActivityWatch"], "rule": {"type": "regex", "regex": "ActivityWatch|aw-", "ignore_case": true}},
  {"name": ["Work", "Review"], "rule": {"type": "regex", "regex": "pull request"}},
  {"name": ["Work", "Tickets"], "rule": {"type": "regex", "regex": "pull request|JIRA"}},
  {"name": ["Work", "Docs"], "rule": {"type": "regex", "regex": "docs\\.", "select_keys": ["url"]}, "data": {"score": 2}},
  {"name": ["Media", "News"], "rule": {"type": "regex", "regex": "news(?!letter)", "ignore_case": true}, "data": {"score": -3}},
  {"name": ["Media", "Video"], "rule": {"type": "regex", "regex": "YouTube|Plex|VLC"}, "data": {"color": "#F33", "score": -2}},
  {"name": ["Comms"], "rule": {"type": null}, "data": {"score": 1}},
  {"name": ["Comms", "IM"], "rule": {"type": "regex", "regex": "Slack|Telegram", "select_keys": ["app"]}},
  {"name": ["Comms", "Email"], "rule": {"type": "regex", "regex": "(?<!no-)reply"}},
  {"name": ["Urgent"], "rule": {"type": "regex", "regex": "URGENT", "priority": 100}}
]}"##;

/// aw-server's `categorize`, read plainly: every rule's own regex (fancy-regex, `(?i)` for
/// ignore_case) on the fields it selects; the highest rank (priority, else depth × 10) wins,
/// the later rule on a tie; nothing: Uncategorized.
struct Reference<'a> {
    set: &'a CategorySet,
    rules: Vec<Option<fancy_regex::Regex>>,
}

impl<'a> Reference<'a> {
    fn new(set: &'a CategorySet) -> Reference<'a> {
        let rules = set
            .categories
            .iter()
            .map(|c| {
                (c.rule.kind.as_deref() == Some("regex")).then(|| {
                    let p = c.rule.regex.clone().unwrap();
                    let p = if c.rule.ignore_case == Some(true) {
                        format!("(?i){p}")
                    } else {
                        p
                    };
                    fancy_regex::Regex::new(&p).unwrap()
                })
            })
            .collect();
        Reference { set, rules }
    }

    /// The winner, and every rule that matched.
    fn classify(&self, app: &str, title: &str, url: Option<&str>) -> (Vec<String>, Vec<usize>) {
        let mut best: Option<(i64, usize)> = None;
        let mut all = Vec::new();
        for (i, c) in self.set.categories.iter().enumerate() {
            let Some(re) = &self.rules[i] else { continue };
            let fields = [("app", Some(app)), ("title", Some(title)), ("url", url)];
            let hit = fields.iter().any(|(k, v)| {
                c.rule
                    .select_keys
                    .as_ref()
                    .is_none_or(|keys| keys.iter().any(|x| x == k))
                    && v.is_some_and(|v| re.is_match(v).unwrap())
            });
            if !hit {
                continue;
            }
            all.push(i);
            let rank = c.rule.priority.unwrap_or(c.name.len() as i64 * 10);
            if best.is_none_or(|b| (rank, i) >= b) {
                best = Some((rank, i));
            }
        }
        let winner = match best {
            Some((_, i)) => self.set.categories[i].name.clone(),
            None => vec!["Uncategorized".into()],
        };
        (winner, all)
    }
}

fn words(set: &CategorySet) -> Vec<String> {
    // Every alternative of every rule, in its case and upper case, plus near misses.
    let mut w: Vec<String> = set
        .categories
        .iter()
        .filter_map(|c| c.rule.regex.clone())
        .flat_map(|r| {
            r.split('|')
                .map(|p| {
                    p.replace("\\.", ".")
                        .replace("(?!letter)", "")
                        .replace("(?<!no-)", "")
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let upper: Vec<String> = w.iter().map(|s| s.to_uppercase()).collect();
    w.extend(upper);
    w.extend(
        [
            "newsletter",
            "no-reply",
            "docs.rs",
            "notes",
            "xterm",
            "bash",
            "random",
            "aW-Qt",
        ]
        .map(String::from),
    );
    w
}

#[test]
fn golden_1200_events_agree_with_activitywatchs_semantics() {
    let default = CategorySet::activitywatch_default();
    let extra = CategorySet::from_json(EXTRA).unwrap();
    for set in [&default, &extra] {
        let c = Classifier::new(std::slice::from_ref(set)).unwrap();
        let vocab = words(set);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let reference = Reference::new(set);
        let mut matched = BTreeSet::new();
        let mut winners = BTreeSet::new();
        for i in 0..1200 {
            let pick =
                |rng: &mut rand_chacha::ChaCha8Rng| vocab[rng.random_range(0..vocab.len())].clone();
            let app = if i % 4 == 0 {
                pick(&mut rng)
            } else {
                "firefox".into()
            };
            let title = format!("{} - {}", pick(&mut rng), pick(&mut rng));
            let url = (i % 3 == 0).then(|| format!("https://{}/x", pick(&mut rng).to_lowercase()));
            let (want, all) = reference.classify(&app, &title, url.as_deref());
            let got = c.name(c.classify(&app, &title, url.as_deref()));
            assert_eq!(got, want, "app {app:?} title {title:?} url {url:?}");
            matched.extend(all);
            winners.insert(want);
        }
        // Every rule with a pattern matched at least once, and won unless a later rule of the
        // same rank always matches with it (the tie case).
        for (i, cat) in set.categories.iter().enumerate() {
            if cat.rule.kind.as_deref() == Some("regex") {
                assert!(matched.contains(&i), "rule {:?} never matched", cat.name);
                let shadowed = cat.name == ["Work", "Review"];
                assert_eq!(winners.contains(&cat.name), !shadowed, "{:?}", cat.name);
            }
        }
    }
}

#[test]
fn hand_checked_cases() {
    let set = CategorySet::from_json(EXTRA).unwrap();
    let c = Classifier::new(std::slice::from_ref(&set)).unwrap();
    let name =
        |app: &str, title: &str, url: Option<&str>| c.name(c.classify(app, title, url)).join(">");
    // The deepest match wins.
    assert_eq!(
        name("firefox", "aw-server - GitHub", None),
        "Work>Programming>ActivityWatch"
    );
    // ignore_case.
    assert_eq!(
        name("firefox", "AW-QT issues", None),
        "Work>Programming>ActivityWatch"
    );
    assert_eq!(name("firefox", "github", None), "Uncategorized");
    // A tie at the same depth: the later rule.
    assert_eq!(name("firefox", "pull request #12", None), "Work>Tickets");
    // select_keys: a title naming "docs." does not match a url-only rule; the URL does.
    assert_eq!(name("firefox", "docs.rs", None), "Uncategorized");
    assert_eq!(
        name("firefox", "Crate", Some("https://docs.rs/regex")),
        "Work>Docs"
    );
    assert_eq!(name("firefox", "Slack - general", None), "Uncategorized");
    assert_eq!(name("Slack", "general", None), "Comms>IM");
    // Look-around (fancy-regex).
    assert_eq!(name("firefox", "Morning News", None), "Media>News");
    assert_eq!(name("firefox", "The newsletter", None), "Uncategorized");
    assert_eq!(name("mail", "reply to ana", None), "Comms>Email");
    assert_eq!(name("mail", "no-reply digest", None), "Uncategorized");
    // Priority beats depth.
    assert_eq!(name("vim", "URGENT fix", None), "Urgent");
    // Scores: own, else inherited; none at all.
    let idx = |n: &[&str]| c.categories().iter().position(|x| x.name == n).unwrap();
    assert_eq!(c.score(idx(&["Work", "Programming"])), Some(4.0));
    assert_eq!(c.score(idx(&["Work", "Docs"])), Some(2.0));
    assert_eq!(c.score(idx(&["Comms", "IM"])), Some(1.0));
    assert_eq!(c.score(idx(&["Urgent"])), None);
}

#[test]
fn layers_first_set_wins_and_exports_round_trip() {
    let org = CategorySet::from_json(
        r#"{"id": "org", "categories": [{"name": ["Work"], "rule": {"type": "regex", "regex": "erp"}, "data": {"score": 5}}]}"#,
    )
    .unwrap();
    let employee = CategorySet::from_json(
        r#"[{"name": ["Work"], "rule": {"type": "regex", "regex": "anything"}, "data": {"score": -9}},
            {"name": ["Games"], "rule": {"type": "regex", "regex": "chess"}, "data": {"score": -2}}]"#,
    )
    .unwrap();
    let c = Classifier::new(&[org.clone(), employee.clone()]).unwrap();
    assert_eq!(c.categories().len(), 2);
    assert_eq!(c.name(c.classify("erp", "", None)), ["Work"]);
    assert_eq!(c.name(c.classify("x", "anything", None)), ["Uncategorized"]);
    assert_eq!(c.score(0), Some(5.0));
    assert_eq!(c.name(c.classify("x", "chess", None)), ["Games"]);
    // An export with fields this library does not use comes back as it went.
    let text = r##"{"id": "mine", "categories": [{"id": 3, "name": ["Work"], "depth": 0,
        "rule": {"type": "regex", "regex": "x", "ignore_case": false}, "data": {"color": "#0F0", "score": 1.5}}],
        "force_active": true}"##;
    let set = CategorySet::from_json(text).unwrap();
    let back: serde_json::Value = serde_json::from_str(&set.to_json()).unwrap();
    let original: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(back, original);
    // A pattern neither dialect compiles is refused, naming the rule.
    let bad = CategorySet::from_json(
        r#"[{"name": ["A"], "rule": {"type": "regex", "regex": "(?<=a+)b("}}]"#,
    )
    .unwrap();
    let e = Classifier::new(&[org, bad]).unwrap_err();
    assert!(e.to_string().contains("category set 1, rule 0 (A)"), "{e}");
}

/// 2026-11-02T00:00:00Z (a Monday); days before "now" (the manual clock) are finished.
const D0: i64 = 1_793_577_600_000;
const DAY: i64 = 86_400_000;

#[allow(clippy::too_many_arguments)] // one row of the test's table, field by field
fn record(
    kind: ActivityKind,
    app: &str,
    title: &str,
    url: Option<&str>,
    start: i64,
    ms: i64,
    emp: &str,
    project: &str,
) -> Write {
    let slot = start - start.rem_euclid(600_000);
    Write::Activity(Box::new(ActivityRecord {
        kind,
        title: title.into(),
        application: app.into(),
        url: url.map(str::to_string),
        domain: url.map(|_| "example.com".into()),
        start: Timestamp::from_millis(start),
        duration_millis: ms,
        slot_start: Timestamp::from_millis(slot),
        context: WorkContext {
            employee: Some(emp.into()),
            project: Some(project.into()),
            task: None,
        },
    }))
}

#[test]
fn reports_give_time_by_category_per_day_employee_and_project_from_rows_and_cache() {
    let dir = std::env::temp_dir().join(format!("ac-categories-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // 20 days of: ana 1 h of vim (Work>Programming, score 4) on P, of which a browser half
    // hour shows YouTube (Media>Video, score -2) in a website record; bo 30 min of xterm
    // (uncategorized) on Q.
    {
        let store = RecordStore::open(dir.join("activity.sqlite")).unwrap();
        let mut w = Vec::new();
        for d in 0..20 {
            let t = D0 + d * DAY + 9 * 3_600_000;
            w.push(record(
                ActivityKind::App,
                "vim",
                "main.rs",
                None,
                t,
                3_600_000,
                "ana",
                "P",
            ));
            w.push(record(
                ActivityKind::App,
                "firefox",
                "Browser",
                None,
                t + 3_600_000,
                1_800_000,
                "ana",
                "P",
            ));
            w.push(record(
                ActivityKind::Url,
                "firefox",
                "cats - YouTube",
                Some("https://youtube.com/cats"),
                t + 3_600_000,
                1_800_000,
                "ana",
                "P",
            ));
            w.push(record(
                ActivityKind::App,
                "xterm",
                "bash",
                None,
                t,
                1_800_000,
                "bo",
                "Q",
            ));
            for (emp, project) in [("ana", "P"), ("bo", "Q")] {
                let mut counts =
                    activity_core::model::score::SlotCounts::empty(Timestamp::from_millis(t), 600);
                counts.tracked_millis = 600_000;
                w.push(Write::Slot(Box::new(
                    activity_core::storage::records::SlotRow {
                        counts,
                        context: WorkContext {
                            employee: Some(emp.into()),
                            project: Some(project.into()),
                            task: None,
                        },
                    },
                )));
            }
        }
        store.write(w).unwrap();
        store.close();
    }
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(D0 + 30 * DAY)));
    let t = Tracker::builder(Config::default())
        .data_dir(&dir)
        .clock(clock)
        .without_sources()
        .build()
        .unwrap();
    t.set_categories(vec![CategorySet::from_json(EXTRA).unwrap()])
        .unwrap();
    assert_eq!(t.classify("vim", "x", None), ["Work", "Programming"]);
    let admin = Viewer::Admin;
    // A short period: from the rows.
    let day = t
        .report(&admin, &ReportRequest::day("2026-11-02", "UTC"))
        .unwrap();
    let c = &day.categories;
    assert_eq!(c.productive_seconds, 3600);
    assert_eq!(c.unproductive_seconds, 1800);
    assert_eq!(c.uncategorized_seconds, 1800);
    assert!(
        (c.score - (1.0 * 4.0 - 0.5 * 2.0)).abs() < 1e-9,
        "{}",
        c.score
    );
    assert_eq!(
        c.top_level
            .iter()
            .map(|x| (x.name[0].as_str(), x.seconds))
            .collect::<Vec<_>>(),
        [("Work", 3600), ("Media", 1800), ("Uncategorized", 1800)]
    );
    // A person sees them on the page and in the text.
    let html = day.to_html();
    assert!(html.contains("<h2>Productivity by category</h2>"));
    assert!(html.contains("<td>Work › Programming</td>"), "{html}");
    assert!(
        day.to_text()
            .contains("categories: score 3.0, productive 3600 s")
    );
    let ana = day
        .employees
        .iter()
        .find(|e| e.employee.as_deref() == Some("ana"))
        .unwrap();
    assert_eq!(ana.categories.uncategorized_seconds, 0);
    let q = day
        .category_projects
        .iter()
        .find(|p| p.project.as_deref() == Some("Q"))
        .unwrap();
    assert_eq!(q.categories.uncategorized_seconds, 1800);
    // A long period: the finished days from the category cache (filled by the first report,
    // read by the second), equal to the sum of the days.
    let month = ReportRequest {
        period: activity_core::model::report::Period::days(
            "2026-11-01",
            "2026-11-30",
            "Europe/Berlin",
        ),
        ..ReportRequest::day("2026-11-01", "UTC")
    };
    let first = t.report(&admin, &month).unwrap();
    let second = t.report(&admin, &month).unwrap();
    assert_eq!(first.categories, second.categories);
    assert_eq!(second.categories.productive_seconds, 20 * 3600);
    assert_eq!(second.categories.unproductive_seconds, 20 * 1800);
    assert_eq!(second.categories.uncategorized_seconds, 20 * 1800);
    assert_eq!(second.category_days.len(), 30);
    assert_eq!(second.category_days[1].categories.productive_seconds, 3600);
    let cached: i64 = rusqlite::Connection::open(dir.join("activity.sqlite"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM category_days", [], |r| r.get(0))
        .unwrap();
    // November in Berlin is 2026-10-31T23:00Z .. 2026-11-30T23:00Z: 31 UTC days, all finished.
    assert_eq!(
        cached, 31,
        "every finished UTC day of the period was cached"
    );
    // A late record for a cached day (written by another process on the folder) drops that
    // day's cache; the next report classifies it again, with the record.
    {
        let other = RecordStore::open(dir.join("activity.sqlite")).unwrap();
        let late = D0 + 4 * DAY + 15 * 3_600_000;
        other
            .write(vec![record(
                ActivityKind::App,
                "vim",
                "late.rs",
                None,
                late,
                600_000,
                "ana",
                "P",
            )])
            .unwrap();
        other.close();
    }
    let after_late = t.report(&admin, &month).unwrap();
    assert_eq!(after_late.categories.productive_seconds, 20 * 3600 + 600);
    assert_eq!(
        after_late.category_days[5].categories.productive_seconds,
        3600 + 600
    );
    // A new set: the cache of the old one is not used.
    t.set_categories(vec![CategorySet::activitywatch_default()])
        .unwrap();
    let third = t.report(&admin, &month).unwrap();
    assert_eq!(
        third.categories.productive_seconds, 0,
        "no score in the default set"
    );
    assert_eq!(third.categories.neutral_seconds, 20 * 5400 + 600);
    // A viewer sees only what they may: ana's report has no uncategorized time of bo's.
    let mine = t.report(&Viewer::employee("ana"), &month).unwrap();
    assert_eq!(mine.categories.uncategorized_seconds, 0);
    assert_eq!(mine.categories.neutral_seconds, 20 * 5400 + 600);
    let _ = std::fs::remove_dir_all(&dir);
}
