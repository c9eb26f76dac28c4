"""google_container_node_pool: its nodes' VMs, boot disks, local SSDs and GPUs (no management fee).

Nodes: `node_count` per zone (the pool's current size), else the autoscaling minimum (named so in
the components' group), else `initial_node_count`; zones: the pool's `node_locations`, else its
cluster's, else one for a zonal and three for a regional cluster. A `nodes` usage value (all
zones) overrides the plan.
"""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.resources.google._common import node_components, pool_nodes
from finguard.pricing.usage import UsageKey


class GoogleContainerNodePool(CostModel):
    resource_types = ("google_container_node_pool",)
    provider = "google"
    usage_keys = {"nodes": UsageKey("nodes", "nodes of the pool in all zones (overrides the plan's node count)")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        cluster = ctx.referenced(resource, "cluster", "google_container_cluster")
        cluster_attrs = ctx.attrs_of(cluster) if cluster is not None else Attrs({})
        location = attrs.get("location") or cluster_attrs.get("location")
        configs = attrs.blocks("node_config")
        nodes, note = pool_nodes(attrs, location=location, cluster_node_locations=cluster_attrs.get("node_locations"),
                                 usage_nodes=ctx.usage(resource).get("nodes"))
        return node_components(configs[0] if configs else None, nodes, group=note, count_reason=note)
