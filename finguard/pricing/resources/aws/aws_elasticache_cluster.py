"""aws_elasticache_cluster: node hours by node type and engine (members of a replication group are
billed through the group)."""

from __future__ import annotations

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, NoCost, is_unknown
from finguard.pricing.resources.context import ProjectContext

ENGINES = {"redis": "Redis", "memcached": "Memcached", "valkey": "Valkey"}


class AwsElasticacheCluster(CostModel):
    resource_types = ("aws_elasticache_cluster",)

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        if isinstance(attrs.get("replication_group_id"), str) and attrs.get("replication_group_id"):
            raise NoCost("a member of a replication group: its nodes are billed through the group")
        engine = attrs.get("engine")
        node_type = attrs.get("node_type")
        nodes = attrs.quantity("num_cache_nodes", 1)
        engine_name = engine if is_unknown(engine) else ENGINES.get(str(engine))
        if engine_name is None:
            raise ValueError(f"unknown ElastiCache engine {engine!r}")
        label = "?" if is_unknown(node_type) else node_type
        return [Component(
            f"ElastiCache (on-demand, {label})", "hours", "AmazonElastiCache",
            {"productFamily": "Cache Instance", "instanceType": node_type, "cacheEngine": engine_name},
            nodes, hourly=True,
        )]
