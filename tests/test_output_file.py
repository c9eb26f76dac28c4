"""`--out` and `--write-baseline`: a regular file is replaced whole, a device or FIFO is written in place (renaming
over /dev/full once replaced the device with a regular file and reported success), a symlink is kept."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from finguard.errors import InputError
from finguard.output_file import write_output

from .test_cli import run

PLAN = Path(__file__).resolve().parent.parent / "examples" / "terraform" / "web-app" / "plan.json"


def test_a_regular_file_is_replaced_whole_and_missing_directories_are_made(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "report.json"
    write_output("first", out)
    write_output("second", out)
    assert out.read_text() == "second" and sorted(p.name for p in out.parent.iterdir()) == ["report.json"]


def test_a_symlink_keeps_pointing_at_the_file_it_names(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_output("new", link)
    assert link.is_symlink() and real.read_text() == "new"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_device_is_an_error_and_stays_a_device(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError, match="cannot write output: No space left on device"):
        write_output("x", Path("/dev/full"))
    code, out, err = run(capsys, "breakdown", str(PLAN), "--format", "json", "--out", "/dev/full")
    assert out == ""
    assert code == 2 and "/dev/full: cannot write output: No space left on device" in err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_output("through the pipe", fifo)
    reader.join(timeout=10)
    assert received == ["through the pipe"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_directory_or_an_unwritable_place_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        write_output("x", tmp_path)
    blocked = tmp_path / "file"
    blocked.write_text("keep")
    with pytest.raises(InputError, match="cannot write baseline"):
        write_output("x", blocked / "under-a-file.json", "baseline")
    assert blocked.read_text() == "keep"


def test_write_baseline_to_a_device(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", str(PLAN), "--write-baseline", "/dev/null")
    assert code == 0 and "accepted findings" in err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
