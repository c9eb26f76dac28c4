"""Allocation maths on the hand-computed small cluster (tests/k8s/conftest.py has every figure worked out):
max(request, usage), over-claimed nodes scaled to their cost, idle, GPU requests, spot discount, pods starting
and finishing mid-window, shared namespaces (weighted and even), idle sharing by node and by cluster, and the
reconciliation to the cent on every variant."""

from __future__ import annotations

from typing import Any

import pytest

from tests.k8s.conftest import EXPECTED_NAMESPACES, allocate_small


def totals(report: Any, by: str) -> dict[str, float]:
    return {r.name: r.total for r in report.grouping(by).rows}


def row(report: Any, by: str, name: str) -> Any:
    return next(r for r in report.grouping(by).rows if r.name == name)


@pytest.fixture(scope="module")
def kept() -> Any:
    return allocate_small()


def test_namespaces_are_charged_as_hand_computed(kept: Any) -> None:
    assert totals(kept, "namespace") == pytest.approx(EXPECTED_NAMESPACES, abs=1e-6)
    assert kept.totals.node_cost == pytest.approx(9.0)
    assert kept.totals.idle == pytest.approx(4.928125)
    assert kept.totals.idle_percent == pytest.approx(100 * 4.928125 / 9.0, abs=1e-4)
    assert kept.reconciliation.balanced and kept.reconciliation.windows == 2
    assert abs(kept.reconciliation.difference) < 1e-9


def test_usage_above_request_is_charged_and_efficiency_is_usage_over_request(kept: Any) -> None:
    shop = row(kept, "namespace", "shop")
    # CPU measured where usage exists: p1 w0 (2 of 1) and p4 w0, w1 (3 of 2 each): 8 / 5
    assert shop.cpu_efficiency == pytest.approx(8 / 5)
    assert shop.memory_efficiency == pytest.approx(0.5)  # p1 w0: 2 GiB used of 4 requested
    assert shop.cpu_request_core_hours == pytest.approx(2 * 1 + 2 * 2)
    batch = row(kept, "namespace", "batch")
    assert batch.cpu_efficiency is None and batch.cpu_request_core_hours == pytest.approx(2 * 0.75)


def test_gpu_spot_and_node_pools(kept: Any) -> None:
    ml = row(kept, "namespace", "ml")
    assert ml.gpu_hours == pytest.approx(2.0)
    # ml's total 2.6625: 0.2625 on the spot node
    assert ml.spot_percent == pytest.approx(100 * 0.2625 / 2.6625, abs=1e-4)
    pools = totals(kept, "node-pool")
    assert pools == pytest.approx({"general": 2.0, "spot": 1.0, "gpu": 6.0})
    assert row(kept, "node-pool", "gpu").idle_percent == pytest.approx(60.0)
    nodes = {n.name: n for n in kept.nodes}
    assert nodes["node-s"].hourly_price == pytest.approx(0.5) and nodes["node-s"].capacity_type == "spot"
    assert nodes["node-s"].price_source == "config" and "50% spot discount" in nodes["node-s"].price_detail
    assert nodes["node-g"].idle_cost == pytest.approx(3.6)
    assert kept.totals.spot_percent == pytest.approx(100 / 9, abs=1e-4)


def test_teams_controllers_and_labels(kept: Any) -> None:
    assert totals(kept, "team") == pytest.approx({"web": 0.9875, "data": 0.234375 + 2.6625, "__unset__": 0.1875,
                                                  "__idle__": 4.928125})
    controllers = totals(kept, "controller")
    assert controllers["Deployment/shop-web"] == pytest.approx(0.9875)  # ReplicaSet less its pod-template-hash
    assert controllers["CronJob/nightly"] == pytest.approx(0.234375)  # Job less its scheduled minute
    assert controllers["DaemonSet/kube-proxy"] == pytest.approx(0.1875)
    assert totals(kept, "label:app")["shop"] == pytest.approx(0.9875)
    assert row(kept, "namespace", "ml").pods == 2 and kept.totals.pending_pods == 1


