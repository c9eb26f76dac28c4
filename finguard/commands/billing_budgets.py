"""`finguard billing budgets`: month- or quarter-to-date spend of each budget, projected to the period's end.

The scheduled workflow runs it daily with `--fail-on-over` and alerts on exit 1. Budgets live in finguard.yml
(`billing.budgets`) or in a file given with `--budgets`; the judging itself is `finguard.billing.budgets`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
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
    from finguard.billing.budgets import BudgetReport
    from finguard.billing.config import BillingConfig
    from finguard.billing.engine import Engine
    from finguard.billing.job_config import BudgetsConfig
    from finguard.billing.store import BillingStore

NO_BUDGETS = ("no budgets configured: add `budgets:` under `billing:` in finguard.yml (a `budgets:` list of name, "
              "amount and selectors such as owner or service), or pass --budgets FILE (YAML or JSON)")


@click.command("budgets")
@common
@period_option
@currency_option
@as_of_option
@click.option("--budgets", "budgets_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Budgets file (YAML or JSON, the schema of billing.budgets); replaces billing.budgets of "
                   "finguard.yml.")
@out_option
@json_option
@click.option("--fail-on-over", is_flag=True,
              help="Exit 1 when any budget is projected over its over_pct (files are written first).")
def command(db: Path | None, engine_name: str | None, config_path: Path | None, periods: tuple[str, ...],
            currency: str | None, as_of: datetime | None, budgets_file: Path | None, out: Path | None,
            as_json: bool, fail_on_over: bool) -> None:
    """Judge every budget on --as-of: actual spend so far in its month or quarter, the projection to the
    period's end at the recent (same-weekday) run rate, the variance, and a status (ok, at_risk, over).

    Budgets come from `billing.budgets` in finguard.yml, or from --budgets FILE, which replaces them.

    Exit codes: 0 judged (or over without --fail-on-over), 1 a budget is over with --fail-on-over,
    2 bad input or configuration (no budgets, a typo in the budgets file, no billing store).
    """
    config, path = _config(config_path)
    if budgets_file is not None:
        from finguard.billing.budgets import load_budgets

        config = config.model_copy(update={"budgets": load_budgets(budgets_file)})
    if config.budgets is None:
        raise InputError(NO_BUDGETS, where=str(path) if path else None)
    with _session(_db(db, config, path), engine_name or config.engine, create=False) as (store, engine):
        report = compute(store, engine, config, periods=_periods(periods), currency=currency, as_of=as_of)
    if report is None:  # not reached: budgets are configured
        raise InputError(NO_BUDGETS)
    emit("budgets", report, report.currency or "USD", out, as_json)
    if fail_on_over:
        from finguard.billing.budgets import budgets_exceeded

        if budgets_exceeded(report):
            over = [r.name for r in report.results if r.status == "over"]
            click.echo(f"finguard: {len(over)} budget(s) projected over: {', '.join(over)}", err=True)
            raise SystemExit(1)


def compute(store: BillingStore, engine: Engine, config: BillingConfig, *, periods: list[date] | None = None,
            currency: str | None = None, as_of: date | None = None) -> BudgetReport | None:
    """Every budget of `config.budgets` judged on `as_of` (default: the last day with allocated cost) over the
    allocated daily table; None when no budgets are configured (the combined report then leaves them out)."""
    from finguard.billing.budgets import evaluate_budgets

    budgets: BudgetsConfig | None = config.budgets
    if budgets is None:
        return None
    wanted = currency or budgets.currency
    daily, allocation = allocated_relation(store, engine, config, periods or [], wanted)
    if budgets.currency and budgets.currency != allocation.currency:
        raise InputError(f"the budgets are in {budgets.currency} but the allocated cost is in "
                         f"{allocation.currency}: set the budgets' currency to {allocation.currency}")
    day = _day(as_of) or last_day(daily) or datetime.now(UTC).date()
    report = evaluate_budgets(daily, budgets, day)
    return report.model_copy(update={"currency": allocation.currency})


def last_day(daily: Any) -> date | None:
    """The last day with allocated cost (the default --as-of of the jobs): a Relation or an Ibis table."""
    from finguard.billing.store import Relation

    if isinstance(daily, Relation):
        return _day(daily.rows("SELECT max(day) FROM {t}")[0][0])
    return _day(daily.agg(last=daily.day.max()).to_pandas().iloc[0]["last"])


def _day(value: Any) -> date | None:
    """A date from what the CLI (datetime), the report (date) or an engine (date, Timestamp, NaT) hands over."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return None if value != value else value.date()  # pandas' NaT is a datetime unequal to itself
    if isinstance(value, date):
        return value
    import pandas as pd

    return None if pd.isna(value) else pd.Timestamp(value).date()
