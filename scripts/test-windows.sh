#!/usr/bin/env bash
# Windows, for real, on this Linux machine: the crate, the C library and the main job cross-built
# for x86_64-pc-windows-gnu with mingw-w64 and run under Wine on a virtual X display (run by
# scripts/test.sh; alone it installs what it needs: mingw-w64, Wine, the Rust target).
#
# - the core test suite under Wine (cargo-nextest with Wine as the target runner, profile `wine`
#   of .config/nextest.toml); its storage tests talk to one S3 server (moto) on 127.0.0.1
#   started here, outside Wine;
# - activity_core.dll packed by scripts/install-c-windows.sh, and the C tests compiled with mingw
#   against it and run under Wine;
# - track.exe for 45 s while a scripted user types into Notepad and the Registry Editor
#   (scripts/windows-track.py checks the records, counts and screenshots).
#
# Wine is not Windows: what it does not enforce (file ACLs) is said in the README's Windows
# section, and the tests that need Linux (X11, Wayland, D-Bus, Unix sockets, starting Linux
# programs) are compiled out of the Windows build, each with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> [windows] %s\n' "$*"; }
target=x86_64-pc-windows-gnu
out=target/windows
mkdir -p "$out"

if [ "${1:-}" != "--no-install" ]; then
    step "packages: mingw-w64, Wine, the Rust target"
    ./scripts/install-deps.sh --windows
fi
export WINEPREFIX="${WINEPREFIX:-$HOME/.cache/activity-core-wine}"
export WINEDEBUG=-all
unset WAYLAND_DISPLAY XDG_SESSION_TYPE

step "a display for Wine: Xvfb 1280x800 + openbox"
rm -f "$out/display.num"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$out/display.num" >/dev/null 2>&1 &
xvfb=$!
moto=""
wm=""
cleanup() {
    wineserver -k 2>/dev/null || true
    kill $wm $xvfb $moto 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$out/display.num" ] && break; sleep 0.1; done
export DISPLAY=":$(head -n 1 "$out/display.num")"
openbox >"$out/openbox.log" 2>&1 &
wm=$!
for _ in $(seq 150); do
    xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q window && break
    sleep 0.1
done

step "the Wine prefix ($WINEPREFIX) with the ProcessPrng shim"
# wine-run.sh prepares the prefix on first use; `cmd /c ver` is a harmless first use.
./scripts/wine-run.sh cmd /c ver

step "an S3 server on 127.0.0.1 for the storage tests (outside Wine)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
moto_server -H 127.0.0.1 -p "$port" >"$out/moto.log" 2>&1 &
moto=$!
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" \
        2>/dev/null && break
    sleep 0.2
done
export AC_TEST_S3_SERVER="http://127.0.0.1:$port"

step "core tests, cross-built for $target, run under Wine"
cargo nextest run --target "$target" -p activity-core --all-features --profile wine --no-fail-fast

step "C library: activity_core.dll, import library, header, .pc, zip"
./scripts/install-c-windows.sh --debug "$out/c/prefix"
prefix="$out/c/prefix"
test -f "$prefix/bin/activity_core.dll" && test -f "$prefix/lib/libactivity_core.dll.a"
# pkg-config gives the flags, as on Linux.
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs activity_core

step "C tests compiled with mingw against activity_core.dll, run under Wine"
# libjpeg for test_api.c's decoding: the libjpeg-turbo the build cross-compiled already.
jpeg="$(ls -d target/$target/debug/build/turbojpeg-sys-*/out 2>/dev/null | head -n 1)"
test -n "$jpeg" && test -f "$jpeg/lib/libjpeg.a"
# shellcheck disable=SC2046
for t in test_api test_tracker; do
    x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -g \
        $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags activity_core) \
        -I"$jpeg/include" "bindings-c/tests/$t.c" -o "$out/c/$t.exe" \
        $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --libs activity_core) \
        -L"$jpeg/lib" -ljpeg -lm -Wl,-Bstatic -lpthread -Wl,-Bdynamic
done
# A program finds its DLLs next to it.
cp "$prefix/bin/activity_core.dll" "$out/c/"
for t in test_api test_tracker; do
    (cd "$out/c" && ../../../scripts/wine-run.sh "./$t.exe")
done

step "main job: track.exe under Wine, a scripted user in Notepad and the Registry Editor"
cargo build --quiet --target "$target" --all-features --example track
rm -rf "$out/track"
mkdir -p "$out/track"
python3 scripts/windows-track.py "target/$target/debug/examples/track.exe" "$out/track"

step "windows: all passed"
