"""Benchmark `finguard k8s` allocation: 500 nodes x 20,000 pods x 30 days of hourly windows in <= 60 s.

A seeded generated cluster: 500 nodes in four node pools (on-demand and spot, one with GPUs), 20,000 pods in 40
namespaces, 16,000 of them running all month and 4,000 that start and finish at random times (jobs, rollouts),
and Prometheus usage for every pod-hour (about 12 million rows, made on the engine itself: the benchmark
measures allocation, not generation). The timed run is what `finguard k8s allocate` does after reading its inputs:
the cluster and prices as engine tables, the allocation per hour window, the summaries by namespace, team,
controller and node pool, and the reconciliation, which must hold to the cent.

For information it also times reading one kubectl snapshot of the same cluster (500 nodes, 20,000 pods) through
the pydantic models, and the same allocation with idle and kube-system shared.

Run:   python benchmarks/bench_k8s.py [--nodes 500] [--pods 20000] [--days 30] [--engine duckdb|spark]
Exit:  0 the target met and the allocation reconciled, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_S = 60.0
POOLS = [  # (pool, instance type, cores, GiB, GPUs, spot, hourly price)
    ("general", "m6i.4xlarge", 16, 64, 0, False, 0.768),
    ("compute-spot", "c6i.4xlarge", 16, 32, 0, True, 0.68),
    ("memory", "r6i.4xlarge", 16, 128, 0, False, 1.008),
    ("gpu", "g5.4xlarge", 16, 64, 1, False, 1.624),
]


def generate(nodes: int, pods: int, days: int, seed: int = 21) -> tuple[Any, dict[int, Any]]:
    """A Cluster of node and pod intervals (as the snapshot reader builds them) and every node's price."""
    from finguard.k8s.prices import NodePrice
    from finguard.k8s.snapshot import Cluster, NodeSpan, PodSpan

    rng = random.Random(seed)
    start = datetime(2024, 9, 1, tzinfo=UTC)
    end = start + timedelta(days=days)
    node_spans, prices = [], {}
    for i in range(nodes):
        pool, itype, cores, gib, gpus, spot, price = POOLS[i % len(POOLS)]
        node_spans.append(NodeSpan(
            key=i, name=f"ip-10-{i // 250}-{i % 250}", uid=f"n{i}", labels={}, provider="aws", provider_id=None,
            instance_id=None, instance_type=itype, region="us-east-1", zone="us-east-1a", os="linux",
            capacity_type="spot" if spot else "on-demand", pool=pool, cpu=cores, memory=gib * 2.0**30, gpu=gpus,
            start=start, end=end))
        prices[i] = NodePrice(hourly=price * (0.35 if spot else 1.0), source="config", detail="generated")
    span = (end - start).total_seconds()
    pod_spans = []
    for j in range(pods):
        host = node_spans[rng.randrange(nodes)]
        if j < pods * 0.8:
            begin, finish = start, end
        else:  # jobs and rollouts: from an hour to ten days, anywhere in the month
            length = rng.uniform(3600, min(10 * 86400, span))
            begin = start + timedelta(seconds=rng.uniform(0, span - length))
            finish = begin + timedelta(seconds=length)
        namespace = f"ns-{j % 40:02d}"
        pod_spans.append(PodSpan(
            key=j, uid=f"p{j}", namespace=namespace, name=f"app-{j}", node_key=host.key,
            controller_kind="Deployment", controller=f"Deployment/app-{j // 10}", team=f"team-{j % 12}", labels={},
            cpu=rng.choice([0.1, 0.25, 0.5, 1.0]), memory=rng.choice([0.25, 0.5, 1.0, 2.0]) * 2.0**30,
            gpu=1.0 if host.gpu and rng.random() < 0.05 else 0.0, start=begin, end=finish))
    return Cluster(nodes=node_spans, pods=pod_spans, start=start, end=end, snapshots=days * 24), prices


