"""azurerm_virtual_machine (the provider's legacy VM type): hours of vm_size, OS and data disks.

The operating system is read from storage_os_disk.os_type, else from which os_profile_*_config
block is present; managed disks are priced by managed_disk_type and disk_size_gb (unmanaged VHD
disks live in a storage account and are not priced here).
"""

from __future__ import annotations

from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.resources.azure._common import (
    VM_USAGE_KEYS,
    disk_components,
    monthly_hours,
    vm_hours,
)
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext


def _operating_system(attrs: Attrs, os_disk: Attrs | None) -> str | None:
    os_type = os_disk.get("os_type") if os_disk is not None else None
    if isinstance(os_type, str) and os_type in ("Linux", "Windows"):
        return os_type
    if attrs.blocks("os_profile_windows_config"):
        return "Windows"
    if attrs.blocks("os_profile_linux_config"):
        return "Linux"
    return None


def _disk(block: Attrs, group: str, operations: Any = None) -> list[Component]:
    if block.get("vhd_uri"):
        return [Component("Storage (unmanaged VHD)", "GB", m.DISK_SERVICE, {"skuName": UNKNOWN}, UNKNOWN, group=group,
                          unknown_reason="unmanaged disks are billed as page blobs of their storage account")]
    return disk_components(block.get("managed_disk_type"), block.get("disk_size_gb"), group=group,
                           operations=operations,
                           size_reason="disk size comes from the image unless disk_size_gb is set")


class AzurermVirtualMachine(CostModel):
    resource_types = ("azurerm_virtual_machine",)
    provider = "azurerm"
    usage_keys = VM_USAGE_KEYS

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        os_blocks = attrs.blocks("storage_os_disk")
        os_disk = os_blocks[0] if os_blocks else None
        os_name = _operating_system(attrs, os_disk)
        size = attrs.get("vm_size")
        if os_name is None:
            hours = vm_hours(size, "Linux", monthly_hours=monthly_hours(usage))
            hours.name = hours.name.replace("(Linux,", "(?,")
            hours.filters = {"armSkuName": UNKNOWN}
            hours.unknown_reason = "operating system not stated (storage_os_disk.os_type or os_profile_*_config)"
        else:
            license_type = attrs.get("license_type")
            hours = vm_hours(size, os_name, monthly_hours=monthly_hours(usage),
                             hybrid_benefit=os_name == "Windows" and not is_unknown(license_type)
                             and license_type in ("Windows_Server", "Windows_Client"))
        parts = [hours]
        if os_disk is not None:
            parts.extend(_disk(os_disk, "storage_os_disk", usage_quantity(usage, "monthly_disk_operations")))
        for i, block in enumerate(attrs.blocks("storage_data_disk")):
            parts.extend(_disk(block, f"storage_data_disk[{i}]"))
        return parts
