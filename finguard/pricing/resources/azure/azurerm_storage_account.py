"""azurerm_storage_account: blob capacity and operations, all usage-based (a plan cannot know them).

The blob product follows account_kind / account_tier / access_tier (StorageV2 Hot LRS and
BlobStorage / BlockBlobStorage accounts bill under "Blob Storage", other StorageV2 accounts under
"General Block Blob v2", StorageV1 under "General Block Blob", Premium under "Premium Block Blob").
Hot capacity is tiered (first 50 TB, next 450 TB, over 500 TB): the price list's tiers apply.
File storage accounts and hierarchical-namespace (Data Lake) accounts are not modelled.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.usage import UsageKey

TEN_THOUSAND = Decimal(10_000)


def _per_10k(value: Decimal | None) -> Decimal | None:
    return None if value is None else value / TEN_THOUSAND


class AzurermStorageAccount(CostModel):
    resource_types = ("azurerm_storage_account",)
    provider = "azurerm"
    usage_keys = {
        "storage_gb": UsageKey("GB", "blob data stored per month"),
        "monthly_write_operations": UsageKey("operations", "blob write operations per month"),
        "monthly_read_operations": UsageKey("operations", "blob read operations per month"),
        "monthly_list_and_create_container_operations": UsageKey("operations", "list and create-container "
                                                                 "operations per month"),
        "monthly_other_operations": UsageKey("operations", "all other blob operations per month"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        kind = attrs.get("account_kind", "StorageV2")
        tier = attrs.get("account_tier")
        replication = attrs.get("account_replication_type")
        access = attrs.get("access_tier", "Hot")
        unknown = [name for name, value in (("account_kind", kind), ("account_tier", tier),
                                            ("account_replication_type", replication), ("access_tier", access))
                   if is_unknown(value) or value is None]
        if unknown:
            return [Component("Capacity", "GB", m.STORAGE_SERVICE, {"skuName": UNKNOWN}, UNKNOWN,
                              unknown_reason=f"{', '.join(unknown)} known only after apply")]
        if attrs.get("is_hns_enabled") is True or attrs.get("nfsv3_enabled") is True:
            return [Component("Capacity", "GB", m.STORAGE_SERVICE, {"skuName": UNKNOWN}, UNKNOWN,
                              unknown_reason="hierarchical-namespace (Data Lake Gen2) accounts are not modelled")]
        meters = m.blob_meters(str(kind), str(tier), str(replication), str(access))
        if meters is None:
            return [Component("Capacity", "GB", m.STORAGE_SERVICE, {"skuName": UNKNOWN}, UNKNOWN,
                              unknown_reason=f"{kind} {tier} {replication} {access} accounts are not modelled")]
        usage = ctx.usage(resource)
        ops: list[tuple[str, dict[str, Any], str]] = [
            ("Write operations", meters.write_operations(), "monthly_write_operations"),
            ("List and create container operations", meters.list_operations(),
             "monthly_list_and_create_container_operations"),
            ("Read operations", meters.read_operations(), "monthly_read_operations"),
            ("All other operations", meters.other_operations(), "monthly_other_operations"),
        ]
        return [
            Component("Capacity", "GB", m.STORAGE_SERVICE, meters.capacity(), usage_quantity(usage, "storage_gb")),
            *(Component(name, "10k operations", m.STORAGE_SERVICE, filters, _per_10k(usage_quantity(usage, key)))
              for name, filters, key in ops),
        ]
