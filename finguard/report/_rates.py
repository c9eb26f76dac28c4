"""What every human-readable format says about effective rates: where they came from, and what stayed at list."""

from __future__ import annotations

from finguard.model import RatesInfo

MAX_NAMED = 5


def rates_lines(info: RatesInfo | None, note: str | None = None, *, named: int = MAX_NAMED) -> list[str]:
    """Provenance of the overlay and the components no rate covers; or why a comparison is at list prices."""
    if info is None:
        return [note] if note else []
    accounts = ", ".join(info.billing_accounts) or "no billing account"
    period = f"{(info.period_start or '?')[:10]} to {(info.period_end or '?')[:10]}"
    lines = [f"Effective rates from the organisation's billing (accounts {accounts}, {period}, {info.billing_rows} "
             f"billing rows): {info.components_effective} components at effective rates, list prices beside them"]
    if info.components_at_list:
        shown = ", ".join(info.components_at_list[:named])
        more = len(info.components_at_list) - named
        lines.append(f"{len(info.components_at_list)} components have no effective rate and stay at list: {shown}"
                     + (f" and {more} more (--format json lists them)" if more > 0 else ""))
    return lines


def basis_label(basis: str | None) -> str:
    """Short column text for how a component's effective rate was found."""
    return {"sku": "SKU", "usage_type": "usage type", "charge_description": "billed type",
            "instance_family": "family ratio", "service_region": "service ratio", "list": "list"}.get(basis or "", "")
