"""`finguard pricing lookup`: show matching catalog rows, and say plainly when a filter is ambiguous.

Works the same for every provider: AWS offer codes (AmazonEC2), Azure Retail Prices serviceNames
("Virtual Machines", region = armRegionName such as westeurope) and GCP services ("Compute Engine",
region such as europe-west1). When nothing matches, it says why: an unknown service or region (with
close names and the `pricing sync` command that fetches it), an attribute the slice does not use, or a
value no row has (with close values: Azure sizes and GCP machine types are case-sensitive).
"""

from __future__ import annotations

import difflib
import json
import shlex

from finguard.pricing.catalog import Catalog, Price, describe_query
from finguard.pricing.sources.azure_retail import DEFAULT_AZURE_SERVICES
from finguard.pricing.sources.gcp_catalog import SERVICE_IDS as GCP_SERVICES

# one look-up per provider, in its own vocabulary (also shown by `finguard pricing lookup --help`)
EXAMPLES = {
    "aws": "--service AmazonEC2 --region us-east-1 --filter instanceType=m5.large",
    "azure": '--service "Virtual Machines" --region westeurope --filter armSkuName=Standard_D2s_v5',
    "gcp": '--service "Compute Engine" --region europe-west1 --filter machineType=e2-medium',
}
MAX_SUGGESTIONS = 5


def provider_of(service: str) -> str:
    """aws, azure or gcp: which price list a service name belongs to (AWS offer codes otherwise)."""
    if service in GCP_SERVICES:
        return "gcp"
    if service in DEFAULT_AZURE_SERVICES:
        return "azure"
    return "aws"


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
    hints = [] if rows else no_match_hints(catalog, service, region, filters)
    if fmt == "json":
        return json.dumps({
            "query": describe_query(service, region, filters),
            "provider": provider_of(service),
            "matches": len(rows),
            "ambiguous": ambiguous,
            "differing_attributes": differing_attributes(rows) if ambiguous else [],
            "prices": [{"sku": r.sku, "usd": str(r.usd), "unit": r.unit, "begin_range": r.begin_range,
                        "end_range": r.end_range, "attributes": r.attributes, "description": r.description,
                        "source": r.source_id} for r in rows[:limit]],
            "hints": hints,
        }, indent=2) + "\n"
    lines = [f"{describe_query(service, region, filters)}: {len(rows)} matching price{'' if len(rows) == 1 else 's'}"]
    lines.extend(hints)
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


def no_match_hints(catalog: Catalog, service: str, region: str, filters: dict[str, str]) -> list[str]:
    """Why nothing matched: the first of unknown service, unpriced region, unused attribute, unknown value."""
    services = catalog.services()
    if service not in services:
        close = _close(service, services)
        return [f"no {service} prices in the catalog"
                + (f"; did you mean {', '.join(repr(s) for s in close)}?" if close else "")
                + f" (services: {', '.join(services) or 'none'})"]
    known = catalog.regions(service)
    if region not in known:
        close = _close(region, known)
        return [f"no {service} prices for {region} in the catalog"
                + (f"; did you mean {', '.join(close)}?" if close else "")
                + f" (regions with prices: {', '.join(known)}); `{sync_command(service, region)}` fetches them"]
    rows = catalog.search(service, region, {})
    hints = []
    for key, value in sorted(filters.items()):
        values = sorted({r.attributes[key] for r in rows if key in r.attributes})
        if not values:
            used = sorted({k for r in rows for k in r.attributes})
            hints.append(f"no {service} price in {region} has the attribute {key!r} "
                         f"(attributes there: {', '.join(used)})")
        elif value not in values:
            close = _close(value, values)
            hints.append(f"no {service} price in {region} has {key}={value}"
                         + (f"; close values: {', '.join(close)}" if close else f" ({len(values)} values there)"))
    if not hints:
        hints.append("each filter matches some prices, but no price matches all of them together")
    provider = provider_of(service)
    hints.append(f"example for {provider}: finguard pricing lookup {EXAMPLES[provider]}")
    return hints


def sync_command(service: str, region: str) -> str:
    """The `finguard pricing sync` call that fetches one (service, region) slice from its price list."""
    provider = provider_of(service)
    option = "" if provider == "aws" else f"--provider {provider} "
    return f"finguard pricing sync {option}--service {shlex.quote(service)} --region {shlex.quote(region)}"


def _close(word: str, choices: list[str]) -> list[str]:
    """Case-insensitive exact matches first, then near spellings ("standard_d2s_v5", "West Europe")."""
    folded = {c.casefold().replace(" ", ""): c for c in choices}
    key = word.casefold().replace(" ", "")
    exact = [folded[key]] if key in folded else []
    near = difflib.get_close_matches(key, list(folded), n=MAX_SUGGESTIONS, cutoff=0.75)
    return list(dict.fromkeys(exact + [folded[n] for n in near]))[:MAX_SUGGESTIONS]
