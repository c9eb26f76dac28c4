"""Progress on stderr: a bar on a terminal, plain lines in CI logs, nothing elsewhere; stdout never touched."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from finguard import progress as p

from .conftest import REPO, SHARED


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("env", "terminal", "expected"), [
    ({"FINGUARD_PROGRESS": "0", "CI": "true"}, True, "off"),
    ({"FINGUARD_PROGRESS": "1"}, False, "lines"),
    ({"CI": "true"}, False, "lines"),
    ({"GITHUB_ACTIONS": "true"}, False, "lines"),
    ({}, False, "off"),
    ({}, True, "bar"),
    ({"TERM": "dumb"}, True, "off"),
])
def test_mode(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], terminal: bool, expected: str) -> None:
    for name in ("FINGUARD_PROGRESS", "CI", "GITHUB_ACTIONS", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert p.mode(_Terminal() if terminal else io.StringIO()) == expected


def test_lines_say_count_percent_and_done(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(p, "CI_EVERY_S", 0.0)
    bar = p.Progress("ingest", 4, stream, "lines")
    monkeypatch.setenv("FINGUARD_PROGRESS", "1")
    bar.start("reading a.csv")
    bar.start("reading b.csv")
    bar.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("finguard: ingest: reading a.csv: 0/4 (0%)")
    assert lines[1].startswith("finguard: ingest: reading b.csv: 1/4 (25%)")
    assert lines[-1].endswith(", done")


def test_a_bar_draws_only_after_the_delay_and_clears(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _Terminal()
    bar = p.Progress("report", 3, stream, "bar")
    bar.start("allocating")
    assert stream.getvalue() == ""  # a short run stays quiet
    monkeypatch.setattr(p, "DELAY_S", 0.0)
    bar.start("forecast")
    assert bar._bar is not None
    bar.close()
    assert "report" in stream.getvalue()  # rich drew it on the stream (stderr), transient


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"public data directory {SHARED} is absent")
def test_ingest_and_report_progress_goes_to_stderr_and_json_stays_clean(tmp_path: Path) -> None:
    sample = SHARED / "billing" / "focus-1.0" / "focus_sample.csv"
    env = {**os.environ, "FINGUARD_PROGRESS": "1", "FINGUARD_HOME": str(tmp_path)}
    db = tmp_path / "store.duckdb"
    run = subprocess.run([sys.executable, "-m", "finguard", "billing", "ingest", str(sample), "--db", str(db),
                          "--json"], capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["files"][0]["rows_read"] == 1000
    progress_lines = [line for line in run.stderr.splitlines() if line.startswith("finguard: billing ingest:")]
    assert any("reading focus_sample.csv" in line for line in progress_lines)
    assert any("writing the store" in line for line in progress_lines)
    report = subprocess.run([sys.executable, "-m", "finguard", "billing", "report", "--db", str(db), "--out",
                             str(tmp_path / "out"), "--skip", "forecast", "--skip", "anomalies"],
                            capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert report.returncode == 0, report.stderr
    assert "finguard: billing report: allocating" in report.stderr
    assert "finguard:" not in report.stdout
