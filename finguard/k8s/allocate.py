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
from collections.abc import Callable
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
KEY = 10_000_000  # key * KEY + hour: one integer per (pod or node, hour); hours since 1970 stay below 10^7
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
        "ns_key": pa.array(_keys([p.namespace for p in pods]), pa.int64()),
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


def _keys(values: list[str]) -> list[int]:
    """A small integer per distinct value: the per-window work groups by these, never by text."""
    index: dict[str, int] = {}
    return [index.setdefault(v, len(index)) for v in values]


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


def allocate(inputs: Inputs, config: K8sConfig, stash: Callable[[ir.Table], ir.Table] | None = None
             ) -> tuple[ir.Table, ir.Table]:
    """(allocation rows, node windows): one row per pod and window it ran in plus one `__idle__` row per node and
    window, with own cost, idle and shared cost in and out, and the row's total.

    The work is two passes over the pod windows (tens of millions of rows in a month of a large cluster): one
    sums what the pods claim per node and window, the other prices each pod window. Everything between happens
    per node and window or per window alone: the rates, the idle cost, and the factors by which idle and shared
    namespaces' cost is shared (a pod's share is proportional to its cost, so cost x factor is its share). Only
    an even split of shared cost needs one more pass, for the namespaces' amounts per window. Rows are narrow
    (keys and numbers); namespaces, teams, labels and node pools are joined after the rows are summed per pod.
    `stash` (the engine's) computes the pod windows once where the engine works (both passes read them)."""
    import ibis

    keep = stash or (lambda t: t)
    pods = inputs.pods.select("pod_key", "node_key", "ns_key", "shared", "start_s", "end_s", "cpu_req", "mem_req",
                              "gpu_req")
    pw = _windows(pods)
    # joins and groups on one computed integer key instead of two columns: half the time at ten million rows
    pw = pw.mutate(pk=pw.pod_key * KEY + pw.h, nk=pw.node_key * KEY + pw.h)
    usage = inputs.usage.select(pk=inputs.usage.pod_key * KEY + inputs.usage.h, cpu_use=inputs.usage.cpu_use,
                                mem_use=inputs.usage.mem_use)
    pw = pw.left_join(usage, "pk").select(
        "pod_key", "node_key", "nk", "ns_key", "shared", "h", "secs", "cpu_req", "mem_req", "gpu_req", "cpu_use",
        "mem_use")
    pw = keep(pw.mutate(c_cpu=ibis.greatest(pw.cpu_req, pw.cpu_use.fill_null(0.0)) * pw.secs,
                        c_mem=ibis.greatest(pw.mem_req, pw.mem_use.fill_null(0.0)) * pw.secs,
                        c_gpu=pw.gpu_req * pw.secs))

    def claim(column: ir.FloatingValue, shared: bool) -> ir.FloatingValue:
        return ibis.cases((pw.shared == shared, column), else_=0.0).sum()

    claimed = pw.group_by("nk").aggregate(
        sum_cpu=pw.c_cpu.sum(), sum_mem=pw.c_mem.sum(), sum_gpu=pw.c_gpu.sum(),
        shared_cpu=claim(pw.c_cpu, True), shared_mem=claim(pw.c_mem, True), shared_gpu=claim(pw.c_gpu, True))
    nw = node_windows(inputs.nodes, config)
    nw = nw.mutate(nk=nw.node_key * KEY + nw.h)
    nw = nw.left_join(claimed, "nk").select(
        "node_key", "h", "nk", "secs", "spot", "price", "cost", "cpu_cost", "mem_cost", "gpu_cost",
        **{c: claimed[c].fill_null(0.0) for c in ("sum_cpu", "sum_mem", "sum_gpu", "shared_cpu", "shared_mem",
                                                  "shared_gpu")},
        den_cpu=ibis.greatest(nw.k_cpu, claimed.sum_cpu.fill_null(0.0)),
        den_mem=ibis.greatest(nw.k_mem, claimed.sum_mem.fill_null(0.0)),
        den_gpu=ibis.greatest(nw.k_gpu, claimed.sum_gpu.fill_null(0.0)))

    def priced(claims: tuple[ir.FloatingValue, ir.FloatingValue, ir.FloatingValue]) -> ir.FloatingValue:
        """The cost of core-, byte- and GPU-seconds claimed on a node in a window (pods never pay beyond it)."""
        total = nw.cost * 0
        for part, claim_, den in zip((nw.cpu_cost, nw.mem_cost, nw.gpu_cost), claims,
                                     (nw.den_cpu, nw.den_mem, nw.den_gpu), strict=True):
            total = total + ibis.cases((den > 0, part * claim_ / den), else_=part * 0)
        return total

    nw = nw.mutate(pods_cost=priced((nw.sum_cpu, nw.sum_mem, nw.sum_gpu)),
                   shared_cost=priced((nw.shared_cpu, nw.shared_mem, nw.shared_gpu)))
    nw = nw.mutate(idle=nw.cost - nw.pods_cost)
    nw = _idle_factors(nw, config)
    nw = keep(_shared_factors(nw, config))

    rates = nw.select("nk", "cpu_cost", "mem_cost", "gpu_cost", "den_cpu", "den_mem", "den_gpu",
                      "idle_factor", "shared_factor", "shared_moves")
    j = pw.join(rates, "nk")
    cost = ibis.cases((j.den_cpu > 0, j.cpu_cost * j.c_cpu / j.den_cpu), else_=j.cpu_cost * 0) + \
        ibis.cases((j.den_mem > 0, j.mem_cost * j.c_mem / j.den_mem), else_=j.mem_cost * 0) + \
        ibis.cases((j.den_gpu > 0, j.gpu_cost * j.c_gpu / j.den_gpu), else_=j.gpu_cost * 0)
    pod_rows = j.select(
        "h", "node_key", "pod_key", "ns_key", "shared", "shared_factor", "shared_moves",
        is_idle=ibis.literal(False), secs=j.secs, cpu_req_cs=j.cpu_req * j.secs, cpu_use_cs=j.cpu_use * j.secs,
        mem_req_bs=j.mem_req * j.secs, mem_use_bs=j.mem_use * j.secs, gpu_req_s=j.gpu_req * j.secs, cost=cost,
        idle_in=cost * j.idle_factor, idle_out=cost * 0)
    null_float = ibis.null("float64")
    idle_rows = nw.select(
        "h", "node_key", pod_key=ibis.literal(-1, "int64"), ns_key=ibis.literal(-1, "int64"),
        shared=ibis.literal(False), shared_factor=nw.shared_factor, shared_moves=ibis.literal(False),
        is_idle=ibis.literal(True), secs=nw.secs, cpu_req_cs=null_float, cpu_use_cs=null_float,
        mem_req_bs=null_float, mem_use_bs=null_float, gpu_req_s=null_float, cost=nw.idle,
        idle_in=nw.idle * 0, idle_out=ibis.cases((nw.idle_shared, nw.idle), else_=nw.idle * 0))
    rows = pod_rows.union(idle_rows)
    rows = rows.mutate(amount=rows.cost + rows.idle_in - rows.idle_out)
    if config.shared_namespaces and config.shared_split == "even":
        rows = _even_factors(rows)
    giver = rows.shared & rows.shared_moves
    taker = ~rows.shared & ~rows.is_idle & rows.shared_moves
    rows = rows.mutate(shared_in=ibis.cases((taker, rows.amount * rows.shared_factor), else_=rows.cost * 0),
                       shared_out=ibis.cases((giver, rows.amount), else_=rows.cost * 0))
    rows = rows.mutate(total=rows.amount + rows.shared_in - rows.shared_out)
    return rows.drop("amount", "shared_factor", "shared_moves"), nw


