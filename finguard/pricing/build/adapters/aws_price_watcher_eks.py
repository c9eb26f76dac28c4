"""EKS cluster hours (standard support) from aws-price-watcher's `eks.json`: the slot `aws_eks_cluster` queries.

Extended support is skipped on purpose: the feed's "Compute ExtendedSupport" figure ($0.50 in
us-east-1) is the surcharge on top of the standard hour, while the price list's usage type
AmazonEKS-Hours:extendedSupport is the all-in hour ($0.60), so the feed's number fits no catalog slot.
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import (
    PriceWatcherAdapter,
    Reasons,
    target,
)

CLUSTER_HOUR = target("AmazonEKS", "Hrs", productFamily="Compute", usagetype="AmazonEKS-Hours:perCluster")


class AwsPriceWatcherEks(PriceWatcherAdapter):
    id = "aws-price-watcher-eks"
    files = ("eks.json",)
    description = ("EKS cluster (control plane) hourly prices by region, from the AWS pricing-page feed as flattened "
                   "by aws-price-watcher (processed/eks.json, April 2025)")
    # the feed spells the cluster hour twice ("per hours" in 16 regions, "per Hours" in 34)
    targets = {"Compute per Hours": CLUSTER_HOUR, "Compute per hours": CLUSTER_HOUR}
    reasons = Reasons(
        (r"^Compute ExtendedSupport", "extended-support surcharge: not the price list's all-in extendedSupport hour"),
        (r"^Fargate ", "not modelled: EKS pods on Fargate"),
    )
