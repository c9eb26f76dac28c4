"""Commitment discounts (Savings Plans, reserved instances): utilisation, coverage, savings, and what to buy.

Everything is read from FOCUS columns, so any provider's export works the same way:

* a commitment is a distinct `CommitmentDiscountId`; its rows are *Used* (`CommitmentDiscountStatus` 'Used':
  usage it covered, amortised fee in `EffectiveCost`, on-demand equivalent in `ListCost`), *Unused*
  ('Unused': the part of the amortised commitment nothing consumed) and *Purchase* (`ChargeCategory`
  'Purchase': the fee as invoiced, in `BilledCost`).
* **utilisation** = used / (used + unused) amortised commitment (EffectiveCost of Used and Unused rows).
* **eligible usage** = `ChargeCategory` 'Usage' rows, not Unused, that the commitment *could* have covered,
  decided by `EligibilityRule`s (the defaults, `DEFAULT_RULES`: a Savings Plan covers AWS EC2 / Fargate /
  Lambda compute - `ServiceCategory` 'Compute' in those services - or Azure compute; a reserved instance covers
  usage of the same `ServiceName` *and* `SkuId` its Used rows have, since an RI only discounts its own instance
  type and region; any other type covers the same `ServiceName`). A row the commitment covered is always
  eligible, whatever the rules say.
* **coverage** = covered on-demand-equivalent spend / eligible on-demand-equivalent spend = ListCost of Used rows
  / ListCost of eligible rows (covered + on-demand).
* **effective savings rate** (ESR) = 1 - (EffectiveCost of eligible usage + unused commitment) / ListCost of
  eligible usage: what was saved against list price, net of the waste (the FinOps Foundation's ESR; the
  unused part is counted because it was paid for).

Sums are exact: costs are cast to DECIMAL(38, 12) through their shortest decimal text before summing (DuckDB's
direct double->decimal cast is off in the 12th place for some values, e.g. 4193.72), so DuckDB and Spark give
identical figures and the generator's truth is met to the last digit, not just the cent.

The what-if (`recommend_commitment`) takes the trailing N days of *hourly* eligible on-demand-equivalent spend
(rows longer than an hour, such as daily rows, are spread evenly over their hours) and finds the hourly
commitment that reaches a target coverage. Method "coverage" (the default) solves it exactly: the list-price
level L with sum(min(spend_h, L)) = target x sum(spend_h) (a "water level"; L is reported with the percentile of
the hourly distribution it falls at). Method "percentile" instead commits at the p-th percentile of hourly spend
(default p = 100 x (1 - target), so the commitment is fully used in `target` of the hours) and reports the
coverage that gives. The commitment to buy, in discounted $/hour, is L x (1 - discount); expected monthly
savings are 730 x mean over hours of (min(spend_h, L) - commitment); break-even utilisation is 1 - discount.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import groupby
from typing import Any, Literal, NamedTuple, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from finguard.errors import InputError

HOURS_PER_MONTH = 730
SAVINGS_PLAN = "Savings Plan"
RESERVED_INSTANCE = "Reserved Instance"
HOUR = timedelta(hours=1)


# --------------------------------------------------------------------------------------------------------------
# Configuration.


class EligibilityRule(BaseModel):
    """Which usage a commitment could have covered: the denominator of coverage.

    A rule applies to one commitment (`commitment_id`), to a type (`commitment_type`, e.g. 'Savings Plan'), or,
    with neither, to any commitment no other rule names. A row is eligible when, for every `match` column, its
    value is one of the listed values, and, for `same_as_used` columns, its values (together) equal those of
    one of the commitment's own Used rows. Several rules for one commitment are OR-ed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    commitment_id: str | None = None
    commitment_type: str | None = None
    match: dict[str, list[str]] = Field(default_factory=dict)
    same_as_used: list[str] = Field(default_factory=list)

    def columns(self) -> set[str]:
        return set(self.match) | set(self.same_as_used)


AWS_SP_SERVICES = ["Amazon Elastic Compute Cloud", "Amazon Elastic Container Service",
                   "Amazon Elastic Kubernetes Service", "Amazon Elastic Container Service for Kubernetes",
                   "AWS Lambda"]
