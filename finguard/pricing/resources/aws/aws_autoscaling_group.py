"""aws_autoscaling_group: desired (else minimum) instances from its launch template/configuration."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.aws._ec2 import (
    EC2_USAGE_KEYS,
    LaunchSpec,
    fleet_components,
    launch_configuration_spec,
    launch_template_spec,
    usage_os,
)
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, quantity
from finguard.pricing.resources.context import ProjectContext


class AwsAutoscalingGroup(CostModel):
    resource_types = ("aws_autoscaling_group",)
    usage_keys = EC2_USAGE_KEYS

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        desired = attrs.get("desired_capacity")
        count = quantity(desired, name="desired_capacity") if desired is not None else attrs.quantity("min_size")
        spec = self._spec(resource, attrs, ctx, count)
        usage = ctx.usage(resource)
        return fleet_components(spec, count, usage_os(usage), usage)

    def _spec(self, resource: Resource, attrs: Attrs, ctx: ProjectContext, count: object) -> LaunchSpec:
        for path in ("launch_template.0.id", "launch_template.0.name",
                     "mixed_instances_policy.0.launch_template.0.launch_template_specification.0.launch_template_id",
                     "mixed_instances_policy.0.launch_template.0.launch_template_specification.0.launch_template_name"):
            template = ctx.referenced(resource, path, "aws_launch_template")
            if template is None and isinstance(attrs.get(path), str):
                template = ctx.by_id("aws_launch_template", attrs.get(path))
            if template is not None:
                spec = launch_template_spec(ctx.attrs_of(template), count)
                override = attrs.get("mixed_instances_policy.0.launch_template.0.override.0.instance_type")
                if isinstance(override, str):
                    spec.instance_type = override
                return spec
        config = ctx.referenced(resource, "launch_configuration", "aws_launch_configuration")
        if config is None and isinstance(attrs.get("launch_configuration"), str):
            config = ctx.by_id("aws_launch_configuration", attrs.get("launch_configuration"))
        if config is not None:
            return launch_configuration_spec(ctx.attrs_of(config), count)
        return LaunchSpec(instance_type=UNKNOWN)
