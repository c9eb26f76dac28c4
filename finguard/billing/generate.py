"""Seeded synthetic FOCUS billing data whose right answers are known.

The billing jobs (ingest, allocation, showback, budgets, anomalies, forecast, commitments) need data at two
scales: ten million rows to benchmark them, and a few thousand rows whose totals, allocations, anomalies and
commitment figures a test can assert exactly. Real exports give neither (too small, and nobody knows the right
answer), so this module fabricates AWS-shaped FOCUS rows from a seed and writes, next to the data, a
`GroundTruth` of everything a job should find.

How the data is built (all of it vectorised; the only Python loops run over resources, never over rows):

* Resources (an EC2 instance, an S3 bucket, ...) belong to an account and a team, carry tags (with the key and
  value spellings real organisations end up with) and emit one line item per hour or per day while they live.
  Every stream of line items is laid out contiguously ("stream-major"), so row `i` maps to (stream, hour) by
  arithmetic and any batch can be generated on its own: memory is bounded by the batch, not the file.
* Costs follow daily series per (ServiceName, SubAccountId, team): level, linear trend, weekly seasonality and
  noise. A series' daily total is split over the resources alive that day, so resources starting and stopping
  never show up as unlabelled level shifts; anomalies are extra resources added on top, and are labelled.
* Costs are quantised to 1e-8 USD and every total in the ground truth is summed in integers: it is the exact
  decimal sum of the values in the file (a DECIMAL sum reproduces it; a DOUBLE sum to ~1e-9 relative).
* Row noise comes from a counter-based hash of the row number, so batch size never changes the data: the same
  spec gives byte-identical files and truth.
"""

from __future__ import annotations

import hashlib
import math
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from finguard.billing.schema import FOCUS_COLUMNS

UNIT = 100_000_000  # costs are whole multiples of 1e-8 USD, so totals can be summed exactly in int64
BATCH_ROWS = 1 << 20  # rows per internal batch: ~0.4 GB of working memory, one Parquet row group each
ANOMALY_KINDS = ("spike", "level_shift", "drift")
BAD_ROW_KINDS = ("unparseable_cost", "unknown_currency", "null_charge_period_start", "end_before_start",
                 "duplicate", "malformed_tags")
KINDS = ("usage", "committed_usage", "anomaly", "network", "correction", "commitment_unused",
         "commitment_purchase", "support", "tax", "credit")
SHARED_KINDS = ("network", "commitment_unused", "commitment_purchase", "support", "tax", "credit")
DEFAULT_TEAMS = ("payments", "checkout", "search", "identity", "data-platform", "ml-platform", "mobile", "growth")
ENVS = ("prod", "dev", "staging")
ENV_SPELLINGS = {"prod": ("prod", "Prod", "production"), "dev": ("dev", "Dev", "development"),
                 "staging": ("staging", "Staging", "stage")}
TEAM_KEYS = ("team", "Team", "owner")
ENV_KEYS = ("env", "Environment", "environment")
PROVIDER = "AWS"
PUBLISHER = "Amazon Web Services, Inc."
BILLING_ACCOUNT_NAME = "finguard-demo-org"
SP_DISCOUNT = 0.28  # Compute Savings Plan, 1 year, no upfront: ~28% off on-demand
RI_DISCOUNT = 0.35  # RDS reserved instance, 1 year, no upfront
SP_UTILISATION = 0.9  # the Savings Plan is bought ~10% above the always-on usage it covers
RI_UTILISATION = 0.8
HOURLY_MIN_RESOURCES = 250  # "auto" granularity is hourly when rows allow this many resource-lifetimes of hours

# --------------------------------------------------------------------------------------------------------------
# Catalogue: what the resources are. Prices are real us-east-1 list prices (one price for every region).


@dataclass(frozen=True)
class Sku:
    """One usage type: the unit it is priced in and what one resource typically consumes per day."""

    usage: str
    description: str  # "{region}" is replaced by the region's name
    unit: str
    price: float
    daily_qty: float
    spread: float = 0.5  # lognormal sigma of daily_qty across resources
    weight: float = 1.0
    meter: str = "Usage"
    fixed: bool = False  # constant quantity (NAT gateway hours): cost does not follow the series


@dataclass(frozen=True)
class Service:
    """A service as a resource kind: FOCUS names, ARN shape, granularity and weekly pattern."""

    key: str
    name: str
    category: str
    subcategory: str
    resource_type: str
    arn: str  # placeholders: {region} {account} {hex} {name} {upper}
    hourly: bool  # hourly line items when the file is hourly (else daily)
    weekend: float  # weekend factor of the series' daily cost
    diurnal: bool  # hourly cost follows the working day
    zonal: bool
    skus: tuple[Sku, ...]
    named: bool = True  # ResourceName is set


def _box(itype: str, price: float, weight: float) -> Sku:
    return Sku(f"BoxUsage:{itype}", f"${price:g} per On Demand Linux {itype} Instance Hour", "Hours", price,
               19.2, 0.2, weight, "Compute Usage")


def _rds(itype: str, price: float, weight: float) -> Sku:
    return Sku(f"InstanceUsage:{itype}",
               f"${price:g} per RDS {itype} Single-AZ instance hour (or partial hour) running PostgreSQL",
               "Hours", price, 22.8, 0.05, weight, "Database Instance")


EC2_INSTANCE_SKUS = (_box("t3.medium", 0.0416, 2.0), _box("m5.large", 0.096, 3.0), _box("m5.xlarge", 0.192, 2.0),
                     _box("c5.xlarge", 0.17, 1.5), _box("r5.large", 0.126, 1.0), _box("m6i.2xlarge", 0.384, 0.7))
RDS_R5_LARGE = _rds("db.r5.large", 0.25, 1.5)
SERVICES: dict[str, Service] = {s.key: s for s in (
    Service("ec2", "Amazon Elastic Compute Cloud", "Compute", "Virtual Machines", "instance",
            "arn:aws:ec2:{region}:{account}:instance/i-0{hex}", True, 0.7, True, True, EC2_INSTANCE_SKUS,
            named=False),
    Service("ebs", "Amazon Elastic Compute Cloud", "Storage", "Block Storage", "volume",
            "arn:aws:ec2:{region}:{account}:volume/vol-0{hex}", False, 1.0, False, True, (
                Sku("EBS:VolumeUsage.gp3", "$0.08 per GB-month of General Purpose (gp3) provisioned storage - "
                    "{region}", "GB-Mo", 0.08, 6.7, 0.9, 3.0, "Storage"),
                Sku("EBS:VolumeUsage.gp2", "$0.10 per GB-month of General Purpose SSD (gp2) provisioned storage - "
                    "{region}", "GB-Mo", 0.10, 5.0, 0.9, 1.5, "Storage"),
                Sku("EBS:VolumeUsage.io2", "$0.125 per GB-month of Provisioned IOPS SSD (io2) provisioned storage "
                    "- {region}", "GB-Mo", 0.125, 15.0, 0.7, 0.4, "Storage")), named=False),
    Service("rds", "Amazon Relational Database Service", "Databases", "Relational Databases", "db",
            "arn:aws:rds:{region}:{account}:db:{name}", True, 0.95, False, True,
            (RDS_R5_LARGE, _rds("db.m5.large", 0.171, 1.0), _rds("db.t3.medium", 0.068, 1.5))),
    Service("s3", "Amazon Simple Storage Service", "Storage", "Object Storage", "bucket",
            "arn:aws:s3:::{name}", False, 1.0, False, False, (
                Sku("TimedStorage-ByteHrs", "$0.023 per GB - first 50 TB / month of storage used", "GB-Mo",
                    0.023, 16.7, 1.3, 3.0, "Storage"),
                Sku("Requests-Tier1", "$0.005 per 1,000 PUT, COPY, POST, or LIST requests", "Requests", 0.000005,
                    200_000, 1.2, 1.0, "Requests"))),
    Service("lambda", "AWS Lambda", "Compute", "Serverless Compute", "function",
            "arn:aws:lambda:{region}:{account}:function:{name}", False, 0.6, False, False, (
                Sku("Lambda-GB-Second", "AWS Lambda - Total Compute - {region}", "Lambda-GB-Second", 0.0000166667,
                    250_000, 1.2, 3.0, "Compute Duration"),
                Sku("Request", "AWS Lambda - Total Requests - {region}", "Requests", 0.0000002, 3_000_000, 1.2,
                    1.0, "Requests"))),
    Service("elb", "Elastic Load Balancing", "Networking", "Network Infrastructure", "loadbalancer",
            "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/{hex}", True, 0.85, True,
            False, (
                Sku("LCUUsage", "$0.008 per used Application load balancer capacity unit-hour (or partial hour)",
                    "LCU-Hrs", 0.008, 96.0, 0.8, 2.0, "Capacity Units"),
                Sku("LoadBalancerUsage", "$0.0225 per Application LoadBalancer-hour (or partial hour)", "Hours",
                    0.0225, 24.0, 0.05, 1.0, "Load Balancer Hours"))),
    Service("cloudwatch", "AmazonCloudWatch", "Management and Governance", "Observability", "log-group",
            "arn:aws:logs:{region}:{account}:log-group:/aws/{name}", False, 0.8, False, False, (
                Sku("DataProcessing-Bytes", "$0.50 per GB custom log data ingested in Standard log class - "
                    "{region}", "GB", 0.50, 3.0, 1.2, 2.0, "Log Ingestion"),
                Sku("TimedStorage-ByteHrs", "$0.03 per GB-mo of log storage - {region}", "GB-Mo", 0.03, 10.0,
                    1.0, 1.0, "Log Storage"))),
    Service("dynamodb", "Amazon DynamoDB", "Databases", "NoSQL Databases", "table",
            "arn:aws:dynamodb:{region}:{account}:table/{name}", False, 0.8, False, False, (
                Sku("WriteRequestUnits", "$1.25 per million write request units ({region})", "WriteRequestUnits",
                    0.00000125, 2_000_000, 1.2, 1.0, "Write Requests"),
                Sku("ReadRequestUnits", "$0.25 per million read request units ({region})", "ReadRequestUnits",
                    0.00000025, 8_000_000, 1.2, 1.0, "Read Requests"))),
    Service("ecs", "Amazon Elastic Container Service", "Compute", "Containers", "service",
            "arn:aws:ecs:{region}:{account}:service/{name}", True, 0.75, True, False, (
                Sku("Fargate-vCPU-Hours:perCPU", "AWS Fargate - vCPU - {region}", "vCPU-Hours", 0.04048, 144.0,
                    0.7, 1.0, "vCPU"),
                Sku("Fargate-GB-Hours", "AWS Fargate - Memory - {region}", "GB-Hours", 0.004445, 288.0, 0.7, 1.0,
                    "Memory"))),
    Service("sqs", "Amazon Simple Queue Service", "Integration", "Messaging", "queue",
            "arn:aws:sqs:{region}:{account}:{name}", False, 0.7, False, False, (
                Sku("Requests-Tier1", "$0.40 per million Amazon SQS standard requests in Tier1 in {region}",
                    "Requests", 0.0000004, 3_000_000, 1.3, 1.0, "Requests"),)),
    Service("cloudfront", "Amazon CloudFront", "Networking", "Content Delivery", "distribution",
            "arn:aws:cloudfront::{account}:distribution/E{upper}", False, 1.1, False, False, (
                Sku("DataTransfer-Out-Bytes", "$0.085 per GB - first 10 TB / month data transfer out", "GB", 0.085,
                    60.0, 1.3, 2.0, "Data Transfer"),
                Sku("Requests-Tier2-HTTPS", "$0.0100 per 10,000 HTTPS Requests", "Requests", 0.000001, 2_000_000,
                    1.2, 1.0, "Requests")), named=False),
)}
# Shared networking: only in the network account, never tagged, every resource alive for the whole window.
NETWORK: dict[str, Service] = {s.key: s for s in (
    Service("nat", "Amazon Elastic Compute Cloud", "Networking", "Network Infrastructure", "natgateway",
            "arn:aws:ec2:{region}:{account}:natgateway/nat-0{hex}", True, 0.85, True, True, (
                Sku("NatGateway-Bytes", "$0.045 per GB Data Processed by NAT Gateways", "GB", 0.045, 800.0, 0.6,
                    1.0, "Data Processed"),
                Sku("NatGateway-Hours", "$0.045 per NAT Gateway Hour", "Hours", 0.045, 24.0, 0.0, 1.0,
                    "NAT Gateway Hours", fixed=True)), named=False),
    Service("tgw", "Amazon Virtual Private Cloud", "Networking", "Network Infrastructure",
            "transit-gateway-attachment",
            "arn:aws:ec2:{region}:{account}:transit-gateway-attachment/tgw-attach-0{hex}", True, 0.85, True, False,
            (Sku("TransitGateway-Bytes", "$0.02 per GB - Transit Gateway data processed", "GB", 0.02, 500.0, 0.7,
                 1.0, "Data Processed"),), named=False),
    Service("ipv4", "Amazon Virtual Private Cloud", "Networking", "Network Infrastructure", "elastic-ip",
            "arn:aws:ec2:{region}:{account}:elastic-ip/eipalloc-0{hex}", True, 1.0, False, False,
            (Sku("PublicIPv4:InUseAddress", "$0.005 per In-use public IPv4 address per hour", "Hours", 0.005, 24.0,
                 0.0, 1.0, "IP Address Hours", fixed=True),), named=False),
)}
ALL_SERVICES: dict[str, Service] = {**SERVICES, **NETWORK}
DEFAULT_MIX: dict[str, float] = {"ec2": 0.30, "ebs": 0.12, "rds": 0.06, "s3": 0.12, "lambda": 0.08, "elb": 0.05,
                                 "cloudwatch": 0.07, "dynamodb": 0.05, "ecs": 0.05, "sqs": 0.04, "cloudfront": 0.06}
