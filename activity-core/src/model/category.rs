//! Productivity categories with ActivityWatch's semantics, loading its category export as it is.
//!
//! **Format.** ActivityWatch's export `{"id": "default", "categories": [{"name": ["Work",
//! "Programming"], "rule": {"type": "regex", "regex": "GitHub|vim", "ignore_case": true,
//! "select_keys": ["title"]}, "data": {"color": "#0F0", "score": 5}}, …]}`, the legacy form
//! without `id`, or a bare list of categories. Fields this library does not use are kept, so an
//! export → import → export round trip gives the same document. `rule.type` may be `"regex"`,
//! `"none"` or `null` (older exports: a category that only groups).
//!
//! **Semantics** (aw-server's `categorize`):
//! - a rule without `select_keys` matches when its pattern matches any of the record's fields
//!   (`app`, `title`, `url`); with `select_keys`, only those fields (an empty list is refused);
//! - `ignore_case` prefixes the pattern with `(?i)`;
//! - of the matching categories the highest rank wins: `rule.priority` when given, else the
//!   depth × 10 (the deepest category); equal ranks go to the later rule;
//! - no match is `Uncategorized`;
//! - a category's `score` (`data.score`) is its own, or its nearest ancestor's that has one.
//!
//! **Layers.** Category sets can be stacked (organisation, team, employee): the first set that
//! names a category (by its full path) defines it; later sets add the categories it does not
//! name, after it.
//!
//! **Speed.** Patterns the `regex` crate compiles go into one `RegexSet` per field (a single
//! pass over each field finds every rule that matches it); only the others (look-around,
//! backreferences) run one by one on `fancy-regex`, the dialect aw-server uses. A pattern
//! neither compiles is refused, naming its rule.

use std::collections::HashMap;

use regex::RegexSet;
use serde::{Deserialize, Serialize};

/// The fields a rule can match.
pub const FIELDS: [&str; 3] = ["app", "title", "url"];

/// The name of what matches no rule.
pub const UNCATEGORIZED: &str = "Uncategorized";

/// A category's rule, as ActivityWatch writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// `"regex"`, `"none"`, or `null` (older exports).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The pattern (for `regex`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// Match regardless of case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_case: Option<bool>,
    /// Match only these fields (`app`, `title`, `url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_keys: Option<Vec<String>>,
    /// The rule's rank among matching rules (default: depth × 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    /// Fields kept as they came.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One category.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// Its path, top level first (`["Work", "Programming"]`).
    pub name: Vec<String>,
    /// When it applies.
    pub rule: Rule,
    /// `color`, `score` and whatever else the export holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Map<String, serde_json::Value>>,
    /// Fields kept as they came (`id`, …).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Category {
    /// The category's own score (`data.score`), if it has one.
    pub fn own_score(&self) -> Option<f64> {
        self.data.as_ref()?.get("score")?.as_f64()
    }
}

/// A category set: ActivityWatch's export document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategorySet {
    /// Its id (`"default"`); `None` in the legacy form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The categories, in order (order breaks ties).
    pub categories: Vec<Category>,
    /// Fields kept as they came.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl<'de> Deserialize<'de> for CategorySet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Set {
                #[serde(default)]
                id: Option<String>,
                categories: Vec<Category>,
                #[serde(flatten)]
                extra: serde_json::Map<String, serde_json::Value>,
            },
            Bare(Vec<Category>),
        }
        Ok(match Form::deserialize(d)? {
            Form::Set {
                id,
                categories,
                extra,
            } => CategorySet {
                id,
                categories,
                extra,
            },
            Form::Bare(categories) => CategorySet {
                id: None,
                categories,
                extra: serde_json::Map::new(),
            },
        })
    }
}

impl CategorySet {
    /// Reads an export (any of its forms), naming what is wrong.
    pub fn from_json(text: &str) -> Result<CategorySet, CategoryError> {
        serde_json::from_str(text).map_err(|e| CategoryError::Syntax(e.to_string()))
    }

