"""google_redis_instance: provisioned capacity (GB) x hours, priced by service tier and capacity tier.

Memorystore for Redis prices a GB-hour by service tier (BASIC, or STANDARD_HA with a replica) and
by capacity tier, which the instance's size selects: M1 1-4 GB, M2 5-10 GB, M3 11-35 GB,
M4 36-100 GB, M5 above 100 GB. Read replicas beyond the Standard tier's one are not modelled.
"""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, is_unknown
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.resources.google._common import REDIS, as_decimal, component, sku, unknown_component

TIERS = {"BASIC": "Basic", "STANDARD_HA": "Standard"}
CAPACITY_TIERS = ((Decimal(4), "M1"), (Decimal(10), "M2"), (Decimal(35), "M3"), (Decimal(100), "M4"))


def capacity_tier(size_gb: Decimal) -> str:
    for bound, name in CAPACITY_TIERS:
        if size_gb <= bound:
            return name
    return "M5"


class GoogleRedisInstance(CostModel):
    resource_types = ("google_redis_instance",)
    provider = "google"

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        tier = attrs.get("tier") or "BASIC"
        size = as_decimal(attrs.get("memory_size_gb"), name="memory_size_gb")
        if is_unknown(tier) or tier not in TIERS:
            reason = "service tier known only after apply" if is_unknown(tier) else f"tier {tier} not understood"
            return [unknown_component("Redis capacity", "GB-hours", REDIS, reason)]
        if size is None or is_unknown(size):
            return [unknown_component(f"Redis capacity ({TIERS[tier].lower()})", "GB-hours", REDIS,
                                      "memory size known only after apply")]
        label = TIERS[tier]
        cap = capacity_tier(size)
        return [component(f"Redis capacity ({label.lower()}, {cap}, {size.normalize():f} GB)", "GB-hours", REDIS,
                          sku(f"Redis Capacity {label} {cap}"), size, hourly=True)]