# What an anomaly in a series of this service is made of: (resource service, usage type, resources).
ANOMALY_SOURCES: dict[tuple[str, str], tuple[str, Sku, int]] = {
    ("ec2", "spike"): ("ec2", _box("p3.2xlarge", 3.06, 1.0), 3),
    ("ec2", "level_shift"): ("ec2", _box("c5.4xlarge", 0.68, 1.0), 2),
    ("ec2", "drift"): ("ebs", SERVICES["ebs"].skus[2], 1),
    ("s3", "spike"): ("s3", SERVICES["s3"].skus[1], 1),
    ("s3", "level_shift"): ("s3", SERVICES["s3"].skus[0], 1),
    ("s3", "drift"): ("s3", SERVICES["s3"].skus[0], 1),
    ("rds", "spike"): ("rds", _rds("db.r5.4xlarge", 2.0, 1.0), 1),
    ("rds", "level_shift"): ("rds", _rds("db.r5.2xlarge", 1.0, 1.0), 1),
    ("rds", "drift"): ("rds", Sku("RDS:GP2-Storage", "$0.115 per GB-month of provisioned gp2 storage running "
                                  "PostgreSQL", "GB-Mo", 0.115, 30.0, 0.0, 1.0, "Storage"), 1),
    ("lambda", "spike"): ("lambda", SERVICES["lambda"].skus[0], 2),
    ("lambda", "level_shift"): ("lambda", SERVICES["lambda"].skus[0], 1),
    ("lambda", "drift"): ("lambda", SERVICES["lambda"].skus[0], 1),
    ("dynamodb", "spike"): ("dynamodb", SERVICES["dynamodb"].skus[0], 1),
    ("dynamodb", "level_shift"): ("dynamodb", SERVICES["dynamodb"].skus[0], 1),
    ("dynamodb", "drift"): ("dynamodb", SERVICES["dynamodb"].skus[1], 1),
}
ANOMALY_SERVICE_OF_NAME = {"Amazon Elastic Compute Cloud": "ec2", "Amazon Simple Storage Service": "s3",
                           "Amazon Relational Database Service": "rds", "AWS Lambda": "lambda",
                           "Amazon DynamoDB": "dynamodb"}
REGIONS = (("us-east-1", "US East (N. Virginia)"), ("us-west-2", "US West (Oregon)"), ("eu-west-1", "EU (Ireland)"))
REGION_WEIGHTS = (0.55, 0.30, 0.15)
APP_SUFFIXES = ("api", "worker", "web", "etl", "gateway", "scheduler", "cache", "ingest")
SP_SERVICE = "Savings Plans for AWS Compute usage"
SUPPORT_SERVICE = "AWS Support (Business)"

# --------------------------------------------------------------------------------------------------------------
# The spec and the ground truth: the module's boundary.


class GeneratorSpec(BaseModel):
    """What to generate. The same spec always gives the same bytes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, ge=0, lt=2**63)
    rows: int = Field(100_000, ge=1, description="valid rows, exactly (bad rows come on top, CSV only)")
    start: date = date(2024, 1, 1)
    days: int = Field(120, ge=7, le=1100)
    accounts: int = Field(12, ge=1, le=1000, description="workload accounts; a management and a shared-network "
                                                          "account are added")
    services: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_MIX),
                                       description="share of usage rows per service key")
    teams: list[str] = Field(default_factory=lambda: list(DEFAULT_TEAMS), min_length=1, max_length=200)
    untagged_fraction: float = Field(0.12, ge=0.0, le=1.0)
    tag_variants: bool = True
    anomalies: bool = True
    commitments: bool = True
    bad_rows: int = Field(0, ge=0)
    currency: Literal["USD"] = "USD"
    granularity: Literal["auto", "hourly", "daily"] = "auto"
    tax_rate: float = Field(0.07, ge=0.0, le=0.5)

    @field_validator("services")
    @classmethod
    def _known_services(cls, mix: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(mix) - set(SERVICES))
        if unknown:
            raise ValueError(f"unknown service keys {unknown}; known: {sorted(SERVICES)}")
        if not mix or any(w <= 0 for w in mix.values()):
            raise ValueError("services needs at least one key, every weight > 0")
        return mix

    @field_validator("teams")
    @classmethod
    def _canonical_teams(cls, teams: list[str]) -> list[str]:
        # Canonical names are lower-case slugs, so every tag spelling folds back to one of them.
        for t in teams:
            if not t or not all(c.islower() or c.isdigit() or c == "-" for c in t) or not t[0].isalpha():
                raise ValueError(f"team {t!r}: canonical team names are lower-case slugs like 'data-platform'")
        if len(set(teams)) != len(teams):
            raise ValueError("team names must be unique")
        return teams

    @model_validator(mode="after")
    def _anomalies_need_history(self) -> GeneratorSpec:
        if self.anomalies and self.days < 21:
            raise ValueError("anomalies need days >= 21 (a detector needs history before the event)")
        return self


class Costs(BaseModel):
    """Row count and exact cost sums of a set of rows."""

    model_config = ConfigDict(extra="forbid")

    rows: int = 0
    billed_cost: float = 0.0
    effective_cost: float = 0.0
    list_cost: float = 0.0


class PeriodTruth(BaseModel):
    """One billing period (month): totals and every allocation view of them."""

    model_config = ConfigDict(extra="forbid")

    period: date
    totals: Costs
    by_kind: dict[str, Costs]
    by_tag_team: dict[str, Costs] = Field(description="rows whose team tag (team/Team/owner, any case) names the "
                                                      "team")
    untagged: Costs = Field(description="rows with no team tag at all, shared rows included")
    by_account_team: dict[str, Costs] = Field(description="rows in the accounts the team owns")
    unowned_accounts: Costs = Field(description="rows in the management and shared-network accounts")
    by_team: dict[str, Costs] = Field(description="team tag, else the account's owner")
    unallocated: Costs = Field(description="rows neither rule assigns")


class TeamTruth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    cost_center: str
    accounts: list[str]


class AccountTruth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    role: Literal["workload", "management", "network"]
    owner: str | None
    env: str


class SeriesTruth(BaseModel):
    """A daily cost series as designed: on-demand level/trend/seasonality plus constant committed usage."""

    model_config = ConfigDict(extra="forbid")

    service_name: str
    sub_account_id: str
    team: str | None
    resources: int
    level: float = Field(description="weekday on-demand cost per day at day 0 (Billed = Effective = List)")
    trend_per_day: float
    weekend_factor: float
    noise_sigma: float = Field(description="relative sd of the daily multiplicative noise")
    fixed_per_day: float = Field(description="constant on-demand cost per day that does not follow the shape")
    committed_effective_per_day: float = Field(description="EffectiveCost per day of commitment-covered usage "
                                                           "(BilledCost 0)")


class AnomalyTruth(BaseModel):
    """One injected event; its extra cost is exactly the BilledCost of `resource_ids`."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["spike", "level_shift", "drift"]
    service_name: str
    sub_account_id: str
    team: str
    start: date
    end: date = Field(description="last day with added cost (level shifts and drifts persist to the window end)")
    added_cost_per_day: float = Field(description="full added cost per day (a drift reaches it at ramp end)")
    total_added_cost: float
    daily_added_cost: dict[date, float]
    ramp_end: date | None = None
    resource_ids: list[str]
    usage_type: str
    sku_id: str
    charge_description: str
    series_level: float
    series_sigma_per_day: float = Field(description="level x noise_sigma: the series' daily noise in USD")


