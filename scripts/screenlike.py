#!/usr/bin/env python3
"""Screenshot-like test images with real text, rendered with Pillow and the DejaVu/Liberation fonts.

Used by the media benchmark (`benches/media.rs`) and the OCR referee test (`tests/ocr_blur.py`).

    python3 scripts/screenlike.py --width 1920 --height 1080 --out frame.png
"""
import argparse
import os
import random

from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation2",
             "/usr/share/fonts/truetype/liberation"]

# Fonts for text sheets: (label, file name). The first that exists in FONT_DIRS is used.
FONTS = [
    ("sans", "DejaVuSans.ttf"),
    ("sans-bold", "DejaVuSans-Bold.ttf"),
    ("serif", "DejaVuSerif.ttf"),
    ("mono", "DejaVuSansMono.ttf"),
    ("liberation-sans", "LiberationSans-Regular.ttf"),
]

# Common English words of four letters or more: chance matches of OCR garbage stay negligible.
WORDS = """
about above account action active address after again agent answer apply april area around
assign attach author available background balance before begin behind below better between
billing board border bottom branch browser budget build button cancel capture center change
channel chart check choose client close cloud column comment commit company config connect
contact content context control copy count create current customer dashboard data date debug
default delete deploy design detail device dialog direct display document domain download
draft during edit editor email employee enable error event every export field file filter
final folder follow font format forward frame friday general github global group header
health height help hidden history home hour image import inbox index input install invoice
issue item january join keyboard label language layout learn level library light limit line
link list load local login logout manager march market member memory menu merge message
method minute mobile model module monday month mouse network never next note number office
online open option order output owner package page panel parent password payment people
period phone picture plan please point policy preview price print private project public
pull query queue quick ready recent record release remote remove report request result
review right role rust sales save schedule screen search second security select send server
service session settings share sheet show sidebar sign slot source space start status
storage style submit summary support switch system table task team template terminal test
text theme thread ticket time title today token tools total track update upload user value
version video view visit week width window work write year yesterday
""".split()


def font_path(name):
    for d in FONT_DIRS:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    return None


def available_fonts():
    return [(label, p) for label, name in FONTS if (p := font_path(name))]


def words_line(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def text_sheet(font_file, sizes, dark_on_light=True, width=1400, seed=1, lines_per_size=2):
    """Lines of random words at each size. Returns (RGB image, list of ground-truth words)."""
    rng = random.Random(seed)
    fg, bg = ((20, 20, 24), (250, 250, 250)) if dark_on_light else ((235, 235, 235), (30, 32, 38))
    blocks, truth = [], []
    y = 20
    for size in sizes:
        font = ImageFont.truetype(font_file, size)
        for _ in range(lines_per_size):
            line = ""
            while True:
                word = rng.choice(WORDS)
                cand = (line + " " + word).strip()
                if font.getlength(cand) > width - 60:
                    break
                line = cand
            blocks.append((y, font, line))
            truth.extend(line.split())
            y += int(size * 1.9) + 6
    img = Image.new("RGB", (width, y + 20), bg)
    d = ImageDraw.Draw(img)
    for y0, font, line in blocks:
        d.text((30, y0), line, font=font, fill=fg)
    return img, truth


def screenshot(width, height, seed=7):
    """A desktop-application-like frame: title bar, sidebar, toolbar, paragraphs, code, a table,
    buttons and a photo-like panel."""
    rng = random.Random(seed)
    img = Image.new("RGB", (width, height), (255, 255, 255))
    d = ImageDraw.Draw(img)
    s = height / 1080
    sans = font_path("DejaVuSans.ttf")
    bold = font_path("DejaVuSans-Bold.ttf") or sans
    mono = font_path("DejaVuSansMono.ttf") or sans
    f = lambda p, px: ImageFont.truetype(p, max(8, int(px * s)))
    bar = int(34 * s)
    d.rectangle([0, 0, width, bar], fill=(40, 44, 52))
    d.text((int(12 * s), int(8 * s)), "activity-core - " + words_line(rng, 4), font=f(sans, 15), fill=(230, 230, 230))
    side = int(width * 0.16)
    d.rectangle([0, bar, side, height], fill=(236, 238, 242))
    y = bar + int(16 * s)
    while y < height - int(30 * s):
        d.text((int(16 * s), y), words_line(rng, 2).title(), font=f(sans, 14), fill=(50, 55, 65))
        y += int(30 * s)
    tb = bar + int(44 * s)
    d.rectangle([side, bar, width, tb], fill=(248, 249, 251))
    x = side + int(16 * s)
    for _ in range(6):
        label = rng.choice(WORDS).title()
        w = int(f(sans, 13).getlength(label)) + int(20 * s)
        d.rounded_rectangle([x, bar + int(8 * s), x + w, tb - int(8 * s)], radius=int(4 * s), fill=(25, 118, 210))
        d.text((x + int(10 * s), bar + int(13 * s)), label, font=f(bold, 13), fill=(255, 255, 255))
        x += w + int(10 * s)
    main_right = int(width * 0.72)
    y = tb + int(20 * s)
    d.text((side + int(24 * s), y), words_line(rng, 5).title(), font=f(bold, 26), fill=(20, 20, 24))
    y += int(50 * s)
    while y < height * 0.55:
        d.text((side + int(24 * s), y), words_line(rng, 14), font=f(sans, 15), fill=(30, 30, 34))
        y += int(24 * s)
    code_top = int(y + 10 * s)
    d.rectangle([side + int(20 * s), code_top, main_right, height - int(20 * s)], fill=(30, 32, 38))
    y = code_top + int(12 * s)
    while y < height - int(40 * s):
        indent = rng.choice([0, 4, 8]) * int(8 * s)
        colour = rng.choice([(220, 220, 170), (156, 220, 254), (206, 145, 120), (200, 200, 200)])
        d.text((side + int(36 * s) + indent, y), words_line(rng, 6).replace(" ", "_", 1) + "();", font=f(mono, 14), fill=colour)
        y += int(21 * s)
    # Table on the right.
    tx = main_right + int(20 * s)
    y = tb + int(20 * s)
    while y < height * 0.5:
        d.line([tx, y + int(22 * s), width - int(20 * s), y + int(22 * s)], fill=(220, 220, 225))
        d.text((tx + int(4 * s), y), f"{rng.choice(WORDS).title()}  {rng.randint(1, 999)}.{rng.randint(0, 99):02d}", font=f(sans, 13), fill=(40, 40, 44))
        y += int(28 * s)
    # Photo-like panel: a smooth gradient with soft shapes.
    px0, py0 = tx, int(height * 0.55)
    for yy in range(py0, height - int(20 * s), 2):
        t = (yy - py0) / max(1, height - py0)
        d.line([px0, yy, width - int(20 * s), yy + 1], fill=(int(90 + 100 * t), int(140 - 40 * t), int(200 - 80 * t)), width=2)
    for _ in range(6):
        cx, cy = rng.randint(px0, width - 40), rng.randint(py0, height - 40)
        r = int(rng.randint(15, 60) * s)
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(rng.randint(150, 255), rng.randint(120, 220), rng.randint(60, 160)))
    return img


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    screenshot(a.width, a.height, a.seed).save(a.out)


if __name__ == "__main__":
    main()
