//! The uploader: a task on the tracker's runtime that drains the outbox (uploads and remote
//! deletions), woken by each capture, retrying with backoff.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::events::TrackerEvent;
use super::shared::Shared;
use crate::error::{Error, RuntimeError};
use crate::storage::outbox::{DrainReport, Due};

/// A running uploader: wake it, stop it. Dropped without [`stop`](Self::stop) (a control
/// thread that panicked), it still tells its task to end, so the task's reference to the
/// tracker's shared state never outlives the run.
pub(crate) struct Uploader {
    pub(crate) wake: Arc<Notify>,
    stop: Arc<Notify>,
    done: Option<std::sync::mpsc::Receiver<()>>,
}

impl Uploader {
    pub(crate) fn start(shared: &Arc<Shared>) -> Result<Uploader, Error> {
        let handle = shared
            .io
            .handle()
            .ok_or_else(|| RuntimeError::Thread("the uploader: the runtime is gone".into()))?;
        let (wake, stop) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let (tx, done) = std::sync::mpsc::sync_channel(1);
        let (s, w, st) = (shared.clone(), wake.clone(), stop.clone());
        handle.spawn(async move {
            upload_loop(&s, &w, &st).await;
            drop(s);
            let _ = tx.send(());
        });
        Ok(Uploader {
            wake,
            stop,
            done: Some(done),
        })
    }

    /// Cuts off a pass in progress (its claims released, what it did not finish stays in the
    /// outbox), makes one last pass over what is due bounded by `stop_flush`, and waits for
    /// it: at most `stop_flush` and a moment, whatever the storage does.
    pub(crate) fn stop(mut self) {
        self.stop.notify_one();
        if let Some(done) = self.done.take() {
            let _ = done.recv();
        }
    }
}

impl Drop for Uploader {
    fn drop(&mut self) {
        if self.done.is_some() {
            self.stop.notify_one();
        }
    }
}

async fn upload_loop(shared: &Shared, wake: &Notify, stop: &Notify) {
    let mut mismatch_reported = false;
    loop {
        // A pass runs until done or until `stop` cuts it off (a black-holed network or a hung
        // embedder storage cannot hold `stop` for longer than `stop_flush`).
        let stopped = tokio::select! {
            report = drain_and_report(shared, Due::Now) => {
                if let Some(r) = report
                    && !r.foreign.is_empty()
                    && !mismatch_reported
                {
                    mismatch_reported = true;
                    report_foreign(shared, &r);
                }
                false
            }
            _ = stop.notified() => true,
        };
        if !stopped {
            // Something waiting (a retry not yet due, a deletion another process queued): look
            // again soon. Nothing: look every few seconds (another process may queue a
            // deletion for this owner to carry out) or when a capture wakes us.
            let busy = shared
                .outbox
                .pending()
                .is_ok_and(|p| p.count > 0 || p.deletes > 0);
            let delay = Duration::from_secs(if busy { 1 } else { 5 });
            tokio::select! {
                _ = stop.notified() => {}
                _ = wake.notified() => continue,
                _ = tokio::time::sleep(delay) => continue,
            }
        }
        // `stop` comes after the capture thread has ended: one last pass delivers what it
        // enqueued (retries keep their backoff), bounded so that an unreachable storage cannot
        // hold `stop` up; what is left waits in the outbox.
        let last = drain_and_report(shared, Due::Now);
        if tokio::time::timeout(shared.stop_flush, last).await.is_err() {
            tracing::warn!(
                pending = shared.outbox.pending().map(|p| p.count).unwrap_or(0),
                "uploads not finished at stop wait in the outbox for the next start"
            );
        }
        return;
    }
}

/// Reports rows that belong to another storage location, one event per location.
fn report_foreign(shared: &Shared, report: &DrainReport) {
    let current = shared.storage.location();
    let mut by_location: std::collections::BTreeMap<&str, u64> = Default::default();
    for f in &report.foreign {
        *by_location.entry(f.location.as_str()).or_default() += 1;
    }
    for (location, count) in by_location {
        tracing::warn!(%location, %current, count, "uploads and deletions wait for another storage location");
        shared.emit(TrackerEvent::StorageMismatch {
            count,
            location: location.to_string(),
            current: current.clone(),
        });
    }
}

/// One outbox pass, reported as events.
pub(crate) async fn drain_and_report(shared: &Shared, due: Due) -> Option<DrainReport> {
    match shared.outbox.drain(shared.storage.as_ref(), due).await {
        Ok(report) => {
            report_drain(shared, &report);
            Some(report)
        }
        Err(e) => {
            tracing::error!(error = %e, "outbox drain failed");
            None
        }
    }
}

fn report_drain(shared: &Shared, report: &DrainReport) {
    for id in &report.stored {
        shared.emit(TrackerEvent::ScreenshotStored { id: id.clone() });
    }
    for (screenshot_id, key) in &report.deleted {
        shared.emit(TrackerEvent::RemoteDeleteConfirmed {
            screenshot_id: screenshot_id.clone(),
            key: key.clone(),
        });
    }
    for r in &report.retrying {
        shared.emit(TrackerEvent::UploadRetrying {
            screenshot_id: r.screenshot_id.clone(),
            key: r.key.clone(),
            attempts: r.attempts,
            next_attempt: r.next_attempt,
            error: r.error.clone(),
        });
    }
}
