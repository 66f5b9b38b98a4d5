//! The schema and its migrations, keyed on `PRAGMA user_version`.

use std::path::Path;

use rusqlite::Connection;

use super::RecordError;
use super::sql_error;

/// The schema version this library writes.
pub const SCHEMA_VERSION: i64 = 12;

const MIGRATIONS: &[&str] = &[
    // 1: the first schema. Context columns are '' rather than NULL so UNIQUE constraints hold.
    "CREATE TABLE slots (
        id INTEGER PRIMARY KEY,
        slot_start INTEGER NOT NULL,
        slot_seconds INTEGER NOT NULL,
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL,
        tracked_ms INTEGER NOT NULL,
        keyboard_events INTEGER NOT NULL,
        mouse_events INTEGER NOT NULL,
        keyboard_map BLOB NOT NULL,
        mouse_map BLOB NOT NULL,
        UNIQUE (slot_start, employee, project, task)
    );
    CREATE TABLE activities (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('APP', 'URL')),
        title TEXT NOT NULL,
        application TEXT NOT NULL,
        url TEXT, domain TEXT,
        start_ms INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        slot_start INTEGER NOT NULL,
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL
    );
    CREATE INDEX activities_slot ON activities (slot_start);
    CREATE TABLE screenshots (
        id TEXT PRIMARY KEY,
        slot_start INTEGER NOT NULL,
        taken_at INTEGER NOT NULL,
        monitor TEXT NOT NULL,
        x INTEGER NOT NULL, y INTEGER NOT NULL,
        width INTEGER NOT NULL, height INTEGER NOT NULL,
        blurred INTEGER NOT NULL,
        format TEXT NOT NULL,
        full_key TEXT NOT NULL, thumb_key TEXT NOT NULL,
        full_bytes INTEGER NOT NULL, thumb_bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL, thumb_sha256 TEXT NOT NULL,
        provider TEXT NOT NULL,
        upload_state TEXT NOT NULL CHECK (upload_state IN ('pending', 'uploaded')),
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL
    );
    CREATE INDEX screenshots_slot ON screenshots (slot_start);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        screenshot_id TEXT NOT NULL REFERENCES screenshots (id) ON DELETE CASCADE,
        object_key TEXT NOT NULL UNIQUE,
        spool_path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        last_error TEXT
    );",
    // 2: checkpoints of the slot parts still open, so a crash loses little of their counts.
    "CREATE TABLE slot_checkpoints (
        slot_start INTEGER NOT NULL,
        slot_seconds INTEGER NOT NULL,
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL,
        tracked_ms INTEGER NOT NULL,
        keyboard_events INTEGER NOT NULL,
        mouse_events INTEGER NOT NULL,
        keyboard_map BLOB NOT NULL,
        mouse_map BLOB NOT NULL,
        PRIMARY KEY (slot_start, employee, project, task)
    );",
    // 3: the privacy switches that survive restarts, durable remote deletions, and the indexes
    // the query API reads by.
    "CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE remote_deletes (
        id INTEGER PRIMARY KEY,
        screenshot_id TEXT NOT NULL,
        object_key TEXT NOT NULL UNIQUE,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        last_error TEXT
    );
    CREATE INDEX screenshots_taken ON screenshots (taken_at);
    CREATE INDEX activities_start ON activities (start_ms);",
    // 4: hourly usage rollups, one row per name (replaced by 5, which drops the table: a store
    // still at 3 skips straight to 5's).
    "SELECT 1;",
    // 5: the report rollups (`rollup`): packed usage per UTC hour and per UTC day, packed slot
    // figures per UTC day; filled from the rows by `rollup::rebuild` right after this step.
    // Rowid tables, not WITHOUT ROWID: a packed row of a few kilobytes then stays on its leaf
    // page (an index b-tree spills anything over ~1 KB to overflow pages), so rewriting it
    // dirties one page per commit.
    "DROP TABLE IF EXISTS usage_hours;
    CREATE TABLE usage_names (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('APP', 'URL')),
        name TEXT NOT NULL,
        UNIQUE (kind, name)
    );
    CREATE TABLE usage_hours (
        id INTEGER PRIMARY KEY,
        bucket_ms INTEGER NOT NULL,
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL,
        data BLOB NOT NULL,
        UNIQUE (bucket_ms, employee, project, task)
    );
    CREATE TABLE usage_days (
        id INTEGER PRIMARY KEY,
        bucket_ms INTEGER NOT NULL,
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL,
        data BLOB NOT NULL,
        UNIQUE (bucket_ms, employee, project, task)
    );
    CREATE TABLE usage_unsealed (day_ms INTEGER PRIMARY KEY);
    CREATE TABLE slot_days (
        id INTEGER PRIMARY KEY,
        day_ms INTEGER NOT NULL,
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL,
        data BLOB NOT NULL,
        UNIQUE (day_ms, employee, project, task)
    );",
    // 6: `usage_names` without the UNIQUE (kind, name) index: the writer holds every id in
    // memory (`rollup::Names`), and inserting first-seen names into that index, at random
    // places, cost more pages per commit than the rest of the rollups. Ids are kept.
    "CREATE TABLE usage_names_6 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('APP', 'URL')),
        name TEXT NOT NULL
    );
    INSERT INTO usage_names_6 (id, kind, name) SELECT id, kind, name FROM usage_names;
    DROP TABLE usage_names;
    ALTER TABLE usage_names_6 RENAME TO usage_names;",
    // 7: several processes on one folder. Spool entries hold the file's name only (resolved
    // against the spool folder however the data folder is spelled: the last path component of
    // what was stored); every upload, remote deletion and uploaded screenshot names the storage
    // location that holds it ('' = written before 7: whatever storage the folder is opened
    // with); the screenshot listing's `waiting` test reads the outbox by screenshot.
    // (in `migrate_7`: adding a column is not idempotent in SQL)
    "",
    // 8: presence and counts_events (migrate_8).
    "",
    // 9: idle periods decided (kept, discarded, moved), with who decided and when: the audit of
    // every change an idle decision made, and what reports count as `idle_kept_seconds`.
    "CREATE TABLE IF NOT EXISTS idle_periods (
        id INTEGER NOT NULL,
        employee TEXT NOT NULL,
        since_ms INTEGER NOT NULL,
        until_ms INTEGER NOT NULL,
        answer TEXT NOT NULL,
        project TEXT,
        note TEXT,
        decided_by TEXT NOT NULL,
        decided_ms INTEGER NOT NULL,
        PRIMARY KEY (id, employee)
    );
    CREATE INDEX IF NOT EXISTS idle_periods_since ON idle_periods (since_ms);",
    // 10: the retention purges' log (when, the run's cutoffs and counts as JSON). No index by
    // employee for erasures: one more index on every activity insert cost the writer ~15 %,
    // for an operation that runs once per employee and scans the table in well under a second.
    "CREATE TABLE IF NOT EXISTS purge_log (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        report TEXT NOT NULL
    );",
    // 11: the category cache (see `rollup`'s category functions): per UTC hour and work
    // context, milliseconds per category of the category set `set_hash`, for finished UTC days
    // (`category_days`, with the day's activity count and largest row id when it was filled:
    // a fill computed from rows that changed meanwhile is not stored).
    "CREATE TABLE IF NOT EXISTS category_hours (
        id INTEGER PRIMARY KEY,
        hour_ms INTEGER NOT NULL,
        employee TEXT NOT NULL, project TEXT NOT NULL, task TEXT NOT NULL,
        set_hash TEXT NOT NULL,
        data BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS category_hours_hour ON category_hours (hour_ms);
    CREATE TABLE IF NOT EXISTS category_days (
        day_ms INTEGER NOT NULL,
        set_hash TEXT NOT NULL,
        PRIMARY KEY (day_ms, set_hash)
    );",
    // 12: the org dataset export (`crate::dataset`). `export_changes` has one row per exported
    // table and UTC day (of the rows' slot start), whose `generation` triggers raise on every
    // insert, update and delete, whoever makes it (the writer, a purge, an erasure, another
    // process): no write path can forget to say a day changed. `export_marks` is each
    // dataset's high-water mark per table and day: the generation its file holds. A day is
    // exported again when the two differ. Days already stored start as changed.
    "CREATE TABLE IF NOT EXISTS export_changes (
        tbl TEXT NOT NULL,
        day_ms INTEGER NOT NULL,
        generation INTEGER NOT NULL,
        PRIMARY KEY (tbl, day_ms)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS export_marks (
        sink TEXT NOT NULL,
        tbl TEXT NOT NULL,
        day_ms INTEGER NOT NULL,
        generation INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        exported_ms INTEGER NOT NULL,
        PRIMARY KEY (sink, tbl, day_ms)
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO export_changes (tbl, day_ms, generation)
        SELECT 'slots', slot_start - slot_start % 86400000, 1 FROM slots GROUP BY 2;
    INSERT OR IGNORE INTO export_changes (tbl, day_ms, generation)
        SELECT 'activities', slot_start - slot_start % 86400000, 1 FROM activities GROUP BY 2;
    INSERT OR IGNORE INTO export_changes (tbl, day_ms, generation)
        SELECT 'screenshots', slot_start - slot_start % 86400000, 1 FROM screenshots GROUP BY 2;
    CREATE TRIGGER IF NOT EXISTS slots_export_insert AFTER INSERT ON slots BEGIN
        INSERT INTO export_changes (tbl, day_ms, generation)
        VALUES ('slots', NEW.slot_start - NEW.slot_start % 86400000, 1)
        ON CONFLICT (tbl, day_ms) DO UPDATE SET generation = generation + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS slots_export_update AFTER UPDATE ON slots BEGIN
        INSERT INTO export_changes (tbl, day_ms, generation)
        VALUES ('slots', NEW.slot_start - NEW.slot_start % 86400000, 1),
               ('slots', OLD.slot_start - OLD.slot_start % 86400000, 1)
        ON CONFLICT (tbl, day_ms) DO UPDATE SET generation = generation + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS slots_export_delete AFTER DELETE ON slots BEGIN
        INSERT INTO export_changes (tbl, day_ms, generation)
        VALUES ('slots', OLD.slot_start - OLD.slot_start % 86400000, 1)
        ON CONFLICT (tbl, day_ms) DO UPDATE SET generation = generation + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS activities_export_insert AFTER INSERT ON activities BEGIN
        INSERT INTO export_changes (tbl, day_ms, generation)
        VALUES ('activities', NEW.slot_start - NEW.slot_start % 86400000, 1)
        ON CONFLICT (tbl, day_ms) DO UPDATE SET generation = generation + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS activities_export_update AFTER UPDATE ON activities BEGIN
        INSERT INTO export_changes (tbl, day_ms, generation)
        VALUES ('activities', NEW.slot_start - NEW.slot_start % 86400000, 1),
               ('activities', OLD.slot_start - OLD.slot_start % 86400000, 1)
        ON CONFLICT (tbl, day_ms) DO UPDATE SET generation = generation + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS activities_export_delete AFTER DELETE ON activities BEGIN
        INSERT INTO export_changes (tbl, day_ms, generation)
        VALUES ('activities', OLD.slot_start - OLD.slot_start % 86400000, 1)
        ON CONFLICT (tbl, day_ms) DO UPDATE SET generation = generation + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS screenshots_export_insert AFTER INSERT ON screenshots BEGIN
        INSERT INTO export_changes (tbl, day_ms, generation)
        VALUES ('screenshots', NEW.slot_start - NEW.slot_start % 86400000, 1)
        ON CONFLICT (tbl, day_ms) DO UPDATE SET generation = generation + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS screenshots_export_update AFTER UPDATE ON screenshots BEGIN
        INSERT INTO export_changes (tbl, day_ms, generation)
        VALUES ('screenshots', NEW.slot_start - NEW.slot_start % 86400000, 1),
               ('screenshots', OLD.slot_start - OLD.slot_start % 86400000, 1)
        ON CONFLICT (tbl, day_ms) DO UPDATE SET generation = generation + 1;
    END;
    CREATE TRIGGER IF NOT EXISTS screenshots_export_delete AFTER DELETE ON screenshots BEGIN
        INSERT INTO export_changes (tbl, day_ms, generation)
        VALUES ('screenshots', OLD.slot_start - OLD.slot_start % 86400000, 1)
        ON CONFLICT (tbl, day_ms) DO UPDATE SET generation = generation + 1;
    END;",
];

