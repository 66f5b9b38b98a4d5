#!/usr/bin/env bash
# Regenerates include/activity_core.h from bindings-c with the pinned cbindgen (installed if
# missing). `--check` fails instead when the committed header differs.
set -euo pipefail
cd "$(dirname "$0")/.."
CBINDGEN_VERSION=0.29.4
if ! cbindgen --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
    cargo install --quiet --locked cbindgen --version "$CBINDGEN_VERSION"
fi
generate() {
    cbindgen --quiet --config bindings-c/cbindgen.toml --crate activity-core-c --output "$1" bindings-c
}
if [ "${1:-}" = "--check" ]; then
    fresh="$(mktemp)"
    generate "$fresh"
    if ! diff -u include/activity_core.h "$fresh"; then
        echo "include/activity_core.h differs from what cbindgen $CBINDGEN_VERSION generates: run scripts/c-header.sh and commit it" >&2
        exit 1
    fi
    rm -f "$fresh"
    echo "include/activity_core.h is up to date"
else
    generate include/activity_core.h
fi
