"""aws-price-watcher-efs: storage classes, IA access, provisioned throughput."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_efs import AwsPriceWatcherEfs
from tests.build.price_watcher_support import assert_near, row_for, run_fixture, run_real

S = "AmazonEFS"
STANDARD = {"productFamily": "Storage", "usagetype": "TimedStorage-ByteHrs"}
ONE_ZONE = {"productFamily": "Storage", "usagetype": "TimedStorage-Z-ByteHrs"}
IA = {"productFamily": "Storage", "usagetype": "IATimedStorage-ByteHrs"}
ONE_ZONE_IA = {"productFamily": "Storage", "usagetype": "IATimedStorage-Z-ByteHrs"}
READ = {"productFamily": "Storage", "accessType": "Read"}
WRITE = {"productFamily": "Storage", "accessType": "Write"}
THROUGHPUT = {"productFamily": "Provisioned Throughput", "usagetype": "ProvisionedTP-MiBpsHrs"}
FEED = {
    "General Purpose Storage GB Mo": {"EU (Ireland)": "0.3300000000"},
    "One Zone General Purpose Storage GB Mo": {"EU (Ireland)": "0.1760000000"},
    "Infrequent Access Storage GB Mo": {"EU (Ireland)": "0.0250000000"},
    "One Zone Infrequent Access Storage GB Mo": {"EU (Ireland)": "0.0133000000"},
    "Infrequent Access Requests Read per GB": {"EU (Ireland)": "0.0110000000"},
    "Infrequent Access Requests Write per GB": {"EU (Ireland)": "0.0110000000"},
    "Throughput Provisioned": {"EU (Ireland)": "6.6000000000"},
    "Throughput Included": {"EU (Ireland)": "0.0000000000"},
    "EFS Storage Requests Read per GB": {"EU (Ireland)": "0.0300000000"},
    "Archive Storage GB Mo": {"EU (Ireland)": "0.0080000000"},
}


def test_fixture(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherEfs(), tmp_path, FEED)
    assert len(rows) == 7
    assert {row_for(rows, S, "eu-west-1", **f).unit for f in (STANDARD, ONE_ZONE, IA, ONE_ZONE_IA)} == {"GB-Mo"}
    assert row_for(rows, S, "eu-west-1", **READ).unit == row_for(rows, S, "eu-west-1", **WRITE).unit == "GB"
    throughput = row_for(rows, S, "eu-west-1", **THROUGHPUT)
    assert (throughput.unit, throughput.usd) == ("MiBps-Mo", Decimal("6.6"))
    assert report.skipped == {"included throughput (free)": 1, "elastic throughput reads/writes: not modelled": 1,
                              "Archive / IA ET classes: not modelled": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherEfs())
    assert not report.rejected
    expected = {  # region: (Standard, One Zone, IA, One Zone IA, IA read, provisioned MiBps-month)
        "eu-west-1": ("0.33", "0.176", "0.025", "0.0133", "0.011", "6.6"),
        "ap-southeast-2": ("0.36", "0.192", "0.0272", "0.0145", "0.012", "7.2"),
        "sa-east-1": ("0.57", "0.304", "0.044", "0.0235", "0.019", "11.4"),
        "us-east-1": ("0.3", "0.16", "0.025", "0.0133", "0.01", "6"),
    }
    for region, figures in expected.items():
        for filters, figure in zip((STANDARD, ONE_ZONE, IA, ONE_ZONE_IA, READ, THROUGHPUT), figures, strict=True):
            assert_near(row_for(rows, S, region, **filters), figure)
