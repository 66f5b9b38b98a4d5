"""Typed values: the rows, events and reports of the library, made from its serialised forms."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

__all__ = [
    "Activity",
    "Dataset",
    "ExportReport",
    "ExportedDay",
    "Bucket",
    "ProjectActivity",
    "Report",
    "TimelineSlot",
    "EmployeeReport",
    "Totals",
    "UsageRow",
    "Availability",
    "Capabilities",
    "DeleteOutcome",
    "Event",
    "Pending",
    "PendingItem",
    "Screenshot",
    "ScreenshotSwitches",
    "Slot",
    "Viewer",
    "IdleAnswerKind",
    "IdlePeriod",
    "IdlePolicy",
    "IdleResolution",
    "CategoryBreakdown",
    "CategoryTime",
    "DayCategories",
    "ProjectCategories",
    "Consent",
    "EraseReport",
    "ExportedFile",
    "PurgeReport",
    "RetentionPolicy",
    "SubjectExport",
    "event_from_dict",
    "to_time",
    "from_time",
]


def to_time(value: str | int | None) -> datetime | None:
    """An aware UTC datetime from an RFC 3339 string (or milliseconds since the epoch)."""
    if value is None:
        return None
    if isinstance(value, int):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    return datetime.fromisoformat(value).astimezone(timezone.utc)


def from_time(value: datetime | None, name: str) -> str | None:
    """RFC 3339 for an aware datetime; naive datetimes are refused (their zone is unknown)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with tzinfo), got {value!r}")
    return value.astimezone(timezone.utc).isoformat()


@dataclass(frozen=True)
class Viewer:
    """Who reads: an employee sees their own; a manager their own and their team's; `admin`
    (the product itself) everything."""

    role: Literal["employee", "manager", "admin"]
    id: str | None = None
    team: tuple[str, ...] = ()

    @classmethod
    def employee(cls, id: str) -> Viewer:
        return cls("employee", id)

    @classmethod
    def manager(cls, id: str, team: list[str] | tuple[str, ...]) -> Viewer:
        return cls("manager", id, tuple(team))

    @classmethod
    def admin(cls) -> Viewer:
        return cls("admin")

    def to_dict(self) -> dict[str, Any]:
        if self.role == "admin":
            return {"role": "admin"}
        if self.role == "employee":
            return {"role": "employee", "id": self.id}
        return {"role": "manager", "id": self.id, "team": list(self.team)}


@dataclass(frozen=True)
class Slot:
    """One slot of one work context, with both activity figures. The counts and
    `activity_percent` are None where the input was not counted (a Wayland session without evdev
    access: active seconds only)."""

    slot_start: datetime
    slot_seconds: int
    tracked_seconds: int
    keyboard_events: int | None
    mouse_events: int | None
    keyboard_seconds: int | None
    mouse_seconds: int | None
    active_seconds: int
    activity_percent: int | None
    active_percent: int
    employee: str | None
    project: str | None
    task: str | None

    @classmethod
    def from_dict(cls, d: dict[str, Any], slot_seconds: int | None = None) -> Slot:
        return cls(
            slot_start=_t(d["slot_start"]),
            slot_seconds=int(d.get("slot_seconds", slot_seconds or 0)),
            tracked_seconds=d["tracked_seconds"],
            keyboard_events=d["keyboard_events"],
            mouse_events=d["mouse_events"],
            keyboard_seconds=d["keyboard_seconds"],
            mouse_seconds=d["mouse_seconds"],
            active_seconds=d["active_seconds"],
            activity_percent=d["activity_percent"],
            active_percent=d["active_percent"],
            employee=d.get("employee"),
            project=d.get("project"),
            task=d.get("task"),
        )


