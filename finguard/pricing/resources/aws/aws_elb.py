"""aws_elb: Classic Load Balancer hours, plus data processed per GB (usage-based)."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey


class AwsElb(CostModel):
    resource_types = ("aws_elb",)
    usage_keys = {"monthly_data_processed_gb": UsageKey("GB", "data the load balancer processes per month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        return [
            Component("Classic load balancer", "hours", "AWSELB",
                      {"productFamily": "Load Balancer", "usagetype": "LoadBalancerUsage"}, Decimal(1), hourly=True),
            Component("Data processed", "GB", "AWSELB",
                      {"productFamily": "Load Balancer", "usagetype": "DataProcessing-Bytes"},
                      usage_quantity(ctx.usage(resource), "monthly_data_processed_gb")),
        ]
