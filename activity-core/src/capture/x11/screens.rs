//! Screens: monitors listed through RandR (`GetMonitors`, the list `xrandr --listactivemonitors`
//! prints); pixels read with one `GetImage` of the monitor's rectangle of the root window.

use x11rb::connection::Connection as _;
use x11rb::image::{Image, PixelLayout};
use x11rb::protocol::randr::ConnectionExt as _;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, ImageOrder, Visualtype, Window};
use x11rb::rust_connection::RustConnection;

use super::probe::connect;
use crate::capture::{CaptureError, Monitor, ScreenSource, SourceKind};
use crate::media::{OwnedFrame, PixelFormat};

fn screens_failed(e: impl std::fmt::Display) -> CaptureError {
    CaptureError::Failed {
        kind: SourceKind::Screens,
        reason: e.to_string(),
    }
}

/// Screens on X11: every active monitor RandR lists, at its native size; the pointer through
/// `QueryPointer`. One connection is kept and reopened after an error.
#[derive(Debug, Default)]
pub struct X11Screens {
    conn: Option<(RustConnection, Window)>,
}

impl X11Screens {
    /// The source.
    pub fn new() -> X11Screens {
        X11Screens::default()
    }

    /// Runs `f` on the kept connection (opening it first); an error drops the connection, so
    /// the next call reconnects (the server restarted, the display changed).
    fn with_conn<T>(
        &mut self,
        f: impl FnOnce(&RustConnection, Window) -> Result<T, String>,
    ) -> Result<T, CaptureError> {
        if self.conn.is_none() {
            self.conn = Some(connect().map_err(screens_failed)?);
        }
        let (conn, root) = self.conn.as_ref().expect("connected above");
        let result = f(conn, *root);
        if result.is_err() {
            self.conn = None;
        }
        result.map_err(screens_failed)
    }

    /// Captures `monitor` through the general conversion (each pixel decoded through the root
    /// visual's masks into RGBA), skipping the BGRX fast path: what servers with other pixel
    /// layouts get, and what the tests compare the fast path with.
    pub fn capture_converted(&mut self, monitor: &Monitor) -> Result<OwnedFrame, CaptureError> {
        let rect = rect(monitor).map_err(screens_failed)?;
        self.with_conn(|conn, root| converted(conn, root, rect))
    }
}

impl ScreenSource for X11Screens {
    fn monitors(&mut self) -> Result<Vec<Monitor>, CaptureError> {
        self.with_conn(monitors)
    }

    fn pointer(&mut self) -> Result<Option<(i32, i32)>, CaptureError> {
        self.with_conn(|conn, root| {
            let reply = conn
                .query_pointer(root)
                .map_err(|e| e.to_string())?
                .reply()
                .map_err(|e| e.to_string())?;
            Ok(reply
                .same_screen
                .then(|| (i32::from(reply.root_x), i32::from(reply.root_y))))
        })
    }

