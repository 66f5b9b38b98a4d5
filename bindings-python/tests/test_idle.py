"""Idle decisions from Python, Clockify's example on a manual clock: the same scenario and the
same figures as the Rust test (activity-core/tests/idle_decisions.rs) and the C one
(bindings-c/tests/test_idle.c). 60 minutes of work, 30 away, a 15-minute threshold."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import activity_core as ac

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
ADMIN = ac.Viewer.admin()


class Example:
    def __init__(self, tmp: Path, policy: dict[str, object]) -> None:
        self.clock = ac.ManualClock(T0)
        self.events: list[ac.Event] = []
        config = ac.Config(screenshot_frequency=10, idle_after="5m", heartbeat_timeout="25s", idle_policy=policy)
        self.t = ac.Tracker(config, tmp / "data", missing_sources="run_available",
                            disabled_sources=["screens", "input", "windows"], clock=self.clock,
                            on_event=self.events.append)
        self.t.set_context("ana", "A")
        self.t.start()
        self.t.record_window("Editor", "main.rs")
        self.now = T0

    def advance_to(self, minutes: float, working: bool) -> None:
        """20-s steps, each seen by the tracker's loop (two calls that wait for it)."""
        end = T0 + timedelta(minutes=minutes)
        while self.now < end:
            self.now = min(self.now + timedelta(seconds=20), end)
            self.clock.set(self.now)
            if working:
                self.t.record_input("key_press")
            self.t.record_window("Editor", "main.rs")
            self.t.record_window("Editor", "main.rs")

    def wait(self, kind: str) -> ac.Event:
        for _ in range(100):
            for e in self.events:
                if e.type == kind:
                    return e
            time.sleep(0.05)
        raise AssertionError(f"no {kind} event in {[e.type for e in self.events]}")

    def run(self) -> int:
        self.advance_to(60, True)
        self.advance_to(90, False)
        self.t.record_input("key_press")
        self.t.record_window("Editor", "main.rs")
        self.t.record_window("Editor", "main.rs")
        detected = self.wait("idle_detected")
        assert detected.since == T0 + timedelta(minutes=60)
        assert detected.at == T0 + timedelta(minutes=75)
        returned = self.wait("idle_returned")
        assert returned.idle_id == detected.idle_id
        assert returned.at == T0 + timedelta(minutes=90)
        assert detected.idle_id is not None
        return detected.idle_id

    def report(self) -> ac.Report:
        return self.t.report("2026-11-30", tz="UTC", viewer=ADMIN)


def test_reassign_moves_exactly_the_30_minutes_to_project_b(tmp_path: Path) -> None:
    ex = Example(tmp_path, {"threshold": "15m"})
    pid = ex.run()
    r = ex.t.resolve_idle(pid, "reassign", project="B")
    assert (r.since, r.until) == (T0 + timedelta(minutes=60), T0 + timedelta(minutes=90))
    assert r.answer == "reassign" and r.project == "B" and not r.paused
    # The same answer again is fine; another one and an unknown id raise typed errors.
    assert ex.t.resolve_idle(pid, "reassign", project="B").until == r.until
    with pytest.raises(ac.InvalidStateError, match="already decided as reassign"):
        ex.t.resolve_idle(pid, "keep")
    with pytest.raises(ac.NotFoundError):
        ex.t.resolve_idle(pid + 1, "keep")
    with pytest.raises(TypeError, match="needs project"):
        ex.t.resolve_idle(pid, "reassign")
    with pytest.raises(ac.InvalidInputError, match="is not an absolute URL"):
        ex.t.record_url("Firefox", "Docs", "not a url")
    ex.t.stop()
    rep = ex.report()
    assert {p.project: p.tracked_seconds for p in rep.projects} == {"A": 3600, "B": 1800}
    assert rep.totals.tracked_seconds == 5400 and rep.totals.idle_kept_seconds == 0
    by_project: dict[str | None, float] = {}
    for a in ex.t.activities(viewer=ADMIN):
        by_project[a.project] = by_project.get(a.project, 0) + a.duration.total_seconds()
    assert by_project == {"A": 3600, "B": 300}
    [period] = ex.t.idle_periods(viewer=ADMIN)
    assert period.answer == "reassign" and period.project == "B" and period.employee == "ana"
    ex.t.close()


def test_keep_reports_30_minutes_kept(tmp_path: Path) -> None:
    ex = Example(tmp_path, {"threshold": "15m"})
    resolution = ex.t.resolve_idle(ex.run(), "keep")
    assert resolution.decided_by == "embedder"
    ex.t.stop()
    rep = ex.report()
    assert rep.totals.tracked_seconds == 5400 and rep.totals.idle_kept_seconds == 1800
    ex.t.close()


def test_discard_leaves_60_minutes_and_pauses(tmp_path: Path) -> None:
    ex = Example(tmp_path, {"threshold": "15m"})
    r = ex.t.resolve_idle(ex.run(), "discard")
    assert r.paused
    ex.wait("paused")
    resolved = ex.wait("idle_resolved")
    assert resolved.resolution == r
    ex.t.stop()
    rep = ex.report()
    assert rep.totals.tracked_seconds == 3600 and rep.totals.idle_kept_seconds == 0
    assert [(u.name, u.duration) for u in rep.top_applications] == [("Editor", timedelta(minutes=60))]
    ex.t.close()


def test_an_unanswered_prompt_pauses_after_the_proof_timeout(tmp_path: Path) -> None:
    ex = Example(tmp_path, {"threshold": "15m", "proof_timeout": 60})
    ex.run()
    ex.advance_to(91, True)
    resolved = ex.wait("idle_resolved")
    assert resolved.resolution is not None
    assert resolved.resolution.decided_by == "timeout" and resolved.resolution.paused
    ex.t.stop()
    assert ex.report().totals.tracked_seconds == 3600
    ex.t.close()


def test_the_policy_is_typed_and_checked(tmp_path: Path) -> None:
    ex = Example(tmp_path, {"threshold": "15m"})
    with pytest.raises(ac.ConfigError, match="idle_policy.threshold"):
        ex.t.set_idle_policy(ac.IdlePolicy(threshold=timedelta(0)))
    ex.t.set_idle_policy(ac.IdlePolicy(threshold=timedelta(minutes=2), decision="always_keep"))
    ex.advance_to(1, True)
    ex.advance_to(4, False)
    ex.t.record_input("key_press")
    ex.advance_to(5, True)
    resolved = ex.wait("idle_resolved")
    assert resolved.resolution is not None and resolved.resolution.answer == "keep"
    assert resolved.resolution.decided_by == "policy"
    ex.t.set_idle_policy(None)
    ex.t.close()
