"""Shared fixtures: a virtual X display (Xvfb + openbox + an xterm), a moto S3 server on
127.0.0.1, and a storage object of the test's own. These tests run against the installed wheel,
from outside the repository (scripts/test-python.sh)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


# Processes that outlive the tests (kept referenced so they are not collected while running).
_outliving: list[subprocess.Popen[bytes]] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """Xvfb + openbox + one xterm; DISPLAY points at it for the whole session."""
    if not shutil.which("Xvfb"):
        pytest.fail("Xvfb is not installed (scripts/install-deps.sh --test installs it)")
    # -displayfd: the server picks a free display number and writes it to the pipe.
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write,))
    os.close(write)
    with os.fdopen(read) as pipe:
        name = ":" + pipe.readline().strip()
    env = dict(os.environ, DISPLAY=name)
    for _ in range(100):
        if subprocess.run(["xdpyinfo", "-display", name], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    # The window manager (the tracker needs EWMH): on a loaded machine openbox can take seconds,
    # and it has been seen not to come up at all; wait up to 15 s, retry, then fail saying why
    # (a tracker test without one fails later and less clearly).
    wm = None
    for attempt in range(3):
        log = tempfile.TemporaryFile()
        wm = subprocess.Popen(["openbox"], env=env, stdout=log, stderr=subprocess.STDOUT)
        for _ in range(150):
            out = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True,
                                 text=True)
            if "window id" in out.stdout or wm.poll() is not None:
                break
            time.sleep(0.1)
        if "window id" in out.stdout:
            log.close()  # (openbox keeps its own descriptor)
            break
        wm.kill()
        wm.wait()
        log.seek(0)
        printed = log.read().decode(errors="replace")[-500:]
        log.close()
        if attempt == 2:
            xvfb.kill()
            pytest.fail(f"openbox did not manage {name} in 3 attempts (exit {wm.returncode}): {printed}")
        print(f"openbox did not manage {name} (attempt {attempt + 1}, exit {wm.returncode}): {printed}",
              file=sys.stderr)
    assert wm is not None
    term = subprocess.Popen(["xterm", "-T", "Python test", "-e", "sh", "-c", "sleep 600"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = name
    os.environ.pop("WAYLAND_DISPLAY", None)
    # The built-in input source (rdev) listens on this server until the process ends, and Xlib
    # ends a process whose X server goes away: a watchdog stops the server after pytest exits.
    pids = " ".join(str(p.pid) for p in (term, wm, xvfb))
    watchdog = subprocess.Popen(
        ["sh", "-c", f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 0.5; done; kill {pids}"],
        start_new_session=True)
    _outliving.extend([term, wm, xvfb, watchdog])
    yield name
    if old is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = old


@pytest.fixture(scope="session")
def moto() -> Iterator[str]:
    """moto_server on a free loopback port with a bucket `shots`; yields the endpoint."""
    port = free_port()
    proc = subprocess.Popen(["moto_server", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="a", aws_secret_access_key="b",
                      region_name="us-east-1")
    for _ in range(100):
        try:
            s3.create_bucket(Bucket="shots")
            break
        except Exception:
            time.sleep(0.1)
    yield endpoint
    proc.kill()
    proc.wait()


def s3_env(endpoint: str) -> dict[str, str]:
    return {
        "FILE_PROVIDER": "S3",
        "AWS_ACCESS_KEY_ID": "AKIDTESTTESTTEST",
        "AWS_SECRET_ACCESS_KEY": "testsecretkeytestsecretkeytestsecret00",
        "AWS_REGION": "us-east-1",
        "AWS_S3_BUCKET": "shots",
        "AWS_S3_ENDPOINT": endpoint,
        "AWS_S3_FORCE_PATH_STYLE": "true",
    }


class MemoryStorage:
    """The product's own storage, in memory; `put` fails while `failing` is above zero."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.lock = threading.Lock()
        self.failing = 0
        self.calls: list[str] = []

    def put(self, key: str, data: bytes) -> None:
        with self.lock:
            self.calls.append(f"put {key}")
            if self.failing > 0:
                self.failing -= 1
                raise ConnectionError("upload API answered 503")
            self.objects[key] = bytes(data)

    def get(self, key: str) -> bytes:
        with self.lock:
            return self.objects[key]  # KeyError: not found

    def head(self, key: str) -> int | None:
        with self.lock:
            data = self.objects.get(key)
            return None if data is None else len(data)

    def delete(self, key: str) -> None:
        with self.lock:
            self.calls.append(f"delete {key}")
            self.objects.pop(key, None)

    def signed_url(self, key: str, expires_seconds: int) -> str:
        return f"https://files.example/{key}?expires={expires_seconds}"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def wait_for(predicate, timeout: float = 15.0, step: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return False
