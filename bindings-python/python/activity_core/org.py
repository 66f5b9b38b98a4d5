"""Organisation reports over a dataset of many devices (written by `Tracker.export`): the same
five reports as a device's, for a team or the whole organisation, computed by a query engine.

    import activity_core.org as org
    r = org.report("/srv/lake", first="2026-11-01", last="2026-11-30", tz="Europe/Berlin",
                   viewer=activity_core.Viewer.admin())
    r.totals.tracked_seconds, r.employees[0].timeline, r.to_html()

DuckDB (`pip install duckdb`) is the default engine and needs nothing else. Apache Spark
(`pip install pyspark`, Java 17+) reads the same files, on this machine or a cluster: pass
`engine="spark"` and, to use your own cluster, `spark=` your `SparkSession`. The SQL is the
crate's (`activity-core/sql/org/`); the engine sums and the crate assembles the `Report`, so a
report restricted to one employee equals that employee's device report.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from . import _native
from ._types import Report, Viewer

__all__ = ["Engine", "report", "queries"]

Engine = Literal["duckdb", "spark"]

_TABLES = ("slots", "activities", "screenshots")


def _viewer(viewer: Viewer) -> str | None:
    from . import _viewer as checked

    return checked(viewer)


def _request(
    first: date | str,
    last: date | str,
    tz: str | None,
    employees: Iterable[str] | None,
    projects: Iterable[str] | None,
    top_n: int,
    slot_seconds: int,
    employee_timelines: bool = True,
) -> str:
    from . import NativeTracker

    return json.dumps(
        {
            "period": {
                "first": str(first),
                "last": str(last),
                "time_zone": tz or NativeTracker.system_time_zone(),
            },
            "employees": None if employees is None else [str(e) for e in employees],
            "projects": None if projects is None else [str(p) for p in projects],
            "top_n": int(top_n),
            "slot_seconds": int(slot_seconds),
            "employee_timelines": bool(employee_timelines),
        }
    )


def _root(dataset: str | os.PathLike[str]) -> str:
    root = os.fspath(dataset).rstrip("/")
    if "://" not in root:
        root = str(Path(root).resolve())
    return root


def _partitions(root: str, table: str, org: str | None, first: str, last: str) -> list[str] | None:
    """The `org=…/date=…` folders of `table` holding the days `first`..=`last` (of every org,
    or of `org`), in order; `None` for a dataset at a URL (its engine lists it). A report reads
    only its period's folders: listing a year of a large organisation's files (a file per
    device and day) for a day's report would cost more than the report."""
    if "://" in root:
        return None
    base = Path(root, table)
    orgs = sorted(base.glob("org=*")) if org is None else [base / f"org={org}"]
    d, end, days = date.fromisoformat(first), date.fromisoformat(last), []
    while d <= end:
        days.append(d.isoformat())
        d += timedelta(days=1)
    return [str(o / f"date={day}") for o in orgs for day in days if (o / f"date={day}").is_dir()]


# The tables' columns as SQL types, for a dataset without any file of a table yet (the
# engines refuse to read an empty glob).
_EMPTY = {
    "slots": "device VARCHAR, employee VARCHAR, project VARCHAR, task VARCHAR, slot_start TIMESTAMP, "
    "slot_seconds INTEGER, tracked_seconds INTEGER, keyboard_events BIGINT, mouse_events BIGINT, "
    "keyboard_seconds INTEGER, mouse_seconds INTEGER, active_seconds INTEGER, activity_percent INTEGER, "
    "active_percent INTEGER, max_expected_events INTEGER, org VARCHAR, date DATE",
    "activities": "device VARCHAR, employee VARCHAR, project VARCHAR, task VARCHAR, kind VARCHAR, "
    "application VARCHAR, title VARCHAR, domain VARCHAR, start TIMESTAMP, duration_ms BIGINT, "
    "slot_start TIMESTAMP, org VARCHAR, date DATE",
    "screenshots": "device VARCHAR, employee VARCHAR, project VARCHAR, task VARCHAR, id VARCHAR, "
    "taken_at TIMESTAMP, slot_start TIMESTAMP, monitor VARCHAR, x INTEGER, y INTEGER, width INTEGER, "
    "height INTEGER, blurred BOOLEAN, format VARCHAR, full_bytes BIGINT, thumb_bytes BIGINT, "
    "provider VARCHAR, full_key VARCHAR, thumb_key VARCHAR, uploaded BOOLEAN, org VARCHAR, date DATE",
}


def _duckdb_sources(root: str, org: str | None, first: str, last: str) -> dict[str, str]:
    out = {}
    for t in _TABLES:
        folders = _partitions(root, t, org, first, last)
        if folders is None or folders:
            globs = [f"{root}/{t}/**/*.parquet"] if folders is None else [f"{f}/*.parquet" for f in folders]
            paths = ", ".join("'" + g.replace("'", "''") + "'" for g in globs)
            src = (
                f"read_parquet([{paths}], hive_partitioning = true, "
                "hive_types = {'org': VARCHAR, 'date': DATE})"
            )
        else:
            cols = ", ".join(f"CAST(NULL AS {c.split(' ', 1)[1]}) AS {c.split(' ', 1)[0]}" for c in _EMPTY[t].split(", "))
            src = f"(SELECT {cols} LIMIT 0)"
        if org is not None:
            src = f"(SELECT * FROM {src} WHERE org = '{org.replace(chr(39), chr(39) * 2)}')"
        out[t] = src
    return out


