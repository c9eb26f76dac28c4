"""What the waste formats share: how money, resources and evidence are spelled."""

from __future__ import annotations

from decimal import Decimal

from finguard.report._format import money as _money
from finguard.waste.model import Finding, WasteReport

KIND_ORDER_NOTE = "one finding per resource counts in the total (the largest saving)"


def money(value: float | None) -> str:
    """$1,234.56 per month; a missing price says so (never $0)."""
    return "missing price" if value is None else _money(Decimal(repr(value)))


def resource(f: Finding, *, short: bool = False) -> str:
    """The id, with its Name tag when it has one: "vol-0abc (scratch)". `short`: an ARN by its resource part
    (a load balancer as app/NAME/ID), for a terminal table."""
    ident = f.resource_id
    if short and ident.startswith("arn:") and ":" in ident:
        ident = ident.rsplit(":", 1)[1].split("/", 1)[-1]
    named = f.name and f.name not in ident
    return f"{ident} ({f.name})" if named else ident


def savings_note(f: Finding) -> str:
    """Where the saving comes from: "billed" or "list", and "not counted" for a second finding on a resource."""
    notes = []
    if f.savings_basis == "billing":
        notes.append("billed")
    if not f.counted:
        notes.append("not counted")
    return f" ({', '.join(notes)})" if notes else ""


def headline(report: WasteReport) -> str:
    s = report.summary
    missing = f", {s.missing_price} with a missing price" if s.missing_price else ""
    scope = ", ".join(report.regions) or "no region"
    accounts = f" in account {', '.join(report.account_ids)}" if report.account_ids else ""
    return (f"{s.findings} finding(s) on {s.resources} resource(s) out of {s.resources_scanned:,} scanned{accounts} "
            f"({scope}): {money(s.monthly_savings)}/month to save{missing}")


def realised_line(report: WasteReport) -> str | None:
    r = report.realised
    if r is None or not r.resolved:
        return None
    return (f"realised: {r.resolved} resolved finding(s) save {money(r.monthly_savings)}/month "
            f"(projected {money(r.projected_monthly_savings)}; {r.from_billing} measured from billing, "
            f"{r.projected_only} still projected)")


def owner(f: Finding) -> str:
    return f.owner or "-"
