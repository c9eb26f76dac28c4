"""azurerm_nat_gateway: hours, plus data processed per GB (usage-based); both meters are one price
for all regions."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.resources.azure._common import global_meter
from finguard.pricing.resources.base import Attrs, Component, CostModel, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey


class AzurermNatGateway(CostModel):
    resource_types = ("azurerm_nat_gateway",)
    provider = "azurerm"
    usage_keys = {"monthly_data_processed_gb": UsageKey("GB", "data the gateway processes per month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        return [
            global_meter(Component("NAT gateway", "hours", m.NAT_SERVICE, m.nat_gateway_hours_filters(), Decimal(1),
                                   hourly=True), resource),
            global_meter(Component("Data processed", "GB", m.NAT_SERVICE, m.nat_data_processed_filters(),
                                   usage_quantity(ctx.usage(resource), "monthly_data_processed_gb")), resource),
        ]
