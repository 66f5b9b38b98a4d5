//! The media pipeline on the product's own pixels: blur, thumbnail, encode, digests.

use std::ffi::c_char;

use activity_core::media::{Frame, PipelineOptions, PixelFormat, Processed, process};
use activity_core::model::config::ImageFormat;

use crate::ffi::{arg, out, versioned};
use crate::result::{Failure, ac_result, guard, guard_void};

/// Pixels are red, green, blue, alpha bytes.
pub const AC_PIXEL_RGBA: u32 = 1;
/// Pixels are blue, green, red, alpha bytes (Windows GDI, macOS, X11 on little-endian).
pub const AC_PIXEL_BGRA: u32 = 2;

/// JPEG output.
pub const AC_IMAGE_JPEG: u32 = 1;
/// PNG output (lossless).
pub const AC_IMAGE_PNG: u32 = 2;
/// WebP output.
pub const AC_IMAGE_WEBP: u32 = 3;

/// What `ac_media_process` makes. Fill it with `ac_media_options_default` first.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct ac_media_options {
    /// `sizeof(ac_media_options)` as this program was built (set by `ac_media_options_default`):
    /// fields added by later versions keep their defaults.
    pub struct_size: usize,
    /// `AC_IMAGE_JPEG`, `AC_IMAGE_PNG` or `AC_IMAGE_WEBP`.
    pub format: u32,
    /// Encoder quality 1..=100 (JPEG, WebP).
    pub quality: u32,
    /// Long side of the thumbnail in pixels (never enlarged).
    pub thumbnail_size: u32,
    /// Blur strength (the σ of the equivalent Gaussian, 1..=64); 0 for no blur. With blur on
    /// only blurred pixels are encoded, the thumbnail included.
    pub blur: f32,
}

/// Fills `options` with the library's defaults (JPEG, quality 80, 320-px thumbnail, no blur).
///
/// # Safety
/// `options` points to an `ac_media_options`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_media_options_default(options: *mut ac_media_options) -> ac_result {
    guard(|| {
        *out(options, "options")? = default_media_options();
        Ok(())
    })
}

fn default_media_options() -> ac_media_options {
    let d = PipelineOptions::default();
    ac_media_options {
        struct_size: std::mem::size_of::<ac_media_options>(),
        format: AC_IMAGE_JPEG,
        quality: u32::from(d.quality),
        thumbnail_size: d.thumbnail_size,
        blur: 0.0,
    }
}

/// The images `ac_media_process` made. Opaque; free it with `ac_media_result_free` (which
/// frees both images).
pub struct ac_media_result {
    processed: Processed,
    digests: [[u8; 65]; 2],
}

/// One encoded image, borrowed from its `ac_media_result` (valid until that is freed).
#[repr(C)]
pub struct ac_image {
    /// The encoded bytes.
    pub data: *const u8,
    /// How many.
    pub len: usize,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
    /// Whether the pixels were blurred before encoding.
    pub blurred: bool,
    /// SHA-256 of the bytes, 64 lower-case hex digits, NUL-terminated.
    pub sha256_hex: *const c_char,
    /// Microseconds the pipeline spent on this image (blur share included for the full image).
    pub encode_micros: u64,
}

