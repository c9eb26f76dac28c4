"""The cycle collector is paused for one plan pipeline and always back on afterwards."""

from __future__ import annotations

import gc

import pytest

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


def test_objects_made_during_the_pause_are_not_rescanned() -> None:
    """What the pause is for: the young generations do not hold the pipeline's objects afterwards (frozen), so
    later collections do not traverse them again."""
    gc.collect()
    with cycles_uncollected():
        kept = [[i] for i in range(50_000)]  # lists are tracked by the collector (atomic dicts are not)
    assert sum(gc.get_count()) < 1_000
    assert gc.get_freeze_count() >= len(kept)
    gc.unfreeze()


def test_cyclic_garbage_made_after_the_pause_is_still_collected() -> None:
    with cycles_uncollected():
        pass

    class Node:
        def __init__(self) -> None:
            self.me = self

    Node()
    assert gc.collect() >= 1
