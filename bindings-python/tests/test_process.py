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
        print(sum(s.keyboard_events for s in t.slots(viewer=ac.Viewer.admin())))
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


def test_a_forked_child_that_exits_normally_finishes_at_once(tmp_path: Path) -> None:
    # The child ends normally (its exit hook runs), calls close(), and uses a Storage made in the
    # parent: none of it may wait for the parent's threads, which the child does not have.
    p = run(f"""
        import os, sys, time, activity_core as ac
        from activity_core import storage
        t = ac.Tracker(None, {str(tmp_path / "d")!r}, disabled_sources=("screens", "input", "windows"))
        t.start()
        s = storage.open({{"FILE_PROVIDER": "LOCAL", "LOCAL_STORAGE_ROOT": {str(tmp_path / "o")!r},
                           "LOCAL_URL_SIGNING_SECRET": "0123456789abcdef0123456789abcdef"}})
        s.put("screenshots/a.jpg", b"x")
        pid = os.fork()
        if pid == 0:
            start = time.monotonic()
            t.close()                       # returns at once: not the child's to stop
            try:
                s.get("screenshots/a.jpg")
                sys.exit(5)
            except ac.InvalidStateError as e:
                if "fork" not in str(e):
                    sys.exit(6)
            if time.monotonic() - start > 2:
                sys.exit(7)
            sys.exit(0)                     # a normal exit: the exit hook runs
        start = time.monotonic()
        _, status = os.waitpid(pid, 0)
        took = time.monotonic() - start
        t.stop()
        code = os.waitstatus_to_exitcode(status)
        print(code, round(took, 1))
        sys.exit(code if code else (0 if took < 5 else 8))
        """, timeout=60)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)


def test_errors_are_activity_core_exceptions_that_pickle() -> None:
    import pickle
    from concurrent.futures import ProcessPoolExecutor

    import activity_core as ac

    for cls in (ac.ActivityCoreError, ac.ConfigError, ac.InvalidInputError, ac.MediaError, ac.StorageError,
                ac.NotFoundError, ac.InternalError):
        assert cls.__module__ == "activity_core", cls
        e = pickle.loads(pickle.dumps(cls("x")))
        assert type(e) is cls and e.args == ("x",)
    with ProcessPoolExecutor(1) as pool:
        f = pool.submit(ac.media.process, b"\0" * 12, 2, 2)  # 2x2 RGBA needs 16 bytes
        try:
            f.result(timeout=60)
            raise AssertionError("too short a buffer was accepted")
        except ac.InvalidInputError as e:
            assert "16" in str(e) or "short" in str(e) or "bytes" in str(e), e
