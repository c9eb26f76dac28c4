"""aws_cloudwatch_metric_alarm: per alarm metric and month. Each metric an alarm evaluates counts (a
metric-math alarm pays for every metric in its metric_query blocks, not for expressions); periods
under 60 seconds make a high-resolution alarm metric; an anomaly-detection alarm counts three metrics
per metric (the metric and its band)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from finguard.model import Resource
from finguard.pricing.resources.base import UNKNOWN, Attrs, Component, CostModel, is_unknown, to_decimal
from finguard.pricing.resources.context import ProjectContext

SERVICE = "AmazonCloudWatch"
ANOMALY_OPERATORS = ("LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold",
                     "GreaterThanUpperThreshold")
HIGH_RESOLUTION_BELOW = Decimal(60)


def _resolution(period: Any) -> Any:
    if is_unknown(period) or period is None:
        return UNKNOWN
    return "High Resolution" if to_decimal(period, "period") < HIGH_RESOLUTION_BELOW else "Standard"


class AwsCloudwatchMetricAlarm(CostModel):
    resource_types = ("aws_cloudwatch_metric_alarm",)

    def components(self, resource: Resource, attrs: Attrs, ctx: ProjectContext) -> list[Component]:
        queries = attrs.blocks("metric_query")
        if queries:
            periods = [q.blocks("metric")[0].get("period") for q in queries if q.blocks("metric")]
        else:
            periods = [attrs.get("period")]
        operator = attrs.get("comparison_operator")
        if is_unknown(operator):
            factor: Any = UNKNOWN
        else:
            factor = Decimal(3) if operator in ANOMALY_OPERATORS else Decimal(1)
        by_type = Counter(_resolution(p) for p in periods)
        parts = []
        for alarm_type, count in sorted(by_type.items(), key=lambda kv: str(kv[0])):
            label = "?" if is_unknown(alarm_type) else alarm_type.lower().replace(" resolution", "")
            anomaly = " anomaly detection" if factor == 3 else ""
            qty = UNKNOWN if is_unknown(factor) else Decimal(count) * factor
            reason = ("metric period known only after apply" if is_unknown(alarm_type) else
                      "comparison_operator known only after apply" if is_unknown(factor) else None)
            parts.append(Component(f"Alarm metrics ({label} resolution{anomaly})", "alarm metrics", SERVICE,
                                   {"productFamily": "Alarm", "alarmType": alarm_type}, qty, unknown_reason=reason))
        return parts
