"""google_compute_forwarding_rule: rule hours, plus data processed (usage-based).

Each rule is priced at the "Forwarding Rule Additional Service Charge" per hour, as Infracost does:
Google bills the first five rules of a project and region together as a minimum service charge,
which depends on the other rules of the project and is not allocated here. Ingress data the load
balancer processes is a usage value.
"""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.resources.google._common import COMPUTE, component, sku
from finguard.pricing.usage import UsageKey


class GoogleComputeForwardingRule(CostModel):
    resource_types = ("google_compute_forwarding_rule",)
    provider = "google"
    usage_keys = {"monthly_ingress_data_gb": UsageKey("GB", "data the load balancer processes per month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        return [
            component("Forwarding rule", "hours", COMPUTE,
                      sku("Network Load Balancing: Forwarding Rule Additional Service Charge"), Decimal(1),
                      hourly=True),
            component("Data processed", "GB", COMPUTE, sku("Network Load Balancing: Data Processing Charge"),
                      usage_quantity(ctx.usage(resource), "monthly_ingress_data_gb")),
        ]
