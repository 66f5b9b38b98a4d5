//! What the record store holds, as the query API hands it out (serde: snake_case, times as
//! RFC 3339 UTC strings in JSON), and the internal rows of the outbox.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::model::activity::WorkContext;
use crate::model::score::{SlotCounts, SlotMetrics};

/// One slot of one work context, as stored: the exact counts with their per-second maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRow {
    /// The counts, with their per-second maps.
    pub counts: SlotCounts,
    /// Employee, project, task.
    pub context: WorkContext,
}

/// One slot of one work context, as the query API publishes it: both activity figures and
/// the counts they come from.
///
/// JSON: `{"slot_start": "2026-11-30T08:00:00.000Z", "slot_seconds": 600, "tracked_seconds": 600,
/// "keyboard_events": 12, …, "activity_percent": 3, "active_percent": 4, "employee": "ana",
/// "project": null, "task": null}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRecord {
    /// The slot length in seconds.
    pub slot_seconds: u32,
    /// The figures.
    #[serde(flatten)]
    pub metrics: SlotMetrics,
    /// Employee, project, task.
    #[serde(flatten)]
    pub context: WorkContext,
}

/// Where a screenshot's upload stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// Inside the review window (`upload_delay`): no byte has left this machine yet.
    Waiting,
    /// Queued or being retried.
    Pending,
    /// The provider confirmed both objects.
    Uploaded,
}

impl UploadState {
    /// `waiting`, `pending` or `uploaded`.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadState::Waiting => "waiting",
            UploadState::Pending => "pending",
            UploadState::Uploaded => "uploaded",
        }
    }
}

/// A screenshot's metadata (one per monitor per capture).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screenshot {
    /// Unique id (32 hex digits).
    pub id: String,
    /// Slot the capture belongs to.
    pub slot_start: Timestamp,
    /// When it was taken.
    pub taken_at: Timestamp,
    /// Monitor name.
    pub monitor: String,
    /// Monitor left edge in the virtual desktop.
    pub x: i32,
    /// Monitor top edge.
    pub y: i32,
    /// Width of the stored image (the monitor's native width).
    pub width: u32,
    /// Height of the stored image.
    pub height: u32,
    /// Whether the stored image is blurred.
    pub blurred: bool,
    /// `jpg`, `png` or `webp`.
    pub format: String,
    /// Object key of the full image.
    pub full_key: String,
    /// Object key of the thumbnail.
    pub thumb_key: String,
    /// Size of the full image in bytes.
    pub full_bytes: u64,
    /// Size of the thumbnail in bytes.
    pub thumb_bytes: u64,
    /// SHA-256 (hex) of the full image.
    pub sha256: String,
    /// SHA-256 (hex) of the thumbnail.
    pub thumb_sha256: String,
    /// `LOCAL`, `S3`, …
    pub provider: String,
    /// Where its upload stands.
    pub upload_state: UploadState,
    /// Employee, project, task.
    #[serde(flatten)]
    pub context: WorkContext,
}

/// One upload waiting in the outbox (internal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Row id (0 when not yet stored).
    pub id: i64,
    /// The screenshot the object belongs to.
    pub screenshot_id: String,
    /// Object key to upload to.
    pub object_key: String,
    /// The spool file holding the bytes: its name inside the spool folder.
    pub spool_path: String,
    /// SHA-256 (hex) of the bytes.
    pub sha256: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt: Timestamp,
    /// When it was queued.
    pub created: Timestamp,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// The storage location it goes to ([`ObjectStorage::location`]; empty: written before
    /// the store knew locations, any).
    ///
    /// [`ObjectStorage::location`]: crate::storage::backend::ObjectStorage::location
    pub location: String,
}

/// A remote object to delete, retried until the provider confirms (internal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteDelete {
    /// Row id.
    pub id: i64,
    /// The deleted screenshot.
    pub screenshot_id: String,
    /// The object key.
    pub object_key: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt: Timestamp,
    /// When the deletion was asked for.
    pub created: Timestamp,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// The storage location holding the object (empty: unknown, any).
    pub location: String,
}

