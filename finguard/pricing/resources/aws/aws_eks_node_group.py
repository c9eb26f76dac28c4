"""aws_eks_node_group: desired_size instances of the first instance type, and their disks."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.aws._ebs import volume_components
from finguard.pricing.resources.aws._ec2 import LaunchSpec, fleet_components, launch_template_spec
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown
from finguard.pricing.resources.context import ProjectContext

DEFAULT_INSTANCE_TYPE = "t3.medium"  # EKS API default when instance_types is not set
DEFAULT_DISK_GB = 20  # EKS API default disk_size without a launch template


class AwsEksNodeGroup(CostModel):
    resource_types = ("aws_eks_node_group",)

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        scaling = attrs.blocks("scaling_config")
        count = scaling[0].quantity("desired_size") if scaling else UNKNOWN
        template = ctx.referenced(resource, "launch_template.0.id", "aws_launch_template") or \
            ctx.referenced(resource, "launch_template.0.name", "aws_launch_template")
        if attrs.blocks("launch_template") and template is not None:
            spec = launch_template_spec(ctx.attrs_of(template), count)
        elif attrs.blocks("launch_template"):
            spec = LaunchSpec()
        else:
            spec = LaunchSpec()
            spec.volumes = volume_components("gp2", attrs.get("disk_size", DEFAULT_DISK_GB), count=count,
                                             group="disk")
        types = attrs.get("instance_types")
        if isinstance(types, list) and types:
            spec.instance_type = types[0]
        elif is_unknown(types) and is_unknown(spec.instance_type):
            spec.instance_type = UNKNOWN
        elif is_unknown(spec.instance_type) and not attrs.blocks("launch_template"):
            spec.instance_type = DEFAULT_INSTANCE_TYPE
        spec.spot = attrs.get("capacity_type") == "SPOT"
        ami_type = attrs.get("ami_type", "")
        operating_system = "Windows" if isinstance(ami_type, str) and ami_type.startswith("WINDOWS") else "Linux"
        return fleet_components(spec, count, operating_system)