/// 7: several processes on one folder. Spool entries hold the file's name only (resolved
/// against the spool folder however the data folder is spelled: the last path component of
/// what was stored); every upload, remote deletion and uploaded screenshot names the storage
/// location that holds it ('' = written before 7: whatever storage the folder is opened with);
/// the screenshot listing's `waiting` test reads the outbox by screenshot.
fn migrate_7(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "UPDATE outbox SET spool_path = replace(spool_path,
             rtrim(spool_path, replace(replace(spool_path, '/', ''), '\\', '')), '');
         CREATE INDEX IF NOT EXISTS outbox_shot ON outbox (screenshot_id);",
    )?;
    for table in ["outbox", "remote_deletes", "screenshots"] {
        let has: bool = tx.query_row(
            &format!(
                "SELECT COUNT(*) > 0 FROM pragma_table_info('{table}') WHERE name = 'location'"
            ),
            [],
            |r| r.get(0),
        )?;
        if !has {
            tx.execute_batch(&format!(
                "ALTER TABLE {table} ADD COLUMN location TEXT NOT NULL DEFAULT ''"
            ))?;
        }
    }
    Ok(())
}

/// 8: input sources that cannot count (Wayland idle notifications). Slots and checkpoints get
/// `presence_map` (the seconds such a source saw the user active; NULL = none) and
/// `counts_events` (0 when the slot's key and mouse counts are unknown rather than zero).
/// Idempotent: the rollup rebuild of step 5 reads these columns and adds them first.
fn migrate_8(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    for table in ["slots", "slot_checkpoints"] {
        let has: bool = tx.query_row(
            &format!(
                "SELECT COUNT(*) > 0 FROM pragma_table_info('{table}') WHERE name = 'presence_map'"
            ),
            [],
            |r| r.get(0),
        )?;
        if !has {
            tx.execute_batch(&format!(
                "ALTER TABLE {table} ADD COLUMN presence_map BLOB;
                 ALTER TABLE {table} ADD COLUMN counts_events INTEGER NOT NULL DEFAULT 1;"
            ))?;
        }
    }
    Ok(())
}

