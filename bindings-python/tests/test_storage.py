"""Storage from Python: the conformance cases against S3 on moto and against a Python storage
object; a tracker uploading to a Python object that fails for a while; bad settings."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import MemoryStorage, s3_env, wait_for

import activity_core as ac
from activity_core import storage

ADMIN = ac.Viewer.admin()


def conformance(st: ac.Storage) -> None:
    k1 = "screenshots/2026/11/30/emp/0850/a.jpg"
    k2 = "screenshots/2026/11/30/emp/0850/a-thumb.jpg"
    body = bytes(range(256)) * 400
    st.put(k1, body)
    st.put(k1, body)  # idempotent
    assert st.get(k1) == body
    st.put(k2, b"old")
    st.put(k2, b"new")
    assert st.get(k2) == b"new"
    assert st.head(k1) == len(body)
    assert st.head("screenshots/missing.jpg") is None
    st.delete(k1)
    st.delete(k1)
    with pytest.raises(ac.NotFoundError):
        st.get(k1)
    for bad in ["../x.jpg", "/etc/passwd", "a//b", ""]:
        with pytest.raises(ac.InvalidInputError):
            st.put(bad, b"x")
    with pytest.raises(ac.InvalidInputError):
        st.signed_url(k2, 0)
    st.delete(k2)


def test_s3_on_moto_conforms(moto: str) -> None:
    st = storage.open(s3_env(moto))
    assert st.provider == "S3" and "S3" in repr(st)
    conformance(st)
    st.put("screenshots/x.jpg", b"jpeg")
    url = st.signed_url("screenshots/x.jpg", 60)
    import urllib.request

    assert urllib.request.urlopen(url).read() == b"jpeg"


def test_a_python_storage_object_conforms() -> None:
    mem = MemoryStorage()
    st = storage.from_object(mem)
    assert st.provider == "EMBEDDER"
    conformance(st)
    assert st.signed_url("screenshots/a.jpg", 60) == "https://files.example/screenshots/a.jpg?expires=60"
    assert not any(".." in c for c in mem.calls)
    mem.failing = 1
    with pytest.raises(ac.StorageError, match="503"):
        st.put("screenshots/a.jpg", b"x")


def test_bad_storage_settings_are_named() -> None:
    with pytest.raises(ac.ConfigError) as e:
        storage.open({"FILE_PROVIDER": "S3"})
    assert "AWS_S3_BUCKET" in str(e.value) and "AWS_ACCESS_KEY_ID" in str(e.value)
    with pytest.raises(TypeError):
        storage.from_object(object())  # type: ignore[arg-type]
    assert isinstance(MemoryStorage(), storage.ProductStorage)


def test_a_tracker_uploads_every_object_to_a_python_storage_failing_for_a_while(
    display: str, data_dir: Path
) -> None:
    mem = MemoryStorage()
    mem.failing = 2
    seen: list[ac.Event] = []
    t = ac.Tracker(ac.Config(screenshotFrequency="5s", idle_after="10m"), data_dir, storage=mem,
                   on_event=seen.append)
    with t:
        assert wait_for(lambda: any(e.type == "screenshot_stored" for e in seen), 20)
    assert any(e.type == "upload_retrying" and "503" in (e.reason or "") for e in seen)
    shots = t.screenshots(ADMIN)
    stored = [s for s in shots if s.upload_state == "uploaded"]
    assert stored
    for s in stored:
        assert len(mem.objects[s.full_key]) == s.full_bytes
        assert len(mem.objects[s.thumb_key]) == s.thumb_bytes
    # Read back through the object's get; delete through the tracker.
    assert t.screenshot_bytes(stored[0].id, viewer=ADMIN) == mem.objects[stored[0].full_key]
    assert t.screenshot_url(stored[0].id, viewer=ADMIN).startswith("https://files.example/")
    t.delete_screenshot(stored[0].id, viewer=ADMIN)
    assert stored[0].full_key not in mem.objects and stored[0].thumb_key not in mem.objects


def test_a_tracker_on_s3(display: str, data_dir: Path, moto: str) -> None:
    seen: list[ac.Event] = []
    t = ac.Tracker(ac.Config(screenshotFrequency="5s"), data_dir, storage=storage.open(s3_env(moto)),
                   on_event=seen.append)
    with t:
        assert wait_for(lambda: any(e.type == "screenshot_stored" for e in seen), 20)
    shot = next(s for s in t.screenshots(ADMIN) if s.upload_state == "uploaded")
    assert shot.provider == "S3"
    assert len(t.screenshot_bytes(shot.id, viewer=ADMIN)) == shot.full_bytes
    assert t.delete_screenshot(shot.id, viewer=ADMIN).complete
    time.sleep(0.1)
