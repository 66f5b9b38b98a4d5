"""A PNG in, its blurred JPEG and thumbnail out (Pillow only reads the PNG).

    python examples/python/blur_image.py IN.png OUT.jpg OUT-thumb.jpg [STRENGTH]
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

from activity_core import media


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print("usage: blur_image.py IN.png OUT.jpg OUT-thumb.jpg [STRENGTH]", file=sys.stderr)
        return 2
    image = Image.open(argv[1]).convert("RGBA")
    strength = float(argv[4]) if len(argv) > 4 else True
    result = media.process(image.tobytes(), image.width, image.height, blur=strength)
    Path(argv[2]).write_bytes(result.full)
    Path(argv[3]).write_bytes(result.thumbnail)
    print(f"{argv[2]}: {result.full_size[0]}x{result.full_size[1]}, sha256 {result.full_sha256}")
    print(f"{argv[3]}: {result.thumbnail_size[0]}x{result.thumbnail_size[1]}, {result.timings.total * 1000:.1f} ms in all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