@dataclass(frozen=True)
class Activity:
    """Time in one application window (`type` "APP") or web page ("URL"), inside one slot."""

    type: Literal["APP", "URL"]
    title: str
    application: str
    url: str | None
    domain: str | None
    start: datetime
    duration: timedelta
    slot_start: datetime
    employee: str | None
    project: str | None
    task: str | None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Activity:
        ctx = d.get("context") or {}
        return cls(
            type=d["type"],
            title=d["title"],
            application=d["application"],
            url=d.get("url"),
            domain=d.get("domain"),
            start=_t(d["start"]),
            duration=timedelta(milliseconds=d["duration_millis"]),
            slot_start=_t(d["slot_start"]),
            employee=ctx.get("employee"),
            project=ctx.get("project"),
            task=ctx.get("task"),
        )


@dataclass(frozen=True)
class Screenshot:
    """A screenshot's metadata (one per monitor per capture)."""

    id: str
    taken_at: datetime
    slot_start: datetime
    monitor: str
    x: int
    y: int
    width: int
    height: int
    blurred: bool
    format: str
    full_key: str
    thumb_key: str
    full_bytes: int
    thumb_bytes: int
    sha256: str
    thumb_sha256: str
    provider: str
    upload_state: Literal["waiting", "pending", "uploaded"]
    employee: str | None
    project: str | None
    task: str | None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Screenshot:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in d.items() if k in names}
        values["taken_at"] = _t(d["taken_at"])
        values["slot_start"] = _t(d["slot_start"])
        for k in ("employee", "project", "task"):
            values.setdefault(k, None)
        return cls(**values)


@dataclass(frozen=True)
class PendingItem:
    """One upload or remote deletion not yet confirmed."""

    kind: Literal["upload", "delete"]
    screenshot_id: str
    key: str
    attempts: int
    next_attempt: datetime
    last_error: str | None


@dataclass(frozen=True)
class Pending:
    """Uploads and remote deletions not yet confirmed by the provider."""

    count: int
    deletes: int
    oldest: datetime | None
    items: tuple[PendingItem, ...]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Pending:
        items = tuple(
            PendingItem(
                kind=i["kind"],
                screenshot_id=i["screenshot_id"],
                key=i["key"],
                attempts=i["attempts"],
                next_attempt=_t(i["next_attempt"]),
                last_error=i.get("last_error"),
            )
            for i in d["items"]
        )
        return cls(d["count"], d["deletes"], to_time(d.get("oldest")), items)


@dataclass(frozen=True)
class DeleteOutcome:
    """What deleting a screenshot did: remote deletions confirmed, and those queued."""

    id: str
    remote_deleted: tuple[str, ...]
    remote_queued: tuple[str, ...]
    error: str | None

    @property
    def complete(self) -> bool:
        return not self.remote_queued

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DeleteOutcome:
        return cls(d["id"], tuple(d["remote_deleted"]), tuple(d["remote_queued"]), d.get("error"))


@dataclass(frozen=True)
class ScreenshotSwitches:
    """The employee's and the organisation's screenshot switches; `effective`: both on."""

    employee: bool
    organisation: bool
    effective: bool


@dataclass(frozen=True)
class Availability:
    """Whether a capture source works here ("available", "unavailable" or "not_probed"), through
    which backend ("x11", "wlr_screencopy", "portal", "kde_idle", …), and the backends passed
    over before it as (backend, reason) pairs."""

    state: Literal["available", "unavailable", "not_probed"]
    reason: str | None = None
    backend: str | None = None
    passed_over: tuple[tuple[str, str], ...] = ()

    @property
    def available(self) -> bool:
        return self.state == "available"


@dataclass(frozen=True)
class Capabilities:
    """What the built-in sources can do on this machine, and why not."""

    session: dict[str, Any]
    screens: Availability
    input: Availability
    windows: Availability

    @property
    def input_counts_events(self) -> bool:
        """Whether the chosen input backend counts key presses and mouse events (the Wayland
        idle backends give active seconds only)."""
        return self.input.backend not in (None, "ext_idle_notify", "kde_idle", "mutter_idle_monitor")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Capabilities:
        def a(v: dict[str, Any]) -> Availability:
            passed = tuple((p["backend"], p["reason"]) for p in v.get("passed_over", []))
            return Availability(v["state"], v.get("reason"), v.get("backend"), passed)

        return cls(d["session"], a(d["screens"]), a(d["input"]), a(d["windows"]))


