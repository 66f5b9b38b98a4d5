#!/usr/bin/env bash
# Cargo's runner for x86_64-pc-windows-gnu (see .cargo/config.toml): runs a Windows program
# under Wine, in this project's own Wine prefix.
#
# Wine 8.0 lacks ProcessPrng, which Rust's standard library imports from bcryptprimitives.dll;
# a test-only DLL forwarding it to RtlGenRandom (scripts/windows/processprng.c) is built with
# mingw and put next to the program, and Wine told to prefer it. Real Windows needs none of this.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exe="$1"
shift
dir="$(dirname "$exe")"
export WINEPREFIX="${WINEPREFIX:-$HOME/.cache/activity-core-wine}"
export WINEARCH=win64
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="bcryptprimitives=n,b${WINEDLLOVERRIDES:+;$WINEDLLOVERRIDES}"
(
    flock 9
    if [ ! -f "$dir/bcryptprimitives.dll" ]; then
        x86_64-w64-mingw32-gcc -O2 -shared -o "$dir/bcryptprimitives.dll.tmp" \
            "$here/windows/processprng.c" "$here/windows/processprng.def" -ladvapi32
        mv "$dir/bcryptprimitives.dll.tmp" "$dir/bcryptprimitives.dll"
    fi
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
        wine wineboot -i >/dev/null 2>&1 || true
        wineserver -w || true
    fi
) 9>"$dir/.wine-run.lock"
# Debian puts wine64 in /usr/lib/wine; `wine` is its launcher.
exec wine "$exe" "$@"
