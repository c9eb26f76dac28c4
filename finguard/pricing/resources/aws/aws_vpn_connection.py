"""aws_vpn_connection: Site-to-Site VPN connection hours; on a transit gateway also the VPN attachment's
hours and the data it sends to the transit gateway (usage-based)."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.aws.aws_ec2_transit_gateway_vpc_attachment import (
    DATA_PROCESSED_KEY,
    attachment_components,
)
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown
from finguard.pricing.resources.context import ProjectContext


class AwsVpnConnection(CostModel):
    resource_types = ("aws_vpn_connection",)
    usage_keys = DATA_PROCESSED_KEY

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        vpn_type = attrs.get("type", "ipsec.1")
        if not is_unknown(vpn_type) and vpn_type != "ipsec.1":
            raise ValueError(f"unknown VPN type {vpn_type!r}")
        parts = [Component("VPN connection", "hours", "AmazonVPC",
                           {"productFamily": "Cloud Connectivity", "usagetype": "VPN-Usage-Hours:ipsec.1"},
                           Decimal(1), hourly=True)]
        transit_gateway = attrs.get("transit_gateway_id")
        if is_unknown(transit_gateway) or (isinstance(transit_gateway, str) and transit_gateway):
            parts.extend(attachment_components("TransitGatewayVPN", ctx.usage(resource)))
        if attrs.get("enable_acceleration") is True:
            parts.append(Component("Acceleration (Global Accelerator)", "hours", "AmazonVPC", {"usagetype": UNKNOWN},
                                   Decimal(1), hourly=True,
                                   unknown_reason="accelerated VPN charges have no price in the snapshot"))
        return parts