    fn capture(&mut self, monitor: &Monitor) -> Result<OwnedFrame, CaptureError> {
        let rect = rect(monitor).map_err(screens_failed)?;
        self.with_conn(|conn, root| match fast_path(conn, root, rect)? {
            Some(frame) => Ok(frame),
            None => converted(conn, root, rect),
        })
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Every active monitor: RandR 1.5 `GetMonitors`. The id is the monitor's first output (a
/// monitor made with `xrandr --setmonitor` and no output gets its name's atom), the name the
/// output's (`HDMI-1`; Xvfb's is `screen`).
fn monitors(conn: &RustConnection, root: Window) -> Result<Vec<Monitor>, String> {
    let reply = conn
        .randr_get_monitors(root, true)
        .map_err(err)?
        .reply()
        .map_err(err)?;
    let mut list = Vec::with_capacity(reply.monitors.len());
    for m in reply.monitors {
        let output_name = match m.outputs.first() {
            Some(&output) => conn
                .randr_get_output_info(output, x11rb::CURRENT_TIME)
                .map_err(err)?
                .reply()
                .ok()
                .map(|info| String::from_utf8_lossy(&info.name).into_owned()),
            None => None,
        };
        let name = match output_name {
            Some(n) => n,
            None => conn
                .get_atom_name(m.name)
                .map_err(err)?
                .reply()
                .map(|r| String::from_utf8_lossy(&r.name).into_owned())
                .unwrap_or_default(),
        };
        list.push(Monitor {
            id: m.outputs.first().copied().unwrap_or(m.name),
            name,
            x: i32::from(m.x),
            y: i32::from(m.y),
            width: u32::from(m.width),
            height: u32::from(m.height),
            primary: m.primary,
        });
    }
    Ok(list)
}

type Rect = (i16, i16, u16, u16);

fn rect(monitor: &Monitor) -> Result<Rect, String> {
    let bad = |what: &str| format!("monitor {} has an unusable {what}", monitor.name);
    Ok((
        i16::try_from(monitor.x).map_err(|_| bad("position"))?,
        i16::try_from(monitor.y).map_err(|_| bad("position"))?,
        u16::try_from(monitor.width).map_err(|_| bad("size"))?,
        u16::try_from(monitor.height).map_err(|_| bad("size"))?,
    ))
}

/// The fast path: one `GetImage` of the monitor's rectangle of the root window. On the usual
/// 24/32-bit TrueColor servers the reply is already BGRX, which the media pipeline reads as is,
/// so nothing is converted. `None` for any other pixel layout.
fn fast_path(
    conn: &RustConnection,
    root: Window,
    (x, y, w, h): Rect,
) -> Result<Option<OwnedFrame>, String> {
    let reply = conn
        .get_image(ImageFormat::Z_PIXMAP, root, x, y, w, h, u32::MAX)
        .map_err(err)?
        .reply()
        .map_err(err)?;
    let setup = conn.setup();
    let bits = setup
        .pixmap_formats
        .iter()
        .find(|f| f.depth == reply.depth)
        .map(|f| f.bits_per_pixel);
    let bgrx = matches!(reply.depth, 24 | 32)
        && bits == Some(32)
        && setup.image_byte_order == ImageOrder::LSB_FIRST
        && root_visual(conn).is_some_and(|v| {
            (v.red_mask, v.green_mask, v.blue_mask) == (0x00ff_0000, 0x0000_ff00, 0x0000_00ff)
        });
    let expected = usize::from(w) * usize::from(h) * 4;
    if !bgrx || reply.data.len() != expected {
        return Ok(None);
    }
    OwnedFrame::new(reply.data, u32::from(w), u32::from(h), PixelFormat::Bgra8)
        .map(Some)
        .map_err(err)
}

fn hi(v: u16) -> u8 {
    v.to_be_bytes()[0]
}

fn root_visual(conn: &RustConnection) -> Option<Visualtype> {
    let screen = conn.setup().roots.first()?;
    screen
        .allowed_depths
        .iter()
        .flat_map(|d| d.visuals.iter())
        .find(|v| v.visual_id == screen.root_visual)
        .copied()
}

/// The general path: `GetImage`, then every pixel decoded through the root visual's channel
/// masks (any depth, bits per pixel, byte order) into RGBA.
fn converted(
    conn: &RustConnection,
    root: Window,
    (x, y, w, h): Rect,
) -> Result<OwnedFrame, String> {
    let (image, _visual) = Image::get(conn, root, x, y, w, h).map_err(err)?;
    let visual = root_visual(conn).ok_or("the X server's root visual is not listed")?;
    let layout = PixelLayout::from_visual_type(visual).map_err(err)?;
    let mut out = Vec::with_capacity(usize::from(w) * usize::from(h) * 4);
    for row in 0..h {
        for col in 0..w {
            // Decoded to 16 bits per channel; the high byte is the 8-bit value.
            let (r, g, b) = layout.decode(image.get_pixel(col, row));
            out.extend_from_slice(&[hi(r), hi(g), hi(b), 255]);
        }
    }
    OwnedFrame::new(out, u32::from(w), u32::from(h), PixelFormat::Rgba8).map_err(err)
}
