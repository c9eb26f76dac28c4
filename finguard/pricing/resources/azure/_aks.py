"""AKS node pools: `node_count` VMs of `vm_size` plus one managed OS disk each.

A node's OS disk is a managed disk unless os_disk_type is "Ephemeral" (then it lives on the VM's
local storage, at no extra charge). Its class follows the VM size: Premium SSD on sizes with
premium storage (an "s" capability: DS2_v2, D4s_v3), Standard HDD otherwise, as Infracost prices
it; its size is os_disk_size_gb, which AKS chooses per VM size when it is not set (unknown).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.resources.azure._common import disk_components, vm_hours
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, is_unknown, quantity


def pool_os(pool: Attrs) -> Any:
    """"Windows" when os_type is Windows or os_sku a Windows image (Windows2019, Windows2022), else "Linux";
    UNKNOWN when either is known only after apply."""
    os_type, os_sku = pool.get("os_type", "Linux"), pool.get("os_sku")
    if is_unknown(os_type) or is_unknown(os_sku):
        return UNKNOWN
    windows = os_type == "Windows" or (isinstance(os_sku, str) and os_sku.startswith("Windows"))
    return "Windows" if windows else "Linux"


def node_count(pool: Attrs, usage_nodes: Decimal | None) -> tuple[Any, str | None]:
    """Nodes to price: the usage value, else node_count; an autoscaled pool without either is unknown."""
    if usage_nodes is not None:
        return usage_nodes, None
    count = pool.get("node_count")
    if count is not None and not is_unknown(count):
        return quantity(count, name="node_count"), None
    autoscaled = pool.get("auto_scaling_enabled", pool.get("enable_auto_scaling"))
    if autoscaled is True:
        low, high = pool.get("min_count"), pool.get("max_count")
        return UNKNOWN, f"autoscaled between min_count {low} and max_count {high}: set the usage value for nodes"
    if is_unknown(count):
        return UNKNOWN, "node_count known only after apply"
    return UNKNOWN, "node_count not set: set it, or the usage value for nodes"


def pool_components(pool: Attrs, os_name: str, count: Any, count_reason: str | None, *,
                    spot: bool = False, group: str | None = None) -> list[Component]:
    size = pool.get("vm_size")
    hours = vm_hours(size, os_name, count=count, spot=spot, group=group)
    if count_reason and hours.unknown_reason in (None, "instance count known only after apply"):
        hours.unknown_reason = count_reason
    parts = [hours]
    disk_type = pool.get("os_disk_type", "Managed")
    if disk_type == "Ephemeral":
        return parts
    disk_group = f"{group} > os_disk" if group else "os_disk"
    if is_unknown(size) or not isinstance(size, str) or is_unknown(disk_type):
        parts.append(Component("Storage", "months", m.DISK_SERVICE, {"skuName": UNKNOWN}, UNKNOWN, group=disk_group,
                               unknown_reason="OS disk type depends on the VM size, known only after apply"))
        return parts
    storage = "Premium_LRS" if m.supports_premium_storage(size) else "Standard_LRS"
    parts.extend(disk_components(storage, pool.get("os_disk_size_gb"), count=count, group=disk_group,
                                 size_name="os_disk_size_gb",
                                 size_reason="os_disk_size_gb not set: AKS chooses it per VM size"))
    if count_reason:
        for part in parts[1:]:
            if part.unknown_reason is None or part.unknown_reason.startswith("disk count"):
                part.unknown_reason = count_reason
    return parts
