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
python3 scripts/bench_pair.py C "rm -rf /tmp/ac-ffi-bench && target/c/ffi_bench /tmp/ac-ffi-bench" \
    "record_input_ns:ns:<= 1.5x" "media_ms:ms:within 5 %"
