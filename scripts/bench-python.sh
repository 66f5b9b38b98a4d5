#!/usr/bin/env bash
# The Python module's benchmark: benches/python_ffi.py (against a release wheel installed in its
# own venv) and the Rust reference (benches/ffi_reference.rs) run one after the other in this run,
# on the same inputs (scripts/bench_pair.py); prints each figure and the ratio Python / Rust. The
# figure for record_input includes the interpreter's own call overhead, so a Python call to a
# function doing nothing is printed next to it. Goal: media within 5 % of Rust.
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
python3 scripts/bench_pair.py Python "cd '$out' && '$out/venv/bin/python' '$PWD/benches/python_ffi.py'" \
    "record_input_ns:ns:" "python_loop_ns=-:ns:a Python call to a function doing nothing" \
    "media_ms:ms:within 5 %" "media_numpy_ms=media_ms:ms:within 5 %"
