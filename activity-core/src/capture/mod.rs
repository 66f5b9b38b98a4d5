//! Capture: the OS-facing layer. Three sources, each a small trait so tests and embedders can
//! supply their own, and each with a built-in implementation behind a cargo feature (on by
//! default):
//!
//! | source | trait | built-in (feature) |
//! |---|---|---|
//! | screens | [`ScreenSource`] | [`x11::XcapScreens`] (`screens`, the xcap crate) |
//! | keyboard and mouse | [`InputSource`] | [`x11::RdevInput`] (`input`, the rdev crate) |
//! | the active window | [`WindowSource`] | [`x11::ActiveWindowPoller`] (`windows`, active-win-pos-rs) |
//!
//! [`capabilities`] says which built-in sources work on this machine and, when one does not, why
//! (no display, a Wayland session, the X server refusing the connection, a missing extension or
//! window manager).
//!
//! **Privacy.** An [`InputSink`] accepts only an [`InputEvent`] kind: there is no way to hand it a
//! key code, a character or a pointer position. The rdev listener sees key identities (the crate
//! computes them); the built-in source drops them in its callback, before anything is counted.
//! The pointer position is read only when a screenshot is due and `track_all_displays` is off, to
//! pick the monitor under it; it is not kept.

use std::fmt;
use std::sync::Arc;

use crate::media::OwnedFrame;
use crate::model::score::InputEvent;

#[cfg(any(feature = "screens", feature = "input", feature = "windows"))]
pub mod x11;

/// Which capture source something is about. Serialised as `screens`, `input`, `windows`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Screens (screenshots).
    Screens,
    /// Keyboard and mouse activity.
    Input,
    /// The active window (application and title) and, where a source provides it, the URL.
    Windows,
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceKind::Screens => "screens",
            SourceKind::Input => "input",
            SourceKind::Windows => "windows",
        })
    }
}

/// Errors of capture sources.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The source cannot work on this machine (see [`capabilities`]).
    #[error("{kind} capture is unavailable: {reason}")]
    Unavailable {
        /// The source.
        kind: SourceKind,
        /// Why, with what would fix it.
        reason: String,
    },
    /// One capture failed; later ones may work.
    #[error("{kind} capture failed: {reason}")]
    Failed {
        /// The source.
        kind: SourceKind,
        /// What went wrong.
        reason: String,
    },
}

/// One monitor, in the virtual desktop's pixel coordinates.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Monitor {
    /// The platform's id for it.
    pub id: u32,
    /// Its name (`HDMI-1`, `screen`, …).
    pub name: String,
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width in pixels (native, not scaled).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Whether the platform calls it primary.
    pub primary: bool,
}

impl Monitor {
    /// Whether the point lies on this monitor (left/top edges inclusive, right/bottom exclusive).
    pub fn contains(&self, x: i32, y: i32) -> bool {
        let (x, y) = (i64::from(x), i64::from(y));
        let (l, t) = (i64::from(self.x), i64::from(self.y));
        x >= l && y >= t && x < l + i64::from(self.width) && y < t + i64::from(self.height)
    }
}

/// The monitor holding the point: a 2-D hit test, so monitors side by side, stacked vertically
/// or in any arrangement work. `None` when the point is on none (a gap between monitors).
pub fn monitor_at(monitors: &[Monitor], x: i32, y: i32) -> Option<&Monitor> {
    monitors.iter().find(|m| m.contains(x, y))
}

/// The monitors a capture takes: all of them, or the one under the pointer. Without a known
/// pointer position, or with the pointer in a gap, the primary monitor (else the first).
pub fn select_monitors(
    monitors: &[Monitor],
    all_displays: bool,
    pointer: Option<(i32, i32)>,
) -> Vec<Monitor> {
    if all_displays {
        return monitors.to_vec();
    }
    pointer
        .and_then(|(x, y)| monitor_at(monitors, x, y))
        .or_else(|| monitors.iter().find(|m| m.primary))
        .or_else(|| monitors.first())
        .into_iter()
        .cloned()
        .collect()
}

/// Screens: list the monitors, say where the pointer is, capture one monitor.
pub trait ScreenSource: Send {
    /// Every monitor, at its native pixel size.
    fn monitors(&mut self) -> Result<Vec<Monitor>, CaptureError>;
    /// The pointer's position in desktop coordinates, if known. Asked only when one monitor is
    /// to be captured.
    fn pointer(&mut self) -> Result<Option<(i32, i32)>, CaptureError>;
    /// The monitor's current pixels.
    fn capture(&mut self, monitor: &Monitor) -> Result<OwnedFrame, CaptureError>;
}

