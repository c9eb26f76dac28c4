"""Shared pieces of the Google cost models: SKU filters, machine types, disks, GPUs, node pools.

Prices are list prices per Catalog API SKU. Sustained-use and committed-use discounts are not
applied (they depend on how long and how much runs in a month, across the billing account), nor are
free tiers that the Catalog API states per billing account.

Machine types: E2, N1, N2 and N2D predefined types are priced per vCPU-hour and per GB-hour, as the
Catalog API lists (and the bill shows) them; custom types likewise. Every other predefined type
(C2, C2D, C3, N4, T2D, A2 with its GPUs, ...) is priced by its own per-machine-type list price
(`machine_type_filter`), which the snapshot carries for every type Google lists: its core and RAM
rates cannot all be separated from per-type prices, and a per-type price needs no family table here.
The snapshot builder (finguard/pricing/build/adapters/gcp_cyclenerd.py) imports these tables, so the
rows it writes are exactly the filters below.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, is_unknown, to_decimal

COMPUTE = "Compute Engine"
GKE = "Kubernetes Engine"
SQL = "Cloud SQL"
REDIS = "Cloud Memorystore for Redis"
GCS = "Cloud Storage"
FUNCTIONS = "Cloud Run Functions"

GLOBAL = "global"
LOCAL_SSD_GB = Decimal(375)  # every local SSD partition is 375 GB

# Whether finguard's estimator can price a component in another region than its resource's (the
# Catalog API lists some SKUs only under "global" or a multi-region such as "europe").
REGION_OVERRIDE = "region" in {f.name for f in dataclasses.fields(Component)}


def sku(stem: str, **extra: Any) -> dict[str, Any]:
    """Filter for an on-demand SKU named by its description stem (plus any other attributes)."""
    return {"descriptionStem": stem, "usageType": "OnDemand", **extra}


def component(name: str, unit: str, service: str, filters: dict[str, Any], quantity: Any, *,
              region: str | None = None, hourly: bool = False, group: str | None = None,
              unknown_reason: str | None = None) -> Component:
    """A Component; `region` names the Catalog API region when it is not the resource's own."""
    kwargs: dict[str, Any] = {"hourly": hourly, "group": group, "unknown_reason": unknown_reason}
    if region is not None:
        if REGION_OVERRIDE:
            kwargs["region"] = region
        else:
            filters = {**filters, "region": UNKNOWN}
            kwargs["unknown_reason"] = (
                f"the Catalog API lists this SKU under the {region!r} region, and this finguard's estimator "
                "looks prices up only in the resource's own region")
    return Component(name, unit, service, filters, quantity, **kwargs)


def unknown_component(name: str, unit: str, service: str, reason: str, *, group: str | None = None) -> Component:
    """A component that cannot be priced (never a silent $0): the reason is reported."""
    return Component(name, unit, service, {"descriptionStem": UNKNOWN}, UNKNOWN, group=group, unknown_reason=reason)


def times(a: Any, b: Any) -> Any:
    return UNKNOWN if is_unknown(a) or is_unknown(b) else a * b


def as_decimal(value: Any, default: Any = None, *, name: str | None = None) -> Any:
    """A quantity from plan JSON as Decimal; UNKNOWN stays UNKNOWN; None -> default. Text, NaN, Infinity,
    negative or absurd values raise ValueError naming `name` (the resource is then incomplete, never a crash)."""
    if value is None:
        return default
    return to_decimal(value, name)


# -- machine types ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Family:
    label: str
    core: str  # description stems of the on-demand SKUs
    ram: str
    ratios: dict[str, Decimal]  # GB of RAM per vCPU of each predefined class
    custom_core: str | None = None
    custom_ram: str | None = None
    custom_extended_ram: str | None = None
    max_custom_ratio: Decimal = Decimal(8)  # GB per vCPU before memory counts as extended


