"""aws_eks_cluster: the control plane, per cluster-hour."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel
from finguard.pricing.resources.context import ProjectContext


class AwsEksCluster(CostModel):
    resource_types = ("aws_eks_cluster",)

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        return [Component("EKS cluster", "hours", "AmazonEKS",
                          {"productFamily": "Compute", "usagetype": "AmazonEKS-Hours:perCluster"},
                          Decimal(1), hourly=True)]
