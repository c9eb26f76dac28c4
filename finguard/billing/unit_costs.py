"""Unit economics: allocated cost per unit of a business metric (per request, per active customer, per GB served).

Business metrics come as a CSV with columns `date` (YYYY-MM-DD), `owner` (as in the allocated table), `metric`
and `value` (a finite number >= 0); other columns are ignored. Every bad row is an input error naming
`file:line`; one (date, owner, metric) given twice is an error too.

**Unit cost** of a bucket (day, ISO week from Monday, or calendar month) = cost / units, both over the *same
days*: the days of the bucket on which the owner reported the metric. A partial bucket (the metric started
mid-month, a day is missing) is therefore not biased, only shorter; `days` says how many days it holds. Units are
summed, except for gauge metrics (`gauges`: levels such as active_customers), whose units are the mean daily
value - cost per customer per week, not per customer-day.

**Trend**: the least-squares slope of unit cost over the buckets, as % of the mean unit cost per bucket, and the
change from the first to the last bucket.

**Change attribution** between a base and a current period, with cost C = units U x unit cost u:
  delta C = (U1 - U0) x u0  [volume: the change in units at the old unit cost]
          + U1 x (u1 - u0)  [efficiency: the change in unit cost at the new volume]
which sums to C1 - C0 exactly (the efficiency effect is computed as delta C - volume, the same number without
rounding drift). With no units in the base period u0 is undefined: both effects are None and the whole change is
`unexplained`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from finguard.errors import InputError, read_text

if TYPE_CHECKING:
    import pandas as pd

Grain = Literal["day", "week", "month"]
REQUIRED = ("date", "owner", "metric", "value")
_MAX_LISTED = 5


class MetricRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    date: date
    owner: str
    metric: str
    value: float
    line: int = Field(description="line in the source file (the header is line 1)")


class BusinessMetrics(BaseModel):
    """Validated business metrics, one value per (date, owner, metric)."""

    source: str
    rows: list[MetricRow]

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({"date": [r.date for r in self.rows], "owner": [r.owner for r in self.rows],
                             "metric": [r.metric for r in self.rows], "value": [r.value for r in self.rows]},
                            columns=["date", "owner", "metric", "value"])

    @property
    def metrics(self) -> list[str]:
        return sorted({r.metric for r in self.rows})


class UnitCostRow(BaseModel):
    owner: str
    metric: str
    bucket: date = Field(description="first day of the day/week/month")
    days: int = Field(description="days in the bucket with a metric value (cost is summed over these days)")
    cost: float
    units: float = Field(description="sum of values (gauges: mean daily value)")
    unit_cost: float | None


class UnitCostTrend(BaseModel):
    owner: str
    metric: str
    buckets: int
    first_unit_cost: float | None
    last_unit_cost: float | None
    change_pct: float | None = Field(description="last vs first bucket")
    slope_pct_per_bucket: float | None = Field(description="least-squares slope over the mean unit cost")


class UnitCostReport(BaseModel):
    grain: Grain
    gauges: list[str]
    rows: list[UnitCostRow]
    trends: list[UnitCostTrend]
    owners_without_cost: list[str] = Field(default_factory=list)


class ChangeAttribution(BaseModel):
    """delta cost = volume_effect + efficiency_effect (+ unexplained when the base has no units)."""

    owner: str
    metric: str
    base_days: int = Field(description="days of the base period with a metric value (cost is summed over these)")
    current_days: int
    base_cost: float
    base_units: float
    base_unit_cost: float | None
    current_cost: float
    current_units: float
    current_unit_cost: float | None
    cost_change: float
    volume_effect: float | None
    efficiency_effect: float | None
    unexplained: float


class ChangeReport(BaseModel):
    metric: str
    base: tuple[date, date]
    current: tuple[date, date]
    decomposition: str = "delta C = (U1 - U0) * u0 [volume] + U1 * (u1 - u0) [efficiency]"
    by_owner: list[ChangeAttribution]
    total: ChangeAttribution


# --------------------------------------------------------------------------------------------------------------
# Reading.


def read_metrics(path: Path) -> BusinessMetrics:
    """Read and validate a business metrics CSV."""
    return parse_metrics(read_text(path, "utf-8-sig"), str(path))


def parse_metrics(text: str, source: str) -> BusinessMetrics:
    """Parse metrics CSV text; the first bad row is the error's `file:line`, later ones are listed in it."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("empty file: expected a header `date,owner,metric,value`", where=source) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} (header: {','.join(header)}); expected "
                         "date,owner,metric,value", where=f"{source}:1")
    index = {c: names.index(c) for c in REQUIRED}
    rows: list[MetricRow] = []
    errors: list[tuple[int, str]] = []
    seen: dict[tuple[date, str, str], int] = {}
    line = reader.line_num
    for record in reader:
        line_no = line + 1
        line = reader.line_num
        if not record or all(not f.strip() for f in record):
            continue
        problem, row = _row(record, index, len(header), line_no)
        if problem is None and row is not None:
            key = (row.date, row.owner, row.metric)
            if key in seen:
                problem = f"duplicate of line {seen[key]} ({row.date}, {row.owner}, {row.metric})"
            else:
                seen[key] = line_no
                rows.append(row)
        if problem is not None:
            errors.append((line_no, problem))
    if errors:
        first_line, first = errors[0]
        more = ""
        if len(errors) > 1:
            listed = ", ".join(str(n) for n, _ in errors[1:1 + _MAX_LISTED])
            extra = len(errors) - 1 - _MAX_LISTED
            tail = f", ... {extra} more" if extra > 0 else ""
            more = f" (and {len(errors) - 1} more bad row(s): line {listed}{tail})"
        raise InputError(first + more, where=f"{source}:{first_line}")
    if not rows:
        raise InputError("no data rows", where=source)
    return BusinessMetrics(source=source, rows=rows)


