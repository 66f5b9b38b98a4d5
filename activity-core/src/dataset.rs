//! Org-scale datasets: every device's records as Hive-partitioned Parquet files on object
//! storage, which DuckDB, Spark, pyarrow or any Parquet reader can query for the whole
//! organisation ([`Tracker::export`](crate::Tracker::export)).
//!
//! - **Layout**: `<prefix>/<table>/org=<org>/date=YYYY-MM-DD/part-<device>.parquet`, one file
//!   per table, device and UTC day (of the rows' slot start), with one deterministic name: an
//!   export of the same day replaces it, and a day whose rows are all gone loses its file.
//! - **Tables** ([`Table`]): `slots` (the slot parts' figures), `activities` (application and
//!   website intervals: application and domain, the window title only when
//!   [`DatasetConfig::titles`] allows it, never a full URL) and `screenshots` (metadata only:
//!   time, monitor, sizes, blurred, format, where stored; never pixels).
//! - **Schema**: fixed per table ([`schema`]), every field with a Parquet field id, timestamps
//!   as UTC microseconds, the key-value metadata `activity_core.schema_version` (now
//!   [`SCHEMA_VERSION`]), `activity_core.table`, `activity_core.org` and
//!   `activity_core.device`; zstd compression. A future version only adds fields.
//! - **Incremental**: the record store's triggers raise a generation per (table, UTC day) on
//!   every insert, update or delete, from any write path or process; each dataset keeps the
//!   generation it holds per table-day (its high-water mark). An export writes exactly the
//!   days whose generations differ, so a late record, a deleted screenshot, an idle discard, a
//!   purge or an employee's erasure reaches the dataset at the next run, and a day that did not
//!   change costs nothing.
//! - **Never a partial file**: a file is encoded whole in memory, then stored with one put,
//!   which is atomic at every supported store (S3-protocol providers publish an object only
//!   when its upload completes; the local folder writes a temporary file and renames it). A
//!   put that fails leaves the mark unchanged, so the next run (or the tracker's scheduled
//!   export, retried with backoff) writes the day again: an outage delays, never loses or
//!   duplicates.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Int32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::Timestamp;
use crate::model::activity::{ActivityKind, ActivityRecord, WorkContext};
use crate::storage::config::ProviderConfig;
use crate::storage::records::{Screenshot, SlotRow};

/// The dataset schema's version, in every file's key-value metadata.
pub const SCHEMA_VERSION: u32 = 1;

/// Where a tracker exports its records for the organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetConfig {
    /// The organisation (the `org=` partition): letters, digits, `-`, `_` and `.`.
    pub org: String,
    /// Where the files go.
    pub location: DatasetLocation,
    /// A key prefix under which the tables go (`""`: the store's root), e.g. `lake/activity`.
    pub prefix: String,
    /// This device's name in file names (`part-<device>.parquet`); `None`: an id generated once
    /// per data folder and kept in it.
    pub device: Option<String>,
    /// Whether window titles leave the device (default `false`: titles often name documents,
    /// mails and customers; organisation reports need applications and domains only).
    pub titles: bool,
    /// How often a running tracker exports (default one hour; at least a minute).
    pub every: std::time::Duration,
}

/// The store a dataset is written to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatasetLocation {
    /// A folder on this machine (or a mounted share).
    Folder(PathBuf),
    /// An S3-protocol provider (S3, Wasabi, DigitalOcean Spaces), configured as for
    /// screenshots; Cloudinary stores media, not datasets, and is refused.
    Storage(Box<ProviderConfig>),
}

/// How often a running tracker exports unless told otherwise.
pub const DEFAULT_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

impl DatasetConfig {
    /// A dataset of `org` in `location`, with the defaults.
    pub fn new(org: impl Into<String>, location: DatasetLocation) -> DatasetConfig {
        DatasetConfig {
            org: org.into(),
            location,
            prefix: String::new(),
            device: None,
            titles: false,
            every: DEFAULT_EVERY,
        }
    }

