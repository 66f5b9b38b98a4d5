//! A real X session for the capture tests: Xvfb on a display it picks itself, openbox (the
//! active window needs an EWMH window manager), xterm windows, xdotool for input.
//!
//! Each test process starts its own session (nextest runs every test in its own process) and sets
//! `DISPLAY` for itself before any tracker thread exists; the server ends after the process.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct XSession {
    pub display: String,
    pub width: u32,
    pub height: u32,
    children: Vec<Child>,
}

fn kill(c: &mut Child) {
    let _ = c.kill();
    let _ = c.wait();
}

impl XSession {
    /// Starts Xvfb (`-displayfd`: the server picks a free display number) and openbox, and
    /// points this process's `DISPLAY` at it. Call first thing in a test, before any thread.
    ///
    /// openbox normally manages the screen within 0.1 s. A session whose window manager is not
    /// up after 15 s (seen once on a loaded CI machine) is torn down and started afresh, up to
    /// three times; the panic names what openbox printed and what the probe saw.
    pub fn start(width: u32, height: u32) -> XSession {
        let mut failures = Vec::new();
        for attempt in 1..=3 {
            match XSession::try_start(width, height, attempt) {
                Ok(s) => return s,
                Err(why) => failures.push(format!("attempt {attempt}: {why}")),
            }
        }
        panic!("no X session came up:\n{}", failures.join("\n"));
    }

    fn try_start(width: u32, height: u32, attempt: u32) -> Result<XSession, String> {
        let mut xvfb = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                &format!("{width}x{height}x24"),
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (apt install xvfb; the test command installs it)");
        let mut line = String::new();
        BufReader::new(xvfb.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Ok(n) = line.trim().parse::<u32>() else {
            kill(&mut xvfb);
            return Err(format!("Xvfb printed {line:?}, not a display number"));
        };
        let display = format!(":{n}");
        // SAFETY: called at the start of the test, before the test starts any thread.
        unsafe {
            std::env::set_var("DISPLAY", &display);
            std::env::remove_var("WAYLAND_DISPLAY");
            std::env::remove_var("XDG_SESSION_TYPE");
        }
        let log = std::env::temp_dir().join(format!(
            "activity-core-openbox-{}-{attempt}.log",
            std::process::id()
        ));
        let mut wm = Command::new("openbox")
            .env("DISPLAY", &display)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).map_or(Stdio::null(), Stdio::from))
            .spawn()
            .expect("openbox (apt install openbox)");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let windows = activity_core::capture::capabilities().windows;
            if windows.is_available() {
                break;
            }
            let exited = wm.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() >= deadline {
                let printed = std::fs::read_to_string(&log).unwrap_or_default();
                kill(&mut wm);
                kill(&mut xvfb);
                let _ = std::fs::remove_file(&log);
                let state = match exited {
                    Some(status) => format!("openbox exited ({status})"),
                    None => "openbox still not managing the screen after 15 s".into(),
                };
                return Err(format!(
                    "{state} on {display}; probe: {windows:?}; openbox printed: {printed:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = std::fs::remove_file(&log);
        // The server outlives the test's own teardown (a tracker's input thread may still hold
        // a connection while the test unwinds): a watchdog kills it once this process has
        // exited, whatever way it exits (openbox and the xterms then exit with their server).
        // The watchdog outlives this process on purpose, so it is never waited for.
        #[allow(clippy::zombie_processes)]
        let _watchdog = Command::new("sh")
            .args([
                "-c",
                &format!(
                    "while kill -0 {} 2>/dev/null; do sleep 0.3; done; kill {} 2>/dev/null",
                    std::process::id(),
                    xvfb.id()
                ),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh");
        let mut s = XSession {
            display,
            width,
            height,
            children: vec![xvfb, wm],
        };
        // A neutral starting point for the pointer.
        s.xdotool(&["mousemove", "5", "5"]);
        s.children.shrink_to_fit();
        Ok(s)
    }

    /// The X server's process id.
    pub fn server_pid(&self) -> u32 {
        self.children[0].id()
    }

    /// Runs xdotool with these arguments and returns its output.
    pub fn xdotool(&self, args: &[&str]) -> String {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .expect("xdotool (apt install xdotool)");
        assert!(
            out.status.success(),
            "xdotool {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Runs xdotool; `None` when it fails (e.g. `getactivewindow` before anything has the focus).
    pub fn try_xdotool(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Opens an xterm showing `text`, waits for its window and returns the window id. With
    /// `net_wm_name` the title is also set through `_NET_WM_NAME` (xterm by itself sets only
    /// `WM_NAME`).
    pub fn xterm(&mut self, title: &str, net_wm_name: bool, text: &str) -> String {
        let script = format!("printf '%s\\n' '{text}'; exec sleep 600");
        let child = Command::new("xterm")
            .args([
                "-T",
                title,
                "-geometry",
                "100x30+40+40",
                "-fa",
                "DejaVu Sans Mono",
                "-fs",
                "12",
                "-e",
                "sh",
                "-c",
                &script,
            ])
            .env("DISPLAY", &self.display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xterm (apt install xterm)");
        self.children.push(child);
        let id = self.xdotool(&["search", "--sync", "--name", &format!("^{title}$")]);
        let id = id.lines().next().unwrap().to_string();
        if net_wm_name {
            let out = Command::new("xprop")
                .args([
                    "-id",
                    &id,
                    "-f",
                    "_NET_WM_NAME",
                    "8u",
                    "-set",
                    "_NET_WM_NAME",
                    title,
                ])
                .env("DISPLAY", &self.display)
                .output()
                .expect("xprop (apt install x11-utils)");
            assert!(out.status.success());
        }
        id
    }

    /// Gives the window the focus and waits until it has it.
    pub fn activate(&self, id: &str) {
        self.xdotool(&["windowactivate", "--sync", id]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.try_xdotool(&["getactivewindow"]).as_deref() != Some(id) {
            assert!(Instant::now() < deadline, "window {id} never got the focus");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for XSession {
    fn drop(&mut self) {
        // The xterms go now; the server and the window manager when the process has exited
        // (see `start`).
        for c in self.children.iter_mut().skip(2) {
            kill(c);
        }
    }
}
