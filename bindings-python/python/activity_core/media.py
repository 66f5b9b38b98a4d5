"""The screenshot pipeline on your own pixels: blur, thumbnail, encode, digests.

`pixels` is anything with the buffer protocol (bytes, bytearray, memoryview, a uint8 numpy
array), read in place without a copy; the GIL is released while the pipeline works."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from . import _native

__all__ = ["DEFAULT_BLUR", "Image", "MediaResult", "StageTimings", "blur", "process", "thumbnail"]

DEFAULT_BLUR = 12.0
"""The default blur strength (σ of the equivalent Gaussian): tesseract reads nothing under it."""

PixelFormat = Literal["rgba", "bgra"]
ImageFormat = Literal["jpeg", "jpg", "png", "webp"]


@dataclass(frozen=True)
class StageTimings:
    """Seconds spent in each stage."""

    blur: float
    thumbnail: float
    encode_full: float
    encode_thumbnail: float
    hash: float
    total: float


@dataclass(frozen=True)
class MediaResult:
    """The encoded full image and thumbnail, their sizes and SHA-256 digests."""

    full: bytes
    thumbnail: bytes
    full_size: tuple[int, int]
    thumbnail_size: tuple[int, int]
    full_sha256: str
    thumbnail_sha256: str
    format: str
    blurred: bool
    timings: StageTimings


@dataclass(frozen=True)
class Image:
    """Raw pixels (4 bytes each, the input's pixel format) and their size."""

    pixels: bytes
    width: int
    height: int


def _strength(blur: bool | float | None) -> float | None:
    if blur is None or blur is False:
        return None
    if blur is True:
        return DEFAULT_BLUR
    if isinstance(blur, (int, float)):
        return float(blur)
    raise TypeError(f"blur must be None, a bool or a number, got {type(blur).__name__}")


def process(
    pixels: Any,
    width: int,
    height: int,
    *,
    stride: int | None = None,
    pixel_format: PixelFormat = "rgba",
    blur: bool | float | None = None,
    thumbnail: int = 320,
    format: ImageFormat = "jpeg",
    quality: int = 80,
) -> MediaResult:
    """Blur (None/False: off; True: the default strength; a number: that strength), make the
    thumbnail (long side `thumbnail`) and encode both. With blur on only blurred pixels are
    encoded. Bad sizes, strides, buffers or options raise `MediaError` naming the value."""
    d = _native.process(pixels, width, height, stride, pixel_format, _strength(blur), thumbnail, format, quality)
    return MediaResult(
        full=d["full"],
        thumbnail=d["thumbnail"],
        full_size=tuple(d["full_size"]),
        thumbnail_size=tuple(d["thumbnail_size"]),
        full_sha256=d["full_sha256"],
        thumbnail_sha256=d["thumbnail_sha256"],
        format=d["format"],
        blurred=d["blurred"],
        timings=StageTimings(**d["timings"]),
    )


def blur(
    pixels: Any,
    width: int,
    height: int,
    strength: float = DEFAULT_BLUR,
    *,
    stride: int | None = None,
    pixel_format: PixelFormat = "rgba",
) -> Image:
    """The blurred pixels, same size and pixel format."""
    data, w, h = _native.blur(pixels, width, height, strength, stride, pixel_format)
    return Image(data, w, h)


def thumbnail(
    pixels: Any,
    width: int,
    height: int,
    long_side: int = 320,
    *,
    stride: int | None = None,
    pixel_format: PixelFormat = "rgba",
) -> Image:
    """The thumbnail's pixels: long side `long_side`, aspect kept, never enlarged."""
    data, w, h = _native.thumbnail(pixels, width, height, long_side, stride, pixel_format)
    return Image(data, w, h)
