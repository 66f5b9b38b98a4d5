"""Org scale from Python: a synthetic organisation's devices (written through the library's own
record store by the `org_seed` example), exported with `Tracker.export` to a Parquet dataset,
read by DuckDB and pyarrow, and reported on with `activity_core.org.report` on DuckDB and on
Spark in local mode, each compared with the device reports the core computes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest

import activity_core as ac
import activity_core.org as org

REPO = Path(os.environ.get("AC_REPO", Path(__file__).resolve().parents[2]))
EMPLOYEES = ["emp00000", "emp00001", "emp00002"]
# A day, a working week in Berlin, and November in New York (1 November 2026 has 25 hours:
# daylight saving time ends).
PERIODS = [
    ("2026-11-03", "2026-11-03", "UTC"),
    ("2026-11-02", "2026-11-06", "Europe/Berlin"),
    ("2026-11-01", "2026-11-30", "America/New_York"),
]
FIELDS = ["timeline", "projects", "distribution", "top_applications", "top_websites", "totals"]


def seed_tool() -> Path:
    tool = REPO / "target" / "debug" / "examples" / "org_seed"
    if not tool.exists():
        pytest.fail(f"{tool} is missing: cargo build --examples --all-features (scripts/test.sh does)")
    return tool


@pytest.fixture(scope="module")
def orgdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Three employees' devices, a working week each, exported through the Python API."""
    out = tmp_path_factory.mktemp("org")
    subprocess.run([str(seed_tool()), "--out", str(out), "--employees", "3", "--days", "5", "--no-export"],
                   check=True, capture_output=True)
    for emp in EMPLOYEES:
        with device(out, emp) as t:
            r = t.export(ac.Dataset(org="acme", folder=out / "lake", device=f"pc-{emp}"))
            assert len(r.written) == 15 and r.unchanged == 0 and r.rows > 0
    yield out


@contextmanager
def device(out: Path, emp: str) -> Iterator[ac.Tracker]:
    """The employee's device (not tracking: only its records are read and exported)."""
    t = ac.Tracker(ac.Config(), out / "devices" / emp, missing_sources="run_available")
    try:
        yield t
    finally:
        t.close()


def duck() -> Any:
    import duckdb

    return duckdb.connect()


def scan(lake: Path, table: str) -> str:
    return (f"read_parquet('{lake}/{table}/**/*.parquet', hive_partitioning = true, "
            "hive_types = {'org': VARCHAR, 'date': DATE})")


def test_a_second_export_writes_nothing_and_bad_settings_are_named(orgdir: Path) -> None:
    with device(orgdir, "emp00000") as t:
        r = t.export(ac.Dataset(org="acme", folder=orgdir / "lake", device="pc-emp00000"))
        assert r.written == () and r.removed == () and r.unchanged == 15
        with pytest.raises(ac.ConfigError, match="dataset.org"):
            t.export(ac.Dataset(org="a/b", folder=orgdir / "x"))
        with pytest.raises(ac.ConfigError, match="exactly one of `folder` and `storage`"):
            t.export(ac.Dataset(org="acme"))
        with pytest.raises(ValueError, match="aware"):
            t.export(ac.Dataset(org="acme", folder=orgdir / "x"), since=datetime(2026, 11, 1))


def test_duckdb_sums_equal_what_the_devices_report(orgdir: Path) -> None:
    """DuckDB over every file: per employee and day, tracked seconds, events and screenshots as
    the device's report (from its rollups) says; per employee, the month's application time as
    its usage rollups say."""
    con = duck()
    lake = orgdir / "lake"
    for emp in EMPLOYEES:
        with device(orgdir, emp) as t:
            for day in ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"]:
                r = t.report(day, tz="UTC", viewer=ac.Viewer.admin(), categories=False)
                tracked, kb, mouse = con.execute(
                    f"SELECT SUM(tracked_seconds), SUM(keyboard_events), SUM(mouse_events) FROM {scan(lake, 'slots')} "
                    "WHERE employee = ? AND date = CAST(? AS DATE)", [emp, day]).fetchone()
                shots = con.execute(
                    f"SELECT COUNT(*) FROM {scan(lake, 'screenshots')} WHERE employee = ? AND date = CAST(? AS DATE)",
                    [emp, day]).fetchone()[0]
                assert (tracked, kb, mouse, shots) == (
                    r.totals.tracked_seconds, r.totals.keyboard_events, r.totals.mouse_events, r.totals.screenshots)
            month = t.report(first="2026-11-01", last="2026-11-30", tz="UTC", viewer=ac.Viewer.admin(),
                             top_n=100, categories=False)
            apps = dict(con.execute(
                f"SELECT application, SUM(duration_ms) FROM {scan(lake, 'activities')} "
                "WHERE employee = ? AND kind = 'app' GROUP BY 1", [emp]).fetchall())
            assert {a: timedelta(milliseconds=ms) for a, ms in apps.items()} == {
                u.name: u.duration for u in month.top_applications}


