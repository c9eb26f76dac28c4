"""azurerm_postgresql_flexible_server: compute hours of sku_name (B_Standard_B1ms, GP_Standard_D4s_v3,
MO_Standard_E4s_v3 ...), provisioned storage (storage_mb), additional backup storage (usage).

High availability runs a standby of the same size with its own storage: compute and storage are
billed twice.
"""

from __future__ import annotations

from decimal import Decimal

from finguard.model import Resource
from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, quantity, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey


class AzurermPostgresqlFlexibleServer(CostModel):
    resource_types = ("azurerm_postgresql_flexible_server",)
    provider = "azurerm"
    usage_keys = {"additional_backup_storage_gb": UsageKey(
        "GB", "backup storage beyond the free amount (100% of provisioned storage) per month")}

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        ha = attrs.blocks("high_availability")
        copies = Decimal(2) if ha and ha[0].get("mode") in ("SameZone", "ZoneRedundant") else Decimal(1)
        sku_name = attrs.get("sku_name")
        sku = m.postgres_sku(sku_name) if isinstance(sku_name, str) else None
        if sku is None:
            reason = "sku_name known only after apply" if is_unknown(sku_name) or sku_name is None \
                else f"sku_name {sku_name!r} is not of the form <B|GP|MO>_Standard_<size>"
            compute = Component(f"Compute ({sku_name if isinstance(sku_name, str) else '?'})", "hours",
                                m.POSTGRES_SERVICE, {"productName": UNKNOWN}, copies, hourly=True,
                                unknown_reason=reason)
        else:
            compute = Component(f"Compute ({sku_name})", "hours", m.POSTGRES_SERVICE, m.postgres_compute_filters(sku),
                                copies, hourly=True)
        storage_mb = attrs.get("storage_mb")
        if storage_mb is None or is_unknown(storage_mb):
            storage = Component("Storage", "GB", m.POSTGRES_SERVICE, m.postgres_storage_filters(), UNKNOWN,
                                unknown_reason="storage_mb not set: Azure chooses the size")
        else:
            storage = Component("Storage", "GB", m.POSTGRES_SERVICE, m.postgres_storage_filters(),
                                quantity(storage_mb, name="storage_mb") / Decimal(1024) * copies)
        return [
            compute,
            storage,
            Component("Additional backup storage", "GB", m.POSTGRES_SERVICE, m.postgres_backup_filters(),
                      usage_quantity(ctx.usage(resource), "additional_backup_storage_gb")),
        ]
