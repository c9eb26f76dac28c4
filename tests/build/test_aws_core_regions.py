"""Real data: in 11 core AWS regions on three continents, the EC2/EBS/ELB adapters price the basics a
plan needs (m5.large and t3.medium hours, gp2/gp3/io2 storage, gp3 IOPS and throughput, io2 IOPS, ALB
hours and LCUs), each equal to the figure in the feed file, read here independently of the adapters.
After merging, us-east-1 instance hours come from the newest source (the July-2026 price-list CSV)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.aws_ec2_csv import AwsEc2Csv
from finguard.pricing.build.adapters.aws_price_watcher_ec2 import AwsPriceWatcherEc2
from finguard.pricing.build.adapters.aws_price_watcher_elb import AwsPriceWatcherElb
from finguard.pricing.build.adapters.ec2_shop_ebs import Ec2ShopEbs
from finguard.pricing.build.adapters.ec2_shop_ec2 import Ec2ShopEc2
from finguard.pricing.build.base import FeedRow
from finguard.pricing.build.pipeline import BuildResult, collect, merge
from finguard.pricing.regions import REGION_LOCATIONS, aws_continent
from finguard.pricing.table import Product
from tests.build.price_watcher_support import find, require_shared, run

pytestmark = pytest.mark.shared

CORE = ("us-east-1", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-1", "eu-central-1", "eu-west-2",
        "ap-southeast-2", "ap-northeast-1", "ap-south-1", "ap-southeast-1")
PW = "pricing/aws-price-watcher/processed"
EBS = "pricing/ec2-shop/data/ebs/ebs.json"

# what: (adapter, attributes the row must have, how to read the feed's figure for a location name)
Feed = Callable[[Path, str], str | None]


def _pw(file: str, key: str) -> Feed:
    return lambda shared, location: json.loads((shared / PW / file).read_text())[key].get(location)


def _ebs(key: str) -> Feed:
    def read(shared: Path, location: str) -> str | None:
        record = json.loads((shared / EBS).read_text())["regions"].get(location, {}).get(key)
        return None if record is None else record["price"]
    return read


def _ec2(instance_type: str) -> dict[str, str]:
    return {"productFamily": "Compute Instance", "instanceType": instance_type, "operatingSystem": "Linux",
            "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used",
            "licenseModel": "No License required"}


CHECKS: dict[str, tuple[type, dict[str, str], Feed]] = {
    "m5.large hours": (AwsPriceWatcherEc2, _ec2("m5.large"),
                       _pw("ec2.json", "OnDemand Linux-instancetype-m5.large")),
    "t3.medium hours": (AwsPriceWatcherEc2, _ec2("t3.medium"),
                        _pw("ec2.json", "OnDemand Linux-instancetype-t3.medium")),
    "gp2 storage": (Ec2ShopEbs, {"productFamily": "Storage", "volumeApiName": "gp2"},
                    _ebs("Storage General Purpose gp2 GB Mo")),
    "gp3 storage": (Ec2ShopEbs, {"productFamily": "Storage", "volumeApiName": "gp3"},
                    _ebs("Storage General Purpose gp3 GB Mo")),
    "io2 storage": (Ec2ShopEbs, {"productFamily": "Storage", "volumeApiName": "io2"},
                    _ebs("Storage Provisioned IOPS io2 GB month")),
    "gp3 IOPS": (Ec2ShopEbs, {"productFamily": "System Operation", "volumeApiName": "gp3",
                              "usagetype": "EBS:VolumeP-IOPS.gp3"},
                 _ebs("Provisioned EBS IOPS gp3 Volumes per IOPS Mo")),
    "gp3 throughput": (Ec2ShopEbs, {"productFamily": "Provisioned Throughput", "volumeApiName": "gp3",
                                    "usagetype": "EBS:VolumeP-Throughput.gp3"},
                       _ebs("Provisioned Throughput gp3 per GiBps mo")),
    "io2 IOPS": (Ec2ShopEbs, {"productFamily": "System Operation", "volumeApiName": "io2",
                              "usagetype": "EBS:VolumeP-IOPS.io2"},
                 _ebs("Provisioned EBS IOPS io2 Volumes per IOPS Mo")),
    "ALB hours": (AwsPriceWatcherElb, {"productFamily": "Load Balancer-Application", "usagetype": "LoadBalancerUsage"},
                  _pw("elb.json", "Application Load Balancer Hours")),
    "ALB LCU": (AwsPriceWatcherElb, {"productFamily": "Load Balancer-Application", "usagetype": "LCUUsage"},
                _pw("elb.json", "Application Load Balancer LCU Hours")),
}


@pytest.fixture(scope="module")
def rows() -> dict[type, list[FeedRow]]:
    shared = require_shared()
    return {cls: run(cls(), shared)[0] for cls in {c for c, _, _ in CHECKS.values()}}


@pytest.mark.parametrize("what", list(CHECKS))
def test_core_regions_priced_as_in_the_feed(what: str, rows: dict[type, list[FeedRow]]) -> None:
    shared = require_shared()
    cls, attributes, feed = CHECKS[what]
    covered = []
    for region in CORE:
        figure = feed(shared, REGION_LOCATIONS[region])
        row = find(rows[cls], region, **attributes)
        if figure is None:  # never a price the feed does not give (io2 was not yet in sa-east-1 in 2024)
            assert row is None, (what, region)
            continue
        assert row is not None, (what, region)
        assert row.usd == Decimal(figure), (what, region)
        covered.append(region)
    assert len(covered) >= 10, (what, covered)
    assert len({aws_continent(r) for r in covered}) >= 3, (what, covered)


def test_merged_catalog_takes_the_newest_instance_prices() -> None:
    shared = require_shared()
    result = BuildResult()
    adapters = [AwsPriceWatcherEc2(), Ec2ShopEc2(), AwsEc2Csv()]
    merge(collect(adapters, shared, "2026-01-01", result), result.priority, result)
    cells = result.tables[("aws", "AmazonEC2")].cells
    with (shared / "pricing/aws-ec2-ondemand-linux.csv").open() as handle:
        july_2026 = {r["instance_type"]: Decimal(r["usd_per_hour"]) for r in csv.DictReader(handle)}
    m5_by_region = json.loads((shared / PW / "ec2.json").read_text())["OnDemand Linux-instancetype-m5.large"]
    for instance_type in ("m5.large", "t3.medium", "p5.48xlarge"):
        product = Product(tuple(sorted({**_ec2(instance_type), "usagetype": f"BoxUsage:{instance_type}"}.items())),
                          "Hrs")
        assert cells[product]["us-east-1"] == (july_2026[instance_type], "aws-ec2-ondemand-linux-csv")
    m5 = Product(tuple(sorted({**_ec2("m5.large"), "usagetype": "BoxUsage:m5.large"}.items())), "Hrs")
    for region in CORE[1:]:
        assert cells[m5][region] == (Decimal(m5_by_region[REGION_LOCATIONS[region]]), "aws-price-watcher-ec2")
    # the June-2025 GPU cuts show up as disagreements the CSV wins
    p5 = [d for d in result.disagreements if dict(d.slot[3])["instanceType"] == "p5.48xlarge"
          and d.slot[2] == "us-east-1"]
    assert p5 and all(d.winner == "aws-ec2-ondemand-linux-csv" for d in p5)
