//! Frames: 8-bit RGBA or BGRA pixels with a row stride, borrowed from the caller.

use crate::media::MediaError;

/// Byte order of a pixel. Both are 4 bytes per pixel, 8 bits per channel.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum PixelFormat {
    /// Red, green, blue, alpha (xcap, most image libraries).
    Rgba8 = 1,
    /// Blue, green, red, alpha (Windows GDI, macOS, X11 `ZPixmap` on little-endian).
    Bgra8 = 2,
}

impl PixelFormat {
    /// The format with the given code (`1` RGBA, `2` BGRA), as the C and Python bindings pass it.
    pub fn from_code(code: u32) -> Result<PixelFormat, MediaError> {
        match code {
            1 => Ok(PixelFormat::Rgba8),
            2 => Ok(PixelFormat::Bgra8),
            other => Err(MediaError::UnsupportedPixelFormat(other)),
        }
    }
}

/// Bytes per pixel of every supported format.
pub const BYTES_PER_PIXEL: usize = 4;

/// A read-only view of pixels the caller owns: no copy is made.
///
/// Row `y` starts at byte `y × stride`; only the first `width × 4` bytes of a row are pixels, the
/// rest is padding. The buffer must hold `(height − 1) × stride + width × 4` bytes at least (the
/// last row need not be padded).
#[derive(Copy, Clone)]
pub struct Frame<'a> {
    data: &'a [u8],
    width: u32,
    height: u32,
    stride: usize,
    format: PixelFormat,
}

impl std::fmt::Debug for Frame<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the pixels: a screenshot is private.
        f.debug_struct("Frame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("stride", &self.stride)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl<'a> Frame<'a> {
    /// Checks the geometry against the buffer and wraps it.
    pub fn new(
        data: &'a [u8],
        width: u32,
        height: u32,
        stride: usize,
        format: PixelFormat,
    ) -> Result<Frame<'a>, MediaError> {
        if width == 0 || height == 0 {
            return Err(MediaError::ZeroSize { width, height });
        }
        let row = (width as usize)
            .checked_mul(BYTES_PER_PIXEL)
            .ok_or(MediaError::TooLarge { width, height })?;
        if stride < row {
            return Err(MediaError::StrideTooShort {
                stride,
                row_bytes: row,
            });
        }
        let needed = (height as usize - 1)
            .checked_mul(stride)
            .and_then(|n| n.checked_add(row))
            .ok_or(MediaError::TooLarge { width, height })?;
        if data.len() < needed {
            return Err(MediaError::BufferTooShort {
                len: data.len(),
                needed,
            });
        }
        Ok(Frame {
            data,
            width,
            height,
            stride,
            format,
        })
    }

    /// A frame over a tightly packed buffer (`stride = width × 4`).
    pub fn packed(
        data: &'a [u8],
        width: u32,
        height: u32,
        format: PixelFormat,
    ) -> Result<Frame<'a>, MediaError> {
        Self::new(
            data,
            width,
            height,
            (width as usize).saturating_mul(BYTES_PER_PIXEL),
            format,
        )
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes from the start of one row to the next.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Byte order of the pixels.
    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// The whole buffer as given (rows with their padding).
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Bytes of pixels in one row: `width × 4`.
    pub fn row_bytes(&self) -> usize {
        self.width as usize * BYTES_PER_PIXEL
    }

    /// Whether rows follow each other without padding.
    pub fn is_packed(&self) -> bool {
        self.stride == self.row_bytes()
    }

    /// The pixels of row `y` (without padding), or `None` when `y` is not below the height.
    pub fn row(&self, y: u32) -> Option<&'a [u8]> {
        if y >= self.height {
            return None;
        }
        let start = y as usize * self.stride;
        self.data.get(start..start + self.row_bytes())
    }

    /// Iterates over the rows, top to bottom.
    pub fn rows(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.height).filter_map(move |y| self.row(y))
    }

    /// The pixels as one packed buffer: borrowed when already packed, copied otherwise.
    pub fn packed_pixels(&self) -> std::borrow::Cow<'a, [u8]> {
        let len = self.row_bytes() * self.height as usize;
        if self.is_packed() {
            std::borrow::Cow::Borrowed(&self.data[..len])
        } else {
            let mut v = Vec::with_capacity(len);
            for r in self.rows() {
                v.extend_from_slice(r);
            }
            std::borrow::Cow::Owned(v)
        }
    }
}

/// Pixels the library owns (a blurred frame, a thumbnail), tightly packed.
#[derive(Clone, PartialEq, Eq)]
pub struct OwnedFrame {
    data: Vec<u8>,
    width: u32,
    height: u32,
    format: PixelFormat,
}

impl std::fmt::Debug for OwnedFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedFrame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl OwnedFrame {
    /// Wraps a packed buffer of exactly `width × height × 4` bytes.
    pub fn new(
        data: Vec<u8>,
        width: u32,
        height: u32,
        format: PixelFormat,
    ) -> Result<OwnedFrame, MediaError> {
        let f = Frame::packed(&data, width, height, format)?;
        let exact = f.row_bytes() * height as usize;
        if data.len() != exact {
            return Err(MediaError::BufferTooShort {
                len: data.len(),
                needed: exact,
            });
        }
        Ok(OwnedFrame {
            data,
            width,
            height,
            format,
        })
    }

    /// A borrowed view.
    pub fn as_frame(&self) -> Frame<'_> {
        Frame {
            data: &self.data,
            width: self.width,
            height: self.height,
            stride: self.width as usize * BYTES_PER_PIXEL,
            format: self.format,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The packed pixels.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Takes the pixels out.
    pub fn into_vec(self) -> Vec<u8> {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_is_checked() {
        let buf = vec![0u8; 100];
        assert!(matches!(
            Frame::new(&buf, 0, 1, 4, PixelFormat::Rgba8),
            Err(MediaError::ZeroSize { .. })
        ));
        assert!(matches!(
            Frame::new(&buf, 4, 2, 15, PixelFormat::Rgba8),
            Err(MediaError::StrideTooShort {
                stride: 15,
                row_bytes: 16
            })
        ));
        assert!(matches!(
            Frame::new(&buf, 4, 4, 32, PixelFormat::Rgba8),
            Err(MediaError::BufferTooShort {
                len: 100,
                needed: 112
            })
        ));
        // The last row need not be padded: 3 × 32 + 16 = 112 > 100, 2 × 40 + 16 = 96 fits.
        let f = Frame::new(&buf, 4, 3, 40, PixelFormat::Bgra8).unwrap();
        assert_eq!(f.row(2).map(<[u8]>::len), Some(16));
        assert_eq!(
            f.row(f.height()),
            None,
            "a row past the height is None, not a panic"
        );
        assert_eq!(f.row(u32::MAX), None);
        assert_eq!(f.packed_pixels().len(), 48);
        assert!(matches!(
            Frame::new(&buf, u32::MAX, u32::MAX, usize::MAX, PixelFormat::Rgba8),
            Err(MediaError::TooLarge { .. } | MediaError::BufferTooShort { .. })
        ));
        assert!(matches!(
            PixelFormat::from_code(3),
            Err(MediaError::UnsupportedPixelFormat(3))
        ));
    }

    #[test]
    fn debug_never_shows_pixels() {
        let buf = vec![42u8; 16];
        let f = Frame::packed(&buf, 2, 2, PixelFormat::Rgba8).unwrap();
        assert!(!format!("{f:?}").contains("42"));
    }
}
