"""`finguard billing report`: the scheduled job — allocate, then showback/chargeback, tag coverage and every job
section the configuration enables, written as one set of files for a CI artifact or a wiki page."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from finguard.commands.billing import (
    _config,
    _db,
    _periods,
    _session,
    allocated,
    as_of_option,
    common,
    currency_option,
    period_option,
)

if TYPE_CHECKING:
    from finguard.billing.config import BillingConfig
    from finguard.billing.engine import Engine
    from finguard.billing.store import BillingStore

# the order sections appear in; each has a finguard.commands.billing_<job> module with compute() and a section
JOBS = ("budgets", "anomalies", "forecast", "commitments", "unit_costs", "estimates", "waste")


@click.command("report")
@common
@period_option
@currency_option
@as_of_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory for billing.md, billing.json, billing.html, the CSV files and each job's files.")
@click.option("--title", help="Report title (default: 'billing' and the periods covered).")
@click.option("--skip", "skipped", multiple=True, type=click.Choice(JOBS),
              help="Leave out a job section (repeatable).")
@click.option("--estimate", "estimate", type=click.Path(dir_okay=False, path_type=Path),
              help="A saved `finguard breakdown --format json`: adds the estimate-vs-actual section.")
@click.option("--fail-on-over", is_flag=True, help="Exit 1 when a budget is projected over (files are written).")
def command(db: Path | None, engine_name: str | None, config_path: Path | None, periods: tuple[str, ...],
            currency: str | None, as_of: datetime | None, out: Path, title: str | None, skipped: tuple[str, ...],
            estimate: Path | None, fail_on_over: bool) -> None:
    """Allocate, then write showback/chargeback, tag coverage and the job sections (budgets, anomalies,
    forecast, commitments, unit costs, estimate vs actual, waste) into --out.

    A section is left out, with a line saying why, when its job has nothing to work on (no budgets
    configured, no commitment rows, no metrics file, no --estimate). Exit codes: 0 written, 1 a budget is
    over with --fail-on-over, 2 bad input or configuration.
    """
    config, path = _config(config_path)
    day = as_of.date() if as_of else None
    from finguard.progress import progress

    with _session(_db(db, config, path), engine_name or config.engine, create=False) as (store, engine), \
            progress("billing report", total=len(JOBS) + 2) as bar:
        bar.start("allocating")
        daily, allocation = allocated(store, engine, config, _periods(periods), currency)
        bar.start("showback and tag coverage")
        report = _showback_report(store, engine, config, daily, allocation, _periods(periods), title)
        results = _job_results(store, engine, config, set(skipped), step=bar.start, periods=_periods(periods),
                               currency=allocation.currency, as_of=day, config_path=path, estimate=estimate)
    written = write_report(report, results, out)
    click.echo(f"billing report {report.title}: billed {report.showback.billed:,.2f} {allocation.currency}, "
               f"unallocated {report.showback.unallocated:,.2f}; sections: "
               f"{', '.join(name for name, r in results.items() if r is not None) or 'showback only'}")
    for name, result in results.items():
        if result is None:
            click.echo(f"  {name}: skipped ({_why_skipped(name)})")
    click.echo(f"wrote {len(written)} file(s) to {out}")
    if not allocation.balanced:
        raise click.ClickException("reconciliation failed: allocated + unallocated != billed")
    if fail_on_over and results.get("budgets") is not None:
        from finguard.billing.budgets import budgets_exceeded

        if budgets_exceeded(results["budgets"]):
            raise SystemExit(1)


def _showback_report(store: BillingStore, engine: Engine, config: BillingConfig, daily: Any, allocation: Any,
                     periods: list[date], title: str | None) -> Any:
    """Showback of the stored allocation and tag coverage of the labelled charges (recomputed lazily)."""
    from finguard.billing.allocate import labelled, scoped
    from finguard.billing.coverage import tag_coverage
    from finguard.billing.showback import build_showback
    from finguard.report._billing import build_report

    showback = build_showback(daily, allocation)
    rows = labelled(scoped(store.charges(engine), currency=allocation.currency, periods=periods or None),
                    config.allocation)
    coverage = tag_coverage(rows, config.allocation, currency=allocation.currency)
    return build_report(showback, coverage, title=title)


def _job_results(store: BillingStore, engine: Engine, config: BillingConfig, skipped: set[str],
                 step: Callable[[str], None] | None = None, **available: Any) -> dict[str, Any]:
    """Each enabled job's result (None: nothing to work on), from its command module's compute()."""
    import importlib
    import importlib.util

    results: dict[str, Any] = {}
    for name in JOBS:
        if name in skipped or importlib.util.find_spec(f"finguard.commands.billing_{name}") is None:
            continue
        if step is not None:
            step(name.replace("_", " "))
        module = importlib.import_module(f"finguard.commands.billing_{name}")
        params = inspect.signature(module.compute).parameters
        kwargs = {k: v for k, v in available.items() if k in params}
        missing = [p.name for p in params.values() if p.kind is p.KEYWORD_ONLY and p.default is p.empty
                   and (kwargs.get(p.name) is None)]
        results[name] = None if missing else module.compute(store, engine, config, **kwargs)
    return results


def _why_skipped(name: str) -> str:
    return {"budgets": "no budgets in finguard.yml", "commitments": "no commitment rows in the data",
            "unit_costs": "no billing.unit_costs.metrics file", "estimates": "no --estimate given",
            "waste": "no waste findings stored (finguard waste --db)",
            }.get(name, "nothing to report")


def write_report(report: Any, results: dict[str, Any], out: Path) -> list[Path]:
    """billing.md/.json/.html with every section, showback and coverage CSVs, and each job's JSON and CSVs."""
    from finguard.report.billing_csv import write_csv
    from finguard.report.billing_html import render_billing
    from finguard.report.billing_json import render_billing as render_json
    from finguard.report.billing_markdown import render_billing as render_markdown
    from finguard.report.sections import section

    cur = report.showback.currency
    present = [(section(name), result) for name, result in results.items() if result is not None]
    out.mkdir(parents=True, exist_ok=True)
    written = write_csv(report.showback, out, report.coverage)
    markdown = render_markdown(report).rstrip("\n")
    markdown += "".join("\n\n" + sec.markdown(result, cur).strip("\n") for sec, result in present) + "\n"
    files = {"billing.md": markdown, "billing.json": render_json(report),
             "billing.html": render_billing(report, [sec.html(result, cur) for sec, result in present])}
    for sec, result in present:
        files[f"{sec.NAME}.json"] = result.model_dump_json(indent=2) + "\n"
        written += sec.write_csv(result, out)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    return written
