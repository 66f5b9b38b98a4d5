"""Config from keyword arguments, dicts and JSON; the media pipeline on every kind of buffer,
its output decoded with Pillow; the GIL released during long work; bad input everywhere."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import numpy as np
import pytest
from PIL import Image, ImageStat

import activity_core as ac
from activity_core import media


def test_config_from_kwargs_dict_and_json_with_camel_case_names() -> None:
    a = ac.Config(screenshotFrequency=5, isScreenshotEnabled=False, idle_after=timedelta(minutes=3))
    d = a.to_dict()
    assert d["screenshot_frequency"] == 5 and d["is_screenshot_enabled"] is False and d["idle_after"] == 180
    b = ac.Config({"slot_seconds": 300}, blur={"enabled": True})
    assert b.to_dict()["slot_seconds"] == 300 and b.to_dict()["blur"]["enabled"] is True
    c = ac.Config.from_json('{"allowScreenshotCapture": false}')
    assert c.to_dict()["allow_screenshot_capture"] is False
    assert "Config(" in repr(c)


def test_config_error_lists_every_problem() -> None:
    with pytest.raises(ac.ConfigError) as e:
        ac.Config(slot_seconds=7, screenshotFrequency="often", nope=1)
    message = str(e.value)
    for field in ("slot_seconds", "screenshot_frequency", "nope"):
        assert field in message
    assert isinstance(e.value, ac.ActivityCoreError)
    with pytest.raises(ac.ConfigError):
        ac.Config.from_json("{")
    with pytest.raises(TypeError):
        ac.Config.from_json(b"{}")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ac.Config(slot_seconds=object())


def page(w: int, h: int) -> np.ndarray:
    """A light page with a sharp dark checkerboard on its left half."""
    px = np.full((h, w, 4), 230, dtype=np.uint8)
    px[..., 3] = 255
    ys, xs = np.mgrid[0:h, 0:w]
    ink = ((xs // 8 + ys // 8) % 2 == 1) & (xs < w // 2)
    px[ink, :3] = 20
    return px


def decode(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview", "numpy"])
def test_process_reads_every_buffer_kind_and_the_output_decodes(kind: str) -> None:
    px = page(640, 480)
    buf = {"bytes": px.tobytes(), "bytearray": bytearray(px.tobytes()), "memoryview": memoryview(px.tobytes()),
           "numpy": px}[kind]
    r = media.process(buf, 640, 480)
    assert r.full_size == (640, 480) and r.thumbnail_size == (320, 240)
    assert not r.blurred and r.format == "jpg"
    full, thumb = decode(r.full), decode(r.thumbnail)
    assert full.size == (640, 480) and thumb.size == (320, 240)
    mean = ImageStat.Stat(full.convert("L")).mean[0]
    assert abs(mean - (0.5 * 230 + 0.25 * 230 + 0.25 * 20)) < 8
    assert len(r.full_sha256) == 64 and r.timings.total > 0


def test_blur_off_default_and_strength() -> None:
    px = page(320, 200)

    def sharpness(data: bytes) -> float:
        g = np.asarray(decode(data).convert("L"), dtype=np.int32)
        return float(np.abs(np.diff(g[:, :160], axis=1)).mean())

    plain = media.process(px, 320, 200, blur=None)
    off = media.process(px, 320, 200, blur=False)
    default = media.process(px, 320, 200, blur=True)
    strong = media.process(px, 320, 200, blur=30)
    assert plain.full_sha256 == off.full_sha256 and not off.blurred
    assert default.blurred and strong.blurred
    assert sharpness(default.full) < sharpness(plain.full) / 4
    assert sharpness(strong.full) <= sharpness(default.full)
    b = media.blur(px, 320, 200, 12)
    assert (b.width, b.height) == (320, 200) and len(b.pixels) == 320 * 200 * 4
    t = media.thumbnail(px, 320, 200, 100)
    assert (t.width, t.height) == (100, 63) and len(t.pixels) == 100 * 63 * 4


def test_stride_and_bgra() -> None:
    px = page(100, 50)
    padded = np.zeros((50, 110, 4), dtype=np.uint8)
    padded[:, :100] = px
    a = media.process(px, 100, 50, format="png")
    b = media.process(padded, 100, 50, stride=110 * 4, format="png")
    c = media.process(np.ascontiguousarray(px[..., [2, 1, 0, 3]]), 100, 50, pixel_format="bgra", format="png")
    assert a.full_sha256 == b.full_sha256 == c.full_sha256


def test_bad_media_input_is_an_error_not_a_crash() -> None:
    px = page(64, 48)
    with pytest.raises(ac.MediaError):
        media.process(px, 0, 48)
    with pytest.raises(ac.MediaError):
        media.process(b"short", 64, 48)
    with pytest.raises(ac.MediaError):
        media.process(px, 64, 48, stride=8)
    with pytest.raises(ac.MediaError):
        media.process(px, 64, 48, quality=0)
    with pytest.raises(ac.MediaError):
        media.process(px, 64, 48, blur=500)
    with pytest.raises(ValueError):
        media.process(px, 64, 48, pixel_format="argb")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        media.process(px, 64, 48, format="gif")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        media.process("not pixels", 64, 48)
    with pytest.raises(TypeError):
        media.process(px, 64, 48, blur="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        media.process(px[:, ::2], 32, 48)  # not contiguous
    with pytest.raises(OverflowError):
        media.process(px, -1, 48)


def test_another_thread_runs_while_process_works() -> None:
    px = page(3840, 2160)
    inside = threading.Event()
    done = threading.Event()

    def work() -> None:
        inside.set()
        for _ in range(3):
            media.process(px, 3840, 2160, blur=True, format="png")
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    inside.wait()
    progress = 0
    while not done.is_set():
        progress += 1
    worker.join()
    # With the GIL held through the pipeline this thread would barely run.
    assert progress > 100_000, progress