def _idle_factors(nw: ir.Table, config: K8sConfig) -> ir.Table:
    """`idle_factor`: a pod's idle share per unit of its own cost, in its node and window (idle / pods' cost on
    the node, or in the cluster); `idle_shared`: whether the node's idle row gives its cost away."""
    import ibis

    if config.idle == "keep":
        return nw.mutate(idle_factor=nw.cost * 0, idle_shared=ibis.literal(False))
    if config.idle == "share-by-node":
        can = nw.pods_cost > 0
        return nw.mutate(idle_factor=ibis.cases((can, nw.idle / nw.pods_cost), else_=nw.cost * 0),
                         idle_shared=can.fill_null(False))
    per_h = nw.group_by("h").aggregate(h_idle=nw.idle.sum(), h_pods=nw.pods_cost.sum())
    joined = nw.left_join(per_h, "h").select(*nw.columns, "h_idle", "h_pods")
    can = joined.h_pods > 0
    return joined.mutate(idle_factor=ibis.cases((can, joined.h_idle / joined.h_pods), else_=joined.cost * 0),
                         idle_shared=(can & joined.cost.notnull()).fill_null(False)).drop("h_idle", "h_pods")


def _shared_factors(nw: ir.Table, config: K8sConfig) -> ir.Table:
    """`shared_factor`: what a pod of another namespace takes per unit of its amount (its cost and idle share)
    from the shared namespaces' amount in the window; `shared_moves`: whether there is anyone to take it."""
    import ibis

    if not config.shared_namespaces:
        return nw.mutate(shared_factor=nw.cost * 0, shared_moves=ibis.literal(False))
    grow = 1 + nw.idle_factor
    per_h = nw.group_by("h").aggregate(given=(nw.shared_cost * grow).sum(),
                                       base=((nw.pods_cost - nw.shared_cost) * grow).sum())
    joined = nw.left_join(per_h, "h").select(*nw.columns, "given", "base")
    can = joined.base > 0
    return joined.mutate(shared_factor=ibis.cases((can, joined.given / joined.base), else_=joined.cost * 0),
                         shared_moves=can.fill_null(False)).drop("given", "base")


