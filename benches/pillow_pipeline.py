#!/usr/bin/env python3
"""Pillow's version of the screenshot pipeline, timed: the reference for `benches/media.rs`.

GaussianBlur(10), JPEG q80 of the full frame, a 320-px LANCZOS thumbnail encoded as JPEG q80.
Prints one JSON object of median milliseconds per stage.

    python3 benches/pillow_pipeline.py FRAME.png --runs 7
"""
import argparse
import io
import json
import statistics
import time

from PIL import Image, ImageFilter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("frame")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--thumb", type=int, default=320)
    a = ap.parse_args()
    img = Image.open(a.frame).convert("RGB")
    img.load()
    w, h = img.size
    tw, th = (a.thumb, max(1, round(h * a.thumb / w))) if w >= h else (max(1, round(w * a.thumb / h)), a.thumb)
    stages = {"blur": [], "thumbnail": [], "encode_full": [], "encode_thumbnail": [], "total": []}
    for _ in range(a.runs):
        t0 = time.perf_counter()
        blurred = img.filter(ImageFilter.GaussianBlur(10))
        t1 = time.perf_counter()
        thumb = blurred.resize((tw, th), Image.LANCZOS)
        t2 = time.perf_counter()
        full = io.BytesIO()
        blurred.save(full, "JPEG", quality=80)
        t3 = time.perf_counter()
        small = io.BytesIO()
        thumb.save(small, "JPEG", quality=80)
        t4 = time.perf_counter()
        for k, v in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
            stages[k].append(v * 1000.0)
    import PIL
    print(json.dumps({"pillow": PIL.__version__, **{k: statistics.median(v) for k, v in stages.items()}}))


if __name__ == "__main__":
    main()
