"""Rightsizing shared by oversized-instance and oversized-database: from the p95 load of an instance, the smallest
size of its family that keeps the projected p95 under target, and the Graviton twin of that size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from finguard.waste.detections._common import percentile
from finguard.waste.instance_types import GRAVITON, InstanceType, capacity, smaller_sizes
from finguard.waste.savings import Priced

if TYPE_CHECKING:
    from finguard.waste.inventory import MetricSeries

HOUR = 3600


@dataclass(frozen=True, slots=True)
class Load:
    """p95 of the hourly averages of one metric in the window, and the share of hours that had data."""

    p95: float
    coverage: float
    hours: int


def load(series: MetricSeries | None, start: datetime, window_hours: float) -> Load | None:
    """None when the series was not queried; a Load of 0 coverage when it has no point in the window."""
    if series is None:
        return None
    values = [v for t, v in series.points if t >= start]
    expected = max(1.0, window_hours * HOUR / max(series.period, 1))
    return Load(percentile(values, 95) or 0.0, min(1.0, len(values) / expected), len(values))


@dataclass(frozen=True, slots=True)
class Resize:
    target: str
    ratio: float  # target capacity / current capacity
    current: Priced
    proposed: Priced
    alternative: str | None = None  # the Graviton type of the target size, when priced here
    alternative_price: Priced | None = None

    @property
    def savings(self) -> Priced:
        return self.current.minus(self.proposed)


def resize(itype: InstanceType, loads: list[tuple[Load, float]], price: Callable[[str], Priced], *,
           max_halvings: int, prefer_graviton: bool) -> Resize | None:
    """The smallest priced size of `itype`'s family whose projected p95 (p95 x current/target capacity) stays at
    or under each load's target, at most `max_halvings` halvings down; None when no smaller size fits, is priced
    here, or saves anything. `loads`: (measured load, target p95) pairs, all of which must fit."""
    own = itype.capacity
    if own is None:
        return None
    current = price(itype.name)
    if not current.found:
        return None
    best: tuple[str, float, Priced] | None = None
    for size in smaller_sizes(itype):
        cap = capacity(size)
        if cap is None:
            continue
        ratio = cap / own
        if ratio < 1 / (2 ** max_halvings):
            break
        if any(measured.p95 / ratio > target for measured, target in loads):
            break  # sizes only get smaller from here
        candidate = itype.with_size(size)
        priced = price(candidate)
        if priced.found:
            best = (candidate, ratio, priced)
    if best is None:
        return None
    target, ratio, proposed = best
    alternative = alternative_price = None
    for family in GRAVITON.get(itype.qualified_family, ()):
        twin = f"{family}.{target.rsplit('.', 1)[1]}"
        twin_price = price(twin)
        if twin_price.found:
            alternative, alternative_price = twin, twin_price
            break
    if prefer_graviton and alternative is not None and alternative_price is not None:
        target, proposed, alternative, alternative_price = alternative, alternative_price, target, proposed
    result = Resize(target, ratio, current, proposed, alternative, alternative_price)
    savings = result.savings.monthly
    return result if savings is not None and savings > 0 else None