def test_a_date_filter_reads_only_that_dates_files(orgdir: Path) -> None:
    """DuckDB's own account (EXPLAIN ANALYZE): a query and every query of an org report of one
    day scan only that day's files (screenshots: also the day before, where a slot that began
    before midnight keeps its screenshots); the report's figures equal those over the lake."""
    con = duck()
    lake = orgdir / "lake"

    def scanned(sql: str) -> tuple[set[str], list[tuple[int, int]]]:
        plan = "\n".join(str(r[1]) for r in con.execute("EXPLAIN ANALYZE " + sql).fetchall())
        dates = set(re.findall(r"/date=(\d{4}-\d{2}-\d{2})/part-", plan))
        counts = [(int(a), int(b)) for a, b in re.findall(r"Scanning Files: (\d+)/(\d+)", plan)]
        return dates, counts

    dates, counts = scanned(f"SELECT COUNT(*) FROM {scan(lake, 'slots')} WHERE date = DATE '2026-11-04'")
    assert dates == {"2026-11-04"} and counts == [(3, 15)]
    # The report's queries list only the period's folders (and the day before, for screenshots),
    # not the whole dataset: 3 or 6 files of the 15.
    _, sql = org.queries(lake, first="2026-11-04", last="2026-11-04", tz="UTC", viewer=ac.Viewer.admin())
    for name, q in sql:
        dates, counts = scanned(q)
        assert dates <= {"2026-11-03", "2026-11-04"}, (name, dates)
        assert counts and all(a <= b <= 6 for a, b in counts), (name, counts)
    # A period without files (before the first export, or another org) is an empty report.
    for empty in (org.report(lake, "2026-12-25", tz="UTC", viewer=ac.Viewer.admin()),
                  org.report(lake, "2026-11-04", tz="UTC", viewer=ac.Viewer.admin(), org="other")):
        assert empty.totals.tracked_seconds == 0 and empty.top_applications == ()
    day = org.report(lake, "2026-11-04", tz="UTC", viewer=ac.Viewer.admin())
    assert day.totals.tracked_seconds == con.execute(
        f"SELECT SUM(tracked_seconds) FROM {scan(lake, 'slots')} WHERE CAST(slot_start AS DATE) = DATE '2026-11-04'"
    ).fetchone()[0]