/// The focused window, as a window source reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveWindow {
    /// The application (on X11 the window's class, such as `XTerm` or `firefox`).
    pub application: String,
    /// The window title.
    pub title: String,
    /// The URL of the active tab, when the source knows it (a browser integration).
    pub url: Option<String>,
}

/// The active window, polled once a second by the tracker.
pub trait WindowSource: Send {
    /// The focused window now; `Ok(None)` when nothing has the focus.
    fn active_window(&mut self) -> Result<Option<ActiveWindow>, CaptureError>;
}

/// Where an input source delivers events: only their kind. Cheap to clone; calling
/// [`record`](Self::record) never blocks or allocates.
#[derive(Clone)]
pub struct InputSink(Arc<dyn Fn(InputEvent) + Send + Sync>);

impl InputSink {
    /// A sink calling `f` for each event.
    pub fn new(f: impl Fn(InputEvent) + Send + Sync + 'static) -> InputSink {
        InputSink(Arc::new(f))
    }

    /// Delivers one event.
    pub fn record(&self, event: InputEvent) {
        (self.0)(event)
    }
}

impl fmt::Debug for InputSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InputSink")
    }
}

/// Keyboard and mouse: from `start` until `stop`, every key press, button press, wheel step and
/// pointer movement goes to the sink as its kind.
pub trait InputSource: Send {
    /// Begins delivering events to `sink`.
    fn start(&mut self, sink: InputSink) -> Result<(), CaptureError>;
    /// Stops delivering events (events after this are dropped).
    fn stop(&mut self);
}

/// The kind of desktop session found. Serialised as `{"kind": "x11", "display": ":0"}`,
/// `{"kind": "wayland", …}`, `{"kind": "native"}` or `{"kind": "none"}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Session {
    /// An X11 session on this display (`:0`, `:99`, …).
    X11 {
        /// The `DISPLAY` value.
        display: String,
    },
    /// A Wayland session (`WAYLAND_DISPLAY` set or `XDG_SESSION_TYPE=wayland`).
    Wayland {
        /// The `WAYLAND_DISPLAY` value (may be empty).
        display: String,
    },
    /// Not a Linux desktop session this library probes (macOS, Windows).
    Native,
    /// No display at all.
    None,
}

/// Whether a source works here. Serialised as `{"state": "available"}`,
/// `{"state": "unavailable", "reason": "…"}` or `{"state": "not_probed", "reason": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum Availability {
    /// It works.
    Available,
    /// It does not; the reason says why and what would fix it.
    Unavailable(String),
    /// This platform is not probed (macOS, Windows): the source may or may not work; the
    /// tracker tries it and reports a failure as a `CaptureFailed` event.
    NotProbed(String),
}

impl Availability {
    /// Whether it works.
    pub fn is_available(&self) -> bool {
        matches!(self, Availability::Available)
    }

    /// The reason it does not work (`None` when available or not probed).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Availability::Available | Availability::NotProbed(_) => None,
            Availability::Unavailable(r) => Some(r),
        }
    }
}

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Availability::Available => f.write_str("available"),
            Availability::Unavailable(r) => write!(f, "unavailable: {r}"),
            Availability::NotProbed(r) => write!(f, "not probed: {r}"),
        }
    }
}

/// What the built-in capture sources can do on this machine, and why not.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Capabilities {
    /// The session found.
    pub session: Session,
    /// Screenshots.
    pub screens: Availability,
    /// Keyboard and mouse counting.
    pub input: Availability,
    /// Active window tracking.
    pub windows: Availability,
}

