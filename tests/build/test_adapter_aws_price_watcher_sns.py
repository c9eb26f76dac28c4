"""aws-price-watcher-sns: publish requests, HTTP and email deliveries (standard topics)."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_sns import AwsPriceWatcherSns
from tests.build.price_watcher_support import assert_near, row_for, run_fixture, run_real

S = "AmazonSNS"
PUBLISH = {"productFamily": "API Request", "usagetype": "Requests-Tier1"}
HTTP = {"productFamily": "Message Delivery", "usagetype": "DeliveryAttempts-HTTP"}
EMAIL = {"productFamily": "Message Delivery", "usagetype": "DeliveryAttempts-SMTP"}
FEED = {
    "Amazon SNS API Requests": {"EU (Ireland)": "0.0000005000"},
    "HTTP Notifications": {"EU (Ireland)": "0.0000006000"},
    "HTTP 0 to 100000": {"EU (Ireland)": "0.0000000000"},
    "HTTP 100000 to Inf": {"EU (Ireland)": "0.0000006000"},
    "SNS Email and Email JSON Notifications": {"EU (Ireland)": "0.0000200000"},
    "Amazon SNS FIFO API Requests per Requests": {"EU (Ireland)": "0.0000003300"},
    "SMS Notifications": {"EU (Ireland)": "0.0000000000"},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherSns(), tmp_path, FEED)
    assert len(rows) == 3
    publish = row_for(rows, S, "eu-west-1", **PUBLISH)
    assert (publish.unit, publish.usd) == ("Requests", Decimal("0.0000005"))
    assert row_for(rows, S, "eu-west-1", **HTTP).unit == row_for(rows, S, "eu-west-1", **EMAIL).unit == "Notifications"
    assert report.skipped == {"free-tier split of a flat delivery price (the flat key is taken)": 2,
                              "FIFO topics: not modelled": 1, "not modelled (no cost model queries this product)": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherSns())
    assert not report.rejected
    for region in ("eu-west-1", "ap-southeast-2", "sa-east-1", "us-east-1"):
        assert_near(row_for(rows, S, region, **PUBLISH), "0.0000005")
        assert_near(row_for(rows, S, region, **HTTP), "0.0000006")
        assert_near(row_for(rows, S, region, **EMAIL), "0.00002")
