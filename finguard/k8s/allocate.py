"""Node cost to pods, per hour window, as Ibis expressions: the same code on DuckDB and on PySpark.

For every node and every hour window it ran in:

1. its cost (hourly price x seconds it ran in the window) is split into a CPU, a memory and a GPU part in the
   proportion of the node's capacity weighted by `k8s.cost_weights` (OpenCost's default ratio), which gives a
   rate per core-second, per byte-second and per GPU-second;
2. each pod on it is charged max(request, usage) x rate x seconds it ran in the window, for CPU and memory;
   GPUs by request (usage is not measured). Where the pods together claim more than the node has (usage above
   requests on a full node), their charges are scaled down to the node's cost: pods never pay more than the
   node costs, and the node's cost is never left unpaid;
3. what no pod claimed is the node's `__idle__` row for that window;
4. optionally, idle cost is shared among the pods of the same node (or of the whole cluster) in proportion to
   their cost, and the cost of shared namespaces (kube-system, monitoring ...) among the other namespaces'
   pods in the same window, weighted by cost or evenly per namespace.

Every step keeps the sum: per window, allocated + idle = node cost, which `reconcile` checks to the cent.
Nodes without a price carry null costs throughout (their hours are counted, their cost is reported missing).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from finguard.k8s.config import K8sConfig
from finguard.k8s.snapshot import IDLE, UNSET, Cluster

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from finguard.billing.engine import Engine
    from finguard.k8s.prices import NodePrice
    from finguard.k8s.prometheus import Usage

HOUR = 3600
GIB = float(1 << 30)
TOLERANCE = 0.005  # half a cent: "to the cent" for float sums
# the dimensions a report can group by; `label:KEY` adds any pod label carried into the rows
DIMENSIONS = {"namespace": "namespace", "team": "team", "controller": "controller", "node-pool": "node_pool",
              "node": "node", "capacity-type": "capacity_type"}


@dataclass(slots=True)
class Inputs:
    """The three tables allocation reads, on the engine that runs it."""

    nodes: ir.Table
    pods: ir.Table
    usage: ir.Table
    labels: list[str]  # pod label keys carried as columns label_0, label_1, ...


def label_column(index: int) -> str:
    return f"label_{index}"


def to_engine(engine: Engine, name: str, data: pa.Table) -> ir.Table:
    """Arrow data as a table of the engine: on DuckDB a temporary table of its connection, on Spark a view."""
    if engine.name != "duckdb":
        return engine.table(name, data)
    con = engine.con.con  # type: ignore[attr-defined]
    con.register(f"{name}_arrow", data)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow").fetchall()
    finally:
        con.unregister(f"{name}_arrow")
    return engine.con.table(name)


def arrow_inputs(cluster: Cluster, prices: dict[int, NodePrice], usage: Usage | None, config: K8sConfig,
                 labels: list[str]) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(nodes, pods, usage) as Arrow tables: times in epoch seconds, quantities in cores, bytes and GPUs."""
    import pyarrow as pa

    nodes = cluster.nodes
    node_table = pa.table({
        "node_key": pa.array([n.key for n in nodes], pa.int64()),
        "node": pa.array([n.name for n in nodes], pa.string()),
        "node_pool": pa.array([n.pool for n in nodes], pa.string()),
        "instance_type": pa.array([n.instance_type or UNSET for n in nodes], pa.string()),
        "capacity_type": pa.array([n.capacity_type for n in nodes], pa.string()),
        "region": pa.array([n.region or UNSET for n in nodes], pa.string()),
        "spot": pa.array([n.spot for n in nodes], pa.bool_()),
        "start_s": pa.array([int(n.start.timestamp()) for n in nodes], pa.int64()),
        "end_s": pa.array([int(n.end.timestamp()) for n in nodes], pa.int64()),
        "cpu": pa.array([n.cpu for n in nodes], pa.float64()),
        "mem": pa.array([n.memory for n in nodes], pa.float64()),
        "gpu": pa.array([n.gpu for n in nodes], pa.float64()),
        "price": pa.array([prices[n.key].hourly for n in nodes], pa.float64()),
    })
    pods = cluster.pods
    shared = [any(fnmatch.fnmatchcase(p.namespace, g) for g in config.shared_namespaces) for p in pods]
    columns: dict[str, Any] = {
        "pod_key": pa.array([p.key for p in pods], pa.int64()),
        "node_key": pa.array([p.node_key for p in pods], pa.int64()),
        "namespace": pa.array([p.namespace for p in pods], pa.string()),
        "pod": pa.array([p.name for p in pods], pa.string()),
        "controller": pa.array([p.controller for p in pods], pa.string()),
        "team": pa.array([p.team for p in pods], pa.string()),
        "shared": pa.array(shared, pa.bool_()),
        "start_s": pa.array([int(p.start.timestamp()) for p in pods], pa.int64()),
        "end_s": pa.array([int(p.end.timestamp()) for p in pods], pa.int64()),
        "cpu_req": pa.array([p.cpu for p in pods], pa.float64()),
        "mem_req": pa.array([p.memory for p in pods], pa.float64()),
        "gpu_req": pa.array([p.gpu for p in pods], pa.float64()),
    }
    for i, key in enumerate(labels):
        columns[label_column(i)] = pa.array([p.labels.get(key) or UNSET for p in pods], pa.string())
    pod_table = pa.table(columns)
    keys, hours, cpu, mem = [], [], [], []
    if usage is not None and usage.by_pod_hour:
        by_name: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
        for p in pods:
            by_name.setdefault((p.namespace, p.name), []).append(
                (p.key, int(p.start.timestamp()) // HOUR, (int(p.end.timestamp()) - 1) // HOUR))
        for (namespace, name, hour), (c, m) in usage.by_pod_hour.items():
            for key, first, last in by_name.get((namespace, name), ()):
                if first <= hour <= last:
                    keys.append(key)
                    hours.append(hour)
                    cpu.append(c)
                    mem.append(m)
    usage_table = pa.table({"pod_key": pa.array(keys, pa.int64()), "h": pa.array(hours, pa.int64()),
                            "cpu_use": pa.array(cpu, pa.float64()), "mem_use": pa.array(mem, pa.float64())})
    return node_table, pod_table, usage_table


def _windows(t: ir.Table) -> ir.Table:
    """One row per hour window an interval [start_s, end_s) touches, with the seconds it runs in it."""
    import ibis

    expanded = t.mutate(h=ibis.range(t.start_s // HOUR, (t.end_s - 1) // HOUR + 1).unnest())
    return expanded.mutate(secs=(ibis.least(expanded.end_s, (expanded.h + 1) * HOUR)
                                 - ibis.greatest(expanded.start_s, expanded.h * HOUR)).cast("float64"))


def node_windows(nodes: ir.Table, config: K8sConfig) -> ir.Table:
    """Every node's cost per window, split into CPU, memory and GPU by the capacity-weighted cost weights."""
    import ibis

    nw = _windows(nodes)
    w = config.cost_weights
    wc, wm, wg = nw.cpu * w.cpu, nw.mem / GIB * w.memory_gib, nw.gpu * w.gpu
    wt = wc + wm + wg
    cost = nw.price * nw.secs / HOUR
    return nw.mutate(
        cost=cost,
        cpu_cost=ibis.cases((wt > 0, cost * wc / wt), else_=cost),
        mem_cost=ibis.cases((wt > 0, cost * wm / wt), else_=cost * 0),
        gpu_cost=ibis.cases((wt > 0, cost * wg / wt), else_=cost * 0),
        k_cpu=nw.cpu * nw.secs, k_mem=nw.mem * nw.secs, k_gpu=nw.gpu * nw.secs)


def allocate(inputs: Inputs, config: K8sConfig) -> tuple[ir.Table, ir.Table]:
    """(allocation rows, node windows): one row per pod and window it ran in plus one `__idle__` row per node and
    window, with own cost, idle and shared cost in and out, and the row's total."""
    import ibis

    nw = node_windows(inputs.nodes, config)
    pods, usage = inputs.pods, inputs.usage
    pw = _windows(pods)
    pw = pw.left_join(usage, ["pod_key", "h"]).select(*pw.columns, "cpu_use", "mem_use")
    pw = pw.mutate(c_cpu=ibis.greatest(pw.cpu_req, pw.cpu_use.fill_null(0.0)) * pw.secs,
                   c_mem=ibis.greatest(pw.mem_req, pw.mem_use.fill_null(0.0)) * pw.secs,
                   c_gpu=pw.gpu_req * pw.secs)
    claimed = pw.group_by(["node_key", "h"]).aggregate(sum_cpu=pw.c_cpu.sum(), sum_mem=pw.c_mem.sum(),
                                                       sum_gpu=pw.c_gpu.sum())
    nw = nw.left_join(claimed, ["node_key", "h"]).select(
        *nw.columns, sum_cpu=claimed.sum_cpu.fill_null(0.0), sum_mem=claimed.sum_mem.fill_null(0.0),
        sum_gpu=claimed.sum_gpu.fill_null(0.0))
    nw = nw.mutate(den_cpu=ibis.greatest(nw.k_cpu, nw.sum_cpu), den_mem=ibis.greatest(nw.k_mem, nw.sum_mem),
                   den_gpu=ibis.greatest(nw.k_gpu, nw.sum_gpu))

    def share(part: ir.FloatingValue, claim: ir.FloatingValue, den: ir.FloatingValue) -> ir.FloatingValue:
        return ibis.cases((den > 0, part * claim / den), else_=part * 0)

    def unclaimed(part: ir.FloatingValue, claim: ir.FloatingValue, den: ir.FloatingValue) -> ir.FloatingValue:
        return ibis.cases((den > 0, part * (den - claim) / den), else_=part)

    node_cols = ["node", "node_pool", "instance_type", "capacity_type", "region", "spot"]
    rates = nw.select("node_key", "h", *node_cols, "cpu_cost", "mem_cost", "gpu_cost", "den_cpu", "den_mem", "den_gpu")
    joined = pw.join(rates, ["node_key", "h"])
    label_cols = [label_column(i) for i in range(len(inputs.labels))]
    null_float = ibis.null("float64")
    pod_rows = joined.select(
        "h", "node_key", *node_cols, "pod_key", "namespace", "pod", "controller", "team", "shared", *label_cols,
        is_idle=ibis.literal(False), secs=joined.secs,
        cpu_req_cs=joined.cpu_req * joined.secs, cpu_use_cs=joined.cpu_use * joined.secs,
        mem_req_bs=joined.mem_req * joined.secs, mem_use_bs=joined.mem_use * joined.secs,
        gpu_req_s=joined.gpu_req * joined.secs,
        cost=(share(joined.cpu_cost, joined.c_cpu, joined.den_cpu) + share(joined.mem_cost, joined.c_mem,
                                                                            joined.den_mem)
              + share(joined.gpu_cost, joined.c_gpu, joined.den_gpu)))
    idle = ibis.literal(IDLE)
    idle_rows = nw.select(
        "h", "node_key", *node_cols, pod_key=ibis.literal(-1, "int64"), namespace=idle, pod=idle, controller=idle,
        team=idle, shared=ibis.literal(False), **{c: idle for c in label_cols},
        is_idle=ibis.literal(True), secs=nw.secs, cpu_req_cs=null_float, cpu_use_cs=null_float,
        mem_req_bs=null_float, mem_use_bs=null_float, gpu_req_s=null_float,
        cost=(unclaimed(nw.cpu_cost, nw.sum_cpu, nw.den_cpu) + unclaimed(nw.mem_cost, nw.sum_mem, nw.den_mem)
              + unclaimed(nw.gpu_cost, nw.sum_gpu, nw.den_gpu)))
    rows = pod_rows.union(idle_rows)
    rows = _share_idle(rows, config)
    rows = _share_namespaces(rows, config)
    return rows, nw


def _share_idle(rows: ir.Table, config: K8sConfig) -> ir.Table:
    """Idle cost to the pods of its node (or of the cluster) in the same window, by cost; kept where none."""
    import ibis

    if config.idle == "keep":
        return rows.mutate(idle_in=rows.cost * 0, idle_out=rows.cost * 0)
    key = ["node_key", "h"] if config.idle == "share-by-node" else ["h"]
    pool = rows.group_by(key).aggregate(
        idle_pool=ibis.cases((rows.is_idle, rows.cost), else_=0.0).sum(),
        base=ibis.cases((~rows.is_idle & (rows.cost > 0), rows.cost), else_=0.0).sum())
    joined = rows.left_join(pool, key).select(*rows.columns, "idle_pool", "base")
    can = joined.base > 0
    return joined.mutate(
        idle_in=ibis.cases((~joined.is_idle & can & (joined.cost > 0), joined.idle_pool * joined.cost / joined.base),
                           else_=joined.cost * 0),
        idle_out=ibis.cases((joined.is_idle & can, joined.cost), else_=joined.cost * 0),
    ).drop("idle_pool", "base")


def _share_namespaces(rows: ir.Table, config: K8sConfig) -> ir.Table:
    """Shared namespaces' cost (with their idle share) to the other namespaces' pods in the same window."""
    import ibis

    rows = rows.mutate(amount=rows.cost + rows.idle_in - rows.idle_out)
    if not config.shared_namespaces:
        return rows.mutate(shared_in=rows.cost * 0, shared_out=rows.cost * 0, total=rows.amount).drop("amount")
    giver = rows.shared & ~rows.is_idle
    taker = ~rows.shared & ~rows.is_idle & (rows.amount > 0)
    pool = rows.group_by("h").aggregate(
        pool_shared=ibis.cases((giver, rows.amount), else_=0.0).sum(),
        pool_base=ibis.cases((taker, rows.amount), else_=0.0).sum(),
        pool_namespaces=ibis.cases((taker, rows.namespace), else_=ibis.null("string")).nunique())
    joined = rows.left_join(pool, "h").select(*rows.columns, "pool_shared", "pool_base", "pool_namespaces")
    if config.shared_split == "even":
        per_ns = rows.filter(taker).group_by(["h", "namespace"]).aggregate(ns_amount=rows.amount.sum())
        joined = joined.left_join(per_ns, ["h", "namespace"]).select(*joined.columns, "ns_amount")
        weight = joined.amount / joined.ns_amount / joined.pool_namespaces
    else:
        weight = joined.amount / joined.pool_base
    is_taker = ~joined.shared & ~joined.is_idle & (joined.amount > 0) & (joined.pool_base > 0)
    is_giver = joined.shared & ~joined.is_idle & (joined.pool_base > 0)
    out = joined.mutate(
        shared_in=ibis.cases((is_taker, joined.pool_shared * weight), else_=joined.cost * 0),
        shared_out=ibis.cases((is_giver, joined.amount), else_=joined.cost * 0))
    out = out.mutate(total=out.amount + out.shared_in - out.shared_out)
    return out.drop("amount", "pool_shared", "pool_base", "pool_namespaces",
                    *(["ns_amount"] if config.shared_split == "even" else []))


# -- summaries (small results, fetched) --------------------------------------------------------------------------
def group_totals(rows: ir.Table, column: str) -> ir.Table:
    """Money, resources, efficiency inputs, idle and spot shares per value of `column`."""
    import ibis

    measured_cpu = ibis.cases((rows.cpu_use_cs.notnull(), rows.cpu_req_cs), else_=ibis.null("float64"))
    measured_mem = ibis.cases((rows.mem_use_bs.notnull(), rows.mem_req_bs), else_=ibis.null("float64"))
    return rows.group_by(rows[column].name("name")).aggregate(
        cost=rows.cost.sum(), idle_in=rows.idle_in.sum(), idle_out=rows.idle_out.sum(),
        shared_in=rows.shared_in.sum(), shared_out=rows.shared_out.sum(), total=rows.total.sum(),
        idle_total=ibis.cases((rows.is_idle, rows.total), else_=rows.idle_in).sum(),
        spot_total=ibis.cases((rows.spot, rows.total), else_=rows.total * 0).sum(),
        cpu_req=rows.cpu_req_cs.sum() / HOUR, cpu_use=rows.cpu_use_cs.sum() / HOUR,
        cpu_measured=measured_cpu.sum() / HOUR,
        mem_req=rows.mem_req_bs.sum() / HOUR / GIB, mem_use=rows.mem_use_bs.sum() / HOUR / GIB,
        mem_measured=measured_mem.sum() / HOUR / GIB,
        gpu=rows.gpu_req_s.sum() / HOUR,
        pods=ibis.cases((~rows.is_idle, rows.pod_key), else_=ibis.null("int64")).nunique(),
        unpriced_secs=ibis.cases((rows.cost.isnull(), rows.secs), else_=0.0).sum())


def node_totals(rows: ir.Table, nw: ir.Table) -> ir.Table:
    """Per node: hours, cost and the cost left idle (before any sharing)."""
    import ibis

    idle = rows.filter(rows.is_idle).group_by("node_key").aggregate(idle_cost=rows.cost.sum())
    per = nw.group_by("node_key").aggregate(hours=nw.secs.sum() / HOUR, cost=nw.cost.sum(),
                                            priced=nw.price.notnull().any())
    joined = per.left_join(idle, "node_key").select(*per.columns, "idle_cost")
    return joined.mutate(cost=ibis.cases((joined.priced, joined.cost), else_=ibis.null("float64")),
                         idle_cost=ibis.cases((joined.priced, joined.idle_cost.fill_null(0.0)),
                                              else_=ibis.null("float64"))).drop("priced")


def reconcile(rows: ir.Table, nw: ir.Table) -> dict[str, Any]:
    """Node cost against allocated + idle, over all and per window (where the sharing happens)."""
    import ibis

    per_rows = rows.group_by("h").aggregate(
        allocated=ibis.cases((~rows.is_idle, rows.total), else_=0.0).sum(),
        idle=ibis.cases((rows.is_idle, rows.total), else_=0.0).sum(),
        idle_before=ibis.cases((rows.is_idle, rows.cost), else_=0.0).sum(),
        shared=rows.shared_out.sum())
    per_nodes = nw.group_by("h").aggregate(node_cost=nw.cost.sum(), spot_cost=ibis.cases(
        (nw.spot, nw.cost), else_=0.0).sum())
    joined = per_nodes.left_join(per_rows, "h").select(*per_nodes.columns, "allocated", "idle", "idle_before",
                                                       "shared")
    joined = joined.mutate(diff=(joined.node_cost.fill_null(0.0) - joined.allocated.fill_null(0.0)
                                 - joined.idle.fill_null(0.0)).abs())
    return joined.aggregate(windows=joined.count(), node_cost=joined.node_cost.sum(),
                            spot_cost=joined.spot_cost.sum(), allocated=joined.allocated.sum(),
                            idle=joined.idle.sum(), idle_before=joined.idle_before.sum(),
                            shared=joined.shared.sum(), max_window_difference=joined.diff.max())
