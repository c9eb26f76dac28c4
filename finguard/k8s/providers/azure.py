"""AKS nodes (virtual machine scale set agent pools, Spot pools): labels, instance ids, Azure VM prices."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from finguard.k8s.providers import first_label

NAME = "azure"
PROVIDER_ID_SCHEME = "azure://"
LABEL_PREFIXES = ("kubernetes.azure.com/",)
POOL_LABELS = ("kubernetes.azure.com/agentpool", "agentpool", "karpenter.sh/nodepool")


def capacity_type(labels: Mapping[str, str]) -> str | None:
    """AKS Spot pools carry `kubernetes.azure.com/scalesetpriority=spot`; regular pools carry no such label
    (or `regular`); node auto-provisioning (Karpenter) writes `karpenter.sh/capacity-type`."""
    priority = labels.get("kubernetes.azure.com/scalesetpriority", "").lower()
    if priority:
        return "spot" if priority == "spot" else "on-demand"
    if labels.get("karpenter.sh/capacity-type"):
        return labels["karpenter.sh/capacity-type"].lower()
    return "on-demand" if any(k.startswith(LABEL_PREFIXES) for k in labels) else None


def node_pool(labels: Mapping[str, str]) -> str | None:
    return first_label(labels, POOL_LABELS)


def instance_id(provider_id: str) -> str | None:
    """`azure:///subscriptions/.../virtualMachines/3` -> the ARM resource id, lower-cased as Azure's cost
    export writes it."""
    rest = provider_id[len(PROVIDER_ID_SCHEME):].lstrip("/")
    return "/" + rest.lower() if rest else None


def price_components(instance_type: str, os: str, labels: Mapping[str, str], gpus: Decimal) -> list[Any]:
    """The pay-as-you-go hour of the VM size (Linux or Windows meter); GPU sizes include their GPUs."""
    from finguard.pricing.resources.azure._common import vm_hours

    return [vm_hours(instance_type, "Windows" if os == "windows" else "Linux")]
