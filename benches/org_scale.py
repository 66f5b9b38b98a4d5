"""Org scale, measured (scripts/bench-org.sh runs this in a venv with the release wheel):

- a synthetic organisation, N employees x 22 working days x 8 h, generated through the
  library's own record store (the `org_seed` example, release build, two processes) and
  exported with `Tracker::export`: export throughput (rows/s on one core), bytes per slot in
  the devices' SQLite and in Parquet;
- the organisation's month report (November 2026, Europe/Berlin, every employee, the five
  reports) on DuckDB over the Parquet files, on Spark in local mode over the same files, and
  (at --postgres-size employees) on PostgreSQL 15 with the same rows loaded by COPY and indexed
  as Gauzy's time-slot table is (by employee and start time), running the same SQL;
- one employee's week on DuckDB;
- the month report at each size, to show how it scales.

Times are medians of repeated runs in this process; ratios are against the run's own DuckDB
figure (machines here are noisy: compare ratios, not absolute times).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import activity_core as ac
import activity_core.org as org

MONTH = dict(first="2026-11-01", last="2026-11-30", tz="Europe/Berlin")
WEEK = dict(first="2026-11-02", last="2026-11-08", tz="Europe/Berlin")


def median_time(f: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def seed(tool: str, out: Path, employees: int, days: int, procs: int = 2) -> dict[str, float]:
    """Generates and exports the organisation (device folders past the first 3 deleted once
    exported); returns the seed tool's figures summed over its processes."""
    marker = out / "seeded.json"
    if marker.exists():
        total = json.loads(marker.read_text())
        if "parquet_files" not in total:  # written by an earlier version of this script
            total["parquet_bytes"] = sum(f.stat().st_size for f in (out / "lake").rglob("*.parquet"))
            total["parquet_files"] = sum(1 for _ in (out / "lake").rglob("*.parquet"))
            total["parquet_bytes_per_slot"] = total["parquet_bytes"] / total["slots"]
            marker.write_text(json.dumps(total))
        return dict(total)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    share = (employees + procs - 1) // procs
    runs = []
    for p in range(procs):
        n = min(share, employees - p * share)
        if n <= 0:
            continue
        runs.append(subprocess.Popen(
            [tool, "--out", str(out), "--employees", str(n), "--start", str(p * share), "--days", str(days),
             "--keep-devices", "3"], stdout=subprocess.PIPE, text=True))
    total: dict[str, float] = {}
    for r in runs:
        line, _ = r.communicate()
        assert r.returncode == 0, f"org_seed failed: {line}"
        for k, v in json.loads(line.strip().splitlines()[-1]).items():
            total[k] = total.get(k, 0) + v
    # Rows/s of one core (each process exports on one thread); bytes per slot over all (each
    # process measured the whole shared lake: measure it once here).
    total["export_rows_per_second"] = total["export_rows"] / total["export_seconds"]
    total["parquet_bytes"] = sum(f.stat().st_size for f in (out / "lake").rglob("*.parquet"))
    total["parquet_files"] = sum(1 for _ in (out / "lake").rglob("*.parquet"))
    total["sqlite_bytes_per_slot"] = total["sqlite_bytes"] / total["slots"]
    total["parquet_bytes_per_slot"] = total["parquet_bytes"] / total["slots"]
    total["employees"] = employees
    marker.write_text(json.dumps(total))
    return total


def duckdb_month(lake: Path, runs: int, timelines: bool = True) -> dict[str, float]:
    import duckdb

    con = duckdb.connect()
    admin = ac.Viewer.admin()
    _, sql = org.queries(lake, viewer=admin, **MONTH)  # type: ignore[arg-type]
    engine, _ = median_time(lambda: [con.execute(q).fetchall() for _, q in sql], runs)
    lean, r = median_time(lambda: org.report(lake, viewer=admin, connection=con, employee_timelines=False,
                                             **MONTH), runs)  # type: ignore[arg-type]
    full = (median_time(lambda: org.report(lake, viewer=admin, connection=con, **MONTH), 1)[0]  # type: ignore[arg-type]
            if timelines else float("nan"))
    week, w = median_time(lambda: org.report(lake, viewer=ac.Viewer.employee("emp00000"), connection=con,
                                             **WEEK), max(runs, 3))  # type: ignore[arg-type]
    # The same week's queries over sources that list the whole dataset (`**`, what org.report
    # did before it listed only the period's date= folders), for the ratio.
    whole = {t: (f"read_parquet('{lake}/{t}/**/*.parquet', hive_partitioning = true, "
                 "hive_types = {'org': VARCHAR, 'date': DATE})") for t in ("slots", "activities", "screenshots")}
    emp = ac.Viewer.employee("emp00000")
    _, folders_sql = org.queries(lake, viewer=emp, **WEEK)  # type: ignore[arg-type]
    _, whole_sql = org.queries(lake, viewer=emp, sources=whole, **WEEK)  # type: ignore[arg-type]
    week_folders, _ = median_time(lambda: [con.execute(q).fetchall() for _, q in folders_sql], max(runs, 3))
    week_whole, _ = median_time(lambda: [con.execute(q).fetchall() for _, q in whole_sql], max(runs, 3))
    assert r.totals.tracked_seconds > 0 and w.totals.tracked_seconds > 0
    return {"engine": engine, "report": lean, "report_with_timelines": full, "one_employee_week": week,
            "week_queries_period_folders": week_folders, "week_queries_whole_listing": week_whole,
            "tracked_hours": r.totals.tracked_seconds / 3600, "employees": len(r.employees)}


