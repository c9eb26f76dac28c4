"""aws-price-watcher-es: OpenSearch on-demand instance hours (instanceType "<family>.<size>.search")."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_es import AwsPriceWatcherEs
from tests.build.price_watcher_support import assert_near, row_for, run_fixture, run_real

S = "AmazonES"


def instance(instance_type: str) -> dict[str, str]:
    return {"productFamily": "Amazon OpenSearch Service Instance", "instanceType": instance_type}


FEED = {
    "r6g large.search - Memory optimized - OnDemand - EBS Only - - - Hourly Cost": {
        "EU (Ireland) (vCPU: 2, Memory (GiB): 16)": "0.1870000000",
        "AWS GovCloud (US) (vCPU: 2, Memory (GiB): 16)": "0.2000000000",
        "Nowhere (vCPU: 2, Memory (GiB): 16)": "0.1"},
    "i3 large.search - Storage optimized - OnDemand - 1 x 475 NVMe SSD - - - Hourly Cost": {
        "EU (Ireland) (vCPU: 2, Memory (GiB): 15.25)": "0.2750000000"},
    "r6g large.search - Memory optimized - Reserved - EBS Only - All Upfront - 1yr - PrepaidCost": {
        "EU (Ireland) (vCPU: 2, Memory (GiB): 16)": "1000"},
    "D1O7b0Xjc62BDMDi38Y7KPMtUHBPtI8ctr3D3zyME68 V1": {"EU (Ireland)": "0.2400000000"},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherEs(), tmp_path, FEED)
    assert len(rows) == 3
    row = row_for(rows, S, "eu-west-1", **instance("r6g.large.search"))
    assert (row.unit, row.usd) == ("Hrs", Decimal("0.187"))
    assert row_for(rows, S, "us-gov-west-1", **instance("r6g.large.search")).usd == Decimal("0.2")
    assert row_for(rows, S, "eu-west-1", **instance("i3.large.search")).usd == Decimal("0.275")
    assert report.skipped == {"unknown location": 1, "reserved instances: not in the on-demand model": 1,
                              "opaque key (a feed set / regionless rate code: nothing says what it prices)": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherEs())
    assert not report.rejected
    expected = {  # region: (r6g.large.search, m5.large.search) per instance hour
        "eu-west-1": ("0.187", "0.158"),
        "ap-southeast-2": ("0.201", "0.177"),
        "sa-east-1": ("0.267", "0.226"),
        "us-east-1": ("0.167", "0.142"),
    }
    for region, (r6g, m5) in expected.items():
        assert_near(row_for(rows, S, region, **instance("r6g.large.search")), r6g)
        assert_near(row_for(rows, S, region, **instance("m5.large.search")), m5)
    assert_near(row_for(rows, S, "us-east-1", **instance("c4.2xlarge.search")), "0.587")


def test_two_keys_for_one_instance_type_keep_one_price_or_none(tmp_path):
    ebs = "m5 large.search - General purpose - OnDemand - EBS Only - - - Hourly Cost"
    ssd = "m5 large.search - General purpose - OnDemand - 1 x 32 SSD - - - Hourly Cost"
    same = {ebs: {"EU (Ireland) (vCPU: 2)": "0.158"}, ssd: {"EU (Ireland) (vCPU: 2)": "0.1580000000"}}
    rows, report = run_fixture(AwsPriceWatcherEs(), tmp_path, same)
    assert [r.usd for r in rows] == [Decimal("0.158")]
    assert report.skipped == {"duplicate: another key prices the same slot identically": 1}
    differ = {ebs: {"EU (Ireland) (vCPU: 2)": "0.158"}, ssd: {"EU (Ireland) (vCPU: 2)": "0.2"}}
    rows, report = run_fixture(AwsPriceWatcherEs(), tmp_path, differ)
    assert rows == []  # neither figure is trusted when they disagree
    assert report.rejected == {"ambiguous: keys map to one slot with different prices": 2}
