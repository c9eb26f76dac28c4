"""Progress for commands people wait on (ingest of large files, reports, audits, sync, scans), on stderr only.

- On a terminal: a rich progress bar, shown only once the work has taken longer than `DELAY_S` (short runs stay
  quiet) and removed when done, so stdout (tables, JSON) is never touched.
- In CI logs (`CI` or `GITHUB_ACTIONS` set, stderr not a terminal): plain lines, at most one per `CI_EVERY_S`
  seconds and one at the end, because a log cannot redraw a bar.
- Anywhere else (stderr piped to a file or another program): nothing.
`FINGUARD_PROGRESS=0` turns it off everywhere, `=1` forces plain lines from the first step (tests use it).
rich is imported only when a bar is really drawn.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

DELAY_S = 1.5
CI_EVERY_S = 10.0


class Progress:
    """One task's progress; `advance()` as units complete, `note()` to say what is happening now."""

    def __init__(self, description: str, total: int | None, stream: TextIO, mode: str) -> None:
        self.description = description
        self.total = total
        self.done = 0
        self.detail = ""
        self._stream = stream
        self._mode = mode  # "bar", "lines" or "off"
        self._started = time.monotonic()
        self._last_line = 0.0
        self._bar: Any = None
        self._task: Any = None
        self._steps = 0
        self._lock = threading.Lock()  # scans report from worker threads (one per region)

    def advance(self, units: int = 1, detail: str | None = None) -> None:
        with self._lock:
            self.done += units
            if detail is not None:
                self.detail = detail
            self._show()

    def start(self, detail: str) -> None:
        """A new step begins: the one before it (if any) is done."""
        self.advance(1 if self._steps else 0, detail)
        self._steps += 1

    def note(self, detail: str) -> None:
        with self._lock:
            self.detail = detail
            self._show()

    def _show(self) -> None:
        if self._mode == "off":
            return
        now = time.monotonic()
        if self._mode == "lines":
            delay = 0.0 if os.environ.get("FINGUARD_PROGRESS") == "1" else DELAY_S
            # the first line once the work has taken `delay` (a short run stays quiet in CI logs too), then one
            # line per CI_EVERY_S at most
            if (self._last_line and now - self._last_line >= CI_EVERY_S) or (
                    not self._last_line and now - self._started >= delay):
                self._last_line = now
                self._stream.write(self._line() + "\n")
                self._stream.flush()
            return
        if self._bar is None:
            if now - self._started < DELAY_S:
                return
            self._start_bar()
        self._bar.update(self._task, completed=self.done, description=self._label())

    def _label(self) -> str:
        return f"{self.description}{': ' + self.detail if self.detail else ''}"

    def _line(self) -> str:
        count = f"{self.done:,}/{self.total:,}" if self.total else f"{self.done:,}"
        percent = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        elapsed = time.monotonic() - self._started
        return f"finguard: {self._label()}: {count}{percent}, {elapsed:.0f} s"

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn()] if self.total else [SpinnerColumn(), TextColumn("{task.description}"),
                                                            TimeElapsedColumn()]
        self._bar = RichProgress(*columns, console=Console(file=self._stream), transient=True)
        self._bar.start()
        self._task = self._bar.add_task(self._label(), total=self.total, completed=self.done)

    def close(self, done: bool = True) -> None:
        with self._lock:
            self._close(done)

    def _close(self, done: bool = True) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif self._mode == "lines" and self._last_line and done:
            self._stream.write(self._line() + ", done\n")
            self._stream.flush()


_WARNED: list[str] = []  # an unknown FINGUARD_PROGRESS is reported once per run


def mode(stream: TextIO | None = None) -> str:
    """How progress is shown on `stream` (stderr): "bar", "lines" or "off"."""
    setting = os.environ.get("FINGUARD_PROGRESS", "").strip()
    if setting == "0":
        return "off"
    if setting == "1":
        return "lines"
    if setting and not _WARNED:
        _WARNED.append(setting)
        sys.stderr.write(f"warning: FINGUARD_PROGRESS={setting!r} is neither 0 (off) nor 1 (plain lines): ignored\n")
    stream = stream or sys.stderr
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if terminal and os.environ.get("TERM") != "dumb":
        return "bar"
    if os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
        return "lines"
    return "off"


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Progress]:
    """Progress of one piece of work on stderr (see the module docstring for when it shows)."""
    stream = sys.stderr
    bar = Progress(description, total, stream, mode(stream))
    try:
        yield bar
    except BaseException:
        bar.close(done=False)  # the error says what happened: no ", done" line after a failure
        raise
    bar.close()


@contextmanager
def step_lines(description: str, total: int | None = None, *, advance: bool = False) -> Iterator[Callable[[str], None]]:
    """For work that already says what it does step by step: on a terminal the message becomes the bar's detail
    (advancing it when `advance`), elsewhere each message is written as its own line on stderr, as logs want."""
    stream = sys.stderr
    if mode(stream) != "bar":
        def line(message: str) -> None:
            stream.write(message + "\n")
            stream.flush()

        yield line
        return
    with progress(description, total) as bar:
        yield (lambda message: bar.advance(1, message)) if advance else bar.note
