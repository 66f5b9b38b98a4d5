//! CPU cost of one 1080p screenshot from capture to outbox, on a real X server (Xvfb started
//! here, 1920×1080, an xterm with text on it).
//!
//! Stages: reading the screen (the X11 fast path: one GetImage, BGRX used as is; or the general path:
//! GetImage + a per-pixel decode through the visual's masks into RGBA, measured for comparison), the media pipeline
//! (thumbnail + JPEG q80, or blur + thumbnail + JPEG), the outbox (spool files fsynced + one
//! SQLite commit). CPU time is this process's user + system time (`/proc/self/stat`), so it
//! includes every thread; the X server's own CPU for answering GetImage is reported apart.
//! Reference in the same run: copying the 1080p RGBA frame once (memcpy of 8 MB).
//!
//! `cargo bench --bench capture` (needs xvfb, openbox, xterm: `scripts/install-deps.sh --display`)

//!
//! Linux only (an X server); the Windows figures come from `scripts/footprint-wine.sh`.
#![cfg_attr(not(target_os = "linux"), allow(unused_imports, dead_code))]

use std::sync::Arc;
use std::time::{Duration, Instant};

use activity_core::SystemClock;
use activity_core::capture::ScreenSource;
#[cfg(target_os = "linux")]
use activity_core::capture::x11::X11Screens;
use activity_core::media::{PipelineOptions, process};
use activity_core::storage::outbox::{Backoff, Outbox};
use activity_core::storage::records::{RecordStore, Screenshot, UploadState};

#[cfg(target_os = "linux")]
#[path = "../activity-core/tests/common/x11.rs"]
mod x11;

const N: u32 = 30;

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("the capture bench needs an X server (Linux): on Windows, scripts/footprint-wine.sh");
}

fn ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime), counted after the ")".
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

/// Milliseconds per clock tick (USER_HZ is 100 on Linux).
const TICK_MS: f64 = 10.0;

#[cfg(target_os = "linux")]
fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // The tests' X session: Xvfb + openbox, ended after this process exits.
    let mut x = x11::XSession::start(1920, 1080);
    let text = "The quick brown fox jumps over the lazy dog 0123456789. ".repeat(12);
    let term = x.xterm("Capture bench", true, &text);
    x.activate(&term);
    std::thread::sleep(Duration::from_millis(1500));

    let dir = std::env::temp_dir().join(format!(
        "activity-core-capture-bench-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let records = RecordStore::open(dir.join("r.sqlite")).unwrap();
    let outbox = Outbox::open(
        records,
        dir.join("spool"),
        Arc::new(SystemClock),
        Backoff::default(),
    )
    .unwrap();
    let mut screens = X11Screens::new();
    let monitor = screens.monitors().unwrap().remove(0);
    assert_eq!((monitor.width, monitor.height), (1920, 1080));
    let xvfb_pid = x.server_pid().to_string();

    // Reference: one copy of the frame.
    let frame = screens.capture(&monitor).unwrap();
    let t = Instant::now();
    let mut sink = 0u64;
    for _ in 0..N {
        let copy = frame.data().to_vec();
        sink = sink.wrapping_add(u64::from(copy[copy.len() / 2]));
    }
    let copy_ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(N);
    std::hint::black_box(sink);

    println!(
        "one 1920x1080 screenshot, capture -> outbox, mean of {N} (this process's CPU; X server apart)"
    );
    println!(
        "{:<34} {:>9} {:>9} {:>10} {:>12}",
        "", "CPU ms", "wall ms", "vs copy", "Xvfb CPU ms"
    );
    println!(
        "{:<34} {:>9} {:>9.2} {:>9.1}x {:>12}",
        "reference: copy the frame", "", copy_ms, 1.0, ""
    );
    for (name, blur, fast) in [
        ("plain, X11 fast path", None, true),
        ("plain, general conversion", None, false),
        ("blurred, X11 fast path", Some(12.0), true),
        ("blurred, general conversion", Some(12.0), false),
    ] {
        let options = PipelineOptions {
            blur,
            ..PipelineOptions::default()
        };
        let mut stage = [0f64; 3];
        let (c0, x0, w0) = (ticks("self"), ticks(&xvfb_pid), Instant::now());
        for i in 0..N {
            let t0 = Instant::now();
            let f = if fast {
                screens.capture(&monitor).unwrap()
            } else {
                screens.capture_converted(&monitor).unwrap()
            };
            let t1 = Instant::now();
            let p = process(&f.as_frame(), &options).unwrap();
            let t2 = Instant::now();
            let id = format!("bench-{}-{i}", name.replace([' ', ',', '\''], "-"));
            let row = Screenshot {
                id: id.clone(),
                slot_start: activity_core::Timestamp::from_millis(0),
                taken_at: activity_core::Timestamp::from_millis(0),
                monitor: monitor.name.clone(),
                x: 0,
                y: 0,
                width: 1920,
                height: 1080,
                blurred: p.blurred,
                format: "jpg".into(),
                full_key: format!("k/{id}.jpg"),
                thumb_key: format!("k/{id}-thumb.jpg"),
                full_bytes: p.full.bytes.len() as u64,
                thumb_bytes: p.thumbnail.bytes.len() as u64,
                sha256: p.full.sha256_hex(),
                thumb_sha256: p.thumbnail.sha256_hex(),
                provider: "local".into(),
                upload_state: UploadState::Pending,
                context: Default::default(),
            };
            outbox
                .enqueue(&row, &p.full.bytes, &p.thumbnail.bytes)
                .unwrap();
            let t3 = Instant::now();
            stage[0] += (t1 - t0).as_secs_f64();
            stage[1] += (t2 - t1).as_secs_f64();
            stage[2] += (t3 - t2).as_secs_f64();
        }
        let wall = w0.elapsed().as_secs_f64() * 1000.0 / f64::from(N);
        let cpu = (ticks("self") - c0) as f64 * TICK_MS / f64::from(N);
        let xcpu = (ticks(&xvfb_pid) - x0) as f64 * TICK_MS / f64::from(N);
        println!(
            "{name:<34} {cpu:>9.1} {wall:>9.1} {:>9.1}x {xcpu:>12.1}",
            cpu / copy_ms
        );
        let n = f64::from(N);
        println!(
            "    stages (wall ms): capture {:.1}, media {:.1}, outbox {:.1}",
            stage[0] * 1000.0 / n,
            stage[1] * 1000.0 / n,
            stage[2] * 1000.0 / n
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
