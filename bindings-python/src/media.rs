//! The media pipeline on Python buffers (bytes, bytearray, memoryview, numpy arrays), read in
//! place, with the GIL released while it works.

use activity_core::media::blur::blur as core_blur;
use activity_core::media::thumbnail::thumbnail as core_thumbnail;
use activity_core::media::{Frame, PipelineOptions, PixelFormat, process as core_process};
use activity_core::model::config::ImageFormat;
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::errors::IntoPy;

/// The caller's pixels. A read-only buffer (`bytes`, a read-only memoryview or array) is
/// borrowed in place, zero-copy: it stays exported (alive, unmoved, unchanged) while this lives.
/// A writable one (`bytearray`, a numpy array) is copied first, with the GIL held: another
/// Python thread could write into it while the pipeline reads it with the GIL released, a data
/// race on memory Rust reads as immutable.
struct Pixels {
    buffer: PyBuffer<u8>,
    copy: Option<Vec<u8>>,
}

impl Pixels {
    fn new(obj: &Bound<'_, PyAny>) -> PyResult<Pixels> {
        let buffer = PyBuffer::<u8>::get(obj).map_err(|_| {
            PyTypeError::new_err(format!(
                "pixels must support the buffer protocol with bytes (bytes, bytearray, memoryview, a uint8 numpy array), got {}",
                obj.get_type().name().map(|n| n.to_string()).unwrap_or_default()
            ))
        })?;
        if !buffer.is_c_contiguous() {
            return Err(PyValueError::new_err(
                "pixels must be C-contiguous (numpy: np.ascontiguousarray(a))",
            ));
        }
        let copy = if buffer.readonly() {
            None
        } else {
            Some(buffer.to_vec(obj.py())?)
        };
        Ok(Pixels { buffer, copy })
    }

    /// The bytes. Valid while `self` lives.
    fn slice(&self) -> &[u8] {
        if let Some(copy) = &self.copy {
            return copy;
        }
        // SAFETY: a read-only, C-contiguous buffer of `len_bytes` bytes, kept exported by
        // `self.buffer` (the buffer protocol forbids resizing an exported buffer, and a
        // read-only exporter does not change its contents).
        unsafe {
            std::slice::from_raw_parts(self.buffer.buf_ptr() as *const u8, self.buffer.len_bytes())
        }
    }
}

// SAFETY: the buffer's memory is only read, and stays valid while the PyBuffer is held.
unsafe impl Send for Pixels {}
unsafe impl Sync for Pixels {}

fn format_of(name: &str) -> PyResult<PixelFormat> {
    match name.to_ascii_lowercase().as_str() {
        "rgba" => Ok(PixelFormat::Rgba8),
        "bgra" => Ok(PixelFormat::Bgra8),
        other => Err(PyValueError::new_err(format!(
            "pixel_format must be 'rgba' or 'bgra', got {other:?}"
        ))),
    }
}

fn stride_of(stride: Option<usize>, width: u32) -> usize {
    stride.unwrap_or(width as usize * 4)
}

/// Blur, thumbnail and encode; returns a dict the Python package turns into a `MediaResult`.
#[pyfunction]
#[pyo3(signature = (pixels, width, height, stride=None, pixel_format="rgba", blur=None, thumbnail=320, format="jpeg", quality=80))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn process<'py>(
    py: Python<'py>,
    pixels: &Bound<'py, PyAny>,
    width: u32,
    height: u32,
    stride: Option<usize>,
    pixel_format: &str,
    blur: Option<f32>,
    thumbnail: u32,
    format: &str,
    quality: u8,
) -> PyResult<Bound<'py, PyDict>> {
    let px = Pixels::new(pixels)?;
    let pf = format_of(pixel_format)?;
    let format: ImageFormat = format
        .parse()
        .map_err(|e| PyValueError::new_err(format!("format: {e}")))?;
    let options = PipelineOptions {
        blur,
        thumbnail_size: thumbnail,
        format,
        quality,
    };
    let stride = stride_of(stride, width);
    let p = py
        .detach(|| {
            let frame = Frame::new(px.slice(), width, height, stride, pf)?;
            core_process(&frame, &options)
        })
        .py_err()?;
    let d = PyDict::new(py);
    d.set_item("full", PyBytes::new(py, &p.full.bytes))?;
    d.set_item("thumbnail", PyBytes::new(py, &p.thumbnail.bytes))?;
    d.set_item("full_size", (p.full.width, p.full.height))?;
    d.set_item("thumbnail_size", (p.thumbnail.width, p.thumbnail.height))?;
    d.set_item("full_sha256", p.full.sha256_hex())?;
    d.set_item("thumbnail_sha256", p.thumbnail.sha256_hex())?;
    d.set_item("format", p.format.extension())?;
    d.set_item("blurred", p.blurred)?;
    let t = &p.timings;
    let timings = PyDict::new(py);
    for (name, value) in [
        ("blur", t.blur),
        ("thumbnail", t.thumbnail),
        ("encode_full", t.encode_full),
        ("encode_thumbnail", t.encode_thumbnail),
        ("hash", t.hash),
        ("total", t.total),
    ] {
        timings.set_item(name, value.as_secs_f64())?;
    }
    d.set_item("timings", timings)?;
    Ok(d)
}

/// Runs a pixels-to-pixels stage on the caller's buffer with the GIL released.
fn pixels_op<'py>(
    py: Python<'py>,
    pixels: &Bound<'py, PyAny>,
    width: u32,
    height: u32,
    stride: Option<usize>,
    pixel_format: &str,
    op: impl FnOnce(
        &Frame<'_>,
    ) -> Result<activity_core::media::OwnedFrame, activity_core::media::MediaError>
    + Send,
) -> PyResult<(Bound<'py, PyBytes>, u32, u32)> {
    let px = Pixels::new(pixels)?;
    let pf = format_of(pixel_format)?;
    let stride = stride_of(stride, width);
    let out = py
        .detach(|| {
            let frame = Frame::new(px.slice(), width, height, stride, pf)?;
            op(&frame)
        })
        .py_err()?;
    Ok((PyBytes::new(py, out.data()), out.width(), out.height()))
}

/// The blurred pixels (same size and pixel format): (bytes, width, height).
#[pyfunction]
#[pyo3(signature = (pixels, width, height, strength, stride=None, pixel_format="rgba"))]
pub(crate) fn blur<'py>(
    py: Python<'py>,
    pixels: &Bound<'py, PyAny>,
    width: u32,
    height: u32,
    strength: f32,
    stride: Option<usize>,
    pixel_format: &str,
) -> PyResult<(Bound<'py, PyBytes>, u32, u32)> {
    pixels_op(py, pixels, width, height, stride, pixel_format, |f| {
        core_blur(f, strength)
    })
}

/// The thumbnail's pixels (long side `long_side`, aspect kept, never enlarged):
/// (bytes, width, height).
#[pyfunction]
#[pyo3(signature = (pixels, width, height, long_side=320, stride=None, pixel_format="rgba"))]
pub(crate) fn thumbnail<'py>(
    py: Python<'py>,
    pixels: &Bound<'py, PyAny>,
    width: u32,
    height: u32,
    long_side: u32,
    stride: Option<usize>,
    pixel_format: &str,
) -> PyResult<(Bound<'py, PyBytes>, u32, u32)> {
    pixels_op(py, pixels, width, height, stride, pixel_format, |f| {
        core_thumbnail(f, long_side)
    })
}