FAMILIES: dict[str, Family] = {
    "n1": Family("N1", "N1 Predefined Instance Core", "N1 Predefined Instance Ram",
                 {"standard": Decimal("3.75"), "highmem": Decimal("6.5"), "highcpu": Decimal("0.9")},
                 "Custom Instance Core", "Custom Instance Ram", "Custom Extended Instance Ram", Decimal("6.5")),
    "n2": Family("N2", "N2 Instance Core", "N2 Instance Ram",
                 {"standard": Decimal(4), "highmem": Decimal(8), "highcpu": Decimal(1)},
                 "N2 Custom Instance Core", "N2 Custom Instance Ram", "N2 Custom Extended Instance Ram"),
    "n2d": Family("N2D", "N2D AMD Instance Core", "N2D AMD Instance Ram",
                  {"standard": Decimal(4), "highmem": Decimal(8), "highcpu": Decimal(1)},
                  "N2D AMD Custom Instance Core", "N2D AMD Custom Instance Ram",
                  "N2D AMD Custom Extended Instance Ram"),
    "e2": Family("E2", "E2 Instance Core", "E2 Instance Ram",
                 {"standard": Decimal(4), "highmem": Decimal(8), "highcpu": Decimal(1)}),
}
"""Families priced per vCPU and GB (C2 is not here: only c2-standard types exist, so per-type list prices
cannot separate its core and RAM rates; it is priced per machine type like every unlisted family)."""
# Predefined types whose memory is not vCPUs x their class's GB per vCPU.
MEMORY_GB = {"n2-highmem-128": Decimal(864)}
# Shared-core E2 types are billed as a fraction of an E2 core plus their memory.
E2_SHARED = {"e2-micro": (Decimal("0.25"), Decimal(1)), "e2-small": (Decimal("0.5"), Decimal(2)),
             "e2-medium": (Decimal(1), Decimal(4))}
# f1-micro and g1-small have one flat SKU each.
FLAT = {"f1-micro": "Micro Instance with burstable CPU", "g1-small": "Small Instance with 1 VCPU"}

_PREDEFINED = re.compile(r"^(?P<family>[a-z]\d[a-z]?)-(?P<cls>standard|highmem|highcpu)-(?P<cpus>\d+)$")
_CUSTOM = re.compile(r"^(?:(?P<family>[a-z]\d[a-z]?)-)?custom-(?P<cpus>\d+)-(?P<mb>\d+)(?P<ext>-ext)?$")
# a predefined machine type name: family-class[-size][-suffix] (e2-medium, c3-standard-4-lssd, a2-highgpu-1g)
_MACHINE_TYPE = re.compile(r"^[a-z]\d+[a-z]*-[a-z]+(?:-[a-z0-9]+)*$")


def machine_type_filter(machine_type: str) -> dict[str, Any]:
    """Filter for the on-demand list price of one predefined machine type, per hour."""
    return {"machineType": machine_type, "usageType": "OnDemand"}


def core_ram_shape(machine_type: str) -> tuple[str, Decimal, Decimal] | None:
    """(family, vCPUs, GB of RAM) billed for a predefined type of a family priced per vCPU and GB."""
    if machine_type in E2_SHARED:
        return ("e2", *E2_SHARED[machine_type])
    m = _PREDEFINED.match(machine_type)
    family = FAMILIES.get(m["family"]) if m else None
    ratio = family.ratios.get(m["cls"]) if m and family else None
    if m is None or ratio is None:
        return None
    cpus = Decimal(m["cpus"])
    return m["family"], cpus, MEMORY_GB.get(machine_type, cpus * ratio)


