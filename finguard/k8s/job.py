"""`finguard k8s allocate` as one job: inputs -> cluster -> prices -> allocation on the engine -> K8sReport.

The engine is the billing jobs' own (finguard.billing.engine): DuckDB in memory by default, PySpark with
`--engine spark`. The allocation rows stay on the engine (stashed once); only the small summaries are fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from finguard.errors import UsageError
from finguard.k8s import allocate as alloc
from finguard.k8s.config import K8sConfig
from finguard.k8s.report import (
    Grouping,
    K8sReport,
    NodeRow,
    Reconciliation,
    Settings,
    Totals,
    group_row,
    money,
    percent,
    ratio,
)
from finguard.k8s.snapshot import IDLE, Cluster

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from finguard.billing.engine import Engine, EngineName
    from finguard.k8s.prices import NodePrice
    from finguard.k8s.prometheus import Usage

DEFAULT_DIMENSIONS = ("namespace", "team", "controller", "node-pool")


@contextmanager
def open_engine(name: EngineName) -> Iterator[Engine]:
    """DuckDB in memory (nothing to start, nothing left behind) or the billing jobs' Spark session."""
    from finguard.billing import engine as engines

    if name == "spark":
        with engines.open_engine("spark", None) as spark:
            yield spark
        return
    import os
    import tempfile

    import ibis

    con = ibis.duckdb.connect()
    # in memory, but allowed to spill past the memory limit into a directory of its own (gone afterwards)
    with tempfile.TemporaryDirectory(prefix="finguard-k8s-duckdb-") as spill:
        for setting in ("SET TimeZone = 'UTC'", "SET enable_progress_bar = false",
                        f"SET memory_limit = '{os.environ.get('FINGUARD_DUCKDB_MEMORY', '4GB')}'",
                        f"SET temp_directory = '{spill}'"):
            con.con.execute(setting)
        try:
            yield engines.DuckDBEngine(con)
        finally:
            con.disconnect()


def label_keys(config: K8sConfig, dimensions: list[str]) -> list[str]:
    """Pod label keys the rows carry: `k8s.labels` and every `label:KEY` dimension asked for."""
    keys = list(config.labels)
    for dim in dimensions:
        if dim.startswith("label:") and dim[6:] not in keys:
            keys.append(dim[6:])
    return keys


def check_dimensions(dimensions: list[str]) -> None:
    from finguard.k8s.config import LABEL_KEY

    for dim in dimensions:
        if dim.startswith("label:"):
            if not LABEL_KEY.match(dim[6:]):
                raise UsageError(f"--by {dim}: {dim[6:]!r} is not a Kubernetes label key")
        elif dim not in alloc.DIMENSIONS:
            import difflib

            close = difflib.get_close_matches(dim, list(alloc.DIMENSIONS), n=1)
            raise UsageError(f"--by {dim}: expected one of {', '.join(alloc.DIMENSIONS)} or label:KEY"
                             + (f" (did you mean {close[0]!r}?)" if close else ""))


@dataclass(slots=True)
class Allocated:
    """The allocation on its engine (for --to-billing) and the report built from it."""

    report: K8sReport
    rows: ir.Table
    inputs: alloc.Inputs
    node_windows: ir.Table

    @property
    def labels(self) -> list[str]:
        return self.inputs.labels


def load(engine: Engine, cluster: Cluster, prices: dict[int, NodePrice], usage: Usage | None, config: K8sConfig,
         labels: list[str]) -> alloc.Inputs:
    """The cluster, its prices and usage as tables of `engine`."""
    nodes, pods, usage_table = alloc.arrow_inputs(cluster, prices, usage, config, labels)
    return alloc.Inputs(nodes=alloc.to_engine(engine, "k8s_nodes", nodes),
                        pods=alloc.to_engine(engine, "k8s_pods", pods),
                        usage=alloc.to_engine(engine, "k8s_usage", usage_table), labels=labels)


def run(engine: Engine, cluster: Cluster, prices: dict[int, NodePrice], usage: Usage | None, config: K8sConfig,
        dimensions: list[str], *, usage_source: str | None = None,
        progress: Callable[[str], None] | None = None, inputs: alloc.Inputs | None = None) -> Allocated:
    """Allocate on `engine` and summarise (`inputs`: tables already on the engine, e.g. generated there)."""
    labels = label_keys(config, dimensions)
    inputs = inputs or load(engine, cluster, prices, usage, config, labels)
    if progress:
        progress(f"allocating {len(cluster.pods):,} pods on {len(cluster.nodes):,} nodes ({engine.name})")
    rows, nw = alloc.allocate(inputs, config, stash=engine.stash)
    rows = engine.stash(rows)
    summed = alloc.per_pod(rows)
    report = summarise(engine, rows, summed, nw, inputs, cluster, prices, usage, config, dimensions, usage_source)
    return Allocated(report=report, rows=rows, inputs=inputs, node_windows=nw)