/// One write operation (internal: the runtime and the outbox are the only writers).
#[derive(Clone, Debug)]
pub enum Write {
    /// A closed slot (merged into an existing row of the same slot and context).
    Slot(Box<SlotRow>),
    /// The counts so far of a slot part still open (replacing the previous checkpoint of the
    /// same slot and context). Writing the part as a [`Write::Slot`] removes it.
    SlotCheckpoint(Box<SlotRow>),
    /// An activity record.
    Activity(Box<crate::model::activity::ActivityRecord>),
    /// A screenshot's metadata (replaces a row with the same id), always as not uploaded.
    Screenshot(Box<Screenshot>),
    /// An upload waiting in the outbox.
    OutboxAdd(Box<OutboxEntry>),
    /// The provider confirmed the upload: the outbox row goes, and the screenshot is marked
    /// uploaded when none of its uploads is left. A row already gone (the screenshot was
    /// deleted meanwhile) changes nothing.
    OutboxDone {
        /// The outbox row.
        id: i64,
    },
    /// An upload attempt is about to start: counted before any byte leaves, so that whoever
    /// deletes the screenshot from now on (in any process) queues a remote deletion.
    OutboxClaim {
        /// The outbox row.
        id: i64,
    },
    /// An upload attempt (claimed before) failed: say when to try again.
    OutboxRetry {
        /// The outbox row.
        id: i64,
        /// When the next attempt is due.
        next_attempt: Timestamp,
        /// What went wrong.
        error: String,
    },
    /// Deletes a screenshot's record and its outbox rows, and queues the deletion of each of
    /// its remote objects that may have reached the provider (uploaded, or an upload attempt
    /// claimed), in one transaction: decided inside it, so no upload claimed by another
    /// process can slip between the decision and the delete.
    DeleteScreenshot {
        /// The screenshot id.
        id: String,
        /// When the deletion was asked for (and the first attempt is due).
        at: Timestamp,
    },
    /// The provider confirmed a remote deletion.
    DeleteDone {
        /// The `remote_deletes` row.
        id: i64,
    },
    /// A remote deletion failed: count it and say when to try again.
    DeleteRetry {
        /// The `remote_deletes` row.
        id: i64,
        /// When the next attempt is due.
        next_attempt: Timestamp,
        /// What went wrong.
        error: String,
    },
    /// An idle period decided: its seconds of `employee` are removed (a discard) or moved to
    /// another project (reassign, new entry) in slots, activities and screenshots, the report
    /// rollups of the days it touches are rebuilt, and the decision is recorded. Screenshots
    /// of a discard are deleted by the caller through the durable delete path.
    IdleDecision(Box<crate::model::idle::IdlePeriod>),
    /// Removes one object of a screenshot (the full image or the thumbnail; a retention
    /// purge keeping the other longer): its remote deletion is queued when it may have left the
    /// machine, its pending upload goes, and the record forgets its key.
    DropScreenshotObject {
        /// The screenshot.
        id: String,
        /// The full image (`true`) or the thumbnail.
        full: bool,
        /// When (the first attempt is due).
        at: Timestamp,
    },
    /// A retention purge of the row kinds: titles and addresses blanked, activity and slot
    /// rows removed, and (without `keep_rollups`) their rollups.
    PurgeRows {
        /// What is older than each goes.
        cutoffs: Box<crate::model::retention::Cutoffs>,
        /// Keep the report rollups of removed rows.
        keep_rollups: bool,
    },
    /// A purge run, for the log.
    PurgeLog(Box<crate::model::retention::PurgeReport>),
    /// Every row of an employee (screenshots excepted: they go through
    /// [`Write::DeleteScreenshot`] first), rollups and consent included.
    EraseSubject {
        /// The employee ('' = time tracked without one).
        employee: String,
    },
    /// The category cache of one finished UTC day, computed from its rows when their count and
    /// largest id were `fingerprint`: stored only if they still are (no row of the day was
    /// added, removed or replaced meanwhile).
    CategoryFill(Box<CategoryFill>),
    /// The category set changed: cache rows of other sets go.
    CategorySet {
        /// The new set's fingerprint.
        set_hash: String,
    },
    /// A dataset now holds one table-day at a generation (the export's high-water mark).
    ExportMark {
        /// The dataset's identity.
        sink: String,
        /// `slots`, `activities` or `screenshots`.
        table: String,
        /// The UTC day (ms).
        day_ms: i64,
        /// The generation its file holds.
        generation: i64,
        /// Rows in the file (0: the file was removed).
        rows: i64,
        /// When (ms).
        at_ms: i64,
    },
    /// A setting kept across restarts (the privacy switches).
    Setting {
        /// Its name.
        name: String,
        /// Its value.
        value: String,
    },
}

/// The category cache rows of one UTC day ([`Write::CategoryFill`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryFill {
    /// The UTC day (ms).
    pub day_ms: i64,
    /// The category set's fingerprint.
    pub set_hash: String,
    /// The day's activity count and largest row id when the rows were read.
    pub fingerprint: (i64, i64),
    /// Per UTC hour and context: packed `(category, milliseconds)` pairs (category `u32::MAX`:
    /// uncategorized).
    pub rows: Vec<(i64, WorkContext, Vec<u8>)>,
}
