"""Opens a page in headless Chromium through the DevTools protocol, with the
network off and a given viewport, and reports what a reader would meet:
console errors and exceptions, each image's natural width, the page's
width against the viewport's, and a screenshot.

Used by the report tests; a command line for looking at a page by hand:

    .venv/bin/python tests/python/browser_check.py report.html 375 shot.png
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def chromium() -> str | None:
    """The Chromium executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageCheck:
    errors: list[str] = field(default_factory=list)
    image_widths: list[int] = field(default_factory=list)
    page_width: int = 0
    viewport_width: int = 0
    screenshot: bytes = b""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_page(path: str | os.PathLike[str], width: int, height: int = 900) -> PageCheck:
    """Loads ``path`` offline at ``width`` x ``height`` CSS pixels."""
    from websockets.sync.client import connect

    browser = chromium()
    if browser is None:
        raise RuntimeError("no Chromium on PATH")
    port = _free_port()
    profile = tempfile.mkdtemp(prefix="munflow-chromium-")
    proc = subprocess.Popen(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        targets = _wait_for_targets(port)
        page = next(t for t in targets if t.get("type") == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=20) as ws:
            return _inspect(ws, Path(path).resolve().as_uri(), width, height)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)


def _wait_for_targets(port: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                targets = json.load(r)
            if any(t.get("type") == "page" for t in targets):
                return targets
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("Chromium did not open its DevTools port")
        time.sleep(0.2)


def _inspect(ws: Any, url: str, width: int, height: int) -> PageCheck:
    check = PageCheck()
    ids = iter(range(1, 1_000_000))

    def send(method: str, **params: Any) -> dict[str, Any]:
        ident = next(ids)
        ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv(timeout=60))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            _note(message, check)

    for domain in ("Page", "Runtime", "Log", "Network"):
        send(f"{domain}.enable")
    # The network off: a page that needs anything from outside shows it.
    send(
        "Network.emulateNetworkConditions",
        offline=True,
        latency=0,
        downloadThroughput=-1,
        uploadThroughput=-1,
    )
    send(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=width < 600,
    )
    send("Page.navigate", url=url)
    deadline = time.monotonic() + 60
    while True:
        state = send("Runtime.evaluate", expression="document.readyState", returnByValue=True)
        if state["result"].get("value") == "complete":
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the page did not finish loading")
        time.sleep(0.1)
    widths = send(
        "Runtime.evaluate",
        expression="Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)",
        returnByValue=True,
    )
    check.image_widths = list(widths["result"]["value"])
    sizes = send(
        "Runtime.evaluate",
        expression="[document.documentElement.scrollWidth, window.innerWidth]",
        returnByValue=True,
    )
    check.page_width, check.viewport_width = sizes["result"]["value"]
    shot = send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    check.screenshot = base64.b64decode(shot["data"])
    return check


def _note(message: dict[str, Any], check: PageCheck) -> None:
    """Records console errors, exceptions and failed loads."""
    method, params = message.get("method"), message.get("params", {})
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        check.errors.append("console: " + " ".join(str(a.get("value")) for a in params["args"]))
    elif method == "Runtime.exceptionThrown":
        check.errors.append("exception: " + params["exceptionDetails"].get("text", ""))
    elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
        check.errors.append("log: " + params["entry"].get("text", ""))
    elif method == "Network.loadingFailed":
        check.errors.append("load failed: " + params.get("errorText", ""))


if __name__ == "__main__":
    result = check_page(sys.argv[1], int(sys.argv[2]))
    Path(sys.argv[3]).write_bytes(result.screenshot)
    print(
        json.dumps(
            {
                "errors": result.errors,
                "images": result.image_widths,
                "page_width": result.page_width,
                "viewport": result.viewport_width,
            }
        )
    )
