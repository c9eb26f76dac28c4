"""aws-price-watcher elb.json -> ALB/NLB/GWLB hours and capacity units, Classic LB hours and data processed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.aws_price_watcher_elb import AwsPriceWatcherElb
from finguard.pricing.resources.aws.aws_lb import FAMILIES
from tests.build.price_watcher_support import close, find, price, run_fixture, run_real

FEED = {
    "Application Load Balancer Hours": {"US East (N. Virginia)": "0.0225000000", "EU (Ireland)": "0.0252000000",
                                        "US East (Verizon) - Boston": "0.0300000000"},
    "Application Load Balancer LCU Hours": {"US East (N. Virginia)": "0.0080000000"},
    "Network Load Balancer Hours": {"US East (N. Virginia)": "0.0225000000"},
    "Network Load Balancer LCU Hours": {"US East (N. Virginia)": "0.0060000000"},
    "Gateway Load Balancer Hours": {"US East (N. Virginia)": "0.0125000000"},
    "Gateway Load Balancer LCU Hours": {"US East (N. Virginia)": "0.0040000000"},
    "Classic Load Balancer Hours": {"US East (N. Virginia)": "0.0250000000", "EU (Ireland)": None},
    "Classic Load Balancer Data": {"US East (N. Virginia)": "0.0080000000"},
    "AWS Outposts Application Load Balancer LCU Hours": {"US East (N. Virginia)": "0.0000000000"},
    "Application Load Balancer ReservedLCU-Hr": {"US East (N. Virginia)": "0.0080000000"},
    "Quantum Load Balancer Hours": {"US East (N. Virginia)": "1.0000000000"},
}


def test_fixture_maps_each_balancer_type(tmp_path: Path) -> None:
    rows, report = run_fixture(AwsPriceWatcherElb(), tmp_path, FEED)
    assert len(rows) == 9
    assert report.skipped == {"local or wavelength zone": 1, "null price": 1,
                              "not modelled (no cost model queries this product)": 1,
                              "not modelled: load balancers on Outposts": 1, "not modelled: reserved LCUs": 1}
    assert not report.rejected
    for lb_type, (_, family, _) in FAMILIES.items():
        hours = find(rows, "us-east-1", productFamily=family, usagetype="LoadBalancerUsage")
        lcu = find(rows, "us-east-1", productFamily=family, usagetype="LCUUsage")
        assert hours is not None and hours.unit == "Hrs" and len(hours.attributes) == 2, lb_type
        assert lcu is not None and lcu.unit.endswith("LCU-Hrs") and len(lcu.attributes) == 2, lb_type
    assert price(rows, "eu-west-1", productFamily="Load Balancer-Application", usagetype="LoadBalancerUsage") \
        == Decimal("0.0252")
    classic = find(rows, "us-east-1", productFamily="Load Balancer", usagetype="DataProcessing-Bytes")
    assert classic is not None and classic.unit == "GB" and classic.usd == Decimal("0.008")
    assert price(rows, "eu-west-1", productFamily="Load Balancer", usagetype="LoadBalancerUsage") is None


@pytest.mark.shared
def test_real_feed_known_prices_on_three_continents() -> None:
    rows, report = run_real(AwsPriceWatcherElb())
    alb = {"productFamily": "Load Balancer-Application"}
    for region, hour, lcu in [("us-east-1", "0.0225", "0.008"), ("eu-west-1", "0.0252", "0.008"),
                              ("ap-southeast-2", "0.0252", "0.008"), ("sa-east-1", "0.034", "0.011")]:
        assert close(price(rows, region, usagetype="LoadBalancerUsage", **alb), hour), region
        assert close(price(rows, region, usagetype="LCUUsage", **alb), lcu), region
    assert close(price(rows, "eu-west-1", productFamily="Load Balancer", usagetype="LoadBalancerUsage"), "0.028")
    assert close(price(rows, "ap-northeast-1", productFamily="Load Balancer-Network", usagetype="LCUUsage"), "0.006")
    assert len({r.region for r in rows}) >= 30
    assert not report.rejected
