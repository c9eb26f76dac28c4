"""Writing one output file (`--out`, `--write-baseline`): whole or not at all, and never over a device.

A regular file is written next to itself and renamed into place, so a failure leaves no half-written report. A path
that is a device, a FIFO or a socket (`--out /dev/stdout`, `/dev/null`, a pipe) is written in place, as a shell
redirection would: renaming over it replaced /dev/full with a regular file, and reported success. A symbolic link
keeps pointing where it did; the file it names is the one replaced.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from finguard.errors import InputError


def write_output(text: str, out: Path, what: str = "output") -> None:
    """Write `text` to `out` (see the module docstring); every failure is one InputError naming the path."""
    try:
        mode: int | None = os.stat(out).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InputError(f"cannot write {what}: {exc.strerror}", where=str(out)) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"cannot write {what}: is a directory", where=str(out))
    if mode is not None and not stat.S_ISREG(mode):
        try:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise InputError(f"cannot write {what}: {exc.strerror}", where=str(out)) from None
        return
    target = Path(os.path.realpath(out)) if out.is_symlink() else out
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {what}: {exc.strerror}", where=str(out)) from None
