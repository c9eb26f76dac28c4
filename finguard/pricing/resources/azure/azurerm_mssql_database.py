"""azurerm_mssql_database: DTU databases (S0-S12, P1-P15: a daily price, plus storage beyond the
tier's included size) or vCore databases (GP/BC/HS_Gen5_n: compute hours, zone redundancy,
Hyperscale read replicas, SQL Server licence unless license_type is BasePrice, storage), plus
long-term retention and point-in-time-restore backup storage (usage-based).

The database is priced in the region of its logical server (azurerm_mssql_server.location);
the licence meter is one price for all regions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.resources.azure._common import global_meter, in_region, parent_region
from finguard.pricing.resources.base import (
    UNKNOWN,
    Attrs,
    Component,
    CostModel,
    NoCost,
    is_unknown,
    quantity,
    usage_quantity,
)
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

HOURS_PER_DAY = Decimal(24)


class AzurermMssqlDatabase(CostModel):
    resource_types = ("azurerm_mssql_database",)
    provider = "azurerm"
    usage_keys = {
        "long_term_retention_storage_gb": UsageKey("GB", "long-term retention backups stored per month"),
        "backup_storage_gb": UsageKey("GB", "point-in-time-restore backup storage beyond the free amount"),
        "monthly_vcore_hours": UsageKey("vCore-hours", "vCore-hours a serverless database uses per month"),
        "extra_data_storage_gb": UsageKey("GB", "DTU databases: storage beyond the tier's included size "
                                                "(default: max_size_gb minus the included size)"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        sku_name = attrs.get("sku_name")
        if sku_name == "ElasticPool" or attrs.get("elastic_pool_id"):
            raise NoCost("compute and storage are billed on its elastic pool")
        sku = m.sql_sku(sku_name) if isinstance(sku_name, str) else None
        if sku is None:
            reason = ("sku_name known only after apply (Azure picks one when it is not set)"
                      if sku_name is None or is_unknown(sku_name) else f"sku_name {sku_name!r} is not modelled")
            parts = [Component(f"Compute ({sku_name or '?'})", "hours", m.SQL_SERVICE, {"skuName": UNKNOWN},
                               Decimal(1), hourly=True, unknown_reason=reason)]
        elif sku.kind == "dtu":
            parts = self._dtu(sku, attrs, usage_quantity(usage, "extra_data_storage_gb"))
        else:
            parts = self._vcore(sku, attrs, usage, resource)
        redundancy = m.SQL_BACKUP_REDUNDANCY.get(str(attrs.get("storage_account_type", "Geo")).lower(), "RA-GRS")
        if sku is None or sku.tier != "Hyperscale":
            parts.append(Component(f"Long-term retention ({redundancy})", "GB", m.SQL_SERVICE,
                                   m.sql_ltr_filters(redundancy),
                                   usage_quantity(usage, "long_term_retention_storage_gb")))
            parts.append(Component(f"PITR backup storage ({redundancy})", "GB", m.SQL_SERVICE,
                                   m.sql_pitr_filters(redundancy), usage_quantity(usage, "backup_storage_gb")))
        region = resource.region or parent_region(ctx, resource, "server_id", "azurerm_mssql_server")
        return [part if getattr(part, "region", None) else in_region(part, region) for part in parts]

    def _dtu(self, sku: m.SqlSku, attrs: Attrs, extra_usage: Decimal | None) -> list[Component]:
        # Priced per day: 730 hours a month are 730/24 days.
        parts = [Component(f"Compute ({sku.name})", "hours", m.SQL_SERVICE, m.sql_dtu_filters(sku), Decimal(1),
                           hourly=True, price_factor=Decimal(1) / HOURS_PER_DAY)]
        included = m.SQL_INCLUDED_STORAGE_GB.get(sku.name if sku.name.startswith("P") else "S")
        max_size = attrs.get("max_size_gb")
        extra: Decimal | None = extra_usage
        if extra is None and included is not None and max_size is not None and not is_unknown(max_size):
            extra = quantity(max_size, name="max_size_gb") - included
        if extra is not None and extra > 0:
            parts.append(Component("Extra data storage", "GB", m.SQL_SERVICE, m.sql_extra_storage_filters(sku.tier),
                                   extra))
        return parts

    def _vcore(self, sku: m.SqlSku, attrs: Attrs, usage: dict[str, Any], resource: Resource) -> list[Component]:
        zone = attrs.get("zone_redundant") is True
        if sku.serverless:
            filters: dict[str, Any] = {"skuName": UNKNOWN}
            parts = [Component(f"Compute (serverless, {sku.name})", "vCore-hours", m.SQL_SERVICE, filters,
                               usage_quantity(usage, "monthly_vcore_hours"),
                               unknown_reason="serverless compute meters are not modelled")]
        elif sku.family != "Gen5":
            parts = [Component(f"Compute (provisioned, {sku.name})", "hours", m.SQL_SERVICE, {"skuName": UNKNOWN},
                               Decimal(1), hourly=True,
                               unknown_reason=f"hardware family {sku.family} is not modelled (Gen5 is)")]
        else:
            parts = [Component(f"Compute (provisioned, {sku.name})", "hours", m.SQL_SERVICE, m.sql_vcore_filters(sku),
                               Decimal(1), hourly=True)]
            if zone:
                parts.append(Component(f"Zone redundancy (provisioned, {sku.name})", "hours", m.SQL_SERVICE,
                                       m.sql_vcore_filters(sku, zone_redundancy=True), Decimal(1), hourly=True))
            replicas = attrs.get("read_replica_count")
            if sku.tier == "Hyperscale" and replicas:
                count = UNKNOWN if is_unknown(replicas) else quantity(replicas, name="read_replica_count")
                parts.append(Component("Read replicas", "hours", m.SQL_SERVICE, m.sql_vcore_filters(sku), count,
                                       hourly=True))
        if not sku.serverless and attrs.get("license_type") != "BasePrice":
            parts.append(global_meter(Component("SQL license", "vCore-hours", m.SQL_SERVICE,
                                                m.sql_license_filters(sku.tier), Decimal(sku.vcores or 0),
                                                hourly=True), resource))
        max_size = attrs.get("max_size_gb")
        storage_qty = UNKNOWN if max_size is None or is_unknown(max_size) else quantity(max_size, name="max_size_gb")
        parts.append(Component("Storage", "GB", m.SQL_SERVICE, m.sql_storage_filters(sku.tier, zone), storage_qty,
                               unknown_reason="max_size_gb not set: Azure chooses the size"
                               if storage_qty is UNKNOWN else None))
        return parts