def usage_on_engine(engine: Any, pods: Any) -> Any:
    """Usage for every pod-hour, made where the engine computes (pseudo-random from a hash of pod and hour)."""
    import ibis

    from finguard.k8s.allocate import HOUR

    hours = pods.mutate(h=ibis.range(pods.start_s // HOUR, (pods.end_s - 1) // HOUR + 1).unnest())
    noise = (hours.pod_key * 7919 + hours.h * 104729) % 1000 / 1000.0
    made = hours.select("pod_key", "h", cpu_use=hours.cpu_req * (0.1 + 1.4 * noise),
                        mem_use=hours.mem_req * (0.3 + 0.9 * noise))
    return engine.stash(made)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process on all its threads (DuckDB's too): the work, whatever else the machine runs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_allocation(engine: Any, cluster: Any, prices: Any, config: Any) -> tuple[float, float, Any, int]:
    from finguard.k8s import job
    from finguard.k8s.prometheus import Usage

    labels = job.label_keys(config, list(job.DEFAULT_DIMENSIONS))
    nodes_pods = job.load(engine, cluster, prices, None, config, labels)
    usage = usage_on_engine(engine, nodes_pods.pods)
    usage_rows = int(engine.arrow(usage.aggregate(n=usage.count())).to_pylist()[0]["n"])
    nodes_pods.usage = usage
    began, cpu = time.perf_counter(), cpu_seconds()
    inputs = job.load(engine, cluster, prices, None, config, labels)  # the timed run loads its inputs itself
    inputs.usage = usage
    allocated = job.run(engine, cluster, prices, Usage(), config, list(job.DEFAULT_DIMENSIONS), inputs=inputs)
    return time.perf_counter() - began, cpu_seconds() - cpu, allocated.report, usage_rows


def snapshot_parse(cluster: Any, files: int) -> tuple[float, float]:
    """Seconds to read one kubectl snapshot of the cluster (the JSON kubectl writes) through the models, and
    `files` hourly snapshots of it (objects unchanged between snapshots are validated once)."""
    from finguard.k8s.snapshot import read_snapshots
    from tests.k8s import cluster as k

    items = [k.eks_node(n.name, n.instance_type, group=n.pool, spot=n.spot) for n in cluster.nodes]
    items += [k.pod(p.name, p.namespace, cluster.nodes[p.node_key].name, cpu=f"{int(p.cpu * 1000)}m",
                    memory=f"{int(p.memory / 2**20)}Mi", owner=("ReplicaSet", f"app-{p.key // 10}-5c9f8"))
              for p in cluster.pods]
    with tempfile.TemporaryDirectory() as tmp:
        first = k.write_snapshot(Path(tmp), "2024-09-01T00-00-00Z", *items, indent=None)
        began = time.perf_counter()
        read_snapshots([first])
        one = time.perf_counter() - began
        for hour in range(1, files):
            (Path(tmp) / f"2024-09-01T{hour:02d}-00-00Z.json").write_bytes(first.read_bytes())
        began = time.perf_counter()
        read_snapshots([Path(tmp)])
        return one, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--pods", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    from finguard.k8s import job
    from finguard.k8s.config import K8sConfig

    os.environ.setdefault("FINGUARD_DUCKDB_MEMORY", "4GB")
    cluster, prices = generate(args.nodes, args.pods, args.days)
    print(f"cluster: {len(cluster.nodes):,} nodes, {len(cluster.pods):,} pods, {args.days} days "
          f"({args.days * 24:,} hourly windows), engine {args.engine}", flush=True)
    figures: dict[str, Any] = {"nodes": len(cluster.nodes), "pods": len(cluster.pods), "days": args.days,
                               "engine": args.engine, "cores": os.cpu_count()}
    ok = True
    for name, config in (("keep idle", K8sConfig()),
                         ("share idle and kube-system", K8sConfig(idle="share-by-node",
                                                                  shared_namespaces=["ns-00"]))):
        load = os.getloadavg()[0]
        with job.open_engine(args.engine) as engine:  # type: ignore[arg-type]
            seconds, cpu, report, usage_rows = timed_allocation(engine, cluster, prices, config)
        rec = report.reconciliation
        pod_hours = sum(r.cpu_request_core_hours > 0 for r in report.grouping("namespace").rows)
        verdict = "ok" if seconds <= TARGET_S and rec.balanced else "MISSED"
        ok = ok and verdict == "ok"
        print(f"  {name:<28} {seconds:7.2f} s (target <= {TARGET_S:.0f} s: {verdict}), {cpu:.1f} CPU s, load "
              f"average {load:.1f} before; usage rows {usage_rows:,}; "
              f"node cost {rec.node_cost:,.2f} = allocated {rec.allocated:,.2f} + idle {rec.idle:,.2f}, "
              f"difference {rec.difference:+.6f}, largest window difference {rec.max_window_difference:.6f}; "
              f"peak RSS so far {peak_rss_mb():,.0f} MB", flush=True)
        figures[name] = {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 1), "load_average": round(load, 1),
                         "usage_rows": usage_rows, "balanced": rec.balanced,
                         "node_cost": rec.node_cost, "namespaces": pod_hours, "peak_rss_mb": round(peak_rss_mb())}
    one, day = snapshot_parse(cluster, 24)
    print(f"  read one kubectl snapshot ({len(cluster.nodes):,} nodes, {len(cluster.pods):,} pods): {one:.2f} s; "
          f"24 hourly snapshots of it: {day:.2f} s", flush=True)
    figures["snapshot_read_s"] = round(one, 2)
    figures["snapshots_24_read_s"] = round(day, 2)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
