"""ec2.shop data/ec2/*-ondemand.json -> EC2 Linux on-demand hours; it fills only what price-watcher lacks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.aws_price_watcher_ec2 import AwsPriceWatcherEc2
from finguard.pricing.build.adapters.ec2_shop_ec2 import INPUT, Ec2ShopEc2
from finguard.pricing.build.base import attrs
from finguard.pricing.build.pipeline import BuildResult, collect, merge
from finguard.pricing.table import Product
from tests.build.price_watcher_support import close, find, price, run, run_real, write_json

LINUX = {"Operating System": "Linux", "Pre Installed S/W": "NA", "License Model": "No License required"}


def _record(instance_type: str | None, usd: str | None, **other: str) -> dict[str, str | None]:
    return {"rateCode": "X.JRTCKXETXF.6YS6EN2CT7", "price": usd, "Instance Type": instance_type, **LINUX, **other}


def _feed(location: str, records: dict[str, dict]) -> dict:
    return {"manifest": {"currencyCode": "USD"}, "sets": {}, "regions": {location: records}}


def _fixture(shared: Path) -> None:
    write_json(shared, f"{INPUT}/us-east-1-ondemand.json", _feed("US East (N. Virginia)", {
        "m5 large US East N. Virginia Linux": _record("m5.large", "0.0960000000"),
        "i8g 48xlarge US East N. Virginia Linux": _record("i8g.48xlarge", "16.4736000000"),
        "m5 large US East N. Virginia Windows": _record("m5.large", "0.1880000000", **{"Operating System": "Windows"}),
        "mystery US East N. Virginia Linux": _record(None, "1.0000000000"),
        "c5 large US East N. Virginia Linux": _record("c5.large", None),
    }))
    write_json(shared, f"{INPUT}/us-east-1-previousgen-ondemand.json", _feed("US East (N. Virginia)", {
        "m1 small US East N. Virginia Linux General Purpose": _record("m1.small", "0.0440000000"),
    }))
    write_json(shared, f"{INPUT}/eu-west-1-ondemand.json", _feed("EU (Frankfurt)", {
        "m5 large EU Frankfurt Linux": _record("m5.large", "0.1150000000"),
    }))
    write_json(shared, f"{INPUT}/ap-southeast-2-ondemand.json", _feed("AWS GovCloud (US)", {}))


def test_fixture_reads_instance_type_attribute_and_counts_the_rest(tmp_path: Path) -> None:
    _fixture(tmp_path)
    rows, report = run(Ec2ShopEc2(), tmp_path)
    assert sorted((r.region, dict(r.attributes)["instanceType"], str(r.usd)) for r in rows) == [
        ("us-east-1", "i8g.48xlarge", "16.4736000000"), ("us-east-1", "m1.small", "0.0440000000"),
        ("us-east-1", "m5.large", "0.0960000000")]
    assert report.skipped == {"not Linux without pre-installed software or licence": 1, "null price": 1}
    assert report.rejected == {"no valid Instance Type attribute": 1, "file name and location disagree": 1}
    row = find(rows, "us-east-1", instanceType="m1.small")
    assert row is not None and dict(row.attributes)["usagetype"] == "BoxUsage:m1.small" and row.unit == "Hrs"


def test_price_watcher_wins_where_both_price_and_ec2_shop_fills_the_gaps(tmp_path: Path) -> None:
    _fixture(tmp_path)
    write_json(tmp_path, "pricing/aws-price-watcher/processed/ec2.json",
               {"OnDemand Linux-instancetype-m5.large": {"US East (N. Virginia)": "0.0970000000"}})
    result = BuildResult()
    merge(collect([AwsPriceWatcherEc2(), Ec2ShopEc2()], tmp_path, "2026-01-01", result), result.priority, result)
    cells = result.tables[("aws", "AmazonEC2")].cells
    m5 = Product(find_attrs("m5.large"), "Hrs")
    i8g = Product(find_attrs("i8g.48xlarge"), "Hrs")
    assert cells[m5]["us-east-1"] == (Decimal("0.0970000000"), "aws-price-watcher-ec2")
    assert cells[i8g]["us-east-1"] == (Decimal("16.4736000000"), "ec2-shop-ec2")
    assert [(d.winner, d.loser) for d in result.disagreements] == [("aws-price-watcher-ec2", "ec2-shop-ec2")]


def find_attrs(instance_type: str) -> tuple[tuple[str, str], ...]:
    return attrs(productFamily="Compute Instance", instanceType=instance_type, operatingSystem="Linux",
                 tenancy="Shared", preInstalledSw="NA", capacitystatus="Used", licenseModel="No License required",
                 usagetype=f"BoxUsage:{instance_type}")


@pytest.mark.shared
def test_real_feed_known_prices_and_types_price_watcher_lacks() -> None:
    rows, report = run_real(Ec2ShopEc2())
    for region, usd in {"us-east-1": "0.096", "eu-west-1": "0.107", "ap-southeast-2": "0.12", "sa-east-1": "0.153",
                        "ap-south-1": "0.101", "us-gov-west-1": "0.121"}.items():
        assert close(price(rows, region, instanceType="m5.large"), usd), region
    assert close(price(rows, "us-east-1", instanceType="m1.small"), "0.044")  # previous generation file
    assert len({r.region for r in rows}) == 17
    assert not report.rejected

    theirs, _ = run_real(AwsPriceWatcherEc2())
    covered = {(r.region, r.attributes) for r in theirs}
    extra = [r for r in rows if (r.region, r.attributes) not in covered]
    assert len(extra) > 150