impl Capabilities {
    /// The availability of one source.
    pub fn of(&self, source: SourceKind) -> &Availability {
        match source {
            SourceKind::Screens => &self.screens,
            SourceKind::Input => &self.input,
            SourceKind::Windows => &self.windows,
        }
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let session = match &self.session {
            Session::X11 { display } => format!("X11 on {display}"),
            Session::Wayland { display } => format!("Wayland ({display})"),
            Session::Native => "native".into(),
            Session::None => "no display".into(),
        };
        writeln!(f, "session: {session}")?;
        writeln!(f, "screens: {}", self.screens)?;
        writeln!(f, "input:   {}", self.input)?;
        write!(f, "windows: {}", self.windows)
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The session the environment describes (`DISPLAY`, `WAYLAND_DISPLAY`, `XDG_SESSION_TYPE`).
pub fn session() -> Session {
    if !cfg!(target_os = "linux") {
        return Session::Native;
    }
    let wayland = env("WAYLAND_DISPLAY");
    if wayland.is_some() || env("XDG_SESSION_TYPE").as_deref() == Some("wayland") {
        return Session::Wayland {
            display: wayland.unwrap_or_default(),
        };
    }
    match env("DISPLAY") {
        Some(display) => Session::X11 { display },
        None => Session::None,
    }
}

const NO_DISPLAY: &str = "no display: DISPLAY is not set. Run inside a desktop session, or start \
     a virtual one (Xvfb :99 -screen 0 1920x1080x24 & openbox & export DISPLAY=:99)";

/// Probes this machine: which built-in sources work, and why the others do not.
pub fn capabilities() -> Capabilities {
    probe(session())
}

/// The capabilities for a session (the probing part of [`capabilities`]).
fn probe(session: Session) -> Capabilities {
    let missing = |feature: &str| {
        Availability::Unavailable(format!(
            "activity-core was built without the `{feature}` feature"
        ))
    };
    let (mut screens, mut input, mut windows) = match &session {
        Session::Native => {
            let r = || {
                Availability::NotProbed(
                    "this platform is not probed (only Linux X11/Wayland sessions are); the \
                     source is tried at start and a failure is reported as CaptureFailed"
                        .into(),
                )
            };
            (r(), r(), r())
        }
        Session::None => {
            let r = || Availability::Unavailable(NO_DISPLAY.into());
            (r(), r(), r())
        }
        Session::Wayland { .. } => (
            // xcap captures through the desktop portal (the user may be asked once).
            Availability::Available,
            Availability::Unavailable(
                "a Wayland session does not let applications observe global input (rdev needs \
                 X11); feed events from your own hooks with Tracker::record_input, or log in to \
                 an X11 session"
                    .into(),
            ),
            Availability::Unavailable(
                "a Wayland session does not expose the focused window to applications (only \
                 Hyprland and KWin are supported by active-win-pos-rs); feed samples with \
                 Tracker::record_window, or log in to an X11 session"
                    .into(),
            ),
        ),
        #[cfg(any(feature = "screens", feature = "input", feature = "windows"))]
        Session::X11 { display } => x11::probe(display),
        #[cfg(not(any(feature = "screens", feature = "input", feature = "windows")))]
        Session::X11 { .. } => (
            Availability::Available,
            Availability::Available,
            Availability::Available,
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unprobed_platform_says_not_probed_instead_of_available() {
        let caps = probe(Session::Native);
        for kind in [SourceKind::Screens, SourceKind::Input, SourceKind::Windows] {
            // Compiled-out features still say so; otherwise "not probed", never "available".
            assert!(
                matches!(
                    caps.of(kind),
                    Availability::NotProbed(_) | Availability::Unavailable(_)
                ),
                "{kind}: {:?}",
                caps.of(kind)
            );
        }
        let json = serde_json::to_value(&caps).unwrap();
        assert_eq!(json["session"]["kind"], "native");
    }

    fn m(name: &str, x: i32, y: i32, w: u32, h: u32, primary: bool) -> Monitor {
        Monitor {
            id: 0,
            name: name.into(),
            x,
            y,
            width: w,
            height: h,
            primary,
        }
    }

    #[test]
    fn hit_test_is_two_dimensional() {
        // Stacked vertically: same x range, different y. A 1-D test on x alone would pick the
        // first one for every point.
        let stacked = [
            m("top", 0, 0, 1920, 1080, true),
            m("bottom", 0, 1080, 1920, 1080, false),
        ];
        assert_eq!(monitor_at(&stacked, 100, 100).unwrap().name, "top");
        assert_eq!(monitor_at(&stacked, 100, 1079).unwrap().name, "top");
        assert_eq!(monitor_at(&stacked, 100, 1080).unwrap().name, "bottom");
        assert_eq!(monitor_at(&stacked, 1919, 2159).unwrap().name, "bottom");
        assert!(monitor_at(&stacked, 1920, 500).is_none());
        assert!(monitor_at(&stacked, 5, 2160).is_none());
        // Side by side with the second one left of the origin and offset down.
        let mixed = [
            m("main", 0, 0, 2560, 1440, true),
            m("left", -1080, 200, 1080, 1920, false),
        ];
        assert_eq!(monitor_at(&mixed, -1, 300).unwrap().name, "left");
        assert!(monitor_at(&mixed, -1, 100).is_none());
        assert_eq!(monitor_at(&mixed, 0, 100).unwrap().name, "main");
    }

    #[test]
    fn selection_falls_back_to_primary() {
        let ms = [
            m("a", 0, 0, 100, 100, false),
            m("b", 0, 100, 100, 100, true),
        ];
        assert_eq!(select_monitors(&ms, true, Some((5, 5))).len(), 2);
        assert_eq!(select_monitors(&ms, false, Some((5, 150)))[0].name, "b");
        assert_eq!(select_monitors(&ms, false, Some((5, 5)))[0].name, "a");
        assert_eq!(select_monitors(&ms, false, None)[0].name, "b");
        assert_eq!(select_monitors(&ms, false, Some((500, 5)))[0].name, "b");
        assert!(select_monitors(&[], false, None).is_empty());
    }
}