def _row(record: list[str], index: dict[str, int], width: int, line: int) -> tuple[str | None, MetricRow | None]:
    if len(record) != width:
        return f"{len(record)} fields, the header has {width}", None
    raw = {c: record[i].strip() for c, i in index.items()}
    try:
        day = date.fromisoformat(raw["date"])
        if len(raw["date"]) != 10:
            raise ValueError
    except ValueError:
        return f"date {raw['date']!r} is not YYYY-MM-DD", None
    for col in ("owner", "metric"):
        if not raw[col]:
            return f"{col} is empty", None
    try:
        value = float(raw["value"])
    except ValueError:
        return f"value {raw['value']!r} is not a number", None
    if not math.isfinite(value):
        return f"value {raw['value']!r} is not finite", None
    if value < 0:
        return f"value {value:g} is negative", None
    return None, MetricRow(date=day, owner=raw["owner"], metric=raw["metric"], value=value, line=line)


# --------------------------------------------------------------------------------------------------------------
# Cost per unit.


def bucket_of(day: date, grain: Grain) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _daily_cost(allocated: Any, owners: Iterable[str], first: date, last: date) -> dict[tuple[date, str], float]:
    """Allocated cost per (day, owner) for the owners and days the metrics cover: one small aggregation in DuckDB
    (`allocated`: the store's Relation, or an Ibis table read through one)."""
    from finguard.billing.store import Relation

    rel = Relation.of(allocated)
    columns = rel.columns
    for col in ("day", "owner", "cost"):
        if col not in columns:
            raise InputError(f"the allocated daily table has no column {col!r}")
    wanted = sorted(set(owners))
    rows = rel.rows(f"SELECT day, owner, sum(cost) FROM {{t}} WHERE owner IN ({', '.join('?' for _ in wanted)}) "
                    "AND day >= ? AND day <= ? GROUP BY ALL", [*wanted, first, last])
    return {(_as_date(d), str(o)): float(c) for d, o, c in rows}


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    import pandas as pd

    return pd.Timestamp(value).date()


class _Joined(NamedTuple):
    """One metric row with the owner's allocated cost that day."""

    date: date
    owner: str
    metric: str
    value: float
    cost: float


