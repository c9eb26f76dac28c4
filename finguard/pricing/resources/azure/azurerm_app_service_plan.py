"""azurerm_app_service_plan (superseded by azurerm_service_plan): sku.capacity instances of sku.size;
Linux when kind is "Linux" or reserved is true."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.azure._app_service import plan_components, worker_count
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown
from finguard.pricing.resources.context import ProjectContext


class AzurermAppServicePlan(CostModel):
    resource_types = ("azurerm_app_service_plan",)
    provider = "azurerm"

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        skus = attrs.blocks("sku")
        sku = skus[0] if skus else Attrs({})
        kind, reserved = attrs.get("kind", "Windows"), attrs.get("reserved", False)
        if is_unknown(kind) or is_unknown(reserved):
            os_type = UNKNOWN
        else:
            os_type = "Linux" if str(kind).lower() == "linux" or reserved is True else "Windows"
        return plan_components(sku.get("size", UNKNOWN if not skus else None), os_type,
                               worker_count(sku.get("capacity")))
