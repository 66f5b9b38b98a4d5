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
        DatasetLocation::Storage(Box::new(ProviderConfig::S3(S3Config {
            access_key_id: "AKIDTESTTESTTEST".into(),
            secret_access_key: Secret::new("testsecretkeytestsecretkeytestsecret00"),
            region: "us-east-1".into(),
            bucket: "shots".into(),
            endpoint: Some(format!("http://127.0.0.1:{}", gate.port).parse().unwrap()),
            force_path_style: true,
            cdn_url: None,
        }))),
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

/// One slot part, one activity and one screenshot as read back from the dataset.
struct Part {
    employee: Option<String>,
    project: Option<String>,
    slot_ms: i64,
    tracked: u32,
    kb: Option<i64>,
    mouse: Option<i64>,
    active: u32,
    activity: Option<i32>,
    active_pct: i32,
    max_expected: u32,
}

fn column<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> &'a T {
    b.column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<T>()
        .unwrap()
}

fn text(b: &RecordBatch, name: &str, i: usize) -> Option<String> {
    let a = column::<StringArray>(b, name);
    a.is_valid(i).then(|| a.value(i).to_string())
}

fn micros_ms(b: &RecordBatch, name: &str, i: usize) -> i64 {
    column::<arrow_array::TimestampMicrosecondArray>(b, name).value(i) / 1000
}

