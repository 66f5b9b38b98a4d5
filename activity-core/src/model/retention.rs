//! Retention, data-subject export and erasure, consent: what is kept how long, what a purge
//! removed, what an export holds, and what an employee agreed to.
//!
//! - [`RetentionPolicy`]: per kind of data, how long it is kept (`None`: for ever). A purge
//!   removes everything older, every copy: rows, spool files, thumbnails, and objects at every
//!   provider that holds them (through the durable delete path: retried until the provider
//!   confirms). [`RetentionPolicy::time_doctor`] is the documented preset.
//! - [`PurgeReport`]: one run's cutoffs and counts (also kept in the record store's log).
//! - [`SubjectExport`]: the manifest of an employee's export (GDPR articles 15 and 20).
//! - [`EraseReport`]: what an employee's erasure removed.
//! - [`Consent`]: which features an employee accepted, under which policy version, when.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::model::config::Seconds;

/// How long each kind of data is kept (`None`: for ever). Durations as in the configuration:
/// seconds or a string with a unit, days included (`"365d"`).
///
/// JSON: `{"screenshots": "365d", "urls": "60d", "keep_rollups": true}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionPolicy {
    /// Full screenshot images. The screenshot's record goes with its thumbnail (`thumbnails`),
    /// which by default goes with the full image.
    pub screenshots: Option<Seconds>,
    /// Screenshot thumbnails (`None`: as long as the full image).
    pub thumbnails: Option<Seconds>,
    /// Window titles of application records (blanked; the application and time stay).
    pub window_titles: Option<Seconds>,
    /// Addresses and page titles of website records (the domain and time stay).
    pub urls: Option<Seconds>,
    /// Application and website records (the rows).
    pub activities: Option<Seconds>,
    /// Slot rows (per-slot counts and per-second maps).
    pub slots: Option<Seconds>,
    /// Keep the report rollups of removed rows (`true`, default: reports of old periods keep
    /// their totals, top lists and timelines without the rows), or remove them with the rows.
    pub keep_rollups: bool,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            screenshots: None,
            thumbnails: None,
            window_titles: None,
            urls: None,
            activities: None,
            slots: None,
            keep_rollups: true,
        }
    }
}

impl RetentionPolicy {
    /// Time Doctor's documented defaults: screenshots (and thumbnails) 365 days, visited URLs
    /// 60 days; everything else, and the report rollups, kept.
    pub fn time_doctor() -> RetentionPolicy {
        RetentionPolicy {
            screenshots: Some(Seconds(365 * 86_400)),
            thumbnails: None,
            window_titles: None,
            urls: Some(Seconds(60 * 86_400)),
            activities: None,
            slots: None,
            keep_rollups: true,
        }
    }

    /// Whether it removes anything at all.
    pub fn is_empty(&self) -> bool {
        [
            self.screenshots,
            self.thumbnails,
            self.window_titles,
            self.urls,
            self.activities,
            self.slots,
        ]
        .iter()
        .all(Option::is_none)
    }

    /// Each field out of range (at least 1 day: a shorter retention is a deletion, not a
    /// retention policy), named.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        for (name, v) in self.fields() {
            if let Some(s) = v
                && s.0 < 86_400
            {
                p.push((
                    name,
                    format!("must be at least 1 day (\"1d\"), got {} s", s.0),
                ));
            }
        }
        p
    }

    fn fields(&self) -> [(&'static str, Option<Seconds>); 6] {
        [
            ("retention.screenshots", self.screenshots),
            ("retention.thumbnails", self.thumbnails),
            ("retention.window_titles", self.window_titles),
            ("retention.urls", self.urls),
            ("retention.activities", self.activities),
            ("retention.slots", self.slots),
        ]
    }

    /// The cutoffs at `now`: data older than each (strictly before) goes.
    pub fn cutoffs(&self, now: Timestamp) -> Cutoffs {
        let at = |s: Option<Seconds>| s.map(|s| now.add_millis(-s.as_millis()));
        let full = at(self.screenshots);
        Cutoffs {
            screenshots: full,
            thumbnails: at(self.thumbnails).or(full),
            window_titles: at(self.window_titles),
            urls: at(self.urls),
            activities: at(self.activities),
            slots: at(self.slots),
        }
    }
}

