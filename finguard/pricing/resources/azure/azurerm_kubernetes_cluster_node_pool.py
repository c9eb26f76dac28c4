"""azurerm_kubernetes_cluster_node_pool: `node_count` VMs (Linux or Windows) and their OS disks,
priced in the region of the cluster the pool belongs to."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.azure._aks import node_count, pool_components, pool_os
from finguard.pricing.resources.azure._common import in_region, parent_region
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey


class AzurermKubernetesClusterNodePool(CostModel):
    resource_types = ("azurerm_kubernetes_cluster_node_pool",)
    provider = "azurerm"
    usage_keys = {"nodes": UsageKey("nodes", "average number of nodes (needed when the pool autoscales)")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        os_name = pool_os(attrs)
        count, reason = node_count(attrs, usage_quantity(ctx.usage(resource), "nodes"))
        parts = pool_components(attrs, "Linux" if is_unknown(os_name) else os_name, count, reason,
                                spot=attrs.get("priority") == "Spot")
        if is_unknown(os_name):
            parts[0].filters = {"armSkuName": UNKNOWN}
            parts[0].unknown_reason = "os_type / os_sku known only after apply"
        region = resource.region or parent_region(ctx, resource, "kubernetes_cluster_id", "azurerm_kubernetes_cluster")
        return [in_region(part, region) for part in parts]
