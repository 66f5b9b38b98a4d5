//! `track`: tracks this desktop with the built-in sources and SQLite; screenshots go to the
//! storage the environment names (`FILE_PROVIDER` …, as `storage_check` reads it), by default
//! local files under the data folder.
//!
//! ```text
//! cargo run --release --example track -- [--for 10m] [--data-dir ./activity-data]
//!     [--frequency 10m] [--slot 10m] [--random] [--blur] [--project NAME] [--export FILE]
//!     [--no-screenshots] [--virtual-display] [--no-browser]
//! ```
//!
//! Durations: `90s`, `10m`, `1h` (a bare number is seconds). It prints a line per closed slot and
//! per screenshot, and at the end the slots with both activity figures (as stored, per context),
//! then the report of the run's day(s) in this machine's time zone (`Tracker::report`, the code
//! `examples/report.rs` prints: totals, projects, top applications and sites), and where the
//! files are. Ctrl-C ends the run early, cleanly.
//!
//! Websites come from the browser extension (`browser-extension/`) through its native messaging
//! host, installed with `activity-core-browser-host install --browser chromium --data-dir DIR`;
//! `--no-browser` leaves the browser socket closed.
//!
//! `--virtual-display` starts Xvfb and openbox for a demo (and, so there is something to track,
//! two xterm windows that a scripted user switches between and types into with xdotool), then
//! runs the tracker on that display.

use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use activity_core::capture::{Session, capabilities};
use activity_core::model::activity::WorkContext;
use activity_core::model::config::{Frequency, parse_seconds};
use activity_core::model::report::Period;
use activity_core::runtime::{Query, ReportRequest, TrackerEvent, Viewer};
use activity_core::{Clock, Config, SystemClock, Timestamp, Tracker};
use serde_json::json;

struct Args {
    run_for: u32,
    data_dir: PathBuf,
    frequency: u32,
    slot: u32,
    random: bool,
    blur: bool,
    project: Option<String>,
    export: Option<PathBuf>,
    screenshots: bool,
    virtual_display: bool,
    browser: bool,
}

const USAGE: &str = "usage: track [--for 10m] [--data-dir ./activity-data] [--frequency 10m] \
[--slot 10m] [--random] [--blur] [--project NAME] [--export FILE] [--no-screenshots] \
[--virtual-display] [--no-browser]\n  durations: 90s, 10m, 1h (a bare number is seconds)";

fn parse_args(raw: &[String]) -> Result<Args, String> {
    let mut a = Args {
        run_for: 600,
        data_dir: PathBuf::from("./activity-data"),
        frequency: 600,
        slot: 600,
        random: false,
        blur: false,
        project: None,
        export: None,
        screenshots: true,
        browser: true,
        virtual_display: false,
    };
    let mut it = raw.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let duration = |name: &str, v: String| {
            parse_seconds(&v)
                .filter(|&s| s > 0)
                .ok_or_else(|| format!("{name}: {v:?} is not a duration such as 90s, 10m or 1h"))
        };
        match flag.as_str() {
            "--for" => a.run_for = duration("--for", value("--for")?)?,
            "--data-dir" => a.data_dir = PathBuf::from(value("--data-dir")?),
            "--frequency" => a.frequency = duration("--frequency", value("--frequency")?)?,
            "--slot" => a.slot = duration("--slot", value("--slot")?)?,
            "--random" => a.random = true,
            "--blur" => a.blur = true,
            "--project" => a.project = Some(value("--project")?),
            "--export" => a.export = Some(PathBuf::from(value("--export")?)),
            "--no-screenshots" => a.screenshots = false,
            "--no-browser" => a.browser = false,
            "--virtual-display" => a.virtual_display = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&raw) {
        Ok(a) => a,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("track: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.virtual_display {
        return virtual_display(&raw);
    }
    match track(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("track: {e}");
            ExitCode::from(1)
        }
    }
}

fn hhmm(t: Timestamp) -> String {
    let s = t.to_string();
    s.get(11..19).unwrap_or(&s).to_string()
}