IdleAnswerKind = Literal["keep", "discard", "discard_and_continue", "reassign", "add_as_new_entry"]


@dataclass(frozen=True)
class IdlePolicy:
    """What happens to time the user was away: after `threshold` without input an idle period
    begins (`Event` `idle_detected`); `decision` `"prompt"` waits for `Tracker.resolve_idle`
    (unanswered `proof_timeout` after the user is back: discarded, tracking paused),
    `"always_keep"` / `"always_discard"` decide at once when the user is back."""

    threshold: timedelta = timedelta(minutes=10)
    decision: Literal["prompt", "always_keep", "always_discard"] = "prompt"
    proof_timeout: timedelta = timedelta(seconds=60)

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": int(self.threshold.total_seconds()),
            "decision": self.decision,
            "proof_timeout": int(self.proof_timeout.total_seconds()),
        }


@dataclass(frozen=True)
class IdleResolution:
    """What was done with an idle period: `[since, until)` kept, removed or moved to `project`;
    who decided (`"embedder"`, `"policy"`, `"timeout"`, `"stop"`); whether tracking paused; the
    screenshots deleted."""

    id: int
    since: datetime
    until: datetime
    answer: IdleAnswerKind
    project: str | None
    note: str | None
    decided_by: Literal["embedder", "policy", "timeout", "stop"]
    paused: bool
    screenshots_deleted: tuple[str, ...]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IdleResolution:
        return cls(d["id"], _t(d["since"]), _t(d["until"]), d["answer"], d.get("project"), d.get("note"),
                   d["decided_by"], d["paused"], tuple(d.get("screenshots_deleted", ())))


@dataclass(frozen=True)
class IdlePeriod:
    """A decided idle period, as the record store keeps it."""

    id: int
    employee: str | None
    since: datetime
    until: datetime
    answer: IdleAnswerKind
    project: str | None
    note: str | None
    decided_by: Literal["embedder", "policy", "timeout", "stop"]
    decided_at: datetime

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IdlePeriod:
        return cls(d["id"], d.get("employee"), _t(d["since"]), _t(d["until"]), d["answer"], d.get("project"),
                   d.get("note"), d["decided_by"], _t(d["decided_at"]))


def _days(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of data is kept (None: for ever; at least a day). A purge removes
    every copy of what is older: rows, spool files, thumbnails, the provider's objects.
    `RetentionPolicy.time_doctor()` is Time Doctor's documented preset."""

    screenshots: timedelta | None = None
    thumbnails: timedelta | None = None
    window_titles: timedelta | None = None
    urls: timedelta | None = None
    activities: timedelta | None = None
    slots: timedelta | None = None
    keep_rollups: bool = True

    @classmethod
    def time_doctor(cls) -> RetentionPolicy:
        return cls(screenshots=timedelta(days=365), urls=timedelta(days=60))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            name: _days(getattr(self, name))
            for name in ("screenshots", "thumbnails", "window_titles", "urls", "activities", "slots")
        }
        d["keep_rollups"] = self.keep_rollups
        return d


@dataclass(frozen=True)
class PurgeReport:
    """What one purge removed, and its cutoffs (kind -> instant; what is older goes)."""

    at: datetime
    cutoffs: dict[str, datetime | None]
    screenshots: int
    full_images: int
    thumbnails: int
    window_titles: int
    urls: int
    activities: int
    slots: int
    remote_deletes_queued: int

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PurgeReport:
        return cls(_t(d["at"]), {k: to_time(v) for k, v in d["cutoffs"].items()}, d["screenshots"],
                   d["full_images"], d["thumbnails"], d["window_titles"], d["urls"], d["activities"],
                   d["slots"], d["remote_deletes_queued"])


