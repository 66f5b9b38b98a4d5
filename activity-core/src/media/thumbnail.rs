//! Thumbnails: fast_image_resize with a Lanczos3 filter, aspect ratio kept.

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::media::frame::{Frame, OwnedFrame};
use crate::media::{MediaError, source_view};

/// The default long side of a thumbnail, in pixels.
pub const DEFAULT_LONG_SIDE: u32 = 320;

/// The thumbnail size for a `width × height` image: the long side becomes `long_side` (never
/// larger than the image: small images are not enlarged), the short side keeps the aspect ratio,
/// rounded, and is at least 1.
///
/// ```
/// use activity_core::media::thumbnail::thumbnail_size;
/// assert_eq!(thumbnail_size(1920, 1080, 320), (320, 180));
/// assert_eq!(thumbnail_size(1, 4000, 320), (1, 320));
/// assert_eq!(thumbnail_size(100, 50, 320), (100, 50));
/// ```
pub fn thumbnail_size(width: u32, height: u32, long_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_side || long == 0 {
        return (width, height);
    }
    let scale = |v: u32| -> u32 {
        let s = (u64::from(v) * u64::from(long_side) + u64::from(long) / 2) / u64::from(long);
        (s as u32).max(1)
    };
    if width >= height {
        (long_side, scale(height))
    } else {
        (scale(width), long_side)
    }
}

/// A thumbnail of `frame` with the given long side.
pub fn thumbnail(frame: &Frame<'_>, long_side: u32) -> Result<OwnedFrame, MediaError> {
    if long_side == 0 {
        return Err(MediaError::InvalidThumbnailSize(long_side));
    }
    let (tw, th) = thumbnail_size(frame.width(), frame.height(), long_side);
    if (tw, th) == (frame.width(), frame.height()) {
        return OwnedFrame::new(frame.packed_pixels().into_owned(), tw, th, frame.format());
    }
    let (src, crop) = source_view(frame)?;
    let mut dst = Image::new(tw, th, PixelType::U8x4);
    let opts = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .use_alpha(false)
        .crop(0.0, 0.0, f64::from(crop.0), f64::from(crop.1));
    Resizer::new()
        .resize(&src.image()?, &mut dst, &opts)
        .map_err(|e| MediaError::Resize(e.to_string()))?;
    OwnedFrame::new(dst.into_vec(), tw, th, frame.format())
}
