"""aws-price-watcher-apigateway: REST (4 tiers), HTTP (2 tiers), WebSocket messages (2 tiers) and minutes."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_apigateway import AwsPriceWatcherApigateway
from tests.build.price_watcher_support import assert_near, assert_whole_tiers, row_for, run_fixture, run_real

S = "AmazonApiGateway"
REST = {"productFamily": "API Calls", "usagetype": "ApiGatewayRequest"}
HTTP = {"productFamily": "API Calls", "usagetype": "ApiGatewayHttpRequest"}
MESSAGES = {"productFamily": "WebSocket", "usagetype": "ApiGatewayMessage"}
MINUTES = {"productFamily": "WebSocket", "usagetype": "ApiGatewayMinute"}
FEED = {
    "API Calls Number of up to 333 million": {"EU (Ireland)": "0.0000035000"},
    "API Calls Number of Request Next 667 million": {"EU (Ireland)": "0.0000031900"},
    "API Calls Number of Request Next 19 billion": {"EU (Ireland)": "0.0000027100"},
    "API Calls Number of Request Over 20 billion": {"EU (Ireland)": "0.0000017200"},
    "ApiGatewayHttpApi First 300 million": {"EU (Ireland)": "0.0000011100"},
    "ApiGatewayHttpApi more than 300 million": {"EU (Ireland)": "0.0000010000"},
    "WebSocket Messages Messages first 1 billion": {"EU (Ireland)": "0.0000011400"},
    "WebSocket Messages Messages over 1 billion": {"EU (Ireland)": "0.0000009400"},
    "WebSocket Connection Minutes": {"EU (Ireland)": "0.0000002850"},
    "Caching Memory Size 0 5": {"EU (Ireland)": "0.0200000000"},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherApigateway(), tmp_path, FEED)
    assert sorted((r.begin, r.end) for r in rows if dict(r.attributes) == REST) == [
        (0.0, 333e6), (333e6, 1e9), (1e9, 20e9), (20e9, None)]
    assert sorted((r.begin, r.end) for r in rows if dict(r.attributes) == HTTP) == [(0.0, 300e6), (300e6, None)]
    assert sorted((r.begin, r.end) for r in rows if dict(r.attributes) == MESSAGES) == [(0.0, 1e9), (1e9, None)]
    assert row_for(rows, S, "eu-west-1", **REST).unit == "Requests"
    assert row_for(rows, S, "eu-west-1", **MESSAGES).unit == "Messages"
    minutes = row_for(rows, S, "eu-west-1", **MINUTES)
    assert (minutes.unit, minutes.usd) == ("Minutes", Decimal("0.000000285"))
    assert report.skipped == {"stage cache: not modelled": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherApigateway())
    assert not report.rejected
    assert_whole_tiers(rows)
    expected = {  # region: (REST first 333M, REST over 20B, HTTP first 300M, WS messages, WS minutes)
        "eu-west-1": ("0.0000035", "0.00000172", "0.00000111", "0.00000114", "0.000000285"),
        "ap-southeast-2": ("0.0000035", "0.00000189", "0.00000129", "0.0000013", "0.000000325"),
        "sa-east-1": ("0.00000425", "0.00000229", "0.00000159", "0.00000155", "0.000000388"),
        "us-east-1": ("0.0000035", "0.00000151", "0.000001", "0.000001", "0.00000025"),
    }
    for region, (rest, rest_over, http, messages, minutes) in expected.items():
        assert_near(row_for(rows, S, region, **REST), rest)
        assert_near(row_for(rows, S, region, begin=20e9, **REST), rest_over)
        assert_near(row_for(rows, S, region, **HTTP), http)
        assert_near(row_for(rows, S, region, **MESSAGES), messages)
        assert_near(row_for(rows, S, region, **MINUTES), minutes)
