"""`finguard pricing lookup`: show matching catalog rows, and say plainly when a filter is ambiguous."""

from __future__ import annotations

import json

from finguard.pricing.catalog import Catalog, Price, describe_query


def differing_attributes(rows: list[Price]) -> list[str]:
    """Attributes whose values differ between rows: the keys a user should add to the filter."""
    keys = sorted({k for r in rows for k in r.attributes})
    return [k for k in keys if len({r.attributes.get(k) for r in rows}) > 1]


def render_lookup(catalog: Catalog, service: str, region: str, filters: dict[str, str], fmt: str,
                  limit: int) -> str:
    rows = catalog.search(service, region, filters)
    prices = {(r.usd, r.unit, r.begin_range) for r in rows}
    tiers = {r.begin_range for r in rows}
    ambiguous = len(prices) > len(tiers)
    if fmt == "json":
        return json.dumps({
            "query": describe_query(service, region, filters),
            "matches": len(rows),
            "ambiguous": ambiguous,
            "differing_attributes": differing_attributes(rows) if ambiguous else [],
            "prices": [{"sku": r.sku, "usd": str(r.usd), "unit": r.unit, "begin_range": r.begin_range,
                        "end_range": r.end_range, "attributes": r.attributes, "description": r.description,
                        "source": r.source_id} for r in rows[:limit]],
        }, indent=2) + "\n"
    lines = [f"{describe_query(service, region, filters)}: {len(rows)} matching prices"]
    if not rows:
        known = catalog.regions(service)
        if region not in known:
            lines.append(f"no {service} prices for {region} in the catalog (regions with prices: "
                         f"{', '.join(known) or 'none'}); `finguard pricing sync --service {service} "
                         f"--region {region}` fetches them")
    for r in rows[:limit]:
        tier = f" [{r.begin_range:g}-{'inf' if r.end_range is None else f'{r.end_range:g}'}]" \
            if r.begin_range or r.end_range is not None else ""
        attrs = ", ".join(f"{k}={v}" for k, v in sorted(r.attributes.items()))
        lines.append(f"  {r.usd.normalize():f} USD/{r.unit}{tier}  sku={r.sku or '-'}  source={r.source_id}\n"
                     f"      {attrs}")
    if len(rows) > limit:
        lines.append(f"  ... {len(rows) - limit} more (use --limit)")
    if ambiguous:
        lines.append(f"AMBIGUOUS: {len(prices)} different prices match; narrow the filter with: "
                     + ", ".join(differing_attributes(rows)))
    return "\n".join(lines) + "\n"
