//! Helpers shared by the integration tests.
#![allow(dead_code)]

use activity_core::Timestamp;

/// 2026-11-30T08:00:00Z: a slot boundary for every allowed slot length.
pub const BASE_MS: i64 = 1_796_025_600_000;

/// `BASE_MS + ms`.
pub fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(BASE_MS + ms)
}

/// A deterministic screenshot-like RGBA image: a title bar, a sidebar with items, and a page of
/// dark "text" (rows of glyph-like strokes of varying width) on white, plus a coloured button and
/// a photo-like gradient panel. High-frequency content where text is, flat areas elsewhere.
pub fn screenlike(w: u32, h: u32) -> Vec<u8> {
    let (w, h) = (w as usize, h as usize);
    let mut px = vec![255u8; w * h * 4];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let put = |px: &mut [u8], x: usize, y: usize, c: [u8; 3]| {
        if x < w && y < h {
            let i = (y * w + x) * 4;
            px[i..i + 3].copy_from_slice(&c);
        }
    };
    let bar = (h / 30).max(1);
    let side = (w / 6).max(1);
    for y in 0..h {
        for x in 0..w {
            if y < bar {
                put(&mut px, x, y, [40, 44, 52]);
            } else if x < side {
                put(&mut px, x, y, [236, 238, 242]);
            } else if x > w * 3 / 4 && y > h / 2 {
                // Photo-like panel: smooth gradient with a little noise.
                let n = (rnd() % 9) as u8;
                put(
                    &mut px,
                    x,
                    y,
                    [
                        ((x * 255 / w) as u8).saturating_add(n / 3),
                        ((y * 200 / h) as u8).saturating_add(n / 2),
                        150 + n,
                    ],
                );
            }
        }
    }
    // Text lines: glyphs of 1-px and 2-px strokes, 14 px tall lines every 22 px.
    let mut y = bar + 12;
    while y + 14 < h {
        let x0 = if (y / 22) % 5 == 0 { 8 } else { side + 24 };
        let mut x = x0;
        let line_end = if x0 == 8 { side - 8 } else { w * 3 / 4 - 16 };
        while x + 8 < line_end {
            let word = 2 + (rnd() % 8) as usize;
            for _ in 0..word {
                let gw = 5 + (rnd() % 4) as usize;
                let bits = rnd();
                for gy in 0..10 {
                    for gx in 0..gw {
                        if (bits >> ((gy * 7 + gx) % 64)) & 1 == 1
                            && (gx == 0 || gy % 3 == 0 || gx == gw - 1)
                        {
                            put(&mut px, x + gx, y + gy + (bits as usize % 3), [30, 30, 35]);
                        }
                    }
                }
                x += gw + 2;
            }
            x += 7;
        }
        y += 22;
    }
    // A blue button with white label strokes.
    for yy in h / 3..(h / 3 + 30).min(h) {
        for xx in w / 2..(w / 2 + 120).min(w) {
            let white = (yy - h / 3) % 10 == 5 && (xx - w / 2) % 6 < 4;
            put(
                &mut px,
                xx,
                yy,
                if white {
                    [255, 255, 255]
                } else {
                    [25, 118, 210]
                },
            );
        }
    }
    px
}

/// PSNR in dB between two equally sized 8-bit buffers (compares every byte given).
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mse: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// RGB bytes of an RGBA buffer.
pub fn rgb_of(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect()
}

/// RGBA → BGRA (and back).
pub fn swap_rb(px: &[u8]) -> Vec<u8> {
    px.chunks_exact(4)
        .flat_map(|p| [p[2], p[1], p[0], p[3]])
        .collect()
}

/// Tests that need a process of their own (an X session of their own, rdev's one listener per
/// process, environment variables) call this first: under plain `cargo test`, where tests are
/// threads of one process, it runs the test again alone in a child process (one at a time) and
/// returns `true`, and the caller returns at once with the child's verdict already asserted.
/// Under cargo-nextest (a process per test) or in that child it returns `false` and the test
/// goes on.
pub fn in_own_process(name: &str) -> bool {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    if std::env::var_os("NEXTEST").is_some()
        || std::env::var_os("NEXTEST_RUN_ID").is_some()
        || std::env::var_os("AC_OWN_PROCESS").is_some()
    {
        return false;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env("AC_OWN_PROCESS", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name} failed in its own process:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

/// The largest brightness step between horizontal neighbours: text and window edges make steps
/// over 100; a blank or blurred screen has none.
pub fn max_step(img: &image::GrayImage) -> i32 {
    let mut m = 0;
    for row in img.rows() {
        let px: Vec<i32> = row.map(|p| i32::from(p.0[0])).collect();
        for w in px.windows(2) {
            m = m.max((w[1] - w[0]).abs());
        }
    }
    m
}
