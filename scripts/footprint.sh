#!/usr/bin/env bash
# Footprint of the main job: `track` for 60 s with input and window tracking on and no
# screenshots, on a virtual display with a scripted user typing, clicking and switching windows.
# Prints the tracker process's peak RSS and its CPU use as a share of one core (the scripted
# user, Xvfb and openbox are other processes and not counted). Not part of the tests: machines
# here are noisy; the figures go into notes. Goals: RSS <= 30 MB, CPU <= 0.5 %.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --display
cargo build --quiet --release --example track
rm -rf target/footprint
target/release/examples/track --virtual-display --for 75s --no-screenshots --slot 1m \
    --data-dir target/footprint > target/footprint.out 2>&1 &
parent=$!
child=""
for _ in $(seq 100); do
    child=$(pgrep -P "$parent" -x track || true)
    [ -n "$child" ] && break
    sleep 0.1
done
[ -n "$child" ] || { echo "the tracker process did not start"; cat target/footprint.out; exit 1; }
sleep 5 # past start-up
cpu() { awk '{print $14 + $15}' "/proc/$child/stat"; }
c0=$(cpu)
peak=0
for _ in $(seq 60); do
    rss=$(awk '/^VmRSS/{print $2}' "/proc/$child/status")
    [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 1
done
c1=$(cpu)
hwm=$(awk '/^VmHWM/{print $2}' "/proc/$child/status")
threads=$(awk '/^Threads/{print $2}' "/proc/$child/status")
wait "$parent"
ticks=$((c1 - c0))
hz=$(getconf CLK_TCK)
echo "track, 60 s steady state, input + windows on, no screenshots"
echo "  RSS peak during the window: $((peak / 1024)) MB ($peak kB); VmHWM since start: $((hwm / 1024)) MB"
echo "  threads: $threads"
awk -v t="$ticks" -v hz="$hz" 'BEGIN { printf "  CPU: %d ticks of 1/%d s in 60 s = %.3f %% of one core\n", t, hz, 100 * t / hz / 60 }'
grep -E "^slot|XTerm" target/footprint.out | tail -n 4