def machine_components(machine_type: Any, *, count: Any = Decimal(1), spot: bool = False,
                       group: str | None = None, count_reason: str | None = None) -> list[Component]:
    """Hourly components of `count` VMs of `machine_type` running all month, on demand."""
    if is_unknown(machine_type) or not isinstance(machine_type, str) or not machine_type:
        return [unknown_component("Instance usage (?)", "hours", COMPUTE, "machine type known only after apply",
                                  group=group)]
    if spot:
        return [unknown_component(f"Instance usage ({machine_type}, preemptible/Spot)", "hours", COMPUTE,
                                  "preemptible and Spot prices are not priced (on-demand prices only)", group=group)]
    reason = (count_reason or "node or instance count known only after apply") if is_unknown(count) else None
    if machine_type in FLAT:
        return [component(f"Instance usage ({machine_type})", "hours", COMPUTE, sku(FLAT[machine_type]), count,
                          hourly=True, group=group, unknown_reason=reason)]
    if shape := core_ram_shape(machine_type):
        family = FAMILIES[shape[0]]
        return _core_ram(machine_type, family.core, family.ram, shape[1], shape[2], count, group, reason)
    if m := _CUSTOM.match(machine_type):
        family = FAMILIES.get(m["family"] or "n1")
        if family is not None and family.custom_core and family.custom_ram and family.custom_extended_ram:
            cpus, ram = Decimal(m["cpus"]), Decimal(m["mb"]) / 1024
            parts = _core_ram(machine_type, family.custom_core, family.custom_ram, cpus,
                              min(ram, cpus * family.max_custom_ratio) if m["ext"] else ram, count, group, reason)
            extended = ram - cpus * family.max_custom_ratio if m["ext"] else Decimal(0)
            if extended > 0:
                parts.append(component(f"Instance extended memory ({machine_type}, {extended.normalize():f} GB)",
                                       "GB-hours", COMPUTE, sku(family.custom_extended_ram), times(extended, count),
                                       hourly=True, group=group, unknown_reason=reason))
            return parts
    elif _MACHINE_TYPE.match(machine_type):
        return [component(f"Instance usage ({machine_type})", "hours", COMPUTE, machine_type_filter(machine_type),
                          count, hourly=True, group=group, unknown_reason=reason)]
    return [unknown_component(f"Instance usage ({machine_type})", "hours", COMPUTE,
                              f"machine type {machine_type} is not mapped to Catalog API SKUs", group=group)]


def _core_ram(machine_type: str, core: str, ram: str, cpus: Decimal, ram_gb: Decimal, count: Any,
              group: str | None, reason: str | None) -> list[Component]:
    return [
        component(f"Instance vCPUs ({machine_type}, {cpus.normalize():f} vCPU)", "vCPU-hours", COMPUTE, sku(core),
                  times(cpus, count), hourly=True, group=group, unknown_reason=reason),
        component(f"Instance memory ({machine_type}, {ram_gb.normalize():f} GB)", "GB-hours", COMPUTE, sku(ram),
                  times(ram_gb, count), hourly=True, group=group, unknown_reason=reason),
    ]


# -- persistent disks, local SSD, GPUs -------------------------------------------------------------
DISK_STEMS = {
    "pd-standard": "Storage PD Capacity",
    "pd-balanced": "Balanced PD Capacity",
    "pd-ssd": "SSD backed PD Capacity",
    "pd-extreme": "Extreme PD Capacity",
}
# Regional (replicated) persistent disks, and snapshots: no cost model queries them yet; the snapshot
# carries them under these Catalog API stems so `pricing lookup` and a future model find them.
REGIONAL_DISK_STEMS = {
    "pd-standard": "Regional Storage PD Capacity",
    "pd-balanced": "Regional Balanced PD Capacity",
    "pd-ssd": "Regional SSD backed PD Capacity",
}
SNAPSHOT_STEM = "Storage PD Snapshot"
LOCAL_SSD_STEM = "SSD backed Local Storage"
# GCE API defaults for a blank disk's size by type (GB).
DEFAULT_DISK_GB = {"pd-standard": Decimal(500), "pd-balanced": Decimal(100), "pd-ssd": Decimal(100),
                   "pd-extreme": Decimal(1000)}


