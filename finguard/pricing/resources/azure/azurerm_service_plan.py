"""azurerm_service_plan: `worker_count` instances of sku_name (B1, S1, P1v3, I1v2 ...) for os_type."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.azure._app_service import plan_components, worker_count
from finguard.pricing.resources.base import Attrs, Component, CostModel
from finguard.pricing.resources.context import ProjectContext


class AzurermServicePlan(CostModel):
    resource_types = ("azurerm_service_plan",)
    provider = "azurerm"

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        return plan_components(attrs.get("sku_name"), attrs.get("os_type"), worker_count(attrs.get("worker_count")))
