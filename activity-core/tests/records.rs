//! The SQLite record store: round trips, slot merging, migrations, concurrent acknowledged
//! writes, and a crash test that kill -9s a writer child repeatedly.

mod common;
#[path = "common/rollups.rs"]
mod rollups;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use activity_core::Timestamp;
use activity_core::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use activity_core::model::score::{SecondMap, SlotCounts};
use activity_core::storage::records::{
    RecordError, RecordStore, SCHEMA_VERSION, Screenshot, SlotRow, UploadState, Write,
};
use common::at;
use rollups::assert_rollups_match;

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ac-records-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("records.sqlite")
}

fn activity(title: &str, start_ms: i64) -> ActivityRecord {
    ActivityRecord {
        kind: ActivityKind::App,
        title: title.into(),
        application: "code".into(),
        url: None,
        domain: None,
        start: at(start_ms),
        duration_millis: 1000,
        slot_start: at(0),
        context: WorkContext {
            employee: Some("emp".into()),
            project: None,
            task: None,
        },
    }
}

fn slot(tracked: i64, keys: u32, seconds: &[u32]) -> SlotCounts {
    let mut kb = SecondMap::new(600);
    for &s in seconds {
        kb.set(s);
    }
    SlotCounts {
        slot_start: at(0),
        slot_seconds: 600,
        tracked_millis: tracked,
        keyboard_events: keys,
        mouse_events: 1,
        keyboard: kb,
        mouse: SecondMap::new(600),
        presence: SecondMap::new(600),
        counts_events: true,
    }
}

#[test]
fn records_round_trip() {
    let path = temp_db("roundtrip");
    let store = RecordStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let url = ActivityRecord {
        kind: ActivityKind::Url,
        url: Some("https://docs.rs/".into()),
        domain: Some("docs.rs".into()),
        ..activity("Docs", 2000)
    };
    let shot = Screenshot {
        id: "0193-a".into(),
        slot_start: at(0),
        taken_at: at(1234),
        monitor: "HDMI-1".into(),
        x: 1920,
        y: 0,
        width: 2560,
        height: 1440,
        blurred: true,
        format: "jpg".into(),
        full_key: "screenshots/2026/11/30/emp/0800/0193-a.jpg".into(),
        thumb_key: "screenshots/2026/11/30/emp/0800/0193-a-thumb.jpg".into(),
        full_bytes: 123_456,
        thumb_bytes: 7_890,
        sha256: "ab".repeat(32),
        thumb_sha256: "cd".repeat(32),
        provider: "LOCAL".into(),
        upload_state: UploadState::Pending,
        context: WorkContext {
            employee: Some("emp".into()),
            project: Some("P".into()),
            task: None,
        },
    };
    let row = SlotRow {
        counts: slot(600_000, 42, &[1, 2, 599]),
        context: shot.context.clone(),
    };
    store
        .write(vec![
            Write::Activity(Box::new(activity("main.rs", 1000))),
            Write::Activity(Box::new(url.clone())),
            Write::Screenshot(Box::new(shot.clone())),
            Write::Slot(Box::new(row.clone())),
        ])
        .unwrap();
    assert_eq!(
        store.activities(at(0), at(600_000)).unwrap(),
        vec![activity("main.rs", 1000), url]
    );
    assert_eq!(store.screenshot("0193-a", at(0)).unwrap(), Some(shot));
    assert_eq!(store.screenshot("nope", at(0)).unwrap(), None);
    assert_eq!(store.slots(at(0), at(600_000)).unwrap(), vec![row]);
    drop(store);
    // Reopening keeps everything and does not migrate again.
    let store = RecordStore::open(&path).unwrap();
    assert_eq!(store.activity_count().unwrap(), 2);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn parts_of_one_slot_merge_exactly() {
    let store = RecordStore::open(temp_db("merge")).unwrap();
    let ctx = WorkContext::default();
    store
        .write(vec![Write::Slot(Box::new(SlotRow {
            counts: slot(100_000, 3, &[1, 5]),
            context: ctx.clone(),
        }))])
        .unwrap();
    store
        .write(vec![Write::Slot(Box::new(SlotRow {
            counts: slot(50_000, 2, &[5, 9]),
            context: ctx.clone(),
        }))])
        .unwrap();
    // Another project: a row of its own.
    let other = WorkContext {
        project: Some("P".into()),
        ..ctx.clone()
    };
    store
        .write(vec![Write::Slot(Box::new(SlotRow {
            counts: slot(1_000, 1, &[0]),
            context: other,
        }))])
        .unwrap();
    let rows = store.slots(at(0), at(600_000)).unwrap();
    assert_eq!(rows.len(), 2);
    let m = rows
        .iter()
        .find(|r| r.context == ctx)
        .unwrap()
        .counts
        .metrics(1200);
    assert_eq!(
        (
            m.tracked_seconds,
            m.keyboard_events,
            m.mouse_events,
            m.keyboard_seconds
        ),
        (150, Some(5), Some(2), Some(3))
    );
}

#[test]
fn a_newer_schema_is_refused() {
    let path = temp_db("newer");
    drop(RecordStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    match RecordStore::open(&path) {
        Err(RecordError::TooNew {
            found: 99, known, ..
        }) => assert_eq!(known, SCHEMA_VERSION),
        other => panic!("{other:?}"),
    }
}

#[test]
fn concurrent_writers_are_all_acknowledged_and_stored() {
    let store = RecordStore::open(temp_db("concurrent")).unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let store = Arc::clone(&store);
            s.spawn(move || {
                for i in 0..300 {
                    store
                        .write(vec![Write::Activity(Box::new(activity(
                            &format!("t{t}-{i}"),
                            i,
                        )))])
                        .unwrap();
                }
            });
        }
    });
    assert_eq!(store.activity_count().unwrap(), 1200);
    store.close();
    let e = store
        .write(vec![Write::Activity(Box::new(activity("late", 0)))])
        .unwrap_err();
    assert!(matches!(e, RecordError::Closed(_)));
}

