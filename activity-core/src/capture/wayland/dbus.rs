//! The D-Bus backends: what GNOME and KDE offer where wlroots has protocols.
//!
//! - [`PortalScreens`]: `org.freedesktop.portal.Screenshot.Screenshot` with
//!   `interactive=false`. The portal writes a PNG of the whole desktop to a file and answers
//!   with its URI; the file is an unblurred copy, so it is read and deleted within the call. A
//!   refused request (response 1 "cancelled", 2 "other") is one `CaptureFailed` event, then a
//!   back-off (5 min, doubling to 1 h) during which no request is made: never a prompt storm.
//! - [`GnomeFocusedWindow`]: the "Focused Window D-Bus" GNOME Shell extension
//!   (`org.gnome.shell.extensions.FocusedWindow.Get` on `org.gnome.Shell`).
//! - [`KwinScript`]: a KWin script loaded through `org.kde.kwin.Scripting` that calls this
//!   process back over D-Bus whenever the active window or its caption changes.
//! - [`MutterIdleInput`]: `org.gnome.Mutter.IdleMonitor.GetIdletime` once a second.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

use crate::capture::{
    ActiveWindow, CaptureError, Feed, InputSink, InputSource, Monitor, Running, ScreenSource,
    SourceKind, WindowSource,
};
use crate::media::{OwnedFrame, PixelFormat};
use crate::model::score::InputEvent;

const PORTAL: &str = "org.freedesktop.portal.Desktop";
const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";
const SCREENSHOT: &str = "org.freedesktop.portal.Screenshot";
const GNOME_SHELL: &str = "org.gnome.Shell";
const FOCUSED_PATH: &str = "/org/gnome/shell/extensions/FocusedWindow";
const FOCUSED_IFACE: &str = "org.gnome.shell.extensions.FocusedWindow";
const MUTTER_IDLE: &str = "org.gnome.Mutter.IdleMonitor";
const MUTTER_IDLE_PATH: &str = "/org/gnome/Mutter/IdleMonitor/Core";
const KWIN: &str = "org.kde.KWin";
/// How long the portal may take to answer (it may show a dialog the first time).
const PORTAL_ANSWER: Duration = Duration::from_secs(60);
const FIRST_BACKOFF: Duration = Duration::from_secs(300);
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// A session-bus connection whose calls time out instead of hanging a source.
fn session_bus() -> Result<zbus::blocking::Connection, String> {
    zbus::blocking::connection::Builder::session()
        .and_then(|b| b.method_timeout(super::ANSWER_WITHIN).build())
        .map_err(|e| format!("cannot reach the D-Bus session bus: {e}"))
}

fn proxy<'a>(
    conn: &zbus::blocking::Connection,
    dest: &'a str,
    path: &'a str,
    iface: &'a str,
) -> Result<zbus::blocking::Proxy<'a>, String> {
    zbus::blocking::Proxy::new(conn, dest, path, iface).map_err(|e| e.to_string())
}

/// What the session bus offers, for the probe.
pub(crate) struct BusProbe {
    pub(crate) portal: Result<(), String>,
    pub(crate) gnome_focused_window: Result<(), String>,
    pub(crate) kwin_script: Result<(), String>,
    pub(crate) mutter_idle: Result<(), String>,
}

