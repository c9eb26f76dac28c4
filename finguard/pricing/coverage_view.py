"""`finguard pricing coverage --regions`: per provider and service, how many regions and products
(SKUs) the catalog prices, and which sources the prices come from."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from finguard.pricing.catalog import Catalog
from finguard.pricing.snapshot import load_snapshot


@dataclass(slots=True)
class ServiceCoverage:
    provider: str
    service: str
    regions: set[str] = field(default_factory=set)
    products: int = 0
    prices: int = 0
    sources: Counter[str] = field(default_factory=Counter)
    by_region: Counter[str] = field(default_factory=Counter)


def _providers() -> dict[str, str]:
    """service -> provider, from the snapshot manifest (a service only `pricing sync` brought is placed by
    its name, as `pricing lookup` does)."""
    from finguard.errors import FinguardError
    from finguard.pricing.snapshot import read_manifest

    try:
        return {t["service"]: t["provider"] for t in read_manifest(load_snapshot().root).get("tables", [])}
    except (FinguardError, KeyError, TypeError):  # no snapshot: only the provider column is guessed
        return {}


def provider_of(service: str, known: dict[str, str]) -> str:
    from finguard.pricing.lookup_view import provider_of as by_name

    return known.get(service) or by_name(service)


def coverage(catalog: Catalog) -> list[ServiceCoverage]:
    known = _providers()
    result: dict[str, ServiceCoverage] = {}
    for service, region, source, count in catalog.slice_counts():
        entry = result.get(service)
        if entry is None:
            entry = result[service] = ServiceCoverage(provider_of(service, known), service)
        entry.regions.add(region)
        entry.prices += count
        entry.sources[source] += count
        entry.by_region[region] += count
    for service, products in catalog.product_counts().items():
        if service in result:
            result[service].products = products
    return sorted(result.values(), key=lambda c: (c.provider, c.service))


def render_coverage(catalog: Catalog, fmt: str, service: str | None = None) -> str:
    everything = coverage(catalog)
    rows = [c for c in everything if service is None or c.service == service]
    if service is not None and not rows:
        import difflib

        from finguard.errors import UsageError

        names = [c.service for c in everything]
        close = difflib.get_close_matches(service, names, n=3, cutoff=0.6)
        raise UsageError(f"--service {service!r}: no such service in the catalog"
                         + (f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""))
    if fmt == "json":
        return json.dumps([{
            "provider": c.provider, "service": c.service, "regions": sorted(c.regions), "products": c.products,
            "prices": c.prices, "sources": dict(c.sources.most_common()),
            **({"prices_by_region": dict(sorted(c.by_region.items()))} if service else {}),
        } for c in rows], indent=2) + "\n"
    lines = [f"{'provider':<8} {'service':<32} {'regions':>7} {'products':>9} {'prices':>8}  sources (prices)"]
    totals: defaultdict[str, int] = defaultdict(int)
    for c in rows:
        sources = ", ".join(f"{s} ({n:,})" for s, n in c.sources.most_common(3))
        if len(c.sources) > 3:
            sources += f", {len(c.sources) - 3} more"
        lines.append(f"{c.provider:<8} {c.service:<32} {len(c.regions):>7} {c.products:>9,} {c.prices:>8,}  {sources}")
        totals[c.provider] += c.prices
        if service:
            lines += [f"    {region:<24} {n:>7,}" for region, n in sorted(c.by_region.items())]
    if not rows:
        lines.append("the catalog is empty")
    lines.append("total: " + ", ".join(f"{p} {n:,} prices" for p, n in sorted(totals.items())))
    return "\n".join(lines) + "\n"
