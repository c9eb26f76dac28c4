"""aws_instance: instance hours (type, tenancy, OS), root and EBS block devices, detailed monitoring."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.aws._ebs import block_device_components
from finguard.pricing.resources.aws._ec2 import (
    EC2_USAGE_KEYS,
    cpu_credits,
    detailed_monitoring,
    instance_hours,
    usage_os,
)
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel
from finguard.pricing.resources.context import ProjectContext


class AwsInstance(CostModel):
    resource_types = ("aws_instance",)
    usage_keys = EC2_USAGE_KEYS

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        instance_type = attrs.get("instance_type")
        if instance_type is None:
            template = ctx.referenced(resource, "launch_template.0.id", "aws_launch_template") or \
                ctx.referenced(resource, "launch_template.0.name", "aws_launch_template")
            instance_type = ctx.attrs_of(template).get("instance_type", UNKNOWN) if template else UNKNOWN
        tenancy = attrs.get("tenancy", "default")
        if not isinstance(tenancy, str):
            tenancy = "default"
        market = attrs.blocks("instance_market_options")
        spot = bool(market and market[0].get("market_type") == "spot")
        parts: list[Component] = []
        usage = ctx.usage(resource)
        if tenancy != "host":  # instances on a dedicated host are paid for by the host
            parts.append(instance_hours(instance_type, tenancy=tenancy, spot=spot, operating_system=usage_os(usage)))
        if attrs.get("monitoring") is True:
            parts.append(detailed_monitoring())
        credits_block = attrs.blocks("credit_specification")
        credits = cpu_credits(instance_type, credits_block[0].get("cpu_credits") if credits_block else None, usage)
        if credits is not None:
            parts.append(credits)
        root = attrs.blocks("root_block_device")
        if root:
            parts.extend(block_device_components(root, "root_block_device"))
        else:
            parts.append(Component(
                "Storage", "GB", "AmazonEC2", {"volumeApiName": UNKNOWN}, UNKNOWN, group="root_block_device",
                unknown_reason="root volume size and type come from the AMI, known only after apply",
            ))
        parts.extend(block_device_components(attrs.blocks("ebs_block_device"), "ebs_block_device",
                                             default_type="gp2"))
        return parts
