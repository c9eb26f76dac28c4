"""azurerm_public_ip: hours of one IPv4 address by SKU (Basic static/dynamic, Standard) and tier
(Regional, Global)."""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown
from finguard.pricing.resources.context import ProjectContext


class AzurermPublicIp(CostModel):
    resource_types = ("azurerm_public_ip",)
    provider = "azurerm"

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        sku = attrs.get("sku")
        allocation = attrs.get("allocation_method")
        tier = attrs.get("sku_tier", "Regional")
        unknown = [name for name, value in (("sku", sku), ("allocation_method", allocation), ("sku_tier", tier))
                   if value is None or is_unknown(value)]
        if unknown:
            return [Component("IP address", "hours", m.VNET_SERVICE, {"skuName": UNKNOWN}, Decimal(1), hourly=True,
                              unknown_reason=f"{', '.join(unknown)} not known (the provider default depends "
                                             "on its version)" if "sku" in unknown else
                              f"{', '.join(unknown)} known only after apply")]
        if attrs.get("ip_version", "IPv4") == "IPv6":
            return [Component("IP address (IPv6)", "hours", m.VNET_SERVICE, {"skuName": UNKNOWN}, Decimal(1),
                              hourly=True, unknown_reason="IPv6 public addresses are not modelled")]
        scope = "global" if str(tier).lower() == "global" else "regional"
        label = f"IP address ({str(allocation).lower()}, {scope})"
        return [Component(label, "hours", m.VNET_SERVICE, m.public_ip_filters(str(sku), str(allocation), str(tier)),
                          Decimal(1), hourly=True)]
