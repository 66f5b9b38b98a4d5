//! The active window: `_NET_ACTIVE_WINDOW` on the root window (the EWMH window manager keeps
//! it), then the window's title and class.

use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, Window};
use x11rb::rust_connection::RustConnection;

use super::probe::{atom, connect, text_property};
use crate::capture::{ActiveWindow, CaptureError, WindowSource};

/// The active window on X11. The title is `_NET_WM_NAME` (UTF-8), else `WM_NAME` (xterm and
/// many older programs set only that). The application is the last part of `WM_CLASS`, the
/// class (`XTerm`, `firefox-esr`), or the executable's file name (`/proc/<_NET_WM_PID>/exe`)
/// when the window has no class. One connection is kept and reopened after an error.
#[derive(Debug, Default)]
pub struct ActiveWindowPoller {
    conn: Option<(RustConnection, Window)>,
}

impl ActiveWindowPoller {
    /// The source.
    pub fn new() -> ActiveWindowPoller {
        ActiveWindowPoller::default()
    }
}

/// The class of `WM_CLASS` (`instance\0class\0`): its last non-empty part.
fn class(conn: &RustConnection, window: Window) -> Option<String> {
    let reply = conn
        .get_property(false, window, AtomEnum::WM_CLASS, AtomEnum::STRING, 0, 1024)
        .ok()?
        .reply()
        .ok()?;
    let value = String::from_utf8_lossy(&reply.value).into_owned();
    value
        .split('\0')
        .rfind(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The file name of the executable of the process that owns `window`, by `_NET_WM_PID` (only
/// meaningful for local clients, which is what a tracker watches).
fn executable(conn: &RustConnection, window: Window) -> Option<String> {
    let property = atom(conn, "_NET_WM_PID")?;
    let pid = conn
        .get_property(false, window, property, AtomEnum::CARDINAL, 0, 1)
        .ok()?
        .reply()
        .ok()?
        .value32()?
        .next()?;
    let path = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    Some(path.file_name()?.to_string_lossy().into_owned())
}

fn active(conn: &RustConnection, root: Window) -> Result<Option<ActiveWindow>, String> {
    // A window manager that keeps no _NET_ACTIVE_WINDOW, or 0 (the desktop, nothing focused).
    // A failed request here means the connection broke: reconnect at the next poll.
    let Some(property) = atom(conn, "_NET_ACTIVE_WINDOW") else {
        return Ok(None);
    };
    let reply = conn
        .get_property(false, root, property, AtomEnum::WINDOW, 0, 1)
        .map_err(|e| e.to_string())?
        .reply()
        .map_err(|e| e.to_string())?;
    let Some(window) = reply
        .value32()
        .and_then(|mut v| v.next())
        .filter(|w| *w != 0)
    else {
        return Ok(None);
    };
    let title = atom(conn, "_NET_WM_NAME")
        .and_then(|a| text_property(conn, window, a))
        .filter(|t| !t.is_empty())
        .or_else(|| text_property(conn, window, AtomEnum::WM_NAME.into()))
        .unwrap_or_default();
    let application = class(conn, window)
        .or_else(|| executable(conn, window))
        .unwrap_or_default();
    Ok(ActiveWindow::new(application, title))
}

impl WindowSource for ActiveWindowPoller {
    fn active_window(&mut self) -> Result<Option<ActiveWindow>, CaptureError> {
        if self.conn.is_none() {
            // The tracker checked the X server at start: losing it now means nothing usable
            // has the focus (the next poll tries again).
            self.conn = connect().ok();
        }
        let Some((conn, root)) = self.conn.as_ref() else {
            return Ok(None);
        };
        match active(conn, *root) {
            Ok(w) => Ok(w),
            Err(_) => {
                self.conn = None;
                Ok(None)
            }
        }
    }
}
