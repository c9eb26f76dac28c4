"""azurerm_managed_disk: the monthly charge of the billing tier its size falls in (P10, E10, S10 ...),
plus operations on Standard HDD / Standard SSD disks (usage-based)."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.azure._common import disk_components
from finguard.pricing.resources.base import Attrs, Component, CostModel, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey


class AzurermManagedDisk(CostModel):
    resource_types = ("azurerm_managed_disk",)
    provider = "azurerm"
    usage_keys = {"monthly_disk_operations": UsageKey(
        "operations", "billable I/O operations (16 KiB each) per month; Standard HDD and Standard SSD bill them "
                      "per 10,000")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        return disk_components(attrs.get("storage_account_type"), attrs.get("disk_size_gb"),
                               operations=usage_quantity(ctx.usage(resource), "monthly_disk_operations"))
