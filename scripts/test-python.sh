#!/usr/bin/env bash
# The Python module's checks and tests (run by scripts/test.sh, with --wheel DIST_WHEEL: the
# release wheel scripts/dist.sh made; alone, it builds a dev wheel with maturin),
# installs it with pip into a fresh venv, checks the stubs (mypy.stubtest) and the examples
# (mypy --strict), runs the examples, then runs pytest (warnings are errors) on a copy of the
# tests outside the repository, so only the installed wheel can be imported.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }
repo="$PWD"
out="$repo/target/python"
venv="$out/venv"
rm -rf "$out"
mkdir -p "$out/wheels"

if [ "${1:-}" = "--wheel" ]; then
    # The shipped wheel (scripts/dist.sh): the suite runs against what users install.
    step "the wheel under test: $2"
    cp "$2" "$out/wheels/"
else
    step "build the wheel (maturin, dev profile: shares the test build)"
    python3 -m pip install -q --disable-pip-version-check "maturin>=1.16,<2" 2>/dev/null \
        || python3 -m pip install -q --disable-pip-version-check --break-system-packages "maturin>=1.16,<2"
    python3 -m maturin build --profile dev --auditwheel skip -q -m bindings-python/Cargo.toml -o "$out/wheels"
fi

step "the browser extension's native messaging host (test_browser.py installs and runs it)"
cargo build --quiet -p activity-core --bin activity-core-browser-host
export AC_BROWSER_HOST="$repo/target/debug/activity-core-browser-host" AC_REPO="$repo"

step "a fresh venv with the wheel installed by pip"
python3 -m venv "$venv"
# The engines of organisation reports (activity_core.org): DuckDB and pyarrow are wheels;
# pyspark is a 456 MB source archive, kept once under ~/.cache (as the dist venv is).
pip_cache="${XDG_CACHE_HOME:-$HOME/.cache}/activity-core/pip-dl"
PYSPARK=pyspark==4.3.0
if ! ls "$pip_cache"/pyspark-4.3.0.tar.gz >/dev/null 2>&1; then
    python3 -m pip download -q --disable-pip-version-check --no-deps -d "$pip_cache" "$PYSPARK"
fi
"$venv/bin/pip" install -q --disable-pip-version-check "$out"/wheels/activity_core-*.whl \
    pytest mypy numpy pillow boto3 "moto[server]" websocket-client duckdb==2.0.1 pyarrow==26.0.1 \
    "$pip_cache"/pyspark-4.3.0.tar.gz
cd "$out"   # outside the repository from here on
"$venv/bin/python" -c "import activity_core, sys; print('activity_core', activity_core.__version__, 'from', activity_core.__file__)"

step "stubs match the module (mypy.stubtest), examples type-check (mypy --strict)"
"$venv/bin/python" -m mypy.stubtest activity_core --allowlist "$repo/bindings-python/stubtest-allowlist.txt"
"$venv/bin/python" -m mypy --strict --no-incremental "$repo/examples/python/track.py" "$repo/examples/python/blur_image.py"

step "examples run"
"$venv/bin/python" - <<'PY'
from PIL import Image, ImageDraw
img = Image.new("RGB", (400, 240), "white")
d = ImageDraw.Draw(img)
for y in range(10, 230, 18):
    d.text((10, y), "Quarterly numbers: revenue 1,234,567 - confidential", fill="black")
img.save("in.png")
PY
"$venv/bin/python" "$repo/examples/python/blur_image.py" in.png out.jpg out-thumb.jpg
"$venv/bin/python" - <<'PY'
from PIL import Image
import numpy as np
full = np.asarray(Image.open("out.jpg").convert("L"), dtype=int)
assert full.shape == (240, 400), full.shape
assert np.abs(np.diff(full, axis=1)).max() < 60, "text edges survived the blur"
print("blur_image.py output ok")
PY

step "pytest against the installed wheel (warnings are errors)"
cp -r "$repo/bindings-python/tests" "$out/tests"
PATH="$venv/bin:$PATH" "$venv/bin/python" -m pytest -W error -q -p no:cacheprovider "$out/tests"

step "the README's Python example runs"
python3 - "$repo/README.md" > "$out/readme_example.py" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"```python\n(.*?)```", text, re.S)
assert blocks, "no python block in the README"
print(blocks[0])
PY
"$venv/bin/python" "$out/readme_example.py"
echo "Python module: all checks passed"