def disk_component(name: str, disk_type: Any, size_gb: Any, *, group: str | None = None,
                   unknown_reason: str | None = None) -> Component:
    if is_unknown(disk_type) or not isinstance(disk_type, str):
        return unknown_component(f"{name} (?)", "GB", COMPUTE, unknown_reason or "disk type known only after apply",
                                 group=group)
    stem = DISK_STEMS.get(disk_type)
    if stem is None:
        return unknown_component(f"{name} ({disk_type})", "GB", COMPUTE,
                                 f"disk type {disk_type} is not mapped to a Catalog API SKU", group=group)
    reason = unknown_reason or ("disk size known only after apply" if is_unknown(size_gb) else None)
    return component(f"{name} ({disk_type})", "GB", COMPUTE, sku(stem), size_gb, group=group, unknown_reason=reason)


def local_ssd_component(partitions: Any, *, spot: bool = False, group: str | None = None) -> Component | None:
    if not is_unknown(partitions) and not partitions:
        return None
    if spot:
        return unknown_component("Local SSD", "GB", COMPUTE, "local SSD of a preemptible/Spot VM is not priced "
                                 "(on-demand prices only)", group=group)
    return component(f"Local SSD ({'?' if is_unknown(partitions) else partitions} x 375 GB)", "GB", COMPUTE,
                     sku(LOCAL_SSD_STEM), times(partitions, LOCAL_SSD_GB), group=group,
                     unknown_reason="local SSD count known only after apply" if is_unknown(partitions) else None)


GPU_STEMS = {
    "nvidia-tesla-t4": "Nvidia Tesla T4 GPU",
    "nvidia-tesla-p4": "Nvidia Tesla P4 GPU",
    "nvidia-tesla-v100": "Nvidia Tesla V100 GPU",
    "nvidia-tesla-p100": "Nvidia Tesla P100 GPU",
    "nvidia-tesla-k80": "Nvidia Tesla K80 GPU",
    "nvidia-tesla-a100": "Nvidia Tesla A100 GPU",
    "nvidia-l4": "Nvidia L4 GPU",
}


def gpu_components(blocks: list[Attrs], *, count: Any = Decimal(1), spot: bool = False,
                   group: str | None = None) -> list[Component]:
    parts = []
    for block in blocks:
        gpu_type, per_vm = block.get("type"), as_decimal(block.get("count"), Decimal(1), name="count")
        label = "?" if is_unknown(gpu_type) else gpu_type
        if spot:
            parts.append(unknown_component(f"GPU ({label})", "GPU-hours", COMPUTE,
                                           "GPUs of preemptible/Spot VMs are not priced (on-demand prices only)",
                                           group=group))
        elif is_unknown(gpu_type) or gpu_type not in GPU_STEMS:
            parts.append(unknown_component(f"GPU ({label})", "GPU-hours", COMPUTE,
                                           "GPU type known only after apply" if is_unknown(gpu_type)
                                           else f"GPU type {gpu_type} is not mapped to a Catalog API SKU",
                                           group=group))
        else:
            parts.append(component(f"GPU ({gpu_type} x {per_vm})", "GPU-hours", COMPUTE, sku(GPU_STEMS[gpu_type]),
                                   times(per_vm, count), hourly=True, group=group))
    return parts


# -- GKE node pools ---------------------------------------------------------------------------------
GKE_DEFAULT_MACHINE = "e2-medium"  # GKE's default node machine type
GKE_DEFAULT_DISK_GB = Decimal(100)
GKE_DEFAULT_DISK_TYPE = "pd-balanced"
REGIONAL_DEFAULT_ZONES = 3  # a regional cluster puts nodes in three of its region's zones by default
_ZONE = re.compile(r"^[a-z]+-[a-z]+\d+-[a-z]$")


def is_zone(location: Any) -> bool:
    return isinstance(location, str) and bool(_ZONE.match(location))


