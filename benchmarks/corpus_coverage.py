"""How often a real plan's resources lack a price: every plan in ../shared/plans, priced with a default region.

Counts the resources that are neither free nor skipped (priced + incomplete + unsupported), and of those the
ones left incomplete for want of a price (a component with a missing or ambiguous price), with the missing
look-ups that cost the most resources. Target (issue #16): at most 10% with `--default-region eu-west-1`.
Run: python benchmarks/corpus_coverage.py [--default-region eu-west-1] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = 0.10
INVALID = {"invalid__plan.json"}


@dataclass(slots=True)
class CorpusCoverage:
    plans: int = 0
    priced: int = 0
    incomplete: int = 0
    unsupported: int = 0
    free: int = 0
    skipped: int = 0
    missing_price: int = 0  # incomplete resources whose total lacks a price (missing or ambiguous)
    usage_price_missing: Counter[str] = field(default_factory=Counter)  # unit prices of usage lines
    any_line_missing: int = 0  # resources with any line lacking a price, usage-based lines included
    missing_queries: Counter[str] = field(default_factory=Counter)
    unsupported_types: Counter[str] = field(default_factory=Counter)

    @property
    def considered(self) -> int:
        return self.priced + self.incomplete + self.unsupported

    @property
    def missing_share(self) -> float:
        return self.missing_price / self.considered if self.considered else 0.0


def measure(shared: Path, default_region: str) -> CorpusCoverage:
    from finguard.model import ComponentStatus, ResourceStatus
    from finguard.pricing.catalog import Catalog
    from finguard.pricing.estimate import estimate
    from finguard.terraform.plan import plan_to_project

    catalog = Catalog.open_default()
    result = CorpusCoverage()
    for path in sorted((shared / "plans").glob("*/*.json")):
        if path.name in INVALID:
            continue
        result.plans += 1
        project = plan_to_project(json.loads(path.read_text()), source=str(path), default_region=default_region)
        cost = estimate(project, catalog, "after")
        counts = cost.counts  # the estimate's own buckets, not counted again here
        result.priced += counts.priced
        result.free += counts.free
        result.skipped += counts.skipped
        result.unsupported += counts.unsupported
        result.incomplete += counts.incomplete
        for r in cost.resources:
            if any(c.status in (ComponentStatus.MISSING_PRICE, ComponentStatus.AMBIGUOUS_PRICE) for c in r.components):
                result.any_line_missing += 1
            for c in r.components:
                if c.usage_based and c.status is ComponentStatus.MISSING_PRICE:
                    result.usage_price_missing[f"{r.type}: {c.name} [{r.region}]"] += 1
            if r.status is ResourceStatus.UNSUPPORTED:
                result.unsupported_types[r.type] += 1
            elif r.status is ResourceStatus.INCOMPLETE:
                # a usage-based line without usage does not hold the total back (see estimate.py)
                missing = [c for c in r.components if not c.usage_based
                           and c.status in (ComponentStatus.MISSING_PRICE, ComponentStatus.AMBIGUOUS_PRICE)]
                if missing:
                    result.missing_price += 1
                    for c in missing:
                        result.missing_queries[f"{r.type}: {c.name} [{r.region}]"] += 1
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--default-region", default="eu-west-1")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    args = parser.parse_args(argv)
    if not (args.shared / "plans").is_dir():
        print(f"error: {args.shared / 'plans'} not found", file=sys.stderr)
        return 2
    r = measure(args.shared, args.default_region)
    print(f"{r.plans} plans, default region {args.default_region}: {r.considered} resources neither free nor "
          f"skipped ({r.priced} priced, {r.incomplete} incomplete, {r.unsupported} unsupported; "
          f"{r.free} free, {r.skipped} skipped)")
    verdict = "PASS" if r.missing_share <= TARGET else "MISS"
    print(f"incomplete for want of a price: {r.missing_price} of {r.considered} = {r.missing_share:.1%} "
          f"(target <= {TARGET:.0%}) {verdict}")
    for query, n in r.missing_queries.most_common(15):
        print(f"  {n:>4}  {query}")
    print(f"usage-based lines without a unit price (they hold no total back): {sum(r.usage_price_missing.values())}; "
          f"resources with any line lacking a price, usage-based lines included: {r.any_line_missing} of "
          f"{r.considered} = {r.any_line_missing / max(r.considered, 1):.1%}")
    for query, n in r.usage_price_missing.most_common(5):
        print(f"  {n:>4}  {query}")
    if r.unsupported_types:
        print("unsupported types: " + ", ".join(f"{t} ({n})" for t, n in r.unsupported_types.most_common(10)))
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
