"""Budgets: month- or quarter-to-date spend against an amount, projected to the period's end.

A budget selects rows of the allocated daily table (columns `day`, `owner`, `ProviderName`, `BillingAccountId`,
`SubAccountId`, `ServiceName`, `kind`, `pool`, `cost`) by owner, account, billing account, service, provider,
kind (direct/shared) or tag value; every given selector must match (AND), any listed value of one may (OR). A tag
budget (`tag: {env: [prod]}`) reads the column `tag_<key>` (`tag_env`), which the caller adds to the allocated
table (e.g. allocating by that tag); a missing column is an input error naming it.

How a budget is judged on `as_of`:

* The period is the calendar month, or the quarter (`fiscal_year_start_month` sets where quarters start), that
  contains `as_of`.
* **Actual** is the cost from the period's first day through `data_through`: the last day with data on or
  before `as_of` (exports lag a day or two; a lagging day is projected, never counted as $0).
* **Run rate**: over the trailing `lookback_days` (default 7) ending at `data_through` (clipped to the first day
  of data). Weekday-aware by default: each remaining day is projected at the mean cost of the same weekday in the
  lookback (with 7 days, exactly last week's same day), so a month ending on a weekend is not projected at
  weekday cost. With `weekday_aware: false`, or a lookback shorter than a week, every remaining day is projected
  at the lookback's mean daily cost.
* **Projected** = actual + the projection of the days after `data_through` to the period's last day.
* **Variance** = projected - amount (currency) and that over the amount (%).
* **Status** from projected / amount: >= `over_pct` (default 100) "over", >= `at_risk_pct` (default 90)
  "at_risk", else "ok". `budgets_exceeded` is the `--fail-on-over` test: any "over" (or, with
  `basis="actual"`, any budget whose actual already reached `over_pct`).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from finguard.billing.job_config import Budget, BudgetsConfig, RunRate
from finguard.errors import InputError, read_text

Status = Literal["ok", "at_risk", "over"]
TAG_PREFIX = "tag_"
# Budget selector -> column of the allocated daily table.
SELECTORS: dict[str, str] = {"owner": "owner", "account": "SubAccountId", "billing_account": "BillingAccountId",
                             "service": "ServiceName", "provider": "ProviderName", "kind": "kind"}


class BudgetResult(BaseModel):
    """One budget on `as_of`."""

    name: str
    period: Literal["monthly", "quarterly"]
    period_start: date
    period_end: date = Field(description="last day of the period (inclusive)")
    as_of: date
    data_through: date | None = Field(description="last day with data used (<= as_of)")
    amount: float
    actual: float
    projected: float
    remaining_days: int = Field(description="days after data_through to the period's end, projected")
    run_rate_daily: float = Field(description="mean projected cost per remaining day")
    run_rate_basis: str
    variance: float = Field(description="projected - amount")
    variance_pct: float
    actual_pct: float
    projected_pct: float
    at_risk_pct: float
    over_pct: float
    status: Status
    actual_over: bool = Field(description="actual alone has reached over_pct")


class BudgetReport(BaseModel):
    as_of: date
    currency: str | None
    data_through: date | None
    results: list[BudgetResult]
    warnings: list[str] = Field(default_factory=list)


def load_budgets(path: Path) -> BudgetsConfig:
    """Read and validate a budgets file; errors name the file and the failing field."""
    return parse_budgets(read_text(path), str(path))


def parse_budgets(text: str, source: str) -> BudgetsConfig:
    from finguard.config import parse_yaml_text  # bounded: aliases, depth, duplicate keys, NaN/Infinity

    data, _ = parse_yaml_text(text, source)
    if not isinstance(data, dict):
        raise InputError("expected a mapping with a `budgets` list", where=source)
    try:
        return BudgetsConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise InputError(f"invalid budgets config at ${loc}: {err['msg']}", where=source) from None


def period_bounds(as_of: date, period: Literal["monthly", "quarterly"], fiscal_year_start_month: int = 1
                  ) -> tuple[date, date]:
    """First and last day of the month or (fiscal) quarter containing `as_of`."""
    if period == "monthly":
        start = as_of.replace(day=1)
        months = 1
    else:
        offset = (as_of.month - fiscal_year_start_month) % 3
        y, m = as_of.year, as_of.month - offset
        if m < 1:
            y, m = y - 1, m + 12
        start = date(y, m, 1)
        months = 3
    y, m = start.year, start.month + months - 1
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return start, date(y, m, calendar.monthrange(y, m)[1])


def _predicate(columns: list[str], budget: Budget) -> tuple[str, list[Any]]:
    """The budget's row filter as DuckDB SQL and its parameters (a NULL value matches no listed value)."""
    from finguard.billing.store import quoted

    parts, params = [], []
    for field, column in SELECTORS.items():
        values = getattr(budget, field)
        if values is not None:
            if column not in columns:
                raise InputError(f"budget {budget.name!r} selects on {field}, but the allocated table has no "
                                 f"column {column!r}")
            parts.append(f"{quoted(column)} IN ({', '.join('?' for _ in values)})")
            params += list(values)
    for key, values in (budget.tag or {}).items():
        column = TAG_PREFIX + key
        if column not in columns:
            raise InputError(f"budget {budget.name!r} selects on tag {key!r}: add column {column!r} (the tag's "
                             "value) to the allocated daily table")
        parts.append(f"{quoted(column)} IN ({', '.join('?' for _ in values)})")
        params += list(values)
    return " AND ".join(parts) or "true", params


