"""aws-price-watcher ec2.json -> EC2 Linux on-demand hours in exactly the slot the instance model queries."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.aws_price_watcher_ec2 import AwsPriceWatcherEc2
from finguard.pricing.resources.aws._ec2 import instance_hours
from tests.build.price_watcher_support import close, find, price, run_fixture, run_real

FEED = {
    "OnDemand Linux-instancetype-m5.large": {
        "US East (N. Virginia)": "0.0960000000",
        "EU (Ireland)": "0.1070000000",
        "EU (Frankfurt) (Instance Type: m5.large, Memory: 8 GiB, vCPU: 2)": "0.1150000000",
        "AWS GovCloud (US)": "0.1200000000",
        "US East (Verizon) - Boston": "0.1200000000",
        "EU (British Telecom) - Manchester": "0.1300000000",
        "US West (Los Angeles)": "0.1140000000",
        "Moon Base Alpha": "0.5000000000",
        "Asia Pacific (Tokyo)": None,
        "Asia Pacific (Sydney)": "0.0000000000",
        "South America (Sao Paulo)": "n/a",
    },
    "OnDemand Linux-instancetype-u7i-6tb.112xlarge": {"US East (N. Virginia)": "54.6000000000"},
    "OnDemand Windows-instancetype-m5.large": {"US East (N. Virginia)": "0.1880000000"},
}


def test_fixture_maps_regions_and_counts_the_rest(tmp_path: Path) -> None:
    rows, report = run_fixture(AwsPriceWatcherEc2(), tmp_path, FEED)

    assert {(r.region, str(r.usd)) for r in rows} == {
        ("us-east-1", "0.0960000000"), ("eu-west-1", "0.1070000000"), ("eu-central-1", "0.1150000000"),
        ("us-gov-west-1", "0.1200000000"), ("us-east-1", "54.6000000000")}
    assert report.read == 13
    assert report.skipped == {"local or wavelength zone": 3, "unknown location": 1, "null price": 1,
                              "zero price (taken as missing)": 1,
                              "not modelled (no cost model queries this product)": 1}
    assert report.rejected == {"price is not a non-negative number": 1}

    row = find(rows, "us-east-1", instanceType="m5.large")
    assert row is not None and row.service == "AmazonEC2" and row.unit == "Hrs"
    assert dict(row.attributes) == {
        "productFamily": "Compute Instance", "instanceType": "m5.large", "operatingSystem": "Linux",
        "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used",
        "licenseModel": "No License required", "usagetype": "BoxUsage:m5.large"}


def test_rows_answer_the_instance_models_query(tmp_path: Path) -> None:
    rows, _ = run_fixture(AwsPriceWatcherEc2(), tmp_path, FEED)
    component = instance_hours("u7i-6tb.112xlarge")
    matches = [r for r in rows if r.service == component.service
               and component.filters.items() <= dict(r.attributes).items()]
    assert [(r.region, r.usd) for r in matches] == [("us-east-1", Decimal("54.6000000000"))]


@pytest.mark.shared
def test_real_feed_known_prices_on_three_continents() -> None:
    rows, report = run_real(AwsPriceWatcherEc2())
    known = {"us-east-1": "0.096", "eu-west-1": "0.107", "eu-central-1": "0.115", "ap-southeast-2": "0.12",
             "ap-northeast-1": "0.124", "sa-east-1": "0.153"}
    for region, usd in known.items():
        assert close(price(rows, region, instanceType="m5.large"), usd), region
    assert close(price(rows, "eu-west-1", instanceType="t3.medium"), "0.0456")
    assert len({r.region for r in rows}) >= 30
    assert len(rows) > 15000
    assert report.skipped["local or wavelength zone"] > 500
    assert not report.rejected
