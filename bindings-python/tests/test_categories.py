"""Productivity categories from Python: ActivityWatch's category export loaded as it is,
layered, records classified, and a day report's time by category with its score on a manual
clock (the same figures as the C test)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import activity_core as ac

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
ORG = {"id": "org", "categories": [
    {"name": ["Work"], "rule": {"type": "regex", "regex": "libreoffice"}, "data": {"score": 4}},
    {"name": ["Work", "Programming"], "rule": {"type": "regex", "regex": "vim|GitHub"}},
    {"name": ["Media", "Video"], "rule": {"type": "regex", "regex": "YouTube", "ignore_case": True},
     "data": {"score": -2}},
]}
MINE = """[{"name": ["Work"], "rule": {"type": "regex", "regex": "xterm"}, "data": {"score": -9}},
           {"name": ["Reading"], "rule": {"type": "regex", "regex": "(?<!no-)news"}}]"""


def test_categories_classify_and_report(tmp_path: Path) -> None:
    clock = ac.ManualClock(T0)
    t = ac.Tracker(ac.Config(heartbeat_timeout="25s"), tmp_path / "data", missing_sources="run_available",
                   disabled_sources=["screens", "input", "windows"], clock=clock)
    assert t.classify("firefox", "aw-server - GitHub") == ("Work", "Programming", "ActivityWatch")
    assert t.categories()[0]["id"] == "default"
    with pytest.raises(ac.InvalidInputError, match=r"rule 0 \(A\)"):
        t.set_categories([{"name": ["A"], "rule": {"type": "regex", "regex": "("}}])
    t.set_categories(ORG, MINE)
    assert t.classify("xterm", "bash") == ("Uncategorized",)
    assert t.classify("firefox", "Morning news") == ("Reading",)
    assert t.classify("firefox", "no-news") == ("Uncategorized",)
    assert [s.get("id") for s in t.categories()] == ["org", None]

    t.set_context("ana", "P")
    t.start()
    now = 0
    for until, app, title in ((3600, "vim", "main.rs"), (5400, "firefox", "cats - youtube"), (7200, "xterm", "bash")):
        while now < until:
            t.record_input("key_press")
            t.record_window(app, title)
            t.record_window(app, title)
            now += 20
            clock.advance(20)
    t.record_window("xterm", "bash")
    t.stop()
    r = t.report("2026-11-30", tz="UTC", viewer=ac.Viewer.admin())
    c = r.categories
    assert (c.productive_seconds, c.unproductive_seconds, c.uncategorized_seconds) == (3600, 1800, 1800)
    assert c.score == pytest.approx(1 * 4 - 0.5 * 2)
    assert [(x.name, x.seconds) for x in c.top_level] == [(("Work",), 3600), (("Media",), 1800),
                                                          (("Uncategorized",), 1800)]
    assert c.categories[0] == ac.CategoryTime(("Work", "Programming"), 3600, 4.0)
    assert [d.day for d in r.category_days] == ["2026-11-30"]
    assert r.category_projects[0].project == "P"
    # Without categories: nothing computed.
    plain = t.report("2026-11-30", tz="UTC", viewer=ac.Viewer.admin(), categories=False)
    assert plain.categories == ac.CategoryBreakdown()
    t.close()
