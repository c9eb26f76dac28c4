"""aws-price-watcher eks.json -> EKS cluster hours (standard support)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.aws_price_watcher_eks import AwsPriceWatcherEks
from tests.build.price_watcher_support import close, find, price, run_fixture, run_real

FEED = {
    "Compute per Hours": {"US East (N. Virginia)": "0.1000000000", "EU (Ireland)": "0.1000000000"},
    "Compute per hours": {"US East (N. Virginia)": "0.1000000000", "Asia Pacific (Sydney)": "0.1000000000"},
    "Compute ExtendedSupport per Hours": {"US East (N. Virginia)": "0.5000000000"},
    "Fargate perCPU per hours": {"US East (N. Virginia)": "0.0404800000"},
    "Compute Quantum per Hours": {"US East (N. Virginia)": "9.0000000000"},
}


def test_fixture_two_spellings_one_slot_extended_support_left_out(tmp_path: Path) -> None:
    rows, report = run_fixture(AwsPriceWatcherEks(), tmp_path, FEED)
    assert sorted((r.region, r.usd) for r in rows) == [
        ("ap-southeast-2", Decimal("0.1")), ("eu-west-1", Decimal("0.1")), ("us-east-1", Decimal("0.1"))]
    row = find(rows, "us-east-1")
    assert row is not None and row.service == "AmazonEKS" and row.unit == "Hrs"
    assert dict(row.attributes) == {"productFamily": "Compute", "usagetype": "AmazonEKS-Hours:perCluster"}
    assert report.skipped == {
        "duplicate: another key prices the same slot identically": 1, "not modelled: EKS pods on Fargate": 1,
        "extended-support surcharge: not the price list's all-in extendedSupport hour": 1,
        "not modelled (no cost model queries this product)": 1}


def test_disagreeing_spellings_are_rejected(tmp_path: Path) -> None:
    feed = {"Compute per Hours": {"EU (Ireland)": "0.10"}, "Compute per hours": {"EU (Ireland)": "0.20"}}
    rows, report = run_fixture(AwsPriceWatcherEks(), tmp_path, feed)
    assert rows == [] and report.rejected == {"ambiguous: keys map to one slot with different prices": 2}


@pytest.mark.shared
def test_real_feed_cluster_hour_everywhere() -> None:
    rows, report = run_real(AwsPriceWatcherEks())
    for region in ("us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "ap-south-1"):
        assert close(price(rows, region), "0.10"), region
    assert len(rows) == len({r.region for r in rows}) >= 30
    assert not report.rejected
