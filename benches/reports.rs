//! Reports at a year of heavy use: one employee-year (52,560 ten-minute slots, ~1,050,000
//! activity records over 500 applications and 2,000 domains, three projects) built through the
//! record store's writer (rollups kept as it writes), then: one day's report, a 30-day report, a
//! whole-year report, and — the reference in the same run — the year's top applications the
//! plain way (a GROUP BY over the activity rows). Also the cost of keeping the rollups when
//! writing: the same records through the real store with and without them.
//! Prints times and ratios (`cargo bench --features internals --bench reports`).

use std::time::Instant;

use activity_core::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use activity_core::model::report::Period;
use activity_core::model::score::{SecondMap, SlotCounts};
use activity_core::runtime::{ReportRequest, Viewer};
use activity_core::storage::records::{RecordStore, SlotRow, Write};
use activity_core::{Config, Timestamp, Tracker};

const YEAR_START: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn ctx(p: i64) -> WorkContext {
    WorkContext {
        employee: Some("ana".into()),
        project: Some(["Apollo", "Hermes", "Zeus"][(p % 3) as usize].into()),
        task: None,
    }
}

/// Slot number `slot` of the heavy year (10-minute slots from `YEAR_START`): its counts and 20
/// activity records, applications and sites spread over 500 and 2,000 names. `new_sites`: a
/// third of the records are websites, each one a site never seen before (the harshest case
/// for the name table), instead of the year's mix.
fn heavy_slot(slot: i64, new_sites: bool) -> Vec<Write> {
    let start = YEAR_START + slot * 600_000;
    let mut counts = SlotCounts {
        slot_start: Timestamp::from_millis(start),
        slot_seconds: 600,
        tracked_millis: 600_000,
        keyboard_events: (slot % 700) as u32,
        mouse_events: (slot % 300) as u32,
        keyboard: SecondMap::new(600),
        mouse: SecondMap::new(600),
        presence: SecondMap::new(600),
        counts_events: true,
    };
    counts.keyboard.set((slot % 600) as u32);
    let mut writes = vec![Write::Slot(Box::new(SlotRow {
        counts,
        context: ctx(slot / 144),
    }))];
    for k in 0..20i64 {
        let n = slot * 20 + k;
        let url = if new_sites { n % 3 == 0 } else { k % 3 == 0 };
        let domain = url.then(|| {
            if new_sites {
                format!("site{n}.example")
            } else {
                format!("site{}.example", (n * 7919) % 2000)
            }
        });
        writes.push(Write::Activity(Box::new(ActivityRecord {
            kind: if url {
                ActivityKind::Url
            } else {
                ActivityKind::App
            },
            title: format!("w{}", n % 97),
            application: format!("app{}", (n * 104_729) % 500),
            url: domain.as_ref().map(|d| format!("https://{d}/")),
            domain,
            start: Timestamp::from_millis(start + k * 30_000),
            duration_millis: 30_000,
            slot_start: Timestamp::from_millis(start),
            context: ctx(slot / 144),
        })));
    }
    writes
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let full = std::env::args().any(|a| a == "--bench");
    let days: i64 = if full { 365 } else { 3 };
    let dir = std::env::temp_dir().join(format!("ac-bench-reports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // AC_BENCH_PART=reads or =writes runs one half (for a profiler).
    let part = std::env::var("AC_BENCH_PART").unwrap_or_default();
    if part != "writes" {
        reads(&dir, full, days);
    }
    if part != "reads" {
        writes(&dir, full);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The year's store and its reports against the plain GROUP BY.
fn reads(dir: &std::path::Path, full: bool, days: i64) {
    let store = RecordStore::open(dir.join("activity.sqlite")).expect("store");
    let t0 = Instant::now();
    let mut batch = Vec::with_capacity(4096);
    let mut activities = 0u64;
    for slot in 0..days * 144 {
        let writes = heavy_slot(slot, false);
        activities += writes.len() as u64 - 1;
        batch.extend(writes);
        if batch.len() >= 4000 {
            store.write(std::mem::take(&mut batch)).expect("write");
        }
    }
    store.write(batch).expect("write");
    store.close();
    drop(store);
    println!(
        "built {} slots, {activities} activity records in {:.1} s",
        days * 144,
        t0.elapsed().as_secs_f64()
    );

    // The reports are read the day after the data's year: every day of it is finished.
    let after = Timestamp::from_millis(YEAR_START + (days + 1) * 86_400_000);
    let tracker = Tracker::builder(Config::default())
        .data_dir(dir)
        .clock(std::sync::Arc::new(activity_core::ManualClock::new(after)))
        .without_sources()
        .build()
        .expect("tracker");
    let time = |f: &dyn Fn()| -> f64 {
        f(); // warm
        let runs = if full { 5 } else { 1 };
        let mut best = f64::MAX;
        for _ in 0..runs {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
        best
    };
    let report_with = |first: &str, last: &str, categories: bool| {
        let r = ReportRequest {
            period: Period::days(first, last, "Europe/Berlin"),
            employee: None,
            project: None,
            top_n: 10,
            categories,
        };
        std::hint::black_box(tracker.report(&Viewer::Admin, &r).expect("report"));
    };
    let report = |first: &str, last: &str| report_with(first, last, false);
    let last_day = if full { "2026-12-30" } else { "2026-01-02" };
    let day = time(&|| report("2026-01-02", "2026-01-02"));
    let month = time(&|| report("2026-01-01", if full { "2026-01-30" } else { "2026-01-02" }));
    let year = time(&|| report("2026-01-01", last_day));
    // The same with productivity categories (ActivityWatch's default set): the first report
    // classifies every finished day's rows into the category cache, later ones read it.
    let t = Instant::now();
    report_with("2026-01-01", last_day, true);
    let cold = t.elapsed().as_secs_f64() * 1e3;
    let year_categories = time(&|| report_with("2026-01-01", last_day, true));
    let day_categories = time(&|| report_with("2026-01-02", "2026-01-02", true));
    if std::env::var("AC_BENCH_YEAR_LOOP").is_ok() {
        for _ in 0..300 {
            report("2026-01-01", last_day);
        }
    }
    let db = rusqlite::Connection::open(dir.join("activity.sqlite")).expect("db");
    let plain = time(&|| {
        let mut st = db
            .prepare_cached(
                "SELECT application, SUM(duration_ms) AS d FROM activities WHERE kind = 'APP'
                 GROUP BY application ORDER BY d DESC LIMIT 10",
            )
            .expect("sql");
        let rows: Vec<(String, i64)> = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .map(Result::unwrap)
            .collect();
        std::hint::black_box(rows);
    });
    println!("day report            {day:8.2} ms   (goal <= 5 ms)");
    println!("30-day report         {month:8.2} ms");
    println!("year report           {year:8.2} ms");
    println!(
        "year report with categories {year_categories:8.2} ms   / without = {:.2}x   (goal <= 1.5x); first one (fills the category cache) {cold:.0} ms",
        year_categories / year
    );
    println!(
        "day report with categories  {day_categories:8.2} ms   / without = {:.2}x",
        day_categories / day
    );
    println!(
        "year top apps, GROUP BY over {activities} rows {plain:8.2} ms   plain / year report = {:.1}x   (goal >= 20x)",
        plain / year
    );
    drop(tracker);
}

/// What keeping the rollups costs the writer.
fn writes(dir: &std::path::Path, full: bool) {
    // What keeping the rollups costs the writer: the same records through the real store
    // (WAL, synchronous=FULL), with and without them, alternating, best of three. Shapes: the
    // tracker's (one job per slot: the slot and its 20 records, one commit each), the same with
    // every website new, and bulk jobs of 4,200 writes (an import).
    let write_dir = dir.join("writes");
    // `slots_per_job` heavy slots (21 writes each) per job.
    let measure = |rollups: bool, jobs: i64, slots_per_job: i64, new_sites: bool| -> f64 {
        let _ = std::fs::remove_dir_all(&write_dir);
        let store = RecordStore::open(write_dir.join("w.sqlite")).expect("store");
        let t = Instant::now();
        for j in 0..jobs {
            let writes: Vec<Write> = (j * slots_per_job..(j + 1) * slots_per_job)
                .flat_map(|slot| heavy_slot(slot, new_sites))
                .collect();
            if rollups {
                store.write(writes).expect("write");
            } else {
                store.write_without_rollups(writes).expect("write");
            }
        }
        let ms = t.elapsed().as_secs_f64() * 1e3;
        store.close();
        ms
    };
    for (label, jobs, slots_per_job, new_sites) in [
        (
            "per slot (a slot + 20 records, one commit each)",
            if full { 1000 } else { 20 },
            1,
            false,
        ),
        (
            "per slot, every site new (7 per commit)",
            if full { 1000 } else { 20 },
            1,
            true,
        ),
        (
            "bulk (200 slots, 4,200 writes per commit)",
            if full { 50 } else { 2 },
            200,
            false,
        ),
    ] {
        let (mut with, mut without) = (f64::MAX, f64::MAX);
        for _ in 0..3 {
            without = without.min(measure(false, jobs, slots_per_job, new_sites));
            with = with.min(measure(true, jobs, slots_per_job, new_sites));
        }
        println!(
            "writing {label}, {} records: {without:.1} ms without rollups, {with:.1} ms with   ratio {:.2}x   (goal <= 1.3x)",
            jobs * slots_per_job * 20,
            with / without
        );
    }
}
