"""A hand-computed small cluster shared by the allocation, parity and output tests.

Prices come from `k8s.prices` and the cost weights are chosen so every rate is a round number:
cost_weights cpu=1, memory_gib=0.25, gpu=4, so a 4-core 16 GiB node splits its price half CPU, half memory.

    node A  on-demand, $1.00/h, 4 cores, 16 GiB: $0.125 per core-hour, $0.03125 per GiB-hour
    node S  spot, $1.00/h list less 50% = $0.50/h, 4 cores, 16 GiB: $0.0625 per core-hour, $0.015625 per GiB-hour
    node G  on-demand, $3.00/h, 8 cores, 32 GiB, 1 GPU: weights 8 + 8 + 4 = 20, so $1.20/h CPU ($0.15 a core),
            $1.20/h memory ($0.0375 a GiB), $0.60/h the GPU

    covered time 00:00-02:00 (one snapshot at 02:00 looking back two hours): windows w0 and w1

    p1 shop         on A, 1 core 4 GiB, all the time; usage w0: 2 cores 2 GiB, w1: none
                    w0: max(1,2) x 0.125 + max(4,2) x 0.03125 = 0.375; w1: 0.125 + 0.125 = 0.25  -> 0.625
    p2 kube-system  on A, 0.5 core 1 GiB, all the time: 0.0625 + 0.03125 = 0.09375 an hour       -> 0.1875
    p3 batch        on A, 2 cores 2 GiB, from 00:30 to 01:15 (a finished Job): 0.3125 an hour
                    w0: half an hour 0.15625, w1: a quarter 0.078125                             -> 0.234375
    p4 shop         on S, 2 cores 2 GiB, usage 3 cores both windows;
    p5 ml           on S, 2 cores 2 GiB, no usage: the pods claim 3 + 2 = 5 cores of 4, so CPU is scaled by 4/5:
                    p4 0.25 x 3/5 + 2 x 0.015625 = 0.18125 an hour, p5 0.25 x 2/5 + 0.03125 = 0.13125
                                                                         -> p4 0.3625, p5 0.2625
    p6 ml           on G, 2 cores 8 GiB 1 GPU: 0.30 + 0.30 + 0.60 = 1.20 an hour                 -> 2.40
    p7 pending      no node: costs nothing

    idle: A w0 1 - 0.375 - 0.09375 - 0.15625 = 0.375, w1 1 - 0.25 - 0.09375 - 0.078125 = 0.578125;
          S 12 GiB x 0.015625 = 0.1875 an hour -> 0.375; G 1.80 an hour -> 3.60         total idle 4.928125

    namespaces: shop 0.9875, kube-system 0.1875, batch 0.234375, ml 2.6625, __idle__ 4.928125; nodes 9.00
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from finguard.k8s.config import K8sConfig
from tests.k8s import cluster as k

GIB = float(1 << 30)
T0 = datetime(2024, 9, 1, tzinfo=UTC)
H0 = int(T0.timestamp()) // 3600

BASE_CONFIG: dict[str, Any] = {
    "cluster": "demo",
    "cost_weights": {"cpu": 1.0, "memory_gib": 0.25, "gpu": 4.0},
    "prices": {"test.a": 1.0, "test.gpu": 3.0},
    "spot_discount": 0.5,
    "lookback_hours": 2,
}
EXPECTED_NAMESPACES = {"shop": 0.9875, "kube-system": 0.1875, "batch": 0.234375, "ml": 2.6625, "__idle__": 4.928125}


def small_cluster_items() -> list[dict[str, Any]]:
    a = k.eks_node("node-a", "test.a", group="general")
    s = k.eks_node("node-s", "test.a", group="spot", spot=True)
    g = k.eks_node("node-g", "test.gpu", group="gpu", cpu="8", memory="32Gi", gpu="1")
    pods = [
        k.pod("p1", "shop", "node-a", cpu="1", memory="4Gi", labels={"team": "web", "app": "shop"},
              owner=("ReplicaSet", "shop-web-5c9f8")),
        k.pod("p2", "kube-system", "node-a", cpu="500m", memory="1Gi", owner=("DaemonSet", "kube-proxy")),
        k.pod("p3", "batch", "node-a", cpu="2", memory="2Gi", start="2024-09-01T00:30:00Z", phase="Succeeded",
              finished="2024-09-01T01:15:00Z", labels={"team": "data"}, owner=("Job", "nightly-28751000")),
        k.pod("p4", "shop", "node-s", cpu="2", memory="2Gi", labels={"team": "web", "app": "shop"},
              owner=("ReplicaSet", "shop-web-5c9f8")),
        k.pod("p5", "ml", "node-s", cpu="2", memory="2Gi", labels={"team": "data"}, owner=("StatefulSet", "trainer")),
        k.pod("p6", "ml", "node-g", cpu="2", memory="8Gi", gpu="1", labels={"team": "data"},
              owner=("StatefulSet", "trainer")),
        k.pod("p7", "ml", None, cpu="4", memory="8Gi", phase="Pending", start=None),
    ]
    return [a, s, g, *pods]


@pytest.fixture()
def small_snapshots(tmp_path: Path) -> Path:
    directory = tmp_path / "snapshots"
    k.write_snapshot(directory, "2024-09-01T02-00-00Z", *small_cluster_items())
    return directory


def small_usage() -> Any:
    from finguard.k8s.prometheus import Usage

    usage = Usage()
    usage.by_pod_hour[("shop", "p1", H0)] = [2.0, 2 * GIB]
    usage.by_pod_hour[("shop", "p4", H0)] = [3.0, None]
    usage.by_pod_hour[("shop", "p4", H0 + 1)] = [3.0, None]
    return usage


def config(**overrides: Any) -> K8sConfig:
    return K8sConfig.model_validate({**BASE_CONFIG, **overrides})


def allocate_small(engine_name: str = "duckdb", dims: list[str] | None = None,
                   after: Callable[[Any, Any], None] | None = None, **overrides: Any) -> Any:
    """The small cluster allocated through the Python API (no catalog: every price is configured); `after(engine,
    allocated)` runs while the engine is still open."""
    from finguard.k8s import job
    from finguard.k8s.prices import price_nodes
    from finguard.k8s.snapshot import build_cluster, parse_document

    cfg = config(**overrides)
    snap = parse_document(k.document(*small_cluster_items()), "small", datetime(2024, 9, 1, 2, tzinfo=UTC))
    cluster = build_cluster([snap], cfg)

    def no_catalog() -> Any:
        raise AssertionError("the small cluster is priced from k8s.prices only")

    prices = price_nodes(cluster.nodes, cfg, no_catalog)
    with job.open_engine(engine_name) as engine:  # type: ignore[arg-type]
        allocated = job.run(engine, cluster, prices, small_usage(), cfg,
                            dims or ["namespace", "team", "controller", "node-pool", "label:app"])
        if after is not None:
            after(engine, allocated)
        return allocated.report