class CommitmentPeriod(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: date
    fee: float
    used_effective_cost: float
    unused_cost: float
    covered_list_cost: float
    eligible_list_cost: float
    eligible_on_demand_cost: float


class CommitmentTruth(BaseModel):
    """A Savings Plan or reserved instance: what it costs, how well it is used, what it saves."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    category: Literal["Spend", "Usage"]
    type: Literal["Savings Plan", "Reserved Instance"]
    sub_account_id: str
    start: datetime
    end: datetime
    hourly_commitment: float = Field(description="USD per hour (a reserved instance: reserved x effective rate)")
    reserved_quantity: int | None = Field(None, description="reserved instances (RI only)")
    discount: float
    covered_resources: int
    eligible_filter: dict[str, str] = Field(description="column = value for the rows the commitment could cover "
                                                        "(ChargeCategory 'Usage', status not 'Unused')")
    fee: float
    used_effective_cost: float
    unused_cost: float
    utilisation: float = Field(description="used / (used + unused) EffectiveCost")
    covered_list_cost: float = Field(description="on-demand equivalent (ListCost) of the covered usage")
    eligible_list_cost: float = Field(description="ListCost of all eligible usage, covered or not")
    eligible_on_demand_cost: float = Field(description="BilledCost of eligible usage the commitment did not cover")
    coverage: float = Field(description="covered_list_cost / eligible_list_cost")
    effective_savings_rate: float = Field(description="1 - (eligible EffectiveCost + unused) / eligible ListCost")
    periods: list[CommitmentPeriod]


class CorrectionTruth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resource_id: str
    day: date
    billed_cost: float


class BadRowKindTruth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = 0
    billed_cost: float | None = Field(0.0, description="sum of BilledCost where it parses (None: it never does)")


class BadRowTruth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line: int = Field(description="1-based data row in the file (the header is row 0)")
    kind: str
    billed_cost: float | None


class BadRowsTruth(BaseModel):
    """Invalid rows injected into a CSV: the valid rows' truth never includes them."""

    model_config = ConfigDict(extra="forbid")

    count: int = 0
    by_kind: dict[str, BadRowKindTruth] = Field(default_factory=dict)
    rows: list[BadRowTruth] = Field(default_factory=list)


class GroundTruth(BaseModel):
    """Everything a billing job run on the generated file should find, summed exactly from the rows."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    spec: GeneratorSpec
    file: str | None = None
    format: Literal["parquet", "csv"] | None = None
    granularity: Literal["hourly", "daily"]
    rows: int = Field(description="valid rows (= spec.rows)")
    file_rows: int = Field(description="data rows in the file: rows + bad rows")
    resources: int
    untagged_resources: int = Field(description="workload resources with no team tag")
    totals: Costs
    periods: list[PeriodTruth]
    by_kind: dict[str, Costs]
    shared_by_kind: dict[str, Costs]
    untagged: Costs
    unallocated: Costs
    teams: list[TeamTruth]
    accounts: list[AccountTruth]
    tag_keys: dict[str, list[str]] = Field(description="canonical key -> spellings present")
    tag_values: dict[str, dict[str, list[str]]] = Field(description="canonical key -> canonical value -> spellings")
    series: list[SeriesTruth]
    anomalies: list[AnomalyTruth]
    commitments: list[CommitmentTruth]
    corrections: list[CorrectionTruth]
    bad_rows: BadRowsTruth = Field(default_factory=BadRowsTruth)

    def save(self, path: Path) -> None:
        """Write as indented JSON; key order is fixed, so equal truths are equal bytes."""
        path.write_text(self.model_dump_json(indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> GroundTruth:
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


def truth_path(path: Path) -> Path:
    """Where `write` puts the truth for a data file: `<path>.truth.json`."""
    return path.with_name(path.name + ".truth.json")


# --------------------------------------------------------------------------------------------------------------
# Deterministic randomness.


def _rng(seed: int, part: str) -> np.random.Generator:
    """One generator per component, so changing one component never reshuffles the others."""
    return np.random.default_rng([seed, zlib.crc32(part.encode())])


def _hash64(key: int, idx: np.ndarray) -> np.ndarray:
    """splitmix64 of (key, idx): counter-based, so a row's noise does not depend on batch boundaries."""
    z = idx.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(key & 0xFFFFFFFFFFFFFFFF)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _uniform(key: int, idx: np.ndarray) -> np.ndarray:
    return (_hash64(key, idx) >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def _key(seed: int, part: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{seed}/{part}".encode(), digest_size=8).digest(), "little")


def _sku_id(usage: str, region: str) -> str:
    digest = hashlib.blake2b(f"{usage}@{region}".encode(), digest_size=16).digest()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(alphabet[b % 32] for b in digest)


def _units(values: np.ndarray) -> np.ndarray:
    """USD -> int64 multiples of 1e-8."""
    return np.rint(values * UNIT).astype(np.int64)


def _usd(units: int | np.integer[Any]) -> float:
    return int(units) / UNIT


def _costs(rows: int | np.integer[Any], billed: Any, effective: Any, listed: Any) -> Costs:
    return Costs(rows=int(rows), billed_cost=_usd(billed), effective_cost=_usd(effective), list_cost=_usd(listed))


# --------------------------------------------------------------------------------------------------------------
# The plan: every stream of line items, laid out contiguously. Building it loops over resources, never rows.

STRING_COLUMNS = tuple(c for c, t in FOCUS_COLUMNS.items() if t == "string")
# Filled per row from the billing period, not per stream.
PERIOD_COLUMNS = ("InvoiceId",)


class _Streams:
    """Column-wise accumulator of stream attributes (numeric arrays and per-stream string values)."""

    NUMERIC: dict[str, Any] = {
        "n_rows": np.int64, "t0": np.int64, "step": np.int64, "a": np.float64, "mrow": np.int64,
        "prof": np.int64, "sigma": np.float64, "lf": np.int64, "bf": np.int64, "ef": np.float64,
        "kind": np.int64, "account": np.int64, "tag_team": np.int64, "series": np.int64, "commitment": np.int64,
        "eligible": np.int64, "price": np.float64, "has_consumed": np.bool_, "has_pricing": np.bool_,
        "cdq_div": np.float64, "event": np.int64, "resource": np.int64, "fixed_daily": np.float64,
    }

    def __init__(self) -> None:
        self.num: dict[str, list[np.ndarray]] = {k: [] for k in self.NUMERIC}
        self.text: dict[str, list[np.ndarray]] = {k: [] for k in STRING_COLUMNS if k not in PERIOD_COLUMNS}
        self.count = 0

    def add(self, n: int, num: dict[str, Any], text: dict[str, Any]) -> range:
        """Append n streams; scalars broadcast. Missing numeric attributes take neutral defaults."""
        defaults: dict[str, Any] = {"mrow": 0, "prof": 0, "sigma": 0.0, "lf": 1, "bf": 1, "ef": 1.0,
                                    "tag_team": -1, "series": -1, "commitment": -1, "eligible": -1,
                                    "price": np.nan, "has_consumed": False, "has_pricing": False,
                                    "cdq_div": np.nan, "event": -1, "resource": -1, "fixed_daily": 0.0}
        for k, dtype in self.NUMERIC.items():
            v = num.get(k, defaults.get(k))
            if v is None:
                raise KeyError(f"stream attribute {k} missing")
            arr = np.asarray(v, dtype=dtype)
            self.num[k].append(np.broadcast_to(arr, (n,)).copy() if arr.ndim == 0 else arr)
            if len(self.num[k][-1]) != n:
                raise ValueError(f"{k}: {len(self.num[k][-1])} values for {n} streams")
        for k in self.text:
            v = text.get(k)
            arr = np.empty(n, dtype=object)
            if isinstance(v, (list, np.ndarray)):
                arr[:] = v
            else:
                arr[:] = [v] * n
            self.text[k].append(arr)
        first = self.count
        self.count += n
        return range(first, self.count)

    def numeric(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) if v else np.empty(0, self.NUMERIC[k]) for k, v in self.num.items()}

    def strings(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.text.items()}


@dataclass
class _Account:
    id: str
    name: str
    role: Literal["workload", "management", "network"]
    owner: int  # team index, -1 for none
    env: str
    weight: float


@dataclass
class _Resources:
    """Per-resource attributes (vectorised) of one pool of workload resources."""

    svc: list[str]  # service key per resource
    sku: list[Sku]
    account: np.ndarray
    team: np.ndarray  # canonical team (tag team, else account owner)
    tagged: np.ndarray
    region: np.ndarray
    w: np.ndarray  # nominal on-demand cost per day
    first_day: np.ndarray
    end_day: np.ndarray  # exclusive
    hourly: np.ndarray
    same_id: np.ndarray | None = None  # resource whose ResourceId this one shares (NAT hours and bytes)


@dataclass
class _Event:
    kind: str
    series: int
    start: int
    end: int  # inclusive day
    ramp: int
    resource_svc: str
    sku: Sku
    streams: list[int]


@dataclass
class _Commitment:
    id: str
    name: str
    category: Literal["Spend", "Usage"]
    type: Literal["Savings Plan", "Reserved Instance"]
    discount: float
    covered: np.ndarray  # stream indices
    step_units_used: int  # EffectiveCost units per row-step of covered usage
    step_units_commit: int
    hourly_usd: float  # commitment per hour
    reserved: int | None
    eligible_filter: dict[str, str]
    unused_streams: list[int]
    purchase_streams: list[int]


@dataclass
class _Plan:
    spec: GeneratorSpec
    days: int
    hourly: bool
    window_start: datetime
    periods: list[date]
    period_of_day: np.ndarray
    period_bounds_us: np.ndarray  # (P, 2) BillingPeriodStart/End in epoch microseconds
    num: dict[str, np.ndarray]
    row_start: np.ndarray  # (S+1,)
    dict_codes: dict[str, np.ndarray]  # per string column: code per stream (-1 = null)
    dictionaries: dict[str, pa.Array]
    invoice_ids: pa.Array
    m: np.ndarray  # (mrows, D) daily multipliers
    prof: np.ndarray  # (2, 24) hourly profiles
    noise_key: int
    accounts: list[_Account]
    teams: list[str]
    cost_centers: list[str]
    series_keys: list[tuple[str, int, int]]  # (ServiceName, account, team)
    series_params: dict[str, np.ndarray]
    events: list[_Event]
    commitments: list[_Commitment]
    corrections: list[tuple[int, int]]  # (stream, day)
    tail_first: int  # first tail stream (tax, support, credits): filled in after the usage rows
    tail_meta: list[tuple[str, int, int, str | None]]  # (kind, period, account, ServiceName)
    resources: int
    untagged_resources: int
    tag_keys: dict[str, set[str]]
    tag_values: dict[str, dict[str, set[str]]]

    @property
    def streams(self) -> int:
        return len(self.row_start) - 1

    @property
    def main_rows(self) -> int:
        return int(self.row_start[self.tail_first])


def _months(start: date, days: int) -> list[date]:
    end = start + timedelta(days=days - 1)
    out, y, m = [], start.year, start.month
    while date(y, m, 1) <= end:
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _next_month(d: date) -> date:
    return date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)


def _epoch_us(d: date | datetime) -> int:
    dt = d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)
    return int((dt - datetime(1970, 1, 1)).total_seconds()) * 1_000_000


