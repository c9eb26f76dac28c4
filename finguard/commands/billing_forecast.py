"""`finguard billing forecast`: month-end and next-months cost forecasts per owner (and total), with intervals
and a back-test of how well the model did on the last complete months."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from finguard.commands.billing import (
    _config,
    _db,
    _periods,
    _session,
    allocated_relation,
    as_of_option,
    common,
    currency_option,
    emit,
    json_option,
    out_option,
    period_option,
)
from finguard.errors import InputError

if TYPE_CHECKING:
    from finguard.billing.config import BillingConfig
    from finguard.billing.engine import Engine
    from finguard.billing.forecast import ForecastReport
    from finguard.billing.store import BillingStore

HISTORY_DAYS = 90  # days of actual cost the report carries for its chart
NOT_KEYS = ("day", "billing_period", "cost")  # allocated_daily columns a series cannot be keyed by
FIXED = ("Recurring", "One-Time")  # ChargeFrequency of charges billed on set days, not accrued with usage
NONE = "(none)"  # a null key value (e.g. no ServiceName), so series keys stay JSON strings


@click.command("forecast")
@common
@period_option
@currency_option
@as_of_option
@click.option("--horizon", type=int, metavar="N",
              help="Months to forecast after the current one, 1-24 (default: billing.forecast.horizon_months, 3).")
@click.option("--by", "by", multiple=True, metavar="KEY",
              help="Series key (repeatable): owner, ServiceName, SubAccountId, ProviderName, BillingAccountId, "
                   "or an allocation dimension such as environment (default: billing.forecast.by, owner). "
                   "The total over all series is always forecast too.")
@click.option("--backtest/--no-backtest", "run_backtest", default=None,
              help="Hold out the last complete months and score month-total forecasts on them (default: on, "
                   "billing.forecast.backtest_months months, 3).")
@out_option
@json_option
def command(db: Path | None, engine_name: str | None, config_path: Path | None, periods: tuple[str, ...],
            currency: str | None, as_of: datetime | None, horizon: int | None, by: tuple[str, ...],
            run_backtest: bool | None, out: Path | None, as_json: bool) -> None:
    """Forecast allocated cost to the end of the current month and N months ahead, per owner and in total.

    Intervals are quantiles of simulated future paths (ETS on daily cost, weekly seasonality, damped trend);
    short histories fall back to simpler models and each series names the model it used. The back-test
    forecasts each of the last complete months from the history before it and reports MAPE. Exit codes:
    0 written, 2 bad input (unknown --by key, --as-of outside the data, empty store).
    """
    config, path = _config(config_path)
    if horizon is not None and not 1 <= horizon <= 24:
        raise InputError(f"--horizon {horizon}: give 1 to 24 months")
    with _session(_db(db, config, path), engine_name or config.engine, create=False) as (store, engine):
        report = compute(store, engine, config, periods=_periods(periods), currency=currency,
                         as_of=as_of.date() if as_of else None, by=by or None, horizon=horizon,
                         backtest=run_backtest)
    emit("forecast", report, report.currency, out, as_json)


def compute(store: BillingStore, engine: Engine, config: BillingConfig, *, periods: list[date],
            currency: str | None = None, as_of: date | None = None, by: Sequence[str] | None = None,
            horizon: int | None = None, backtest: bool | None = None) -> ForecastReport:
    """The forecast of the stored allocation (re-allocating when its inputs changed), for the command and the
    combined report; `by`, `horizon` and `backtest` default to billing.forecast in finguard.yml."""
    from finguard.billing.forecast import ForecastReport, forecast
    from finguard.billing.forecast import backtest as run_backtest

    job = config.forecast
    daily, allocation = allocated_relation(store, engine, config, periods, currency)
    keys = series_keys(list(by) if by else list(job.by), daily.columns, config.allocation.owner)
    whole = daily_frame(daily, keys)
    fixed_list = ", ".join(f"'{f}'" for f in FIXED)
    frame = daily_frame(daily, keys, f"ChargeFrequency IS NULL OR ChargeFrequency NOT IN ({fixed_list})")
    recurring = daily_frame(daily, keys, "ChargeFrequency = 'Recurring'")
    one_time = daily_frame(daily, keys, "ChargeFrequency = 'One-Time'")
    if whole.empty:
        raise InputError("no allocated cost to forecast in the chosen periods: ingest billing data first")
    first, last = whole["date"].min().date(), whole["date"].max().date()
    as_of = as_of or last
    if as_of > last:
        raise InputError(f"--as-of {as_of} is after the last day with data ({last}): the gap would read as $0")
    if as_of < first:
        raise InputError(f"--as-of {as_of} is before the first day with data ({first})")
    months = horizon or job.horizon_months
    notes: list[str] = []  # short histories are noted per series by the model ladder (SeriesForecast.note)
    if frame.empty:
        raise InputError("no usage-based cost to forecast in the chosen periods (only recurring or one-time "
                         "charges)")
    try:
        forecasts = forecast(frame, keys, as_of, months, job)
    except ValueError as exc:  # the library's checks on its input, phrased for the user
        raise InputError(f"cannot forecast: {exc}") from None
    fixed = not recurring.empty or not one_time.empty
    if fixed:
        add_fixed_charges(forecasts, recurring, one_time, keys, as_of)
    result = None
    why = ""
    holdout = job.backtest_months if backtest is None else (job.backtest_months or 3) if backtest else 0
    history = frame[frame["date"] <= _timestamp(as_of)]  # never score against days after as_of
    for months_held in range(holdout, 0, -1):  # as many of the asked months as the history has
        try:
            result = run_backtest(history, keys, months_held, job)
        except ValueError as exc:
            why = str(exc)
            continue
        if months_held < holdout:
            notes.append(f"back-test held out {months_held} month(s), not {holdout}: the history before {as_of} "
                         f"has only {months_held} complete month(s) after its first one")
        break
    if holdout and result is None:
        notes.append(f"back-test skipped: {why}")
    if fixed:
        notes.append("the model forecasts usage-based cost by day; recurring charges (fees, support, tax) are "
                 "added per month at their latest monthly amount, and one-time charges count only as billed; "
                 "the back-test scores usage-based cost")
    return ForecastReport(as_of=as_of, keys=keys, currency=allocation.currency, horizon_months=months,
                          levels=list(job.levels), history=_history(whole, as_of), forecasts=forecasts,
                          backtest=result, notes=notes)


def add_fixed_charges(forecasts: list[Any], recurring: Any, one_time: Any, keys: list[str], as_of: date) -> None:
    """Add the charges a daily model cannot see coming (billed on set days, e.g. the 1st) to each month.

    Recurring: the month-to-date amount when this month's has been billed, else last month's, in the current
    month's end and every month ahead. One-time: only what was billed this month. Intervals shift by the same
    amount (a known charge adds no uncertainty). An "other" series gets the charges of the series it holds.
    Each amount is one group-by per frame and window, looked up per series (not a filter per series)."""
    import pandas as pd

    month = pd.Timestamp(as_of.replace(day=1))
    previous = month - pd.DateOffset(months=1)
    end = pd.Timestamp(as_of)

    def sums(frame: Any, start: Any, stop: Any) -> tuple[dict[tuple[Any, ...], float], float]:
        if frame.empty:
            return {}, 0.0
        rows = frame[(frame["date"] >= start) & (frame["date"] <= stop)]
        if rows.empty:
            return {}, 0.0
        per_key = rows.groupby(keys, sort=False)["cost"].sum() if keys else pd.Series(dtype=float)
        by_key = {(k if isinstance(k, tuple) else (k,)): float(v) for k, v in per_key.items()}
        return by_key, float(rows["cost"].sum())

    windows = {"this": sums(recurring, month, end), "last": sums(recurring, previous, month - pd.Timedelta(days=1)),
               "once": sums(one_time, month, end)}

    def amount(window: str, f: Any) -> float:
        by_key, whole = windows[window]
        if f.total:
            return whole
        members = f.rollup.keys if f.rollup is not None else [f.key]
        return sum(by_key.get(tuple(m.get(k) for k in keys), 0.0) for m in members)

    for f in forecasts:
        this_month = amount("this", f)
        carried = this_month or amount("last", f)
        billed = this_month + amount("once", f)
        f.month_to_date = round(f.month_to_date + billed, 2)  # cents, as forecast() gives them
        f.month_end.actual_to_date = round(f.month_end.actual_to_date + billed, 2)
        _shift(f.month_end, billed + (0.0 if this_month else carried))
        for p in f.months:
            if p.month == f.month_end.month:
                continue
            _shift(p, carried)


def _shift(period: Any, extra: float) -> None:
    period.forecast += extra
    for interval in period.intervals:
        interval.lower += extra
        interval.upper += extra


def series_keys(wanted: list[str], columns: Sequence[str], owner_dimension: str) -> list[str]:
    """allocated_daily columns for the --by values: a column itself, or an allocation dimension's name (the
    owner dimension is `owner`, any other `tag_<name>`); an unknown key is an InputError naming the known ones."""
    known = [c for c in columns if c not in NOT_KEYS]
    out: list[str] = []
    for key in wanted:
        column = key if key in known else "owner" if key == owner_dimension else f"tag_{key}"
        if column not in known:
            names = [c for c in known if not c.startswith("tag_")] + [c[4:] for c in known if c.startswith("tag_")]
            raise InputError(f"--by {key!r} is not a series key; use one of: {', '.join(names)}")
        if column not in out:
            out.append(column)
    return out


def daily_frame(daily: Any, keys: list[str], where: str = "true") -> Any:
    """Cost per (day, keys) of the rows `where` holds, summed in DuckDB, as pandas with `date`, the keys and `cost`
    (`daily`: allocated_daily as a Relation; an Ibis table is read through one)."""
    import pandas as pd

    from finguard.billing.store import Relation, quoted

    rel = Relation.of(daily)
    names = [f"coalesce(CAST({quoted(k)} AS VARCHAR), '{NONE}') AS {quoted(k)}" for k in keys]
    frame = rel.frame(f"SELECT day AS date, {', '.join([*names, 'sum(cost) AS cost'])} FROM {{t}} "
                      f"WHERE {where} GROUP BY ALL")
    frame["date"] = pd.to_datetime(frame["date"]).dt.normalize()
    frame["cost"] = frame["cost"].astype(float)
    return frame.sort_values(["date", *keys]).reset_index(drop=True)


def _timestamp(day: date) -> Any:
    import pandas as pd

    return pd.Timestamp(day)


def _history(frame: Any, as_of: date) -> list[Any]:
    """The total's last HISTORY_DAYS days up to as_of, $0 on days without rows."""
    import pandas as pd

    from finguard.billing.forecast import DailyCost

    total = frame[frame["date"] <= pd.Timestamp(as_of)].groupby("date")["cost"].sum()
    start = max(total.index.min(), pd.Timestamp(as_of) - pd.Timedelta(days=HISTORY_DAYS - 1))
    total = total.reindex(pd.date_range(start, as_of, freq="D"), fill_value=0.0)
    return [DailyCost(date=d.date(), cost=round(float(v), 2)) for d, v in total.items()]
