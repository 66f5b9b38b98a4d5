"""Retention, export, erasure and consent from Python: screenshots of the test display taken on
a manual clock 400 days ago and yesterday, stored at the S3 server (moto); an export with its
manifest; a purge with Time Doctor's preset; an erasure; consent required before tracking."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import activity_core as ac
from activity_core import storage
from conftest import s3_env

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
ADMIN = ac.Viewer.admin()
CONSENT = ac.Consent("ana", True, True, True, True, "2026-11", NOW - timedelta(days=500))


def bucket_keys(endpoint: str) -> set[str]:
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="a", aws_secret_access_key="b",
                      region_name="us-east-1")
    return {o["Key"] for o in s3.list_objects_v2(Bucket="shots").get("Contents", [])}


def track(t: ac.Tracker, clock: ac.ManualClock, events: list[ac.Event], start: datetime, shots: int) -> None:
    clock.set(start)
    t.start()
    want = sum(e.type == "screenshot_taken" for e in events) + shots
    step = 0
    while sum(e.type == "screenshot_taken" for e in events) < want:
        step += 1
        assert step < 40, "screenshots are not being taken"
        before = sum(e.type == "screenshot_taken" for e in events)
        clock.set(start + timedelta(seconds=5 * step))
        t.record_window("Editor", "main.rs")
        for _ in range(60):
            if sum(e.type == "screenshot_taken" for e in events) > before:
                break
            time.sleep(0.05)
    t.stop()


def test_consent_export_purge_and_erase(display: str, tmp_path: Path, moto: str) -> None:
    clock = ac.ManualClock(NOW)
    events: list[ac.Event] = []
    t = ac.Tracker(ac.Config(screenshot_frequency="5s"), tmp_path / "data", storage=storage.open(s3_env(moto)),
                   missing_sources="run_available", disabled_sources=["input", "windows"], clock=clock,
                   on_event=events.append, require_consent=True)
    t.set_context("ana", "P")
    with pytest.raises(ac.InvalidStateError, match="no consent recorded for employee ana"):
        t.start()
    t.record_consent(CONSENT)
    assert t.consent("ana") == CONSENT
    assert t.consent("bo") is None

    track(t, clock, events, NOW - timedelta(days=400), 2)
    track(t, clock, events, NOW - timedelta(days=1), 1)
    assert t.sync().count == 0
    shots = t.screenshots(ADMIN)
    assert len(shots) == 3
    assert {s.full_key for s in shots} <= bucket_keys(moto)

    # The export, as ana: every file's digest checks out.
    out = tmp_path / "export"
    m = t.export_subject("ana", out, viewer=ac.Viewer.employee("ana"))
    assert m.counts["screenshots"] == 3 and m.counts["consents"] == 1
    for f in m.files:
        data = (out / f.path).read_bytes()
        assert len(data) == f.bytes and hashlib.sha256(data).hexdigest() == f.sha256
    assert json.loads((out / "manifest.json").read_text())["employee"] == "ana"
    with pytest.raises(ac.InvalidInputError):
        t.export_subject("bo", out, viewer=ac.Viewer.employee("ana"))

    # The purge: Time Doctor's preset removes the two old screenshots everywhere.
    with pytest.raises(ac.InvalidStateError):
        t.purge(NOW)
    with pytest.raises(ac.ConfigError, match="retention.slots"):
        t.set_retention_policy(ac.RetentionPolicy(slots=timedelta(hours=1)))
    t.set_retention_policy(ac.RetentionPolicy.time_doctor())
    old = [s for s in shots if s.taken_at < NOW - timedelta(days=365)]
    r = t.purge(NOW)
    assert r.screenshots == 2 and r.remote_deletes_queued == 4
    assert r.cutoffs["screenshots"] == NOW - timedelta(days=365)
    keys = bucket_keys(moto)
    assert not any(s.full_key in keys or s.thumb_key in keys for s in old)
    assert len(t.screenshots(ADMIN)) == 1
    assert t.purge().screenshots == 0  # the tracker's clock: the same instant
    assert [p.screenshots for p in t.purge_log()] == [0, 2]

    # The erasure.
    e = t.erase_subject("ana", viewer=ADMIN)
    assert e.screenshots == 1 and e.consents == 1 and e.slots >= 1
    assert e.remote_deleted == 2
    assert t.screenshots(ADMIN) == [] and t.slots(viewer=ADMIN) == []
    assert t.consent("ana") is None
    t.close()