    /// The JSON form the C and Python bindings pass:
    /// `{"org": "acme", "folder": "/srv/lake"}` or `{"org": "acme", "storage": {"FILE_PROVIDER":
    /// "S3", …}, "prefix": "lake", "device": "laptop-7", "titles": false, "every_seconds":
    /// 3600}` (`storage` takes the variables of
    /// [`ProviderConfig::from_json_str`]). Every problem is named.
    pub fn from_json_str(json: &str) -> Result<DatasetConfig, DatasetError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Form {
            org: String,
            #[serde(default)]
            folder: Option<PathBuf>,
            #[serde(default)]
            storage: Option<serde_json::Value>,
            #[serde(default)]
            prefix: String,
            #[serde(default)]
            device: Option<String>,
            #[serde(default)]
            titles: bool,
            #[serde(default)]
            every_seconds: Option<u64>,
        }
        let de = &mut serde_json::Deserializer::from_str(json);
        let form: Form = serde_path_to_error::deserialize(de)
            .map_err(|e| DatasetError::Invalid(format!("dataset: {}: {}", e.path(), e.inner())))?;
        let location = match (form.folder, form.storage) {
            (Some(folder), None) => DatasetLocation::Folder(folder),
            (None, Some(storage)) => DatasetLocation::Storage(Box::new(
                ProviderConfig::from_json_str(&storage.to_string())
                    .map_err(|e| DatasetError::Invalid(format!("dataset.storage: {e}")))?,
            )),
            _ => {
                return Err(DatasetError::Invalid(
                    "dataset: give exactly one of `folder` and `storage`".into(),
                ));
            }
        };
        let config = DatasetConfig {
            org: form.org,
            location,
            prefix: form.prefix,
            device: form.device,
            titles: form.titles,
            every: form
                .every_seconds
                .map_or(DEFAULT_EVERY, std::time::Duration::from_secs),
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks the names that become parts of keys, and the schedule.
    pub fn validate(&self) -> Result<(), DatasetError> {
        let name_ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 128
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && !s.starts_with('.')
        };
        if !name_ok(&self.org) {
            return Err(DatasetError::Invalid(format!(
                "dataset.org: {:?} must be 1 to 128 letters, digits, '-', '_' or '.' (it becomes the org= partition)",
                self.org
            )));
        }
        if let Some(d) = &self.device
            && !name_ok(d)
        {
            return Err(DatasetError::Invalid(format!(
                "dataset.device: {d:?} must be 1 to 128 letters, digits, '-', '_' or '.' (it becomes the file name)"
            )));
        }
        let prefix = self.prefix.trim_matches('/');
        if !prefix.is_empty() {
            crate::storage::key::validate_key(prefix)
                .map_err(|e| DatasetError::Invalid(format!("dataset.prefix: {e}")))?;
        }
        if self.every < std::time::Duration::from_secs(60) {
            return Err(DatasetError::Invalid(format!(
                "dataset.every: {:?} is below the minimum of one minute",
                self.every
            )));
        }
        if let DatasetLocation::Storage(p) = &self.location
            && matches!(**p, ProviderConfig::Cloudinary(_))
        {
            return Err(DatasetError::Invalid(
                "dataset.storage: Cloudinary stores media, not datasets: use a folder or an S3-protocol provider".into(),
            ));
        }
        Ok(())
    }

    /// The key of one table-day's file of `device`.
    pub fn key(&self, table: Table, day: Timestamp, device: &str) -> String {
        let prefix = self.prefix.trim_matches('/');
        let date = date_of(day);
        let tail = format!(
            "{}/org={}/date={date}/part-{device}.parquet",
            table.name(),
            self.org
        );
        if prefix.is_empty() {
            tail
        } else {
            format!("{prefix}/{tail}")
        }
    }

