//! The active window: active-win-pos-rs, with the `WM_NAME` fallback for windows that set no
//! `_NET_WM_NAME` (xterm).

use xcb::x;

use super::probe::{connect, window_property};
use crate::capture::{ActiveWindow, CaptureError, WindowSource};

/// The active window through active-win-pos-rs. Its title comes from `_NET_WM_NAME`; for windows
/// that set only `WM_NAME` (xterm, many older X programs) the crate returns an empty title and
/// this source reads `WM_NAME` itself. The application is the window's class (`XTerm`), or the
/// executable's file name when the window has no class.
#[derive(Debug, Default)]
pub struct ActiveWindowPoller {
    _private: (),
}

impl ActiveWindowPoller {
    /// The source.
    pub fn new() -> ActiveWindowPoller {
        ActiveWindowPoller::default()
    }
}

/// `WM_NAME` of the active window: Latin-1 (`STRING`) or UTF-8 (`UTF8_STRING`, `COMPOUND_TEXT`
/// read as UTF-8 where it is ASCII).
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
        Ok(ActiveWindow::new(application, title))
    }
}
