"""The Rego input's cost-free part, written by a forked child while this process prices the plan.

Each resource's entry in the Rego input is mostly its attributes, tags and names, which are known as soon as the
plan is read; only the cost figures wait for pricing. On a large plan, turning those entries into JSON is a
tenth of `check` (1.8 s of 15 at 45,000 resources) and sat on the path to the Rego evaluator. A child forked
right after the plan is read writes them into an anonymous file, one line per resource, while the parent prices
on the other core; the parent then only appends each resource's cost fields (`engine.rego_input`). Once the
entries are written, the child can go on with a second task on the same views (`then`: the built-in Python policies
that read no cost, python_speculation), whose result the parent takes when the child has ended.

Nothing depends on it: where fork is missing or unsafe (another thread is running, not POSIX), the child fails, or
what it wrote does not line up resource by resource with the parent's views, the parent builds the entries
itself, as it always did. The child writes with os.write and ends with os._exit: it never returns into the
parent's code, flushes no inherited buffer and runs no exit handler.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finguard.model import Project
    from finguard.policy.api import PolicyResource

_CHUNK = 1 << 20


class RegoPrebuild:
    """One forked child's output: each policy resource's cost-free entry as JSON without its closing brace, then,
    when asked for (`then`), a second result computed from the same views (python_speculation)."""

    def __init__(self, pid: int, fd: int, ready: int, after_fd: int, pruned: bool = False) -> None:
        self.pruned = pruned  # the entries hold only what the analysed packages read (engine._read_fields)
        self._pid = pid
        self._fd = fd
        self._ready = ready  # the child writes one byte here once every entry is written
        self._after_fd = after_fd
        self._exit_code: int | None = None
        self._reaper = threading.Thread(target=self._reap, name="finguard-rego-prebuild", daemon=True)
        self._reaper.start()

    def _reap(self) -> None:
        # the child is reaped as soon as it ends, used or not; waitpid releases the GIL
        _, status = os.waitpid(self._pid, 0)
        self._exit_code = os.waitstatus_to_exitcode(status)

    def entries(self, addresses: list[str]) -> list[str] | None:
        """The entries, in the views' order; None (build them here) unless the child wrote them all and said so,
        exactly one entry per address, each for that address. The first call takes the output; later ones
        get None."""
        fd, self._fd = self._fd, -1
        ready, self._ready = self._ready, -1
        if fd < 0:
            return None
        try:
            if _read_byte(ready) != _READY:  # the child died (or failed) before the last entry
                return None
            data = _read_all(fd)
        finally:
            os.close(fd)
            os.close(ready)
        text = data.decode("utf-8")
        del data
        lines = text.split("\n")
        del text
        if lines[-1] != "" or len(lines) - 1 != len(addresses):
            return None
        lines.pop()
        for line, address in zip(lines, addresses, strict=True):
            if not line.startswith(_address_prefix(address)):
                return None
        return lines

    def after(self) -> bytes | None:
        """What `then` returned, once the child has ended cleanly; None when there was no `then` or it failed.
        The first call takes it."""
        self._reaper.join()
        fd, self._after_fd = self._after_fd, -1
        if fd < 0:
            return None
        try:
            return _read_all(fd) if self._exit_code == 0 else None
        finally:
            os.close(fd)

    def close(self) -> None:
        """Let go of whatever was not taken (the child is reaped regardless)."""
        for name in ("_fd", "_ready", "_after_fd"):
            fd = getattr(self, name)
            if fd >= 0:
                setattr(self, name, -1)
                os.close(fd)


_READY = b"r"


def _address_prefix(address: str) -> str:
    return '{"address":' + json.dumps(address, ensure_ascii=False) + ","


def _read_byte(fd: int) -> bytes:
    while True:
        try:
            return os.read(fd, 1)
        except InterruptedError:
            continue


def start(project: Project, views: Callable[[Project], list[PolicyResource]],
          fields: Callable[[PolicyResource], dict[str, Any]], *,
          then: Callable[[list[PolicyResource]], bytes] | None = None, other_threads_ok: bool = False,
          pruned: bool = False) -> RegoPrebuild | None:
    """Fork the child that writes `fields` of each of `views(project)`, then `then(views)` when given; None where
    forking is not safe here (`other_threads_ok`: for tests under a runner with threads of its own; the child takes
    no lock they hold). `pruned`: `fields` leaves out what the analysed packages do not read, so only their
    evaluation may use the entries.

    The child writes into anonymous files, not pipes: a pipe holds 64 KB, so a parent thread had to drain it
    as the child wrote, and each of its hundreds of reads waited for the GIL the pricing loop held (up to the
    5 ms switch interval each): the child took 5 s at 45,000 resources for 1.7 s of work. Only the one byte
    that says the entries are complete goes through a pipe, so the Rego evaluation starts while `then` runs.

    Entries are encoded by msgspec (3.5x json.dumps; the readers refuse NaN and infinities, which msgspec would
    write as null), the same JSON values as `json.dumps` gives, without its spaces; an entry msgspec cannot
    encode is written by json.dumps."""
    if not hasattr(os, "fork") or (threading.active_count() > 1 and not other_threads_ok):
        return None
    fds: list[int] = []
    try:
        fds += [_anonymous_file(), _anonymous_file(), *os.pipe()]
        pid = os.fork()
    except OSError:
        for fd in fds:
            os.close(fd)
        return None
    fd, after_fd, ready_read, ready_write = fds
    if pid == 0:  # the child: write, then leave without touching anything the parent owns
        code = 1
        try:
            os.close(ready_read)
            policy_views = views(project)
            _write_entries(fd, policy_views, fields)
            os.write(ready_write, _READY)
            if then is not None:
                _write_all(after_fd, then(policy_views))
            code = 0
        except BaseException:  # any failure means "build it in the parent": nothing may escape
            code = 1
        finally:
            os._exit(code)
    os.close(ready_write)
    return RegoPrebuild(pid, fd, ready_read, after_fd, pruned)


def _write_entries(fd: int, policy_views: list[PolicyResource],
                   fields: Callable[[PolicyResource], dict[str, Any]]) -> None:
    import msgspec

    encode = msgspec.json.Encoder().encode
    buffer: list[bytes] = []
    size = 0
    for view in policy_views:
        entry = fields(view)
        try:
            line = encode(entry)
        except (TypeError, ValueError, OverflowError, UnicodeEncodeError):  # a value msgspec does not take
            line = json.dumps(entry, default=str, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        buffer.append(line[:-1] + b"\n")  # JSON never has a raw newline inside
        size += len(line)
        if size >= _CHUNK:
            _write_all(fd, b"".join(buffer))
            buffer, size = [], 0
    _write_all(fd, b"".join(buffer))


def _anonymous_file() -> int:
    """A file with no name, in memory where the system offers it (memfd), else an unlinked temporary file."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("finguard-rego-prebuild", os.MFD_CLOEXEC)
    import tempfile

    with tempfile.TemporaryFile() as handle:
        return os.dup(handle.fileno())


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    parts: list[bytes] = []
    offset = 0
    while offset < size:
        part = os.pread(fd, min(size - offset, 1 << 30), offset)
        if not part:
            break
        parts.append(part)
        offset += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
