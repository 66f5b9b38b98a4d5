//! Screens: monitors listed by xcap; pixels read with one `GetImage` (the fast path, BGRX handed
//! to the media pipeline unconverted) or through xcap's own conversion.

use xcb::x;

use super::probe::connect;
use crate::capture::xcap_monitors::{self, screens_failed};
use crate::capture::{CaptureError, Monitor, ScreenSource};
use crate::media::{OwnedFrame, PixelFormat};

/// Screens through xcap: every monitor at its native size; the pointer through X11 QueryPointer.
#[derive(Debug, Default)]
pub struct XcapScreens {
    _private: (),
}

impl XcapScreens {
    /// The source.
    pub fn new() -> XcapScreens {
        XcapScreens::default()
    }
}

impl ScreenSource for XcapScreens {
    fn monitors(&mut self) -> Result<Vec<Monitor>, CaptureError> {
        xcap_monitors::monitors()
    }

    fn pointer(&mut self) -> Result<Option<(i32, i32)>, CaptureError> {
        if !matches!(
            crate::capture::session(),
            crate::capture::Session::X11 { .. }
        ) {
            return Ok(None);
        }
        let (conn, root) = connect().map_err(screens_failed)?;
        let cookie = conn.send_request(&x::QueryPointer { window: root });
        let reply = conn.wait_for_reply(cookie).map_err(screens_failed)?;
        Ok(reply
            .same_screen()
            .then(|| (i32::from(reply.root_x()), i32::from(reply.root_y()))))
    }

    fn capture(&mut self, monitor: &Monitor) -> Result<OwnedFrame, CaptureError> {
        if matches!(
            crate::capture::session(),
            crate::capture::Session::X11 { .. }
        ) && let Some(frame) = x11_get_image(monitor).map_err(screens_failed)?
        {
            return Ok(frame);
        }
        self.capture_with_xcap(monitor)
    }
}

/// The X11 fast path: one `GetImage` of the monitor's rectangle of the root window. On the usual
/// 24/32-bit TrueColor servers the reply is already BGRX, which the media pipeline reads as is,
/// so nothing is converted (xcap converts every pixel to RGBA through a function call: about two
/// thirds of a 1080p screenshot's CPU). `None` for any other pixel layout: then xcap's general
/// conversion runs.
fn x11_get_image(monitor: &Monitor) -> Result<Option<OwnedFrame>, String> {
    let bad = |what: &str| format!("monitor {} has an unusable {what}", monitor.name);
    let (x, y) = (
        i16::try_from(monitor.x).map_err(|_| bad("position"))?,
        i16::try_from(monitor.y).map_err(|_| bad("position"))?,
    );
    let (w, h) = (
        u16::try_from(monitor.width).map_err(|_| bad("size"))?,
        u16::try_from(monitor.height).map_err(|_| bad("size"))?,
    );
    let (conn, root) = connect()?;
    let setup = conn.get_setup();
    let cookie = conn.send_request(&x::GetImage {
        format: x::ImageFormat::ZPixmap,
        drawable: x::Drawable::Window(root),
        x,
        y,
        width: w,
        height: h,
        plane_mask: u32::MAX,
    });
    let reply = conn.wait_for_reply(cookie).map_err(|e| e.to_string())?;
    let depth = reply.depth();
    let bits = setup
        .pixmap_formats()
        .iter()
        .find(|f| f.depth() == depth)
        .map(|f| f.bits_per_pixel());
    let bgrx = matches!(depth, 24 | 32)
        && bits == Some(32)
        && setup.image_byte_order() == x::ImageOrder::LsbFirst;
    let expected = usize::from(w) * usize::from(h) * 4;
    if !bgrx || reply.data().len() != expected {
        return Ok(None);
    }
    OwnedFrame::new(
        reply.data().to_vec(),
        u32::from(w),
        u32::from(h),
        PixelFormat::Bgra8,
    )
    .map(Some)
    .map_err(|e| e.to_string())
}

impl XcapScreens {
    /// Captures through xcap's general path (any platform, any X11 pixel layout, Wayland's
    /// portal), skipping the X11 fast path.
    pub fn capture_with_xcap(&mut self, monitor: &Monitor) -> Result<OwnedFrame, CaptureError> {
        xcap_monitors::capture(monitor)
    }
}