def _plan_partitions(request: str, viewer: str | None, engine: str) -> tuple[str, str]:
    """The first and last `date=` partition the report of `request` reads (the crate's plan)."""
    plan, _ = _native.org_queries(request, viewer, engine, json.dumps({t: t for t in _TABLES}))
    p = json.loads(plan)["partitions"]
    return p["first"], p["last"]


def queries(
    dataset: str | os.PathLike[str],
    *,
    first: date | str,
    last: date | str,
    tz: str | None = None,
    viewer: Viewer,
    employees: Iterable[str] | None = None,
    projects: Iterable[str] | None = None,
    engine: Engine | Literal["postgres"] = "duckdb",
    org: str | None = None,
    top_n: int = 10,
    slot_seconds: int = 600,
    employee_timelines: bool = True,
    sources: dict[str, str] | None = None,
) -> tuple[str, list[tuple[str, str]]]:
    """The plan (JSON) and the five SQL queries the report runs, for reading or for running on
    an engine of your own (`sources`: a SQL table expression per table)."""
    request = _request(first, last, tz, employees, projects, top_n, slot_seconds, employee_timelines)
    checked = _viewer(viewer)
    if sources is None:
        if engine == "duckdb":
            sources = _duckdb_sources(_root(dataset), org, *_plan_partitions(request, checked, engine))
        else:
            sources = {t: t for t in _TABLES}
    return _native.org_queries(request, checked, engine, json.dumps(sources))


def _rows(answers: dict[str, list[tuple[Any, ...]]]) -> str:
    return json.dumps({name: [list(row) for row in rows] for name, rows in answers.items()})


def report(
    dataset: str | os.PathLike[str],
    day: date | str | None = None,
    *,
    first: date | str | None = None,
    last: date | str | None = None,
    tz: str | None = None,
    viewer: Viewer,
    employees: Iterable[str] | None = None,
    projects: Iterable[str] | None = None,
    engine: Engine = "duckdb",
    spark: Any = None,
    connection: Any = None,
    org: str | None = None,
    top_n: int = 10,
    slot_seconds: int = 600,
    employee_timelines: bool = True,
) -> Report:
    """The organisation's report of `day` (or `first`..=`last`) in the IANA time zone `tz`
    (default: the system's) over the dataset at `dataset` (a folder, or a URL your engine
    reads: `s3://bucket/prefix` with DuckDB's httpfs or Spark's s3a): the same `Report` as a
    device's, with `employees` holding each person's timeline, distribution and totals when
    there are several. `viewer` applies as on a device: an employee sees their own rows only, a
    manager theirs and their team's. `org` limits the rows to one `org=` partition.

    `employee_timelines=False` leaves each employee's timeline out of a report over several
    (a month of 1,000 employees is 4.3 million slots); their distributions and totals stay.

    `engine="duckdb"` (default) runs in this process (`connection=` an open DuckDB connection
    to reuse); `engine="spark"` runs on `spark` (a `SparkSession`; default: a local one)."""
    if day is not None:
        if first is not None or last is not None:
            raise TypeError("give day, or first and last, not both")
        first = last = day
    if first is None or last is None:
        raise TypeError("report() needs day, or first and last")
    root = _root(dataset)
    if engine == "duckdb":
        import duckdb

        if connection is None:
            connection = duckdb.connect()
            # Footers read once per connection (a dataset has one small file per device and day).
            connection.execute("SET parquet_metadata_cache = true")
        con = connection
        plan, sql = queries(
            root, first=first, last=last, tz=tz, viewer=viewer, employees=employees,
            projects=projects, engine="duckdb", org=org, top_n=top_n, slot_seconds=slot_seconds,
            employee_timelines=employee_timelines,
        )
        answers = {name: con.execute(q).fetchall() for name, q in sql}
    elif engine == "spark":
        session = spark if spark is not None else _local_spark()
        names = {}
        span = _plan_partitions(
            _request(first, last, tz, employees, projects, top_n, slot_seconds), _viewer(viewer), "spark"
        )
        for t in _TABLES:
            view = f"ac_{t}"
            folders = _partitions(root, t, org, *span)
            if folders is None or folders:
                paths = [f"{root}/{t}"] if folders is None else folders
                df = session.read.option("basePath", f"{root}/{t}").parquet(*paths)
            else:
                df = session.createDataFrame([], _EMPTY[t].replace("VARCHAR", "STRING"))
            if org is not None:
                df = df.where(df["org"] == org)
            df.createOrReplaceTempView(view)
            names[t] = view
        plan, sql = queries(
            root, first=first, last=last, tz=tz, viewer=viewer, employees=employees,
            projects=projects, engine="spark", top_n=top_n, slot_seconds=slot_seconds,
            employee_timelines=employee_timelines, sources=names,
        )
        answers = {name: [tuple(r) for r in session.sql(q).collect()] for name, q in sql}
    else:
        raise ValueError(f'engine must be "duckdb" or "spark", got {engine!r}')
    return Report.from_native(_native.org_assemble(plan, _rows(answers)))


_SPARK: Any = None


def _local_spark() -> Any:
    """One local SparkSession for this process (UTC, so timestamps are read as instants)."""
    global _SPARK
    if _SPARK is None:
        from pyspark.sql import SparkSession

        _SPARK = (
            SparkSession.builder.master("local[2]")
            .appName("activity-core org report")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK
