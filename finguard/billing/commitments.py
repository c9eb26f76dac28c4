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
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from ibis.common.deferred import Deferred
from pydantic import BaseModel, ConfigDict, Field

from finguard.billing.config import UNALLOCATED
from finguard.billing.schema import X_PERIOD
from finguard.errors import InputError

HOURS_PER_MONTH = 730
SAVINGS_PLAN = "Savings Plan"
RESERVED_INSTANCE = "Reserved Instance"
EXACT = dt.Decimal(38, 12)
_HOUR = pd.Timedelta(hours=1)

OwnerSpec = str | Deferred | Callable[[ir.Table], ir.Value] | None
"""A column name, an Ibis deferred (`ibis._.x_Tags["team"]`) or a function of the table; None: SubAccountId."""


def exact_cost(value: ir.NumericValue) -> ir.DecimalValue:
    """A float64 cost as DECIMAL(38, 12) via its shortest decimal text, so sums are exact and engine-independent."""
    return value.cast(dt.string).cast(EXACT)


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


# --------------------------------------------------------------------------------------------------------------
# The report.


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


def _check_columns(t: ir.Table, rules: Sequence[EligibilityRule]) -> None:
    needed = set().union(*(r.columns() for r in rules)) if rules else set()
    missing = sorted(needed - set(t.columns))
    if missing:
        raise InputError(f"eligibility rules use columns the charges table lacks: {', '.join(missing)}")


def _used_values(t: ir.Table, rules: Sequence[EligibilityRule], cids: ir.BooleanValue | None = None
                 ) -> dict[str, pd.DataFrame]:
    """Per commitment, the distinct values of every `same_as_used` column on its Used rows (one small query)."""
    cols = sorted(set().union(*(r.same_as_used for r in rules))) if rules else []
    if not cols:
        return {}
    used = t.filter((t._status == "Used") & (t._cid != ""))
    if cids is not None:
        used = used.filter(cids)
    frame = used.select("_cid", *cols).distinct().to_pandas()
    return {str(k): g.drop(columns="_cid") for k, g in frame.groupby("_cid", sort=True)}


def _rule_predicate(t: ir.Table, rule: EligibilityRule, used: pd.DataFrame | None) -> ir.BooleanValue:
    pred: ir.BooleanValue = ibis.literal(True)
    for col, values in sorted(rule.match.items()):
        pred &= t[col].isin(values)
    if rule.same_as_used:
        if used is None or used.empty:
            return ibis.literal(False)
        combos = used[rule.same_as_used].drop_duplicates()
        options = []
        for row in combos.itertuples(index=False):
            part: ir.BooleanValue = ibis.literal(True)
            for col, value in zip(rule.same_as_used, row, strict=True):
                part &= t[col].isnull() if _missing(value) else (t[col] == value)
            options.append(part)
        pred &= ibis.or_(*options)
    return pred


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _usage(t: ir.Table) -> ir.BooleanValue:
    """Usage rows that are consumption, not the unused part of some commitment."""
    return (t.ChargeCategory == "Usage") & (t._status != "Unused")


