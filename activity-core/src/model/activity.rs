//! Application and website activity: heartbeat merging of window and URL samples into records.
//!
//! The runtime samples the focused window about once a second ([`WindowSample`]); a browser
//! extension or embedder reports the active tab ([`UrlSample`]). The [`ActivityMerger`] turns the
//! two streams into [`ActivityRecord`]s of type `APP` and `URL`:
//!
//! - **Heartbeat merging.** Samples with the same application, title (and URL) extend one record
//!   as long as they keep arriving at most `heartbeat_timeout` apart.
//! - **Interval attribution.** A change closes the previous record *at the instant of the
//!   change*: the time between the last sample of window A and the first of window B belongs to
//!   A, which had the focus. A gap longer than the timeout is attributed to nobody: the record
//!   ends at its last sample.
//! - **Slots.** Records are split at slot boundaries, each piece carrying its slot.
//! - **Idle and pause.** While idle ([`IdleDetector`](crate::model::idle::IdleDetector)) or paused,
//!   no time goes to any record; samples still say which window is in front, so the record of the
//!   front window resumes when activity does.
//! - **Privacy.** Exclusion rules are checked on the raw sample, before any record exists; an
//!   excluded window's time is attributed to nobody. URLs are cleaned by
//!   [`clean_url`] (query and fragment stripped by default).
//!
//! ```text
//!  samples   A@0  A@1  A@2  B@3  B@4  (idle 4.5..7)  B@7  B@8   flush@9
//!  records   [ A: 0 ─────────── 3 )[ B: 3 ── 4.5 )           [ B: 7 ── 9 )
//! ```

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::model::config::Config;
use crate::model::exclusion::ExclusionRules;
use crate::model::slot::{Interval, split};
use crate::model::web::{UrlError, clean_url};

/// The two kinds of activity record.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ActivityKind {
    /// Time in an application window (`APP`).
    App,
    /// Time on a web page (`URL`).
    Url,
}

/// Who the time is for: set by the embedding product, attached to every record and slot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkContext {
    /// The employee being tracked.
    pub employee: Option<String>,
    /// The project the timer runs for.
    pub project: Option<String>,
    /// The task within the project.
    pub task: Option<String>,
}

/// A sample of the focused window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowSample {
    /// When the sample was taken.
    pub at: Timestamp,
    /// Application name, e.g. `firefox`, `Code`.
    pub application: String,
    /// Window title.
    pub title: String,
}

/// A sample of the browser's active tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlSample {
    /// When the sample was taken.
    pub at: Timestamp,
    /// The browser's name.
    pub application: String,
    /// The tab's title.
    pub title: String,
    /// The tab's URL as the browser reports it; `None` when no tab is active or the browser lost
    /// the focus (this ends the current URL record).
    pub url: Option<String>,
}

/// One stretch of time in one window or page, inside one slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRecord {
    /// `APP` or `URL`.
    #[serde(rename = "type")]
    pub kind: ActivityKind,
    /// Window or tab title.
    pub title: String,
    /// Application (or browser) name; the record's "description".
    pub application: String,
    /// The cleaned URL (`URL` records).
    pub url: Option<String>,
    /// The registrable domain (`URL` records).
    pub domain: Option<String>,
    /// Start (UTC); date and time derive from it.
    pub start: Timestamp,
    /// Length in milliseconds.
    pub duration_millis: i64,
    /// The slot the record lies in.
    pub slot_start: Timestamp,
    /// Employee, project and task.
    pub context: WorkContext,
}

impl ActivityRecord {
    /// Length in whole seconds (rounded to nearest).
    pub fn duration_seconds(&self) -> i64 {
        (self.duration_millis + 500) / 1000
    }
}

/// Errors of the merger. The sample that caused one changed nothing, except as documented.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActivityError {
    /// A sample or call is older than one already seen; the merger needs time order.
    #[error("activity input at {at} is older than the latest input at {latest}")]
    OutOfOrder {
        /// The time given.
        at: Timestamp,
        /// The latest time already seen.
        latest: Timestamp,
    },
    /// The URL of a sample could not be parsed; the current URL record was ended at the sample's
    /// time (the tab changed to something that cannot be recorded).
    #[error(transparent)]
    InvalidUrl(#[from] UrlError),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    application: String,
    title: String,
    url: Option<String>,
    domain: Option<String>,
}

