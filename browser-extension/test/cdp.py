"""Drives Debian's browsers for the extension's tests: a loopback HTTP server with several sites
(`*.test` mapped to 127.0.0.1: Chromium's host resolver rules, Firefox's
`network.dns.localDomains`), the unpacked extension loaded, and small synchronous clients
(websocket-client) of Chromium's DevTools protocol (`Browser`) and of Firefox's WebDriver BiDi
(`Firefox`: Firefox has no DevTools protocol any more; BiDi installs the extension as a
temporary add-on, as release Firefox accepts no unsigned permanent one). Both have the same
methods; only Chromium can open a private window from here."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import websocket

EXTENSION = Path(__file__).resolve().parents[1]

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{path}</p></body></html>"""


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        host = (self.headers.get("Host") or "").split(":")[0]
        body = PAGE.format(title=f"{host} {self.path.split('?')[0]}", path=self.path).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def shut_down(driver: Any, method: str, timeout: float) -> None:
    """Asks the browser to close (`method` of its protocol), then closes the connection, waits
    for the process (killed after `timeout` s) and closes its log."""
    try:
        driver.call(method)
    except Exception:
        pass
    try:
        driver.ws.close()
    except Exception:
        pass
    try:
        driver.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        driver.proc.kill()
        driver.proc.wait()
    driver.log.close()


def serve() -> tuple[http.server.ThreadingHTTPServer, int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError("chromium is not installed (apt install chromium)")


class Browser:
    """A headless Chromium with the extension, and a CDP connection to it."""

    def __init__(self, profile: Path, log: Path) -> None:
        self.profile = profile
        args = [
            chromium_binary(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--host-resolver-rules=MAP *.test 127.0.0.1",
            f"--user-data-dir={profile}",
            f"--load-extension={EXTENSION}",
            f"--disable-extensions-except={EXTENSION}",
            "--remote-debugging-port=0",
            "--enable-logging=stderr",
            "--v=0",
            "about:blank",
        ]
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().split()) >= 2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chromium did not start (see {log})")
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=30)
        self.next_id = 0

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def targets(self) -> list[dict[str, Any]]:
        return self.call("Target.getTargets")["targetInfos"]

    def wait_for_extension(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(t["type"] == "service_worker" and "chrome-extension://" in t["url"]
                   for t in self.targets()):
                return
            time.sleep(0.1)
        raise RuntimeError("the extension's service worker did not start")

    def open_tab(self, url: str, context: str | None = None, new_window: bool = False) -> str:
        params: dict[str, Any] = {"url": url}
        if context:
            params["browserContextId"] = context
        if new_window:
            params["newWindow"] = True
        return self.call("Target.createTarget", **params)["targetId"]

    def activate(self, target: str) -> None:
        self.call("Target.activateTarget", targetId=target)

    def session(self, target: str) -> str:
        return self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def navigate(self, target: str, url: str) -> None:
        self.call("Page.navigate", session=self.session(target), url=url)

    def evaluate(self, target: str, expression: str) -> Any:
        return self.call("Runtime.evaluate", session=self.session(target), expression=expression)

    def incognito_context(self) -> str:
        return self.call("Target.createBrowserContext")["browserContextId"]

    def close(self) -> None:
        shut_down(self, "Browser.close", 20)


SITES = ("alpha.test", "beta.test", "gamma.test")


class Firefox:
    """A headless Firefox ESR with the extension (temporary add-on), driven by WebDriver BiDi.
    `home` is its HOME: Firefox finds native messaging hosts under `~/.mozilla` only."""

    def __init__(self, profile: Path, home: Path, log: Path) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "user.js").write_text(
            f'user_pref("network.dns.localDomains", "{",".join(SITES)}");\n'
            'user_pref("browser.shell.checkDefaultBrowser", false);\n'
            'user_pref("datareporting.policy.dataSubmissionEnabled", false);\n'
            'user_pref("app.update.enabled", false);\n'
            'user_pref("browser.tabs.warnOnClose", false);\n'
        )
        binary = shutil.which("firefox-esr") or shutil.which("firefox")
        if not binary:
            raise RuntimeError("firefox is not installed (apt install firefox-esr)")
        env = dict(os.environ, HOME=str(home))
        env.pop("DISPLAY", None)
        self.log = open(log, "wb")
        self.proc = subprocess.Popen(
            [binary, "--headless", "--remote-debugging-port", "0", "--profile", str(profile),
             "about:blank"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        url = None
        while url is None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"firefox did not start (see {log})")
            for line in log.read_text(errors="replace").splitlines():
                if "WebDriver BiDi listening on " in line:
                    url = line.split("listening on ", 1)[1].strip()
            time.sleep(0.1)
        self.ws = websocket.create_connection(url + "/session", timeout=30, suppress_origin=True)
        self.next_id = 0
        self.call("session.new", capabilities={})
        self.call("webExtension.install", extensionData={"type": "path", "path": str(EXTENSION)})

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if reply.get("type") == "error":
                    raise RuntimeError(f"{method}: {reply}")
                return reply.get("result", {})

    def wait_for_extension(self, timeout: float = 20) -> None:
        pass  # installed by the constructor; the host connects when its background script runs

    def open_tab(self, url: str, context: str | None = None, new_window: bool = False) -> str:
        if context is not None:
            raise NotImplementedError("WebDriver BiDi cannot open a private window")
        tab = self.call("browsingContext.create", type="window" if new_window else "tab")["context"]
        self.navigate(tab, url)
        return tab

    def activate(self, target: str) -> None:
        self.call("browsingContext.activate", context=target)

    def navigate(self, target: str, url: str) -> None:
        self.call("browsingContext.navigate", context=target, url=url, wait="none")

    def evaluate(self, target: str, expression: str) -> Any:
        return self.call("script.evaluate", expression=expression, target={"context": target},
                         awaitPromise=False)

    def incognito_context(self) -> str:
        raise NotImplementedError("WebDriver BiDi cannot open a private window")

    def close(self) -> None:
        shut_down(self, "browser.close", 30)


def environ_without_display() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    return env