DEFAULT_RULES: tuple[EligibilityRule, ...] = (
    # AWS Compute Savings Plans: EC2 instances, Fargate (billed under ECS/EKS) and Lambda. ServiceCategory
    # 'Compute' keeps EBS volumes, NAT gateways and data transfer (also "EC2") out.
    EligibilityRule(commitment_type=SAVINGS_PLAN,
                    match={"ProviderName": ["AWS"], "ServiceName": AWS_SP_SERVICES, "ServiceCategory": ["Compute"]}),
    # Azure savings plan for compute.
    EligibilityRule(commitment_type=SAVINGS_PLAN,
                    match={"ProviderName": ["Microsoft"], "ServiceCategory": ["Compute"]}),
    # A reserved instance discounts its own instance type in its own region: the SKU it was applied to.
    EligibilityRule(commitment_type=RESERVED_INSTANCE, same_as_used=["ServiceName", "SkuId"]),
    # Anything else: the service it was applied to.
    EligibilityRule(same_as_used=["ServiceName"]),
)


def rules_with(*overrides: EligibilityRule, base: Sequence[EligibilityRule] = DEFAULT_RULES
               ) -> tuple[EligibilityRule, ...]:
    """`base` with the rules of every commitment type an override names replaced (ids are added, not replaced)."""
    replaced = {r.commitment_type for r in overrides if r.commitment_id is None}
    return (*overrides, *(r for r in base if r.commitment_id is not None or r.commitment_type not in replaced))


def rules_for(commitment_id: str, commitment_type: str | None, rules: Sequence[EligibilityRule]
              ) -> list[EligibilityRule]:
    """The rules of one commitment: its own, else its type's, else the catch-all ones."""
    own = [r for r in rules if r.commitment_id == commitment_id]
    if own:
        return own
    typed = [r for r in rules if r.commitment_id is None and r.commitment_type is not None
             and r.commitment_type == commitment_type]
    if typed:
        return typed
    return [r for r in rules if r.commitment_id is None and r.commitment_type is None]


# --------------------------------------------------------------------------------------------------------------
# Results.


class CommitmentFigures(BaseModel):
    """Sums (in the billing currency) and the ratios made from them; a ratio is None when its base is 0."""

    fee: float = Field(0.0, description="BilledCost of Purchase rows: the fee as invoiced")
    used_effective_cost: float = Field(0.0, description="EffectiveCost of Used rows: amortised commitment used")
    unused_cost: float = Field(0.0, description="EffectiveCost of Unused rows: amortised commitment wasted")
    covered_list_cost: float = Field(0.0, description="ListCost of Used rows: on-demand equivalent covered")
    eligible_list_cost: float = Field(0.0, description="ListCost of eligible usage, covered or not")
    eligible_effective_cost: float = Field(0.0, description="EffectiveCost of eligible usage")
    eligible_on_demand_cost: float = Field(0.0, description="BilledCost of eligible usage the commitment did not "
                                                            "cover")
    net_savings: float = Field(0.0, description="eligible ListCost - eligible EffectiveCost - unused")
    utilisation: float | None = Field(None, description="used / (used + unused)")
    coverage: float | None = Field(None, description="covered_list_cost / eligible_list_cost")
    effective_savings_rate: float | None = Field(None, description="net_savings / eligible_list_cost")


class CommitmentPeriodResult(CommitmentFigures):
    period: date
    hours: float | None = Field(None, description="span of the Used/Unused rows in the period")
    hourly_commitment: float | None = Field(None, description="(used + unused) / hours")


class CommitmentResult(CommitmentFigures):
    """One commitment over every period given."""

    id: str
    name: str | None
    type: str | None
    category: str | None
    rules: list[EligibilityRule]
    first_hour: datetime | None
    end: datetime | None = Field(None, description="exclusive end of the last Used/Unused row")
    hours: float | None
    hourly_commitment: float | None = Field(None, description="(used + unused) / hours: amortised $/hour")
    discount: float | None = Field(None, description="observed rate: 1 - used EffectiveCost / covered ListCost")
    periods: list[CommitmentPeriodResult]


