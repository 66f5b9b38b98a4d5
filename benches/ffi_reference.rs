//! The Rust side of the FFI benchmark: `Tracker::record_input` in a loop and `media::process`
//! on the same 1920x1080 frame as `benches/c/ffi_bench.c`. `scripts/bench-c.sh` runs both in one
//! run and prints the ratios (C / Rust). Prints `name value` lines.

use std::time::Instant;

use activity_core::media::{Frame, PipelineOptions, PixelFormat, process};
use activity_core::model::score::InputEvent;
use activity_core::{Config, Tracker};

fn frame(w: u32, h: u32) -> Vec<u8> {
    let mut px = vec![0u8; (w * h * 4) as usize];
    for y in 0..h {
        for x in 0..w {
            let p = ((y * w + x) * 4) as usize;
            let ink = (y % 24) < 14 && (x * 7 + y * 3) % 11 < 4 && (x / 90) % 5 != 4;
            let v = if ink { 30 } else { (235 + (x + y) % 16) as u8 };
            px[p] = v;
            px[p + 1] = v;
            px[p + 2] = v - if ink { 0 } else { 10 };
            px[p + 3] = 255;
        }
    }
    px
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {
        return; // test listers (cargo-nextest) ask what is inside: no tests.
    }
    // `cargo bench` passes `--bench`; run as a test (`cargo test --all-targets`) it only checks
    // that both measurements work, on small inputs.
    let full = args.iter().any(|a| a == "--bench");
    let dir = std::env::temp_dir().join(format!("ac-ffi-reference-{}", std::process::id()));
    let t = Tracker::builder(Config::default())
        .data_dir(&dir)
        .without_sources()
        .build()
        .expect("tracker");
    t.start().expect("start");
    let n = if full { 4_000_000u32 } else { 1_000 };
    let mut best = f64::MAX;
    for _ in 0..(if full { 7 } else { 1 }) {
        let t0 = Instant::now();
        for i in 0..n {
            let kind = if i & 1 == 0 {
                InputEvent::KeyPress
            } else {
                InputEvent::ButtonPress
            };
            t.record_input(std::hint::black_box(kind));
        }
        best = best.min(t0.elapsed().as_secs_f64() * 1e9 / f64::from(n));
    }
    println!("record_input_ns {best:.3}");
    t.stop().expect("stop");
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);

    let (w, h) = if full { (1920, 1080) } else { (64, 48) };
    let px = frame(w, h);
    let options = PipelineOptions {
        blur: Some(10.0),
        ..PipelineOptions::default()
    };
    let mut times: Vec<f64> = (0..if full { 15 } else { 1 })
        .map(|_| {
            let t0 = Instant::now();
            let f = Frame::packed(&px, w, h, PixelFormat::Rgba8).expect("frame");
            std::hint::black_box(process(&f, &options).expect("process"));
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("media_ms {:.3}", times[times.len() / 2]);
}