class _Planner:
    """Builds a `_Plan` from a spec: accounts, resources, series, anomalies, commitments and shared costs."""

    def __init__(self, spec: GeneratorSpec) -> None:
        self.spec = spec
        self.D = spec.days
        self.H = 24 * spec.days
        n = spec.rows
        if spec.granularity == "auto":
            self.hourly = n >= HOURLY_MIN_RESOURCES * self.H
        else:
            self.hourly = spec.granularity == "hourly"
        self.window_start = datetime(spec.start.year, spec.start.month, spec.start.day)
        self.periods = _months(spec.start, spec.days)
        day_dates = [spec.start + timedelta(days=d) for d in range(self.D)]
        pindex = {p: i for i, p in enumerate(self.periods)}
        self.period_of_day = np.array([pindex[date(x.year, x.month, 1)] for x in day_dates], dtype=np.int64)
        self.weekend = np.array([x.weekday() >= 5 for x in day_dates])
        self.st = _Streams()
        self.resource_count = 0
        self.tag_keys: dict[str, set[str]] = {"team": set(), "env": set(), "cost-center": set()}
        self.tag_values: dict[str, dict[str, set[str]]] = {"team": {}, "env": {}}

    # -- accounts and teams ---------------------------------------------------------------------------------------

    def accounts_and_teams(self) -> None:
        spec, rng = self.spec, _rng(self.spec.seed, "accounts")
        self.teams = list(spec.teams)
        self.cost_centers = [f"CC-{1000 + 10 * (i + 1)}" for i in range(len(self.teams))]
        # Twelve digits, leading zeros kept (the network account always has one): ids are strings, and an ingest
        # that lets a CSV reader guess their type turns them into numbers and loses the zero.
        ids = [f"{i:012d}" for i in rng.choice(10**12, size=spec.accounts + 2, replace=False)]
        ids[-1] = "0" + ids[-1][1:]
        names: dict[str, int] = {}
        self.accounts: list[_Account] = []
        for i in range(spec.accounts):
            owner = i % len(self.teams)
            env = ENVS[(i // len(self.teams)) % len(ENVS)]
            base = f"{self.teams[owner]}-{env}"
            names[base] = names.get(base, 0) + 1
            name = base if names[base] == 1 else f"{base}-{names[base]}"
            weight = float(rng.lognormal(0.0, 0.5)) * (1.6 if env == "prod" else 0.7)
            self.accounts.append(_Account(ids[i], name, "workload", owner, env, weight))
        self.mgmt = len(self.accounts)
        self.accounts.append(_Account(ids[-2], "management", "management", -1, "prod", 0.0))
        self.network = len(self.accounts)
        self.accounts.append(_Account(ids[-1], "shared-network", "network", -1, "prod", 0.0))
        self.acc_weight = np.array([a.weight for a in self.accounts[: spec.accounts]])
        self.acc_weight /= self.acc_weight.sum()
        # Each workload account hosts its owner and up to two secondary teams.
        self.secondary = rng.integers(0, len(self.teams), size=(spec.accounts, 2))
        self.apps = [[f"{t}-{s}" for s in APP_SUFFIXES] for t in self.teams]

    # -- resource pools -------------------------------------------------------------------------------------------

    def sample_resources(self, rng: np.random.Generator, svc_keys: Sequence[str], counts: Sequence[int],
                         full: bool, accounts: np.ndarray | None = None,
                         sku_pick: Callable[[Service, np.random.Generator, int], list[Sku]] | None = None
                         ) -> _Resources:
        """Draw resources of the given services: account, team, tagging, region, size and lifetime."""
        spec = self.spec
        svc = [k for k, c in zip(svc_keys, counts, strict=True) for _ in range(c)]
        n = len(svc)
        acc = accounts if accounts is not None else rng.choice(spec.accounts, size=n, p=self.acc_weight)
        acc = np.asarray(acc, dtype=np.int64)
        owner = np.array([a.owner for a in self.accounts], dtype=np.int64)[acc]
        workload = acc < spec.accounts
        second = self.secondary[np.where(workload, acc, 0), rng.integers(0, 2, size=n)]
        team = np.where((rng.random(n) < 0.75) | ~workload, owner, second)
        tagged = rng.random(n) >= spec.untagged_fraction
        team = np.where(tagged, team, owner)  # nothing but the account says whose an untagged resource is
        region = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS)
        skus: list[Sku] = []
        for key, c in zip(svc_keys, counts, strict=True):
            service = ALL_SERVICES[key]
            if sku_pick is not None:
                skus.extend(sku_pick(service, rng, c))
            else:
                w = np.array([s.weight for s in service.skus])
                skus.extend(service.skus[i] for i in rng.choice(len(service.skus), size=c, p=w / w.sum()))
        price = np.array([s.price for s in skus])
        qty = np.array([s.daily_qty for s in skus]) * np.exp(rng.normal(0.0, 1.0, n) * np.array(
            [s.spread for s in skus]))
        hourly = np.array([self.hourly and ALL_SERVICES[k].hourly for k in svc], dtype=bool)
        first = np.zeros(n, dtype=np.int64)
        end = np.full(n, self.D, dtype=np.int64)
        if not full and n:
            churn = rng.random(n) < 0.3
            length = rng.integers(max(1, self.D // 10), self.D + 1, size=n)
            begin = np.where(rng.random(n) < 0.3, 0, rng.integers(0, self.D, size=n))
            first = np.where(churn, begin, 0)
            end = np.where(churn, np.minimum(begin + length, self.D), self.D)
        return _Resources(svc, skus, acc, team, tagged, region, price * qty, first, end, hourly)

    def tags(self, rng: np.random.Generator, res: _Resources, idx: np.ndarray) -> list[str | None]:
        """Tags JSON per resource, with the key/value spellings of a real organisation when variants are on."""
        n = len(idx)
        variants = self.spec.tag_variants
        tkey = rng.choice(3, size=n, p=[0.6, 0.25, 0.15]) if variants else np.zeros(n, dtype=np.int64)
        tcase = (rng.random(n) < 0.2) if variants else np.zeros(n, dtype=bool)
        ekey = rng.choice(3, size=n, p=[0.55, 0.3, 0.15]) if variants else np.zeros(n, dtype=np.int64)
        eval_ = rng.choice(3, size=n, p=[0.6, 0.2, 0.2]) if variants else np.zeros(n, dtype=np.int64)
        app = rng.integers(0, len(APP_SUFFIXES), size=n)
        bare = rng.random(n) < 0.6
        out: list[str | None] = []
        for j, i in enumerate(idx):
            acc = self.accounts[res.account[i]]
            env_spelling = ENV_SPELLINGS[acc.env][eval_[j]]
            ek = ENV_KEYS[ekey[j]]
            team = int(res.team[i])
            application = self.apps[team][app[j]]
            if not res.tagged[i]:
                if bare[j]:
                    out.append(None)
                    continue
                out.append(f'{{"{ek}": "{env_spelling}", "application": "{application}"}}')
            else:
                tk = TEAM_KEYS[tkey[j]]
                tv = self.teams[team].title() if tcase[j] else self.teams[team]
                self.tag_keys["team"].add(tk)
                self.tag_values["team"].setdefault(self.teams[team], set()).add(tv)
                self.tag_keys["cost-center"].add("cost-center")
                out.append(f'{{"{tk}": "{tv}", "{ek}": "{env_spelling}", '
                           f'"cost-center": "{self.cost_centers[team]}", "application": "{application}"}}')
            self.tag_keys["env"].add(ek)
            self.tag_values["env"].setdefault(acc.env, set()).add(env_spelling)
        return out

    def resource_strings(self, rng: np.random.Generator, res: _Resources, idx: np.ndarray, label: str
                         ) -> dict[str, list[str | None]]:
        """ResourceId (ARN), ResourceName, AvailabilityZone and Tags per resource."""
        n = len(idx)
        hexes = _hash64(_key(self.spec.seed, "rid/" + label), np.arange(n) + self.resource_count)
        zones = rng.integers(0, 3, size=n)
        ids, names, azs = [], [], []
        for j, i in enumerate(idx):
            service = ALL_SERVICES[res.svc[i]]
            acc = self.accounts[res.account[i]]
            region = REGIONS[res.region[i]][0]
            team = int(res.team[i])
            serial = self.resource_count + j
            name = (f"{self.teams[team]}-{acc.env}-{serial:06d}" if team >= 0
                    else f"shared-{service.key}-{serial:06d}")
            if service.key == "s3":
                name = f"{name}-{acc.id[-4:]}"
            hx = f"{int(hexes[j]):016x}"
            ids.append(service.arn.format(region=region, account=acc.id, hex=hx, name=name,
                                          upper=hx.upper()[:13]))
            names.append(name if service.named else None)
            azs.append(f"{region}{'abc'[zones[j]]}" if service.zonal else None)
        if res.same_id is not None:
            src = res.same_id[idx]
            ids, names, azs = ([v[i] for i in src] for v in (ids, names, azs))
        self.resource_count += n
        return {"ResourceId": ids, "ResourceName": names, "AvailabilityZone": azs}

    def sku_strings(self, svc: Sequence[str], skus: Sequence[Sku], region: np.ndarray
                    ) -> dict[str, list[str | None]]:
        out: dict[str, list[str | None]] = {k: [] for k in (
            "ServiceName", "ServiceCategory", "ServiceSubcategory", "ResourceType", "ChargeDescription", "SkuId",
            "SkuPriceId", "SkuMeter", "ConsumedUnit", "PricingUnit", "RegionId", "RegionName", "SkuPriceDetails")}
        for key, sku, r in zip(svc, skus, region, strict=True):
            service = ALL_SERVICES[key]
            rid, rname = REGIONS[r]
            sku_id = _sku_id(sku.usage, rid)
            out["ServiceName"].append(service.name)
            out["ServiceCategory"].append(service.category)
            out["ServiceSubcategory"].append(service.subcategory)
            out["ResourceType"].append(service.resource_type)
            out["ChargeDescription"].append(sku.description.format(region=rname))
            out["SkuId"].append(sku_id)
            out["SkuPriceId"].append(f"{sku_id}.JRTCKXETXF.6YS6EN2CT7")
            out["SkuMeter"].append(sku.meter)
            out["ConsumedUnit"].append(sku.unit)
            out["PricingUnit"].append(sku.unit)
            out["RegionId"].append(rid)
            out["RegionName"].append(rname)
            itype = sku.usage.split(":", 1)[1] if sku.usage.startswith(("BoxUsage:", "InstanceUsage:")) else None
            out["SkuPriceDetails"].append(f'{{"InstanceType": "{itype}"}}' if itype else None)
        return out

    def account_strings(self, acc: np.ndarray | int, n: int) -> dict[str, Any]:
        accs = np.broadcast_to(np.asarray(acc), (n,))
        return {"SubAccountId": [self.accounts[a].id for a in accs],
                "SubAccountName": [self.accounts[a].name for a in accs]}

    def common(self) -> dict[str, Any]:
        mgmt = self.accounts[self.mgmt].id
        return {"BillingAccountId": mgmt, "BillingAccountName": BILLING_ACCOUNT_NAME,
                "BillingCurrency": self.spec.currency, "InvoiceIssuerName": PUBLISHER, "ProviderName": PROVIDER,
                "PublisherName": PUBLISHER, "BillingAccountType": "Billing Account",
                "SubAccountType": "Linked Account", "PricingCurrency": self.spec.currency}

    def add_resources(self, res: _Resources, kind: str, label: str, *, covered: int = -1,
                      event: int = -1, rng: np.random.Generator) -> range:
        """Turn resources into streams (one per resource; fixed-quantity SKUs get constant costs)."""
        n = len(res.svc)
        idx = np.arange(n)
        ppd = np.where(res.hourly, 24, 1)
        step = 24 // ppd
        fixed = np.array([s.fixed for s in res.sku], dtype=bool)
        price = np.array([s.price for s in res.sku])
        const = fixed | (covered >= 0)
        a = np.where(const, price * step, res.w / ppd)
        if event >= 0:
            a = 1.0 / (n * ppd)  # the event's daily added cost, split evenly
        diurnal = np.array([ALL_SERVICES[k].diurnal for k in res.svc]) & res.hourly & ~const & (event < 0)
        sigma = np.where(const | (event >= 0), 0.0, np.where(res.hourly, 0.05, 0.03))
        strings = self.sku_strings(res.svc, res.sku, res.region)
        strings |= self.resource_strings(rng, res, idx, label)
        strings |= self.account_strings(res.account, n)
        tags = self.tags(rng, res, idx) if kind != "network" else [None] * n
        strings["Tags"] = tags
        strings |= self.common()
        strings |= {"ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "PricingCategory": "Standard"}
        num: dict[str, Any] = {
            "n_rows": (res.end_day - res.first_day) * ppd, "t0": res.first_day * 24, "step": step, "a": a,
            "prof": diurnal.astype(np.int64), "sigma": sigma, "kind": KINDS.index(kind), "account": res.account,
            "tag_team": np.where(res.tagged & (kind != "network"), res.team, -1), "price": price,
            "has_consumed": True, "has_pricing": True, "event": event,
            "resource": np.arange(n) + self.resource_count - n,
            "fixed_daily": np.where(fixed, price * 24.0, 0.0),
        }
        if covered >= 0:
            c = self.commit_defs[covered]
            num |= {"lf": 1, "bf": 0, "ef": 1.0 - c["discount"], "commitment": covered,
                    "cdq_div": 1.0 if c["category"] == "Spend" else price * (1.0 - c["discount"])}
            strings |= {"PricingCategory": "Committed", "CommitmentDiscountCategory": c["category"],
                        "CommitmentDiscountId": c["id"], "CommitmentDiscountName": c["name"],
                        "CommitmentDiscountStatus": "Used", "CommitmentDiscountType": c["type"],
                        "CommitmentDiscountUnit": "USD" if c["category"] == "Spend" else "Hours"}
        return self.st.add(n, num, strings)

    # -- the build ------------------------------------------------------------------------------------------------

    def build(self) -> _Plan:
        spec = self.spec
        self.accounts_and_teams()
        n_target = spec.rows
        D, P = self.D, len(self.periods)
        ppd_h = 24 if self.hourly else 1
        self.commit_defs = self._commit_defs()

        # 1. Commitment-covered usage: always-on instances (commitments cover the baseline, not the peaks).
        rng = _rng(spec.seed, "covered")
        covered_res: list[tuple[int, _Resources]] = []
        if spec.commitments:
            n_sp = max(2, round(0.05 * n_target / (D * ppd_h)))
            n_ri = max(3, round(0.012 * n_target / (D * ppd_h)))
            general = [s for s in EC2_INSTANCE_SKUS if s.usage.split(":")[1].startswith(("m5", "c5", "r5"))]
            sp = self.sample_resources(rng, ["ec2"], [n_sp], True, sku_pick=lambda _s, r, c: [
                general[i] for i in r.integers(0, len(general), size=c)])
            ri = self.sample_resources(rng, ["rds"], [n_ri], True, sku_pick=lambda _s, _r, c: [RDS_R5_LARGE] * c)
            ri.region[:] = 0  # the reservation is for us-east-1
            covered_res = [(0, sp), (1, ri)]

        # 2. Shared networking in the network account.
        rng = _rng(spec.seed, "network")
        units = max(1, round(0.03 * n_target / (D * ppd_h) / 4))
        keys = ["nat", "nat", "tgw", "ipv4"]
        net = self.sample_resources(rng, keys, [units] * 4, True, accounts=np.full(4 * units, self.network),
                                    sku_pick=lambda s, _r, c: [s.skus[0]] * c)
        # NAT gateways: one bytes stream and one hours stream per gateway, under the same ResourceId.
        nat_skus = [NETWORK["nat"].skus[0]] * units + [NETWORK["nat"].skus[1]] * units
        net.sku = nat_skus + [NETWORK["tgw"].skus[0]] * units + [NETWORK["ipv4"].skus[0]] * units
        net.w = np.array([s.price * s.daily_qty for s in net.sku]) * np.exp(rng.normal(0, 0.4, 4 * units))
        net.region[units: 2 * units] = net.region[:units]
        net.team[:] = -1
        net.tagged[:] = False
        net.same_id = np.concatenate([np.arange(units), np.arange(units), np.arange(2 * units, 4 * units)])

        # 3. Workload usage: oversample, then trim to the row budget.
        rng = _rng(spec.seed, "usage")
        mix = {k: v / sum(spec.services.values()) for k, v in spec.services.items()}
        events_n = 0
        if spec.anomalies:
            events_n = 3 * int(np.clip(round(n_target / 1_500_000) + 1, 1, 8))
        fixed_rows = sum(int(r.hourly.sum() * 24 + (~r.hourly).sum()) * D for _, r in covered_res)
        fixed_rows += int(net.hourly.sum() * 24 + (~net.hourly).sum()) * D
        if spec.commitments:
            fixed_rows += 2 * D * ppd_h + 2 * P
        n_corr = int(np.clip(n_target // 200_000 + 3, 3, 50))
        budget = n_target - fixed_rows - n_corr - 3 * P
        counts = []
        for key in mix:
            ppd = 24 if (self.hourly and SERVICES[key].hourly) else 1
            counts.append(math.ceil(1.15 * mix[key] * max(budget, 0) / (ppd * D * 0.85)) + 1)
        pool = self.sample_resources(rng, list(mix), counts, False)
        order = rng.permutation(len(pool.svc))
        pool = _take(pool, order)
        # The first resource of every (ServiceName, account, team) group lives all window: a series never
        # empties, so churn redistributes cost instead of creating level shifts.
        group_key = [(SERVICES[k].name, int(a), int(t)) for k, a, t in zip(pool.svc, pool.account, pool.team,
                                                                            strict=True)]
        seen: set[tuple[str, int, int]] = set()
        anchor = np.zeros(len(group_key), dtype=bool)
        for i, g in enumerate(group_key):
            if g not in seen:
                seen.add(g)
                anchor[i] = True
        pool.first_day[anchor] = 0
        pool.end_day[anchor] = D
        order = np.argsort(~anchor, kind="stable")  # anchors first: trimming never drops them
        pool = _take(pool, order)
        anchor = anchor[order]

        # 4. Anomalies: events in distinct series of anchored groups (their rows are known before costs).
        rng_a = _rng(spec.seed, "anomalies")
        events = self._choose_events(rng_a, pool, anchor, events_n)
        event_rows = sum((e["end"] - e["start"] + 1) * e["count"] * (24 if e["hourly"] else 1) for e in events)

        # Trim the pool so that everything (tail included, counted as an upper bound) fits.
        ppd_pool = np.where(pool.hourly, 24, 1)
        rows_pool = (pool.end_day - pool.first_day) * ppd_pool
        tail_upper = 3 * P + self._tax_groups_upper(pool, net, covered_res, events)
        budget = n_target - fixed_rows - event_rows - n_corr - tail_upper
        anchor_rows = int(rows_pool[anchor].sum())
        if anchor_rows > budget:
            raise ValueError(
                f"rows={n_target} is too few for days={D} with {spec.accounts} accounts and this service mix: "
                f"the always-on resources alone need ~{anchor_rows + n_target - budget} rows; raise rows, or "
                f"lower days/accounts/services" + (", or use daily granularity" if self.hourly else ""))
        keep = np.cumsum(rows_pool) <= budget
        keep[anchor] = True
        pool = _take(pool, np.flatnonzero(keep))
        anchor = anchor[keep]

        # 5. Streams, in file order: workload usage (shuffled), covered usage, shared network, anomalies,
        #    corrections, then commitment rows, then the tail (tax, support, credits).
        groups: list[tuple[str, _Resources, int, int]] = []  # (kind, resources, covered, event)
        groups.append(("usage", pool, -1, -1))
        for c, res in covered_res:
            groups.append(("committed_usage", res, c, -1))
        groups.append(("network", net, -1, -1))
        self.events: list[_Event] = []
        for e_i, e in enumerate(events):
            res = self._event_resources(rng_a, e)
            groups.append(("anomaly", res, -1, e_i))
            self.events.append(_Event(e["kind"], -1, e["start"], e["end"], e["ramp"], e["svc"], e["sku"], []))
        # Corrections pick resources of the kept pool; fillers top the rows up to exactly spec.rows.
        rng_c = _rng(spec.seed, "corrections")
        corr_pick = rng_c.choice(len(pool.svc), size=n_corr, replace=len(pool.svc) < n_corr)
        planned = sum(int(((r.end_day - r.first_day) * np.where(r.hourly, 24, 1)).sum()) for _, r, _, _ in groups)
        planned += n_corr
        if spec.commitments:
            planned += 2 * D * ppd_h + 2 * P
        tax_groups = self._tax_groups([r for _, r, _, _ in groups], include_commitments=spec.commitments)
        tail_rows = 3 * P + len(tax_groups)
        deficit = n_target - planned - tail_rows
        if deficit < 0:
            raise AssertionError(f"row plan overshot by {-deficit}")  # the trim above rules this out
        filler = self._fillers(_rng(spec.seed, "filler"), pool, deficit)
        if filler is not None:
            groups[0] = ("usage", _concat(pool, filler), -1, -1)
        for kind, res, cov, ev in groups:
            label = f"{kind}/{cov}/{ev}"
            stream_range = self.add_resources(res, kind, label, covered=cov, event=ev, rng=_rng(spec.seed, label))
            if ev >= 0:
                self.events[ev].streams = list(stream_range)
            if kind == "usage":
                usage_range = stream_range
        corr_streams = self._corrections(rng_c, usage_range, corr_pick)
        self.commitments = self._commitment_streams() if spec.commitments else []
        tail_first = self.st.count
        self.tail_meta = self._tail_streams(tax_groups)
        return self._finish(tail_first, corr_streams)

    def _commit_defs(self) -> list[dict[str, Any]]:
        mgmt = self.accounts[self.mgmt].id
        uid = hashlib.blake2b(f"{self.spec.seed}/sp".encode(), digest_size=16).hexdigest()
        return [
            {"id": f"arn:aws:savingsplans::{mgmt}:savingsplan/{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-"
                   f"{uid[20:32]}",
             "name": "Compute Savings Plan (1 year, No Upfront)", "category": "Spend", "type": "Savings Plan",
             "discount": SP_DISCOUNT},
            {"id": f"arn:aws:rds:us-east-1:{mgmt}:ri:finguard-ri-{uid[:10]}",
             "name": "RDS db.r5.large PostgreSQL reserved instances (1 year, No Upfront)", "category": "Usage",
             "type": "Reserved Instance", "discount": RI_DISCOUNT},
        ]

    def _choose_events(self, rng: np.random.Generator, pool: _Resources, anchor: np.ndarray, n: int
                       ) -> list[dict[str, Any]]:
        if n == 0:
            return []
        cand: dict[tuple[str, int, int], float] = {}
        for i in np.flatnonzero(anchor):
            name = SERVICES[pool.svc[i]].name
            if name in ANOMALY_SERVICE_OF_NAME and pool.team[i] >= 0:
                key = (name, int(pool.account[i]), int(pool.team[i]))
                cand[key] = cand.get(key, 0.0) + float(pool.w[i])
        keys = sorted(cand)
        if not keys:
            return []
        weights = np.sqrt(np.array([cand[k] for k in keys]))
        chosen = rng.choice(len(keys), size=min(n, len(keys)), replace=False, p=weights / weights.sum())
        D, out = self.D, []
        for j, c in enumerate(chosen):
            kind = ANOMALY_KINDS[j % 3]
            name, acc, team = keys[c]
            svc, sku, count = ANOMALY_SOURCES[(ANOMALY_SERVICE_OF_NAME[name], kind)]
            ramp = 0
            # After two weeks of history (a detector's warm-up); shifts and drifts leave a week or more after.
            if kind == "spike":
                start = _between(rng, max(14, D // 3), D - 2)
                end = start
            elif kind == "level_shift":
                start = _between(rng, max(14, D // 2), D - max(7, D // 6))
                end = D - 1
            else:
                start = _between(rng, max(10, D // 4), D // 2)
                ramp = int(np.clip(D // 5, 7, 42))
                end = D - 1
            out.append({"kind": kind, "key": (name, acc, team), "svc": svc, "sku": sku, "count": count,
                        "start": start, "end": end, "ramp": ramp, "hourly": self.hourly and SERVICES[svc].hourly})
        return out

    def _event_resources(self, rng: np.random.Generator, e: dict[str, Any]) -> _Resources:
        _, acc, team = e["key"]
        n = e["count"]
        res = self.sample_resources(rng, [e["svc"]], [n], True, accounts=np.full(n, acc),
                                    sku_pick=lambda _s, _r, c: [e["sku"]] * c)
        res.team[:] = team
        res.tagged[:] = True
        res.first_day[:] = e["start"]
        res.end_day[:] = e["end"] + 1
        return res

    def _tax_groups_upper(self, pool: _Resources, net: _Resources, covered: list[tuple[int, _Resources]],
                          events: list[dict[str, Any]]) -> int:
        groups = self._tax_groups([pool, net] + [r for _, r in covered], include_commitments=self.spec.commitments)
        return len(groups) + len(events) * len(self.periods)

    def _tax_groups(self, pools: Sequence[_Resources], include_commitments: bool) -> list[tuple[int, int, str]]:
        """(period, account, ServiceName) with usage: one Tax row each."""
        found: set[tuple[int, int, str]] = set()
        for res in pools:
            if not res.svc:
                continue
            p_first = self.period_of_day[res.first_day]
            p_last = self.period_of_day[res.end_day - 1]
            names = [ALL_SERVICES[k].name for k in res.svc]
            combos = set(zip(p_first.tolist(), p_last.tolist(), res.account.tolist(), names, strict=True))
            for pf, pl, acc, name in combos:
                for p in range(pf, pl + 1):
                    found.add((p, acc, name))
        if include_commitments:
            for p in range(len(self.periods)):
                found.add((p, self.mgmt, SP_SERVICE))
                found.add((p, self.mgmt, SERVICES["rds"].name))
        return sorted(found, key=lambda g: (g[0], g[1], g[2]))

    def _fillers(self, rng: np.random.Generator, pool: _Resources, rows: int) -> _Resources | None:
        """Daily resources with lifetimes summing to exactly `rows`, copying the series of pool resources."""
        if rows <= 0:
            return None
        D = self.D
        n = -(-rows // D)
        lengths = np.full(n, D, dtype=np.int64)
        lengths[-1] = rows - D * (n - 1)
        daily = np.flatnonzero(~np.array([SERVICES[k].hourly for k in pool.svc]))
        source = daily if len(daily) else np.arange(len(pool.svc))
        src = source[rng.integers(0, len(source), size=n)]
        fill = _take(pool, src)
        fill.hourly[:] = False
        fill.first_day = rng.integers(0, D - lengths + 1)
        fill.end_day = fill.first_day + lengths
        fill.w = fill.w * np.exp(rng.normal(0.0, 0.3, n))
        return fill

    def _corrections(self, rng: np.random.Generator, usage: range, pick: np.ndarray) -> list[int]:
        """Negative Usage rows for earlier usage of real resources (Azure exports have them)."""
        num = self.st.numeric()
        text = self.st.strings()
        streams = np.array(usage)[pick]
        first = num["t0"][streams] // 24
        last = first + (num["n_rows"][streams] * num["step"][streams]) // 24 - 1
        day = first + (rng.random(len(streams)) * (last - first + 1)).astype(np.int64)
        w = num["a"][streams] * (24 // num["step"][streams])
        amount = -np.round(w * rng.uniform(0.02, 0.08, len(streams)), 6)
        copy = {k: text[k][streams] for k in text}
        r = self.st.add(len(streams), {
            "n_rows": 1, "t0": day * 24, "step": 24, "a": amount, "kind": KINDS.index("correction"),
            "account": num["account"][streams], "tag_team": num["tag_team"][streams],
            "series": num["series"][streams], "price": num["price"][streams], "has_consumed": True,
            "has_pricing": True, "resource": num["resource"][streams]}, copy)
        return list(r)

    def _commitment_streams(self) -> list[_Commitment]:
        """Unused-commitment rows (hourly/daily) and monthly Purchase rows, sized from the covered usage."""
        num = self.st.numeric()
        out: list[_Commitment] = []
        step = 1 if self.hourly else 24
        n_steps = self.H // step
        mgmt = self.mgmt
        for c_i, c in enumerate(self.commit_defs):
            covered = np.flatnonzero(num["commitment"] == c_i)
            x = _units(num["a"][covered])
            eff = _units(x * num["ef"][covered] / UNIT)
            used = int(eff.sum())
            if c["category"] == "Spend":
                # Bought ~10% above the always-on usage, rounded up to $0.001 per hour.
                hourly = math.ceil(used / step / SP_UTILISATION / 100_000) * 100_000
                reserved = None
                commit_step = hourly * step
            else:
                reserved = math.ceil(len(covered) / RI_UTILISATION)
                commit_step = int(eff[0]) * reserved
            unused_step = commit_step - used
            hourly_usd = commit_step / step / UNIT
            base = {"account": mgmt, "kind": KINDS.index("commitment_unused"), "commitment": c_i}
            svc_name = SP_SERVICE if c["category"] == "Spend" else SERVICES["rds"].name
            category = "Compute" if c["category"] == "Spend" else "Databases"
            common = self.common() | self.account_strings(mgmt, 1) | {
                "ServiceName": svc_name, "ServiceCategory": category, "ResourceId": c["id"],
                "ServiceSubcategory": "Virtual Machines" if c["category"] == "Spend" else "Relational Databases",
                "CommitmentDiscountCategory": c["category"], "CommitmentDiscountId": c["id"],
                "CommitmentDiscountName": c["name"], "CommitmentDiscountType": c["type"],
                "RegionId": None if c["category"] == "Spend" else "us-east-1",
                "RegionName": None if c["category"] == "Spend" else REGIONS[0][1]}
            rate = RDS_R5_LARGE.price * (1 - RI_DISCOUNT)
            unused = self.st.add(1, base | {
                "n_rows": n_steps, "t0": 0, "step": step, "a": unused_step / UNIT, "lf": 0, "bf": 0,
                "cdq_div": 1.0 if c["category"] == "Spend" else rate},
                common | {"ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based",
                          "PricingCategory": "Committed", "CommitmentDiscountStatus": "Unused",
                          "CommitmentDiscountUnit": "USD" if c["category"] == "Spend" else "Hours",
                          "ChargeDescription": f"Unused {c['type']} commitment ({c['name']})"})
            purchases = []
            for p_i, _ in enumerate(self.periods):
                lo, hi = self._period_hours(p_i)
                desc = (f"Savings Plan recurring fee: {hourly_usd:.3f} USD per hour of commitment"
                        if c["category"] == "Spend" else
                        f"USD {rate:.4f} hourly fee per PostgreSQL, db.r5.large instance ({reserved} reserved)")
                fee = commit_step * ((hi - lo) // step)
                r = self.st.add(1, {
                    "n_rows": 1, "t0": lo, "step": hi - lo, "a": fee / UNIT, "lf": 1, "bf": 1,
                    "ef": 0.0, "account": mgmt, "kind": KINDS.index("commitment_purchase"), "commitment": c_i,
                    "price": hourly_usd, "has_pricing": True},
                    common | {"ChargeCategory": "Purchase", "ChargeFrequency": "Recurring",
                              "PricingCategory": "Standard", "PricingUnit": "Hours", "ChargeDescription": desc})
                purchases.append(r[0])
            elig = ({"ServiceName": SERVICES["ec2"].name, "ResourceType": "instance"} if c["category"] == "Spend"
                    else {"ServiceName": SERVICES["rds"].name, "SkuId": _sku_id(RDS_R5_LARGE.usage, "us-east-1")})
            out.append(_Commitment(c["id"], c["name"], c["category"], c["type"], c["discount"], covered, used,
                                   commit_step, hourly_usd, reserved, elig, list(unused), purchases))
        return out

    def _period_hours(self, p: int) -> tuple[int, int]:
        """Hours (from window start) of billing period p within the window."""
        days = np.flatnonzero(self.period_of_day == p)
        return int(days[0]) * 24, (int(days[-1]) + 1) * 24

    def _tail_streams(self, tax_groups: list[tuple[int, int, str]]) -> list[tuple[str, int, int, str | None]]:
        """Tax, support and credit rows: one stream each, amounts set once the usage rows are summed."""
        meta: list[tuple[str, int, int, str | None]] = []
        by_name = {s.name: s for s in ALL_SERVICES.values()}
        for p, acc, name in tax_groups:
            lo, hi = self._period_hours(p)
            category = by_name[name].category if name in by_name else "Compute"
            self.st.add(1, {"n_rows": 1, "t0": lo, "step": hi - lo, "a": 0.0, "kind": KINDS.index("tax"),
                            "account": acc},
                        self.common() | self.account_strings(acc, 1) | {
                            "ChargeCategory": "Tax", "ChargeFrequency": "Recurring", "ServiceName": name,
                            "ServiceCategory": category,
                            "ChargeDescription": f"{self.spec.tax_rate * 100:g}% sales tax on {name} charges"})
            meta.append(("tax", p, acc, name))
        big = int(np.argmax(self.acc_weight))
        for p in range(len(self.periods)):
            lo, hi = self._period_hours(p)
            month = self.periods[p].strftime("%Y-%m")
            self.st.add(1, {"n_rows": 1, "t0": lo, "step": hi - lo, "a": 0.0, "kind": KINDS.index("support"),
                            "account": self.mgmt},
                        self.common() | self.account_strings(self.mgmt, 1) | {
                            "ChargeCategory": "Purchase", "ChargeFrequency": "Recurring",
                            "PricingCategory": "Standard", "ServiceName": SUPPORT_SERVICE,
                            "ServiceCategory": "Management and Governance", "ServiceSubcategory": "Support",
                            "ChargeDescription": f"AWS Support (Business) for {month}"})
            meta.append(("support", p, self.mgmt, None))
            for acc, desc in ((self.mgmt, "AWS Promotional Credits"), (big, "AWS Activate Credits")):
                self.st.add(1, {"n_rows": 1, "t0": lo, "step": hi - lo, "a": 0.0, "kind": KINDS.index("credit"),
                                "account": acc},
                            self.common() | self.account_strings(acc, 1) | {
                                "ChargeCategory": "Credit", "ChargeFrequency": "One-Time", "PricingCategory": "Other",
                                "ServiceName": SERVICES["ec2"].name, "ServiceCategory": "Compute",
                                "ChargeDescription": desc})
                meta.append(("credit", p, acc, None))
        return meta

    def _finish(self, tail_first: int, corr_streams: list[int]) -> _Plan:
        """Series, daily multipliers, eligibility and dictionaries."""
        spec = self.spec
        num = self.st.numeric()
        text = self.st.strings()
        S, D = self.st.count, self.D
        kinds = num["kind"]
        usage_like = np.isin(kinds, [KINDS.index(k) for k in ("usage", "committed_usage", "anomaly", "network")])
        # Series: (ServiceName, account, canonical team) of every usage stream.
        team_of = np.where(num["tag_team"] >= 0, num["tag_team"],
                           np.array([a.owner for a in self.accounts])[num["account"]])
        series = np.full(S, -1, dtype=np.int64)
        keys: dict[tuple[str, int, int], int] = {}
        for s in np.flatnonzero(usage_like | (kinds == KINDS.index("correction"))):
            k = (text["ServiceName"][s], int(num["account"][s]), int(team_of[s]))
            series[s] = keys.setdefault(k, len(keys))
        series_keys = list(keys)
        n_series = len(series_keys)
        # Active nominal weight per series and day, from the streams that follow the series shape.
        shaped = (kinds == KINDS.index("usage")) | (kinds == KINDS.index("network"))
        shaped &= num["fixed_daily"] == 0
        first = num["t0"] // 24
        end = first + (num["n_rows"] * num["step"]) // 24
        ppd = 24 // np.maximum(num["step"], 1)
        w = num["a"] * ppd
        diff = np.zeros((n_series, D + 1))
        np.add.at(diff, (series[shaped], first[shaped]), w[shaped])
        np.add.at(diff, (series[shaped], end[shaped]), -w[shaped])
        active = np.cumsum(diff, axis=1)[:, :D]
        active[active < 1e-12] = 0.0
        level = active.mean(axis=1)
        rng = _rng(spec.seed, "series")
        trend = rng.uniform(-0.10, 0.35, n_series)
        weekend_base = np.array([_weekend_of(name) for name, _, _ in series_keys])
        weekend = np.clip(weekend_base + rng.normal(0, 0.03, n_series), 0.3, 1.3)
        sigma = rng.uniform(0.03, 0.08, n_series)
        z = rng.standard_normal((n_series, D))
        days = np.arange(D)
        shape = (1 + trend[:, None] * days[None, :] / D) * np.where(self.weekend[None, :], weekend[:, None], 1.0)
        shape *= np.exp(sigma[:, None] * z - sigma[:, None] ** 2 / 2)
        target = level[:, None] * shape
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(active > 0, target / active, 0.0)
        # Anomaly rows: the event's added cost per day.
        m_rows = [np.ones((1, D)), factor]
        for e_i, ev in enumerate(self.events):
            s0 = ev.streams[0]
            ev.series = int(series[s0])
            lvl = float(level[ev.series])
            sd = lvl * float(sigma[ev.series])
            added = np.zeros(D)
            if ev.kind == "spike":
                amount = max(75.0, 6.0 * sd, 0.6 * lvl)
                added[ev.start] = amount
            elif ev.kind == "level_shift":
                amount = max(60.0, 6.0 * sd, 0.5 * lvl)
                added[ev.start:] = amount
            else:
                amount = max(80.0, 8.0 * sd, 0.8 * lvl)
                ramp = np.minimum(1.0, (np.arange(D) - ev.start + 1) / ev.ramp)
                added = np.where(days >= ev.start, amount * ramp, 0.0)
            m_rows.append(np.round(added, 2)[None, :])
            num["mrow"][ev.streams] = 1 + n_series + e_i
        m = np.concatenate(m_rows, axis=0)
        num["mrow"][shaped] = 1 + series[shaped]
        num["series"] = series
        # Commitment eligibility.
        for c_i, c in enumerate(self.commitments):
            ok = usage_like | (kinds == KINDS.index("correction"))
            for col, val in c.eligible_filter.items():
                ok &= text[col] == val
            num["eligible"][ok] = c_i
        row_start = np.zeros(S + 1, dtype=np.int64)
        np.cumsum(num["n_rows"], out=row_start[1:])
        if row_start[-1] != spec.rows:
            raise AssertionError(f"planned {row_start[-1]} rows, not {spec.rows}")
        codes, dictionaries = {}, {}
        for col, values in text.items():
            c, uniques = pd.factorize(values, use_na_sentinel=True)
            codes[col] = c.astype(np.int32)
            dictionaries[col] = pa.array(list(uniques), type=pa.string())
        invoice = pa.array([f"INV-{self.accounts[self.mgmt].id[-6:]}-{p:%Y%m}" for p in self.periods])
        bounds = np.array([[_epoch_us(p), _epoch_us(_next_month(p))] for p in self.periods], dtype=np.int64)
        series_params = {"level": level, "trend": trend, "weekend": weekend, "sigma": sigma}
        diurnal = 1.0 + 0.3 * np.sin(2 * np.pi * (np.arange(24) - 9) / 24)
        untagged = int(((num["tag_team"] < 0) & (kinds == KINDS.index("usage"))).sum())
        workload = int((kinds == KINDS.index("usage")).sum())
        return _Plan(
            spec=spec, days=D, hourly=self.hourly, window_start=self.window_start, periods=self.periods,
            period_of_day=self.period_of_day, period_bounds_us=bounds, num=num, row_start=row_start,
            dict_codes=codes, dictionaries=dictionaries, invoice_ids=invoice, m=m,
            prof=np.stack([np.ones(24), diurnal / diurnal.mean()]), noise_key=_key(spec.seed, "noise"),
            accounts=self.accounts, teams=self.teams, cost_centers=self.cost_centers, series_keys=series_keys,
            series_params=series_params, events=self.events, commitments=self.commitments,
            corrections=[(s, int(num["t0"][s] // 24)) for s in corr_streams], tail_first=tail_first,
            tail_meta=self.tail_meta, resources=workload, untagged_resources=untagged,
            tag_keys=self.tag_keys, tag_values=self.tag_values)


def _between(rng: np.random.Generator, lo: int, hi: int) -> int:
    """A day in [lo, hi), or lo when the window is too short for a range."""
    return int(rng.integers(lo, hi)) if hi > lo else lo


def _weekend_of(service_name: str) -> float:
    factors = [s.weekend for s in ALL_SERVICES.values() if s.name == service_name]
    return factors[0] if factors else 1.0


def _take(res: _Resources, idx: np.ndarray) -> _Resources:
    return _Resources([res.svc[i] for i in idx], [res.sku[i] for i in idx], res.account[idx], res.team[idx],
                      res.tagged[idx], res.region[idx], res.w[idx], res.first_day[idx], res.end_day[idx],
                      res.hourly[idx])


def _concat(a: _Resources, b: _Resources) -> _Resources:
    return _Resources(a.svc + b.svc, a.sku + b.sku, *(np.concatenate([getattr(a, f), getattr(b, f)]) for f in (
        "account", "team", "tagged", "region", "w", "first_day", "end_day", "hourly")))


# --------------------------------------------------------------------------------------------------------------
# Rows: one batch at a time.

SCHEMA = pa.schema([pa.field(c, {"string": pa.string(), "float64": pa.float64(),
                                 "timestamp": pa.timestamp("us")}[t]) for c, t in FOCUS_COLUMNS.items()])
DICT_SCHEMA = pa.schema([pa.field(f.name, pa.dictionary(pa.int32(), pa.string())) if f.type == pa.string()
                         else f for f in SCHEMA])


class _Aggregates:
    """Exact int64 sums per (stream, period), plus the anomaly streams' cost per day."""

    def __init__(self, plan: _Plan) -> None:
        S, P = plan.streams, len(plan.periods)
        self.rows = np.zeros((S, P), dtype=np.int64)
        self.billed = np.zeros((S, P), dtype=np.int64)
        self.effective = np.zeros((S, P), dtype=np.int64)
        self.listed = np.zeros((S, P), dtype=np.int64)
        self.event_daily = np.zeros((max(1, len(plan.events)), plan.days), dtype=np.int64)


class SyntheticBilling:
    """Generates the rows of a spec batch by batch; `truth()` is complete once every batch has been drawn."""

    def __init__(self, spec: GeneratorSpec) -> None:
        self.spec = spec
        self.plan = _Planner(spec).build()
        self.agg = _Aggregates(self.plan)
        self._done = False

    # -- public ---------------------------------------------------------------------------------------------------

    def batches(self, batch_rows: int = BATCH_ROWS, dictionary: bool = False) -> Iterator[pa.RecordBatch]:
        """Every valid row in order. `dictionary=True` keeps string columns dictionary-encoded (fast writing)."""
        if self._done:
            raise RuntimeError("a SyntheticBilling is drawn once; make a new one to generate again")
        if batch_rows < 1:
            raise ValueError("batch_rows must be >= 1")
        plan = self.plan
        main = plan.main_rows
        for lo in range(0, main, batch_rows):
            yield self._batch(lo, min(lo + batch_rows, main), dictionary)
        self._fill_tail()
        for lo in range(main, self.spec.rows, batch_rows):
            yield self._batch(lo, min(lo + batch_rows, self.spec.rows), dictionary)
        self._done = True

    def truth(self) -> GroundTruth:
        if not self._done:
            raise RuntimeError("the truth is known once every batch has been generated")
        return _truth(self.plan, self.agg)

    # -- rows -----------------------------------------------------------------------------------------------------

    def _batch(self, lo: int, hi: int, dictionary: bool) -> pa.RecordBatch:
        plan, num, agg = self.plan, self.plan.num, self.agg
        rs = plan.row_start
        s_lo = int(np.searchsorted(rs, lo, side="right")) - 1
        s_hi = int(np.searchsorted(rs, hi - 1, side="right")) - 1
        span = np.arange(s_lo, s_hi + 1)
        counts = np.minimum(rs[span + 1], hi) - np.maximum(rs[span], lo)
        s = np.repeat(span, counts)
        g = np.arange(lo, hi, dtype=np.int64)
        k = g - rs[s]
        step = num["step"][s]
        t = num["t0"][s] + k * step
        d = t // 24
        p = plan.period_of_day[np.minimum(d, plan.days - 1)]
        noise = 1.0 + num["sigma"][s] * (_uniform(plan.noise_key, g) * 2.0 - 1.0) * math.sqrt(3.0)
        val = num["a"][s] * plan.m[num["mrow"][s], np.minimum(d, plan.days - 1)] * plan.prof[num["prof"][s],
                                                                                              t % 24] * noise
        x = _units(val)
        listed = x * num["lf"][s]
        billed = x * num["bf"][s]
        effective = _units(x * num["ef"][s] / UNIT)
        # Exact sums per (stream, period): rows of a stream are contiguous and in time order.
        key = (s - s_lo) * len(plan.periods) + p
        starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
        ss, pp = s[starts], p[starts]
        agg.rows[ss, pp] += np.diff(np.append(starts, len(s)))
        agg.billed[ss, pp] += np.add.reduceat(billed, starts)
        agg.effective[ss, pp] += np.add.reduceat(effective, starts)
        agg.listed[ss, pp] += np.add.reduceat(listed, starts)
        ev = num["event"][s]
        if plan.events and (ev >= 0).any():
            mask = ev >= 0
            np.add.at(agg.event_daily, (ev[mask], d[mask]), billed[mask])

        price = num["price"][s]
        with np.errstate(divide="ignore", invalid="ignore"):
            qty = np.round(listed / UNIT / price, 9)
            cdq = np.round(effective / UNIT / num["cdq_div"][s], 9)
        start_us = _epoch_us(plan.window_start) + t * 3_600_000_000
        cols: dict[str, pa.Array] = {
            "BilledCost": pa.array(billed / UNIT),
            "EffectiveCost": pa.array(effective / UNIT),
            "ListCost": pa.array(listed / UNIT),
            "ContractedCost": pa.array(listed / UNIT),
            "ConsumedQuantity": pa.array(qty, mask=~num["has_consumed"][s]),
            "PricingQuantity": pa.array(qty, mask=~num["has_pricing"][s]),
            "ListUnitPrice": pa.array(price, mask=np.isnan(price)),
            "ContractedUnitPrice": pa.array(price, mask=np.isnan(price)),
            "PricingCurrencyListUnitPrice": pa.array(price, mask=np.isnan(price)),
            "PricingCurrencyContractedUnitPrice": pa.array(price, mask=np.isnan(price)),
            "PricingCurrencyEffectiveCost": pa.array(effective / UNIT),
            "CommitmentDiscountQuantity": pa.array(cdq, mask=np.isnan(cdq)),
            "ChargePeriodStart": pa.array(start_us.view("datetime64[us]")),
            "ChargePeriodEnd": pa.array((start_us + step * 3_600_000_000).view("datetime64[us]")),
            "BillingPeriodStart": pa.array(plan.period_bounds_us[p, 0].view("datetime64[us]")),
            "BillingPeriodEnd": pa.array(plan.period_bounds_us[p, 1].view("datetime64[us]")),
        }
        local = s - s_lo
        for col in STRING_COLUMNS:
            if col == "InvoiceId":
                arr = pa.DictionaryArray.from_arrays(pa.array(p.astype(np.int32)), plan.invoice_ids)
            else:
                codes = plan.dict_codes[col][s_lo: s_hi + 1]
                uniq, inv = np.unique(codes, return_inverse=True)
                idx = inv.astype(np.int32)[local]
                if uniq[0] < 0:
                    arr = pa.DictionaryArray.from_arrays(pa.array(idx - 1, mask=idx == 0),
                                                         plan.dictionaries[col].take(pa.array(uniq[1:])))
                else:
                    arr = pa.DictionaryArray.from_arrays(pa.array(idx), plan.dictionaries[col].take(pa.array(uniq)))
            cols[col] = arr if dictionary else arr.dictionary_decode()
        schema = DICT_SCHEMA if dictionary else SCHEMA
        return pa.RecordBatch.from_arrays([cols[f.name] for f in schema], schema=schema)

    def _fill_tail(self) -> None:
        """Tax, support and credits from the exact usage sums (non-tail rows only)."""
        plan, num, agg = self.plan, self.plan.num, self.agg
        tail = plan.tail_first
        billed = agg.billed[:tail]
        acc = num["account"][:tail]
        names = plan.dictionaries["ServiceName"].to_pylist()
        name_code = plan.dict_codes["ServiceName"][:tail]
        n_acc = len(plan.accounts)
        P = len(plan.periods)
        # (account, ServiceName) x period -> billed units
        grid = np.zeros((n_acc * len(names), P), dtype=np.int64)
        np.add.at(grid, acc * len(names) + name_code, billed)
        per_period = billed.sum(axis=0)
        per_acc_period = np.zeros((n_acc, P), dtype=np.int64)
        np.add.at(per_acc_period, acc, billed)
        index = {n: i for i, n in enumerate(names)}
        for j, (kind, p, a, name) in enumerate(plan.tail_meta):
            s = tail + j
            if kind == "tax":
                base = int(grid[a * len(names) + index[name], p])
                units = max(0, round(base * self.spec.tax_rate))
            elif kind == "support":
                units = _units(np.array(_business_support(per_period[p] / UNIT)))[()]
            else:
                cap = 500.0 if a == len(plan.accounts) - 2 else 200.0
                share = 0.02 if a == len(plan.accounts) - 2 else 0.05
                base_usd = (per_period[p] if a == len(plan.accounts) - 2 else per_acc_period[a, p]) / UNIT
                units = -int(_units(np.array(min(cap, max(0.0, share * base_usd)))))
            num["a"][s] = int(units) / UNIT


def _business_support(monthly_usd: float) -> float:
    """AWS Business Support: the greater of $100 or 10/7/5/3% of the month's charges, tiered."""
    tiers = ((10_000.0, 0.10), (80_000.0, 0.07), (250_000.0, 0.05), (math.inf, 0.03))
    fee, lower = 0.0, 0.0
    for upper, rate in tiers:
        if monthly_usd > lower:
            fee += (min(monthly_usd, upper) - lower) * rate
        lower = upper
    return round(max(100.0, fee), 2)


# --------------------------------------------------------------------------------------------------------------
# Truth.


def _truth(plan: _Plan, agg: _Aggregates) -> GroundTruth:
    num = plan.num
    S = plan.streams
    teams = plan.teams
    kind = num["kind"]
    owner = np.array([a.owner for a in plan.accounts])[num["account"]]
    tag = num["tag_team"]
    by_team = np.where(tag >= 0, tag, owner)
    tables = (agg.rows, agg.billed, agg.effective, agg.listed)

    def sums(mask: np.ndarray, p: int | None = None) -> Costs:
        cols = [t[mask] for t in tables]
        vals = [int(c.sum()) if p is None else int(c[:, p].sum()) for c in cols]
        return _costs(*vals)

    def grouped(labels: np.ndarray, p: int) -> dict[str, Costs]:
        return {teams[t]: sums(labels == t, p) for t in range(len(teams)) if (labels == t).any()}

    all_rows = np.ones(S, dtype=bool)
    periods = []
    for p, start in enumerate(plan.periods):
        periods.append(PeriodTruth(
            period=start, totals=sums(all_rows, p),
            by_kind={k: sums(kind == i, p) for i, k in enumerate(KINDS) if (kind == i).any()},
            by_tag_team=grouped(tag, p), untagged=sums(tag < 0, p),
            by_account_team=grouped(owner, p), unowned_accounts=sums(owner < 0, p),
            by_team=grouped(by_team, p), unallocated=sums(by_team < 0, p)))
    by_kind = {k: sums(kind == i) for i, k in enumerate(KINDS) if (kind == i).any()}

    series = []
    lvl, trend = plan.series_params["level"], plan.series_params["trend"]
    committed_eff = np.zeros(len(plan.series_keys))
    fixed = np.zeros(len(plan.series_keys))
    resources = np.zeros(len(plan.series_keys), dtype=np.int64)
    sel = num["series"] >= 0
    is_cov = kind == KINDS.index("committed_usage")
    per_day = num["a"] * (24 // num["step"])
    np.add.at(committed_eff, num["series"][sel & is_cov], (per_day * num["ef"])[sel & is_cov])
    np.add.at(fixed, num["series"][sel], num["fixed_daily"][sel])
    np.add.at(resources, num["series"][sel & np.isin(kind, [0, 1, 3])], 1)
    for i, (name, acc, team) in enumerate(plan.series_keys):
        series.append(SeriesTruth(
            service_name=name, sub_account_id=plan.accounts[acc].id, team=teams[team] if team >= 0 else None,
            resources=int(resources[i]), level=round(float(lvl[i]), 6),
            trend_per_day=round(float(lvl[i] * trend[i] / plan.days), 6),
            weekend_factor=round(float(plan.series_params["weekend"][i]), 6),
            noise_sigma=round(float(plan.series_params["sigma"][i]), 6), fixed_per_day=round(float(fixed[i]), 6),
            committed_effective_per_day=round(float(committed_eff[i]), 6)))

    dictionary = {c: plan.dictionaries[c].to_pylist() for c in ("ResourceId", "SkuId", "ChargeDescription")}

    def text(col: str, s: int) -> str:
        code = plan.dict_codes[col][s]
        return dictionary[col][code] if code >= 0 else ""

    anomalies = []
    for e_i, ev in enumerate(plan.events):
        name, acc, team = plan.series_keys[ev.series]
        daily = agg.event_daily[e_i]
        days = np.flatnonzero(daily)
        s0 = ev.streams[0]
        start = plan.spec.start + timedelta(days=ev.start)
        anomalies.append(AnomalyTruth(
            id=f"anomaly-{e_i + 1:03d}", kind=ev.kind, service_name=name,
            sub_account_id=plan.accounts[acc].id, team=teams[team], start=start,
            end=plan.spec.start + timedelta(days=ev.end), added_cost_per_day=_usd(daily.max()),
            total_added_cost=_usd(daily.sum()),
            daily_added_cost={plan.spec.start + timedelta(days=int(d)): _usd(daily[d]) for d in days},
            ramp_end=start + timedelta(days=ev.ramp - 1) if ev.kind == "drift" else None,
            resource_ids=sorted({text("ResourceId", s) for s in ev.streams}), usage_type=ev.sku.usage,
            sku_id=text("SkuId", s0), charge_description=text("ChargeDescription", s0),
            series_level=round(float(lvl[ev.series]), 6),
            series_sigma_per_day=round(float(lvl[ev.series] * plan.series_params["sigma"][ev.series]), 6)))

    commitments = []
    for c_i, c in enumerate(plan.commitments):
        purchase = (kind == KINDS.index("commitment_purchase")) & (num["commitment"] == c_i)
        unused = (kind == KINDS.index("commitment_unused")) & (num["commitment"] == c_i)
        covered = (kind == KINDS.index("committed_usage")) & (num["commitment"] == c_i)
        eligible = num["eligible"] == c_i
        on_demand = eligible & ~covered
        per: list[CommitmentPeriod] = []
        tot = dict.fromkeys(("fee", "used", "unused", "cov_list", "el_list", "el_od", "el_eff"), 0)
        for p, start in enumerate(plan.periods):
            vals = {"fee": int(agg.billed[purchase, p].sum()), "used": int(agg.effective[covered, p].sum()),
                    "unused": int(agg.effective[unused, p].sum()), "cov_list": int(agg.listed[covered, p].sum()),
                    "el_list": int(agg.listed[eligible, p].sum()), "el_od": int(agg.billed[on_demand, p].sum()),
                    "el_eff": int(agg.effective[eligible, p].sum())}
            for k, v in vals.items():
                tot[k] += v
            per.append(CommitmentPeriod(period=start, fee=_usd(vals["fee"]), used_effective_cost=_usd(vals["used"]),
                                        unused_cost=_usd(vals["unused"]), covered_list_cost=_usd(vals["cov_list"]),
                                        eligible_list_cost=_usd(vals["el_list"]),
                                        eligible_on_demand_cost=_usd(vals["el_od"])))
        commitments.append(CommitmentTruth(
            id=c.id, name=c.name, category=c.category, type=c.type,
            sub_account_id=plan.accounts[len(plan.accounts) - 2].id, start=plan.window_start,
            end=plan.window_start + timedelta(days=plan.days), hourly_commitment=c.hourly_usd,
            reserved_quantity=c.reserved, discount=c.discount, covered_resources=len(c.covered),
            eligible_filter=c.eligible_filter, fee=_usd(tot["fee"]), used_effective_cost=_usd(tot["used"]),
            unused_cost=_usd(tot["unused"]), utilisation=tot["used"] / max(1, tot["used"] + tot["unused"]),
            covered_list_cost=_usd(tot["cov_list"]), eligible_list_cost=_usd(tot["el_list"]),
            eligible_on_demand_cost=_usd(tot["el_od"]), coverage=tot["cov_list"] / max(1, tot["el_list"]),
            effective_savings_rate=1.0 - (tot["el_eff"] + tot["unused"]) / max(1, tot["el_list"]),
            periods=per))

    corrections = [CorrectionTruth(resource_id=text("ResourceId", s), day=plan.spec.start + timedelta(days=d),
                                   billed_cost=_usd(agg.billed[s].sum())) for s, d in plan.corrections]
    acc_truth = [AccountTruth(id=a.id, name=a.name, role=a.role, owner=teams[a.owner] if a.owner >= 0 else None,
                              env=a.env) for a in plan.accounts]
    team_truth = [TeamTruth(name=t, cost_center=plan.cost_centers[i],
                            accounts=[a.id for a in plan.accounts if a.owner == i]) for i, t in enumerate(teams)]
    return GroundTruth(
        spec=plan.spec, granularity="hourly" if plan.hourly else "daily", rows=plan.spec.rows,
        file_rows=plan.spec.rows, resources=plan.resources, untagged_resources=plan.untagged_resources,
        totals=sums(all_rows), periods=periods, by_kind=by_kind,
        shared_by_kind={k: v for k, v in by_kind.items() if k in SHARED_KINDS},
        untagged=sums(tag < 0), unallocated=sums(by_team < 0), teams=team_truth, accounts=acc_truth,
        tag_keys={k: sorted(v) for k, v in plan.tag_keys.items() if v},
        tag_values={k: {c: sorted(s) for c, s in sorted(v.items())} for k, v in plan.tag_values.items() if v},
        series=series, anomalies=anomalies, commitments=commitments, corrections=corrections)


# --------------------------------------------------------------------------------------------------------------
# Public entry points.


def generate(spec: GeneratorSpec, batch_rows: int = 1 << 17) -> Iterator[pa.RecordBatch]:
    """The spec's valid rows as typed record batches (FOCUS column order; Tags a JSON string)."""
    yield from SyntheticBilling(spec).batches(batch_rows)


def write(spec: GeneratorSpec, path: Path | str, fmt: Literal["parquet", "csv"] | None = None) -> GroundTruth:
    """Stream the spec's rows to `path` (bounded memory) and save the truth as `<path>.truth.json`."""
    path = Path(path)
    if fmt is None:
        suffix = path.suffix.lower()
        if suffix not in (".parquet", ".pq", ".csv"):
            raise ValueError(f"cannot tell the format from {path.name!r}: give fmt='parquet' or 'csv'")
        fmt = "csv" if suffix == ".csv" else "parquet"
    if fmt == "parquet" and spec.bad_rows:
        raise ValueError("bad_rows only exist in CSV output (Parquet types cannot hold them)")
    gen = SyntheticBilling(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    bad = BadRowsTruth()
    if fmt == "parquet":
        # Without the Arrow schema in the footer, readers see plain strings, not dictionaries.
        with pq.ParquetWriter(path, DICT_SCHEMA, compression="zstd", store_schema=False) as writer:
            for batch in _prefetch(gen.batches(dictionary=True)):
                writer.write_batch(batch, row_group_size=len(batch))
    else:
        bad = _write_csv(gen, path)
    truth = gen.truth().model_copy(update={"file": path.name, "format": fmt, "file_rows": spec.rows + bad.count,
                                           "bad_rows": bad})
    truth.save(truth_path(path))
    return truth


def _prefetch(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Generate the next batch on a second thread while the caller encodes this one (both release the GIL)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(next, batches, None)
        while (batch := pending.result()) is not None:
            pending = pool.submit(next, batches, None)
            yield batch


CSV_SCHEMA = pa.schema([pa.field(f.name, pa.timestamp("s")) if f.type == pa.timestamp("us") else f
                        for f in DICT_SCHEMA])


def _write_csv(gen: SyntheticBilling, path: Path) -> BadRowsTruth:
    """CSV with FOCUS headers, nulls as empty fields, `YYYY-MM-DD HH:MM:SS` times, bad rows interleaved."""
    spec = gen.spec
    rng = _rng(spec.seed, "bad-rows")
    n_bad = spec.bad_rows
    positions = np.sort(rng.choice(spec.rows, size=n_bad, replace=n_bad > spec.rows)) if n_bad else np.empty(0)
    kinds = [BAD_ROW_KINDS[i] for i in rng.permutation(np.arange(n_bad) % len(BAD_ROW_KINDS))] if n_bad else []
    out = BadRowsTruth(count=n_bad, by_kind={k: BadRowKindTruth() for k in BAD_ROW_KINDS if k in kinds})
    done = 0
    with path.open("wb") as f:
        writer = pacsv.CSVWriter(f, CSV_SCHEMA)
        lo = 0
        for batch in _prefetch(gen.batches(dictionary=True)):
            hi = lo + len(batch)
            typed = pa.RecordBatch.from_arrays(
                [c.cast(pa.timestamp("s")) if c.type == pa.timestamp("us") else c for c in batch.columns],
                schema=CSV_SCHEMA)
            here = positions[(positions >= lo) & (positions < hi)].astype(np.int64) - lo
            cut = 0
            for pos in here:
                writer.write_batch(typed.slice(cut, pos + 1 - cut))
                cut = pos + 1
                kind = kinds[done]
                line, cost = _bad_row(batch.slice(pos, 1), kind)
                f.write(line)
                row_no = lo + int(pos) + 1 + done + 1
                out.rows.append(BadRowTruth(line=row_no, kind=kind, billed_cost=cost))
                entry = out.by_kind[kind]
                if cost is None:
                    entry.billed_cost = None
                elif entry.billed_cost is not None:
                    entry.billed_cost = round(entry.billed_cost + cost, 8)
                entry.count += 1
                done += 1
            if cut < len(typed):
                writer.write_batch(typed.slice(cut))
            lo = hi
        writer.close()
    return out


def _bad_row(row: pa.RecordBatch, kind: str) -> tuple[bytes, float | None]:
    """One invalid CSV line made from a valid row (for 'duplicate', the row itself again)."""
    values: dict[str, Any] = {}
    for name, col in zip(row.schema.names, row.columns, strict=True):
        v = col.dictionary_decode()[0].as_py() if pa.types.is_dictionary(col.type) else col[0].as_py()
        if isinstance(v, datetime):
            v = v.strftime("%Y-%m-%d %H:%M:%S")
        elif isinstance(v, float):
            v = pc.cast(pa.array([v]), pa.string())[0].as_py()
        values[name] = v
    cost: float | None = float(values["BilledCost"])
    if kind == "unparseable_cost":
        values["BilledCost"], cost = "abc", None
    elif kind == "unknown_currency":
        values["BillingCurrency"] = "XYZ"
    elif kind == "null_charge_period_start":
        values["ChargePeriodStart"] = None
    elif kind == "end_before_start":
        start = datetime.strptime(values["ChargePeriodStart"], "%Y-%m-%d %H:%M:%S")
        values["ChargePeriodEnd"] = (start - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    elif kind == "malformed_tags":
        tags = values["Tags"]
        values["Tags"] = tags[:-1] if tags else '{"team": "'
    if kind == "duplicate":
        table = pa.Table.from_batches([pa.RecordBatch.from_arrays(
            [c.cast(pa.timestamp("s")) if c.type == pa.timestamp("us") else c for c in row.columns],
            schema=CSV_SCHEMA)])
    else:
        table = pa.table({k: pa.array([v], type=pa.string()) for k, v in values.items()})
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
    return sink.getvalue().to_pybytes(), cost

