"""activity-core for Python: activity tracking for time-tracking products — screenshots with blur,
application and website time, keyboard/mouse activity per 10-minute slot, screenshot storage and
privacy controls — over the Rust library (`activity_core._native`).

    with activity_core.Tracker(activity_core.Config(screenshotFrequency=10), "./data") as t:
        for event in t.events(timeout=60):
            print(event)
"""

from __future__ import annotations

import atexit
import json
import os
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from . import _native, browser, media, storage
from ._native import (
    ActivityCoreError,
    CancelledError,
    ConfigError,
    IncompatibleError,
    InternalError,
    InvalidInputError,
    InvalidStateError,
    MediaError,
    ManualClock as _NativeManualClock,
    NativeConfig,
    NativeTracker,
    NotFoundError,
    ReentrantError,
    StorageError,
    UnavailableError,
    __version__,
)
from ._types import (
    Activity,
    Bucket,
    ProjectActivity,
    Report,
    TimelineSlot,
    EmployeeReport,
    Totals,
    UsageRow,
    Availability,
    Capabilities,
    DeleteOutcome,
    Event,
    Pending,
    PendingItem,
    Screenshot,
    ScreenshotSwitches,
    Slot,
    Viewer,
    IdleAnswerKind,
    IdlePeriod,
    IdlePolicy,
    IdleResolution,
    CategoryBreakdown,
    CategoryTime,
    DayCategories,
    ProjectCategories,
    Consent,
    EraseReport,
    ExportedFile,
    Dataset,
    ExportReport,
    ExportedDay,
    PurgeReport,
    RetentionPolicy,
    SubjectExport,
    event_from_dict,
    from_time,
    to_time,
)
from .storage import Storage

__all__ = [
    "ActivityCoreError",
    "Activity",
    "Availability",
    "Bucket",
    "CancelledError",
    "Capabilities",
    "Config",
    "ConfigError",
    "DeleteOutcome",
    "Event",
    "IncompatibleError",
    "CategoryBreakdown",
    "CategoryTime",
    "DayCategories",
    "ProjectCategories",
    "Consent",
    "EraseReport",
    "ExportedFile",
    "Dataset",
    "ExportReport",
    "ExportedDay",
    "PurgeReport",
    "RetentionPolicy",
    "SubjectExport",
    "IdleAnswerKind",
    "IdlePeriod",
    "IdlePolicy",
    "IdleResolution",
    "InputKind",
    "ManualClock",
    "InternalError",
    "InvalidInputError",
    "InvalidStateError",
    "MediaError",
    "NotFoundError",
    "Pending",
    "PendingItem",
    "ProjectActivity",
    "Report",
    "ReentrantError",
    "Screenshot",
    "ScreenshotSwitches",
    "Slot",
    "Storage",
    "StorageError",
    "TimelineSlot",
    "EmployeeReport",
    "Totals",
    "Tracker",
    "UnavailableError",
    "UsageRow",
    "Viewer",
    "__version__",
    "media",
    "storage",
]

InputKind = Literal["key_press", "button_press", "wheel", "pointer_move", "presence"]


def _json_value(value: Any) -> Any:
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot use a {type(value).__name__} as a setting value")


