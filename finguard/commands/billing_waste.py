"""`finguard billing waste`: the waste findings the billing store keeps (written by `finguard waste --db`), open and
resolved, with the savings projected and realised; and the `waste` section of `finguard billing report`, present
only when a waste run has stored findings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from finguard.commands.billing import _config, _db, _session, common, json_option, out_option

if TYPE_CHECKING:
    from finguard.billing.config import BillingConfig
    from finguard.billing.engine import Engine
    from finguard.billing.store import BillingStore
    from finguard.waste.model import WasteReport


@click.command("waste")
@common
@out_option
@json_option
def command(db: Path | None, engine_name: str | None, config_path: Path | None, out: Path | None,
            as_json: bool) -> None:
    """Show the waste findings kept in the store: open ones as their last `finguard waste --db` run saw them,
    resolved ones with the savings they realised (from billed cost before and after, where billing reaches).

    Exit codes: 0 shown (or nothing stored yet), 2 bad input or configuration.
    """
    from finguard.commands.billing import emit

    config, path = _config(config_path)
    with _session(_db(db, config, path), "duckdb", create=False) as (store, engine):
        report = compute(store, engine, config)
    if report is None:
        click.echo("no waste findings in this store yet: run `finguard waste --db STORE` first")
        return
    emit("waste", report, report.currency, out, as_json)


def compute(store: BillingStore, engine: Engine, config: BillingConfig) -> WasteReport | None:
    """The stored findings as a WasteReport (None when no waste run has stored any)."""
    import json
    from datetime import UTC, datetime

    from finguard.waste.detections import detections
    from finguard.waste.engine import summarise_findings
    from finguard.waste.model import KindResult, WasteReport
    from finguard.waste.store import has_findings, last_run, open_findings, resolved, summarise

    if not has_findings(store):
        return None
    findings = open_findings(store)
    gone = resolved(store)
    run = last_run(store) or {}
    judged = set(json.loads(run.get("kinds") or "[]"))
    kinds = []
    for kind, d in detections().items():
        mine = [f for f in findings if f.kind == kind]
        kinds.append(KindResult(kind=kind, title=d.title, rule=d.rule(), judged=kind in judged or bool(mine),
                                reason=None if kind in judged or mine else "not judged by the last run",
                                findings=len(mine),
                                monthly_savings=round(sum(f.monthly_savings or 0.0 for f in mine if f.counted), 2)))
    as_of = run.get("as_of") or datetime.now(UTC)
    return WasteReport(
        generated_at=datetime.now(UTC).replace(microsecond=0),
        as_of=as_of.replace(tzinfo=UTC) if as_of.tzinfo is None else as_of,
        source=f"billing store {store.path} (last waste run: {run.get('source', '?')})",
        account_ids=sorted({f.account_id for f in findings if f.account_id}),
        regions=sorted(json.loads(run.get("regions") or "[]") or {f.region for f in findings}),
        lookback_days=0, summary=summarise_findings(findings), kinds=kinds, findings=findings, resolved=gone,
        realised=summarise(gone), store=str(store.path))
