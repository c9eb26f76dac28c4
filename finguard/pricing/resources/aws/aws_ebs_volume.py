"""aws_ebs_volume: storage by type (gp2, gp3, io1, io2, st1, sc1, standard), IOPS and throughput."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.aws._ebs import EBS_USAGE_KEYS, volume_components
from finguard.pricing.resources.base import Attrs, Component, CostModel
from finguard.pricing.resources.context import ProjectContext


class AwsEbsVolume(CostModel):
    resource_types = ("aws_ebs_volume",)
    usage_keys = EBS_USAGE_KEYS

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        # CreateVolume documents gp2 as the default type.
        return volume_components(attrs.get("type", "gp2"), attrs.get("size"), attrs.get("iops"),
                                 attrs.get("throughput"), usage=ctx.usage(resource))
