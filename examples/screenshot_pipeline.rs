//! Runs the screenshot media pipeline on an image file, so anyone can try it on a real screenshot.
//!
//! ```text
//! cargo run --release --example screenshot_pipeline -- INPUT.png --out DIR \
//!     [--blur [STRENGTH]] [--thumb 320] [--format jpeg|png|webp] [--quality 80]
//! ```
//!
//! Writes `DIR/<input stem>.<ext>` and `DIR/<input stem>-thumb.<ext>` and prints the stage
//! timings. `--blur` without a number uses the default strength (12).

use std::path::PathBuf;
use std::process::ExitCode;

use activity_core::media::blur::DEFAULT_STRENGTH;
use activity_core::media::thumbnail::DEFAULT_LONG_SIDE;
use activity_core::media::{Frame, PipelineOptions, PixelFormat, process};
use activity_core::model::config::ImageFormat;

const USAGE: &str = "usage: screenshot_pipeline INPUT --out DIR [--blur [STRENGTH]] [--thumb 320] \
                     [--format jpeg|png|webp] [--quality 80]";

struct Args {
    input: PathBuf,
    out: PathBuf,
    options: PipelineOptions,
}

fn parse() -> Result<Args, String> {
    let mut input = None;
    let mut out = None;
    let mut options = PipelineOptions {
        blur: None,
        thumbnail_size: DEFAULT_LONG_SIDE,
        format: ImageFormat::Jpeg,
        quality: 80,
    };
    let mut args = std::env::args().skip(1).peekable();
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--thumb" => {
                let v = value("--thumb")?;
                options.thumbnail_size = v
                    .parse()
                    .map_err(|_| format!("--thumb: not a number: {v:?}"))?;
            }
            "--quality" => {
                let v = value("--quality")?;
                options.quality = v
                    .parse()
                    .map_err(|_| format!("--quality: not 1..=100: {v:?}"))?;
            }
            "--format" => options.format = value("--format")?.parse()?,
            "--blur" => {
                // An optional number follows.
                let strength = match args.peek().map(|v| v.parse::<f32>()) {
                    Some(Ok(s)) => {
                        args.next();
                        s
                    }
                    _ => DEFAULT_STRENGTH,
                };
                options.blur = Some(strength);
            }
            "-h" | "--help" => return Err(USAGE.into()),
            s if s.starts_with('-') => return Err(format!("unknown option {s:?}\n{USAGE}")),
            s if input.is_none() => input = Some(PathBuf::from(s)),
            s => return Err(format!("unexpected argument {s:?}\n{USAGE}")),
        }
    }
    Ok(Args {
        input: input.ok_or(format!("no INPUT given\n{USAGE}"))?,
        out: out.ok_or(format!("no --out DIR given\n{USAGE}"))?,
        options,
    })
}

fn run() -> Result<(), String> {
    let args = parse()?;
    let img = image::open(&args.input)
        .map_err(|e| format!("cannot read {}: {e}", args.input.display()))?
        .to_rgba8();
    let (w, h) = img.dimensions();
    let frame = Frame::packed(img.as_raw(), w, h, PixelFormat::Rgba8).map_err(|e| e.to_string())?;
    let p = process(&frame, &args.options).map_err(|e| e.to_string())?;

    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let stem = args
        .input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "screenshot".into());
    let ext = p.format.extension();
    let full_path = args.out.join(format!("{stem}.{ext}"));
    let thumb_path = args.out.join(format!("{stem}-thumb.{ext}"));
    for (path, bytes) in [
        (&full_path, &p.full.bytes),
        (&thumb_path, &p.thumbnail.bytes),
    ] {
        std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }

    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let t = p.timings;
    println!("input      {} ({w}x{h})", args.input.display());
    match args.options.blur {
        Some(s) => println!("blur       {:8.2} ms  (strength {s})", ms(t.blur)),
        None => println!("blur           off"),
    }
    println!(
        "thumbnail  {:8.2} ms  ({}x{})",
        ms(t.thumbnail),
        p.thumbnail.width,
        p.thumbnail.height
    );
    println!(
        "encode     {:8.2} ms  full, {:.2} ms thumbnail ({:?} q{})",
        ms(t.encode_full),
        ms(t.encode_thumbnail),
        p.format,
        args.options.quality
    );
    println!("sha256     {:8.2} ms", ms(t.hash));
    println!("total      {:8.2} ms", ms(t.total));
    println!(
        "wrote      {} ({} bytes, sha256 {})",
        full_path.display(),
        p.full.bytes.len(),
        p.full.sha256_hex()
    );
    println!(
        "wrote      {} ({} bytes)",
        thumb_path.display(),
        p.thumbnail.bytes.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
