#!/usr/bin/env bash
# The C API's checks and tests (run by scripts/test.sh; needs the packages it installs):
# the header is what the pinned cbindgen generates and compiles alone as C11 and C++17; the
# shared library exports only ac_*; install + pkg-config; the examples build and run; the C tests
# run under AddressSanitizer + UndefinedBehaviorSanitizer and, built without them, under valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*"; }
out=target/c
mkdir -p "$out"
WARN=(-Wall -Wextra -Wpedantic -Werror)

step "C header: regenerated with the pinned cbindgen, no difference"
./scripts/c-header.sh --check

step "C header compiles on its own (C11 and C++17, -Wall -Wextra -Wpedantic -Werror)"
cc -std=c11 "${WARN[@]}" -fsyntax-only -x c include/activity_core.h
c++ -std=c++17 "${WARN[@]}" -fsyntax-only -x c++ include/activity_core.h

step "install (debug build) and pkg-config"
prefix="$PWD/$out/prefix"
rm -rf "$prefix"
./scripts/install-c.sh --debug "$prefix"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --modversion activity_core

step "the shared library exports only ac_* symbols"
so="$prefix/lib/libactivity_core.so"
others="$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^ac_' || true)"
if [ -n "$others" ]; then
    echo "exported besides ac_*:"; echo "$others" | head -20; exit 1
fi
echo "$(nm -D --defined-only "$so" | wc -l) symbols, all ac_*"
readelf -d "$so" | grep -q 'SONAME.*\[libactivity_core.so.0.1\]'
readelf -d "$so" | grep -q 'FLAGS_1.*NODELETE'

step "examples build with pkg-config, exactly as the README shows"
# shellcheck disable=SC2046
cc examples/c/blur.c $(pkg-config --cflags --libs activity_core) -o "$out/blur"
# shellcheck disable=SC2046
cc examples/c/track.c $(pkg-config --cflags --libs activity_core) -o "$out/track"
# C++ programs include the same header.
printf '#include <activity_core.h>\n#include <cstdio>\nint main() { std::puts(ac_version()); return 0; }\n' > "$out/hello.cpp"
# shellcheck disable=SC2046
c++ -std=c++17 "${WARN[@]}" "$out/hello.cpp" $(pkg-config --cflags --libs activity_core) -o "$out/hello"
"$out/hello"

step "a virtual display for the tracker tests (Xvfb + openbox)"
# -displayfd: Xvfb picks a free display number and writes it to fd 3.
rm -f "$out/display.num"
Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$out/display.num" >/dev/null 2>&1 &
xvfb=$!
for _ in $(seq 100); do [ -s "$out/display.num" ] && break; sleep 0.1; done
display=":$(head -n 1 "$out/display.num")"
for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done
export DISPLAY="$display"
unset WAYLAND_DISPLAY XDG_SESSION_TYPE
# The window manager: wait until it manages the screen (the tracker needs EWMH); on a loaded
# machine openbox may take seconds, and it has been seen to exit at start-up, even after it had
# set _NET_SUPPORTING_WM_CHECK (a CI run's track.c then found no window manager): so it must
# also still run a moment later, and `ensure_wm` checks it again before each tracker step.
# Retry, then fail naming what it printed.
wm=""
trap 'kill $wm $xvfb 2>/dev/null || true' EXIT
wm_manages() {
    kill -0 "$wm" 2>/dev/null && xprop -root _NET_SUPPORTING_WM_CHECK 2>/dev/null | grep -q window
}
start_wm() {
    local attempt
    for attempt in 1 2 3; do
        openbox >"$out/openbox.log" 2>&1 &
        wm=$!
        for _ in $(seq 150); do
            if wm_manages; then
                sleep 0.5
                wm_manages && return 0
            fi
            kill -0 "$wm" 2>/dev/null || break
            sleep 0.1
        done
        echo "openbox did not manage $display (attempt $attempt): $(tail -n 5 "$out/openbox.log")" >&2
        kill "$wm" 2>/dev/null || true
        wait "$wm" 2>/dev/null || true
    done
    echo "no window manager: giving up" >&2
    exit 1
}
ensure_wm() {
    wm_manages && return 0
    echo "openbox stopped managing $display; it printed: $(tail -n 5 "$out/openbox.log"); restarting it" >&2
    kill "$wm" 2>/dev/null || true
    wait "$wm" 2>/dev/null || true
    start_wm
}
start_wm
DISPLAY="$display" xterm -T "C API test" -e sh -c 'sleep 600' >/dev/null 2>&1 &

