"""aws-price-watcher-queueservice: SQS standard and FIFO requests with their three volume tiers."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_queueservice import AwsPriceWatcherQueueservice
from tests.build.price_watcher_support import assert_near, assert_whole_tiers, row_for, run_fixture, run_real

S = "AWSQueueService"
STANDARD = {"productFamily": "API Request", "queueType": "Standard"}
FIFO = {"productFamily": "API Request", "queueType": "FIFO (first-in, first-out)"}
FEED = {
    "Standard per Requests": {"EU (Ireland)": "0.0000004000"},
    "Standard per Requests Tier2": {"EU (Ireland)": "0.0000003000"},
    "Standard per Requests Tier3": {"EU (Ireland)": "0.0000002400"},
    "FIFO first-in first-out per Requests": {"EU (Ireland)": "0.0000005000", "Asia Pacific (Sydney)": "-1"},
    "Free tier per Requests": {"Any": None},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherQueueservice(), tmp_path, FEED)
    assert sorted((r.begin, r.end, r.usd) for r in rows if dict(r.attributes) == STANDARD) == [
        (0.0, 100e9, Decimal("0.0000004")), (100e9, 200e9, Decimal("0.0000003")), (200e9, None, Decimal("0.00000024"))]
    fifo = row_for(rows, S, "eu-west-1", **FIFO)
    assert (fifo.unit, fifo.usd) == ("Requests", Decimal("0.0000005"))
    assert report.skipped == {"account free tier (not attributed)": 1}
    assert report.rejected == {"price is not a non-negative number": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherQueueservice())
    assert not report.rejected
    assert_whole_tiers(rows)
    expected = {  # region: (standard first tier, standard over 200B, FIFO first tier)
        "eu-west-1": ("0.0000004", "0.00000024", "0.0000005"),
        "ap-southeast-2": ("0.0000004", "0.00000032", "0.0000005"),
        "sa-east-1": ("0.0000004", "0.00000038", "0.0000005"),
        "us-east-1": ("0.0000004", "0.00000024", "0.0000005"),
    }
    for region, (first, last, fifo) in expected.items():
        assert_near(row_for(rows, S, region, **STANDARD), first)
        assert_near(row_for(rows, S, region, begin=200e9, **STANDARD), last)
        assert_near(row_for(rows, S, region, **FIFO), fifo)