    /// The export, as ActivityWatch writes it.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// ActivityWatch's default category set (aw-webui's `defaultCategories`).
    pub fn activitywatch_default() -> CategorySet {
        let c =
            |name: &[&str], regex: Option<&str>, ignore_case: bool, color: Option<&str>| Category {
                name: name.iter().map(|s| s.to_string()).collect(),
                rule: Rule {
                    kind: Some(if regex.is_some() { "regex" } else { "none" }.into()),
                    regex: regex.map(str::to_string),
                    ignore_case: ignore_case.then_some(true),
                    select_keys: None,
                    priority: None,
                    extra: serde_json::Map::new(),
                },
                data: color.map(|c| {
                    let mut m = serde_json::Map::new();
                    m.insert("color".into(), c.into());
                    m
                }),
                extra: serde_json::Map::new(),
            };
        CategorySet {
            id: Some("default".into()),
            categories: vec![
                c(
                    &["Work"],
                    Some("Google Docs|libreoffice|ReText"),
                    false,
                    Some("#0F0"),
                ),
                c(
                    &["Work", "Programming"],
                    Some("GitHub|Stack Overflow|BitBucket|Gitlab|vim|Spyder|kate|Ghidra|Scite"),
                    false,
                    None,
                ),
                c(
                    &["Work", "Programming", "ActivityWatch"],
                    Some("ActivityWatch|aw-"),
                    true,
                    None,
                ),
                c(&["Work", "Image"], Some("Gimp|Inkscape"), false, None),
                c(&["Work", "Video"], Some("Kdenlive"), false, None),
                c(&["Work", "Audio"], Some("Audacity"), false, None),
                c(&["Work", "3D"], Some("Blender"), false, None),
                c(
                    &["Media", "Games"],
                    Some("Minecraft|RimWorld"),
                    false,
                    Some("#F80"),
                ),
                c(
                    &["Media", "Video"],
                    Some("YouTube|Plex|VLC"),
                    false,
                    Some("#F33"),
                ),
                c(
                    &["Media", "Social Media"],
                    Some("reddit|Facebook|Twitter|Instagram|devRant"),
                    true,
                    Some("#FCC400"),
                ),
                c(
                    &["Media", "Music"],
                    Some("Spotify|Deezer"),
                    true,
                    Some("#A8FC00"),
                ),
                c(&["Comms"], None, false, Some("#9FF")),
                c(
                    &["Comms", "IM"],
                    Some(
                        "Messenger|Telegram|Signal|WhatsApp|Rambox|Slack|Riot|Element|Discord|Nheko",
                    ),
                    false,
                    None,
                ),
                c(
                    &["Comms", "Email"],
                    Some("Gmail|Thunderbird|mutt|alpine"),
                    false,
                    None,
                ),
                c(&["Uncategorized"], None, false, Some("#CCC")),
            ],
            extra: serde_json::Map::new(),
        }
    }
}

/// Errors of category sets.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CategoryError {
    /// The document is not a category export.
    #[error("category set: {0}")]
    Syntax(String),
    /// A rule is wrong (a pattern neither regex dialect compiles, an empty `select_keys`, an
    /// unknown field or type), named by its set and index.
    #[error("category set {set}, rule {index} ({name}): {message}")]
    Rule {
        /// The set's position in the layers (0 = the first).
        set: usize,
        /// The category's index in its set.
        index: usize,
        /// Its path, `Work>Programming`.
        name: String,
        /// What is wrong.
        message: String,
    },
}

enum Matcher {
    /// In the per-field `RegexSet`s.
    Set,
    /// Run alone: look-around and other patterns the `regex` crate refuses.
    Fancy(Box<fancy_regex::Regex>),
}

struct CompiledRule {
    rank: i64,
    /// Which fields it reads (`FIELDS` order).
    fields: [bool; 3],
    matcher: Matcher,
}