/// The organisation report's rows computed plainly from the dataset's files (what the SQL in
/// `activity-core/sql/org/` computes: here a reference written without SQL), for a plan.
fn reference_rows(
    lake: &Path,
    plan: &activity_core::model::report::org::OrgPlan,
) -> activity_core::model::report::org::OrgRows {
    use activity_core::model::report::org::{OrgRows, SumsRow, TimelineRow};
    let (start, end) = (
        plan.resolved.start.as_millis(),
        plan.resolved.end.as_millis(),
    );
    let l = i64::from(plan.request.slot_seconds) * 1000;
    // Only the folders the plan names: the equality below also shows they hold every row the
    // period needs (an engine lists only these).
    let (first, last) = (&plan.partitions.first, &plan.partitions.last);
    let files = |table: &str| -> Vec<RecordBatch> {
        files_under(&lake.join(table))
            .into_iter()
            .filter(|f| {
                let day = f.split("date=").nth(1).map(|d| &d[..10]).unwrap();
                day >= first.as_str() && day <= last.as_str()
            })
            .flat_map(|f| read(std::fs::read(lake.join(table).join(f)).unwrap()).0)
            .collect()
    };
    let mut parts = Vec::new();
    for b in files("slots") {
        for i in 0..b.num_rows() {
            let n32 = |c: &str| column::<Int32Array>(&b, c);
            let n64 = |c: &str| column::<Int64Array>(&b, c);
            let opt64 = |c: &str| n64(c).is_valid(i).then(|| n64(c).value(i));
            parts.push(Part {
                employee: text(&b, "employee", i),
                project: text(&b, "project", i),
                slot_ms: micros_ms(&b, "slot_start", i),
                tracked: n32("tracked_seconds").value(i) as u32,
                kb: opt64("keyboard_events"),
                mouse: opt64("mouse_events"),
                active: n32("active_seconds").value(i) as u32,
                activity: n32("activity_percent")
                    .is_valid(i)
                    .then(|| n32("activity_percent").value(i)),
                active_pct: n32("active_percent").value(i),
                max_expected: n32("max_expected_events").value(i) as u32,
            });
        }
    }
    parts.retain(|p| p.slot_ms >= start && p.slot_ms < end);
    let mut timeline: BTreeMap<(Option<String>, i64), TimelineRow> = BTreeMap::new();
    let mut per_project_in_slot: BTreeMap<(Option<String>, i64), BTreeMap<Option<String>, u32>> =
        BTreeMap::new();
    let mut sums: [BTreeMap<Option<String>, SumsRow>; 2] = [BTreeMap::new(), BTreeMap::new()];
    for p in &parts {
        let g = p.slot_ms - p.slot_ms.rem_euclid(l);
        let t = timeline
            .entry((p.employee.clone(), g))
            .or_insert_with(|| TimelineRow(p.employee.clone(), g, 0, 0, 0, 0, 0, None, None, None));
        t.2 += p.tracked;
        if let (Some(k), Some(m)) = (p.kb, p.mouse) {
            t.3 += p.tracked;
            t.4 += (k + m) as u64;
        }
        t.5 += p.active;
        t.9 = Some(t.9.unwrap_or(0).max(p.max_expected));
        *per_project_in_slot
            .entry((p.employee.clone(), g))
            .or_default()
            .entry(p.project.clone())
            .or_default() += p.tracked;
        for (i, key) in [p.project.clone(), p.employee.clone()]
            .into_iter()
            .enumerate()
        {
            let s = sums[i]
                .entry(key.clone())
                .or_insert_with(|| SumsRow(key, 0, 0, 0, 0, 0, 0, 0, 0));
            s.1 += 1;
            s.2 += u64::from(p.tracked);
            if let Some(a) = p.activity {
                s.3 += u64::from(p.tracked) * a as u64;
                s.4 += 1;
                s.5 += u64::from(p.tracked);
            }
            s.6 += u64::from(p.tracked) * p.active_pct as u64;
            s.7 += p.kb.unwrap_or(0) as u64;
            s.8 += p.mouse.unwrap_or(0) as u64;
        }
    }
    for (key, projects) in per_project_in_slot {
        // Most tracked; ties to the first name (no project first).
        let best = projects
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(p, _)| p);
        timeline.get_mut(&key).unwrap().7 = best.flatten();
    }
    for b in files("screenshots") {
        for i in 0..b.num_rows() {
            let taken = micros_ms(&b, "taken_at", i);
            if taken < start || taken >= end {
                continue;
            }
            let e = text(&b, "employee", i);
            let g = taken - taken.rem_euclid(l);
            timeline
                .entry((e.clone(), g))
                .or_insert_with(|| TimelineRow(e, g, 0, 0, 0, 0, 0, None, None, None))
                .6 += 1;
        }
    }
    let short = end - start <= 7 * 86_400_000 + 3_600_000;
    let mut apps: BTreeMap<String, i64> = BTreeMap::new();
    let mut sites: BTreeMap<String, i64> = BTreeMap::new();
    let mut slot_apps: BTreeMap<(Option<String>, i64), BTreeMap<String, i64>> = BTreeMap::new();
    for b in files("activities") {
        for i in 0..b.num_rows() {
            let slot = micros_ms(&b, "slot_start", i);
            if slot < start || slot >= end {
                continue;
            }
            let ms = column::<Int64Array>(&b, "duration_ms").value(i);
            if text(&b, "kind", i).as_deref() == Some("app") {
                let app = text(&b, "application", i).unwrap_or_default();
                *apps.entry(app.clone()).or_default() += ms;
                let g = slot - slot.rem_euclid(l);
                *slot_apps
                    .entry((text(&b, "employee", i), g))
                    .or_default()
                    .entry(app)
                    .or_default() += ms;
            } else if let Some(d) = text(&b, "domain", i) {
                *sites.entry(d).or_default() += ms;
            }
        }
    }
    if short {
        for (key, list) in slot_apps {
            let best = list
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(a, _)| a);
            if let Some(t) = timeline.get_mut(&key) {
                t.8 = best;
            }
        }
    }
    let [projects, employees] = sums;
    OrgRows {
        timeline: timeline.into_values().collect(),
        projects: projects.into_values().collect(),
        employees: employees.into_values().collect(),
        applications: apps.into_iter().collect(),
        websites: sites.into_iter().collect(),
    }
}

