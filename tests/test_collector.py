"""The cycle collector is paused for one plan pipeline and always back on afterwards."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from finguard import collector
from finguard.collector import cycles_uncollected
from tests.plan_builder import PlanBuilder


def test_paused_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with cycles_uncollected():
        assert not gc.isenabled()
        with cycles_uncollected():  # nested: the outer pause decides when collection resumes
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_on_after_an_error() -> None:
    with pytest.raises(RuntimeError), cycles_uncollected():
        raise RuntimeError("input error mid-pipeline")
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with cycles_uncollected():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_finguard_process_freezes_what_a_pause_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the pause is for, in the `finguard` process: afterwards the young generations do not hold the
    pipeline's objects (frozen), so later collections do not traverse them again."""
    monkeypatch.setattr(collector._Process, "owned", True)
    gc.collect()
    try:
        with cycles_uncollected():
            kept = [[i] for i in range(50_000)]  # lists are tracked by the collector (atomic dicts are not)
        assert sum(gc.get_count()) < 1_000
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()


def test_embedded_callers_keep_a_normal_heap() -> None:
    assert not collector._Process.owned  # only finguard.cli.entry(), the executable, owns the process
    frozen = gc.get_freeze_count()
    with cycles_uncollected():
        [[i] for i in range(1_000)]
    assert gc.get_freeze_count() == frozen
    collector.hold_until_exit(object())
    assert collector._Process.held == [] and not collector._Process.quick_exit


_EXIT_SCRIPT = """
import atexit, sys
from finguard import collector

class Noisy:
    def __del__(self):
        print("freed", file=sys.stderr, flush=True)

atexit.register(lambda: print("exit handler ran", file=sys.stderr))
with collector.owning_the_process():
    if sys.argv[1] == "hold":
        collector.hold_until_exit(Noisy())
    else:
        noisy = Noisy()
    sys.stdout.write("report without a newline, still buffered")
    collector.exit_now(3)
"""


@pytest.mark.parametrize("mode", ["hold", "plain"])
def test_exit_now_runs_the_handlers_flushes_and_keeps_the_exit_code(mode: str) -> None:
    """A plan command that held its objects ends without freeing them (no finaliser runs), yet with its exit
    handlers run, its output flushed and its exit code; any other command exits as usual."""
    run = subprocess.run([sys.executable, "-c", _EXIT_SCRIPT, mode], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parent.parent)
    assert run.returncode == 3
    assert run.stdout == "report without a newline, still buffered"
    assert "exit handler ran" in run.stderr
    assert ("freed" in run.stderr) is (mode == "plain")


def test_the_finguard_executable_writes_everything_and_exits_with_the_check_code(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PlanBuilder().add("aws_instance.web", {"instance_type": "m5.large"}).build()))
    root = Path(__file__).resolve().parent.parent
    for args, code in ((["check", str(plan), "--format", "json"], 1), (["breakdown", str(plan), "--format", "json"], 0),
                       (["diff", str(plan), "--format", "json"], 0)):
        run = subprocess.run([sys.executable, "-m", "finguard", *args], capture_output=True, text=True,
                             timeout=120, cwd=root)
        assert run.returncode == code, run.stderr
        json.loads(run.stdout)  # complete: flushed before the process ended


def test_cyclic_garbage_made_after_the_pause_is_still_collected() -> None:
    with cycles_uncollected():
        pass

    class Node:
        def __init__(self) -> None:
            self.me = self

    Node()
    assert gc.collect() >= 1
