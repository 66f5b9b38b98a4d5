"""The tracker from Python: fed by hand (no display needed), then on a real X server; events by
callback and by iteration, the switches, reads by viewer, delete, and bad input."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import wait_for

import activity_core as ac

NO_SOURCES = ("screens", "input", "windows")
ADMIN = ac.Viewer.admin()


def test_the_default_data_folder_follows_the_platforms_convention(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert ac.Tracker.default_data_dir() == tmp_path / "activity-core"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", "/home/ana")
    assert ac.Tracker.default_data_dir() == Path("/home/ana/.local/share/activity-core")
    monkeypatch.delenv("HOME")
    assert ac.Tracker.default_data_dir() is None


def test_a_tracker_fed_by_hand_gives_typed_rows_with_aware_times(data_dir: Path) -> None:
    seen: list[ac.Event] = []
    t = ac.Tracker(ac.Config(slot_seconds=60), data_dir, disabled_sources=NO_SOURCES, on_event=seen.append)
    t.set_context(employee="ana", project="Apollo")
    with t:
        assert t.is_running
        for _ in range(3):
            t.record_input("key_press")
        t.record_input("button_press")
        t.record_window("editor", "notes.txt")
        t.record_url("firefox", "Docs", "https://docs.rs/tokio?token=secret#x")
        time.sleep(0.6)
        t.record_window("editor", "notes.txt")
        t.record_url("firefox", "Docs", "https://docs.rs/tokio?token=secret#x")
    assert not t.is_running
    slots = t.slots(viewer=ac.Viewer.employee("ana"))
    assert sum(s.keyboard_events for s in slots) == 3 and sum(s.mouse_events for s in slots) == 1
    assert all(s.project == "Apollo" and s.slot_start.tzinfo is not None for s in slots)
    acts = t.activities(viewer=ADMIN)
    assert {a.title for a in acts if a.type == "APP"} == {"notes.txt"}
    url = next(a for a in acts if a.type == "URL")
    assert url.url == "https://docs.rs/tokio" and url.domain == "docs.rs"
    assert isinstance(url.duration, timedelta) and url.start.tzinfo == timezone.utc
    assert t.slots(viewer=ac.Viewer.employee("bo")) == []
    # Ranges take aware datetimes.
    now = datetime.now(timezone.utc)
    assert t.activities(start=now + timedelta(hours=1), viewer=ADMIN) == []
    assert len(t.activities(start=now - timedelta(hours=1), end=now + timedelta(hours=1), viewer=ADMIN)) == len(acts)
    types = [e.type for e in seen]
    assert types[0] == "started" and types[-1] == "stopped" and "slot_closed" in types
    slot_event = next(e for e in seen if e.type == "slot_closed")
    assert slot_event.slot is not None and slot_event.slot.keyboard_events == 3
    assert "Event(type='started'" in repr(seen[0])
    t.close()
    with pytest.raises(ac.InvalidStateError):
        t.start()


def test_presence_only_input_gives_active_seconds_and_absent_counts(data_dir: Path) -> None:
    # The product's hooks see only presence (a Wayland idle signal): counts are unknown, not 0.
    t = ac.Tracker(ac.Config(slot_seconds=60, count_input_events=False), data_dir, disabled_sources=NO_SOURCES)
    with t:
        t.record_input("presence")
        time.sleep(1.1)
        t.record_input("presence")
    slots = t.slots(viewer=ADMIN)
    assert slots and all(s.keyboard_events is None and s.mouse_events is None for s in slots)
    assert all(s.activity_percent is None and s.keyboard_seconds is None for s in slots)
    assert sum(s.active_seconds for s in slots) == 2
    now = datetime.now(timezone.utc)
    report = t.report(now.date(), tz="UTC", viewer=ADMIN)
    assert report.totals.keyboard_events is None and report.totals.activity_percent is None
    assert report.totals.active_percent > 0
    assert all(b.slots == 0 for b in report.distribution)
    t.close()


def test_bad_input_raises_clear_errors(data_dir: Path) -> None:
    t = ac.Tracker(None, data_dir, disabled_sources=NO_SOURCES)
    with pytest.raises(ac.InvalidStateError):
        t.pause()
    t.start()
    with pytest.raises(ValueError):
        t.record_input("key_down")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        t.record_window("editor", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        t.screenshots(viewer="ana")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        t.screenshots(ADMIN, start=datetime(2026, 1, 1))  # naive
    with pytest.raises(ac.NotFoundError):
        t.screenshot_bytes("nope", viewer=ADMIN)
    with pytest.raises(ac.NotFoundError):
        t.delete_screenshot("nope", viewer=ADMIN)
    with pytest.raises(ac.InvalidInputError, match="expir"):
        t.screenshot_url("nope", expires=0, viewer=ADMIN)
    # There is no default viewer: leaving it out is a TypeError, None is refused by the library,
    # and an empty employee id is nobody.
    with pytest.raises(TypeError):
        t.slots()  # type: ignore[call-arg]
    with pytest.raises(ac.InvalidInputError, match="viewer is required"):
        t.screenshots(None)  # type: ignore[arg-type]
    with pytest.raises(ac.InvalidInputError, match="must not be empty"):
        t.slots(viewer=ac.Viewer.employee(""))
    with pytest.raises(ac.InvalidStateError):
        t.start()
    t.stop()
    with pytest.raises(ValueError):
        ac.Tracker(None, data_dir, missing_sources="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ac.Tracker(None, data_dir, disabled_sources=["mouse"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ac.Tracker(None, data_dir, storage=object())
    with pytest.raises(TypeError):
        ac.Tracker(None, data_dir, on_event=42)  # type: ignore[arg-type]


def test_a_callback_exception_goes_to_unraisablehook_and_tracking_continues(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    caught: list[BaseException | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: caught.append(u.exc_value))
    calls = []

    def broken(e: ac.Event) -> None:
        calls.append(e.type)
        raise RuntimeError("handler bug")

    t = ac.Tracker(None, data_dir, disabled_sources=NO_SOURCES, on_event=broken)
    t.start()
    t.record_window("editor", "a")
    time.sleep(0.3)
    t.record_window("editor", "b")
    t.stop()
    assert calls[0] == "started" and calls[-1] == "stopped"
    assert any(isinstance(e, RuntimeError) and "handler bug" in str(e) for e in caught)
    assert [a.title for a in t.activities(viewer=ADMIN)] == ["a"] or len(t.activities(viewer=ADMIN)) >= 1


def test_stop_from_the_callback_is_reentrant_and_other_calls_work(data_dir: Path) -> None:
    results: dict[str, object] = {}
    holder: list[ac.Tracker] = []

    def handler(e: ac.Event) -> None:
        if e.type == "started" and holder:
            t = holder[0]
            t.set_context(employee="bo")
            t.pause()
            t.resume()
            try:
                t.stop()
            except ac.ReentrantError as err:
                results["stop"] = err

    t = ac.Tracker(None, data_dir, disabled_sources=NO_SOURCES, on_event=handler)
    holder.append(t)
    t.start()
    assert wait_for(lambda: "stop" in results, 5)
    t.stop()
    assert isinstance(results["stop"], ac.ReentrantError)
    types = [e.type for e in t.events(timeout=0.5)]
    assert "paused" in types and "resumed" in types


def test_events_can_be_iterated_from_another_thread(data_dir: Path) -> None:
    t = ac.Tracker(None, data_dir, disabled_sources=NO_SOURCES)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.extend(e.type for e in t.events(timeout=2)))
    reader.start()
    t.start()
    t.record_window("editor", "a")
    time.sleep(0.3)
    t.stop()
    reader.join()
    assert got[0] == "started" and "stopped" in got


def test_switches_take_effect_and_survive_a_restart(data_dir: Path) -> None:
    t = ac.Tracker(None, data_dir, disabled_sources=NO_SOURCES)
    s = t.set_screenshots_enabled(False)
    assert s == ac.ScreenshotSwitches(employee=False, organisation=True, effective=False)
    t.set_organisation_allows_screenshots(False)
    s = t.set_screenshots_enabled(True)
    assert s.employee and not s.organisation and not s.effective
    t.close()
    again = ac.Tracker(ac.Config(allowScreenshotCapture=True), data_dir, disabled_sources=NO_SOURCES)
    assert again.screenshot_switches == ac.ScreenshotSwitches(True, False, False)


def test_on_xvfb_screenshots_are_taken_read_and_deleted(display: str, data_dir: Path) -> None:
    seen: list[ac.Event] = []
    config = ac.Config(screenshotFrequency="5s", idle_after="10m")
    t = ac.Tracker(config, data_dir, on_event=seen.append)
    t.set_context(employee="ana")
    with t:
        # The built-in sources: the focused xterm's title, and keys typed with xdotool.
        subprocess.run(["xdotool", "search", "--name", "Python test", "windowactivate", "--sync"], check=True)
        time.sleep(1.5)
        subprocess.run(["xdotool", "key", "--delay", "60", "a", "b", "c", "d"], check=True)
        assert wait_for(lambda: any(e.type == "screenshot_stored" for e in seen), 15)
        time.sleep(1.0)
    assert sum(s.keyboard_events for s in t.slots(viewer=ADMIN)) >= 4
    titles = {a.title for a in t.activities(viewer=ADMIN) if a.type == "APP"}
    assert "Python test" in titles, titles
    ana = ac.Viewer.employee("ana")
    shots = t.screenshots(viewer=ana)
    assert shots and all(s.upload_state == "uploaded" and s.width == 1024 for s in shots)
    assert t.screenshots(viewer=ac.Viewer.employee("bo")) == []
    manager = ac.Viewer.manager("cy", ["ana"])
    assert len(t.screenshots(viewer=manager)) == len(shots)
    first = shots[0]
    from io import BytesIO

    from PIL import Image

    img = Image.open(BytesIO(t.screenshot_bytes(first.id, thumb=True, viewer=ana)))
    assert img.size == (320, 240)
    url = t.screenshot_url(first.id, expires=timedelta(minutes=5), viewer=ana)
    assert first.id in url
    with pytest.raises(ac.NotFoundError):
        t.screenshot_bytes(first.id, viewer=ac.Viewer.employee("bo"))
    outcome = t.delete_screenshot(first.id, viewer=ana)
    assert outcome.complete and first.full_key in outcome.remote_deleted
    assert first.id not in {s.id for s in t.screenshots(viewer=ana)}
    assert not (data_dir / "objects" / first.full_key).exists()
    caps = ac.Tracker.capabilities()
    assert caps.screens.available and caps.session["kind"] == "x11"
    # The probe names the backend it chose for each source.
    assert caps.screens.backend == "x11" and caps.windows.backend == "x11"
    assert caps.input.backend == "x11" and caps.input_counts_events


def test_one_owner_per_data_folder(data_dir: Path) -> None:
    owner = ac.Tracker(None, data_dir, disabled_sources=NO_SOURCES)
    reader = ac.Tracker(None, data_dir, disabled_sources=NO_SOURCES)
    with owner:
        with pytest.raises(ac.InvalidStateError, match="in use by process"):
            reader.start()
        reader.slots(viewer=ADMIN)  # a reader still reads
    reader.start()  # the owner stopped: the folder is free
    reader.stop()