def commitment_report(charges: ir.Table, *, rules: Sequence[EligibilityRule] = DEFAULT_RULES,
                      owner: OwnerSpec = None, periods: Sequence[date] | None = None) -> CommitmentReport:
    """Utilisation, coverage and savings per commitment, per commitment type, and per owner, for each period.

    `periods` (billing period starts) limits the rows read; by default every period in the table.
    """
    t = _prepared(charges, owner)
    _check_columns(t, rules)
    if periods is not None:
        t = t.filter(t[X_PERIOD].isin(list(periods)))
    catalogue = (t.filter(t._cid != "").group_by("_cid")
                 .agg(name=t.CommitmentDiscountName.max(), type=t.CommitmentDiscountType.max(),
                      category=t.CommitmentDiscountCategory.max())
                 .order_by("_cid").to_pandas())
    currencies = t.select("BillingCurrency").distinct().to_pandas()["BillingCurrency"].dropna().tolist()
    if len(currencies) > 1:
        raise InputError(f"charges are in several currencies ({', '.join(sorted(currencies))}): "
                         "commitment figures need one")
    currency = currencies[0] if currencies else None
    commitments = [(str(r["_cid"]), _str(r["name"]), _str(r["type"]), _str(r["category"]))
                   for _, r in catalogue.iterrows()]
    if not commitments:
        return CommitmentReport(currency=currency, periods=[], commitments=[], by_type=[], by_owner=[],
                                warnings=["no commitment discounts (CommitmentDiscountId) in the charges"])
    chosen = {cid: rules_for(cid, ctype, rules) for cid, _, ctype, _ in commitments}
    used_vals = _used_values(t, [r for rs in chosen.values() for r in rs])
    usage = _usage(t)
    eligible: dict[str, ir.BooleanValue] = {}
    warnings: list[str] = []
    for cid, *_ in commitments:
        covered = (t._cid == cid) & (t._status == "Used") & (t.ChargeCategory == "Usage")
        preds = [_rule_predicate(t, r, used_vals.get(cid)) for r in chosen[cid]]
        if not chosen[cid]:
            warnings.append(f"{cid}: no eligibility rule applies; only the usage it covered counts as eligible")
        eligible[cid] = usage & ibis.or_(covered, *preds).fill_null(False)
    types = sorted({ctype for _, _, ctype, _ in commitments if ctype})

    aggs: dict[str, Any] = {}
    for i, (cid, *_rest) in enumerate(commitments):
        mine = t._cid == cid
        covered = mine & (t._status == "Used") & (t.ChargeCategory == "Usage")
        unused = mine & (t._status == "Unused")
        both = covered | unused
        el = eligible[cid]
        aggs |= {f"fee_{i}": t._billed.sum(where=mine & (t.ChargeCategory == "Purchase")),
                 f"used_{i}": t._eff.sum(where=covered), f"unused_{i}": t._eff.sum(where=unused),
                 f"cov_{i}": t._list.sum(where=covered), f"ellist_{i}": t._list.sum(where=el),
                 f"eleff_{i}": t._eff.sum(where=el), f"elod_{i}": t._billed.sum(where=el & ~covered),
                 f"first_{i}": t.ChargePeriodStart.min(where=both), f"last_{i}": t.ChargePeriodEnd.max(where=both)}
    for j, ctype in enumerate(types):
        ids = [cid for cid, _, ct, _ in commitments if ct == ctype]
        mine = t._cid.isin(ids)
        covered = mine & (t._status == "Used") & (t.ChargeCategory == "Usage")
        unused = mine & (t._status == "Unused")
        el = ibis.or_(*(eligible[c] for c in ids))
        aggs |= {f"tfee_{j}": t._billed.sum(where=mine & (t.ChargeCategory == "Purchase")),
                 f"tused_{j}": t._eff.sum(where=covered), f"tunused_{j}": t._eff.sum(where=unused),
                 f"tcov_{j}": t._list.sum(where=covered), f"tellist_{j}": t._list.sum(where=el),
                 f"teleff_{j}": t._eff.sum(where=el), f"telod_{j}": t._billed.sum(where=el & ~covered)}
    relevant = (t._cid != "") | ibis.or_(*eligible.values())
    cube = t.filter(relevant).group_by([X_PERIOD, "_owner"]).agg(**aggs).to_pandas()
    cube[X_PERIOD] = [_as_date(v) for v in cube[X_PERIOD]]
    cube = cube.sort_values([X_PERIOD, "_owner"]).reset_index(drop=True)
    period_list = sorted(set(cube[X_PERIOD]))

    results: list[CommitmentResult] = []
    by_owner: list[OwnerCommitmentResult] = []
    for i, (cid, name, ctype, category) in enumerate(commitments):
        cols = {k: f"{k}_{i}" for k in ("fee", "used", "unused", "cov", "ellist", "eleff", "elod")}
        per: list[CommitmentPeriodResult] = []
        for period, rows in cube.groupby(X_PERIOD, sort=True):
            sums = _sums(rows, cols)
            first, last = _min_ts(rows[f"first_{i}"]), _max_ts(rows[f"last_{i}"])
            if not any(sums.values()) and first is None:
                continue
            hours = (last - first) / _HOUR if first is not None and last is not None else None
            per.append(CommitmentPeriodResult(period=period, hours=hours,
                                              hourly_commitment=_hourly(sums, hours), **_figures(sums)))
            for _, row in rows.iterrows():
                osums = _sums(row.to_frame().T, cols)
                if any(osums.values()):
                    by_owner.append(OwnerCommitmentResult(period=period, owner=row["_owner"], commitment_id=cid,
                                                          **_figures(osums)))
        total = _sums(cube, cols)
        first, last = _min_ts(cube[f"first_{i}"]), _max_ts(cube[f"last_{i}"])
        hours = (last - first) / _HOUR if first is not None and last is not None else None
        discount = float(1 - total["used"] / total["cov"]) if total["cov"] else None
        results.append(CommitmentResult(
            id=cid, name=name, type=ctype, category=category, rules=chosen[cid],
            first_hour=first.to_pydatetime() if first is not None else None,
            end=last.to_pydatetime() if last is not None else None, hours=hours,
            hourly_commitment=_hourly(total, hours), discount=discount, periods=per, **_figures(total)))
    by_type: list[TypeCoverageResult] = []
    for j, ctype in enumerate(types):
        cols = {k: f"t{k}_{j}" for k in ("fee", "used", "unused", "cov", "ellist", "eleff", "elod")}
        for period, rows in cube.groupby(X_PERIOD, sort=True):
            sums = _sums(rows, cols)
            if any(sums.values()):
                by_type.append(TypeCoverageResult(period=period, type=ctype, **_figures(sums)))
    return CommitmentReport(currency=currency, periods=period_list, commitments=results, by_type=by_type,
                            by_owner=by_owner, warnings=warnings)


