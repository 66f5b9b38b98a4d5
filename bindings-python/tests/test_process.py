"""Process life: exiting with a tracker still running exits cleanly (and stops it first); a
forked child gets a clear error instead of a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path


def run(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)


def test_exiting_with_a_tracker_running_exits_cleanly_and_writes_the_slot(tmp_path: Path) -> None:
    p = run(f"""
        import time, activity_core as ac
        events = []
        t = ac.Tracker(None, {str(tmp_path)!r}, disabled_sources=("screens", "input", "windows"),
                       on_event=lambda e: events.append(e.type))
        t.start()
        t.record_input("key_press")
        t.record_window("editor", "unsaved")
        time.sleep(0.3)
        print("exiting")
        """)
    assert p.returncode == 0, p.stderr
    assert "exiting" in p.stdout and "Traceback" not in p.stderr
    check = run(f"""
        import activity_core as ac
        t = ac.Tracker(None, {str(tmp_path)!r}, disabled_sources=("screens", "input", "windows"))
        print(sum(s.keyboard_events for s in t.slots()))
        """)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "1"


def test_a_forked_child_gets_a_clear_error(tmp_path: Path) -> None:
    p = run(f"""
        import os, sys, activity_core as ac
        t = ac.Tracker(None, {str(tmp_path)!r}, disabled_sources=("screens", "input", "windows"))
        t.start()
        pid = os.fork()
        if pid == 0:
            # Both kinds of call: through the tracker's threads, and the per-key fast path.
            for call in (t.pause, lambda: t.record_input("key_press")):
                try:
                    call()
                    os._exit(3)
                except ac.InvalidStateError as e:
                    if "fork" not in str(e):
                        os._exit(4)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        t.stop()
        sys.exit(os.waitstatus_to_exitcode(status))
        """, timeout=60)
    assert p.returncode == 0, (p.returncode, p.stderr)
