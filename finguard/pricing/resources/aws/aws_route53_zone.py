"""aws_route53_zone: the hosted zone per month, plus DNS queries answered for the zone (usage-based).

Route 53 is a global service: its prices are looked up under the catalog region "global", whatever the
provider's region. A hosted zone is priced at the first-25-zones rate (AWS charges less from the 26th
zone of an account, which one resource cannot see). Query tiers (first billion, over a billion) are per
account and month as well; they are applied to this zone's queries alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonRoute53"
GLOBAL = "global"
MILLION = Decimal(1_000_000)
# usage key -> (component name, usage type of the DNS Query product)
QUERY_KINDS = {
    "monthly_standard_queries": ("Standard queries", "DNS-Queries"),
    "monthly_latency_based_queries": ("Latency based routing queries", "LBR-Queries"),
    "monthly_geo_queries": ("Geo DNS queries", "Geo-Queries"),
}
QUERY_USAGE_KEYS = {
    "monthly_standard_queries": UsageKey("queries", "DNS queries answered by simple, weighted, failover or "
                                                    "multivalue records per month"),
    "monthly_latency_based_queries": UsageKey("queries", "DNS queries answered by latency-based routing "
                                                         "records per month"),
    "monthly_geo_queries": UsageKey("queries", "DNS queries answered by geolocation or geoproximity "
                                               "routing records per month"),
}


def query_component(usage_key: str, usage: dict[str, Any]) -> Component:
    """Queries of one kind, in millions (tiered: the first billion, then above a billion)."""
    name, usagetype = QUERY_KINDS[usage_key]
    queries = usage_quantity(usage, usage_key)
    return Component(name, "1M queries", SERVICE, {"productFamily": "DNS Query", "usagetype": usagetype},
                     None if queries is None else queries / MILLION, price_factor=MILLION, region=GLOBAL)


class AwsRoute53Zone(CostModel):
    resource_types = ("aws_route53_zone",)
    usage_keys = QUERY_USAGE_KEYS

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        parts = [Component("Hosted zone", "months", SERVICE, {"productFamily": "DNS Zone", "usagetype": "HostedZone"},
                           Decimal(1), region=GLOBAL)]
        # Standard queries are always shown (usage-based without a value); the routing-policy kinds only
        # when given here, since they normally belong to the records that use those policies.
        for key in QUERY_KINDS:
            if key == "monthly_standard_queries" or key in usage:
                parts.append(query_component(key, usage))
        return parts
