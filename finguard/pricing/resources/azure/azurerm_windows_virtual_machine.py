"""azurerm_windows_virtual_machine: hours of its size at the Windows rate (the Linux rate with Azure
Hybrid Benefit, license_type Windows_Server / Windows_Client) and its OS disk."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.azure._common import VM_USAGE_KEYS, monthly_hours, os_disk_components, vm_hours
from finguard.pricing.resources.base import Attrs, Component, CostModel
from finguard.pricing.resources.context import ProjectContext

HYBRID_BENEFIT_LICENSES = ("Windows_Server", "Windows_Client")


class AzurermWindowsVirtualMachine(CostModel):
    resource_types = ("azurerm_windows_virtual_machine",)
    provider = "azurerm"
    usage_keys = VM_USAGE_KEYS

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        disks = attrs.blocks("os_disk")
        return [
            vm_hours(attrs.get("size"), "Windows", monthly_hours=monthly_hours(usage),
                     hybrid_benefit=attrs.get("license_type") in HYBRID_BENEFIT_LICENSES,
                     spot=attrs.get("priority") == "Spot"),
            *os_disk_components(disks[0] if disks else None, usage=usage),
        ]
