"""aws-price-watcher-cloudwatch: Logs ingestion/storage/Insights, alarms, metric tiers (EC2 detailed monitoring)."""

from __future__ import annotations

from decimal import Decimal

from finguard.pricing.build.adapters.aws_price_watcher_cloudwatch import AwsPriceWatcherCloudwatch
from tests.build.price_watcher_support import assert_near, assert_whole_tiers, row_for, run_fixture, run_real

S = "AmazonCloudWatch"
INGESTED = {"productFamily": "Data Payload", "usagetype": "DataProcessing-Bytes"}
STORED = {"productFamily": "Storage Snapshot", "usagetype": "TimedStorage-ByteHrs"}
SCANNED = {"productFamily": "Data Payload", "usagetype": "DataScanned-Bytes"}
STANDARD = {"productFamily": "Alarm", "alarmType": "Standard"}
HIGH_RES = {"productFamily": "Alarm", "alarmType": "High Resolution"}
METRICS = {"productFamily": "Metric", "usagetype": "CW:MetricMonitorUsage"}
FEED = {
    "Logs Collected Data Ingestion": {"EU (Ireland)": "0.5700000000"},
    "Stored Data": {"EU (Ireland)": "0.0300000000"},
    "Queried Logs Insights": {"EU (Ireland)": "0.0057000000"},
    "Alarm Standard": {"EU (Ireland)": "0.1000000000", "AWS GovCloud (US)": "0.1000000000"},
    "Alarm High Resolution": {"EU (Ireland)": "0.3000000000"},
    "Metric for the first 10000": {"EU (Ireland)": "0.3000000000"},
    "Metric for the next 240000": {"EU (Ireland)": "0.1000000000"},
    "Metric for the next 750000": {"EU (Ireland)": "0.0500000000"},
    "Metric for over 1000000": {"EU (Ireland)": "0.0200000000"},
    "Vended Logs First 10TB": {"EU (Ireland)": "0.5700000000"},
    "IA Custom ingested Logs from 0 upto Inf": {"EU (Ireland)": "0.2850000000"},
    "Dashboard Basic Dashboard": {"Any": None},
    "Metric 0 upto Inf": {"EU (Ireland)": "0.0700000000"},
}


def test_fixture_maps_logs_alarms_and_metric_tiers(tmp_path):
    rows, report = run_fixture(AwsPriceWatcherCloudwatch(), tmp_path, FEED)
    assert len(rows) == 10
    assert (row_for(rows, S, "eu-west-1", **INGESTED).unit, row_for(rows, S, "eu-west-1", **STORED).unit,
            row_for(rows, S, "eu-west-1", **SCANNED).unit) == ("GB", "GB-Mo", "GB")
    assert row_for(rows, S, "us-gov-west-1", **STANDARD).unit == "Alarms"
    assert row_for(rows, S, "eu-west-1", **HIGH_RES).usd == Decimal("0.3")
    assert sorted((r.begin, r.end, r.usd, r.unit) for r in rows if dict(r.attributes) == METRICS) == [
        (0.0, 10_000.0, Decimal("0.3"), "Metrics"), (10_000.0, 250_000.0, Decimal("0.1"), "Metrics"),
        (250_000.0, 1_000_000.0, Decimal("0.05"), "Metrics"), (1_000_000.0, None, Decimal("0.02"), "Metrics")]
    assert report.skipped == {"vended logs / Infrequent Access class: not modelled": 2,
                              "dashboards, canaries, free tiers: not modelled": 1,
                              "not modelled (no cost model queries this product)": 1}


def test_real_feed_figures_on_three_continents():
    rows, report = run_real(AwsPriceWatcherCloudwatch())
    assert not report.rejected
    assert_whole_tiers(rows)
    expected = {  # region: (ingested, stored, scanned, standard alarm, high-res alarm, first 10k metrics)
        "eu-west-1": ("0.57", "0.03", "0.0057", "0.1", "0.3", "0.3"),
        "ap-southeast-2": ("0.67", "0.033", "0.0067", "0.1", "0.3", "0.3"),
        "sa-east-1": ("0.9", "0.0408", "0.009", "0.135", "0.405", "0.3"),
        "us-east-1": ("0.5", "0.03", "0.005", "0.1", "0.3", "0.3"),
    }
    for region, figures in expected.items():
        for filters, figure in zip((INGESTED, STORED, SCANNED, STANDARD, HIGH_RES, METRICS), figures, strict=True):
            assert_near(row_for(rows, S, region, **filters), figure)
