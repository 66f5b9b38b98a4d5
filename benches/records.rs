//! Acknowledged record writes per second in the SQLite record store.
//!
//! ```text
//! cargo bench --bench records
//! ```
//!
//! "Acknowledged" means `RecordStore::write` has returned: the transaction has committed in WAL
//! mode with `synchronous=FULL`. Cases, measured in one run:
//! - `one writer, batches of 1000`: a caller that batches itself;
//! - `8 writers, batches of 10`: many small concurrent writes, batched by the store's group commit;
//! - reference: plain rusqlite, same pragmas, one transaction per record (what a store without
//!   batching does).
//!
//! Goal (issue 3/4): at least 100,000 records/s.

use std::sync::Arc;
use std::time::Instant;

use activity_core::Timestamp;
use activity_core::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use activity_core::storage::records::{RecordStore, Write};

fn record(i: u64) -> ActivityRecord {
    ActivityRecord {
        kind: ActivityKind::App,
        title: format!("main.rs - activity-core - Visual Studio Code #{i}"),
        application: "code".into(),
        url: None,
        domain: None,
        start: Timestamp::from_millis(1_796_025_600_000 + i as i64 * 1000),
        duration_millis: 1000,
        slot_start: Timestamp::from_millis(1_796_025_600_000),
        context: WorkContext {
            employee: Some("emp-1".into()),
            project: Some("activity-core".into()),
            task: None,
        },
    }
}

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ac-bench-records-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn store_case(name: &str, writers: u64, batch: u64, total: u64) -> f64 {
    let d = dir(name);
    let store = RecordStore::open(d.join("r.sqlite")).expect("open");
    let per_writer = total / writers;
    let start = Instant::now();
    std::thread::scope(|s| {
        for w in 0..writers {
            let store = Arc::clone(&store);
            s.spawn(move || {
                let mut i = w * per_writer;
                let end = i + per_writer;
                while i < end {
                    let n = batch.min(end - i);
                    store
                        .write(
                            (i..i + n)
                                .map(|k| Write::Activity(Box::new(record(k))))
                                .collect(),
                        )
                        .expect("write");
                    i += n;
                }
            });
        }
    });
    let rate = (per_writer * writers) as f64 / start.elapsed().as_secs_f64();
    assert_eq!(store.activity_count().expect("count"), per_writer * writers);
    store.close();
    let _ = std::fs::remove_dir_all(&d);
    rate
}

fn reference(total: u64) -> f64 {
    let d = dir("reference");
    let conn = rusqlite::Connection::open(d.join("r.sqlite")).expect("open");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("sync");
    conn.execute_batch(
        "CREATE TABLE activities (id INTEGER PRIMARY KEY, kind TEXT, title TEXT, application TEXT, url TEXT,
         domain TEXT, start_ms INTEGER, duration_ms INTEGER, slot_start INTEGER, employee TEXT, project TEXT, task TEXT)",
    )
    .expect("schema");
    let start = Instant::now();
    for i in 0..total {
        let r = record(i);
        conn.execute(
            "INSERT INTO activities (kind, title, application, url, domain, start_ms, duration_ms, slot_start,
             employee, project, task) VALUES ('APP', ?1, ?2, NULL, NULL, ?3, ?4, ?5, ?6, ?7, '')",
            rusqlite::params![r.title, r.application, r.start.as_millis(), r.duration_millis, r.slot_start.as_millis(), "emp-1", "activity-core"],
        )
        .expect("insert");
    }
    let rate = total as f64 / start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&d);
    rate
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let reference = reference(2_000);
    let rows = [
        (
            "one writer, batches of 1000",
            store_case("one", 1, 1000, 400_000),
        ),
        (
            "2 writers, batches of 1000",
            store_case("two", 2, 1000, 400_000),
        ),
        (
            "8 writers, batches of 10",
            store_case("eight", 8, 10, 200_000),
        ),
        (
            "8 writers, single records",
            store_case("single", 8, 1, 40_000),
        ),
    ];
    println!("\nacknowledged record writes per second (WAL, synchronous=FULL)");
    println!(
        "  {:<44} {:>12.0} /s  1.0x",
        "reference: one transaction per record", reference
    );
    for (name, rate) in rows {
        println!(
            "  {:<44} {:>12.0} /s  {:>5.1}x  {}",
            name,
            rate,
            rate / reference,
            if rate >= 100_000.0 { "goal met" } else { "" }
        );
    }
}
