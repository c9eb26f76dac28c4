"""GKE nodes (standard and Autopilot node pools, Spot and preemptible VMs): labels, instance ids, GCE prices."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from finguard.k8s.providers import first_label

NAME = "gcp"
PROVIDER_ID_SCHEME = "gce://"
LABEL_PREFIXES = ("cloud.google.com/",)
POOL_LABELS = ("cloud.google.com/gke-nodepool",)
ACCELERATOR_LABEL = "cloud.google.com/gke-accelerator"


def capacity_type(labels: Mapping[str, str]) -> str | None:
    """GKE marks Spot VMs `cloud.google.com/gke-spot=true`, preemptible ones `gke-preemptible=true`, and newer
    node pools `cloud.google.com/gke-provisioning=spot|standard`."""
    if labels.get("cloud.google.com/gke-spot", "").lower() == "true":
        return "spot"
    if labels.get("cloud.google.com/gke-preemptible", "").lower() == "true":
        return "preemptible"
    provisioning = labels.get("cloud.google.com/gke-provisioning", "").lower()
    if provisioning:
        return {"standard": "on-demand"}.get(provisioning, provisioning)
    if labels.get("karpenter.sh/capacity-type"):
        return labels["karpenter.sh/capacity-type"].lower()
    return "on-demand" if any(k.startswith(LABEL_PREFIXES) for k in labels) else None


def node_pool(labels: Mapping[str, str]) -> str | None:
    return first_label(labels, (*POOL_LABELS, "karpenter.sh/nodepool"))


def instance_id(provider_id: str) -> str | None:
    """`gce://project/zone/gke-pool-abc` -> `gke-pool-abc` (the instance name GCP's export names)."""
    tail = provider_id.rstrip("/").rsplit("/", 1)[-1]
    return tail or None


def price_components(instance_type: str, os: str, labels: Mapping[str, str], gpus: Decimal) -> list[Any]:
    """vCPU and memory hours (or the machine type's own hour), plus attached GPUs on N1-style machines: A2/G2
    machine types carry their GPUs in their own price."""
    from finguard.pricing.resources.base import Attrs
    from finguard.pricing.resources.google._common import (
        _CUSTOM,
        core_ram_shape,
        gpu_components,
        machine_components,
        unknown_component,
    )

    if os == "windows":
        return [unknown_component(f"Instance usage ({instance_type}, Windows)", "hours", "Compute Engine",
                                  "Windows Server licences on GCE are not in the catalog")]
    parts = machine_components(instance_type)
    accelerator = labels.get(ACCELERATOR_LABEL)
    if accelerator and gpus > 0 and (core_ram_shape(instance_type) or _CUSTOM.match(instance_type)):
        parts.extend(gpu_components([Attrs({"type": accelerator, "count": int(gpus)})]))
    return parts
