"""Runs the embedded Rego evaluator in a child process with a time and memory budget.

One child (finguard/policy/rego_worker.py) is started on first use and kept for the life of the
process, so normal runs pay its start-up once. Every step (adding a module, setting the input,
querying a package) has the wall-clock timeout of `RegoLimits`; the child runs under RLIMIT_AS.
When a step times out or the child dies (stack overflow, abort on allocation failure), the child
is killed, that step's policy gets an error, a fresh child is started and the modules that had
loaded are added again, so the other policies still run. The child's stderr goes nowhere: a Rust
panic or backtrace never reaches the user; its meaning arrives as the error text.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from finguard.policy.rego import PackageResult, RegoLimits, RegoModule, clean_error, fill_result, first_value

_WORKER = Path(__file__).with_name("rego_worker.py")


class ChildFailed(Exception):
    """The child timed out or died; the message says which, for an error finding."""


class _Child:
    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self.proc = subprocess.Popen(
            [sys.executable, "-E", "-s", str(_WORKER), str(memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={**os.environ, "RUST_BACKTRACE": "0"}, close_fds=True,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def call(self, message: dict[str, Any], timeout: float, payload: str = "") -> tuple[dict[str, Any], bytes]:
        """(header, raw payload) of the reply; ChildFailed on a timeout or a dead child."""
        data, body = json.dumps(message).encode(), payload.encode("utf-8", "surrogatepass")
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(struct.pack(">II", len(data), len(body)) + data + body)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise ChildFailed(self._death()) from None
        deadline = time.monotonic() + timeout
        size, length = struct.unpack(">II", self._read(8, deadline, timeout))
        return json.loads(self._read(size, deadline, timeout)), self._read(length, deadline, timeout)

    def _read(self, size: int, deadline: float, timeout: float) -> bytes:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        chunks: list[bytes] = []
        got = 0
        while got < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.kill()
                raise ChildFailed(f"evaluation exceeded {timeout:g} s (policies.rego_timeout_seconds in finguard.yml "
                                  "or FINGUARD_REGO_TIMEOUT changes it)")
            chunk = os.read(fd, min(size - got, 1 << 20))
            if not chunk:
                raise ChildFailed(self._death())
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _death(self) -> str:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        if code is not None and code < 0:
            sig = -code
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            hint = {signal.SIGSEGV: " (stack overflow: unbounded recursion?)",
                    signal.SIGABRT: f" (out of memory? the limit is {self.memory_mb} MB, "
                                    "policies.rego_memory_mb or FINGUARD_REGO_MEMORY_MB changes it)",
                    signal.SIGKILL: " (killed: out of memory?)"}.get(sig, "")
            return f"evaluation crashed ({name}, signal {sig}){hint}"
        return f"the evaluator process exited unexpectedly (exit code {code})"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


_lock = threading.Lock()
_child: _Child | None = None
_loaded: tuple[Any, ...] | None = None  # the module set the child's engine holds, and what loading it said


def _get_child(memory_mb: int) -> _Child:
    global _child, _loaded
    if _child is not None and (not _child.alive() or _child.memory_mb != memory_mb):
        _child.kill()
        _child = None
    if _child is None:
        _child, _loaded = _Child(memory_mb), None
    return _child


def prestart(limits: RegoLimits) -> None:
    """Start the child now, so its start-up overlaps with reading the plan and pricing it."""
    with _lock:
        _get_child(limits.memory_mb)


@atexit.register
def shutdown() -> None:
    global _child, _loaded
    with _lock:
        if _child is not None:
            _child.kill()
        _child, _loaded = None, None


class _Session:
    """One evaluation in the shared child; replays its loaded modules and input after a restart."""

    def __init__(self, limits: RegoLimits) -> None:
        self.limits = limits
        self.replay: list[tuple[dict[str, Any], str]] = []
        self.child = _get_child(limits.memory_mb)

    def step(self, message: dict[str, Any], payload: str = "", keep: bool = False) -> tuple[dict[str, Any], bytes]:
        """One call; ChildFailed when it timed out or crashed (the child is then replaced)."""
        try:
            reply = self.child.call(message, self.limits.timeout, payload)
        except ChildFailed:
            self._restart()
            raise
        if reply[0].get("oom"):  # the interpreter survived a MemoryError; start clean anyway
            self._restart()
        elif keep and "error" not in reply[0]:
            self.replay.append((message, payload))
        return reply

    def _restart(self) -> None:
        global _child, _loaded
        self.child.kill()
        _child, _loaded = None, None
        self.child = _get_child(self.limits.memory_mb)
        for message, payload in self.replay:
            # These succeeded moments ago; if one fails now, the next step reports it.
            try:
                self.child.call(message, self.limits.timeout, payload)
            except ChildFailed:
                self.child = _get_child(self.limits.memory_mb)
                return


def evaluate_in_child(modules: list[RegoModule], input_json: str, limits: RegoLimits) -> list[PackageResult]:
    with _lock:
        return _evaluate(modules, input_json, limits)


def _load(session: _Session, modules: list[RegoModule]) -> tuple[list[str | None], dict[str, str]]:
    """Each module's load error (None: loaded) and the static check's problems by path."""
    session.step({"op": "reset"})
    errors: list[str | None] = []
    for module in modules:
        try:
            reply, _ = session.step({"op": "add", "name": str(module.path)}, module.text, keep=True)
        except ChildFailed as exc:
            errors.append(f"loading failed: {exc}")
            continue
        errors.append(clean_error(reply["error"]) if "error" in reply else None)  # a parse error fails closed
    if all(error is not None for error in errors):
        return errors, {}
    try:
        problems = session.step({"op": "check"})[0].get("problems") or {}
    except ChildFailed as exc:
        problems = {str(m.path): f"checking failed: {exc}" for m, e in zip(modules, errors, strict=True) if e is None}
    return errors, problems


def _evaluate(modules: list[RegoModule], input_json: str, limits: RegoLimits) -> list[PackageResult]:
    global _loaded
    results = [PackageResult(module) for module in modules]
    if not modules:
        return results
    session = _Session(limits)
    key = tuple((str(m.path), m.text) for m in modules)
    if _loaded is not None and _loaded[0] == key:  # the same policies as last time: already in the engine
        errors, problems = _loaded[1], _loaded[2]
        session.replay = [({"op": "add", "name": str(m.path)}, m.text) for m, e in zip(modules, errors, strict=True)
                          if e is None]
    else:
        _loaded = None
        errors, problems = _load(session, modules)
        if session.child is _child:
            _loaded = (key, errors, problems)
    runnable: list[PackageResult] = []
    for result, error in zip(results, errors, strict=True):
        result.error = error or (clean_error(problems[str(result.module.path)])
                                 if problems.get(str(result.module.path)) else None)
        if result.error is None:
            runnable.append(result)
    if not runnable:
        return results
    try:
        reply, _ = session.step({"op": "input"}, input_json, keep=True)
    except ChildFailed as exc:
        reply = {"error": str(exc)}
    if "error" in reply:
        for result in runnable:
            result.error = f"the input document was refused: {clean_error(reply['error'])}"
        return results
    answers: dict[str, Any] = {}  # one query per package; modules sharing it share its answer
    for result in runnable:
        package = result.module.package
        if package not in answers:
            try:
                reply, body = session.step({"op": "eval", "package": package})
                answers[package] = reply if "error" in reply else json.loads(body)
            except ChildFailed as exc:
                answers[package] = {"error": str(exc)}
        answer = answers[package]
        if isinstance(answer, dict) and "error" in answer and "result" not in answer:
            result.error = clean_error(answer["error"])
            continue
        fill_result(result, first_value(answer))
    if session.child is not _child or _child is None:
        _loaded = None
    return results
