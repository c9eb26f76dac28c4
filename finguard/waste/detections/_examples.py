"""A detection's examples as inventories, through the same parser as a saved inventory (so the examples also
prove that the AWS CLI shapes they are written in are read)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from finguard.waste.detections import EXAMPLE_NOW, Example
from finguard.waste.inventory import Inventory, parse_region

REGION = "us-east-1"


def _stamp(hours_ago: float) -> str:
    return (EXAMPLE_NOW - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def metric_docs(example: Example) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """(get-metric-data queries, output) holding the example's series, each ending an hour before EXAMPLE_NOW."""
    if not example.series:
        return None
    queries, results = [], []
    for i, s in enumerate(example.series):
        qid = f"m{i}"
        queries.append({"Id": qid, "MetricStat": {"Metric": {
            "Namespace": s.namespace, "MetricName": s.metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in s.dimensions.items()]},
            "Period": s.period, "Stat": s.stat}})
        hours = s.period / 3600
        results.append({"Id": qid, "Label": s.metric, "StatusCode": "Complete",
                        "Timestamps": [_stamp(hours * (n + 1)) for n in range(len(s.values))],
                        "Values": list(s.values)})
    return queries, {"MetricDataResults": results}


def inventory(example: Example, account_id: str = "111122223333") -> Inventory:
    metrics = metric_docs(example)
    region = parse_region(
        REGION, {name: [(f"example {name}", doc)] for name, doc in example.docs.items()},
        target_health={name: (f"example target health {name}", doc) for name, doc in example.target_health.items()},
        metric_queries=[("example queries", metrics[0])] if metrics else None,
        metric_results=[("example results", metrics[1])] if metrics else None)
    return Inventory(source="example", collected_at=EXAMPLE_NOW, account_id=account_id, regions={REGION: region})
