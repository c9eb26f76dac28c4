"""Previous-generation instance families, with the current-generation type of the same size and its price."""

from __future__ import annotations

from collections.abc import Iterator

from finguard.policy.api import Example, PolicyContext, PolicyResource, Violation, policy
from finguard.pricing.generations import SUCCESSORS

from . import _instance_types as h

_M = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "metal")
_M6 = (*_M, "32xlarge")
_T = ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge")
_DB5 = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge")
_DB6 = (*_DB5, "32xlarge")
# Sizes of the suggested families, so a suggestion is always a type that exists.
SIZES: dict[str, tuple[str, ...]] = {
    "t3": _T, "m6i": _M6, "c6i": _M6, "r6i": _M6, "m5": _M, "r5": _M,
    "c5": ("large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge", "18xlarge", "24xlarge", "metal"),
    "i3": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge", "metal"),
    "d3": ("xlarge", "2xlarge", "4xlarge", "8xlarge"),
    "g4dn": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"),
    "p3": ("2xlarge", "8xlarge", "16xlarge"),
    "x2idn": ("16xlarge", "24xlarge", "32xlarge", "metal"),
    "x2iedn": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge", "24xlarge", "32xlarge", "metal"),
    "db.t3": ("micro", "small", "medium", "large", "xlarge", "2xlarge"),
    "db.m6i": _DB6, "db.r6i": _DB6, "db.m5": _DB5, "db.r5": _DB5,
    "cache.t3": ("micro", "small", "medium"),
    "cache.m6g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "cache.r6g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "cache.m5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "cache.r5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
}
CURRENT = SUCCESSORS  # previous-generation family -> current-generation families, preferred first


def _qualified(prefix: str, family: str) -> str:
    return f"{prefix}.{family}" if prefix else family


@policy(
    id="FG-CMP-003",
    title="Previous-generation instance family",
    severity="medium",
    resource_types=h.ALL_TYPES,
    remediation="Move to the current-generation family of the same size: same or lower price, faster CPUs, "
                "Nitro networking and EBS performance.",
    examples=[
        Example(fails=True, hcl='''
resource "aws_instance" "web" {
  instance_type = "m4.large"
}'''),
        Example(fails=True, note="RDS and ElastiCache classes too (their price is not compared)", hcl='''
resource "aws_elasticache_cluster" "cache" {
  engine          = "redis"
  node_type       = "cache.m4.large"
  num_cache_nodes = 1
}'''),
        Example(fails=False, hcl='''
resource "aws_instance" "web" {
  instance_type = "m6i.large"
}'''),
    ],
)
def previous_generation(resource: PolicyResource, ctx: PolicyContext) -> Iterator[Violation]:
    """Anti-pattern: m4, c4, r4 or t2 types in new code: they cost as much as or more than their successors
    for less performance, and AWS adds no capacity for them. Best practice: the current generation (m6i, c6i,
    r6i, t3, i3, d3, ...) of the same size; the finding shows both monthly on-demand prices from the catalog."""
    for itype in h.instance_types(resource):
        targets = CURRENT.get(itype.qualified_family)
        if targets is None:
            continue
        what = h.label(resource, itype)
        fitting = [f for f in targets if itype.size in SIZES.get(_qualified(itype.prefix, f), ())]
        if not fitting:
            families = " or ".join(_qualified(itype.prefix, f) for f in targets)
            yield Violation(f"{what} is a previous-generation type; move to {families} (no {itype.size} size: "
                            "pick the size by vCPU and memory)")
            continue
        suggestion = itype.with_family(fitting[0])
        alternative = f" (or {itype.with_family(fitting[1])})" if len(fitting) > 1 else ""
        price, delta = h.compare(ctx, resource, itype, suggestion)
        yield Violation(f"{what} is a previous-generation type; use {suggestion}{alternative}: {price}",
                        monthly_cost_delta=delta)