/// Asks the session bus which services run (the portal is activatable, so it is started).
pub(crate) fn probe_bus() -> BusProbe {
    let conn = match session_bus() {
        Ok(c) => c,
        Err(e) => {
            return BusProbe {
                portal: Err(e.clone()),
                gnome_focused_window: Err(e.clone()),
                kwin_script: Err(e.clone()),
                mutter_idle: Err(e),
            };
        }
    };
    let owned = |name: &str| -> bool {
        zbus::blocking::fdo::DBusProxy::new(&conn)
            .ok()
            .and_then(|p| {
                p.name_has_owner(zbus::names::BusName::try_from(name).ok()?)
                    .ok()
            })
            .unwrap_or(false)
    };
    let portal = proxy(&conn, PORTAL, PORTAL_PATH, SCREENSHOT)
        .and_then(|p| p.get_property::<u32>("version").map_err(|e| e.to_string()))
        .map(|_| ())
        .map_err(|e| {
            format!(
                "no desktop portal with the Screenshot interface answers on the session bus \
                 ({e}); install xdg-desktop-portal and the desktop's backend \
                 (xdg-desktop-portal-gnome, -kde or -wlr)"
            )
        });
    let shell = owned(GNOME_SHELL);
    let gnome_focused_window = if !shell {
        Err("GNOME Shell does not run in this session".to_string())
    } else {
        proxy(&conn, GNOME_SHELL, FOCUSED_PATH, FOCUSED_IFACE)
            .and_then(|p| {
                p.call::<_, _, String>("Get", &())
                    .map_err(|e| e.to_string())
            })
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "GNOME Shell does not expose the focused window ({e}): install and enable \
                     the \"Focused Window D-Bus\" extension \
                     (https://extensions.gnome.org/extension/5592/, then `gnome-extensions \
                     enable focused-window-dbus@flexagoon.com`)"
                )
            })
    };
    let kwin_script = if owned(KWIN) {
        Ok(())
    } else {
        Err("KWin does not run in this session".to_string())
    };
    let mutter_idle = if owned(MUTTER_IDLE) {
        proxy(&conn, MUTTER_IDLE, MUTTER_IDLE_PATH, MUTTER_IDLE)
            .and_then(|p| {
                p.call::<_, _, u64>("GetIdletime", &())
                    .map_err(|e| e.to_string())
            })
            .map(|_| ())
    } else {
        Err("GNOME's Mutter (org.gnome.Mutter.IdleMonitor) does not run in this session".into())
    };
    BusProbe {
        portal,
        gnome_focused_window,
        kwin_script,
        mutter_idle,
    }
}

/// Screens through the desktop portal (see the module docs). Monitors come from the
/// compositor's `wl_output`s; the portal's one desktop image is cut into them.
#[derive(Debug, Default)]
pub struct PortalScreens {
    /// The image of the current scheduled screenshot (one request serves every monitor).
    image: Option<(Vec<u8>, u32, u32)>,
    origin: (i32, i32),
    blocked_until: Option<Instant>,
    backoff: Option<Duration>,
}

impl PortalScreens {
    /// The source.
    pub fn new() -> PortalScreens {
        PortalScreens::default()
    }

    /// Makes one portal request; the image as RGBA with its size.
    fn request(&mut self) -> Result<(Vec<u8>, u32, u32), String> {
        static TOKENS: AtomicU64 = AtomicU64::new(0);
        let token = format!(
            "activity_core_{}_{}",
            std::process::id(),
            TOKENS.fetch_add(1, Ordering::Relaxed)
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|e| e.to_string())?;
        let uri = runtime.block_on(async {
            use futures::StreamExt;
            let conn = zbus::Connection::session()
                .await
                .map_err(|e| format!("the session bus: {e}"))?;
            let sender = conn
                .unique_name()
                .map(|n| n.trim_start_matches(':').replace('.', "_"))
                .unwrap_or_default();
            let handle = format!("{PORTAL_PATH}/request/{sender}/{token}");
            let request =
                zbus::Proxy::new(&conn, PORTAL, handle.as_str(), "org.freedesktop.portal.Request")
                    .await
                    .map_err(|e| e.to_string())?;
            let mut responses = request
                .receive_signal("Response")
                .await
                .map_err(|e| e.to_string())?;
            let screenshot = zbus::Proxy::new(&conn, PORTAL, PORTAL_PATH, SCREENSHOT)
                .await
                .map_err(|e| e.to_string())?;
            let mut options: HashMap<&str, Value<'_>> = HashMap::new();
            options.insert("handle_token", Value::from(token.as_str()));
            options.insert("interactive", Value::from(false));
            options.insert("modal", Value::from(false));
            let _: OwnedObjectPath = screenshot
                .call("Screenshot", &("", options))
                .await
                .map_err(|e| format!("the Screenshot call failed: {e}"))?;
            let message = tokio::time::timeout(PORTAL_ANSWER, responses.next())
                .await
                .map_err(|_| format!("the portal did not answer within {} s", PORTAL_ANSWER.as_secs()))?
                .ok_or("the portal closed the request without an answer")?;
            let (response, results): (u32, HashMap<String, OwnedValue>) =
                message.body().deserialize().map_err(|e| e.to_string())?;
            match response {
                0 => {}
                1 => return Err(Refused("the user cancelled the screenshot request (response 1)").into()),
                _ => return Err(Refused("the portal denied the screenshot request (response 2): the desktop's privacy settings may forbid screenshots for this application").into()),
            }
            let uri: String = results
                .get("uri")
                .and_then(|v| String::try_from(v.clone()).ok())
                .ok_or("the portal's answer has no uri")?;
            Ok::<String, PortalError>(uri)
        });
        let uri = match uri {
            Ok(u) => u,
            Err(PortalError::Refused(r)) => return Err(self.refused(r)),
            Err(PortalError::Other(e)) => return Err(e),
        };
        read_and_delete(&uri)
    }

