//! The built-in sources: xcap for screens, rdev for input, active-win-pos-rs for the active
//! window, plus a few direct X11 queries (through the `xcb` crate the other three already use)
//! that none of them offers: the pointer position, the probe behind
//! [`capabilities`](super::capabilities), and the `WM_NAME` title fallback.

#[cfg(feature = "windows")]
use super::{ActiveWindow, WindowSource};
use super::{Availability, CaptureError, SourceKind};
#[cfg(feature = "input")]
use super::{InputSink, InputSource};
#[cfg(feature = "screens")]
use super::{Monitor, ScreenSource};
#[cfg(feature = "screens")]
use crate::media::{OwnedFrame, PixelFormat};

use xcb::x;

fn connect() -> Result<(xcb::Connection, x::Window), String> {
    let (conn, screen) = xcb::Connection::connect(None).map_err(|e| e.to_string())?;
    let root = conn
        .get_setup()
        .roots()
        .nth(usize::try_from(screen).unwrap_or(0))
        .map(|s| s.root())
        .ok_or_else(|| "the X server reports no screen".to_string())?;
    Ok((conn, root))
}

fn has_extension(conn: &xcb::Connection, name: &str) -> bool {
    let cookie = conn.send_request(&x::QueryExtension {
        name: name.as_bytes(),
    });
    conn.wait_for_reply(cookie).is_ok_and(|r| r.present())
}

fn atom(conn: &xcb::Connection, name: &str) -> Option<x::Atom> {
    let cookie = conn.send_request(&x::InternAtom {
        only_if_exists: true,
        name: name.as_bytes(),
    });
    conn.wait_for_reply(cookie)
        .ok()
        .map(|r| r.atom())
        .filter(|a| *a != x::ATOM_NONE)
}

fn window_property(conn: &xcb::Connection, on: x::Window, name: &str) -> Option<x::Window> {
    let property = atom(conn, name)?;
    let cookie = conn.send_request(&x::GetProperty {
        delete: false,
        window: on,
        property,
        r#type: x::ATOM_WINDOW,
        long_offset: 0,
        long_length: 1,
    });
    let reply = conn.wait_for_reply(cookie).ok()?;
    reply.value::<x::Window>().first().copied()
}

/// Probes the X server named by `display` for each built-in source.
pub(crate) fn probe(display: &str) -> (Availability, Availability, Availability) {
    let (conn, root) = match connect() {
        Ok(c) => c,
        Err(e) => {
            let r = format!(
                "cannot connect to the X server at DISPLAY={display}: {e}. Is it running? If it \
                 refuses this user, check XAUTHORITY or allow it with `xhost +si:localuser:$USER`"
            );
            let u = || Availability::Unavailable(r.clone());
            return (u(), u(), u());
        }
    };
    let screens = if has_extension(&conn, "RANDR") {
        Availability::Available
    } else {
        Availability::Unavailable(format!(
            "the X server at {display} lacks the RANDR extension that monitors are listed through"
        ))
    };
    let input = if has_extension(&conn, "RECORD") {
        Availability::Available
    } else {
        Availability::Unavailable(format!(
            "the X server at {display} lacks the RECORD extension that input is observed through \
             (Xorg: add Load \"record\" to the Module section of xorg.conf)"
        ))
    };
    let windows = if window_property(&conn, root, "_NET_SUPPORTING_WM_CHECK").is_some() {
        Availability::Available
    } else {
        Availability::Unavailable(format!(
            "no EWMH window manager runs on {display}: the active window is read from \
             _NET_ACTIVE_WINDOW, which the window manager maintains (start one, e.g. openbox)"
        ))
    };
    (screens, input, windows)
}

// ---------------------------------------------------------------------------------------------
// Screens

/// Screens through xcap: every monitor at its native size; the pointer through X11 QueryPointer.
#[cfg(feature = "screens")]
#[derive(Debug, Default)]
pub struct XcapScreens {
    _private: (),
}

