//! The screenshot pipeline against Pillow and the `image` crate, on the same frames, in one run.
//!
//! ```text
//! cargo bench --bench media
//! ```
//!
//! Frames: screenshot-like 1920×1080 and 3840×2160 PNGs with real text, rendered by
//! `scripts/screenlike.py` (Pillow) into `target/bench-frames/` on first use.
//!
//! Pipelines, each: blur (σ 10), a 320-px thumbnail of the blurred frame, JPEG q80 of both.
//! - **activity-core**: `media::process` (downscale–blur–upscale, fast_image_resize Lanczos3,
//!   libjpeg-turbo);
//! - **Pillow**: `GaussianBlur(10)`, `resize(LANCZOS)`, `save(JPEG, quality=80)`, through
//!   `benches/pillow_pipeline.py`;
//! - **image crate**: `imageops::fast_blur(10)`, `imageops::resize(Lanczos3)`, its `JpegEncoder`.
//!
//! Prints median milliseconds per stage and the ratios Pillow / activity-core and
//! image / activity-core. Goals (issue 2/4): the whole pipeline ≥ 5× faster than Pillow at both
//! sizes, the blur alone ≥ 10× faster than Pillow's GaussianBlur(10).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use activity_core::media::{Frame, PipelineOptions, PixelFormat, process};
use activity_core::model::config::ImageFormat;

const SIGMA: f32 = 10.0;
const SIZES: [(u32, u32); 2] = [(1920, 1080), (3840, 2160)];

/// Picks one stage's figure out of a row of timings.
type Column = fn(&Stages) -> f64;

#[derive(Default, Clone, Copy)]
struct Stages {
    blur: f64,
    thumbnail: f64,
    encode_full: f64,
    encode_thumbnail: f64,
    total: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn median_stages(runs: &[Stages]) -> Stages {
    let m = |f: Column| median(runs.iter().map(f).collect());
    Stages {
        blur: m(|s| s.blur),
        thumbnail: m(|s| s.thumbnail),
        encode_full: m(|s| s.encode_full),
        encode_thumbnail: m(|s| s.encode_thumbnail),
        total: m(|s| s.total),
    }
}

fn frame_path(root: &Path, w: u32, h: u32) -> Result<PathBuf, String> {
    let dir = root.join("target/bench-frames");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("screen-{w}x{h}.png"));
    if !path.exists() {
        let status = Command::new("python3")
            .arg(root.join("scripts/screenlike.py"))
            .args([
                "--width",
                &w.to_string(),
                "--height",
                &h.to_string(),
                "--out",
            ])
            .arg(&path)
            .status()
            .map_err(|e| format!("cannot run python3: {e}"))?;
        if !status.success() {
            return Err("scripts/screenlike.py failed (pip install pillow)".into());
        }
    }
    Ok(path)
}

fn ours(rgba: &[u8], w: u32, h: u32, runs: usize) -> Stages {
    let frame = Frame::packed(rgba, w, h, PixelFormat::Rgba8).expect("frame");
    let opts = PipelineOptions {
        blur: Some(SIGMA),
        thumbnail_size: 320,
        format: ImageFormat::Jpeg,
        quality: 80,
    };
    let _ = process(&frame, &opts).expect("warm-up");
    let v: Vec<Stages> = (0..runs)
        .map(|_| {
            let p = process(&frame, &opts).expect("pipeline");
            let t = p.timings;
            Stages {
                blur: ms(t.blur),
                thumbnail: ms(t.thumbnail),
                encode_full: ms(t.encode_full),
                encode_thumbnail: ms(t.encode_thumbnail),
                total: ms(t.total),
            }
        })
        .collect();
    median_stages(&v)
}