    /// Starts or doubles the back-off; the reason with when the next request may be made.
    fn refused(&mut self, reason: &str) -> String {
        let backoff = self
            .backoff
            .map_or(FIRST_BACKOFF, |b| (b * 2).min(MAX_BACKOFF));
        self.backoff = Some(backoff);
        self.blocked_until = Some(Instant::now() + backoff);
        format!(
            "{reason}; no screenshot is requested for the next {} min",
            backoff.as_secs() / 60
        )
    }
}

struct Refused(&'static str);

enum PortalError {
    Refused(&'static str),
    Other(String),
}

impl From<Refused> for PortalError {
    fn from(r: Refused) -> PortalError {
        PortalError::Refused(r.0)
    }
}

impl From<String> for PortalError {
    fn from(e: String) -> PortalError {
        PortalError::Other(e)
    }
}

impl From<&str> for PortalError {
    fn from(e: &str) -> PortalError {
        PortalError::Other(e.to_string())
    }
}

/// Reads the portal's PNG and deletes the file whatever happens (it is an unblurred copy).
fn read_and_delete(uri: &str) -> Result<(Vec<u8>, u32, u32), String> {
    let path = url::Url::parse(uri)
        .ok()
        .filter(|u| u.scheme() == "file")
        .and_then(|u| u.to_file_path().ok())
        .ok_or_else(|| format!("the portal answered with a URI that is not a local file: {uri}"))?;
    let bytes = std::fs::read(&path);
    let removed = std::fs::remove_file(&path);
    let bytes = bytes.map_err(|e| format!("reading the portal's file {}: {e}", path.display()))?;
    if let Err(e) = removed {
        tracing::warn!(path = %path.display(), error = %e, "could not delete the portal's screenshot file");
    }
    decode_png(bytes).map_err(|e| format!("the portal's file {}: {e}", path.display()))
}

fn decode_png(bytes: Vec<u8>) -> Result<(Vec<u8>, u32, u32), String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("not a PNG image: {e}"))?;
    let size = reader
        .output_buffer_size()
        .ok_or("the PNG image is too large")?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    buf.truncate(info.buffer_size());
    let (w, h) = (info.width, info.height);
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        png::ColorType::Indexed => return Err("an indexed PNG was not expanded".into()),
    };
    Ok((rgba, w, h))
}

fn screens_failed(reason: impl std::fmt::Display) -> CaptureError {
    CaptureError::Failed {
        kind: SourceKind::Screens,
        reason: format!("screenshot portal: {reason}"),
    }
}