#[cfg(feature = "screens")]
impl XcapScreens {
    /// The source.
    pub fn new() -> XcapScreens {
        XcapScreens::default()
    }
}

#[cfg(feature = "screens")]
fn screens_failed(e: impl std::fmt::Display) -> CaptureError {
    CaptureError::Failed {
        kind: SourceKind::Screens,
        reason: e.to_string(),
    }
}

#[cfg(feature = "screens")]
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

#[cfg(feature = "screens")]
impl ScreenSource for XcapScreens {
    fn monitors(&mut self) -> Result<Vec<Monitor>, CaptureError> {
        xcap::Monitor::all()
            .map_err(screens_failed)?
            .iter()
            .map(|m| describe(m).map_err(screens_failed))
            .collect()
    }

    fn pointer(&mut self) -> Result<Option<(i32, i32)>, CaptureError> {
        if !matches!(super::session(), super::Session::X11 { .. }) {
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
        if matches!(super::session(), super::Session::X11 { .. })
            && let Some(frame) = x11_get_image(monitor).map_err(screens_failed)?
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
#[cfg(feature = "screens")]
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

#[cfg(feature = "screens")]
impl XcapScreens {
    /// Captures through xcap's general path (any platform, any X11 pixel layout, Wayland's
    /// portal), skipping the X11 fast path.
    pub fn capture_with_xcap(&mut self, monitor: &Monitor) -> Result<OwnedFrame, CaptureError> {
        let all = xcap::Monitor::all().map_err(screens_failed)?;
        let found = all
            .iter()
            .find(|m| m.id().ok() == Some(monitor.id))
            .ok_or_else(|| screens_failed(format!("monitor {} is gone", monitor.name)))?;
        let image = found.capture_image().map_err(screens_failed)?;
        let (w, h) = (image.width(), image.height());
        OwnedFrame::new(image.into_raw(), w, h, PixelFormat::Rgba8).map_err(screens_failed)
    }
}

// ---------------------------------------------------------------------------------------------
// Input

#[cfg(feature = "input")]
mod listener {
    use std::sync::{Mutex, OnceLock, RwLock, mpsc};
    use std::time::Duration;

    use crate::capture::InputSink;
    use crate::model::score::InputEvent;

    /// rdev keeps its callback in a process-wide static and its `listen` never returns while the
    /// display lives, so there is one listener thread per process; sources attach and detach a
    /// sink.
    static SINK: RwLock<Option<InputSink>> = RwLock::new(None);
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    static ENDED: Mutex<Option<String>> = Mutex::new(None);

    fn kind(event: &rdev::EventType) -> Option<InputEvent> {
        use rdev::EventType as E;
        // Only the kind leaves this function: the key, button and position are dropped here.
        match event {
            E::KeyPress(_) => Some(InputEvent::KeyPress),
            E::ButtonPress(_) => Some(InputEvent::ButtonPress),
            E::Wheel { .. } => Some(InputEvent::Wheel),
            E::MouseMove { .. } => Some(InputEvent::PointerMove),
            E::KeyRelease(_) | E::ButtonRelease(_) => None,
        }
    }

    fn dispatch(event: rdev::Event) {
        let Some(k) = kind(&event.event_type) else {
            return;
        };
        drop(event);
        if let Some(sink) = SINK.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            sink.record(k);
        }
    }

    pub(super) fn ensure_started() -> Result<(), String> {
        if let Some(reason) = crate::util::lock(&ENDED).clone() {
            return Err(reason);
        }
        STARTED
            .get_or_init(|| {
                let (tx, rx) = mpsc::channel();
                let spawned = std::thread::Builder::new()
                    .name("activity-core-input".into())
                    .spawn(move || {
                        let result = rdev::listen(dispatch);
                        let reason = match result {
                            Ok(()) => "the X server closed the input listener".to_string(),
                            Err(e) => format!("rdev could not listen: {e:?}"),
                        };
                        *crate::util::lock(&ENDED) = Some(reason.clone());
                        let _ = tx.send(reason);
                    });
                if let Err(e) = spawned {
                    return Err(format!("cannot start the input thread: {e}"));
                }
                // listen() fails at once when it cannot open the display or the RECORD
                // extension; otherwise it blocks for good.
                match rx.recv_timeout(Duration::from_millis(300)) {
                    Ok(reason) => Err(reason),
                    Err(_) => Ok(()),
                }
            })
            .clone()
    }

    pub(super) fn attach(sink: Option<InputSink>) {
        *SINK.write().unwrap_or_else(|p| p.into_inner()) = sink;
    }
}

/// Keyboard and mouse through rdev (X11 RECORD on Linux). Only event kinds reach the sink.
///
/// rdev supports one listener per process; starting a second `RdevInput` while one is attached
/// takes the events over from the first.
#[cfg(feature = "input")]
#[derive(Debug, Default)]
pub struct RdevInput {
    attached: bool,
}

#[cfg(feature = "input")]
impl RdevInput {
    /// The source.
    pub fn new() -> RdevInput {
        RdevInput::default()
    }
}

#[cfg(feature = "input")]
impl InputSource for RdevInput {
    fn start(&mut self, sink: InputSink) -> Result<(), CaptureError> {
        listener::ensure_started().map_err(|reason| CaptureError::Unavailable {
            kind: SourceKind::Input,
            reason,
        })?;
        listener::attach(Some(sink));
        self.attached = true;
        Ok(())
    }

    fn stop(&mut self) {
        if std::mem::take(&mut self.attached) {
            listener::attach(None);
        }
    }
}

#[cfg(feature = "input")]
impl Drop for RdevInput {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// Active window

/// The active window through active-win-pos-rs. Its title comes from `_NET_WM_NAME`; for windows
/// that set only `WM_NAME` (xterm, many older X programs) the crate returns an empty title and
/// this source reads `WM_NAME` itself. The application is the window's class (`XTerm`), or the
/// executable's file name when the window has no class.
#[cfg(feature = "windows")]
#[derive(Debug, Default)]
pub struct ActiveWindowPoller {
    _private: (),
}

#[cfg(feature = "windows")]
impl ActiveWindowPoller {
    /// The source.
    pub fn new() -> ActiveWindowPoller {
        ActiveWindowPoller::default()
    }
}

/// `WM_NAME` of the active window: Latin-1 (`STRING`) or UTF-8 (`UTF8_STRING`, `COMPOUND_TEXT`
/// read as UTF-8 where it is ASCII).
#[cfg(feature = "windows")]
fn active_wm_name() -> Option<String> {
    let (conn, root) = connect().ok()?;
    let window = window_property(&conn, root, "_NET_ACTIVE_WINDOW")?;
    let cookie = conn.send_request(&x::GetProperty {
        delete: false,
        window,
        property: x::ATOM_WM_NAME,
        r#type: x::ATOM_ANY,
        long_offset: 0,
        long_length: 4096,
    });
    let reply = conn.wait_for_reply(cookie).ok()?;
    let bytes = reply.value::<u8>();
    let title = if reply.r#type() == x::ATOM_STRING {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    };
    Some(title)
}

#[cfg(feature = "windows")]
impl WindowSource for ActiveWindowPoller {
    fn active_window(&mut self) -> Result<Option<ActiveWindow>, CaptureError> {
        // The crate reports every failure (no focus, a window that vanished mid-query, no X
        // server) as `Err(())`; the tracker checks the X server once at start, so here it means
        // "nothing usable has the focus".
        let Ok(w) = active_win_pos_rs::get_active_window() else {
            return Ok(None);
        };
        let title = if w.title.is_empty() {
            active_wm_name().unwrap_or_default()
        } else {
            w.title
        };
        let application = if w.app_name.is_empty() {
            w.process_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            w.app_name
        };
        if application.is_empty() && title.is_empty() {
            return Ok(None);
        }
        Ok(Some(ActiveWindow {
            application,
            title,
            url: None,
        }))
    }
}
