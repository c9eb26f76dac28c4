"""`finguard billing anomalies`: spikes, level shifts and drifts in daily allocated cost, with root-cause hints.

The scheduled workflow runs it daily with `--fail-on-anomaly` and alerts on exit 1. Series are the daily cost
per `billing.anomalies.by` keys (default service x account x owner), summed in the engine; the detector is
`finguard.billing.anomalies.detect`, which scores each day from the days before it only, so a day's verdict does
not change when later data arrives (only an unconfirmed kind may).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
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
from finguard.commands.billing_budgets import _day

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from finguard.billing.anomalies import Anomaly, AnomalyReport, Columns
    from finguard.billing.config import BillingConfig
    from finguard.billing.engine import Engine
    from finguard.billing.store import BillingStore

NO_KEY = "(none)"  # a null key value (e.g. no SubAccountId): a series of its own, named so in every format
NO_RESOURCE = "(no resource)"
ROOT_CAUSE_HISTORY_DAYS = 28 + 7  # detect() compares the anomaly window with the 28 days before its onset
# x_Extra keys (source columns kept by ingest) that name a usage type, most specific first
USAGE_EXTRAS = ("line_item_usage_type", "lineItem/UsageType", "x_UsageType", "UsageType", "MeterName", "meterName",
                "sku.description", "sku_description")


@click.command("anomalies")
@common
@period_option
@currency_option
@as_of_option
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Report anomalies detected on or after this day (default: the last billing.anomalies."
                   "report_days days of data, 14 unless configured). Earlier days still form the baselines.")
@out_option
@json_option
@click.option("--fail-on-anomaly", is_flag=True, help="Exit 1 when any anomaly is reported (files are written first).")
def command(db: Path | None, engine_name: str | None, config_path: Path | None, periods: tuple[str, ...],
            currency: str | None, as_of: datetime | None, since: datetime | None, out: Path | None, as_json: bool,
            fail_on_anomaly: bool) -> None:
    """Find cost anomalies in the daily allocated cost per service, account and owner (billing.anomalies.by):
    spikes, level shifts and drifts, each with its impact per day, total impact, score and the resources and
    usage types that drove it.

    Detection settings (sensitivity, min_impact in currency per day, ...) come from billing.anomalies in
    finguard.yml.

    Exit codes: 0 done (anomalies or not, without --fail-on-anomaly), 1 an anomaly was reported with
    --fail-on-anomaly, 2 bad input or configuration.
    """
    config, path = _config(config_path)
    with _session(_db(db, config, path), engine_name or config.engine, create=False) as (store, engine):
        report = compute(store, engine, config, periods=_periods(periods), currency=currency, as_of=as_of,
                         since=since)
    emit("anomalies", report, report.currency, out, as_json)
    if fail_on_anomaly and report.anomalies:
        click.echo(f"finguard: {len(report.anomalies)} cost anomal{'y' if len(report.anomalies) == 1 else 'ies'} "
                   f"since {report.since}", err=True)
        raise SystemExit(1)


def compute(store: BillingStore, engine: Engine, config: BillingConfig, *, periods: list[date] | None = None,
            currency: str | None = None, as_of: date | None = None, since: date | None = None) -> AnomalyReport:
    """Anomalies detected from `since` (default: the last `report_days` days) through `as_of` (default, and at
    most: the last day with allocated cost) in every daily series of allocated cost keyed by
    `config.anomalies.by`. Days after `as_of` are not read, so a past day is judged as the job judged it then."""
    from finguard.billing.anomalies import AnomalyReport, detect

    job = config.anomalies
    keys = list(dict.fromkeys(job.by))
    allocated_daily, allocation = allocated_relation(store, engine, config, periods or [], currency)
    daily = _daily_series(allocated_daily, keys, _day(as_of))
    if len(daily["date"]) == 0:
        return AnomalyReport(as_of=None, since=_day(since), keys=keys, series_count=0, currency=allocation.currency)
    last = daily["date"].max().astype(date)
    day = min(_day(as_of) or last, last)  # an --as-of past the data (a lagging export) means its last day
    first = _day(since) or day - timedelta(days=job.report_days - 1)
    series_count = len(set(zip(*(daily[k].tolist() for k in keys), strict=True)))
    found = detect(daily, keys, job, since=first)
    if found:  # again on the flagged series only, now with their charges' resources and usage types
        flagged = _flagged_series(daily, keys, found)
        detail = _detail(store, engine, config, allocation.currency, periods or [], keys, found, day)
        found = detect(flagged, keys, job, detail=detail, since=first)
    return AnomalyReport(as_of=day, since=first, keys=keys, series_count=series_count, anomalies=found,
                         currency=allocation.currency)


NOT_USAGE = ("Recurring", "One-Time")


def _daily_series(allocated_daily: Any, keys: list[str], as_of: date | None) -> Columns:
    """(keys..., date, cost) as numpy columns: allocated cost per series and day, summed in DuckDB, through `as_of`
    (`allocated_daily`: a Relation of the store, or an Ibis table, read through one). No pandas: a day without
    anomalies (the usual one) never imports it."""
    from finguard.billing.store import Relation, quoted

    rel = Relation.of(allocated_daily)
    # usage only: recurring fees, support and tax land on the 1st of every month by design, and one-time
    # charges (credits, refunds, upfront purchases) are events of the bill, not of usage; both would read as
    # monthly spikes and page someone every month
    fixed = ", ".join(f"'{v}'" for v in NOT_USAGE)
    where = f"(ChargeFrequency IS NULL OR ChargeFrequency NOT IN ({fixed}))"
    params: list[Any] = []
    if as_of is not None:
        where += " AND day <= ?"
        params.append(as_of)
    names = [f"coalesce(CAST({quoted(k)} AS VARCHAR), '{NO_KEY}') AS {quoted(k)}" for k in keys]
    # in no particular order: detect() numbers the series by their sorted keys itself
    columns = rel.arrays(f"SELECT {', '.join([*names, 'day AS date', 'sum(cost) AS cost'])} FROM {{t}} WHERE {where} "
                         "GROUP BY ALL", params)
    columns["date"] = columns["date"].astype("datetime64[D]")  # DuckDB hands dates over in microseconds
    return columns


def _flagged_series(daily: Columns, keys: list[str], found: list[Anomaly]) -> pd.DataFrame:
    """The rows of the series with an anomaly, each still reaching the frame's last day: series are scored
    independently and missing days count as $0 up to that day, so they score exactly as in the whole frame."""
    import pandas as pd

    wanted = pd.DataFrame([a.key for a in found]).drop_duplicates()
    whole = pd.DataFrame(daily)
    sub = whole.merge(wanted, on=keys, how="inner")
    last = whole["date"].max()
    ends = sub.groupby(keys, dropna=False)["date"].max().reset_index()
    short = ends[ends["date"] < last][keys]
    if not short.empty:
        sub = pd.concat([sub, short.assign(date=last, cost=0.0)], ignore_index=True)
    return sub


def _detail(store: BillingStore, engine: Engine, config: BillingConfig, currency: str, periods: list[date],
            keys: list[str], found: list[Anomaly], as_of: date) -> pd.DataFrame:
    """(keys..., date, ResourceId, usage, cost) of the charges behind the flagged series, from the root-cause
    baseline of the earliest anomaly through `as_of`: what detect() needs to name the lines that moved.

    Owners come from the same allocation rules as allocated_daily. Shared-pool charges are split among owners
    there, so with `owner` among the keys they have no owner of their own and are left out here (the hint then
    names direct charges only); without it they count like any other charge."""
    import pandas as pd

    from finguard.billing.allocate import labelled, scoped
    from finguard.billing.config import UNALLOCATED

    rows = labelled(scoped(store.charges(engine), currency=currency, periods=periods or None), config.allocation)
    start = min(a.date for a in found) - timedelta(days=ROOT_CAUSE_HISTORY_DAYS)
    rows = rows.filter((rows.day >= start) & (rows.day <= as_of))
    if "owner" in keys:
        rows = rows.filter(rows.pool.isnull())
        rows = rows.mutate(owner=rows.owner.fill_null(UNALLOCATED))
    rows = rows.mutate(**{k: rows[k].cast("string").fill_null(NO_KEY) for k in keys})
    for k in keys:  # a superset of the flagged series; detect() maps each row to its exact series
        rows = rows.filter(rows[k].isin(sorted({str(a.key[k]) for a in found})))
    rows = rows.mutate(ResourceId=rows.ResourceId.cast("string").nullif("").fill_null(NO_RESOURCE),
                       usage=_usage(rows))
    agg = rows.group_by([*keys, "day", "ResourceId", "usage"]).agg(cost=rows.cost.sum())
    frame = agg.to_pandas().rename(columns={"day": "date"})
    frame["date"] = pd.to_datetime(frame["date"]).dt.normalize()
    return frame


def _usage(t: ir.Table) -> ir.StringValue:
    """What a charge line is: the source's usage type when the export had one, else FOCUS's description of it
    (ChargeDescription, then SkuMeter, SkuId, ChargeCategory)."""
    import ibis

    choices: list[Any] = []
    if "x_Extra" in t.columns:
        choices += [t.x_Extra.get(key) for key in USAGE_EXTRAS]
    choices += [t[c].cast("string").nullif("") for c in ("ChargeDescription", "SkuMeter", "SkuId", "ChargeCategory")
                if c in t.columns]
    return ibis.coalesce(*choices).fill_null("(unknown)") if choices else ibis.literal("(unknown)")
