"""aws-price-watcher-secretsmanager: secrets per month and API requests."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_secretsmanager import AwsPriceWatcherSecretsmanager
from tests.build.price_watcher_support import assert_near, row_for, run_fixture, run_real

S = "AWSSecretsManager"
SECRET = {"productFamily": "Secret", "usagetype": "AWSSecretsManager-Secrets"}
CALLS = {"productFamily": "API Request", "usagetype": "AWSSecretsManager-APIRequest"}
FEED = {
    "Secret": {"EU (Ireland)": "0.4000000000", "US West (Los Angeles)": "0.4"},
    "API Request": {"EU (Ireland)": "0.0000050000", "Asia Pacific (Sydney)": None},
    "Rotation": {"EU (Ireland)": "0.1"},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherSecretsmanager(), tmp_path, FEED)
    assert len(rows) == 2
    secret = row_for(rows, S, "eu-west-1", **SECRET)
    assert (secret.unit, secret.usd) == ("Secrets", Decimal("0.4"))
    assert row_for(rows, S, "eu-west-1", **CALLS).unit == "API Requests"
    assert report.skipped == {"local or wavelength zone": 1, "null price": 1,
                              "not modelled (no cost model queries this product)": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherSecretsmanager())
    assert not report.rejected
    for region in ("eu-west-1", "ap-southeast-2", "sa-east-1", "us-east-1"):
        assert_near(row_for(rows, S, region, **SECRET), "0.4")
        assert_near(row_for(rows, S, region, **CALLS), "0.000005")
