//! Monitors and their pixels through xcap, for the X11 and Windows backends: the list with
//! positions and sizes, and one monitor's capture as RGBA.

use super::{CaptureError, Monitor, SourceKind};
use crate::media::{OwnedFrame, PixelFormat};

pub(super) fn screens_failed(e: impl std::fmt::Display) -> CaptureError {
    CaptureError::Failed {
        kind: SourceKind::Screens,
        reason: e.to_string(),
    }
}

fn describe(m: &xcap::Monitor) -> Result<Monitor, xcap::XCapError> {
    Ok(Monitor {
        id: m.id()?,
        name: m.name()?,
        x: m.x()?,
        y: m.y()?,
        width: m.width()?,
        height: m.height()?,
        primary: m.is_primary().unwrap_or(false),
    })
}

/// Every monitor at its native size.
pub(super) fn monitors() -> Result<Vec<Monitor>, CaptureError> {
    xcap::Monitor::all()
        .map_err(screens_failed)?
        .iter()
        .map(|m| describe(m).map_err(screens_failed))
        .collect()
}

/// `monitor`'s pixels, converted to RGBA by xcap.
pub(super) fn capture(monitor: &Monitor) -> Result<OwnedFrame, CaptureError> {
    let all = xcap::Monitor::all().map_err(screens_failed)?;
    let found = all
        .iter()
        .find(|m| m.id().ok() == Some(monitor.id))
        .ok_or_else(|| screens_failed(format!("monitor {} is gone", monitor.name)))?;
    let image = found.capture_image().map_err(screens_failed)?;
    let (w, h) = (image.width(), image.height());
    OwnedFrame::new(image.into_raw(), w, h, PixelFormat::Rgba8).map_err(screens_failed)
}
