"""The worked example (examples/k8s: six hourly snapshots of a small EKS cluster and their saved Prometheus usage)
through the CLI in every format, and the command's usage and configuration errors."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from finguard.k8s.formats import formats, names
from tests.conftest import REPO
from tests.test_cli import run

EXAMPLE = REPO / "examples" / "k8s"


@pytest.fixture(scope="module")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`finguard k8s allocate snapshots --usage usage --out OUT` in a copy of the example directory."""
    import os

    from finguard.cli import main

    work = tmp_path_factory.mktemp("k8s-example")
    shutil.copytree(EXAMPLE, work / "k8s")
    cwd = Path.cwd()
    os.chdir(work / "k8s")
    try:
        with pytest.raises(SystemExit) as done:
            main(["k8s", "allocate", "snapshots", "--usage", "usage", "--by", "namespace", "--by", "team",
                  "--by", "node-pool", "--by", "label:app.kubernetes.io/name", "--out", str(work / "out")])
    finally:
        os.chdir(cwd)
    assert done.value.code == 0
    return work / "out"


def test_example_shows_namespace_showback_with_idle_and_efficiency(example_out: Path, catalog: object) -> None:
    assert sorted(p.name for p in example_out.iterdir()) == [
        "k8s-allocation.csv", "k8s-allocation.html", "k8s-allocation.json", "k8s-allocation.md",
        "k8s-allocation.txt"]
    report = json.loads((example_out / "k8s-allocation.json").read_text())
    assert report["schema"] == "finguard/k8s-allocation" and report["cluster"] == "shop-prod"
    assert report["snapshots"] == 6 and report["hours"] == 6.0 and report["totals"]["complete"]
    rec = report["reconciliation"]
    assert abs(rec["difference"]) < 0.005 and rec["max_window_difference"] < 0.005 and rec["windows"] == 6
    namespaces = {r["name"]: r for r in report["groupings"][0]["rows"]}
    assert set(namespaces) == {"__idle__", "shop", "payments", "data", "kube-system", "monitoring"}
    # kube-system and monitoring are shared: their cost moved to the others, every hour
    assert namespaces["kube-system"]["total"] == 0.0 and namespaces["kube-system"]["shared_out"] > 0
    assert sum(r["shared_in"] for r in namespaces.values()) == pytest.approx(report["totals"]["shared_moved"],
                                                                             abs=1e-5)
    assert 0.2 < namespaces["shop"]["cpu_efficiency"] < 0.4  # storefront uses about a third of its request
    assert namespaces["data"]["spot_percent"] == 100.0 and namespaces["__idle__"]["idle_percent"] == 100.0
    assert 40 < report["totals"]["idle_percent"] < 70
    assert report["totals"]["pending_pods"] == 1  # trainer-0 fits on no node
    nodes = {n["name"]: n for n in report["nodes"]}
    m5 = catalog.lookup("AmazonEC2", "us-east-1", {  # type: ignore[attr-defined]
        "productFamily": "Compute Instance", "instanceType": "m5.xlarge", "operatingSystem": "Linux",
        "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used", "licenseModel": "No License required"})
    assert nodes["ip-10-0-0-11.ec2.internal"]["hourly_price"] == pytest.approx(float(m5.unit_price))
    spot = nodes["ip-10-0-4-41.ec2.internal"]
    assert spot["capacity_type"] == "spot" and spot["hours"] == 4.5  # gone between the 04:00 and 05:00 snapshots
    c6i = catalog.lookup("AmazonEC2", "us-east-1", {  # type: ignore[attr-defined]
        "productFamily": "Compute Instance", "instanceType": "c6i.2xlarge", "operatingSystem": "Linux",
        "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used", "licenseModel": "No License required"})
    assert spot["hourly_price"] == pytest.approx(float(c6i.unit_price) * (1 - 0.65))  # spot_discount: {aws: 0.65}
    teams = {r["name"] for r in report["groupings"][1]["rows"]}
    assert {"web", "payments", "data"} <= teams
    apps = {r["name"] for r in report["groupings"][3]["rows"]}
    assert {"storefront", "checkout", "etl", "spark"} <= apps


