//! The screenshot media pipeline: blur, thumbnail, encode — pure functions on pixel buffers.
//!
//! ```text
//!  Frame (caller's RGBA/BGRA, any stride, not copied)
//!    │  blur on? ── yes ──► blur::blur ──► blurred OwnedFrame ─┐   (the original is never encoded)
//!    │                                                          │
//!    └─────────── no ───────────────────────────────────────────┤
//!                                                               ▼
//!                                     encode full ◄── image ──► thumbnail::thumbnail ──► encode thumb
//!                                          │                                                  │
//!                                          └──────────────► sha256, sizes, timings ◄──────────┘
//! ```
//!
//! [`process`] runs the whole pipeline and returns both encoded images with their dimensions,
//! SHA-256 digests and per-stage timings.

pub mod blur;
pub mod encode;
pub mod frame;
pub mod thumbnail;

use std::borrow::Cow;
use std::time::{Duration, Instant};

use fast_image_resize::PixelType;
use fast_image_resize::images::ImageRef;
use sha2::{Digest, Sha256};

pub use frame::{Frame, OwnedFrame, PixelFormat};

use crate::model::config::{Config, ImageFormat};

/// Errors of the media pipeline: each names the value at fault.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// A frame with no pixels.
    #[error("frame size {width}x{height} has no pixels")]
    ZeroSize {
        /// Width given.
        width: u32,
        /// Height given.
        height: u32,
    },
    /// A stride shorter than a row of pixels.
    #[error("stride {stride} is shorter than a row of pixels ({row_bytes} bytes)")]
    StrideTooShort {
        /// Stride given.
        stride: usize,
        /// Bytes in a row: width × 4.
        row_bytes: usize,
    },
    /// A buffer that cannot hold the frame.
    #[error("pixel buffer of {len} bytes is too short: the frame needs {needed}")]
    BufferTooShort {
        /// Bytes given.
        len: usize,
        /// Bytes needed.
        needed: usize,
    },
    /// A frame whose size overflows memory arithmetic.
    #[error("frame size {width}x{height} is too large")]
    TooLarge {
        /// Width given.
        width: u32,
        /// Height given.
        height: u32,
    },
    /// A frame larger than the output format can store.
    #[error("{format:?} cannot store {width}x{height}: at most {max} pixels a side")]
    TooLargeFor {
        /// The output format.
        format: ImageFormat,
        /// Width given.
        width: u32,
        /// Height given.
        height: u32,
        /// The format's limit.
        max: u32,
    },
    /// A pixel format code the library does not know.
    #[error("unsupported pixel format code {0} (1 = RGBA, 2 = BGRA)")]
    UnsupportedPixelFormat(u32),
    /// An output format this build cannot write, or an unknown name.
    #[error("unsupported image format {0}")]
    UnsupportedFormat(String),
    /// A quality outside 1..=100.
    #[error("quality must be 1..=100, got {0}")]
    InvalidQuality(u8),
    /// A blur strength outside 1..=64 (or not a number).
    #[error("blur strength must be 1..=64, got {0}")]
    InvalidBlurStrength(f32),
    /// A thumbnail long side of 0.
    #[error("thumbnail size must be at least 1 pixel, got {0}")]
    InvalidThumbnailSize(u32),
    /// The resizer failed (should not happen for validated frames).
    #[error("resize failed: {0}")]
    Resize(String),
    /// The encoder failed.
    #[error("{format:?} encoding failed: {message}")]
    Encode {
        /// The output format.
        format: ImageFormat,
        /// The encoder's message.
        message: String,
    },
}

/// A frame as fast_image_resize sees it: rows with padding become extra columns that a crop
/// hides, so a strided frame is not copied (unless its stride is not whole pixels, or its last
/// row is not padded).
pub(crate) struct Source<'a> {
    buf: Cow<'a, [u8]>,
    width: u32,
    height: u32,
}

impl Source<'_> {
    pub(crate) fn image(&self) -> Result<ImageRef<'_>, MediaError> {
        ImageRef::new(self.width, self.height, &self.buf, PixelType::U8x4)
            .map_err(|e| MediaError::Resize(e.to_string()))
    }
}

/// The source view of `frame` and the crop (its real width and height).
pub(crate) fn source_view<'a>(frame: &Frame<'a>) -> Result<(Source<'a>, (u32, u32)), MediaError> {
    let (w, h) = (frame.width(), frame.height());
    let stride = frame.stride();
    let full = stride.checked_mul(h as usize);
    let src = match full {
        Some(n)
            if stride.is_multiple_of(4)
                && frame.data().len() >= n
                && stride / 4 <= u32::MAX as usize =>
        {
            Source {
                buf: Cow::Borrowed(&frame.data()[..n]),
                width: (stride / 4) as u32,
                height: h,
            }
        }
        _ => Source {
            buf: frame.packed_pixels(),
            width: w,
            height: h,
        },
    };
    Ok((src, (w, h)))
}