    /// The dataset's identity for the high-water marks: its store, prefix, org, device and the
    /// settings that change what a file holds (titles, the schema's version). A change of any
    /// of them starts the dataset over.
    pub(crate) fn sink_id(&self, location: &str, device: &str) -> String {
        let mut h = Sha256::new();
        for part in [
            location,
            self.prefix.trim_matches('/'),
            &self.org,
            device,
            if self.titles { "titles" } else { "" },
            &SCHEMA_VERSION.to_string(),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// `YYYY-MM-DD` of a UTC instant.
pub fn date_of(t: Timestamp) -> String {
    let days = t.as_millis().div_euclid(86_400_000);
    let d = jiff::civil::Date::constant(1970, 1, 1)
        .checked_add(jiff::Span::new().days(days))
        .unwrap_or(jiff::civil::Date::constant(1970, 1, 1));
    d.to_string()
}

/// Errors of the dataset settings and files.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// A setting was refused; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// Encoding a file failed (a bug: the schema is fixed).
    #[error("encoding {table} of {date}: {message}")]
    Encode {
        /// The table.
        table: &'static str,
        /// The day.
        date: String,
        /// What went wrong.
        message: String,
    },
}

/// The dataset's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// Slot parts.
    Slots,
    /// Application and website intervals.
    Activities,
    /// Screenshot metadata.
    Screenshots,
}

impl Table {
    /// Every table, in export order.
    pub const ALL: [Table; 3] = [Table::Slots, Table::Activities, Table::Screenshots];

    /// The table's folder name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Slots => "slots",
            Table::Activities => "activities",
            Table::Screenshots => "screenshots",
        }
    }

    /// The table named `name`.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// What one export did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportReport {
    /// The dataset's device name.
    pub device: String,
    /// Files written (new or replaced), in order.
    pub written: Vec<ExportedDay>,
    /// Keys of files removed: days whose rows are all gone from the device.
    pub removed: Vec<String>,
    /// Table-days that had not changed since the dataset received them.
    pub unchanged: u64,
}

impl ExportReport {
    /// Rows written, all tables.
    pub fn rows(&self) -> u64 {
        self.written.iter().map(|w| w.rows).sum()
    }

    /// Bytes written.
    pub fn bytes(&self) -> u64 {
        self.written.iter().map(|w| w.bytes).sum()
    }
}

