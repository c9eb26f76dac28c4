"""aws_nat_gateway: hours, plus data processed per GB (usage-based)."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey


class AwsNatGateway(CostModel):
    resource_types = ("aws_nat_gateway",)
    usage_keys = {"monthly_data_processed_gb": UsageKey("GB", "data the gateway processes per month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        return [
            Component("NAT gateway", "hours", "AmazonEC2",
                      {"productFamily": "NAT Gateway", "usagetype": "NatGateway-Hours"}, Decimal(1), hourly=True),
            Component("Data processed", "GB", "AmazonEC2",
                      {"productFamily": "NAT Gateway", "usagetype": "NatGateway-Bytes"},
                      usage_quantity(ctx.usage(resource), "monthly_data_processed_gb")),
        ]