fn track(args: &Args) -> Result<(), String> {
    let caps = capabilities();
    if caps.session == Session::None {
        return Err(
            "no display: DISPLAY is not set, so there is no desktop to track.\n\
             Run inside a desktop session, or add --virtual-display to start Xvfb and openbox \
             for a demo (apt install xvfb openbox xterm xdotool)."
                .into(),
        );
    }
    let config_json = json!({
        "screenshot_frequency": format!("{}s", args.frequency),
        "random_screenshot": args.random,
        "is_screenshot_enabled": args.screenshots,
        "slot_seconds": args.slot,
        "blur": {"enabled": args.blur},
    });
    let config = Config::from_json_str(&config_json.to_string()).map_err(|e| e.to_string())?;
    println!(
        "activity-core track: {}",
        caps.to_string().replace('\n', ", ")
    );
    println!(
        "slots of {} s, screenshots {}{}{}, data in {}",
        args.slot,
        if args.screenshots { "every " } else { "off" },
        if args.screenshots {
            Frequency::seconds(args.frequency).to_string()
        } else {
            String::new()
        },
        match (args.screenshots, args.random, args.blur) {
            (false, _, _) => "",
            (true, true, true) => " (random, blurred)",
            (true, true, false) => " (random)",
            (true, false, true) => " (blurred)",
            (true, false, false) => "",
        },
        args.data_dir.display()
    );
    let context = WorkContext {
        employee: std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .or_else(|_| std::env::var("USERNAME"))
            .ok()
            .or_else(|| Some("local-user".into())),
        project: args.project.clone(),
        task: None,
    };
    let shots = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = shots.clone();
    let tracker = Tracker::builder(config)
        .storage_from_env()
        .map_err(|e| format!("storage from the environment: {e}"))?
        .data_dir(&args.data_dir)
        .context(context)
        .browser_bridge(args.browser)
        .on_event(move |e| match e {
            TrackerEvent::SlotClosed { metrics: m, context } => println!(
                "slot {}  tracked {:>4} s  keyboard {:>5}  mouse {:>5}  activity {:>3} %  active {:>3} %{}",
                hhmm(m.slot_start),
                m.tracked_seconds,
                or_na(m.keyboard_events),
                or_na(m.mouse_events),
                or_na(m.activity_percent),
                m.active_percent,
                context
                    .project
                    .as_deref()
                    .map(|p| format!("  project {p}"))
                    .unwrap_or_default()
            ),
            TrackerEvent::ScreenshotTaken(s) => {
                println!(
                    "screenshot {}  {} {}x{}{}  {} KB  {} ms capture, {} ms processing  -> {}",
                    hhmm(s.taken_at),
                    s.monitor.name,
                    s.monitor.width,
                    s.monitor.height,
                    if s.blurred { " blurred" } else { "" },
                    s.full_bytes / 1024,
                    s.capture_millis,
                    s.process_millis,
                    s.full_key
                );
                seen.lock().unwrap().push(s.id.clone());
            }
            TrackerEvent::WebsiteChanged { at, url, .. } => {
                println!("site {}  {}", hhmm(*at), url.as_deref().unwrap_or("(none)"))
            }
            TrackerEvent::BrowserConnected { at } => println!("browser connected {}", hhmm(*at)),
            TrackerEvent::BrowserDisconnected { at } => {
                println!("browser disconnected {}", hhmm(*at))
            }
            TrackerEvent::IdleStarted { at } => println!("idle since {}", hhmm(*at)),
            TrackerEvent::IdleEnded { at } => println!("back at {}", hhmm(*at)),
            TrackerEvent::CaptureFailed { source, reason } => {
                println!("capture failed ({source}): {reason}")
            }
            TrackerEvent::UploadRetrying { key, error, .. } => {
                println!("upload of {key} will be retried: {error}")
            }
            _ => {}
        })
        .build()
        .map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;
    let from = SystemClock.now();
    tracker.start().map_err(|e| e.to_string())?;
    println!("tracking for {} s (Ctrl-C ends early) ...", args.run_for);
    let deadline = Instant::now() + Duration::from_secs(u64::from(args.run_for));
    while Instant::now() < deadline && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(200));
    }
    tracker.stop().map_err(|e| e.to_string())?;
    let to = SystemClock.now();
    summary(&tracker, from, to, &shots.lock().unwrap(), args)
}