fn image_crate(rgba: &[u8], w: u32, h: u32, runs: usize) -> Stages {
    use image::codecs::jpeg::JpegEncoder;
    use image::imageops::{FilterType, fast_blur, resize};
    let img = image::RgbImage::from_raw(
        w,
        h,
        rgba.chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
    )
    .expect("image");
    let (tw, th) = activity_core::media::thumbnail::thumbnail_size(w, h, 320);
    let v: Vec<Stages> = (0..runs)
        .map(|_| {
            let t0 = Instant::now();
            let blurred = fast_blur(&img, SIGMA);
            let t1 = Instant::now();
            let thumb = resize(&blurred, tw, th, FilterType::Lanczos3);
            let t2 = Instant::now();
            let mut full = Vec::new();
            JpegEncoder::new_with_quality(&mut full, 80)
                .encode_image(&blurred)
                .expect("jpeg");
            let t3 = Instant::now();
            let mut small = Vec::new();
            JpegEncoder::new_with_quality(&mut small, 80)
                .encode_image(&thumb)
                .expect("jpeg");
            let t4 = Instant::now();
            Stages {
                blur: ms(t1 - t0),
                thumbnail: ms(t2 - t1),
                encode_full: ms(t3 - t2),
                encode_thumbnail: ms(t4 - t3),
                total: ms(t4 - t0),
            }
        })
        .collect();
    median_stages(&v)
}

fn pillow(root: &Path, frame: &Path, runs: usize) -> Result<Stages, String> {
    let out = Command::new("python3")
        .arg(root.join("benches/pillow_pipeline.py"))
        .arg(frame)
        .args(["--runs", &runs.to_string()])
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pillow_pipeline.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    Ok(Stages {
        blur: f("blur"),
        thumbnail: f("thumbnail"),
        encode_full: f("encode_full"),
        encode_thumbnail: f("encode_thumbnail"),
        total: f("total"),
    })
}

fn main() {
    // `cargo test --benches` runs this binary without `--bench`: nothing to measure then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut goals_met = true;
    for (w, h) in SIZES {
        let path = match frame_path(&root, w, h) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("media bench: {e}");
                std::process::exit(2);
            }
        };
        let rgba = image::open(&path).expect("frame decodes").to_rgba8();
        let runs = if w > 2000 { 7 } else { 15 };
        let a = ours(rgba.as_raw(), w, h, runs);
        let p = match pillow(&root, &path, runs.min(7)) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("media bench: {e}");
                std::process::exit(2);
            }
        };
        let i = image_crate(rgba.as_raw(), w, h, 3);
        println!(
            "\n{w}x{h} screenshot-like frame, blur sigma {SIGMA}, 320-px thumbnail, JPEG q80 (median ms)"
        );
        println!(
            "  {:<18} {:>13} {:>9} {:>9} {:>14} {:>13}",
            "stage", "activity-core", "Pillow", "image", "Pillow/ours", "image/ours"
        );
        let rows: [(&str, Column); 5] = [
            ("blur", |s| s.blur),
            ("thumbnail", |s| s.thumbnail),
            ("encode full", |s| s.encode_full),
            ("encode thumbnail", |s| s.encode_thumbnail),
            ("whole pipeline", |s| s.total),
        ];
        for (name, f) in rows {
            println!(
                "  {:<18} {:>13.2} {:>9.2} {:>9.2} {:>13.1}x {:>12.1}x",
                name,
                f(&a),
                f(&p),
                f(&i),
                f(&p) / f(&a),
                f(&i) / f(&a)
            );
        }
        let (whole, blur) = (p.total / a.total, p.blur / a.blur);
        let ok = whole >= 5.0 && blur >= 10.0;
        goals_met &= ok;
        println!(
            "  goals: whole >= 5x Pillow: {whole:.1}x, blur >= 10x Pillow: {blur:.1}x -> {}",
            if ok { "met" } else { "NOT MET" }
        );
    }
    println!(
        "\nmedia bench: goals {}",
        if goals_met {
            "met at both sizes"
        } else {
            "NOT met"
        }
    );
}