step "examples run: blur a PPM, track this display"
python3 - "$out/in.ppm" <<'PY'
import sys
w, h = 320, 200
rows = bytearray()
for y in range(h):
    for x in range(w):
        v = 255 if (x // 8 + y // 8) % 2 else 0
        rows += bytes((v, x * 255 // w, 90))
open(sys.argv[1], "wb").write(b"P6\n320 200\n255\n" + bytes(rows))
PY
"$out/blur" "$out/in.ppm" "$out/blurred.jpg" "$out/blurred-thumb.jpg"
python3 - "$out/blurred.jpg" "$out/blurred-thumb.jpg" <<'PY'
import sys
from PIL import Image, ImageStat
full, thumb = (Image.open(p).convert("L") for p in sys.argv[1:3])
assert full.size == (320, 200) and thumb.size == (320, 200), (full.size, thumb.size)
# The checkerboard's hard edges (0 <-> 255 every 8 px) are gone.
px = full.load()
steps = max(abs(px[x, y] - px[x - 1, y]) for y in range(0, 200, 10) for x in range(1, 320))
assert steps < 40, steps
print("blurred output ok: largest step", steps)
PY
rm -rf "$out/track-data"
ensure_wm
# 13 s: a window that always holds a multiple of the 10-s schedule (captures are aligned).
"$out/track" 13 "$out/track-data" > "$out/track.out" || {
    echo "track.c failed; window manager $(wm_manages && echo managing || echo 'not managing'); openbox printed: $(tail -n 5 "$out/openbox.log")" >&2
    exit 1
}
grep -q '"event":"started"' "$out/track.out"
grep -q '"event":"slot_closed"' "$out/track.out"
grep -q '"event":"screenshot_taken"' "$out/track.out"
echo "track.c: $(grep -c '^event' "$out/track.out") events"

# test_browser.c installs and runs the browser host the install script put under PREFIX/bin;
# test_dlclose.c loads the library itself.
export AC_BROWSER_HOST="$prefix/bin/activity-core-browser-host"
export AC_LIBRARY="$prefix/lib/libactivity_core.so"

step "a plugin host: dlopen, a tracker, free, dlclose, go on"
cc -std=c11 -D_POSIX_C_SOURCE=200809L "${WARN[@]}" -g -Iinclude bindings-c/tests/dl/test_dlclose.c \
    -o "$out/test_dlclose" -ldl -lpthread
"$out/test_dlclose"

step "C tests under AddressSanitizer and UndefinedBehaviorSanitizer"
ensure_wm
CFLAGS=(-std=c11 -D_POSIX_C_SOURCE=200809L "${WARN[@]}" -g -Iinclude -Ibindings-c/tests)
LIBS=(-L"$prefix/lib" -Wl,-rpath,"$prefix/lib" -lactivity_core -ljpeg -lm -lpthread -ldl)
for t in bindings-c/tests/test_*.c; do
    name="$(basename "$t" .c)"
    cc "${CFLAGS[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer "$t" -o "$out/$name-asan" "${LIBS[@]}"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$out/$name-asan"
done

step "C tests under valgrind (built without sanitizers)"
ensure_wm
for t in bindings-c/tests/test_*.c; do
    name="$(basename "$t" .c)"
    cc "${CFLAGS[@]}" "$t" -o "$out/$name" "${LIBS[@]}"
    valgrind --error-exitcode=1 --leak-check=full -q \
        --suppressions="$prefix/share/activity_core/valgrind.supp" "$out/$name"
done
echo "C API: all checks passed"
