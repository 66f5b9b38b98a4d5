//! The privacy blur: downscale, blur small, upscale.
//!
//! `strength` is the standard deviation σ, in pixels of the full image, of the Gaussian the blur
//! is equivalent to (default 12). The method, chosen by measurement (see `benches/media.rs` and the
//! README), works in three steps:
//!
//! 1. **Area-average downscale** by `f = round(σ / 2)` (fast_image_resize, box filter): every
//!    output pixel is the mean of an `f × f` block. This is where information is *destroyed*: a
//!    1920×1080 frame blurred at σ 12 keeps 320×180 values, 1/36 of what it had, and no
//!    deconvolution can bring back detail that is no longer stored anywhere.
//! 2. **Gaussian blur of the small image** with σ' = √((σ/f)² − ¼) ≈ 2 small pixels, so that the
//!    three steps together have the variance of a Gaussian of σ (box ≈ f²/12, bilinear ≈ f²/6).
//! 3. **Bilinear upscale** back to the full size, which leaves no blocks.
//!
//! The cost falls as σ grows (fewer small pixels, same small kernel): it never grows with the
//! radius. A uniform image stays exactly uniform (every step's weights sum to one exactly).

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::media::frame::{BYTES_PER_PIXEL, Frame, OwnedFrame};
use crate::media::{MediaError, source_view};

/// The smallest accepted strength.
pub const MIN_STRENGTH: f32 = 1.0;
/// The largest accepted strength.
pub const MAX_STRENGTH: f32 = 64.0;
/// The default strength: makes interface text up to 32 px unreadable to people and OCR, also
/// after deconvolution (see `tests/ocr` and the README).
pub const DEFAULT_STRENGTH: f32 = 12.0;

/// The downscale factor and the σ of the small-image Gaussian for a strength.
pub(crate) fn plan(strength: f32) -> (u32, f32) {
    let f = (strength / 2.0).round().max(1.0);
    let small_sigma = ((strength / f).powi(2) - 0.25).max(0.25).sqrt();
    (f as u32, small_sigma)
}

/// Blurs `frame` irreversibly with the given strength; the result has the frame's size and pixel
/// format.
pub fn blur(frame: &Frame<'_>, strength: f32) -> Result<OwnedFrame, MediaError> {
    if !(strength.is_finite() && (MIN_STRENGTH..=MAX_STRENGTH).contains(&strength)) {
        return Err(MediaError::InvalidBlurStrength(strength));
    }
    let (w, h) = (frame.width(), frame.height());
    let (f, small_sigma) = plan(strength);
    let (sw, sh) = (w.div_ceil(f), h.div_ceil(f));
    let mut resizer = Resizer::new();

    let mut small = Image::new(sw, sh, PixelType::U8x4);
    let (src, crop) = source_view(frame)?;
    let down = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Box))
        .use_alpha(false)
        .crop(0.0, 0.0, f64::from(crop.0), f64::from(crop.1));
    resizer
        .resize(&src.image()?, &mut small, &down)
        .map_err(|e| MediaError::Resize(e.to_string()))?;

    gaussian_u8x4(small.buffer_mut(), sw as usize, sh as usize, small_sigma);

    let out = upscale_bilinear(
        small.buffer(),
        sw as usize,
        sh as usize,
        w as usize,
        h as usize,
    );
    OwnedFrame::new(out, w, h, frame.format())
}

/// For each output coordinate, the two source coordinates and the weight of the second in 1/256:
/// the centre of output pixel `i` maps to `(i + ½) × src / dst − ½` in the source (the convention
/// of fast_image_resize and Pillow), clamped at the edges.
fn bilinear_taps(src: usize, dst: usize) -> Vec<(usize, usize, u16)> {
    (0..dst)
        .map(|i| {
            let x = ((i as f64 + 0.5) * src as f64 / dst as f64 - 0.5).clamp(0.0, (src - 1) as f64);
            let i0 = x.floor() as usize;
            let i1 = (i0 + 1).min(src - 1);
            let a = ((x - i0 as f64) * 256.0).round() as u16;
            (i0, i1, a)
        })
        .collect()
}

