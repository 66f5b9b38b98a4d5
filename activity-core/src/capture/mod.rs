//! Capture: the OS-facing layer. Three sources, each a small trait so tests and embedders can
//! supply their own, and built-in backends per platform behind cargo features (on by default):
//!
//! | source | trait | built-in backends (feature) |
//! |---|---|---|
//! | screens | [`ScreenSource`] | X11 `x11::X11Screens`, `wayland::WlrScreencopy`, `wayland::PortalScreens` (`screens`) |
//! | keyboard and mouse | [`InputSource`] | X11 `x11::X11Input`, `evdev::EvdevInput`, `wayland::IdleInput`, `wayland::MutterIdleInput` (`input`) |
//! | the active window | [`WindowSource`] | X11 `x11::ActiveWindowPoller`, `wayland::WlrForeignToplevel`, `wayland::KwinScript`, `wayland::GnomeFocusedWindow` (`windows`) |
//!
//! Each platform's backends live in their own folder and are compiled only where they can work
//! (`x11/`, `wayland/` and `evdev` on Linux). [`capabilities`] probes the session once and picks,
//! per source, the first backend that works ([`Availability::backend`]), listing why each one
//! before it did not ([`Availability::passed_over`]); the order is in the `probe` module's docs.
//!
//! **Privacy.** An [`InputSink`] accepts only an [`InputEvent`] kind: there is no way to hand it a
//! key code, a character or a pointer position. The X11 source reads only the event type (and the
//! button number, to tell the wheel from clicks) of each recorded event; the Windows hooks
//! (rdev) see key identities, which the source drops in its callback before anything is counted.
//! The pointer position is read only when a screenshot is due and `track_all_displays` is off, to
//! pick the monitor under it; it is not kept.

use std::fmt;
use std::sync::Arc;

use crate::media::OwnedFrame;
use crate::model::score::InputEvent;

mod probe;
pub(crate) use probe::{built_in_input, built_in_screens, built_in_windows};

