//! The GNOME and KDE backends against fakes of the documented D-Bus interfaces, on a private
//! `dbus-daemon --session` (no GNOME or KDE session can run here): Mutter's IdleMonitor, the
//! "Focused Window D-Bus" extension, KWin's Scripting interface (the fake loads our script and
//! calls back the service it names, as KWin does), and the Screenshot portal answering 0, 1 or 2.
//!
//! Each test runs in its own process with `DBUS_SESSION_BUS_ADDRESS` pointing at its own bus and
//! a `WAYLAND_DISPLAY` no compositor answers, so only the D-Bus backends can be chosen.
#![cfg(target_os = "linux")] // D-Bus fakes of GNOME and KDE: Linux desktops only

mod common;

use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use activity_core::capture::wayland::{
    GnomeFocusedWindow, KwinScript, MutterIdleInput, PortalScreens,
};
use activity_core::capture::{
    Backend, CaptureError, InputSink, InputSource, ScreenSource, WindowSource, capabilities,
};
use activity_core::model::score::InputEvent;
use zbus::zvariant::{OwnedValue, Value};

/// A private session bus, and this process pointed at it (and at no compositor).
struct Bus {
    daemon: Child,
    dir: PathBuf,
}

impl Bus {
    fn start(name: &str) -> Bus {
        let dir = std::env::temp_dir().join(format!("ac-dbus-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut daemon = Command::new("dbus-daemon")
            .args([
                "--config-file=/usr/share/dbus-1/session.conf",
                "--nofork",
                "--print-address=1",
                &format!("--address=unix:path={}/bus", dir.display()),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon (apt install dbus-daemon)");
        let mut line = String::new();
        std::io::BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // SAFETY: first thing in the test's own process, before any thread is started.
        unsafe {
            std::env::set_var("DBUS_SESSION_BUS_ADDRESS", line.trim());
            std::env::set_var("WAYLAND_DISPLAY", "ac-no-compositor");
            std::env::set_var("XDG_RUNTIME_DIR", &dir);
            std::env::remove_var("DISPLAY");
            std::env::remove_var("XDG_SESSION_TYPE");
        }
        Bus { daemon, dir }
    }

    /// A connection owning `name` and serving `iface` at `path`.
    fn serve<I: zbus::object_server::Interface>(
        &self,
        name: &str,
        path: &str,
        iface: I,
    ) -> zbus::blocking::Connection {
        zbus::blocking::connection::Builder::session()
            .unwrap()
            .name(name.to_string())
            .unwrap()
            .serve_at(path.to_string(), iface)
            .unwrap()
            .build()
            .unwrap()
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct IdleMonitor(Arc<AtomicU64>);

#[zbus::interface(name = "org.gnome.Mutter.IdleMonitor")]
impl IdleMonitor {
    fn get_idletime(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Something GNOME Shell serves itself, so that its bus name answers calls.
struct ShellItself;

#[zbus::interface(name = "org.gnome.Shell")]
impl ShellItself {
    #[zbus(property)]
    fn shell_version(&self) -> String {
        "46.0".into()
    }
}

struct FocusedWindow(Arc<Mutex<String>>);

#[zbus::interface(name = "org.gnome.shell.extensions.FocusedWindow")]
impl FocusedWindow {
    fn get(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}

/// KWin's `org.kde.kwin.Scripting`: keeps the loaded scripts; `start` runs them, which for this
/// fake means calling the service, path, interface and method the script's `callDBus` names with
/// the current active window, as KWin does on activation.
#[derive(Clone, Default)]
struct Kwin {
    scripts: Arc<Mutex<HashMap<String, String>>>,
    unloaded: Arc<Mutex<Vec<String>>>,
    active: Arc<Mutex<(String, String)>>,
}

impl Kwin {
    /// Calls every loaded script's callback with the active window.
    fn activate(&self, conn: &zbus::blocking::Connection) {
        let (class, caption) = self.active.lock().unwrap().clone();
        for script in self.scripts.lock().unwrap().values() {
            let start = script
                .find("callDBus(")
                .expect("the script calls back over D-Bus");
            let args: Vec<&str> = script[start..]
                .split('"')
                .skip(1)
                .step_by(2)
                .take(4)
                .collect();
            let [service, path, iface, method] = args[..] else {
                panic!("callDBus arguments: {args:?}")
            };
            conn.call_method(
                Some(service),
                path,
                Some(iface),
                method,
                &(&class, &caption),
            )
            .unwrap();
        }
    }
}

#[zbus::interface(name = "org.kde.kwin.Scripting")]
impl Kwin {
    #[zbus(name = "loadScript")]
    fn load_script(&self, path: String, plugin: String) -> i32 {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut scripts = self.scripts.lock().unwrap();
        scripts.insert(plugin, text);
        scripts.len() as i32
    }

    #[zbus(name = "unloadScript")]
    fn unload_script(&self, plugin: String) -> bool {
        self.unloaded.lock().unwrap().push(plugin.clone());
        self.scripts.lock().unwrap().remove(&plugin).is_some()
    }

    #[zbus(name = "start")]
    fn start(&self) {}
}

/// The Screenshot portal: answers each request with `response` (0 = a PNG file, 1 = cancelled,
/// 2 = denied) through the Request object's `Response` signal.
#[derive(Clone)]
struct Portal {
    response: Arc<AtomicU32>,
    requests: Arc<AtomicU32>,
    files: Arc<Mutex<Vec<PathBuf>>>,
    dir: PathBuf,
}

#[zbus::interface(name = "org.freedesktop.portal.Screenshot")]
impl Portal {
    fn screenshot(
        &self,
        _parent: String,
        options: HashMap<String, OwnedValue>,
        #[zbus(header)] header: zbus::message::Header<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
    ) -> zbus::zvariant::OwnedObjectPath {
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        assert_eq!(
            options
                .get("interactive")
                .and_then(|v| bool::try_from(v).ok()),
            Some(false),
            "the request must not be interactive"
        );
        let token = options
            .get("handle_token")
            .and_then(|v| String::try_from(v.clone()).ok())
            .expect("a handle_token");
        let sender = header
            .sender()
            .unwrap()
            .trim_start_matches(':')
            .replace('.', "_");
        let path = format!("/org/freedesktop/portal/desktop/request/{sender}/{token}");
        let response = self.response.load(Ordering::SeqCst);
        let mut results: HashMap<&str, Value<'_>> = HashMap::new();
        if response == 0 {
            let file = self.dir.join(format!("Screenshot-{n}.png"));
            let img = image::RgbaImage::from_fn(64, 48, |x, y| {
                image::Rgba([(x * 4) as u8, (y * 5) as u8, 200, 255])
            });
            img.save(&file).unwrap();
            results.insert("uri", Value::from(format!("file://{}", file.display())));
            self.files.lock().unwrap().push(file);
        }
        let results: HashMap<String, OwnedValue> = results
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.try_to_owned().unwrap()))
            .collect();
        let (conn, target) = (conn.clone(), header.sender().unwrap().to_owned());
        let signal_path = path.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            zbus::block_on(conn.emit_signal(
                Some(target),
                signal_path.as_str(),
                "org.freedesktop.portal.Request",
                "Response",
                &(response, results),
            ))
            .unwrap();
        });
        zbus::zvariant::OwnedObjectPath::try_from(path).unwrap()
    }

    #[zbus(property, name = "version")]
    fn version(&self) -> u32 {
        2
    }
}

fn portal(bus: &Bus, response: u32) -> (Portal, zbus::blocking::Connection) {
    let p = Portal {
        response: Arc::new(AtomicU32::new(response)),
        requests: Arc::new(AtomicU32::new(0)),
        files: Arc::new(Mutex::new(Vec::new())),
        dir: bus.dir.clone(),
    };
    let conn = bus.serve(
        "org.freedesktop.portal.Desktop",
        "/org/freedesktop/portal/desktop",
        p.clone(),
    );
    (p, conn)
}

#[test]
fn on_gnome_the_probe_picks_the_portal_the_extension_and_mutter() {
    if common::in_own_process("on_gnome_the_probe_picks_the_portal_the_extension_and_mutter") {
        return;
    }
    let bus = Bus::start("gnome-probe");
    let _idle = bus.serve(
        "org.gnome.Mutter.IdleMonitor",
        "/org/gnome/Mutter/IdleMonitor/Core",
        IdleMonitor(Arc::new(AtomicU64::new(0))),
    );
    let (_p, _portal) = portal(&bus, 0);
    // GNOME Shell without the extension (it answers for its own objects only): the probe says
    // how to install it.
    let shell = bus.serve("org.gnome.Shell", "/org/gnome/Shell", ShellItself);
    let caps = capabilities();
    assert_eq!(caps.screens.backend, Some(Backend::Portal), "{caps}");
    assert_eq!(
        caps.input.backend,
        Some(Backend::MutterIdleMonitor),
        "{caps}"
    );
    assert!(!caps.input_counts_events());
    let reason = caps.windows.reason().expect("no window backend yet");
    assert!(reason.contains("Focused Window D-Bus"), "{reason}");
    assert!(
        reason.contains("extensions.gnome.org/extension/5592"),
        "{reason}"
    );
    // With the extension's object served, it is chosen.
    shell
        .object_server()
        .at(
            "/org/gnome/shell/extensions/FocusedWindow",
            FocusedWindow(Arc::new(Mutex::new("{}".into()))),
        )
        .unwrap();
    let caps = capabilities();
    assert_eq!(
        caps.windows.backend,
        Some(Backend::GnomeFocusedWindow),
        "{caps}"
    );
    let passed: Vec<Backend> = caps.windows.passed_over.iter().map(|p| p.backend).collect();
    assert_eq!(passed, [Backend::WlrForeignToplevel, Backend::KwinScript]);
}

#[test]
fn the_gnome_extension_gives_the_focused_windows_class_and_title() {
    if common::in_own_process("the_gnome_extension_gives_the_focused_windows_class_and_title") {
        return;
    }
    let bus = Bus::start("gnome-window");
    let json = Arc::new(Mutex::new(
        r#"{"title": "Budget.ods — LibreOffice Calc", "wm_class": "libreoffice-calc",
            "wm_class_instance": "libreoffice", "pid": 4242, "focus": true}"#
            .to_string(),
    ));
    let _shell = bus.serve(
        "org.gnome.Shell",
        "/org/gnome/shell/extensions/FocusedWindow",
        FocusedWindow(json.clone()),
    );
    let mut source = GnomeFocusedWindow::new();
    let w = source.active_window().unwrap().unwrap();
    assert_eq!(
        (w.application.as_str(), w.title.as_str()),
        ("libreoffice-calc", "Budget.ods — LibreOffice Calc")
    );
    *json.lock().unwrap() = "{}".into();
    assert_eq!(source.active_window().unwrap(), None, "nothing focused");
}

#[test]
fn the_kwin_script_reports_activations_and_is_unloaded_when_dropped() {
    if common::in_own_process("the_kwin_script_reports_activations_and_is_unloaded_when_dropped") {
        return;
    }
    let bus = Bus::start("kwin");
    let kwin = Kwin::default();
    *kwin.active.lock().unwrap() = ("org.kde.konsole".into(), "~ : bash — Konsole".into());
    let conn = bus.serve("org.kde.KWin", "/Scripting", kwin.clone());
    let caps = capabilities();
    assert_eq!(caps.windows.backend, Some(Backend::KwinScript), "{caps}");
    let mut source = KwinScript::new();
    // The first poll loads the script; KWin then reports the active window.
    assert_eq!(source.active_window().unwrap(), None);
    kwin.activate(&conn);
    let w = source.active_window().unwrap().unwrap();
    assert_eq!(
        (w.application.as_str(), w.title.as_str()),
        ("org.kde.konsole", "~ : bash — Konsole")
    );
    *kwin.active.lock().unwrap() = ("firefox".into(), "Docs — Mozilla Firefox".into());
    kwin.activate(&conn);
    assert_eq!(
        source.active_window().unwrap().unwrap().application,
        "firefox"
    );
    let plugin = kwin.scripts.lock().unwrap().keys().next().unwrap().clone();
    let script = kwin.scripts.lock().unwrap()[&plugin].clone();
    assert!(script.contains("workspace.windowActivated") && script.contains("clientActivated"));
    drop(source);
    assert!(kwin.unloaded.lock().unwrap().contains(&plugin));
    assert!(
        kwin.scripts.lock().unwrap().is_empty(),
        "the script stays loaded"
    );
}

#[test]
fn mutter_idle_time_gives_presence_seconds_and_nothing_when_idle() {
    if common::in_own_process("mutter_idle_time_gives_presence_seconds_and_nothing_when_idle") {
        return;
    }
    let bus = Bus::start("mutter");
    let idle_ms = Arc::new(AtomicU64::new(200));
    let _idle = bus.serve(
        "org.gnome.Mutter.IdleMonitor",
        "/org/gnome/Mutter/IdleMonitor/Core",
        IdleMonitor(idle_ms.clone()),
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let mut source = MutterIdleInput::new();
    assert!(!source.counts_events());
    source
        .start(InputSink::new(move |e| s.lock().unwrap().push(e)))
        .unwrap();
    std::thread::sleep(Duration::from_millis(2_500));
    let active = seen.lock().unwrap().len();
    assert!(
        (2..=4).contains(&active),
        "{active} presence events in 2.5 s"
    );
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|e| *e == InputEvent::Presence)
    );
    idle_ms.store(60_000, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(1_200));
    let before = seen.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(2_000));
    assert_eq!(seen.lock().unwrap().len(), before, "presence while idle");
    source.stop();
}

#[test]
fn the_portal_screenshot_is_read_and_its_file_deleted() {
    if common::in_own_process("the_portal_screenshot_is_read_and_its_file_deleted") {
        return;
    }
    let bus = Bus::start("portal-ok");
    let (p, _conn) = portal(&bus, 0);
    let mut source = PortalScreens::new();
    let monitors = source.monitors().unwrap();
    assert_eq!(monitors.len(), 1);
    assert_eq!((monitors[0].width, monitors[0].height), (64, 48));
    let frame = source.capture(&monitors[0]).unwrap();
    assert_eq!((frame.width(), frame.height()), (64, 48));
    let px = frame.as_frame();
    let row = px.row(10).unwrap();
    assert_eq!(&row[4 * 3..4 * 3 + 4], &[12, 50, 200, 255], "pixel (3, 10)");
    assert_eq!(
        p.requests.load(Ordering::SeqCst),
        1,
        "one request serves the screenshot"
    );
    for f in p.files.lock().unwrap().iter() {
        assert!(
            !f.exists(),
            "the portal's unblurred file {} is left behind",
            f.display()
        );
    }
}

#[test]
fn a_refused_portal_request_is_one_event_then_a_back_off_without_requests() {
    if common::in_own_process(
        "a_refused_portal_request_is_one_event_then_a_back_off_without_requests",
    ) {
        return;
    }
    let bus = Bus::start("portal-denied");
    let (p, _conn) = portal(&bus, 2);
    // The source alone: denied, then deferred without asking again.
    let mut source = PortalScreens::new();
    let err = source.monitors().unwrap_err();
    assert!(matches!(err, CaptureError::Failed { .. }), "{err}");
    assert!(
        err.to_string().contains("denied") && err.to_string().contains("5 min"),
        "{err}"
    );
    let again = source.monitors().unwrap_err();
    assert!(matches!(again, CaptureError::Deferred { .. }), "{again}");
    assert_eq!(p.requests.load(Ordering::SeqCst), 1);
    // Cancelled by the user (response 1) names that.
    p.response.store(1, Ordering::SeqCst);
    let err = PortalScreens::new().monitors().unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
    p.requests.store(0, Ordering::SeqCst);
    p.response.store(2, Ordering::SeqCst);

    // In a tracker taking a screenshot every 5 s for 16 s: one request, one event.
    let dir = bus.dir.join("data");
    let config = activity_core::Config::from_json_str(
        r#"{"screenshot_frequency": "5s", "slot_seconds": 60, "idle_after": "10m"}"#,
    )
    .unwrap();
    let mut b = activity_core::Tracker::builder(config)
        .data_dir(&dir)
        .screen_source(Box::new(PortalScreens::new()))
        .without_source(activity_core::capture::SourceKind::Input)
        .without_source(activity_core::capture::SourceKind::Windows)
        .browser_bridge(false);
    let events = b.event_channel();
    let tracker = b.build().unwrap();
    tracker.start().unwrap();
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(16) {
        std::thread::sleep(Duration::from_millis(200));
    }
    tracker.stop().unwrap();
    let failed: Vec<String> = events
        .try_iter()
        .filter_map(|e| match e {
            activity_core::TrackerEvent::CaptureFailed { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].contains("denied"), "{failed:?}");
    assert_eq!(p.requests.load(Ordering::SeqCst), 1, "a prompt storm");
}
