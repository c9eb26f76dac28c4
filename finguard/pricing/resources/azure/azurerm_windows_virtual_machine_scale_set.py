"""azurerm_windows_virtual_machine_scale_set: `instances` Windows VMs of `sku` (Linux rate with Azure
Hybrid Benefit), each with its OS disk."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.azure._scale_set import SCALE_SET_USAGE_KEYS, scale_set_components
from finguard.pricing.resources.base import Attrs, Component, CostModel
from finguard.pricing.resources.context import ProjectContext


class AzurermWindowsVirtualMachineScaleSet(CostModel):
    resource_types = ("azurerm_windows_virtual_machine_scale_set",)
    provider = "azurerm"
    usage_keys = SCALE_SET_USAGE_KEYS

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        hybrid = attrs.get("license_type") in ("Windows_Server", "Windows_Client")
        return scale_set_components(resource, attrs, ctx, "Windows", hybrid_benefit=hybrid)