class OwnerCommitmentResult(CommitmentFigures):
    """One commitment's figures within one owner's rows in one period (unused rows sit where they are billed)."""

    period: date
    owner: str
    commitment_id: str


class TypeCoverageResult(CommitmentFigures):
    """All commitments of one type together in one period: eligible usage is the union of theirs."""

    period: date
    type: str


class CommitmentReport(BaseModel):
    currency: str | None
    periods: list[date]
    commitments: list[CommitmentResult]
    by_type: list[TypeCoverageResult]
    by_owner: list[OwnerCommitmentResult]
    warnings: list[str] = Field(default_factory=list)


class CommitmentRecommendation(BaseModel):
    """What-if: the hourly commitment that reaches a target coverage over the trailing window."""

    commitment_type: str
    rules: list[EligibilityRule]
    method: Literal["coverage", "percentile"]
    window_start: datetime
    window_end: datetime
    lookback_days: int
    hours: int = Field(description="hours of eligible spend in the window (clipped to the data)")
    eligible_list_cost: float = Field(description="on-demand-equivalent eligible spend in the window")
    mean_hourly_spend: float
    target_coverage: float | None
    percentile: float = Field(description="percentile of the hourly spend distribution at which the commitment's "
                                          "list-price level sits (share of hours with spend <= it, x100)")
    discount: float
    discount_source: Literal["observed", "parameter"]
    list_level: float = Field(description="on-demand-equivalent spend per hour the commitment covers")
    hourly_commitment: float = Field(description="commitment to hold, in discounted currency per hour")
    current_hourly_commitment: float = Field(description="average amortised commitment of this type held in the "
                                                         "window: (used + unused) / hours")
    additional_hourly_commitment: float = Field(description="max(0, hourly_commitment - current)")
    expected_coverage: float
    expected_utilisation: float
    break_even_utilisation: float = Field(description="1 - discount: below it the commitment costs more than "
                                                      "on-demand")
    monthly_commitment_cost: float = Field(description="hourly_commitment x 730")
    expected_monthly_savings: float = Field(description="730 x mean(min(spend_h, level) - commitment), against all "
                                                        "on-demand")


#--------------------------------------------------------------------------------------------------------------
# The job's result.


class CommitmentsResult(BaseModel):
    """What `finguard billing commitments` reports: the utilisation/coverage report and one what-if per lookback.

    A lookback whose what-if cannot be computed (no eligible usage, no discount to observe) has no
    recommendation and a line in `notes` saying why, so one empty window never hides the others.
    """

    currency: str | None
    owner_dimension: str = Field(description="allocation dimension `by_owner` is keyed by")
    commitment_type: str = Field(description="type the what-if recommends")
    target_coverage: float
    lookback_days: list[int]
    report: CommitmentReport
    recommendations: list[CommitmentRecommendation]
    notes: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------------------------
# What an engine answers, and the figures made from its answers (the same for every engine).


class Commitment(NamedTuple):
    """One commitment as the charges name it."""

    id: str
    name: str | None
    type: str | None
    category: str | None


@dataclass(frozen=True)
class UsedValues:
    """The distinct values of the `same_as_used` columns on a commitment's Used rows."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def combos(self, names: Sequence[str]) -> list[tuple[Any, ...]]:
        """The distinct combinations of `names`, in the order first seen."""
        at = [self.columns.index(n) for n in names]
        return list(dict.fromkeys(tuple(row[i] for i in at) for row in self.rows))


def used_by_commitment(rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> dict[str, UsedValues]:
    """(commitment id, *values of `columns`) rows, grouped per commitment."""
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for cid, *values in rows:
        grouped.setdefault(str(cid), []).append(tuple(None if missing(v) else v for v in values))
    return {cid: UsedValues(tuple(columns), tuple(vals)) for cid, vals in sorted(grouped.items())}


@dataclass(frozen=True)
class Eligibility:
    """The usage a commitment, or a type in the what-if, could have covered: OR of its rules. A rule matching on
    `same_as_used` compares with `used`; without used values it matches nothing."""

    rules: list[EligibilityRule]
    used: UsedValues | None

    def options(self, rule: EligibilityRule) -> list[tuple[Any, ...]]:
        """The value combinations of the rule's `same_as_used` columns (None for a null value)."""
        if self.used is None:
            return []
        return self.used.combos(rule.same_as_used)