@dataclass(frozen=True)
class ExportedFile:
    """One file of an export: its path in the folder, size and SHA-256 (hex)."""

    path: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class SubjectExport:
    """The manifest of an employee's export (also `manifest.json` in the folder)."""

    format_version: int
    employee: str
    exported_at: datetime
    counts: dict[str, int]
    files: tuple[ExportedFile, ...]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SubjectExport:
        return cls(d["format_version"], d["employee"], _t(d["exported_at"]), dict(d["counts"]),
                   tuple(ExportedFile(**f) for f in d["files"]))


@dataclass(frozen=True)
class Dataset:
    """Where `Tracker.export` writes this device's records for organisation reports: a
    `folder`, or `storage` (the variables of `activity_core.storage.open`: `FILE_PROVIDER=S3`,
    Wasabi, DigitalOcean Spaces). Files go to `<prefix>/<table>/org=<org>/date=YYYY-MM-DD/
    part-<device>.parquet`; window titles leave the device only with `titles=True`."""

    org: str
    folder: str | os.PathLike[str] | None = None
    storage: Mapping[str, str] | None = None
    prefix: str = ""
    device: str | None = None
    titles: bool = False
    every: timedelta = timedelta(hours=1)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "org": self.org,
            "prefix": self.prefix,
            "device": self.device,
            "titles": bool(self.titles),
            "every_seconds": int(self.every.total_seconds()),
        }
        if self.folder is not None:
            d["folder"] = os.fspath(self.folder)
        if self.storage is not None:
            d["storage"] = dict(self.storage)
        return d


@dataclass(frozen=True)
class ExportedDay:
    """One file an export wrote: its table, UTC date, key, rows and size."""

    table: Literal["slots", "activities", "screenshots"]
    date: str
    key: str
    rows: int
    bytes: int


@dataclass(frozen=True)
class ExportReport:
    """What one export did: files written, keys removed (days whose rows are all gone), and
    table-days the dataset already held unchanged."""

    device: str
    written: tuple[ExportedDay, ...]
    removed: tuple[str, ...]
    unchanged: int

    @property
    def rows(self) -> int:
        return sum(w.rows for w in self.written)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExportReport:
        return cls(d["device"], tuple(ExportedDay(**w) for w in d["written"]), tuple(d["removed"]),
                   d["unchanged"])


@dataclass(frozen=True)
class EraseReport:
    """What erasing an employee's data removed (remote objects: confirmed, or still queued)."""

    employee: str
    slots: int
    activities: int
    screenshots: int
    idle_periods: int
    consents: int
    rollups: int
    remote_deletes_queued: int
    remote_deleted: int


@dataclass(frozen=True)
class Consent:
    """What an employee agreed to, under which policy version, when."""

    employee: str | None
    screenshots: bool
    applications: bool
    urls: bool
    input: bool
    policy_version: str
    accepted_at: datetime

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["accepted_at"] = from_time(self.accepted_at, "accepted_at")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Consent:
        return cls(d.get("employee"), d["screenshots"], d["applications"], d["urls"], d["input"],
                   d["policy_version"], _t(d["accepted_at"]))


@dataclass(frozen=True)
class Event:
    """Something that happened in the tracker. `type` is the event's name (`"slot_closed"`,
    `"screenshot_taken"`, …); `at` its time where it has one; the typed fields below are set for
    the events that carry them, and `data` holds every field as the library sent it."""

    type: str
    at: datetime | None = None
    id: str | None = None
    slot: Slot | None = None
    activity: Activity | None = None
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # Idle events: the period's id (`idle_detected`, `idle_returned`, `idle_resolved`), its
    # first instant, and for `idle_resolved` what was done.
    idle_id: int | None = None
    since: datetime | None = None
    resolution: IdleResolution | None = None


