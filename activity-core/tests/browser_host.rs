//! The browser bridge without a browser: the real host binary fed frames on its stdin (good,
//! malformed, oversized, truncated), a fuzz of random frames through the host's loop and into
//! the tracker's socket, the host's buffer while the tracker is away, and a process of another
//! user knocking on the socket. The real-browser scenario is `browser-extension/test`.

use std::io::Write;
#[cfg(unix)]
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[cfg(windows)]
use activity_core::browser::HOST_NAME;
use activity_core::browser::endpoint;
use activity_core::browser::host::BUFFERED;
#[cfg(unix)]
use activity_core::browser::host::run;
#[cfg(unix)]
use activity_core::browser::protocol::split_frames;
use activity_core::browser::protocol::{MAX_MESSAGE, read_frame};
#[cfg(unix)]
use activity_core::browser::socket_path;
use activity_core::model::activity::{ActivityKind, ActivityRecord};
use activity_core::runtime::{Query, TrackerEvent, Viewer};
use activity_core::{Config, Tracker};
use rand::{Rng, SeedableRng};

const HOST: &str = env!("CARGO_BIN_EXE_activity-core-browser-host");

fn temp_dir(name: &str) -> PathBuf {
    // Short: a Unix socket path has at most 107 bytes.
    let dir = std::env::temp_dir().join(format!("acb-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tracker(dir: &Path, config: Config) -> (Tracker, mpsc::Receiver<TrackerEvent>) {
    let mut b = Tracker::builder(config)
        .data_dir(dir)
        .without_sources()
        .browser_bridge(true);
    let rx = b.event_channel();
    (b.build().unwrap(), rx)
}

/// A connection to the tracker's endpoint of `dir`, as the host makes it (a Unix socket; a named
/// pipe opened for writing on Windows).
fn connect(dir: &Path) -> std::io::Result<Box<dyn Write>> {
    #[cfg(unix)]
    return UnixStream::connect(endpoint(dir)).map(|s| Box::new(s) as Box<dyn Write>);
    #[cfg(windows)]
    {
        let mut attempt = 0;
        loop {
            // ERROR_PIPE_BUSY: the tracker makes the next instance right after each connection.
            match std::fs::OpenOptions::new().write(true).open(endpoint(dir)) {
                Err(e) if e.raw_os_error() == Some(231) && attempt < 40 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                r => return r.map(|f| Box::new(f) as Box<dyn Write>),
            }
        }
    }
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u32).to_le_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

fn tab(url: &str) -> Vec<u8> {
    frame(
        serde_json::json!({"type": "tab", "url": url, "title": "T", "browser": "Chromium",
            "incognito": false, "reason": "test", "at": 0})
        .to_string()
        .as_bytes(),
    )
}

fn wait_for(rx: &mpsc::Receiver<TrackerEvent>, what: &str, f: impl Fn(&TrackerEvent) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(100))
            && f(&e)
        {
            return;
        }
    }
    panic!("no {what} event within 10 s");
}

fn urls(t: &Tracker) -> Vec<ActivityRecord> {
    t.activities(&Viewer::Admin, &Query::default())
        .unwrap()
        .into_iter()
        .filter(|a| a.kind == ActivityKind::Url)
        .collect()
}

