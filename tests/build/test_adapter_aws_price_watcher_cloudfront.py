"""aws-price-watcher-cloudfront: transfer-out tiers and origin transfer per edge group, requests, origin
shield, all under the region "global"."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_cloudfront import AwsPriceWatcherCloudfront
from tests.build.price_watcher_support import assert_near, assert_whole_tiers, row_for, run_fixture, run_real

S = "AmazonCloudFront"
G = "global"


def outbound(group: str) -> dict[str, str]:
    return {"productFamily": "Data Transfer", "transferType": "CloudFront Outbound", "fromLocation": group}


def to_origin(group: str) -> dict[str, str]:
    return {"productFamily": "Data Transfer", "transferType": "CloudFront to Origin", "fromLocation": group}


def requests(group: str, protocol: str) -> dict[str, str]:
    return {"productFamily": "Request", "location": group, "requestType": f"CloudFront-Request-{protocol}-Proxy"}


def shield(location: str) -> dict[str, str]:
    return {"productFamily": "Request", "requestDescription": "Origin Shield Requests", "location": location}


def dt(tier: str, group: str) -> str:
    return f"[Regional DT to Internet {tier}] VU3485RNDU6HBQF6 JRTCKXETXF.Q3Z75P77EN Transfer;" \
           f"Regional DT from {group} to Internet {tier}"


FEED = {
    dt("First 10 TB", "EU"): {" (Per Month: 10240)": "0.0850000000"},
    dt("Next 40 TB", "EU"): {" (Per Month: 51200)": "0.0800000000"},
    dt("next 100 TB", "EU"): {" (Per Month: 153600)": "0.0600000000"},
    dt("Next 350 TB", "EU"): {" (Per Month: 512000)": "0.0400000000"},
    dt("next 524 TB", "EU"): {" (Per Month: 1048576)": "0.0300000000"},
    dt("Next 4 PB", "EU"): {" (Per Month: 5242880)": "0.0250000000"},
    dt("Over 5 PB", "EU"): {" (Per Month: Inf)": "0.0200000000"},
    dt("First 10 TB", "Canada"): {" (Per Month: 10240)": "0.0850000000"},
    dt("Next 40 TB", "India"): {" (Per Month: 10240)": "0.0850000000"},  # bound disagrees with the tier
    dt("0 upto 1024", "Any"): {" (Per Month: 1024)": "0.0000000000"},
    "VU3485RNDU6HBQF6 JRTCKXETXF.Q3Z75P77EN Transfer": {" (Per Month: 10240)": "0.0850000000"},
    "Regional DT to Origin from South America": {" (Per Month: Inf)": "0.1250000000"},
    "Request HTTP Methods": {"United States": "0.0000007500", "EU": "0.0000009000", "Middle East": "0.0000009000"},
    "Request HTTPS Methods": {"Australia": "0.0000012500", "Mars": "0.0000012500"},
    "Request HTTPS Methods from Australia": {"": "0.0000012500"},
    "CloudFront Request-Tier1 HTTP GET and HEAD requests": {"United States": "0.0000007500"},
    "CloudFront Request-Origin-Shield Origin Shield Requests": {"South America (Sao Paulo)": "0.0000016000",
                                                               "EU (Ireland)": "0.0000009000"},
    "Charge for invalidating objects removing the objects from CloudFront edge locations": {"": "0.0050000000"},
}


def test_fixture_maps_groups_tiers_and_shield_locations(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherCloudfront(), tmp_path, FEED)
    assert {r.region for r in rows} == {G}
    assert sorted((r.begin, r.end, r.usd) for r in rows if dict(r.attributes) == outbound("Europe")) == [
        (0.0, 10240.0, Decimal("0.085")), (10240.0, 51200.0, Decimal("0.08")), (51200.0, 153600.0, Decimal("0.06")),
        (153600.0, 512000.0, Decimal("0.04")), (512000.0, 1048576.0, Decimal("0.03")),
        (1048576.0, 5242880.0, Decimal("0.025")), (5242880.0, None, Decimal("0.02"))]
    assert row_for(rows, S, G, **to_origin("South America")).usd == Decimal("0.125")
    http = row_for(rows, S, G, **requests("United States", "HTTP"))
    assert (http.unit, http.usd) == ("Requests", Decimal("0.00000075"))
    assert row_for(rows, S, G, **requests("Europe", "HTTP")).usd == Decimal("0.0000009")
    assert row_for(rows, S, G, **requests("Australia", "HTTPS")).usd == Decimal("0.00000125")
    assert row_for(rows, S, G, **shield("South America (Sao Paulo)")).usd == Decimal("0.0000016")
    assert row_for(rows, S, G, **shield("EU (Ireland)")).usd == Decimal("0.0000009")
    assert len(rows) == 13
    assert report.skipped == {"edge group the model bills at another group's rate": 2,
                              "account free tier (not attributed)": 1,
                              "opaque rate code (a named key carries the same price)": 1,
                              "same price as 'Request HTTP(S) Methods' keyed by group (taken)": 1,
                              "GET/HEAD request types: the model prices the proxy request types": 1,
                              "field-level encryption, dedicated SSL/static IPs, invalidations: not modelled": 1}
    assert report.rejected == {"tier bound in the location differs from the key's tier": 1,
                               "unknown edge-location group": 1}


def test_real_feed_global_figures():
    rows, report = run_real(AwsPriceWatcherCloudfront())
    assert not report.rejected
    assert {r.region for r in rows} == {G}
    assert_whole_tiers(rows)
    # edge groups on three continents (the old snapshot's figures, from Infracost's goldens and FOCUS rows)
    assert_near(row_for(rows, S, G, **outbound("Europe")), "0.085")
    assert_near(row_for(rows, S, G, begin=5242880.0, **outbound("Europe")), "0.02")
    assert_near(row_for(rows, S, G, **outbound("Australia")), "0.114")
    assert_near(row_for(rows, S, G, **outbound("South America")), "0.11")
    assert_near(row_for(rows, S, G, **outbound("United States")), "0.085")
    assert_near(row_for(rows, S, G, **to_origin("India")), "0.16")
    assert_near(row_for(rows, S, G, **requests("United States", "HTTPS")), "0.000001")
    assert_near(row_for(rows, S, G, **requests("South America", "HTTPS")), "0.0000022")
    assert_near(row_for(rows, S, G, **requests("Japan", "HTTP")), "0.0000009")
    assert_near(row_for(rows, S, G, **shield("South America (Sao Paulo)")), "0.0000016")
    assert_near(row_for(rows, S, G, **shield("US East (N. Virginia)")), "0.00000075")
    groups = {dict(r.attributes).get("fromLocation") for r in rows} - {None}
    assert groups == {"United States", "Europe", "South Africa", "South America", "Japan", "Australia",
                      "Asia Pacific", "India"}
