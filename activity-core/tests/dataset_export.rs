//! The org dataset export: Hive-partitioned Parquet files of a device's records, written to a
//! local folder and to a real S3-protocol server (moto_server on 127.0.0.1, behind a TCP gate
//! that is closed in the middle of an export), read back with the `parquet` crate and compared
//! with the record store's own rows.
#![cfg(not(windows))] // starts moto_server

mod common;
#[path = "common/org.rs"]
mod org;
#[path = "common/s3.rs"]
mod s3;
#[path = "common/tools.rs"]
mod tools;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use activity_core::dataset::{DatasetConfig, DatasetLocation, SCHEMA_VERSION, Table, schema};
use activity_core::runtime::{MissingSources, Viewer};
use activity_core::storage::config::{ProviderConfig, S3Config};
use activity_core::storage::secret::Secret;
use activity_core::{Config, ErrorKind, Timestamp, Tracker};
use arrow_array::{Array, Int32Array, Int64Array, RecordBatch, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// 2026-11-02, a Monday.
const FIRST_DAY: i64 = 1_793_577_600_000;

fn fresh(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ac-dataset-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tracker(dir: &Path) -> Tracker {
    Tracker::builder(Config::default())
        .data_dir(dir)
        .missing_sources(MissingSources::RunAvailable)
        .build()
        .unwrap()
}

fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out
}

/// The batches of one Parquet file, with its key-value metadata.
fn read(bytes: Vec<u8>) -> (Vec<RecordBatch>, BTreeMap<String, String>) {
    let b = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes)).unwrap();
    let meta: BTreeMap<String, String> = b
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .into_iter()
        .flatten()
        .map(|kv| (kv.key.clone(), kv.value.clone().unwrap_or_default()))
        .collect();
    let batches = b.build().unwrap().collect::<Result<Vec<_>, _>>().unwrap();
    (batches, meta)
}

fn sum_i32(batches: &[RecordBatch], column: &str) -> i64 {
    batches
        .iter()
        .map(|b| {
            let a = b
                .column_by_name(column)
                .unwrap()
                .as_any()
                .downcast_ref::<Int32Array>()
                .unwrap();
            a.iter().flatten().map(i64::from).sum::<i64>()
        })
        .sum()
}

fn sum_i64(batches: &[RecordBatch], column: &str) -> i64 {
    batches
        .iter()
        .map(|b| {
            let a = b
                .column_by_name(column)
                .unwrap()
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap();
            a.iter().flatten().sum::<i64>()
        })
        .sum()
}

fn rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

/// What SQLite holds per UTC day: slot rows and tracked seconds, activity rows and
/// milliseconds, screenshot rows.
fn sqlite_days(dir: &Path) -> BTreeMap<String, (i64, i64, i64, i64, i64)> {
    let db = rusqlite::Connection::open(dir.join("activity.sqlite")).unwrap();
    let mut out: BTreeMap<String, (i64, i64, i64, i64, i64)> = BTreeMap::new();
    let date = |ms: i64| activity_core::dataset::date_of(Timestamp::from_millis(ms));
    for (sql, i) in [
        (
            "SELECT slot_start - slot_start % 86400000, COUNT(*), SUM((tracked_ms + 500) / 1000) FROM slots GROUP BY 1",
            0,
        ),
        (
            "SELECT slot_start - slot_start % 86400000, COUNT(*), SUM(duration_ms) FROM activities GROUP BY 1",
            2,
        ),
        (
            "SELECT slot_start - slot_start % 86400000, COUNT(*), 0 FROM screenshots GROUP BY 1",
            4,
        ),
    ] {
        let mut st = db.prepare(sql).unwrap();
        let mut q = st.query([]).unwrap();
        while let Some(r) = q.next().unwrap() {
            let e = out.entry(date(r.get(0).unwrap())).or_default();
            let (n, s): (i64, i64) = (r.get(1).unwrap(), r.get(2).unwrap());
            match i {
                0 => (e.0, e.1) = (n, s),
                2 => (e.2, e.3) = (n, s),
                _ => e.4 = n,
            }
        }
    }
    out
}

