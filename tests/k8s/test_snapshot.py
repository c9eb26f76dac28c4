"""Reading nodes and pods: every platform's label spellings, quantities, effective requests, owners, running
intervals across snapshots, and node prices from the real catalog (EC2, GCE, Azure VMs), spot and billing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from finguard.errors import InputError
from finguard.k8s.config import K8sConfig
from finguard.k8s.prices import price_nodes
from finguard.k8s.snapshot import build_cluster, controller_of, parse_document, read_snapshots, time_from_name
from tests.k8s import cluster as k

NOW = datetime(2024, 9, 1, 12, tzinfo=UTC)


def _nodes(*items: dict[str, Any], config: K8sConfig | None = None) -> dict[str, Any]:
    snap = parse_document(k.document(*items), "test", NOW)
    return {n.name: n for n in build_cluster([snap], config or K8sConfig()).nodes}


def test_platform_label_spellings() -> None:
    nodes = _nodes(
        k.eks_node("eks-od", "m5.xlarge", group="general"),
        k.eks_node("eks-spot", "m5.large", spot=True, group="spot-ng"),
        k.karpenter_node("karp", "c6i.2xlarge", capacity_type="spot", pool="batch"),
        k.gke_node("gke-std", "n2-standard-4", pool="default-pool"),
        k.gke_node("gke-spot", "e2-standard-4", pool="spot-pool", spot=True),
        k.gke_node("gke-pre", "n1-standard-8", pool="legacy", preemptible=True),
        k.aks_node("aks-od", "Standard_D4s_v5", pool="system"),
        k.aks_node("aks-spot", "Standard_D8s_v5", pool="spotpool", spot=True, index=3),
        k.node("onprem", labels={"node.kubernetes.io/instance-type": "bare-metal"}, provider_id=None),
    )
    got = {name: (n.provider, n.instance_type, n.region, n.capacity_type, n.pool) for name, n in nodes.items()}
    assert got == {
        "eks-od": ("aws", "m5.xlarge", "us-east-1", "on-demand", "general"),
        "eks-spot": ("aws", "m5.large", "us-east-1", "spot", "spot-ng"),
        "karp": ("aws", "c6i.2xlarge", "us-east-1", "spot", "batch"),
        "gke-std": ("gcp", "n2-standard-4", "us-central1", "on-demand", "default-pool"),
        "gke-spot": ("gcp", "e2-standard-4", "us-central1", "spot", "spot-pool"),
        "gke-pre": ("gcp", "n1-standard-8", "us-central1", "preemptible", "legacy"),
        "aks-od": ("azure", "Standard_D4s_v5", "westeurope", "on-demand", "system"),
        "aks-spot": ("azure", "Standard_D8s_v5", "westeurope", "spot", "spotpool"),
        "onprem": (None, "bare-metal", None, "on-demand", "__unset__"),
    }
    assert nodes["eks-od"].zone == "us-east-1a" and nodes["eks-od"].instance_id.startswith("i-")
    assert nodes["gke-std"].instance_id == "gke-std"
    assert nodes["aks-spot"].instance_id.endswith("/virtualmachinescalesets/aks-spotpool-12345678-vmss/"
                                                  "virtualmachines/3")
    assert nodes["gke-pre"].spot and not nodes["aks-od"].spot
    assert nodes["eks-od"].cpu == 4 and nodes["eks-od"].memory == 16 * 2**30


def test_old_beta_labels_and_provider_from_labels_alone() -> None:
    legacy = k.node("old", provider_id=None, labels={
        "beta.kubernetes.io/instance-type": "m4.large", "failure-domain.beta.kubernetes.io/region": "eu-west-1",
        "failure-domain.beta.kubernetes.io/zone": "eu-west-1b", "alpha.eksctl.io/nodegroup-name": "ng-1",
        "node.kubernetes.io/lifecycle": "spot"})
    node = _nodes(legacy)["old"]
    assert (node.provider, node.instance_type, node.region, node.zone, node.pool, node.capacity_type) == \
        ("aws", "m4.large", "eu-west-1", "eu-west-1b", "ng-1", "spot")


def test_effective_requests_owners_and_quantities() -> None:
    init = [{"name": "migrate", "resources": {"requests": {"cpu": "3", "memory": "1Gi"}}},
            {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "250m",
                                                                                     "memory": "128Mi"}}}]
    items = [k.eks_node("n1"),
             k.pod("a", "shop", "n1", cpu="500m", memory="1.5Gi", init=init, owner=("ReplicaSet", "web-6d4cf56db6")),
             k.pod("b", "shop", "n1", cpu="1", memory="512M", limits_only=True, owner=("Job", "report-28751040")),
             k.pod("c", "shop", "n1", cpu=None, memory=None)]
    snap = parse_document(k.document(*items), "test", NOW)
    pods = {p.name: p for p in build_cluster([snap], K8sConfig()).pods}
    # a: app 0.5 + sidecar 0.25 = 0.75 CPU, but the init container needs 3 + the sidecar started before it
    assert pods["a"].cpu == pytest.approx(3.25) and pods["a"].memory == pytest.approx(1.5 * 2**30 + 128 * 2**20)
    assert pods["b"].cpu == 1.0 and pods["b"].memory == 512e6  # limits only: the request defaults to the limit
    assert pods["c"].cpu == 0.0 and pods["c"].controller == "__unset__"
    assert (pods["a"].controller, pods["b"].controller) == ("Deployment/web", "CronJob/report")
    assert controller_of(snap.pods[0]) == ("Deployment", "web")


def test_teams_from_labels_then_namespace_map() -> None:
    config = K8sConfig(team_labels=["app.kubernetes.io/team", "team"], namespace_teams={"pay-*": "payments"})
    items = [k.eks_node("n1"), k.pod("a", "shop", "n1", labels={"team": "web"}),
             k.pod("b", "shop", "n1", labels={"team": "web", "app.kubernetes.io/team": "storefront"}),
             k.pod("c", "pay-eu", "n1"), k.pod("d", "misc", "n1")]
    snap = parse_document(k.document(*items), "test", NOW)
    teams = {p.name: p.team for p in build_cluster([snap], config).pods}
    assert teams == {"a": "web", "b": "storefront", "c": "payments", "d": "__unset__"}


def test_intervals_across_snapshots(tmp_path: Path) -> None:
    """Hourly snapshots at 01:00, 02:00, 03:00: each stands for the hour before it."""
    node = k.eks_node("n1", created="2024-09-01T00:20:00Z")
    steady = k.pod("steady", "a", "n1", start="2024-08-30T00:00:00Z")
    gone = k.pod("gone", "a", "n1", start="2024-08-30T00:00:00Z")  # in the 01:00 snapshot only
    late = k.pod("late", "a", "n1", start="2024-09-01T01:40:00Z")  # first seen at 02:00, started 01:40
    no_start = k.pod("nostart", "a", "n1", start=None)  # first seen at 02:00, no times: appeared at 01:30
    done = k.pod("done", "a", "n1", start="2024-09-01T01:10:00Z", phase="Succeeded",
                 finished="2024-09-01T02:30:00Z")
    running_done = k.pod("done", "a", "n1", start="2024-09-01T01:10:00Z")
    k.write_snapshot(tmp_path, "2024-09-01T01-00-00Z", node, steady, gone)
    k.write_snapshot(tmp_path, "2024-09-01T02-00-00Z", node, steady, late, no_start, running_done)
    k.write_snapshot(tmp_path, "2024-09-01T03-00-00Z", node, steady, late, done)
    snaps = read_snapshots([tmp_path])
    cluster = build_cluster(snaps, K8sConfig())
    assert (cluster.start, cluster.end) == (datetime(2024, 9, 1, tzinfo=UTC), datetime(2024, 9, 1, 3, tzinfo=UTC))
    spans = {p.name: (p.start.strftime("%H:%M"), p.end.strftime("%H:%M")) for p in cluster.pods}
    assert spans == {"steady": ("00:20", "03:00"),  # clipped to its node's creation
                     "gone": ("00:20", "01:30"),  # halfway between the last snapshot with it and the next
                     "late": ("01:40", "03:00"), "nostart": ("01:30", "02:30"),
                     "done": ("01:10", "02:30")}  # its containers' finishedAt
    assert cluster.nodes[0].start == datetime(2024, 9, 1, 0, 20, tzinfo=UTC)


def test_lookback_window_and_explicit_range() -> None:
    items = [k.eks_node("n1"), k.pod("p", "a", "n1", start="2024-09-01T11:30:00Z")]
    snap = parse_document(k.document(*items), "test", NOW)
    lone = build_cluster([snap], K8sConfig())  # a lone snapshot looks back one hour
    assert (lone.start, lone.end) == (NOW - timedelta(hours=1), NOW)
    assert lone.pods[0].start == datetime(2024, 9, 1, 11, 30, tzinfo=UTC)
    wide = build_cluster([snap], K8sConfig(lookback_hours=24))
    assert wide.start == NOW - timedelta(hours=24)
    clipped = build_cluster([snap], K8sConfig(), start=NOW - timedelta(minutes=10))
    assert clipped.pods[0].start == NOW - timedelta(minutes=10)
    with pytest.raises(InputError, match="is empty"):
        build_cluster([snap], K8sConfig(), start=NOW, end=NOW)


def test_pods_on_unlisted_nodes_and_pending_pods_are_counted() -> None:
    items = [k.eks_node("n1"), k.pod("p", "a", "ghost-node"), k.pod("q", "a", None, start=None, phase="Pending")]
    cluster = build_cluster([parse_document(k.document(*items), "test", NOW)], K8sConfig())
    assert cluster.pods == [] and cluster.pending_pods == 1
    assert any("ghost-node" in w for w in cluster.warnings)


@pytest.mark.parametrize(("name", "expected"), [
    ("2024-09-01T10-00-00Z.json", datetime(2024, 9, 1, 10, tzinfo=UTC)),
    ("snap-20240901T1030Z.json", datetime(2024, 9, 1, 10, 30, tzinfo=UTC)),
    ("2024-09-01T10:00:00+02:00.json", datetime(2024, 9, 1, 8, tzinfo=UTC)),
    ("cluster_2024-09-01_23-59-59.json", datetime(2024, 9, 1, 23, 59, 59, tzinfo=UTC)),
])
def test_timestamps_from_file_names(name: str, expected: datetime) -> None:
    assert time_from_name(Path(name)) == expected


def test_file_name_without_time_and_duplicate_moments(tmp_path: Path) -> None:
    (tmp_path / "nodes.json").write_text('{"items": []}')
    with pytest.raises(InputError, match="no timestamp in the file name"):
        read_snapshots([tmp_path])
    (tmp_path / "nodes.json").unlink()
    k.write_snapshot(tmp_path, "2024-09-01T10-00-00Z")
    (tmp_path / "20240901T100000Z.json").write_text('{"items": []}')
    with pytest.raises(InputError, match="two snapshots of the same moment"):
        read_snapshots([tmp_path])


# -- prices ----------------------------------------------------------------------------------------------------
def _prices(items: list[dict[str, Any]], catalog: Any, config: K8sConfig | None = None, **kw: Any) -> dict[str, Any]:
    config = config or K8sConfig()
    cluster = build_cluster([parse_document(k.document(*items), "test", NOW)], config)
    prices = price_nodes(cluster.nodes, config, lambda: catalog, start=cluster.start, end=cluster.end, **kw)
    return {n.name: prices[n.key] for n in cluster.nodes}


def test_catalog_prices_for_every_provider(catalog: Any) -> None:
    got = _prices([k.eks_node("eks", "m5.xlarge"), k.gke_node("gke", "n2-standard-4"),
                   k.gke_node("gke-t4", "n1-standard-4", accelerator="nvidia-tesla-t4", gpu="1"),
                   k.gke_node("gke-a2", "a2-highgpu-1g", accelerator="nvidia-tesla-a100", gpu="1"),
                   k.gke_node("gke-c3", "c3-standard-8"), k.aks_node("aks", "Standard_D4s_v5")], catalog)
    eks = catalog.lookup("AmazonEC2", "us-east-1", {
        "productFamily": "Compute Instance", "instanceType": "m5.xlarge", "operatingSystem": "Linux",
        "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used",
        "licenseModel": "No License required"})
    assert got["eks"].hourly == pytest.approx(float(eks.unit_price)) and got["eks"].source == "catalog"
    core = catalog.lookup("Compute Engine", "us-central1", {"descriptionStem": "N2 Instance Core",
                                                            "usageType": "OnDemand"})
    ram = catalog.lookup("Compute Engine", "us-central1", {"descriptionStem": "N2 Instance Ram",
                                                           "usageType": "OnDemand"})
    assert got["gke"].hourly == pytest.approx(4 * float(core.unit_price) + 16 * float(ram.unit_price))
    # an N1 machine with an attached T4 is priced as both; the bundled snapshot has no attached-GPU prices, so
    # the node's price is missing (and says which), never the machine alone
    assert got["gke-t4"].hourly is None and "Nvidia Tesla T4 GPU" in got["gke-t4"].detail
    a2 = catalog.lookup("Compute Engine", "us-central1", {"machineType": "a2-highgpu-1g", "usageType": "OnDemand"})
    assert got["gke-a2"].hourly == pytest.approx(float(a2.unit_price))  # A2 prices include their GPUs
    assert got["gke-c3"].hourly and got["aks"].hourly and "westeurope" in got["aks"].detail


def test_spot_discount_per_provider_and_missing_prices(catalog: Any) -> None:
    config = K8sConfig(spot_discount={"aws": 0.6})
    got = _prices([k.eks_node("od", "m5.large"), k.eks_node("spot", "m5.large", spot=True),
                   k.aks_node("aks-spot", spot=True), k.node("onprem", labels={}, provider_id=None),
                   k.eks_node("nowhere", "m5.large", region="mars-north-1"),
                   k.node("win", provider_id="gce://p/us-central1-a/win", labels={
                       "node.kubernetes.io/instance-type": "n2-standard-4", "kubernetes.io/os": "windows",
                       "topology.kubernetes.io/region": "us-central1"})], catalog, config)
    assert got["spot"].hourly == pytest.approx(got["od"].hourly * 0.4)
    assert got["spot"].on_demand_hourly == pytest.approx(got["od"].hourly)
    assert got["aks-spot"].hourly is None and "spot_discount" in got["aks-spot"].detail
    assert got["onprem"].hourly is None and "k8s.prices" in got["onprem"].detail
    assert got["nowhere"].hourly is None and "no price in the catalog" in got["nowhere"].detail
    assert got["win"].hourly is None and "Windows" in got["win"].detail
    configured = _prices([k.node("onprem", labels={"node.kubernetes.io/instance-type": "dell-r650"},
                                 provider_id=None)], catalog, K8sConfig(prices={"dell-r650": 0.42}))
    assert configured["onprem"].hourly == 0.42 and configured["onprem"].source == "config"
