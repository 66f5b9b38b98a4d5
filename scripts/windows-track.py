#!/usr/bin/env python3
"""The main job on Windows, for real: `track.exe` (cross-built) under Wine on an X display, while a
scripted user types into and switches between two Wine programs, Notepad and the Registry Editor.

    scripts/windows-track.py TRACK_EXE DATA_DIR [--seconds 45]

Needs DISPLAY (Xvfb with a window manager), WINEPREFIX prepared by scripts/wine-run.sh, and
xdotool. Checks, from the run's export and its files:
- the APP records name both programs (`notepad`, `regedit`: the executable's name), each with
  the time the script kept it in front, within 2 s;
- the slots have keyboard and mouse counts above zero;
- the screenshots have the display's size and are not blank.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

from PIL import Image, ImageStat

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(*args, check=True):
    return subprocess.run(args, check=check, capture_output=True, text=True).stdout.strip()


def wait_window(name, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        out = sh("xdotool", "search", "--onlyvisible", "--name", name, check=False)
        if out:
            return out.split()[0]
        time.sleep(0.5)
    sys.exit(f"no window named {name!r} appeared within {seconds} s")


def activate(window):
    sh("xdotool", "windowactivate", "--sync", window, check=False)
    sh("xdotool", "windowfocus", "--sync", window, check=False)


def user(window, until, text):
    """Types into `window` and moves the pointer over it until `until` (monotonic)."""
    i = 0
    while time.monotonic() < until:
        sh("xdotool", "type", "--delay", "80", text[i % len(text)] * 3, check=False)
        sh("xdotool", "mousemove", "--window", window, str(60 + (i * 37) % 300),
           str(80 + (i * 23) % 200), check=False)
        i += 1
        time.sleep(0.3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("track_exe")
    ap.add_argument("data_dir")
    ap.add_argument("--seconds", type=int, default=45)
    a = ap.parse_args()
    size = sh("xdotool", "getdisplaygeometry").split()
    width, height = int(size[0]), int(size[1])

    env = dict(os.environ, WINEDEBUG="-all")
    apps = [
        subprocess.Popen(["wine", "notepad"], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
        subprocess.Popen(["wine", "regedit"], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL),
    ]
    try:
        notepad = wait_window("Notepad")
        regedit = wait_window("Registry Editor")
        activate(notepad)
        time.sleep(1)
        export = os.path.join(a.data_dir, "export.json")
        track = subprocess.Popen(
            [os.path.join(HERE, "wine-run.sh"), a.track_exe, "--for", f"{a.seconds}s",
             "--slot", "1m", "--frequency", "10s", "--no-browser", "--data-dir", a.data_dir,
             "--export", export],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        lines = []
        started = threading.Event()
        ended = threading.Event()
        marks = {}

        def read():
            for line in track.stdout:
                lines.append(line.rstrip("\n"))
                print("  track.exe:", line.rstrip("\n"), flush=True)
                if line.startswith("tracking for"):
                    marks["start"] = time.monotonic()
                    started.set()
                if line.startswith("== summary =="):
                    marks["end"] = time.monotonic()
                    ended.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        if not started.wait(120):
            track.kill()
            sys.exit("track.exe did not start tracking:\n" + "\n".join(lines))
        # The script: Notepad first, the Registry Editor in the middle, Notepad to the end.
        t0 = marks["start"]
        user(notepad, t0 + 14, "notepad ")
        activate(regedit)
        t1 = time.monotonic()
        user(regedit, t1 + 14, "hkey")
        activate(notepad)
        t2 = time.monotonic()
        user(notepad, t0 + a.seconds - 1, "again ")
        if not ended.wait(120) or track.wait(60) != 0:
            sys.exit("track.exe did not finish cleanly:\n" + "\n".join(lines))
        reader.join(5)
    finally:
        for p in apps:
            p.terminate()
        subprocess.run(["wineserver", "-k"], check=False)
    end = marks["end"]
    want = {"notepad": (t1 - t0) + (end - t2), "regedit": t2 - t1}

    d = json.load(open(export))
    got = {}
    for act in d["activities"]:
        if act["type"] == "APP":
            got[act["description"]] = got.get(act["description"], 0) + act["duration"]
    print("APP seconds:", {k: round(v, 1) for k, v in got.items()},
          "script:", {k: round(v, 1) for k, v in want.items()})
    failures = []
    for app, seconds in want.items():
        if app not in got:
            failures.append(f"no APP record names {app!r}: {sorted(got)}")
        elif abs(got[app] - seconds) > 2.0:
            failures.append(f"{app}: {got[app]} s recorded, {seconds:.1f} s in front")
    slots = d["slots"]
    if not slots:
        failures.append("no slots")
    kb = sum(s["keyboard_events"] or 0 for s in slots)
    mouse = sum(s["mouse_events"] or 0 for s in slots)
    if not all(s["tracked_seconds"] > 0 for s in slots) or kb == 0 or mouse == 0:
        failures.append(f"slots without time or counts: {slots}")
    print(f"slots: {len(slots)}, keyboard {kb}, mouse {mouse}")
    shots = d["screenshots"]
    if len(shots) < 3:
        failures.append(f"{len(shots)} screenshots in {a.seconds} s at one per 10 s")
    for s in shots:
        if (s["width"], s["height"]) != (width, height):
            failures.append(f"screenshot {s['full_key']} is {s['width']}x{s['height']}, "
                            f"the display {width}x{height}")
        img = Image.open(os.path.join(a.data_dir, "objects", s["full_key"])).convert("L")
        spread = ImageStat.Stat(img).stddev[0]
        if img.size != (width, height) or spread < 5:
            failures.append(f"screenshot {s['full_key']}: {img.size}, brightness spread "
                            f"{spread:.1f} (blank?)")
    print(f"screenshots: {len(shots)} of {width}x{height}, not blank")
    if failures:
        sys.exit("FAILED:\n  " + "\n  ".join(failures))
    print("windows main job ok")


if __name__ == "__main__":
    main()
