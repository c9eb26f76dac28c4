"""Builders of Kubernetes API objects as the API (and `kubectl get -o json`) writes them, for the k8s tests.

Nodes carry each platform's own label spellings: EKS managed node groups, Karpenter on EKS, GKE (Spot,
preemptible, accelerators) and AKS (Spot scale sets), so the tests read what real clusters write.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

GIB = 1 << 30


def _uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def node(name: str, *, labels: dict[str, str], provider_id: str | None, cpu: str = "4", memory: str = "16Gi",
         gpu: str | None = None, created: str = "2024-01-01T00:00:00Z", allocatable: dict[str, str] | None = None
         ) -> dict[str, Any]:
    capacity = {"cpu": cpu, "memory": memory, "pods": "110", "ephemeral-storage": "83873772Ki"}
    if gpu:
        capacity["nvidia.com/gpu"] = gpu
    out: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": _uid("node/" + name), "creationTimestamp": created,
                     "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                "kubernetes.io/arch": "amd64", **labels}},
        "spec": {},
        "status": {"capacity": capacity, "allocatable": allocatable or dict(capacity),
                   "conditions": [{"type": "Ready", "status": "True"}]},
    }
    if provider_id:
        out["spec"]["providerID"] = provider_id
    return out


def eks_node(name: str, instance_type: str = "m5.xlarge", *, spot: bool = False, group: str = "general",
             region: str = "us-east-1", zone: str = "us-east-1a", **kw: Any) -> dict[str, Any]:
    """An EKS managed node group node."""
    labels = {"node.kubernetes.io/instance-type": instance_type, "beta.kubernetes.io/instance-type": instance_type,
              "topology.kubernetes.io/region": region, "topology.kubernetes.io/zone": zone,
              "failure-domain.beta.kubernetes.io/region": region, "eks.amazonaws.com/nodegroup": group,
              "eks.amazonaws.com/capacityType": "SPOT" if spot else "ON_DEMAND",
              "eks.amazonaws.com/nodegroup-image": "ami-0123456789abcdef0"}
    return node(name, labels=labels, provider_id=f"aws:///{zone}/i-{_uid(name)[:17].replace('-', '')}", **kw)


def karpenter_node(name: str, instance_type: str = "c6i.2xlarge", *, capacity_type: str = "spot",
                   pool: str = "default", region: str = "us-east-1", zone: str = "us-east-1b", **kw: Any
                   ) -> dict[str, Any]:
    """A node Karpenter launched on EKS (v1 NodePool labels)."""
    labels = {"node.kubernetes.io/instance-type": instance_type, "topology.kubernetes.io/region": region,
              "topology.kubernetes.io/zone": zone, "karpenter.sh/capacity-type": capacity_type,
              "karpenter.sh/nodepool": pool, "karpenter.sh/registered": "true",
              "karpenter.k8s.aws/instance-family": instance_type.split(".")[0],
              "karpenter.k8s.aws/instance-cpu": "8"}
    return node(name, labels=labels, provider_id=f"aws:///{zone}/i-{_uid(name)[:17].replace('-', '')}", **kw)


def gke_node(name: str, machine_type: str = "n2-standard-4", *, pool: str = "default-pool", spot: bool = False,
             preemptible: bool = False, accelerator: str | None = None, region: str = "us-central1",
             zone: str = "us-central1-a", project: str = "acme-prod", **kw: Any) -> dict[str, Any]:
    labels = {"node.kubernetes.io/instance-type": machine_type, "topology.kubernetes.io/region": region,
              "topology.kubernetes.io/zone": zone, "cloud.google.com/gke-nodepool": pool,
              "cloud.google.com/gke-os-distribution": "cos", "cloud.google.com/machine-family": machine_type[:2]}
    if spot:
        labels["cloud.google.com/gke-spot"] = "true"
        labels["cloud.google.com/gke-provisioning"] = "spot"
    if preemptible:
        labels["cloud.google.com/gke-preemptible"] = "true"
    if accelerator:
        labels["cloud.google.com/gke-accelerator"] = accelerator
    return node(name, labels=labels, provider_id=f"gce://{project}/{zone}/{name}", **kw)


def aks_node(name: str, size: str = "Standard_D4s_v5", *, pool: str = "nodepool1", spot: bool = False,
             region: str = "westeurope", zone: str = "westeurope-1", index: int = 0, **kw: Any) -> dict[str, Any]:
    labels = {"node.kubernetes.io/instance-type": size, "topology.kubernetes.io/region": region,
              "topology.kubernetes.io/zone": zone, "kubernetes.azure.com/agentpool": pool, "agentpool": pool,
              "kubernetes.azure.com/cluster": "MC_rg_aks_westeurope", "kubernetes.azure.com/mode": "user"}
    if spot:
        labels["kubernetes.azure.com/scalesetpriority"] = "spot"
    provider_id = ("azure:///subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mc_rg_aks_westeurope/"
                   f"providers/Microsoft.Compute/virtualMachineScaleSets/aks-{pool}-12345678-vmss/virtualMachines/"
                   f"{index}")
    return node(name, labels=labels, provider_id=provider_id, **kw)


def pod(name: str, namespace: str, node_name: str | None, *, cpu: str | None = "500m", memory: str | None = "1Gi",
        gpu: str | None = None, labels: dict[str, str] | None = None, owner: tuple[str, str] | None = None,
        start: str | None = "2024-01-01T00:00:00Z", phase: str = "Running", finished: str | None = None,
        init: list[dict[str, Any]] | None = None, limits_only: bool = False) -> dict[str, Any]:
    requests: dict[str, str] = {}
    if cpu is not None:
        requests["cpu"] = cpu
    if memory is not None:
        requests["memory"] = memory
    if gpu is not None:
        requests["nvidia.com/gpu"] = gpu
    resources = {"limits": dict(requests)} if limits_only else {"requests": requests, "limits": dict(requests)}
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "uid": _uid(f"pod/{namespace}/{name}"),
                            "labels": dict(labels or {})}
    if start:
        meta["creationTimestamp"] = start
    if owner:
        kind, owner_name = owner
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": kind, "name": owner_name, "controller": True,
                                    "uid": _uid(owner_name)}]
        if kind == "ReplicaSet":
            meta["labels"]["pod-template-hash"] = owner_name.rsplit("-", 1)[-1]
    spec: dict[str, Any] = {"containers": [{"name": "main", "image": "registry.example/app:1", "resources": resources}]}
    if init:
        spec["initContainers"] = init
    if node_name:
        spec["nodeName"] = node_name
    status: dict[str, Any] = {"phase": phase}
    if start and node_name:
        status["startTime"] = start
    if finished:
        status["containerStatuses"] = [{"name": "main", "state": {"terminated": {"exitCode": 0,
                                                                                 "finishedAt": finished}}}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def versioned(item: dict[str, Any]) -> dict[str, Any]:
    """The object with a resourceVersion that changes with its content, as the API server's does."""
    meta = {k: v for k, v in item.get("metadata", {}).items() if k != "resourceVersion"}
    body = json.dumps({**item, "metadata": meta}, sort_keys=True).encode()
    return {**item, "metadata": {**meta, "resourceVersion": str(int(hashlib.sha1(body).hexdigest()[:10], 16))}}


def document(*items: dict[str, Any]) -> dict[str, Any]:
    """What `kubectl get nodes,pods -A -o json` writes."""
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
            "items": [versioned(i) if isinstance(i, dict) and isinstance(i.get("metadata"), dict) else i
                      for i in items]}


def write_snapshot(directory: Path, moment: datetime | str, *items: dict[str, Any], indent: int | None = 1) -> Path:
    """A snapshot file named by its UTC time, as `finguard k8s snapshot` names them."""
    stamp = moment if isinstance(moment, str) else moment.strftime("%Y-%m-%dT%H-%M-%SZ")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stamp}.json"
    path.write_text(json.dumps(document(*items), indent=indent), encoding="utf-8")
    return path


def prometheus_matrix(series: dict[tuple[str, str], list[tuple[int, float | str]]]) -> dict[str, Any]:
    """A query_range response: {(namespace, pod): [(epoch seconds, value), ...]}."""
    return {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {"namespace": ns, "pod": name}, "values": [[t, str(v)] for t, v in values]}
        for (ns, name), values in series.items()]}}
