#!/usr/bin/env bash
# Builds the C library and installs it under PREFIX: lib/libactivity_core.so (with its soname
# links) and .a, include/activity_core.h, lib/pkgconfig/activity_core.pc (relocatable),
# lib/cmake/activity_core/ (find_package), and the browser extension's native messaging host
# bin/activity-core-browser-host. Then
#   cc app.c $(pkg-config --cflags --libs activity_core)
# works with PKG_CONFIG_PATH=PREFIX/lib/pkgconfig (or PREFIX=/usr/local), and CMake finds it
# with CMAKE_PREFIX_PATH=PREFIX.
#
#   scripts/install-c.sh [--debug] PREFIX      (--debug: the dev build, as the tests use)
#   scripts/install-c.sh --from DIR PREFIX     (no build: the artifacts in DIR, as dist.sh uses)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
from=""
case "${1:-}" in
    --debug) profile=debug; shift ;;
    --from) from="$2"; shift 2 ;;
esac
if [ $# -ne 1 ]; then
    echo "usage: scripts/install-c.sh [--debug | --from DIR] PREFIX" >&2
    exit 2
fi
mkdir -p "$1"
prefix="$(cd "$1" && pwd)"
if [ -z "$from" ]; then
    flags=(--quiet)
    [ "$profile" = release ] && flags+=(--release)
    cargo build "${flags[@]}" -p activity-core-c
    cargo build "${flags[@]}" -p activity-core --bin activity-core-browser-host
    from="${CARGO_TARGET_DIR:-target}/$profile"
fi
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
major="${version%%.*}"
minor="${version#*.}"; minor="${minor%%.*}"
# The soname: libactivity_core.so.0.MINOR while the major version is 0 (each 0.x minor may
# break the ABI), libactivity_core.so.MAJOR after (bindings-c/build.rs sets the same).
if [ "$major" = 0 ]; then soversion="0.$minor"; else soversion="$major"; fi
install -d "$prefix/lib" "$prefix/include" "$prefix/bin"
install -m 0755 "$from/activity-core-browser-host" "$prefix/bin/activity-core-browser-host"
install -m 0755 "$from/libactivity_core.so" "$prefix/lib/libactivity_core.so.$version"
ln -sf "libactivity_core.so.$version" "$prefix/lib/libactivity_core.so.$soversion"
ln -sf "libactivity_core.so.$soversion" "$prefix/lib/libactivity_core.so"
install -m 0644 "$from/libactivity_core.a" "$prefix/lib/libactivity_core.a"
install -m 0644 include/activity_core.h "$prefix/include/activity_core.h"
./scripts/c-package-files.sh linux "$prefix"
echo "installed activity_core $version under $prefix (from $from)"