#[derive(Clone, Debug)]
struct Open {
    key: Key,
    start: Timestamp,
    end: Timestamp,
}

#[derive(Clone, Debug, Default)]
struct Lane {
    /// What is in front according to the latest sample (`None`: nothing recordable).
    front: Option<Key>,
    last_seen: Option<Timestamp>,
    open: Option<Open>,
}

/// Merges window and URL samples into [`ActivityRecord`]s. See the [module docs](self).
#[derive(Debug)]
pub struct ActivityMerger {
    slot_seconds: u32,
    heartbeat_timeout_millis: i64,
    strip_query: bool,
    rules: ExclusionRules,
    context: WorkContext,
    idle: bool,
    paused: bool,
    latest: Option<Timestamp>,
    app: Lane,
    web: Lane,
    /// The browser (its name folded to letters and digits) and tab title of the latest URL
    /// sample when an exclusion rule dropped it: that browser's window is excluded too while
    /// the tab stays in front (its title would show the excluded page).
    excluded_tab: Option<(String, String)>,
    out: Vec<ActivityRecord>,
}

/// An application name folded for comparison across sources: the window source says
/// `Google-chrome` or `firefox`, the browser extension `Google Chrome` or `Firefox`.
fn fold(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl ActivityMerger {
    /// A merger with the given settings.
    pub fn new(
        slot_seconds: u32,
        heartbeat_timeout_millis: i64,
        strip_query: bool,
        rules: ExclusionRules,
    ) -> ActivityMerger {
        ActivityMerger {
            slot_seconds,
            heartbeat_timeout_millis: heartbeat_timeout_millis.max(0),
            strip_query,
            rules,
            context: WorkContext::default(),
            idle: false,
            paused: false,
            latest: None,
            app: Lane::default(),
            web: Lane::default(),
            excluded_tab: None,
            out: Vec::new(),
        }
    }

    /// A merger for a validated configuration (an invalid exclusion pattern is reported with
    /// its field).
    pub fn from_config(
        config: &Config,
    ) -> Result<ActivityMerger, crate::model::config::ConfigError> {
        let rules = ExclusionRules::compile(&config.exclusions).map_err(|errs| {
            crate::model::config::ConfigError::Invalid(
                errs.into_iter()
                    .map(|e| crate::model::config::FieldProblem {
                        field: e.field,
                        message: e.message,
                    })
                    .collect(),
            )
        })?;
        Ok(ActivityMerger::new(
            config.slot_seconds,
            config.heartbeat_timeout.as_millis(),
            config.strip_url_query,
            rules,
        ))
    }

    fn check_time(&mut self, at: Timestamp) -> Result<(), ActivityError> {
        match self.latest {
            Some(latest) if at < latest => Err(ActivityError::OutOfOrder { at, latest }),
            _ => {
                self.latest = Some(at);
                Ok(())
            }
        }
    }

    fn counting(&self) -> bool {
        !self.idle && !self.paused
    }

    /// Feeds a window sample.
    ///
    /// The URL rules reach the browser's own window: while the browser's front tab is excluded
    /// (by a URL, domain or title rule), its window's samples are excluded too. With
    /// `strip_url_query`, an address in the title (a page without a title of its own) loses its
    /// query and fragment.
    pub fn window(&mut self, s: &WindowSample) -> Result<(), ActivityError> {
        self.check_time(s.at)?;
        let shows_excluded_tab = self.excluded_tab.as_ref().is_some_and(|(browser, tab)| {
            *browser == fold(&s.application) || (!tab.is_empty() && s.title.contains(tab.as_str()))
        });
        let excluded = shows_excluded_tab || self.rules.excludes_window(&s.application, &s.title);
        let key = (!excluded).then(|| Key {
            application: s.application.clone(),
            title: if self.strip_query {
                crate::model::web::strip_queries_in_text(&s.title).into_owned()
            } else {
                s.title.clone()
            },
            url: None,
            domain: None,
        });
        self.sample(ActivityKind::App, s.at, key);
        Ok(())
    }

    /// The website in front according to the latest URL sample: its cleaned address and
    /// domain (`None`: nothing recordable).
    pub fn website(&self) -> Option<(String, Option<String>)> {
        self.web
            .front
            .as_ref()
            .and_then(|k| Some((k.url.clone()?, k.domain.clone())))
    }

    /// A tab still loading is titled with its address: with query stripping on, such a title
    /// would keep the query the URL lost, so it becomes the cleaned address.
    fn safe_title(&self, title: &str, raw: &str, cleaned: &str) -> String {
        let bare = |u: &str| {
            u.trim()
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .to_string()
        };
        if self.strip_query && !title.is_empty() && bare(title) == bare(raw) {
            bare(cleaned)
        } else if self.strip_query {
            crate::model::web::strip_queries_in_text(title).into_owned()
        } else {
            title.to_string()
        }
    }

    /// Feeds a URL sample.
    pub fn url(&mut self, s: &UrlSample) -> Result<(), ActivityError> {
        self.check_time(s.at)?;
        let excluded = s
            .url
            .as_deref()
            .is_some_and(|raw| self.rules.excludes_url(raw, &s.title));
        self.excluded_tab = excluded.then(|| (fold(&s.application), s.title.clone()));
        let (key, err) = match &s.url {
            None => (None, None),
            Some(raw) if self.rules.excludes_url(raw, &s.title) => (None, None),
            // Only web pages are websites: about:blank, the browser's own pages, files and
            // extension pages end the website record like an unfocused browser.
            Some(raw) if !is_web(raw) => (None, None),
            Some(raw) => match clean_url(raw, self.strip_query) {
                Ok(u) => (
                    Some(Key {
                        application: s.application.clone(),
                        title: self.safe_title(&s.title, raw, &u.url),
                        url: Some(u.url),
                        domain: u.domain,
                    }),
                    None,
                ),
                Err(e) => (None, Some(e)),
            },
        };
        self.sample(ActivityKind::Url, s.at, key);
        match err {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    fn sample(&mut self, kind: ActivityKind, at: Timestamp, key: Option<Key>) {
        self.extend(kind, at);
        let counting = self.counting();
        let lane = self.lane(kind);
        let same = matches!((&lane.open, &key), (Some(o), Some(k)) if o.key == *k);
        if !same {
            let closed = lane.open.take();
            if counting {
                lane.open = key.clone().map(|key| Open {
                    key,
                    start: at,
                    end: at,
                });
            }
            self.emit(kind, closed);
        }
        let lane = self.lane(kind);
        lane.front = key;
        lane.last_seen = Some(at);
    }

    /// Attributes time up to `at` to the open record of the lane if the heartbeat allows it.
    fn extend(&mut self, kind: ActivityKind, at: Timestamp) {
        let timeout = self.heartbeat_timeout_millis;
        let lane = self.lane(kind);
        let fresh = lane
            .last_seen
            .is_some_and(|seen| at.millis_since(seen) <= timeout);
        if let Some(open) = &mut lane.open {
            if fresh {
                open.end = open.end.max(at);
            } else {
                let closed = lane.open.take();
                self.emit(kind, closed);
            }
        }
        self.emit_finished_slots(kind);
    }

    /// Emits the pieces of the open record that lie in slots already left behind.
    fn emit_finished_slots(&mut self, kind: ActivityKind) {
        let l = self.slot_seconds;
        let lane = self.lane(kind);
        let Some(open) = &mut lane.open else { return };
        let boundary = crate::model::slot::slot_start(open.end, l);
        if boundary <= open.start {
            return;
        }
        let done = Open {
            key: open.key.clone(),
            start: open.start,
            end: boundary,
        };
        open.start = boundary;
        self.emit(kind, Some(done));
    }

    fn lane(&mut self, kind: ActivityKind) -> &mut Lane {
        match kind {
            ActivityKind::App => &mut self.app,
            ActivityKind::Url => &mut self.web,
        }
    }

    fn emit(&mut self, kind: ActivityKind, open: Option<Open>) {
        let Some(o) = open else { return };
        let Some(iv) = Interval::new(o.start, o.end) else {
            return;
        };
        for piece in split(iv, self.slot_seconds) {
            self.out.push(ActivityRecord {
                kind,
                title: o.key.title.clone(),
                application: o.key.application.clone(),
                url: o.key.url.clone(),
                domain: o.key.domain.clone(),
                start: piece.interval.start,
                duration_millis: piece.interval.duration_millis(),
                slot_start: piece.slot_start,
                context: self.context.clone(),
            });
        }
    }

    /// Ends the open records at `at` (attributing up to `at` where the heartbeat allows).
    fn close_all(&mut self, at: Timestamp) {
        for kind in [ActivityKind::App, ActivityKind::Url] {
            self.extend(kind, at);
            let closed = self.lane(kind).open.take();
            self.emit(kind, closed);
        }
    }

    /// Reopens records for the windows in front, from `at`, if their samples are fresh.
    fn reopen_all(&mut self, at: Timestamp) {
        if !self.counting() {
            return;
        }
        let timeout = self.heartbeat_timeout_millis;
        for kind in [ActivityKind::App, ActivityKind::Url] {
            let lane = self.lane(kind);
            let fresh = lane
                .last_seen
                .is_some_and(|seen| at.millis_since(seen) <= timeout);
            if fresh && lane.open.is_none() {
                lane.open = lane.front.clone().map(|key| Open {
                    key,
                    start: at,
                    end: at,
                });
            }
        }
    }

    /// The user became idle at `at`: open records end there.
    pub fn idle_started(&mut self, at: Timestamp) -> Result<(), ActivityError> {
        self.check_time(at)?;
        self.close_all(at);
        self.idle = true;
        Ok(())
    }

    /// The user is back at `at`: the window in front gets time again from there.
    pub fn idle_ended(&mut self, at: Timestamp) -> Result<(), ActivityError> {
        self.check_time(at)?;
        self.idle = false;
        self.reopen_all(at);
        Ok(())
    }

    /// Tracking paused at `at`.
    pub fn pause(&mut self, at: Timestamp) -> Result<(), ActivityError> {
        self.check_time(at)?;
        self.close_all(at);
        self.paused = true;
        Ok(())
    }

    /// Tracking resumed at `at`.
    pub fn resume(&mut self, at: Timestamp) -> Result<(), ActivityError> {
        self.check_time(at)?;
        self.paused = false;
        self.reopen_all(at);
        Ok(())
    }

    /// The work context changes at `at`: open records end there and continue under the new one.
    pub fn set_context(
        &mut self,
        at: Timestamp,
        context: WorkContext,
    ) -> Result<(), ActivityError> {
        self.check_time(at)?;
        self.close_all(at);
        self.context = context;
        self.reopen_all(at);
        Ok(())
    }

    /// The current work context.
    pub fn context(&self) -> &WorkContext {
        &self.context
    }

    /// Tracking stops at `at`: every open record ends there and nothing is in front any more.
    pub fn flush(&mut self, at: Timestamp) -> Result<(), ActivityError> {
        self.check_time(at)?;
        self.close_all(at);
        self.app = Lane::default();
        self.web = Lane::default();
        Ok(())
    }

    /// Emits the finished-slot pieces of open records up to `now` without ending them; the
    /// runtime calls it when a slot closes so the slot's records are complete.
    pub fn close_slots_until(&mut self, now: Timestamp) -> Result<(), ActivityError> {
        self.check_time(now)?;
        for kind in [ActivityKind::App, ActivityKind::Url] {
            self.extend(kind, now);
        }
        Ok(())
    }

    /// Takes the records finished so far, oldest first.
    pub fn take_records(&mut self) -> Vec<ActivityRecord> {
        std::mem::take(&mut self.out)
    }
}

/// `http:` or `https:` (any case), the only addresses recorded as websites.
fn is_web(raw: &str) -> bool {
    let t = raw.trim_start();
    let scheme = t.split(':').next().unwrap_or_default();
    t.len() > scheme.len()
        && (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::Exclusions;

    const BASE: i64 = 1_796_025_600_000;

    fn t(s: f64) -> Timestamp {
        Timestamp::from_millis(BASE + (s * 1000.0) as i64)
    }

    fn merger() -> ActivityMerger {
        ActivityMerger::new(600, 5_000, true, ExclusionRules::default())
    }

    fn win(at: f64, app: &str, title: &str) -> WindowSample {
        WindowSample {
            at: t(at),
            application: app.into(),
            title: title.into(),
        }
    }

    fn summary(m: &mut ActivityMerger) -> Vec<(String, i64, i64)> {
        m.take_records()
            .into_iter()
            .map(|r| (r.title, r.start.millis_since(t(0.0)), r.duration_millis))
            .collect()
    }

    #[test]
    fn url_rules_reach_the_browsers_window_and_titles_lose_their_queries() {
        let rules = ExclusionRules::compile(&Exclusions {
            domains: vec!["mybank.com".into()],
            ..Exclusions::default()
        })
        .unwrap();
        let mut m = ActivityMerger::new(600, 5_000, true, rules);
        let tab = |at: f64, title: &str, url: &str| UrlSample {
            at: t(at),
            application: "Google Chrome".into(),
            title: title.into(),
            url: Some(url.into()),
        };
        // The bank's tab in front: neither the website nor the browser's window is recorded
        // (the window title shows the page; the window source names the browser differently).
        m.url(&tab(
            0.0,
            "Account 12345",
            "https://www.mybank.com.:443/acct",
        ))
        .unwrap();
        m.window(&win(0.0, "Google-chrome", "Account 12345 - Google Chrome"))
            .unwrap();
        m.window(&win(2.0, "Google-chrome", "Account 12345 - Google Chrome"))
            .unwrap();
        // Another tab: recorded again; a page without a title shows its address, query and all.
        m.url(&tab(
            4.0,
            "example.org/reset?token=s3cret",
            "https://example.org/reset?token=s3cret",
        ))
        .unwrap();
        m.window(&win(
            4.0,
            "Google-chrome",
            "example.org/reset?token=s3cret - Google Chrome",
        ))
        .unwrap();
        m.window(&win(
            6.0,
            "Google-chrome",
            "example.org/reset?token=s3cret - Google Chrome",
        ))
        .unwrap();
        m.flush(t(8.0)).unwrap();
        let records = m.take_records();
        assert!(!records.is_empty());
        for r in &records {
            assert!(
                !r.title.contains("Account") && !r.title.contains("s3cret"),
                "{r:?}"
            );
            assert!(
                r.url.as_deref().is_none_or(|u| !u.contains("mybank")),
                "{r:?}"
            );
        }
        assert!(
            records
                .iter()
                .any(|r| r.kind == ActivityKind::App
                    && r.title == "example.org/reset - Google Chrome"),
            "{records:?}"
        );
    }

    #[test]
    fn matches_the_module_diagram() {
        let mut m = merger();
        for (at, title) in [(0.0, "A"), (1.0, "A"), (2.0, "A"), (3.0, "B"), (4.0, "B")] {
            m.window(&win(at, "app", title)).unwrap();
        }
        m.idle_started(t(4.5)).unwrap();
        m.idle_ended(t(7.0)).unwrap();
        m.window(&win(7.0, "app", "B")).unwrap();
        m.window(&win(8.0, "app", "B")).unwrap();
        m.flush(t(9.0)).unwrap();
        assert_eq!(
            summary(&mut m),
            [
                ("A".into(), 0, 3000),
                ("B".into(), 3000, 1500),
                ("B".into(), 7000, 2000)
            ]
        );
    }

    #[test]
    fn a_gap_longer_than_the_heartbeat_is_nobodys() {
        let mut m = merger();
        m.window(&win(0.0, "app", "A")).unwrap();
        m.window(&win(1.0, "app", "A")).unwrap();
        m.window(&win(20.0, "app", "A")).unwrap();
        m.flush(t(21.0)).unwrap();
        assert_eq!(
            summary(&mut m),
            [("A".into(), 0, 1000), ("A".into(), 20_000, 1000)]
        );
    }

    #[test]
    fn records_split_at_slot_boundaries() {
        let mut m = merger();
        let mut s = 595.0;
        while s <= 606.0 {
            m.window(&win(s, "app", "A")).unwrap();
            s += 1.0;
        }
        m.flush(t(607.0)).unwrap();
        let r = m.take_records();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].slot_start, r[0].duration_millis), (t(0.0), 5_000));
        assert_eq!((r[1].slot_start, r[1].duration_millis), (t(600.0), 7_000));
    }

    #[test]
    fn excluded_windows_never_become_records() {
        let rules = ExclusionRules::compile(&Exclusions {
            applications: vec!["^keepassxc$".into()],
            ..Default::default()
        })
        .unwrap();
        let mut m = ActivityMerger::new(600, 5_000, true, rules);
        m.window(&win(0.0, "code", "main.rs")).unwrap();
        m.window(&win(2.0, "KeePassXC", "Vault")).unwrap();
        m.window(&win(3.0, "KeePassXC", "Vault")).unwrap();
        m.window(&win(4.0, "code", "main.rs")).unwrap();
        m.flush(t(5.0)).unwrap();
        let r = m.take_records();
        assert!(r.iter().all(|r| r.application == "code"));
        assert_eq!(r.iter().map(|r| r.duration_millis).sum::<i64>(), 3_000);
    }

    #[test]
    fn urls_are_cleaned_and_bad_urls_reported() {
        let mut m = merger();
        let u = |at: f64, url: Option<&str>| UrlSample {
            at: t(at),
            application: "firefox".into(),
            title: "Docs".into(),
            url: url.map(Into::into),
        };
        m.url(&u(
            0.0,
            Some("https://docs.rust-lang.org/std/?q=secret#top"),
        ))
        .unwrap();
        m.url(&u(1.0, Some("https://docs.rust-lang.org/std/?q=other")))
            .unwrap();
        assert!(matches!(
            m.url(&u(2.0, Some("https://exa mple.com/"))),
            Err(ActivityError::InvalidUrl(_))
        ));
        m.url(&u(3.0, None)).unwrap();
        // Pages that are not websites end the record without an error.
        m.url(&u(4.0, Some("https://example.org/"))).unwrap();
        m.url(&u(5.0, Some("about:blank"))).unwrap();
        m.url(&u(6.0, Some("https://example.org/"))).unwrap();
        m.url(&u(7.0, Some("chrome://newtab/"))).unwrap();
        // A loading tab titled with its address keeps no query in the title either.
        m.url(&UrlSample {
            at: t(8.0),
            application: "firefox".into(),
            title: "example.org/a?token=secret#x".into(),
            url: Some("https://example.org/a?token=secret#x".into()),
        })
        .unwrap();
        m.flush(t(9.0)).unwrap();
        let r = m.take_records();
        assert_eq!(r.len(), 4, "{r:#?}");
        assert_eq!(r[0].url.as_deref(), Some("https://docs.rust-lang.org/std/"));
        assert_eq!(r[0].domain.as_deref(), Some("rust-lang.org"));
        assert_eq!(r[0].kind, ActivityKind::Url);
        assert_eq!(r[0].duration_millis, 2_000);
        assert!(r[1..3].iter().all(|x| x.duration_millis == 1_000));
        assert_eq!(r[3].title, "example.org/a");
        assert_eq!(r[3].url.as_deref(), Some("https://example.org/a"));
    }

    #[test]
    fn out_of_order_input_is_refused() {
        let mut m = merger();
        m.window(&win(5.0, "a", "b")).unwrap();
        assert!(matches!(
            m.window(&win(4.0, "a", "b")),
            Err(ActivityError::OutOfOrder { .. })
        ));
    }

    #[test]
    fn context_changes_split_records() {
        let mut m = merger();
        m.window(&win(0.0, "a", "x")).unwrap();
        m.window(&win(1.0, "a", "x")).unwrap();
        let ctx = WorkContext {
            project: Some("P".into()),
            ..Default::default()
        };
        m.set_context(t(1.5), ctx.clone()).unwrap();
        m.window(&win(2.0, "a", "x")).unwrap();
        m.flush(t(3.0)).unwrap();
        let r = m.take_records();
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[0].duration_millis, r[0].context.project.as_deref()),
            (1_500, None)
        );
        assert_eq!(
            (r[1].duration_millis, r[1].context.project.as_deref()),
            (1_500, Some("P"))
        );
    }
}