def _str(value: Any) -> str | None:
    return None if _missing(value) or value == "" else str(value)


def _as_date(value: Any) -> date:
    # DuckDB returns dates, Spark (through pandas) timestamps.
    return value.date() if isinstance(value, datetime) else pd.Timestamp(value).date()


def _sums(rows: pd.DataFrame, cols: dict[str, str]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for key, col in cols.items():
        vals = [v for v in rows[col] if v is not None and not (isinstance(v, float) and math.isnan(v))]
        out[key] = sum((Decimal(v) if not isinstance(v, Decimal) else v for v in vals), Decimal(0))
    return out


def _min_ts(values: pd.Series) -> pd.Timestamp | None:
    vals = pd.to_datetime(values).dropna()
    return None if vals.empty else vals.min()


def _max_ts(values: pd.Series) -> pd.Timestamp | None:
    vals = pd.to_datetime(values).dropna()
    return None if vals.empty else vals.max()


def _hourly(sums: dict[str, Decimal], hours: float | None) -> float | None:
    if not hours:
        return None
    return float((sums["used"] + sums["unused"]) / Decimal(repr(hours)))


def _figures(s: dict[str, Decimal]) -> dict[str, Any]:
    used, unused, el_list = s["used"], s["unused"], s["ellist"]
    net = el_list - s["eleff"] - unused
    return {"fee": float(s["fee"]), "used_effective_cost": float(used), "unused_cost": float(unused),
            "covered_list_cost": float(s["cov"]), "eligible_list_cost": float(el_list),
            "eligible_effective_cost": float(s["eleff"]), "eligible_on_demand_cost": float(s["elod"]),
            "net_savings": float(net),
            "utilisation": float(used / (used + unused)) if used + unused else None,
            "coverage": float(s["cov"] / el_list) if el_list else None,
            "effective_savings_rate": float(net / el_list) if el_list else None}


# --------------------------------------------------------------------------------------------------------------
# What-if.


def hourly_spend(charges: ir.Table, predicate: Callable[[ir.Table], ir.BooleanValue], start: datetime,
                 end: datetime) -> pd.Series:
    """ListCost per hour in [start, end) of the rows the predicate keeps; a row spanning n hours adds 1/n to each."""
    t = charges
    rows = t.filter(predicate(t) & (t.ChargePeriodEnd > start) & (t.ChargePeriodStart < end))
    groups = (rows.group_by(["ChargePeriodStart", "ChargePeriodEnd"]).agg(cost=exact_cost(rows.ListCost).sum())
              .to_pandas())
    n_hours = int((pd.Timestamp(end) - pd.Timestamp(start)) / _HOUR)
    out = np.zeros(n_hours)
    if not groups.empty:
        s = ((pd.to_datetime(groups["ChargePeriodStart"]) - pd.Timestamp(start)) / _HOUR).to_numpy()
        e = ((pd.to_datetime(groups["ChargePeriodEnd"]) - pd.Timestamp(start)) / _HOUR).to_numpy()
        lo, hi = np.floor(s).astype(np.int64), np.ceil(e).astype(np.int64)
        hi = np.maximum(hi, lo + 1)
        span = hi - lo
        cost = np.array([float(c) for c in groups["cost"]]) / span
        idx = np.repeat(lo, span) + (np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span))
        vals = np.repeat(cost, span)
        keep = (idx >= 0) & (idx < n_hours)
        np.add.at(out, idx[keep], vals[keep])
    return pd.Series(out, index=pd.date_range(start, periods=n_hours, freq="h"), name="list_cost")


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
    """`recommend_commitment` for several lookbacks at once: the eligibility rules, the data's bounds and the
    hourly spend (of the widest window; a narrower one is its tail) are read once, not once per lookback. A
    lookback that cannot be recommended (no eligible usage, no discount to observe) gets its InputError."""
    if not 0 < target_coverage <= 1:
        raise InputError(f"target coverage {target_coverage} must be in (0, 1]")
    for days in lookback_days:
        if days < 1:
            raise InputError(f"lookback_days {days} must be >= 1")
    t = _prepared(charges, None)
    chosen = [r for r in rules if r.commitment_id is None and r.commitment_type == commitment_type] or \
        [r for r in rules if r.commitment_id is None and r.commitment_type is None]
    if not chosen:
        raise InputError(f"no eligibility rule for {commitment_type!r} commitments")
    _check_columns(t, chosen)
    of_type = t.CommitmentDiscountType == commitment_type
    used_frames = _used_values(t, chosen, of_type)
    used_all = pd.concat(used_frames.values(), ignore_index=True) if used_frames else None
    if any(r.same_as_used for r in chosen) and used_all is None:
        raise InputError(f"the {commitment_type!r} eligibility rule matches on the values of Used rows "
                         "(same_as_used), and there are none: give a rule with `match` instead")
    preds = [_rule_predicate(t, r, used_all) for r in chosen]

    def eligible(tab: ir.Table) -> ir.BooleanValue:
        covered = of_type & (tab._status == "Used")
        return _usage(tab) & (covered | ibis.or_(*preds)).fill_null(False)

    bounds = t.filter(eligible(t)).agg(first=t.ChargePeriodStart.min(), last=t.ChargePeriodEnd.max()).to_pandas()
    if bounds.empty or pd.isna(bounds["first"].iloc[0]):
        raise InputError(f"no usage eligible for {commitment_type!r} commitments in the charges")
    data_first = pd.Timestamp(bounds["first"].iloc[0]).floor("h")
    end = (pd.Timestamp(as_of) + pd.Timedelta(days=1)) if as_of is not None else \
        pd.Timestamp(bounds["last"].iloc[0]).ceil("h")
    starts = {days: max(end - pd.Timedelta(days=days), data_first) for days in lookback_days}
    widest = min(starts.values())
    all_spend = hourly_spend(t, eligible, widest.to_pydatetime(), end.to_pydatetime()).to_numpy() \
        if widest < end else np.zeros(0)
    out: list[CommitmentRecommendation | InputError] = []
    for days in lookback_days:
        start = starts[days]
        if start >= end:
            out.append(InputError(f"no eligible usage before {end:%Y-%m-%d %H:%M}"))
            continue
        spend = all_spend[int((start - widest) / _HOUR):]
        try:
            out.append(_recommendation(t, of_type, chosen, commitment_type, days, start, end, spend,
                                       target_coverage, discount, method, percentile))
        except InputError as exc:
            out.append(exc)
    return out


