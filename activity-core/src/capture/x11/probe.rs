//! The X11 connection helpers and the capability probe: can this display be reached, does it
//! have RANDR and RECORD, is an EWMH window manager running.
//!
//! Every X11 backend talks to the server through x11rb's pure-Rust connection: the crate links
//! no libxcb or libX11, so a build shipped to machines without display libraries still loads
//! (and the probe then says why X11 is unavailable).

use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{Atom, AtomEnum, ConnectionExt as _, Window};
use x11rb::rust_connection::RustConnection;

/// A connection to the display in `DISPLAY`, and its default screen's root window.
pub(super) fn connect() -> Result<(RustConnection, Window), String> {
    let (conn, screen) = RustConnection::connect(None).map_err(|e| e.to_string())?;
    let root = conn
        .setup()
        .roots
        .get(screen)
        .map(|s| s.root)
        .ok_or_else(|| "the X server reports no screen".to_string())?;
    Ok((conn, root))
}

pub(super) fn has_extension(conn: &RustConnection, name: &str) -> bool {
    conn.query_extension(name.as_bytes())
        .ok()
        .and_then(|c| c.reply().ok())
        .is_some_and(|r| r.present)
}

pub(super) fn atom(conn: &RustConnection, name: &str) -> Option<Atom> {
    conn.intern_atom(true, name.as_bytes())
        .ok()?
        .reply()
        .ok()
        .map(|r| r.atom)
        .filter(|a| *a != u32::from(AtomEnum::NONE))
}

/// The first value of the `WINDOW` property `name` of `on`.
pub(super) fn window_property(conn: &RustConnection, on: Window, name: &str) -> Option<Window> {
    let property = atom(conn, name)?;
    let reply = conn
        .get_property(false, on, property, AtomEnum::WINDOW, 0, 1)
        .ok()?
        .reply()
        .ok()?;
    reply.value32()?.next()
}

/// Whether the X11 backend of each source (screens, input, windows) works on the X server named
/// by `display`, and if not why.
pub(crate) type X11Probe = (Result<(), String>, Result<(), String>, Result<(), String>);

/// Probes the X server named by `display` for each built-in source.
pub(crate) fn probe(display: &str) -> X11Probe {
    let (conn, root) = match connect() {
        Ok(c) => c,
        Err(e) => {
            let r = format!(
                "cannot connect to the X server at DISPLAY={display}: {e}. Is it running? If it \
                 refuses this user, check XAUTHORITY or allow it with `xhost +si:localuser:$USER`"
            );
            return (Err(r.clone()), Err(r.clone()), Err(r));
        }
    };
    let screens = if has_extension(&conn, "RANDR") {
        Ok(())
    } else {
        Err(format!(
            "the X server at {display} lacks the RANDR extension that monitors are listed through"
        ))
    };
    let input = if has_extension(&conn, "RECORD") {
        Ok(())
    } else {
        Err(format!(
            "the X server at {display} lacks the RECORD extension that input is observed through \
             (Xorg: add Load \"record\" to the Module section of xorg.conf)"
        ))
    };
    let windows = if window_property(&conn, root, "_NET_SUPPORTING_WM_CHECK").is_some() {
        Ok(())
    } else {
        Err(format!(
            "no EWMH window manager runs on {display}: the active window is read from \
             _NET_ACTIVE_WINDOW, which the window manager maintains (start one, e.g. openbox)"
        ))
    };
    (screens, input, windows)
}

/// A text property of `window` as a string: `STRING` is Latin-1, anything else (`UTF8_STRING`,
/// `COMPOUND_TEXT` where it is ASCII) is read as UTF-8. `None` when the window has no such
/// property.
pub(super) fn text_property(
    conn: &RustConnection,
    window: Window,
    property: Atom,
) -> Option<String> {
    let reply = conn
        .get_property(false, window, property, AtomEnum::ANY, 0, 4096)
        .ok()?
        .reply()
        .ok()?;
    if reply.type_ == u32::from(AtomEnum::NONE) {
        return None;
    }
    Some(if reply.type_ == u32::from(AtomEnum::STRING) {
        reply.value.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8_lossy(&reply.value).into_owned()
    })
}