def compact(lake: Path, out: Path) -> dict[str, float]:
    """The same dataset with one file per table and day (what a compaction job would write),
    sorted by employee and time so a file's row groups carry narrow employee ranges."""
    import duckdb

    if not (out / "done").exists():
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        con = duckdb.connect()
        for table, order in (("slots", "employee, slot_start"), ("activities", "employee, slot_start"),
                             ("screenshots", "employee, taken_at")):
            con.execute(
                f"COPY (SELECT * FROM read_parquet('{lake}/{table}/**/*.parquet', hive_partitioning = true, "
                f"hive_types = {{'org': VARCHAR, 'date': DATE}}) ORDER BY {order}) TO '{out / table}' "
                "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (org, date), ROW_GROUP_SIZE 16384)")
        (out / "done").write_text("")
    return {"files": sum(1 for _ in out.rglob("*.parquet")),
            "bytes": sum(f.stat().st_size for f in out.rglob("*.parquet"))}


def spark_month(lake: Path, runs: int) -> dict[str, float]:
    admin = ac.Viewer.admin()
    cold, _ = median_time(lambda: org.report(lake, viewer=admin, engine="spark", employee_timelines=False,
                                             **MONTH), 1)  # type: ignore[arg-type]
    warm, r = median_time(lambda: org.report(lake, viewer=admin, engine="spark", employee_timelines=False,
                                             **MONTH), runs)  # type: ignore[arg-type]
    assert r.totals.tracked_seconds > 0
    return {"report_cold": cold, "report": warm}


class Postgres:
    """A PostgreSQL 15 cluster of Debian's package in a temporary folder, run as `postgres`
    (it refuses root), on a Unix socket."""

    BIN = Path("/usr/lib/postgresql/15/bin")

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        shutil.chown(root, "postgres")
        self.data, self.sock = root / "data", root
        self.su(f"{self.BIN}/initdb -D {self.data} -A trust -U postgres --no-sync > {root}/initdb.log")
        conf = (f"-c shared_buffers=2GB -c work_mem=256MB -c max_parallel_workers_per_gather=2 "
                f"-c unix_socket_directories={self.sock} -c listen_addresses='' -c fsync=off "
                f"-c synchronous_commit=off -c full_page_writes=off")
        self.su(f'{self.BIN}/pg_ctl -D {self.data} -o "{conf}" -l {root}/server.log -w start')

    @staticmethod
    def su(cmd: str) -> None:
        if os.geteuid() == 0:
            subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", cmd], check=True)
        else:
            subprocess.run(["sh", "-c", cmd], check=True)

    def connect(self) -> Any:
        import psycopg

        return psycopg.connect(host=str(self.sock), user="postgres", dbname="postgres", autocommit=True)

    def stop(self) -> None:
        self.su(f"{self.BIN}/pg_ctl -D {self.data} -m fast -w stop")


