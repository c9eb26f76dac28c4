"""azurerm_kubernetes_cluster: the Standard/Premium tier's uptime SLA (Free tier: no cluster fee),
Premium's long-term support, and the default node pool's VMs and OS disks.

Not priced here: what AKS creates outside the plan in its node resource group (the Standard load
balancer for outbound traffic and Services, public IPs, disks of persistent volumes), and the
other node pools (azurerm_kubernetes_cluster_node_pool, priced on their own).
"""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.resources.azure._aks import node_count, pool_components, pool_os
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey


class AzurermKubernetesCluster(CostModel):
    resource_types = ("azurerm_kubernetes_cluster",)
    provider = "azurerm"
    usage_keys = {"default_node_pool_nodes": UsageKey(
        "nodes", "average number of nodes in the default node pool (needed when it autoscales)")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        parts: list[Component] = []
        tier = attrs.get("sku_tier", "Free")
        if is_unknown(tier):
            parts.append(Component("Uptime SLA", "hours", m.AKS_SERVICE, {"skuName": UNKNOWN}, Decimal(1), hourly=True,
                                   unknown_reason="sku_tier known only after apply"))
        elif tier in ("Standard", "Paid", "Premium"):
            parts.append(Component("Uptime SLA", "hours", m.AKS_SERVICE, m.aks_uptime_sla_filters(), Decimal(1),
                                   hourly=True))
            if tier == "Premium":
                parts.append(Component("Long term support", "hours", m.AKS_SERVICE, m.aks_long_term_support_filters(),
                                       Decimal(1), hourly=True))
        elif tier != "Free":
            raise ValueError(f"unknown sku_tier {tier!r}")
        pools = attrs.blocks("default_node_pool")
        if not pools:
            raise ValueError("no default_node_pool block")
        count, reason = node_count(pools[0], usage_quantity(ctx.usage(resource), "default_node_pool_nodes"))
        os_name = pool_os(pools[0])
        pool = pool_components(pools[0], "Linux" if is_unknown(os_name) else os_name, count, reason,
                               group="default_node_pool")
        if is_unknown(os_name):
            pool[0].filters = {"armSkuName": UNKNOWN}
            pool[0].unknown_reason = "os_sku known only after apply"
        parts.extend(pool)
        return parts