def _joined(allocated: Any, metrics: BusinessMetrics, metric: str | None, owners: Sequence[str] | None
            ) -> list[_Joined]:
    """The metric rows asked for, in file order, each with its owner's cost that day ($0 when none)."""
    rows = metrics.rows
    if metric is not None:
        if metric not in {r.metric for r in rows}:
            raise InputError(f"metric {metric!r} is not in {metrics.source} (it has: {', '.join(metrics.metrics)})")
        rows = [r for r in rows if r.metric == metric]
    if owners is not None:
        wanted = set(owners)
        rows = [r for r in rows if r.owner in wanted]
    if not rows:
        return []
    cost = _daily_cost(allocated, [r.owner for r in rows], min(r.date for r in rows), max(r.date for r in rows))
    return [_Joined(r.date, r.owner, r.metric, r.value, cost.get((r.date, r.owner), 0.0)) for r in rows]


def _totals(rows: list[_Joined], gauge: bool) -> tuple[float, float, int]:
    """(cost, units, days) of some rows: units summed, a gauge's averaged. numpy sums (pairwise, as pandas did),
    so the figures do not move in the last digits."""
    values = np.array([r.value for r in rows], dtype=float)
    units = float(values.sum() / len(values) if gauge else values.sum())
    return float(np.array([r.cost for r in rows], dtype=float).sum()), units, len(rows)


def unit_costs(allocated: Any, metrics: BusinessMetrics, *, grain: Grain = "month", metric: str | None = None,
               owners: Sequence[str] | None = None, gauges: Iterable[str] = ()) -> UnitCostReport:
    """Cost per unit per (owner, metric, bucket), and each series' trend."""
    gauge_set = set(gauges)
    groups: dict[tuple[str, str], dict[date, list[_Joined]]] = {}
    for r in _joined(allocated, metrics, metric, owners):
        groups.setdefault((r.owner, r.metric), {}).setdefault(bucket_of(r.date, grain), []).append(r)
    rows: list[UnitCostRow] = []
    trends: list[UnitCostTrend] = []
    for (owner, name), buckets in sorted(groups.items()):
        series: list[UnitCostRow] = []
        for bucket, b in sorted(buckets.items()):
            cost, units, days = _totals(b, name in gauge_set)
            series.append(UnitCostRow(owner=owner, metric=name, bucket=bucket, days=days, cost=cost, units=units,
                                      unit_cost=cost / units if units > 0 else None))
        rows.extend(series)
        trends.append(_trend(owner, name, series))
    no_cost = sorted({r.owner for r in rows} - {r.owner for r in rows if r.cost != 0})
    return UnitCostReport(grain=grain, gauges=sorted(gauge_set), rows=rows, trends=trends,
                          owners_without_cost=no_cost)


def _trend(owner: str, metric: str, series: list[UnitCostRow]) -> UnitCostTrend:
    points = [(i, r.unit_cost) for i, r in enumerate(series) if r.unit_cost is not None]
    first = points[0][1] if points else None
    last = points[-1][1] if points else None
    change = 100.0 * (last - first) / first if first and last is not None and len(points) > 1 else None
    slope = None
    if len(points) >= 2:
        x = np.array([p[0] for p in points], dtype=float)
        y = np.array([p[1] for p in points], dtype=float)
        mean = float(y.mean())
        if mean:
            slope = 100.0 * float(np.polyfit(x, y, 1)[0]) / mean
    return UnitCostTrend(owner=owner, metric=metric, buckets=len(series), first_unit_cost=first,
                         last_unit_cost=last, change_pct=change, slope_pct_per_bucket=slope)


# --------------------------------------------------------------------------------------------------------------
# Change attribution.


def attribute_change(allocated: Any, metrics: BusinessMetrics, *, metric: str, base: tuple[date, date],
                     current: tuple[date, date], owners: Sequence[str] | None = None, gauge: bool = False
                     ) -> ChangeReport:
    """Split each owner's cost change between two periods (inclusive date ranges) into volume and efficiency."""
    for name, (lo, hi) in (("base", base), ("current", current)):
        if lo > hi:
            raise InputError(f"{name} period starts {lo}, after it ends {hi}")
    parts: dict[str, list[_Joined]] = {}
    for r in _joined(allocated, metrics, metric, owners):
        parts.setdefault(r.owner, []).append(r)
    by_owner: list[ChangeAttribution] = []
    for owner, part in sorted(parts.items()):
        c0, u0, d0 = _period(part, base, gauge)
        c1, u1, d1 = _period(part, current, gauge)
        by_owner.append(_attribution(owner, metric, (d0, d1), c0, u0, c1, u1))
    total = _total(metric, by_owner)
    return ChangeReport(metric=metric, base=base, current=current, by_owner=by_owner, total=total)