def _recommendation(t: ir.Table, of_type: ir.BooleanValue, chosen: list[EligibilityRule], commitment_type: str,
                    lookback_days: int, start: pd.Timestamp, end: pd.Timestamp, spend: np.ndarray,
                    target_coverage: float, discount: float | None, method: Literal["coverage", "percentile"],
                    percentile: float | None) -> CommitmentRecommendation:
    """One lookback's what-if from its hourly eligible spend and the commitment's own rows in the window."""
    window = t.filter(of_type & (t._status.isin(["Used", "Unused"])) & (t.ChargePeriodStart >= start.to_pydatetime())
                      & (t.ChargePeriodStart < end.to_pydatetime()))
    held = window.agg(used_list=window._list.sum(where=window._status == "Used"),
                      used_eff=window._eff.sum(where=window._status == "Used"),
                      total_eff=window._eff.sum()).to_pandas().iloc[0]
    used_list, used_eff, total_eff = (Decimal(0) if _missing(held[k]) else Decimal(held[k])
                                      for k in ("used_list", "used_eff", "total_eff"))
    if discount is None:
        if not used_list:
            raise InputError(f"no {commitment_type!r} usage in the window to observe a discount from: give discount")
        rate, source = float(1 - used_eff / used_list), "observed"
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
    current = float(total_eff) / n
    return CommitmentRecommendation(
        commitment_type=commitment_type, rules=chosen, method=method, window_start=start.to_pydatetime(),
        window_end=end.to_pydatetime(), lookback_days=lookback_days, hours=n, eligible_list_cost=total,
        mean_hourly_spend=total / n, target_coverage=target,
        percentile=100.0 * float((spend <= level * (1 + 1e-12)).mean()),
        discount=rate, discount_source=source, list_level=level, hourly_commitment=commitment,
        current_hourly_commitment=current, additional_hourly_commitment=max(0.0, commitment - current),
        expected_coverage=float(covered.sum() / total) if total > 0 else 0.0,
        expected_utilisation=float(covered.sum() / (level * n)) if level > 0 else 0.0,
        break_even_utilisation=1.0 - rate, monthly_commitment_cost=commitment * HOURS_PER_MONTH,
        expected_monthly_savings=HOURS_PER_MONTH * (float(covered.mean()) - commitment),
    )



# --------------------------------------------------------------------------------------------------------------
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