def postgres_month(lake: Path, root: Path, runs: int) -> dict[str, float]:
    import duckdb

    pg = Postgres(root)
    try:
        con = pg.connect()
        con.execute("CREATE FUNCTION EPOCH_MS(timestamptz) RETURNS bigint IMMUTABLE LANGUAGE sql "
                    "AS 'SELECT (extract(epoch from $1) * 1000)::bigint'")
        types = {"VARCHAR": "text", "TIMESTAMP WITH TIME ZONE": "timestamptz", "INTEGER": "integer",
                 "BIGINT": "bigint", "BOOLEAN": "boolean", "DATE": "date"}
        duck = duckdb.connect()
        load = 0.0
        for table in ("slots", "activities", "screenshots"):
            src = (f"read_parquet('{lake}/{table}/**/*.parquet', hive_partitioning = true, "
                   "hive_types = {'org': VARCHAR, 'date': DATE})")
            cols = duck.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
            con.execute(f"CREATE TABLE {table} ({', '.join(f'{c[0]} {types[c[1]]}' for c in cols)})")
            csv = root / f"{table}.csv"
            duck.execute(f"COPY (SELECT * FROM {src}) TO '{csv}' (HEADER false)")
            t0 = time.perf_counter()
            with con.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv)") as copy, \
                    open(csv, "rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            load += time.perf_counter() - t0
            csv.unlink()
        # Gauzy's time_slot is indexed by employee and start time; the same for each table.
        t0 = time.perf_counter()
        con.execute("CREATE INDEX slots_employee_start ON slots (employee, slot_start)")
        con.execute("CREATE INDEX activities_employee_start ON activities (employee, slot_start)")
        con.execute("CREATE INDEX screenshots_employee_taken ON screenshots (employee, taken_at)")
        con.execute("ANALYZE")
        index = time.perf_counter() - t0
        _, sql = org.queries(lake, viewer=ac.Viewer.admin(), engine="postgres",
                             sources={"slots": "slots", "activities": "activities", "screenshots": "screenshots"},
                             **MONTH)  # type: ignore[arg-type]
        run = lambda: [con.execute(q).fetchall() for _, q in sql]  # noqa: E731
        run()  # warm the cache
        engine, _ = median_time(run, runs)
        week_sql = org.queries(lake, viewer=ac.Viewer.employee("emp00000"), engine="postgres",
                               sources={"slots": "slots", "activities": "activities", "screenshots": "screenshots"},
                               **WEEK)[1]  # type: ignore[arg-type]
        week, _ = median_time(lambda: [con.execute(q).fetchall() for _, q in week_sql], 5)
        size = con.execute("SELECT pg_database_size('postgres')").fetchone()[0]
        return {"engine": engine, "one_employee_week_engine": week, "load_seconds": load, "index_seconds": index,
                "database_bytes": size}
    finally:
        pg.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", required=True, help="the org_seed example (release build)")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--sizes", default="100,1000,5000")
    ap.add_argument("--days", type=int, default=22)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--spark", action="store_true")
    ap.add_argument("--postgres-size", type=int, default=1000, help="0: no PostgreSQL")
    a = ap.parse_args()
    results = []
    for n in [int(s) for s in a.sizes.split(",")]:
        out = a.out / f"org-{n}"
        t0 = time.perf_counter()
        gen = seed(a.seed, out, n, a.days)
        print(f"\n== {n} employees x {a.days} days: {gen['slots']:,.0f} slots, {gen['activities']:,.0f} activity "
              f"rows, {gen['screenshots']:,.0f} screenshots (ready in {time.perf_counter() - t0:.0f} s)", flush=True)
        print(f"export: {gen['export_rows_per_second']:,.0f} rows/s per core; bytes per slot: SQLite "
              f"{gen['sqlite_bytes_per_slot']:,.0f}, Parquet {gen['parquet_bytes_per_slot']:,.0f} "
              f"({gen['sqlite_bytes_per_slot'] / gen['parquet_bytes_per_slot']:.1f}x smaller)", flush=True)
        lake = out / "lake"
        # 5,000 employees' month is 21.6 million timeline slots: once, without timelines.
        big = n >= 5000
        runs = 1 if big else a.runs
        row: dict[str, Any] = {"employees": n, "generated": gen, "duckdb": duckdb_month(lake, runs, not big)}
        d = row["duckdb"]
        print(f"DuckDB month: five queries {d['engine'] * 1000:,.0f} ms; report {d['report'] * 1000:,.0f} ms "
              f"(with every employee's timeline {d['report_with_timelines'] * 1000:,.0f} ms); one employee's "
              f"week {d['one_employee_week'] * 1000:,.1f} ms (its queries over the period's folders "
              f"{d['week_queries_period_folders'] * 1000:,.1f} ms, over a listing of the whole dataset "
              f"{d['week_queries_whole_listing'] * 1000:,.1f} ms)", flush=True)
        packed = out / "compacted"
        row["compacted"] = {**compact(lake, packed), **duckdb_month(packed, runs, not big)}
        c = row["compacted"]
        print(f"the same, compacted to one file per table and day ({c['files']:,} files instead of "
              f"{gen['parquet_files']:,.0f}): DuckDB five queries {c['engine'] * 1000:,.0f} ms, report "
              f"{c['report'] * 1000:,.0f} ms, one employee's week {c['one_employee_week'] * 1000:,.1f} ms", flush=True)
        if a.spark and not big:
            row["spark"] = spark_month(lake, runs)
            s = row["spark"]
            print(f"Spark local[2] month report: {s['report'] * 1000:,.0f} ms warm ({s['report_cold'] * 1000:,.0f} ms "
                  f"cold) = {s['report'] / d['report']:.1f}x DuckDB's", flush=True)
        if a.postgres_size == n:
            row["postgres"] = postgres_month(lake, a.out / "pg", runs)
            p = row["postgres"]
            print(f"PostgreSQL 15 month, the same five queries: {p['engine'] * 1000:,.0f} ms = "
                  f"{p['engine'] / d['engine']:.1f}x DuckDB's over Parquet; one employee's week "
                  f"{p['one_employee_week_engine'] * 1000:,.1f} ms; COPY {p['load_seconds']:.0f} s, indexes "
                  f"{p['index_seconds']:.0f} s, {p['database_bytes'] / 1e9:.2f} GB", flush=True)
        results.append(row)
    (a.out / "org_scale.json").write_text(json.dumps(results, indent=2))
    print("\nsize  | DuckDB five queries | DuckDB report | per employee")
    for r in results:
        d = r["duckdb"]
        print(f"{r['employees']:>5} | {d['engine'] * 1000:>10,.0f} ms | {d['report'] * 1000:>10,.0f} ms | "
              f"{d['engine'] * 1e6 / r['employees']:,.0f} us")


if __name__ == "__main__":
    sys.exit(main())
