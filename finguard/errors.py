"""One error type for everything a user can get wrong, carrying where it happened and an exit code.

Exit codes (documented in the README): 0 ok, 1 policy failure, 2 usage or input error.
"""

from __future__ import annotations

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


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """A file's text, or one InputError naming the file: unreadable, or not text in `encoding`."""
    try:
        return path.read_text(encoding=encoding)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", where=str(path)) from None
