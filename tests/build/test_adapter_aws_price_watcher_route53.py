"""aws-price-watcher-route53: hosted zones and public DNS queries, under the region "global"."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_route53 import AwsPriceWatcherRoute53
from tests.build.price_watcher_support import assert_near, assert_whole_tiers, row_for, run_fixture, run_real

S = "AmazonRoute53"
ZONE = {"productFamily": "DNS Zone", "usagetype": "HostedZone"}
STANDARD = {"productFamily": "DNS Query", "usagetype": "DNS-Queries"}
LATENCY = {"productFamily": "DNS Query", "usagetype": "LBR-Queries"}
GEO = {"productFamily": "DNS Query", "usagetype": "Geo-Queries"}
FEED = {
    "DNS Zone first 25": {"Any": "0.5000000000"},
    "DNS Zone": {"Any": "0.1000000000"},
    "Query Standard External first 1B": {"Mexico (Central)": "0.0000004000", "": "0.0000004000"},
    "Query Standard External over 1B": {"": "0.0000002000"},
    "Query Latency Based Routing External first 1B": {"AWS GovCloud (US)": "0.0000007200", "": "0.0000006000"},
    "Query Latency Based Routing External over 1B": {"": "0.0000003000"},
    "Query Geo DNS External first 1B": {"": "0.0000007000"},
    "Query Geo DNS External over 1B": {"": "0.0000003500"},
    "Query Geoproximity External first 1B": {"": "0.0000007000"},
    "Query first 1B": {"EU (Ireland)": "0.0000004000"},
    "Free Queries to Standard Alias records": {"": "0.0000000000"},
    "Basic Health checks AWS per Mo": {"": "0.5000000000"},
}


def test_fixture_takes_the_global_location_only(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherRoute53(), tmp_path, FEED)
    assert {r.region for r in rows} == {"global"}
    assert sorted((r.begin, r.end, r.usd, r.unit) for r in rows if dict(r.attributes) == ZONE) == [
        (0.0, 25.0, Decimal("0.5"), "HostedZone"), (25.0, None, Decimal("0.1"), "HostedZone")]
    assert sorted((r.begin, r.end, r.usd) for r in rows if dict(r.attributes) == STANDARD) == [
        (0.0, 1e9, Decimal("0.0000004")), (1e9, None, Decimal("0.0000002"))]
    assert row_for(rows, S, "global", **LATENCY).usd == Decimal("0.0000006")  # not GovCloud's 0.00000072
    assert row_for(rows, S, "global", **GEO).unit == "Queries"
    assert len(rows) == 8
    assert report.skipped == {"global service: the price is taken at location '' only": 2,
                              "geoproximity: same rate as geo DNS, which is taken": 1,
                              "Route 53 Resolver / DNS Firewall / Profiles: not modelled": 1,
                              "alias queries are free (nothing to price)": 1,
                              "health checks, traffic flow, CIDR collections: not modelled": 1}


def test_real_feed_global_figures():
    rows, report = run_real(AwsPriceWatcherRoute53())
    assert not report.rejected
    assert {r.region for r in rows} == {"global"}  # a global service: no per-region rows at all
    assert_whole_tiers(rows)
    assert_near(row_for(rows, S, "global", **ZONE), "0.5")
    assert_near(row_for(rows, S, "global", begin=25.0, **ZONE), "0.1")
    assert_near(row_for(rows, S, "global", **STANDARD), "0.0000004")
    assert_near(row_for(rows, S, "global", begin=1e9, **STANDARD), "0.0000002")
    assert_near(row_for(rows, S, "global", **LATENCY), "0.0000006")
    assert_near(row_for(rows, S, "global", **GEO), "0.0000007")