/// Classifies records into the categories of a (layered) set.
pub struct Classifier {
    categories: Vec<Category>,
    /// Per category, its rule (`None`: never matches).
    rules: Vec<Option<CompiledRule>>,
    /// Per field, the set of `Matcher::Set` rules reading it, and each pattern's category.
    sets: [(RegexSet, Vec<usize>); 3],
    fancy: Vec<usize>,
    scores: Vec<Option<f64>>,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("categories", &self.categories.len())
            .finish_non_exhaustive()
    }
}

impl Classifier {
    /// Compiles `layers` (the first set that names a category defines it).
    pub fn new(layers: &[CategorySet]) -> Result<Classifier, CategoryError> {
        let mut categories: Vec<Category> = Vec::new();
        let mut origin: Vec<(usize, usize)> = Vec::new();
        let mut seen: HashMap<Vec<String>, ()> = HashMap::new();
        for (si, set) in layers.iter().enumerate() {
            for (ci, c) in set.categories.iter().enumerate() {
                if seen.insert(c.name.clone(), ()).is_none() {
                    categories.push(c.clone());
                    origin.push((si, ci));
                }
            }
        }
        let mut rules = Vec::with_capacity(categories.len());
        let mut patterns: [Vec<String>; 3] = Default::default();
        let mut owners: [Vec<usize>; 3] = Default::default();
        let mut fancy = Vec::new();
        for (i, c) in categories.iter().enumerate() {
            let (si, ci) = origin[i];
            let bad = |message: String| CategoryError::Rule {
                set: si,
                index: ci,
                name: c.name.join(">"),
                message,
            };
            if c.name.is_empty() || c.name.iter().any(|n| n.is_empty()) {
                return Err(bad(
                    "the name must be a non-empty list of non-empty strings".into(),
                ));
            }
            let kind = c.rule.kind.as_deref().unwrap_or("none");
            match kind {
                "none" => {
                    rules.push(None);
                    continue;
                }
                "regex" => {}
                other => return Err(bad(format!("unknown rule type {other:?} (regex or none)"))),
            }
            let Some(pattern) = c.rule.regex.as_deref().filter(|p| !p.is_empty()) else {
                return Err(bad("a regex rule needs a non-empty regex".into()));
            };
            let mut fields = [true; 3];
            if let Some(keys) = &c.rule.select_keys {
                if keys.is_empty() {
                    return Err(bad(
                        "select_keys must not be empty (leave it out for every field)".into(),
                    ));
                }
                fields = [false; 3];
                for k in keys {
                    match FIELDS.iter().position(|f| f == k) {
                        Some(p) => fields[p] = true,
                        None => {
                            return Err(bad(format!(
                                "select_keys: unknown field {k:?} (app, title or url)"
                            )));
                        }
                    }
                }
            }
            let full = if c.rule.ignore_case == Some(true) {
                format!("(?i){pattern}")
            } else {
                pattern.to_string()
            };
            let rank = c.rule.priority.unwrap_or(c.name.len() as i64 * 10);
            let matcher = match regex::Regex::new(&full) {
                Ok(_) => {
                    for (f, on) in fields.iter().enumerate() {
                        if *on {
                            patterns[f].push(full.clone());
                            owners[f].push(i);
                        }
                    }
                    Matcher::Set
                }
                Err(plain) => match fancy_regex::Regex::new(&full) {
                    Ok(re) => {
                        fancy.push(i);
                        Matcher::Fancy(Box::new(re))
                    }
                    Err(e) => {
                        return Err(bad(format!(
                            "the pattern {pattern:?} does not compile: {e} (regex: {plain})"
                        )));
                    }
                },
            };
            rules.push(Some(CompiledRule {
                rank,
                fields,
                matcher,
            }));
        }
        let build = |f: usize| -> Result<(RegexSet, Vec<usize>), CategoryError> {
            let set = RegexSet::new(&patterns[f]).map_err(|e| {
                CategoryError::Syntax(format!(
                    "the rules together are too large for one regex set: {e}"
                ))
            })?;
            Ok((set, owners[f].clone()))
        };
        let sets = [build(0)?, build(1)?, build(2)?];
        // Scores: own, else the nearest ancestor's (by name prefix).
        let by_name: HashMap<&[String], usize> = categories
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_slice(), i))
            .collect();
        let scores = categories
            .iter()
            .map(|c| {
                (1..=c.name.len()).rev().find_map(|n| {
                    by_name
                        .get(&c.name[..n])
                        .and_then(|&i| categories[i].own_score())
                })
            })
            .collect();
        Ok(Classifier {
            categories,
            rules,
            sets,
            fancy,
            scores,
        })
    }

    /// ActivityWatch's default set, compiled.
    pub fn activitywatch_default() -> Classifier {
        Classifier::new(&[CategorySet::activitywatch_default()])
            .unwrap_or_else(|_| Classifier::empty())
    }

    fn empty() -> Classifier {
        let none = || (RegexSet::empty(), Vec::new());
        Classifier {
            categories: Vec::new(),
            rules: Vec::new(),
            sets: [none(), none(), none()],
            fancy: Vec::new(),
            scores: Vec::new(),
        }
    }

    /// The categories, layers merged (indexes as [`classify`](Self::classify) returns).
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The score of category `i`: its own, or its nearest ancestor's.
    pub fn score(&self, i: usize) -> Option<f64> {
        self.scores.get(i).copied().flatten()
    }

    /// The category of a record (`None`: uncategorized): the highest-ranked matching rule,
    /// the later one on a tie.
    pub fn classify(&self, app: &str, title: &str, url: Option<&str>) -> Option<usize> {
        let values = [Some(app), Some(title), url];
        let mut best: Option<(i64, usize)> = None;
        let consider = |i: usize, best: &mut Option<(i64, usize)>| {
            let Some(rule) = &self.rules[i] else { return };
            let key = (rule.rank, i);
            if best.is_none_or(|b| key > b) {
                *best = Some(key);
            }
        };
        for (f, value) in values.iter().enumerate() {
            let Some(v) = value else { continue };
            let (set, owners) = &self.sets[f];
            if owners.is_empty() {
                continue;
            }
            for m in set.matches(v).iter() {
                consider(owners[m], &mut best);
            }
        }
        for &i in &self.fancy {
            let Some(rule) = &self.rules[i] else { continue };
            // Only a rule that could still win is run.
            if best.is_some_and(|b| (rule.rank, i) < b) {
                continue;
            }
            let Matcher::Fancy(re) = &rule.matcher else {
                continue;
            };
            let hit = values
                .iter()
                .zip(rule.fields)
                .any(|(v, on)| on && v.is_some_and(|v| re.is_match(v).unwrap_or(false)));
            if hit {
                consider(i, &mut best);
            }
        }
        best.map(|(_, i)| i)
    }

    /// The path of category `i` (`None`: `["Uncategorized"]`).
    pub fn name(&self, i: Option<usize>) -> Vec<String> {
        match i.and_then(|i| self.categories.get(i)) {
            Some(c) => c.name.clone(),
            None => vec![UNCATEGORIZED.to_string()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(json: &str) -> CategorySet {
        CategorySet::from_json(json).unwrap()
    }

    #[test]
    fn the_default_set_classifies_as_activitywatch_does() {
        let c = Classifier::activitywatch_default();
        let name = |app: &str, title: &str| c.name(c.classify(app, title, None)).join(">");
        assert_eq!(
            name("Firefox", "aw-server-rust - GitHub"),
            "Work>Programming>ActivityWatch"
        );
        assert_eq!(name("kate", "notes.txt"), "Work>Programming");
        assert_eq!(name("Firefox", "YouTube"), "Media>Video");
        assert_eq!(name("Telegram", "chat"), "Comms>IM");
        assert_eq!(name("xterm", "bash"), "Uncategorized");
        // The export round-trips.
        let d = CategorySet::activitywatch_default();
        assert_eq!(CategorySet::from_json(&d.to_json()).unwrap(), d);
    }

    #[test]
    fn ties_go_to_the_later_rule_and_priority_overrides_depth() {
        let c = Classifier::new(&[set(
            r#"[{"name": ["A"], "rule": {"type": "regex", "regex": "x"}},
                {"name": ["B"], "rule": {"type": "regex", "regex": "x"}},
                {"name": ["C"], "rule": {"type": "regex", "regex": "y", "priority": 99}},
                {"name": ["D", "E"], "rule": {"type": "regex", "regex": "y"}}]"#,
        )])
        .unwrap();
        assert_eq!(c.name(c.classify("x", "", None)), ["B"]);
        assert_eq!(c.name(c.classify("y", "", None)), ["C"]);
    }

    #[test]
    fn bad_rules_are_named() {
        let e = Classifier::new(&[set(
            r#"{"id": "x", "categories": [{"name": ["A"], "rule": {"type": "regex", "regex": "("}}]}"#,
        )])
        .unwrap_err();
        assert!(e.to_string().contains("rule 0 (A)"), "{e}");
        let e = Classifier::new(&[set(
            r#"[{"name": ["A"], "rule": {"type": "regex", "regex": "a", "select_keys": []}}]"#,
        )])
        .unwrap_err();
        assert!(
            e.to_string().contains("select_keys must not be empty"),
            "{e}"
        );
    }
}

/// Time in one category.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryTime {
    /// Its path (`["Uncategorized"]` for what matched no rule).
    pub name: Vec<String>,
    /// Seconds.
    pub seconds: u64,
    /// Its score (own or inherited), if it has one.
    pub score: Option<f64>,
}