def test_every_format_renders_the_same_figures(example_out: Path) -> None:
    text = (example_out / "k8s-allocation.txt").read_text()
    assert "reconciliation: node cost" in text and "by namespace:" in text and "__idle__" in text
    markdown = (example_out / "k8s-allocation.md").read_text()
    assert markdown.startswith("# Kubernetes cost allocation: shop-prod") and "| shop |" in markdown
    html = (example_out / "k8s-allocation.html").read_text()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 4 and 'role="img"' in html
    assert "<script" not in html and 'id="chart-cost-namespace"' in html and "CPU efficiency" in html
    rows = list(csv.DictReader(io.StringIO((example_out / "k8s-allocation.csv").read_text())))
    report = json.loads((example_out / "k8s-allocation.json").read_text())
    shop = next(r for r in rows if r["dimension"] == "namespace" and r["name"] == "shop")
    expected = next(r for r in report["groupings"][0]["rows"] if r["name"] == "shop")
    assert float(shop["total"]) == pytest.approx(expected["total"], abs=1e-6)
    assert {r["dimension"] for r in rows} == {"namespace", "team", "node-pool", "label:app.kubernetes.io/name"}
    assert sorted(formats()) == sorted(names())


def test_html_page_loads_clean_in_a_browser(example_out: Path) -> None:
    """No script, no external resource, nothing the page's Content-Security-Policy blocks, no console error."""
    from tests.browser import Browser, chromium_path

    if chromium_path() is None:
        pytest.skip("no Chromium installed (CI installs Debian's /usr/bin/chromium)")
    with Browser() as browser:
        page = browser.load(example_out / "k8s-allocation.html")
    assert page.errors == [] and 'id="chart-cpu-eff-namespace"' in page.dom


def test_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    snaps = str(EXAMPLE / "snapshots")
    cases = [
        (["k8s", "allocate"], "give snapshot files or directories, or --live"),
        (["k8s", "allocate", snaps, "--live"], "give snapshot files or directories, or --live"),
        (["k8s", "allocate", snaps, "--format", "json", "--format", "csv"], "several --format need --out DIR"),
        (["k8s", "allocate", snaps, "--by", "namespaces"], "did you mean 'namespace'?"),
        (["k8s", "allocate", snaps, "--by", "label:not a label"], "is not a Kubernetes label key"),
        (["k8s", "allocate", snaps, "--prometheus", "http://127.0.0.1:9", "--usage", str(tmp_path)], "choose one"),
        (["k8s", "allocate", snaps, "--start", "yesterday"], "is not an ISO 8601 date"),
        (["k8s", "usage", "--start", "2024-09-03", "--end", "2024-09-02", "--out", str(tmp_path),
          "--prometheus", "http://127.0.0.1:9"], "--end must be after --start"),
    ]
    for args, message in cases:
        code, _, err = run(capsys, *args)
        assert code == 2 and message in err, (args, err)


@pytest.mark.parametrize(("yaml", "message"), [
    ("k8s:\n  spot_discunt: 0.5\n", "unknown key 'k8s.spot_discunt' (did you mean 'spot_discount'?)"),
    ("k8s:\n  spot_discount: 1.5\n", "k8s.spot_discount"),
    ("k8s:\n  spot_discount: {alibaba: 0.5}\n", "k8s.spot_discount"),
    ("k8s:\n  idle: share\n", "k8s.idle"),
    ("k8s:\n  cost_weights: {cpu: -1}\n", "k8s.cost_weights.cpu: must be > 0"),
    ("k8s:\n  cost_weights: {cpu: .nan}\n", "'.nan' is not a finite number"),
    ("k8s:\n  team_labels: ['bad label!']\n", "is not a Kubernetes label key"),
    ("k8s:\n  prices: {m5.large: true}\n", "k8s.prices.m5.large"),
    ("k8s:\n  prometheus: {url: 5}\n", "k8s.prometheus.url"),
])
def test_config_section_is_strict(capsys: pytest.CaptureFixture[str], tmp_path: Path, yaml: str,
                                  message: str) -> None:
    config = tmp_path / "finguard.yml"
    config.write_text(yaml, encoding="utf-8")
    code, _, err = run(capsys, "k8s", "allocate", str(EXAMPLE / "snapshots"), "--config", str(config))
    assert code == 2 and message in err and f"{config}:" in err, err
