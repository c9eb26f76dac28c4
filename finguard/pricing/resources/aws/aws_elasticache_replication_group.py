"""aws_elasticache_replication_group: node hours by node type and engine, for every node of the group:
num_cache_clusters nodes, or in cluster mode num_node_groups x (1 primary + replicas_per_node_group)."""

from __future__ import annotations

from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.aws.aws_elasticache_cluster import ENGINES
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, quantity
from finguard.pricing.resources.context import ProjectContext


class AwsElasticacheReplicationGroup(CostModel):
    resource_types = ("aws_elasticache_replication_group",)

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        engine = attrs.get("engine", "redis")
        engine_name = engine if is_unknown(engine) else ENGINES.get(str(engine))
        if engine_name is None:
            raise ValueError(f"unknown ElastiCache engine {engine!r}")
        node_type = attrs.get("node_type")
        nodes = self._nodes(attrs)
        label = "?" if is_unknown(node_type) else node_type
        shape = "" if is_unknown(nodes) else f", {nodes.normalize():f} nodes"
        return [Component(
            f"ElastiCache (on-demand, {label}{shape})", "hours", "AmazonElastiCache",
            {"productFamily": "Cache Instance", "instanceType": node_type, "cacheEngine": engine_name},
            nodes, hourly=True,
            unknown_reason="node count (num_cache_clusters / num_node_groups) known only after apply"
            if is_unknown(nodes) else None,
        )]

    @staticmethod
    def _nodes(attrs: Attrs) -> Any:
        groups = attrs.get("num_node_groups")
        if groups is not None:
            replicas = attrs.quantity("replicas_per_node_group", 0)
            groups = quantity(groups, name="num_node_groups")
            return UNKNOWN if is_unknown(groups) or is_unknown(replicas) else groups * (replicas + 1)
        clusters = attrs.get("num_cache_clusters", attrs.get("number_cache_clusters"))
        return quantity(clusters, 1, name="num_cache_clusters")  # unset: the provider creates one (primary) node
