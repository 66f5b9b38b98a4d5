//! A synthetic organisation for the org-scale tests and benchmark: one data folder per
//! employee (each a device), written through the library's own record store, then (unless
//! `--no-export`) exported with `Tracker::export` to a dataset folder.
//!
//! ```text
//! cargo run --features internals --example org_seed -- --out /tmp/org --employees 20 \
//!     --days 22 [--start 0] [--first 2026-11-02] [--org acme] [--no-export] [--keep-devices N]
//! ```
//! Devices go to `<out>/devices/<employee>/`, the dataset to `<out>/lake/`. Prints one JSON
//! line: rows written, export figures (rows/s on this one thread), bytes of SQLite and of
//! Parquet per slot. `--keep-devices N` deletes the device folders past the first N once
//! exported (a large organisation's dataset without its 5,000 SQLite files); `--start N`
//! numbers employees from N (processes seeding one organisation side by side).

#[path = "../activity-core/tests/common/org.rs"]
mod org;

use std::path::{Path, PathBuf};
use std::time::Instant;

use activity_core::dataset::{DatasetConfig, DatasetLocation};
use activity_core::runtime::MissingSources;
use activity_core::{Config, Tracker};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn size_of(dir: &Path, suffix: &str) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(suffix) {
                total += e.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    total
}

fn main() {
    let out = PathBuf::from(arg("--out").expect("--out DIR"));
    let employees: usize = arg("--employees").map_or(10, |v| v.parse().expect("--employees N"));
    // The first employee's number (several processes can share one organisation).
    let offset: usize = arg("--start").map_or(0, |v| v.parse().expect("--start N"));
    let days: usize = arg("--days").map_or(5, |v| v.parse().expect("--days N"));
    let first = arg("--first").unwrap_or_else(|| "2026-11-02".into());
    let org_name = arg("--org").unwrap_or_else(|| "acme".into());
    let keep: Option<usize> = arg("--keep-devices").map(|v| v.parse().expect("--keep-devices N"));
    let export = !std::env::args().any(|a| a == "--no-export");
    let first: jiff::civil::Date = first.parse().expect("--first YYYY-MM-DD");
    let first_ms = i64::from(
        first
            .since(jiff::civil::date(1970, 1, 1))
            .expect("date")
            .get_days(),
    ) * 86_400_000;
    let lake = out.join("lake");
    let (mut slots, mut activities, mut screenshots) = (0u64, 0u64, 0u64);
    let (mut seed_s, mut export_s, mut export_rows, mut sqlite_bytes) = (0f64, 0f64, 0u64, 0u64);
    for i in offset..offset + employees {
        let employee = format!("emp{i:05}");
        let dir = out.join("devices").join(&employee);
        let t0 = Instant::now();
        let s = org::seed_device(&dir, &employee, first_ms, days, 42);
        seed_s += t0.elapsed().as_secs_f64();
        (slots, activities, screenshots) = (
            slots + s.slots,
            activities + s.activities,
            screenshots + s.screenshots,
        );
        sqlite_bytes += size_of(&dir, "activity.sqlite");
        if export {
            let t = Tracker::builder(Config::default())
                .data_dir(&dir)
                .missing_sources(MissingSources::RunAvailable)
                .build()
                .expect("tracker");
            let mut dataset = DatasetConfig::new(&org_name, DatasetLocation::Folder(lake.clone()));
            dataset.device = Some(format!("pc-{employee}"));
            let t0 = Instant::now();
            let r = t.export(&dataset, None, None).expect("export");
            export_s += t0.elapsed().as_secs_f64();
            export_rows += r.rows();
            drop(t);
            if keep.is_some_and(|k| i >= k) {
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
    }
    let parquet_slots = size_of(&lake.join("slots"), ".parquet");
    let parquet_all = size_of(&lake, ".parquet");
    println!(
        "{{\"employees\": {employees}, \"days\": {days}, \"slots\": {slots}, \"activities\": {activities}, \
         \"screenshots\": {screenshots}, \"seed_seconds\": {seed_s:.2}, \"export_seconds\": {export_s:.2}, \
         \"export_rows\": {export_rows}, \"export_rows_per_second\": {:.0}, \"sqlite_bytes\": {sqlite_bytes}, \
         \"parquet_bytes\": {parquet_all}, \"parquet_slot_bytes\": {parquet_slots}, \
         \"sqlite_bytes_per_slot\": {:.1}, \"parquet_bytes_per_slot\": {:.1}}}",
        export_rows as f64 / export_s.max(1e-9),
        sqlite_bytes as f64 / slots.max(1) as f64,
        parquet_all as f64 / slots.max(1) as f64,
    );
}
