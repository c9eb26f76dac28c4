"""`finguard billing reconcile-estimates`: how close a saved plan estimate came to what its resources were billed.

The estimate is a breakdown saved by `finguard breakdown PLAN --format json --out FILE`; matching and scoring
are finguard.billing.estimates' (address tag, resource ids, tags; settings under `billing.estimates`). The
window defaults to the 30 days after the breakdown's `generated_at` (from the next day: the change is applied
after it is estimated), cut at the last day the store has charges for, so a run a week after the change
normalises the unmatched spend over the week it saw, not over 30 days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from pydantic import BaseModel, Field

from finguard.commands.billing import _config, _db, _session, common, currency_option, emit, json_option, out_option
from finguard.errors import InputError, read_text

if TYPE_CHECKING:
    from finguard.billing.config import BillingConfig
    from finguard.billing.engine import Engine
    from finguard.billing.estimates import EstimateAccuracy
    from finguard.billing.store import BillingStore
    from finguard.model import ProjectCost

NAME = "estimates"
WINDOW_DAYS = 30


class EstimateReconciliation(BaseModel):
    """One saved estimate against the bill: where it came from, the totals compared, and the per-resource score
    (`accuracy`, finguard.billing.estimates.EstimateAccuracy)."""

    estimate_file: str
    estimated_at: datetime | None = Field(description="the breakdown's generated_at")
    currency: str
    window_defaulted: bool = Field(description="the window came from generated_at, not --start/--end")
    estimated_monthly: float = Field(description="the breakdown's total monthly cost")
    matched_estimated_monthly: float = Field(description="sum of the estimates that found billed rows (> 0)")
    matched_actual_monthly: float = Field(description="what those resources were billed, per 730-hour month")
    accuracy: EstimateAccuracy  # resolved by `reconciliation_model()`: importing it here would load ibis


def reconciliation_model() -> type[EstimateReconciliation]:
    """The model, complete: its `accuracy` type lives in a module this CLI module must not import at start-up."""
    from finguard.billing.estimates import EstimateAccuracy

    EstimateReconciliation.model_rebuild(_types_namespace={"EstimateAccuracy": EstimateAccuracy})
    return EstimateReconciliation


def read_estimate(path: Path) -> tuple[ProjectCost, datetime | None]:
    """The breakdown (validated: bad JSON or schema is an input error naming the file and the JSON path) and its
    generated_at, which `read_breakdown` drops but the default window needs."""
    import json

    from finguard.report.json_format import read_breakdown

    text = read_text(path)
    project = read_breakdown(text, str(path))
    stamp = json.loads(text).get("generated_at")
    if stamp is None:
        return project, None
    try:
        return project, datetime.fromisoformat(str(stamp))
    except ValueError:
        raise InputError(f"invalid breakdown at $.generated_at: {stamp!r} is not an ISO 8601 timestamp",
                         where=str(path)) from None


def compute(store: BillingStore, engine: Engine, config: BillingConfig, *, estimate: Path,
            currency: str | None = None, start: date | None = None, end: date | None = None,
            as_of: date | None = None) -> EstimateReconciliation:
    """Match and score the saved estimate against the store's charges in the window."""
    import pandas as pd

    from finguard.billing.allocate import single_currency
    from finguard.billing.estimates import compare_estimates
    from finguard.billing.tags import with_tags

    project, stamp = read_estimate(estimate)
    charges = with_tags(store.charges(engine))
    wanted = currency or config.currency
    if wanted is None and project.currency in store.currencies():
        wanted = project.currency
    chosen = single_currency(charges, wanted)
    if chosen != project.currency:
        raise InputError(f"the estimate is in {project.currency} but the billed rows are in {chosen}: they cannot "
                         "be compared", where=str(estimate))
    charges = charges.filter(charges.BillingCurrency == chosen)
    if start is None:
        if stamp is None:
            raise InputError("the breakdown has no generated_at timestamp: give --start", where=str(estimate))
        start = stamp.date() + timedelta(days=1)
    defaulted = end is None
    if end is None:
        last = charges.aggregate(last=charges.ChargePeriodStart.max()).to_pandas()["last"].iloc[0]
        if pd.isna(last):
            raise InputError("the billing store holds no charges: run `finguard billing ingest FILE...` first")
        last_day = pd.Timestamp(last).date()
        if as_of is not None:
            last_day = min(last_day, as_of)
        if last_day < start:
            raise InputError(f"no billed data from {start} on (the charges end on {last_day}): ingest a later "
                             "export, or give --start/--end", where=str(estimate))
        end = min(start + timedelta(days=WINDOW_DAYS - 1), last_day)
    accuracy = compare_estimates(project, charges, start=start, end=end, config=config.estimates)
    scored = [c for c in accuracy.resources if c.matched_by and c.estimated_monthly and c.estimated_monthly > 0]
    return reconciliation_model()(
        estimate_file=str(estimate), estimated_at=stamp, currency=chosen, window_defaulted=defaulted,
        estimated_monthly=float(project.monthly_cost),
        matched_estimated_monthly=sum(c.estimated_monthly or 0.0 for c in scored),
        matched_actual_monthly=sum(c.actual_monthly or 0.0 for c in scored), accuracy=accuracy)


@click.command("reconcile-estimates")
@click.argument("estimate", metavar="ESTIMATE_JSON", type=click.Path(dir_okay=False, path_type=Path))
@common
@currency_option
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day of the window (default: the day after the estimate's generated_at).")
@click.option("--end", type=click.DateTime(formats=["%Y-%m-%d"]),
              help=f"Last day of the window (default: {WINDOW_DAYS} days from the start, or the last day with "
                   "charges if sooner).")
@out_option
@json_option
def command(estimate: Path, db: Path | None, engine_name: str | None, config_path: Path | None,
            currency: str | None, start: datetime | None, end: datetime | None, out: Path | None,
            as_json: bool) -> None:
    """Compare a saved breakdown (`finguard breakdown PLAN --format json --out ESTIMATE_JSON`) with what its
    resources were billed after the change: per-resource error, MAPE/WAPE/bias, and the spend nobody estimated."""
    config, path = _config(config_path)
    read_estimate(estimate)  # a bad file fails before the store is opened
    with _session(_db(db, config, path), engine_name or config.engine, create=False) as (store, engine):
        result = compute(store, engine, config, estimate=estimate, currency=currency,
                         start=start.date() if start else None, end=end.date() if end else None)
    emit(NAME, result, result.currency, out, as_json)
