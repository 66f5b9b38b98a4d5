//! Classifying records into productivity categories: 1,000,000 (app, title, url) events
//! against 50 rules (ActivityWatch's default set and 36 more, two with look-around), one
//! core, through the classifier (a `RegexSet` per field, look-around on fancy-regex) and — the
//! reference in the same run — the plain way: every rule's own regex on every field, as a naive
//! port of aw-server's loop would. Prints events/s and the ratio
//! (`cargo bench --bench categories`; without `--bench`, a quick run of 20,000 events).

use std::time::Instant;

use activity_core::model::category::{CategorySet, Classifier};

fn rules() -> CategorySet {
    let mut set = CategorySet::activitywatch_default();
    let extra: Vec<String> = (0..35)
        .map(|i| {
            format!(
                r#"{{"name": ["Work", "Project {i}"], "rule": {{"type": "regex", "regex": "proj{i}-[a-z]+|PRJ{i}\\b", "ignore_case": {}}}, "data": {{"score": {}}}}}"#,
                i % 2 == 0,
                i % 5
            )
        })
        .chain([
            r#"{"name": ["Media", "News"], "rule": {"type": "regex", "regex": "news(?!letter)"}, "data": {"score": -1}}"#.to_string(),
            r#"{"name": ["Work", "Docs"], "rule": {"type": "regex", "regex": "(?<=docs\\.)example", "select_keys": ["url"]}, "data": {"score": 2}}"#.to_string(),
        ])
        .collect();
    let extra: CategorySet =
        CategorySet::from_json(&format!("[{}]", extra.join(","))).expect("rules");
    set.categories.extend(extra.categories);
    set
}

fn events(n: usize) -> Vec<(String, String, Option<String>)> {
    let apps = [
        "firefox", "code", "slack", "vim", "Telegram", "gimp", "xterm", "Spotify",
    ];
    let words = [
        "report",
        "proj7-alpha",
        "YouTube",
        "inbox",
        "news today",
        "newsletter",
        "GitHub",
        "meeting",
        "PRJ12",
        "build",
        "reddit",
        "invoice",
        "aw-server",
    ];
    (0..n)
        .map(|i| {
            let app = apps[i % apps.len()].to_string();
            let title = format!(
                "{} {} #{i}",
                words[(i * 7) % words.len()],
                words[(i * 13 + 5) % words.len()]
            );
            let url = (i % 3 == 0)
                .then(|| format!("https://docs.example/{i}/{}", words[i % words.len()]));
            (app, title, url)
        })
        .collect()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let full = std::env::args().any(|a| a == "--bench");
    let n = if full { 1_000_000 } else { 20_000 };
    let set = rules();
    // ActivityWatch's 15 (13 with a pattern) and 37 more: 50 patterns.
    assert_eq!(set.categories.len(), 52);
    let c = Classifier::new(std::slice::from_ref(&set)).expect("compile");
    let evs = events(n);
    // The plain way: each rule's own regex (fancy-regex for all, as aw-server does), every
    // field, the best rank kept.
    let plain: Vec<(i64, Vec<bool>, fancy_regex::Regex)> = set
        .categories
        .iter()
        .filter_map(|cat| {
            let re = cat.rule.regex.as_ref()?;
            let p = if cat.rule.ignore_case == Some(true) {
                format!("(?i){re}")
            } else {
                re.clone()
            };
            let fields = match &cat.rule.select_keys {
                None => vec![true; 3],
                Some(k) => ["app", "title", "url"]
                    .iter()
                    .map(|f| k.iter().any(|x| x == f))
                    .collect(),
            };
            Some((
                cat.name.len() as i64 * 10,
                fields,
                fancy_regex::Regex::new(&p).ok()?,
            ))
        })
        .collect();
    println!("{} rules with a pattern, {n} events", plain.len());
    let run_plain = || {
        let mut hits = 0usize;
        for (app, title, url) in &evs {
            let values = [Some(app.as_str()), Some(title.as_str()), url.as_deref()];
            let mut best = None;
            for (i, (rank, fields, re)) in plain.iter().enumerate() {
                let hit = values
                    .iter()
                    .zip(fields)
                    .any(|(v, on)| *on && v.is_some_and(|v| re.is_match(v).unwrap_or(false)));
                if hit && best.is_none_or(|(r, j)| (*rank, i) > (r, j)) {
                    best = Some((*rank, i));
                }
            }
            hits += usize::from(best.is_some());
        }
        hits
    };
    let run_set = || {
        let mut hits = 0usize;
        for (app, title, url) in &evs {
            hits += usize::from(c.classify(app, title, url.as_deref()).is_some());
        }
        hits
    };
    let time = |f: &dyn Fn() -> usize| {
        let mut best = f64::MAX;
        let mut out = 0;
        for _ in 0..3 {
            let t = Instant::now();
            out = std::hint::black_box(f());
            best = best.min(t.elapsed().as_secs_f64());
        }
        (best, out)
    };
    let (t_set, hits_set) = time(&run_set);
    let (t_plain, hits_plain) = time(&run_plain);
    assert_eq!(hits_set, hits_plain, "the two ways disagree");
    println!(
        "classifier (RegexSet per field)  {:>12.0} events/s   (goal >= 500,000)",
        n as f64 / t_set
    );
    println!(
        "plain (every rule, fancy-regex)  {:>12.0} events/s   classifier / plain = {:.1}x",
        n as f64 / t_plain,
        t_plain / t_set
    );
    println!("{hits_set} of {n} events categorized");
}