/// Opens a connection with the store's settings: WAL, `synchronous=FULL`, foreign keys, a busy
/// timeout.
pub(crate) fn open_connection(path: &Path) -> Result<Connection, RecordError> {
    let err = sql_error(path);
    let conn = Connection::open(path).map_err(&err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(&err)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(&err)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(&err)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(&err)?;
    Ok(conn)
}

/// Brings the database to [`SCHEMA_VERSION`], one transaction per step. A database newer than
/// the library is refused rather than guessed at.
///
/// Each step takes the write lock first (`BEGIN IMMEDIATE`) and reads the version under it, so
/// two processes opening a new folder at once migrate it once: the second waits, then finds
/// the step done.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), RecordError> {
    let err = sql_error(path);
    loop {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&err)?;
        if version > SCHEMA_VERSION {
            return Err(RecordError::TooNew {
                path: path.display().to_string(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        let Some(sql) = MIGRATIONS.get(version as usize) else {
            return Ok(());
        };
        let i = version as usize;
        tx.execute_batch(sql).map_err(&err)?;
        if i + 1 == 5 {
            migrate_8(&tx).map_err(&err)?;
            super::rollup::rebuild(&tx).map_err(&err)?;
        }
        if i + 1 == 7 {
            migrate_7(&tx).map_err(&err)?;
        }
        if i + 1 == 8 {
            migrate_8(&tx).map_err(&err)?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(&err)?;
        tx.commit().map_err(&err)?;
    }
}