def _even_factors(rows: ir.Table) -> ir.Table:
    """An even split: every namespace with cost in the window takes the same part of the shared amount, spread
    over its pods by their amounts. The one variant that needs the namespaces' amounts per window."""
    import ibis

    taker = ~rows.shared & ~rows.is_idle & (rows.amount > 0)
    giver = rows.shared & ~rows.is_idle
    per_ns = rows.filter(taker).group_by(["h", "ns_key"]).aggregate(ns_amount=rows.amount.sum())
    per_h = rows.group_by("h").aggregate(given=ibis.cases((giver, rows.amount), else_=0.0).sum(),
                                         takers=ibis.cases((taker, rows.ns_key), else_=ibis.null("int64")).nunique())
    joined = rows.left_join(per_ns, ["h", "ns_key"]).select(*rows.columns, "ns_amount")
    joined = joined.left_join(per_h, "h").select(*joined.columns, "given", "takers")
    return joined.mutate(shared_factor=ibis.cases(
        ((joined.ns_amount > 0) & (joined.takers > 0), joined.given / joined.takers / joined.ns_amount),
        else_=joined.cost * 0)).drop("ns_amount", "given", "takers")


# -- summaries (small results, fetched) --------------------------------------------------------------------------
MONEY = ("cost", "idle_in", "idle_out", "shared_in", "shared_out", "total")


def per_pod(rows: ir.Table, by_day: bool = False) -> ir.Table:
    """The rows summed per pod and node (and day): tens of thousands of rows where there were millions, which
    every summary and the billing export then read."""
    import ibis

    keys = ["pod_key", "node_key", "is_idle", *(["day"] if by_day else [])]
    source = rows.mutate(day=rows.h * HOUR // 86400) if by_day else rows
    measured_cpu = ibis.cases((source.cpu_use_cs.notnull(), source.cpu_req_cs), else_=ibis.null("float64"))
    measured_mem = ibis.cases((source.mem_use_bs.notnull(), source.mem_req_bs), else_=ibis.null("float64"))
    return source.group_by(keys).aggregate(
        **{m: source[m].sum() for m in MONEY},
        cpu_req=source.cpu_req_cs.sum() / HOUR, cpu_use=source.cpu_use_cs.sum() / HOUR,
        cpu_measured=measured_cpu.sum() / HOUR, mem_req=source.mem_req_bs.sum() / HOUR / GIB,
        mem_use=source.mem_use_bs.sum() / HOUR / GIB, mem_measured=measured_mem.sum() / HOUR / GIB,
        gpu=source.gpu_req_s.sum() / HOUR, secs=source.secs.sum(),
        unpriced_secs=ibis.cases((source.cost.isnull(), source.secs), else_=0.0).sum())


def with_attributes(summed: ir.Table, inputs: Inputs) -> ir.Table:
    """Per-pod sums with what groups them: the pod's namespace, team, controller and labels (`__idle__` for idle
    rows) and its node's name, pool and capacity type."""
    import ibis

    label_cols = [label_column(i) for i in range(len(inputs.labels))]
    pods = inputs.pods.select("pod_key", "namespace", "pod", "controller", "team", *label_cols)
    nodes = inputs.nodes.select("node_key", "node", "node_pool", "instance_type", "capacity_type", "region", "spot")
    joined = summed.left_join(pods, "pod_key").select(*summed.columns, *pods.columns[1:])
    joined = joined.left_join(nodes, "node_key").select(*joined.columns, *nodes.columns[1:])
    idle = ibis.literal(IDLE)
    return joined.mutate(**{c: ibis.cases((joined.is_idle, idle), else_=joined[c])
                            for c in ("namespace", "pod", "controller", "team", *label_cols)})


GROUP_SUMS = (*MONEY, "idle_total", "spot_total", "cpu_req", "cpu_use", "cpu_measured", "mem_req", "mem_use",
              "mem_measured", "gpu", "unpriced_secs")


def group_totals(detail: pa.Table, column: str) -> list[dict[str, Any]]:
    """Money, resources, efficiency inputs, idle and spot shares per value of `column`, from the fetched per-pod
    sums with their attributes (`with_attributes`): at most one row per pod and node, so grouping it again for
    each dimension costs milliseconds here and would cost a query each on the engine. Sums skip nulls and are
    null where everything is (a missing price), as SQL's are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    idle = detail["is_idle"]
    zero = pa.scalar(0.0)
    extra = {"idle_total": pc.if_else(idle, detail["total"], detail["idle_in"]),
             "spot_total": pc.if_else(detail["spot"], detail["total"], pc.multiply(detail["total"], zero)),
             "pod_ref": pc.if_else(idle, pa.scalar(None, pa.int64()), detail["pod_key"])}
    table = pa.table({column: detail[column], **{m: detail[m] for m in GROUP_SUMS if m in detail.column_names},
                      **extra})
    grouped = table.group_by(column).aggregate([*((m, "sum") for m in GROUP_SUMS), ("pod_ref", "count_distinct")])
    out = []
    for row in grouped.to_pylist():
        values = {m: row[f"{m}_sum"] for m in GROUP_SUMS}
        out.append({"name": row[column], **values, "pods": row["pod_ref_count_distinct"]})
    return out


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
