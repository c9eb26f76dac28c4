"""google_container_cluster: the cluster management fee, plus the nodes of its default or inline node pools.

The fee is one SKU per cluster-hour: "Zonal Kubernetes Clusters" for a cluster in a zone, "Regional
Kubernetes Clusters" for a regional one, "Autopilot Kubernetes Clusters" with Autopilot (the Catalog
API lists them under the "global" region). GKE's free tier (a monthly credit per billing account)
is not deducted.

Nodes: inline `node_pool` blocks replace the default pool; without them the default pool exists
unless `remove_default_node_pool` is set, with `initial_node_count` nodes per zone (or the `nodes`
usage value) and the cluster's `node_config` (GKE defaults: e2-medium, 100 GB pd-balanced boot
disk). Autopilot bills pod resource requests instead, which are reported as not priced.
"""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, is_unknown
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.resources.google._common import (
    GKE,
    GLOBAL,
    component,
    is_zone,
    node_components,
    pool_nodes,
    sku,
    unknown_component,
)
from finguard.pricing.usage import UsageKey


def management_fee(location: object, autopilot: bool) -> Component:
    if autopilot:
        return component("Cluster management fee (Autopilot)", "hours", GKE, sku("Autopilot Kubernetes Clusters"),
                         Decimal(1), hourly=True, region=GLOBAL)
    if is_unknown(location):
        return unknown_component("Cluster management fee", "hours", GKE, "cluster location known only after apply")
    zonal = is_zone(location)
    stem = "Zonal Kubernetes Clusters" if zonal else "Regional Kubernetes Clusters"
    return component(f"Cluster management fee ({'zonal' if zonal else 'regional'})", "hours", GKE, sku(stem),
                     Decimal(1), hourly=True, region=GLOBAL)


class GoogleContainerCluster(CostModel):
    resource_types = ("google_container_cluster",)
    provider = "google"
    usage_keys = {"nodes": UsageKey("nodes", "nodes of the default node pool in all zones (overrides "
                                             "initial_node_count x zones)")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        location = attrs.get("location")
        autopilot = attrs.get("enable_autopilot") is True
        parts = [management_fee(location, autopilot)]
        if autopilot:
            parts.append(unknown_component("Autopilot pod resources", "vCPU-hours", GKE,
                                           "Autopilot bills the vCPU, memory and storage pods request: not modelled"))
            return parts
        pools = attrs.blocks("node_pool")
        cluster_locations = attrs.get("node_locations")
        if not pools and attrs.get("remove_default_node_pool") is not True:
            configs = attrs.blocks("node_config")
            nodes, note = pool_nodes(attrs, location=location, cluster_node_locations=cluster_locations,
                                     usage_nodes=ctx.usage(resource).get("nodes"))
            parts.extend(node_components(configs[0] if configs else None, nodes, group=f"default_pool ({note})",
                                         count_reason=note))
        for i, pool in enumerate(pools):
            configs = pool.blocks("node_config")
            nodes, note = pool_nodes(pool, location=location, cluster_node_locations=cluster_locations)
            parts.extend(node_components(configs[0] if configs else None, nodes, group=f"node_pool[{i}] ({note})",
                                         count_reason=note))
        return parts