#[test]
fn a_write_sqlite_refuses_fails_only_its_own_caller_in_a_group_commit() {
    use activity_core::storage::records::OutboxEntry;
    let path = temp_db("poison");
    let store = RecordStore::open(&path).unwrap();
    // Refused jobs also carry an activity of a new application, which good jobs use too: the
    // rollups never keep a name (or its id) from a refused job.
    let fresh = |title: &str, i: i64| {
        let mut a = activity(title, i);
        a.application = "fresh-app".into();
        Write::Activity(Box::new(a))
    };
    // An outbox row for a screenshot that does not exist breaks the foreign key: refused.
    let poison = || {
        Write::OutboxAdd(Box::new(OutboxEntry {
            id: 0,
            screenshot_id: "no-such-screenshot".into(),
            object_key: format!("k/{}", rand_key()),
            spool_path: "/nowhere".into(),
            sha256: "00".into(),
            attempts: 0,
            next_attempt: at(0),
            created: at(0),
            last_error: None,
            location: String::new(),
        }))
    };
    let refused = AtomicU32::new(0);
    // Many writers at once, so good and bad jobs share batches.
    std::thread::scope(|s| {
        for t in 0..4 {
            let (store, refused) = (Arc::clone(&store), &refused);
            s.spawn(move || {
                for i in 0..200 {
                    if i % 10 == t {
                        let e = store
                            .write(vec![fresh(&format!("refused{t}-{i}"), i), poison()])
                            .unwrap_err();
                        assert!(e.to_string().contains("FOREIGN KEY"), "{e}");
                        refused.fetch_add(1, Ordering::Relaxed);
                    } else if i % 7 == 0 {
                        store.write(vec![fresh(&format!("t{t}-{i}"), i)]).unwrap();
                    } else {
                        store
                            .write(vec![Write::Activity(Box::new(activity(
                                &format!("t{t}-{i}"),
                                i,
                            )))])
                            .unwrap();
                    }
                }
            });
        }
    });
    assert_eq!(refused.load(Ordering::Relaxed), 80);
    assert_eq!(store.activity_count().unwrap(), 800 - 80);
    assert!(store.outbox_all().unwrap().is_empty());
    store.close();
    drop(store);
    assert_rollups_match(&path);
}

