"""Issue #16's acceptance plan, region by region: EC2, an auto scaling group with a launch template, RDS
MySQL Multi-AZ, an ALB and gp2/gp3/io2 EBS price completely in 12 AWS regions on three continents, and
every line equals the public feed's own figure (read here straight from ../shared/pricing, independently
of the adapters) within 0.5%. A region no feed prices yet says "missing" for every line.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from functools import cache
from typing import Any

import pytest

from finguard.model import ComponentStatus, ResourceStatus
from finguard.pricing.catalog import Catalog
from finguard.pricing.estimate import estimate
from finguard.pricing.regions import REGION_LOCATIONS
from finguard.terraform.plan import plan_to_project

from .conftest import SHARED, needs_shared
from .plan_builder import PlanBuilder

PRICING = SHARED / "pricing"
HOURS = Decimal(730)
TOLERANCE = Decimal("0.005")  # the bound; today every line matches to the cent
REGIONS = {  # North America, Europe, Asia Pacific
    "us-east-1", "us-east-2", "us-west-2", "ca-central-1",
    "eu-west-1", "eu-central-1", "eu-west-2", "eu-north-1",
    "ap-southeast-2", "ap-northeast-1", "ap-south-1", "ap-southeast-1",
}
# The feeds name some regions differently from the price list (GovCloud); none of these.
LOCATION = {code: REGION_LOCATIONS[code] for code in REGIONS}


@cache
def _feed(name: str) -> dict[str, Any]:
    return json.loads((PRICING / name).read_text())


def _watcher(file: str, key: str, region: str) -> Decimal:
    """A price-watcher figure; RDS-style locations carry an " (Instance Type: ...)" suffix."""
    for location, price in _feed(f"aws-price-watcher/processed/{file}")[key].items():
        if location == LOCATION[region] or location.startswith(LOCATION[region] + " ("):
            return Decimal(price)
    raise AssertionError(f"{file} has no {key!r} in {region}")


def _ec2(instance_type: str, region: str) -> Decimal:
    if region == "us-east-1":  # the July-2026 CSV is the newest us-east-1 source and wins there
        with (PRICING / "aws-ec2-ondemand-linux.csv").open() as fh:
            for row in csv.DictReader(fh):
                if row["instance_type"] == instance_type:
                    return Decimal(row["usd_per_hour"])
    return _watcher("ec2.json", f"OnDemand Linux-instancetype-{instance_type}", region)


def _ebs(key: str, region: str) -> Decimal:
    return Decimal(_feed("ec2-shop/data/ebs/ebs.json")["regions"][LOCATION[region]][key]["price"])


def _plan(region: str) -> dict[str, Any]:
    builder = PlanBuilder(region=region)
    builder.add("aws_instance.web", {"instance_type": "m5.large",
                                     "root_block_device": [{"volume_type": "gp3", "volume_size": 20}]})
    builder.add("aws_launch_template.app", {
        "instance_type": "m6i.large",
        "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": [{"volume_type": "gp3", "volume_size": 30}]}]},
        unknown={"id": True})
    builder.add("aws_autoscaling_group.app", {"desired_capacity": 2, "min_size": 2, "max_size": 4,
                                              "launch_template": [{"version": "$Latest"}]},
                unknown={"launch_template": [{"id": True}]},
                references={"launch_template.0.id": ["aws_launch_template.app.id", "aws_launch_template.app"]})
    builder.add("aws_db_instance.db", {"engine": "mysql", "instance_class": "db.m6i.large", "multi_az": True,
                                       "storage_type": "gp3", "allocated_storage": 100})
    builder.add("aws_lb.web", {"load_balancer_type": "application"})
    builder.add("aws_ebs_volume.gp2", {"type": "gp2", "size": 200})
    builder.add("aws_ebs_volume.gp3", {"type": "gp3", "size": 500, "iops": 6000, "throughput": 250})
    builder.add("aws_ebs_volume.io2", {"type": "io2", "size": 100, "iops": 3000})
    return builder.build()


def _expected(region: str) -> dict[str, Decimal]:
    """Monthly cost per resource, from the feeds' figures."""
    gp3 = _ebs("Storage General Purpose gp3 GB Mo", region)
    return {
        "aws_instance.web": _ec2("m5.large", region) * HOURS + 20 * gp3,
        "aws_autoscaling_group.app": 2 * (_ec2("m6i.large", region) * HOURS + 30 * gp3),
        "aws_db_instance.db": (
            _watcher("rds-mysql-ondemand.json", "Database Instance MySQL No license required db m6i.large "
                     "General purpose Multi-AZ Current Generation", region) * HOURS
            + 100 * _watcher("rds-storage.json", "Database Storage Multi AZ General Purpose-GP3", region)),
        "aws_lb.web": _watcher("elb.json", "Application Load Balancer Hours", region) * HOURS,
        "aws_ebs_volume.gp2": 200 * _ebs("Storage General Purpose gp2 GB Mo", region),
        "aws_ebs_volume.gp3": (500 * gp3 + 3000 * _ebs("Provisioned EBS IOPS gp3 Volumes per IOPS Mo", region)
                               + Decimal(125) / 1024 * _ebs("Provisioned Throughput gp3 per GiBps mo", region)),
        "aws_ebs_volume.io2": (100 * _ebs("Storage Provisioned IOPS io2 GB month", region)
                               + 3000 * _ebs("Provisioned EBS IOPS io2 Volumes per IOPS Mo", region)),
    }


def test_the_acceptance_regions_span_three_continents() -> None:
    from finguard.pricing.regions import aws_continent

    assert len(REGIONS) >= 10
    assert {aws_continent(r) for r in REGIONS} == {"North America", "Europe", "Asia Pacific"}


@needs_shared
@pytest.mark.parametrize("region", sorted(REGIONS))
def test_every_resource_prices_at_the_feeds_figure(catalog: Catalog, region: str) -> None:
    cost = estimate(plan_to_project(_plan(region)), catalog)
    priced = {r.address: r for r in cost.resources if r.type != "aws_launch_template"}
    for address, resource in priced.items():
        assert resource.region == region
        assert resource.status is ResourceStatus.PRICED, (address, resource.reasons)
    for address, expected in _expected(region).items():
        got = priced[address].monthly_cost
        assert got is not None and abs(got - expected) <= expected * TOLERANCE, (address, got, expected)
        assert abs(got - expected) < Decimal("0.005"), (address, got, expected)  # in fact, to the cent
    # the ALB's capacity units are usage-based, priced per LCU-hour at the feed's figure
    lcu = next(c for c in priced["aws_lb.web"].components if c.status is ComponentStatus.USAGE_BASED)
    assert lcu.unit_price == _watcher("elb.json", "Application Load Balancer LCU Hours", region)
    assert cost.complete


def test_a_region_without_figures_says_missing(catalog: Catalog) -> None:
    """ap-east-2 (Taipei) opened after the feeds were taken: nothing is borrowed from a neighbour."""
    cost = estimate(plan_to_project(_plan("ap-east-2")), catalog)
    for resource in cost.resources:
        if resource.type == "aws_launch_template":
            continue
        assert resource.status is ResourceStatus.INCOMPLETE and not resource.complete
        assert resource.monthly_cost in (None, 0)
        for component in resource.components:
            assert component.status in (ComponentStatus.MISSING_PRICE, ComponentStatus.UNKNOWN_QUANTITY), component
            assert component.unit_price is None
    assert not cost.complete