/// Bilinear upscale of packed 4-channel pixels from `sw × sh` to `w × h`, in 8-bit fixed point.
/// Each source row is widened once (rounded to 8 bits); each output row is then a blend of two
/// widened rows, one pass over contiguous bytes in 16-bit arithmetic (which vectorises even on
/// baseline x86-64). Weights sum to 256 exactly, so uniform stays uniform.
fn upscale_bilinear(small: &[u8], sw: usize, sh: usize, w: usize, h: usize) -> Vec<u8> {
    let xs = bilinear_taps(sw, w);
    let row = w * BYTES_PER_PIXEL;
    let mut wide = vec![0u8; row * sh];
    for (y, dst) in wide.chunks_exact_mut(row).enumerate() {
        let src = &small[y * sw * BYTES_PER_PIXEL..(y + 1) * sw * BYTES_PER_PIXEL];
        for (d, &(i0, i1, a)) in dst.chunks_exact_mut(4).zip(&xs) {
            let (p0, p1) = (&src[i0 * 4..i0 * 4 + 4], &src[i1 * 4..i1 * 4 + 4]);
            for c in 0..4 {
                let v = u16::from(p0[c]) * (256 - a) + u16::from(p1[c]) * a + 128;
                d[c] = (v >> 8) as u8;
            }
        }
    }
    let ys = bilinear_taps(sh, h);
    let mut out = vec![0u8; row * h];
    for (dst, &(j0, j1, b)) in out.chunks_exact_mut(row).zip(&ys) {
        let (r0, r1) = (
            &wide[j0 * row..(j0 + 1) * row],
            &wide[j1 * row..(j1 + 1) * row],
        );
        let b0 = 256 - b;
        for ((d, &v0), &v1) in dst.iter_mut().zip(r0).zip(r1) {
            // 255 × 256 + 128 fits in 16 bits.
            *d = ((u16::from(v0) * b0 + u16::from(v1) * b + 128) >> 8) as u8;
        }
    }
    out
}

/// Kernel weights are in 1/256: a weighted sum of 8-bit values then fits in 16 bits
/// (255 × 256 + 128 < 65 536), so the convolution runs in 16-bit lanes.
const WEIGHT_BITS: u32 = 8;

/// Integer Gaussian weights for offsets `-r..=r`, summing to exactly `1 << WEIGHT_BITS`.
fn kernel(sigma: f32) -> Vec<u16> {
    let r = (3.0 * sigma).ceil().max(1.0) as i32;
    let raw: Vec<f64> = (-r..=r)
        .map(|i| (-(f64::from(i) * f64::from(i)) / (2.0 * f64::from(sigma).powi(2))).exp())
        .collect();
    let total: f64 = raw.iter().sum();
    let scale = f64::from(1u32 << WEIGHT_BITS);
    let mut k: Vec<i32> = raw
        .iter()
        .map(|v| (v / total * scale).round() as i32)
        .collect();
    let sum: i32 = k.iter().sum();
    let centre = r as usize;
    // Put the rounding remainder on the centre tap so the weights sum to one exactly (the
    // remainder is at most half a unit per tap, far below the centre weight for sigma <= 2.5).
    k[centre] += (1 << WEIGHT_BITS) - sum;
    k.into_iter().map(|v| v.max(0) as u16).collect()
}

