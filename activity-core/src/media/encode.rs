//! Encoding: JPEG (default), PNG and WebP.
//!
//! | format | encoder | why |
//! |---|---|---|
//! | JPEG | libjpeg-turbo through the `turbojpeg` crate (feature `turbojpeg`, default); without the feature the pure-Rust `jpeg-encoder` | measured on a 1080p text-heavy frame at q80: turbojpeg 7–9 ms (as fast as Pillow, which also uses libjpeg-turbo), jpeg-encoder 19–23 ms, the `image` crate's encoder about 33 ms. turbojpeg reads RGBA/BGRA with a stride directly, so no copy is made. |
//! | PNG | the `png` crate, fast (fdeflate) compression, RGB | lossless; alpha is dropped (screenshots are opaque). |
//! | WebP | libwebp through the `webp` crate (feature `webp`, default), method 0 | lossy, 4–5× smaller than JPEG on screenshots; ~50 ms per 1080p frame at method 0 (200 ms at libwebp's default method 4). |
//!
//! JPEG uses 4:2:0 chroma subsampling, as Pillow does by default.

use crate::media::MediaError;
use crate::media::frame::{Frame, PixelFormat};
use crate::model::config::ImageFormat;

/// Largest width or height JPEG can store.
pub const JPEG_MAX_SIDE: u32 = 65_535;
/// Largest width or height WebP can store.
pub const WEBP_MAX_SIDE: u32 = 16_383;

/// Encodes `frame` as `format` at `quality` (1..=100; PNG ignores it but it must still be valid).
pub fn encode(frame: &Frame<'_>, format: ImageFormat, quality: u8) -> Result<Vec<u8>, MediaError> {
    if !(1..=100).contains(&quality) {
        return Err(MediaError::InvalidQuality(quality));
    }
    let (w, h) = (frame.width(), frame.height());
    let limit = match format {
        ImageFormat::Webp => WEBP_MAX_SIDE,
        _ => JPEG_MAX_SIDE,
    };
    if w > limit || h > limit {
        return Err(MediaError::TooLargeFor {
            format,
            width: w,
            height: h,
            max: limit,
        });
    }
    match format {
        ImageFormat::Jpeg => jpeg(frame, quality),
        ImageFormat::Png => png(frame),
        ImageFormat::Webp => webp(frame, quality),
    }
}

fn encode_error(format: ImageFormat, e: impl std::fmt::Display) -> MediaError {
    MediaError::Encode {
        format,
        message: e.to_string(),
    }
}

#[cfg(feature = "turbojpeg")]
fn jpeg(frame: &Frame<'_>, quality: u8) -> Result<Vec<u8>, MediaError> {
    let err = |e: turbojpeg::Error| encode_error(ImageFormat::Jpeg, e);
    let image = turbojpeg::Image {
        pixels: frame.data(),
        width: frame.width() as usize,
        pitch: frame.stride(),
        height: frame.height() as usize,
        format: match frame.format() {
            PixelFormat::Rgba8 => turbojpeg::PixelFormat::RGBA,
            PixelFormat::Bgra8 => turbojpeg::PixelFormat::BGRA,
        },
    };
    let mut c = turbojpeg::Compressor::new().map_err(err)?;
    c.set_quality(i32::from(quality)).map_err(err)?;
    c.set_subsamp(turbojpeg::Subsamp::Sub2x2).map_err(err)?;
    c.compress_to_vec(image).map_err(err)
}

#[cfg(not(feature = "turbojpeg"))]
fn jpeg(frame: &Frame<'_>, quality: u8) -> Result<Vec<u8>, MediaError> {
    let pixels = frame.packed_pixels();
    let mut out = Vec::new();
    let color = match frame.format() {
        PixelFormat::Rgba8 => jpeg_encoder::ColorType::Rgba,
        PixelFormat::Bgra8 => jpeg_encoder::ColorType::Bgra,
    };
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(&pixels, frame.width() as u16, frame.height() as u16, color)
        .map_err(|e| encode_error(ImageFormat::Jpeg, e))?;
    Ok(out)
}

/// The pixels as packed RGB (alpha dropped, BGRA reordered).
fn to_rgb(frame: &Frame<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame.width() as usize * frame.height() as usize * 3);
    let order: [usize; 3] = match frame.format() {
        PixelFormat::Rgba8 => [0, 1, 2],
        PixelFormat::Bgra8 => [2, 1, 0],
    };
    for row in frame.rows() {
        for px in row.chunks_exact(4) {
            out.extend_from_slice(&[px[order[0]], px[order[1]], px[order[2]]]);
        }
    }
    out
}

fn png(frame: &Frame<'_>) -> Result<Vec<u8>, MediaError> {
    let err = |e: png::EncodingError| encode_error(ImageFormat::Png, e);
    let rgb = to_rgb(frame);
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, frame.width(), frame.height());
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc.write_header().map_err(err)?;
        w.write_image_data(&rgb).map_err(err)?;
        w.finish().map_err(err)?;
    }
    Ok(out)
}

#[cfg(feature = "webp")]
fn webp(frame: &Frame<'_>, quality: u8) -> Result<Vec<u8>, MediaError> {
    let rgb = to_rgb(frame);
    let mut config = webp::WebPConfig::new()
        .map_err(|()| encode_error(ImageFormat::Webp, "cannot initialise libwebp"))?;
    config.quality = f32::from(quality);
    config.method = 0;
    let mem = webp::Encoder::new(&rgb, webp::PixelLayout::Rgb, frame.width(), frame.height())
        .encode_advanced(&config)
        .map_err(|e| encode_error(ImageFormat::Webp, format!("{e:?}")))?;
    Ok(mem.to_vec())
}

#[cfg(not(feature = "webp"))]
fn webp(_frame: &Frame<'_>, _quality: u8) -> Result<Vec<u8>, MediaError> {
    Err(MediaError::UnsupportedFormat(
        "webp (this build has the `webp` feature off)".into(),
    ))
}
