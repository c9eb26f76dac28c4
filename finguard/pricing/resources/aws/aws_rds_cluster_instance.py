"""aws_rds_cluster_instance: an Aurora instance's hours by class and engine (I/O-Optimized clusters use
their own instance rate), or for `db.serverless` (Aurora Serverless v2) its capacity in ACU-hours:
from usage `monthly_acu_hrs`, otherwise the cluster's minimum capacity held all month (the least the
instance can cost; it scales up to max_capacity under load)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.aws.aws_rds_cluster import aurora_engine, io_optimized
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, quantity, to_decimal
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonRDS"
SERVERLESS = "db.serverless"


class AwsRdsClusterInstance(CostModel):
    resource_types = ("aws_rds_cluster_instance",)
    usage_keys = {"monthly_acu_hrs": UsageKey("ACU-hours", "Aurora Serverless v2 capacity this instance uses "
                                                             "per month (db.serverless only)")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        engine = aurora_engine(attrs.get("engine"))
        cluster = self._cluster(resource, attrs, ctx)
        cluster_attrs = ctx.attrs_of(cluster) if cluster is not None else None
        io_opt = io_optimized(cluster_attrs.get("storage_type")) if cluster_attrs is not None else False
        assumed = "" if cluster_attrs is not None else " (cluster not in the plan: standard storage assumed)"
        instance_class = attrs.get("instance_class")
        if instance_class == SERVERLESS:
            return [self._serverless_v2(resource, ctx, engine, io_opt, cluster_attrs, assumed)]
        label = "?" if is_unknown(instance_class) else instance_class
        usage_prefix = UNKNOWN if is_unknown(io_opt) else ("InstanceUsageIOOptimized" if io_opt else "InstanceUsage")
        usagetype = UNKNOWN if is_unknown(usage_prefix) or is_unknown(instance_class) \
            else f"{usage_prefix}:{instance_class}"
        reason = "instance_class known only after apply" if is_unknown(instance_class) else \
            "the cluster's storage_type known only after apply" if is_unknown(io_opt) else None
        kind = ", I/O-Optimized" if io_opt is True else ""
        return [Component(
            f"Database instance (on-demand{kind}, {label}){assumed}", "hours", SERVICE,
            {"productFamily": "Database Instance", "instanceType": instance_class, "databaseEngine": engine,
             "usagetype": usagetype},
            Decimal(1), hourly=True, unknown_reason=reason,
        )]

    def _serverless_v2(self, resource: Resource, ctx: ProjectContext, engine: Any, io_opt: Any,
                       cluster_attrs: Attrs | None, assumed: str) -> Component:
        usagetype = UNKNOWN if is_unknown(io_opt) else \
            "Aurora:ServerlessV2IOOptimizedUsage" if io_opt else "Aurora:ServerlessV2Usage"
        filters = {"productFamily": "ServerlessV2", "databaseEngine": engine, "usagetype": usagetype}
        name = "Aurora Serverless v2 capacity" + (" (I/O-Optimized)" if io_opt is True else "")
        used = ctx.usage(resource).get("monthly_acu_hrs")
        if used is not None:
            return Component(name + assumed, "ACU-hours", SERVICE, filters, to_decimal(used, "usage monthly_acu_hrs"))
        scaling = cluster_attrs.blocks("serverlessv2_scaling_configuration") if cluster_attrs else []
        if not scaling:  # no usage and no scaling limits: usage-based
            return Component(name + assumed, "ACU-hours", SERVICE, filters, None)
        low = scaling[0].quantity("min_capacity")
        high = scaling[0].get("max_capacity")
        upto = "" if high is None or is_unknown(high) else \
            f", scales up to {quantity(high, name='max_capacity').normalize():f} ACU"
        at = "?" if is_unknown(low) else f"{low.normalize():f}"
        return Component(f"{name} (min_capacity {at} ACU all month{upto}){assumed}", "ACU-hours", SERVICE, filters,
                         low, hourly=True,
                         unknown_reason="min_capacity known only after apply" if is_unknown(low) else None)

    @staticmethod
    def _cluster(resource: Resource, attrs: Attrs, ctx: ProjectContext) -> Resource | None:
        found = ctx.referenced(resource, "cluster_identifier", "aws_rds_cluster")
        if found is not None:
            return found
        ident = attrs.get("cluster_identifier")
        if isinstance(ident, str):
            for other in ctx.by_address.values():
                values = other.after or other.before or {}
                if other.type == "aws_rds_cluster" and values.get("cluster_identifier") == ident:
                    return other
        return None
