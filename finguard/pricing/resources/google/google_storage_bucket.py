"""google_storage_bucket: storage GB by class and location, class A and class B operations (usage-based).

Storage is priced in the bucket's location as the Catalog API names it: a region for a regional
bucket (`US-EAST1` -> us-east1), and `us`, `europe`, `asia` for the US, EU and ASIA multi-regions.
Class A and B operations are priced per operation, from the global SKUs of the storage class
(multi-region Standard buckets have their own, dearer class A SKU). Dual-regions, data retrieval
and network egress are not modelled.
"""

from __future__ import annotations

import re

from finguard.model import Resource
from finguard.pricing.resources.base import Attrs, Component, CostModel, is_unknown, usage_quantity
from finguard.pricing.resources.context import ProjectContext
from finguard.pricing.resources.google._common import GCS, GLOBAL, component, sku, unknown_component
from finguard.pricing.usage import UsageKey

MULTI_REGIONS = {"US": "us", "EU": "europe", "ASIA": "asia"}
_REGION = re.compile(r"^[A-Z]+-[A-Z]+\d+$")
# (storage class, multi-region?) -> the storage SKUs' resourceGroup
STORAGE_GROUPS = {
    ("STANDARD", True): "MultiRegionalStorage", ("STANDARD", False): "RegionalStorage",
    ("MULTI_REGIONAL", True): "MultiRegionalStorage", ("REGIONAL", False): "RegionalStorage",
    ("NEARLINE", True): "NearlineStorage", ("NEARLINE", False): "NearlineStorage",
    ("COLDLINE", True): "ColdlineStorage", ("COLDLINE", False): "ColdlineStorage",
    ("ARCHIVE", True): "ArchiveStorage", ("ARCHIVE", False): "ArchiveStorage",
}
# (storage class, multi-region?) -> description stem prefix of its class A / class B operation SKUs
OPERATIONS = {
    ("STANDARD", True): "Multi-Region Standard", ("MULTI_REGIONAL", True): "Multi-Region Standard",
    ("STANDARD", False): "Regional Standard", ("REGIONAL", False): "Regional Standard",
    ("NEARLINE", True): "Multi-Region Nearline", ("NEARLINE", False): "Regional Nearline",
    ("COLDLINE", True): "Multi-Region Coldline", ("COLDLINE", False): "Regional Coldline",
    ("ARCHIVE", True): "Multi-Region Archive", ("ARCHIVE", False): "Regional Archive",
}


def bucket_location(location: object) -> tuple[str, bool] | str:
    """(Catalog API region, multi-region?) of a bucket location, or why it is not priced."""
    if is_unknown(location) or not isinstance(location, str):
        return "bucket location known only after apply"
    upper = location.upper()
    if upper in MULTI_REGIONS:
        return MULTI_REGIONS[upper], True
    if _REGION.match(upper):
        return upper.lower(), False
    return f"location {location} (a dual-region) is not mapped to Catalog API SKUs"


class GoogleStorageBucket(CostModel):
    resource_types = ("google_storage_bucket",)
    provider = "google"
    usage_keys = {
        "storage_gb": UsageKey("GB", "data stored, averaged over the month"),
        "monthly_class_a_operations": UsageKey("operations", "class A operations (object writes, listings) per month"),
        "monthly_class_b_operations": UsageKey("operations", "class B operations (object reads, metadata) per month"),
    }

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        usage = ctx.usage(resource)
        storage_class = attrs.get("storage_class") or "STANDARD"
        where = bucket_location(attrs.get("location") or "US")
        label = "?" if is_unknown(storage_class) else str(storage_class).lower()
        if isinstance(where, str) or is_unknown(storage_class):
            reason = where if isinstance(where, str) else "storage class known only after apply"
            return [unknown_component(f"Storage ({label})", "GB", GCS, reason)]
        region, multi = where
        key = (str(storage_class).upper(), multi)
        group, ops = STORAGE_GROUPS.get(key), OPERATIONS.get(key)
        if group is None or ops is None:
            return [unknown_component(f"Storage ({label})", "GB", GCS,
                                      f"storage class {storage_class} is not mapped to Catalog API SKUs")]
        return [
            component(f"Storage ({label}, {region})", "GB", GCS,
                      {"resourceFamily": "Storage", "resourceGroup": group, "usageType": "OnDemand",
                       "usageUnit": "GiBy.mo"},
                      usage_quantity(usage, "storage_gb"), region=region),
            component("Class A operations", "operations", GCS, sku(f"{ops} Class A Operations"),
                      usage_quantity(usage, "monthly_class_a_operations"), region=GLOBAL),
            component("Class B operations", "operations", GCS, sku(f"{ops} Class B Operations"),
                      usage_quantity(usage, "monthly_class_b_operations"), region=GLOBAL),
        ]
