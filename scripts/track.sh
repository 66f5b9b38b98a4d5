#!/usr/bin/env bash
# The main job: tracks this desktop with the local provider and SQLite (examples/track.rs).
# Installs the build packages if missing. Without a display it starts a virtual one (Xvfb +
# openbox + a scripted user) so the run has something to track. Arguments go to `track`;
# default: a 3-minute demo with 1-minute slots and a screenshot every 20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--for 3m --slot 1m --frequency 20s --export activity-data/export.json)
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    ./scripts/install-deps.sh --display
    ARGS+=(--virtual-display)
else
    ./scripts/install-deps.sh
fi
mkdir -p activity-data
cargo build --quiet --release --example track
exec target/release/examples/track "${ARGS[@]}"
