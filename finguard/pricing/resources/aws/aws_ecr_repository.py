"""aws_ecr_repository: image storage per GB-month (usage-based: a plan does not say how large the images are)."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey


class AwsEcrRepository(CostModel):
    resource_types = ("aws_ecr_repository",)
    usage_keys = {"storage_gb": UsageKey("GB", "images stored in the repository (monthly average)")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        return [Component("Storage", "GB", "AmazonECR",
                          {"productFamily": "EC2 Container Registry", "usagetype": "TimedStorage-ByteHrs"},
                          usage_quantity(ctx.usage(resource), "storage_gb"))]