impl ScreenSource for PortalScreens {
    fn monitors(&mut self) -> Result<Vec<Monitor>, CaptureError> {
        self.image = None;
        if let Some(until) = self.blocked_until {
            if Instant::now() < until {
                return Err(CaptureError::Deferred {
                    kind: SourceKind::Screens,
                    reason: "the screenshot portal refused the last request; backing off".into(),
                });
            }
            self.blocked_until = None;
        }
        // The outputs as the compositor describes them; without a Wayland connection, one
        // monitor the size of the portal's image.
        let monitors = super::screencopy::list_outputs().unwrap_or_default();
        if !monitors.is_empty() {
            self.origin = (
                monitors.iter().map(|m| m.x).min().unwrap_or(0),
                monitors.iter().map(|m| m.y).min().unwrap_or(0),
            );
            return Ok(monitors);
        }
        let (pixels, w, h) = self.request().map_err(screens_failed)?;
        self.backoff = None;
        self.image = Some((pixels, w, h));
        self.origin = (0, 0);
        Ok(vec![Monitor {
            id: 0,
            name: "desktop".into(),
            x: 0,
            y: 0,
            width: w,
            height: h,
            primary: true,
        }])
    }

    fn pointer(&mut self) -> Result<Option<(i32, i32)>, CaptureError> {
        Ok(None)
    }

    fn capture(&mut self, monitor: &Monitor) -> Result<OwnedFrame, CaptureError> {
        if self.image.is_none() {
            let image = self.request().map_err(screens_failed)?;
            self.backoff = None;
            self.image = Some(image);
        }
        let (pixels, w, h) = self.image.as_ref().expect("requested above");
        let (x, y) = (
            i64::from(monitor.x) - i64::from(self.origin.0),
            i64::from(monitor.y) - i64::from(self.origin.1),
        );
        let fits = x >= 0
            && y >= 0
            && x + i64::from(monitor.width) <= i64::from(*w)
            && y + i64::from(monitor.height) <= i64::from(*h);
        if !fits {
            // A scaled desktop (the image in logical pixels) or one monitor: the whole image.
            return OwnedFrame::new(pixels.clone(), *w, *h, PixelFormat::Rgba8)
                .map_err(screens_failed);
        }
        let (x, y) = (x as usize, y as usize);
        let row = *w as usize * 4;
        let mut out = Vec::with_capacity(monitor.width as usize * monitor.height as usize * 4);
        for r in y..y + monitor.height as usize {
            let start = r * row + x * 4;
            out.extend_from_slice(&pixels[start..start + monitor.width as usize * 4]);
        }
        OwnedFrame::new(out, monitor.width, monitor.height, PixelFormat::Rgba8)
            .map_err(screens_failed)
    }
}

/// The active window on GNOME through the "Focused Window D-Bus" extension: the application is
/// the window's `WM_CLASS` (its instance when the class is empty), the title its title.
#[derive(Default)]
pub struct GnomeFocusedWindow {
    conn: Option<zbus::blocking::Connection>,
}

impl std::fmt::Debug for GnomeFocusedWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GnomeFocusedWindow")
    }
}

impl GnomeFocusedWindow {
    /// The source (it connects on first use).
    pub fn new() -> GnomeFocusedWindow {
        GnomeFocusedWindow::default()
    }

    fn poll(&mut self) -> Result<Option<ActiveWindow>, String> {
        if self.conn.is_none() {
            self.conn = Some(session_bus()?);
        }
        let conn = self.conn.as_ref().expect("connected above");
        let json: String = proxy(conn, GNOME_SHELL, FOCUSED_PATH, FOCUSED_IFACE)?
            .call("Get", &())
            .map_err(|e| e.to_string())?;
        parse_focused_window(&json)
    }
}