#[test]
fn an_org_report_assembled_from_the_dataset_equals_the_device_report() {
    use activity_core::model::report::Period;
    use activity_core::model::report::org::{OrgPlan, OrgRequest};
    use activity_core::runtime::ReportRequest;
    let dir = fresh("assemble-device");
    let lake = fresh("assemble-lake");
    org::seed_device(&dir, "dora", FIRST_DAY, 5, 11);
    let t = tracker(&dir);
    t.export(
        &DatasetConfig::new("acme", DatasetLocation::Folder(lake.clone())),
        None,
        None,
    )
    .unwrap();
    // A day, a week in Berlin, November in New York (1 November has 25 hours there).
    for (first, last, zone) in [
        ("2026-11-03", "2026-11-03", "UTC"),
        ("2026-11-02", "2026-11-06", "Europe/Berlin"),
        ("2026-11-01", "2026-11-30", "America/New_York"),
    ] {
        let period = Period {
            first: first.into(),
            last: last.into(),
            time_zone: zone.into(),
        };
        let device = t
            .report(
                &Viewer::Admin,
                &ReportRequest {
                    categories: false,
                    ..ReportRequest {
                        period: period.clone(),
                        ..ReportRequest::day(first, zone)
                    }
                },
            )
            .unwrap();
        let request: OrgRequest =
            serde_json::from_value(serde_json::json!({"period": period})).unwrap();
        let plan = OrgPlan::new(request, &Viewer::employee("dora")).unwrap();
        let r = plan.assemble(&reference_rows(&lake, &plan));
        assert_eq!(r.timeline, device.timeline, "{first}..{last} {zone}");
        assert_eq!(r.projects, device.projects);
        assert_eq!(r.distribution, device.distribution);
        assert_eq!(r.top_applications, device.top_applications);
        assert_eq!(r.top_websites, device.top_websites);
        assert_eq!(r.totals, device.totals);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&lake);
}

#[test]
fn the_running_tracker_exports_on_its_schedule_and_retries_after_an_outage() {
    use activity_core::runtime::TrackerEvent;
    let moto = s3::Moto::start();
    moto.create_bucket("shots");
    let port: u16 = moto.endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let mut gate = tools::Proxy::start(port);
    gate.close();
    let dir = fresh("schedule-device");
    org::seed_device(&dir, "eve", FIRST_DAY, 2, 12);
    // No capture (a display the test run may have must not add rows of today).
    let mut b = Tracker::builder(Config::default())
        .data_dir(&dir)
        .without_source(activity_core::capture::SourceKind::Screens)
        .without_source(activity_core::capture::SourceKind::Input)
        .without_source(activity_core::capture::SourceKind::Windows)
        .missing_sources(MissingSources::RunAvailable);
    let events = b.event_channel();
    let t = b.build().unwrap();
    let mut dataset = DatasetConfig::new(
        "acme",
        DatasetLocation::Storage(Box::new(ProviderConfig::S3(S3Config {
            access_key_id: "AKIDTESTTESTTEST".into(),
            secret_access_key: Secret::new("testsecretkeytestsecretkeytestsecret00"),
            region: "us-east-1".into(),
            bucket: "shots".into(),
            endpoint: Some(format!("http://127.0.0.1:{}", gate.port).parse().unwrap()),
            force_path_style: true,
            cdn_url: None,
        }))),
    );
    dataset.prefix = "lake".into();
    t.set_dataset(Some(dataset.clone())).unwrap();
    assert_eq!(t.dataset(), Some(dataset.clone()));
    t.start().unwrap();
    let wait = |want: &dyn Fn(&TrackerEvent) -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match events.recv_timeout(left) {
                Ok(e) if want(&e) => return e,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("the event did not come");
    };
    // The store is down: the export at start fails and says when it tries again.
    let e = wait(&|e| matches!(e, TrackerEvent::ExportRetrying { .. }));
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["event"], "export_retrying");
    assert!(json["error"].as_str().unwrap().contains("S3"), "{json}");
    // Back up; setting the dataset again wakes the exporter: every file arrives, once.
    gate.reopen();
    t.set_dataset(Some(dataset)).unwrap();
    let e = wait(&|e| matches!(e, TrackerEvent::Exported(_)));
    let TrackerEvent::Exported(r) = e else {
        unreachable!()
    };
    assert_eq!(r.written.len(), 6, "{r:?}");
    assert_eq!(keys(&moto.endpoint).len(), 6);
    let json = serde_json::to_value(TrackerEvent::Exported(r)).unwrap();
    assert_eq!(json["event"], "exported");
    t.set_dataset(None).unwrap();
    t.stop().unwrap();
    gate.close();
    let _ = std::fs::remove_dir_all(&dir);
}
