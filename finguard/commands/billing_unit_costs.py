"""`finguard billing unit-costs`: allocated cost per unit of a business metric, and what moved it.

The metrics CSV (date, owner, metric, value) comes from `--metrics` or `billing.unit_costs.metrics` in
finguard.yml (relative to that file). Metric rows outside the billed days are left out (a day without cost data
is not a free day); the change attribution compares, per metric, the last complete bucket (day, week or month)
with the one before, so a run in the middle of a month compares the last two full months.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from finguard.commands.billing import (
    _config,
    _db,
    _periods,
    _session,
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
    from finguard.billing.store import BillingStore
    from finguard.billing.unit_costs import UnitEconomics

NAME = "unit_costs"


def metrics_file(config: BillingConfig, config_path: Path | None, given: Path | None = None) -> Path | None:
    """--metrics as given (relative to the working directory), else the configured file relative to finguard.yml
    (the job runs from anywhere, the config travels with its metrics)."""
    if given is not None:
        return given
    configured = config.unit_costs.metrics
    if not configured:
        return None
    path = Path(configured)
    return path if path.is_absolute() or config_path is None else config_path.parent / path


def compute(store: BillingStore, engine: Engine, config: BillingConfig, *, periods: list[date],
            currency: str | None = None, as_of: date | None = None, config_path: Path | None = None,
            metrics: Path | None = None, grain: str | None = None, metric: str | None = None) -> UnitEconomics | None:
    """Unit costs and change attribution over the allocated cost; None when no metrics file is configured.

    Optional inputs default to None: `billing report` calls every job's compute() and takes a required
    argument it cannot fill as "nothing to work on"."""
    from finguard.billing.unit_costs import (
        BusinessMetrics,
        UnitEconomics,
        attribute_change,
        bucket_of,
        last_complete_buckets,
        read_metrics,
        unit_costs,
    )
    from finguard.commands.billing import allocated_relation

    source = metrics_file(config, config_path, metrics)
    if source is None:
        return None
    data = read_metrics(source)
    if metric is not None and metric not in data.metrics:
        raise InputError(f"metric {metric!r} is not in the file (it has: {', '.join(data.metrics)})",
                         where=str(source))
    chosen_grain: Any = grain or config.unit_costs.grain
    daily, allocation = allocated_relation(store, engine, config, periods, currency)
    first_billed, last_billed = _day_range(daily)
    if first_billed is None or last_billed is None:
        raise InputError("no allocated cost to divide: the billing store holds no charges in the chosen periods")
    last = min(as_of, last_billed) if as_of is not None else last_billed
    wanted = [r for r in data.rows if metric is None or r.metric == metric]
    rows = [r for r in wanted if first_billed <= r.date <= last]
    if not rows:
        raise InputError(f"no metric rows between {first_billed} and {last}, the days with billed cost "
                         f"(the file covers {min(r.date for r in wanted)} to {max(r.date for r in wanted)})",
                         where=str(source))
    notes = []
    if len(rows) < len(wanted):
        cut = " up to --as-of" if last < last_billed else ""
        notes.append(f"{len(wanted) - len(rows):,} metric row(s) outside {first_billed} to {last} (the billed days"
                     f"{cut}) left out")
    window = BusinessMetrics(source=data.source, rows=rows)
    gauges = config.unit_costs.gauges
    report = unit_costs(daily, window, grain=chosen_grain, metric=metric, gauges=gauges)
    if report.owners_without_cost:
        notes.append(f"no allocated cost for owner(s) {', '.join(report.owners_without_cost)}: check the owner "
                     f"names in the metrics file against the {allocation.owner_dimension} values")
    changes = []
    for name in [metric] if metric is not None else window.metrics:
        days = [r.date for r in rows if r.metric == name]
        base, current = last_complete_buckets(max(days), chosen_grain)
        if min(days) > base[1]:
            notes.append(f"{name}: fewer than two complete {chosen_grain}s of data (first day {min(days)}): "
                         "no change attribution")
            continue
        if bucket_of(min(days), chosen_grain) == base[0] and min(days) > base[0]:
            notes.append(f"{name}: the base {chosen_grain} starting {base[0]} holds data from {min(days)} only")
        changes.append(attribute_change(daily, window, metric=name, base=base, current=current,
                                        gauge=name in gauges))
    return UnitEconomics(currency=allocation.currency, cost_metric=allocation.cost,
                         owner_dimension=allocation.owner_dimension, metrics_file=str(source), grain=chosen_grain,
                         metric=metric, first_day=min(r.date for r in rows), last_day=max(r.date for r in rows),
                         report=report, changes=changes, notes=notes)


def _day_range(daily: Any) -> tuple[date | None, date | None]:
    """First and last day of the allocated table (a Relation): one small query."""
    from finguard.commands.billing_budgets import _day

    lo, hi = daily.rows("SELECT min(day), max(day) FROM {t}")[0]
    return _day(lo), _day(hi)


@click.command("unit-costs")
@common
@period_option
@currency_option
@as_of_option
@click.option("--metrics", "metrics_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Business metrics CSV (date,owner,metric,value). Default: billing.unit_costs.metrics in "
                   "finguard.yml, relative to that file.")
@click.option("--grain", type=click.Choice(["day", "week", "month"]),
              help="Bucket size (default: billing.unit_costs.grain, month).")
@click.option("--metric", help="Report only this metric (default: every metric in the file).")
@out_option
@json_option
def command(db: Path | None, engine_name: str | None, config_path: Path | None, periods: tuple[str, ...],
            currency: str | None, as_of: datetime | None, metrics_path: Path | None, grain: str | None,
            metric: str | None, out: Path | None, as_json: bool) -> None:
    """Allocated cost per unit of each business metric (per request, per customer) by owner and bucket, its
    trend, and the last complete bucket's cost change split into volume and efficiency."""
    config, path = _config(config_path)
    if metrics_file(config, path, metrics_path) is None:
        raise InputError("no business metrics: give --metrics CSV or set billing.unit_costs.metrics in finguard.yml")
    with _session(_db(db, config, path), engine_name or config.engine, create=False) as (store, engine):
        result = compute(store, engine, config, periods=_periods(periods), currency=currency,
                         as_of=as_of.date() if as_of else None, config_path=path, metrics=metrics_path,
                         grain=grain, metric=metric)
    assert result is not None  # a metrics file was found above
    emit(NAME, result, result.currency, out, as_json)
