"""The bundled price snapshot is exactly what pricing_data/build_snapshot.py makes from ../shared."""

from __future__ import annotations

import importlib.util
import json
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
PRICING_DATA = REPO_ROOT / "pricing_data"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(
        not SHARED.is_dir(),
        reason=f"public data not found at {SHARED} (../shared relative to the repo root)",
    ),
]

EC2_LINUX_SHARED = {
    "productFamily": "Compute Instance",
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
    "licenseModel": "No License required",
}


def _load_builder() -> ModuleType:
    name = "finguard_build_snapshot"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PRICING_DATA / "build_snapshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("snapshot")
    _load_builder().build(SHARED, out)
    return out


def _rows(root: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((root / "aws").glob("*.jsonl"))
            for line in path.read_text().splitlines()]


def _lookup(rows: list[dict], service: str, region: str, **filters: str) -> dict:
    found = [r for r in rows if r["service"] == service and r["region"] == region
             and all(r["attributes"].get(k) == v for k, v in filters.items())]
    assert len(found) == 1, f"{service} {region} {filters}: {len(found)} rows"
    return found[0]


def test_reproduces_committed_files(built: Path) -> None:
    def files(root: Path) -> list[str]:
        return ["sources.json", *sorted(p.relative_to(root).as_posix() for p in (root / "aws").glob("*.jsonl"))]

    assert files(built) == files(PRICING_DATA)
    for rel in files(built):
        assert (built / rel).read_bytes() == (PRICING_DATA / rel).read_bytes(), f"{rel} differs; rerun the builder"


@pytest.mark.parametrize(
    ("service", "region", "filters", "unit", "usd"),
    [
        ("AmazonEC2", "us-east-1", {**EC2_LINUX_SHARED, "instanceType": "m5.large"}, "Hrs", "0.096"),
        ("AmazonEC2", "us-east-1", {"productFamily": "Storage", "volumeApiName": "gp2"}, "GB-Mo", "0.10"),
        ("AmazonEC2", "us-east-1", {"productFamily": "System Operation", "volumeApiName": "gp3",
                                    "usagetype": "EBS:VolumeP-IOPS.gp3"}, "IOPS-Mo", "0.005"),
        ("AmazonEC2", "us-east-1", {"productFamily": "System Operation", "volumeApiName": "io1",
                                    "usagetype": "EBS:VolumeP-IOPS.piops"}, "IOPS-Mo", "0.065"),
        ("AmazonEC2", "eu-central-1", {"productFamily": "Provisioned Throughput", "volumeApiName": "gp3",
                                       "usagetype": "EBS:VolumeP-Throughput.gp3"}, "GiBps-mo", "48.7424"),
        ("AmazonEC2", "us-east-1", {"productFamily": "NAT Gateway", "usagetype": "NatGateway-Hours"}, "Hrs", "0.045"),
        ("AmazonEC2", "ap-northeast-1", {"productFamily": "NAT Gateway", "usagetype": "NatGateway-Hours"},
         "Hrs", "0.062"),
        ("AWSELB", "us-east-1", {"productFamily": "Load Balancer-Application", "usagetype": "LoadBalancerUsage"},
         "Hrs", "0.0225"),
        ("AmazonEKS", "us-east-1", {"productFamily": "Compute", "usagetype": "AmazonEKS-Hours:perCluster"},
         "Hrs", "0.10"),
        ("AmazonEC2", "us-east-1", {"productFamily": "System Operation", "volumeApiName": "standard",
                                    "usagetype": "EBS:VolumeIOUsage"}, "IOs", "0.00000005"),
    ],
)
def test_hand_checked_figures(built: Path, service: str, region: str, filters: dict[str, str], unit: str,
                              usd: str) -> None:
    row = _lookup(_rows(built), service, region, **filters)
    assert row["unit"] == unit
    assert Decimal(row["usd"]) == Decimal(usd)
    assert "E" not in row["usd"] and "e" not in row["usd"]


def test_no_price_is_borrowed_across_regions(built: Path) -> None:
    rows = _rows(built)
    # karpenter's CSV is us-east-1 only: m5.large elsewhere comes from a billing row of that region, or not at all.
    m5 = [r for r in rows if r["attributes"].get("instanceType") == "m5.large"]
    assert {(r["region"], r["usd"]) for r in m5} == {("us-east-1", "0.096"), ("eu-west-2", "0.111")}


def test_one_price_per_filter(built: Path) -> None:
    keys = [(r["service"], r["region"], json.dumps(r["attributes"], sort_keys=True), r["begin_range"])
            for r in _rows(built)]
    assert len(keys) == len(set(keys))


def test_rows_are_valid_and_sourced(built: Path) -> None:
    _load_builder()  # puts the repository root on sys.path for the finguard import below
    from finguard.pricing.snapshot import PriceRecord, SourceRecord

    sources = [SourceRecord.model_validate(s) for s in json.loads((built / "sources.json").read_text())]
    known = {s.id for s in sources}
    assert all(s.kind == "snapshot" and s.sha256 and s.url and s.retrieved == "2026-11-28" for s in sources)
    rows = _rows(built)
    assert rows
    for row in rows:
        PriceRecord.model_validate(row)
        assert row["source"] in known
        assert "productFamily" in row["attributes"]
        assert not row["attributes"].get("usagetype", "").startswith(("USE1-", "USE2-", "USW2-", "EU-"))
    assert {r["source"] for r in rows} == known