#[cfg(all(
    target_os = "linux",
    any(feature = "screens", feature = "input", feature = "windows")
))]
pub mod evdev;
#[cfg(all(windows, feature = "input"))]
mod rdev_input;
#[cfg(all(
    target_os = "linux",
    any(feature = "screens", feature = "input", feature = "windows")
))]
pub mod wayland;
#[cfg(all(
    windows,
    any(feature = "screens", feature = "input", feature = "windows")
))]
pub mod windows;
#[cfg(all(
    target_os = "linux",
    any(feature = "screens", feature = "input", feature = "windows")
))]
pub mod x11;
#[cfg(all(windows, feature = "screens"))]
mod xcap_monitors;

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
    /// The source chose not to try now (a back-off after the user or the desktop refused, which
    /// was reported once as `Failed`): no event, the next scheduled capture asks again.
    #[error("{kind} capture deferred: {reason}")]
    Deferred {
        /// The source.
        kind: SourceKind,
        /// Why.
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

impl ActiveWindow {
    /// A window as a source reads it, without a URL; `None` when both names are empty (nothing
    /// usable has the focus).
    pub fn new(application: impl Into<String>, title: impl Into<String>) -> Option<ActiveWindow> {
        let (application, title) = (application.into(), title.into());
        (!(application.is_empty() && title.is_empty())).then_some(ActiveWindow {
            application,
            title,
            url: None,
        })
    }
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

/// What a background input thread records to: the sink while the source runs, nothing once it
/// is stopped. Stopping takes the sink under the lock the thread records with, so nothing is
/// delivered after [`InputSource::stop`] returns; the thread sees [`Feed::is_stopped`] and ends.
#[derive(Clone, Debug)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) struct Feed(Arc<std::sync::Mutex<Option<InputSink>>>);

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
impl Feed {
    pub(crate) fn new(sink: InputSink) -> Feed {
        Feed(Arc::new(std::sync::Mutex::new(Some(sink))))
    }

    /// Delivers `event` unless stopped.
    pub(crate) fn record(&self, event: InputEvent) {
        if let Some(s) = crate::util::lock(&self.0).as_ref() {
            s.record(event);
        }
    }

    /// Runs `f` with the sink held (to deliver a batch under one lock), unless stopped.
    pub(crate) fn with(&self, f: impl FnOnce(&InputSink)) {
        if let Some(s) = crate::util::lock(&self.0).as_ref() {
            f(s);
        }
    }

    pub(crate) fn is_stopped(&self) -> bool {
        crate::util::lock(&self.0).is_none()
    }

    pub(crate) fn stop(&self) {
        *crate::util::lock(&self.0) = None;
    }
}

/// The [`Feed`] of a running background source: stopped by [`Running::stop`] and when dropped.
#[derive(Debug, Default)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) struct Running(Option<Feed>);

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
impl Running {
    /// Now feeding `feed` (stopping the one before, if any).
    pub(crate) fn set(&mut self, feed: Feed) {
        self.stop();
        self.0 = Some(feed);
    }

    pub(crate) fn stop(&mut self) {
        if let Some(feed) = self.0.take() {
            feed.stop();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Keyboard and mouse: from `start` until `stop`, every key press, button press, wheel step and
/// pointer movement goes to the sink as its kind.
pub trait InputSource: Send {
    /// Begins delivering events to `sink`.
    fn start(&mut self, sink: InputSink) -> Result<(), CaptureError>;
    /// Stops delivering events (events after this are dropped).
    fn stop(&mut self);
    /// Whether this source counts key presses and mouse events (`true`, the default), or only
    /// reports [`InputEvent::Presence`] (the idle-notification backends): then the slots it
    /// feeds have no counts and no activity %.
    fn counts_events(&self) -> bool {
        true
    }
}

/// The kind of desktop session found. Serialised as `{"kind": "x11", "display": ":0"}`,
/// `{"kind": "wayland", "display": "wayland-0", "x_display": ":0"}`, `{"kind": "windows"}`,
/// `{"kind": "native"}` or `{"kind": "none"}`.
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
        /// The XWayland display (`DISPLAY`), when one is set: it shows only X clients, so the
        /// Wayland backends win for screens and windows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        x_display: Option<String>,
    },
    /// A Windows desktop: the process's interactive window station and input desktop.
    Windows,
    /// A platform this library does not probe (macOS).
    Native,
    /// No display at all.
    None,
}

/// A built-in capture backend: the protocol or service a source reads. Serialised in
/// snake_case (`x11`, `wlr_screencopy`, `portal`, …), as [`Capabilities`] names it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Backend {
    /// X11 (through x11rb): RandR + `GetImage` for screens, RECORD for input, EWMH for the
    /// active window.
    X11,
    /// Screens through `zwlr_screencopy_manager_v1` (sway, Hyprland, river, labwc, Wayfire).
    WlrScreencopy,
    /// Screens through the `org.freedesktop.portal.Screenshot` desktop portal (GNOME, KDE, and
    /// wlroots compositors through xdg-desktop-portal-wlr).
    Portal,
    /// The active window through `zwlr_foreign_toplevel_manager_v1`.
    WlrForeignToplevel,
    /// The active window on KDE Plasma: a KWin script calling back over D-Bus.
    KwinScript,
    /// The active window on GNOME: the "Focused Window D-Bus" shell extension.
    GnomeFocusedWindow,
    /// Activity through `ext_idle_notifier_v1` (active seconds only: no counts).
    ExtIdleNotify,
    /// Activity through `org_kde_kwin_idle` (KWin, and wlroots compositors before
    /// ext-idle-notify; active seconds only: no counts).
    KdeIdle,
    /// Activity through GNOME's `org.gnome.Mutter.IdleMonitor` (active seconds only: no counts).
    MutterIdleMonitor,
    /// Keyboard and mouse counts from `/dev/input/event*` (needs read access: the `input` group).
    Evdev,
    /// Windows: xcap (GDI) for screens, low-level keyboard and mouse hooks (rdev) for input,
    /// the foreground window (active-win-pos-rs) for the active window.
    Win32,
}

impl Backend {
    /// Its serialised name (`wlr_screencopy`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::X11 => "x11",
            Backend::WlrScreencopy => "wlr_screencopy",
            Backend::Portal => "portal",
            Backend::WlrForeignToplevel => "wlr_foreign_toplevel",
            Backend::KwinScript => "kwin_script",
            Backend::GnomeFocusedWindow => "gnome_focused_window",
            Backend::ExtIdleNotify => "ext_idle_notify",
            Backend::KdeIdle => "kde_idle",
            Backend::MutterIdleMonitor => "mutter_idle_monitor",
            Backend::Evdev => "evdev",
            Backend::Win32 => "win32",
        }
    }

    /// For an input backend: whether it counts key presses and mouse events. The idle-based
    /// backends know only *whether* the user is active, so slots they feed have no counts
    /// (absent, not zero) and no activity %; their active % comes from the idle signal.
    pub fn counts_events(self) -> bool {
        !matches!(
            self,
            Backend::ExtIdleNotify | Backend::KdeIdle | Backend::MutterIdleMonitor
        )
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a source works: `available`, `unavailable` or `not_probed` (as [`Availability`]'s
/// `state` serialises).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// It works, through [`Availability::backend`].
    Available,
    /// No backend works; [`Availability::reason`] says why and what would fix it.
    Unavailable,
    /// This platform is not probed (macOS): the source may or may not work; the tracker tries
    /// it and reports a failure as a `CaptureFailed` event.
    NotProbed,
}

/// A backend the probe tried and did not choose, with why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PassedOver {
    /// The backend.
    pub backend: Backend,
    /// Why it does not work here.
    pub reason: String,
}

/// Whether a source works here, through which backend, and why the others did not.
///
/// JSON: `{"state": "available", "backend": "wlr_screencopy", "passed_over": []}`,
/// `{"state": "unavailable", "reason": "…", "passed_over": [{"backend": "x11", "reason": "…"}]}`
/// or `{"state": "not_probed", "reason": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Availability {
    /// Available, unavailable or not probed.
    pub state: State,
    /// The backend chosen (when available).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<Backend>,
    /// Why it does not work (when unavailable or not probed), with what would fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The backends tried before the chosen one (or all of them, when none works), in order.
    #[serde(default)]
    pub passed_over: Vec<PassedOver>,
}

