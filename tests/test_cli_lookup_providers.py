"""`finguard pricing lookup` for Azure ("Virtual Machines") and GCP ("Compute Engine"), on a temporary catalog
built by the snapshot pipeline from hand-written gcp-cyclenerd and azure-karpenter fixtures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from finguard.pricing.build.adapters.azure_karpenter import INPUT as AZURE_INPUT
from finguard.pricing.build.adapters.azure_karpenter import AzureKarpenter
from finguard.pricing.build.adapters.gcp_cyclenerd import INPUT as GCP_INPUT
from finguard.pricing.build.adapters.gcp_cyclenerd import GcpCyclenerd
from finguard.pricing.build.pipeline import build
from finguard.pricing.snapshot import DATA_ENV, snapshot_digest

from .build.test_adapter_azure_karpenter import FIXTURE as AZURE_FIXTURE
from .build.test_adapter_gcp_cyclenerd import FIXTURE as GCP_FIXTURE
from .test_cli import run

VM = ("pricing", "lookup", "--service", "Virtual Machines")
GCE = ("pricing", "lookup", "--service", "Compute Engine")


@pytest.fixture
def catalog_args(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, ...]]:
    """`--catalog PATH` of a catalog compiled from a snapshot holding only the two fixture feeds."""
    shared = tmp_path / "shared"
    for relative, text in ((GCP_INPUT, GCP_FIXTURE), (AZURE_INPUT, AZURE_FIXTURE)):
        (shared / relative).parent.mkdir(parents=True, exist_ok=True)
        (shared / relative).write_text(text, encoding="utf-8")
    build([GcpCyclenerd(), AzureKarpenter()], shared, tmp_path / "snapshot", "2026-08-01")
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "snapshot"))
    snapshot_digest.cache_clear()
    yield ("--catalog", str(tmp_path / "catalog.sqlite"))
    snapshot_digest.cache_clear()


def test_azure_vm_size_in_its_region(capsys: pytest.CaptureFixture[str], catalog_args: tuple[str, ...]) -> None:
    code, out, _ = run(capsys, *catalog_args, *VM, "--region", "westeurope", "--filter", "armSkuName=Standard_D2s_v5")
    assert code == 0
    assert out.splitlines()[0] == "Virtual Machines westeurope [armSkuName=Standard_D2s_v5]: 1 matching price"
    assert "0.115 USD/1 Hour" in out and "source=azure-karpenter" in out and "operatingSystem=Linux" in out
    code, out, _ = run(capsys, *catalog_args, *VM, "--region", "westeurope", "--filter", "armSkuName=Standard_D2s_v5",
                       "--format", "json")
    doc = json.loads(out)
    assert (doc["provider"], doc["matches"], doc["ambiguous"], doc["hints"]) == ("azure", 1, False, [])
    assert doc["prices"][0]["usd"] == "0.115" and doc["prices"][0]["attributes"]["type"] == "Consumption"


def test_gcp_machine_type_and_core_rate(capsys: pytest.CaptureFixture[str], catalog_args: tuple[str, ...]) -> None:
    code, out, _ = run(capsys, *catalog_args, *GCE, "--region", "europe-west1", "--filter", "machineType=e2-medium")
    assert code == 0 and "0.03685773 USD/h" in out and "source=gcp-cyclenerd" in out
    code, out, _ = run(capsys, *catalog_args, *GCE, "--region", "us-central1", "--filter",
                       "descriptionStem=E2 Instance Core", "--format", "json")
    doc = json.loads(out)
    assert doc["provider"] == "gcp" and [p["usd"] for p in doc["prices"]] == ["0.02181159"]


def test_loose_filter_is_ambiguous_and_names_the_keys(capsys: pytest.CaptureFixture[str],
                                                      catalog_args: tuple[str, ...]) -> None:
    code, out, _ = run(capsys, *catalog_args, *GCE, "--region", "us-central1", "--filter", "resourceFamily=Storage")
    assert code == 0 and "AMBIGUOUS" in out and "narrow the filter with: descriptionStem" in out


def test_no_match_says_why(capsys: pytest.CaptureFixture[str], catalog_args: tuple[str, ...]) -> None:
    _, out, _ = run(capsys, *catalog_args, *VM, "--region", "westeurope", "--filter", "armSkuName=standard_d2s_v5")
    assert "0 matching prices" in out and "has armSkuName=standard_d2s_v5; close values: Standard_D2s_v5" in out
    assert 'example for azure: finguard pricing lookup --service "Virtual Machines"' in out
    _, out, _ = run(capsys, *catalog_args, *GCE, "--region", "europe-west1", "--filter", "instanceType=e2-medium")
    assert "has the attribute 'instanceType' (attributes there: descriptionStem, machineType" in out
    _, out, _ = run(capsys, *catalog_args, *VM, "--region", "West Europe")
    assert "no Virtual Machines prices for West Europe in the catalog; did you mean westeurope?" in out
    assert "`finguard pricing sync --provider azure --service 'Virtual Machines' --region 'West Europe'`" in out
    _, out, _ = run(capsys, *catalog_args, "pricing", "lookup", "--service", "Virtual Machine", "--region", "eastus",
                    "--format", "json")
    assert json.loads(out)["hints"][0].startswith("no Virtual Machine prices in the catalog; did you mean "
                                                  "'Virtual Machines'?")


def test_help_names_each_providers_vocabulary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pricing", "lookup", "--help")
    assert code == 0
    for text in ("AmazonEC2", '"Virtual Machines"', '"Compute Engine"', "westeurope", "europe-west1",
                 "armSkuName=Standard_D2s_v5", "machineType=e2-medium"):
        assert text in out, text