/// Separable Gaussian on packed 4-channel pixels, edges clamped.
fn gaussian_u8x4(buf: &mut [u8], w: usize, h: usize, sigma: f32) {
    let k = kernel(sigma);
    let r = k.len() / 2;
    let row = w * BYTES_PER_PIXEL;
    let half = 1u16 << (WEIGHT_BITS - 1);
    let mut tmp = vec![0u8; buf.len()];
    // Horizontal: buf → tmp. Each row is copied with `r` clamped pixels on both sides, then every
    // tap is one pass over contiguous bytes (which the compiler vectorises).
    let mut line = vec![0u8; (w + 2 * r) * BYTES_PER_PIXEL];
    let mut acc = vec![0u16; row];
    for (src, dst) in buf.chunks_exact(row).zip(tmp.chunks_exact_mut(row)) {
        let first = &src[..BYTES_PER_PIXEL];
        let last = &src[row - BYTES_PER_PIXEL..];
        for i in 0..r {
            line[i * BYTES_PER_PIXEL..(i + 1) * BYTES_PER_PIXEL].copy_from_slice(first);
            let j = r + w + i;
            line[j * BYTES_PER_PIXEL..(j + 1) * BYTES_PER_PIXEL].copy_from_slice(last);
        }
        line[r * BYTES_PER_PIXEL..(r + w) * BYTES_PER_PIXEL].copy_from_slice(src);
        acc.fill(half);
        for (i, &wt) in k.iter().enumerate() {
            let shifted = &line[i * BYTES_PER_PIXEL..i * BYTES_PER_PIXEL + row];
            for (a, &v) in acc.iter_mut().zip(shifted) {
                *a += wt * u16::from(v);
            }
        }
        for (d, a) in dst.iter_mut().zip(&acc) {
            *d = (a >> WEIGHT_BITS) as u8;
        }
    }
    // Vertical: tmp → buf, a whole row at a time so the inner loop runs over contiguous bytes.
    for y in 0..h {
        acc.fill(half);
        for (i, &wt) in k.iter().enumerate() {
            let sy = (y + i).saturating_sub(r).min(h - 1);
            let src = &tmp[sy * row..(sy + 1) * row];
            for (a, &s) in acc.iter_mut().zip(src) {
                *a += wt * u16::from(s);
            }
        }
        for (d, a) in buf[y * row..(y + 1) * row].iter_mut().zip(&acc) {
            *d = (a >> WEIGHT_BITS) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::frame::PixelFormat;

    #[test]
    fn kernels_sum_to_one_exactly() {
        for s in [0.5f32, 1.0, 1.9, 2.4, 5.0] {
            assert_eq!(kernel(s).iter().sum::<u16>(), 1 << WEIGHT_BITS, "sigma {s}");
        }
    }

    #[test]
    fn plan_keeps_the_equivalent_sigma() {
        for s in [1.0f32, 3.0, 8.0, 10.0, 12.0, 32.0, 64.0] {
            let (f, ss) = plan(s);
            let f = f as f32;
            let total = (f * f * (ss * ss + 0.25)).sqrt();
            assert!(
                (total - s).abs() / s < 0.15 || f == 1.0,
                "s={s} f={f} ss={ss} total={total}"
            );
        }
    }

    #[test]
    fn uniform_stays_uniform_and_checkerboard_goes_grey() {
        let (w, h) = (97u32, 61u32);
        let uniform: Vec<u8> = [10u8, 200, 77, 255].repeat((w * h) as usize);
        let f = Frame::packed(&uniform, w, h, PixelFormat::Rgba8).unwrap();
        for s in [1.0, 4.0, 12.0, 64.0] {
            let b = blur(&f, s).unwrap();
            assert!(b.data() == &uniform[..], "strength {s}");
        }
        let checker: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let v = if (i % w + i / w) % 2 == 0 { 0 } else { 255 };
                [v, v, v, 255]
            })
            .collect();
        let f = Frame::packed(&checker, w, h, PixelFormat::Rgba8).unwrap();
        let b = blur(&f, 12.0).unwrap();
        assert!(b.data().chunks(4).all(|p| (120..=135).contains(&p[0])));
    }

    #[test]
    fn bad_strength_is_refused() {
        let px = [0u8; 4];
        let f = Frame::packed(&px, 1, 1, PixelFormat::Rgba8).unwrap();
        for s in [0.0, 0.5, 65.0, f32::NAN, f32::INFINITY] {
            assert!(matches!(
                blur(&f, s),
                Err(MediaError::InvalidBlurStrength(_))
            ));
        }
    }
}
