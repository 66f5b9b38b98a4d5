#!/usr/bin/env bash
# Runs every check and test of the workspace. Works on a fresh Debian 12 machine with a Rust
# toolchain: it installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

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

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "unit, property and integration tests (nextest)"
cargo nextest run --workspace --all-targets --no-fail-fast

step "doc tests"
cargo test --workspace --doc

step "docs build without warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "OCR referee: tesseract must not read blurred text (also after deconvolution)"
# The dev build shares its dependencies with the tests above (no extra release build).
cargo build --quiet --example screenshot_pipeline
python3 activity-core/tests/ocr_blur.py --pipeline target/debug/examples/screenshot_pipeline

step "main job smoke run: replay_day"
cargo run --quiet --example replay_day > target/replay_day.out
grep -q "Top applications:" target/replay_day.out
tail -n 15 target/replay_day.out

step "all tests passed"