def summarise(engine: Engine, rows: ir.Table, summed: ir.Table, nw: ir.Table, inputs: alloc.Inputs,
              cluster: Cluster, prices: dict[int, NodePrice], usage: Usage | None, config: K8sConfig,
              dimensions: list[str], usage_source: str | None) -> K8sReport:
    """The fetched summaries as a K8sReport: the reconciliation per window and the per-pod sums are the two
    queries; groupings, efficiency and node figures are computed from those (small) results."""
    import pyarrow.compute as pc

    rec = engine.arrow(alloc.reconcile(rows, nw)).to_pylist()[0]
    detail = engine.arrow(alloc.with_attributes(summed, inputs))
    groupings = []
    for dim in dimensions:
        column = alloc.DIMENSIONS.get(dim) or alloc.label_column(inputs.labels.index(dim[6:]))
        group_rows = sorted((group_row(v) for v in alloc.group_totals(detail, column)),
                            key=lambda r: (-(r.total or 0.0), r.name == IDLE, r.name))
        groupings.append(Grouping(by=dim, rows=group_rows))
    pods_only = detail.filter(pc.invert(detail["is_idle"]))
    eff = alloc.group_totals(pods_only.append_column("everything", pc.cast(pods_only["is_idle"], "string")),
                             "everything")
    eff_row = eff[0] if eff else {}
    idle_rows = detail.filter(detail["is_idle"])
    idle_cost: dict[int, float | None] = {}
    for key, cost in zip(idle_rows["node_key"].to_pylist(), idle_rows["cost"].to_pylist(), strict=True):
        idle_cost[key] = None if cost is None else idle_cost.get(key, 0.0) + cost  # type: ignore[operator]
    node_rows = []
    for node in cluster.nodes:
        price = prices[node.key]
        hours = (node.end - node.start).total_seconds() / 3600
        cost = None if price.hourly is None else price.hourly * hours
        idle = idle_cost.get(node.key, 0.0) if cost is not None else None
        node_rows.append(NodeRow(
            name=node.name, node_pool=node.pool, instance_type=node.instance_type, capacity_type=node.capacity_type,
            provider=node.provider, region=node.region, zone=node.zone, cpu=node.cpu,
            memory_gib=round(node.memory / alloc.GIB, 3), gpu=node.gpu, hours=round(hours, 6),
            hourly_price=None if price.hourly is None else round(price.hourly, 6), price_source=price.source,
            price_detail=price.detail, cost=money(cost), idle_cost=money(idle), idle_percent=percent(idle, cost)))
    node_rows.sort(key=lambda n: (-(n.cost or 0.0), n.name))
    unpriced = [n for n in node_rows if n.hourly_price is None]
    node_cost = float(rec["node_cost"] or 0.0)
    allocated, idle = float(rec["allocated"] or 0.0), float(rec["idle"] or 0.0)
    totals = Totals(
        node_cost=money(node_cost) or 0.0, allocated=money(allocated) or 0.0, idle=money(idle) or 0.0,
        idle_before_sharing=money(rec["idle_before"]) or 0.0, idle_percent=percent(rec["idle_before"], node_cost),
        shared_moved=money(rec["shared"]) or 0.0,
        cpu_efficiency=ratio(eff_row.get("cpu_use"), eff_row.get("cpu_measured")),
        memory_efficiency=ratio(eff_row.get("mem_use"), eff_row.get("mem_measured")),
        spot_percent=percent(rec["spot_cost"], node_cost), nodes=len(cluster.nodes),
        pods=len(cluster.pods), pending_pods=cluster.pending_pods, unpriced_nodes=[n.name for n in unpriced],
        unpriced_node_hours=round(sum(n.hours for n in unpriced), 6), complete=not unpriced)
    reconciliation = Reconciliation(node_cost=node_cost, allocated=allocated, idle=idle,
                                    difference=node_cost - allocated - idle, windows=int(rec["windows"] or 0),
                                    max_window_difference=float(rec["max_window_difference"] or 0.0))
    warnings = list(cluster.warnings)
    if unpriced:
        reasons = sorted({p.detail for p in (prices[n.key] for n in cluster.nodes) if p.hourly is None})
        warnings.append(f"{len(unpriced)} node(s) without a price ({', '.join(n.name for n in unpriced[:5])}"
                        f"{' ...' if len(unpriced) > 5 else ''}): their pods' cost is missing and the totals are "
                        f"lower bounds; {'; '.join(reasons[:3])}")
    if usage is None:
        warnings.append("no usage (no --prometheus or --usage): pods are charged their requests, efficiency unknown")
    elif usage.skipped:
        warnings.append(f"{usage.skipped:,} usage sample(s) were NaN, infinite or negative and were left out")
    return K8sReport(
        cluster=config.cluster, engine=engine.name, start=cluster.start, end=cluster.end,
        hours=round((cluster.end - cluster.start).total_seconds() / 3600, 6), snapshots=cluster.snapshots,
        sources=cluster.sources[:50], usage_source=usage_source, usage_samples=len(usage) if usage else 0,
        settings=Settings(cost_weights=config.cost_weights.model_dump(), capacity=config.capacity, idle=config.idle,
                          shared_namespaces=config.shared_namespaces, shared_split=config.shared_split,
                          spot_discount=config.spot_discount),
        totals=totals, reconciliation=reconciliation, groupings=groupings, nodes=node_rows, warnings=warnings)


def describe_reconciliation(report: K8sReport) -> str:
    """The reconciliation line, as `billing ingest` prints its balance."""
    r = report.reconciliation
    lower = "" if report.totals.complete else " (priced nodes only)"
    return (f"reconciliation: node cost {r.node_cost:,.2f} {report.currency}{lower} = allocated {r.allocated:,.2f} "
            f"+ idle {r.idle:,.2f}; difference {_signed(r.difference)} over {r.windows:,} hourly window(s), "
            f"largest window difference {r.max_window_difference:.6f}")


def _signed(value: float) -> str:
    text = f"{value:+.6f}"
    return "+0.000000" if text == "-0.000000" else text
