"""The cycle collector is paused for one plan pipeline and always back on afterwards."""

from __future__ import annotations

import gc

import pytest

from finguard import collector
from finguard.collector import cycles_uncollected


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


def test_the_cli_process_freezes_what_a_pause_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the pause is for, in the CLI's process: afterwards the young generations do not hold the pipeline's
    objects (frozen), so later collections do not traverse them again."""
    monkeypatch.setattr(collector._Policy, "freeze_after", True)
    gc.collect()
    try:
        with cycles_uncollected():
            kept = [[i] for i in range(50_000)]  # lists are tracked by the collector (atomic dicts are not)
        assert sum(gc.get_count()) < 1_000
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()


def test_embedded_callers_keep_a_normal_heap() -> None:
    assert not collector._Policy.freeze_after  # only finguard.cli.main() turns freezing on, for its own run
    frozen = gc.get_freeze_count()
    with cycles_uncollected():
        [[i] for i in range(1_000)]
    assert gc.get_freeze_count() == frozen


def test_cyclic_garbage_made_after_the_pause_is_still_collected() -> None:
    with cycles_uncollected():
        pass

    class Node:
        def __init__(self) -> None:
            self.me = self

    Node()
    assert gc.collect() >= 1
