#!/usr/bin/env bash
# Footprint of the main job on Windows, as Wine runs it here (Wine is not Windows: these are
# Wine figures). The release track.exe, cross-built and stripped, on a 1280x800 Xvfb with
# Notepad open (Notepad's own RSS printed beside it as Wine's baseline):
#   1. idle: 60 s with windows and input on, no screenshots, nobody typing: peak RSS and CPU
#      share of one core of the track.exe process (Wine's own wineserver beside it);
#   2. screenshots every 5 s for 60 s: the CPU per screenshot from capture to the outbox
#      (the run's CPU minus the idle run's, over the screenshots taken), with the in-process
#      capture and processing times track.exe prints, and the X server's CPU (GDI capture under
#      Wine reads the screen from it).
# Not part of the tests (machines here are noisy); the figures go into notes.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --windows >/dev/null
target=x86_64-pc-windows-gnu
cargo build --quiet --release --target "$target" --example track
export WINEPREFIX="${WINEPREFIX:-$HOME/.cache/activity-core-wine}" WINEDEBUG=-all
out=$(mktemp -d /tmp/ac-wine-footprint-XXXXXX)
# Stripped, as a product ships it: Wine copies a mingw image's sections into private memory
# (their file alignment is below a page), debug sections included, so the release build's 100 MB
# of line tables would show up as RSS here (on Windows they are never read in).
exe="$out/track.exe"
x86_64-w64-mingw32-strip -o "$exe" "target/$target/release/examples/track.exe"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$out/display.num" >/dev/null 2>&1 &
xvfb=$!
cleanup() { wineserver -k 2>/dev/null || true; kill "$xvfb" $wm 2>/dev/null || true; rm -rf "$out"; }
wm=""
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$out/display.num" ] && break; sleep 0.1; done
export DISPLAY=":$(head -n 1 "$out/display.num")"
openbox >/dev/null 2>&1 &
wm=$!
./scripts/wine-run.sh cmd /c ver >/dev/null
wine notepad >/dev/null 2>&1 &
sleep 4
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)

# One run: track.exe with "$@" for 75 s; measures seconds 10..70. Sets cpu_ms, peak_kb,
# server_ms, x_ms and leaves the output in $out/run.out.
measure() {
    rm -rf "$out/data"
    ./scripts/wine-run.sh "$exe" --for 75s --slot 1m --no-browser --data-dir "$out/data" "$@" \
        > "$out/run.out" 2>&1 &
    local runner=$! pid="" server
    for _ in $(seq 200); do
        # Wine renames the process after its main thread ("main"): find it by its command line.
        pid=$(pgrep -n -f "^$exe" || true)
        [ -n "$pid" ] && break
        sleep 0.1
    done
    [ -n "$pid" ] || { echo "track.exe did not start"; cat "$out/run.out"; exit 1; }
    server=$(pgrep -n wineserver || true)
    sleep 10
    local c0 s0 x0 peak=0 rss
    c0=$(ticks "$pid"); s0=$(ticks "${server:-0}"); x0=$(ticks "$xvfb")
    for _ in $(seq 60); do
        rss=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        [ "$rss" -gt "$peak" ] && peak=$rss
        sleep 1
    done
    cpu_ms=$(( ($(ticks "$pid") - c0) * 1000 / hz ))
    server_ms=$(( ($(ticks "${server:-0}") - s0) * 1000 / hz ))
    x_ms=$(( ($(ticks "$xvfb") - x0) * 1000 / hz ))
    peak_kb=$peak
    split=$(awk '/^RssAnon|^RssFile/{printf "%s %d MB  ", $1, $2 / 1024}' "/proc/$pid/status" 2>/dev/null || true)
    wait "$runner"
}

measure --no-screenshots
idle_cpu=$cpu_ms
idle_server=$server_ms
np=$(pgrep -n -f -i notepad || true)
[ -n "$np" ] && printf 'wine baseline:    notepad.exe RSS %s\n' \
    "$(awk '/^VmRSS|^RssAnon|^RssFile/{printf "%s %d MB  ", $1, $2 / 1024}' "/proc/$np/status")"
printf 'idle 60 s:        track.exe CPU %d ms (%.2f %% of one core), peak RSS %d MB (%s); wineserver %d ms\n' \
    "$idle_cpu" "$(echo "$idle_cpu / 600" | bc -l)" $((peak_kb / 1024)) "$split" "$idle_server"

measure --frequency 5s
shots=$(grep -c '^screenshot ' "$out/run.out" || true)
# Screenshots inside the measured minute: about 12 at one per 5 s.
in_window=12
per_shot=$(( (cpu_ms - idle_cpu) / in_window ))
capture=$(awk '/^screenshot /{for(i=1;i<=NF;i++) if($i=="ms" && $(i+1)=="capture,") {c+=$(i-1); n++}} END{if(n) printf "%.0f", c/n}' "$out/run.out")
process=$(awk '/^screenshot /{for(i=1;i<=NF;i++) if($i=="ms" && $(i+1)=="processing") {c+=$(i-1); n++}} END{if(n) printf "%.0f", c/n}' "$out/run.out")
printf 'screenshots 60 s: track.exe CPU %d ms, %d screenshots taken in the run (1280x800)\n' "$cpu_ms" "$shots"
printf '  per screenshot, capture to outbox: %d ms CPU (run minus idle, over %d); wall: capture %s ms, processing %s ms\n' \
    "$per_shot" "$in_window" "$capture" "$process"
printf '  beside it: wineserver %d ms, Xvfb %d ms over the minute; peak RSS %d MB\n' \
    "$server_ms" "$x_ms" $((peak_kb / 1024))
