"""aws_eip: every public IPv4 address is billed per hour since February 2024, in use or idle."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, is_unknown
from finguard.pricing.resources.context import ProjectContext


class AwsEip(CostModel):
    resource_types = ("aws_eip",)

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        # an id known only after apply (instance = aws_instance.x.id) still attaches the address
        attached = any(is_unknown(value) or value for value in
                       (attrs.get(k) for k in ("instance", "network_interface", "associate_with_private_ip"))) \
            or resource.address in ctx.eip_consumers()
        usage = "PublicIPv4:InUseAddress" if attached else "PublicIPv4:IdleAddress"
        label = "Public IPv4 address (in use)" if attached else "Public IPv4 address (idle)"
        return [Component(label, "hours", "AmazonVPC",
                          {"productFamily": "VPC Public IPv4 Address", "usagetype": usage}, Decimal(1), hourly=True)]
