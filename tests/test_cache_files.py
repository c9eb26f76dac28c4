"""Cache entries (parsed HCL, parser tables, Rego verdicts): read only from regular files, written whole, and any
failure means computing again, never an error or a blocked run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from finguard.cache_files import cache_dir, read_entry, write_entry


def test_an_entry_round_trips_and_replaces_what_was_there(tmp_path: Path) -> None:
    entry = tmp_path / "a" / "b" / "entry.json"
    assert read_entry(entry) is None
    write_entry(entry, b"first")
    write_entry(entry, b"second")
    assert read_entry(entry) == b"second"
    assert sorted(p.name for p in entry.parent.iterdir()) == ["entry.json"]  # no temporary file left


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_or_directory_in_its_place_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "entry"
    os.mkfifo(fifo)
    assert read_entry(fifo) is None  # would block, were it opened
    write_entry(fifo, b"value")
    assert read_entry(fifo) == b"value"
    directory = tmp_path / "dir"
    directory.mkdir()
    assert read_entry(directory) is None
    write_entry(directory, b"value")  # cannot replace a directory: nothing stored, nothing raised
    assert directory.is_dir() and read_entry(directory) is None


def test_an_unwritable_cache_is_ignored(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory would be")
    write_entry(blocked / "entry", b"value")
    assert read_entry(blocked / "entry") is None


def test_the_cache_lives_beside_the_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINGUARD_CATALOG", raising=False)
    monkeypatch.setenv("FINGUARD_HOME", str(tmp_path))
    assert cache_dir() == tmp_path