def zone_count(node_locations: Any, location: Any) -> tuple[Any, str]:
    """How many zones a node pool spans, and how that was decided."""
    if is_unknown(node_locations):
        return UNKNOWN, "node locations known only after apply"
    if isinstance(node_locations, list) and node_locations:
        return Decimal(len(node_locations)), f"{len(node_locations)} node locations"
    if is_unknown(location):
        return UNKNOWN, "cluster location known only after apply"
    if is_zone(location):
        return Decimal(1), "zonal cluster"
    return Decimal(REGIONAL_DEFAULT_ZONES), f"regional cluster: {REGIONAL_DEFAULT_ZONES} zones by default"


def node_components(config: Attrs | None, nodes: Any, *, group: str | None = None,
                    count_reason: str | None = None) -> list[Component]:
    """VMs, boot disks, local SSDs and GPUs of `nodes` GKE nodes with this node_config."""
    config = config or Attrs({})
    spot = config.get("preemptible") is True or config.get("spot") is True
    machine = config.get("machine_type") or GKE_DEFAULT_MACHINE
    disk_gb = as_decimal(config.get("disk_size_gb"), GKE_DEFAULT_DISK_GB, name="disk_size_gb")
    disk_type = config.get("disk_type") or GKE_DEFAULT_DISK_TYPE
    reason = (count_reason or "node count known only after apply") if is_unknown(nodes) else None
    parts = machine_components(machine, count=nodes, spot=spot, group=group, count_reason=reason)
    parts.append(disk_component("Boot disk", disk_type, times(disk_gb, nodes), group=group, unknown_reason=reason))
    ssd_per_node = as_decimal(config.get("local_ssd_count"), Decimal(0), name="local_ssd_count")
    if is_unknown(ssd_per_node) or ssd_per_node:
        ssd = local_ssd_component(times(ssd_per_node, nodes), spot=spot, group=group)
        if ssd is not None:
            parts.append(ssd)
    parts.extend(gpu_components(config.blocks("guest_accelerator"), count=nodes, spot=spot, group=group))
    return parts


def pool_nodes(pool: Attrs, *, location: Any, cluster_node_locations: Any = None,
               usage_nodes: Any = None) -> tuple[Any, str]:
    """Nodes of a GKE node pool (all zones) and how that number was found.

    Per zone: `node_count` (the pool's current size), else the autoscaling minimum (noted as such),
    else `initial_node_count`. Zones: the pool's `node_locations`, else the cluster's, else one for a
    zonal cluster and three for a regional one. A `nodes` usage value (total) overrides all this.
    """
    if usage_nodes is not None:
        return Decimal(str(usage_nodes)), f"{Decimal(str(usage_nodes)).normalize():f} nodes from the usage file"
    pool_locations = pool.get("node_locations")
    zones, zone_note = zone_count(pool_locations if pool_locations else cluster_node_locations, location)
    per_zone = as_decimal(pool.get("node_count"), name="node_count")
    basis = "node_count"
    scaling = pool.blocks("autoscaling")
    if per_zone is None and scaling:
        total_min = as_decimal(scaling[0].get("total_min_node_count"), name="total_min_node_count")
        if total_min is not None and not is_unknown(total_min):
            return total_min, f"{total_min.normalize():f} nodes: autoscaling total minimum"
        per_zone, basis = as_decimal(scaling[0].get("min_node_count"), name="min_node_count"), "autoscaling minimum"
    if per_zone is None:
        per_zone, basis = as_decimal(pool.get("initial_node_count"), name="initial_node_count"), "initial_node_count"
    if per_zone is None:
        return UNKNOWN, "node count not set in the plan"
    nodes = times(per_zone, zones)
    if is_unknown(nodes):
        return UNKNOWN, "node count known only after apply" if is_unknown(per_zone) else zone_note
    return nodes, f"{nodes.normalize():f} nodes: {per_zone.normalize():f} per zone ({basis}) x {zone_note}"