/// Two stores on one file (two processes tracking into the same folder): each writer keeps a
/// cache of rollup rows and names, which must not survive the other's commits.
#[test]
fn two_writers_on_one_store_keep_the_rollups_true() {
    let path = temp_db("two-writers");
    let stores = [
        RecordStore::open(&path).unwrap(),
        RecordStore::open(&path).unwrap(),
    ];
    let ctx = WorkContext {
        employee: Some("emp".into()),
        project: None,
        task: None,
    };
    for i in 0..60i64 {
        // The same hour's usage row and the same day's slot row from both, names first seen by
        // either, slots of their own and parts of shared ones.
        let mut a = activity(&format!("t{i}"), i * 1000);
        a.application = format!("app{}", i % 7);
        let mut counts = slot(10_000, 1, &[1]);
        counts.slot_start = at((i % 9) * 600_000);
        stores[(i % 2) as usize]
            .write(vec![
                Write::Activity(Box::new(a)),
                Write::Slot(Box::new(SlotRow {
                    counts,
                    context: ctx.clone(),
                })),
            ])
            .unwrap();
    }
    for s in &stores {
        s.close();
    }
    drop(stores);
    assert_rollups_match(&path);
}

fn rand_key() -> u64 {
    static N: AtomicU32 = AtomicU32::new(0);
    u64::from(N.fetch_add(1, Ordering::Relaxed))
}

/// Run only as the child of `acknowledged_records_survive_kill_9`: writes batches of records
/// forever and prints `ack <round> <first> <last>` after each acknowledged batch.
#[test]
#[ignore = "child process of the crash test"]
fn crash_child() {
    let Ok(path) = std::env::var("AC_CRASH_DB") else {
        return;
    };
    let round: u32 = std::env::var("AC_CRASH_ROUND").unwrap().parse().unwrap();
    let store = RecordStore::open(&path).unwrap();
    let mut out = std::io::stdout().lock();
    let mut n = 0u64;
    loop {
        let size = 1 + (n % 37);
        let mut batch: Vec<Write> = (n..n + size)
            .map(|i| Write::Activity(Box::new(activity(&format!("r{round}-{i}"), i as i64))))
            .collect();
        // A slot part too (parts of one slot merge), so a crash also meets the slot rollups.
        let mut part = slot(1000 + n as i64, 1, &[(n % 600) as u32]);
        part.slot_start = at((n as i64 % 5) * 600_000);
        batch.push(Write::Slot(Box::new(SlotRow {
            counts: part,
            context: WorkContext::default(),
        })));
        store.write(batch).unwrap();
        writeln!(out, "ack {round} {n} {}", n + size - 1).unwrap();
        out.flush().unwrap();
        n += size;
    }
}

