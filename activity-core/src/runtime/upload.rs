//! The uploader: a task on the tracker's runtime that drains the outbox (uploads and remote
//! deletions), woken by each capture, retrying with backoff.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::events::TrackerEvent;
use super::shared::Shared;
use crate::error::{Error, RuntimeError};
use crate::storage::outbox::{DrainReport, Due};

/// A running uploader: wake it, stop it.
pub(crate) struct Uploader {
    pub(crate) wake: Arc<Notify>,
    stop: Arc<Notify>,
    done: std::sync::mpsc::Receiver<()>,
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
            let _ = tx.send(());
        });
        Ok(Uploader { wake, stop, done })
    }

    /// Lets the uploader make its last pass (bounded by `stop_flush`) and waits for it.
    pub(crate) fn stop(self) {
        self.stop.notify_one();
        let _ = self.done.recv();
    }
}

async fn upload_loop(shared: &Shared, wake: &Notify, stop: &Notify) {
    loop {
        drain_and_report(shared, Due::Now).await;
        // Something waiting (a retry not yet due): look again soon. Nothing: sleep until a
        // capture wakes us.
        let busy = shared
            .outbox
            .pending()
            .is_ok_and(|p| p.count > 0 || p.deletes > 0);
        let delay = Duration::from_secs(if busy { 1 } else { 60 });
        tokio::select! {
            // `stop` comes after the capture thread has ended: one last pass delivers what it
            // enqueued (retries keep their backoff), bounded so that an unreachable storage
            // cannot hold `stop` up; what is left waits in the outbox.
            _ = stop.notified() => {
                let last = drain_and_report(shared, Due::Now);
                if tokio::time::timeout(shared.stop_flush, last).await.is_err() {
                    tracing::warn!(
                        pending = shared.outbox.pending().map(|p| p.count).unwrap_or(0),
                        "uploads not finished at stop wait in the outbox for the next start"
                    );
                }
                return;
            }
            _ = wake.notified() => {}
            _ = tokio::time::sleep(delay) => {}
        }
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
