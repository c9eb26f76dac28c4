"""`finguard pricing rates`: build (or show) the effective-rate overlay from the organisation's own billing.

DuckDB and Ibis are imported only when the overlay is built, so `finguard --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from finguard.cli import Settings
    from finguard.pricing.rates import RateOverlay


@click.command(name="rates")
@click.option("--from-billing", "billing_db", type=click.Path(dir_okay=False, path_type=Path), metavar="DB",
              help="Billing store (DuckDB, from `finguard billing ingest`) to derive effective rates from. Without "
                   "it, the overlay already written is shown.")
@click.option("--lookback-days", type=click.IntRange(min=1, max=3660), default=90, show_default=True,
              help="Use the charges of this many days, up to the last charge period in the store.")
@click.option("--account", "accounts", multiple=True, metavar="ID",
              help="Only these billing accounts (repeatable; default: every account in the store).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the overlay (default: pricing.rates_file in finguard.yml, FINGUARD_RATES_FILE, "
                   "else rates.json beside the price catalog).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="finguard.yml (default: found in the current directory or a parent).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_obj
def rates(settings: Settings, billing_db: Path | None, lookback_days: int, accounts: tuple[str, ...],
          out: Path | None, config_path: Path | None, fmt: str) -> None:
    """Effective unit prices per catalog slot (and discount ratios per instance family and service) from the
    billing store, with their commitment coverage and provenance, stored beside the price catalog for
    `--rates effective`.

    \b
    Example:
      finguard billing ingest cur-2025-05.parquet cur-2025-06.parquet
      finguard pricing rates --from-billing .finguard/billing.duckdb --lookback-days 60
      finguard breakdown plan.json --rates effective
    """
    from finguard.config import find_config, load_config
    from finguard.pricing.rates import load_overlay, overlay_path, save_overlay

    config_file = config_path or find_config(Path.cwd())
    config = load_config(config_file)
    target = overlay_path(out, config.pricing, config_file, settings.catalog_path)
    if billing_db is None:
        overlay = load_overlay(target)
    else:
        from finguard.pricing.rates_derive import derive

        overlay = derive(billing_db, lookback_days=lookback_days, accounts=accounts,
                         catalog_path=settings.catalog_path)
        save_overlay(overlay, target)
        click.echo(f"wrote {target}: {len(overlay.slots)} slot rates, {len(overlay.ratios)} discount ratios", err=True)
    click.echo(overlay.dumps() if fmt == "json" else render_overlay(overlay, target), nl=False)


def render_overlay(overlay: RateOverlay, path: Path) -> str:
    """The overlay for people: provenance, what was left out and why, then every rate."""
    from finguard.pricing.rates import BASIS_LABELS
    from finguard.pricing.rates_derive import REASONS
    from finguard.report.table import _render

    p = overlay.provenance
    accounts = ", ".join(p.billing_accounts) or "none"
    period = f"{(p.period_start or '?')[:10]} .. {(p.period_end or '?')[:10]}" if p.period_start else "no usage"
    lines = [f" Effective rates: {path}",
             f" From {p.billing_db}: billing accounts {accounts} ({', '.join(p.providers) or '-'}), charges "
             f"{period} (lookback {p.lookback_days} days up to {p.window_end[:10]}), built {p.generated_at}",
             f" Rows: {p.rows_in_window} in the window; {p.rows_used} usage rows used, {p.discount_rows} discount "
             f"lines spread over the usage they discount, {sum(p.rows_excluded.values())} left out",
             f" Mapping: {p.mapping}"]
    for reason, count in p.rows_excluded.items():
        lines.append(f"   {count:>6} x {reason}: {REASONS.get(reason, reason)}")
    if overlay.slots:
        rows = [["Service", "Region", "Usage type", "Basis", "List/unit", "Effective/unit", "Ratio",
                 "Uncommitted", "Committed", "Rows"]]
        for s in overlay.slots:
            rows.append([s.service, s.region, s.slot, BASIS_LABELS[s.basis], _unit(s.list_unit_price, s.unit),
                         _unit(s.effective_unit_price, s.unit), f"{s.ratio:.3f}",
                         f"{s.uncommitted_ratio:.3f}" if s.uncommitted_ratio is not None else "-",
                         f"{s.commitment_share * 100:.0f}%", str(s.rows)])
        lines += ["", " Slot rates (effective / list of the same usage):", *_render(rows, {4, 5, 6, 7, 8, 9})]
    if overlay.ratios:
        rows = [["Service", "Region", "Scope", "Ratio", "Committed", "Rows"]]
        for r in overlay.ratios:
            scope = f"{r.family} family" if r.scope == "instance_family" else "uncommitted usage"
            rows.append([r.service, r.region, scope, f"{r.ratio:.3f}", f"{r.commitment_share * 100:.0f}%",
                         str(r.rows)])
        lines += ["", " Discount ratios (for slots the bill does not show):", *_render(rows, {3, 4, 5})]
    above = [f"{s.service} {s.region} {s.slot}" for s in overlay.slots if s.ratio > 1] + \
        [f"{r.service} {r.region} {r.family + ' family' if r.family else 'uncommitted usage'}"
         for r in overlay.ratios if r.ratio > 1]
    if above:
        lines += ["", f" {len(above)} rate(s) above list are kept here but never applied (a data problem or a fee, "
                      "not a price to plan with): " + ", ".join(above[:5]) + (" ..." if len(above) > 5 else "")]
    if overlay.unmapped:
        shown = ", ".join(f"{u.service} ({u.rows} rows)" for u in overlay.unmapped[:8])
        lines += ["", f" Billed services the catalog does not price (no rate from them): {shown}"
                      + (f" and {len(overlay.unmapped) - 8} more" if len(overlay.unmapped) > 8 else "")]
    if not overlay.slots and not overlay.ratios:
        lines += ["", " No rates: no usage row in the window could be tied to the catalog (see the reasons above)."]
    return "\n".join(lines) + "\n"


def _unit(value: float, unit: str | None) -> str:
    from decimal import Decimal

    return f"${Decimal(repr(value)).normalize():f}" + (f"/{unit}" if unit else "")