def test_shared_namespaces_even_split() -> None:
    report = allocate_small(shared_namespaces=["kube-*"], shared_split="even")
    # kube-system's 0.09375 an hour goes in thirds to shop, batch and ml, both windows
    assert totals(report, "namespace") == pytest.approx({
        "shop": 0.9875 + 0.0625, "batch": 0.234375 + 0.0625, "ml": 2.6625 + 0.0625, "kube-system": 0.0,
        "__idle__": 4.928125}, abs=1e-6)
    system = row(report, "namespace", "kube-system")
    assert system.cost == pytest.approx(0.1875) and system.shared_out == pytest.approx(0.1875)
    assert report.totals.shared_moved == pytest.approx(0.1875)
    assert report.reconciliation.balanced


def test_shared_namespaces_weighted_by_cost() -> None:
    report = allocate_small(shared_namespaces=["kube-system"])
    w0 = {"shop": 0.375 + 0.18125, "batch": 0.15625, "ml": 0.13125 + 1.2}
    w1 = {"shop": 0.25 + 0.18125, "batch": 0.078125, "ml": 0.13125 + 1.2}
    expected = {ns: EXPECTED_NAMESPACES[ns] + 0.09375 * w0[ns] / sum(w0.values()) + 0.09375 * w1[ns] / sum(
        w1.values()) for ns in w0}
    got = totals(report, "namespace")
    assert {ns: got[ns] for ns in expected} == pytest.approx(expected, abs=1e-6)
    assert got["kube-system"] == 0.0 and report.reconciliation.balanced


def test_idle_shared_by_node() -> None:
    report = allocate_small(idle="share-by-node")
    got = totals(report, "namespace")
    assert got["__idle__"] == 0.0
    # node A's idle goes to p1, p2, p3 by their cost in each window: kube-system's share of it
    system = 0.1875 + 0.375 * 0.09375 / 0.625 + 0.578125 * 0.09375 / 0.421875
    assert got["kube-system"] == pytest.approx(system, abs=1e-6)
    # node G's idle (1.80 an hour) all goes to p6, its only pod
    assert row(report, "node-pool", "gpu").total == pytest.approx(6.0)
    assert sum(got.values()) == pytest.approx(9.0, abs=1e-6) and report.reconciliation.balanced
    assert report.totals.idle == 0.0 and report.totals.idle_before_sharing == pytest.approx(4.928125)


def test_idle_shared_by_cluster_then_shared_namespaces() -> None:
    report = allocate_small(idle="share-by-cluster", shared_namespaces=["kube-system"], shared_split="even")
    got = totals(report, "namespace")
    assert got["__idle__"] == 0.0 and got["kube-system"] == 0.0
    assert sum(got.values()) == pytest.approx(9.0, abs=1e-6)
    # per window the whole idle follows cost across nodes: ml (most of the cost) carries most of it
    assert got["ml"] > got["shop"] > got["batch"]
    assert report.reconciliation.balanced and report.reconciliation.max_window_difference < 1e-9


def test_spot_nodes_without_a_discount_are_missing_never_zero() -> None:
    report = allocate_small(spot_discount=None)
    assert report.totals.complete is False and report.totals.unpriced_nodes == ["node-s"]
    assert report.totals.node_cost == pytest.approx(8.0)  # the priced nodes only, marked as a lower bound
    ml = row(report, "namespace", "ml")
    assert ml.complete is False and ml.total == pytest.approx(2.4)
    node = next(n for n in report.nodes if n.name == "node-s")
    assert node.cost is None and node.hourly_price is None and "k8s.spot_discount" in node.price_detail
    assert report.reconciliation.balanced
    assert any("without a price" in w for w in report.warnings)


def test_allocatable_capacity_and_weights_change_rates_not_the_total() -> None:
    report = allocate_small(capacity="allocatable", cost_weights={"cpu": 0.031611, "memory_gib": 0.004237,
                                                                  "gpu": 0.95})
    assert report.totals.node_cost == pytest.approx(9.0)
    assert sum(totals(report, "namespace").values()) == pytest.approx(9.0, abs=1e-5)
    assert totals(report, "namespace") != pytest.approx(EXPECTED_NAMESPACES)
