"""pricing_data/gcp is exactly what pricing_data/build_gcp.py makes from the Google goldens in ../shared."""

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
    pytest.mark.skipif(not SHARED.is_dir(),
                       reason=f"public data not found at {SHARED} (../shared relative to the repo root)"),
]


def _load_builder() -> ModuleType:
    name = "finguard_build_gcp"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PRICING_DATA / "build_gcp.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("snapshot-gcp")
    _load_builder().build(SHARED, out)
    return out


def _files(root: Path) -> list[str]:
    return ["gcp/sources.json", *sorted(p.relative_to(root).as_posix() for p in (root / "gcp").glob("*.jsonl"))]


def _rows(root: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((root / "gcp").glob("*.jsonl"))
            for line in path.read_text().splitlines()]


def _one(rows: list[dict], service: str, region: str, stem: str) -> dict:
    found = [r for r in rows if r["service"] == service and r["region"] == region
             and r["attributes"]["descriptionStem"] == stem]
    assert len(found) == 1, f"{service} {region} {stem}: {len(found)} rows"
    return found[0]


def test_reproduces_committed_files_byte_for_byte(built: Path) -> None:
    assert _files(built) == _files(PRICING_DATA)
    for rel in _files(built):
        assert (built / rel).read_bytes() == (PRICING_DATA / rel).read_bytes(), f"{rel} differs; rerun build_gcp.py"


@pytest.mark.parametrize(("service", "region", "stem", "unit", "usd"), [
    # 100 h of f1-micro cost $0.76 (compute_instance_test with_hours)
    ("Compute Engine", "us-central1", "Micro Instance with burstable CPU", "h", "0.0076"),
    # 500 GB pd-standard $20.00; 100 GB pd-ssd $17.00 (compute_disk_test)
    ("Compute Engine", "us-central1", "Storage PD Capacity", "GiBy.mo", "0.04"),
    ("Compute Engine", "us-central1", "SSD backed PD Capacity", "GiBy.mo", "0.17"),
    # 1,200 GB pd-balanced $120.00 (compute_region_instance_group_manager_test)
    ("Compute Engine", "us-central1", "Balanced PD Capacity", "GiBy.mo", "0.1"),
    # 3 nodes x 20 GB x 730 h x 0.7 (full-month discount) = $136.31 -> 0.004446 per GB-hour list price
    ("Compute Engine", "us-central1", "Custom Instance Ram", "GiBy.h", "0.004446"),
    ("Compute Engine", "us-central1", "Custom Instance Core", "h", "0.033192"),
    # unused address $7.30 in us-central1, $8.76 in europe-central2
    ("Compute Engine", "us-central1", "Static Ip Charge", "h", "0.01"),
    ("Compute Engine", "europe-central2", "Static Ip Charge", "h", "0.012"),
    ("Compute Engine", "global", "External IP Charge on a Standard VM", "h", "0.005"),
    # 4 VMs x 730 h = 2,920 VM-hours $4.09; "$0.045 per GB"
    ("Compute Engine", "us-central1", "NAT Gateway: Uptime charge", "h", "0.0014"),
    ("Compute Engine", "us-central1", "NAT Gateway: Data processing charge", "GiBy", "0.045"),
    ("Kubernetes Engine", "global", "Regional Kubernetes Clusters", "h", "0.1"),
    # 96 vCPU x 730 h = 70,080 h $2,894.30; 360 GB memory for the month $1,839.60 = 360 x 730 x 0.007
    ("Cloud SQL", "us-central1", "Cloud SQL for PostgreSQL: Zonal - vCPU", "h", "0.0413"),
    ("Cloud SQL", "us-central1", "Cloud SQL for MySQL: Regional - RAM", "GiBy.h", "0.014"),
    ("Cloud SQL", "us-central1", "Cloud SQL for SQL Server: Regional - Standard storage", "GiBy.mo", "0.34"),
    # 105 GB basic M5 $1,226.40 = 105 x 730 x 0.016
    ("Cloud Memorystore for Redis", "us-central1", "Redis Capacity Basic M5", "GiBy.h", "0.016"),
    ("Cloud Storage", "europe", "Standard Storage Europe Multi-region", "GiBy.mo", "0.026"),
    # "$0.05 per 10k operations" -> per operation
    ("Cloud Storage", "global", "Regional Standard Class A Operations", "count", "0.000005"),
    ("Cloud Run Functions", "global", "Cloud Run Functions (1st Gen) Invocations", "count", "0.0000004"),
])
def test_hand_checked_figures(built: Path, service: str, region: str, stem: str, unit: str, usd: str) -> None:
    row = _one(_rows(built), service, region, stem)
    assert row["unit"] == unit == row["attributes"]["usageUnit"]
    assert Decimal(row["usd"]) == Decimal(usd) and "E" not in row["usd"]


def test_no_price_is_copied_to_another_region(built: Path) -> None:
    rows = _rows(built)
    static = {(r["region"], r["usd"]) for r in rows if r["attributes"]["descriptionStem"] == "Static Ip Charge"}
    assert static == {("us-central1", "0.01"), ("europe-central2", "0.012")}
    regions = {r["region"] for r in rows}
    assert regions == {"us-central1", "europe-central2", "global", "europe"}


def test_rows_are_valid_sourced_and_mirror_catalog_api_attributes(built: Path) -> None:
    _load_builder()  # puts the repository root on sys.path
    from finguard.pricing.snapshot import PriceRecord, SourceRecord
    from finguard.pricing.sources.gcp_catalog import description_stem

    sources = [SourceRecord.model_validate(s) for s in json.loads((built / "gcp" / "sources.json").read_text())]
    assert all(s.kind == "snapshot" and s.sha256 and s.url and s.url.startswith("https://github.com/infracost/")
               for s in sources)
    known = {s.id for s in sources}
    rows = _rows(built)
    assert len(rows) == 53
    keys = set()
    for row in rows:
        record = PriceRecord.model_validate(row)
        attrs = record.attributes
        assert row["source"] in known and record.begin_range == 0 and record.end_range is None
        assert attrs["usageType"] == "OnDemand" and attrs["usageUnit"] == record.unit
        assert attrs["descriptionStem"] == description_stem(attrs["description"])
        assert set(attrs) <= {"description", "descriptionStem", "resourceFamily", "resourceGroup", "usageType",
                              "usageUnit"}
        keys.add((record.service, record.region, attrs["descriptionStem"], attrs.get("resourceGroup")))
    assert len(keys) == len(rows)  # one price per model filter
    assert {r["source"] for r in rows} == known


def test_focus_sample_has_no_google_rows() -> None:
    import csv

    with (SHARED / "billing" / "focus-1.0" / "focus_sample.csv").open(newline="") as handle:
        providers = {row["ProviderName"] for row in csv.DictReader(handle)}
    assert "Google Cloud" not in providers and not any("google" in p.lower() for p in providers)
