"""Shared by the compute policies (not a policy: files starting with "_" are never loaded as one).

Where each resource type keeps its instance types, how a type name splits into family and size, and
the monthly on-demand price of a type from the catalog. Each compute policy loads this module with
the few lines of `_helpers()` at its top, because policy files are loaded by path, not as a package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from finguard.policy.api import PolicyContext, PolicyResource, is_unknown, money

HOURS_PER_MONTH = Decimal(730)

# Resource types whose instance types the compute policies read.
EC2_TYPES = ["aws_instance", "aws_launch_template", "aws_launch_configuration", "aws_eks_node_group",
             "aws_autoscaling_group"]
DATA_TYPES = ["aws_db_instance", "aws_rds_cluster_instance", "aws_elasticache_cluster",
              "aws_elasticache_replication_group"]
ALL_TYPES = EC2_TYPES + DATA_TYPES

_SIMPLE = {"aws_instance": "instance_type", "aws_launch_template": "instance_type",
           "aws_launch_configuration": "instance_type", "aws_db_instance": "instance_class",
           "aws_rds_cluster_instance": "instance_class", "aws_elasticache_cluster": "node_type",
           "aws_elasticache_replication_group": "node_type"}
_OVERRIDES = "mixed_instances_policy.0.launch_template.0.override"
_PREFIXES = ("db", "cache")
_SIZE = re.compile(r"^(\d+)xlarge$")
_NAMED_SIZES = {"nano": -4, "micro": -3, "small": -2, "medium": -1, "large": 0, "xlarge": 1}
_METAL = 10**6  # metal is the largest size of any family


@dataclass(frozen=True, slots=True)
class InstanceType:
    """One instance type a resource uses: "db.m5.large" -> prefix "db", family "m5", size "large"."""

    name: str
    prefix: str  # "" (EC2), "db" (RDS) or "cache" (ElastiCache)
    family: str
    size: str
    where: str  # the attribute it comes from, for messages: "instance_type", "instance_types[1]", "override[0]"

    @property
    def qualified_family(self) -> str:
        return f"{self.prefix}.{self.family}" if self.prefix else self.family

    def with_family(self, family: str) -> str:
        """The same size in another family: m4.large -> m6i.large, db.m4.large -> db.m6i.large."""
        return ".".join(p for p in (self.prefix, family, self.size) if p)


def parse(name: str, where: str = "") -> InstanceType | None:
    """Split an instance type; None for names without a family and size (db.serverless, a typo)."""
    parts = name.strip().split(".")
    prefix = ""
    if parts[0] in _PREFIXES:
        prefix, parts = parts[0], parts[1:]
    if len(parts) != 2 or not all(parts):
        return None
    return InstanceType(name, prefix, parts[0], parts[1], where)


def size_rank(size: str) -> int | None:
    """nano < micro < small < medium < large < xlarge < 2xlarge < ... < 48xlarge < ... < metal; None if unknown."""
    if size in _NAMED_SIZES:
        return _NAMED_SIZES[size]
    if size == "metal" or size.startswith("metal-"):
        return _METAL
    match = _SIZE.match(size)
    return int(match.group(1)) if match else None


def instance_types(resource: PolicyResource) -> list[InstanceType]:
    """The known instance types of a resource (values known only after apply are skipped)."""
    found: list[tuple[Any, str, str]] = []  # (value, attribute path, label)
    if resource.type in _SIMPLE:
        path = _SIMPLE[resource.type]
        found.append((resource.attr(path), path, path))
    elif resource.type == "aws_eks_node_group":
        values = resource.attr("instance_types")
        if isinstance(values, list):
            found.extend((v, f"instance_types.{i}", f"instance_types[{i}]") for i, v in enumerate(values))
    elif resource.type == "aws_autoscaling_group":
        overrides = resource.attr(_OVERRIDES)
        if isinstance(overrides, list):
            found.extend((resource.attr(f"{_OVERRIDES}.{i}.instance_type"), f"{_OVERRIDES}.{i}.instance_type",
                          f"override[{i}]") for i in range(len(overrides)))
    out = []
    for value, path, label in found:
        if not isinstance(value, str) or is_unknown(value) or resource.is_unknown(path):
            continue
        parsed = parse(value, label)
        if parsed is not None:
            out.append(parsed)
    return out


def label(resource: PolicyResource, itype: InstanceType) -> str:
    """How a message names the type: "m4.large", or "m4.large (override[1])" when a resource has several."""
    several = resource.type in ("aws_eks_node_group", "aws_autoscaling_group")
    return f"{itype.name} ({itype.where})" if several else itype.name


def instance_count(resource: PolicyResource, itype: InstanceType) -> int | None:
    """How many instances of this type run, when the plan says; None for templates and mixed groups."""
    if resource.type in ("aws_instance", "aws_db_instance", "aws_rds_cluster_instance"):
        return 1
    if resource.type == "aws_elasticache_cluster":
        nodes = resource.attr("num_cache_nodes")
        return nodes if isinstance(nodes, int) and not isinstance(nodes, bool) else None
    if resource.type == "aws_eks_node_group" and itype.where == "instance_types[0]":
        types = resource.attr("instance_types")
        desired = resource.attr("scaling_config.0.desired_size")
        if isinstance(types, list) and len(types) == 1 and isinstance(desired, int) and not isinstance(desired, bool):
            return desired
    return None


def monthly_price(ctx: PolicyContext, instance_type: str, region: str | None) -> Decimal | None:
    """On-demand Linux price of one instance for a month (730 hours); None when the catalog has none.

    Only EC2 types are priced: the catalog's RDS and ElastiCache prices depend on engine and deployment
    and are sparse, so db.* and cache.* types answer None ("price unknown")."""
    if instance_type.startswith(tuple(f"{p}." for p in _PREFIXES)):
        return None
    hourly = ctx.pricer.instance_hour(instance_type, region)
    return hourly * HOURS_PER_MONTH if hourly is not None else None


def signed_money(value: Decimal | float) -> str:
    return money(value, signed=True)


def compare(ctx: PolicyContext, resource: PolicyResource, itype: InstanceType,
            suggestion: str) -> tuple[str, Decimal | None]:
    """("$70.08/month instead of $73.00/month (-$2.92/month)", delta) from the catalog's on-demand prices, or
    ("price unknown in <region>", None) when either price is missing."""
    if itype.prefix:
        return "price unknown (RDS and ElastiCache classes are not compared)", None
    current = monthly_price(ctx, itype.name, resource.region)
    suggested = monthly_price(ctx, suggestion, resource.region)
    if current is None or suggested is None:
        return f"price unknown in {resource.region or 'an unknown region'}", None
    per_instance = suggested - current
    count = instance_count(resource, itype)
    if count is None:
        scope, delta = " per instance", per_instance
    else:
        scope, delta = ("" if count == 1 else f" for {count} instances"), per_instance * count
    return (f"{money(suggested)}/month instead of {money(current)}/month "
            f"({signed_money(delta)}/month{scope})"), delta
