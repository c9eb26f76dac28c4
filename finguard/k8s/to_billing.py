"""`--to-billing DB`: the allocation as FOCUS rows in the billing store, so the billing jobs see namespaces.

One row per day, namespace, team, controller, node pool, capacity type, region and carried label values, its
cost in BilledCost/EffectiveCost/ListCost, and tags `k8s-cluster`, `namespace`, `team`, `controller`,
`node-pool`, `capacity-type` and every `k8s.labels` key. `billing allocate` then finds owners by the `team` tag
(its default team dimension) or any rule on `account` (SubAccountId = namespace), and budgets, anomalies,
forecasts and reports work on namespaces and teams without a code path of their own.

The rows go in through the store's own ingest (validation, reconciliation, one transaction), as provider
`Kubernetes` and billing account = the cluster's name. Ingest replaces a (month, provider, account) partition
whole, so rows of the same months outside the covered time are read back and written again with the new ones:
exporting day after day builds up the month, and re-exporting a time replaces just that time.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finguard.errors import InputError
from finguard.k8s.allocate import label_column
from finguard.k8s.snapshot import IDLE, UNSET

if TYPE_CHECKING:
    from finguard.billing.engine import Engine
    from finguard.billing.ingest import IngestResult
    from finguard.k8s.job import Allocated

PROVIDER = "Kubernetes"
X_CPU, X_MEMORY, X_GPU = "x_K8sCpuRequestCoreHours", "x_K8sMemoryRequestGiBHours", "x_K8sGpuHours"
DAY = 86400


def focus_rows(engine: Engine, allocated: Allocated) -> list[dict[str, Any]]:
    """The allocation summed per day and billing key, fetched (a month of a large cluster: ~10^5 rows)."""
    from finguard.k8s.allocate import per_pod, with_attributes

    label_cols = [label_column(i) for i in range(len(allocated.labels))]
    keys = ["namespace", "team", "controller", "node_pool", "capacity_type", "region", "spot", *label_cols]
    daily = with_attributes(per_pod(allocated.rows, by_day=True), allocated.inputs)
    daily = daily.filter(daily.total.notnull())
    summed = daily.group_by(["day", *keys]).aggregate(
        cost=daily.total.sum(), cpu=daily.cpu_req.sum(), mem=daily.mem_req.sum(), gpu=daily.gpu.sum())
    return [r for r in engine.arrow(summed).to_pylist() if r["cost"] and r["cost"] > 0]


def _tags(row: dict[str, Any], cluster: str, labels: list[str]) -> str:
    tags = {"k8s-cluster": cluster, "namespace": row["namespace"], "controller": row["controller"],
            "node-pool": row["node_pool"], "capacity-type": row["capacity_type"]}
    if row["team"] not in (UNSET, IDLE):
        tags["team"] = row["team"]
    for i, key in enumerate(labels):
        value = row[label_column(i)]
        if value not in (UNSET, IDLE) and key not in tags:
            tags[key] = value
    return json.dumps(tags, ensure_ascii=False, sort_keys=True)


def _month(day: datetime) -> tuple[datetime, datetime]:
    start = day.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def to_arrow(rows: list[dict[str, Any]], cluster: str, labels: list[str], start: datetime, end: datetime) -> Any:
    """FOCUS columns (and the x_ request figures) for the fetched rows."""
    import pyarrow as pa

    columns: dict[str, list[Any]] = {name: [] for name in (
        "BilledCost", "EffectiveCost", "ListCost", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
        "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeFrequency", "ChargeDescription",
        "ProviderName", "PublisherName", "BillingAccountId", "BillingAccountName", "SubAccountId", "SubAccountName",
        "ServiceName", "ServiceCategory", "ResourceId", "ResourceName", "ResourceType", "RegionId",
        "PricingCategory", "Tags", X_CPU, X_MEMORY, X_GPU)}
    naive_start, naive_end = start.astimezone(UTC).replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None)
    for row in rows:
        day = datetime.fromtimestamp(row["day"] * DAY, UTC).replace(tzinfo=None)
        period_start, period_end = _month(day)
        idle = row["namespace"] == IDLE
        what = "idle capacity" if idle else f"{row['namespace']} {row['controller']}"
        values = {
            "BilledCost": row["cost"], "EffectiveCost": row["cost"], "ListCost": row["cost"],
            "BillingCurrency": "USD", "BillingPeriodStart": period_start, "BillingPeriodEnd": period_end,
            "ChargePeriodStart": max(day, naive_start), "ChargePeriodEnd": min(day + timedelta(days=1), naive_end),
            "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based",
            "ChargeDescription": f"Kubernetes {what} on {row['node_pool']} ({row['capacity_type']})",
            "ProviderName": PROVIDER, "PublisherName": "finguard", "BillingAccountId": cluster,
            "BillingAccountName": cluster, "SubAccountId": row["namespace"], "SubAccountName": row["namespace"],
            "ServiceName": "Kubernetes", "ServiceCategory": "Compute",
            "ResourceId": f"k8s://{cluster}/{row['namespace']}/{row['controller']}",
            "ResourceName": row["controller"], "ResourceType": "Idle capacity" if idle else "Kubernetes workload",
            "RegionId": None if row["region"] == UNSET else row["region"],
            "PricingCategory": "Dynamic" if row["spot"] else "Standard", "Tags": _tags(row, cluster, labels),
            X_CPU: row["cpu"], X_MEMORY: row["mem"], X_GPU: row["gpu"]}
        for name, value in values.items():
            columns[name].append(value)
    types = {name: pa.float64() if name.endswith(("Cost", "Hours")) else
             pa.timestamp("us") if name.endswith(("Start", "End")) else pa.string() for name in columns}
    return pa.table({name: pa.array(values, types[name]) for name, values in columns.items()})


def _kept_rows(store: Any, cluster: str, periods: list[datetime], start: datetime, end: datetime) -> Any:
    """Earlier rows of this cluster in the same months, outside the new covered time: written again."""
    if not periods:
        return None
    marks = ", ".join("?" for _ in periods)
    naive = [start.astimezone(UTC).replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None)]
    rel = store.con.con.sql(f"""
        SELECT BilledCost, EffectiveCost, ListCost, BillingCurrency, BillingPeriodStart, BillingPeriodEnd,
               ChargePeriodStart, ChargePeriodEnd, ChargeCategory, ChargeFrequency, ChargeDescription, ProviderName,
               PublisherName, BillingAccountId, BillingAccountName, SubAccountId, SubAccountName, ServiceName,
               ServiceCategory, ResourceId, ResourceName, ResourceType, RegionId, PricingCategory, Tags,
               TRY_CAST(x_Extra['{X_CPU}'] AS DOUBLE) AS {X_CPU},
               TRY_CAST(x_Extra['{X_MEMORY}'] AS DOUBLE) AS {X_MEMORY},
               TRY_CAST(x_Extra['{X_GPU}'] AS DOUBLE) AS {X_GPU}
        FROM charges
        WHERE ProviderName = ? AND BillingAccountId = ? AND BillingPeriodStart IN ({marks})
          AND (ChargePeriodEnd <= ? OR ChargePeriodStart >= ?)""",
        params=[PROVIDER, cluster, *periods, *naive])
    table = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()  # DuckDB 2 / 1
    return table if table.num_rows else None


def export(engine: Engine, allocated: Allocated, db: Path, cluster: str) -> tuple[IngestResult, float]:
    """Write the allocation into the billing store through its ingest; (its result, cost exported)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from finguard.billing.engine import DuckDBEngine
    from finguard.billing.ingest import ingest
    from finguard.billing.store import BillingStore

    report = allocated.report
    rows = focus_rows(engine, allocated)
    if not rows:
        raise InputError("nothing to write to the billing store: no priced allocation (every node lacks a price?)",
                         where=str(db))
    table = to_arrow(rows, cluster, allocated.labels, report.start, report.end)
    exported = float(sum(r["cost"] for r in rows))
    periods = sorted({p.as_py() for p in table.column("BillingPeriodStart")})
    with tempfile.TemporaryDirectory(prefix="finguard-k8s-") as tmp, BillingStore(db) as store:
        kept = _kept_rows(store, cluster, periods, report.start, report.end)
        if kept is not None:
            table = pa.concat_tables([table, kept.cast(table.schema)])
        path = Path(tmp) / f"k8s-{cluster}.parquet".replace("/", "_")
        pq.write_table(table, path)
        store_engine = DuckDBEngine(store.con) if engine.name == "duckdb" else engine
        result = ingest([path], store, store_engine, fmt="focus")
    accepted = sum(f.rows_accepted for f in result.files)
    rejected = sum(f.rows_rejected for f in result.files)
    if rejected or accepted != table.num_rows:
        raise InputError(f"the billing store accepted {accepted} of {table.num_rows} allocation rows ({rejected} "
                         "rejected): nothing should be rejected; please report it", where=str(db))
    return result, exported
