#!/usr/bin/env bash
# The main job until the capture runtime exists: installs the build packages if missing, then
# replays a scripted working day through the model. Arguments go to the example
# (--seed N, --random-screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
exec cargo run --quiet --example replay_day -- "$@"
