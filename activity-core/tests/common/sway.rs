//! A real Wayland desktop for tests: Debian's sway run headless (`WLR_BACKENDS=headless`,
//! pixman rendering, no input devices), foot windows with known app ids, swaymsg to move the
//! focus, wtype to type through the virtual-keyboard protocol.
//!
//! sway refuses to run as root, so when the tests run as root a system user `ac-wayland` is
//! created and sway, its clients and the test's child process (the tracker) run as that user
//! (`setpriv`), with a runtime folder of its own. The test binary is copied into that folder so
//! the user can run it wherever the target folder is.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "ac-wayland";
/// Set in the child process that runs as the session's user.
pub const CHILD: &str = "AC_WAYLAND_CHILD";

pub struct Sway {
    pub runtime: PathBuf,
    sway: Child,
    clients: Vec<Child>,
    root: bool,
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Whether this process is the child a [`Sway`] started.
pub fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

fn ensure_user() {
    let exists = || {
        Command::new("id")
            .arg(USER)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !exists() {
        let st = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                USER,
            ])
            .status()
            .expect("useradd");
        // Another test process may have created it meanwhile.
        assert!(st.success() || exists(), "useradd {USER} failed");
    }
}

fn ids(user: &str) -> (u32, u32) {
    let get = |flag: &str| -> u32 {
        let out = Command::new("id").args([flag, user]).output().expect("id");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("numeric id")
    };
    (get("-u"), get("-g"))
}

impl Sway {
    /// Starts sway with one `width`×`height` output and waits for its socket.
    pub fn start(width: u32, height: u32) -> Sway {
        let root = is_root();
        let runtime = std::env::temp_dir().join(format!("ac-wayland-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&runtime);
        std::fs::create_dir_all(&runtime).unwrap();
        if root {
            ensure_user();
            let (uid, gid) = ids(USER);
            std::os::unix::fs::chown(&runtime, Some(uid), Some(gid)).unwrap();
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        let config = runtime.join("sway.conf");
        std::fs::write(
            &config,
            format!(
                "output HEADLESS-1 resolution {width}x{height}\n\
                 default_border none\nfocus_follows_mouse no\n"
            ),
        )
        .unwrap();
        let mut s = Sway {
            runtime,
            sway: Command::new("true").spawn().unwrap(),
            clients: Vec::new(),
            root,
        };
        s.chown(&config);
        let log = std::fs::File::create(s.runtime.join("sway.log")).unwrap();
        s.sway = s
            .command("sway")
            .args(["-c", config.to_str().unwrap()])
            .env("WLR_BACKENDS", "headless")
            .env("WLR_RENDERER", "pixman")
            .env("WLR_LIBINPUT_NO_DEVICES", "1")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("sway (apt install sway)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while s.swaysock().is_none() || !s.runtime.join("wayland-1").exists() {
            assert!(
                Instant::now() < deadline,
                "sway did not start: {}",
                std::fs::read_to_string(s.runtime.join("sway.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        s
    }

    fn chown(&self, path: &Path) {
        if self.root {
            let (uid, gid) = ids(USER);
            std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
        }
    }

    fn swaysock(&self) -> Option<PathBuf> {
        std::fs::read_dir(&self.runtime)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("sway-ipc."))
            })
    }

    /// The session's environment.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("XDG_RUNTIME_DIR".into(), self.runtime.display().to_string()),
            ("WAYLAND_DISPLAY".into(), "wayland-1".into()),
            ("HOME".into(), self.runtime.display().to_string()),
            ("TMPDIR".into(), self.runtime.display().to_string()),
            ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
            ("LANG".into(), "C.UTF-8".into()),
        ];
        if let Some(sock) = self.swaysock() {
            env.push(("SWAYSOCK".into(), sock.display().to_string()));
        }
        env
    }

    /// `program` as the session's user, in the session's environment only.
    pub fn command(&self, program: &str) -> Command {
        let mut c = if self.root {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={USER}"),
                &format!("--regid={USER}"),
                "--init-groups",
                "--",
                program,
            ]);
            c
        } else {
            Command::new(program)
        };
        c.env_clear().envs(self.env());
        c
    }

