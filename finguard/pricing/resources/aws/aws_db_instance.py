"""aws_db_instance: instance hours (engine, edition, licence, class, Single/Multi-AZ), storage by
type and size, and provisioned IOPS (io1/io2, and gp3 above its free baseline)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, quantity
from finguard.pricing.resources.context import ProjectContext

SERVICE = "AmazonRDS"
# engine -> (databaseEngine, databaseEdition or None, default licence model)
ENGINES: dict[str, tuple[str, str | None, str | None]] = {
    "mysql": ("MySQL", None, None),
    "postgres": ("PostgreSQL", None, None),
    "mariadb": ("MariaDB", None, None),
    "oracle-se2": ("Oracle", "Standard Two", "license-included"),
    "oracle-se2-cdb": ("Oracle", "Standard Two", "license-included"),
    "oracle-se1": ("Oracle", "Standard One", "license-included"),
    "oracle-se": ("Oracle", "Standard", "bring-your-own-license"),
    "oracle-ee": ("Oracle", "Enterprise", "bring-your-own-license"),
    "oracle-ee-cdb": ("Oracle", "Enterprise", "bring-your-own-license"),
    "sqlserver-ex": ("SQL Server", "Express", "license-included"),
    "sqlserver-web": ("SQL Server", "Web", "license-included"),
    "sqlserver-se": ("SQL Server", "Standard", "license-included"),
    "sqlserver-ee": ("SQL Server", "Enterprise", "license-included"),
}
LICENCES = {"license-included": "License included", "bring-your-own-license": "Bring your own license"}
STORAGE = {
    "gp2": ("general purpose SSD, gp2", "General Purpose"),
    "gp3": ("general purpose SSD, gp3", "General Purpose-GP3"),
    "io1": ("provisioned IOPS SSD, io1", "Provisioned IOPS"),
    "io2": ("provisioned IOPS SSD, io2", "Provisioned IOPS-IO2"),
    "standard": ("magnetic", "Magnetic"),
}
GP3_LARGE_VOLUME_GB = Decimal(400)  # from 400 GB (MySQL/PostgreSQL/MariaDB) gp3 includes 12,000 IOPS


class AwsDbInstance(CostModel):
    resource_types = ("aws_db_instance",)

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        engine = attrs.get("engine")
        if engine is None and isinstance(attrs.get("replicate_source_db"), str):
            engine = UNKNOWN  # a replica inherits its engine from the source instance
        multi_az = attrs.get("multi_az", False)
        deployment = UNKNOWN if is_unknown(multi_az) else ("Multi-AZ" if multi_az else "Single-AZ")
        parts = [self._instance(attrs, engine, deployment)]
        parts.extend(self._storage(attrs, engine, deployment))
        return parts

    def _instance(self, attrs: Attrs, engine: Any, deployment: Any) -> Component:
        instance_class = attrs.get("instance_class")
        filters: dict[str, Any] = {"productFamily": "Database Instance", "instanceType": instance_class,
                                   "deploymentOption": deployment}
        if is_unknown(engine):
            filters["databaseEngine"] = UNKNOWN
        else:
            if engine not in ENGINES:
                raise ValueError(f"unknown RDS engine {engine!r}")
            db_engine, edition, default_licence = ENGINES[engine]
            filters["databaseEngine"] = db_engine
            if edition is not None:
                licence = attrs.get("license_model") or default_licence
                filters["databaseEdition"] = edition
                filters["licenseModel"] = UNKNOWN if is_unknown(licence) else LICENCES.get(licence, licence)
        label = "?" if is_unknown(instance_class) else instance_class
        dep = "?" if is_unknown(deployment) else deployment
        return Component(f"Database instance (on-demand, {dep}, {label})", "hours", SERVICE, filters,
                         Decimal(1), hourly=True)

    def _storage(self, attrs: Attrs, engine: Any, deployment: Any) -> list[Component]:
        iops = attrs.get("iops")
        storage_type = attrs.get("storage_type")
        if storage_type is None:  # AWS: io1 when iops is given, otherwise gp2
            storage_type = "io1" if isinstance(iops, int | float) and iops else "gp2"
        size = attrs.quantity("allocated_storage")
        if is_unknown(storage_type):
            return [Component("Storage", "GB", SERVICE, {"volumeType": UNKNOWN}, size)]
        if storage_type not in STORAGE:
            raise ValueError(f"unknown RDS storage_type {storage_type!r}")
        label, volume_type = STORAGE[storage_type]
        parts = [Component(f"Storage ({label})", "GB", SERVICE,
                           {"productFamily": "Database Storage", "volumeType": volume_type,
                            "deploymentOption": deployment}, size)]
        multi = "Multi-AZ-" if deployment == "Multi-AZ" else ""
        if storage_type in ("io1", "io2"):
            parts.append(Component("Provisioned IOPS", "IOPS", SERVICE,
                                   {"productFamily": "Provisioned IOPS", "deploymentOption": deployment,
                                    "usagetype": f"RDS:{multi}PIOPS"}, quantity(iops, name="iops")))
        elif storage_type == "gp3" and iops is not None and not is_unknown(size):
            baseline = Decimal(12000) if size >= GP3_LARGE_VOLUME_GB else Decimal(3000)
            extra = UNKNOWN if is_unknown(iops) else max(quantity(iops, name="iops") - baseline, Decimal(0))
            if is_unknown(extra) or extra > 0:
                parts.append(Component(f"Provisioned GP3 IOPS (above {baseline:,.0f})", "IOPS", SERVICE,
                                       {"productFamily": "Provisioned IOPS", "deploymentOption": deployment,
                                        "usagetype": f"RDS:{multi}GP3-PIOPS"}, extra))
        return parts
