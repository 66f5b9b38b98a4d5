"""Tracks this desktop for N seconds with the embedded default storage and prints every event.

    python examples/python/track.py [SECONDS] [DATA_DIR]     (defaults: 30, ./activity-data-py)
"""

from __future__ import annotations

import sys

import activity_core as ac


def main(argv: list[str]) -> int:
    seconds = float(argv[1]) if len(argv) > 1 else 30.0
    data_dir = argv[2] if len(argv) > 2 else "./activity-data-py"
    print(f"activity-core {ac.__version__}: {ac.Tracker.capabilities()}")
    config = ac.Config(screenshotFrequency="10s", slot_seconds=60, idle_after="5m")
    tracker = ac.Tracker(config, data_dir)
    with tracker:
        for event in tracker.events(timeout=seconds):
            print(event)
    me = ac.Viewer.admin()  # the product itself; an employee UI passes Viewer.employee(...)
    for slot in tracker.slots(viewer=me):
        print(f"{slot.slot_start:%H:%M}  tracked {slot.tracked_seconds:4} s  activity {slot.activity_percent:3} %")
    for shot in tracker.screenshots(me):
        print(f"{shot.taken_at:%H:%M:%S}  {shot.width}x{shot.height}  {shot.upload_state}  {shot.full_key}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
