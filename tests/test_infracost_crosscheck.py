"""Cross-check finguard's catalog against Infracost's expected outputs (../shared/reference).

For each golden line of a kind finguard prices (EC2 instance hours, EBS storage, NAT gateway, load
balancer, EKS, ElastiCache hours), the catalog's price for the same product in the same region must
reproduce Infracost's monthly cost to the cent. Most of these catalog prices come from sources other
than the goldens (AWS's price list via the EC2 CSV, FOCUS billing rows), so agreement is evidence.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from finguard.pricing.catalog import Catalog

from .conftest import SHARED, needs_shared

GOLDENS = SHARED / "reference" / "infracost-goldens" / "aws" / "testdata"
LINE = re.compile(
    r"^[\s│├└─]*(?P<name>\S.*?)\s{2,}(?P<qty>[\d,.]+)\s{1,}(?P<unit>\S+(?: \S+)?)\s{2,}\$(?P<cost>[\d,.]+)"
)
RESOURCE = re.compile(r"^ (?P<address>aws_[a-z0-9_]+\.\S+)\s*$")
EBS = {"general purpose SSD, gp2": "gp2", "general purpose SSD, gp3": "gp3", "provisioned IOPS SSD, io1": "io1",
       "provisioned IOPS SSD, io2": "io2", "throughput optimized HDD, st1": "st1", "cold HDD, sc1": "sc1",
       "magnetic": "standard"}
INSTANCE_LINUX = {"productFamily": "Compute Instance", "operatingSystem": "Linux", "preInstalledSw": "NA",
                  "capacitystatus": "Used", "licenseModel": "No License required"}


EC2_TYPES = ("aws_instance", "aws_autoscaling_group", "aws_eks_node_group", "aws_ebs_volume")


def _filters(resource_type: str, name: str) -> tuple[str, dict[str, str], list[dict[str, str]]] | None:
    """(service, filters, alternatives) for a golden component name finguard prices the same way."""
    if resource_type not in (*EC2_TYPES, "aws_nat_gateway", "aws_lb", "aws_alb", "aws_eks_cluster",
                             "aws_elasticache_cluster", "aws_elasticache_replication_group"):
        return None
    if resource_type not in EC2_TYPES and name.startswith(("Instance usage", "Storage")):
        return None
    if m := re.fullmatch(r"Instance usage \(Linux/UNIX, on-demand, ([a-z0-9]+\.[a-z0-9]+)\)", name):
        base = {**INSTANCE_LINUX, "instanceType": m.group(1)}
        return "AmazonEC2", {**base, "tenancy": "Shared"}, [{**base, "tenancy": "Dedicated"}]
    if (m := re.fullmatch(r"Storage \((.+)\)", name)) and m.group(1) in EBS:
        return "AmazonEC2", {"productFamily": "Storage", "volumeApiName": EBS[m.group(1)]}, []
    if name == "NAT gateway":
        return "AmazonEC2", {"productFamily": "NAT Gateway", "usagetype": "NatGateway-Hours"}, []
    if name == "Application load balancer":
        return "AWSELB", {"productFamily": "Load Balancer-Application", "usagetype": "LoadBalancerUsage"}, []
    if name == "Network load balancer":
        return "AWSELB", {"productFamily": "Load Balancer-Network", "usagetype": "LoadBalancerUsage"}, []
    if name == "EKS cluster":
        return "AmazonEKS", {"productFamily": "Compute", "usagetype": "AmazonEKS-Hours:perCluster"}, []
    if m := re.fullmatch(r"ElastiCache \(on-demand, (cache\.[a-z0-9]+\.[a-z0-9]+)\)", name):
        return "AmazonElastiCache", {"productFamily": "Cache Instance", "instanceType": m.group(1),
                                     "cacheEngine": "Redis"}, []
    return None


def _regions(tf: str) -> tuple[str, dict[str, str]]:
    """The provider region, and per resource block the region its availability_zone names."""
    provider = re.search(r'provider\s+"aws"\s*{[^}]*?region\s*=\s*"([a-z0-9-]+)"', tf, re.S)
    per_resource: dict[str, str] = {}
    for block in re.finditer(r'resource\s+"(aws_[a-z0-9_]+)"\s+"([^"]+)"\s*{(.*?)\n}', tf, re.S):
        zone = re.search(r'availability_zone\s*=\s*"([a-z]{2}-[a-z]+-\d)[a-z]"', block.group(3))
        if zone:
            per_resource[f"{block.group(1)}.{block.group(2)}"] = zone.group(1)
    return (provider.group(1) if provider else "us-east-1"), per_resource


def _golden_lines() -> list[tuple[str, str, str, str, Decimal, Decimal]]:
    rows = []
    for golden in sorted(GOLDENS.glob("*_test/*.golden")):
        tf_path = golden.with_suffix(".tf")
        region, zones = _regions(tf_path.read_text()) if tf_path.exists() else ("us-east-1", {})
        address = None
        for line in golden.read_text().splitlines():
            if m := RESOURCE.match(line):
                address = m.group("address")
                continue
            m = LINE.match(line)
            if not m or address is None or "usage" in m.group("unit"):
                continue
            base = re.sub(r"\[.*$", "", address)
            rows.append((golden.parent.name, address, zones.get(base, region), m.group("name"),
                         Decimal(m.group("qty").replace(",", "")), Decimal(m.group("cost").replace(",", ""))))
    return rows


@needs_shared
def test_catalog_prices_reproduce_infracost_goldens(catalog: Catalog) -> None:
    checked, mismatches = 0, []
    for test, address, region, name, qty, cost in _golden_lines():
        spec = _filters(address.split(".", 1)[0], name)
        if spec is None or qty == 0:
            continue
        service, filters, alternatives = spec
        candidates = [catalog.lookup(service, region, f) for f in (filters, *alternatives)]
        found = [m for m in candidates if m.found]
        if not found:
            continue  # a price finguard's snapshot does not carry for that region (reported as missing)
        checked += 1
        costs = {m.cost_for(qty).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for m in found}
        if cost not in costs:
            mismatches.append(f"{test} {address} {name} in {region}: golden ${cost}, finguard {sorted(costs)}")
    assert not mismatches, "\n".join(mismatches)
    assert checked >= 40, f"only {checked} golden lines could be cross-checked"


@needs_shared
@pytest.mark.parametrize("instance_type", ["m5.large", "t3.medium", "c5.2xlarge", "r5.large"])
def test_ec2_prices_match_the_public_price_csv(catalog: Catalog, instance_type: str) -> None:
    """The bundled EC2 figures equal AWS's published on-demand Linux prices in ../shared/pricing."""
    csv = (SHARED / "pricing" / "aws-ec2-ondemand-linux.csv").read_text().splitlines()
    published = next(Decimal(line.split(",")[2]) for line in csv if line.split(",")[1] == instance_type)
    match = catalog.lookup("AmazonEC2", "us-east-1", {**INSTANCE_LINUX, "instanceType": instance_type,
                                                      "tenancy": "Shared"})
    assert match.unit_price == published


def test_golden_directory_layout_is_what_this_test_expects() -> None:
    if not GOLDENS.is_dir():
        pytest.skip(f"{GOLDENS} is absent")
    assert any(Path(GOLDENS).glob("instance_test/*.golden"))
