"""azurerm_lb: Basic load balancers are free. A Standard one bills an hourly charge covering its first
five load-balancing and outbound rules, each further rule per hour (both meters are one price for
all regions), and data processed per GB (usage-based). Without rules there is no hourly charge.

Rules are the azurerm_lb_rule and azurerm_lb_outbound_rule resources of the plan whose
loadbalancer_id refers to this load balancer (inbound NAT rules are free); the usage value `rules`
replaces that count when rules are managed elsewhere.
"""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.resources.azure._common import global_meter
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, NoCost, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

RULE_TYPES = ("azurerm_lb_rule", "azurerm_lb_outbound_rule")
INCLUDED_RULES = Decimal(5)


def count_rules(resource: Resource, ctx: ProjectContext) -> int:
    lb_id = (resource.after or resource.before or {}).get("id")
    found = 0
    for other in ctx.by_address.values():
        if other.type not in RULE_TYPES or other.is_data:
            continue
        values = other.after if ctx.state == "after" else other.before
        if values is None:
            continue
        target = ctx.referenced(other, "loadbalancer_id", "azurerm_lb")
        if target is resource or (isinstance(lb_id, str) and values.get("loadbalancer_id") == lb_id):
            found += 1
    return found


class AzurermLb(CostModel):
    resource_types = ("azurerm_lb",)
    provider = "azurerm"
    usage_keys = {
        "monthly_data_processed_gb": UsageKey("GB", "inbound and outbound data the load balancer processes"),
        "rules": UsageKey("rules", "load-balancing and outbound rules, when they are not in this plan"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        sku = attrs.get("sku", "Basic")
        if is_unknown(sku):
            return [Component("Load balancer", "hours", m.LB_SERVICE, {"skuName": UNKNOWN}, Decimal(1), hourly=True,
                              unknown_reason="sku known only after apply")]
        if sku == "Basic":
            raise NoCost("Basic load balancers are free")
        if sku != "Standard":
            return [Component(f"Load balancer ({sku})", "hours", m.LB_SERVICE, {"skuName": UNKNOWN}, Decimal(1),
                              hourly=True, unknown_reason=f"{sku} load balancers are not modelled")]
        usage = ctx.usage(resource)
        rules = usage_quantity(usage, "rules")
        if rules is None:
            rules = Decimal(count_rules(resource, ctx))
        parts: list[Component] = []
        if rules > 0:
            parts.append(global_meter(Component("Rules (first 5)", "hours", m.LB_SERVICE,
                                                m.lb_rules_included_filters(), Decimal(1), hourly=True), resource))
        if rules > INCLUDED_RULES:
            parts.append(global_meter(Component("Rules (above 5)", "rule-hours", m.LB_SERVICE,
                                                m.lb_rules_overage_filters(), rules - INCLUDED_RULES, hourly=True),
                                      resource))
        parts.append(Component("Data processed", "GB", m.LB_SERVICE, m.lb_data_processed_filters(),
                               usage_quantity(usage, "monthly_data_processed_gb")))
        return parts