/// The extension's JSON (`{"title": …, "wm_class": …, "wm_class_instance": …, …}`, `{}` when
/// nothing has the focus).
pub(crate) fn parse_focused_window(json: &str) -> Result<Option<ActiveWindow>, String> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("the extension's answer: {e}"))?;
    let field = |k: &str| v.get(k).and_then(|s| s.as_str()).unwrap_or("").to_string();
    let mut application = field("wm_class");
    if application.is_empty() {
        application = field("wm_class_instance");
    }
    Ok(ActiveWindow::new(application, field("title")))
}

impl WindowSource for GnomeFocusedWindow {
    fn active_window(&mut self) -> Result<Option<ActiveWindow>, CaptureError> {
        self.poll().map_err(|reason| {
            self.conn = None;
            CaptureError::Failed {
                kind: SourceKind::Windows,
                reason: format!("GNOME Focused Window extension: {reason}"),
            }
        })
    }
}

/// The object a KWin script calls back.
struct KwinCallback {
    latest: Arc<Mutex<Option<ActiveWindow>>>,
}

#[zbus::interface(name = "dev.activity_core.KWinWindow")]
impl KwinCallback {
    /// The active window changed (empty strings: nothing has the focus).
    fn activated(&self, resource_class: String, caption: String) {
        *crate::util::lock(&self.latest) = ActiveWindow::new(resource_class, caption);
    }
}

/// The path the script calls.
const KWIN_CALLBACK_PATH: &str = "/dev/activity_core/KWinWindow";

/// The KWin script: Plasma 6 (`workspace.windowActivated`) or 5 (`clientActivated`), reporting
/// the window's `resourceClass` and caption, again whenever the caption changes.
fn kwin_script(service: &str) -> String {
    format!(
        r#"// activity-core: reports the active window to {service}.
var current = null;
function report() {{
    var w = current;
    callDBus("{service}", "{KWIN_CALLBACK_PATH}", "dev.activity_core.KWinWindow", "Activated",
        w ? String(w.resourceClass) : "", w ? String(w.caption) : "");
}}
function activated(w) {{
    if (current && current.captionChanged) {{
        try {{ current.captionChanged.disconnect(report); }} catch (e) {{}}
    }}
    current = w;
    if (w && w.captionChanged) {{ w.captionChanged.connect(report); }}
    report();
}}
if (workspace.windowActivated) {{
    workspace.windowActivated.connect(activated);
    activated(workspace.activeWindow);
}} else {{
    workspace.clientActivated.connect(activated);
    activated(workspace.activeClient);
}}
"#
    )
}

/// The active window on KDE Plasma through a KWin script (see the module docs). The script is
/// written to a private temporary file, loaded under a per-process plugin name and unloaded when
/// the source is dropped.
pub struct KwinScript {
    conn: Option<zbus::blocking::Connection>,
    plugin: String,
    latest: Arc<Mutex<Option<ActiveWindow>>>,
}

impl std::fmt::Debug for KwinScript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KwinScript")
            .field("plugin", &self.plugin)
            .finish_non_exhaustive()
    }
}

impl Default for KwinScript {
    fn default() -> KwinScript {
        KwinScript::new()
    }
}

impl KwinScript {
    /// The source (the script is loaded on first use).
    pub fn new() -> KwinScript {
        KwinScript {
            conn: None,
            // One plugin name per source: two trackers in one process do not unload each other's.
            plugin: {
                static SOURCES: AtomicU64 = AtomicU64::new(0);
                format!(
                    "activity_core_{}_{}",
                    std::process::id(),
                    SOURCES.fetch_add(1, Ordering::Relaxed)
                )
            },
            latest: Arc::new(Mutex::new(None)),
        }
    }

    /// Loads the script file under this source's plugin name and runs it.
    fn start_script(
        &self,
        conn: &zbus::blocking::Connection,
        file: &std::path::Path,
    ) -> Result<(), String> {
        let scripting = proxy(conn, KWIN, "/Scripting", "org.kde.kwin.Scripting")?;
        let id: i32 = scripting
            .call(
                "loadScript",
                &(file.to_string_lossy().as_ref(), self.plugin.as_str()),
            )
            .map_err(|e| format!("loadScript: {e}"))?;
        if id < 0 {
            return Err("KWin refused to load the script".into());
        }
        scripting
            .call::<_, _, ()>("start", &())
            .map_err(|e| format!("start: {e}"))
    }