def event_from_dict(d: dict[str, Any]) -> Event:
    kind = d.get("event", "")
    if kind in ("idle_detected", "idle_returned", "idle_resolved"):
        resolution = IdleResolution.from_dict(d) if kind == "idle_resolved" else None
        at = to_time(d.get("until_now") or d.get("until"))
        return Event(kind, at, None, None, None, None, d, d["id"], to_time(d["since"]), resolution)
    at = to_time(d.get("at") or d.get("taken_at") or d.get("from"))
    slot = None
    if kind == "slot_closed":
        m = dict(d["metrics"])
        m.update(d.get("context") or {})
        slot = Slot.from_dict(m)
        at = slot.slot_start
    activity = Activity.from_dict(d) if kind == "activity_recorded" else None
    ident = d.get("id") or d.get("screenshot_id")
    reason = d.get("reason") or d.get("error") or d.get("message")
    return Event(kind, at, ident, slot, activity, reason, d)


def _t(value: str | int) -> datetime:
    t = to_time(value)
    assert t is not None
    return t


@dataclass(frozen=True)
class TimelineSlot:
    """One slot of the report's timeline (zero-filled when nothing was tracked;
    `activity_percent` None when it was tracked and none of it counted)."""

    slot_start: datetime
    tracked_seconds: int
    activity_percent: int | None
    active_percent: int
    project: str | None
    screenshots: int
    top_application: str | None


@dataclass(frozen=True)
class ProjectActivity:
    """Average activity of one project over the period, weighted by tracked time."""

    project: str | None
    slots: int
    tracked_seconds: int
    activity_percent: int | None
    active_percent: int


@dataclass(frozen=True)
class Bucket:
    """Slots whose activity % lies in `from_percent..=to_percent`."""

    from_percent: int
    to_percent: int
    slots: int
    tracked_seconds: int


@dataclass(frozen=True)
class UsageRow:
    """One row of a top list (the last may be `other`: the rest summed)."""

    name: str
    duration: timedelta
    share_percent: int


@dataclass(frozen=True)
class Totals:
    """The period's totals."""

    tracked_seconds: int
    keyboard_events: int | None
    mouse_events: int | None
    screenshots: int
    activity_percent: int | None
    active_percent: int
    # Of the tracked seconds, those inside idle periods the user chose to keep.
    idle_kept_seconds: int = 0


@dataclass(frozen=True)
class CategoryTime:
    """Time in one productivity category (its path; `("Uncategorized",)` for no match)."""

    name: tuple[str, ...]
    seconds: int
    score: float | None


@dataclass(frozen=True)
class CategoryBreakdown:
    """Time by productivity category: per category, per top-level category, ActivityWatch's
    score (Σ hours × score), and productive / neutral / unproductive / uncategorized seconds."""

    categories: tuple[CategoryTime, ...] = ()
    top_level: tuple[CategoryTime, ...] = ()
    score: float = 0.0
    productive_seconds: int = 0
    neutral_seconds: int = 0
    unproductive_seconds: int = 0
    uncategorized_seconds: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> CategoryBreakdown:
        if not d:
            return cls()
        def times(rows: list[dict[str, Any]]) -> tuple[CategoryTime, ...]:
            return tuple(CategoryTime(tuple(r["name"]), r["seconds"], r.get("score")) for r in rows)
        return cls(times(d["categories"]), times(d["top_level"]), float(d["score"]), d["productive_seconds"],
                   d["neutral_seconds"], d["unproductive_seconds"], d["uncategorized_seconds"])


@dataclass(frozen=True)
class DayCategories:
    """One day's time by category."""

    day: str
    categories: CategoryBreakdown


@dataclass(frozen=True)
class ProjectCategories:
    """One project's time by category."""

    project: str | None
    categories: CategoryBreakdown