class Sums(NamedTuple):
    """Exact sums of one commitment (or type) in one cell; None where no row was summed."""

    fee: Decimal | None
    used: Decimal | None
    unused: Decimal | None
    cov: Decimal | None
    ellist: Decimal | None
    eleff: Decimal | None
    elod: Decimal | None


class Cell(NamedTuple):
    """A commitment's sums in one (period, owner) and the span of its Used/Unused rows there."""

    sums: Sums
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class CubeRow:
    """One (period, owner) of the report's single aggregation: a cell per commitment and sums per type."""

    period: date
    owner: str
    cells: list[Cell]
    types: list[Sums]


CELL_WIDTH = len(Sums._fields) + 2  # the sums, first, last


def cube_row(values: Sequence[Any], commitments: int, types: int) -> CubeRow:
    """A row of the aggregation, as engines return it: period, owner, then per commitment the sums (in `Sums`
    order), first and last, then per type the sums."""
    period, owner, *rest = values
    n = len(Sums._fields)
    cells = [Cell(Sums(*rest[i * CELL_WIDTH:i * CELL_WIDTH + n]), rest[i * CELL_WIDTH + n],
                  rest[i * CELL_WIDTH + n + 1]) for i in range(commitments)]
    base = commitments * CELL_WIDTH
    sums = [Sums(*rest[base + j * n:base + (j + 1) * n]) for j in range(types)]
    return CubeRow(period=as_date(period), owner=str(owner), cells=cells, types=sums)


class Held(NamedTuple):
    """A type's own Used/Unused rows in a what-if window: what it held and what that covered."""

    used_list: Decimal
    used_eff: Decimal
    total_eff: Decimal


class CommitmentQueries(Protocol):
    """The questions the report and the what-if ask of the charges, answered by one engine (Ibis on any engine,
    or plain SQL on DuckDB); rows with `_cid` '' have no commitment."""

    columns: list[str]

    def catalogue(self) -> tuple[list[Commitment], list[str]]:
        """The commitments, by id, and the billing currencies."""
        ...

    def used_values(self, columns: list[str], commitment_type: str | None) -> dict[str, UsedValues]:
        """Per commitment (of the type, when given), the distinct values of `columns` on its Used rows."""
        ...

    def cube(self, commitments: list[Commitment], eligibility: dict[str, Eligibility],
             types: list[str]) -> list[CubeRow]:
        """The figures per (period, owner): one aggregation over the rows with a commitment or eligible usage."""
        ...

    def bounds(self, commitment_type: str, eligibility: Eligibility) -> tuple[datetime | None, datetime | None]:
        """The first start and last end of the usage eligible for the type."""
        ...

    def hourly(self, commitment_type: str, eligibility: Eligibility, start: datetime,
               end: datetime) -> list[tuple[datetime, datetime, Decimal]]:
        """Eligible ListCost per (ChargePeriodStart, ChargePeriodEnd) of rows overlapping [start, end), by start."""
        ...

    def held(self, commitment_type: str, windows: list[tuple[datetime, datetime]]) -> list[Held]:
        """The type's Used/Unused rows starting in each window."""
        ...


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def commitment_of(row: Sequence[Any]) -> Commitment:
    """A catalogue row (id, name, type, category) with '' and nulls as None."""
    cid, name, ctype, category = row
    return Commitment(str(cid), _text(name), _text(ctype), _text(category))


def _text(value: Any) -> str | None:
    return None if missing(value) or value == "" else str(value)


def held_of(values: Sequence[Any]) -> Held:
    """(used ListCost, used EffectiveCost, all EffectiveCost) sums, null (nothing summed) as 0."""
    used_list, used_eff, total_eff = (Decimal(0) if missing(v) else Decimal(v) for v in values)
    return Held(used_list, used_eff, total_eff)


