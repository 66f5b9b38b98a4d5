#!/usr/bin/env bash
# Cross-builds the C library for Windows (x86_64-pc-windows-gnu, with mingw-w64) and installs it
# under PREFIX, then packs PREFIX into a zip next to it:
#   bin/activity_core.dll                   the library (exports the ac_* functions only)
#   bin/activity-core-browser-host.exe      the browser extension's native messaging host
#   lib/libactivity_core.dll.a              import library for mingw-w64 / clang (GNU format)
#   lib/activity_core.def                   its exports: MSVC makes its import library with
#                                           `lib /def:activity_core.def /machine:x64 /out:activity_core.lib`
#   lib/pkgconfig/activity_core.pc          x86_64-w64-mingw32-gcc app.c $(pkg-config --cflags --libs activity_core)
#   lib/cmake/activity_core/                find_package(activity_core) -> activity_core::activity_core
#   include/activity_core.h                 the same header as on Linux
# Dynamic linking only: the static archive would need the import libraries of a dozen Windows
# DLLs and of the Rust crates that bring their own (windows-targets), so it is not shipped.
#
#   scripts/install-c-windows.sh [--debug] PREFIX     (--debug: the dev build, as the tests use)
#   scripts/install-c-windows.sh --from DIR PREFIX    (no build: the artifacts in DIR; no zip)
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
profile=release
out=""
case "${1:-}" in
    --debug) profile=debug; shift ;;
    --from) out="$2"; shift 2 ;;
esac
if [ $# -ne 1 ]; then
    echo "usage: scripts/install-c-windows.sh [--debug | --from DIR] PREFIX" >&2
    exit 2
fi
zip_it=1
if [ -z "$out" ]; then
    flags=(--quiet --target "$target")
    [ "$profile" = release ] && flags+=(--release)
    cargo build "${flags[@]}" -p activity-core-c
    cargo build "${flags[@]}" -p activity-core --bin activity-core-browser-host
    out="${CARGO_TARGET_DIR:-target}/$target/$profile"
else
    zip_it=0
fi
mkdir -p "$1"
prefix="$(cd "$1" && pwd)"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
install -d "$prefix/bin" "$prefix/lib" "$prefix/include"
install -m 0755 "$out/activity_core.dll" "$prefix/bin/activity_core.dll"
install -m 0755 "$out/activity-core-browser-host.exe" "$prefix/bin/activity-core-browser-host.exe"
install -m 0644 "$out/libactivity_core.dll.a" "$prefix/lib/libactivity_core.dll.a"
install -m 0644 include/activity_core.h "$prefix/include/activity_core.h"
# The .def file: the DLL's export table, as MSVC's `lib` reads it.
{
    echo "LIBRARY activity_core.dll"
    echo "EXPORTS"
    x86_64-w64-mingw32-objdump -p "$prefix/bin/activity_core.dll" |
        awk '/\[Ordinal\/Name Pointer\] Table/{f=1; next} f && /^\t\[/{print "    " $NF; next} {f=0}'
} > "$prefix/lib/activity_core.def"
# Besides ac_*, the DLL exports two dependencies' C APIs that no linker option here removes
# (on Linux, --exclude-libs hides them): crc-fast's (crc_fast_*: object_store turns on its
# default `ffi` feature) and aws-lc's jitterentropy (aws_lc_*_jent_*: declared dllexport in its C
# source). The header declares neither; anything else fails here.
others="$(sed -n '3,$p' "$prefix/lib/activity_core.def" |
    grep -vE '^    (ac_|crc_fast_|aws_lc_[0-9_]+_jent_)' || true)"
if [ -n "$others" ]; then
    echo "activity_core.dll exports more than ac_* (and the known two):"; echo "$others" | head
    exit 1
fi
./scripts/c-package-files.sh windows "$prefix"
if [ "$zip_it" = 0 ]; then
    echo "installed activity_core $version ($target) under $prefix (from $out)"
    exit 0
fi
zip="$(dirname "$prefix")/activity-core-$version-$target.zip"
python3 - "$prefix" "$zip" <<'PY'
import os, sys, zipfile
prefix, zip_path = sys.argv[1], sys.argv[2]
root = os.path.basename(zip_path)[:-4]
with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
    for dirpath, _, files in os.walk(prefix):
        for f in sorted(files):
            full = os.path.join(dirpath, f)
            z.write(full, os.path.join(root, os.path.relpath(full, prefix)))
PY
echo "installed activity_core $version ($profile, $target) under $prefix; packed $zip"
