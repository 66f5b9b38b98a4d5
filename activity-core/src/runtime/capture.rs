//! The capture thread: screens → media pipeline (blur) → outbox. One job at a time; a job that
//! arrives while the gate is closed (a switch turned off meanwhile) captures nothing.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::events::{ScreenshotTaken, TrackerEvent};
use super::shared::Shared;
use crate::capture::{CaptureError, ScreenSource, SourceKind, select_monitors};
use crate::media::{self, PipelineOptions};
use crate::model::activity::WorkContext;
use crate::model::slot::slot_start;
use crate::storage::key::screenshot_keys;
use crate::storage::records::{Screenshot, UploadState};
use crate::util::new_id;

/// One capture request.
pub(crate) struct Job {
    pub(crate) context: WorkContext,
}

/// The capture thread: its job queue and its handle (which hands the screen source back).
pub(crate) type CaptureThread = (mpsc::SyncSender<Job>, JoinHandle<Box<dyn ScreenSource>>);

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

pub(crate) fn capture_loop(
    shared: &Shared,
    mut screens: Box<dyn ScreenSource>,
    jobs: &mpsc::Receiver<Job>,
    wake: &Notify,
) -> Box<dyn ScreenSource> {
    let options = PipelineOptions::from_config(&shared.config);
    for job in jobs {
        // The switches may have changed since the job was queued: the gate decides now.
        if shared.gate().is_open() {
            // A panic in the screen source or the media pipeline fails this capture, reported,
            // not the thread: later screenshots still come.
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                capture_once(shared, screens.as_mut(), &job, &options, wake);
            }));
            if let Err(panic) = caught {
                capture_failed(
                    shared,
                    format!("the capture panicked: {}", super::panic_message(&*panic)),
                );
            }
        }
    }
    screens
}

fn capture_failed(shared: &Shared, reason: String) {
    shared.emit(TrackerEvent::CaptureFailed {
        source: SourceKind::Screens,
        reason,
    });
}

fn capture_once(
    shared: &Shared,
    screens: &mut dyn ScreenSource,
    job: &Job,
    options: &PipelineOptions,
    wake: &Notify,
) {
    let all = shared.config.track_all_displays;
    let monitors = match screens.monitors() {
        Ok(m) if m.is_empty() => return capture_failed(shared, "no monitor found".into()),
        Ok(m) => m,
        Err(CaptureError::Deferred { reason, .. }) => {
            tracing::debug!(%reason, "screenshot deferred");
            return;
        }
        Err(e) => return capture_failed(shared, e.to_string()),
    };
    let pointer = if all {
        None
    } else {
        screens.pointer().unwrap_or(None)
    };
    for monitor in select_monitors(&monitors, all, pointer) {
        let t0 = Instant::now();
        let taken_at = shared.now();
        let frame = match screens.capture(&monitor) {
            Ok(f) => f,
            Err(e) => {
                capture_failed(shared, e.to_string());
                continue;
            }
        };
        let t1 = Instant::now();
        let processed = media::process(&frame.as_frame(), options);
        // With blur on, the original pixels go no further than this.
        drop(frame);
        let processed = match processed {
            Ok(p) => p,
            Err(e) => {
                capture_failed(shared, format!("processing the screenshot failed: {e}"));
                continue;
            }
        };
        let t2 = Instant::now();
        let id = new_id();
        let slot = slot_start(taken_at, shared.config.slot_seconds);
        let employee = job.context.employee.as_deref().unwrap_or("unassigned");
        let keys = match screenshot_keys(slot, employee, &id, processed.format) {
            Ok(k) => k,
            Err(e) => {
                capture_failed(shared, format!("no storage key for the screenshot: {e}"));
                continue;
            }
        };
        let row = Screenshot {
            id: id.clone(),
            slot_start: slot,
            taken_at,
            monitor: monitor.name.clone(),
            x: monitor.x,
            y: monitor.y,
            width: processed.full.width,
            height: processed.full.height,
            blurred: processed.blurred,
            format: processed.format.extension().to_string(),
            full_key: keys.full.clone(),
            thumb_key: keys.thumbnail.clone(),
            full_bytes: processed.full.bytes.len() as u64,
            thumb_bytes: processed.thumbnail.bytes.len() as u64,
            sha256: processed.full.sha256_hex(),
            thumb_sha256: processed.thumbnail.sha256_hex(),
            provider: shared.storage.provider().to_string(),
            upload_state: UploadState::Pending,
            context: job.context.clone(),
        };
        if let Err(e) =
            shared
                .outbox
                .enqueue(&row, &processed.full.bytes, &processed.thumbnail.bytes)
        {
            capture_failed(shared, format!("queueing the screenshot failed: {e}"));
            continue;
        }
        let t3 = Instant::now();
        wake.notify_one();
        shared.emit(TrackerEvent::ScreenshotTaken(Box::new(ScreenshotTaken {
            id,
            taken_at,
            slot_start: slot,
            monitor,
            blurred: row.blurred,
            full_key: row.full_key,
            thumb_key: row.thumb_key,
            full_bytes: row.full_bytes,
            sha256: row.sha256,
            capture_millis: millis(t1 - t0),
            process_millis: millis(t2 - t1),
            enqueue_millis: millis(t3 - t2),
        })));
    }
}
