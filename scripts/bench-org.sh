#!/usr/bin/env bash
# Org scale, measured: benches/org_scale.py (see its docstring) with a release build of the
# `org_seed` example and the release wheel, DuckDB, pyarrow, pyspark (Spark local mode, Java 17)
# and PostgreSQL 15 (Debian's package, started in a temporary folder). Not part of the test
# run (it generates gigabytes: 5,000 employees' month).
#   ./scripts/bench-org.sh [--sizes 100,1000,5000] [--postgres-size 1000] [--spark]
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/activity-core"
out="${AC_BENCH_OUT:-/tmp/ac-org-bench}"
mkdir -p "$out" "$cache"

missing=()
for p in postgresql-15 openjdk-17-jre-headless; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cargo build --quiet --release --features internals -p activity-core --example org_seed
python3 -m pip install -q --disable-pip-version-check "maturin>=1.16,<2" 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages "maturin>=1.16,<2"
rm -rf "$out/wheels"
python3 -m maturin build --release --auditwheel skip -q -m bindings-python/Cargo.toml -o "$out/wheels"
venv="$cache/bench-org-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! ls "$cache"/pip-dl/pyspark-4.3.0.tar.gz >/dev/null 2>&1; then
    python3 -m pip download -q --disable-pip-version-check --no-deps -d "$cache/pip-dl" pyspark==4.3.0
fi
"$venv/bin/pip" install -q --disable-pip-version-check duckdb==2.0.1 pyarrow==26.0.1 "psycopg[binary]>=3.2,<4" \
    "$cache"/pip-dl/pyspark-4.3.0.tar.gz
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$out"/wheels/activity_core-*.whl
"$venv/bin/python" "$repo/benches/org_scale.py" --seed "$repo/target/release/examples/org_seed" --out "$out" "$@"