fn summary(
    tracker: &Tracker,
    from: Timestamp,
    to: Timestamp,
    shot_ids: &[String],
    args: &Args,
) -> Result<(), String> {
    let slot_from = Timestamp::from_millis(from.as_millis() - i64::from(args.slot) * 1000);
    let range = Query::range(slot_from, to);
    let slots = tracker
        .slots(&Viewer::Admin, &range)
        .map_err(|e| e.to_string())?;
    let activities = tracker
        .activities(&Viewer::Admin, &range)
        .map_err(|e| e.to_string())?;
    println!("\n== summary ==");
    println!("slot      tracked  keyboard  mouse  activity  active  project");
    // Parts of one slot (a context change) are listed per context, as stored.
    let mut slot_json = Vec::new();
    for row in &slots {
        let m = row.metrics;
        if m.tracked_seconds == 0 && m.events().unwrap_or(0) == 0 {
            continue;
        }
        println!(
            "{}  {:>5} s  {:>8}  {:>5}  {:>6} %  {:>4} %  {}",
            hhmm(m.slot_start),
            m.tracked_seconds,
            or_na(m.keyboard_events),
            or_na(m.mouse_events),
            or_na(m.activity_percent),
            m.active_percent,
            row.context.project.as_deref().unwrap_or("-")
        );
        slot_json.push(json!({
            "start": m.slot_start.to_string(),
            "tracked_seconds": m.tracked_seconds,
            "keyboard_events": m.keyboard_events,
            "mouse_events": m.mouse_events,
            "activity_percent": m.activity_percent,
            "active_percent": m.active_percent,
            "project": row.context.project,
        }));
    }
    // The rest comes from the report code (`Tracker::report`, as `examples/report.rs` prints
    // it): the local day(s) of this run, in this machine's time zone.
    let tz = Period::system_time_zone();
    let day = |t: Timestamp| Period::date_of(t, &tz).map_err(|e| e.to_string());
    let request = ReportRequest {
        period: Period::days(&day(from)?, &day(to)?, &tz),
        employee: None,
        project: None,
        top_n: 10,
        categories: true,
    };
    let report = tracker
        .report(&Viewer::Admin, &request)
        .map_err(|e| e.to_string())?;
    println!("\nreport of the run's day(s)");
    print!("{}", report.to_text());
    if report.top_websites.is_empty() {
        println!("  (websites come from the browser extension: see browser-extension/)");
    }
    let mut shots_json = Vec::new();
    for id in shot_ids {
        if let Ok(s) = tracker.screenshot(&Viewer::Admin, id) {
            shots_json.push(json!({
                "id": s.id,
                "taken_at": s.taken_at.to_string(),
                "monitor": s.monitor,
                "width": s.width,
                "height": s.height,
                "upload_state": s.upload_state,
                "blurred": s.blurred,
                "full_key": s.full_key,
                "thumb_key": s.thumb_key,
                "sha256": s.sha256,
            }));
        }
    }
    let pending = tracker.pending_uploads().map_err(|e| e.to_string())?;
    let dir = tracker.data_dir();
    println!("\nfiles");
    println!("  records      {}", dir.join("activity.sqlite").display());
    let place = match tracker.storage_provider() {
        "LOCAL" if std::env::var_os("LOCAL_STORAGE_ROOT").is_none() => {
            dir.join("objects").display().to_string()
        }
        provider => format!("{provider} (from FILE_PROVIDER and its variables)"),
    };
    println!(
        "  screenshots  {place} ({} taken, {} upload(s) pending)",
        shot_ids.len(),
        pending.count
    );
    if let Some(path) = &args.export {
        let doc = json!({
            "slots": slot_json,
            "activities": activities.iter().map(|a| json!({
                "title": a.title,
                "description": a.application,
                "type": a.kind,
                "url": a.url,
                "domain": a.domain,
                "duration": a.duration_seconds(),
                "slot_start": a.slot_start.to_string(),
            })).collect::<Vec<_>>(),
            "screenshots": shots_json,
        });
        let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("  export       {}", path.display());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// --virtual-display: Xvfb + openbox + a scripted user, then this program again on that display.

fn spawn(cmd: &str, args: &[&str], display: &str) -> Result<Child, String> {
    Command::new(cmd)
        .args(args)
        .env("DISPLAY", display)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {cmd} ({e}): apt install xvfb openbox xterm xdotool"))
}

fn xdotool(display: &str, args: &[&str]) -> Option<String> {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn virtual_display(raw: &[String]) -> ExitCode {
    match run_virtual(raw) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("track: {e}");
            ExitCode::from(1)
        }
    }
}

fn run_virtual(raw: &[String]) -> Result<ExitCode, String> {
    use std::io::{BufRead, BufReader};
    // Ctrl-C reaches the tracker (same process group), which stops cleanly; this process waits
    // for it and then takes the virtual display down.
    ctrlc::set_handler(|| {}).map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1920x1080x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start Xvfb ({e}): apt install xvfb"))?;
    let mut line = String::new();
    BufReader::new(xvfb.stdout.take().ok_or("Xvfb has no stdout")?)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let display = format!(":{}", line.trim());
    println!("virtual display {display} (Xvfb 1920x1080, openbox)");
    let mut children = vec![spawn("openbox", &[], &display)?];
    std::thread::sleep(Duration::from_millis(800));
    let windows = [
        (
            "Editor - quarterly-report.md",
            "Quarterly report: revenue grew in every region.",
        ),
        ("Terminal - cargo build", "Compiling activity-core v0.1.0"),
    ];
    let mut ids = Vec::new();
    for (title, text) in windows {
        let script = format!("printf '%s\\n' '{text}'; exec cat > /dev/null");
        children.push(spawn(
            "xterm",
            &[
                "-T",
                title,
                "-geometry",
                "110x35+60+60",
                "-fa",
                "DejaVu Sans Mono",
                "-fs",
                "13",
                "-e",
                "sh",
                "-c",
                &script,
            ],
            &display,
        )?);
        let id = xdotool(
            &display,
            &["search", "--sync", "--name", &format!("^{title}$")],
        )
        .ok_or("xdotool could not find the demo window")?;
        ids.push(id.lines().next().unwrap_or_default().to_string());
    }
    let done = Arc::new(AtomicBool::new(false));
    let user = {
        let (done, display, ids) = (done.clone(), display.clone(), ids.clone());
        std::thread::spawn(move || {
            // A scripted user: works in one window for a while, then the other; sometimes
            // steps away (long enough pauses show up as lower activity).
            let mut i = 0usize;
            while !done.load(Ordering::SeqCst) {
                let id = &ids[i % ids.len()];
                xdotool(&display, &["windowactivate", "--sync", id]);
                xdotool(
                    &display,
                    &["type", "--delay", "90", "lorem ipsum dolor sit amet "],
                );
                for (x, y) in [(300, 200), (600, 350), (800, 450)] {
                    xdotool(&display, &["mousemove", &x.to_string(), &y.to_string()]);
                    std::thread::sleep(Duration::from_millis(300));
                }
                // Inside the window: a click on the bare desktop would take the focus away.
                xdotool(&display, &["click", "1"]);
                for _ in 0..(10 + 10 * (i % 3)) {
                    if done.load(Ordering::SeqCst) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
                i += 1;
            }
        })
    };
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let args: Vec<&String> = raw.iter().filter(|a| *a != "--virtual-display").collect();
    let status = Command::new(me)
        .args(args)
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .status()
        .map_err(|e| e.to_string())?;
    done.store(true, Ordering::SeqCst);
    let _ = user.join();
    for c in children.iter_mut().chain(std::iter::once(&mut xvfb)) {
        let _ = c.kill();
        let _ = c.wait();
    }
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A count or percentage, or `n/a` where the input was not counted (a Wayland session without
/// evdev access gives active seconds only).
fn or_na<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| v.to_string())
}
