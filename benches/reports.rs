//! Reports at a year of heavy use: one employee-year (52,560 ten-minute slots, ~1,050,000
//! activity records over 500 applications and 2,000 domains, three projects) built through the
//! record store's writer (rollups kept as it writes), then: one day's report, a 30-day report, a
//! whole-year report, and — the reference in the same run — the year's top applications the
//! plain way (a GROUP BY over the activity rows). Also the cost of keeping the rollups when
//! writing: the writer's two statements against the activity insert alone, on the same rows.
//! Prints times and ratios (`cargo bench --features internals --bench reports`).

use std::time::Instant;

use activity_core::capture::SourceKind;
use activity_core::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use activity_core::model::report::Period;
use activity_core::model::score::{SecondMap, SlotCounts};
use activity_core::runtime::{ReportRequest, Viewer};
use activity_core::storage::records::{RecordStore, SlotRow, Write};
use activity_core::{Config, Timestamp, Tracker};

const YEAR_START: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let full = std::env::args().any(|a| a == "--bench");
    let days: i64 = if full { 365 } else { 3 };
    let dir = std::env::temp_dir().join(format!("ac-bench-reports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = RecordStore::open(dir.join("activity.sqlite")).expect("store");
    let ctx = |p: i64| WorkContext {
        employee: Some("ana".into()),
        project: Some(["Apollo", "Hermes", "Zeus"][(p % 3) as usize].into()),
        task: None,
    };
    let t0 = Instant::now();
    let mut batch = Vec::with_capacity(4096);
    let mut activities = 0u64;
    for slot in 0..days * 144 {
        let start = YEAR_START + slot * 600_000;
        let mut counts = SlotCounts {
            slot_start: Timestamp::from_millis(start),
            slot_seconds: 600,
            tracked_millis: 600_000,
            keyboard_events: (slot % 700) as u32,
            mouse_events: (slot % 300) as u32,
            keyboard: SecondMap::new(600),
            mouse: SecondMap::new(600),
        };
        counts.keyboard.set((slot % 600) as u32);
        batch.push(Write::Slot(Box::new(SlotRow {
            counts,
            context: ctx(slot / 144),
        })));
        // 20 records per slot: applications and sites spread over 500 and 2,000 names.
        for k in 0..20i64 {
            let url = k % 3 == 0;
            let n = slot * 20 + k;
            let domain = url.then(|| format!("site{}.example", (n * 7919) % 2000));
            batch.push(Write::Activity(Box::new(ActivityRecord {
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
            activities += 1;
        }
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

    let tracker = Tracker::builder(Config::default())
        .data_dir(&dir)
        .without_source(SourceKind::Screens)
        .without_source(SourceKind::Input)
        .without_source(SourceKind::Windows)
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
    let report = |first: &str, last: &str| {
        let r = ReportRequest {
            period: Period::days(first, last, "Europe/Berlin"),
            employee: None,
            project: None,
            top_n: 10,
        };
        std::hint::black_box(tracker.report(&Viewer::Admin, &r).expect("report"));
    };
    let last_day = if full { "2026-12-30" } else { "2026-01-02" };
    let day = time(&|| report("2026-01-02", "2026-01-02"));
    let month = time(&|| report("2026-01-01", if full { "2026-01-30" } else { "2026-01-02" }));
    let year = time(&|| report("2026-01-01", last_day));
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
        "year top apps, GROUP BY over {activities} rows {plain:8.2} ms   plain / year report = {:.1}x   (goal >= 20x)",
        plain / year
    );

    // Writing with the rollup against without it: the writer's statements on the same rows.
    let w = rusqlite::Connection::open_in_memory().expect("mem");
    w.execute_batch(
        "CREATE TABLE a (kind TEXT, title TEXT, application TEXT, url TEXT, domain TEXT, start_ms INTEGER,
             duration_ms INTEGER, slot_start INTEGER, employee TEXT, project TEXT, task TEXT);
         CREATE INDEX a1 ON a (slot_start); CREATE INDEX a2 ON a (start_ms);
         CREATE TABLE u (hour_start INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
             employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL, duration_ms INTEGER NOT NULL,
             PRIMARY KEY (hour_start, kind, name, employee, project, task)) WITHOUT ROWID;",
    )
    .expect("schema");
    let n = if full { 200_000 } else { 2_000 };
    let insert = |rollup: bool| -> f64 {
        w.execute_batch("DELETE FROM a; DELETE FROM u;")
            .expect("clear");
        let t = Instant::now();
        w.execute_batch("BEGIN").expect("begin");
        for i in 0..n {
            let slot = YEAR_START + (i / 20) * 600_000;
            let app = format!("app{}", (i * 104_729) % 500);
            w.prepare_cached("INSERT INTO a VALUES ('APP', 't', ?1, NULL, NULL, ?2, 30000, ?3, 'ana', 'Apollo', '')")
                .expect("sql")
                .execute(rusqlite::params![app, slot + i % 20 * 30_000, slot])
                .expect("insert");
            if rollup {
                w.prepare_cached(
                    "INSERT INTO u VALUES (?1, 'APP', ?2, 'ana', 'Apollo', '', 30000)
                     ON CONFLICT DO UPDATE SET duration_ms = duration_ms + excluded.duration_ms",
                )
                .expect("sql")
                .execute(rusqlite::params![slot - slot % 3_600_000, app])
                .expect("upsert");
            }
        }
        w.execute_batch("COMMIT").expect("commit");
        t.elapsed().as_secs_f64() * 1e3
    };
    let (mut with, mut without) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        without = without.min(insert(false));
        with = with.min(insert(true));
    }
    println!(
        "writing {n} records: {without:.1} ms without rollups, {with:.1} ms with   ratio {:.2}x   (goal <= 1.3x)",
        with / without
    );
    drop(tracker);
    let _ = std::fs::remove_dir_all(&dir);
}
