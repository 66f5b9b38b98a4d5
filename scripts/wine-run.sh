#!/usr/bin/env bash
# Cargo's runner for x86_64-pc-windows-gnu (see .cargo/config.toml): runs a Windows program
# under Wine, in this project's own Wine prefix.
#
# Wine 8.0 lacks ProcessPrng, which Rust's standard library imports from bcryptprimitives.dll;
# a test-only DLL forwarding it to RtlGenRandom (scripts/windows/processprng.c) is built with
# mingw into the prefix's system32, and Wine told to prefer it to its own: every program in the
# prefix finds it (the host and examples the tests start too). Real Windows needs none of this.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exe="$1"
shift
export WINEPREFIX="${WINEPREFIX:-$HOME/.cache/activity-core-wine}"
export WINEARCH=win64
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="bcryptprimitives=n,b${WINEDLLOVERRIDES:+;$WINEDLLOVERRIDES}"
mkdir -p "$WINEPREFIX"
(
    flock 9
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
        wine wineboot -i >/dev/null 2>&1 || true
        wineserver -w || true
    fi
    shim="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
    if ! grep -q ProcessPrng "$shim" 2>/dev/null; then
        x86_64-w64-mingw32-gcc -O2 -shared -o "$shim.tmp" \
            "$here/windows/processprng.c" "$here/windows/processprng.def" -ladvapi32
        mv "$shim.tmp" "$shim"
    fi
) 9>"$WINEPREFIX/.activity-core-setup.lock"
# Debian puts wine64 in /usr/lib/wine; `wine` is its launcher.
exec wine "$exe" "$@"
