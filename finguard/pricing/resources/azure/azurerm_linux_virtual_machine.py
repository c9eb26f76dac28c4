"""azurerm_linux_virtual_machine: pay-as-you-go hours of its size (Linux meter) and its OS disk."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.azure._common import VM_USAGE_KEYS, monthly_hours, os_disk_components, vm_hours
from finguard.pricing.resources.base import Attrs, Component, CostModel
from finguard.pricing.resources.context import ProjectContext


class AzurermLinuxVirtualMachine(CostModel):
    resource_types = ("azurerm_linux_virtual_machine",)
    provider = "azurerm"
    usage_keys = VM_USAGE_KEYS

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        disks = attrs.blocks("os_disk")
        return [
            vm_hours(attrs.get("size"), "Linux", monthly_hours=monthly_hours(usage),
                     spot=attrs.get("priority") == "Spot"),
            *os_disk_components(disks[0] if disks else None, usage=usage),
        ]
