"""The Rego input's cost-free part, written by a forked child while this process prices the plan.

Each resource's entry in the Rego input is mostly its attributes, tags and names, which are known as soon as the
plan is read; only the cost figures wait for pricing. On a large plan, turning those entries into JSON is a
tenth of `check` (1.8 s of 15 at 45,000 resources) and sat on the path to the Rego evaluator. A child forked
right after the plan is read writes them into an anonymous file, one line per resource, while the parent prices
on the other core; the parent then only appends each resource's cost fields (`engine.rego_input`).

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
    """One forked child's output: each policy resource's cost-free entry as JSON without its closing brace."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid = pid
        self._fd = fd
        self._exit_code: int | None = None
        self._reaper = threading.Thread(target=self._reap, name="finguard-rego-prebuild", daemon=True)
        self._reaper.start()

    def _reap(self) -> None:
        # the child is reaped as soon as it ends, used or not; waitpid releases the GIL
        _, status = os.waitpid(self._pid, 0)
        self._exit_code = os.waitstatus_to_exitcode(status)

    def entries(self, addresses: list[str]) -> list[str] | None:
        """The entries, in the views' order; None (build them here) unless the child finished cleanly and wrote
        exactly one entry per address, each for that address. The first call takes the output; later ones
        get None."""
        self._reaper.join()
        fd, self._fd = self._fd, -1
        if fd < 0:
            return None
        try:
            if self._exit_code != 0:
                return None
            data = _read_all(fd)
        finally:
            os.close(fd)
        text = data.decode("ascii")
        del data
        lines = text.split("\n")
        del text
        if lines[-1] != "" or len(lines) - 1 != len(addresses):
            return None
        lines.pop()
        for line, address in zip(lines, addresses, strict=True):
            if not line.startswith(f'{{"address": {json.dumps(address)}, '):
                return None
        return lines


def start(project: Project, views: Callable[[Project], list[PolicyResource]],
          fields: Callable[[PolicyResource], dict[str, Any]], *, other_threads_ok: bool = False
          ) -> RegoPrebuild | None:
    """Fork the child that writes `fields` of each of `views(project)`; None where forking is not safe here
    (`other_threads_ok`: for tests under a runner with threads of its own; the child takes no lock they hold).

    The child writes into an anonymous file, not a pipe: a pipe holds 64 KB, so a parent thread had to drain it
    as the child wrote, and each of its hundreds of reads waited for the GIL the pricing loop held (up to the
    5 ms switch interval each): the child took 5 s at 45,000 resources for 1.7 s of work."""
    if not hasattr(os, "fork") or (threading.active_count() > 1 and not other_threads_ok):
        return None
    try:
        fd = _anonymous_file()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(fd)
        return None
    if pid == 0:  # the child: write, then leave without touching anything the parent owns
        code = 1
        try:
            buffer: list[str] = []
            size = 0
            for view in views(project):
                line = json.dumps(fields(view), default=str)[:-1] + "\n"  # ASCII: never a raw newline inside
                buffer.append(line)
                size += len(line)
                if size >= _CHUNK:
                    _write_all(fd, "".join(buffer).encode("ascii"))
                    buffer, size = [], 0
            _write_all(fd, "".join(buffer).encode("ascii"))
            code = 0
        except BaseException:  # any failure means "build it in the parent": nothing may escape
            code = 1
        finally:
            os._exit(code)
    return RegoPrebuild(pid, fd)


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
