//! The org dataset export ([`crate::dataset`]): [`Tracker::export`], and the running tracker's
//! scheduled export (a task on the tracker's runtime, retried with backoff while the store is
//! unreachable).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::events::TrackerEvent;
use super::shared::Shared;
use super::tracker::Tracker;
use crate::clock::Timestamp;
use crate::dataset::{
    DatasetConfig, DatasetLocation, ExportReport, ExportedDay, Rows, Table, date_of,
};
use crate::error::{Error, RuntimeError};
use crate::storage::backend::ObjectStorage;
use crate::storage::records::Write;
use crate::storage::records::export::DAY_MS;

/// The setting holding this data folder's generated device name.
const DEVICE_SETTING: &str = "dataset_device";
/// The first retry of a failed scheduled export; doubled up to the schedule's interval.
const FIRST_RETRY: Duration = Duration::from_secs(30);

fn open_store(dataset: &DatasetConfig) -> Result<Arc<dyn ObjectStorage>, Error> {
    Ok(match &dataset.location {
        DatasetLocation::Folder(root) => {
            // Signed URLs are not part of a dataset: the secret only satisfies the provider.
            let secret: String = (0..64)
                .map(|_| char::from(b"0123456789abcdef"[rand::random_range(0..16)]))
                .collect();
            Arc::new(crate::storage::local::LocalStorage::new(
                &crate::storage::config::LocalConfig {
                    root: root.clone(),
                    url_secret: crate::storage::secret::Secret::new(secret),
                    public_url: None,
                },
            )?)
        }
        DatasetLocation::Storage(config) => Arc::from(crate::storage::open(config)?),
    })
}

/// This data folder's device name: the dataset's, else one generated once and kept.
fn device_name(shared: &Shared, dataset: &DatasetConfig) -> Result<String, Error> {
    if let Some(d) = &dataset.device {
        return Ok(d.clone());
    }
    if let Some(d) = shared.records.setting(DEVICE_SETTING)? {
        return Ok(d);
    }
    let id: String = (0..16)
        .map(|_| char::from(b"0123456789abcdef"[rand::random_range(0..16)]))
        .collect();
    shared.records.write(vec![Write::Setting {
        name: DEVICE_SETTING.into(),
        value: id,
    }])?;
    // Another process may have written its own first: the stored one wins.
    Ok(shared.records.setting(DEVICE_SETTING)?.unwrap_or_default())
}

/// Exports every table-day in `[since, until)` (whole UTC days; `None`: unbounded) whose rows
/// changed since `dataset` received them. Stops at the first store error: what was written is
/// marked, the rest is written by the next run.
pub(crate) fn export_with(
    shared: &Arc<Shared>,
    dataset: &DatasetConfig,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) -> Result<ExportReport, Error> {
    dataset.validate()?;
    let store = open_store(dataset)?;
    let device = device_name(shared, dataset)?;
    let sink = dataset.sink_id(&store.location(), &device);
    let from_day = since.map_or(i64::MIN, |t| t.as_millis().div_euclid(DAY_MS) * DAY_MS);
    let to_day = until.map_or(i64::MAX, |t| {
        let ms = t.as_millis();
        ms.div_euclid(DAY_MS) * DAY_MS
            + if ms.rem_euclid(DAY_MS) == 0 {
                0
            } else {
                DAY_MS
            }
    });
    let (changes, marks) = shared.records.snapshot(|s| -> Result<_, Error> {
        Ok((s.export_changes(from_day, to_day)?, s.export_marks(&sink)?))
    })?;
    let mut report = ExportReport {
        device: device.clone(),
        ..ExportReport::default()
    };
    for (tbl, day, generation) in changes {
        let Some(table) = Table::from_name(&tbl) else {
            continue;
        };
        let held = marks.get(&(tbl.clone(), day)).copied();
        if held.map(|(g, _)| g) == Some(generation) {
            report.unchanged += 1;
            continue;
        }
        let day_t = Timestamp::from_millis(day);
        let key = dataset.key(table, day_t, &device);
        // The generation and the rows from one snapshot: a change committed after it raises
        // the generation past the one marked, and the next run writes the day again.
        let now = shared.now();
        let (generation, bytes, rows) = shared.records.snapshot(|s| -> Result<_, Error> {
            let generation = s.export_generation(&tbl, day)?.unwrap_or(generation);
            let (bytes, rows) = match table {
                Table::Slots => {
                    let r = s.day_slots(day)?;
                    let rows = Rows::Slots(&r, &shared.config);
                    (encode(&rows, dataset, &device, day_t)?, rows.len())
                }
                Table::Activities => {
                    let r = s.day_activities(day)?;
                    let rows = Rows::Activities(&r, dataset.titles);
                    (encode(&rows, dataset, &device, day_t)?, rows.len())
                }
                Table::Screenshots => {
                    let r = s.day_screenshots(day, now)?;
                    let rows = Rows::Screenshots(&r);
                    (encode(&rows, dataset, &device, day_t)?, rows.len())
                }
            };
            Ok((generation, bytes, rows))
        })?;
        let s = store.clone();
        let k = key.clone();
        match bytes {
            Some(bytes) => {
                let size = bytes.len() as u64;
                shared.run(async move { s.put(&k, bytes::Bytes::from(bytes)).await })??;
                report.written.push(ExportedDay {
                    table,
                    date: date_of(day_t),
                    key,
                    rows: rows as u64,
                    bytes: size,
                });
            }
            None => {
                shared.run(async move { s.delete(&k).await })??;
                if held.is_some_and(|(_, r)| r > 0) {
                    report.removed.push(key);
                }
            }
        }
        shared.records.write(vec![Write::ExportMark {
            sink: sink.clone(),
            table: tbl,
            day_ms: day,
            generation,
            rows: rows as i64,
            at_ms: now.as_millis(),
        }])?;
    }
    tracing::info!(
        files = report.written.len(),
        rows = report.rows(),
        bytes = report.bytes(),
        removed = report.removed.len(),
        unchanged = report.unchanged,
        "dataset export"
    );
    Ok(report)
}