def test_pyarrow_reads_the_declared_schema(orgdir: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    declared = {
        "slots": ["device", "employee", "project", "task", "slot_start", "slot_seconds", "tracked_seconds",
                  "keyboard_events", "mouse_events", "keyboard_seconds", "mouse_seconds", "active_seconds",
                  "activity_percent", "active_percent", "max_expected_events"],
        "activities": ["device", "employee", "project", "task", "kind", "application", "title", "domain",
                       "start", "duration_ms", "slot_start"],
        "screenshots": ["device", "employee", "project", "task", "id", "taken_at", "slot_start", "monitor", "x",
                        "y", "width", "height", "blurred", "format", "full_bytes", "thumb_bytes", "provider",
                        "full_key", "thumb_key", "uploaded"],
    }
    for table, names in declared.items():
        path = orgdir / "lake" / table / "org=acme" / "date=2026-11-02" / "part-pc-emp00001.parquet"
        schema = pq.read_schema(path)
        assert schema.names == names
        assert [int(f.metadata[b"PARQUET:field_id"]) for f in schema] == list(range(1, len(names) + 1))
        meta = pq.read_metadata(path).metadata
        assert meta[b"activity_core.schema_version"] == b"1"
        assert meta[b"activity_core.device"] == b"pc-emp00001"
        assert meta[b"activity_core.table"] == table.encode()
        times = [f for f in schema if pa.types.is_timestamp(f.type)]
        assert times and all(f.type == pa.timestamp("us", tz="UTC") for f in times)
        t = pq.read_table(path)
        assert t.num_rows > 0
    # Titles stay on the device by default; no full URL column exists.
    acts = pq.read_table(orgdir / "lake" / "activities" / "org=acme" / "date=2026-11-02" / "part-pc-emp00001.parquet")
    assert acts.column("title").null_count == acts.num_rows


def test_a_screenshot_deleted_after_export_is_gone_after_the_next_run(orgdir: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    con = duck()
    # A copy of the device: the other tests read the original.
    shutil.copytree(orgdir / "devices" / "emp00002", tmp_path / "devices" / "emp00002")
    with device(tmp_path, "emp00002") as t:
        dataset = ac.Dataset(org="acme", folder=lake, device="pc-emp00002")
        t.export(dataset)
        shot = t.screenshots(ac.Viewer.admin())[0]
        before = con.execute(f"SELECT COUNT(*) FROM {scan(lake, 'screenshots')}").fetchone()[0]
        t.delete_screenshot(shot.id, viewer=ac.Viewer.admin())
        r = t.export(dataset)
        assert [(w.table, w.date) for w in r.written] == [("screenshots", shot.slot_start.date().isoformat())]
    after = con.execute(f"SELECT COUNT(*) FROM {scan(lake, 'screenshots')}").fetchone()[0]
    assert after == before - 1
    assert con.execute(f"SELECT COUNT(*) FROM {scan(lake, 'screenshots')} WHERE id = ?", [shot.id]).fetchone()[0] == 0


def compare(device_report: ac.Report, org_report: ac.Report, what: str) -> None:
    for f in FIELDS:
        assert getattr(org_report, f) == getattr(device_report, f), f"{what}: {f}"


def java() -> bool:
    return shutil.which("java") is not None


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_an_org_report_of_one_employee_equals_their_device_report(orgdir: Path, engine: str) -> None:
    if engine == "spark" and not java():
        pytest.skip("Spark needs Java 17+, which is not installed (scripts/install-deps.sh --test installs it)")
    for emp in EMPLOYEES[:2]:
        with device(orgdir, emp) as t:
            for first, last, tz in PERIODS:
                dev = t.report(first=first, last=last, tz=tz, viewer=ac.Viewer.admin(), categories=False)
                o = org.report(orgdir / "lake", first=first, last=last, tz=tz, engine=engine,  # type: ignore[arg-type]
                               viewer=ac.Viewer.employee(emp))
                compare(dev, o, f"{engine} {emp} {first}..{last} {tz}")


def test_a_team_report_has_each_employee_and_the_viewer_sees_only_what_they_may(orgdir: Path) -> None:
    lake = orgdir / "lake"
    team = org.report(lake, first="2026-11-02", last="2026-11-06", tz="UTC", viewer=ac.Viewer.admin())
    assert [e.employee for e in team.employees] == EMPLOYEES
    assert team.timeline == ()
    total = 0
    for e in team.employees:
        assert e.employee is not None
        with device(orgdir, e.employee) as t:
            dev = t.report(first="2026-11-02", last="2026-11-06", tz="UTC", viewer=ac.Viewer.admin(),
                           categories=False)
        assert e.timeline == dev.timeline and e.totals == dev.totals and e.distribution == dev.distribution
        total += dev.totals.tracked_seconds
    assert team.totals.tracked_seconds == total
    lean = org.report(lake, first="2026-11-02", last="2026-11-06", tz="UTC", viewer=ac.Viewer.admin(),
                      employee_timelines=False)
    assert all(e.timeline == () for e in lean.employees)
    assert [(e.distribution, e.totals) for e in lean.employees] == [(e.distribution, e.totals) for e in team.employees]
    # An employee sees their own rows only, whatever they ask for; a manager theirs and the team's.
    own = org.report(lake, "2026-11-03", tz="UTC", viewer=ac.Viewer.employee("emp00001"))
    asked = org.report(lake, "2026-11-03", tz="UTC", viewer=ac.Viewer.employee("emp00001"),
                       employees=["emp00000", "emp00001"])
    assert own == asked and own.employees == ()
    lead = org.report(lake, "2026-11-03", tz="UTC", viewer=ac.Viewer.manager("emp00000", ["emp00002"]))
    assert [e.employee for e in lead.employees] == ["emp00000", "emp00002"]
    nobody = org.report(lake, "2026-11-03", tz="UTC", viewer=ac.Viewer.employee("stranger"))
    assert nobody.totals.tracked_seconds == 0 and nobody.top_applications == ()
    # A project filter.
    core = org.report(lake, "2026-11-03", tz="UTC", viewer=ac.Viewer.admin(), projects=["Shared"])
    assert [p.project for p in core.projects] == ["Shared"]


def test_bad_requests_are_named(orgdir: Path) -> None:
    lake = orgdir / "lake"
    with pytest.raises(ValueError, match="engine"):
        org.report(lake, "2026-11-03", tz="UTC", viewer=ac.Viewer.admin(), engine="oracle")  # type: ignore[arg-type]
    with pytest.raises(ac.InvalidInputError, match="Mars/Olympus"):
        org.report(lake, "2026-11-03", tz="Mars/Olympus", viewer=ac.Viewer.admin())
    with pytest.raises(ac.InvalidInputError, match="slot_seconds"):
        org.report(lake, "2026-11-03", tz="UTC", viewer=ac.Viewer.admin(), slot_seconds=7)
    with pytest.raises(TypeError, match="viewer"):
        org.report(lake, "2026-11-03", tz="UTC", viewer="admin")  # type: ignore[arg-type]
    plan, sql = org.queries(lake, first="2026-11-03", last="2026-11-03", tz="UTC",
                            viewer=ac.Viewer.employee("o'brien"))
    assert [n for n, _ in sql] == ["timeline", "projects", "employees", "applications", "websites"]
    assert "'o''brien'" in sql[0][1] and json.loads(plan)["employees"] == ["o'brien"]