/// One file written by an export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedDay {
    /// The table.
    pub table: Table,
    /// The UTC date, `YYYY-MM-DD`.
    pub date: String,
    /// The object key.
    pub key: String,
    /// Rows in it.
    pub rows: u64,
    /// Its size.
    pub bytes: u64,
}

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// The fixed schema of `table`: every field carries its Parquet field id
/// (`PARQUET:field_id`), stable across versions.
pub fn schema(table: Table) -> Arc<Schema> {
    let context = [
        ("device", DataType::Utf8, false),
        ("employee", DataType::Utf8, true),
        ("project", DataType::Utf8, true),
        ("task", DataType::Utf8, true),
    ];
    let own: Vec<(&str, DataType, bool)> = match table {
        Table::Slots => vec![
            ("slot_start", ts(), false),
            ("slot_seconds", DataType::Int32, false),
            ("tracked_seconds", DataType::Int32, false),
            ("keyboard_events", DataType::Int64, true),
            ("mouse_events", DataType::Int64, true),
            ("keyboard_seconds", DataType::Int32, true),
            ("mouse_seconds", DataType::Int32, true),
            ("active_seconds", DataType::Int32, false),
            ("activity_percent", DataType::Int32, true),
            ("active_percent", DataType::Int32, false),
            ("max_expected_events", DataType::Int32, false),
        ],
        Table::Activities => vec![
            ("kind", DataType::Utf8, false),
            ("application", DataType::Utf8, true),
            ("title", DataType::Utf8, true),
            ("domain", DataType::Utf8, true),
            ("start", ts(), false),
            ("duration_ms", DataType::Int64, false),
            ("slot_start", ts(), false),
        ],
        Table::Screenshots => vec![
            ("id", DataType::Utf8, false),
            ("taken_at", ts(), false),
            ("slot_start", ts(), false),
            ("monitor", DataType::Utf8, false),
            ("x", DataType::Int32, false),
            ("y", DataType::Int32, false),
            ("width", DataType::Int32, false),
            ("height", DataType::Int32, false),
            ("blurred", DataType::Boolean, false),
            ("format", DataType::Utf8, false),
            ("full_bytes", DataType::Int64, false),
            ("thumb_bytes", DataType::Int64, false),
            ("provider", DataType::Utf8, false),
            ("full_key", DataType::Utf8, true),
            ("thumb_key", DataType::Utf8, true),
            ("uploaded", DataType::Boolean, false),
        ],
    };
    let fields: Vec<Field> = context
        .into_iter()
        .chain(own)
        .enumerate()
        .map(|(i, (name, ty, nullable))| {
            Field::new(name, ty, nullable).with_metadata(HashMap::from([(
                "PARQUET:field_id".to_string(),
                (i + 1).to_string(),
            )]))
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// The four context columns of every table.
struct Context {
    device: StringBuilder,
    employee: StringBuilder,
    project: StringBuilder,
    task: StringBuilder,
}

impl Context {
    fn new() -> Context {
        Context {
            device: StringBuilder::new(),
            employee: StringBuilder::new(),
            project: StringBuilder::new(),
            task: StringBuilder::new(),
        }
    }

    fn push(&mut self, device: &str, c: &WorkContext) {
        self.device.append_value(device);
        self.employee.append_option(c.employee.as_deref());
        self.project.append_option(c.project.as_deref());
        self.task.append_option(c.task.as_deref());
    }

    fn finish(mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.device.finish()),
            Arc::new(self.employee.finish()),
            Arc::new(self.project.finish()),
            Arc::new(self.task.finish()),
        ]
    }
}

fn micros(t: Timestamp) -> i64 {
    t.as_millis().saturating_mul(1000)
}

fn utc(b: TimestampMicrosecondBuilder) -> TimestampMicrosecondBuilder {
    b.with_timezone("UTC")
}

/// One day's rows of one table, ready to encode.
pub(crate) enum Rows<'a> {
    Slots(&'a [SlotRow], &'a crate::Config),
    Activities(&'a [ActivityRecord], bool),
    Screenshots(&'a [Screenshot]),
}

impl Rows<'_> {
    pub(crate) fn len(&self) -> usize {
        match self {
            Rows::Slots(r, _) => r.len(),
            Rows::Activities(r, _) => r.len(),
            Rows::Screenshots(r) => r.len(),
        }
    }

    fn table(&self) -> Table {
        match self {
            Rows::Slots(..) => Table::Slots,
            Rows::Activities(..) => Table::Activities,
            Rows::Screenshots(_) => Table::Screenshots,
        }
    }

    fn columns(&self, device: &str) -> Vec<ArrayRef> {
        let mut ctx = Context::new();
        match self {
            Rows::Slots(rows, config) => {
                let mut start = utc(TimestampMicrosecondBuilder::new());
                let (mut seconds, mut tracked, mut kb_s, mut mo_s, mut active, mut act, mut actv) = (
                    Int32Builder::new(),
                    Int32Builder::new(),
                    Int32Builder::new(),
                    Int32Builder::new(),
                    Int32Builder::new(),
                    Int32Builder::new(),
                    Int32Builder::new(),
                );
                let (mut kb, mut mo, mut max) = (
                    Int64Builder::new(),
                    Int64Builder::new(),
                    Int32Builder::new(),
                );
                for r in *rows {
                    ctx.push(device, &r.context);
                    let max_expected = config.expected_events_for(r.counts.slot_seconds);
                    let m = r.counts.metrics(max_expected);
                    start.append_value(micros(r.counts.slot_start));
                    seconds.append_value(r.counts.slot_seconds as i32);
                    tracked.append_value(m.tracked_seconds as i32);
                    kb.append_option(m.keyboard_events.map(i64::from));
                    mo.append_option(m.mouse_events.map(i64::from));
                    kb_s.append_option(m.keyboard_seconds.map(|v| v as i32));
                    mo_s.append_option(m.mouse_seconds.map(|v| v as i32));
                    active.append_value(m.active_seconds as i32);
                    act.append_option(m.activity_percent.map(i32::from));
                    actv.append_value(i32::from(m.active_percent));
                    max.append_value(max_expected as i32);
                }
                let mut cols = ctx.finish();
                cols.extend([
                    Arc::new(start.finish()) as ArrayRef,
                    Arc::new(seconds.finish()),
                    Arc::new(tracked.finish()),
                    Arc::new(kb.finish()),
                    Arc::new(mo.finish()),
                    Arc::new(kb_s.finish()),
                    Arc::new(mo_s.finish()),
                    Arc::new(active.finish()),
                    Arc::new(act.finish()),
                    Arc::new(actv.finish()),
                    Arc::new(max.finish()),
                ]);
                cols
            }
            Rows::Activities(rows, titles) => {
                let (mut kind, mut app, mut title, mut domain) = (
                    StringBuilder::new(),
                    StringBuilder::new(),
                    StringBuilder::new(),
                    StringBuilder::new(),
                );
                let (mut start, mut slot) = (
                    utc(TimestampMicrosecondBuilder::new()),
                    utc(TimestampMicrosecondBuilder::new()),
                );
                let mut duration = Int64Builder::new();
                for r in *rows {
                    ctx.push(device, &r.context);
                    kind.append_value(match r.kind {
                        ActivityKind::App => "app",
                        ActivityKind::Url => "url",
                    });
                    app.append_option(Some(r.application.as_str()).filter(|a| !a.is_empty()));
                    title
                        .append_option(Some(r.title.as_str()).filter(|t| *titles && !t.is_empty()));
                    domain.append_option(r.domain.as_deref());
                    start.append_value(micros(r.start));
                    duration.append_value(r.duration_millis);
                    slot.append_value(micros(r.slot_start));
                }
                let mut cols = ctx.finish();
                cols.extend([
                    Arc::new(kind.finish()) as ArrayRef,
                    Arc::new(app.finish()),
                    Arc::new(title.finish()),
                    Arc::new(domain.finish()),
                    Arc::new(start.finish()),
                    Arc::new(duration.finish()),
                    Arc::new(slot.finish()),
                ]);
                cols
            }
            Rows::Screenshots(rows) => {
                let (mut id, mut monitor, mut format, mut provider, mut full_key, mut thumb_key) = (
                    StringBuilder::new(),
                    StringBuilder::new(),
                    StringBuilder::new(),
                    StringBuilder::new(),
                    StringBuilder::new(),
                    StringBuilder::new(),
                );
                let (mut taken, mut slot) = (
                    utc(TimestampMicrosecondBuilder::new()),
                    utc(TimestampMicrosecondBuilder::new()),
                );
                let (mut x, mut y, mut w, mut h) = (
                    Int32Builder::new(),
                    Int32Builder::new(),
                    Int32Builder::new(),
                    Int32Builder::new(),
                );
                let (mut full, mut thumb) = (Int64Builder::new(), Int64Builder::new());
                let (mut blurred, mut uploaded) = (BooleanBuilder::new(), BooleanBuilder::new());
                for s in *rows {
                    ctx.push(device, &s.context);
                    id.append_value(&s.id);
                    taken.append_value(micros(s.taken_at));
                    slot.append_value(micros(s.slot_start));
                    monitor.append_value(&s.monitor);
                    x.append_value(s.x);
                    y.append_value(s.y);
                    w.append_value(s.width as i32);
                    h.append_value(s.height as i32);
                    blurred.append_value(s.blurred);
                    format.append_value(&s.format);
                    full.append_value(s.full_bytes as i64);
                    thumb.append_value(s.thumb_bytes as i64);
                    provider.append_value(&s.provider);
                    full_key.append_option(Some(s.full_key.as_str()).filter(|k| !k.is_empty()));
                    thumb_key.append_option(Some(s.thumb_key.as_str()).filter(|k| !k.is_empty()));
                    uploaded.append_value(matches!(
                        s.upload_state,
                        crate::storage::records::UploadState::Uploaded
                    ));
                }
                let mut cols = ctx.finish();
                cols.extend([
                    Arc::new(id.finish()) as ArrayRef,
                    Arc::new(taken.finish()),
                    Arc::new(slot.finish()),
                    Arc::new(monitor.finish()),
                    Arc::new(x.finish()),
                    Arc::new(y.finish()),
                    Arc::new(w.finish()),
                    Arc::new(h.finish()),
                    Arc::new(blurred.finish()),
                    Arc::new(format.finish()),
                    Arc::new(full.finish()),
                    Arc::new(thumb.finish()),
                    Arc::new(provider.finish()),
                    Arc::new(full_key.finish()),
                    Arc::new(thumb_key.finish()),
                    Arc::new(uploaded.finish()),
                ]);
                cols
            }
        }
    }

    /// The Parquet file of these rows: one row group, zstd, the schema and its metadata.
    pub(crate) fn encode(
        &self,
        org: &str,
        device: &str,
        day: Timestamp,
    ) -> Result<Vec<u8>, DatasetError> {
        let table = self.table();
        let fail = |e: &dyn std::fmt::Display| DatasetError::Encode {
            table: table.name(),
            date: date_of(day),
            message: e.to_string(),
        };
        let batch =
            RecordBatch::try_new(schema(table), self.columns(device)).map_err(|e| fail(&e))?;
        let meta = [
            ("activity_core.schema_version", SCHEMA_VERSION.to_string()),
            ("activity_core.table", table.name().to_string()),
            ("activity_core.org", org.to_string()),
            ("activity_core.device", device.to_string()),
            ("activity_core.date", date_of(day)),
        ];
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).map_err(|e| fail(&e))?,
            ))
            .set_created_by(format!("activity-core {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(Some(
                meta.into_iter()
                    .map(|(k, v)| KeyValue::new(k.to_string(), v))
                    .collect(),
            ))
            .build();
        let mut out = Vec::new();
        let mut w =
            ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).map_err(|e| fail(&e))?;
        w.write(&batch).map_err(|e| fail(&e))?;
        w.close().map_err(|e| fail(&e))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_hive_partitions_with_one_name_per_device_and_day() {
        let mut c = DatasetConfig::new("acme", DatasetLocation::Folder("/x".into()));
        let day = Timestamp::from_millis(1_796_428_800_000); // 2026-12-05
        assert_eq!(
            c.key(Table::Slots, day, "laptop-7"),
            "slots/org=acme/date=2026-12-05/part-laptop-7.parquet"
        );
        c.prefix = "/lake/activity/".into();
        assert_eq!(
            c.key(Table::Screenshots, day, "d"),
            "lake/activity/screenshots/org=acme/date=2026-12-05/part-d.parquet"
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let err = |j: &str| DatasetConfig::from_json_str(j).unwrap_err().to_string();
        assert!(err(r#"{"org": "a/b", "folder": "/x"}"#).contains("dataset.org"));
        assert!(
            err(r#"{"org": "a", "folder": "/x", "device": "../d"}"#).contains("dataset.device")
        );
        assert!(err(r#"{"org": "a"}"#).contains("exactly one of `folder` and `storage`"));
        assert!(
            err(r#"{"org": "a", "folder": "/x", "every_seconds": 5}"#).contains("dataset.every")
        );
        assert!(err(r#"{"org": "a", "folder": "/x", "colour": 1}"#).contains("colour"));
        assert!(
            err(r#"{"org": "a", "folder": "/x", "prefix": "a//b"}"#).contains("dataset.prefix")
        );
        let ok = DatasetConfig::from_json_str(
            r#"{"org": "acme", "folder": "/srv/lake", "titles": true}"#,
        )
        .unwrap();
        assert!(ok.titles && ok.every == DEFAULT_EVERY);
    }
}
