#!/usr/bin/env bash
# Footprint of the main job on Wayland: `track` for 60 s on a headless sway (run as an
# unprivileged user, as the tests do) with windows and idle-based activity on and no
# screenshots, while a scripted user types into a foot window through the virtual-keyboard
# protocol. Prints the tracker's peak RSS and CPU share of one core, then the time of one
# wlr-screencopy screenshot (capture, and processing up to the outbox) beside an X11 one taken
# by the same build on Xvfb. Not part of the tests (machines here are noisy); the figures go
# into notes. Goals: RSS <= 15 MB, CPU <= 0.2 %. Needs root (it creates the user).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test >/dev/null
cargo build --quiet --release --example track
user=ac-wayland
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
rt=$(mktemp -d /tmp/ac-footprint-XXXXXX)
chown "$user" "$rt"
chmod 700 "$rt"
cp target/release/examples/track "$rt/track"
printf 'output HEADLESS-1 resolution 1280x800\ndefault_border none\n' > "$rt/sway.conf"
chmod 644 "$rt/sway.conf"
chmod 755 "$rt/track"
as_user() {
    setpriv --reuid="$user" --regid="$user" --init-groups -- env -i HOME="$rt" TMPDIR="$rt" \
        PATH=/usr/bin:/bin LANG=C.UTF-8 XDG_RUNTIME_DIR="$rt" WAYLAND_DISPLAY=wayland-1 \
        SWAYSOCK="$(ls "$rt"/sway-ipc.* 2>/dev/null | head -1)" "$@"
}
WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
    setpriv --reuid="$user" --regid="$user" --init-groups -- env -i HOME="$rt" PATH=/usr/bin:/bin \
    XDG_RUNTIME_DIR="$rt" WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
    sway -c "$rt/sway.conf" > "$rt/sway.log" 2>&1 &
sway_pid=$!
cleanup() { pkill -u "$user" || true; kill "$sway_pid" 2>/dev/null || true; rm -rf "$rt"; }
trap cleanup EXIT
for _ in $(seq 100); do [ -S "$rt/wayland-1" ] && break; sleep 0.1; done
as_user foot --app-id=ac.editor --title="Notes" sh -c 'echo typing here; sleep 600' >/dev/null 2>&1 &
sleep 2
(cd "$rt" && as_user ./track --for 75s --no-screenshots --slot 1m --no-browser \
    --data-dir "$rt/fp" > "$rt/track.out" 2>&1) &
parent=$!
child=""
for _ in $(seq 100); do
    child=$(pgrep -u "$user" -x track || true)
    [ -n "$child" ] && break
    sleep 0.1
done
[ -n "$child" ] || { echo "the tracker process did not start"; cat "$rt/track.out"; exit 1; }
# The scripted user: a key every second for 40 s, then 30 s away.
(for _ in $(seq 40); do as_user wtype x; sleep 1; done) &
sleep 5
cpu() { awk '{print $14 + $15}' "/proc/$child/stat"; }
c0=$(cpu)
peak=0
for _ in $(seq 60); do
    rss=$(awk '/^VmRSS/{print $2}' "/proc/$child/status")
    [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 1
done
c1=$(cpu)
threads=$(awk '/^Threads/{print $2}' "/proc/$child/status")
split=$(awk '/^RssAnon|^RssFile/{printf "%s %d MB  ", $1, $2 / 1024}' "/proc/$child/status")
wait "$parent"
ticks=$((c1 - c0))
hz=$(getconf CLK_TCK)
head -1 "$rt/track.out"
echo "track on sway, 60 s steady state, windows + idle-based activity on, no screenshots"
echo "  RSS peak: $((peak / 1024)) MB ($peak kB); at the end: $split; threads: $threads"
awk -v t="$ticks" -v hz="$hz" 'BEGIN { printf "  CPU: %d ticks of 1/%d s in 60 s = %.3f %% of one core\n", t, hz, 100 * t / hz / 60 }'
grep -E "^slot" "$rt/track.out" | tail -n 3
echo "screenshots (release build): wlr-screencopy on sway 1280x800"
(cd "$rt" && as_user ./track --for 17s --frequency 5s --slot 1m --no-browser \
    --data-dir "$rt/shots" 2>&1 | grep -E "^screenshot" | sed 's/ *->.*//')
echo "screenshots (release build): X11 on Xvfb 1920x1080 (xcb GetImage)"
target/release/examples/track --virtual-display --for 17s --frequency 5s --slot 1m --no-browser \
    --data-dir "$rt/x11" 2>&1 | grep -E "^screenshot" | sed 's/ *->.*//'