def evaluate_budgets(allocated: Any, config: BudgetsConfig, as_of: date) -> BudgetReport:
    """Every budget's actual, projection, variance and status on `as_of` (one aggregation over the table).

    `allocated` is the store's allocated_daily as a `Relation` (plain DuckDB SQL: the job imports neither Ibis nor
    pandas), or any Ibis table of the same columns."""
    from finguard.billing.store import Relation

    rel = Relation.of(allocated)
    columns = rel.columns
    for col in ("day", "cost"):
        if col not in columns:
            raise InputError(f"the allocated daily table has no column {col!r}")
    bounds = {b.name: period_bounds(as_of, b.period, config.fiscal_year_start_month) for b in config.budgets}
    predicates = [_predicate(columns, b) for b in config.budgets]
    span = rel.rows("SELECT min(day), max(day) FROM {t} WHERE day <= ?", [as_of])[0]
    data_first, data_through = _date_or_none(span[0]), _date_or_none(span[1])
    lookback_from = (data_through or as_of) - timedelta(days=config.run_rate.lookback_days)
    earliest = min(min(s for s, _ in bounds.values()), lookback_from)
    warnings: list[str] = []
    if data_through is None:
        warnings.append(f"no allocated cost on or before {as_of}")
    elif data_through < as_of:
        warnings.append(f"data ends {data_through}, before as_of {as_of}: the days after it are projected")
    sums = ", ".join(f"sum(cost) FILTER (WHERE {sql})" for sql, _ in predicates)
    params = [p for _, ps in predicates for p in ps]
    rows = rel.rows(f"SELECT day, {sums} FROM {{t}} WHERE day >= ? AND day <= ? GROUP BY day",
                    [*params, earliest, as_of])
    by_day = {_date_or_none(r[0]): r[1:] for r in rows}

    results = []
    for i, budget in enumerate(config.budgets):
        start, end = bounds[budget.name]
        series = {d: float(v[i] or 0.0) for d, v in sorted(by_day.items()) if d is not None}
        results.append(_judge(budget, config, as_of, start, end, series, data_first, data_through))
    return BudgetReport(as_of=as_of, currency=config.currency, data_through=data_through, results=results,
                        warnings=warnings)


def _date_or_none(value: Any) -> date | None:
    # DuckDB hands back dates (timestamps when the table held them); an empty aggregate None (pandas: NaT).
    if value is None or (isinstance(value, float) and math.isnan(value)) or value != value:
        return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else datetime.fromisoformat(str(value)).date()


def _judge(budget: Budget, config: BudgetsConfig, as_of: date, start: date, end: date, series: dict[date, float],
           data_first: date | None, data_through: date | None) -> BudgetResult:
    at_risk_pct, over_pct = config.thresholds(budget)
    last = data_through if data_through is not None else start - timedelta(days=1)
    last = max(min(last, as_of), start - timedelta(days=1))
    cost = {d: float(v) for d, v in series.items()}
    actual = sum(v for d, v in cost.items() if start <= d <= last)
    remaining = [last + timedelta(days=k) for k in range(1, (end - last).days + 1)]
    projected_rest, basis = _project(remaining, cost, last, data_first, config.run_rate)
    projected = actual + projected_rest
    amount = budget.amount
    projected_pct = 100.0 * projected / amount
    actual_pct = 100.0 * actual / amount
    status: Status = "over" if projected_pct >= over_pct else "at_risk" if projected_pct >= at_risk_pct else "ok"
    return BudgetResult(
        name=budget.name, period=budget.period, period_start=start, period_end=end, as_of=as_of,
        data_through=data_through, amount=amount, actual=actual, projected=projected,
        remaining_days=len(remaining), run_rate_daily=projected_rest / len(remaining) if remaining else 0.0,
        run_rate_basis=basis, variance=projected - amount, variance_pct=100.0 * (projected - amount) / amount,
        actual_pct=actual_pct, projected_pct=projected_pct, at_risk_pct=at_risk_pct, over_pct=over_pct,
        status=status, actual_over=actual_pct >= over_pct)


def _project(remaining: list[date], cost: dict[date, float], last: date, data_first: date | None,
             run_rate: RunRate) -> tuple[float, str]:
    """The projected cost of the remaining days, and how it was made."""
    if not remaining:
        return 0.0, "period complete"
    if data_first is None or last < data_first:
        return 0.0, "no data"
    lo = max(last - timedelta(days=run_rate.lookback_days - 1), data_first)
    window = [lo + timedelta(days=k) for k in range((last - lo).days + 1)]
    values = [cost.get(d, 0.0) for d in window]
    if run_rate.weekday_aware and len(window) >= 7:
        by_weekday = {w: _mean([v for d, v in zip(window, values, strict=True) if d.weekday() == w])
                      for w in range(7)}
        return (sum(by_weekday[d.weekday()] for d in remaining),
                f"same-weekday mean of the {len(window)} days to {last}")
    return _mean(values) * len(remaining), f"mean daily cost of the {len(window)} days to {last}"


def _mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def budgets_exceeded(results: BudgetReport | Sequence[BudgetResult], *,
                     basis: Literal["projected", "actual"] = "projected") -> bool:
    """True when a budget is over: projected at or past over_pct (default), or actual already past it."""
    items = results.results if isinstance(results, BudgetReport) else results
    if basis == "actual":
        return any(r.actual_over for r in items)
    return any(r.status == "over" for r in items)