/// Runs the pipeline on the caller's pixels: `height` rows of `width` 4-byte pixels, `stride`
/// bytes apart (0: packed), in `len` bytes (the last row need not be padded), `pixel_format`
/// `AC_PIXEL_RGBA` or `AC_PIXEL_BGRA`. Nothing is copied in. Zero sizes, a short stride or
/// buffer, an unknown format and option values out of range answer `AC_INVALID_INPUT` (or
/// `AC_OUT_OF_RANGE` for the enum values) naming the value. On success `*out` owns the result.
///
/// # Safety
/// `pixels` points to `len` readable bytes; `options` to an `ac_media_options` (or NULL for the
/// defaults); `out` to an `ac_media_result *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_media_process(
    pixels: *const u8,
    len: usize,
    width: u32,
    height: u32,
    stride: usize,
    pixel_format: u32,
    options: *const ac_media_options,
    out_result: *mut *mut ac_media_result,
) -> ac_result {
    guard(|| {
        // No reference is made to the pixels before they are checked: NULL, and a length no
        // slice may have, are refused first.
        if pixels.is_null() {
            return Err(Failure::null("pixels"));
        }
        if len > isize::MAX as usize {
            return Err(Failure::new(
                ac_result::AC_INVALID_INPUT,
                format!("len {len} is larger than any buffer can be"),
            ));
        }
        let slot = out(out_result, "out")?;
        let format = PixelFormat::from_code(pixel_format)
            .map_err(|_| Failure::range("pixel_format", pixel_format))?;
        let mut o = PipelineOptions::default();
        let options = if options.is_null() {
            None
        } else {
            // SAFETY: an `ac_media_options` filled by `ac_media_options_default` (documented).
            Some(unsafe {
                versioned(
                    options,
                    default_media_options(),
                    "options",
                    "ac_media_options_default",
                )
            }?)
        };
        if let Some(c) = options.as_ref() {
            o.format = match c.format {
                AC_IMAGE_JPEG => ImageFormat::Jpeg,
                AC_IMAGE_PNG => ImageFormat::Png,
                AC_IMAGE_WEBP => ImageFormat::Webp,
                other => return Err(Failure::range("options->format", other)),
            };
            o.quality = u8::try_from(c.quality).unwrap_or(0);
            if o.quality == 0 {
                return Err(Failure::new(
                    ac_result::AC_INVALID_INPUT,
                    format!("options->quality must be 1..=100, got {}", c.quality),
                ));
            }
            o.thumbnail_size = c.thumbnail_size;
            o.blur = (c.blur != 0.0).then_some(c.blur);
        }
        // SAFETY: the caller gives `len` readable bytes at `pixels`.
        let data = unsafe { std::slice::from_raw_parts(pixels, len) };
        let stride = if stride == 0 {
            width as usize * 4
        } else {
            stride
        };
        let frame = Frame::new(data, width, height, stride, format)?;
        let processed = process(&frame, &o)?;
        // NUL-terminated copies of the core's hex digests, borrowed by `ac_image`.
        let nul_terminated = |hex: String| {
            let mut out = [0u8; 65];
            out[..64].copy_from_slice(&hex.as_bytes()[..64]);
            out
        };
        let digests = [
            nul_terminated(processed.full.sha256_hex()),
            nul_terminated(processed.thumbnail.sha256_hex()),
        ];
        *slot = Box::into_raw(Box::new(ac_media_result { processed, digests }));
        Ok(())
    })
}

/// The full image (`thumbnail` false) or the thumbnail, borrowed from `result`.
///
/// # Safety
/// `result` comes from `ac_media_process`; `image` points to an `ac_image`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_media_result_image(
    result: *const ac_media_result,
    thumbnail: bool,
    image: *mut ac_image,
) -> ac_result {
    guard(|| {
        let r = arg(result, "result")?;
        let o = out(image, "image")?;
        let (img, digest) = if thumbnail {
            (&r.processed.thumbnail, &r.digests[1])
        } else {
            (&r.processed.full, &r.digests[0])
        };
        let t = &r.processed.timings;
        let micros = if thumbnail {
            t.thumbnail + t.encode_thumbnail
        } else {
            t.blur + t.encode_full
        };
        *o = ac_image {
            data: img.bytes.as_ptr(),
            len: img.bytes.len(),
            width: img.width,
            height: img.height,
            blurred: r.processed.blurred,
            sha256_hex: digest.as_ptr().cast(),
            encode_micros: u64::try_from(micros.as_micros()).unwrap_or(u64::MAX),
        };
        Ok(())
    })
}

/// Frees a pipeline result and both its images. NULL is a no-op.
///
/// # Safety
/// `result` comes from `ac_media_process` and is freed once; no `ac_image` of it is used after.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ac_media_result_free(result: *mut ac_media_result) {
    guard_void(|| {
        if !result.is_null() {
            // SAFETY: made by `Box::into_raw` in `ac_media_process`.
            drop(unsafe { Box::from_raw(result) });
        }
    });
}
