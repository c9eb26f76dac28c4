"""finguard's cache directory (beside the price catalog) and its entries: parsed HCL, parser tables, Rego verdicts.

A cache entry is an optimisation only. It is read only when it is a regular file (a FIFO or device put in its
place would block the read, and the run with it), written under a private name and renamed into place (a parallel
run never reads half an entry), and any failure either way means "compute it again", never an error.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def cache_dir() -> Path:
    """Where the caches live: the price catalog's directory (FINGUARD_HOME, else the user cache directory)."""
    from finguard.pricing.catalog import default_catalog_path

    return default_catalog_path().parent


def read_entry(path: Path) -> bytes | None:
    """The entry's bytes, or None: missing, not a regular file, or unreadable."""
    try:
        if not path.is_file():
            return None
        return path.read_bytes()
    except OSError:
        return None


def write_entry(path: Path, data: bytes) -> None:
    """Store the entry whole, or not at all."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
