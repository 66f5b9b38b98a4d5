//! Retention purges, data-subject export and erasure, consent: the [`Tracker`] methods and the
//! purge the running tracker makes daily.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::Ordering;

use sha2::{Digest, Sha256};

use super::query::{Query, Viewer};
use super::shared::Shared;
use super::tracker::Tracker;
use crate::clock::Timestamp;
use crate::error::{Error, RuntimeError};
use crate::model::retention::{
    Consent, EraseReport, ExportedFile, PurgeReport, RetentionPolicy, SubjectExport,
};
use crate::storage::records::{Filter, Write};

/// Screenshots deleted per transaction by a purge or an erasure.
const BATCH: usize = 200;
/// How often a running tracker with a retention policy purges.
pub(crate) const PURGE_EVERY_MILLIS: i64 = 86_400_000;

fn invalid_policy(problems: Vec<(&'static str, String)>) -> Error {
    crate::model::config::ConfigError::from_problems(problems).into()
}

/// The local half of a purge: every row, spool file and pending upload older than the
/// policy's cutoffs goes, and every remote object that may have left the machine is queued for
/// deletion (durably: retried until the provider confirms). Each step commits on its own and
/// selects what is still older than its cutoff, so a purge cut off anywhere (a crash, a kill)
/// and run again finishes the job and removes nothing twice. The run is logged.
pub(crate) fn purge_local(
    shared: &Shared,
    policy: &RetentionPolicy,
    now: Timestamp,
) -> Result<PurgeReport, Error> {
    let cut = policy.cutoffs(now);
    let mut r = PurgeReport {
        at: now,
        cutoffs: cut.clone(),
        ..PurgeReport::default()
    };
    let older = |t: Timestamp| Filter {
        to: Some(t),
        ..Filter::default()
    };
    // Whole screenshots: both images past their retention.
    if let (Some(full), Some(thumb)) = (cut.screenshots, cut.thumbnails) {
        let shots = shared
            .records
            .screenshots_where(&older(full.min(thumb)), now)?;
        for chunk in shots.chunks(BATCH) {
            let queued = shared.outbox.delete_screenshots(chunk)?;
            r.screenshots += chunk.len() as u64;
            r.remote_deletes_queued += queued.len() as u64;
            tracing::info!(
                deleted = r.screenshots,
                of = shots.len(),
                "retention purge: screenshots deleted"
            );
        }
    }
    // One image past its retention, the other kept longer.
    for (cutoff, full) in [(cut.screenshots, true), (cut.thumbnails, false)] {
        let Some(t) = cutoff else { continue };
        for shot in shared.records.screenshots_where(&older(t), now)? {
            let key = if full {
                &shot.full_key
            } else {
                &shot.thumb_key
            };
            if key.is_empty() {
                continue;
            }
            if shared.outbox.drop_object(&shot, full)?.is_some() {
                r.remote_deletes_queued += 1;
            }
            if full {
                r.full_images += 1;
            } else {
                r.thumbnails += 1;
            }
        }
    }
    let [titles, urls, activities, slots] = shared.records.purge_counts(&cut)?;
    if titles + urls + activities + slots > 0 {
        shared.records.write(vec![Write::PurgeRows {
            cutoffs: Box::new(cut.clone()),
            keep_rollups: policy.keep_rollups,
        }])?;
    }
    (r.window_titles, r.urls, r.activities, r.slots) = (titles, urls, activities, slots);
    shared
        .records
        .write(vec![Write::PurgeLog(Box::new(r.clone()))])?;
    tracing::info!(
        at = %now,
        screenshots = r.screenshots,
        full_images = r.full_images,
        thumbnails = r.thumbnails,
        window_titles = r.window_titles,
        urls = r.urls,
        activities = r.activities,
        slots = r.slots,
        remote_deletes_queued = r.remote_deletes_queued,
        "retention purge done"
    );
    Ok(r)
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<ExportedFile, Error> {
    let path = dir.join(name);
    let io = |e: std::io::Error| -> Error {
        RuntimeError::DataDir {
            path: path.display().to_string(),
            message: format!("cannot write the export: {e}"),
        }
        .into()
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut f = crate::util::private_file_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok(ExportedFile {
        path: name.to_string(),
        bytes: bytes.len() as u64,
        sha256: crate::util::hex(&Sha256::digest(bytes)),
    })
}

fn jsonl<T: serde::Serialize>(rows: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows {
        if let Ok(line) = serde_json::to_string(r) {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
    out
}

impl Tracker {
    /// The tracker's clock now (the system clock, or the one given to the builder).
    pub fn now(&self) -> Timestamp {
        self.shared.now()
    }

    /// The retention policy in force (`Config::retention`, or the last
    /// [`set_retention_policy`](Self::set_retention_policy)).
    pub fn retention_policy(&self) -> Option<RetentionPolicy> {
        crate::util::lock(&self.shared.retention).clone()
    }

    /// Puts a retention policy in force (`None`: keep everything). A running tracker purges
    /// with it at its next turn, then daily. A field below one day is refused, named.
    pub fn set_retention_policy(&self, policy: Option<RetentionPolicy>) -> Result<(), Error> {
        if let Some(p) = &policy {
            let problems = p.problems();
            if !problems.is_empty() {
                return Err(invalid_policy(problems));
            }
        }
        *crate::util::lock(&self.shared.retention) = policy;
        self.shared.next_purge.store(i64::MIN, Ordering::Release);
        Ok(())
    }

    /// Purges what the retention policy in force no longer keeps at `now` (see
    /// [`purge_with`](Self::purge_with)); without a policy, `InvalidState`.
    pub fn purge(&self, now: Timestamp) -> Result<PurgeReport, Error> {
        let policy = self.retention_policy().ok_or(RuntimeError::InvalidState {
            operation: "purge",
            state: "without a retention policy",
        })?;
        self.purge_with(&policy, now)
    }

    /// Removes every copy of what `policy` no longer keeps at `now`: rows (titles and addresses
    /// blanked, activity and slot rows removed), spool files, pending uploads, thumbnails, and
    /// the objects at the provider, through the durable delete path (tried now when this
    /// process may talk to the provider for the folder, else by its owner; retried until the
    /// provider confirms). Resumable and idempotent: a purge cut off anywhere and run again
    /// finishes the job. Each run is logged (`purge_log`).
    pub fn purge_with(
        &self,
        policy: &RetentionPolicy,
        now: Timestamp,
    ) -> Result<PurgeReport, Error> {
        let problems = policy.problems();
        if !problems.is_empty() {
            return Err(invalid_policy(problems));
        }
        let report = purge_local(&self.shared, policy, now)?;
        self.delete_remote_queued();
        Ok(report)
    }

    /// Every purge run recorded in this data folder, newest first.
    pub fn purge_log(&self) -> Result<Vec<PurgeReport>, Error> {
        Ok(self
            .shared
            .records
            .purge_log()?
            .into_iter()
            .filter_map(|(_, json)| serde_json::from_str(&json).ok())
            .collect())
    }

    /// Tries every queued remote deletion now, when this process may talk to the provider for
    /// the folder (it runs the tracker, or no tracker owns the folder); what fails stays queued
    /// with its backoff. Returns how many the provider confirmed.
    fn delete_remote_queued(&self) -> u64 {
        let Ok(_lock) = self.provider_access("delete at the provider") else {
            return 0;
        };
        let ids: std::collections::BTreeSet<String> = match self.shared.records.deletes_all() {
            Ok(all) => all.into_iter().map(|d| d.screenshot_id).collect(),
            Err(_) => return 0,
        };
        let mut confirmed = 0;
        for id in ids {
            let shared = self.shared.clone();
            let outcome = self.shared.run(async move {
                shared
                    .outbox
                    .delete_remote_now(shared.storage.as_ref(), &id)
                    .await
            });
            if let Ok(Ok(o)) = outcome {
                confirmed += o.remote_deleted.len() as u64;
            }
        }
        confirmed
    }

    fn check_subject(viewer: &Viewer, employee: &str) -> Result<(), Error> {
        viewer.check()?;
        if employee.trim().is_empty() {
            return Err(RuntimeError::InvalidArgument("employee must not be empty".into()).into());
        }
        if !viewer.may_see(Some(employee)) {
            return Err(RuntimeError::InvalidArgument(format!(
                "this viewer may not act on {employee:?}'s data"
            ))
            .into());
        }
        Ok(())
    }

    /// Everything kept about `employee` (GDPR articles 15 and 20), written to `folder` (made
    /// if missing, owner-only files): one JSON Lines file per table (`slots.jsonl`,
    /// `activities.jsonl`, `screenshots.jsonl`, `idle_periods.jsonl`, `consents.jsonl`, rows in
    /// the query API's serialised forms), every screenshot and thumbnail
    /// (`screenshots/<id>.<ext>`, `screenshots/<id>-thumb.<ext>`, from this machine or the
    /// provider), and `manifest.json` with the counts and each file's size and SHA-256.
    /// `viewer` must be allowed to see the employee's data (the employee, their manager, or the
    /// product as `Admin`).
    pub fn export_subject(
        &self,
        viewer: &Viewer,
        employee: &str,
        folder: impl AsRef<Path>,
    ) -> Result<SubjectExport, Error> {
        Self::check_subject(viewer, employee)?;
        let dir = folder.as_ref();
        crate::util::create_private_dir(dir).map_err(|e| RuntimeError::DataDir {
            path: dir.display().to_string(),
            message: format!("cannot create the export folder: {e}"),
        })?;
        let query = Query {
            employee: Some(employee.to_string()),
            ..Query::default()
        };
        let admin = Viewer::Admin;
        let slots = self.slots(&admin, &query)?;
        let activities = self.activities(&admin, &query)?;
        let screenshots = self.screenshots(&admin, &query)?;
        let idle = self.idle_periods(&admin, &query)?;
        let consents: Vec<serde_json::Value> = self
            .shared
            .records
            .consents(Some(employee))?
            .iter()
            .filter_map(|j| serde_json::from_str(j).ok())
            .collect();
        let mut counts = BTreeMap::new();
        let mut files = Vec::new();
        counts.insert("slots".to_string(), slots.len() as u64);
        counts.insert("activities".to_string(), activities.len() as u64);
        counts.insert("screenshots".to_string(), screenshots.len() as u64);
        counts.insert("idle_periods".to_string(), idle.len() as u64);
        counts.insert("consents".to_string(), consents.len() as u64);
        files.push(write_file(dir, "slots.jsonl", &jsonl(&slots))?);
        files.push(write_file(dir, "activities.jsonl", &jsonl(&activities))?);
        files.push(write_file(dir, "screenshots.jsonl", &jsonl(&screenshots))?);
        files.push(write_file(dir, "idle_periods.jsonl", &jsonl(&idle))?);
        files.push(write_file(dir, "consents.jsonl", &jsonl(&consents))?);
        for shot in &screenshots {
            for (thumb, key, suffix) in [
                (false, &shot.full_key, ""),
                (true, &shot.thumb_key, "-thumb"),
            ] {
                if key.is_empty() {
                    continue;
                }
                let bytes = self.screenshot_bytes(&admin, &shot.id, thumb)?;
                let name = format!("screenshots/{}{suffix}.{}", shot.id, shot.format);
                files.push(write_file(dir, &name, &bytes)?);
            }
        }
        let manifest = SubjectExport {
            format_version: 1,
            employee: employee.to_string(),
            exported_at: self.shared.now(),
            counts,
            files,
        };
        let text = serde_json::to_vec_pretty(&manifest).map_err(|e| {
            RuntimeError::InvalidArgument(format!("cannot serialise the manifest: {e}"))
        })?;
        write_file(dir, "manifest.json", &text)?;
        Ok(manifest)
    }

    /// Erases everything kept about `employee`: every screenshot (record, spool files, pending
    /// uploads, and the objects at the provider through the durable delete path), every slot,
    /// checkpoint, activity, idle period, report rollup and consent of theirs. Returns what it
    /// removed. Screenshot objects the provider has not confirmed deleted yet stay queued and
    /// are retried until it does (by this process, or the folder's owner).
    pub fn erase_subject(&self, viewer: &Viewer, employee: &str) -> Result<EraseReport, Error> {
        Self::check_subject(viewer, employee)?;
        let now = self.shared.now();
        let shots = self.shared.records.screenshots_where(
            &Filter {
                employees: Some(vec![employee.to_string()]),
                ..Filter::default()
            },
            now,
        )?;
        let mut report = EraseReport {
            employee: employee.to_string(),
            ..EraseReport::default()
        };
        for chunk in shots.chunks(BATCH) {
            let queued = self.shared.outbox.delete_screenshots(chunk)?;
            report.screenshots += chunk.len() as u64;
            report.remote_deletes_queued += queued.len() as u64;
        }
        let counts = self.shared.records.subject_counts(employee)?;
        self.shared.records.write(vec![Write::EraseSubject {
            employee: employee.to_string(),
        }])?;
        let n = |k: &str| counts.get(k).copied().unwrap_or(0);
        report.slots = n("slots");
        report.activities = n("activities");
        report.idle_periods = n("idle_periods");
        report.rollups = n("rollups");
        report.consents = n("consents");
        report.remote_deleted = self.delete_remote_queued();
        report.remote_deletes_queued = report
            .remote_deletes_queued
            .saturating_sub(report.remote_deleted);
        if crate::util::lock(&self.shared.consent_for).as_deref() == Some(employee) {
            self.shared.consented.set(None);
        }
        tracing::info!(
            %employee,
            screenshots = report.screenshots,
            slots = report.slots,
            activities = report.activities,
            "data subject erased"
        );
        Ok(report)
    }

    /// Records what `consent.employee` agreed to (replacing an earlier record). While this
    /// employee is tracked, features not consented stop at once.
    pub fn record_consent(&self, consent: Consent) -> Result<(), Error> {
        if consent.policy_version.trim().is_empty() {
            return Err(RuntimeError::InvalidArgument(
                "consent: policy_version must not be empty".into(),
            )
            .into());
        }
        let employee = consent.employee.clone().unwrap_or_default();
        let json = serde_json::to_string(&consent)
            .map_err(|e| RuntimeError::InvalidArgument(format!("consent: {e}")))?;
        self.shared.records.write(vec![Write::Setting {
            name: crate::storage::records::consent_key(&employee),
            value: json,
        }])?;
        if crate::util::lock(&self.shared.consent_for).as_deref() == Some(employee.as_str()) {
            self.shared.consented.set(Some(&consent));
        }
        Ok(())
    }

    /// The consent recorded for `employee` (`None` for time tracked without one), if any.
    pub fn consent(&self, employee: Option<&str>) -> Result<Option<Consent>, Error> {
        Ok(self
            .shared
            .records
            .consents(Some(employee.unwrap_or("")))?
            .first()
            .and_then(|j| serde_json::from_str(j).ok()))
    }

    /// Puts the consent of `employee` in force for a run (start, or a context change while
    /// running): refused without one when consent is required.
    pub(super) fn apply_consent(&self, employee: Option<&str>) -> Result<(), Error> {
        let consent = self.consent(employee)?;
        if consent.is_none() && self.shared.require_consent {
            return Err(RuntimeError::ConsentMissing(
                employee.unwrap_or("(no employee)").to_string(),
            )
            .into());
        }
        self.shared.consented.set(consent.as_ref());
        *crate::util::lock(&self.shared.consent_for) = Some(employee.unwrap_or("").to_string());
        Ok(())
    }
}
