"""aws-price-watcher-kms: keys per month and requests per key spec (usage types without "KMS-")."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_kms import AwsPriceWatcherKms
from tests.build.price_watcher_support import assert_near, row_for, run_fixture, run_real

S = "awskms"
KEY = {"productFamily": "Encryption Key", "usagetype": "KMS-Keys"}
SYMMETRIC = {"productFamily": "API Request", "usagetype": "KMS-Requests"}
RSA_2048 = {"productFamily": "API Request", "usagetype": "KMS-Requests-Asymmetric-RSA_2048"}
ASYMMETRIC = {"productFamily": "API Request", "usagetype": "KMS-Requests-Asymmetric"}
FEED = {
    "Encryption Key": {"EU (Ireland)": "1.0000000000"},
    "API request - Non Free Tier": {"EU (Ireland)": "0.0000030000"},
    "Asymmetric Requests RSA_2048": {"EU (Ireland)": "0.0000030000"},
    "Asymmetric Requests except RSA_2048API": {"EU (Ireland)": "0.0000150000", "Nowhere": "0.000015"},
    "API Requests GenerateDatakeyPair RSA": {"EU (Ireland)": "0.0012000000"},
    "Bundle": {"": None},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherKms(), tmp_path, FEED)
    assert len(rows) == 4
    assert row_for(rows, S, "eu-west-1", **KEY).unit == "Keys"
    assert row_for(rows, S, "eu-west-1", **SYMMETRIC).unit == "Requests"
    assert row_for(rows, S, "eu-west-1", **RSA_2048).usd == Decimal("0.000003")
    assert row_for(rows, S, "eu-west-1", **ASYMMETRIC).usd == Decimal("0.000015")
    assert report.skipped == {"unknown location": 1, "GenerateDataKeyPair requests: not modelled": 1,
                              "bundle placeholder (no product named)": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherKms())
    assert not report.rejected
    for region in ("eu-west-1", "ap-southeast-2", "sa-east-1", "us-east-1"):
        assert_near(row_for(rows, S, region, **KEY), "1")
        assert_near(row_for(rows, S, region, **SYMMETRIC), "0.000003")
        assert_near(row_for(rows, S, region, **RSA_2048), "0.000003")
        assert_near(row_for(rows, S, region, **ASYMMETRIC), "0.000015")