#[test]
fn acknowledged_records_survive_kill_9() {
    let path = temp_db("crash");
    let exe = std::env::current_exe().unwrap();
    let mut acked: HashSet<String> = HashSet::new();
    for round in 0..6u32 {
        let mut child = Command::new(&exe)
            .args([
                "--ignored",
                "--exact",
                "crash_child",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env("AC_CRASH_DB", &path)
            .env("AC_CRASH_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait until the child has acknowledged a few batches (more each round), so the kill
        // lands mid-stream however slow the machine is, then kill -9 a moment later.
        let wanted = 3 + 4 * round as usize;
        let mut lines = Vec::new();
        while lines
            .iter()
            .filter(|l: &&String| l.starts_with("ack "))
            .count()
            < wanted
        {
            let l = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the child stopped acknowledging");
            lines.push(l);
        }
        std::thread::sleep(Duration::from_millis(7 * u64::from(round)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        lines.extend(rx.try_iter());
        let before = acked.len();
        for l in lines.iter().filter(|l| l.starts_with("ack ")) {
            let f: Vec<u64> = l[4..].split(' ').map(|x| x.parse().unwrap()).collect();
            for i in f[1]..=f[2] {
                acked.insert(format!("r{}-{i}", f[0]));
            }
        }
        assert!(
            acked.len() > before,
            "round {round}: the child acknowledged nothing"
        );
        // Reopen: sound, and every acknowledged record is there.
        let store = RecordStore::open(&path).unwrap();
        assert_eq!(store.integrity_check().unwrap(), "ok", "round {round}");
        let stored: HashSet<String> = store
            .activities(
                Timestamp::from_millis(i64::MIN),
                Timestamp::from_millis(i64::MAX),
            )
            .unwrap()
            .into_iter()
            .map(|a| a.title)
            .collect();
        let missing: Vec<_> = acked.difference(&stored).take(5).collect();
        assert!(
            missing.is_empty(),
            "round {round}: acknowledged but lost: {missing:?}"
        );
        store.close();
        // The report rollups agree with the rows after every crash.
        assert_rollups_match(&path);
    }
}

/// A random slot part: a few slots over three days and contexts (parts of one slot merge).
fn random_slot(rng: &mut impl rand::Rng) -> SlotRow {
    let start = 1_796_025_600_000 + rng.random_range(0..432i64) * 600_000 - 86_400_000;
    let mut keyboard = SecondMap::new(600);
    let mut mouse = SecondMap::new(600);
    for _ in 0..rng.random_range(0..40) {
        keyboard.set(rng.random_range(0..600));
        mouse.set(rng.random_range(0..600));
    }
    let employees = ["ana", "bo", ""];
    let projects = ["Apollo", "Hermes", ""];
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    SlotRow {
        counts: SlotCounts {
            slot_start: Timestamp::from_millis(start),
            slot_seconds: 600,
            tracked_millis: rng.random_range(1..300_000),
            keyboard_events: rng.random_range(0..500),
            mouse_events: rng.random_range(0..500),
            keyboard,
            mouse,
            presence: SecondMap::new(600),
            counts_events: true,
        },
        context: WorkContext {
            employee: opt(employees[rng.random_range(0..3)]),
            project: opt(projects[rng.random_range(0..3)]),
            task: None,
        },
    }
}

/// A random activity: one of a few applications or sites, contexts, slots over three days.
fn random_activity(rng: &mut impl rand::Rng, i: u64) -> ActivityRecord {
    let slot = 1_796_025_600_000 + rng.random_range(0..432i64) * 600_000 - 86_400_000;
    let url = rng.random_bool(0.4);
    let apps = ["code", "firefox", "slack", "Terminal", "zoom"];
    let sites = [
        "docs.rs",
        "github.com",
        "example.org",
        "news.ycombinator.com",
    ];
    let employees = ["ana", "bo", ""];
    let projects = ["Apollo", "Hermes", ""];
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let domain = url.then(|| sites[rng.random_range(0..sites.len())].to_string());
    ActivityRecord {
        kind: if url {
            ActivityKind::Url
        } else {
            ActivityKind::App
        },
        title: format!("t{i}"),
        application: apps[rng.random_range(0..apps.len())].into(),
        url: domain.as_ref().map(|d| format!("https://{d}/")),
        // Now and then a URL without a registrable domain is not rolled up.
        domain: domain.filter(|_| rng.random_bool(0.95)),
        start: Timestamp::from_millis(slot + rng.random_range(0..600_000)),
        duration_millis: rng.random_range(1..120_000),
        slot_start: Timestamp::from_millis(slot),
        context: WorkContext {
            employee: opt(employees[rng.random_range(0..3)]),
            project: opt(projects[rng.random_range(0..3)]),
            task: None,
        },
    }
}

#[test]
fn rollups_equal_a_recomputation_after_random_concurrent_writes_and_a_migration() {
    use rand::{Rng, SeedableRng};
    let path = temp_db("rollups");
    let store = RecordStore::open(&path).unwrap();
    std::thread::scope(|s| {
        for t in 0..3u64 {
            let store = Arc::clone(&store);
            s.spawn(move || {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(t);
                let mut i = 0;
                for _ in 0..60 {
                    let n = rng.random_range(1..40);
                    let batch: Vec<Write> = (0..n)
                        .map(|_| {
                            i += 1;
                            if rng.random_bool(0.2) {
                                Write::Slot(Box::new(random_slot(&mut rng)))
                            } else {
                                Write::Activity(Box::new(random_activity(
                                    &mut rng,
                                    t * 100_000 + i,
                                )))
                            }
                        })
                        .collect();
                    store.write(batch).unwrap();
                }
            });
        }
    });
    store.close();
    drop(store);
    assert_rollups_match(&path);
    let sealed: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM usage_days", [], |r| r.get(0))
        .unwrap();
    assert!(sealed > 0, "no day was sealed");

    // A store from before the rollups (schema 3) gets them from its rows when it migrates.
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "DROP TABLE usage_names; DROP TABLE usage_hours; DROP TABLE usage_days; DROP TABLE usage_unsealed;
             DROP TABLE slot_days; PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let store = RecordStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    store.close();
    drop(store);
    assert_rollups_match(&path);

    // A store at schema 5 (names under a unique index) keeps its name ids when it migrates, and
    // the writer goes on with them: new names get new ids, known ones their old id.
    {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE usage_names_5 (id INTEGER PRIMARY KEY,
                 kind TEXT NOT NULL CHECK (kind IN ('APP', 'URL')), name TEXT NOT NULL,
                 UNIQUE (kind, name));
             INSERT INTO usage_names_5 SELECT id, kind, name FROM usage_names;
             DROP TABLE usage_names; ALTER TABLE usage_names_5 RENAME TO usage_names;
             PRAGMA user_version = 5;",
        )
        .unwrap();
    }
    let names_before: Vec<(i64, String, String)> = {
        let db = rusqlite::Connection::open(&path).unwrap();
        let mut st = db
            .prepare("SELECT id, kind, name FROM usage_names ORDER BY id")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(!names_before.is_empty());
    let store = RecordStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let app = |name: &str| {
        let mut a = activity("t", 40 * 86_400_000);
        a.slot_start = a.start;
        a.application = name.to_string();
        a
    };
    let known = names_before
        .iter()
        .find(|n| n.1 == "APP")
        .expect("an application name")
        .2
        .clone();
    let (a, b) = (app(&known), app("brand-new-application"));
    store
        .write(vec![
            Write::Activity(Box::new(a)),
            Write::Activity(Box::new(b)),
        ])
        .unwrap();
    store.close();
    drop(store);
    assert_rollups_match(&path);
    let db = rusqlite::Connection::open(&path).unwrap();
    let mut st = db
        .prepare("SELECT id, kind, name FROM usage_names ORDER BY id")
        .unwrap();
    let names_after: Vec<(i64, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(names_after[..names_before.len()], names_before[..]);
    assert_eq!(names_after.len(), names_before.len() + 1);
    assert_eq!(names_after.last().unwrap().2, "brand-new-application");
}

#[test]
fn reports_from_rollups_equal_reports_from_every_row_in_any_zone() {
    use activity_core::model::report::{Inputs, Period, compute};
    use activity_core::runtime::{Query, ReportRequest, Viewer};
    use activity_core::{Config, Tracker};
    use rand::{Rng, SeedableRng};
    let path = temp_db("report-rollups");
    let dir = path.parent().unwrap().to_path_buf();
    let store = RecordStore::open(dir.join("activity.sqlite")).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    // Over three weeks: activities and slot parts moved by whole days from the three days
    // `random_*` spread them over.
    const DAY: i64 = 86_400_000;
    let mut writes: Vec<Write> = Vec::new();
    for i in 0..6000 {
        let shift = rng.random_range(-12..=8i64) * DAY;
        if i % 4 == 0 {
            let mut s = random_slot(&mut rng);
            s.counts.slot_start = Timestamp::from_millis(s.counts.slot_start.as_millis() + shift);
            writes.push(Write::Slot(Box::new(s)));
        } else {
            let mut a = random_activity(&mut rng, i);
            a.slot_start = Timestamp::from_millis(a.slot_start.as_millis() + shift);
            a.start = Timestamp::from_millis(a.start.as_millis() + shift);
            writes.push(Write::Activity(Box::new(a)));
        }
    }
    // Screenshots over the same weeks, a third of them deleted again: reports count the others.
    let mut shots: Vec<(Timestamp, WorkContext)> = Vec::new();
    for i in 0..300 {
        let a = random_activity(&mut rng, 100_000 + i);
        let shift = rng.random_range(-12..=8i64) * DAY;
        let taken = Timestamp::from_millis(a.start.as_millis() + shift);
        let id = format!("shot-{i}");
        writes.push(Write::Screenshot(Box::new(Screenshot {
            id: id.clone(),
            slot_start: Timestamp::from_millis(a.slot_start.as_millis() + shift),
            taken_at: taken,
            monitor: "M".into(),
            x: 0,
            y: 0,
            width: 8,
            height: 8,
            blurred: false,
            format: "jpg".into(),
            full_key: format!("k/{id}.jpg"),
            thumb_key: format!("k/{id}-thumb.jpg"),
            full_bytes: 1,
            thumb_bytes: 1,
            sha256: "ab".repeat(32),
            thumb_sha256: "cd".repeat(32),
            provider: "LOCAL".into(),
            upload_state: UploadState::Pending,
            context: a.context.clone(),
        })));
        if i % 3 == 0 {
            writes.push(Write::DeleteScreenshot { id, at: taken });
        } else {
            shots.push((taken, a.context));
        }
    }
    for chunk in writes.chunks(500) {
        store.write(chunk.to_vec()).unwrap();
    }
    store.close();
    drop(store);
    let t = Tracker::builder(Config::default())
        .data_dir(&dir)
        .without_sources()
        .build()
        .unwrap();
    let everything = t.activities(&Viewer::Admin, &Query::default()).unwrap();
    for zone in [
        "UTC",
        "Europe/Berlin",
        "Asia/Kathmandu",
        "America/St_Johns",
        "Asia/Kolkata",
    ] {
        for (first, last) in [
            ("2026-11-29", "2026-11-29"),
            ("2026-11-30", "2026-11-30"),
            ("2026-11-29", "2026-12-01"),
            // Longer than a week: the usage rollups (days, hours, raw edges).
            ("2026-11-22", "2026-11-30"),
            ("2026-11-17", "2026-12-08"),
        ] {
            for viewer in [Viewer::Admin, Viewer::employee("ana")] {
                let request = ReportRequest {
                    period: Period::days(first, last, zone),
                    employee: None,
                    project: Some("Apollo".into()).filter(|_| zone == "Asia/Kolkata"),
                    top_n: 3,
                    categories: true,
                };
                let fast = t.report(&viewer, &request).unwrap();
                let visible: Vec<ActivityRecord> = everything
                    .iter()
                    .filter(|a| viewer.may_see(a.context.employee.as_deref()))
                    .filter(|a| request.project.is_none() || a.context.project == request.project)
                    .cloned()
                    .collect();
                let resolved = request.period.resolve().unwrap();
                let slot_rows: Vec<_> = t
                    .slots(
                        &viewer,
                        &Query {
                            project: request.project.clone(),
                            ..Query::default()
                        },
                    )
                    .unwrap()
                    .into_iter()
                    .map(|s| (s.metrics, s.context))
                    .collect();
                let slot_rows: Vec<_> = slot_rows.iter().map(|(m, c)| (*m, c)).collect();
                let slow_of = |employee: Option<Option<&str>>| {
                    let mine = |e: Option<&str>| employee.is_none_or(|want| want == e);
                    let slots: Vec<_> = slot_rows
                        .iter()
                        .filter(|(_, c)| mine(c.employee.as_deref()))
                        .cloned()
                        .collect();
                    let acts: Vec<ActivityRecord> = visible
                        .iter()
                        .filter(|a| mine(a.context.employee.as_deref()))
                        .cloned()
                        .collect();
                    let shots: Vec<Timestamp> = shots
                        .iter()
                        .filter(|(_, c)| viewer.may_see(c.employee.as_deref()))
                        .filter(|(_, c)| request.project.is_none() || c.project == request.project)
                        .filter(|(_, c)| mine(c.employee.as_deref()))
                        .map(|(t, _)| *t)
                        .collect();
                    compute(
                        &request.period,
                        &resolved,
                        Inputs {
                            slots: &slots,
                            activities: &acts,
                            screenshots: &shots,
                            slot_seconds: 600,
                            max_expected_events: 1200,
                            top_n: 3,
                            usage: None,
                        },
                    )
                };
                // Several employees: one report each beside the team's, as the tracker does.
                let mut employees: Vec<Option<&str>> = slot_rows
                    .iter()
                    .map(|(_, c)| c.employee.as_deref())
                    .collect();
                employees.sort_unstable();
                employees.dedup();
                let each: Vec<_> = employees
                    .iter()
                    .map(|e| (e.map(str::to_string), slow_of(Some(*e))))
                    .collect();
                let slow = activity_core::model::report::with_employees(slow_of(None), each);
                assert_eq!(
                    fast.top_applications, slow.top_applications,
                    "{zone} {first}..{last} {viewer:?}"
                );
                assert_eq!(
                    fast.top_websites, slow.top_websites,
                    "{zone} {first}..{last} {viewer:?}"
                );
                // The slot figures from the per-day slot rollups equal those from the slot rows
                // (a report longer than a week carries no top application per slot).
                let long = fast.end.as_millis() - fast.start.as_millis() > 7 * DAY + 3_600_000;
                let mut slow_timeline = slow.timeline.clone();
                if long {
                    slow_timeline
                        .iter_mut()
                        .for_each(|s| s.top_application = None);
                }
                assert_eq!(fast.timeline, slow_timeline, "{zone} {first}..{last}");
                assert_eq!(fast.employees.len(), slow.employees.len());
                for (f, s) in fast.employees.iter().zip(&slow.employees) {
                    let mut timeline = s.timeline.clone();
                    if long {
                        timeline.iter_mut().for_each(|s| s.top_application = None);
                    }
                    assert_eq!(f.employee, s.employee);
                    assert_eq!(
                        f.timeline, timeline,
                        "{zone} {first}..{last} {:?}",
                        f.employee
                    );
                    assert_eq!(f.distribution, s.distribution);
                    assert_eq!(f.totals, s.totals);
                }
                assert_eq!(fast.projects, slow.projects, "{zone} {first}..{last}");
                assert_eq!(
                    fast.distribution, slow.distribution,
                    "{zone} {first}..{last}"
                );
                assert_eq!(fast.totals, slow.totals, "{zone} {first}..{last}");
                assert!(fast.totals.tracked_seconds > 0, "{zone} {first}..{last}");
                assert!(fast.totals.screenshots > 0, "{zone} {first}..{last}");
            }
        }
    }
}

/// A report reads one snapshot: a commit made while it reads (the writer sealing a day, say) is
/// not half-seen.
#[test]
fn a_snapshot_sees_one_committed_state_whatever_commits_meanwhile() {
    let store = RecordStore::open(temp_db("snapshot")).unwrap();
    store
        .write(vec![Write::Activity(Box::new(activity("first", 0)))])
        .unwrap();
    let all = activity_core::storage::records::Filter::default();
    let (before, during) = store
        .snapshot(
            |snap| -> Result<_, activity_core::storage::records::RecordError> {
                let before = snap.activities_where(&all)?.len();
                // Another connection commits in the middle of the reads.
                store
                    .write(vec![Write::Activity(Box::new(activity("second", 1_000)))])
                    .unwrap();
                Ok((before, snap.activities_where(&all)?.len()))
            },
        )
        .unwrap();
    assert_eq!((before, during), (1, 1), "the snapshot saw a later commit");
    assert_eq!(store.activities_where(&all).unwrap().len(), 2);
}
