"""What a Python user does first with the wheel on a machine without display libraries
(scripts/test-dist.sh runs it inside a minimal Debian chroot): import, the media pipeline on a
frame, records written and read back, a report, and the capabilities, each source unavailable
with its reason. Exits non-zero on any surprise."""

import json
import tempfile
from datetime import datetime, timedelta, timezone

import activity_core as ac
from activity_core import media

print("activity_core", ac.__version__, "from", ac.__file__)

# The media pipeline: a 640x480 frame with stripes, blurred, thumbnailed, encoded.
w, h = 640, 480
pixels = bytearray()
for y in range(h):
    shade = 30 if (y // 8) % 2 else 220
    pixels += bytes([shade, shade, shade, 255]) * w
result = media.process(bytes(pixels), w, h, blur=True, thumbnail=320)
assert result.full_size == (w, h), result.full_size
assert result.thumbnail_size == (320, 240), result.thumbnail_size
assert result.full[:2] == b"\xff\xd8", "not a JPEG"
print("media.process:", result.full_size, result.thumbnail_size, len(result.full), "bytes")

# Records: a tracker fed by the embedder (no built-in source here), then read back.
with tempfile.TemporaryDirectory() as data_dir:
    config = ac.Config(screenshotFrequency=10, idle_after=timedelta(minutes=5))
    tracker = ac.Tracker(config, data_dir, disabled_sources=("screens", "input", "windows"))
    tracker.set_context(employee="ana", project="Apollo")
    with tracker:
        for _ in range(5):
            tracker.record_input("key_press")
        tracker.record_window("code", "main.rs")
    me = ac.Viewer.employee("ana")
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    slots = tracker.slots(since, viewer=me)
    assert slots and slots[0].keyboard_events == 5, slots
    activities = tracker.activities(since, viewer=me)
    assert any(a.application == "code" for a in activities), activities
    print("records:", len(slots), "slot(s),", slots[0].keyboard_events, "key presses;",
          len(activities), "activity record(s)")
    report = tracker.report(datetime.now(timezone.utc).date().isoformat(), tz="UTC", viewer=me)
    assert report.top_applications and report.top_applications[0].name == "code", report
    html = report.to_html()
    assert "<svg" in html
    print("report:", report.first, [(r.name, r.duration.total_seconds()) for r in report.top_applications],
          len(html), "bytes of HTML")
    tracker.close()

# The browser extension's native messaging host ships inside the wheel.
from activity_core import browser
import os
host = browser.find_host()
assert host is not None and "_bin" in host.parts and os.access(host, os.X_OK), host
print("browser host:", host)

caps = ac.Tracker.capabilities()
print("capabilities:", json.dumps(caps.session))
for name in ("screens", "input", "windows"):
    a = getattr(caps, name)
    print(f"  {name}: {a.state}: {a.reason}")
    assert a.state == "unavailable" and a.reason, (name, a)
print("user seat ok")
