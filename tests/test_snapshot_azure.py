"""The bundled Azure rows (pricing_data/azure) are exactly what pricing_data/build_azure.py makes from ../shared."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from finguard.pricing.resources.azure import _meters as m
from finguard.pricing.snapshot import PriceRecord, SourceRecord
from finguard.pricing.sources.azure_retail import catalog_attributes

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
PRICING_DATA = REPO_ROOT / "pricing_data"
AZURE = PRICING_DATA / "azure"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"public data not found at {SHARED}")


def _load_builder() -> ModuleType:
    name = "finguard_build_azure"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, PRICING_DATA / "build_azure.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _rows(root: Path) -> list[dict]:
    return [json.loads(line) for path in sorted(root.glob("*.jsonl")) for line in path.read_text().splitlines()]


def _find(rows: list[dict], service: str, region: str, **filters: str) -> dict:
    found = [r for r in rows if r["service"] == service and r["region"] == region
             and all(r["attributes"].get(k) == v for k, v in filters.items())]
    assert len(found) == 1, (service, region, filters, found)
    return found[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("snapshot")
    _load_builder().build(SHARED, out)
    return out / "azure"


@needs_shared
def test_bundled_rows_are_reproduced_byte_for_byte(built: Path) -> None:
    def files(root: Path) -> list[str]:
        return sorted(p.name for p in root.iterdir() if p.suffix in (".json", ".jsonl"))

    assert files(built) == files(AZURE)
    for name in files(AZURE):
        assert (built / name).read_bytes() == (AZURE / name).read_bytes(), f"{name} differs; rerun build_azure.py"


@needs_shared
def test_sources_record_where_the_figures_come_from(built: Path) -> None:
    sources = {s["id"]: SourceRecord.model_validate(s) for s in json.loads((built / "sources.json").read_text())}
    assert set(sources) == {"focus-1.0-sample-azure", "infracost-golden-azure"}
    focus = sources["focus-1.0-sample-azure"]
    focus_csv = SHARED / "billing" / "focus-1.0" / "focus_sample.csv"
    assert focus.sha256 == hashlib.sha256(focus_csv.read_bytes()).hexdigest() and focus.published == "2024-09-30"
    golden = sources["infracost-golden-azure"]
    root = SHARED / "reference" / "infracost-goldens" / "azure" / "testdata"
    manifest = "".join(
        f"{hashlib.sha256((root / test / f'{test}{ext}').read_bytes()).hexdigest()}  {test}/{test}{ext}\n"
        for test in _load_builder().GOLDEN_TESTS for ext in (".golden", ".tf"))
    assert golden.sha256 == hashlib.sha256(manifest.encode()).hexdigest()
    for source in sources.values():
        assert source.kind == "snapshot" and source.url and source.retrieved and source.license


def test_rows_follow_the_retail_api_conventions() -> None:
    rows = _rows(AZURE)
    assert rows, "pricing_data/azure holds no rows"
    for row in rows:
        record = PriceRecord.model_validate(row)
        attrs = record.attributes
        assert attrs["type"] == "Consumption" and attrs["unitOfMeasure"] == record.unit
        assert record.usd > 0
        if "productName" in attrs:  # the attributes a synced row of the same item would carry
            assert catalog_attributes(record.service, attrs) == attrs
        if record.service == "Virtual Machines":
            assert attrs["armSkuName"].startswith(("Standard_", "Basic_"))
            assert attrs["operatingSystem"] in ("Linux", "Windows")


def test_figures_were_observed_in_their_region_not_copied() -> None:
    rows = _rows(AZURE)
    # Infracost's goldens price eastus, westus and westeurope resources; FOCUS rows add eastus2; meters
    # Azure publishes for all regions are under Global. No other region appears.
    assert {r["region"] for r in rows} == {"eastus", "eastus2", "westus", "westeurope", "Global"}
    assert {r["service"] for r in rows if r["region"] == "Global"} == {"NAT Gateway", "Load Balancer", "SQL Database"}
    f2_east = _find(rows, "Virtual Machines", "eastus", **m.vm_filters("Standard_F2", "Linux"))
    f2_west = _find(rows, "Virtual Machines", "westeurope", **m.vm_filters("Standard_F2", "Linux"))
    assert Decimal(f2_east["usd"]) != Decimal(f2_west["usd"])  # 72.27/730 and 83.22/730: two observations


def test_spot_checks_against_the_public_figures() -> None:
    rows = _rows(AZURE)
    # golden: Standard_D2_v2 Windows AKS nodes 3,650 h = $868.70 -> 0.238/h
    assert _find(rows, "Virtual Machines", "eastus", **m.vm_filters("Standard_D2_v2", "Windows"))["usd"] == "0.238"
    # FOCUS: "Premium SSD Managed Disks - P4 LRS - US East" ListUnitPrice 5.27 (Infracost's 5.28 is overridden)
    p4 = _find(rows, "Storage", "eastus", **m.disk_filters(m.DiskTier("P", "P4", "LRS")))
    assert (p4["usd"], p4["source"], p4["sku"]) == ("5.27", "focus-1.0-sample-azure", "1073140")
    # S4 LRS in eastus: 1-disk lines give $1.54, the 5-disk AKS line $7.68; 1.535 and 1.536 both fit -> no row
    assert not [r for r in rows if r["region"] == "eastus" and r["attributes"].get("skuName") == "S4 LRS"
                and r["unit"] == "1/Month"]
    # SQL S12 is priced per day: 730 h = $4,415.59 -> 145.17/day
    assert _find(rows, "SQL Database", "eastus", skuName="S12")["usd"] == "145.17"
    # Hot LRS blob capacity in westus: three chained tiers
    hot = sorted((r for r in rows if r["region"] == "westus"
                  and r["attributes"].get("meterName") == "Hot LRS Data Stored"), key=lambda r: r["begin_range"])
    assert [(r["begin_range"], r["end_range"]) for r in hot] == [(0.0, 51200.0), (51200.0, 512000.0), (512000.0, None)]