    fn load(&mut self) -> Result<(), String> {
        let conn = zbus::blocking::connection::Builder::session()
            .and_then(|b| {
                b.method_timeout(super::ANSWER_WITHIN)
                    .serve_at(
                        KWIN_CALLBACK_PATH,
                        KwinCallback {
                            latest: self.latest.clone(),
                        },
                    )?
                    .build()
            })
            .map_err(|e| format!("cannot reach the D-Bus session bus: {e}"))?;
        let service = conn
            .unique_name()
            .map(|n| n.to_string())
            .ok_or("the bus gave no unique name")?;
        let dir =
            std::env::temp_dir().join(format!("{}-{}", self.plugin, service.replace(':', "")));
        crate::util::create_private_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let file = dir.join("main.js");
        let loaded = std::fs::write(&file, kwin_script(&service))
            .map_err(|e| format!("{}: {e}", file.display()))
            .and_then(|()| self.start_script(&conn, &file));
        // KWin has read the file by the time `start` returns: it is not left behind.
        let _ = std::fs::remove_dir_all(&dir);
        loaded?;
        self.conn = Some(conn);
        Ok(())
    }
}

impl WindowSource for KwinScript {
    fn active_window(&mut self) -> Result<Option<ActiveWindow>, CaptureError> {
        if self.conn.is_none() {
            self.load().map_err(|reason| CaptureError::Failed {
                kind: SourceKind::Windows,
                reason: format!("KWin script: {reason}"),
            })?;
        }
        Ok(crate::util::lock(&self.latest).clone())
    }
}

impl Drop for KwinScript {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && let Ok(p) = proxy(&conn, KWIN, "/Scripting", "org.kde.kwin.Scripting")
        {
            let _: Result<bool, _> = p.call("unloadScript", &(self.plugin.as_str(),));
        }
    }
}

/// Activity on GNOME through `org.gnome.Mutter.IdleMonitor`: once a second, the user's idle
/// time; under a second means the user was active in that second. Active seconds, no counts.
#[derive(Debug, Default)]
pub struct MutterIdleInput {
    running: Running,
}

impl MutterIdleInput {
    /// The source.
    pub fn new() -> MutterIdleInput {
        MutterIdleInput::default()
    }
}

impl InputSource for MutterIdleInput {
    fn start(&mut self, sink: InputSink) -> Result<(), CaptureError> {
        self.stop();
        let unavailable = |reason: String| CaptureError::Unavailable {
            kind: SourceKind::Input,
            reason: format!("Mutter IdleMonitor: {reason}"),
        };
        let conn = session_bus().map_err(unavailable)?;
        let monitor =
            proxy(&conn, MUTTER_IDLE, MUTTER_IDLE_PATH, MUTTER_IDLE).map_err(unavailable)?;
        let _: u64 = monitor
            .call("GetIdletime", &())
            .map_err(|e| unavailable(e.to_string()))?;
        let feed = Feed::new(sink);
        let thread_feed = feed.clone();
        std::thread::Builder::new()
            .name("activity-core-idle".into())
            .spawn(move || {
                let _conn = conn;
                while !thread_feed.is_stopped() {
                    match monitor.call::<_, _, u64>("GetIdletime", &()) {
                        Ok(ms) if ms < 1000 => thread_feed.record(InputEvent::Presence),
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "Mutter IdleMonitor stopped answering");
                            return;
                        }
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            })
            .map_err(|e| unavailable(format!("cannot start the idle thread: {e}")))?;
        self.running.set(feed);
        Ok(())
    }

    fn stop(&mut self) {
        self.running.stop();
    }

    fn counts_events(&self) -> bool {
        false
    }
}
