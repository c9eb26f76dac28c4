"""Commitment discounts (Savings Plans, reserved instances) computed with Ibis, on any engine it runs on.

What the figures mean, and the arithmetic made of what the engine answers, is `finguard.billing.commitment_model`
(its names are importable from here too); this module asks the questions (`CommitmentQueries`) of an Ibis table.
The DuckDB store's own path asks them in plain SQL (`finguard.billing.commitments_sql`), without importing Ibis.

Sums are exact: costs are cast to DECIMAL(38, 12) through their shortest decimal text before summing (DuckDB's
direct double->decimal cast is off in the 12th place for some values, e.g. 4193.72), so DuckDB and Spark give
identical figures and the generator's truth is met to the last digit, not just the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Literal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd
from ibis.common.deferred import Deferred

from finguard.billing.commitment_model import (
    AWS_SP_SERVICES,
    DEFAULT_RULES,
    HOURS_PER_MONTH,
    RESERVED_INSTANCE,
    SAVINGS_PLAN,
    Commitment,
    CommitmentFigures,
    CommitmentPeriodResult,
    CommitmentRecommendation,
    CommitmentReport,
    CommitmentResult,
    CommitmentsResult,
    CubeRow,
    Eligibility,
    EligibilityRule,
    Held,
    OwnerCommitmentResult,
    TypeCoverageResult,
    UsedValues,
    commitment_of,
    cube_row,
    held_of,
    missing,
    recommendations_of,
    report_of,
    rules_for,
    rules_with,
    spread_hourly,
    used_by_commitment,
    water_level,
)
from finguard.billing.config import UNALLOCATED
from finguard.billing.schema import X_PERIOD
from finguard.errors import InputError

__all__ = [
    "AWS_SP_SERVICES", "DEFAULT_RULES", "EXACT", "HOURS_PER_MONTH", "RESERVED_INSTANCE", "SAVINGS_PLAN",
    "CommitmentFigures", "CommitmentPeriodResult", "CommitmentRecommendation", "CommitmentReport",
    "CommitmentResult", "CommitmentsResult", "EligibilityRule", "IbisQueries", "OwnerCommitmentResult",
    "OwnerSpec", "TypeCoverageResult", "commitment_report", "exact_cost", "hourly_spend", "prepared_queries",
    "recommend_commitment",
    "recommend_commitments", "rules_for", "rules_with", "water_level",
]

EXACT = dt.Decimal(38, 12)

OwnerSpec = str | Deferred | Callable[[ir.Table], ir.Value] | None
"""A column name, an Ibis deferred (`ibis._.x_Tags["team"]`) or a function of the table; None: SubAccountId."""


def exact_cost(value: ir.NumericValue) -> ir.DecimalValue:
    """A float64 cost as DECIMAL(38, 12) via its shortest decimal text, so sums are exact and engine-independent."""
    return value.cast(dt.string).cast(EXACT)


def _prepared(charges: ir.Table, owner: OwnerSpec) -> ir.Table:
    t = charges
    if X_PERIOD not in t.columns:
        t = t.mutate(**{X_PERIOD: t.BillingPeriodStart.date()})
    if owner is None:
        owner_value: Any = t.SubAccountId
    elif isinstance(owner, str):
        if owner not in t.columns:
            raise InputError(f"owner column {owner!r} is not in the charges table")
        owner_value = t[owner]
    elif isinstance(owner, Deferred):
        owner_value = owner.resolve(t)
    else:
        owner_value = owner(t)
    return t.mutate(
        _owner=owner_value.cast(dt.string).fill_null(UNALLOCATED),
        # '' for none (OCI writes '' where others write NULL): keeps every predicate two-valued, so `~covered`
        # is true, not NULL, on rows without a commitment.
        _cid=t.CommitmentDiscountId.fill_null(""),
        _status=t.CommitmentDiscountStatus.fill_null(""),
        _list=exact_cost(t.ListCost), _eff=exact_cost(t.EffectiveCost), _billed=exact_cost(t.BilledCost),
    )


def _rule_predicate(t: ir.Table, rule: EligibilityRule, eligibility: Eligibility) -> ir.BooleanValue:
    pred: ir.BooleanValue = ibis.literal(True)
    for col, values in sorted(rule.match.items()):
        pred &= t[col].isin(values)
    if rule.same_as_used:
        combos = eligibility.options(rule)
        if not combos:
            return ibis.literal(False)
        options = []
        for combo in combos:
            part: ir.BooleanValue = ibis.literal(True)
            for col, value in zip(rule.same_as_used, combo, strict=True):
                part &= t[col].isnull() if value is None else (t[col] == value)
            options.append(part)
        pred &= ibis.or_(*options)
    return pred


def _usage(t: ir.Table) -> ir.BooleanValue:
    """Usage rows that are consumption, not the unused part of some commitment."""
    return (t.ChargeCategory == "Usage") & (t._status != "Unused")


def _records(frame: pd.DataFrame) -> list[list[Any]]:
    """A fetched frame as plain Python rows: nulls as None, timestamps as datetimes."""
    def plain(value: Any) -> Any:
        if value is None or value is pd.NaT or missing(value):
            return None
        return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value

    return [[plain(v) for v in row] for row in frame.itertuples(index=False, name=None)]


class IbisQueries:
    """`CommitmentQueries` answered by Ibis over a `_prepared` table (DuckDB, Spark, or any other engine)."""

    def __init__(self, t: ir.Table) -> None:
        self.t = t
        self.columns = list(t.columns)

    def catalogue(self) -> tuple[list[Commitment], list[str]]:
        t = self.t
        catalogue = (t.filter(t._cid != "").group_by("_cid")
                     .agg(name=t.CommitmentDiscountName.max(), type=t.CommitmentDiscountType.max(),
                          category=t.CommitmentDiscountCategory.max())
                     .order_by("_cid").to_pandas())
        currencies = t.select("BillingCurrency").distinct().to_pandas()["BillingCurrency"].dropna().tolist()
        return [commitment_of(r) for r in _records(catalogue)], currencies

    def used_values(self, columns: list[str], commitment_type: str | None) -> dict[str, UsedValues]:
        t = self.t
        used = t.filter((t._status == "Used") & (t._cid != ""))
        if commitment_type is not None:
            used = used.filter(t.CommitmentDiscountType == commitment_type)
        return used_by_commitment(_records(used.select("_cid", *columns).distinct().to_pandas()), columns)

    def _eligible(self, eligibility: Eligibility, covered: ir.BooleanValue) -> ir.BooleanValue:
        t = self.t
        preds = [_rule_predicate(t, r, eligibility) for r in eligibility.rules]
        return _usage(t) & ibis.or_(covered, *preds).fill_null(False)

    def cube(self, commitments: list[Commitment], eligibility: dict[str, Eligibility],
             types: list[str]) -> list[CubeRow]:
        t = self.t
        eligible = {c.id: self._eligible(eligibility[c.id], (t._cid == c.id) & (t._status == "Used")
                                         & (t.ChargeCategory == "Usage")) for c in commitments}
        aggs: dict[str, Any] = {}
        for i, c in enumerate(commitments):
            aggs |= self._sums(f"c{i}", t._cid == c.id, eligible[c.id], with_span=True)
        for j, ctype in enumerate(types):
            ids = [c.id for c in commitments if c.type == ctype]
            aggs |= self._sums(f"t{j}", t._cid.isin(ids), ibis.or_(*(eligible[c] for c in ids)), with_span=False)
        relevant = (t._cid != "") | ibis.or_(*eligible.values())
        frame = t.filter(relevant).group_by([X_PERIOD, "_owner"]).agg(**aggs).to_pandas()
        return [cube_row(r, len(commitments), len(types)) for r in _records(frame[[X_PERIOD, "_owner", *aggs]])]

    def _sums(self, prefix: str, mine: ir.BooleanValue, el: ir.BooleanValue, *, with_span: bool) -> dict[str, Any]:
        """One commitment's (or type's) aggregates, in `Sums` order, then the span of its Used/Unused rows."""
        t = self.t
        covered = mine & (t._status == "Used") & (t.ChargeCategory == "Usage")
        unused = mine & (t._status == "Unused")
        aggs = {f"{prefix}_fee": t._billed.sum(where=mine & (t.ChargeCategory == "Purchase")),
                f"{prefix}_used": t._eff.sum(where=covered), f"{prefix}_unused": t._eff.sum(where=unused),
                f"{prefix}_cov": t._list.sum(where=covered), f"{prefix}_ellist": t._list.sum(where=el),
                f"{prefix}_eleff": t._eff.sum(where=el), f"{prefix}_elod": t._billed.sum(where=el & ~covered)}
        if with_span:
            both = covered | unused
            aggs |= {f"{prefix}_first": t.ChargePeriodStart.min(where=both),
                     f"{prefix}_last": t.ChargePeriodEnd.max(where=both)}
        return aggs

    def _type_eligible(self, commitment_type: str, eligibility: Eligibility) -> Callable[[ir.Table], ir.BooleanValue]:
        def eligible(tab: ir.Table) -> ir.BooleanValue:
            covered = (tab.CommitmentDiscountType == commitment_type) & (tab._status == "Used")
            preds = [_rule_predicate(tab, r, eligibility) for r in eligibility.rules]
            return _usage(tab) & (covered | ibis.or_(*preds)).fill_null(False)

        return eligible

    def bounds(self, commitment_type: str, eligibility: Eligibility) -> tuple[datetime | None, datetime | None]:
        t = self.t
        rows = t.filter(self._type_eligible(commitment_type, eligibility)(t))
        (first, last), = _records(rows.agg(first=t.ChargePeriodStart.min(), last=t.ChargePeriodEnd.max())
                                  .to_pandas())
        return first, last

    def hourly(self, commitment_type: str, eligibility: Eligibility, start: datetime,
               end: datetime) -> list[tuple[datetime, datetime, Any]]:
        return _hourly_groups(self.t, self._type_eligible(commitment_type, eligibility), start, end)

    def held(self, commitment_type: str, windows: list[tuple[datetime, datetime]]) -> list[Held]:
        t = self.t
        rows = t.filter((t.CommitmentDiscountType == commitment_type) & t._status.isin(["Used", "Unused"]))
        aggs: dict[str, Any] = {}
        for k, (start, end) in enumerate(windows):
            inside = (rows.ChargePeriodStart >= start) & (rows.ChargePeriodStart < end)
            used = inside & (rows._status == "Used")
            aggs |= {f"used_list_{k}": rows._list.sum(where=used), f"used_eff_{k}": rows._eff.sum(where=used),
                     f"total_eff_{k}": rows._eff.sum(where=inside)}
        (values,) = _records(rows.agg(**aggs).to_pandas()[list(aggs)])
        return [held_of(values[3 * k:3 * k + 3]) for k in range(len(windows))]


def _hourly_groups(t: ir.Table, predicate: Callable[[ir.Table], ir.BooleanValue], start: datetime,
                   end: datetime) -> list[tuple[datetime, datetime, Any]]:
    rows = t.filter(predicate(t) & (t.ChargePeriodEnd > start) & (t.ChargePeriodStart < end))
    groups = (rows.group_by(["ChargePeriodStart", "ChargePeriodEnd"]).agg(cost=exact_cost(rows.ListCost).sum())
              .order_by(["ChargePeriodStart", "ChargePeriodEnd"]))
    return [(s, e, c) for s, e, c in _records(groups.to_pandas())]


def prepared_queries(charges: ir.Table, owner: OwnerSpec = None) -> IbisQueries:
    """The report's and the what-if's questions asked of `charges` (owner: as `commitment_report` takes it)."""
    return IbisQueries(_prepared(charges, owner))


def commitment_report(charges: ir.Table, *, rules: Sequence[EligibilityRule] = DEFAULT_RULES,
                      owner: OwnerSpec = None, periods: Sequence[date] | None = None) -> CommitmentReport:
    """Utilisation, coverage and savings per commitment, per commitment type, and per owner, for each period.

    `periods` (billing period starts) limits the rows read; by default every period in the table.
    """
    t = _prepared(charges, owner)
    if periods is not None:
        t = t.filter(t[X_PERIOD].isin(list(periods)))
    return report_of(IbisQueries(t), rules)


def hourly_spend(charges: ir.Table, predicate: Callable[[ir.Table], ir.BooleanValue], start: datetime,
                 end: datetime) -> pd.Series:
    """ListCost per hour in [start, end) of the rows the predicate keeps; a row spanning n hours adds 1/n to each."""
    spend = spread_hourly(_hourly_groups(charges, predicate, start, end), start, end)
    return pd.Series(spend, index=pd.date_range(start, periods=len(spend), freq="h"), name="list_cost")


def recommend_commitment(
    charges: ir.Table, *, commitment_type: str = SAVINGS_PLAN, rules: Sequence[EligibilityRule] = DEFAULT_RULES,
    lookback_days: int = 30, target_coverage: float = 0.8, discount: float | None = None,
    as_of: date | None = None, method: Literal["coverage", "percentile"] = "coverage",
    percentile: float | None = None,
) -> CommitmentRecommendation:
    """The hourly commitment of `commitment_type` that reaches `target_coverage` over the trailing window.

    The window is the `lookback_days` before the end of `as_of` (default: the end of the last eligible row),
    clipped to the first eligible row. `discount` defaults to the one observed on the type's Used rows in the
    window (1 - EffectiveCost / ListCost).
    """
    (result,) = recommend_commitments(charges, commitment_type=commitment_type, rules=rules,
                                      lookback_days=[lookback_days], target_coverage=target_coverage,
                                      discount=discount, as_of=as_of, method=method, percentile=percentile)
    if isinstance(result, InputError):
        raise result
    return result


def recommend_commitments(
    charges: ir.Table, *, commitment_type: str = SAVINGS_PLAN, rules: Sequence[EligibilityRule] = DEFAULT_RULES,
    lookback_days: Sequence[int] = (30,), target_coverage: float = 0.8, discount: float | None = None,
    as_of: date | None = None, method: Literal["coverage", "percentile"] = "coverage",
    percentile: float | None = None,
) -> list[CommitmentRecommendation | InputError]:
    """`recommend_commitment` for several lookbacks at once (see `commitment_model.recommendations_of`)."""
    return recommendations_of(prepared_queries(charges), commitment_type=commitment_type, rules=rules,
                              lookback_days=lookback_days, target_coverage=target_coverage, discount=discount,
                              as_of=as_of, method=method, percentile=percentile)
