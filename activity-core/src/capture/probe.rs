//! The probe: for each source, the first built-in backend that works in this session, and why
//! each one before it did not. The order, per session:
//!
//! | source | X11 session | Wayland session (XWayland or not) |
//! |---|---|---|
//! | screens | `x11` | `wlr_screencopy`, `portal` (`x11` passed over: XWayland shows only X clients) |
//! | windows | `x11` | `wlr_foreign_toplevel`, `kwin_script`, `gnome_focused_window` (`x11` passed over) |
//! | input | `x11`, `evdev` | `evdev`, `ext_idle_notify`, `kde_idle`, `mutter_idle_monitor` |
//!
//! On Wayland, `evdev` comes first because it alone counts events; the idle backends give
//! active seconds only. On Windows each source has one backend, `win32` (xcap's GDI capture,
//! rdev's low-level hooks, active-win-pos-rs's foreground window); the probe checks that this
//! process sees an interactive desktop (not a service in session 0, not a locked station).

use super::{
    Availability, Backend, Capabilities, InputSource, ScreenSource, Session, WindowSource,
};

const NO_DISPLAY: &str = "no display: DISPLAY is not set. Run inside a desktop session, or start \
     a virtual one (Xvfb :99 -screen 0 1920x1080x24 & openbox & export DISPLAY=:99)";

/// The capabilities for a session.
pub(crate) fn probe(session: Session) -> Capabilities {
    let missing = |feature: &str| {
        Availability::unavailable(format!(
            "activity-core was built without the `{feature}` feature"
        ))
    };
    let (mut screens, mut input, mut windows) = match &session {
        Session::Native => {
            let r = || {
                Availability::not_probed(
                    "this platform is not probed (only Linux X11/Wayland sessions are); the \
                     source is tried at start and a failure is reported as CaptureFailed",
                )
            };
            (r(), r(), r())
        }
        Session::None => {
            let r = || Availability::unavailable(NO_DISPLAY);
            (r(), r(), r())
        }
        Session::Windows => {
            #[cfg(windows)]
            let desktop = match crate::win::no_interactive_desktop() {
                Some(reason) => Err(reason),
                None => Ok(()),
            };
            #[cfg(not(windows))]
            let desktop: Result<(), String> =
                Err("a Windows session seen from another platform".into());
            let r = || Availability::first_working(vec![(Backend::Win32, desktop.clone())]);
            (r(), r(), r())
        }
        #[cfg(all(
            target_os = "linux",
            any(feature = "screens", feature = "input", feature = "windows")
        ))]
        Session::X11 { display } => linux::x11_session(display),
        #[cfg(all(
            target_os = "linux",
            any(feature = "screens", feature = "input", feature = "windows")
        ))]
        Session::Wayland { display, x_display } => {
            linux::wayland_session(display, x_display.as_deref())
        }
        #[cfg(not(all(
            target_os = "linux",
            any(feature = "screens", feature = "input", feature = "windows")
        )))]
        Session::X11 { .. } | Session::Wayland { .. } => {
            (missing("screens"), missing("input"), missing("windows"))
        }
    };
    if !cfg!(feature = "screens") {
        screens = missing("screens");
    }
    if !cfg!(feature = "input") {
        input = missing("input");
    }
    if !cfg!(feature = "windows") {
        windows = missing("windows");
    }
    Capabilities {
        session,
        screens,
        input,
        windows,
    }
}

#[cfg(all(
    target_os = "linux",
    any(feature = "screens", feature = "input", feature = "windows")
))]
mod linux {
    use std::path::Path;

    use super::super::{evdev, wayland, x11};
    use super::{Availability, Backend};

    type Three = (Availability, Availability, Availability);

    pub(super) fn x11_session(display: &str) -> Three {
        let (screens, input, windows) = x11::probe(display);
        (
            Availability::first_working(vec![(Backend::X11, screens)]),
            Availability::first_working(vec![
                (Backend::X11, input),
                (Backend::Evdev, evdev::probe(Path::new("/dev/input"))),
            ]),
            Availability::first_working(vec![(Backend::X11, windows)]),
        )
    }