#[test]
fn a_local_export_holds_every_row_once_and_follows_deletes_and_erasures() {
    let dir = fresh("local-device");
    let lake = fresh("local-lake");
    let seeded = org::seed_device(&dir, "ana", FIRST_DAY, 3, 7);
    let t = tracker(&dir);
    let mut dataset = DatasetConfig::new("acme", DatasetLocation::Folder(lake.clone()));
    dataset.device = Some("laptop-ana".into());
    let first = t.export(&dataset, None, None).unwrap();
    // Three weekdays, three tables: nine files with one deterministic name each.
    let files = files_under(&lake);
    let expected: BTreeSet<String> = ["2026-11-02", "2026-11-03", "2026-11-04"]
        .iter()
        .flat_map(|d| {
            Table::ALL.map(|t| format!("{}/org=acme/date={d}/part-laptop-ana.parquet", t.name()))
        })
        .collect();
    assert_eq!(files, expected);
    assert_eq!(first.written.len(), 9);
    assert_eq!(
        first.rows(),
        seeded.slots + seeded.activities + seeded.screenshots
    );
    // Each file: the declared schema (field ids included), its metadata, and the day's rows
    // exactly as SQLite holds them.
    let days = sqlite_days(&dir);
    for (date, (slots, tracked, activities, ms, shots)) in &days {
        let path = |t: &str| lake.join(format!("{t}/org=acme/date={date}/part-laptop-ana.parquet"));
        let (s, meta) = read(std::fs::read(path("slots")).unwrap());
        assert_eq!(
            meta["activity_core.schema_version"],
            SCHEMA_VERSION.to_string()
        );
        assert_eq!(meta["activity_core.org"], "acme");
        assert_eq!(meta["activity_core.device"], "laptop-ana");
        assert_eq!(
            s[0].schema()
                .fields()
                .iter()
                .map(|f| (f.name().clone(), f.metadata().clone()))
                .collect::<Vec<_>>(),
            schema(Table::Slots)
                .fields()
                .iter()
                .map(|f| (f.name().clone(), f.metadata().clone()))
                .collect::<Vec<_>>()
        );
        assert_eq!(rows(&s) as i64, *slots, "{date}");
        assert_eq!(sum_i32(&s, "tracked_seconds"), *tracked, "{date}");
        let (a, _) = read(std::fs::read(path("activities")).unwrap());
        assert_eq!(rows(&a) as i64, *activities, "{date}");
        assert_eq!(sum_i64(&a, "duration_ms"), *ms, "{date}");
        // Titles stay on the device unless the dataset allows them; full URLs never leave.
        let titles = a[0].column_by_name("title").unwrap();
        assert_eq!(titles.null_count(), titles.len());
        assert!(a[0].column_by_name("url").is_none());
        let (sh, _) = read(std::fs::read(path("screenshots")).unwrap());
        assert_eq!(rows(&sh) as i64, *shots, "{date}");
    }
    // Nothing changed: nothing is written again.
    let again = t.export(&dataset, None, None).unwrap();
    assert!(
        again.written.is_empty() && again.removed.is_empty(),
        "{again:?}"
    );
    assert_eq!(again.unchanged, 9);
    // A screenshot deleted on the device: only that day's screenshot file is written again,
    // without it.
    let viewer = Viewer::Employee { id: "ana".into() };
    let shots = t
        .screenshots(&viewer, &activity_core::runtime::Query::default())
        .unwrap();
    let gone = shots
        .iter()
        .find(|s| activity_core::dataset::date_of(s.slot_start) == "2026-11-03")
        .unwrap();
    t.delete_screenshot(&viewer, &gone.id).unwrap();
    let after = t.export(&dataset, None, None).unwrap();
    assert_eq!(
        after
            .written
            .iter()
            .map(|w| (w.table, w.date.as_str()))
            .collect::<Vec<_>>(),
        vec![(Table::Screenshots, "2026-11-03")]
    );
    let (sh, _) = read(
        std::fs::read(lake.join("screenshots/org=acme/date=2026-11-03/part-laptop-ana.parquet"))
            .unwrap(),
    );
    assert_eq!(rows(&sh) as i64, days["2026-11-03"].4 - 1);
    let ids = sh[0]
        .column_by_name("id")
        .unwrap()
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert!(ids.iter().flatten().all(|id| id != gone.id));
    // A date filter writes only that date's files (a new dataset: all are due).
    let one = DatasetConfig {
        prefix: "one-day".into(),
        ..dataset.clone()
    };
    let r = t
        .export(
            &one,
            Some(Timestamp::from_millis(FIRST_DAY + org::DAY)),
            Some(Timestamp::from_millis(FIRST_DAY + 2 * org::DAY)),
        )
        .unwrap();
    assert_eq!(r.written.len(), 3);
    assert!(r.written.iter().all(|w| w.date == "2026-11-03"));
    // The employee erased: every file of theirs goes at the next export.
    t.erase_subject(
        &Viewer::Manager {
            id: "boss".into(),
            team: vec!["ana".into()],
        },
        "ana",
    )
    .unwrap();
    let erased = t.export(&dataset, None, None).unwrap();
    assert_eq!(erased.removed.len(), 9, "{erased:?}");
    assert!(files_under(&lake).iter().all(|f| f.starts_with("one-day/")));
    // Titles allowed: a new dataset identity (everything written again), with the titles.
    let with_titles = DatasetConfig {
        titles: true,
        ..dataset.clone()
    };
    org::seed_device(&dir, "ben", FIRST_DAY, 1, 8);
    let r = t.export(&with_titles, None, None).unwrap();
    assert_eq!(r.written.len(), 3);
    let (a, _) = read(
        std::fs::read(lake.join("activities/org=acme/date=2026-11-02/part-laptop-ana.parquet"))
            .unwrap(),
    );
    let titles = a[0].column_by_name("title").unwrap();
    assert_eq!(titles.null_count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&lake);
}

