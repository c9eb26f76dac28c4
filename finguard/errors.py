"""One error type for everything a user can get wrong, carrying where it happened and an exit code.

Exit codes (documented in the README): 0 ok, 1 policy failure, 2 usage or input error.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

EXIT_OK = 0
EXIT_POLICY_FAILURE = 1
EXIT_USAGE = 2


class FinguardError(Exception):
    """An error finguard reports as one line, never as a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InputError(FinguardError):
    """Bad input: malformed files, unknown values, wrong configuration."""


class UsageError(FinguardError):
    """Wrong command-line usage."""


MAX_INPUT_BYTES_ENV = "FINGUARD_MAX_INPUT_BYTES"
DEFAULT_MAX_INPUT_BYTES = 1 << 30  # 1 GiB: far above any real plan or config, far below what exhausts memory


def max_input_bytes() -> int:
    """The largest input file finguard reads (bytes): FINGUARD_MAX_INPUT_BYTES, else 1 GiB."""
    raw = os.environ.get(MAX_INPUT_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_INPUT_BYTES
    if not raw.isdigit() or int(raw) <= 0:
        raise UsageError(f"{MAX_INPUT_BYTES_ENV} must be a positive whole number of bytes, got {raw!r}")
    return int(raw)


def read_bytes(path: Path) -> bytes:
    """A regular file's bytes, bounded by max_input_bytes(); one InputError naming the file otherwise.

    FIFOs, devices and sockets are refused before they are opened: reading /dev/zero never ends and
    opening a FIFO blocks until something writes to it."""
    limit = max_input_bytes()
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else \
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) \
                else "a special file"
            raise InputError(f"not a regular file ({kind})", where=str(path))
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)  # the file may grow after stat: never read more than the limit
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if len(data) > limit:
        raise InputError(f"larger than the {limit:,}-byte input limit (set {MAX_INPUT_BYTES_ENV} to raise it)",
                         where=str(path))
    return data


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """A file's text, or one InputError naming the file: unreadable, not a regular file, larger than
    max_input_bytes(), or not text in `encoding`. Newlines are translated as `Path.read_text` does."""
    data = read_bytes(path)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (invalid byte at offset {exc.start})", where=str(path)) from None
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
