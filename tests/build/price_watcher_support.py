"""Helpers for the AWS pricing-page adapter tests: run an adapter on a hand-written feed in a temporary
shared directory or on the real one in ../shared, find one price among its rows, and ask the real cost
models for their queries (proving the rows carry exactly the models' vocabulary)."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from finguard.model import Resource
from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter
from finguard.pricing.build.base import Adapter, AdapterReport, FeedRow, attrs
from finguard.pricing.registry import model_for
from finguard.pricing.resources.base import Attrs, Component
from finguard.pricing.resources.context import ProjectContext
from tests.conftest import SHARED


def require_shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"real-data test: {SHARED} (../shared) absent")
    return SHARED


def write_json(shared: Path, relative: str, data: Any) -> None:
    path = shared / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def run(adapter: Adapter, shared: Path) -> tuple[list[FeedRow], AdapterReport]:
    """All rows of one adapter, checking that every record read is kept, skipped or rejected."""
    report = AdapterReport()
    rows = list(adapter.rows(shared, report))
    assert all(row.source == adapter.id for row in rows)
    assert report.read == len(rows) + sum(report.skipped.values()) + sum(report.rejected.values()), report
    return rows, report


def run_fixture(adapter: Adapter, tmp_path: Path, feed: dict[str, object]) -> tuple[list[FeedRow], AdapterReport]:
    """The adapter run on `feed` written as its (first) input file."""
    write_json(tmp_path, adapter.inputs[0], feed)
    return run(adapter, tmp_path)


def run_real(adapter: Adapter) -> tuple[list[FeedRow], AdapterReport]:
    """The adapter run on ../shared. Every key a price-watcher adapter maps must be in its feed files: an
    upstream rename must fail here, not go quiet."""
    if not all((SHARED / path).exists() for path in adapter.inputs):
        pytest.skip(f"{adapter.inputs} absent: ../shared absent")
    if isinstance(adapter, PriceWatcherAdapter):
        keys = set().union(*(json.loads((SHARED / path).read_text(encoding="utf-8")) for path in adapter.inputs))
        assert set(adapter.targets) <= keys, sorted(set(adapter.targets) - keys)
    return run(adapter, SHARED)


def find(rows: list[FeedRow], region: str, begin: float = 0.0, **attributes: str) -> FeedRow | None:
    """The one row in `region` whose attributes include all of `attributes` (None when absent)."""
    found = [r for r in rows if r.region == region and r.begin == begin
             and attributes.items() <= dict(r.attributes).items()]
    assert len(found) <= 1, found
    return found[0] if found else None


def price(rows: list[FeedRow], region: str, begin: float = 0.0, **attributes: str) -> Decimal | None:
    row = find(rows, region, begin, **attributes)
    return None if row is None else row.usd


def row_for(rows: list[FeedRow], service: str, region: str, begin: float = 0.0, **attributes: str) -> FeedRow:
    """The one row of `service` in `region` whose attributes are exactly `attributes`."""
    found = [r for r in rows if r.service == service and r.region == region and r.attributes == attrs(attributes)
             and r.begin == begin]
    assert len(found) == 1, f"{len(found)} rows for {service} {region} {attributes} from {begin}"
    return found[0]


def close(actual: Decimal | None, expected: str, tolerance: str = "0.005") -> bool:
    """Within 0.5% of a known public list price."""
    return actual is not None and abs(actual - Decimal(expected)) <= Decimal(expected) * Decimal(tolerance)


def assert_near(row: FeedRow, expected: str) -> None:
    assert close(row.usd, expected), f"{row.region} {dict(row.attributes)}: {row.usd} != {expected}"


def assert_whole_tiers(rows: list[FeedRow]) -> None:
    """Every slot's tiers run from 0 to open-ended without gaps (a missing upper tier would price at 0)."""
    by_slot: dict[object, list[tuple[float, float | None]]] = {}
    for row in rows:
        by_slot.setdefault(row.slot, []).append((row.begin, row.end))
    for slot, tiers in by_slot.items():
        tiers.sort()
        assert tiers[0][0] == 0 and tiers[-1][1] is None, (slot, tiers)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(tiers)), (slot, tiers)


def resource(address: str, values: dict[str, Any]) -> Resource:
    type_, name = address.split(".")
    return Resource(address=address, type=type_, name=name, after=values)


def components(address: str, values: dict[str, Any], *others: Resource) -> list[Component]:
    """The components the registered cost model returns for one resource (others: its neighbours)."""
    subject = resource(address, values)
    model = model_for(subject.type)
    assert model is not None, subject.type
    return model.components(subject, Attrs(values), ProjectContext([subject, *others]))


def answer(rows: list[FeedRow], component: Component, region: str = "us-east-1") -> Decimal | None:
    """The price of the one row in `region` a catalog look-up for `component` would find."""
    found = [r for r in rows if r.region == region and r.service == component.service
             and component.filters.items() <= dict(r.attributes).items()]
    assert len(found) <= 1, [dict(r.attributes) for r in found]
    return found[0].usd if found else None


def by_name(parts: list[Component], prefix: str) -> Component:
    found = [c for c in parts if c.name.startswith(prefix)]
    assert len(found) == 1, [c.name for c in parts]
    return found[0]
