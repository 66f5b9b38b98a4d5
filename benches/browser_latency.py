"""Measures the browser bridge with the real browser: the latency from a navigation (25
`history.pushState` route changes and 25 full navigations, driven over CDP) to the tracker's
`website_changed` event, and the host's RSS and CPU while idle and while browsing.

    python3 benches/browser_latency.py     (needs the wheel installed, websocket-client,
                                            chromium, and AC_BROWSER_HOST or the host on PATH)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from activity_core import Tracker, browser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser-extension" / "test"))
import cdp  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def host_pid() -> int | None:
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if b"activity-core-browser-host" in (p / "cmdline").read_bytes():
                    return int(p.name)
            except OSError:
                pass
    return None


def usage(pid: int) -> tuple[int, float]:
    """RSS in KiB and CPU seconds so far."""
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / TICK


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ac-latency-"))
    data, profile = tmp / "d", tmp / "p"
    profile.mkdir()
    browser.install_host("chromium", data, user_data_dir=profile)
    server, port = cdp.serve()
    seen: list[tuple[float, str]] = []
    lock = threading.Lock()

    def on_event(e: object) -> None:
        if getattr(e, "type", "") == "website_changed":
            with lock:
                seen.append((time.monotonic(), str(getattr(e, "data", {}).get("url"))))

    with Tracker(data_dir=data, disabled_sources=["screens", "input", "windows"], browser_bridge=True,
                 on_event=on_event):
        b = cdp.Browser(profile, tmp / "chromium.log")
        try:
            b.wait_for_extension()
            tab = b.open_tab(f"http://alpha.test:{port}/start")
            time.sleep(3)
            pid = host_pid()
            assert pid, "the host is not running"

            def wait_for(suffix: str, since: float) -> float:
                deadline = since + 10
                while time.monotonic() < deadline:
                    with lock:
                        for t, url in seen:
                            if t >= since and url.endswith(suffix):
                                return t - since
                    time.sleep(0.001)
                raise TimeoutError(suffix)

            rss0, cpu0 = usage(pid)
            time.sleep(20)
            rss_idle, cpu1 = usage(pid)
            idle_cpu = (cpu1 - cpu0) / 20
            push, full = [], []
            t_browse = time.monotonic()
            for i in range(50):
                since = time.monotonic()
                if i % 2 == 0:
                    b.evaluate(tab, f"history.pushState({{}}, '', '/route{i}')")
                    push.append(wait_for(f"/route{i}", since))
                else:
                    b.navigate(tab, f"http://alpha.test:{port}/page{i}?q={i}")
                    full.append(wait_for(f"/page{i}", since))
                time.sleep(0.2)
            browse_s = time.monotonic() - t_browse
            rss_browse, cpu2 = usage(pid)
            browse_cpu = (cpu2 - cpu1) / browse_s
        finally:
            b.close()
            server.shutdown()
            server.server_close()
    both = push + full
    ms = lambda xs: f"median {statistics.median(xs) * 1e3:.1f} ms, max {max(xs) * 1e3:.1f} ms"  # noqa: E731
    print(f"navigation -> tracker event over {len(both)} navigations: {ms(both)}")
    print(f"  pushState ({len(push)}): {ms(push)}")
    print(f"  full navigation ({len(full)}): {ms(full)}")
    print(f"host RSS: {rss0} KiB at start, {rss_idle} KiB idle, {rss_browse} KiB after browsing")
    print(f"host CPU: {idle_cpu * 100:.3f} % idle (20 s), {browse_cpu * 100:.3f} % while browsing ({browse_s:.1f} s)")


if __name__ == "__main__":
    main()
