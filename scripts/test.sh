#!/usr/bin/env bash
# Runs every check and test of the workspace. Works on a fresh Debian 12 machine with a Rust
# toolchain: it installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
# A one-off run gains nothing from incremental compilation, and its caches cost gigabytes of disk.
export CARGO_INCREMENTAL=0

step() { printf '\n==> %s\n' "$*"; }

step "system packages"
./scripts/install-deps.sh --test

step "python packages"
PIP="python3 -m pip install -q --disable-pip-version-check"
# Pillow/NumPy/scikit-image: the OCR referee and the benchmark frames; moto: the S3 server the
# storage tests start on 127.0.0.1.
PY_PACKAGES=(pillow numpy scikit-image "moto[server]")
$PIP "${PY_PACKAGES[@]}" 2>/dev/null || $PIP --break-system-packages "${PY_PACKAGES[@]}"
python3 -c "import PIL, numpy, skimage, moto"
command -v moto_server >/dev/null

step "tools"
if command -v rustup >/dev/null 2>&1; then
    rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi
if ! cargo nextest --version >/dev/null 2>&1; then
    cargo install --locked cargo-nextest
fi

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --all-targets -- -D warnings (the API as embedders build it, and with the internals the tests use)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy --workspace --all-targets --all-features -- -D warnings
# Windows (cross-built with mingw-w64): the win32 backends, the pipe bridge, the DACL code.
cargo clippy --target x86_64-pc-windows-gnu --workspace --all-targets --all-features -- -D warnings

step "unit, property and integration tests (nextest)"
# --all-features: the record store and outbox tests need the `internals` feature; --all-targets
# builds the examples too (the outage test runs the `screenshots` tool).
cargo build --quiet --examples --all-features
cargo nextest run --workspace --all-targets --all-features --no-fail-fast

step "doc tests"
cargo test --workspace --doc

step "docs build without warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "C API: header, exports, pkg-config, examples, C tests under sanitizers and valgrind"
./scripts/test-c.sh

step "release artifacts: scripts/dist.sh, checked from a user's seat by scripts/test-dist.sh"
# The wheels, C archives, crate and extension zips users install (README, Installing).
./scripts/dist.sh
./scripts/test-dist.sh
# A clone's own target folder is not reused between runs: drop the release builds only the
# artifacts needed (about 5 GB), so the rest of the run has the disk. A CARGO_TARGET_DIR kept
# outside the clone is a cache and stays whole.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
    rm -rf target/zig-c target/zig-wheel target/x86_64-pc-windows-gnu/release target/test-dist
fi

step "Python module: the release wheel in a fresh venv, stubtest, mypy --strict, pytest"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
./scripts/test-python.sh --wheel "dist/activity_core-$version-cp311-abi3-manylinux_2_28_x86_64.whl"

step "OCR referee: tesseract must not read blurred text (also after deconvolution)"
# The dev build shares its dependencies with the tests above (no extra release build).
cargo build --quiet --all-features --example screenshot_pipeline
python3 activity-core/tests/ocr_blur.py --pipeline target/debug/examples/screenshot_pipeline

step "main job smoke run: track on a virtual display, with an export"
# The dev build shares its dependencies with the tests above; scripts/track.sh builds release.
cargo build --quiet --all-features --example track
rm -rf target/track-smoke
target/debug/examples/track --virtual-display --for 25s --slot 1m --frequency 10s \
    --data-dir target/track-smoke --export target/track-smoke/export.json > target/track.out
tail -n 20 target/track.out
python3 - <<'PY'
import json
d = json.load(open("target/track-smoke/export.json"))
assert d["slots"] and d["activities"] and d["screenshots"], d
assert all(s["tracked_seconds"] > 0 for s in d["slots"])
assert all(s["width"] == 1920 and s["height"] == 1080 for s in d["screenshots"])
print("export ok:", {k: len(v) for k, v in d.items()})
PY

step "Windows: the core tests, the C library and the main job, cross-built and run under Wine"
./scripts/test-windows.sh --no-install

step "all tests passed"
du -sh target 2>/dev/null || true