#[test]
fn bad_dataset_settings_are_refused_by_name() {
    let dir = fresh("bad");
    let t = tracker(&dir);
    let bad = DatasetConfig::new("acme/../x", DatasetLocation::Folder(dir.join("lake")));
    let e = t.export(&bad, None, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    assert!(e.to_string().contains("dataset.org"), "{e}");
    let e = t.set_dataset(Some(DatasetConfig {
        every: std::time::Duration::from_secs(1),
        ..DatasetConfig::new("acme", DatasetLocation::Folder(dir.join("lake")))
    }));
    assert!(e.unwrap_err().to_string().contains("dataset.every"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_s3_outage_in_the_middle_of_an_export_loses_and_duplicates_nothing() {
    let moto = s3::Moto::start();
    moto.create_bucket("shots");
    let port: u16 = moto.endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let mut gate = tools::Proxy::start(port);
    let dir = fresh("s3-device");
    org::seed_device(&dir, "cleo", FIRST_DAY, 5, 9);
    let t = tracker(&dir);
    let mut dataset = DatasetConfig::new(
        "acme",
        DatasetLocation::Storage(ProviderConfig::S3(S3Config {
            access_key_id: "AKIDTESTTESTTEST".into(),
            secret_access_key: Secret::new("testsecretkeytestsecretkeytestsecret00"),
            region: "us-east-1".into(),
            bucket: "shots".into(),
            endpoint: Some(format!("http://127.0.0.1:{}", gate.port).parse().unwrap()),
            force_path_style: true,
            cdn_url: None,
        })),
    );
    dataset.prefix = "lake".into();
    dataset.device = Some("cleo-pc".into());
    // The gate closes after the fourth file: the export stops with an I/O error.
    let puts = gate.sent.clone();
    let closer = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let n = String::from_utf8_lossy(&puts.lock().unwrap())
                .matches("PUT /shots/lake/")
                .count();
            if n >= 4 || std::time::Instant::now() > deadline {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        gate.close();
        gate
    });
    let e = t.export(&dataset, None, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    let mut gate = closer.join().unwrap();
    // Back online (the same port): the next run writes what is missing.
    gate.reopen();
    let r = t.export(&dataset, None, None).unwrap();
    assert!(!r.written.is_empty() && r.unchanged > 0, "{r:?}");
    let listing = keys(&moto.endpoint);
    let expected: BTreeSet<String> = [
        "2026-11-02",
        "2026-11-03",
        "2026-11-04",
        "2026-11-05",
        "2026-11-06",
    ]
    .iter()
    .flat_map(|d| {
        Table::ALL.map(|t| format!("lake/{}/org=acme/date={d}/part-cleo-pc.parquet", t.name()))
    })
    .collect();
    assert_eq!(listing, expected);
    // Every file whole and equal to the device's rows.
    let days = sqlite_days(&dir);
    let client = activity_core::storage::client::StorageClient::new(std::sync::Arc::new(
        s3::s3_store(&moto.endpoint),
    ));
    for (date, (slots, tracked, activities, _, shots)) in &days {
        let get = |t: &str| {
            let body = client
                .get(&format!(
                    "lake/{t}/org=acme/date={date}/part-cleo-pc.parquet"
                ))
                .unwrap();
            read(body.to_vec()).0
        };
        let s = get("slots");
        assert_eq!(
            (rows(&s) as i64, sum_i32(&s, "tracked_seconds")),
            (*slots, *tracked)
        );
        assert_eq!(rows(&get("activities")) as i64, *activities);
        assert_eq!(rows(&get("screenshots")) as i64, *shots);
    }
    gate.close();
    let _ = std::fs::remove_dir_all(&dir);
}

fn keys(endpoint: &str) -> BTreeSet<String> {
    let (status, body) = s3::http(endpoint, "GET", "/shots?list-type=2&prefix=lake/", &[]).unwrap();
    assert_eq!(status, 200);
    let body = String::from_utf8_lossy(&body);
    body.split("<Key>")
        .skip(1)
        .filter_map(|k| k.split("</Key>").next())
        .map(str::to_string)
        .collect()
}