/// Where time went by category, and how productive it was (ActivityWatch's productivity score).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CategoryBreakdown {
    /// Per category (full path), most time first.
    pub categories: Vec<CategoryTime>,
    /// Per top-level category, most time first (its subcategories' time included; scores are
    /// the top-level category's own).
    pub top_level: Vec<CategoryTime>,
    /// Σ hours × score over the categorized time (ActivityWatch's score).
    pub score: f64,
    /// Seconds in categories whose score is above 0.
    pub productive_seconds: u64,
    /// Seconds in categories without a score, or a score of 0.
    pub neutral_seconds: u64,
    /// Seconds in categories whose score is below 0.
    pub unproductive_seconds: u64,
    /// Seconds that matched no rule.
    pub uncategorized_seconds: u64,
}

/// Milliseconds per category (`None`: uncategorized), summed as records are classified.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    ms: HashMap<Option<usize>, i64>,
}

impl Tally {
    /// Adds `ms` to category `c`.
    pub fn add(&mut self, c: Option<usize>, ms: i64) {
        if ms > 0 {
            *self.ms.entry(c).or_default() += ms;
        }
    }

    /// Adds another tally.
    pub fn merge(&mut self, other: &Tally) {
        for (c, ms) in &other.ms {
            self.add(*c, *ms);
        }
    }

