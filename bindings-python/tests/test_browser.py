"""Websites from a real browser: Debian's Chromium (headless=new) with the unpacked extension,
the native messaging host installed by `activity_core.browser.install_host` (the host's own
`install`) into the test's browser profile, pages on a loopback HTTP server, driven over the
DevTools protocol (`browser-extension/test/cdp.py`), recorded by a `Tracker` made with
`browser_bridge=True`. Also the install helper's errors."""

from __future__ import annotations

import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

import activity_core
from activity_core import Tracker, browser

REPO = Path(os.environ.get("AC_REPO", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(REPO / "browser-extension" / "test"))

import cdp  # noqa: E402  (from the repository, beside the extension)


def host() -> Path:
    found = browser.find_host()
    if found is None:
        pytest.fail("activity-core-browser-host not found (AC_BROWSER_HOST; scripts/test-python.sh sets it)")
    return found


def test_install_host_names_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="netscape"):
        browser.install_host("netscape", tmp_path / "d", user_data_dir=tmp_path / "p", host=host())  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="no-such-host"):
        browser.install_host("chromium", tmp_path / "d", user_data_dir=tmp_path / "p", host=tmp_path / "no-such-host")
    manifest = browser.install_host("firefox", tmp_path / "d", user_data_dir=tmp_path / "p", host=host())
    assert manifest == tmp_path / "p" / "native-messaging-hosts" / f"{browser.HOST_NAME}.json"
    assert '"allowed_extensions"' in manifest.read_text()
    launcher = tmp_path / "d" / "browser-host"
    assert launcher.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("name", ["chromium", "firefox"])
def test_tabs_navigation_pushstate_and_a_private_window(tmp_path: Path, name: str) -> None:
    """The same scenario in Chromium and in Firefox ESR, but for the private window, which only
    Chromium can be asked to open from here (WebDriver BiDi has no private windows)."""
    data = tmp_path / "data"
    profile = tmp_path / "profile"
    profile.mkdir()
    if name == "chromium":
        manifest = browser.install_host("chromium", data, user_data_dir=profile, host=host())
        assert manifest.parent == profile / "NativeMessagingHosts"
    else:
        # Firefox looks in ~/.mozilla/native-messaging-hosts: the browser gets its own HOME.
        home = tmp_path / "home"
        manifest = browser.install_host("firefox", data, user_data_dir=home / ".mozilla", host=host())
        assert manifest.parent == home / ".mozilla" / "native-messaging-hosts"
    server, port = cdp.serve()
    events: list[activity_core.Event] = []
    tracker = Tracker(
        data_dir=data,
        disabled_sources=["screens", "input", "windows"],
        browser_bridge=True,
        on_event=events.append,
    )
    spent: dict[str, float] = defaultdict(float)
    with tracker:
        log = tmp_path / f"{name}.log"
        b = cdp.Browser(profile, log) if name == "chromium" else cdp.Firefox(profile, tmp_path / "home", log)
        try:
            b.wait_for_extension()
            # Wait for the host to connect (the extension starts it).
            deadline = time.monotonic() + 20
            while not any(e.type == "browser_connected" for e in events):
                assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
                time.sleep(0.05)

            def hold(site: str, seconds: float) -> None:
                start = time.monotonic()
                time.sleep(seconds)
                spent[site] += time.monotonic() - start

            a = b.open_tab(f"http://alpha.test:{port}/one?token=secret#top")
            hold("alpha.test", 4)
            b.open_tab(f"http://beta.test:{port}/two?q=private")
            hold("beta.test", 4)
            b.activate(a)
            hold("alpha.test", 3)
            b.navigate(a, f"http://alpha.test:{port}/three?page=2")
            hold("alpha.test", 3)
            b.evaluate(a, "history.pushState({}, '', '/routed?state=secret')")
            hold("alpha.test", 3)
            if name == "chromium":
                private = b.incognito_context()
                b.open_tab(f"http://gamma.test:{port}/incognito", context=private, new_window=True)
                hold("gamma.test", 3)
        finally:
            b.close()
        deadline = time.monotonic() + 10
        while not any(e.type == "browser_disconnected" for e in events):
            assert time.monotonic() < deadline, "the host did not go away with the browser"
            time.sleep(0.05)
        server.shutdown()
        server.server_close()
    records = [a for a in tracker.activities(viewer=activity_core.Viewer.admin()) if a.type == "URL"]
    by_domain: dict[str, float] = defaultdict(float)
    for r in records:
        assert r.domain is not None, r
        by_domain[r.domain] += r.duration.total_seconds()
        # No query string or fragment anywhere, titles included.
        assert r.url is not None and "?" not in r.url and "#" not in r.url, r
        assert "secret" not in r.title and "private" not in r.title, r
    assert set(by_domain) == {"alpha.test", "beta.test"}, by_domain  # the private window: never
    for site in ("alpha.test", "beta.test"):
        assert abs(by_domain[site] - spent[site]) <= 2.0, (site, by_domain[site], spent[site], records)
    urls = {r.url for r in records}
    assert f"http://alpha.test:{port}/three" in urls
    assert f"http://alpha.test:{port}/routed" in urls, urls  # the pushState route
    # The sites are in the top-websites report as well (the days the run touched, UTC).
    first = min(r.start for r in records).date()
    last = max(r.start for r in records).date()
    top = {row.name for row in tracker.report(first=first, last=last, tz="UTC", viewer=activity_core.Viewer.admin()).top_websites}
    assert {"alpha.test", "beta.test"} <= top, top
    changed = [e for e in events if e.type == "website_changed"]
    assert changed and all("secret" not in str(e.data) for e in changed)
