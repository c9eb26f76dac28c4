"""Amazon CloudWatch from aws-price-watcher's `processed/cloudwatch.json`: Logs (Standard-class ingestion,
archived storage, Logs Insights scans), alarm metrics (standard and high resolution) and metrics
(EC2 detailed monitoring is billed as metrics, in the metric volume tiers).

Units as the old snapshot rows: GB, GB-Mo, Alarms, Metrics (per metric-month). Metric tiers from the
keys: first 10,000, next 240,000, next 750,000, over 1,000,000 metrics a month.
"""

from __future__ import annotations

from finguard.pricing.build.adapters._price_watcher import PriceWatcherAdapter, Reasons, Target, target

SERVICE = "AmazonCloudWatch"


def _metrics(begin: float, end: float | None) -> Target:
    return target(SERVICE, "Metrics", begin=begin, end=end, productFamily="Metric", usagetype="CW:MetricMonitorUsage")


def _alarm(alarm_type: str) -> Target:
    return target(SERVICE, "Alarms", productFamily="Alarm", alarmType=alarm_type)


class AwsPriceWatcherCloudwatch(PriceWatcherAdapter):
    id = "aws-price-watcher-cloudwatch"
    files = ("cloudwatch.json",)
    description = "Amazon CloudWatch Logs ingestion/storage/Insights, alarms, metric tiers (pricing-page feed)"
    targets = {
        # custom (non-vended) logs, Standard log class
        "Logs Collected Data Ingestion": target(SERVICE, "GB", productFamily="Data Payload",
                                                usagetype="DataProcessing-Bytes"),
        "Stored Data": target(SERVICE, "GB-Mo", productFamily="Storage Snapshot", usagetype="TimedStorage-ByteHrs"),
        "Queried Logs Insights": target(SERVICE, "GB", productFamily="Data Payload", usagetype="DataScanned-Bytes"),
        "Alarm Standard": _alarm("Standard"),
        "Alarm High Resolution": _alarm("High Resolution"),
        "Metric for the first 10000": _metrics(0.0, 10_000.0),
        "Metric for the next 240000": _metrics(10_000.0, 250_000.0),
        "Metric for the next 750000": _metrics(250_000.0, 1_000_000.0),
        "Metric for over 1000000": _metrics(1_000_000.0, None),
    }
    reasons = Reasons(
        (r"Vended|Delivered Logs|IA ", "vended logs / Infrequent Access class: not modelled"),
        (r"Dashboard|Canaries|Free", "dashboards, canaries, free tiers: not modelled"),
    )