    /// The (category, milliseconds) pairs.
    pub fn entries(&self) -> impl Iterator<Item = (Option<usize>, i64)> + '_ {
        self.ms.iter().map(|(c, ms)| (*c, *ms))
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.ms.is_empty()
    }

    /// The breakdown, with `classifier`'s names and scores.
    pub fn breakdown(&self, classifier: &Classifier) -> CategoryBreakdown {
        let secs = |ms: i64| u64::try_from((ms + 500) / 1000).unwrap_or(0);
        let mut b = CategoryBreakdown::default();
        let mut top: HashMap<String, i64> = HashMap::new();
        let mut score_ms = 0.0;
        for (&c, &ms) in &self.ms {
            let name = classifier.name(c);
            let score = c.and_then(|i| classifier.score(i));
            *top.entry(name[0].clone()).or_default() += ms;
            match (c, score) {
                (None, _) => b.uncategorized_seconds += secs(ms),
                (Some(_), Some(s)) if s > 0.0 => b.productive_seconds += secs(ms),
                (Some(_), Some(s)) if s < 0.0 => b.unproductive_seconds += secs(ms),
                _ => b.neutral_seconds += secs(ms),
            }
            if let Some(s) = score {
                score_ms += s * ms as f64;
            }
            b.categories.push(CategoryTime {
                name,
                seconds: secs(ms),
                score,
            });
        }
        b.score = score_ms / 3_600_000.0;
        let top_score = |n: &str| {
            classifier
                .categories()
                .iter()
                .position(|c| c.name.len() == 1 && c.name[0] == n)
                .and_then(|i| classifier.score(i))
        };
        b.top_level = top
            .into_iter()
            .map(|(n, ms)| CategoryTime {
                score: top_score(&n),
                name: vec![n],
                seconds: secs(ms),
            })
            .collect();
        let order = |a: &CategoryTime, b: &CategoryTime| {
            b.seconds.cmp(&a.seconds).then_with(|| a.name.cmp(&b.name))
        };
        b.categories.sort_by(order);
        b.top_level.sort_by(order);
        b
    }
}

