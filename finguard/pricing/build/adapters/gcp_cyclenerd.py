"""Google Cloud list prices from Cyclenerd's `pricing.yml`: machine types, disks, IPs, Cloud NAT, buckets.

The file (built from the Cloud Billing Catalog API by Cyclenerd's google-cloud-pricing-cost-calculator)
prices every predefined machine type per region. What it yields, in the Google models' vocabulary
(`finguard.pricing.resources.google`, whose tables this module imports):

- every machine type's on-demand `hour` (never `month`: for N1/N2/... it is after sustained-use
  discounts) under `machine_type_filter`;
- for the families the models price per vCPU and GB (E2, N1, N2, N2D), the Catalog API's core and RAM
  SKUs, solved from the per-type prices of that family and region, and kept only when those two rates
  reproduce EVERY type of the family there (three memory ratios at least) to a billionth of a dollar,
  with the vCPUs and GB the models bill (`core_ram_shape`); f1-micro and g1-small also
  under their flat SKU stems;
- persistent disks, local SSD and snapshots per GB-month; external IPs; Cloud NAT (the gateway's
  `hour` is the 32-VM cap, 32 x the per-VM uptime rate the model prices, so it is divided by 32);
  Cloud Storage per GB-month by storage class and location type.

Left out, counted: OS licenses, VPN, internet egress, Cloud Monitoring, Cloud Storage retrieval and DRA
(no cost model prices them), C4-series local SSD (part of the `-lssd` types' prices), custom-type
examples, and prices that are missing or 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from finguard.pricing.build.base import Adapter, AdapterReport, FeedRow, attrs, decimal_price
from finguard.pricing.resources.google import google_compute_address as address
from finguard.pricing.resources.google import google_compute_router_nat as nat
from finguard.pricing.resources.google._common import (
    COMPUTE,
    DISK_STEMS,
    FAMILIES,
    FLAT,
    GCS,
    LOCAL_SSD_STEM,
    REGIONAL_DISK_STEMS,
    SNAPSHOT_STEM,
    core_ram_shape,
    machine_type_filter,
    sku,
)
from finguard.pricing.resources.google.google_storage_bucket import MULTI_REGIONS, STORAGE_GROUPS

PROVIDER = "gcp"
INPUT = "pricing/gcp-cyclenerd/pricing.yml"
HOUR, GB_HOUR, GB_MONTH, GB = "h", "GiBy.h", "GiBy.mo", "GiBy"  # Catalog API usage units
# a derived core/RAM pair must reproduce every type of its family to this much per hour
EXACT = Decimal("0.000000001")

# compute.storage key -> (Catalog API description stem, its resourceGroup where the old snapshot's rows
# name one: rows of one product carry the same attributes whichever source prices them)
DISKS: dict[str, tuple[str, str | None]] = {
    "hdd": (DISK_STEMS["pd-standard"], "PDStandard"),
    "balanced": (DISK_STEMS["pd-balanced"], None),
    "ssd": (DISK_STEMS["pd-ssd"], "SSD"),
    "extreme": (DISK_STEMS["pd-extreme"], None),
    "hdd-replicated": (REGIONAL_DISK_STEMS["pd-standard"], None),
    "balanced-replicated": (REGIONAL_DISK_STEMS["pd-balanced"], None),
    "ssd-replicated": (REGIONAL_DISK_STEMS["pd-ssd"], None),
    "hyperdisk-extreme": ("Hyperdisk Extreme Capacity", None),
    "local": (LOCAL_SSD_STEM, None),
    "snapshot": (SNAPSHOT_STEM, None),
}
# storage.bucket class prefix -> the bucket model's storage_class
BUCKET_CLASSES = {"standard": "STANDARD", "nearline": "NEARLINE", "coldline": "COLDLINE", "archiv": "ARCHIVE"}
# the file's multi-region keys -> the Catalog API region the bucket model looks multi-regions up in
MULTI = {f"{region}-multi": region for region in MULTI_REGIONS.values()}
NOT_MODELLED = "not modelled by a finguard cost model"


class _DecimalLoader(yaml.CSafeLoader):
    """YAML floats as Decimal: a price is read as its exact text, never through a binary float."""


_DecimalLoader.add_constructor("tag:yaml.org,2002:float",
                               lambda loader, node: Decimal(loader.construct_scalar(node)))


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as stream:
        doc = yaml.load(stream, Loader=_DecimalLoader)  # a SafeLoader subclass: no arbitrary objects
    if not isinstance(doc, dict) or not isinstance(doc.get("compute"), dict):
        raise ValueError(f"{path}: not a Cyclenerd pricing.yml (no compute section)")
    return doc


class GcpCyclenerd(Adapter):
    id = "gcp-cyclenerd"
    inputs = (INPUT,)
    url = ("https://github.com/Cyclenerd/google-cloud-pricing-cost-calculator/blob/"
           "fd66b26ff84fee5cdd94f341ea89206e76c06b99/pricing.yml")
    published = "2026-07-30"
    license = "Apache-2.0"
    description = ("Google Cloud list prices per region (Compute Engine machine types, disks, IPs, Cloud NAT, "
                   "Cloud Storage), generated from the Cloud Billing Catalog API by Cyclenerd's "
                   "google-cloud-pricing-cost-calculator")

    def rows(self, shared: Path, report: AdapterReport) -> Iterable[FeedRow]:
        return GcpRows(load(shared / INPUT), self.id, report).all()


class GcpRows:
    """The walk over one parsed file; every price cell read is counted once in `report.read`."""

    def __init__(self, doc: Mapping[str, Any], source: str, report: AdapterReport) -> None:
        self.doc, self.source, self.report = doc, source, report
        self.regions = set(doc.get("region") or {})
        self.dual_regions = set(doc.get("dual-region") or {})

    def all(self) -> Iterator[FeedRow]:
        compute = self.doc["compute"]
        yield from self.machine_types(compute.get("instance") or {})
        yield from self.disks(compute.get("storage") or {})
        network = compute.get("network") or {}
        yield from self.network(network)
        yield from self.buckets((self.doc.get("storage") or {}).get("bucket") or {})
        for name, node in (("compute.license", compute.get("license")), ("compute.network.vpn", network.get("vpn")),
                           ("compute.network.traffic", network.get("traffic")),
                           ("monitoring", self.doc.get("monitoring")),
                           ("storage.retrieval", (self.doc.get("storage") or {}).get("retrieval"))):
            self._skip_all(node, f"{NOT_MODELLED} ({name})", name)

    # -- machine types --------------------------------------------------------------------------------
    def machine_types(self, instances: Mapping[str, Any]) -> Iterator[FeedRow]:
        family_points: dict[tuple[str, str], list[tuple[str, Decimal, Decimal, Decimal]]] = {}
        for name, spec in sorted(instances.items()):
            spec = spec if isinstance(spec, dict) else {}
            costs = spec.get("cost") or {}
            if str(spec.get("type", "")).endswith("-custom"):
                self._skip_all(costs, "custom machine type example (custom types are priced per vCPU and GB)", name)
                continue
            if not costs:
                self.report.read += 1
                self.report.skip("machine type without any price", name)
                continue
            shape = core_ram_shape(name)
            for region, cost in sorted(costs.items()):
                hour = self._price(region, cost, "hour", f"{name} {region}") if self._location(
                    region, name) else None
                if hour is None:
                    continue
                yield self._row(COMPUTE, region, {**machine_type_filter(name), "usageUnit": HOUR,
                                                  "resourceFamily": "Compute"}, HOUR, hour)
                if name in FLAT:
                    yield self._row(COMPUTE, region, {**sku(FLAT[name]), "usageUnit": HOUR,
                                                      "resourceFamily": "Compute"}, HOUR, hour)
                if shape is not None:
                    family_points.setdefault((shape[0], region), []).append((name, shape[1], shape[2], hour))
        for (family_key, region), points in sorted(family_points.items()):
            rates = core_ram_rates(points)
            if rates is None:
                self.report.skip("family core/RAM rates not derivable exactly (family priced per type only)",
                                 f"{family_key} {region}")
                continue
            family = FAMILIES[family_key]
            yield self._row(COMPUTE, region, {**sku(family.core), "usageUnit": HOUR, "resourceFamily": "Compute"},
                            HOUR, rates[0])
            yield self._row(COMPUTE, region, {**sku(family.ram), "usageUnit": GB_HOUR, "resourceFamily": "Compute"},
                            GB_HOUR, rates[1])

    # -- disks, IPs, NAT ----------------------------------------------------------------------------------
    def disks(self, storage: Mapping[str, Any]) -> Iterator[FeedRow]:
        for key, spec in sorted(storage.items()):
            costs = (spec or {}).get("cost") or {}
            if key not in DISKS:
                self._skip_all(costs, f"{NOT_MODELLED} (C4-series local SSD: part of the -lssd types' prices)"
                               if key.startswith("local-") else NOT_MODELLED, key)
                continue
            stem, group = DISKS[key]
            filters = {**sku(stem), "usageUnit": GB_MONTH, "resourceFamily": "Storage"}
            if group is not None:
                filters["resourceGroup"] = group
            for location, cost in sorted(costs.items()):
                region = self._location(location, f"disk {key}")
                usd = self._price(location, cost, "month", f"{key} {location}") if region else None
                if region is not None and usd is not None:
                    yield self._row(COMPUTE, region, filters, GB_MONTH, usd)

    def network(self, network: Mapping[str, Any]) -> Iterator[FeedRow]:
        ip = network.get("ip") or {}
        yield from self._hourly(ip.get("unused"), address.UNUSED, "Network")
        in_use = list(self._hourly(ip.get("vm"), address.IN_USE_STANDARD, "Network"))
        yield from in_use
        # the Catalog API lists the in-use SKU once, under "global" (where the address model looks it up);
        # the file repeats that one price in every region, so it is the global price only when all agree
        if in_use and len({r.usd for r in in_use}) == 1:
            yield FeedRow(PROVIDER, COMPUTE, "global", in_use[0].attributes, HOUR, in_use[0].usd, self.source)
        gateway_nat = network.get("nat") or {}
        for region, cost in sorted(((gateway_nat.get("gateway") or {}).get("cost") or {}).items()):
            hour = self._price(region, cost, "hour", f"nat.gateway {region}") if self._location(
                region, "nat.gateway") else None
            if hour is not None:  # the 32-VM cap: 32 x the per-VM uptime rate
                yield self._row(COMPUTE, region, {**sku(nat.UPTIME), "usageUnit": HOUR, "resourceFamily": "Network"},
                                HOUR, hour / nat.MAX_BILLED_VMS)
        for region, cost in sorted(((gateway_nat.get("data") or {}).get("cost") or {}).items()):
            usd = self._price(region, cost, "month", f"nat.data {region}") if self._location(
                region, "nat.data") else None
            if usd is not None:
                yield self._row(COMPUTE, region, {**sku(nat.DATA), "usageUnit": GB, "resourceFamily": "Network"},
                                GB, usd)
        self._skip_all({k: v for k, v in gateway_nat.items() if k not in ("gateway", "data")}, NOT_MODELLED, "nat")
        self._skip_all({k: v for k, v in ip.items() if k not in ("unused", "vm")}, NOT_MODELLED, "ip")

    def _hourly(self, spec: Any, stem: str, family: str) -> Iterator[FeedRow]:
        for region, cost in sorted(((spec or {}).get("cost") or {}).items()):
            hour = self._price(region, cost, "hour", f"{stem} {region}") if self._location(region, stem) else None
            if hour is not None:
                yield self._row(COMPUTE, region, {**sku(stem), "usageUnit": HOUR, "resourceFamily": family},
                                HOUR, hour)

    # -- Cloud Storage ------------------------------------------------------------------------------------
    def buckets(self, buckets: Mapping[str, Any]) -> Iterator[FeedRow]:
        for key, spec in sorted(buckets.items()):
            prefix, _, kind = key.partition("-")
            storage_class = BUCKET_CLASSES.get(prefix)
            costs = (spec or {}).get("cost") or {}
            if storage_class is None or kind not in ("", "dual", "multi"):
                self._skip_all(costs, f"{NOT_MODELLED} (Cloud Storage {key})", key)
                continue
            location_type = {"": "region", "dual": "dual-region", "multi": "multi-region"}[kind]
            for location, cost in sorted(costs.items()):
                region = self._location(location, f"bucket {key}")
                usd = self._price(location, cost, "month", f"{key} {location}") if region else None
                if region is None or usd is None:
                    continue
                filters = {"resourceFamily": "Storage", "usageType": "OnDemand", "usageUnit": GB_MONTH,
                           "storageClass": storage_class, "locationType": location_type}
                if kind != "dual":  # the bucket model prices regions and multi-regions by resourceGroup
                    filters["resourceGroup"] = STORAGE_GROUPS[(storage_class, kind == "multi")]
                yield self._row(GCS, region, filters, GB_MONTH, usd)

    # -- helpers --------------------------------------------------------------------------------------------
    def _row(self, service: str, region: str, filters: Mapping[str, str], unit: str, usd: Decimal) -> FeedRow:
        return FeedRow(PROVIDER, service, region, attrs(filters), unit, usd, self.source)

    def _location(self, key: str, what: str) -> str | None:
        """The Catalog API region of a location key of the file (region, dual-region, or X-multi)."""
        if key in self.regions or key in self.dual_regions:
            return key
        if key in MULTI:
            return MULTI[key]
        self.report.read += 1
        self.report.skip("unknown location", f"{what}: {key}")
        return None

    def _price(self, region: str, cost: Any, field: str, example: str) -> Decimal | None:
        """Count one record read; its `field` price, or None (counted) when missing or 0."""
        self.report.read += 1
        raw = cost.get(field) if isinstance(cost, dict) else None
        usd = decimal_price(raw)
        if raw is None:
            self.report.skip(f"no on-demand '{field}' price", example)
        elif usd is None:
            self.report.reject("price is not a non-negative number", f"{example}: {raw!r}")
        elif usd == 0:
            self.report.skip("price 0.0 (treated as missing)", example)
        else:
            return usd
        return None

    def _skip_all(self, node: Any, reason: str, example: str) -> None:
        n = _price_cells(node)
        if n:
            self.report.read += n
            self.report.skip(reason, example, n)


def _price_cells(node: Any) -> int:
    """How many price records a subtree holds: mappings carrying an hour or month figure."""
    if not isinstance(node, dict):
        return 0
    if any(k in node for k in ("hour", "month", "hour_spot", "month_spot", "month_1y", "month_3y")):
        return 1
    return sum(_price_cells(v) for v in node.values())


def core_ram_rates(points: list[tuple[str, Decimal, Decimal, Decimal]]) -> tuple[Decimal, Decimal] | None:
    """Per-vCPU and per-GB hourly rates that reproduce every (type, vCPUs, GB, hour) point, or None.

    Solved from the two types of most different memory ratio (GB per vCPU), then checked against all the
    others. Three different ratios are needed: a type of the same ratio as a solving one (e2-standard-2
    beside e2-medium) fits any pair and so confirms nothing.
    """
    if len({gb / cpus for _, cpus, gb, _ in points}) < 3:
        return None
    ordered = sorted(points, key=lambda p: (p[2] / p[1], p[1]))
    (_, c1, r1, h1), (_, c2, r2, h2) = ordered[0], ordered[-1]
    det = c1 * r2 - r1 * c2
    if det == 0:
        return None
    core = ((h1 * r2 - r1 * h2) / det).quantize(EXACT).normalize()
    ram = ((c1 * h2 - h1 * c2) / det).quantize(EXACT).normalize()
    if core <= 0 or ram <= 0:
        return None
    if any(abs(cpus * core + gb * ram - hour) > EXACT for _, cpus, gb, hour in points):
        return None
    return core, ram