/// The file of `rows`, or `None` when there are none (the day's file is removed).
fn encode(
    rows: &Rows<'_>,
    dataset: &DatasetConfig,
    device: &str,
    day: Timestamp,
) -> Result<Option<Vec<u8>>, Error> {
    if rows.len() == 0 {
        return Ok(None);
    }
    Ok(Some(rows.encode(&dataset.org, device, day)?))
}

impl Tracker {
    /// Writes this data folder's records to `dataset` as partitioned Parquet files
    /// ([`crate::dataset`]): every table-day in `[since, until)` (whole UTC days; `None`:
    /// unbounded) that changed since the dataset received it, replacing its file, or removing
    /// it when the day's rows are all gone. Idempotent: a second run with nothing changed
    /// writes nothing. A store error stops the run (`Io`); what was written stays marked and
    /// the next run goes on from there.
    pub fn export(
        &self,
        dataset: &DatasetConfig,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> Result<ExportReport, Error> {
        if self.shared.on_own_thread() {
            return Err(RuntimeError::Reentrant("export").into());
        }
        export_with(&self.shared, dataset, since, until)
    }

    /// The dataset the running tracker exports to on a schedule, if any.
    pub fn dataset(&self) -> Option<DatasetConfig> {
        crate::util::lock(&self.shared.dataset).clone()
    }

    /// Sets (or with `None` ends) the scheduled export: while the tracker runs, every
    /// [`DatasetConfig::every`] (and at start, and at once when set), with retries after
    /// 30 s, 1 min, 2 min… up to the interval while the store fails (each failure an
    /// `export_retrying` event, each run an `exported` event). Refused settings are named.
    pub fn set_dataset(&self, dataset: Option<DatasetConfig>) -> Result<(), Error> {
        if let Some(d) = &dataset {
            d.validate()?;
        }
        *crate::util::lock(&self.shared.dataset) = dataset;
        self.shared.export_wake.notify_one();
        Ok(())
    }
}

/// The running tracker's scheduled export.
pub(crate) struct Exporter {
    stop: Arc<Notify>,
    done: Option<std::sync::mpsc::Receiver<()>>,
}

impl Exporter {
    pub(crate) fn start(shared: &Arc<Shared>) -> Result<Exporter, Error> {
        let handle = shared
            .io
            .handle()
            .ok_or_else(|| RuntimeError::Thread("the exporter: the runtime is gone".into()))?;
        let stop = Arc::new(Notify::new());
        let (tx, done) = std::sync::mpsc::sync_channel(1);
        let (s, st) = (shared.clone(), stop.clone());
        handle.spawn(async move {
            export_loop(&s, &st).await;
            drop(s);
            let _ = tx.send(());
        });
        Ok(Exporter {
            stop,
            done: Some(done),
        })
    }

    /// Ends the schedule; an export in progress finishes first (its files are whole either
    /// way: a put is atomic).
    pub(crate) fn stop(mut self) {
        self.stop.notify_one();
        if let Some(done) = self.done.take() {
            let _ = done.recv();
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        if self.done.is_some() {
            self.stop.notify_one();
        }
    }
}

async fn export_loop(shared: &Arc<Shared>, stop: &Notify) {
    let mut retry = FIRST_RETRY;
    loop {
        let dataset = crate::util::lock(&shared.dataset).clone();
        let wait = match dataset {
            None => None,
            Some(dataset) => {
                let s = shared.clone();
                let d = dataset.clone();
                let outcome =
                    tokio::task::spawn_blocking(move || export_with(&s, &d, None, None)).await;
                match outcome {
                    Ok(Ok(report)) => {
                        retry = FIRST_RETRY;
                        shared.emit(TrackerEvent::Exported(Box::new(report)));
                        Some(dataset.every)
                    }
                    Ok(Err(e)) => {
                        let wait = retry.min(dataset.every);
                        retry = (retry * 2).min(dataset.every);
                        tracing::warn!(error = %e, retry_in = ?wait, "dataset export failed; retrying");
                        shared.emit(TrackerEvent::ExportRetrying {
                            error: e.to_string(),
                            next_attempt: shared.now().add_millis(wait.as_millis() as i64),
                        });
                        Some(wait)
                    }
                    Err(_) => Some(dataset.every),
                }
            }
        };
        let wake = shared.export_wake.notified();
        tokio::select! {
            _ = stop.notified() => return,
            _ = wake => {}
            _ = async {
                match wait {
                    Some(w) => tokio::time::sleep(w).await,
                    None => std::future::pending::<()>().await,
                }
            } => {}
        }
    }
}
