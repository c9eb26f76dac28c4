"""aws_rds_cluster: an Aurora cluster's storage (GB-month), I/O requests and backup storage, all from
usage, plus Aurora Serverless v1 capacity (engine_mode = "serverless") in ACU-hours from usage.

Instances (provisioned classes and Serverless v2 `db.serverless`) are billed per instance and priced
on aws_rds_cluster_instance. I/O-Optimized clusters (storage_type = "aurora-iopt1") pay a higher
storage rate and no I/O charge. Multi-AZ DB clusters (engine mysql/postgres) are not Aurora and are
not priced here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

SERVICE = "AmazonRDS"
ENGINES = {"aurora": "Aurora MySQL", "aurora-mysql": "Aurora MySQL", "aurora-postgresql": "Aurora PostgreSQL"}
IO_OPTIMIZED = "aurora-iopt1"
STANDARD_STORAGE = ("aurora", "")


def aurora_engine(engine: Any) -> Any:
    """The price list's databaseEngine for a Terraform Aurora engine (unset: the provider's "aurora")."""
    if is_unknown(engine):
        return UNKNOWN
    if engine is None:
        engine = "aurora"
    if engine in ("mysql", "postgres"):
        raise ValueError(f"engine {engine!r} is a Multi-AZ DB cluster, not Aurora: not priced")
    if engine not in ENGINES:
        raise ValueError(f"unknown Aurora engine {engine!r}")
    return ENGINES[engine]


def io_optimized(storage_type: Any) -> Any:
    """True for I/O-Optimized storage, False for Aurora standard, UNKNOWN when known only after apply."""
    if is_unknown(storage_type):
        return UNKNOWN
    if storage_type is None or storage_type in STANDARD_STORAGE:
        return False
    if storage_type == IO_OPTIMIZED:
        return True
    raise ValueError(f"unknown Aurora storage_type {storage_type!r}")


def storage_engine(engine: Any) -> Any:
    """Aurora standard storage and I/O are one product for Aurora MySQL (databaseEngine "Any") and one
    for Aurora PostgreSQL."""
    if is_unknown(engine):
        return UNKNOWN
    return "Aurora PostgreSQL" if engine == "Aurora PostgreSQL" else "Any"


class AwsRdsCluster(CostModel):
    resource_types = ("aws_rds_cluster",)
    usage_keys = {
        "storage_gb": UsageKey("GB", "average Aurora cluster volume size over the month"),
        "monthly_io_requests": UsageKey("requests", "read and write I/O operations per month (standard storage)"),
        "backup_storage_gb": UsageKey("GB", "backup storage beyond the free allowance (100% of the volume)"),
        "monthly_acu_hrs": UsageKey("ACU-hours", "Aurora Serverless v1 capacity used per month"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        engine = aurora_engine(attrs.get("engine"))
        io_opt = io_optimized(attrs.get("storage_type"))
        parts: list[Component] = []
        mode = attrs.get("engine_mode", "provisioned")
        if is_unknown(mode) or mode == "serverless":
            parts.append(Component(
                "Aurora Serverless v1 capacity", "ACU-hours", SERVICE,
                {"productFamily": "Serverless", "databaseEngine": engine,
                 "usagetype": UNKNOWN if is_unknown(mode) else "Aurora:ServerlessUsage"},
                usage_quantity(usage, "monthly_acu_hrs"),
                unknown_reason="engine_mode known only after apply" if is_unknown(mode) else None,
            ))
        storage = usage_quantity(usage, "storage_gb")
        if is_unknown(io_opt):
            parts.append(Component("Storage", "GB", SERVICE, {"productFamily": "Database Storage",
                                                              "usagetype": UNKNOWN}, storage,
                                   unknown_reason="storage_type known only after apply"))
        elif io_opt:
            parts.append(Component("Storage (I/O-Optimized)", "GB", SERVICE,
                                   {"productFamily": "Database Storage", "databaseEngine": engine,
                                    "usagetype": "Aurora:IO-OptimizedStorageUsage"}, storage))
        else:
            parts.append(Component("Storage", "GB", SERVICE,
                                   {"productFamily": "Database Storage", "databaseEngine": storage_engine(engine),
                                    "usagetype": "Aurora:StorageUsage"}, storage))
            requests = usage_quantity(usage, "monthly_io_requests")
            parts.append(Component("I/O requests", "1M requests", SERVICE,
                                   {"productFamily": "System Operation", "databaseEngine": storage_engine(engine),
                                    "usagetype": "Aurora:StorageIOUsage"},
                                   None if requests is None else requests / Decimal(1_000_000),
                                   price_factor=Decimal(1_000_000)))
        parts.append(Component("Backup storage", "GB", SERVICE,
                               {"productFamily": "Storage Snapshot", "databaseEngine": engine,
                                "usagetype": "Aurora:BackupUsage"},
                               usage_quantity(usage, "backup_storage_gb")))
        return parts
