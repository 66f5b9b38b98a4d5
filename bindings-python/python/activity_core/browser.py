"""Website tracking through the browser extension (`browser-extension/` in the repository).

The extension talks to a native messaging host, the `activity-core-browser-host` program (built
with the library and carried by the release wheels in `activity_core/_bin/`; from source:
`cargo build --release --bin activity-core-browser-host`, or `scripts/install-c.sh` into
`PREFIX/bin`), which forwards to a `Tracker` made with
`browser_bridge=True`. `install_host` registers the host with a browser::

    from activity_core import Tracker, browser
    browser.install_host("chromium", data_dir="./activity-data")
    with Tracker(data_dir="./activity-data", browser_bridge=True) as t:
        ...
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Literal

from ._native import browser_host_install

__all__ = ["HOST_NAME", "EXTENSION_ID", "install_host", "find_host"]

HOST_NAME = "dev.activity_core.browser"
EXTENSION_ID = "gfekllknfmmafdbkdeicnfiammpjpclh"


def find_host() -> Path | None:
    """The host program: `$AC_BROWSER_HOST`, else the one the release wheels carry
    (`activity_core/_bin/`), else `activity-core-browser-host` on `PATH`."""
    explicit = os.environ.get("AC_BROWSER_HOST")
    if explicit:
        return Path(explicit)
    name = "activity-core-browser-host.exe" if os.name == "nt" else "activity-core-browser-host"
    bundled = Path(__file__).resolve().parent / "_bin" / name
    if bundled.is_file():
        return bundled
    found = shutil.which("activity-core-browser-host")
    return Path(found) if found else None


def install_host(
    browser: Literal["chromium", "chrome", "firefox"],
    data_dir: str | os.PathLike[str],
    *,
    user_data_dir: str | os.PathLike[str] | None = None,
    host: str | os.PathLike[str] | None = None,
) -> Path:
    """Registers the native messaging host with `browser` for the tracker of `data_dir` and
    returns the host manifest's path. `user_data_dir`: the browser profile folder given to the
    browser with `--user-data-dir` (the manifest then goes to `<dir>/NativeMessagingHosts/`);
    `None`: the user's default. `host`: the program (default: `find_host()`).

    Raises `ValueError` for an unknown browser, `FileNotFoundError` when there is no host
    program, `OSError` when a folder cannot be written."""
    program = Path(host) if host is not None else find_host()
    if program is None:
        raise FileNotFoundError(
            "activity-core-browser-host not found: pass host=..., set AC_BROWSER_HOST, "
            "or put it on PATH"
        )
    manifest = browser_host_install(
        browser,
        os.fspath(data_dir),
        os.fspath(program),
        os.fspath(user_data_dir) if user_data_dir is not None else None,
    )
    return Path(manifest)
