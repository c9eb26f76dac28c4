"""aws-price-watcher-dynamodb: provisioned capacity, on-demand request units, storage and PITR."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_dynamodb import AwsPriceWatcherDynamodb
from tests.build.price_watcher_support import assert_near, row_for, run_fixture, run_real

S = "AmazonDynamoDB"
RCU = {"productFamily": "Provisioned IOPS", "group": "DDB-ReadUnits", "usagetype": "ReadCapacityUnit-Hrs"}
WCU = {"productFamily": "Provisioned IOPS", "group": "DDB-WriteUnits", "usagetype": "WriteCapacityUnit-Hrs"}
READS = {"productFamily": "Amazon DynamoDB PayPerRequest Throughput", "group": "DDB-ReadUnits",
         "usagetype": "ReadRequestUnits"}
WRITES = {"productFamily": "Amazon DynamoDB PayPerRequest Throughput", "group": "DDB-WriteUnits",
          "usagetype": "WriteRequestUnits"}
STORAGE = {"productFamily": "Database Storage", "usagetype": "TimedStorage-ByteHrs"}
PITR = {"productFamily": "Database Storage", "usagetype": "TimedPITRStorage-ByteHrs"}
FEED = {
    "Provisioned Read Units": {"EU (Ireland)": "0.0001470000"},
    "Provisioned Write Units": {"EU (Ireland)": "0.0007350000"},
    "PayPerRequest Read Request Units": {"EU (Ireland)": "0.0000001415"},
    "PayPerRequest Write Request Units": {"EU (Ireland)": "0.0000007050"},
    "Data Storage Indexed GB-Mo": {"EU (Ireland)": "0.2830000000", "Nowhere": "0.25"},
    "PITR Backup Storage GB-Mo": {"EU (Ireland)": "0.2200000000"},
    "Data Storage Indexed Free Tier GB-Mo": {"EU (Ireland)": "0.0000000000"},
    "Provisioned Read Units IA": {"EU (Ireland)": "0.0001840000"},
    "1yr Read Capacity Unit Hrs Provisioned": {"EU (Ireland)": "0.0000290000"},
    "Provisioned 1yr DDB-ReadUnits Upfront Fee": {"EU (Ireland)": "0.339"},
}


def test_fixture_maps_units_and_counts_the_rest(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherDynamodb(), tmp_path, FEED)
    assert len(rows) == 6
    assert row_for(rows, S, "eu-west-1", **RCU).unit == "ReadCapacityUnit-Hrs"
    assert row_for(rows, S, "eu-west-1", **WCU).unit == "WriteCapacityUnit-Hrs"
    reads = row_for(rows, S, "eu-west-1", **READS)
    assert (reads.unit, reads.usd) == ("ReadRequestUnits", Decimal("0.0000001415"))
    assert row_for(rows, S, "eu-west-1", **WRITES).unit == "WriteRequestUnits"
    assert row_for(rows, S, "eu-west-1", **STORAGE).unit == row_for(rows, S, "eu-west-1", **PITR).unit == "GB-Mo"
    assert report.skipped == {"unknown location": 1, "account free tier (not attributed)": 1,
                              "Standard-IA table class: not modelled": 1,
                              "reserved capacity: not in the on-demand model": 2}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherDynamodb())
    assert not report.rejected
    expected = {  # region: (RCU-hour, WCU-hour, read RU, write RU, storage, PITR)
        "eu-west-1": ("0.000147", "0.000735", "0.0000001415", "0.000000705", "0.283", "0.22"),
        "ap-southeast-2": ("0.000148", "0.00074", "0.0000001425", "0.00000071", "0.285", "0.228"),
        "sa-east-1": ("0.000195", "0.000975", "0.0000001875", "0.0000009375", "0.375", "0.3"),
        "us-east-1": ("0.00013", "0.00065", "0.000000125", "0.000000625", "0.25", "0.2"),
    }
    for region, figures in expected.items():
        for filters, figure in zip((RCU, WCU, READS, WRITES, STORAGE, PITR), figures, strict=True):
            assert_near(row_for(rows, S, region, **filters), figure)
