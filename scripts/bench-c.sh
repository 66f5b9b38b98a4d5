#!/usr/bin/env bash
# The C API's benchmark: the C program (benches/c/ffi_bench.c, against the release library) and
# the Rust reference (benches/ffi_reference.rs) run one after the other in this run, on the same
# inputs; prints each figure and the ratio C / Rust. Goals: record_input <= 1.5x, media within 5 %.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="$PWD/target/c/bench-prefix"
./scripts/install-c.sh "$prefix" >/dev/null
cc -O2 -std=c11 benches/c/ffi_bench.c -I"$prefix/include" -L"$prefix/lib" \
    -Wl,-rpath,"$prefix/lib" -lactivity_core -o target/c/ffi_bench
cargo bench --quiet --no-run --bench ffi_reference 2>/dev/null
# Alternate the two three times (this machine's speed drifts); keep each side's best.
c="" rust=""
for _ in 1 2 3; do
    rm -rf /tmp/ac-ffi-bench
    c+="$(target/c/ffi_bench /tmp/ac-ffi-bench)"$'\n'
    rust+="$(cargo bench --quiet --bench ffi_reference 2>/dev/null)"$'\n'
done
python3 - "$c" "$rust" <<'PY'
import sys
def parse(s):
    best = {}
    for line in s.strip().splitlines():
        k, v = line.split()
        best[k] = min(best.get(k, float("inf")), float(v))
    return best
c, r = parse(sys.argv[1]), parse(sys.argv[2])
for name, unit, goal in [("record_input_ns", "ns", "<= 1.5x"), ("media_ms", "ms", "within 5 %")]:
    print(f"{name:16} C {c[name]:9.3f} {unit}   Rust {r[name]:9.3f} {unit}   C/Rust {c[name] / r[name]:.3f}x   (goal {goal})")
PY