impl Availability {
    /// Available through `backend`.
    pub fn available(backend: Backend) -> Availability {
        Availability {
            state: State::Available,
            backend: Some(backend),
            reason: None,
            passed_over: Vec::new(),
        }
    }

    /// Unavailable, for `reason`.
    pub fn unavailable(reason: impl Into<String>) -> Availability {
        Availability {
            state: State::Unavailable,
            backend: None,
            reason: Some(reason.into()),
            passed_over: Vec::new(),
        }
    }

    /// Not probed, for `reason`.
    pub fn not_probed(reason: impl Into<String>) -> Availability {
        Availability {
            state: State::NotProbed,
            backend: None,
            reason: Some(reason.into()),
            passed_over: Vec::new(),
        }
    }

    /// The first backend that works among `tried` (in order), or unavailable naming each one's
    /// reason.
    pub fn first_working(tried: Vec<(Backend, Result<(), String>)>) -> Availability {
        let mut passed_over = Vec::new();
        for (backend, result) in tried {
            match result {
                Ok(()) => {
                    return Availability {
                        passed_over,
                        ..Availability::available(backend)
                    };
                }
                Err(reason) => passed_over.push(PassedOver { backend, reason }),
            }
        }
        let reason = match passed_over.as_slice() {
            [] => "no backend for this source exists on this platform".to_string(),
            [one] => one.reason.clone(),
            all => all
                .iter()
                .map(|p| format!("{}: {}", p.backend, p.reason))
                .collect::<Vec<_>>()
                .join("; "),
        };
        Availability {
            passed_over,
            ..Availability::unavailable(reason)
        }
    }

    /// Whether it works.
    pub fn is_available(&self) -> bool {
        self.state == State::Available
    }

    /// The reason it does not work (`None` when available or not probed).
    pub fn reason(&self) -> Option<&str> {
        match self.state {
            State::Unavailable => self.reason.as_deref(),
            State::Available | State::NotProbed => None,
        }
    }
}

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = self.reason.as_deref().unwrap_or("");
        match (self.state, self.backend) {
            (State::Available, Some(b)) => write!(f, "available ({b})"),
            (State::Available, None) => f.write_str("available"),
            (State::Unavailable, _) => write!(f, "unavailable: {reason}"),
            (State::NotProbed, _) => write!(f, "not probed: {reason}"),
        }
    }
}

/// What the built-in capture sources can do on this machine, through which backend, and why not.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Capabilities {
    /// The session found.
    pub session: Session,
    /// Screenshots.
    pub screens: Availability,
    /// Keyboard and mouse activity.
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

    /// Whether the chosen input backend counts key presses and mouse events (`false` for the
    /// idle-based ones and when input is unavailable).
    pub fn input_counts_events(&self) -> bool {
        self.input.backend.is_some_and(Backend::counts_events)
    }
}

impl fmt::Display for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let session = match &self.session {
            Session::X11 { display } => format!("X11 on {display}"),
            Session::Wayland {
                display,
                x_display: Some(x),
            } => format!("Wayland ({display}, XWayland on {x})"),
            Session::Wayland { display, .. } => format!("Wayland ({display})"),
            Session::Windows => "Windows".into(),
            Session::Native => "native".into(),
            Session::None => "no display".into(),
        };
        writeln!(f, "session: {session}")?;
        writeln!(f, "screens: {}", self.screens)?;
        let counts = if self.input.is_available() && !self.input_counts_events() {
            " (active seconds from idle notifications; key and mouse counts absent)"
        } else {
            ""
        };
        writeln!(f, "input:   {}{counts}", self.input)?;
        write!(f, "windows: {}", self.windows)
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The session the environment describes (`DISPLAY`, `WAYLAND_DISPLAY`, `XDG_SESSION_TYPE`).
pub fn session() -> Session {
    if cfg!(windows) {
        return Session::Windows;
    }
    if !cfg!(target_os = "linux") {
        return Session::Native;
    }
    let wayland = env("WAYLAND_DISPLAY");
    if wayland.is_some() || env("XDG_SESSION_TYPE").as_deref() == Some("wayland") {
        return Session::Wayland {
            display: wayland.unwrap_or_default(),
            x_display: env("DISPLAY"),
        };
    }
    match env("DISPLAY") {
        Some(display) => Session::X11 { display },
        None => Session::None,
    }
}

/// Probes this machine: which built-in backend serves each source, and why the others do not.
pub fn capabilities() -> Capabilities {
    probe::probe(session())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unprobed_platform_says_not_probed_instead_of_available() {
        let caps = probe::probe(Session::Native);
        for kind in [SourceKind::Screens, SourceKind::Input, SourceKind::Windows] {
            // Compiled-out features still say so; otherwise "not probed", never "available".
            assert!(
                matches!(caps.of(kind).state, State::NotProbed | State::Unavailable),
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
