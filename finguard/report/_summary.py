"""What a breakdown could and could not price, in words, for every human-readable format."""

from __future__ import annotations

from collections import Counter

from finguard.model import ProjectCost, ResourceStatus


def coverage_by_type(cost: ProjectCost) -> list[str]:
    """Per resource type: how many were priced, and why the others were not (`breakdown --show-coverage`)."""
    rows: dict[str, Counter[str]] = {}
    reasons: dict[str, Counter[str]] = {}
    for r in cost.resources:
        if r.status is ResourceStatus.SKIPPED:
            continue
        rows.setdefault(r.type, Counter())[r.status.value] += 1
        for reason in r.reasons:
            reasons.setdefault(r.type, Counter())[reason.split(": ", 1)[-1]] += 1
    total = sum(sum(c.values()) for c in rows.values())
    covered = sum(c["priced"] + c["free"] for c in rows.values())
    lines = [f"Coverage: {covered} of {total} resources fully priced or free "
             f"({(covered / total * 100) if total else 100:.0f}%)"]
    width = max((len(t) for t in rows), default=4)
    for type_, counts in sorted(rows.items()):
        parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        lines.append(f"  {type_:<{width}}  {parts}")
        for reason, n in reasons.get(type_, Counter()).most_common(3):
            lines.append(f"  {'':<{width}}    {n} x {reason}")
    return lines


def coverage_lines(cost: ProjectCost) -> list[str]:
    c = cost.counts
    total = c.priced + c.free + c.unsupported + c.incomplete
    lines = [f"{total} resources: {c.priced} priced, {c.free} free, {c.incomplete} incomplete, "
             f"{c.unsupported} not supported" + (f" ({c.skipped} skipped: data sources or not present)"
                                                 if c.skipped else "")]
    unsupported = Counter(r.type for r in cost.resources if r.status is ResourceStatus.UNSUPPORTED)
    if unsupported:
        lines.append("Not supported: " + ", ".join(f"{t} x{n}" for t, n in sorted(unsupported.items())))
    if c.unknown_components:
        lines.append(f"{c.unknown_components} components depend on values known only after apply")
    if c.missing_price_components:
        lines.append(f"{c.missing_price_components} components have no price in the catalog for their region")
    if c.usage_based_components:
        lines.append(f"{c.usage_based_components} usage-based components are priced per unit, not in the total")
    if not cost.complete:
        lines.append("The total is a lower bound: it leaves out what could not be priced.")
    if cost.catalog is not None:
        dated = f", oldest price from {cost.catalog.oldest_source_date}" if cost.catalog.oldest_source_date else ""
        lines.append(f"Prices: {len(cost.catalog.sources)} price-list sources{dated} (finguard pricing sources)")
    return lines