class Config:
    """A validated configuration, from keyword arguments, a dict or JSON. Names are snake_case or
    Ever Gauzy's camelCase (`screenshotFrequency`, `isScreenshotEnabled`, …); durations take
    seconds, strings with a unit (`"5m"`) or `timedelta`. Every problem is reported at once by one
    `ConfigError` that names each field."""

    __slots__ = ("_native",)

    def __init__(self, settings: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        merged: dict[str, Any] = dict(settings or {})
        merged.update(kwargs)
        self._native = NativeConfig.from_json(json.dumps(merged, default=_json_value))

    @classmethod
    def from_json(cls, text: str) -> Config:
        """From a JSON object."""
        if not isinstance(text, str):
            raise TypeError(f"from_json takes a str, got {type(text).__name__}")
        config = cls.__new__(cls)
        config._native = NativeConfig.from_json(text)
        return config

    @classmethod
    def from_dict(cls, settings: Mapping[str, Any]) -> Config:
        """From a mapping of settings."""
        return cls(settings)

    def to_dict(self) -> dict[str, Any]:
        """Every setting, defaults included (snake_case names)."""
        result: dict[str, Any] = json.loads(self._native.to_json())
        return result

    def __repr__(self) -> str:
        d = self.to_dict()
        shown = ", ".join(f"{k}={d[k]!r}" for k in ("screenshot_frequency", "slot_seconds", "idle_after"))
        return f"Config({shown}, …)"


class ManualClock:
    """A clock that moves only when told, for tests that drive a tracker through hours of fake
    time: `Tracker(..., clock=ManualClock(start))`, then `advance(timedelta(seconds=20))`."""

    __slots__ = ("_native",)

    def __init__(self, start: datetime) -> None:
        text = from_time(start, "start")
        assert text is not None
        self._native = _NativeManualClock(_millis(start))

    @property
    def now(self) -> datetime:
        t = to_time(self._native.now())
        assert t is not None
        return t

    def set(self, t: datetime) -> None:
        from_time(t, "t")
        self._native.set(_millis(t))

    def advance(self, by: timedelta | float) -> datetime:
        """Moves the clock by `by` (a timedelta or seconds); returns the new time."""
        seconds = by.total_seconds() if isinstance(by, timedelta) else float(by)
        t = to_time(self._native.advance(round(seconds * 1000)))
        assert t is not None
        return t


def _millis(t: datetime) -> int:
    return round(t.timestamp() * 1000)


_live: weakref.WeakSet[Tracker] = weakref.WeakSet()

def _after_fork_in_child() -> None:
    # A forked child's trackers answer InvalidStateError: the native module caches the process
    # id (its cheapest calls check it on every call) and learns the child's here. The parent's
    # trackers are not the child's to stop at exit: its exit hook must not wait for threads that
    # did not survive the fork.
    _native._after_fork()
    _live.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _stop_all() -> None:
    # A process that exits with trackers running stops them first: the open slot and activities
    # are written and the last screenshots queued, before the interpreter goes away.
    for t in list(_live):
        try:
            t.close()
        except ActivityCoreError:
            pass


def _viewer(viewer: Viewer) -> str | None:
    # Required everywhere: None reaches the library, which refuses it (never "everyone").
    if viewer is None:
        return None
    if not isinstance(viewer, Viewer):
        raise TypeError(f"viewer must be an activity_core.Viewer, got {type(viewer).__name__}")
    return json.dumps(viewer.to_dict())


def _query(start: datetime | None, end: datetime | None, employee: str | None, project: str | None) -> str:
    q: dict[str, Any] = {}
    if start is not None:
        q["from"] = from_time(start, "start")
    if end is not None:
        q["to"] = from_time(end, "end")
    if employee is not None:
        q["employee"] = employee
    if project is not None:
        q["project"] = project
    return json.dumps(q)


def _switches(t: tuple[bool, bool, bool]) -> ScreenshotSwitches:
    return ScreenshotSwitches(*t)


class Tracker:
    """The activity tracker. A context manager: `with Tracker(...) as t:` starts it and stops it.

    `storage` is a `Storage` (`activity_core.storage.open(...)`), any object with `put`, `get`,
    `head` and `delete` methods (and optionally `signed_url`), or `None` for files under
    `data_dir`. `on_event` is called with each `Event`, in order, on the tracker's event thread
    (with the GIL); an exception in it goes to `sys.unraisablehook` and tracking continues.
    Every method releases the GIL while the library works.

    `browser_bridge=True` listens for the browser extension's native messaging host on
    `<data_dir>/browser.sock` while running (install it with `activity_core.browser.install_host`):
    the focused tab's site becomes website records (`Event` types `website_changed`,
    `browser_connected`, `browser_disconnected`)."""

    def __init__(
        self,
        config: Config | Mapping[str, Any] | None = None,
        data_dir: str | os.PathLike[str] = "./activity-data",
        storage: Storage | object | None = None,
        *,
        missing_sources: Literal["refuse", "run_available"] = "refuse",
        disabled_sources: Iterable[Literal["screens", "input", "windows"]] = (),
        on_event: Callable[[Event], object] | None = None,
        storage_timeout: float = 60.0,
        browser_bridge: bool = False,
        clock: ManualClock | None = None,
        require_consent: bool = False,
    ) -> None:
        if config is None:
            config = Config()
        elif not isinstance(config, Config):
            config = Config(config)
        if storage is not None and not isinstance(storage, Storage):
            storage = Storage.from_object(storage, storage_timeout)
        callback: Callable[[str], None] | None = None
        if on_event is not None:
            if not callable(on_event):
                raise TypeError("on_event must be callable")
            user = on_event

            def callback(event_json: str) -> None:
                user(event_from_dict(json.loads(event_json)))

        self._native = NativeTracker(
            os.fspath(data_dir),
            config._native,
            storage,
            missing_sources,
            list(disabled_sources),
            callback,
            bool(browser_bridge),
            clock._native if clock is not None else None,
            bool(require_consent),
        )
        _live.add(self)

    def __enter__(self) -> Tracker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._native.is_running():
            self.stop()

    def __repr__(self) -> str:
        try:
            state = "running" if self._native.is_running() else "stopped"
        except ActivityCoreError:
            state = "closed"
        return f"<activity_core.Tracker {state}>"

    def start(self) -> None:
        self._native.start()

    def pause(self) -> None:
        self._native.pause()

    def resume(self) -> None:
        self._native.resume()

    def stop(self) -> None:
        """Writes the open slot and activities, gives due uploads a last bounded pass, and returns
        once every event of the run was delivered. From inside `on_event`: `ReentrantError`."""
        self._native.stop()

    def close(self) -> None:
        """Stops if running and releases the tracker's threads; it cannot be used after."""
        self._native.close()
        _live.discard(self)

    @property
    def is_running(self) -> bool:
        return self._native.is_running()

    def set_context(self, employee: str | None = None, project: str | None = None, task: str | None = None) -> None:
        self._native.set_context(employee, project, task)

    def record_input(self, kind: InputKind) -> None:
        """One input event of `kind` from your own hooks (only the kind: never which key)."""
        self._native.record_input(kind)

    def record_window(self, application: str, title: str) -> None:
        self._native.record_window(application, title)

    def record_url(self, application: str, title: str, url: str) -> None:
        self._native.record_url(application, title, url)

    @property
    def screenshot_switches(self) -> ScreenshotSwitches:
        return _switches(self._native.screenshot_switches())

    def set_screenshots_enabled(self, enabled: bool) -> ScreenshotSwitches:
        """The employee's switch: at once, kept across restarts."""
        return _switches(self._native.set_screenshots_enabled(bool(enabled)))

    def set_organisation_allows_screenshots(self, allowed: bool) -> ScreenshotSwitches:
        """The organisation's switch: its "off" always wins."""
        return _switches(self._native.set_organisation_allows_screenshots(bool(allowed)))

    def screenshots(
        self,
        viewer: Viewer,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        employee: str | None = None,
        project: str | None = None,
    ) -> list[Screenshot]:
        """Screenshots taken in `[start, end)` that `viewer` may see (`Viewer.admin()`: the product
        itself; there is no default viewer)."""
        return [Screenshot.from_dict(r) for r in self._rows(self._native.screenshots_json, viewer, start, end, employee, project)]

    def screenshot_bytes(self, id: str, thumb: bool = False, *, viewer: Viewer) -> bytes:
        """The encoded image (or thumbnail): from this machine while not uploaded, else the storage."""
        return self._native.screenshot_bytes(id, thumb, _viewer(viewer))

    def screenshot_url(
        self, id: str, expires: timedelta | float = timedelta(minutes=10), thumb: bool = False, *, viewer: Viewer
    ) -> str:
        """A URL delivering an uploaded screenshot until `expires` from now (1 s ..= 7 days; the
        library checks it: `InvalidInputError` otherwise)."""
        seconds = expires.total_seconds() if isinstance(expires, timedelta) else float(expires)
        return self._native.screenshot_url(id, max(0, int(seconds)), thumb, _viewer(viewer))

    def delete_screenshot(self, id: str, *, viewer: Viewer) -> DeleteOutcome:
        """Deletes every copy: here at once, at the provider confirmed or queued until it confirms."""
        return DeleteOutcome.from_dict(json.loads(self._native.delete_screenshot(id, _viewer(viewer))))

    def pending_uploads(self) -> Pending:
        return Pending.from_dict(json.loads(self._native.pending_json()))

    def sync(self) -> Pending:
        """Drains the outbox now (retries included); returns what is left."""
        return Pending.from_dict(json.loads(self._native.sync_json()))

    def slots(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        viewer: Viewer,
        employee: str | None = None,
        project: str | None = None,
    ) -> list[Slot]:
        return [Slot.from_dict(r) for r in self._rows(self._native.slots_json, viewer, start, end, employee, project)]

    def activities(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        viewer: Viewer,
        employee: str | None = None,
        project: str | None = None,
    ) -> list[Activity]:
        return [Activity.from_dict(r) for r in self._rows(self._native.activities_json, viewer, start, end, employee, project)]

    def report(
        self,
        day: date | str | None = None,
        *,
        first: date | str | None = None,
        last: date | str | None = None,
        tz: str | None = None,
        viewer: Viewer,
        employee: str | None = None,
        project: str | None = None,
        top_n: int = 10,
        categories: bool = True,
    ) -> Report:
        """The report of `day` (or the days `first`..=`last`) in the IANA time zone `tz` (default:
        the system's): timeline, average activity per project, distribution, top applications
        and websites, totals. An unknown zone or a bad date raises `InvalidInputError`."""
        if day is not None:
            if first is not None or last is not None:
                raise TypeError("give day, or first and last, not both")
            first = last = day
        if first is None or last is None:
            raise TypeError("report() needs day, or first and last")
        request = {
            "period": {
                "first": str(first),
                "last": str(last),
                "time_zone": tz or NativeTracker.system_time_zone(),
            },
            "employee": employee,
            "project": project,
            "top_n": int(top_n),
            "categories": bool(categories),
        }
        return Report.from_native(self._native.report(json.dumps(request), _viewer(viewer)))

    def resolve_idle(
        self, id: int, answer: IdleAnswerKind, *, project: str | None = None, note: str | None = None
    ) -> IdleResolution:
        """Answers idle period `id` (from an `idle_detected` / `idle_returned` event): `"keep"`,
        `"discard"` (removed to the second, its screenshots deleted everywhere, tracking paused),
        `"discard_and_continue"`, `"reassign"` (to `project`) or `"add_as_new_entry"` (to
        `project`, with `note`). The same answer twice is fine; another answer for a decided
        period raises `InvalidStateError`, an unknown id `NotFoundError`."""
        body: dict[str, Any] = {"answer": answer}
        if answer in ("reassign", "add_as_new_entry"):
            if project is None:
                raise TypeError(f"resolve_idle({answer!r}) needs project=")
            body["project"] = project
            if answer == "add_as_new_entry":
                body["note"] = note
        elif project is not None or note is not None:
            raise TypeError(f"resolve_idle({answer!r}) takes no project or note")
        return IdleResolution.from_dict(json.loads(self._native.resolve_idle(int(id), json.dumps(body))))

    def set_idle_policy(self, policy: IdlePolicy | None) -> None:
        """Puts `policy` in force while tracking runs (None: no idle decisions); quietness is
        measured from now. A field out of range raises `ConfigError` naming it."""
        self._native.set_idle_policy(None if policy is None else json.dumps(policy.to_dict()))

    def idle_periods(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        *,
        viewer: Viewer,
        employee: str | None = None,
    ) -> list[IdlePeriod]:
        """Decided idle periods overlapping `[start, end)` that `viewer` may see."""
        return [IdlePeriod.from_dict(r) for r in self._rows(self._native.idle_periods_json, viewer, start, end, employee, None)]

    def set_retention_policy(self, policy: RetentionPolicy | None) -> None:
        """Puts `policy` in force (None: keep everything): a running tracker purges with it at
        its next turn, then daily. A duration below a day raises `ConfigError` naming it."""
        self._native.set_retention_policy(None if policy is None else json.dumps(policy.to_dict()))

    def purge(self, now: datetime | None = None, policy: RetentionPolicy | None = None) -> PurgeReport:
        """Removes every copy of what `policy` (default: the one in force) no longer keeps at
        `now` (default: the tracker's clock now): rows, spool files, uploads, thumbnails, the
        provider's objects. Resumable and idempotent; logged (`purge_log`)."""
        if now is not None:
            from_time(now, "now")
        when = _millis(now) if now is not None else None
        body = None if policy is None else json.dumps(policy.to_dict())
        return PurgeReport.from_dict(json.loads(self._native.purge(when, body)))

    def purge_log(self) -> list[PurgeReport]:
        """Every purge recorded in the data folder, newest first."""
        return [PurgeReport.from_dict(r) for r in json.loads(self._native.purge_log_json())]

    def export_subject(self, employee: str, folder: str | os.PathLike[str], *, viewer: Viewer) -> SubjectExport:
        """Writes everything kept about `employee` to `folder` (JSON Lines per table, the images,
        `manifest.json` with SHA-256 of each file): GDPR articles 15 and 20."""
        return SubjectExport.from_dict(json.loads(self._native.export_subject(employee, os.fspath(folder), _viewer(viewer))))

    def export(
        self, dataset: Dataset, since: datetime | None = None, until: datetime | None = None
    ) -> ExportReport:
        """Writes this data folder's records to `dataset` as partitioned Parquet files: every
        table-day in `[since, until)` (whole UTC days; None: unbounded) that changed since the
        dataset received it, replacing its file, or removing it when the day's rows are all
        gone. Idempotent. A store error raises (`ActivityCoreError` of kind io); what was
        written stays, and the next run goes on from there."""
        if not isinstance(dataset, Dataset):
            raise TypeError(f"dataset must be an activity_core.Dataset, got {type(dataset).__name__}")
        # from_time refuses what is not an aware datetime, naming the argument.
        since_ms = None if since is None or from_time(since, "since") is None else round(since.timestamp() * 1000)
        until_ms = None if until is None or from_time(until, "until") is None else round(until.timestamp() * 1000)
        return ExportReport.from_dict(json.loads(self._native.export(json.dumps(dataset.to_dict()), since_ms, until_ms)))

    def set_dataset(self, dataset: Dataset | None) -> None:
        """Exports to `dataset` while tracking runs: at start, then every `dataset.every`
        (retried with backoff while the store fails: `export_retrying` events; each run an
        `exported` event). None ends it."""
        self._native.set_dataset(None if dataset is None else json.dumps(dataset.to_dict()))

    def erase_subject(self, employee: str, *, viewer: Viewer) -> EraseReport:
        """Erases everything kept about `employee`, the provider's copies included."""
        return EraseReport(**json.loads(self._native.erase_subject(employee, _viewer(viewer))))

    def record_consent(self, consent: Consent) -> None:
        """Records what an employee agreed to; features not consented stop at once."""
        self._native.record_consent(json.dumps(consent.to_dict()))

    def consent(self, employee: str | None) -> Consent | None:
        d = json.loads(self._native.consent_json(employee))
        return None if d is None else Consent.from_dict(d)

    def set_categories(self, *layers: str | Mapping[str, Any] | list[Any]) -> None:
        """Puts productivity category sets in force, layered (the first set that names a
        category defines it). Each is ActivityWatch's category export as it is: a JSON string
        or the parsed document (`{"id": …, "categories": […]}`, or a bare list of categories).
        A rule that does not compile raises `InvalidInputError` naming it."""
        parsed = [json.loads(x) if isinstance(x, str) else x for x in layers]
        self._native.set_categories(json.dumps(parsed))

    def categories(self) -> list[dict[str, Any]]:
        """The category sets in force (ActivityWatch's default unless set), as exports."""
        result: list[dict[str, Any]] = json.loads(self._native.categories_json())
        return result

    def classify(self, app: str, title: str, url: str | None = None) -> tuple[str, ...]:
        """The category of one record: its path, `("Uncategorized",)` when no rule matches."""
        return tuple(self._native.classify(app, title, url))

    @staticmethod
    def _rows(
        read: Callable[[str | None, str | None], str],
        viewer: Viewer,
        start: datetime | None,
        end: datetime | None,
        employee: str | None,
        project: str | None,
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = json.loads(read(_viewer(viewer), _query(start, end, employee, project)))
        return rows

    def events(self, timeout: float | None = None) -> Iterator[Event]:
        """The tracker's events as they come, until none arrives for `timeout` seconds (None:
        until the tracker is closed). Waits with the GIL released; Ctrl-C interrupts."""
        while True:
            e = self._native.next_event(timeout)
            if e is None:
                return
            yield event_from_dict(json.loads(e))

    @staticmethod
    def capabilities() -> Capabilities:
        return Capabilities.from_dict(json.loads(NativeTracker.capabilities_json()))

    @staticmethod
    def default_data_dir() -> Path | None:
        """The platform's conventional data folder (`%LOCALAPPDATA%\\activity-core` on Windows,
        `$XDG_DATA_HOME/activity-core` or `~/.local/share/activity-core` on Linux), or None when
        the environment names no such place. Never chosen by itself: pass it as `data_dir`."""
        return NativeTracker.default_data_dir()