    pub(super) fn wayland_session(display: &str, x_display: Option<&str>) -> Three {
        let wl = wayland::probe(display);
        let bus = wayland::probe_bus();
        let xwayland = |what: &str| -> Result<(), String> {
            Err(match x_display {
                Some(x) => format!(
                    "on a Wayland session the X server at {x} is XWayland, which shows only X \
                     clients: their {what} would miss every Wayland window"
                ),
                None => "this is a Wayland session without XWayland".to_string(),
            })
        };
        (
            Availability::first_working(vec![
                (
                    Backend::WlrScreencopy,
                    wl.has("zwlr_screencopy_manager_v1", "wlroots screen capture"),
                ),
                (Backend::Portal, bus.portal),
                (Backend::X11, xwayland("screen")),
            ]),
            Availability::first_working(vec![
                (Backend::Evdev, evdev::probe(Path::new("/dev/input"))),
                (
                    Backend::ExtIdleNotify,
                    wl.has("ext_idle_notifier_v1", "idle notifications"),
                ),
                (
                    Backend::KdeIdle,
                    wl.has("org_kde_kwin_idle", "KDE idle notifications"),
                ),
                (Backend::MutterIdleMonitor, bus.mutter_idle),
            ]),
            Availability::first_working(vec![
                (
                    Backend::WlrForeignToplevel,
                    wl.has(
                        "zwlr_foreign_toplevel_manager_v1",
                        "the wlroots list of windows",
                    ),
                ),
                (Backend::KwinScript, bus.kwin_script),
                (Backend::GnomeFocusedWindow, bus.gnome_focused_window),
                (Backend::X11, xwayland("active window")),
            ]),
        )
    }
}

/// The built-in screen source the probe chose.
pub(crate) fn built_in_screens(caps: &Capabilities) -> Option<Box<dyn ScreenSource>> {
    #[cfg(all(target_os = "linux", feature = "screens"))]
    return match caps.screens.backend? {
        Backend::X11 => Some(Box::new(super::x11::X11Screens::new())),
        Backend::WlrScreencopy => Some(Box::new(super::wayland::WlrScreencopy::new())),
        Backend::Portal => Some(Box::new(super::wayland::PortalScreens::new())),
        _ => None,
    };
    #[cfg(all(windows, feature = "screens"))]
    return match caps.screens.backend? {
        Backend::Win32 => Some(Box::new(super::windows::GdiScreens::new())),
        _ => None,
    };
    #[cfg(not(all(any(target_os = "linux", windows), feature = "screens")))]
    {
        let _ = caps;
        None
    }
}

/// The built-in input source the probe chose.
pub(crate) fn built_in_input(caps: &Capabilities) -> Option<Box<dyn InputSource>> {
    #[cfg(all(target_os = "linux", feature = "input"))]
    return match caps.input.backend? {
        Backend::X11 => Some(Box::new(super::x11::X11Input::new())),
        Backend::Evdev => Some(Box::new(super::evdev::EvdevInput::new())),
        Backend::ExtIdleNotify => Some(Box::new(super::wayland::IdleInput::ext())),
        Backend::KdeIdle => Some(Box::new(super::wayland::IdleInput::kde())),
        Backend::MutterIdleMonitor => Some(Box::new(super::wayland::MutterIdleInput::new())),
        _ => None,
    };
    #[cfg(all(windows, feature = "input"))]
    return match caps.input.backend? {
        Backend::Win32 => Some(Box::new(super::windows::RdevInput::new())),
        _ => None,
    };
    #[cfg(not(all(any(target_os = "linux", windows), feature = "input")))]
    {
        let _ = caps;
        None
    }
}

/// The built-in window source the probe chose.
pub(crate) fn built_in_windows(caps: &Capabilities) -> Option<Box<dyn WindowSource>> {
    #[cfg(all(target_os = "linux", feature = "windows"))]
    return match caps.windows.backend? {
        Backend::X11 => Some(Box::new(super::x11::ActiveWindowPoller::new())),
        Backend::WlrForeignToplevel => Some(Box::new(super::wayland::WlrForeignToplevel::new())),
        Backend::KwinScript => Some(Box::new(super::wayland::KwinScript::new())),
        Backend::GnomeFocusedWindow => Some(Box::new(super::wayland::GnomeFocusedWindow::new())),
        _ => None,
    };
    #[cfg(all(windows, feature = "windows"))]
    return match caps.windows.backend? {
        Backend::Win32 => Some(Box::new(super::windows::ForegroundWindow::new())),
        _ => None,
    };
    #[cfg(not(all(any(target_os = "linux", windows), feature = "windows")))]
    {
        let _ = caps;
        None
    }
}
