#!/usr/bin/env python3
"""OCR referee for the privacy blur.

Renders screenshot-like sheets of text (several fonts, 12-32 px, dark on light and light on
dark), blurs them with the library's pipeline at its default strength (through the
`screenshot_pipeline` example), and lets Debian's tesseract read:

- the unblurred sheets: it must read >= 90 % of the words, or the referee itself is not working;
- the blurred sheets: it must read <= 2 %;
- the blurred sheets after Richardson-Lucy deconvolution (scikit-image) with Gaussian guesses of
  the blur (sigma = strength and strength / 2): <= 2 %.

Every image is upscaled 2x (Lanczos) and turned grey before OCR, which helps tesseract on small
text; the same help is given to the attack.

    python3 activity-core/tests/ocr_blur.py --pipeline target/debug/examples/screenshot_pipeline
"""
import argparse
import collections
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
from skimage.restoration import richardson_lucy

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import screenlike  # noqa: E402

SIZES = [12, 14, 16, 20, 24, 32]
DEFAULT_STRENGTH = 12.0


def ocr_words(img, workdir, name):
    big = img.convert("L").resize((img.width * 2, img.height * 2), Image.LANCZOS)
    path = os.path.join(workdir, name + "-ocr.png")
    big.save(path)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one thread each: sheets run in parallel
    out = subprocess.run(["tesseract", path, "stdout", "--psm", "6"], capture_output=True, text=True,
                         check=True, env=env).stdout
    return [w for w in re.findall(r"[a-z]+", out.lower()) if len(w) >= 4]


def score(truth, read):
    t = collections.Counter(w.lower() for w in truth)
    r = collections.Counter(read)
    return sum((t & r).values()) / max(1, sum(t.values()))


def gaussian_psf(sigma):
    r = int(3 * sigma)
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    k = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
    return k / k.sum()


def deconvolve(img, sigma, iterations):
    g = np.asarray(img.convert("L"), dtype=np.float64) / 255.0
    d = richardson_lucy(g, gaussian_psf(sigma), num_iter=iterations, clip=True)
    return Image.fromarray(np.clip(d * 255.0, 0, 255).astype(np.uint8))


def run_sheet(job):
    """Renders, blurs and reads one sheet; returns (name, words, plain, blurred, [RL scores])."""
    a, strength, workdir, fi, label, path, dark = job
    name = f"{label}-{'dark' if dark else 'light'}"
    sheet, truth = screenlike.text_sheet(path, SIZES, dark_on_light=dark, seed=100 + fi * 2 + dark)
    src = os.path.join(workdir, name + ".png")
    sheet.save(src)
    blur_args = ["--blur"] if a.strength is None else ["--blur", str(a.strength)]
    subprocess.run([a.pipeline, src, "--out", os.path.join(workdir, "blurred"), "--format", "png", *blur_args],
                   check=True, capture_output=True)
    blurred = Image.open(os.path.join(workdir, "blurred", name + ".png")).convert("RGB")
    assert blurred.size == sheet.size, (blurred.size, sheet.size)
    plain = score(truth, ocr_words(sheet, workdir, name + "-plain"))
    blur = score(truth, ocr_words(blurred, workdir, name + "-blur"))
    rl = [score(truth, ocr_words(deconvolve(blurred, s, a.iterations), workdir, f"{name}-rl{i}"))
          for i, s in enumerate((strength, strength / 2))]
    return name, len(truth), plain, blur, rl


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pipeline", required=True, help="path to the screenshot_pipeline example binary")
    ap.add_argument("--strength", type=float, default=None, help="blur strength (default: the library's default)")
    ap.add_argument("--iterations", type=int, default=30, help="Richardson-Lucy iterations")
    ap.add_argument("--keep", help="keep the images in this folder")
    a = ap.parse_args()
    strength = a.strength or DEFAULT_STRENGTH
    fonts = screenlike.available_fonts()
    if len(fonts) < 3:
        sys.exit(f"need at least 3 fonts (apt install fonts-dejavu-core fonts-liberation2), found {fonts}")

    workdir = a.keep or tempfile.mkdtemp(prefix="ocr-blur-")
    os.makedirs(workdir, exist_ok=True)
    jobs = [(fi, label, path, dark) for fi, (label, path) in enumerate(fonts) for dark in (True, False)]
    with concurrent.futures.ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(run_sheet, [(a, strength, workdir, *j) for j in jobs]))
    totals = collections.Counter()
    print(f"{'sheet':<28} {'words':>5} {'plain':>7} {'blurred':>8} {'RL s':>7} {'RL s/2':>7}")
    for name, n, plain, blur, rl in results:
        totals["words"] += n
        totals["plain"] += plain * n
        totals["blur"] += blur * n
        totals["rl"] += max(rl) * n
        print(f"{name:<28} {n:>5} {plain:>6.1%} {blur:>8.1%} {rl[0]:>7.1%} {rl[1]:>7.1%}")
    n = totals["words"]
    plain, blur, rl = totals["plain"] / n, totals["blur"] / n, totals["rl"] / n
    print(f"{'all':<28} {n:>5} {plain:>6.1%} {blur:>8.1%} {rl:>7.1%} (best guess per sheet)")
    print(f"images in {workdir}")
    failures = []
    if plain < 0.90:
        failures.append(f"referee read only {plain:.1%} of the unblurred words (needs >= 90%)")
    if blur > 0.02:
        failures.append(f"tesseract read {blur:.1%} of the blurred words (allowed <= 2%)")
    if rl > 0.02:
        failures.append(f"after Richardson-Lucy tesseract read {rl:.1%} (allowed <= 2%)")
    if failures:
        sys.exit("FAILED: " + "; ".join(failures))
    print("ok: the referee reads the plain text, and neither the blurred nor the deconvolved text")


if __name__ == "__main__":
    main()
