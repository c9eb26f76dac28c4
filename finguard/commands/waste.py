"""`finguard waste`: idle and oversized AWS resources, what fixing each saves, and what earlier fixes realised.

boto3 (live scans), DuckDB/Ibis (--db) and jinja2 (html) are imported only when the run needs them.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from finguard.commands.param_types import FiniteFloatRange
from finguard.errors import UsageError

if TYPE_CHECKING:
    from finguard.cli import Settings
    from finguard.config import FinguardConfig
    from finguard.waste.engine import Selection
    from finguard.waste.inventory import Inventory

FORMATS = ("table", "json", "markdown", "csv", "html")


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+00:00]",
                                 param_hint="--as-of") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _kinds_help() -> str:
    from finguard.waste.detections import detections

    lines = []
    for kind, d in detections().items():
        settings = d.Settings().model_dump()
        settings.pop("enabled", None)
        thresholds = ", ".join(f"{k}={v}" for k, v in settings.items()) or "no thresholds"
        lines.append(f"{kind} ({d.title})\n  rule: {d.rule()}\n  finguard.yml waste.{d.field_name()}: {thresholds}")
    return "\n\n".join(lines) + "\n"


@click.command("waste")
@click.option("--region", "regions", multiple=True, metavar="REGION",
              help="Region to scan (repeatable). Live: default waste.regions, else AWS_REGION / the profile's. "
                   "--inventory: default every region directory.")
@click.option("--inventory", "inventory_dir", type=click.Path(path_type=Path),
              help="Read saved AWS CLI outputs from this directory instead of live AWS (one directory per "
                   "region holding ec2-describe-volumes.json, ...; see the README).")
@click.option("--profile", help="AWS profile for a live scan (default: AWS_PROFILE or the default chain).")
@click.option("--save-inventory", "save_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Live scan: also write what was read as a saved inventory (for --inventory later).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND", help="Only these kinds (repeatable; --list-kinds).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="finguard.yml (default: found in the current directory or a parent).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="Billing store (DuckDB): billed cost and owner per resource, and where findings are kept "
                   "across runs (first/last seen, resolved, realised savings). Default: billing.db in "
                   "finguard.yml or FINGUARD_BILLING_DB, when set; else nothing is stored.")
@click.option("--currency", help="Billing currency, when the store holds several.")
@click.option("--terraform", "terraform_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="`terraform show -json` of a state or plan, or a terraform.tfstate (repeatable): remediation "
                   "names the Terraform address and file:line of managed resources.")
@click.option("--tf-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The .tf code of --terraform (default: the directory of each state or plan file).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to this file.")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Judge ages as of this time (default: now, or the saved inventory's collected_at).")
@click.option("--min-savings", type=FiniteFloatRange(min=0, max=1e12), metavar="USD",
              help="Hide findings saving less per month (default waste.min_monthly_savings).")
@click.option("--fail-on-savings", type=FiniteFloatRange(min=0, max=1e12), metavar="USD",
              help="Exit 1 when the known monthly savings reach USD (the report is written first).")
@click.option("--no-metrics", is_flag=True, help="Live scan: skip CloudWatch (metric-based kinds are not judged).")
@click.option("--list-kinds", is_flag=True, help="Print every kind with its rule and thresholds, and exit.")
@click.pass_obj
def waste(settings: Settings, regions: tuple[str, ...], inventory_dir: Path | None, profile: str | None,
          save_dir: Path | None, kinds: tuple[str, ...], config_path: Path | None, db: Path | None,
          currency: str | None, terraform_files: tuple[Path, ...], tf_dir: Path | None, fmt: str, out: Path | None,
          as_of: str | None, min_savings: float | None, fail_on_savings: float | None, no_metrics: bool,
          list_kinds: bool) -> None:
    """Find idle and oversized AWS resources and price what fixing each saves per month.

    \b
    Kinds: unattached-volume, orphaned-snapshot, idle-ip, idle-load-balancer, idle-nat-gateway,
    stopped-instance, oversized-instance, oversized-database, previous-generation, gp2-volume.

    Evidence comes from live AWS (read-only boto3 calls, several regions, CloudWatch utilisation) or from
    saved AWS CLI outputs (--inventory DIR). Savings are list prices from the catalog in each resource's own
    region (a missing price is shown as missing, never $0), or billed cost when --db holds the resource. With
    --db, findings are kept with first/last seen dates; a later run marks vanished ones resolved and reports
    the savings they realised.

    Exit codes: 0 done, 1 --fail-on-savings reached, 2 bad input, credentials or configuration.
    """
    if list_kinds:
        click.echo(_kinds_help(), nl=False)
        return
    from finguard.config import find_config, load_config
    from finguard.waste.engine import scan, select

    config_file = config_path or find_config(Path.cwd())
    config = load_config(config_file)
    if min_savings is not None:
        config.waste.min_monthly_savings = min_savings
    if no_metrics:
        config.waste.metrics.enabled = False
    selection = select(config, list(kinds) or None)
    if not selection.run:
        raise UsageError("every waste kind is disabled or left out: nothing to judge")
    when = _as_of(as_of)
    pricer = _pricer(settings)
    if inventory_dir is not None:
        if save_dir is not None or profile is not None:
            raise UsageError("--save-inventory and --profile apply to live scans, not to --inventory")
        inventory = _saved(inventory_dir, list(regions), selection, when)
    else:
        inventory = _live(list(regions), profile, config, selection, pricer, when, save_dir)
    store_path = _store_path(db, config)
    terraform = None
    if terraform_files:
        from finguard.waste.terraform import TerraformIndex

        terraform = TerraformIndex.load(list(terraform_files), tf_dir)
    if store_path is None:
        report = scan(inventory, config, pricer, selection, terraform=terraform)
    else:
        report = _with_store(store_path, inventory, config, pricer, selection, terraform, currency)
    from finguard.waste.formats import renderer

    text = renderer(fmt)(report)
    if out is None:
        click.echo(text, nl=False)
    else:
        from finguard.cli import _write

        _write(text, out)
    if fail_on_savings is not None and report.summary.monthly_savings >= fail_on_savings:
        click.echo(f"finguard: waste saving {report.summary.monthly_savings:,.2f} USD/month reaches "
                   f"--fail-on-savings {fail_on_savings:,.2f}", err=True)
        sys.exit(1)


def _pricer(settings: Settings) -> Any:
    from finguard.waste.savings import Pricer

    return Pricer(settings.catalog())


def _saved(directory: Path, regions: list[str], selection: Selection, when: datetime | None) -> Inventory:
    from finguard.waste.engine import needed_collections
    from finguard.waste.saved import load_inventory

    needed_by: dict[str, list[str]] = {}
    for d in selection.run:
        for c in d.needs:
            needed_by.setdefault(c, []).append(d.kind)

    return load_inventory(directory, regions=regions, collections=needed_collections(selection),
                          needed_by=needed_by, as_of=when)


def _live(regions: list[str], profile: str | None, config: FinguardConfig, selection: Selection, pricer: Any,
          when: datetime | None, save_dir: Path | None) -> Inventory:
    try:
        import boto3  # noqa: F401
    except ImportError:
        raise UsageError("live scans need boto3: pip install 'finguard[aws]' (or use --inventory DIR)") from None
    from finguard.waste.detections import Context
    from finguard.waste.engine import needed_collections
    from finguard.waste.live import collect, resolve_regions, save_inventory

    waste = config.waste
    scan_regions = resolve_regions(regions, waste.regions, profile)
    now = when or datetime.now(UTC)

    def context(detection: Any) -> Context:
        return Context(now=now, settings=waste.settings_for(detection.kind), lookback_days=waste.lookback_days,
                       pricer=pricer)

    from finguard.progress import step_lines

    click.echo(f"finguard: scanning {', '.join(scan_regions)} (read-only)", err=True)
    # one step per region: a bar on a terminal, a line per region in logs
    with step_lines("waste scan", total=len(scan_regions), advance=True) as say:
        inventory, raw = collect(scan_regions, profile=profile, collections=needed_collections(selection),
                                 detections=selection.run, context=context, metrics=waste.metrics,
                                 lookback_days=waste.lookback_days, now=now,
                                 progress=lambda msg: say(f"finguard: {msg}"))
    if save_dir is not None:
        written = save_inventory(raw, save_dir)
        click.echo(f"finguard: saved the inventory ({len(written)} files) to {save_dir}", err=True)
    return inventory


def _store_path(db: Path | None, config: FinguardConfig) -> Path | None:
    """--db, else billing.db (relative to finguard.yml), else FINGUARD_BILLING_DB; None: keep nothing."""
    import os

    if db is not None:
        return db
    if config.billing.db is not None:
        return config.resolve(config.billing.db)
    env = os.environ.get("FINGUARD_BILLING_DB")
    return Path(env) if env else None


def _with_store(path: Path, inventory: Inventory, config: FinguardConfig, pricer: Any, selection: Selection,
                terraform: Any, currency: str | None) -> Any:
    """Scan with the store's billed costs and owners, then keep the findings in it."""
    try:
        from finguard.billing.store import BillingStore
    except ImportError:
        raise UsageError("--db needs the billing extra: pip install 'finguard[billing]'") from None
    from finguard.waste.engine import billing_keys, resources_of, scan
    from finguard.waste.savings import billed_costs
    from finguard.waste.store import record

    with BillingStore(path, create=True) as store:
        billed, _ = billed_costs(store, config.billing, billing_keys(inventory), inventory.collected_at, currency)
        report = scan(inventory, config, pricer, selection, billing=billed, terraform=terraform)
        judged = {k.kind for k in report.kinds if k.judged}
        record(store, config.billing, report, scanned=set(resources_of(inventory)), judged_kinds=judged,
               currency=currency)
        if not billed and store.count():
            report.warnings.append(f"{path}: no billed charge matches a scanned resource id (list prices used)")
        return report
