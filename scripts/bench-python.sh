#!/usr/bin/env bash
# The Python module's benchmark: benches/python_ffi.py (against a release wheel installed in its
# own venv) and the Rust reference (benches/ffi_reference.rs) run one after the other in this run,
# on the same inputs; prints each figure and the ratio Python / Rust. The figure for
# record_input includes the interpreter's own call overhead, so the loop of a Python call to a
# function doing nothing is printed next to it. Goals: media within 5 % of Rust.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/target/python-bench"
rm -rf "$out"
mkdir -p "$out/wheels"
python3 -m pip install -q --disable-pip-version-check "maturin>=1.16,<2" 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages "maturin>=1.16,<2"
python3 -m maturin build --release --auditwheel skip -q -m bindings-python/Cargo.toml -o "$out/wheels"
python3 -m venv "$out/venv"
"$out/venv/bin/pip" install -q --disable-pip-version-check "$out"/wheels/activity_core-*.whl numpy
cargo bench --quiet --no-run --bench ffi_reference 2>/dev/null
# Alternate the two three times (this machine's speed drifts); keep each side's best.
py="" rust=""
for _ in 1 2 3; do
    py+="$(cd "$out" && "$out/venv/bin/python" "$OLDPWD/benches/python_ffi.py")"$'\n'
    rust+="$(cargo bench --quiet --bench ffi_reference 2>/dev/null)"$'\n'
done
python3 - "$py" "$rust" <<'PY'
import sys
def parse(s):
    best = {}
    for line in s.strip().splitlines():
        k, v = line.split()
        best[k] = min(best.get(k, float("inf")), float(v))
    return best
p, r = parse(sys.argv[1]), parse(sys.argv[2])
print(f"{'record_input_ns':16} Python {p['record_input_ns']:9.3f} ns   Rust {r['record_input_ns']:9.3f} ns   Python/Rust {p['record_input_ns'] / r['record_input_ns']:.1f}x")
print(f"{'':16} (a Python call to a function doing nothing: {p['python_loop_ns']:.1f} ns; record_input costs {p['record_input_ns'] / p['python_loop_ns']:.2f}x that)")
for name in ("media_ms", "media_numpy_ms"):
    print(f"{name:16} Python {p[name]:9.3f} ms   Rust {r['media_ms']:9.3f} ms   Python/Rust {p[name] / r['media_ms']:.3f}x   (goal within 5 %)")
PY