def as_date(value: Any) -> date:
    """A period as a date (DuckDB returns dates, Spark timestamps)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


def check_columns(columns: Sequence[str], rules: Sequence[EligibilityRule]) -> None:
    needed = set().union(*(r.columns() for r in rules)) if rules else set()
    missing_columns = sorted(needed - set(columns))
    if missing_columns:
        raise InputError(f"eligibility rules use columns the charges table lacks: {', '.join(missing_columns)}")


def same_as_used_columns(rules: Iterable[EligibilityRule]) -> list[str]:
    return sorted(set().union(*(r.same_as_used for r in rules)))


def report_of(q: CommitmentQueries, rules: Sequence[EligibilityRule]) -> CommitmentReport:
    """Utilisation, coverage and savings per commitment, per type and per owner, for each period of `q`."""
    check_columns(q.columns, rules)
    commitments, currencies = q.catalogue()
    if len(currencies) > 1:
        raise InputError(f"charges are in several currencies ({', '.join(sorted(currencies))}): "
                         "commitment figures need one")
    currency = currencies[0] if currencies else None
    if not commitments:
        return CommitmentReport(currency=currency, periods=[], commitments=[], by_type=[], by_owner=[],
                                warnings=["no commitment discounts (CommitmentDiscountId) in the charges"])
    chosen = {c.id: rules_for(c.id, c.type, rules) for c in commitments}
    columns = same_as_used_columns(r for rs in chosen.values() for r in rs)
    used = q.used_values(columns, None) if columns else {}
    eligibility = {c.id: Eligibility(chosen[c.id], used.get(c.id)) for c in commitments}
    warnings = [f"{c.id}: no eligibility rule applies; only the usage it covered counts as eligible"
                for c in commitments if not chosen[c.id]]
    types = sorted({c.type for c in commitments if c.type})
    cube = sorted(q.cube(commitments, eligibility, types), key=lambda r: (r.period, r.owner))
    by_period = [(period, list(rows)) for period, rows in groupby(cube, key=lambda r: r.period)]

    results: list[CommitmentResult] = []
    by_owner: list[OwnerCommitmentResult] = []
    for i, c in enumerate(commitments):
        per: list[CommitmentPeriodResult] = []
        for period, rows in by_period:
            sums, first, last = _total([r.cells[i] for r in rows])
            if not any(sums) and first is None:
                continue
            hours = (last - first) / HOUR if first is not None and last is not None else None
            per.append(CommitmentPeriodResult(period=period, hours=hours, hourly_commitment=_hourly(sums, hours),
                                              **_figures(sums)))
            for row in rows:
                osums = _total([row.cells[i]])[0]
                if any(osums):
                    by_owner.append(OwnerCommitmentResult(period=period, owner=row.owner, commitment_id=c.id,
                                                          **_figures(osums)))
        total, first, last = _total([r.cells[i] for r in cube])
        hours = (last - first) / HOUR if first is not None and last is not None else None
        discount = float(1 - total.used / total.cov) if total.cov else None
        results.append(CommitmentResult(
            id=c.id, name=c.name, type=c.type, category=c.category, rules=chosen[c.id], first_hour=first, end=last,
            hours=hours, hourly_commitment=_hourly(total, hours), discount=discount, periods=per,
            **_figures(total)))
    by_type: list[TypeCoverageResult] = []
    for j, ctype in enumerate(types):
        for period, rows in by_period:
            sums = _total([Cell(r.types[j], None, None) for r in rows])[0]
            if any(sums):
                by_type.append(TypeCoverageResult(period=period, type=ctype, **_figures(sums)))
    return CommitmentReport(currency=currency, periods=[p for p, _ in by_period], commitments=results,
                            by_type=by_type, by_owner=by_owner, warnings=warnings)


class Total(NamedTuple):
    fee: Decimal
    used: Decimal
    unused: Decimal
    cov: Decimal
    ellist: Decimal
    eleff: Decimal
    elod: Decimal


def _total(cells: list[Cell]) -> tuple[Total, datetime | None, datetime | None]:
    """Cells added up, in order (Decimal sums from 0, as exact as the engine's), and their span."""
    sums = Total(*(sum((Decimal(v) if not isinstance(v, Decimal) else v for v in values if not missing(v)),
                       Decimal(0)) for values in zip(*(c.sums for c in cells), strict=True))) \
        if cells else Total(*([Decimal(0)] * len(Total._fields)))
    firsts = [c.first for c in cells if c.first is not None]
    lasts = [c.last for c in cells if c.last is not None]
    return sums, min(firsts) if firsts else None, max(lasts) if lasts else None


def _hourly(sums: Total, hours: float | None) -> float | None:
    if not hours:
        return None
    return float((sums.used + sums.unused) / Decimal(repr(hours)))


def _figures(s: Total) -> dict[str, Any]:
    used, unused, el_list = s.used, s.unused, s.ellist
    net = el_list - s.eleff - unused
    return {"fee": float(s.fee), "used_effective_cost": float(used), "unused_cost": float(unused),
            "covered_list_cost": float(s.cov), "eligible_list_cost": float(el_list),
            "eligible_effective_cost": float(s.eleff), "eligible_on_demand_cost": float(s.elod),
            "net_savings": float(net),
            "utilisation": float(used / (used + unused)) if used + unused else None,
            "coverage": float(s.cov / el_list) if el_list else None,
            "effective_savings_rate": float(net / el_list) if el_list else None}


# --------------------------------------------------------------------------------------------------------------
# What-if.


def spread_hourly(groups: Sequence[tuple[datetime, datetime, Any]], start: datetime, end: datetime) -> np.ndarray:
    """ListCost per hour in [start, end) from (start, end, cost) groups; a group spanning n hours adds 1/n to each
    (added in the order given, so the result is the same whichever engine summed the groups)."""
    n_hours = int((end - start) / HOUR)
    out = np.zeros(n_hours)
    if groups:
        s = np.array([(g[0] - start) / HOUR for g in groups])
        e = np.array([(g[1] - start) / HOUR for g in groups])
        lo, hi = np.floor(s).astype(np.int64), np.ceil(e).astype(np.int64)
        hi = np.maximum(hi, lo + 1)
        span = hi - lo
        cost = np.array([float(g[2]) for g in groups]) / span
        idx = np.repeat(lo, span) + (np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span))
        vals = np.repeat(cost, span)
        keep = (idx >= 0) & (idx < n_hours)
        np.add.at(out, idx[keep], vals[keep])
    return out


