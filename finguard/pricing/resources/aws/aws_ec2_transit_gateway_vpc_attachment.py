"""aws_ec2_transit_gateway_vpc_attachment: attachment hours, plus data the attachment sends to the transit
gateway (usage-based). The transit gateway itself has no charge of its own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

DATA_PROCESSED_KEY = {"monthly_data_processed_gb": UsageKey(
    "GB", "data sent from the attachment to the transit gateway per month")}


def attachment_components(operation: str, usage: dict[str, Any]) -> list[Component]:
    """Hours and data processed of one transit gateway attachment (`operation`: TransitGatewayVPC/VPN)."""
    return [
        Component("Transit gateway attachment", "hours", "AmazonVPC",
                  {"usagetype": "TransitGateway-Hours", "operation": operation}, Decimal(1), hourly=True),
        Component("Data processed", "GB", "AmazonVPC", {"usagetype": "TransitGateway-Bytes", "operation": operation},
                  usage_quantity(usage, "monthly_data_processed_gb")),
    ]


class AwsEc2TransitGatewayVpcAttachment(CostModel):
    resource_types = ("aws_ec2_transit_gateway_vpc_attachment",)
    usage_keys = DATA_PROCESSED_KEY

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        return attachment_components("TransitGatewayVPC", ctx.usage(resource))