/// What the pipeline should do.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineOptions {
    /// Blur strength, or `None` for no blur.
    pub blur: Option<f32>,
    /// Long side of the thumbnail in pixels.
    pub thumbnail_size: u32,
    /// Output format of both images.
    pub format: ImageFormat,
    /// Encoder quality 1..=100.
    pub quality: u8,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions::from_config(&Config::default())
    }
}

impl PipelineOptions {
    /// The options a configuration asks for.
    pub fn from_config(config: &Config) -> PipelineOptions {
        PipelineOptions {
            blur: config.blur.enabled.then_some(config.blur.strength),
            thumbnail_size: config.thumbnail_size,
            format: config.image_format,
            quality: config.image_quality,
        }
    }
}

/// One encoded image.
#[derive(Clone, PartialEq, Eq)]
pub struct EncodedImage {
    /// The encoded file.
    pub bytes: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// SHA-256 of `bytes`.
    pub sha256: [u8; 32],
}

impl std::fmt::Debug for EncodedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncodedImage")
            .field("bytes", &self.bytes.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("sha256", &self.sha256_hex())
            .finish()
    }
}

impl EncodedImage {
    fn new(bytes: Vec<u8>, width: u32, height: u32) -> EncodedImage {
        let sha256 = Sha256::digest(&bytes).into();
        EncodedImage {
            bytes,
            width,
            height,
            sha256,
        }
    }

    /// The digest as 64 lower-case hex digits.
    pub fn sha256_hex(&self) -> String {
        crate::util::hex(&self.sha256)
    }
}

/// How long each stage took.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct StageTimings {
    /// The blur (zero when off).
    pub blur: Duration,
    /// Making the thumbnail.
    pub thumbnail: Duration,
    /// Encoding the full image.
    pub encode_full: Duration,
    /// Encoding the thumbnail.
    pub encode_thumbnail: Duration,
    /// Both SHA-256 digests.
    pub hash: Duration,
    /// The whole call.
    pub total: Duration,
}

/// The pipeline's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Processed {
    /// The full-size image (blurred when blur was on).
    pub full: EncodedImage,
    /// The thumbnail (made from the blurred image when blur was on).
    pub thumbnail: EncodedImage,
    /// The format of both.
    pub format: ImageFormat,
    /// Whether the blur was applied.
    pub blurred: bool,
    /// Per-stage timings.
    pub timings: StageTimings,
}

/// Runs the whole pipeline on `frame`. With blur on, only blurred pixels are ever encoded.
pub fn process(frame: &Frame<'_>, options: &PipelineOptions) -> Result<Processed, MediaError> {
    let start = Instant::now();
    // Check cheap options before spending time on pixels.
    if !(1..=100).contains(&options.quality) {
        return Err(MediaError::InvalidQuality(options.quality));
    }
    if options.thumbnail_size == 0 {
        return Err(MediaError::InvalidThumbnailSize(options.thumbnail_size));
    }
    let mut t = StageTimings::default();
    let blurred = match options.blur {
        Some(strength) => {
            let s = Instant::now();
            let b = blur::blur(frame, strength)?;
            t.blur = s.elapsed();
            Some(b)
        }
        None => None,
    };
    let image: Frame<'_> = match &blurred {
        Some(b) => b.as_frame(),
        None => *frame,
    };

    let s = Instant::now();
    let thumb = thumbnail::thumbnail(&image, options.thumbnail_size)?;
    t.thumbnail = s.elapsed();

    let s = Instant::now();
    let full_bytes = encode::encode(&image, options.format, options.quality)?;
    t.encode_full = s.elapsed();

    let s = Instant::now();
    let thumb_bytes = encode::encode(&thumb.as_frame(), options.format, options.quality)?;
    t.encode_thumbnail = s.elapsed();

    let s = Instant::now();
    let full = EncodedImage::new(full_bytes, image.width(), image.height());
    let thumbnail = EncodedImage::new(thumb_bytes, thumb.width(), thumb.height());
    t.hash = s.elapsed();
    t.total = start.elapsed();
    Ok(Processed {
        full,
        thumbnail,
        format: options.format,
        blurred: blurred.is_some(),
        timings: t,
    })
}
