"""The live inputs through their real clients against local stand-ins on 127.0.0.1: the Kubernetes API through
the official `kubernetes` client (kubeconfig, --api-server, paging with `continue`, read-only, errors) and
Prometheus's HTTP API (range queries, saved results, errors). Recorded list responses: tests/k8s/recorded/."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.k8s.api_server import State, kubeconfig, serve
from tests.k8s.cluster import prometheus_matrix, write_snapshot
from tests.test_cli import run

pytest.importorskip("kubernetes", reason="the k8s extra is not installed (pip install -e '.[k8s]')")

RECORDED = Path(__file__).parent / "recorded"
TOKEN = "s3cr3t-token-never-printed"
CONFIG = "k8s:\n  cluster: stand-in\n  spot_discount: 0.6\n  prices: {m5.large: 0.096, c6i.xlarge: 0.17}\n"


def _state() -> State:
    nodes = json.loads((RECORDED / "nodes.json").read_text())["items"]
    pods = json.loads((RECORDED / "pods.json").read_text())["items"]
    return State(token=TOKEN, nodes=nodes, pods=pods)


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "finguard.yml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    return tmp_path


def test_live_read_pages_through_the_official_client(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    state = _state()
    with serve(state) as url:
        (workdir / "kubeconfig").write_text(kubeconfig(url, TOKEN), encoding="utf-8")
        code, out, err = run(capsys, "k8s", "allocate", "--live", "--kubeconfig", str(workdir / "kubeconfig"),
                             "--page-size", "2", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["totals"]["nodes"] == 3 and report["totals"]["pods"] == 12 and report["totals"]["pending_pods"] == 1
    assert report["hours"] == 1.0 and report["reconciliation"]["max_window_difference"] < 0.005
    namespaces = {r["name"] for r in report["groupings"][0]["rows"]}
    assert namespaces == {"kube-system", "shop", "data", "__idle__"}
    # read-only list calls, paged: 3 nodes in pages of 2, 13 pods in pages of 2, each page after the first
    # carrying the server's continue token; the token went in the Authorization header and nowhere in the output
    assert {r.method for r in state.requests} == {"GET"}
    node_pages = [r for r in state.requests if r.path == "/api/v1/nodes"]
    pod_pages = [r for r in state.requests if r.path == "/api/v1/pods"]
    assert (len(node_pages), len(pod_pages)) == (2, 7)
    assert all(r.query["limit"] == "2" for r in node_pages + pod_pages)
    assert "continue" not in pod_pages[0].query and all("continue" in r.query for r in pod_pages[1:])
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in state.requests)
    assert TOKEN not in out + err


def test_snapshot_command_saves_what_kubectl_would(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    with serve(_state()) as url:
        (workdir / "kubeconfig").write_text(kubeconfig("http://127.0.0.1:9", "wrong"), encoding="utf-8")
        # the kubeconfig points nowhere: --api-server sends the same client to the stand-in (with its own token)
        (workdir / "good").write_text(kubeconfig(url, TOKEN), encoding="utf-8")
        code, out, err = run(capsys, "k8s", "snapshot", "--kubeconfig", str(workdir / "good"),
                             "--api-server", url, "--out", str(workdir / "snaps"))
    assert code == 0, err
    saved = list((workdir / "snaps").glob("*.json"))
    assert len(saved) == 1 and "3 nodes, 13 pods" in out
    document = json.loads(saved[0].read_text())
    assert document["kind"] == "List" and {i["kind"] for i in document["items"]} == {"Node", "Pod"}
    code, out, err = run(capsys, "k8s", "allocate", str(workdir / "snaps"), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["totals"]["pods"] == 12


def test_api_server_override(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    with serve(_state()) as url:
        (workdir / "kubeconfig").write_text(kubeconfig("http://127.0.0.1:9", TOKEN), encoding="utf-8")
        code, _, err = run(capsys, "k8s", "allocate", "--live", "--kubeconfig", str(workdir / "kubeconfig"),
                           "--api-server", url, "--format", "json")
    assert code == 0, err


@pytest.mark.parametrize(("fail", "message"), [
    ((403, {"kind": "Status", "message": 'nodes is forbidden: User "ci" cannot list resource "nodes"'}),
     'HTTP 403 Forbidden: nodes is forbidden: User "ci" cannot list'),
    ((500, {"kind": "Status", "message": "etcdserver: request timed out"}), "HTTP 500"),
])
def test_api_errors_are_one_line(capsys: pytest.CaptureFixture[str], workdir: Path, fail: Any, message: str) -> None:
    state = _state()
    state.fail = fail
    with serve(state) as url:
        (workdir / "kubeconfig").write_text(kubeconfig(url, TOKEN), encoding="utf-8")
        code, out, err = run(capsys, "k8s", "allocate", "--live", "--kubeconfig", str(workdir / "kubeconfig"))
    assert code == 2 and message in err and "/api/v1/nodes" in err
    assert len(err.strip().splitlines()) == 1 and TOKEN not in out + err and "Traceback" not in err


def test_wrong_token_unreachable_server_and_bad_kubeconfig(capsys: pytest.CaptureFixture[str],
                                                           workdir: Path) -> None:
    with serve(_state()) as url:
        (workdir / "kubeconfig").write_text(kubeconfig(url, "not-the-token"), encoding="utf-8")
        code, _, err = run(capsys, "k8s", "allocate", "--live", "--kubeconfig", str(workdir / "kubeconfig"))
    assert code == 2 and "HTTP 401" in err and "not-the-token" not in err
    (workdir / "kubeconfig").write_text(kubeconfig("http://127.0.0.1:9", TOKEN), encoding="utf-8")
    code, _, err = run(capsys, "k8s", "allocate", "--live", "--kubeconfig", str(workdir / "kubeconfig"))
    assert code == 2 and "cannot reach the Kubernetes API" in err and TOKEN not in err
    (workdir / "kubeconfig").write_text("apiVersion: v1\nkind: Config\nclusters: []\n", encoding="utf-8")
    code, _, err = run(capsys, "k8s", "allocate", "--live", "--kubeconfig", str(workdir / "kubeconfig"))
    assert code == 2 and "cannot load Kubernetes credentials" in err
    code, _, err = run(capsys, "k8s", "allocate", "--live", "--in-cluster")  # not inside a pod
    assert code == 2 and "in-cluster service account: cannot load Kubernetes credentials" in err


# -- Prometheus ------------------------------------------------------------------------------------------------
H = int(datetime(2024, 9, 1, tzinfo=UTC).timestamp())


def _usage_state() -> State:
    """cpu and memory series for two pods of the recorded cluster, 00:00-02:00 (values at each hour's end)."""
    cpu = prometheus_matrix({("shop", "checkout-0"): [(H + 3600, 1.5), (H + 7200, "NaN")],
                             ("shop", "storefront-7c6b9d5f4-2hvnq"): [(H + 3600, 0.1), (H + 7200, 0.2)]})
    memory = prometheus_matrix({("shop", "checkout-0"): [(H + 3600, 2**30), (H + 7200, 2**30)]})
    return State(series={"cpu": cpu["data"]["result"], "memory": memory["data"]["result"]})


@pytest.fixture()
def two_hours(workdir: Path) -> Path:
    nodes = json.loads((RECORDED / "nodes.json").read_text())["items"]
    pods = json.loads((RECORDED / "pods.json").read_text())["items"]
    items = [{"kind": "Node", **n} for n in nodes[:2]] + [{"kind": "Pod", **p} for p in pods
                                                          if p["metadata"]["namespace"] == "shop"]
    write_snapshot(workdir / "snaps", "2024-09-01T01-00-00Z", *items)
    write_snapshot(workdir / "snaps", "2024-09-01T02-00-00Z", *items)
    return workdir / "snaps"


def test_prometheus_usage_live_and_saved_agree(capsys: pytest.CaptureFixture[str], two_hours: Path,
                                               workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINGUARD_PROMETHEUS_TOKEN", TOKEN)
    state = _usage_state()
    with serve(state) as url:
        code, live_out, err = run(capsys, "k8s", "allocate", str(two_hours), "--prometheus", url, "--by", "controller",
                                  "--format", "json")
        assert code == 0, err
        code, out, err = run(capsys, "k8s", "usage", "--prometheus", url, "--start", "2024-09-01T00:00:00Z",
                             "--end", "2024-09-01T02:00:00Z", "--out", str(workdir / "usage"))
        assert code == 0, err
        assert "4 pod-hours" in out
    ranges = [r for r in state.requests if r.path == "/api/v1/query_range"]
    assert {r.query["step"] for r in ranges} == {"3600"}
    assert {r.query["start"] for r in ranges} == {str(H + 3600)} and {r.query["end"] for r in ranges} == {str(H + 7200)}
    assert any("container_cpu_usage_seconds_total" in r.query["query"] for r in ranges)
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in ranges) and TOKEN not in live_out + err
    assert sorted(p.name for p in (workdir / "usage").iterdir()) == ["cpu.json", "memory.json"]
    code, saved_out, err = run(capsys, "k8s", "allocate", str(two_hours), "--usage", str(workdir / "usage"), "--by",
                               "controller", "--format", "json")
    assert code == 0, err
    live, saved = json.loads(live_out), json.loads(saved_out)
    assert live["usage_samples"] == saved["usage_samples"] == 4
    assert live["groupings"] == saved["groupings"]
    checkout = next(r for r in live["groupings"][0]["rows"] if r["name"] == "StatefulSet/checkout")
    # 00-01: 1.5 cores used of 0.75 requested; 01-02: NaN (left out, counted): CPU efficiency measured in one hour
    assert checkout["cpu_efficiency"] == pytest.approx(2.0) and checkout["memory_efficiency"] == pytest.approx(0.5)
    assert any("NaN, infinite or negative" in w for w in live["warnings"])


def test_prometheus_errors(capsys: pytest.CaptureFixture[str], two_hours: Path, workdir: Path) -> None:
    state = _usage_state()
    state.fail = (422, {"status": "error", "errorType": "execution", "error": "query processing would load too "
                                                                               "many samples"})
    with serve(state) as url:
        code, _, err = run(capsys, "k8s", "allocate", str(two_hours), "--prometheus", url)
    assert code == 2 and "HTTP 422: query processing would load too many samples" in err
    code, _, err = run(capsys, "k8s", "allocate", str(two_hours), "--prometheus", "http://127.0.0.1:9")
    assert code == 2 and "cannot reach Prometheus" in err
    code, _, err = run(capsys, "k8s", "allocate", str(two_hours), "--prometheus", "file:///etc/passwd")
    assert code == 2 and "http(s) URL" in err
    (workdir / "usage").mkdir()
    (workdir / "usage" / "cpu.json").write_text('{"status": "error", "errorType": "bad_data", "error": "x"}')
    code, _, err = run(capsys, "k8s", "allocate", str(two_hours), "--usage", str(workdir / "usage"))
    assert code == 2 and "cpu.json: Prometheus answered with an error: x" in err


def test_long_ranges_are_queried_in_chunks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Prometheus refuses more than 11,000 points a series: a long range is asked for in chunks, and saved as
    several files that read back as one."""
    from finguard.k8s import prometheus

    monkeypatch.setattr(prometheus, "MAX_POINTS", 1)
    state = _usage_state()
    with serve(state) as url:
        usage, raw = prometheus.PrometheusClient(url).usage(datetime(2024, 9, 1, tzinfo=UTC),
                                                            datetime(2024, 9, 1, 2, tzinfo=UTC))
    ranges = [(r.query["start"], r.query["end"]) for r in state.requests if "cpu" in r.query["query"]]
    assert ranges == [(str(H + 3600), str(H + 3600)), (str(H + 7200), str(H + 7200))]
    written = prometheus.save(raw, tmp_path)
    assert sorted(p.name for p in written) == ["cpu-2.json", "cpu.json", "memory-2.json", "memory.json"]
    assert prometheus.read_saved(tmp_path).by_pod_hour == usage.by_pod_hour
