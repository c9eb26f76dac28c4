"""aws-price-watcher-lambda: requests, duration tiers per architecture, storage, provisioned concurrency."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_lambda import AwsPriceWatcherLambda
from tests.build.price_watcher_support import assert_near, assert_whole_tiers, row_for, run_fixture, run_real

S = "AWSLambda"
X86 = {"productFamily": "Serverless", "group": "AWS-Lambda-Duration", "usagetype": "Lambda-GB-Second"}
ARM = {"productFamily": "Serverless", "group": "AWS-Lambda-Duration-ARM", "usagetype": "Lambda-GB-Second-ARM"}
REQUESTS = {"productFamily": "Serverless", "group": "AWS-Lambda-Requests", "usagetype": "Request"}
PROVISIONED = {"productFamily": "Serverless", "group": "AWS-Lambda-Provisioned-Concurrency",
               "usagetype": "Lambda-Provisioned-Concurrency"}
FEED = {
    "Lambda Requests": {"EU (Ireland)": "0.0000002000", "Asia Pacific (Sydney)": "0.0000002000",
                        "US West (Los Angeles)": "0.0000002000", "Nowhere": "0.0000002000"},
    "Lambda Duration": {"EU (Ireland)": "0.0000166667", "Asia Pacific (Sydney)": None},
    "Lambda Duration Tier2": {"EU (Ireland)": "0.0000150000"},
    "Lambda Duration Tier3": {"EU (Ireland)": "0.0000133334"},
    "Lambda Duration-ARM Tier2": {"EU (Ireland)": "0.0000120001"},
    "Lambda Provisioned-Concurrency": {"EU (Ireland)": "0.0000046460", "South America (Sao Paulo)": "abc"},
    "Lambda Storage-Duration": {"EU (Ireland)": "0.0000000000"},
    "Lambda Edge-Duration": {"EU (Ireland)": "0.0000500100"},
    "Lambda Requests Free Tier": {"Any": "0.0000000000"},
    "Lambda Processed-Bytes": {"EU (Ireland)": "0.0080000000"},
}


def test_fixture_maps_slots_tiers_and_counts_the_rest(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherLambda(), tmp_path, FEED)
    assert len(rows) == 7
    requests = row_for(rows, S, "eu-west-1", **REQUESTS)
    assert (requests.unit, requests.usd) == ("Requests", Decimal("0.0000002"))
    assert row_for(rows, S, "ap-southeast-2", **REQUESTS).usd == requests.usd
    tiers = sorted((r.begin, r.end, r.usd) for r in rows if r.region == "eu-west-1" and dict(r.attributes) == X86)
    assert tiers == [(0.0, 6e9, Decimal("0.0000166667")), (6e9, 15e9, Decimal("0.000015")),
                     (15e9, None, Decimal("0.0000133334"))]
    arm = row_for(rows, S, "eu-west-1", begin=7.5e9, **ARM)
    assert (arm.end, arm.unit) == (18.75e9, "Lambda-GB-Second")
    assert row_for(rows, S, "eu-west-1", **PROVISIONED).unit == "Lambda-GB-Second"
    assert report.skipped == {"local or wavelength zone": 1, "unknown location": 1, "null price": 1,
                              "zero price (taken as missing)": 1,
                              "Lambda@Edge: not modelled": 1, "account free tier (not attributed)": 1,
                              "not modelled (no cost model queries this product)": 1}
    assert report.rejected == {"price is not a non-negative number": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherLambda())
    assert not report.rejected
    for region in ("eu-west-1", "ap-southeast-2", "sa-east-1", "us-east-1"):
        assert_near(row_for(rows, S, region, **REQUESTS), "0.0000002")
        assert_near(row_for(rows, S, region, **X86), "0.0000166667")
        assert_near(row_for(rows, S, region, begin=18.75e9, **ARM), "0.0000106667")
    assert_near(row_for(rows, S, "eu-west-1", **PROVISIONED), "0.000004646")
    assert_near(row_for(rows, S, "ap-southeast-2", **PROVISIONED), "0.000005236")
    assert_near(row_for(rows, S, "sa-east-1", **PROVISIONED), "0.0000066372")
    storage = {"productFamily": "Serverless", "group": "AWS-Lambda-Storage-Duration-ARM",
               "usagetype": "Lambda-Storage-GB-Second-ARM"}
    assert_near(row_for(rows, S, "sa-east-1", **storage), "0.0000000586")
    assert_whole_tiers(rows)