#[test]
fn the_host_forwards_good_samples_and_answers_bad_input_without_crashing() {
    let dir = temp_dir("host");
    let (t, rx) = tracker(&dir, Config::default());
    t.start().unwrap();
    let mut host = Command::new(HOST)
        .args(["--data-dir", dir.to_str().unwrap(), "chrome-extension://x/"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = host.stdin.take().unwrap();
    stdin
        .write_all(&tab("https://alpha.example/a?token=secret#f"))
        .unwrap();
    stdin.flush().unwrap();
    wait_for(
        &rx,
        "website alpha",
        |e| matches!(e, TrackerEvent::WebsiteChanged { domain: Some(d), .. } if d == "alpha.example"),
    );
    std::thread::sleep(Duration::from_millis(1500));
    let bad: Vec<Vec<u8>> = vec![
        frame(b"not json"),
        frame(br#"{"type":"tab","url":42}"#),
        frame(br#"{"type":"tab"}"#),
        frame(br#"{"type":"format-disk"}"#),
        frame(br#"{"type":"dropped","count":3}"#),
        frame(br#"[1,2,3]"#),
        frame(&[0xff, 0xfe, 0x00]),
        // A private tab: never recorded.
        frame(br#"{"type":"tab","url":"https://private.example/","incognito":true}"#),
        // Over the 1 MiB limit: read through and refused; the next frame still counts.
        frame(&vec![b' '; MAX_MESSAGE + 1]),
    ];
    for b in &bad {
        stdin.write_all(b).unwrap();
    }
    stdin.write_all(&tab("https://beta.example/b")).unwrap();
    stdin.flush().unwrap();
    wait_for(
        &rx,
        "website beta",
        |e| matches!(e, TrackerEvent::WebsiteChanged { domain: Some(d), .. } if d == "beta.example"),
    );
    std::thread::sleep(Duration::from_millis(1500));
    // A frame cut short, then the end of the stream (the browser closed).
    stdin.write_all(&frame(b"{\"type\":\"tab\"")[..9]).unwrap();
    drop(stdin);
    let out = host.wait_with_output().unwrap();
    assert!(out.status.success(), "host exit: {:?}", out.status);
    // One error reply per refused message, the truncated one included.
    let mut replies = Vec::new();
    let mut r = &out.stdout[..];
    while let Some(f) = read_frame(&mut r).unwrap() {
        replies.push(serde_json::from_slice::<serde_json::Value>(&f).unwrap());
    }
    assert_eq!(replies.len(), bad.len() + 1, "{replies:?}");
    assert!(replies.iter().all(|r| r["type"] == "error"));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("private window"), "{log}");
    assert!(log.contains("over the 1048576-byte limit"), "{log}");
    assert!(log.contains("truncated frame"), "{log}");
    // The host's end of the stream ended the website record.
    wait_for(&rx, "browser disconnected", |e| {
        matches!(e, TrackerEvent::BrowserDisconnected { .. })
    });
    t.stop().unwrap();
    let recs = urls(&t);
    let domains: Vec<&str> = recs.iter().filter_map(|r| r.domain.as_deref()).collect();
    assert!(domains.contains(&"alpha.example") && domains.contains(&"beta.example"));
    assert!(!domains.contains(&"private.example"));
    for r in &recs {
        assert!(!r.url.as_deref().unwrap_or("").contains("secret"), "{r:?}");
        assert!(!r.title.contains("secret"));
    }
    let alpha: i64 = recs
        .iter()
        .filter(|r| r.domain.as_deref() == Some("alpha.example"))
        .map(|r| r.duration_millis)
        .sum();
    assert!((1400..=3500).contains(&alpha), "alpha {alpha} ms");
}

/// A stand-in for the tracker's socket that keeps every frame it gets.
#[cfg(unix)]
fn fake_tracker(dir: &Path) -> (std::thread::JoinHandle<Vec<Vec<u8>>>, PathBuf) {
    let path = socket_path(dir);
    let listener = UnixListener::bind(&path).unwrap();
    let h = std::thread::spawn(move || {
        let mut got = Vec::new();
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut s, &mut buf).unwrap();
        got.extend(split_frames(&mut buf).unwrap());
        got
    });
    (h, path)
}

#[cfg(unix)] // the stand-in tracker is a Unix socket
#[test]
fn fuzz_random_frames_never_crash_the_host_and_every_valid_sample_gets_through() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    for round in 0..200 {
        let dir = temp_dir(&format!("fz{round}"));
        let (collector, _) = fake_tracker(&dir);
        let mut input = Vec::new();
        let mut valid = Vec::new();
        for i in 0..rng.random_range(1..30) {
            match rng.random_range(0..6) {
                0 => {
                    let url = format!("https://s{i}.example/{}", rng.random::<u32>());
                    input.extend(tab(&url));
                    valid.push(url);
                }
                1 => {
                    let n = rng.random_range(0..200);
                    let junk: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                    input.extend(frame(&junk));
                }
                2 => {
                    // JSON of a wrong shape.
                    let v = match rng.random_range(0..4) {
                        0 => serde_json::json!({"type": "tab", "url": rng.random::<i32>()}),
                        1 => serde_json::json!({"type": rng.random::<u8>()}),
                        2 => serde_json::json!([rng.random::<u8>(), "tab"]),
                        _ => serde_json::json!({"type": "tab", "url": "x", "incognito": "no"}),
                    };
                    input.extend(frame(v.to_string().as_bytes()));
                }
                3 => input.extend(frame(&[])),
                4 => input.extend(frame(
                    br#"{"type":"tab","url":"https://p.example/","incognito":true}"#,
                )),
                _ => {
                    // A length over the limit, its bytes present.
                    let n = MAX_MESSAGE + 1 + rng.random_range(0..100);
                    input.extend((n as u32).to_le_bytes());
                    input.extend(std::iter::repeat_n(b'x', n));
                }
            }
        }
        let truncated = rng.random_bool(0.3);
        if truncated {
            let cut = tab("https://cut.example/");
            input.extend(&cut[..rng.random_range(1..cut.len())]);
        }
        let mut out = Vec::new();
        let report = run(&dir, &mut &input[..], &mut out);
        assert_eq!(report.forwarded as usize, valid.len(), "round {round}");
        let got = collector.join().unwrap();
        let got_urls: Vec<String> = got
            .iter()
            .map(|f| {
                serde_json::from_slice::<serde_json::Value>(f).unwrap()["url"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            got_urls, valid,
            "round {round}: the valid samples, in order"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn random_bytes_on_the_tracker_socket_do_not_hurt_the_tracker() {
    let dir = temp_dir("sock");
    let (t, rx) = tracker(&dir, Config::default());
    t.start().unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for _ in 0..50 {
        let mut s = connect(&dir).unwrap();
        let n = rng.random_range(0..5000);
        let junk: Vec<u8> = (0..n).map(|_| rng.random()).collect();
        let _ = s.write_all(&junk);
    }
    // Still listening, still recording.
    let mut s = connect(&dir).unwrap();
    s.write_all(&tab("https://after.example/")).unwrap();
    wait_for(
        &rx,
        "website after",
        |e| matches!(e, TrackerEvent::WebsiteChanged { domain: Some(d), .. } if d == "after.example"),
    );
    assert!(t.is_running());
    drop(s);
    t.stop().unwrap();
    assert!(connect(&dir).is_err(), "stop closes the endpoint");
    #[cfg(unix)]
    assert!(!socket_path(&dir).exists(), "stop removes the socket");
}

#[test]
fn while_the_tracker_is_away_the_host_keeps_the_latest_samples_and_says_how_many_it_dropped() {
    let dir = temp_dir("away");
    let mut host = Command::new(HOST)
        .args(["--data-dir", dir.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = host.stdin.take().unwrap();
    let extra = 40;
    for i in 0..BUFFERED + extra {
        stdin
            .write_all(&tab(&format!("https://s{i}.example/")))
            .unwrap();
    }
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let (t, rx) = tracker(&dir, Config::default());
    t.start().unwrap();
    // The next message finds the tracker: the buffer goes first, then the count.
    stdin.write_all(&tab("https://now.example/")).unwrap();
    drop(stdin);
    let mut dropped = None;
    let mut last_domain = None;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && (dropped.is_none() || last_domain.is_none()) {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(TrackerEvent::BrowserSamplesDropped { count }) => dropped = Some(count),
            Ok(TrackerEvent::WebsiteChanged {
                domain: Some(d), ..
            }) if d == "now.example" => last_domain = Some(d),
            _ => {}
        }
    }
    let out = host.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    // BUFFERED + extra + 1 samples, BUFFERED kept: extra + 1 dropped.
    assert_eq!(dropped, Some(extra as u64 + 1), "{log}");
    assert_eq!(last_domain.as_deref(), Some("now.example"));
    assert!(
        log.contains("not reachable") && log.contains("dropped"),
        "{log}"
    );
    t.stop().unwrap();
}

#[cfg(unix)] // another user through setpriv (Windows: see the README's Windows section)
#[test]
fn another_users_process_cannot_use_the_socket() {
    // Debian's own Python: the other user cannot read root's (pyenv under /root).
    let python = "/usr/bin/python3";
    if rustix::process::geteuid().as_raw() != 0
        || Command::new("setpriv").arg("--help").output().is_err()
        || !Path::new(python).exists()
    {
        eprintln!("skipped: needs root, setpriv and {python} to act as another user");
        return;
    }
    let dir = temp_dir("user");
    let (t, rx) = tracker(&dir, Config::default());
    t.start().unwrap();
    let sock = socket_path(&dir);
    // The folder must be enterable by the other user for the test to reach the socket at all.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mode = std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let knock = |payload: &str| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", python, "-c"])
            .arg(format!(
                "import socket,struct,sys\n\
                 s=socket.socket(socket.AF_UNIX)\n\
                 try:\n  s.connect({:?})\nexcept OSError as e:\n  print('refused', e.errno); sys.exit(0)\n\
                 b={payload:?}.encode()\n\
                 try:\n  s.sendall(struct.pack('<I',len(b))+b); print('sent')\n\
                 except OSError as e:\n  print('closed', e.errno)",
                sock.to_str().unwrap()
            ))
            .output()
            .unwrap()
    };
    let body = r#"{"type":"tab","url":"https://intruder.example/"}"#;
    // Mode 0600: the kernel refuses the other user (EACCES).
    let out = knock(body);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "refused 13",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Even with the permission opened, the tracker checks the peer's uid and refuses.
    std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = knock(body);
    let said = String::from_utf8_lossy(&out.stdout);
    // Connected; the tracker closes it at once (the write may or may not beat the close).
    assert!(
        said.starts_with("sent") || said.starts_with("closed"),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for(
        &rx,
        "browser refused",
        |e| matches!(e, TrackerEvent::BrowserRefused { reason } if reason.contains("65534")),
    );
    std::thread::sleep(Duration::from_millis(300));
    t.stop().unwrap();
    assert!(urls(&t).is_empty(), "nothing recorded from another user");
}

#[test]
fn with_track_urls_off_there_is_no_socket() {
    let dir = temp_dir("off");
    let config = Config {
        track_urls: false,
        ..Config::default()
    };
    let (t, _rx) = tracker(&dir, config);
    t.start().unwrap();
    assert!(connect(&dir).is_err(), "no endpoint");
    #[cfg(unix)]
    assert!(!socket_path(&dir).exists());
    t.stop().unwrap();
}

#[test]
fn a_second_tracker_on_the_same_folder_cannot_take_the_socket() {
    let dir = temp_dir("two");
    let (a, _) = tracker(&dir, Config::default());
    a.start().unwrap();
    let (b, _) = tracker(&dir, Config::default());
    let e = b.start().unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("in use by process {}", std::process::id())),
        "{e}"
    );
    a.stop().unwrap();
    // A socket left behind (a tracker that died) is taken over.
    #[cfg(unix)]
    let _stale = UnixListener::bind(socket_path(&dir)).map(drop);
    b.start().unwrap();
    b.stop().unwrap();
}

/// `reg query HKCU\<key> /ve`: the key's default value.
#[cfg(windows)]
fn registry_default(key: &str) -> Option<String> {
    let out = Command::new("reg")
        .args(["query", &format!(r"HKCU\{key}"), "/ve"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // "    (Default)    REG_SZ    C:\...": the value after the type.
    text.lines()
        .find_map(|l| l.split_once("REG_SZ").map(|(_, v)| v.trim().to_string()))
}

#[cfg(windows)]
#[test]
fn install_registers_the_host_in_the_registry_and_its_launcher_feeds_the_tracker() {
    let dir = temp_dir("reg");
    for (browser, key, allowed) in [
        (
            "chrome",
            format!(r"Software\Google\Chrome\NativeMessagingHosts\{HOST_NAME}"),
            "allowed_origins",
        ),
        (
            "chromium",
            format!(r"Software\Chromium\NativeMessagingHosts\{HOST_NAME}"),
            "allowed_origins",
        ),
        (
            "firefox",
            format!(r"Software\Mozilla\NativeMessagingHosts\{HOST_NAME}"),
            "allowed_extensions",
        ),
    ] {
        let out = Command::new(HOST)
            .args(["install", "--browser", browser, "--data-dir"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let manifest_path = printed.lines().next().unwrap().to_string();
        // The registry names the manifest, as the browser will read it.
        assert_eq!(
            registry_default(&key).as_deref(),
            Some(manifest_path.as_str()),
            "{key}"
        );
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
        assert_eq!(manifest["name"], HOST_NAME);
        assert_eq!(manifest["type"], "stdio");
        assert!(manifest[allowed].is_array(), "{manifest}");
        let launcher = manifest["path"].as_str().unwrap();
        assert!(launcher.ends_with("browser-host.bat"), "{launcher}");
    }
    // The browser starts the launcher (through cmd, as Chrome does on Windows): it runs the host
    // for this data folder, which forwards to the running tracker.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            registry_default(&format!(
                r"Software\Google\Chrome\NativeMessagingHosts\{HOST_NAME}"
            ))
            .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let launcher = manifest["path"].as_str().unwrap().to_string();
    let (t, rx) = tracker(&dir, Config::default());
    t.start().unwrap();
    let mut host = Command::new("cmd")
        .args(["/d", "/c", &launcher, "chrome-extension://x/"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = host.stdin.take().unwrap();
    stdin
        .write_all(&tab("https://through-the-launcher.example/"))
        .unwrap();
    stdin.flush().unwrap();
    wait_for(&rx, "website through the launcher", |e| {
        matches!(e, TrackerEvent::WebsiteChanged { domain: Some(d), .. }
            if d == "through-the-launcher.example")
    });
    drop(stdin);
    let out = host.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 forwarded"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.stop().unwrap();
}
