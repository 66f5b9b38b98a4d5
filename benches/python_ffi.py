"""The Python side of the bindings benchmark (scripts/bench-python.sh runs it next to the Rust
reference, benches/ffi_reference.rs, and prints the ratios): Tracker.record_input in a loop, and
media.process on the same 1920x1080 screenshot-like frame, from bytes and from a numpy array
(read without a copy). Prints `name value` lines like the C side."""

import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np

import activity_core as ac
from activity_core import media


def frame(w: int, h: int) -> np.ndarray:
    """The reference's frame: a light page with dark text-like strokes (RGBA)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    ink = ((y % 24) < 14) & (((x * 7 + y * 3) % 11) < 4) & (((x // 90) % 5) != 4)
    v = np.where(ink, 30, 235 + (x + y) % 16).astype(np.uint8)
    px = np.empty((h, w, 4), dtype=np.uint8)
    px[..., 0] = v
    px[..., 1] = v
    px[..., 2] = np.where(ink, v, v - 10)
    px[..., 3] = 255
    return px


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        t = ac.Tracker(ac.Config(), data_dir, disabled_sources=("screens", "input", "windows"))
        t.start()
        n = 1_000_000

        def best_ns(call: Callable[[str], None]) -> float:
            """Nanoseconds per call of `call`, best of five loops of n (the same branch as C)."""
            best = float("inf")
            for _ in range(5):
                t0 = time.perf_counter()
                for i in range(n):
                    call("key_press" if i & 1 == 0 else "button_press")
                best = min(best, (time.perf_counter() - t0) * 1e9 / n)
            return best

        def nothing(kind: str) -> None:
            pass

        best = best_ns(t.record_input)
        loop = best_ns(nothing)  # the loop and a Python call doing nothing
        print(f"record_input_ns {best:.3f}")
        print(f"python_loop_ns {loop:.3f}")
        t.stop()
        t.close()

    w, h = 1920, 1080
    arr = frame(w, h)
    raw = arr.tobytes()
    for name, pixels in (("media_ms", raw), ("media_numpy_ms", arr)):
        times = []
        for _ in range(15):
            t0 = time.perf_counter()
            media.process(pixels, w, h, blur=10.0, thumbnail=320)
            times.append((time.perf_counter() - t0) * 1e3)
        times.sort()
        print(f"{name} {times[len(times) // 2]:.3f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