def _period(rows: list[_Joined], bounds: tuple[date, date], gauge: bool) -> tuple[float, float, int]:
    lo, hi = bounds
    inside = [r for r in rows if lo <= r.date <= hi]
    return _totals(inside, gauge) if inside else (0.0, 0.0, 0)


def _attribution(owner: str, metric: str, days: tuple[int, int], c0: float, u0: float, c1: float, u1: float
                 ) -> ChangeAttribution:
    uc0 = c0 / u0 if u0 > 0 else None
    uc1 = c1 / u1 if u1 > 0 else None
    delta = c1 - c0
    if uc0 is None:
        volume = efficiency = None
        unexplained = delta
    else:
        volume = (u1 - u0) * uc0
        efficiency = delta - volume  # = U1 * (u1 - u0), without float drift
        unexplained = 0.0
    return ChangeAttribution(owner=owner, metric=metric, base_days=days[0], current_days=days[1], base_cost=c0,
                             base_units=u0, base_unit_cost=uc0,
                             current_cost=c1, current_units=u1, current_unit_cost=uc1, cost_change=delta,
                             volume_effect=volume, efficiency_effect=efficiency, unexplained=unexplained)


def _total(metric: str, parts: list[ChangeAttribution]) -> ChangeAttribution:
    """All owners together: costs and units summed, effects summed over the owners (mix stays inside them)."""
    c0 = sum(p.base_cost for p in parts)
    c1 = sum(p.current_cost for p in parts)
    u0 = sum(p.base_units for p in parts)
    u1 = sum(p.current_units for p in parts)
    explained = [p for p in parts if p.volume_effect is not None]
    volume = sum(p.volume_effect or 0.0 for p in explained) if explained else None
    efficiency = sum(p.efficiency_effect or 0.0 for p in explained) if explained else None
    return ChangeAttribution(owner="(all)", metric=metric, base_days=sum(p.base_days for p in parts),
                             current_days=sum(p.current_days for p in parts), base_cost=c0, base_units=u0,
                             base_unit_cost=c0 / u0 if u0 > 0 else None, current_cost=c1, current_units=u1,
                             current_unit_cost=c1 / u1 if u1 > 0 else None, cost_change=c1 - c0,
                             volume_effect=volume, efficiency_effect=efficiency,
                             unexplained=sum(p.unexplained for p in parts))


# --------------------------------------------------------------------------------------------------------------
# The `billing unit-costs` job's result.


def bucket_end(bucket: date, grain: Grain) -> date:
    """The last day of the bucket starting on `bucket`."""
    if grain == "day":
        return bucket
    if grain == "week":
        return bucket + timedelta(days=6)
    following = date(bucket.year + bucket.month // 12, bucket.month % 12 + 1, 1)
    return following - timedelta(days=1)


def last_complete_buckets(last_day: date, grain: Grain) -> tuple[tuple[date, date], tuple[date, date]]:
    """(base, current) inclusive date ranges: the last bucket that ends by `last_day`, and the one before it, so a
    scheduled run mid-month compares the last two full months, never a partial one."""
    current = bucket_of(last_day, grain)
    if bucket_end(current, grain) > last_day:
        current = bucket_of(current - timedelta(days=1), grain)
    base = bucket_of(current - timedelta(days=1), grain)
    return (base, bucket_end(base, grain)), (current, bucket_end(current, grain))


class UnitEconomics(BaseModel):
    """What `finguard billing unit-costs` reports: cost per unit over time, and what moved the latest change
    (volume vs efficiency) per metric; one model so JSON, Markdown, HTML and CSV show the same numbers."""

    currency: str
    cost_metric: str = Field(description="the allocated cost measure, e.g. BilledCost")
    owner_dimension: str
    metrics_file: str
    grain: Grain
    metric: str | None = Field(None, description="the metric asked for; None: every metric of the file")
    first_day: date = Field(description="first day of metrics within the billed days")
    last_day: date = Field(description="last day of metrics within the billed days (and --as-of)")
    report: UnitCostReport
    changes: list[ChangeReport] = Field(description="per metric: the last complete bucket vs the one before")
    notes: list[str] = Field(default_factory=list)
