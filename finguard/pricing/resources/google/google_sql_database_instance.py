"""google_sql_database_instance: vCPU and memory hours by tier, storage GB by disk type, backups (usage).

Tiers: `db-custom-<vCPUs>-<MB>` and `db-n1-standard-<n>` / `db-n1-highmem-<n>` (3.75 / 6.5 GB per
vCPU) are priced per vCPU-hour and per GB-hour of the engine's SKUs. `availability_type = REGIONAL`
(high availability) uses the Regional SKUs, which cost twice the Zonal ones. Storage: PD_SSD
("Standard storage", the default) or PD_HDD ("Low cost storage"), 10 GB by default.

Reported, not priced: shared-core tiers (db-f1-micro, db-g1-small) and legacy MySQL db-n1 tiers,
which are billed under one per-instance SKU each; other tier names; the Enterprise Plus edition;
SQL Server licences (billed per vCPU under separate licence SKUs).
"""

from __future__ import annotations

import re
from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.resources.google._common import SQL, as_decimal, component, sku, unknown_component
from finguard.pricing.usage import UsageKey

ENGINES = {"MYSQL": "MySQL", "POSTGRES": "PostgreSQL", "SQLSERVER": "SQL Server"}
STORAGE = {"PD_SSD": ("SSD", "Standard storage"), "PD_HDD": ("HDD", "Low cost storage")}
N1_RATIOS = {"standard": Decimal("3.75"), "highmem": Decimal("6.5")}
DEFAULT_DISK_GB = Decimal(10)
_CUSTOM = re.compile(r"^db-custom-(?P<cpus>\d+)-(?P<mb>\d+)$")
_N1 = re.compile(r"^db-n1-(?P<cls>standard|highmem)-(?P<cpus>\d+)$")


def tier_shape(tier: str, engine: str) -> tuple[Decimal, Decimal] | str:
    """(vCPUs, GB of memory) of a tier, or why it is not priced per vCPU and GB."""
    if m := _CUSTOM.match(tier):
        return Decimal(m["cpus"]), Decimal(m["mb"]) / 1024
    if m := _N1.match(tier):
        if engine == "MySQL":
            return f"legacy MySQL tier {tier} is billed under a per-instance SKU finguard does not map"
        cpus = Decimal(m["cpus"])
        return cpus, cpus * N1_RATIOS[m["cls"]]
    if tier in ("db-f1-micro", "db-g1-small"):
        return f"shared-core tier {tier} is billed under a per-instance SKU finguard does not map"
    return f"tier {tier} is not mapped to vCPU and memory"


class GoogleSqlDatabaseInstance(CostModel):
    resource_types = ("google_sql_database_instance",)
    provider = "google"
    usage_keys = {"backup_storage_gb": UsageKey("GB", "backup storage kept per month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        settings_blocks = attrs.blocks("settings")
        settings = settings_blocks[0] if settings_blocks else Attrs({})
        version = attrs.get("database_version")
        engine = None if is_unknown(version) else ENGINES.get(str(version or "").split("_", 1)[0])
        availability = settings.get("availability_type") or "ZONAL"
        if is_unknown(availability):
            avail_label, avail = "?", None
        else:
            avail = "Regional" if str(availability).upper() == "REGIONAL" else "Zonal"
            avail_label = avail.lower()
        tier = settings.get("tier")
        parts: list[Component] = []
        edition = settings.get("edition")
        if isinstance(edition, str) and edition.upper() == "ENTERPRISE_PLUS":
            parts.append(unknown_component(f"SQL instance ({tier}, Enterprise Plus)", "hours", SQL,
                                           "the Enterprise Plus edition is not mapped to Catalog API SKUs"))
        elif engine is None or avail is None or is_unknown(tier) or not isinstance(tier, str):
            what = ("database version" if engine is None else "availability type" if avail is None else "tier")
            reason = (f"database version {version!r} not understood" if engine is None and not is_unknown(version)
                      else f"{what} known only after apply")
            parts.append(unknown_component(f"SQL instance ({'?' if is_unknown(tier) else tier})", "hours", SQL,
                                           reason))
        else:
            shape = tier_shape(tier, engine)
            if isinstance(shape, str):
                parts.append(unknown_component(f"SQL instance ({tier}, {avail_label})", "hours", SQL, shape))
            else:
                cpus, memory = shape
                prefix = f"Cloud SQL for {engine}: {avail} - "
                parts.append(component(f"vCPUs ({cpus.normalize():f}, {avail_label})", "vCPU-hours", SQL,
                                       sku(prefix + "vCPU"), cpus, hourly=True))
                parts.append(component(f"Memory ({memory.normalize():f} GB, {avail_label})", "GB-hours", SQL,
                                       sku(prefix + "RAM"), memory, hourly=True))
            if engine == "SQL Server":
                parts.append(unknown_component("SQL Server license", "vCPU-hours", SQL,
                                               "SQL Server licences are billed under separate SKUs finguard "
                                               "does not map"))
        parts.append(self._storage(settings, engine, avail, avail_label))
        parts.append(component("Backups", "GB", SQL, sku("Cloud SQL: Backups"),
                               usage_quantity(ctx.usage(resource), "backup_storage_gb")))
        return parts

    @staticmethod
    def _storage(settings: Attrs, engine: str | None, avail: str | None, avail_label: str) -> Component:
        disk_type = settings.get("disk_type") or "PD_SSD"
        size = as_decimal(settings.get("disk_size"), DEFAULT_DISK_GB, name="disk_size")
        if engine is None or avail is None or is_unknown(disk_type) or disk_type not in STORAGE:
            reason = (f"disk type {disk_type} not understood" if not is_unknown(disk_type) and disk_type not in STORAGE
                      else "database version, availability or disk type known only after apply")
            return unknown_component("Storage", "GB", SQL, reason)
        label, stem = STORAGE[disk_type]
        return component(f"Storage ({label}, {avail_label})", "GB", SQL,
                         sku(f"Cloud SQL for {engine}: {avail} - {stem}"), size,
                         unknown_reason="disk size known only after apply" if is_unknown(size) else None)
