#!/usr/bin/env bash
# Builds the C library and installs it under PREFIX: lib/libactivity_core.so (with its soname
# links) and .a, include/activity_core.h, lib/pkgconfig/activity_core.pc, and the browser
# extension's native messaging host bin/activity-core-browser-host. Then
#   cc app.c $(pkg-config --cflags --libs activity_core)
# works with PKG_CONFIG_PATH=PREFIX/lib/pkgconfig (or PREFIX=/usr/local).
#
#   scripts/install-c.sh [--debug] PREFIX      (--debug: the dev build, as the tests use)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
if [ "${1:-}" = "--debug" ]; then
    profile=debug
    shift
fi
if [ $# -ne 1 ]; then
    echo "usage: scripts/install-c.sh [--debug] PREFIX" >&2
    exit 2
fi
mkdir -p "$1"
prefix="$(cd "$1" && pwd)"
if [ "$profile" = release ]; then
    cargo build --quiet --release -p activity-core-c
    cargo build --quiet --release -p activity-core --bin activity-core-browser-host
else
    cargo build --quiet -p activity-core-c
    cargo build --quiet -p activity-core --bin activity-core-browser-host
fi
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
major="${version%%.*}"
minor="${version#*.}"; minor="${minor%%.*}"
# The soname: libactivity_core.so.0.MINOR while the major version is 0 (each 0.x minor may
# break the ABI), libactivity_core.so.MAJOR after (bindings-c/build.rs sets the same).
if [ "$major" = 0 ]; then soversion="0.$minor"; else soversion="$major"; fi
target="${CARGO_TARGET_DIR:-target}/$profile"
install -d "$prefix/lib/pkgconfig" "$prefix/include" "$prefix/bin"
install -m 0755 "$target/activity-core-browser-host" "$prefix/bin/activity-core-browser-host"
install -m 0755 "$target/libactivity_core.so" "$prefix/lib/libactivity_core.so.$version"
ln -sf "libactivity_core.so.$version" "$prefix/lib/libactivity_core.so.$soversion"
ln -sf "libactivity_core.so.$soversion" "$prefix/lib/libactivity_core.so"
install -m 0644 "$target/libactivity_core.a" "$prefix/lib/libactivity_core.a"
install -m 0644 include/activity_core.h "$prefix/include/activity_core.h"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" bindings-c/activity_core.pc.in \
    > "$prefix/lib/pkgconfig/activity_core.pc"
echo "installed activity_core $version ($profile) under $prefix"