    /// A foot terminal with this app id and title, shown (and focused: sway focuses new windows).
    pub fn foot(&mut self, app_id: &str, title: &str) {
        let child = self
            .command("foot")
            .args([
                &format!("--app-id={app_id}"),
                &format!("--title={title}"),
                "sh",
                "-c",
                // Text on screen: what the screenshot test looks for.
                &format!("echo '{title}: the quick brown fox jumps over the lazy dog'; sleep 600"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("foot (apt install foot)");
        self.clients.push(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.tree().contains(&format!("\"app_id\": \"{app_id}\"")) {
            assert!(Instant::now() < deadline, "foot {app_id} did not map");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// sway's layout tree (JSON).
    pub fn tree(&self) -> String {
        let out = self
            .command("swaymsg")
            .args(["-t", "get_tree"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs the current test binary's test `name` as the session's user, in the session, and
    /// asserts it passed.
    pub fn run_child(&self, name: &str, extra: &[(&str, &str)]) {
        let exe = std::env::current_exe().unwrap();
        let copy = self.runtime.join("test-binary");
        std::fs::copy(&exe, &copy).unwrap();
        self.chown(&copy);
        let out = self
            .command(copy.to_str().unwrap())
            .args([name, "--exact", "--test-threads=1", "--nocapture"])
            .env(CHILD, "1")
            .envs(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name} failed as {USER} on sway:\n{}{}\n--- sway log ---\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.runtime.join("sway.log")).unwrap_or_default()
        );
    }
}

impl Drop for Sway {
    fn drop(&mut self) {
        for c in &mut self.clients {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = self.sway.kill();
        let _ = self.sway.wait();
        let _ = std::fs::remove_dir_all(&self.runtime);
    }
}

/// Helpers for the child, which runs inside the session as its user.
pub mod child {
    use std::process::Command;

    fn run(program: &str, args: &[&str]) {
        let out = Command::new(program).args(args).output().unwrap();
        assert!(out.status.success(), "{program} {args:?}: {out:?}");
    }

    /// Moves the focus to the window with this app id.
    pub fn focus(app_id: &str) {
        run("swaymsg", &[&format!("[app_id=\"{app_id}\"] focus")]);
    }

    /// Types `text` into the focused window (the virtual-keyboard protocol).
    pub fn type_text(text: &str) {
        run("wtype", &[text]);
    }

    /// A pointer moved through `zwlr_virtual_pointer_manager_v1`, as a test client: what a
    /// mouse would send the compositor (Debian 12 packages no tool for it).
    pub struct VirtualPointer {
        _conn: wayland_client::Connection,
        queue: wayland_client::EventQueue<Client>,
        pointer: wayland_protocols_wlr::virtual_pointer::v1::client::zwlr_virtual_pointer_v1::ZwlrVirtualPointerV1,
        started: std::time::Instant,
    }

    pub struct Client;

    impl
        wayland_client::Dispatch<
            wayland_client::protocol::wl_registry::WlRegistry,
            wayland_client::globals::GlobalListContents,
        > for Client
    {
        fn event(
            _: &mut Self,
            _: &wayland_client::protocol::wl_registry::WlRegistry,
            _: wayland_client::protocol::wl_registry::Event,
            _: &wayland_client::globals::GlobalListContents,
            _: &wayland_client::Connection,
            _: &wayland_client::QueueHandle<Self>,
        ) {
        }
    }

    macro_rules! no_events {
        ($($t:ty),*) => {$(
            impl wayland_client::Dispatch<$t, ()> for Client {
                fn event(_: &mut Self, _: &$t, _: <$t as wayland_client::Proxy>::Event, _: &(),
                    _: &wayland_client::Connection, _: &wayland_client::QueueHandle<Self>) {}
            }
        )*};
    }
    no_events!(
        wayland_protocols_wlr::virtual_pointer::v1::client::zwlr_virtual_pointer_manager_v1::ZwlrVirtualPointerManagerV1,
        wayland_protocols_wlr::virtual_pointer::v1::client::zwlr_virtual_pointer_v1::ZwlrVirtualPointerV1
    );

    impl VirtualPointer {
        pub fn new() -> VirtualPointer {
            use wayland_protocols_wlr::virtual_pointer::v1::client::zwlr_virtual_pointer_manager_v1::ZwlrVirtualPointerManagerV1;
            let conn = wayland_client::Connection::connect_to_env().unwrap();
            let (globals, mut queue) =
                wayland_client::globals::registry_queue_init::<Client>(&conn).unwrap();
            let qh = queue.handle();
            let manager: ZwlrVirtualPointerManagerV1 = globals.bind(&qh, 1..=2, ()).unwrap();
            let pointer = manager.create_virtual_pointer(None, &qh, ());
            queue.roundtrip(&mut Client).unwrap();
            VirtualPointer {
                _conn: conn,
                queue,
                pointer,
                started: std::time::Instant::now(),
            }
        }

        /// Moves the pointer a few pixels.
        pub fn nudge(&mut self) {
            let time = self.started.elapsed().as_millis() as u32;
            self.pointer.motion(time, 5.0, 3.0);
            self.pointer.frame();
            self.queue.roundtrip(&mut Client).unwrap();
        }
    }

    /// A session bus of the child's own (the portal is activated on it) and the PipeWire daemon
    /// xdg-desktop-portal-wlr needs before it starts; both end with the guard.
    pub struct SessionBus(Vec<std::process::Child>);

    impl Drop for SessionBus {
        fn drop(&mut self) {
            for c in &mut self.0 {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }

    /// Starts them and points this process at the bus, as a wlroots desktop session would.
    pub fn session_bus() -> SessionBus {
        use std::io::BufRead;
        let runtime = std::env::var("XDG_RUNTIME_DIR").unwrap();
        let mut daemon = Command::new("dbus-daemon")
            .args([
                "--config-file=/usr/share/dbus-1/session.conf",
                "--nofork",
                "--print-address=1",
                &format!("--address=unix:path={runtime}/bus"),
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("dbus-daemon");
        let mut address = String::new();
        std::io::BufReader::new(daemon.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        // SAFETY: the child's test body starts with this, before any thread of its own.
        unsafe {
            std::env::set_var("DBUS_SESSION_BUS_ADDRESS", address.trim());
            std::env::set_var("XDG_CURRENT_DESKTOP", "sway");
        }
        let pipewire = Command::new("pipewire")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("pipewire (apt install pipewire-bin)");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !std::path::Path::new(&runtime).join("pipewire-0").exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "pipewire did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        SessionBus(vec![daemon, pipewire])
    }
}
