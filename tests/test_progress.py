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


def _volume_plan(tmp_path: Path, count: int) -> Path:
    from tests.plan_builder import write_volume_plan

    return write_volume_plan(tmp_path / "plan.json", count, encrypted_every=2)


def test_check_breakdown_and_diff_say_their_steps_on_stderr_only(tmp_path: Path) -> None:
    path = _volume_plan(tmp_path, 30)
    env = {**os.environ, "FINGUARD_PROGRESS": "1", "FINGUARD_HOME": str(tmp_path / "home")}
    for command, first, total in (("check", "pricing", 4), ("breakdown", "pricing", 2), ("diff", "pricing", 3)):
        run = subprocess.run([sys.executable, "-m", "finguard", command, str(path), "--format", "json"],
                             capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
        assert run.returncode in (0, 1), run.stderr
        json.loads(run.stdout)  # stdout is the report alone
        lines = [line for line in run.stderr.splitlines() if line.startswith(f"finguard: {command}:")]
        assert lines[0].startswith(f"finguard: {command}: {first}: 0/{total} (0%)"), run.stderr
        assert lines[-1].endswith(", done") and f"{total}/{total} (100%)" in lines[-1], run.stderr


def test_a_short_run_in_ci_logs_stays_quiet(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FINGUARD_PROGRESS"}
    env.update({"CI": "true", "FINGUARD_HOME": str(tmp_path / "home")})
    run = subprocess.run([sys.executable, "-m", "finguard", "check", str(_volume_plan(tmp_path, 5)), "--format",
                          "json"], capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert run.returncode in (0, 1), run.stderr
    assert "finguard: check:" not in run.stderr


@pytest.mark.skipif(not hasattr(os, "openpty") or not hasattr(os, "fork"), reason="needs a pseudo-terminal and fork")
def test_the_bar_on_a_terminal_does_not_stop_the_prebuild(tmp_path: Path) -> None:
    """A terminal's bar redraws from a thread of its own, and the prebuild child is forked only while this process
    has no other thread: `check` starts the bar (when it shows) only after the fork, so a plan big enough for the
    prebuild still gets it with the bar on screen."""
    from finguard.policy import engine

    path = _volume_plan(tmp_path, engine.PREBUILD_FROM + 20)
    used = tmp_path / "used.txt"
    script = (
        "import sys\n"
        "from finguard import progress\n"
        "progress.DELAY_S = 0.0\n"  # draw at once, whatever this host's speed
        "from finguard.policy import rego_prebuild\n"
        "real = rego_prebuild.RegoPrebuild.entries\n"
        "def spy(self, addresses):\n"
        "    got = real(self, addresses)\n"
        f"    open({str(used)!r}, 'a').write(str(got is not None))\n"
        "    return got\n"
        "rego_prebuild.RegoPrebuild.entries = spy\n"
        "from finguard.cli import main\n"
        "sys.argv = ['finguard', 'check', sys.argv[1], '--format', 'json']\n"
        "main()\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("FINGUARD_PROGRESS", "CI", "GITHUB_ACTIONS")}
    env.update({"TERM": "xterm", "FINGUARD_HOME": str(tmp_path / "home")})
    controller, terminal = os.openpty()
    drawn: list[bytes] = []

    def drain() -> None:  # a full pseudo-terminal would block the bar's writes
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                return
            if not chunk:
                return
            drawn.append(chunk)

    import threading

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        run = subprocess.run([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, stderr=terminal,
                             env=env, cwd=REPO, timeout=300)
    finally:
        os.close(terminal)
        reader.join(timeout=10)
        os.close(controller)
    assert run.returncode == 1
    assert len(json.loads(run.stdout)["findings"]) > 0  # stdout is the report alone
    assert used.read_text() == "True"  # the prebuilt entries were written by the forked child, and used
    assert b"check" in b"".join(drawn)  # the bar was drawn on the terminal


def test_a_failed_step_is_not_reported_done(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    monkeypatch.setenv("FINGUARD_PROGRESS", "1")
    with pytest.raises(ValueError), p.progress("check", total=4) as bar:
        bar.start("pricing")
        raise ValueError("a broken plan")
    assert capsys.readouterr().err.splitlines() == ["finguard: check: pricing: 0/4 (0%), 0 s"]
    with p.progress("check", total=1) as bar:
        bar.start("pricing")
    assert capsys.readouterr().err.splitlines()[-1].endswith(", done")
