"""Hostile inputs to `finguard k8s`: snapshot files and saved Prometheus results that are wrong in every way a
file can be. Never a crash or a hang: one line naming the file and the JSON path, exit 2; or, when the damage
leaves a valid document, an allocation that still reconciles with finite, non-negative money."""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finguard.errors import InputError
from finguard.k8s.config import K8sConfig
from finguard.k8s.prometheus import read_saved
from finguard.k8s.snapshot import build_cluster, read_snapshots
from tests.k8s import cluster as k
from tests.k8s.conftest import small_cluster_items
from tests.test_cli import run

FUZZ_EXAMPLES = int(os.environ.get("FINGUARD_FUZZ_EXAMPLES", "25"))  # a longer campaign: set it to 500
NAME = "2024-09-01T02-00-00Z.json"
CONFIG = "k8s:\n  prices: {test.a: 1.0, test.gpu: 3.0}\n  spot_discount: 0.5\n"


def _paths(node: Any, trail: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON document (containers and leaves)."""
    out = [trail]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*trail, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*trail, i))
    return out


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(doc)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


BASE = k.document(*small_cluster_items())
PATHS = _paths(BASE)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "-1", "1e400", "abc", "100m", "1Gi", "9" * 60, "2024-13-45T99:00:00Z",
                       "1999-01-01T00:00:00Z", "2024-09-01T01:00:00Z", "Running", "Succeeded", "Node", "Pod"])
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6)


def _money_ok(report: Any) -> None:
    for grouping in report.groupings:
        for r in grouping.rows:
            for value in (r.cost, r.total, r.idle_in, r.idle_out, r.shared_in, r.shared_out):
                assert value is None or (math.isfinite(value) and value >= 0)
    assert report.reconciliation.balanced


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=JSON_VALUES)
def test_damaged_snapshots_are_refused_with_file_and_path_or_still_reconcile(path: tuple[Any, ...],
                                                                           value: Any) -> None:
    damaged = _replace(BASE, path, value)
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / NAME
        file.write_text(json.dumps(damaged), encoding="utf-8")
        try:
            cluster = build_cluster(read_snapshots([file]), K8sConfig(lookback_hours=2))
        except InputError as exc:
            text = str(exc)
            assert text.startswith(str(file) + ": ") and "\n" not in text
            if "invalid snapshot at $" in text:
                assert "$.items[" in text or "$.kind" in text
            return
    for node in cluster.nodes:
        assert all(math.isfinite(v) and v >= 0 for v in (node.cpu, node.memory, node.gpu))
    for pod in cluster.pods:
        assert all(math.isfinite(v) and v >= 0 for v in (pod.cpu, pod.memory, pod.gpu))
        assert pod.end > pod.start


@pytest.mark.parametrize(("path", "value", "message"), [
    (("items", 0, "status", "capacity", "cpu"), "four", "$.items[0].status.capacity.cpu: not a Kubernetes quantity"),
    (("items", 3, "spec", "containers", 0, "resources", "requests", "memory"), "-1Gi",
     "$.items[3].spec.containers[0].resources.requests.memory: not a Kubernetes quantity"),
    (("items", 3, "spec", "containers", 0, "resources", "requests", "cpu"), "1e400",
     "$.items[3].spec.containers[0].resources.requests.cpu: quantity larger than 1e+18"),
    (("items", 0, "metadata", "labels", "node.kubernetes.io/instance-type"), 5,
     '$.items[0].metadata.labels["node.kubernetes.io/instance-type"]: Input should be a valid string, got 5'),
    (("items", 4, "status", "startTime"), "yesterday", "$.items[4].status.startTime: Input should be a valid datetime"),
    (("items", 4, "status", "startTime"), "1970-01-01T00:00:00Z", "date outside the years 2000-2099"),
    (("items", 2, "metadata"), None, "$.items[2].metadata: Input should be a valid dictionary"),
    (("items", 5), "pod", "$.items[5]: expected an object, got str"),
    (("items",), {"a": 1}, "not a kubectl snapshot"),
    (("kind",), "Secret", "$.kind: expected one of List, NodeList, PodList"),
])
def test_bad_values_exit_2_naming_file_and_json_path(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     path: tuple[Any, ...], value: Any, message: str) -> None:
    (tmp_path / "finguard.yml").write_text(CONFIG, encoding="utf-8")
    file = tmp_path / NAME
    file.write_text(json.dumps(_replace(BASE, path, value)), encoding="utf-8")
    code, out, err = run(capsys, "k8s", "allocate", str(file), "--config", str(tmp_path / "finguard.yml"))
    assert code == 2, out
    assert err.startswith(f"finguard: error: {file}: ") and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize(("text", "message"), [
    ("", "not valid JSON: Expecting value at line 1, column 1"),
    ('{"items": [', "not valid JSON"),
    ('{"items": [{"kind": "Node", "metadata": {"name": "n"}, "status": {"capacity": {"cpu": NaN}}}]}',
     "not valid JSON: NaN is not a JSON number"),
    ('{"items": [], "x": 1e999}', "not valid JSON: number 1e999 is out of range"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"items": [{"kind": "Pod", "metadata": {"name": "\\ud800"}}]}', "$.items[0].metadata.name: string is not "
                                                                     "valid Unicode text"),
    ('{"items": [{"kind": 7}]}', "$.items[0].kind: expected a string, got int"),
])
def test_unreadable_documents(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / NAME
    file.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "k8s", "allocate", str(file))
    assert code == 2 and message in err and str(file) in err, err
    assert len(err.strip().splitlines()) == 1


def test_special_and_binary_files_and_empty_directories(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fifo = tmp_path / "2024-09-01T00-00-00Z.json"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "k8s", "allocate", str(fifo))
    assert code == 2 and "not a regular file (a FIFO)" in err
    fifo.unlink()
    binary = tmp_path / NAME
    binary.write_bytes(b"\xff\xfe{}")
    code, _, err = run(capsys, "k8s", "allocate", str(binary))
    assert code == 2 and "not UTF-8 text" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "k8s", "allocate", str(empty))
    assert code == 2 and "no snapshot files (*.json) in this directory" in err
    code, _, err = run(capsys, "k8s", "allocate", str(tmp_path / "missing"))
    assert code == 2 and "no such file or directory" in err


def test_a_hostile_but_valid_cluster_still_reconciles(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Zero-capacity nodes, pods asking for more than their node has, huge (finite) quantities, and a node
    with only GPUs: all allocated, nothing negative, every window reconciled."""
    (tmp_path / "finguard.yml").write_text(CONFIG, encoding="utf-8")
    items = [k.eks_node("zero", "test.a", cpu="0", memory="0"),
             k.eks_node("tiny", "test.a", cpu="1m", memory="1Ki"),
             k.eks_node("huge", "test.gpu", cpu="1e15", memory="1E", gpu="1000000"),
             k.pod("a", "x", "zero", cpu="4", memory="16Gi"), k.pod("b", "x", "tiny", cpu="1000", memory="1Ti"),
             k.pod("c", "y", "huge", cpu="1e15", memory="1E", gpu="1000000"),
             k.pod("d", "y", "huge", cpu="0", memory="0")]
    k.write_snapshot(tmp_path / "snaps", "2024-09-01T02-00-00Z", *items)
    code, out, err = run(capsys, "k8s", "allocate", str(tmp_path / "snaps"), "--config",
                         str(tmp_path / "finguard.yml"), "--format", "json")
    assert code == 0, err
    from finguard.k8s.report import K8sReport

    report = K8sReport.model_validate_json(out)
    _money_ok(report)
    assert report.totals.node_cost == pytest.approx(5.0)


# -- saved Prometheus results ---------------------------------------------------------------------------------
PROM = k.prometheus_matrix({("shop", "p1"): [(1725152400, 0.5), (1725156000, "0.75")],
                            ("ml", "p5"): [(1725152400, 2.0)]})
PROM_PATHS = _paths(PROM)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PROM_PATHS), value=JSON_VALUES)
def test_damaged_prometheus_results(path: tuple[Any, ...], value: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "cpu.json"
        file.write_text(json.dumps(_replace(PROM, path, value)), encoding="utf-8")
        try:
            usage = read_saved(Path(tmp))
        except InputError as exc:
            assert str(exc).startswith(str(file) + ": ") and "\n" not in str(exc)
            return
    for cpu, memory in usage.by_pod_hour.values():
        assert all(v is None or (math.isfinite(v) and v >= 0) for v in (cpu, memory))


def test_saved_prometheus_file_names_and_values(tmp_path: Path) -> None:
    (tmp_path / "usage.json").write_text(json.dumps(PROM))
    with pytest.raises(InputError, match=r"usage.json: a saved Prometheus result must be named cpu\*.json"):
        read_saved(tmp_path)
    (tmp_path / "usage.json").unlink()
    bad = copy.deepcopy(PROM)
    bad["data"]["result"][0]["values"][1][1] = "lots"
    (tmp_path / "cpu.json").write_text(json.dumps(bad))
    with pytest.raises(InputError, match=r"cpu.json: .*\$.data.result\[0\].values\[1\]\[1\]: 'lots' is not a number"):
        read_saved(tmp_path)
    bad["data"]["result"][0]["values"][1][1] = "-3"
    bad["data"]["result"][1]["values"][0][1] = "+Inf"
    (tmp_path / "cpu.json").write_text(json.dumps(bad))
    usage = read_saved(tmp_path)
    assert usage.skipped == 2 and len(usage) == 1
    del bad["data"]["result"][0]["metric"]["pod"]
    (tmp_path / "cpu.json").write_text(json.dumps(bad))
    with pytest.raises(InputError, match=r"\$.data.result\[0\].metric: needs `namespace` and `pod` labels"):
        read_saved(tmp_path)
