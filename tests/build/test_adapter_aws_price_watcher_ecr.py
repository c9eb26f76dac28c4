"""aws-price-watcher-ecr: image storage per GB-month."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_ecr import AwsPriceWatcherEcr
from tests.build.price_watcher_support import assert_near, row_for, run_fixture, run_real

S = "AmazonECR"
STORAGE = {"productFamily": "EC2 Container Registry", "usagetype": "TimedStorage-ByteHrs"}
FEED = {
    "EC2 Container Registry": {"EU (Ireland)": "0.1000000000", "Asia Pacific (Sydney)": "0.1000000000",
                               "US West (Los Angeles)": "0.1000000000", "EU (Milan)": ""},
    "EC2 Container Registry ECR-DSSE-Encryption Bytes encrypted using dual-layer server-side encryption": {
        "AWS GovCloud (US)": None},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherEcr(), tmp_path, FEED)
    assert sorted(r.region for r in rows) == ["ap-southeast-2", "eu-west-1"]
    row = row_for(rows, S, "eu-west-1", **STORAGE)
    assert (row.unit, row.usd, row.begin, row.end) == ("GB-Mo", Decimal("0.1"), 0.0, None)
    assert report.skipped == {"local or wavelength zone": 1, "null price": 1, "dual-layer encryption: not modelled": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherEcr())
    assert not report.rejected and len(rows) >= 30
    for region in ("eu-west-1", "ap-southeast-2", "sa-east-1", "us-east-1"):
        assert_near(row_for(rows, S, region, **STORAGE), "0.1")