@dataclass(frozen=True)
class EmployeeReport:
    """One employee's part of a report over several: their timeline, distribution and totals."""

    employee: str | None
    timeline: tuple[TimelineSlot, ...]
    distribution: tuple[Bucket, ...]
    totals: Totals
    categories: CategoryBreakdown = CategoryBreakdown()


@dataclass(frozen=True)
class Report:
    """The five reports of a period, with totals; `to_json()`, `to_html()`, `to_csv(dir)` and
    the charts as SVG (`svg["timeline"]`, …)."""

    first: str
    last: str
    time_zone: str
    start: datetime
    end: datetime
    timeline: tuple[TimelineSlot, ...]
    projects: tuple[ProjectActivity, ...]
    distribution: tuple[Bucket, ...]
    top_applications: tuple[UsageRow, ...]
    top_websites: tuple[UsageRow, ...]
    totals: Totals
    # A report over several employees: one entry each (then `timeline` is empty and
    # `distribution` adds theirs up); empty for one employee.
    employees: tuple[EmployeeReport, ...] = ()
    # Time by productivity category: the period's, per day, per project.
    categories: CategoryBreakdown = CategoryBreakdown()
    category_days: tuple[DayCategories, ...] = ()
    category_projects: tuple[ProjectCategories, ...] = ()
    svg: dict[str, str] = field(repr=False, compare=False, default_factory=dict)
    _json: str = field(repr=False, compare=False, default="")
    _html: str = field(repr=False, compare=False, default="")
    _csv: tuple[tuple[str, str], ...] = field(repr=False, compare=False, default=())

    def to_json(self) -> str:
        return self._json

    def to_html(self) -> str:
        return self._html

    def to_csv(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Writes one CSV file per table into `directory` (made if missing); returns the paths."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, text in self._csv:
            p = d / name
            p.write_text(text, encoding="utf-8", newline="")
            paths.append(p)
        return paths

    @classmethod
    def from_native(cls, parts: tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]) -> Report:
        text, html, csv, svgs = parts
        d = json.loads(text)

        def usage(rows: list[dict[str, Any]]) -> tuple[UsageRow, ...]:
            return tuple(UsageRow(r["name"], timedelta(milliseconds=r["duration_millis"]), r["share_percent"]) for r in rows)

        def timeline(rows: list[dict[str, Any]]) -> tuple[TimelineSlot, ...]:
            return tuple(
                TimelineSlot(_t(s["slot_start"]), s["tracked_seconds"], s["activity_percent"], s["active_percent"],
                             s.get("project"), s["screenshots"], s.get("top_application"))
                for s in rows
            )

        return cls(
            first=d["period"]["first"],
            last=d["period"]["last"],
            time_zone=d["period"]["time_zone"],
            start=_t(d["start"]),
            end=_t(d["end"]),
            timeline=timeline(d["timeline"]),
            projects=tuple(ProjectActivity(**p) for p in d["projects"]),
            distribution=tuple(Bucket(**b) for b in d["distribution"]),
            top_applications=usage(d["top_applications"]),
            top_websites=usage(d["top_websites"]),
            totals=Totals(**d["totals"]),
            employees=tuple(
                EmployeeReport(e.get("employee"), timeline(e["timeline"]),
                               tuple(Bucket(**b) for b in e["distribution"]), Totals(**e["totals"]),
                               CategoryBreakdown.from_dict(e.get("categories")))
                for e in d.get("employees", [])
            ),
            categories=CategoryBreakdown.from_dict(d.get("categories")),
            category_days=tuple(DayCategories(x["day"], CategoryBreakdown.from_dict(x["categories"]))
                                for x in d.get("category_days", [])),
            category_projects=tuple(ProjectCategories(x.get("project"), CategoryBreakdown.from_dict(x["categories"]))
                                    for x in d.get("category_projects", [])),
            svg=dict(svgs),
            _json=text,
            _html=html,
            _csv=tuple(csv),
        )
