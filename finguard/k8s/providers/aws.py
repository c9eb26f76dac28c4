"""EKS nodes (managed node groups, eksctl, self-managed, Karpenter): labels, instance ids, EC2 prices."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from finguard.k8s.providers import first_label

NAME = "aws"
PROVIDER_ID_SCHEME = "aws://"
LABEL_PREFIXES = ("eks.amazonaws.com/", "karpenter.k8s.aws/", "alpha.eksctl.io/", "k8s.amazonaws.com/")
# node pool: EKS managed node group, eksctl, Karpenter (v1 NodePool, then the v1alpha5 Provisioner)
POOL_LABELS = ("eks.amazonaws.com/nodegroup", "alpha.eksctl.io/nodegroup-name", "karpenter.sh/nodepool",
               "karpenter.sh/provisioner-name")
OS_NAMES = {"linux": "Linux", "windows": "Windows"}


def capacity_type(labels: Mapping[str, str]) -> str | None:
    """EKS managed node groups write ON_DEMAND/SPOT; Karpenter on-demand/spot/reserved; eksctl and kops
    self-managed groups a lifecycle label (`Ec2Spot` in AWS's own examples)."""
    eks = labels.get("eks.amazonaws.com/capacityType")
    if eks:
        return {"ON_DEMAND": "on-demand", "SPOT": "spot", "CAPACITY_BLOCK": "reserved"}.get(eks.upper(),
                                                                                         eks.lower())
    karpenter = labels.get("karpenter.sh/capacity-type")
    if karpenter:
        return karpenter.lower()
    lifecycle = first_label(labels, ("node.kubernetes.io/lifecycle", "lifecycle"))
    if lifecycle:
        return "spot" if lifecycle.lower() in ("spot", "ec2spot") else "on-demand"
    return None


def node_pool(labels: Mapping[str, str]) -> str | None:
    return first_label(labels, POOL_LABELS)


def instance_id(provider_id: str) -> str | None:
    """`aws:///us-east-1a/i-0abc123` -> `i-0abc123` (CUR's line-item resource id; FOCUS ARNs end with it)."""
    tail = provider_id.rstrip("/").rsplit("/", 1)[-1]
    return tail if tail.startswith("i-") else None


def price_components(instance_type: str, os: str, labels: Mapping[str, str], gpus: Decimal) -> list[Any]:
    """The EC2 on-demand hour of the instance type (GPU instance prices include their GPUs)."""
    from finguard.pricing.resources.aws._ec2 import instance_hours

    return [instance_hours(instance_type, operating_system=OS_NAMES.get(os, "Linux"))]
