"""Components several Azure models share: VM hours, managed disks, and where a price is looked up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, is_unknown, quantity, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

_HAS_REGION = "region" in getattr(Component, "__dataclass_fields__", {})

VM_USAGE_KEYS = {
    "monthly_hrs": UsageKey("hours", "hours the virtual machine runs per month (default: all month, 730)"),
    "monthly_disk_operations": UsageKey("operations", "billable I/O operations (16 KiB each) on the OS disk per "
                                                      "month; Standard HDD and Standard SSD bill them per 10,000"),
}


def in_region(component: Component, region: str | None) -> Component:
    """Price `component` in `region` instead of the resource's own (global meters, a parent's region)."""
    if region is not None and _HAS_REGION:
        component.region = region  # type: ignore[attr-defined]
    return component


def global_meter(component: Component, resource: Resource) -> Component:
    """A meter Azure publishes once for all regions (see _meters.global_meter_region)."""
    return in_region(component, m.global_meter_region(resource.region))


def parent_region(ctx: ProjectContext, resource: Resource, path: str, parent_type: str) -> str | None:
    """The region of the resource this one belongs to (a node pool's cluster, a database's server)."""
    parent = ctx.referenced(resource, path, parent_type)
    return parent.region if parent is not None else None


def vm_hours(size: Any, os_name: str, *, count: Any = Decimal(1), monthly_hours: Any = None,
             hybrid_benefit: bool = False, spot: bool = False, group: str | None = None) -> Component:
    """Pay-as-you-go hours of `count` VMs; Azure Hybrid Benefit bills Windows VMs at the Linux rate."""
    purchase = "hybrid benefit" if hybrid_benefit else "spot" if spot else "pay as you go"
    label = "?" if is_unknown(size) or not size else size
    name = f"Instance usage ({os_name}, {purchase}, {label})"
    meter_os = "Linux" if hybrid_benefit else os_name
    reason = None
    if is_unknown(size) or not size:
        filters: dict[str, Any] = {"armSkuName": UNKNOWN}
        reason = "VM size known only after apply"
    elif spot:
        filters = {"armSkuName": UNKNOWN}
        reason = "Spot VMs are billed at the current spot price, which the price list does not fix"
    else:
        filters = m.vm_filters(str(size), meter_os)
    if monthly_hours is not None:
        qty = UNKNOWN if is_unknown(count) else monthly_hours * count
        return Component(name, "hours", m.VM_SERVICE, filters, qty, group=group, unknown_reason=reason or (
            "instance count known only after apply" if is_unknown(count) else None))
    if reason is None and is_unknown(count):
        reason = "instance count known only after apply"
    return Component(name, "hours", m.VM_SERVICE, filters, count, hourly=True, group=group, unknown_reason=reason)


def disk_components(storage_account_type: Any, size_gb: Any, *, count: Any = Decimal(1), group: str | None = None,
                    operations: Decimal | None = None, size_reason: str | None = None,
                    size_name: str = "disk_size_gb") -> list[Component]:
    """A managed disk's monthly tier charge (P10, E10, S10 ...) and, on Standard HDD/SSD, its operations."""
    if is_unknown(storage_account_type) or not storage_account_type:
        return [Component("Storage", "months", m.DISK_SERVICE, {"skuName": UNKNOWN}, UNKNOWN, group=group,
                          unknown_reason="disk storage type known only after apply")]
    kind = str(storage_account_type)
    if kind.split("_", 1)[0].lower() in ("ultrassd", "premiumv2"):
        return [Component(f"Storage ({kind})", "GiB", m.DISK_SERVICE, {"skuName": UNKNOWN}, UNKNOWN, group=group,
                          unknown_reason=f"{kind} disks are billed per provisioned GiB, IOPS and MB/s: not modelled")]
    if is_unknown(size_gb) or size_gb is None:
        return [Component(f"Storage ({kind})", "months", m.DISK_SERVICE, {"skuName": UNKNOWN}, UNKNOWN, group=group,
                          unknown_reason=size_reason or "disk size known only after apply")]
    size = quantity(size_gb, name=size_name)
    tier = m.disk_tier(kind, size)
    if tier is None:
        raise ValueError(f"no managed disk tier for storage_account_type {kind!r} and {size} GiB")
    qty = UNKNOWN if is_unknown(count) else count
    parts = [Component(f"Storage ({tier.label})", "months", m.DISK_SERVICE, m.disk_filters(tier), qty, group=group,
                       unknown_reason="disk count known only after apply" if is_unknown(count) else None)]
    if tier.letter in ("S", "E"):
        ops = None if operations is None else (
            UNKNOWN if is_unknown(count) else operations * count / Decimal(10_000))
        parts.append(Component("Disk operations", "10k operations", m.DISK_SERVICE,
                               m.disk_operations_filters(m.operations_meter_tier(tier)), ops, group=group))
    return parts


def os_disk_components(block: Attrs | None, *, count: Any = Decimal(1), usage: dict[str, Any] | None = None,
                       group: str = "os_disk") -> list[Component]:
    """The os_disk block of a VM or scale set: its size comes from the image unless disk_size_gb is set."""
    if block is None:
        return [Component("Storage", "months", m.DISK_SERVICE, {"skuName": UNKNOWN}, UNKNOWN, group=group,
                          unknown_reason="OS disk not described in the plan")]
    return disk_components(block.get("storage_account_type"), block.get("disk_size_gb"), count=count, group=group,
                           operations=usage_quantity(usage or {}, "monthly_disk_operations"),
                           size_reason="OS disk size comes from the image unless disk_size_gb is set")


def monthly_hours(usage: dict[str, Any]) -> Decimal | None:
    return usage_quantity(usage, "monthly_hrs")
