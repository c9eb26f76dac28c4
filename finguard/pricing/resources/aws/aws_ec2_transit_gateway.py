"""aws_ec2_transit_gateway: no charge of its own; AWS bills a transit gateway per attachment hour and per
GB its attachments send, which finguard prices on the attachments (aws_ec2_transit_gateway_vpc_attachment,
aws_vpn_connection with a transit_gateway_id)."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, NoCost
from finguard.pricing.resources.context import ProjectContext


class AwsEc2TransitGateway(CostModel):
    resource_types = ("aws_ec2_transit_gateway",)

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        raise NoCost("a transit gateway is billed through its attachments (attachment hours and data "
                     "processed), priced on the attachment resources")
