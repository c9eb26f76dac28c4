"""Headless Chromium for tests: load a page and return its DOM, console messages, errors and a PNG screenshot.

Chromium runs with `--remote-debugging-port=0`; the port it picked is read from the `DevToolsActivePort` file in
its user-data-dir, and the page is driven over the DevTools protocol through a minimal WebSocket client written
here on the standard library (no extra package): `Runtime.consoleAPICalled`, `Runtime.exceptionThrown` and
`Log.entryAdded` give every console message, uncaught exception and browser-side error (a blocked or missing
resource, a CSP violation); `Network.requestWillBeSent` lists what the page fetched; `DOM.getOuterHTML` gives the
rendered DOM (what `--dump-dom` prints) and `Page.captureScreenshot` the PNG (what `--screenshot` writes).

One browser serves several pages: `with Browser() as b: page = b.load(path)`. `chromium_path()` is None when no
Chromium is installed (tests skip); the one CI installs is Debian's `/usr/bin/chromium`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio")
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    """FINGUARD_CHROMIUM, else Debian's chromium, else one on PATH."""
    override = os.environ.get("FINGUARD_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    pass


@dataclass
class ConsoleMessage:
    level: str  # console API type (log, error, warning, ...) or Log domain level (error, warning, ...)
    text: str
    source: str  # "console", "exception" or the Log entry's source (network, security, ...)


@dataclass
class PageCapture:
    url: str
    title: str
    dom: str
    screenshot: bytes
    messages: list[ConsoleMessage] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[ConsoleMessage]:
        return [m for m in self.messages if m.level in ("error", "assert") or m.source == "exception"]


# -- a minimal WebSocket client (RFC 6455): text frames, masked as a client must; ping, close ----------------
class _WebSocket:
    def __init__(self, url: str, timeout: float) -> None:
        rest = url.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port or 80)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise BrowserError("DevTools closed the connection during the WebSocket handshake")
            head += chunk
        head, _, self.buffer = head.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise BrowserError(f"DevTools refused the WebSocket: {status.decode(errors='replace')}")

    def settimeout(self, seconds: float) -> None:
        self.sock.settimeout(seconds)

    def _exact(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise BrowserError("DevTools closed the WebSocket")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send(self, text: str) -> None:
        self._send_frame(0x1, text.encode())

    def recv(self) -> str:
        """The next text message (fragments joined); answers pings; raises on close."""
        parts: list[bytes] = []
        while True:
            b0, b1 = self._exact(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._exact(8))[0]
            mask = self._exact(4) if b1 & 0x80 else b""
            payload = self._exact(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise BrowserError("DevTools closed the WebSocket")
            if opcode in (0x0, 0x1, 0x2):
                parts.append(payload)
                if b0 & 0x80:
                    return b"".join(parts).decode("utf-8", errors="replace")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._send_frame(0x8, b"")
        self.sock.close()


# -- the browser -------------------------------------------------------------------------------------------
def _remove_profile(path: str) -> None:
    """Chromium's helper processes (crashpad, the zygote) outlive the browser by a moment and still write into the
    profile: removing it at once failed now and then with "Directory not empty". Retry for up to 5 s."""
    for _ in range(50):
        try:
            shutil.rmtree(path)
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)
            continue
        return



class Browser:
    def __init__(self, executable: str | None = None, *, width: int = 1280, height: int = 1600,
                 timeout: float = 20.0) -> None:
        self.executable = executable or chromium_path()
        if self.executable is None:
            raise BrowserError("no Chromium found (install Debian's chromium, or set FINGUARD_CHROMIUM)")
        self.width, self.height, self.timeout = width, height, timeout
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._ws: _WebSocket | None = None
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Browser:
        self._tmp = tempfile.TemporaryDirectory(prefix="finguard-chromium-", ignore_cleanup_errors=True)
        profile = Path(self._tmp.name)
        self._log = (profile.parent / f"{profile.name}.log").open("wb")
        self._proc = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        try:
            port = self._port(profile / "DevToolsActivePort")
            self._ws = _WebSocket(self._page_socket(port), self.timeout)
            for domain in ("Runtime", "Log", "Page", "Network", "DOM"):
                self.call(f"{domain}.enable")
            # the viewport exactly (a window size would include whatever the headless shell reserves)
            self.call("Emulation.setDeviceMetricsOverride", {"width": self.width, "height": self.height,
                                                             "deviceScaleFactor": 1, "mobile": False})
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
            self._proc = None
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)
        if self._tmp is not None:
            _remove_profile(self._tmp.name)
            self._tmp.cleanup()
            self._tmp = None

    def _stderr_tail(self) -> str:
        try:
            return Path(self._log.name).read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def _port(self, active_port: Path) -> int:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise BrowserError(f"chromium exited with {self._proc.returncode}: {self._stderr_tail()}")
            try:
                first = active_port.read_text().splitlines()[0]
                return int(first)
            except (OSError, IndexError, ValueError):
                time.sleep(0.05)
        raise BrowserError(f"chromium did not open its DevTools port in {self.timeout:.0f}s: {self._stderr_tail()}")

    def _page_socket(self, port: int) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=self.timeout) as response:
                targets = json.load(response)
            pages = [t for t in targets if t.get("type") == "page" and t.get("webSocketDebuggerUrl")]
            if pages:
                return str(pages[0]["webSocketDebuggerUrl"])
            time.sleep(0.05)
        raise BrowserError("chromium opened no page target")

    # -- DevTools protocol --------------------------------------------------------------------------------
    def _receive(self, deadline: float) -> dict[str, Any] | None:
        assert self._ws is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        self._ws.settimeout(remaining)
        try:
            message: dict[str, Any] = json.loads(self._ws.recv())
        except TimeoutError:
            return None
        return message

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        assert self._ws is not None
        self._next_id += 1
        ident = self._next_id
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params or {}}))
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message is None:
                raise BrowserError(f"no answer to {method} in {self.timeout:.0f}s")
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            if "method" in message:
                self._events.append(message)

    def _wait_event(self, method: str) -> None:
        deadline = time.monotonic() + self.timeout
        while not any(e["method"] == method for e in self._events):
            message = self._receive(deadline)
            if message is None:
                raise BrowserError(f"no {method} in {self.timeout:.0f}s")
            if "method" in message:
                self._events.append(message)

    def _drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (message := self._receive(deadline)) is not None:
            if "method" in message:
                self._events.append(message)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the current page (DevTools evaluates it whatever the page's
        Content-Security-Policy allows its own scripts)."""
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression}: {answer['exceptionDetails'].get('text')}")
        return answer["result"].get("value")

    def load(self, page: str | Path, *, settle: float = 0.3) -> PageCapture:
        """Navigate to a file (or URL), wait for `load` and a moment for late messages, and capture it."""
        url = Path(page).resolve().as_uri() if isinstance(page, Path) or "://" not in page else page
        self._events = []
        navigated = self.call("Page.navigate", {"url": url})
        if navigated.get("errorText"):
            raise BrowserError(f"cannot open {url}: {navigated['errorText']}")
        self._wait_event("Page.loadEventFired")
        self._drain(settle)
        root = self.call("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        dom = self.call("DOM.getOuterHTML", {"nodeId": root})["outerHTML"]
        title = self.evaluate("document.title")
        shot = self.call("Page.captureScreenshot", {"format": "png"})
        self._drain(0.05)
        return PageCapture(url=url, title=str(title or ""), dom=dom,
                           screenshot=base64.b64decode(shot["data"]), messages=self._messages(),
                           requests=[e["params"]["request"]["url"] for e in self._events
                                     if e["method"] == "Network.requestWillBeSent"])

    def _messages(self) -> list[ConsoleMessage]:
        out = []
        for event in self._events:
            params = event.get("params", {})
            if event["method"] == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                out.append(ConsoleMessage(params.get("type", "log"), text, "console"))
            elif event["method"] == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                text = details.get("exception", {}).get("description") or details.get("text", "")
                out.append(ConsoleMessage("error", text, "exception"))
            elif event["method"] == "Log.entryAdded":
                entry = params.get("entry", {})
                text = entry.get("text", "") + (f" ({entry['url']})" if entry.get("url") else "")
                out.append(ConsoleMessage(entry.get("level", "info"), text, entry.get("source", "other")))
        return out
