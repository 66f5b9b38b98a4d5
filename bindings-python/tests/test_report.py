"""Reports from Python: typed values, JSON/CSV/HTML, bad requests; and the HTML page looked at in
a real browser (headless Chromium): no console message, no network request, a screenshot."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

import activity_core as ac

EVIL = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def hand_fed_report(data_dir: Path) -> ac.Report:
    t = ac.Tracker(None, data_dir, disabled_sources=("screens", "input", "windows"))
    t.set_context(employee="ana", project="<i>Apollo</i>")
    with t:
        for _ in range(5):
            t.record_input("key_press")
        for title in EVIL + EVIL:
            t.record_window(EVIL[0], title)
            time.sleep(0.3)
        t.record_url("firefox", "Docs", "https://docs.rs/tokio?token=1")
        time.sleep(0.3)
        t.record_url("firefox", "Docs", "https://docs.rs/tokio?token=1")
    today = datetime.now(timezone.utc).date()
    return t.report(today, tz="UTC", viewer=ac.Viewer.employee("ana"))


def test_a_report_over_a_team_keeps_each_employees_timeline(data_dir: Path) -> None:
    t = ac.Tracker(None, data_dir, disabled_sources=("screens", "input", "windows"))
    t.set_context(employee="ana")
    with t:
        for _ in range(3):
            t.record_input("key_press")
        time.sleep(1.2)
        t.set_context(employee="bo")
        t.record_input("key_press")
        time.sleep(1.2)
    today = datetime.now(timezone.utc).date()
    team = t.report(today, tz="UTC", viewer=ac.Viewer.manager("bo", ["ana"]))
    assert [e.employee for e in team.employees] == ["ana", "bo"]
    assert team.timeline == ()  # never one blended timeline
    assert [e.totals.keyboard_events for e in team.employees] == [3, 1]
    assert all(len(e.timeline) == 144 and all(s.tracked_seconds <= 600 for s in e.timeline) for e in team.employees)
    assert [b.slots for b in team.distribution] == [
        sum(e.distribution[i].slots for e in team.employees) for i in range(10)]
    own = t.report(today, tz="UTC", viewer=ac.Viewer.employee("ana"))
    assert own.employees == () and len(own.timeline) == 144


def test_a_report_has_typed_values_and_every_output(data_dir: Path, tmp_path: Path) -> None:
    r = hand_fed_report(data_dir)
    assert r.time_zone == "UTC" and len(r.timeline) == 144
    assert r.start.tzinfo is not None and r.timeline[0].slot_start == r.start
    assert r.totals.keyboard_events == 5
    assert r.projects[0].project == "<i>Apollo</i>"
    assert r.top_applications[0].name == EVIL[0]
    assert r.top_websites[0].name == "docs.rs"
    assert len(r.distribution) == 10
    assert json.loads(r.to_json())["totals"]["keyboard_events"] == 5
    paths = r.to_csv(tmp_path / "csv")
    assert sorted(p.name for p in paths) == sorted(
        ["timeline.csv", "projects.csv", "distribution.csv", "top_applications.csv", "top_websites.csv", "totals.csv"]
    )
    html = r.to_html()
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert set(r.svg) == {"timeline", "top_applications", "top_websites", "distribution"}
    with pytest.raises(ac.InvalidInputError, match="Mars/Base"):
        ac.Tracker(None, data_dir / "x", disabled_sources=("screens", "input", "windows")).report(
            "2026-11-30", tz="Mars/Base", viewer=ac.Viewer.admin())
    with pytest.raises(TypeError):
        ac.Tracker(None, data_dir / "y", disabled_sources=("screens", "input", "windows")).report(
            viewer=ac.Viewer.admin())


def open_in_chromium(page: Path, shot: Path, work: Path) -> tuple[list[str], list[str]]:
    """Loads `page` in headless Chromium; returns (console messages, URLs the page requested)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is not installed (scripts/install-deps.sh --test installs it)")
    netlog = work / "netlog.json"
    proc = subprocess.run(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={work / 'profile'}", "--enable-logging=stderr", "--v=0",
         f"--log-net-log={netlog}", "--window-size=1100,1300", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    log = json.loads(netlog.read_text())
    urls = {e["params"]["url"] for e in log["events"] if "url" in e.get("params", {})}
    # Chromium's own service calls (time, updates, accounts) are not the page's.
    own = ("google.com", "googleapis.com", "gvt1.com", "gstatic.com")


    def from_page(url: str) -> bool:
        if url == page.as_uri():
            return False
        host = url.split("/")[2] if "://" in url else ""
        return not any(host == h or host.endswith("." + h) for h in own)

    return console, sorted(u for u in urls if from_page(u))


def test_the_html_report_in_a_real_browser(data_dir: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(hand_fed_report(data_dir).to_html(), encoding="utf-8")
    shot = Path.cwd() / "report-chromium.png"
    console, requested = open_in_chromium(page, shot, tmp_path / "ok")
    assert console == [], console
    assert requested == [], requested
    assert shot.stat().st_size > 10_000
    # The check itself can fail: a page with a script and a remote image is caught.
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><img src="http://127.0.0.1:9/x.png"><script>console.error("boom")</script>')
    console, requested = open_in_chromium(bad, tmp_path / "bad.png", tmp_path / "bad")
    assert any("boom" in c for c in console)
    assert "http://127.0.0.1:9/x.png" in requested
