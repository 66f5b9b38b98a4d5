//! The X11 connection helpers and the capability probe: can this display be reached, does it
//! have RANDR and RECORD, is an EWMH window manager running.

use xcb::x;

pub(super) fn connect() -> Result<(xcb::Connection, x::Window), String> {
    let (conn, screen) = xcb::Connection::connect(None).map_err(|e| e.to_string())?;
    let root = conn
        .get_setup()
        .roots()
        .nth(usize::try_from(screen).unwrap_or(0))
        .map(|s| s.root())
        .ok_or_else(|| "the X server reports no screen".to_string())?;
    Ok((conn, root))
}

pub(super) fn has_extension(conn: &xcb::Connection, name: &str) -> bool {
    let cookie = conn.send_request(&x::QueryExtension {
        name: name.as_bytes(),
    });
    conn.wait_for_reply(cookie).is_ok_and(|r| r.present())
}

pub(super) fn atom(conn: &xcb::Connection, name: &str) -> Option<x::Atom> {
    let cookie = conn.send_request(&x::InternAtom {
        only_if_exists: true,
        name: name.as_bytes(),
    });
    conn.wait_for_reply(cookie)
        .ok()
        .map(|r| r.atom())
        .filter(|a| *a != x::ATOM_NONE)
}

pub(super) fn window_property(
    conn: &xcb::Connection,
    on: x::Window,
    name: &str,
) -> Option<x::Window> {
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