def water_level(spend: np.ndarray, target: float) -> float:
    """The level L with sum(min(spend, L)) = target x sum(spend): exact, by sorting (spend >= 0 assumed)."""
    s = np.sort(np.clip(spend, 0.0, None))
    n = len(s)
    total = s.sum()
    if n == 0 or total <= 0:
        return 0.0
    goal = target * total
    csum = np.concatenate([[0.0], np.cumsum(s)])
    at_level = csum[:-1] + s * (n - np.arange(n))  # sum(min(spend, s[k])) for each k
    k = int(np.searchsorted(at_level, goal))
    if k >= n:
        return float(s[-1])
    return float((goal - csum[k]) / (n - k))


def _floor_hour(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def _ceil_hour(value: datetime) -> datetime:
    floor = _floor_hour(value)
    return floor if floor == value else floor + HOUR


def recommendations_of(
    q: CommitmentQueries, *, commitment_type: str, rules: Sequence[EligibilityRule], lookback_days: Sequence[int],
    target_coverage: float, discount: float | None, as_of: date | None, method: Literal["coverage", "percentile"],
    percentile: float | None,
) -> list[CommitmentRecommendation | InputError]:
    """The what-if for several lookbacks at once: the eligibility rules, the data's bounds and the hourly spend
    (of the widest window; a narrower one is its tail) are read once, not once per lookback. A lookback that
    cannot be recommended (no eligible usage, no discount to observe) gets its InputError."""
    if not 0 < target_coverage <= 1:
        raise InputError(f"target coverage {target_coverage} must be in (0, 1]")
    for days in lookback_days:
        if days < 1:
            raise InputError(f"lookback_days {days} must be >= 1")
    chosen = [r for r in rules if r.commitment_id is None and r.commitment_type == commitment_type] or \
        [r for r in rules if r.commitment_id is None and r.commitment_type is None]
    if not chosen:
        raise InputError(f"no eligibility rule for {commitment_type!r} commitments")
    check_columns(q.columns, chosen)
    columns = same_as_used_columns(chosen)
    frames = q.used_values(columns, commitment_type) if columns else {}
    used_all = UsedValues(tuple(columns), tuple(row for u in frames.values() for row in u.rows)) if frames else None
    if any(r.same_as_used for r in chosen) and used_all is None:
        raise InputError(f"the {commitment_type!r} eligibility rule matches on the values of Used rows "
                         "(same_as_used), and there are none: give a rule with `match` instead")
    eligibility = Eligibility(chosen, used_all)
    first, last = q.bounds(commitment_type, eligibility)
    if first is None or last is None:
        raise InputError(f"no usage eligible for {commitment_type!r} commitments in the charges")
    data_first = _floor_hour(first)
    end = datetime.combine(as_of, datetime.min.time()) + timedelta(days=1) if as_of is not None else \
        _ceil_hour(last)
    starts = {days: max(end - timedelta(days=days), data_first) for days in lookback_days}
    widest = min(starts.values())
    all_spend = spread_hourly(q.hourly(commitment_type, eligibility, widest, end), widest, end) \
        if widest < end else np.zeros(0)
    open_windows = [days for days in lookback_days if starts[days] < end]
    held = dict(zip(open_windows, q.held(commitment_type, [(starts[d], end) for d in open_windows]) if open_windows
                    else [], strict=True))
    out: list[CommitmentRecommendation | InputError] = []
    for days in lookback_days:
        start = starts[days]
        if start >= end:
            out.append(InputError(f"no eligible usage before {end:%Y-%m-%d %H:%M}"))
            continue
        spend = all_spend[int((start - widest) / HOUR):]
        try:
            out.append(_recommendation(held[days], chosen, commitment_type, days, start, end, spend,
                                       target_coverage, discount, method, percentile))
        except InputError as exc:
            out.append(exc)
    return out


def _recommendation(held: Held, chosen: list[EligibilityRule], commitment_type: str, lookback_days: int,
                    start: datetime, end: datetime, spend: np.ndarray, target_coverage: float,
                    discount: float | None, method: Literal["coverage", "percentile"],
                    percentile: float | None) -> CommitmentRecommendation:
    """One lookback's what-if from its hourly eligible spend and the commitment's own rows in the window."""
    if discount is None:
        if not held.used_list:
            raise InputError(f"no {commitment_type!r} usage in the window to observe a discount from: give discount")
        rate, source = float(1 - held.used_eff / held.used_list), "observed"
    else:
        rate, source = float(discount), "parameter"
    if not 0 <= rate < 1:
        raise InputError(f"discount {rate} must be in [0, 1)")

    n = len(spend)
    total = float(spend.sum())
    if method == "coverage":
        level = water_level(spend, target_coverage)
        target: float | None = target_coverage
    else:
        p = percentile if percentile is not None else 100.0 * (1.0 - target_coverage)
        if not 0 <= p <= 100:
            raise InputError(f"percentile {p} must be in [0, 100]")
        level = float(np.percentile(spend, p, method="inverted_cdf"))
        target = None
    covered = np.minimum(spend, level)
    commitment = level * (1.0 - rate)
    current = float(held.total_eff) / n
    return CommitmentRecommendation(
        commitment_type=commitment_type, rules=chosen, method=method, window_start=start, window_end=end,
        lookback_days=lookback_days, hours=n, eligible_list_cost=total, mean_hourly_spend=total / n,
        target_coverage=target, percentile=100.0 * float((spend <= level * (1 + 1e-12)).mean()),
        discount=rate, discount_source=source, list_level=level, hourly_commitment=commitment,
        current_hourly_commitment=current, additional_hourly_commitment=max(0.0, commitment - current),
        expected_coverage=float(covered.sum() / total) if total > 0 else 0.0,
        expected_utilisation=float(covered.sum() / (level * n)) if level > 0 else 0.0,
        break_even_utilisation=1.0 - rate, monthly_commitment_cost=commitment * HOURS_PER_MONTH,
        expected_monthly_savings=HOURS_PER_MONTH * (float(covered.mean()) - commitment),
    )