/// A purge's cutoffs: what is older than each goes (`None`: nothing of that kind).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cutoffs {
    /// Full screenshot images taken before this.
    pub screenshots: Option<Timestamp>,
    /// Thumbnails taken before this.
    pub thumbnails: Option<Timestamp>,
    /// Window titles of application records starting before this.
    pub window_titles: Option<Timestamp>,
    /// Addresses of website records starting before this.
    pub urls: Option<Timestamp>,
    /// Activity records starting before this.
    pub activities: Option<Timestamp>,
    /// Slots starting before this.
    pub slots: Option<Timestamp>,
}

/// What one purge removed (counts of this run; a run that finds nothing left reports zeros).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeReport {
    /// When it ran (the `now` the cutoffs come from).
    pub at: Timestamp,
    /// The cutoffs.
    pub cutoffs: Cutoffs,
    /// Screenshots removed whole (record, both images, every copy).
    pub screenshots: u64,
    /// Full images removed from screenshots whose thumbnail is kept longer.
    pub full_images: u64,
    /// Thumbnails removed from screenshots whose full image is kept longer.
    pub thumbnails: u64,
    /// Application records whose title was blanked.
    pub window_titles: u64,
    /// Website records whose address and title were removed.
    pub urls: u64,
    /// Activity rows removed.
    pub activities: u64,
    /// Slot rows removed.
    pub slots: u64,
    /// Remote objects queued for deletion at the provider (deleted as the provider confirms).
    pub remote_deletes_queued: u64,
}

/// One file of an export, as its manifest lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedFile {
    /// Its path inside the export folder (`/`-separated).
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// SHA-256 of its bytes (hex).
    pub sha256: String,
}

/// The manifest of an employee's export (`manifest.json` in the folder): every table as JSON
/// Lines (one serialised row per line, the forms of the query API), every screenshot and
/// thumbnail file, each file's size and SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectExport {
    /// The format of this export (1).
    pub format_version: u32,
    /// Whose data.
    pub employee: String,
    /// When it was made.
    pub exported_at: Timestamp,
    /// Rows per table (`slots`, `activities`, `screenshots`, `idle_periods`, `consents`).
    pub counts: std::collections::BTreeMap<String, u64>,
    /// Every file written, the manifest excepted.
    pub files: Vec<ExportedFile>,
}

/// What erasing an employee's data removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EraseReport {
    /// Whose data.
    pub employee: String,
    /// Slot rows (and open-slot checkpoints).
    pub slots: u64,
    /// Activity rows.
    pub activities: u64,
    /// Screenshots (record, spool files, uploads; remote objects as below).
    pub screenshots: u64,
    /// Decided idle periods.
    pub idle_periods: u64,
    /// Consent records.
    pub consents: u64,
    /// Report rollup rows.
    pub rollups: u64,
    /// Remote objects queued for deletion at the provider.
    pub remote_deletes_queued: u64,
    /// Remote objects the provider already confirmed deleted.
    pub remote_deleted: u64,
}

/// What an employee agreed to: each feature, under which policy version, when. With
/// `require_consent`, `start` refuses until one is recorded for the employee tracked, and a
/// feature not consented is off (screenshots, application and website records, input counts).
///
/// JSON: `{"employee": "ana", "screenshots": true, "applications": true, "urls": false,
/// "input": true, "policy_version": "2026-11", "accepted_at": "2026-12-01T09:00:00Z"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Whose consent (`None`: time tracked without an employee).
    #[serde(default)]
    pub employee: Option<String>,
    /// Screenshots.
    pub screenshots: bool,
    /// Application records (window titles).
    pub applications: bool,
    /// Website records.
    pub urls: bool,
    /// Keyboard and mouse counts (never which key).
    pub input: bool,
    /// The version of the privacy policy accepted.
    pub policy_version: String,
    /// When it was accepted.
    pub accepted_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preset_and_the_json_form() {
        let p: RetentionPolicy =
            serde_json::from_str(r#"{"screenshots": "365d", "urls": "60d"}"#).unwrap();
        assert_eq!(p, RetentionPolicy::time_doctor());
        assert!(p.keep_rollups);
        let now = Timestamp::from_secs(400 * 86_400);
        let c = p.cutoffs(now);
        assert_eq!(c.screenshots, Some(Timestamp::from_secs(35 * 86_400)));
        assert_eq!(
            c.thumbnails, c.screenshots,
            "thumbnails follow the full image"
        );
        assert_eq!(c.urls, Some(Timestamp::from_secs(340 * 86_400)));
        assert_eq!(c.slots, None);
        let short = RetentionPolicy {
            slots: Some(Seconds(3600)),
            ..RetentionPolicy::default()
        };
        assert_eq!(short.problems()[0].0, "retention.slots");
        assert!(RetentionPolicy::default().is_empty());
    }
}