/// Classifies activity records as ActivityWatch classifies a browser window: a window (`APP`)
/// record's time goes to its application and title, except where a website (`URL`) record of
/// the same application and context overlaps it — that time is classified with the site's
/// title and address (the same application). Website time no window record covers (window
/// tracking off) counts on its own. `each` receives every classified piece: the record it
/// comes from, the piece's start and length (ms), and its category. Identical (app, title,
/// url) triples are classified once.
pub fn classify_records<'a>(
    classifier: &Classifier,
    records: &'a [crate::model::activity::ActivityRecord],
    mut each: impl FnMut(&'a crate::model::activity::ActivityRecord, i64, i64, Option<usize>),
) {
    use crate::model::activity::ActivityKind;
    let mut cache: HashMap<(&str, &str, Option<&str>), Option<usize>> = HashMap::new();
    let mut classify = |app: &'a str, title: &'a str, url: Option<&'a str>| -> Option<usize> {
        *cache
            .entry((app, title, url))
            .or_insert_with(|| classifier.classify(app, title, url))
    };
    // Website records per (application, context), by start (one lane: they do not overlap).
    let mut webs: HashMap<(&str, &crate::model::activity::WorkContext), Vec<usize>> =
        HashMap::new();
    for (i, r) in records.iter().enumerate() {
        if r.kind == ActivityKind::Url {
            webs.entry((r.application.as_str(), &r.context))
                .or_default()
                .push(i);
        }
    }
    for v in webs.values_mut() {
        v.sort_by_key(|&i| records[i].start);
    }
    let mut covered = vec![0i64; records.len()];
    for r in records.iter().filter(|r| r.kind == ActivityKind::App) {
        let (a0, a1) = (r.start.as_millis(), r.start.as_millis() + r.duration_millis);
        let mut cursor = a0;
        if let Some(list) = webs.get(&(r.application.as_str(), &r.context)) {
            // First website record ending after the window record starts.
            let first = list.partition_point(|&i| {
                records[i].start.as_millis() + records[i].duration_millis <= a0
            });
            for &wi in &list[first..] {
                let w = &records[wi];
                let (w0, w1) = (w.start.as_millis(), w.start.as_millis() + w.duration_millis);
                if w0 >= a1 {
                    break;
                }
                let (o0, o1) = (w0.max(a0), w1.min(a1));
                if o1 <= o0 {
                    continue;
                }
                if o0 > cursor {
                    each(
                        r,
                        cursor,
                        o0 - cursor,
                        classify(&r.application, &r.title, None),
                    );
                }
                each(
                    w,
                    o0,
                    o1 - o0,
                    classify(&w.application, &w.title, w.url.as_deref()),
                );
                covered[wi] += o1 - o0;
                cursor = cursor.max(o1);
            }
        }
        if a1 > cursor {
            each(
                r,
                cursor,
                a1 - cursor,
                classify(&r.application, &r.title, None),
            );
        }
    }
    for (i, w) in records.iter().enumerate() {
        if w.kind == ActivityKind::Url && w.duration_millis > covered[i] {
            // (the part no window record covered; placed at the record's start)
            each(
                w,
                w.start.as_millis(),
                w.duration_millis - covered[i],
                classify(&w.application, &w.title, w.url.as_deref()),
            );
        }
    }
}
